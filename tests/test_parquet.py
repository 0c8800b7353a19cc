"""Parquet worlds read in chunks into compact columns: the same world as the validating pandas
path, the same errors (file, row, column), partitioned directories, integer ids, and the
chunked synthetic writer behind the 10M-account benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from auditkit import World, generate_world, get_registry, read_world, run_scorer
from auditkit.cli import main
from auditkit.data import parquet as parquet_module
from auditkit.data.scale import write_synthetic_world
from auditkit.errors import WorldError


def _pandas_world(root) -> World:
    """The world through the generic path: pandas tables validated by ``World``."""
    return World(
        *[pd.read_parquet(root / f"{name}.parquet") for name in ("accounts", "follows", "events")]
    )


def _same(a: World, b: World) -> None:
    assert list(a.ids) == list(b.ids)
    for name in ("accounts", "follows", "events"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns), name
        for col in x.columns:
            assert x[col].astype(object).equals(y[col].astype(object)), (name, col)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    world = generate_world(1500, seed=21)
    root = tmp_path_factory.mktemp("pq") / "w"
    world.write(root, format="parquet")
    return world, root


def test_chunked_reader_gives_the_validated_world(written, monkeypatch):
    world, root = written
    monkeypatch.setattr(parquet_module, "BATCH_ROWS", 997)  # many batches, none aligned
    fast = read_world(root)
    _same(fast, _pandas_world(root))
    _same(fast, world)
    assert fast.events["actor"].cat.codes.dtype.itemsize <= 4  # pandas narrows the codes
    assert fast.events["post"].dtype == np.int32  # the narrowest type that holds the ids
    registry = get_registry()
    for sid in registry.built_in_scorers():
        scorer = registry.scorer(sid)
        assert run_scorer(scorer, fast).equals(run_scorer(scorer, world)), sid


def test_partitioned_events_directory_reads_as_one_table(written, tmp_path):
    world, _ = written
    world.write(tmp_path / "w", format="parquet", event_files=4)
    assert len(list((tmp_path / "w" / "events").glob("*.parquet"))) == 4
    _same(read_world(tmp_path / "w"), world)


def test_unsorted_events_are_sorted(written, tmp_path):
    world, root = written
    events = pd.read_parquet(root / "events.parquet").iloc[::-1]
    out = tmp_path / "w"
    out.mkdir()
    for name in ("accounts", "follows"):
        (out / f"{name}.parquet").write_bytes((root / f"{name}.parquet").read_bytes())
    events.to_parquet(out / "events.parquet", index=False)
    np.testing.assert_array_equal(read_world(out).event_time_ns, world.event_time_ns)


def _table(path, **columns):
    pq.write_table(pa.table(columns), path)


@pytest.fixture
def small(tmp_path):
    _table(tmp_path / "accounts.parquet", account=["a", "b", "c"])
    _table(tmp_path / "follows.parquet", follower=["a", "b"], followee=["b", "c"])
    _table(
        tmp_path / "events.parquet",
        time=[1, 2, 3],
        actor=["a", "b", "c"],
        action=["post", "like", "post"],
        target=[None, "a", None],
    )
    return tmp_path


@pytest.mark.parametrize(
    ("table", "columns", "message"),
    [
        (
            "follows",
            {"follower": ["a", "zed"], "followee": ["b", "c"]},
            r"follows.parquet, row 2, column 'follower': follower 'zed' is not an account",
        ),
        (
            "follows",
            {"follower": ["a", "b", "a"], "followee": ["b", "c", "b"]},
            r"row 3, column 'followee': 'a' follows 'b' twice",
        ),
        (
            "follows",
            {"follower": ["a", "c"], "followee": ["b", "c"]},
            r"row 2, column 'followee': account 'c' follows itself",
        ),
        (
            "events",
            {"time": [1, 2], "actor": ["a", "b"], "action": ["post", "boost"]},
            r"events.parquet, row 2, column 'action': unknown action 'boost'",
        ),
        (
            "events",
            {
                "time": [1, 2],
                "actor": ["a", "b"],
                "action": ["post", "reply"],
                "target": [None, None],
            },
            r"row 2, column 'target': a 'reply' needs a target",
        ),
        (
            "events",
            {"time": [1, 2], "actor": ["a", None], "action": ["post", "post"]},
            r"row 2, column 'actor': empty actor",
        ),
        (
            "accounts",
            {"account": ["a", "b", "a"]},
            r"accounts.parquet, row 3, column 'account': duplicate account 'a' \(first at row 1\)",
        ),
        (
            "follows",
            {"follower": ["a"], "followee": ["b"], "weight": [1]},
            r"unknown column 'weight'",
        ),
    ],
)
def test_errors_name_the_file_the_row_and_the_column(small, table, columns, message):
    _table(small / f"{table}.parquet", **columns)
    with pytest.raises(WorldError, match=message):
        read_world(small)


def test_integer_ids_are_read_as_their_decimal_text(tmp_path):
    _table(tmp_path / "accounts.parquet", account=pa.array([7, 42, 1000], pa.int64()))
    _table(
        tmp_path / "follows.parquet",
        follower=pa.array([7, 1000], pa.int64()),
        followee=pa.array([42, 7], pa.int64()),
    )
    world = read_world(tmp_path)
    assert list(world.ids) == ["7", "42", "1000"]
    assert world.follows["follower"].astype(str).tolist() == ["7", "1000"]
    _table(
        tmp_path / "follows.parquet",
        follower=pa.array([7, 8], pa.int64()),
        followee=pa.array([42, 7], pa.int64()),
    )
    with pytest.raises(WorldError, match="row 2, column 'follower': follower '8'"):
        read_world(tmp_path)


def test_synthetic_writer_is_deterministic_and_loads(tmp_path):
    a = write_synthetic_world(tmp_path / "a", 3000, 30_000, 40_000, seed=3, chunk=7_000)
    b = write_synthetic_world(
        tmp_path / "b", 3000, 30_000, 40_000, seed=3, chunk=7_000, event_files=3
    )
    wa, wb = read_world(a), read_world(b)
    _same(wa, wb)
    assert 25_000 < len(wa.follows) <= 30_000 and 35_000 < len(wa.events) <= 40_000
    f = wa.follows
    assert not (f["follower"] == f["followee"]).any()
    assert (wa.follows["time"] < wa.events["time"].min()).all()
    src, dst = wa.follow_codes
    assert np.isin(src * 3000 + dst, dst * 3000 + src).mean() > 0.1  # follow-backs
    registry = get_registry()
    for sid in registry.built_in_scorers():
        scores = run_scorer(registry.scorer(sid), wa)
        assert scores.std() > 0, sid
    assert read_world(b, lazy=True).lazy_events.rows == len(wa.events)


def test_import_writes_parquet_after_a_plain_install(tmp_path):
    source = tmp_path / "edges.txt"
    source.write_text("a b\nb c\nc a\n")
    result = CliRunner().invoke(
        main, ["import", "edgelist", str(source), "-o", str(tmp_path / "w"), "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "follows.parquet").is_file()
    assert len(read_world(tmp_path / "w").follows) == 3


@pytest.mark.parametrize("sid", ["pagerank", "trustrank", "sybilrank"])
def test_float32_graph_iterations_stay_close_to_float64(written, sid):
    world, _ = written
    registry = get_registry()
    wide = run_scorer(registry.scorer(sid), world)
    narrow = run_scorer(registry.scorer(sid, dtype="float32"), world)
    assert wide.std() > 0
    assert np.abs(wide - narrow).max() < 1e-3  # scores 0..100; float32 carries ~7 digits
    assert np.corrcoef(wide, narrow)[0, 1] > 0.99999
