"""Tests of the trustrank scorer: seeds, propagation, sybil-region containment, explain."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from auditkit.scorers.pagerank import PageRank, pagerank_vector
from auditkit.scorers.trustrank import TrustRank

from auditkit import ScorerError, World, generate_world, get_registry, run_scorer

# ---- helpers ---------------------------------------------------------------------------------


def with_sybils(honest: World, k: int, attack=((0, 0),), label_sybils: bool = False,
                labels: list[str] | None = None) -> tuple[World, np.ndarray]:
    """``honest`` plus a clique of ``k`` sybils who all follow each other.

    ``attack`` lists ``(honest code, sybil index)`` pairs: the honest account follows that sybil.
    Returns the world and the sybils' codes.
    """
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    sybils = np.arange(n, n + k)
    a, b = np.meshgrid(sybils, sybils, indexing="ij")
    off = a != b
    att_src = np.array([h for h, _ in attack], np.int64)
    att_dst = np.array([n + j for _, j in attack], np.int64)
    ids = list(honest.ids) + [f"sybil{i}" for i in range(k)]
    extra = {}
    if label_sybils or labels is not None:
        base = labels if labels is not None else ["human"] * n
        extra["label"] = base + ["sybil" if label_sybils else "human"] * k
    w = World.from_codes(ids, follower=np.concatenate([src, a[off], att_src]),
                         followee=np.concatenate([dst, b[off], att_dst]),
                         accounts_extra=extra or None)
    return w, sybils


def best_percentile(scores: pd.Series, codes: np.ndarray) -> float:
    """Share of all accounts scoring strictly below the best of ``codes``."""
    v = scores.to_numpy()
    return float((v < v[codes].max()).mean())


def dense_trust(src, dst, n, seeds, damping, iterations):
    """TrustRank's biased PageRank written out with a dense matrix, for comparison."""
    out = np.bincount(src, minlength=n)
    p = np.zeros((n, n))
    p[src, dst] = 1.0 / out[src]
    s = np.zeros(n)
    s[seeds] = 1.0 / len(seeds)
    t = s.copy()
    for _ in range(iterations):
        t = damping * p.T @ t + (1 - damping) * s
    return t


@pytest.fixture(scope="module")
def honest() -> World:
    return generate_world(1000, seed=7)


# ---- sybil-region containment (F9) -----------------------------------------------------------


def test_one_attack_edge_sybil_clique_ranks_low(honest):
    w, sybils = with_sybils(honest, 50)
    trust = run_scorer(TrustRank(), w)
    pagerank = run_scorer(PageRank(), w)
    assert not np.isin(TrustRank().seeds(w).codes, sybils).any()
    assert best_percentile(trust, sybils) < best_percentile(pagerank, sybils)
    assert best_percentile(trust, sybils) < 0.25
    assert best_percentile(pagerank, sybils) > 0.5  # the clique keeps its PageRank
    share = trust.to_numpy()[sybils].sum() / trust.sum()
    assert share < 0.01  # 50 of 1,050 accounts (4.8%) hold under 1% of the score
    assert pagerank.to_numpy()[sybils].sum() / pagerank.sum() > 0.04


def test_sybil_region_trust_does_not_grow_with_its_size(honest):
    seeds = TrustRank().seeds(honest)
    fixed_seeds = tuple(honest.ids[seeds.codes])
    attack = ((0, 0), (5, 1))  # two attack edges, held fixed
    region_trust, fixed_steps, region_pagerank = [], [], []
    for k in (10, 50, 200):
        w, sybils = with_sybils(honest, k, attack=attack)
        region_trust.append(TrustRank(seeds=fixed_seeds).trust(w)[sybils].sum())
        fixed_steps.append(TrustRank(seeds=fixed_seeds, iterations=11).trust(w)[sybils].sum())
        region_pagerank.append(pagerank_vector(w, tol=1e-10)[sybils].sum())
    # with the number of steps fixed the region's trust is exactly what the attack edges let in
    np.testing.assert_allclose(fixed_steps, fixed_steps[0], rtol=1e-9)
    # by default the steps grow with log2(n) (10 -> 11 here), which lets in a little more
    assert max(region_trust) <= min(region_trust) * 1.05
    assert region_pagerank[1] > 3 * region_pagerank[0]
    assert region_pagerank[2] > 2.5 * region_pagerank[1]


def test_default_seed_pick_is_fooled_by_a_large_clique_unless_labelled(honest):
    """A documented weakness: 200 sybils that follow each other look like the most-followed,
    highest inverse-PageRank accounts; TrustRank's human oracle is what keeps them out."""
    w, sybils = with_sybils(honest, 200)
    assert np.isin(TrustRank().seeds(w).codes, sybils).any()
    labelled, sybils = with_sybils(honest, 200, label_sybils=True)
    seeds = TrustRank().seeds(labelled)
    assert not np.isin(seeds.codes, sybils).any() and len(seeds.codes) == 20
    scores = run_scorer(TrustRank(), labelled)
    assert best_percentile(scores, sybils) < 0.25


# ---- seeds -----------------------------------------------------------------------------------


def test_default_seeds_are_deterministic_and_skip_bot_labels(honest):
    first = TrustRank().seeds(honest)
    assert first.source == "inverse-pagerank" and len(first.codes) == 20
    np.testing.assert_array_equal(first.codes, TrustRank().seeds(honest).codes)
    # all chosen seeds come from the 100 most-followed accounts
    pool = np.argsort(-honest.in_degree, kind="stable")[:100]
    assert np.isin(first.codes, pool).all()
    # label the chosen seeds as bots (in mixed case): none of them may be picked again
    labels = np.full(len(honest), "human", dtype=object)
    labels[first.codes[:10]] = "Bot"
    labels[first.codes[10:]] = "spam"
    relabelled = World.from_codes(honest.ids, follower=honest.follow_codes[0],
                                  followee=honest.follow_codes[1],
                                  accounts_extra={"label": labels})
    again = TrustRank().seeds(relabelled)
    assert len(again.codes) == 20 and not np.isin(again.codes, first.codes).any()


def test_pool_is_capped_to_a_tenth_of_the_world():
    w = generate_world(120, seed=2)
    seeds = TrustRank().seeds(w)
    assert len(seeds.codes) == 12  # pool min(100, ceil(12)) = 12 < n_seeds 20
    assert len(TrustRank(pool_fraction=1.0, n_seeds=30).seeds(w).codes) == 30


def test_seed_labels_then_param_then_default():
    follows = {"follower": ["a", "b", "c", "d"], "followee": ["b", "c", "d", "a"]}
    plain = World(accounts={"account": list("abcde")}, follows=follows)
    seeds = TrustRank(seeds=["c", "a"]).seeds(plain)
    assert seeds.source == "param" and list(plain.ids[seeds.codes]) == ["a", "c"]
    with pytest.raises(ScorerError, match="'zz'"):
        TrustRank(seeds=["a", "zz"]).score(plain)
    labelled = World(accounts={"account": list("abcde"),
                               "label": ["", "seed", "Seed", None, "bot"]}, follows=follows)
    seeds = TrustRank(seeds=["a"]).seeds(labelled)
    assert seeds.source == "labels" and list(labelled.ids[seeds.codes]) == ["b", "c"]
    assert "ignored" in seeds.note


# ---- propagation -----------------------------------------------------------------------------


@pytest.mark.parametrize("iterations", [0, 1, 3, None])
def test_propagation_matches_the_dense_formula(iterations):
    rng = np.random.default_rng(1)
    n = 80
    src, dst = rng.integers(0, n, 300), rng.integers(0, n, 300)
    keep = src != dst
    key = np.unique(src[keep] * n + dst[keep])
    src, dst = key // n, key % n
    w = World.from_codes([f"u{i}" for i in range(n)], follower=src, followee=dst)
    assert (w.out_degree == 0).any()  # dangling accounts keep their trust
    seeds = [3, 17, 42]
    scorer = TrustRank(seeds=[f"u{i}" for i in seeds], iterations=iterations)
    k = math.ceil(math.log2(n)) if iterations is None else iterations
    expected = dense_trust(src, dst, n, seeds, 0.85, k)
    np.testing.assert_allclose(scorer.trust(w), expected, atol=1e-15)
    ranked = expected / (w.in_degree + 1)
    np.testing.assert_allclose(run_scorer(scorer, w).to_numpy(), 100 * ranked / ranked.max(),
                               atol=1e-9)
    plain = TrustRank(seeds=[f"u{i}" for i in seeds], iterations=iterations, normalise="none")
    np.testing.assert_allclose(run_scorer(plain, w).to_numpy(), 100 * expected / expected.max(),
                               atol=1e-9)


def test_trust_flows_from_follower_to_followee():
    # s (seed) follows a; b follows s. a is trusted, b is not.
    w = World(accounts={"account": ["s", "a", "b"], "label": ["seed", "", ""]},
              follows={"follower": ["s", "b"], "followee": ["a", "s"]})
    scores = run_scorer(TrustRank(normalise="none"), w)
    assert scores["a"] > 0 and scores["b"] == 0.0 and scores["s"] == 100.0


def test_contract_and_edge_cases(honest):
    before = [honest.accounts.copy(), honest.follows.copy(), honest.events.copy()]
    first = run_scorer(TrustRank(), honest)
    pd.testing.assert_series_equal(first, run_scorer(TrustRank(), honest))
    for old, new in zip(before, [honest.accounts, honest.follows, honest.events], strict=True):
        pd.testing.assert_frame_equal(old, new)
    assert first.max() == pytest.approx(100.0) and first.min() >= 0.0
    assert len(run_scorer(TrustRank(), World.from_codes([]))) == 0
    assert run_scorer(TrustRank(), World(accounts={"account": ["solo"]})).tolist() == [100.0]
    isolated = World(accounts={"account": list("abcd")})
    scores = run_scorer(TrustRank(), isolated)  # the one seed (pool of 1) keeps its trust
    assert scores.tolist() == [100.0, 0.0, 0.0, 0.0]
    bots = World(accounts={"account": list("abc"), "label": ["bot", "spam", "sybil"]},
                 follows={"follower": ["a", "b"], "followee": ["b", "c"]})
    assert TrustRank().seeds(bots).source == "none"
    assert run_scorer(TrustRank(), bots).tolist() == [0.0, 0.0, 0.0]


def test_scores_follow_the_graph_as_of_at():
    t0 = pd.Timestamp("2024-01-01T00:00:00Z")
    w = World(accounts={"account": ["s", "a", "b"], "label": ["seed", "", ""]},
              follows={"follower": ["s", "s"], "followee": ["a", "b"],
                       "time": [t0, t0 + pd.Timedelta(days=5)]})
    early = run_scorer(TrustRank(), w, t0 + pd.Timedelta(days=1))
    assert early["a"] > 0 and early["b"] == 0.0
    late = run_scorer(TrustRank(), w)
    assert late["b"] == late["a"] > 0


def test_registered():
    scorer = get_registry().scorer("trustrank", n_seeds=5)
    assert isinstance(scorer, TrustRank) and scorer.params.n_seeds == 5
    assert {"seeds", "labels", "follows"} <= scorer.tags


# ---- explain ---------------------------------------------------------------------------------


@pytest.mark.parametrize("normalise", ["degree", "none"])
def test_explain_points_add_up_to_the_score(honest, normalise):
    scorer = TrustRank(normalise=normalise)
    scores = run_scorer(scorer, honest)
    trust = scorer.trust(honest)
    seed = honest.ids[scorer.seeds(honest).codes[0]]
    busy = honest.ids[int(np.argmax(honest.in_degree))]
    for account in (seed, busy, honest.ids[int(np.argmin(honest.in_degree))]):
        st = scorer.explain(honest, account)
        assert st.score == pytest.approx(scores[account], abs=1e-9)
        assert st.total == st.score  # exactly
        assert (st.items["points"] >= 0).all()
        raw = st.items[~st.items["signal"].isin(["followers + 1", "share of the top"])]
        assert raw["value"].sum() == pytest.approx(trust[honest.code_of(account)], rel=1e-9)
    st = scorer.explain(honest, seed)
    assert st.items.iloc[0]["value"] == pytest.approx(0.15 / 20)


# ---- docs ------------------------------------------------------------------------------------


def test_docs_page_names_every_parameter():
    text = (Path(__file__).resolve().parents[2] / "docs" / "scorers" / "trustrank.md").read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in TrustRank.Params.model_fields:
        assert f"`{name}`" in text
