"""Hostile inputs for the loaders: mutated scenario files and corrupted world directories.

Each mutation is a pure function of a seed (``random.Random(seed)``), so the property tests
(``tests/test_fuzz_loaders.py``, which draw seeds with hypothesis) and the campaign
(``benchmarks/fuzz_campaign.py``, which runs the command line on seeds 0..N-1) exercise exactly
the same files. The mutations are the ones a fault campaign found harmful, and their cousins:
byte damage, other encodings, hostile scalars (NaN, infinities, huge numbers, negative sizes),
duplicate keys, deep nesting, alias bombs, long strings; for worlds, times outside 1677-2262,
unix milliseconds, sub-microsecond times, infinite counts, truncated or corrupt compression,
empty files, garbage Parquet and long text cells.
"""

from __future__ import annotations

import gzip
import random
import shutil
from pathlib import Path

__all__ = [
    "SCENARIOS",
    "mutate_scenario",
    "corrupt_world",
    "write_base_world",
    "SCENARIO_MUTATIONS",
    "WORLD_MUTATIONS",
]

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

HOSTILE_SCALARS = [
    ".nan",
    ".inf",
    "-.inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "2147483648",
    "9223372036854775808",
    "1" + "0" * 500,
    "1e100",
    "[]",
    "{}",
    "null",
    "~",
    "true",
    "'x'",
    '"\\u0000"',
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "2024-13-45",
    "*nowhere",
    "&anchor 3",
    "'" + "x" * 5000 + "'",
    "0x7fffffffffffffff",
    ".NaN",
    "1e-400",
    "{count: 1e9}",
    "[1, [2, [3]]]",
    '"\\ud800"',
    "!!set {a, b}",
    "<<: {x: 1}",
]
SIZE_KEYS = [
    "accounts",
    "size",
    "count",
    "days",
    "follows_per_account",
    "events_per_account",
    "communities",
    "cycles",
    "posts_per_day",
    "activity",
    "attention",
    "padding",
    "follows",
    "per_post",
    "cascade_size",
    "at_most",
    "at_least",
    "tolerance",
    "horizon",
    "after_days",
    "top",
    "seed",
]
HUGE = [
    "1e308",
    "2147483648",
    "1e100",
    "10000000",
    "999999999999",
    "1e15",
    ".inf",
    ".nan",
    "-5",
    "1e6",
]


def _billion_laughs() -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or ["\n"]


def _m_flip_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _m_truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _m_delete_span(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + data[i + rng.randint(1, 200) :]


def _m_insert_garbage(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + data[i:]


def _m_encoding(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace") + "# café, naïve\n"
    return text.encode(
        rng.choice(["latin-1", "utf-16", "utf-16-le", "utf-32", "cp1252", "utf-16-be"]),
        errors="replace",
    )


def _m_bom(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"]) + data


def _m_nul(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\x00" * rng.randint(1, 4) + data[i:]


def _m_hostile_scalar(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data.decode("utf-8", "replace"))
    idx = [i for i, line in enumerate(lines) if ":" in line and not line.strip().endswith(":")]
    if not idx:
        return data
    i = rng.choice(idx)
    key, _, _ = lines[i].partition(":")
    lines[i] = f"{key}: {rng.choice(HOSTILE_SCALARS)}\n"
    return "".join(lines).encode()


def _m_huge_size(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    key = rng.choice(SIZE_KEYS)
    value = rng.choice(HUGE)
    if f"{key}:" in text:
        head, _, rest = text.partition(f"{key}:")
        tail = rest.split("\n", 1)
        end = tail[0]
        cut = min([p for p in (end.find(","), end.find("}")) if p >= 0] or [len(end)])
        return (
            head + f"{key}: {value}" + end[cut:] + ("\n" + tail[1] if len(tail) > 1 else "")
        ).encode()
    return (text + f"\npopulation: {{{key}: {value}}}\n").encode()


def _m_duplicate_key(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data.decode("utf-8", "replace"))
    idx = [i for i, line in enumerate(lines) if ":" in line]
    if not idx:
        return data
    i = rng.choice(idx)
    lines.insert(i + 1, lines[i] if lines[i].endswith("\n") else lines[i] + "\n")
    return "".join(lines).encode()


def _m_deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([70, 500, 5000, 100_000])
    style = rng.choice(["flow", "block"])
    if style == "flow":
        nest = "[" * depth + "]" * depth
        return data + f"\ndeep: {nest}\n".encode()
    block = "deep:\n" + "".join("  " * (i + 1) + "- \n" for i in range(min(depth, 3000)))
    return data + block.encode()


def _m_laughs(rng: random.Random, data: bytes) -> bytes:
    bomb = _billion_laughs()
    target = rng.choice(
        [
            "checks: *l9\n",
            "cohorts: *l9\n",
            "title: *l9\n",
            "extra: *l9\n",
            "population: {accounts: *l8}\n",
        ]
    )
    return (bomb + data.decode("utf-8", "replace") + target).encode()


def _m_swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data.decode("utf-8", "replace"))
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines).encode()


def _m_indent(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data.decode("utf-8", "replace"))
    i = rng.randrange(len(lines))
    lines[i] = " " * rng.randint(1, 7) + lines[i]
    return "".join(lines).encode()


def _m_long_string(rng: random.Random, data: bytes) -> bytes:
    return data + f"\ntitle: {'x' * rng.choice([10_000, 1_000_000])}\n".encode()


def _m_documents(rng: random.Random, data: bytes) -> bytes:
    return data + b"\n---\nid: second\n"


def _m_many_cohorts(rng: random.Random, data: bytes) -> bytes:
    n = rng.choice([100, 2000, 20_000])
    body = "".join(
        f"  - {{name: m{i}, behaviour: bought_followers, size: {rng.choice([1, 1000])}, "
        f"params: {{count: {rng.choice([10, 100000])}}}}}\n"
        for i in range(n)
    )
    return data + ("\ncohorts:\n" + body).encode()


def _m_empty(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"", b"\n", b"---\n", b"[]\n", b"42\n", b"~\n"])


SCENARIO_MUTATIONS = {
    f.__name__[3:]: f
    for f in (
        _m_flip_bytes,
        _m_truncate,
        _m_delete_span,
        _m_insert_garbage,
        _m_encoding,
        _m_bom,
        _m_nul,
        _m_hostile_scalar,
        _m_huge_size,
        _m_duplicate_key,
        _m_deep,
        _m_laughs,
        _m_swap_lines,
        _m_indent,
        _m_long_string,
        _m_documents,
        _m_many_cohorts,
        _m_empty,
    )
}
_SCENARIO_WEIGHTS = {"hostile_scalar": 6, "huge_size": 6, "duplicate_key": 2, "flip_bytes": 3}


def mutate_scenario(seed: int) -> tuple[bytes, list[str]]:
    """A mutated bundled scenario (its bytes) and the names of the mutations applied."""
    rng = random.Random(seed)
    data = rng.choice(SCENARIOS).read_bytes()
    names = list(SCENARIO_MUTATIONS)
    weights = [_SCENARIO_WEIGHTS.get(n, 1) for n in names]
    applied = rng.choices(names, weights, k=rng.randint(1, 3))
    for name in applied:
        data = SCENARIO_MUTATIONS[name](rng, data)
    return data, applied


# ---------------------------------------------------------------------------------------------
# worlds


def write_base_world(path: Path, seed: int = 0, accounts: int = 40) -> Path:
    """A small generated world in ``path`` (CSV)."""
    from auditkit import generate_world

    generate_world(accounts, seed=seed, days=30).write(path)
    return path


BAD_TIMES = [
    "9999-12-31T00:00:00Z",
    "1500-01-01",
    "1714564800000",
    "-1e12",
    "1e20",
    "inf",
    "nan",
    "2024-01-01T00:00:00.123456789Z",
    "2024-01-01T00:00:00.1234567891234Z",
    "2024-02-30",
    "",
    "0001-01-01",
    "+12345-01-01",
    "1.5",
    "1714564800.123456789",
    "2262-04-12T00:00:00Z",
    "1677-09-21T00:00:00Z",
    "yesterday",
]
BAD_COUNTS = ["inf", "-1", "1e400", "nan", "-inf", "1e308", "x", "", "3.5", "0x10"]
BAD_IDS = ["", " ", "x" * 20_000, "u0", "nobody", "\u0000", '"quoted,comma"']


def _csv_rows(path: Path) -> list[list[str]]:
    import csv
    import io

    csv.field_size_limit(1 << 30)
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _w_cell(rng: random.Random, root: Path) -> str:
    table = rng.choice(["accounts", "follows", "events"])
    path = root / f"{table}.csv"
    rows = _csv_rows(path)
    if len(rows) < 2:
        return "cell:skip"
    col = rng.randrange(len(rows[0]))
    name = rows[0][col]
    pool = (
        BAD_TIMES
        if name in ("time", "created", "until")
        else BAD_COUNTS
        if name.endswith("_count")
        else BAD_IDS + BAD_TIMES[:3]
    )
    rows[rng.randrange(1, len(rows))][col] = rng.choice(pool)
    _write_rows(path, rows)
    return f"cell:{table}.{name}"


def _w_count_column(rng: random.Random, root: Path) -> str:
    path = root / "accounts.csv"
    rows = _csv_rows(path)
    col = rng.choice(["followers_count", "following_count", "posts_count"])
    rows[0].append(col)
    for row in rows[1:]:
        row.append(str(rng.randint(0, 1000)))
    rows[rng.randrange(1, len(rows))][-1] = rng.choice(BAD_COUNTS)
    _write_rows(path, rows)
    return f"counts:{col}"


def _w_bytes(rng: random.Random, root: Path) -> str:
    path = root / f"{rng.choice(['accounts', 'follows', 'events'])}.csv"
    data = bytearray(path.read_bytes())
    how = rng.choice(
        ["flip", "truncate", "garbage", "latin1", "utf16", "nul", "empty", "header-only", "bom"]
    )
    if how == "flip":
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == "truncate":
        data = data[: rng.randrange(len(data))]
    elif how == "garbage":
        i = rng.randrange(len(data))
        data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 50)))
    elif how == "latin1":
        i = rng.randrange(data.index(b"\n") + 1, len(data))
        data[i:i] = "é".encode("latin-1")
    elif how == "utf16":
        data = bytearray(data.decode("utf-8").encode("utf-16"))
    elif how == "nul":
        data[rng.randrange(len(data))] = 0
    elif how == "empty":
        data = bytearray()
    elif how == "header-only":
        data = data[: data.index(b"\n") + 1]
    elif how == "bom":
        data = bytearray(b"\xef\xbb\xbf") + data
    path.write_bytes(bytes(data))
    return f"bytes:{path.stem}:{how}"


def _w_header(rng: random.Random, root: Path) -> str:
    table = rng.choice(["accounts", "follows", "events"])
    path = root / f"{table}.csv"
    rows = _csv_rows(path)
    how = rng.choice(["drop", "unknown", "duplicate", "rename"])
    if how == "drop":
        col = rng.randrange(len(rows[0]))
        rows = [r[:col] + r[col + 1 :] for r in rows]
    elif how == "unknown":
        rows[0].append("mystery")
        for r in rows[1:]:
            r.append("1")
    elif how == "duplicate":
        rows[0].append(rows[0][0])
        for r in rows[1:]:
            r.append(r[0])
    else:
        rows[0][rng.randrange(len(rows[0]))] = "Time"
    _write_rows(path, rows)
    return f"header:{table}:{how}"


def _w_gzip(rng: random.Random, root: Path) -> str:
    table = rng.choice(["accounts", "follows", "events"])
    path = root / f"{table}.csv"
    packed = gzip.compress(path.read_bytes())
    how = rng.choice(["truncate", "flip", "plain-named-gz", "ok"])
    if how == "truncate":
        packed = packed[: rng.randrange(1, len(packed))]
    elif how == "flip":
        b = bytearray(packed)
        b[rng.randrange(10, len(b))] ^= 0xFF
        packed = bytes(b)
    elif how == "plain-named-gz":
        packed = path.read_bytes()
    path.unlink()
    (root / f"{table}.csv.gz").write_bytes(packed)
    return f"gzip:{table}:{how}"


def _w_parquet(rng: random.Random, root: Path) -> str:
    import pandas as pd

    table = rng.choice(["accounts", "follows", "events"])
    path = root / f"{table}.csv"
    how = rng.choice(["garbage", "truncate", "ok", "text"])
    target = root / f"{table}.parquet"
    if how == "garbage":
        target.write_bytes(b"PAR1" + bytes(rng.randrange(256) for _ in range(64)) + b"PAR1")
    elif how == "text":
        target.write_bytes(path.read_bytes())
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.to_parquet(target, index=False)
        if how == "truncate":
            data = target.read_bytes()
            target.write_bytes(data[: rng.randrange(len(data))])
    path.unlink()
    return f"parquet:{table}:{how}"


def _w_long_text(rng: random.Random, root: Path) -> str:
    path = root / "accounts.csv"
    rows = _csv_rows(path)
    col = rows[0].index("label") if "label" in rows[0] else 0
    rows[rng.randrange(1, len(rows))][col] = "x" * rng.choice([20_000, 1_000_000])
    _write_rows(path, rows)
    return "long-text"


def _w_remove(rng: random.Random, root: Path) -> str:
    table = rng.choice(["accounts", "follows", "events", "all"])
    for p in root.iterdir():
        if table == "all" or p.name.startswith(table):
            p.unlink()
    return f"remove:{table}"


WORLD_MUTATIONS = {
    f.__name__[3:]: f
    for f in (
        _w_cell,
        _w_count_column,
        _w_bytes,
        _w_header,
        _w_gzip,
        _w_parquet,
        _w_long_text,
        _w_remove,
    )
}
_WORLD_WEIGHTS = {"cell": 6, "bytes": 4, "count_column": 2}


def corrupt_world(base: Path, target: Path, seed: int) -> list[str]:
    """Copy the world ``base`` to ``target`` and corrupt it; the mutations applied."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target)
    names = list(WORLD_MUTATIONS)
    weights = [_WORLD_WEIGHTS.get(n, 1) for n in names]
    applied = []
    for name in rng.choices(names, weights, k=rng.randint(1, 2)):
        try:
            applied.append(WORLD_MUTATIONS[name](rng, target))
        except (FileNotFoundError, ValueError, IndexError, UnicodeDecodeError):
            applied.append(f"{name}:not-applicable")  # an earlier mutation changed the file
    return applied


# ---------------------------------------------------------------------------------------------
# parameters at their bounds (valid scenarios that must also audit cleanly)


def _bounds(field) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        hi = getattr(m, "lt", None) if getattr(m, "lt", None) is not None else hi
    return lo, hi


def mutate_parameters(seed: int, registry) -> tuple[str, list[str]]:
    """A bundled scenario, shrunk to a small population, with one to three numeric
    parameters of its cohorts or checks set to a bound, zero, one or a random value within
    the bounds: a file ``validate`` may accept, whose audit must then run cleanly."""
    import yaml

    rng = random.Random(seed)
    data = yaml.safe_load(rng.choice(SCENARIOS).read_text())
    data["population"] = dict(
        data.get("population") or {}, accounts=rng.choice([50, 200]), days=rng.choice([10, 30, 120])
    )
    applied = []
    for _ in range(rng.randint(1, 3)):
        if data.get("cohorts") and rng.random() < 0.6:
            target = rng.choice(data["cohorts"])
            model = registry.behaviours[target["behaviour"]].Params
            params = target.setdefault("params", {})
            if rng.random() < 0.2:
                target["size"] = rng.choice([1, 2, 500, 5000])
                applied.append(f"size={target['size']}")
                continue
        else:
            target = rng.choice(data["checks"])
            model = registry.probes[target["probe"]].Params
            params = target
        fields = [
            (n, f)
            for n, f in model.model_fields.items()
            if f.annotation in (int, float, int | None, float | None)
        ]
        if not fields:
            continue
        name, field = rng.choice(fields)
        lo, hi = _bounds(field)
        is_int = field.annotation in (int, int | None)
        candidates = [0, 1, 2, 7, 1e3, 1e6, 0.5, 1e-9]
        candidates += [v for v in (lo, hi) if v is not None]
        value: float = rng.choice(candidates)
        if rng.random() < 0.3 and lo is not None and hi is not None:
            value = rng.uniform(lo, hi)
        if lo is not None and value < lo:
            value = lo
        if hi is not None and value > hi:
            value = hi
        params[name] = int(value) if is_int else float(value)
        applied.append(f"{name}={params[name]}")
    return yaml.safe_dump(data, sort_keys=False), applied
