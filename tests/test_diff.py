"""`auditkit diff` and scorer specs: verdict changes, paired intervals, the gate, tolerances,
the baseline, and naming the same scorer twice."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.auditing.diff import compare, harm, verdict_change
from auditkit.auditing.results import COLUMNS, SEED_COLUMNS, Results
from auditkit.auditing.tolerances import parse_tolerances
from auditkit.cli import main
from auditkit.errors import AuditkitError, ParameterError
from auditkit.plugin.spec import parse_scorer_spec, scorer_specs
from auditkit.scenario.library import bundled_scenarios

#: scenarios about bought and farmed followers: what a follower weight raised lets through
SCENARIOS = ("bought-followers.yaml", "follow-back-farm.yaml", "sabotage.yaml")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("diff") / "audits"
    path.mkdir()
    for name in SCENARIOS:
        shutil.copy(bundled_scenarios() / name, path / name)
    return path


@pytest.fixture(scope="module")
def baseline(scenario_dir, tmp_path_factory):
    """``baseline(base)``: kred's audit of the scenarios with ``--seed base -o base.json``, run
    once per base for the module (the tests only read the file)."""
    made = {}

    def get(seed_base):
        if seed_base not in made:
            out = tmp_path_factory.mktemp("baseline") / "base.json"
            result = run("audit", scenario_dir, "--scorer", "kred", "--seed", seed_base, "-o", out)
            assert result.exit_code == 0, result.output
            made[seed_base] = out
        return made[seed_base]

    return get


# ---- specs ---------------------------------------------------------------------------------


def test_spec_grammar():
    s = parse_scorer_spec("cand=kred[follow_points=5, window_days=30]")
    assert (s.scorer, s.name, s.label) == ("kred", "cand", "cand")
    assert s.params == {"follow_points": 5, "window_days": 30}
    s = parse_scorer_spec("klout[topic='a,b', x=[1, 2]]")
    assert s.params == {"topic": "a,b", "x": [1, 2]} and s.label == "klout"
    assert parse_scorer_spec("pagerank").params == {}


@pytest.mark.parametrize(
    "text, part",
    [
        ("kred[follow_points=5", "final ']'"),
        ("Cand=kred", "'Cand'"),
        ("kred[5]", "'5'"),
        ("=kred", "name ''"),
        ("kred[a=1, a=2]", "given twice"),
        ("[a=1]", "no scorer id"),
        ("KRED", "not a scorer id"),
    ],
)
def test_spec_errors_name_the_part(text, part):
    with pytest.raises(ParameterError) as info:
        parse_scorer_spec(text)
    assert text in str(info.value) and part in str(info.value)


def test_param_twice_is_an_error_not_the_last_value():
    with pytest.raises(ParameterError, match="already given"):
        scorer_specs(["kred"], ["kred.follow_points=1", "kred.follow_points=2"])
    with pytest.raises(ParameterError, match="already given"):
        scorer_specs(["kred[follow_points=1]"], ["follow_points=2"])
    with pytest.raises(ParameterError, match="both reported as 'kred'"):
        scorer_specs(["kred", "kred[follow_points=2]"])
    specs = scorer_specs(["kred", "b=kred"], ["b.follow_points=3"])
    assert specs[1].params == {"follow_points": 3} and specs[0].params == {}


def test_cli_spec_errors_exit_2(scenario_dir):
    result = run("audit", scenario_dir, "--scorer", "kred[follow_points=5", "--seeds", "1")
    assert result.exit_code == 2 and "kred[follow_points=5" in result.output
    assert "Traceback" not in result.output
    result = run(
        "audit",
        scenario_dir,
        "--scorer",
        "kred",
        "--param",
        "kred.follow_points=1",
        "--param",
        "kred.follow_points=2",
        "--seeds",
        "1",
    )
    assert result.exit_code == 2 and "already given" in result.output
    result = run("audit", scenario_dir, "--scorer", "kred[no_such=1]", "--seeds", "1")
    assert result.exit_code == 2 and "no_such" in result.output and "kred" in result.output


def test_same_scorer_audited_twice_under_two_names(scenario_dir, tmp_path):
    out = tmp_path / "r.json"
    result = run(
        "audit",
        scenario_dir / "bought-followers.yaml",
        "--scorer",
        "kred",
        "--scorer",
        "heavy=kred[follow_points=20]",
        "--seeds",
        "2",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    r = Results.from_json(out.read_text())
    assert set(r.table["scorer"]) == {"kred", "heavy"}
    a = r.seeds[r.seeds["scorer"] == "kred"]["value"].to_numpy()
    b = r.seeds[r.seeds["scorer"] == "heavy"]["value"].to_numpy()
    assert not np.allclose(a, b)  # the parameter took effect on the named copy only
    heavy = next(m for m in r.meta["scorers"] if m["id"] == "heavy")
    assert heavy["params"]["follow_points"] == 20


# ---- the core, on hand-made results --------------------------------------------------------


def _results(
    values: dict[str, list[float]], verdict: str = "pass", scorer: str = "s", upper: float = 5.0
) -> Results:
    seeds = []
    table = []
    for check, vals in values.items():
        for i, v in enumerate(vals):
            seeds.append(
                dict.fromkeys(SEED_COLUMNS)
                | {
                    "scenario": "sc",
                    "flaw": "F1",
                    "seed": 100 + i,
                    "check": check,
                    "probe": "p",
                    "scorer": scorer,
                    "role": "scorer",
                    "value": v,
                    "unit": "points",
                    "verdict": "pass" if v <= upper else "fail",
                }
            )
        table.append(
            dict.fromkeys(COLUMNS)
            | {
                "scenario": "sc",
                "flaw": "F1",
                "check": check,
                "probe": "p",
                "scorer": scorer,
                "role": "scorer",
                "verdict": verdict,
                "estimate": float(np.median(vals)),
                "low": min(vals),
                "high": max(vals),
                "confidence": 0.95,
                "seeds": len(vals),
                "measured": len(vals),
                "unit": "points",
                "expectation": f"at most {upper}",
            }
        )
    meta = {
        "statistics": {"level": 0.95},
        "checks": [
            {"scenario": "sc", "check": c, "expect": {"kind": "minimum", "at_most": upper}}
            for c in values
        ],
    }
    return Results(
        pd.DataFrame(table, columns=COLUMNS), pd.DataFrame(seeds, columns=SEED_COLUMNS), meta
    )


def test_verdict_change_kinds():
    assert verdict_change("pass", "fail") == "regressed"
    assert verdict_change("inconclusive", "fail") == "regressed"
    assert verdict_change("fail", "pass") == "fixed"
    assert verdict_change("pass", "inconclusive") == "newly inconclusive"
    assert verdict_change("pass", "error") == "newly error"
    assert verdict_change("error", "fail") == "error fixed"
    assert verdict_change("pass", "blind") == "changed"
    assert verdict_change(None, "pass") == "added"


def test_harm_follows_the_acceptable_region():
    v = np.array([0.0, 3.0, 10.0])
    assert harm(v, (-np.inf, 5)).tolist() == [0, 3, 10]  # an upper bound: higher is worse
    assert harm(v, (5, np.inf)).tolist() == [0, -3, -10]  # a lower bound: lower is worse
    assert harm(v, (-5, 5)).tolist() == [0, 3, 10]  # a band: away from its middle
    assert harm(v - 4, (0, 8)).tolist() == [8, 5, 2]  # |v - 4 - 4|


def test_identical_results_never_regress():
    r = _results({"a": [1, 2, 3, 4, 9, 2, 3, 1, 2]}, verdict="inconclusive")
    d = compare(r, r)
    assert not d.failed and d.changes["value_change"].tolist() == ["unchanged"]
    assert d.changes["delta"].tolist() == [0.0]


def test_consistent_worsening_is_significant_and_fails():
    base = _results({"a": [1, 2, 3, 1, 2, 3, 1, 2, 3]})
    cand = _results({"a": [2, 3, 4, 2, 3, 4, 2, 3, 4]})  # every seed +1: real, below the bound
    d = compare(base, cand)
    row = d.changes.iloc[0]
    assert row["value_change"] == "worse" and row["delta"] == 1 and d.failed
    assert row["delta_low"] == 1 and row["delta_high"] == 1
    # the same change within a tolerance of 1 passes
    d = compare(base, cand, tolerances=parse_tolerances("checks: {sc.a: 1}"))
    assert d.changes.iloc[0]["value_change"] == "within tolerance" and not d.failed
    # and the reverse is better, never a regression
    d = compare(cand, base)
    assert d.changes.iloc[0]["value_change"] == "better" and not d.failed


def test_noise_is_not_significant():
    base = _results({"a": [1, 2, 3, 1, 2, 3, 1, 2, 3]})
    cand = _results({"a": [2, 1, 3, 2, 1, 3, 1, 3, 2]})  # differences +1 and -1 around 0
    d = compare(base, cand)
    assert d.changes.iloc[0]["value_change"] == "within noise" and not d.failed


def test_regressed_verdict_fails_the_gate():
    base = _results({"a": [4, 4, 4, 4, 4, 4, 4, 4, 4]}, verdict="pass")
    cand = _results({"a": [6, 6, 6, 6, 6, 6, 6, 6, 6]}, verdict="fail")
    d = compare(base, cand)
    row = d.regressions.iloc[0]
    assert row["verdict_change"] == "regressed" and "pass -> fail" in row["reason"]


def test_unpairable_scorers_are_a_user_error():
    base = _results({"a": [1, 2]}, scorer="x")
    two = Results(
        pd.concat([base.table, base.table.assign(scorer="y")]),
        pd.concat([base.seeds, base.seeds.assign(scorer="y")]),
        base.meta,
    )
    with pytest.raises(AuditkitError, match="no scorer in common"):
        compare(two, _results({"a": [1, 2]}, scorer="z"))
    # one scorer on each side, under different names: compared with each other
    d = compare(_results({"a": [1, 2]}, scorer="x"), _results({"a": [1, 2]}, scorer="z"))
    assert d.changes["scorer"].tolist() == ["x -> z"]


# ---- tolerances ----------------------------------------------------------------------------


def test_tolerances_file():
    t = parse_tolerances("default: 1\nchecks:\n  bought-followers.gain: 2\n  decay: 3\n")
    assert t.of("bought-followers", "gain") == 2 and t.of("x", "decay") == 3
    assert t.of("x", "gain") == 1
    assert parse_tolerances("").default == 0


@pytest.mark.parametrize(
    "text, where",
    [
        ("default: -1\n", "line 1"),
        ("checks:\n  a.b: lots\n", "line 2, checks.a.b"),
        ("defualt: 1\n", "line 1: unknown key 'defualt'"),
        ("- 1\n", "a mapping"),
        ("checks: [1]\n", "line 1"),
        ("default: [\n", "not valid YAML"),
        ("default: true\n", ""),
    ],
)
def test_tolerance_errors_are_located(text, where):
    with pytest.raises(AuditkitError) as info:
        parse_tolerances(text, "tol.yaml")
    assert str(info.value).startswith("tol.yaml") and where in str(info.value)


def test_cli_tolerances_error_exits_2(tmp_path):
    bad = tmp_path / "tolerances.yaml"
    bad.write_text("default: x\n")
    result = run("diff", "a.json", "b.json", "--tolerances", bad)
    assert result.exit_code == 2 and "tolerances.yaml, line 1" in result.output


# ---- the command ---------------------------------------------------------------------------


# the default seed base and another replication (bases 1 and 2 took the same path, 8 s each)
@pytest.mark.parametrize("seed_base", [0, 1])
def test_unchanged_scorer_passes_against_its_own_fresh_baseline(
    scenario_dir, baseline, tmp_path, seed_base
):
    base, again = baseline(seed_base), tmp_path / "again.json"
    result = run("audit", scenario_dir, "--scorer", "kred", "--seed", seed_base, "-o", again)
    assert result.exit_code == 0, result.output
    result = run("diff", base, base)
    assert result.exit_code == 0, result.output
    result = run("diff", base, again, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert not data["gate"]["failed"]
    assert {c["value_change"] for c in data["changes"]} <= {"unchanged", "not paired"}
    assert data["worlds"] is None  # results files hold no scores
    result = run(
        "diff",
        "--base",
        "kred",
        "--candidate",
        "kred",
        scenario_dir,
        "--seed",
        seed_base,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(w["rbo"] == pytest.approx(1.0) and w["changed_rank"] == 0 for w in data["worlds"])
    assert data["movers"] == []


def test_follower_weight_raised_fails_the_gate(scenario_dir, baseline, tmp_path):
    assert baseline(0).is_file()  # the audit of the base exits 0 (the fixture asserts it)
    out = tmp_path / "diff.md"
    result = run(
        "diff",
        "--base",
        "kred",
        "--candidate",
        "kred[follow_points=20]",
        scenario_dir,
        "-o",
        out,
        "--update-baseline",
        tmp_path / "new.json",
    )
    assert result.exit_code == 1, result.output
    assert "gate FAILED" in result.output and "not updated" in result.output
    assert not (tmp_path / "new.json").exists()
    md = out.read_text()
    assert "Gate: FAIL" in md and "### Regressed checks" in md
    assert "### Accounts that moved most" in md
    data = json.loads(
        run(
            "diff",
            "--base",
            "kred",
            "--candidate",
            "kred[follow_points=20]",
            scenario_dir,
            "--format",
            "json",
        ).stdout
    )
    regressed = {(c["scenario"], c["check"]) for c in data["changes"] if c["regression"]}
    assert ("bought-followers", "gain") in regressed
    assert data["movers"] and {m["cohort"] for m in data["movers"]}
    for fmt in ("table", "html", "junit"):
        result = run(
            "diff",
            "--base",
            "kred",
            "--candidate",
            "kred[follow_points=20]",
            scenario_dir / "bought-followers.yaml",
            "--seeds",
            "3",
            "--format",
            fmt,
        )
        assert result.exit_code == 1 and "bought-followers" in result.stdout


def test_update_baseline_writes_the_candidate_when_the_gate_passes(scenario_dir, tmp_path):
    target = tmp_path / "ci" / "baseline.json"
    one = scenario_dir / "bought-followers.yaml"
    result = run(
        "diff",
        "--base",
        "kred",
        "--candidate",
        "kred",
        one,
        "--seeds",
        "3",
        "--no-churn",
        "--update-baseline",
        target,
    )
    assert result.exit_code == 0, result.output
    r = Results.from_json(target.read_text())
    assert set(r.table["scorer"]) == {"kred"} and len(r.seeds) == 3
    assert run("diff", target, target).exit_code == 0


def test_diff_usage_errors(tmp_path):
    assert run("diff", "only-one.json").exit_code == 2
    assert run("diff", "--base", "kred").exit_code == 2
    result = run("diff", "a.json", "b.json", "--seeds", "3")
    assert result.exit_code == 2 and "--seeds" in result.output
    (tmp_path / "x.json").write_text("{}")
    result = run("diff", tmp_path / "x.json", tmp_path / "x.json")
    assert result.exit_code == 2 and "not an auditkit results file" in result.output


def test_known_findings_file_is_not_a_scenario(scenario_dir, tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(scenario_dir, folder)
    (folder / "known-findings.yaml").write_text("- {scenario: a, check: b, scorer: c}\n")
    (folder / "tolerances.yaml").write_text("default: 1\n")
    result = run("validate", folder)
    assert result.exit_code == 0, result.output
    assert "known-findings" not in result.output


def test_the_pytest_plugin_reserves_the_same_names():
    from auditkit import pytest_plugin
    from auditkit.scenario.model import RESERVED_FILES

    assert pytest_plugin.RESERVED_FILES == RESERVED_FILES


def test_a_new_error_fails_the_gate():
    base = _results({"a": [1, 2, 3]})
    cand = _results({"a": [1, 2, 3]})
    cand.table.loc[0, "verdict"] = "error"
    d = compare(base, cand)
    assert d.failed and "errs" in d.regressions.iloc[0]["reason"]


def test_unpaired_seeds_are_said(tmp_path):
    from auditkit.report import render

    base = _results({"a": [1, 2, 3]})
    cand = _results({"a": [1, 2, 3]})
    cand.seeds["seed"] += 1000
    d = compare(base, cand)
    assert d.changes.iloc[0]["value_change"] == "not paired" and not d.failed
    assert "No seed pairs up" in render(d, "markdown")
