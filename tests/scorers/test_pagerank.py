"""Tests of the pagerank scorer and of the shared power iteration ``pagerank_vector``."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import rankdata

from auditkit import ParameterError, ScorerError, World, generate_world, get_registry, run_scorer
from auditkit.scorers.pagerank import (
    PageRank,
    interaction_weights,
    pagerank_vector,
    tweepcred_mass,
    tweepcred_post_adjust,
    tweepcred_scale,
)

# ---- helpers ---------------------------------------------------------------------------------


def world_of(graph: nx.DiGraph) -> World:
    """A world with one account per node (in node order) and one follow per edge."""
    nodes = list(graph.nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    src = [pos[u] for u, v in graph.edges if u != v]
    dst = [pos[v] for u, v in graph.edges if u != v]
    return World.from_codes([f"n{v}" for v in nodes], follower=src, followee=dst)


def nx_vector(graph: nx.DiGraph, **kwargs) -> np.ndarray:
    """networkx's PageRank with auditkit's default tolerance (same stopping rule)."""
    kwargs.setdefault("tol", 1e-10)
    ref = nx.pagerank(graph, **kwargs)
    return np.array([ref[v] for v in graph.nodes])


def assert_same_pagerank(ours: np.ndarray, ref: np.ndarray) -> None:
    assert np.abs(ours - ref).max() < 1e-6
    assert np.abs(ours - ref).max() < 1e-12  # same algorithm, so rounding only
    # same ranking (ties, e.g. isolated accounts, compared after rounding away float noise)
    np.testing.assert_array_equal(rankdata(np.round(ours, 12)), rankdata(np.round(ref, 12)))


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(400, seed=11)


def tables_snapshot(w: World) -> list[pd.DataFrame]:
    return [w.accounts.copy(), w.follows.copy(), w.events.copy()]


# ---- agreement with networkx -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [0.005, 0.03])
def test_matches_networkx_on_random_graphs(seed, p):
    graph = nx.gnp_random_graph(300, p, seed=seed, directed=True)
    assert nx.number_of_isolates(graph) > 0 or p > 0.01  # sparse ones include isolated nodes
    assert_same_pagerank(pagerank_vector(world_of(graph)), nx_vector(graph, alpha=0.85))


@pytest.mark.parametrize("seed", range(3))
def test_matches_networkx_on_scale_free_graphs(seed):
    graph = nx.DiGraph(nx.scale_free_graph(400, seed=seed))
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    graph.add_nodes_from(range(400, 420))  # isolated accounts
    assert_same_pagerank(pagerank_vector(world_of(graph)), nx_vector(graph))


def test_matches_networkx_with_other_damping_teleport_and_matrix_input():
    graph = nx.gnp_random_graph(150, 0.03, seed=5, directed=True)
    w = world_of(graph)
    teleport = np.linspace(1.0, 2.0, 150)
    ours = pagerank_vector(w, damping=0.7, teleport=teleport)
    ref = nx_vector(graph, alpha=0.7, personalization=dict(enumerate(teleport)))
    assert_same_pagerank(ours, ref)
    matrix = nx.to_scipy_sparse_array(graph, nodelist=list(graph.nodes))
    assert_same_pagerank(
        pagerank_vector(sp.csr_matrix(matrix), damping=0.7, teleport=teleport), ref
    )


def test_weighted_matches_networkx_with_weights(world):
    weights = interaction_weights(world, 90.0)
    assert weights.min() >= 1 and weights.max() > 1
    src, dst = world.follow_codes
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(world)))
    graph.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weights.tolist(), strict=True))
    ours = pagerank_vector(world, weights=weights)
    assert_same_pagerank(ours, nx_vector(graph, weight="weight"))


def test_interaction_weights_count_recent_reactions_along_follow_edges():
    t = pd.Timestamp("2024-03-01T00:00:00Z")
    follows = {"follower": ["a", "a", "b"], "followee": ["b", "c", "c"]}
    events = {
        "time": [t - pd.Timedelta(days=d) for d in (1, 2, 3, 100, 1, 1, 1)],
        "actor": ["a", "a", "a", "a", "b", "c", "a"],
        "action": ["like", "share", "reply", "like", "post", "like", "mention"],
        "target": ["b", "b", "b", "b", None, "a", "c"],
    }
    w = World(accounts={"account": ["a", "b", "c"]}, follows=follows, events=events)
    # a->b: like, share, reply in window (the 100-day-old like is out); a->c: one mention;
    # b->c: nothing (b only posted); c->a is a reaction but not a follow edge
    np.testing.assert_array_equal(interaction_weights(w, 90.0, t), [4.0, 2.0, 1.0])
    np.testing.assert_array_equal(interaction_weights(w, 2.5, t), [3.0, 2.0, 1.0])
    scored = run_scorer(PageRank(weight="interactions"), w, t)
    assert scored["c"] == 100.0


# ---- the spam-farm closed form (Gyöngyi & Garcia-Molina 2005; MMDS 5.4.2) ----------------------


@pytest.mark.parametrize(("m", "links_in"), [(300, 5), (800, 40)])
def test_spam_farm_closed_form(m, links_in):
    beta = 0.85
    honest = generate_world(600, follows=5000, events=0, seed=3)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    n_h = len(honest)
    lonely = np.flatnonzero(honest.out_degree == 0)  # give every honest account an out-link
    src = np.concatenate([src, lonely])
    dst = np.concatenate([dst, (lonely + 1) % n_h])
    target = n_h
    farm = np.arange(n_h + 1, n_h + 1 + m)
    fans = np.random.default_rng(0).choice(n_h, size=links_in, replace=False)
    src = np.concatenate([src, np.full(m, target), farm, fans])
    dst = np.concatenate([dst, farm, np.full(m, target), np.full(links_in, target)])
    n = n_h + 1 + m
    w = World.from_codes([f"a{i}" for i in range(n)], follower=src, followee=dst)
    assert (w.out_degree > 0).all()  # no dangling accounts: the closed form assumes none

    pr = pagerank_vector(w, damping=beta, tol=1e-14, max_iter=1000)
    out = w.out_degree
    x = beta * (pr[fans] / out[fans]).sum()  # PageRank flowing in from outside the farm
    y = pr[target]
    closed = x / (1 - beta**2) + beta / (1 + beta) * m / n
    assert y == pytest.approx(closed, rel=0.01)
    # the exact fixed point also counts the target's own teleport share
    assert y == pytest.approx(closed + 1 / ((1 + beta) * n), rel=1e-9)


# ---- the scorer contract ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"weight": "interactions"},
        {"variant": "tweepcred"},
        {"variant": "tweepcred", "weight": "interactions"},
    ],
)
def test_contract_on_generated_world(world, params):
    scorer = PageRank(**params)
    before = tables_snapshot(world)
    first = run_scorer(scorer, world)
    again = run_scorer(scorer, world)
    pd.testing.assert_series_equal(first, again)
    for old, new in zip(before, tables_snapshot(world), strict=True):
        pd.testing.assert_frame_equal(old, new)
    assert first.index.equals(world.ids)
    assert first.between(0, 100).all()


def test_standard_scale_spans_0_to_100_and_follows_pagerank(world):
    scores = run_scorer(PageRank(), world).to_numpy()
    pr = pagerank_vector(world)
    assert scores.min() == 0.0 and scores.max() == pytest.approx(100.0)
    expected = 100 * np.log(pr / pr.min()) / math.log(pr.max() / pr.min())
    np.testing.assert_allclose(scores, expected, atol=1e-9)


def test_edge_cases():
    empty = World.from_codes([])
    assert len(run_scorer(PageRank(), empty)) == 0
    assert len(run_scorer(PageRank(variant="tweepcred"), empty)) == 0
    assert len(pagerank_vector(empty)) == 0
    single = World(accounts={"account": ["solo"]})
    assert run_scorer(PageRank(), single).tolist() == [0.0]  # nobody stands out
    assert run_scorer(PageRank(variant="tweepcred"), single).tolist() == [100.0]  # PR = 1
    isolated = World(accounts={"account": list("abcd")})
    assert run_scorer(PageRank(), isolated).tolist() == [0.0] * 4
    cycle = World(follows={"follower": list("abc"), "followee": list("bca")})
    assert run_scorer(PageRank(), cycle).tolist() == [0.0] * 3  # all equal
    star = World(
        accounts={"account": list("abcde")},
        follows={"follower": list("bcd"), "followee": list("aaa")},
    )
    s = run_scorer(PageRank(), star)
    assert s["a"] == 100.0 and s["e"] == 0.0 and s["b"] == 0.0  # e is isolated: lowest


def test_scores_follow_the_graph_as_of_at():
    t0 = pd.Timestamp("2024-01-01T00:00:00Z")
    follows = {
        "follower": ["b", "c", "a"],
        "followee": ["a", "a", "c"],
        "time": [t0, t0, t0 + pd.Timedelta(days=10)],
    }
    w = World(accounts={"account": list("abc")}, follows=follows)
    early = run_scorer(PageRank(), w, t0 + pd.Timedelta(days=1))
    late = run_scorer(PageRank(), w, None)
    assert early["a"] == 100.0 and early["c"] == 0.0
    assert late["c"] > early["c"]


def test_registered_and_parameters_checked():
    scorer = get_registry().scorer("pagerank", damping=0.5)
    assert isinstance(scorer, PageRank) and scorer.params.damping == 0.5
    with pytest.raises(ParameterError, match="damping"):
        PageRank(damping=1.0)
    with pytest.raises(ParameterError, match="variant"):
        PageRank(variant="klout")
    with pytest.raises(ParameterError, match="has no parameter 'alpha'"):
        PageRank(alpha=0.85)
    with pytest.raises(ScorerError, match="sums to 0"):
        pagerank_vector(World(accounts={"account": ["a", "b"]}), teleport=np.zeros(2))
    info = PageRank().info()
    assert set(info["params"]) == {
        "damping",
        "max_iter",
        "tol",
        "weight",
        "window_days",
        "variant",
        "dtype",
    }


# ---- explain ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"variant": "tweepcred"}, {"weight": "interactions"}])
def test_explain_points_add_up_to_the_score(world, params):
    scorer = PageRank(**params)
    scores = run_scorer(scorer, world)
    followers = world.in_degree
    busy = world.ids[int(np.argmax(followers))]  # more followers than are itemised
    lonely = world.ids[int(np.argmin(followers))]
    for account in (busy, lonely, world.ids[7]):
        st = scorer.explain(world, account)
        assert st.score == pytest.approx(scores[account], abs=1e-9)
        assert st.total == st.score  # exactly
        assert (st.items["points"] >= 0).all()
    st = scorer.explain(world, busy)
    assert any("other followers" in s for s in st.items["signal"])
    if params.get("variant") != "tweepcred":
        # the raw values itemise PageRank: they add up to the final iterate
        mapping = st.items["signal"] == "log-scale mapping"
        weights = interaction_weights(world, 90.0) if params.get("weight") else None
        pr = pagerank_vector(world, weights=weights)
        assert st.items.loc[~mapping, "value"].sum() == pytest.approx(
            pr[world.code_of(busy)], rel=1e-9
        )


def test_explain_unknown_account(world):
    with pytest.raises(Exception, match="not in this world"):
        PageRank().explain(world, "nobody")


# ---- Tweepcred -------------------------------------------------------------------------------


def test_tweepcred_scale_published_arithmetic():
    np.testing.assert_array_equal(tweepcred_scale([1.2e-3, 2.6e-10]), [95.0, 15.0])
    np.testing.assert_array_equal(tweepcred_scale([1.0, 0.0, 1e-21, 1e-30]), [100, 0, 0, 0])


def test_tweepcred_post_adjust_published_arithmetic():
    div = tweepcred_post_adjust([5000, 3000, 3000, 2500, 10_000], [100, 2000, 3000, 0, 20_000])
    assert div[0] == 50.0  # capped
    assert div[1] == pytest.approx(22.6, abs=0.05)
    assert div[2] == 1.0  # ratio 1
    assert div[3] == 1.0  # 2,500 is not above the threshold
    assert div[4] == 1.0  # more followers than followings: never multiplied


def test_tweepcred_mass():
    # age factor: 1 above 30 days (and when unknown), min(1, ln(1 + age/15)) below, floor 0.01
    mass = tweepcred_mass([0, 0, 0, 0, 0], [0] * 5, np.array([100, 15, 5, 0, np.nan]))
    np.testing.assert_allclose(
        mass, [5.0, 100 * 0.05 * math.log(2), 100 * 0.05 * math.log1p(1 / 3), 1.0, 5.0]
    )
    # following > 500 with ratio > 0.6 divides by exp(5 (ratio - 0.6))
    mass = tweepcred_mass([600, 600, 600, 500], [500, 2000, 0, 0])
    assert mass[0] == pytest.approx(5.0 / math.exp(5 * (601 / 501 - 0.6)))
    assert mass[1] == 5.0 and mass[3] == 5.0  # ratio <= 0.6; followings not above 500
    assert mass[2] == 0.0  # exp(5 * 600.4) overflows: the mass vanishes


# An independent transcription of the Scala in twitter/the-algorithm (2023),
# src/scala/com/twitter/graph/batch/job/tweepcred/: UserMass.scala, WeightedPageRank.scala,
# ExtractTweepcred.scala and Reputation.scala, written with plain Python numbers and loops. It
# uses nothing from auditkit.scorers.pagerank.


def jvm_exp(x: float) -> float:
    """scala.math.exp: Infinity where Python's math.exp raises OverflowError."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def scala_user_mass(
    age: int,
    restricted: bool,
    suspended: bool,
    verified: bool,
    device: bool,
    followers: int,
    followings: int,
) -> float:
    """UserMass.getUserMass for a user that is not deactivated."""
    if suspended:
        mass = 0.0
    elif verified:
        mass = 100.0
    else:
        score = 0.5 * 0.1 + (0.5 if device else 0.0)
        normalized_age = 1.0 if age > 30 else min(1.0, math.log(1.0 + age / 15.0))
        score *= normalized_age
        if score < 0.01:
            score = 0.01
        if restricted:
            score *= 0.1
        score = max(min(score, 1.0), 0.0)
        score *= 100
        mass = score
    ratio = (1.0 + followings) / (1.0 + followers)
    if followings > 500 and ratio > 0.6:
        return mass / jvm_exp(5.0 * (ratio - 0.6))
    return mass


def scala_tweepcred(
    nodes: list[str],
    edges: list[tuple[str, str]],
    users: dict[str, dict],
    alpha: float = 0.1,
    max_iterations: int = 20,
    threshold: float = 0.001,
) -> tuple[dict[str, float], dict[str, int]]:
    """PreparePageRankData + WeightedPageRank (unweighted) + ExtractTweepcred (post_adjust)."""
    followers = {u: 0 for u in nodes}
    followings = {u: 0 for u in nodes}
    out: dict[str, list[str]] = {u: [] for u in nodes}
    for a, b in edges:
        out[a].append(b)
        followings[a] += 1
        followers[b] += 1
    prior = {
        u: scala_user_mass(followers=followers[u], followings=followings[u], **users[u])
        for u in nodes
    }
    total = sum(prior.values())
    prior = {u: m / total for u, m in prior.items()}  # .normalize('mass_prior)
    pagerank = dict(prior)  # pagerank_0
    num_nodes = len(nodes)
    cur_iteration = 0
    while True:
        nxt = {u: 0.0 for u in nodes}
        for u in nodes:
            if out[u]:
                dist = pagerank[u] / len(out[u])
                for v in out[u]:
                    nxt[v] += dist
        dead = (1.0 - sum(nxt.values())) / num_nodes
        output = {u: prior[u] * alpha + dead * (1 - alpha) + nxt[u] * (1 - alpha) for u in nodes}
        total_diff = sum(abs(pagerank[u] - output[u]) for u in nodes)
        pagerank = output
        if cur_iteration < max_iterations - 1 and total_diff > threshold:
            cur_iteration += 1
        else:
            break
    adjusted = {}
    for u in nodes:  # Reputation.adjustReputationsPostCalculation
        mass = pagerank[u]
        if followings[u] > 2500:
            ratio = (1.0 + followings[u]) / (1.0 + followers[u])
            div = jvm_exp(3.0 * (ratio - 1.0) * math.log(math.log(followings[u])))
            mass = mass / max(min(div, 50), 1.0)
        adjusted[u] = mass
    total = sum(adjusted.values())
    adjusted = {u: m / total for u, m in adjusted.items()}
    scaled = {}
    for u, raw in adjusted.items():  # Reputation.scaledReputation
        if raw == 0 or raw < 1.0e-20:
            scaled[u] = 0
        else:
            pos = round(130.0 + 5.21 * math.log(raw))  # Python rounds half to even, like rint
            scaled[u] = int(100 if pos > 100 else 0 if pos < 0 else pos)
    return adjusted, scaled


def _tweepcred_world(n: int, seed: int, spammers: int) -> tuple[World, list, dict]:
    rng = np.random.default_rng(seed)
    base = generate_world(n, seed=seed)
    src, dst = (a.astype(np.int64) for a in base.follow_codes)
    # follow spammers: accounts following 600 (mass penalty) or 2,600 (post-adjust) others
    extra_src, extra_dst = [], []
    for k in range(spammers):
        count = min(600 if k % 2 == 0 else 2600, n - 1)
        who = int(rng.integers(0, n))
        targets = rng.choice(np.delete(np.arange(n), who), size=count, replace=False)
        extra_src.append(np.full(count, who))
        extra_dst.append(targets)
    key = np.unique(np.concatenate([src, *extra_src]) * n + np.concatenate([dst, *extra_dst]))
    src, dst = key // n, key % n
    at = base.end
    created = (
        at
        - pd.to_timedelta(rng.choice([3, 12, 29, 31, 400], size=n), unit="D")
        - pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    )
    flags = {
        "device": rng.random(n) < 0.3,
        "verified": rng.random(n) < 0.02,
        "restricted": rng.random(n) < 0.05,
        "suspended": rng.random(n) < 0.03,
    }
    ids = list(base.ids)
    world = World(
        accounts={"account": ids, "created": created} | flags,
        follows={"follower": [ids[i] for i in src], "followee": [ids[i] for i in dst]},
    )
    users = {
        ids[i]: {
            "age": int((at - created[i]) // pd.Timedelta(days=1)),
            **{k: bool(v[i]) for k, v in flags.items()},
        }
        for i in range(n)
    }
    world.at = at  # the time the ages are counted to  # type: ignore[attr-defined]
    return world, list(zip([ids[i] for i in src], [ids[i] for i in dst], strict=True)), users


@pytest.mark.parametrize(("n", "seed", "spammers"), [(400, 1, 6), (1000, 2, 4), (3000, 3, 4)])
def test_tweepcred_variant_equals_an_independent_transcription_of_the_scala(n, seed, spammers):
    world, edges, users = _tweepcred_world(n, seed, spammers)
    scorer = PageRank(variant="tweepcred")
    assert scorer.settings() == (0.9, 20, 1e-3)
    pagerank, expected = scala_tweepcred(list(world.ids), edges, users)
    at = world.at
    scores = run_scorer(scorer, world, at)
    assert scores.to_dict() == {k: float(v) for k, v in expected.items()}
    # the PageRank behind the scale, to floating-point rounding, for a sample of accounts
    for account in list(world.ids[:: max(1, n // 25)]):
        item = scorer.explain(world, account, at).items.set_index("signal")
        assert item.loc["scaled PageRank", "value"] == pytest.approx(
            pagerank[account], rel=1e-9, abs=1e-18
        )
    # the flags matter: without them the same graph scores differently
    plain = World(accounts=world.accounts[["account", "created"]], follows=world.follows)
    assert not run_scorer(scorer, plain, at).equals(scores)


def test_tweepcred_mass_flags_follow_the_scala_order():
    kw = {"followings": [0] * 6, "followers": [0] * 6}
    mass = tweepcred_mass(
        **kw,
        device=[1, 0, 0, 0, 1, 0],
        verified=[0, 1, 0, 0, 0, 1],
        restricted=[0, 0, 1, 0, 1, 1],
        suspended=[0, 0, 0, 1, 0, 1],
    )
    # device: (0.05 + 0.5) * 100; verified: 100; restricted: 5 * 0.1; suspended: 0;
    # device and restricted: 55 * 0.1; verified beats restricted, suspended beats verified
    np.testing.assert_allclose(mass, [55.0, 100.0, 0.5, 0.0, 5.5, 0.0])
    # the floor comes before the restriction: a new restricted account has 0.01 * 0.1 * 100
    young = tweepcred_mass([0], [0], np.array([0.0]), restricted=[True])
    assert young[0] == pytest.approx(0.1)
    # the follow-ratio penalty applies to verified accounts too
    big = tweepcred_mass([600], [500], verified=[True])
    assert big[0] == pytest.approx(100.0 / math.exp(5 * (601 / 501 - 0.6)))


def test_tweepcred_penalises_follow_spam_and_clips_high_on_small_worlds(world):
    # u0 follows 600 accounts and nobody follows u0: ratio 601, mass / exp(5 * 600.4) = 0
    n = 1000
    ring = np.arange(1, n)
    src = np.concatenate([np.zeros(600, np.int64), ring])
    dst = np.concatenate([np.arange(1, 601), ring % (n - 1) + 1])
    w = World.from_codes([f"u{i}" for i in range(n)], follower=src, followee=dst)
    spammer = PageRank(variant="tweepcred").explain(w, "u0").items.set_index("signal")
    other = PageRank(variant="tweepcred").explain(w, "u700").items.set_index("signal")
    assert spammer.loc["teleport", "value"] == 0.0
    assert other.loc["teleport", "value"] == pytest.approx((1 - 0.9) / (n - 1))
    scores = run_scorer(PageRank(variant="tweepcred"), world)
    assert scores.median() > 75  # fitted to Twitter's n: small worlds clip high


# ---- docs ------------------------------------------------------------------------------------


def test_docs_page_names_every_parameter():
    text = (Path(__file__).resolve().parents[2] / "docs" / "scorers" / "pagerank.md").read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in PageRank.Params.model_fields:
        assert f"`{name}`" in text


def test_networkx_defaults_are_reproduced_with_its_tolerance():
    graph = nx.gnp_random_graph(300, 0.02, seed=3, directed=True)
    ours = pagerank_vector(world_of(graph), tol=1e-6)
    ref = np.array([v for _, v in sorted(nx.pagerank(graph).items())])
    assert np.abs(ours - ref).max() < 1e-12
