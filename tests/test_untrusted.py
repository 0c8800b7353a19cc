"""Untrusted scenario files: size, encoding, nesting, aliases, duplicate keys and non-finite
numbers are refused early, with the file, the line and a short excerpt."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from auditkit.errors import AuditkitError, ScenarioError
from auditkit.plugin.registry import get_registry
from auditkit.scenario.model import load_scenario
from auditkit.untrusted import (
    Limits,
    decode_text,
    excerpt,
    load_json,
    load_yaml,
    read_text,
)

SCENARIO = textwrap.dedent("""\
    id: tiny
    flaw: F7
    title: A tiny scenario
    acceptable: Buyers gain little.
    source: a test
    population: {accounts: 100, days: 30}
    cohorts:
      - name: buyers
        behaviour: bought_followers
        size: 2
        params: {count: 10}
    checks:
      - probe: gain
        cohort: buyers
        expect: {kind: minimum, at_most: 5}
    """)


def laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def load(tmp_path, text: str | bytes, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return load_scenario(path, get_registry()), path


def refusal(tmp_path, text: str | bytes) -> str:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, text)
    return str(info.value)


def test_the_reference_scenario_loads(tmp_path):
    scenario, _ = load(tmp_path, SCENARIO)
    assert scenario.cohorts[0].params == {"count": 10}


def test_the_loader_reads_what_safe_load_reads():
    for path in sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml")):
        text = path.read_text()
        assert load_yaml(text, str(path))[0] == yaml.safe_load(text)
    for text in [
        "a: [1, 2.5, true, null, 2001-12-14, 0x1f, '1']\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
        "s: !!set {a, b}\n",
        "shared: &s [1, 2]\nagain: *s\n",
    ]:
        assert load_yaml(text, "t")[0] == yaml.safe_load(text)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_billion_laughs_is_refused_fast_and_small(tmp_path):
    """The 732-byte file of the fault campaign (nine levels of nine aliases): refused after
    reading a few lines, in a fresh process that stays small."""
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs() + SCENARIO.replace("checks:", "extra: *a9\nchecks:"))
    code = textwrap.dedent(f"""
        import time
        from auditkit.errors import ScenarioError
        from auditkit.scenario.model import load_scenario

        def peak_kib():  # VmHWM: this process's own peak (ru_maxrss survives exec)
            with open("/proc/self/status") as fh:
                return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM"))

        started = time.monotonic()
        try:
            load_scenario({str(path)!r})
        except ScenarioError as exc:
            print(time.monotonic() - started, peak_kib(), str(exc))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    seconds, peak_kib, message = out.split(" ", 2)
    assert float(seconds) < 2.0
    assert int(peak_kib) < 400_000  # a few hundred MB is the interpreter and pandas
    # refused as soon as the anchors defined so far expand past the limit (9**7 > 4,000,000)
    assert "line 7" in message and "aliases" in message and len(message) < 400


def test_alias_expansion_is_counted_not_performed():
    data, _ = load_yaml(laughs(3), "t")  # 9**4 values: well within the limit
    assert data["a3"][0][0] is data["a1"]  # shared, as safe_load shares them
    with pytest.raises(AuditkitError, match=r"t, line 3: .*more than 500 values"):
        load_yaml(laughs(3), "t", limits=Limits(max_nodes=500))


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("a: 1\nb: 2\na: 3\n", 3, "the key 'a' is given twice in one mapping (first on line 1)"),
        ("x:\n  k: 1\n  k: 2\n", 3, "given twice"),
        ("a: *missing\n", 1, "refers to no anchor"),
        ("a: &x 1\nb: &x 2\n", 2, "defined twice"),
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
        ("a: " + "9" * 5000 + "\n", 1, "a number of 5,000 characters"),
        ("a: 2001-13-45\n", 1, "month must be in 1..12"),
        ("a: [1, 2\n", 2, "invalid YAML"),
        ("? [a]\n: 1\n", 1, "a mapping key must be a plain value"),
    ],
)
def test_structural_problems_name_their_line(text, line, fragment):
    with pytest.raises(AuditkitError) as info:
        load_yaml(text, "f.yaml")
    assert str(info.value).startswith(f"f.yaml, line {line}: ")
    assert fragment in str(info.value)


@pytest.mark.parametrize("depth", [65, 1000, 200_000])
def test_deep_nesting_is_refused_without_recursion(depth):
    started = time.monotonic()
    # libyaml refuses flow nesting beyond its own limit before auditkit's count does
    with pytest.raises(
        AuditkitError,
        match="f, line 1: .*(nests more than 64 levels|exceeded maximum nesting depth)",
    ):
        load_yaml("a: " + "[" * depth + "]" * depth + "\n", "f")
    block = "a:\n" + "".join("  " * (i + 1) + "- \n" for i in range(min(depth, 3000)))
    with pytest.raises(AuditkitError, match="nests more than 64 levels"):
        load_yaml(block, "f")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "data, fragment",
    [
        (
            "id: é\n".encode("latin-1"),
            "line 1, column 5: byte 0xE9 is not UTF-8; the file looks "
            "like Windows-1252 or Latin-1 text",
        ),
        ("id: x\n".encode("utf-16"), "the text is UTF-16LE (it starts with a UTF-16 byte-order"),
        ("id: x\n".encode("utf-32"), "UTF-32LE"),
        ("id: x\n".encode("utf-16-le"), "looks like UTF-16LE (every other byte is 0)"),
        (b"id: x\nflaw: \x00\x01\x02", "line 2, column 7: binary data (a NUL byte)"),
    ],
)
def test_other_encodings_are_refused_with_where_and_how_to_fix(tmp_path, data, fragment):
    message = refusal(tmp_path, data)
    assert message.startswith(str(tmp_path / "s.yaml"))
    assert fragment in message
    assert "iconv" in message or "binary" in message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    scenario, _ = load(tmp_path, b"\xef\xbb\xbf" + SCENARIO.encode())
    assert scenario.id == "tiny"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 2000)
    with pytest.raises(AuditkitError, match=r"2,000 bytes; at most 1,000 are read"):
        read_text(path, what="scenario file", limits=Limits(max_bytes=1000))


@pytest.mark.parametrize(
    "field, value, line",
    [
        ("at_most: 5", "at_most: .nan", 15),
        ("at_most: 5", "at_most: .inf", 15),
        ("{accounts: 100, days: 30}", "{accounts: 100, days: .nan}", 6),
        ("{count: 10}", "{count: .inf}", 11),
    ],
)
def test_nan_and_infinite_numbers_are_refused_at_their_line(tmp_path, field, value, line):
    message = refusal(tmp_path, SCENARIO.replace(field, value))
    assert f"line {line}" in message
    assert "finite number" in message


def test_a_duplicate_key_in_a_scenario_points_at_the_second_one(tmp_path):
    text = SCENARIO.replace("    size: 2\n", "    size: 2\n    size: 3\n")
    message = refusal(tmp_path, text)
    assert ", line 11: the key 'size' is given twice in one mapping (first on line 10)" in message


def test_messages_quote_only_an_excerpt_of_a_huge_value(tmp_path):
    huge = "x" * 1_000_000
    message = refusal(tmp_path, SCENARIO.replace("flaw: F7", f"flaw: '{huge}'"))
    assert "line 2" in message and len(message) < 500
    message = refusal(tmp_path, SCENARIO.replace("{count: 10}", f"{{count: '{huge}'}}"))
    assert "count" in message and len(message) < 800


def test_excerpt_is_bounded_whatever_the_value():
    nested: list = []
    for _ in range(30):
        nested = [nested] * 9  # 9**30 leaves if expanded
    started = time.monotonic()
    assert len(excerpt(nested)) <= 80
    assert len(excerpt("y" * 10**7)) <= 82
    assert excerpt(3.5) == "3.5"
    assert time.monotonic() - started < 1


def test_decode_text_keeps_utf8():
    assert decode_text("naïve ünïcode\n".encode(), "f") == "naïve ünïcode\n"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": 1e999}', "the number 1e999 is too large"),
        ("[" * 100_000, "nests too deeply"),
        ('{"a": 1,}', "line 1, column 9: not valid JSON"),
        (b"\xff\xfe{\x00}\x00", "UTF-16LE"),
    ],
)
def test_json_is_read_safely(text, fragment):
    with pytest.raises(AuditkitError, match=fragment.replace("(", r"\(")):
        load_json(text, "r.json")
    assert load_json('{"a": NaN}', "r", non_finite=True)["a"] != 0  # NaN, for a caller


def test_a_param_value_is_read_with_the_same_loader():
    from auditkit.plugin.params import parse_param_value

    assert parse_param_value("[1, 2]") == [1, 2]
    assert parse_param_value(laughs()) == laughs()  # refused as YAML: kept as text
    assert parse_param_value("{a: 1, a: 2}") == "{a: 1, a: 2}"


def test_validate_on_the_command_line_refuses_without_a_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes("id: café\n".encode("latin-1"))
    result = subprocess.run(
        [sys.executable, "-m", "auditkit", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: {path}, line 1, column 8: byte 0xE9 is not UTF-8")


def test_limits_are_not_shared_state():
    assert Limits().max_depth == 64  # the module-level default is unchanged
