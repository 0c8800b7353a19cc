"""The audit: results are deterministic and tidy, scorer failures become error verdicts, and the
command line exits as documented. That every check can fail and can pass is shown by its
controls (tests/test_controls.py); the verdict rules are tested in tests/test_verdicts.py."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import (
    Registry,
    Results,
    Scorer,
    audit,
    bundled_scenarios,
    get_registry,
    hookimpl,
    load_scenarios,
    report,
)
from auditkit.auditing.results import COLUMNS, SEED_COLUMNS, SEED_VERDICTS, VERDICTS
from auditkit.cli import main
from auditkit.errors import AuditkitError

BUILT_IN = get_registry().built_in_scorers()


@pytest.fixture(scope="session")
def registry():
    return Registry()


# library_results (the bundled library on two seeds) is in tests/conftest.py


def test_library_covers_the_flaw_catalogue(registry):
    flaws = {s.flaw for s in load_scenarios([bundled_scenarios()], registry)}
    required = {f"F{i}" for i in range(1, 19)}
    assert required <= flaws, f"no scenario for {sorted(required - flaws)}"


def test_no_built_in_scorer_errs_on_the_library(library_results):
    t = library_results.seeds
    assert not (t["verdict"] == "error").any(), t[t["verdict"] == "error"]["finding"].tolist()


def test_results_table_is_tidy_and_json_round_trips(library_results, tmp_path):
    t, seeds = library_results.table, library_results.seeds
    assert list(t.columns) == COLUMNS and list(seeds.columns) == SEED_COLUMNS
    assert set(t["verdict"]) <= set(VERDICTS)
    assert set(seeds["verdict"]) <= set(SEED_VERDICTS)
    # one verdict row per scenario, check and scorer; one measurement per seed of each
    assert not t.duplicated(["scenario", "check", "scorer"]).any()
    assert len(seeds) == 2 * len(t) and (t["seeds"] == 2).all()
    path = report.write(library_results, tmp_path / "r.json", "json")
    back = Results.from_json(path.read_text())
    pd.testing.assert_frame_equal(back.table, t, check_dtype=False)
    pd.testing.assert_frame_equal(back.seeds, seeds, check_dtype=False)
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["meta"]["statistics"]["level"] == 0.95
    assert all(c["expect"].get("rationale") for c in data["meta"]["checks"])
    assert set(t["policy"]) == {"scenario"} and (t["rationale"] != "").all()


def test_a_version_1_results_file_is_refused_with_the_reason():
    old = json.dumps({"format": "auditkit-results", "version": 1, "rows": []})
    with pytest.raises(AuditkitError, match="version 1 .* Re-run the audit"):
        Results.from_json(old)


def test_findings_are_sentences_naming_scorer_and_expectation(library_results):
    for row in library_results.seeds.itertuples():
        if row.verdict in ("pass", "fail"):
            assert row.finding.startswith(f"{row.scorer}: ") and "acceptable is" in row.finding
    for row in library_results.table.itertuples():
        assert row.finding.startswith(f"{row.scorer}: "), row.finding
        if row.verdict in ("pass", "fail", "inconclusive"):
            assert "over 2 seeds" in row.finding and "acceptable is" in row.finding


SMALL = textwrap.dedent("""\
    id: tiny
    flaw: F7
    title: tiny
    acceptable: tiny
    source: tests
    population: {accounts: 200, days: 40, seed: 5}
    cohorts:
      - {name: buyers, behaviour: bought_followers, size: 3, params: {count: 100}}
    checks:
      - {probe: gain, cohort: buyers, expect: {kind: minimum, at_most: 5}}
""")


@pytest.fixture
def tiny(tmp_path, registry):
    (tmp_path / "tiny.yaml").write_text(SMALL)
    return load_scenarios([tmp_path / "tiny.yaml"], registry)


def test_same_seed_gives_identical_results(tiny, registry):
    scorers = [registry.scorer(s) for s in BUILT_IN]
    a = audit(tiny, scorers, seeds=2, registry=registry)
    b = audit(tiny, scorers, seeds=2, registry=registry)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.seeds, b.seeds)
    s = a.seeds
    assert sorted(set(s["seed"])) == [5, 6]
    assert not s[s.seed == 5]["value"].equals(s[s.seed == 6]["value"].reset_index(drop=True))


def test_a_seed_base_is_an_independent_replication(tiny, registry):
    scorers = [registry.scorer("followers")]
    a = audit(tiny, scorers, seeds=3, registry=registry).seeds
    b = audit(tiny, scorers, seeds=3, seed=2, registry=registry).seeds
    assert sorted(set(a["seed"])) == [5, 6, 7]
    assert sorted(set(b["seed"])) == [2005, 2006, 2007]  # population.seed + 1000 x base + i


class _Broken(Scorer):
    version, range, description, name = "0", (0.0, 1.0), "broken on purpose", "broken"

    def explain(self, world, account, at=None):
        raise NotImplementedError


def _broken(kind: str):
    def score(self, world, at=None):
        if kind == "raises":
            raise RuntimeError("boom")
        if kind == "nan":
            return world.series(np.full(len(world), np.nan))
        if kind == "range":
            return world.series(np.full(len(world), 7.0))
        import time

        time.sleep(5)
        return world.series(np.zeros(len(world)))

    return type(f"Broken{kind}", (_Broken,), {"id": f"broken-{kind}", "score": score})


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("raises", "RuntimeError: boom"),
        ("nan", "non-finite"),
        ("range", "outside its declared range"),
        ("slow", "time limit"),
    ],
)
def test_a_broken_scorer_gets_an_error_verdict_and_others_finish(tiny, kind, reason):
    cls = _broken(kind)

    class Plugin:
        @hookimpl
        def register_scorers(self, register):
            register(cls)

    registry = Registry(plugins=[("broken", Plugin())])
    scorers = [registry.scorer(cls.id), registry.scorer("followers")]
    t = audit(tiny, scorers, seeds=1, registry=registry, time_limit=0.5).table
    bad = t[t.scorer == cls.id].iloc[0]
    assert bad["verdict"] == "error" and reason in bad["finding"]
    assert t[t.scorer == "followers"]["verdict"].iloc[0] in ("pass", "fail")


def test_cli_exit_codes(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SMALL)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", str(tmp_path / "tiny.yaml"), "--scorer", "followers"])
    assert ok.exit_code == 0, ok.output
    assert "FAIL" in ok.stdout  # the follower count is fooled by bought followers
    gated = runner.invoke(
        main, ["audit", str(tmp_path / "tiny.yaml"), "--scorer", "followers", "--fail-on", "fail"]
    )
    assert gated.exit_code == 1
    (tmp_path / "bad.yaml").write_text(SMALL.replace("size: 3", "sise: 3"))
    bad = runner.invoke(main, ["audit", str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 2 and "unknown field 'sise'" in bad.output
    assert "Traceback" not in bad.output


def test_cli_writes_results_atomically(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SMALL)
    out = tmp_path / "out" / "results.json"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(tmp_path / "tiny.yaml"),
            "--scorer",
            "kred",
            "--format",
            "json",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["format"] == "auditkit-results" and data["rows"][0]["scorer"] == "kred"
    assert [p.name for p in out.parent.iterdir()] == ["results.json"]


def test_validate_command(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SMALL)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0 and "ok" in result.stdout


def test_a_real_world_can_be_the_base_population(tmp_path, registry):
    from auditkit import generate_world

    generate_world(250, seed=8, days=30).write(tmp_path / "base")
    text = SMALL.replace(
        "population: {accounts: 200, days: 40, seed: 5}", "population: {world: base, seed: 5}"
    )
    text += "  - {probe: rank_correlation, versus: truth, expect: {kind: minimum, at_least: 0.5}}\n"
    (tmp_path / "real.yaml").write_text(text)
    scenarios = load_scenarios([tmp_path / "real.yaml"], registry)
    t = audit(
        scenarios,
        [registry.scorer("followers"), registry.scorer("trustrank")],
        seeds=2,
        registry=registry,
    ).table
    gains = t[t.probe == "gain"].set_index("scorer")
    assert gains.loc["followers", "verdict"] == "fail"  # 100 fakes each lift the buyers
    assert gains.loc["followers", "low"] > 20
    truth = t[t.probe == "rank_correlation"]
    assert set(truth["verdict"]) == {"skip"}  # no ground truth on a real world
    assert "no ground truth" in truth["finding"].iloc[0]


def test_real_base_keeps_profile_counts(tmp_path, registry):
    """A counts-only real world (most bot data sets) keeps its followers_count in scenarios."""
    from auditkit.scenario.model import parse_scenario
    from auditkit.scenario.run import ScenarioRun

    base = tmp_path / "base"
    base.mkdir()
    (base / "accounts.csv").write_text("account,followers_count,label\na,5,human\nb,3000,bot\n")
    (base / "events.csv").write_text("time,actor,action\n2024-01-01,a,post\n")
    text = SMALL.replace(
        "population: {accounts: 200, days: 40, seed: 5}", f"population: {{world: {base}, seed: 5}}"
    )
    scenario, _ = parse_scenario(text, str(tmp_path / "s.yaml"))
    run = ScenarioRun(scenario, 5, registry)
    scores = run.scores(registry.scorer("followers", source="counts"))
    assert scores["b"] > scores["a"] > 0
