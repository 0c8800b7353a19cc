"""`auditkit attack`: the cost model, the composite attack, the search, the PageRank closed form,
and reproduction of the found attack by `auditkit audit`."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from auditkit import AuditkitError, ScenarioError, get_registry
from auditkit.attack import (
    KINDS,
    MAX_BUDGET,
    AttackWorlds,
    CompositeAttack,
    Composition,
    Evaluation,
    farm_bound,
    pagerank_bound,
    run_attack,
    search,
)
from auditkit.cli import main
from auditkit.scenario.model import load_scenario
from auditkit.scorers.pagerank import pagerank_vector


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def small():
    """A 300-account population with its median target (fast)."""
    return AttackWorlds(get_registry(), accounts=300, seed=3)


# ---- the cost model -------------------------------------------------------------------------


def test_units_buy_whole_items_at_each_kinds_price():
    units = [10, 0, 5, 0, 7, 9, 25, 120, 0]  # one entry per kind, then unspent
    comp = Composition.from_units(units)
    assert dict(comp.items) == {
        "fake_followers": 10,
        "real_reactions": 2,
        "pod_partners": 2,
        "sybils": 4,
        "attack_edges": 2,
        "celebrity_reshares": 2,
    }
    assert comp.cost == 10 + 2 * 2 + 2 * 3 + 4 * 2 + 2 * 10 + 2 * 50
    assert comp.cost <= sum(units)
    assert comp.flaw() == "F5"  # most units: 100 on celebrity reshares
    assert Composition.of(fake_followers=3).flaw() == "F7"
    assert Composition.of(sybils=30, attack_edges=1).flaw() == "F9"
    assert {k.name for k in KINDS} == {
        f for f in CompositeAttack.Params.model_fields if f in {k.name for k in KINDS}
    }


def test_attack_edges_need_sybils():
    assert Composition.of(attack_edges=5).items == ()  # nothing to point at: not bought
    with pytest.raises(ScenarioError, match="sybils"):
        CompositeAttack(attack_edges=3)
    with pytest.raises(AuditkitError, match="unknown attack kind"):
        Composition.of(followers=3)


# ---- the composite attack -------------------------------------------------------------------


def test_each_kind_does_what_it_costs(small):
    comp = Composition.of(
        fake_followers=30,
        fake_reactions=12,
        real_reactions=8,
        follows=40,
        pod_partners=5,
        sybils=10,
        attack_edges=3,
        celebrity_reshares=2,
    )
    built = small.treated(comp)
    w, t = built.world, small.target
    ids = np.asarray(w.ids)
    src, dst = (np.asarray(c) for c in w.follow_codes)
    fakes = np.flatnonzero(np.char.startswith(ids.astype(str), "target-fake-"))
    sybils = np.flatnonzero(np.char.startswith(ids.astype(str), "target-sybil-"))
    likers = np.flatnonzero(np.char.startswith(ids.astype(str), "target-liker-"))
    assert len(fakes) == 30 and len(sybils) == 10 and len(likers) == 12
    assert (built.role[np.r_[fakes, sybils, likers]] == "auxiliary").all()
    assert np.isin(fakes, src[dst == t]).all()
    # the optimal farm: every sybil follows only the target, the target follows every sybil
    assert set(dst[np.isin(src, sybils)]) == {t} and np.isin(sybils, dst[src == t]).all()
    into_farm = src[np.isin(dst, sybils) & (src != t)]
    assert len(into_farm) == 3 and built.role[into_farm].tolist() == ["base"] * 3  # attack edges
    actor, action, target = (np.asarray(c) for c in w.event_codes)
    on_target = target == t
    assert np.isin(actor[on_target], likers).sum() == 12
    celebrity = int(np.argmax(np.where(built.role == "base", built.draft.column("attention"), -1)))
    assert ((actor == celebrity) & on_target).sum() == 2
    # reactions received from base accounts: organic + 8 bought + 5 partners per post + 2 shares
    control = small.control.world
    c_actor, _, c_target = (np.asarray(c) for c in control.event_codes)
    base = built.role == "base"
    gained = (base[actor] & on_target).sum() - (base[c_actor] & (c_target == t)).sum()
    posts = built.cohorts["target"].facts["pod"]["reactions_received"] // 5
    assert gained == 8 + 5 * posts + 2
    # the target followed 40 base accounts it did not follow before (churned ones end later)
    follows = built.cohorts["target"].facts["follows"]
    assert follows["follows"] == 40
    cost = built.cohorts["target"].cost
    assert sum(cost.values()) == comp.cost
    assert cost["units_on_attack_edges"] == 30


def test_kinds_draw_from_their_own_streams(small):
    alone = small.treated(Composition.of(fake_followers=20))
    mixed = small.treated(Composition.of(fake_followers=20, sybils=5))

    def fake_edges(built):
        ids = np.asarray(built.world.ids).astype(str)
        src, dst = (np.asarray(c) for c in built.world.follow_codes)
        fake = np.char.startswith(ids, "target-fake-")
        return sorted(zip(ids[src[fake[src]]], ids[dst[fake[src]]], strict=True))

    assert fake_edges(alone) == fake_edges(mixed)


def test_treated_world_is_what_a_scenario_run_builds(small):
    from auditkit.scenario.run import ScenarioRun

    comp = Composition.of(fake_followers=25, sybils=6, attack_edges=1, pod_partners=2)
    run = ScenarioRun(small.scenario(comp), small.seed, get_registry())
    ours = small.treated(comp).world
    assert ours.ids.equals(run.treated.world.ids)
    assert ours.follows.equals(run.treated.world.follows)
    assert ours.events.equals(run.treated.world.events)
    assert run.control.world.events.equals(small.control.world.events)


# ---- the search -----------------------------------------------------------------------------


def _synthetic(calls):
    """Gain sqrt(fake followers) + 3 sqrt(sybils): a concave landscape with a known optimum."""

    def evaluate(comp):
        g = math.sqrt(comp.count("fake_followers")) + 3 * math.sqrt(comp.count("sybils"))
        e = Evaluation(comp, 0.0, g, 0.0, g)
        calls.append(e)
        return e

    return evaluate


def test_search_finds_the_optimum_keeps_the_best_and_stops():
    budget = 120
    optimum = max(math.sqrt(a) + 3 * math.sqrt((budget - a) // 2) for a in range(budget + 1))
    calls: list[Evaluation] = []
    result = search(_synthetic(calls), budget, max_evaluations=150, seed=1)
    assert result.best.gain == pytest.approx(optimum)
    assert result.best.key() == max(e.key() for e in calls)  # the best, not the last
    assert result.best is calls[result.found_at - 1]
    assert result.evaluations == len(calls) <= 150
    assert len({e.composition for e in calls}) == len(calls)  # nothing evaluated twice
    assert all(e.cost <= budget for e in calls)
    again: list[Evaluation] = []
    assert search(_synthetic(again), budget, max_evaluations=150, seed=1).best == result.best
    assert [e.composition for e in again] == [e.composition for e in calls]
    few: list[Evaluation] = []
    assert search(_synthetic(few), budget, max_evaluations=7, seed=1).evaluations == 7


def test_saturated_gains_prefer_the_cheapest_attack():
    calls: list[Evaluation] = []

    def evaluate(comp):  # any 10 sybils give the maximum; the rest is wasted
        g = min(comp.count("sybils"), 10) * 5.0
        calls.append(Evaluation(comp, 0.0, g, 0.0, g))
        return calls[-1]

    best = search(evaluate, 200, max_evaluations=400, seed=0).best
    assert dict(best.composition.items) == {"sybils": 10} and best.cost == 20


def test_search_rejects_an_empty_budget():
    with pytest.raises(AuditkitError, match="budget"):
        search(_synthetic([]), 0)


# ---- the PageRank closed form ---------------------------------------------------------------


def _farm_graph(dangling: bool):
    """Target 0 and an optimal farm of 30, 200 honest accounts (5 follows each) of which two
    follow the target or a farm account; optionally one more account that follows no one."""
    rng = np.random.default_rng(1)
    m, h = 30, 200
    n = 1 + m + h + int(dangling)
    farm_ids = np.arange(1, m + 1)
    honest = np.arange(m + 1, m + 1 + h)
    src = [*farm_ids, *np.zeros(m, int)]
    dst = [*np.zeros(m, int), *farm_ids]
    for u in honest:
        for v in rng.choice(honest[honest != u], 5, replace=False):
            src.append(u)
            dst.append(v)
    src += [honest[0], honest[1]]
    dst += [0, 7]
    if dangling:
        src.append(honest[2])
        dst.append(n - 1)
    src, dst = np.array(src), np.array(dst)
    adjacency = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    pr = pagerank_vector(adjacency, damping=0.85, tol=1e-14)
    return pr, src, dst, np.isin(np.arange(n), farm_ids)


@pytest.mark.parametrize("dangling", [False, True])
def test_closed_form_is_exact_for_the_optimal_farm(dangling):
    pr, src, dst, farm = _farm_graph(dangling)
    b = farm_bound(pr, src, dst, 0, farm, 0.85)
    assert b["measured"] == pytest.approx(b["bound"], rel=1e-6)
    assert b["amplification"] == pytest.approx(3.6036, abs=1e-4)
    assert b["c"] == pytest.approx(0.4595, abs=1e-4)
    assert b["m"] == 30 and (b["dangling_mass"] > 0) == dangling
    if not dangling:  # the textbook form, with the target's own teleport share in x
        n = len(pr)
        assert b["bound"] == pytest.approx(b["x"] / (1 - 0.85**2) + 0.85 / 1.85 * 30 / n)
        assert b["x"] > 0.15 / n  # two honest links bring PageRank in


def test_closed_form_bounds_what_the_search_measures(small):
    scorer = get_registry().scorer("pagerank")
    for comp in (
        Composition.of(sybils=60),
        Composition.of(fake_followers=80),
        Composition.of(sybils=30, attack_edges=4, follows=20),
    ):
        b = pagerank_bound(small, small.treated(comp), scorer)
        assert b["control"] < b["measured"] <= b["bound"] * (1 + 1e-6)
        assert b["m"] == comp.count("sybils") + comp.count("fake_followers")
        assert small.evaluate(scorer, comp).gain > 0
    assert (
        pagerank_bound(
            small, small.treated(Composition.of(sybils=60)), get_registry().scorer("followers")
        )
        is None
    )
    # a large farm leaks little through the target's own follows: close to the optimum
    b = pagerank_bound(small, small.treated(Composition.of(sybils=400)), scorer)
    assert b["measured"] > 0.9 * b["bound"]


# ---- the command and the reproduction ---------------------------------------------------------


def test_found_attacks_are_large_resisted_by_trustrank_and_reproduced(tmp_path):
    """The done criterion: budget 1000 on 1000 accounts; each found attack is written,
    validated and audited; the audit reproduces the gain, and trustrank (seeds vetted before
    the attack, the default) resists the attacks bought from fake accounts: fake followers and
    fake reactions carry no trust. (A link farm around the target is another matter: it
    recirculates the target's own trust, see test_trustrank.)"""
    out = tmp_path / "attack.yaml"
    result = cli(
        "attack",
        "--scorer",
        "followers",
        "--scorer",
        "kred",
        "--scorer",
        "pagerank",
        "--scorer",
        "trustrank",
        "--budget",
        1000,
        "--max-evaluations",
        60,
        "-o",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    seeds = report["frozen_seeds"]["trustrank"]  # frozen without being asked
    assert len(seeds) >= 20
    found = {r["scorer"]: r for r in report["results"]}
    assert (
        found["pagerank"]["pagerank_bound"]["bound"]
        >= found["pagerank"]["pagerank_bound"]["measured"]
    )
    files = [found[s]["scenario"] for s in ("followers", "kred", "pagerank")]
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # no temporary left
    assert cli("validate", *files).exit_code == 0
    audited = cli(
        "audit",
        *files,
        "--scorer",
        "followers",
        "--scorer",
        "kred",
        "--scorer",
        "pagerank",
        "--scorer",
        "trustrank",
        "--param",
        f"trustrank.seeds=[{', '.join(seeds)}]",
        "--seeds",
        "1",
        "--format",
        "json",
    )
    assert audited.exit_code == 0, audited.output
    rows = json.loads(audited.stdout)["seed_rows"]  # the scenario's own seed, as attacked
    value = {(r["scenario"], r["scorer"]): r["value"] for r in rows}
    verdict = {(r["scenario"], r["scorer"]): r["verdict"] for r in rows}
    resisted = 0
    for sid in ("followers", "kred", "pagerank"):
        scenario = load_scenario(found[sid]["scenario"])
        assert scenario.flaw == found[sid]["flaw"]
        gain = found[sid]["best"]["gain_percentile_points"]
        assert gain > 20, (sid, found[sid]["best"])
        assert value[(scenario.id, sid)] == pytest.approx(gain, abs=1e-9)
        on_trustrank = found[sid]["same_attack_on"]["trustrank"]["gain_percentile_points"]
        if verdict[(scenario.id, "trustrank")] == "blind":
            # the attack did not change trustrank's scores at all (its seeds were vetted first)
            assert on_trustrank == 0, (sid, found[sid]["best"])
        else:
            assert on_trustrank == pytest.approx(value[(scenario.id, "trustrank")], abs=1e-9)
        if set(found[sid]["best"]["composition"]) <= {"fake_followers", "fake_reactions"}:
            assert (
                verdict[(scenario.id, "trustrank")] == "blind"
                or value[(scenario.id, "trustrank")] < 5
            ), (sid, found[sid]["best"])
            resisted += 1
    assert resisted >= 2  # followers' and kred's best attacks are bought from fakes


def test_table_states_the_bound_beside_the_finding(tmp_path):
    out = tmp_path / "one.yaml"
    result = cli(
        "attack",
        "--scorer",
        "pagerank",
        "--budget",
        40,
        "--population",
        200,
        "--max-evaluations",
        12,
        "--seed",
        2,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "pagerank: best attack found at evaluation" in text
    assert "bound y =" in text and "measured y =" in text
    assert f"wrote:   {out}" in text and out.exists()
    assert "Comparison" not in text  # one scorer: nothing to compare
    assert load_scenario(out).cohorts[0].behaviour == "composite_attack"


def test_seeds_are_frozen_unless_asked_not_to():
    registry = get_registry()
    scorers = [registry.scorer("sybilrank"), registry.scorer("kred")]
    frozen = run_attack(registry, scorers, 20, accounts=150, seed=4, max_evaluations=4)
    assert set(frozen.frozen) == {"sybilrank"} and frozen.frozen["sybilrank"]
    assert frozen.scorers[0].params.seeds == tuple(frozen.frozen["sybilrank"])
    loose = cli(
        "attack",
        "--scorer",
        "sybilrank",
        "--budget",
        20,
        "--population",
        150,
        "--max-evaluations",
        4,
        "--no-freeze-seeds",
        "--format",
        "json",
    )
    assert loose.exit_code == 0, loose.output
    assert json.loads(loose.stdout)["frozen_seeds"] == {}


def test_same_seed_same_report():
    registry = get_registry()
    scorers = [registry.scorer("kred")]
    a = run_attack(registry, scorers, 30, accounts=150, seed=4, max_evaluations=15).to_dict()
    b = run_attack(registry, scorers, 30, accounts=150, seed=4, max_evaluations=15).to_dict()
    for report in (a, b):
        for r in report["results"]:
            r.pop("seconds")
    assert a == b


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scorer", "pagernak", "--budget", "10"], "Did you mean 'pagerank'"),
        (
            ["--scorer", "kred", "--budget", "10", "--param", "klout.window_days=30"],
            "which is not among the scorers given",
        ),
        (
            ["--scorer", "kred", "--budget", "10", "--param", "kred.nope=1"],
            "has no parameter 'nope'",
        ),
        (["--scorer", "kred", "--budget", str(MAX_BUDGET + 1)], "--budget"),
        (
            ["--scorer", "kred", "--budget", "10", "--target-percentile", "120"],
            "--target-percentile",
        ),
        (["--scorer", "kred", "--scorer", "kred", "--budget", "10"], "given twice"),
        (["--scorer", "kred"], "--budget"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(args, fragment):
    result = cli("attack", "--population", 50, "--max-evaluations", 2, *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_the_attack_is_on_one_account(tmp_path):
    from auditkit import Registry, audit

    path = tmp_path / "two.yaml"
    path.write_text(
        "id: two\nflaw: F7\ntitle: two targets\nacceptable: none gain\n"
        "source: test\npopulation: {accounts: 60, seed: 1}\ncohorts:\n"
        "  - {name: target, behaviour: composite_attack, size: 2,\n"
        "     params: {fake_followers: 5}}\n"
        "checks:\n  - {probe: gain, cohort: target, expect: {kind: minimum, "
        "at_most: 5}}\n"
    )
    registry = get_registry()
    results = audit([load_scenario(path)], [registry.scorer("followers")], registry=registry)
    assert results.table["verdict"].tolist() == ["error"]
    assert "use size: 1" in results.table["finding"].iloc[0]
    with pytest.raises(AuditkitError, match="not registered"):
        AttackWorlds(Registry(entry_points=False), accounts=60)
