"""Tests of trustrank: the paper's algorithm transcribed independently, the seed pick (inverse
PageRank and the label oracle), seeds vetted before an attack, sybil containment, explain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import ParameterError, ScorerError, World, generate_world, get_registry, run_scorer
from auditkit.cli import main
from auditkit.scorers.pagerank import PageRank, pagerank_vector
from auditkit.scorers.trustrank import TrustRank

T0 = pd.Timestamp("2024-01-01T00:00:00Z")


# ---- an independent transcription of the paper --------------------------------------------
# Gyöngyi, Garcia-Molina, Pedersen, "Combating Web Spam with TrustRank", VLDB 2004. Section 2:
# T(p, q) = 1/omega(q) if q links to p, else 0; U(p, q) = 1/iota(q) if p links to q, else 0.
# The TrustRank function: d = the good seeds among the L best candidates, normalised; t = d;
# M_B times t = alpha_B T t + (1 - alpha_B) d. SelectSeed: s = alpha_I U s + (1 - alpha_I)/N 1,
# M_I times. Plain Python lists and dicts; nothing is imported from auditkit.scorers.trustrank.


def paper_trustrank(
    n: int, edges: list[tuple[int, int]], seeds: list[int], alpha: float = 0.85, m: int = 20
) -> list[float]:
    outlinks: dict[int, list[int]] = {p: [] for p in range(n)}
    for p, q in edges:
        outlinks[p].append(q)
    d = [0.0] * n
    for s in seeds:
        d[s] = 1.0
    total = sum(d)
    d = [x / total for x in d] if total else d
    t = list(d)
    for _ in range(m):
        moved = [0.0] * n  # T t: page q gives t(q)/omega(q) to each page it links to
        for q in range(n):
            for p in outlinks[q]:
                moved[p] += t[q] / len(outlinks[q])
        t = [alpha * moved[p] + (1 - alpha) * d[p] for p in range(n)]
    return t


def paper_select_seed(
    n: int, edges: list[tuple[int, int]], alpha: float = 0.85, m: int = 20
) -> list[float]:
    inlinks: dict[int, list[int]] = {q: [] for q in range(n)}
    outlinks: dict[int, list[int]] = {p: [] for p in range(n)}
    for p, q in edges:
        inlinks[q].append(p)
        outlinks[p].append(q)
    s = [1.0 / n] * n  # our reading: start from the uniform vector
    for _ in range(m):
        new = []
        for p in range(n):  # (U s)(p) = sum over q that p links to of s(q)/iota(q)
            new.append(alpha * sum(s[q] / len(inlinks[q]) for q in outlinks[p]) + (1 - alpha) / n)
        s = new
    return s


def random_graph(n: int, m: int, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    pairs = sorted({(int(a), int(b)) for a, b in zip(src, dst, strict=True) if a != b})
    return pairs


def world_of(n: int, edges, labels=None, times=None) -> World:
    ids = [f"u{i}" for i in range(n)]
    follows = {"follower": [ids[p] for p, _ in edges], "followee": [ids[q] for _, q in edges]}
    if times is not None:
        follows["time"] = times
    accounts = {"account": ids} | ({"label": labels} if labels is not None else {})
    return World(accounts=accounts, follows=follows)


GRAPHS = [(30, 60, 1), (80, 300, 2), (150, 400, 3), (200, 1500, 4), (60, 40, 5)]


@pytest.mark.parametrize(("n", "m", "seed"), GRAPHS)
def test_trust_equals_the_papers_algorithm_with_given_seeds(n, m, seed):
    edges = random_graph(n, m, seed)
    w = world_of(n, edges)
    rng = np.random.default_rng(seed)
    seeds = sorted(rng.choice(n, size=max(1, n // 15), replace=False).tolist())
    expected = np.array(paper_trustrank(n, edges, seeds))
    scorer = TrustRank(seeds=[f"u{i}" for i in seeds])
    np.testing.assert_allclose(scorer.trust(w), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        run_scorer(scorer, w).to_numpy(), 100 * expected / expected.max(), rtol=0, atol=1e-9
    )
    # other published parameters, and dead ends: trust reaching them leaves the computation
    other = TrustRank(seeds=[f"u{i}" for i in seeds], damping=0.7, iterations=7)
    np.testing.assert_allclose(
        other.trust(w), paper_trustrank(n, edges, seeds, 0.7, 7), rtol=0, atol=1e-12
    )
    assert (w.out_degree == 0).any() or n == 200


def test_command_line_scores_equal_the_transcription(tmp_path):
    n, edges = 120, random_graph(120, 500, 9)
    world_of(n, edges).write(tmp_path / "w")
    seeds = [3, 17, 42, 99]
    out = CliRunner().invoke(
        main,
        [
            "score",
            str(tmp_path / "w"),
            "--scorer",
            "trustrank",
            "--param",
            f"seeds=[{', '.join(f'u{i}' for i in seeds)}]",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    got = {r["account"]: r["score"] for r in json.loads(out.stdout)["scores"]}
    t = np.array(paper_trustrank(n, edges, seeds))
    for i in range(n):
        assert got[f"u{i}"] == pytest.approx(100 * t[i] / t.max(), abs=1e-9)


def test_trust_at_a_dead_end_leaves_the_computation():
    # the two-node chain: a (seed) follows b, b follows no one
    w = world_of(2, [(0, 1)])
    t = TrustRank(seeds=["u0"]).trust(w)
    assert t[0] == pytest.approx(0.15, abs=1e-15)  # only the jump back to the seed
    assert t[1] == pytest.approx(0.85 * 0.15, abs=1e-15)  # what a received one step before
    assert t.sum() == pytest.approx(0.2775)  # not 1: b's trust is dropped
    st = TrustRank(seeds=["u0"]).explain(w, "u1")
    assert "leaves the computation" in st.notes[1]


@pytest.mark.parametrize(("n", "m", "seed"), GRAPHS[:4])
def test_default_pick_is_inverse_pagerank_then_the_label_oracle(n, m, seed):
    edges = random_graph(n, m, seed)
    rng = np.random.default_rng(seed + 100)
    labels = rng.choice(
        ["human", "bot", "institution", "fake", "", "celebrity"],
        size=n,
        p=[0.5, 0.15, 0.1, 0.1, 0.1, 0.05],
    ).tolist()
    w = world_of(n, edges, labels)
    s = paper_select_seed(n, edges)
    follows = {p for p, _ in edges}
    ranked = sorted((p for p in range(n) if p in follows), key=lambda p: (-s[p], p))
    cut = s[ranked[19]] if len(ranked) > 20 else -1.0
    asked = [p for p in ranked if s[p] >= cut]  # L = 20 and everyone tied with the 20th
    good = sorted(p for p in asked if labels[p] in ("human", "institution", "celebrity"))
    picked = TrustRank().seeds(w)
    assert picked.source == "pick"
    assert picked.candidates.tolist() == asked
    assert picked.codes.tolist() == good
    expected = np.array(paper_trustrank(n, edges, good))
    np.testing.assert_allclose(TrustRank().trust(w), expected, rtol=0, atol=1e-12)


# ---- seeds -------------------------------------------------------------------------------------


def test_seeds_parameter_then_seed_labels_then_the_pick(tmp_path):
    edges = [(0, 1), (1, 2), (2, 3), (3, 0)]
    plain = world_of(5, edges)
    seeds = TrustRank(seeds=["u2", "u0"]).seeds(plain)
    assert seeds.source == "param" and seeds.codes.tolist() == [0, 2]
    labelled = world_of(5, edges, ["", "seed", "Seed", None, "bot"])
    assert TrustRank().seeds(labelled).codes.tolist() == [1, 2]
    assert TrustRank().seeds(labelled).source == "labels"
    assert TrustRank(seeds=["u0"]).seeds(labelled).codes.tolist() == [0]  # the parameter wins
    with pytest.raises(ScorerError, match="'zz'"):
        TrustRank(seeds=["u0", "zz"]).score(plain)
    # a file of ids, one per line, with a header, comments and blank lines
    path = tmp_path / "seeds.txt"
    path.write_text("account\nu3  # vetted 2024-01-01\n\nu1\n")
    assert TrustRank(seeds=str(path)).seeds(plain).codes.tolist() == [1, 3]
    with pytest.raises(ParameterError, match="not a file"):
        TrustRank(seeds=str(tmp_path / "missing.txt"))
    # numeric ids written as YAML numbers are account ids
    numeric = World(follows={"follower": ["7", "8"], "followee": ["8", "7"]})
    assert TrustRank(seeds=[7]).seeds(numeric).codes.tolist() == [0]


def test_without_edges_or_without_an_oracle_nobody_is_a_seed_and_all_score_0():
    no_edges = World(
        accounts={"account": list("abc"), "label": ["human"] * 3},
        events={"time": [T0], "actor": ["a"], "action": ["post"]},
    )
    seeds = TrustRank().seeds(no_edges)
    assert seeds.source == "none" and "no account follows anyone" in seeds.note
    assert run_scorer(TrustRank(), no_edges).tolist() == [0.0, 0.0, 0.0]
    unlabelled = world_of(4, [(0, 1), (1, 2), (2, 3)])
    seeds = TrustRank().seeds(unlabelled)
    assert seeds.source == "none" and "no label column" in seeds.note
    assert seeds.candidates.tolist() == [0, 1, 2]  # u3 follows no one: never a candidate
    assert (run_scorer(TrustRank(), unlabelled) == 0).all()
    st = TrustRank().explain(unlabelled, "u1")
    assert "give seeds" in st.notes[0]
    # with seeds, an edgeless world keeps the seeds' own jump: seeds 100, everyone else 0
    assert run_scorer(TrustRank(seeds=["b"]), no_edges).tolist() == [0.0, 100.0, 0.0]


def _target_harvesting_follow_backs(honest: World):
    """``honest`` (follows at T0) plus, 60 days later, one ordinary account that follows 300
    others, 150 of whom follow it back: the farming a vetting time must keep out of the seeds."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    rng = np.random.default_rng(0)
    target = int(np.argsort(honest.in_degree, kind="stable")[n // 2])
    chosen = rng.choice(np.setdiff1d(np.arange(n), [target]), 300, replace=False)
    have = set(zip(src.tolist(), dst.tolist(), strict=True))
    add = [(target, int(v)) for v in chosen if (target, int(v)) not in have]
    add += [(int(v), target) for v in chosen[:150] if (int(v), target) not in have]
    a = np.array(add)
    later = T0 + pd.Timedelta(days=60)
    times = np.r_[np.full(len(src), T0.value / 1e9), np.full(len(a), later.value / 1e9)]
    labels = list(honest.accounts["label"].astype(object))
    w = World.from_codes(
        list(honest.ids),
        follower=np.r_[src, a[:, 0]],
        followee=np.r_[dst, a[:, 1]],
        follow_time=times,
        accounts_extra={"label": labels},
    )
    return w, target


def test_seeds_vetted_before_an_attack_cannot_include_its_target(honest):
    w, target = _target_harvesting_follow_backs(honest)
    assert target in TrustRank().seeds(w).codes  # picked on the attacked world: a seed
    vetted = TrustRank(seeds_as_of=T0 + pd.Timedelta(days=30))
    seeds = vetted.seeds(w)
    assert target not in seeds.codes and seeds.as_of == T0 + pd.Timedelta(days=30)
    np.testing.assert_array_equal(
        seeds.codes, TrustRank().seeds(w, T0 + pd.Timedelta(days=30)).codes
    )
    # the same time in other spellings: unix seconds, a date
    assert (
        TrustRank(seeds_as_of=(T0 + pd.Timedelta(days=30)).value / 1e9).params.seeds_as_of
        == vetted.params.seeds_as_of
    )
    assert TrustRank(seeds_as_of="2024-01-31").params.seeds_as_of == vetted.params.seeds_as_of
    with pytest.raises(ParameterError, match="cannot read time"):
        TrustRank(seeds_as_of="last tuesday")


def test_bought_followers_neither_lift_nor_sink_their_buyers(honest):
    """Ten ordinary accounts each gifted 200 fake followers (labelled fake, following only their
    target) after the seeds were vetted: fakes hold no trust, so nobody's trust changes."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    targets = np.random.default_rng(3).choice(n, 10, replace=False)
    k = 200 * len(targets)
    ids = list(honest.ids) + [f"fake{i}" for i in range(k)]
    labels = list(honest.accounts["label"].astype(object)) + ["fake"] * k
    later = (T0 + pd.Timedelta(days=60)).value / 1e9

    def build(gift: bool) -> World:
        f_src = np.r_[src, np.arange(n, n + k)] if gift else src
        f_dst = np.r_[dst, np.repeat(targets, 200)] if gift else dst
        times = np.r_[np.full(len(src), T0.value / 1e9), np.full(len(f_src) - len(src), later)]
        return World.from_codes(
            ids, follower=f_src, followee=f_dst, follow_time=times, accounts_extra={"label": labels}
        )

    before, after = build(False), build(True)
    vetted = TrustRank(seeds_as_of=T0 + pd.Timedelta(days=30))
    a, b = run_scorer(vetted, before), run_scorer(vetted, after)
    pd.testing.assert_series_equal(a, b)
    assert (a.iloc[targets] > 0).sum() >= 8  # most of them hold trust, and keep it exactly


# ---- sybil-region containment (F9) ------------------------------------------------------------


def with_sybils(
    honest: World, k: int, attack=((0, 0),), sybil_label: str = "sybil"
) -> tuple[World, np.ndarray]:
    """``honest`` plus a clique of ``k`` sybils who all follow each other; ``attack`` lists
    ``(honest code, sybil index)``: the honest account follows that sybil."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    sybils = np.arange(n, n + k)
    a, b = np.meshgrid(sybils, sybils, indexing="ij")
    off = a != b
    att = np.array(attack, np.int64)
    ids = list(honest.ids) + [f"sybil{i}" for i in range(k)]
    labels = list(honest.accounts["label"].astype(object)) + [sybil_label] * k
    w = World.from_codes(
        ids,
        follower=np.concatenate([src, a[off], att[:, 0]]),
        followee=np.concatenate([dst, b[off], n + att[:, 1]]),
        accounts_extra={"label": labels},
    )
    return w, sybils


def best_percentile(scores: pd.Series, codes: np.ndarray) -> float:
    v = scores.to_numpy()
    return float((v < v[codes].max()).mean())


@pytest.fixture(scope="module")
def honest() -> World:
    return generate_world(1000, seed=7)


def test_one_attack_edge_sybil_clique_ranks_low(honest):
    w, sybils = with_sybils(honest, 50)
    trust = run_scorer(TrustRank(), w)
    pagerank = run_scorer(PageRank(), w)
    assert not np.isin(TrustRank().seeds(w).codes, sybils).any()
    assert best_percentile(trust, sybils) < 0.25 < 0.5 < best_percentile(pagerank, sybils)
    assert trust.to_numpy()[sybils].sum() / trust.sum() < 0.01  # 4.8% of accounts, < 1% score
    assert pagerank.to_numpy()[sybils].sum() / pagerank.sum() > 0.04


def test_sybil_region_trust_does_not_grow_with_its_size(honest):
    fixed = tuple(honest.ids[TrustRank().seeds(honest).codes])
    attack = ((0, 0), (5, 1))  # two attack edges, held fixed
    region, region_pagerank = [], []
    for k in (10, 50, 200):
        w, sybils = with_sybils(honest, k, attack=attack)
        region.append(TrustRank(seeds=fixed).trust(w)[sybils].sum())
        region_pagerank.append(pagerank_vector(w, tol=1e-10)[sybils].sum())
    # what enters through the attack edges is all the region gets, whatever its size
    np.testing.assert_allclose(region, region[0], rtol=1e-9)
    assert region_pagerank[1] > 3 * region_pagerank[0]  # PageRank grows with the region
    assert region_pagerank[2] > 2.5 * region_pagerank[1]


def test_the_oracle_decides_which_candidates_become_seeds(honest):
    """Inverse PageRank favours accounts that follow many little-followed accounts, so 20
    sybils that each follow 300 of them take most of the 20 oracle calls. An oracle fooled by a
    'human' label makes them seeds; labelled 'sybil' they are rejected, and only the few honest
    candidates remain until more oracle calls (the paper's L) are made."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    k = 20
    low = np.argsort(honest.in_degree, kind="stable")[:300]
    sybils = np.arange(n, n + k)

    def world(label: str) -> World:
        ids = list(honest.ids) + [f"sybil{i}" for i in range(k)]
        labels = list(honest.accounts["label"].astype(object)) + [label] * k
        return World.from_codes(
            ids,
            follower=np.r_[src, np.repeat(sybils, 300)],
            followee=np.r_[dst, np.tile(low, k)],
            accounts_extra={"label": labels},
        )

    fooled = TrustRank().seeds(world("human"))
    assert np.isin(sybils, fooled.candidates).all()  # tied with each other: all asked
    assert np.isin(sybils, fooled.codes).all() and len(fooled.codes) < 2 * k
    caught = TrustRank().seeds(world("sybil"))
    np.testing.assert_array_equal(caught.candidates, fooled.candidates)
    assert not np.isin(caught.codes, sybils).any() and 0 < len(caught.codes) < k // 2
    more = TrustRank(oracle_calls=60).seeds(world("sybil"))
    assert len(more.codes) >= 30 and not np.isin(more.codes, sybils).any()


# ---- contract and explain ---------------------------------------------------------------------


def test_contract_and_edge_cases(honest):
    before = [t.copy() for t in (honest.accounts, honest.follows, honest.events)]
    first = run_scorer(TrustRank(), honest)
    pd.testing.assert_series_equal(first, run_scorer(TrustRank(), honest))
    for old, new in zip(before, (honest.accounts, honest.follows, honest.events), strict=True):
        pd.testing.assert_frame_equal(old, new)
    assert first.max() == pytest.approx(100.0) and first.min() >= 0.0
    assert len(run_scorer(TrustRank(), World.from_codes([]))) == 0
    assert run_scorer(TrustRank(), World(accounts={"account": ["solo"]})).tolist() == [0.0]


def test_scores_follow_the_graph_as_of_at():
    w = World(
        accounts={"account": ["s", "a", "b"], "label": ["seed", "", ""]},
        follows={
            "follower": ["s", "s"],
            "followee": ["a", "b"],
            "time": [T0, T0 + pd.Timedelta(days=5)],
        },
    )
    early = run_scorer(TrustRank(), w, T0 + pd.Timedelta(days=1))
    assert early["a"] > 0 and early["b"] == 0.0
    late = run_scorer(TrustRank(), w)
    assert late["b"] == late["a"] > 0


def test_registered_with_its_parameters():
    scorer = get_registry().scorer("trustrank", oracle_calls=5)
    assert isinstance(scorer, TrustRank) and scorer.params.oracle_calls == 5
    assert {"seeds", "labels", "follows", "time"} <= scorer.tags
    assert TrustRank().params.damping == 0.85 and TrustRank().params.iterations == 20
    with pytest.raises(ParameterError, match="no parameter 'normalise'"):
        TrustRank(normalise="degree")


def test_explain_points_add_up_to_the_score(honest):
    scorer = TrustRank()
    scores = run_scorer(scorer, honest)
    trust = scorer.trust(honest)
    seed = honest.ids[scorer.seeds(honest).codes[0]]
    busy = honest.ids[int(np.argmax(honest.in_degree))]
    for account in (seed, busy, honest.ids[int(np.argmin(honest.in_degree))]):
        st = scorer.explain(honest, account)
        assert st.score == pytest.approx(scores[account], abs=1e-9)
        assert st.total == st.score  # exactly
        assert (st.items["points"] >= 0).all()
        raw = st.items[st.items["signal"] != "share of the top"]
        assert raw["value"].sum() == pytest.approx(trust[honest.code_of(account)], rel=1e-9)
    assert scorer.explain(honest, seed).items.iloc[0]["value"] == pytest.approx(
        0.15 / len(scorer.seeds(honest).codes)
    )


def test_docs_page_names_every_parameter():
    text = (Path(__file__).resolve().parents[2] / "docs" / "scorers" / "trustrank.md").read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in TrustRank.Params.model_fields:
        assert f"`{name}`" in text


def test_a_link_farm_amplifies_its_targets_own_trust_at_most_1_over_1_minus_alpha_squared(honest):
    """A target that follows m sybils who follow only it back gets part of its trust back every
    two steps: with alpha = 0.85 at most 1/(1 - 0.85^2) = 3.6 times (Gyöngyi and Garcia-Molina's
    farm amplification, which applies to TrustRank's biased PageRank too); sybils add nothing
    from outside, because nothing but the target's own trust reaches them."""
    fixed = tuple(honest.ids[TrustRank().seeds(honest).codes])
    target = int(np.argsort(TrustRank(seeds=fixed).trust(honest))[len(honest) // 2])
    base = TrustRank(seeds=fixed, iterations=200).trust(honest)[target]
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    gains = []
    for m in (10, 100, 1000):
        sybils = np.arange(n, n + m)
        ids = list(honest.ids) + [f"sybil{i}" for i in range(m)]
        labels = list(honest.accounts["label"].astype(object)) + ["sybil"] * m
        w = World.from_codes(
            ids,
            follower=np.r_[src, np.full(m, target), sybils],
            followee=np.r_[dst, sybils, np.full(m, target)],
            accounts_extra={"label": labels},
        )
        gains.append(TrustRank(seeds=fixed, iterations=200).trust(w)[target] / base)
    assert 1.0 < gains[0] < gains[1] < gains[2] <= 1 / (1 - 0.85**2) + 1e-9
    assert gains[2] > 3.0
