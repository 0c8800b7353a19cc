"""auditkit explain: delta debugging, shrinking a scenario run, the explanation, its picture, and
the command line (the smallest world that shows a finding, re-checked from the files written)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit import get_registry, load_scenario, read_world
from auditkit.cli import main
from auditkit.data.truthfile import read_truth
from auditkit.explain import Universe, ddmin, explain_scenario, shrink
from auditkit.explain.explanation import Finding
from auditkit.plugin.scorer import run_scorer
from auditkit.report import render
from auditkit.report.explain import explain_document
from auditkit.scenario.run import ScenarioRun

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SQUIRREL = ROOT / "scenarios" / "spam-squirrel.yaml"
BOUGHT = ROOT / "scenarios" / "bought-followers.yaml"


# ---- ddmin ------------------------------------------------------------------------------------


def test_ddmin_finds_the_needed_items_only():
    needed = {3, 17, 42, 99}
    found = ddmin(list(range(100)), lambda kept: needed <= set(kept))
    assert found.items == sorted(needed) and found.finished
    assert found.trials < 200  # far fewer than the 2^100 subsets: it halves


def test_ddmin_keeps_nothing_when_nothing_is_needed_and_stops_at_its_budget():
    assert ddmin(list(range(50)), lambda kept: True).items == []
    capped = ddmin(list(range(64)), lambda kept: {5, 60} <= set(kept), max_trials=3)
    assert not capped.finished and {5, 60} <= set(capped.items) and capped.trials <= 3


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.sets(st.integers(0, 29), min_size=1, max_size=4), min_size=1, max_size=3))
def test_ddmin_result_is_one_minimal(alternatives):
    """For a monotone test (it holds when any of some sets is kept), the result passes and
    removing any single item of it breaks the test: Zeller's 1-minimality."""

    def test(kept):
        return any(a <= set(kept) for a in alternatives)

    found = ddmin(list(range(30)), test)
    assert test(found.items)
    for i in range(len(found.items)):
        assert not test(found.items[:i] + found.items[i + 1 :])


# ---- shrinking a run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.fixture(scope="module")
def squirrel(registry):
    return load_scenario(SQUIRREL, registry)


def test_universe_lines_up_treated_and_control_rows(registry):
    scenario = load_scenario(BOUGHT, registry)
    run = ScenarioRun(scenario, scenario.population.seed, registry)
    universe = Universe(run)
    treated, control = run.treated.world, run.control.world
    sizes = universe.sizes()
    # the fakes exist only in the treated world; their follows only there too
    assert sizes["accounts"] == len(treated) and len(control) < len(treated)
    assert sizes["follows"] == len(treated.follows) >= len(control.follows)
    everything = universe.build(universe.everything())
    for small, full in ((everything.world, treated), (everything.control.world, control)):
        for name in ("accounts", "follows", "events"):
            pd.testing.assert_frame_equal(
                small.tables()[name], full.tables()[name], check_dtype=False
            )


def test_removing_an_account_removes_its_rows(registry, squirrel):
    run = ScenarioRun(squirrel, squirrel.population.seed, registry)
    universe = Universe(run)
    sel = universe.everything()
    gone = run.world.code_of("squirrel-0")
    accounts = sel.accounts.copy()
    accounts[gone] = False
    small = universe.build(sel.with_kind("accounts", accounts)).world
    assert "squirrel-0" not in set(small.ids)
    f = small.tables()["follows"]
    e = small.tables()["events"]
    assert not (f[["follower", "followee"]] == "squirrel-0").any().any()
    assert not (e["actor"] == "squirrel-0").any() and not (e["target"] == "squirrel-0").any()
    assert len(small) == len(run.world) - 1


def test_shrink_keeps_what_the_test_needs(registry, squirrel):
    """A test that needs one squirrel with at least one follower keeps exactly that: the
    squirrel, one follower and the follow between them."""
    run = ScenarioRun(squirrel, squirrel.population.seed, registry)

    def holds(small):
        w = small.world
        if "squirrel-1" not in set(w.ids):
            return False
        return w.in_degree[w.code_of("squirrel-1")] >= 1

    shrunk = shrink(Universe(run), holds)
    w = shrunk.run.world
    assert len(w) == 2 and len(w.follows) == 1 and len(w.events) == 0
    assert w.tables()["follows"]["followee"].tolist() == ["squirrel-1"]
    assert shrunk.finished


# ---- the explanation ----------------------------------------------------------------------------


def _median_percentiles(scores: pd.Series, population: pd.Index, members: pd.Index) -> float:
    """An independent transcription of the audit's percentile: rank among the population,
    ties averaged, 100 * (rank - 0.5) / n; the median over the members."""
    pop = scores[population]
    pct = 100.0 * (pop.rank(method="average") - 0.5) / len(pop)
    return float(np.median(pct[members]))


@pytest.fixture(scope="module")
def squirrel_cli(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "lesson"
    result = CliRunner().invoke(
        main, ["explain", str(SQUIRREL), "--scorer", "followers", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, result


def test_explain_spam_squirrel_shows_the_flaw_in_a_small_world(squirrel_cli, registry):
    """Done means: a world of at most ~12 accounts in which the finding holds, re-checked here
    by scoring the world read back from the files the command wrote."""
    out, result = squirrel_cli
    text = result.stdout
    assert "followers FAILS" in text and "klout passes" in text
    world = read_world(out / "world")
    truth = read_truth(out / "world")
    assert 2 <= len(world) <= 12
    cohort = truth["cohort"].reindex(list(world.ids)).fillna("")
    population = cohort.index[truth["role"].reindex(cohort.index) != "auxiliary"]
    squirrels = cohort.index[cohort == "squirrel"]
    engaged = cohort.index[cohort == "engaged"]
    assert len(squirrels) and len(engaged)
    gaps = {}
    for sid in ("followers", "klout"):
        scores = run_scorer(registry.scorer(sid), world, pd.Timestamp("2024-04-30", tz="UTC"))
        gaps[sid] = _median_percentiles(scores, population, squirrels) - _median_percentiles(
            scores, population, engaged
        )
    assert gaps["followers"] > 0, "the spam account must still outrank the engaged person"
    assert gaps["klout"] < 0, "the contrast must still rank the engaged person higher"
    # the explanation names the formula and the sizes, in words
    assert "100*ln(1+f)/ln(1+f_ref)" in text
    assert re.search(r"What is left: \d+ accounts?, ", text)
    assert "does not read the events table" in text


def test_explain_writes_a_deterministic_svg_picture(squirrel_cli, tmp_path):
    out, result = squirrel_cli
    svg = (out / "small-world.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    world = read_world(out / "world")
    for account in map(str, world.ids):
        assert account in svg  # every node is labelled
    assert "follows" in svg and "(reaction)" in svg  # both edge kinds in the legend
    again = tmp_path / "again"
    second = CliRunner().invoke(
        main, ["explain", str(SQUIRREL), "--scorer", "followers", "-o", str(again)]
    )
    assert second.exit_code == 0
    assert (again / "small-world.svg").read_bytes() == (out / "small-world.svg").read_bytes()
    assert second.stdout == result.stdout
    md = (out / "explanation.md").read_text()
    assert "![" in md and "(small-world.svg)" in md


@pytest.fixture(scope="module")
def explained(registry, squirrel):
    """followers explained on spam-squirrel, once for the tests that only read the explanation
    (2 s each time)."""
    return explain_scenario(squirrel, registry.scorer("followers"), registry)


def test_the_figure_is_a_block_of_the_document(explained):
    e = explained
    doc = explain_document(e)
    figures = [b for b in doc.blocks if type(b).__name__ == "Figure"]
    assert len(figures) == 1 and figures[0].svg.startswith("<?xml") and figures[0].alt
    assert "[figure: " in render(e, "table")
    assert render(e, "json").startswith("{")
    assert doc.data["small"][0]["verdict"] == "fail"


def test_the_small_world_re_measures_the_same_verdicts(explained):
    e = explained
    assert [j.verdict for j in e.full] == [j.verdict for j in e.small] == ["fail", "pass"]
    finding = Finding(
        e.check, e.probe, [(s, j.verdict, j.value) for s, j in zip(e.scorers, e.full, strict=True)]
    )
    assert finding.tells_apart(e.small_run, e.scorers[0])
    assert finding.tells_apart(e.small_run, e.scorers[1])
    # 1-minimal: removing any one account, follow or event of the small world breaks it
    universe = Universe(e.run)
    assert finding.holds(universe.build(e.selection))
    for kind in ("accounts", "follows", "events"):
        mask = getattr(e.selection, kind)
        for i in np.flatnonzero(mask):
            fewer = mask.copy()
            fewer[i] = False
            assert not finding.holds(universe.build(e.selection.with_kind(kind, fewer))), (
                f"{kind} element {i} could be removed"
            )


def test_versus_none_and_an_explicit_contrast(registry, squirrel):
    alone = explain_scenario(squirrel, registry.scorer("followers"), registry, versus="none")
    assert alone.versus is None and [j.verdict for j in alone.small] == ["fail"]
    chosen = explain_scenario(squirrel, registry.scorer("followers"), registry, versus="trustrank")
    assert chosen.versus.id == "trustrank" and "given with --versus" in chosen.contrast


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scorer", "followers", "--check", "nope"], "has no check 'nope'"),
        (["--scorer", "nobody"], "no installed scorer has id 'nobody'"),
        (["--scorer", "followers", "--versus", "followers"], "is the scorer explained"),
    ],
)
def test_explain_bad_input_exits_2(args, message, tmp_path):
    result = CliRunner().invoke(main, ["explain", str(SQUIRREL), *args, "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x").exists()


def test_explain_never_replaces_a_folder_of_someone_elses_files(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(
        main, ["explain", str(SQUIRREL), "--scorer", "followers", "-o", str(mine)]
    )
    assert result.exit_code == 2 and "notes.txt" in result.output
    assert (mine / "notes.txt").read_text() == "keep me"


def test_default_output_folder_is_named_after_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["explain", str(SQUIRREL), "--scorer", "followers", "--versus", "none"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spam-squirrel" / "small-world.svg").is_file()


def test_a_control_world_is_pictured_beside_the_treated_one(registry):
    scenario = load_scenario(BOUGHT, registry)
    e = explain_scenario(scenario, registry.scorer("followers"), registry)
    assert e.has_control and len(e.small_run.world) <= 12
    figure = next(b for b in explain_document(e).blocks if type(b).__name__ == "Figure")
    assert "without the treatment (control)" in figure.svg and "with the treatment" in figure.svg
    fakes = [f for f in e.facts() if f.role == "auxiliary"]
    assert fakes and all(f.scores["followers"][1] == 0 for f in fakes)  # fakes are not ranked


def test_pairs_of_accounts_in_the_why_are_true(explained):
    """Every 'X ranks A above B' sentence matches the scores of the small world."""
    e = explained
    text = render(e, "table")
    facts = {f.account: f for f in e.facts()}
    found = re.findall(r"(\w+) ranks (\S+) \(.*?\) (above|below) (\S+) \(", text)
    assert found
    for scorer, a, order, b in found:
        sa, sb = facts[a].scores[scorer][0], facts[b].scores[scorer][0]
        assert (sa > sb) if order == "above" else (sa < sb)


def test_every_pair_of_account_and_scorer_in_the_table(explained):
    e = explained
    for f, s in itertools.product(e.facts(), e.scorers):
        score = run_scorer(s, e.small_run.world, e.small_run.end)[f.account]
        assert f.scores[s.id][0] == pytest.approx(score)
