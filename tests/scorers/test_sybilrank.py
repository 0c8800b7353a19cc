"""Tests of sybilrank: the paper's algorithm transcribed independently, how follows become ties,
the seed pick, seeds vetted before an attack, sybil containment, fake followers, explain."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit import ParameterError, ScorerError, World, generate_world, get_registry, run_scorer
from auditkit.cli import main
from auditkit.scorers.pagerank import PageRank
from auditkit.scorers.sybilrank import SybilRank

T0 = pd.Timestamp("2024-01-01T00:00:00Z")


# ---- an independent transcription of the paper --------------------------------------------
# Cao, Sirivianos, Yang, Pregueiro, "Aiding the Detection of Fake Accounts in Large Scale Social
# Online Services", NSDI 2012, section 4: an undirected graph; the total trust split evenly over
# the seeds; w power-iteration steps T_i(v) = sum over neighbours u of T_{i-1}(u) / deg(u), no
# teleport; rank by T_w(v) / deg(v). Plain Python sets and loops; nothing from
# auditkit.scorers.sybilrank.


def paper_sybilrank(
    n: int, edges: list[tuple[int, int]], seeds: list[int], w: int, ties: str = "mutual"
) -> list[float]:
    directed = set(edges)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for u, v in directed:
        if ties == "any" or (v, u) in directed:
            neighbours[u].add(v)
            neighbours[v].add(u)
    trust = [0.0] * n
    for s in seeds:
        trust[s] = 1.0 / len(seeds)
    for _ in range(w):
        new = [0.0] * n
        for v in range(n):
            for u in neighbours[v]:
                new[v] += trust[u] / len(neighbours[u])
        trust = new
    return [trust[v] / len(neighbours[v]) if neighbours[v] else 0.0 for v in range(n)]


def random_graph(n: int, m: int, reciprocity: float, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    pairs = {
        (int(a), int(b))
        for a, b in zip(rng.integers(0, n, m), rng.integers(0, n, m), strict=True)
        if a != b
    }
    back = {(b, a) for a, b in pairs if rng.random() < reciprocity}
    return sorted(pairs | back)


def world_of(n: int, edges, labels=None, groups=None, times=None) -> World:
    ids = [f"u{i}" for i in range(n)]
    follows = {"follower": [ids[p] for p, _ in edges], "followee": [ids[q] for _, q in edges]}
    if times is not None:
        follows["time"] = times
    accounts = {"account": ids}
    if labels is not None:
        accounts["label"] = labels
    if groups is not None:
        accounts["group"] = groups
    return World(accounts=accounts, follows=follows)


GRAPHS = [
    (40, 120, 0.5, 1),
    (100, 400, 0.3, 2),
    (300, 1500, 0.25, 3),
    (500, 900, 0.6, 4),
    (64, 300, 0.4, 5),
]


@pytest.mark.parametrize(("n", "m", "r", "seed"), GRAPHS)
@pytest.mark.parametrize("ties", ["mutual", "any"])
def test_scores_equal_the_papers_algorithm_with_given_seeds(n, m, r, seed, ties):
    edges = random_graph(n, m, r, seed)
    w = world_of(n, edges)
    rng = np.random.default_rng(seed)
    seeds = sorted(rng.choice(n, size=max(1, n // 20), replace=False).tolist())
    steps = math.ceil(math.log2(n))
    ranked = np.array(paper_sybilrank(n, edges, seeds, steps, ties))
    scorer = SybilRank(seeds=[f"u{i}" for i in seeds], ties=ties)
    expected = 100 * ranked / ranked.max()
    np.testing.assert_allclose(run_scorer(scorer, w).to_numpy(), expected, rtol=0, atol=1e-9)
    fixed = SybilRank(seeds=[f"u{i}" for i in seeds], ties=ties, iterations=3)
    ranked3 = np.array(paper_sybilrank(n, edges, seeds, 3, ties))
    np.testing.assert_allclose(
        run_scorer(fixed, w).to_numpy(), 100 * ranked3 / ranked3.max(), rtol=0, atol=1e-9
    )


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(n=st.integers(2, 25), data=st.data())
def test_scores_equal_the_transcription_on_drawn_graphs(n, data):
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80)
    )
    edges = sorted({(a, b) for a, b in pairs if a != b})
    seeds = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=4)))
    w = world_of(n, edges)
    ranked = np.array(paper_sybilrank(n, edges, seeds, math.ceil(math.log2(n))))
    expected = 100 * ranked / ranked.max() if ranked.max() > 0 else np.zeros(n)
    got = run_scorer(SybilRank(seeds=[f"u{i}" for i in seeds]), w).to_numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_command_line_scores_equal_the_transcription(tmp_path):
    n, edges = 150, random_graph(150, 700, 0.4, 9)
    world_of(n, edges).write(tmp_path / "w")
    seeds = [3, 17, 42, 99, 120]
    # the spelling, with the scorer id in front of the parameter, as `audit` takes it
    out = CliRunner().invoke(
        main,
        [
            "score",
            str(tmp_path / "w"),
            "--scorer",
            "sybilrank",
            "--param",
            f"sybilrank.seeds=[{', '.join(f'u{i}' for i in seeds)}]",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    got = {r["account"]: r["score"] for r in json.loads(out.stdout)["scores"]}
    ranked = np.array(paper_sybilrank(n, edges, seeds, math.ceil(math.log2(n))))
    for i in range(n):
        assert got[f"u{i}"] == pytest.approx(100 * ranked[i] / ranked.max(), abs=1e-9)


def test_ties_are_mutual_follows_unless_asked_otherwise():
    # a <-> b mutual; c -> a one-sided; d isolated
    w = world_of(4, [(0, 1), (1, 0), (2, 0)])
    mutual = SybilRank(seeds=["u0"], iterations=1)
    st_ = mutual.explain(w, "u1").items.set_index("signal")
    assert st_.loc["degree", "value"] == 1.0
    assert mutual.explain(w, "u2").items.set_index("signal").loc["degree", "value"] == 0.0
    assert run_scorer(mutual, w)["u2"] == 0.0  # no tie, no trust, score 0
    anyway = SybilRank(seeds=["u0"], iterations=1, ties="any")
    assert anyway.explain(w, "u2").items.set_index("signal").loc["degree", "value"] == 1.0
    assert run_scorer(anyway, w)["u2"] > 0


# ---- seeds -------------------------------------------------------------------------------------


def test_default_pick_takes_the_best_connected_of_every_community_the_oracle_vouches_for():
    n = 60
    edges = random_graph(n, 400, 0.6, 11)
    rng = np.random.default_rng(11)
    labels = rng.choice(["human", "bot", "", "institution"], size=n, p=[0.6, 0.2, 0.1, 0.1])
    groups = np.where(np.arange(n) < 20, "a", np.where(np.arange(n) < 45, "b", "c"))
    w = world_of(n, edges, labels.tolist(), groups.tolist())
    neighbours = [set() for _ in range(n)]
    for u, v in set(edges):
        if (v, u) in set(edges):
            neighbours[u].add(v)
    deg = np.array([len(x) for x in neighbours])
    asked, good = [], []
    for g in ("a", "b", "c"):
        members = [v for v in range(n) if groups[v] == g and deg[v] > 0]
        members.sort(key=lambda v: (-deg[v], v))
        cut = deg[members[4]] if len(members) > 5 else 0
        mine = [v for v in members if deg[v] >= cut]
        asked += mine
        good += [v for v in mine if labels[v] in ("human", "institution")]
    seeds = SybilRank().seeds(w)
    assert seeds.source == "pick" and sorted(seeds.candidates.tolist()) == sorted(asked)
    assert seeds.codes.tolist() == sorted(good)
    ranked = np.array(paper_sybilrank(n, edges, sorted(good), math.ceil(math.log2(n))))
    np.testing.assert_allclose(
        run_scorer(SybilRank(), w).to_numpy(), 100 * ranked / ranked.max(), atol=1e-9
    )


def test_seeds_parameter_labels_file_and_errors(tmp_path):
    edges = [(0, 1), (1, 0), (1, 2), (2, 1)]
    w = world_of(3, edges, ["seed", "", "human"])
    assert SybilRank().seeds(w).source == "labels"
    assert SybilRank().seeds(w).codes.tolist() == [0]
    assert SybilRank(seeds=["u2"]).seeds(w).codes.tolist() == [2]
    (tmp_path / "s.txt").write_text("u1\nu2\n")
    assert SybilRank(seeds=str(tmp_path / "s.txt")).seeds(w).codes.tolist() == [1, 2]
    with pytest.raises(ScorerError, match="'nobody'"):
        SybilRank(seeds=["nobody"]).score(w)
    with pytest.raises(ParameterError, match="ties"):
        SybilRank(ties="both")
    unlabelled = world_of(3, edges)
    assert SybilRank().seeds(unlabelled).source == "none"
    assert (run_scorer(SybilRank(), unlabelled) == 0).all()
    no_ties = world_of(3, [(0, 1), (1, 2)], ["human"] * 3)
    assert "no account has a tie" in SybilRank().seeds(no_ties).note


def test_seeds_vetted_before_an_attack_cannot_include_its_target(honest):
    """An ordinary account that, 60 days in, follows 300 accounts and gets 150 follow-backs has
    the most mutual ties: picked on the attacked world it becomes a seed, vetted before not."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    target = int(np.argsort(honest.in_degree, kind="stable")[n // 2])
    chosen = np.random.default_rng(0).choice(
        np.setdiff1d(np.arange(n), [target]), 300, replace=False
    )
    have = set(zip(src.tolist(), dst.tolist(), strict=True))
    add = [(target, int(v)) for v in chosen if (target, int(v)) not in have]
    add += [(int(v), target) for v in chosen[:150] if (int(v), target) not in have]
    a = np.array(add)
    times = np.r_[
        np.full(len(src), T0.value / 1e9), np.full(len(a), (T0 + pd.Timedelta(days=60)).value / 1e9)
    ]
    w = World.from_codes(
        list(honest.ids),
        follower=np.r_[src, a[:, 0]],
        followee=np.r_[dst, a[:, 1]],
        follow_time=times,
        accounts_extra={
            "label": list(honest.accounts["label"].astype(object)),
            "group": list(honest.accounts["group"].astype(object)),
        },
    )
    assert target in SybilRank().seeds(w).codes
    vetted = SybilRank(seeds_as_of=T0 + pd.Timedelta(days=30)).seeds(w)
    assert target not in vetted.codes


# ---- the algorithm's implications -------------------------------------------------------------


@pytest.fixture(scope="module")
def honest() -> World:
    return generate_world(1000, seed=7)


def _gifted(honest: World, gift: bool) -> tuple[World, np.ndarray]:
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    targets = np.random.default_rng(3).choice(n, 10, replace=False)
    k = 200 * len(targets)
    ids = list(honest.ids) + [f"fake{i}" for i in range(k)]
    extra = {
        "label": list(honest.accounts["label"].astype(object)) + ["fake"] * k,
        "group": list(honest.accounts["group"].astype(object)) + ["c0"] * k,
    }
    f_src = np.r_[src, np.arange(n, n + k)] if gift else src
    f_dst = np.r_[dst, np.repeat(targets, 200)] if gift else dst
    return World.from_codes(ids, follower=f_src, followee=f_dst, accounts_extra=extra), targets


def test_one_sided_fake_followers_neither_lift_nor_sink_with_mutual_ties(honest):
    """Ten ordinary accounts each gifted 200 fake followers that they do not follow back: no
    tie is made, so every score is exactly what it was (the seed pick included)."""
    before, targets = _gifted(honest, False)
    after, _ = _gifted(honest, True)
    pd.testing.assert_series_equal(run_scorer(SybilRank(), before), run_scorer(SybilRank(), after))
    # with any follow as a tie, each fake is a neighbour that takes a share of the target's
    # trust and adds to its degree: the targets sink to the bottom (sabotage by gift)
    fixed = tuple(before.ids[SybilRank(ties="any").seeds(before).codes])
    a = run_scorer(SybilRank(ties="any", seeds=fixed), before).iloc[: len(honest)]
    b = run_scorer(SybilRank(ties="any", seeds=fixed), after).iloc[: len(honest)]
    pa, pb = a.rank(pct=True).to_numpy()[targets], b.rank(pct=True).to_numpy()[targets]
    assert np.median(pb) < 0.05 < 0.3 < np.median(pa)


def _with_sybils(honest: World, k: int, attack: list[tuple[int, int]]):
    """A clique of ``k`` mutually following sybils; each attack edge is a mutual follow between
    an honest account and a sybil."""
    n = len(honest)
    src, dst = (a.astype(np.int64) for a in honest.follow_codes)
    sybils = np.arange(n, n + k)
    a, b = np.meshgrid(sybils, sybils, indexing="ij")
    off = a != b
    att = np.array([(h, n + s) for h, s in attack], np.int64)
    f_src = np.concatenate([src, a[off], att[:, 0], att[:, 1]])
    f_dst = np.concatenate([dst, b[off], att[:, 1], att[:, 0]])
    ids = list(honest.ids) + [f"sybil{i}" for i in range(k)]
    extra = {
        "label": list(honest.accounts["label"].astype(object)) + ["sybil"] * k,
        "group": list(honest.accounts["group"].astype(object)) + ["c0"] * k,
    }
    return World.from_codes(ids, follower=f_src, followee=f_dst, accounts_extra=extra), sybils


def test_a_sybil_region_behind_few_attack_edges_ranks_at_the_bottom(honest):
    w, sybils = _with_sybils(honest, 100, [(0, 0), (5, 1)])
    scores = run_scorer(SybilRank(), w)
    pagerank = run_scorer(PageRank(), w)
    v = scores.to_numpy()
    assert (v[sybils] < np.quantile(v[: len(honest)], 0.25)).mean() > 0.9
    assert (pagerank.to_numpy()[sybils] > np.median(pagerank.to_numpy()[: len(honest)])).all()
    # with the seeds fixed, growing the region twentyfold does not let much more trust in
    fixed = tuple(w.ids[SybilRank().seeds(w).codes])
    region = []
    for k in (20, 100, 400):
        wk, sk = _with_sybils(honest, k, [(0, 0), (5, 1)])
        region.append(SybilRank(seeds=fixed, iterations=10).trust(wk)[sk].sum())
    assert region[2] <= region[0] * 1.5  # bounded by its attack edges, not its size


# ---- contract and explain ---------------------------------------------------------------------


def test_contract_and_edge_cases(honest):
    s1 = run_scorer(SybilRank(), honest)
    pd.testing.assert_series_equal(s1, run_scorer(SybilRank(), honest))
    assert s1.max() == pytest.approx(100.0) and s1.min() >= 0.0
    assert len(run_scorer(SybilRank(), World.from_codes([]))) == 0
    assert run_scorer(SybilRank(), World(accounts={"account": ["solo"]})).tolist() == [0.0]
    assert run_scorer(
        SybilRank(seeds=["solo"]), World(accounts={"account": ["solo"]})
    ).tolist() == [0.0]


def test_explain_points_add_up_to_the_score(honest):
    scorer = SybilRank()
    scores = run_scorer(scorer, honest)
    trust = scorer.trust(honest)
    for account in (
        scores.idxmax(),
        scores.idxmin(),
        honest.ids[0],
        honest.ids[int(np.argmax(honest.in_degree))],
    ):
        st_ = scorer.explain(honest, account)
        assert st_.score == pytest.approx(scores[account], abs=1e-9)
        assert st_.total == st_.score
        raw = st_.items[~st_.items["signal"].isin(["degree", "share of the top"])]
        assert raw["value"].sum() == pytest.approx(
            trust[honest.code_of(account)], rel=1e-9, abs=1e-300
        )


def test_registered_through_the_entry_point():
    registry = get_registry()
    assert registry.scorers["sybilrank"] is SybilRank
    assert registry.scorer_origin("sybilrank") == "sybilrank"
    info = registry.scorer("sybilrank").info()
    assert info["params"]["ties"]["default"] == "mutual"


def test_docs_page_names_every_parameter():
    text = (Path(__file__).resolve().parents[2] / "docs" / "scorers" / "sybilrank.md").read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in SybilRank.Params.model_fields:
        assert f"`{name}`" in text
