"""Tests of the Kred-like scorer: point rules, normalisation, Outreach Level, windows, groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit import ParameterError, ScorerError, World, generate_world, get_registry, run_scorer
from auditkit.scorers.kred import OUTREACH_THRESHOLDS, KredLike, outreach_level

T0 = pd.Timestamp("2024-03-01T12:00:00Z")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "scorers" / "kred.md"


def ev(actor, action="post", target=None, day=0.0):
    return {"time": T0 + pd.Timedelta(days=day), "actor": actor, "action": action, "target": target}


def build(events, accounts=None, follows=None, follow_times=None) -> World:
    names = set(accounts or ())
    for e in events:
        names.update(x for x in (e["actor"], e["target"]) if x is not None)
    for f in follows or ():
        names.update(f[:2])
    acc = pd.DataFrame({"account": sorted(names)})
    fol = None
    if follows is not None:
        fol = pd.DataFrame(follows, columns=["follower", "followee"])
        if follow_times is not None:
            fol["time"] = follow_times
    return World(accounts=acc, follows=fol, events=pd.DataFrame(events) if events else None)


def item(statement, prefix):
    rows = statement.items[statement.items["signal"].str.startswith(prefix)]
    assert len(rows) == 1, prefix
    return rows.iloc[0]


# ---- Influence points ----


def test_ten_points_per_reaction_and_the_top_scores_1000():
    w = build([ev("top"), ev("fan", "reply", "top", day=1)])
    k = KredLike()
    st = k.explain(w, "top")
    replies = item(st, "replies received")
    assert (replies["value"], replies["points"]) == (1.0, 10.0)
    # the points stay Kred points; the normalisation to 1-1000 is a factor, not a line
    assert st.total == 10.0 and not st.items["signal"].str.contains("normalis").any()
    assert (st.offset, st.scale) == (1.0, pytest.approx(99.9))
    assert st.score == 1000.0 and st.stated_score == pytest.approx(1000.0)
    assert "ln(1 + 10)" in st.transform
    s = run_scorer(k, w)
    assert s["top"] == 1000.0 and s["fan"] == 1.0


def test_each_reaction_type_and_likes_only_when_asked():
    events = [
        ev("a"),
        ev("s", "share", "a", 1),
        ev("r", "reply", "a", 1),
        ev("m", "mention", "a", 1),
        ev("l", "like", "a", 1),
    ]
    w = build(events)
    assert KredLike().points(w).total[w.code_of("a")] == 30.0
    assert KredLike(count_likes=True).points(w).total[w.code_of("a")] == 40.0
    st = KredLike().explain(w, "a")
    assert item(st, "likes received")["points"] == 0.0
    assert item(st, "likes received")["value"] == 1.0


def test_scores_follow_the_concave_map():
    events = [ev("a"), ev("b")] + [ev(f"f{i}", "share", "a", 1) for i in range(9)]
    events += [ev("g", "share", "b", 1)]
    s = KredLike().score(build(events))
    assert s["a"] == 1000.0
    assert s["b"] == pytest.approx(1 + 999 * np.log1p(10) / np.log1p(90))


def test_big_actor_bonus_from_followers_count():
    acc = pd.DataFrame(
        {
            "account": ["a", "b", "c", "star", "edge", "nobody"],
            "followers_count": [0, 0, 0, 10_001, 10_000, 5],
        }
    )
    events = [
        ev("a"),
        ev("star", "share", "a", 1),
        ev("edge", "share", "b", 1),
        ev("nobody", "share", "c", 1),
    ]
    w = World(accounts=acc, events=pd.DataFrame(events))
    k = KredLike(follow_points=0)
    pts = k.points(w)
    assert pts.total[w.code_of("a")] == 30.0  # 10 + 20 bonus
    assert pts.total[w.code_of("b")] == 10.0  # exactly 10,000 is not "more than"
    st = k.explain(w, "a")
    assert item(st, "bonus")["value"] == 1.0 and item(st, "bonus")["points"] == 20.0
    assert KredLike(big_actor_bonus=5, follow_points=0).points(w).total[0] == 15.0


def test_big_actor_bonus_from_follow_edges():
    follows = [(f"f{i}", "star") for i in range(3)]
    events = [ev("a"), ev("star", "reply", "a", 1), ev("plain", "reply", "a", 1)]
    w = build(events, follows=follows)
    pts = KredLike(big_actor_threshold=2).points(w)
    assert pts.big_actor[w.code_of("a")] == 1.0
    assert pts.total[w.code_of("a")] == 10 + 20 + 10
    assert pts.total[w.code_of("star")] == 3.0  # its three followers, 1 point each


def test_follows_count():
    follows = [("x", "a"), ("y", "a"), ("z", "a"), ("a", "x")]
    w = build([ev("x")], follows=follows)
    assert KredLike().points(w).total[w.code_of("a")] == 3.0
    assert KredLike(follow_points=5).points(w).total[w.code_of("a")] == 15.0
    st = KredLike(follow_points=5).explain(w, "a")
    assert (item(st, "followers gained")["value"], item(st, "followers gained")["points"]) == (
        3.0,
        15.0,
    )
    assert KredLike().score(w)["a"] == 1000.0


def test_followers_gained_in_the_window_only():
    times = [T0 - pd.Timedelta(days=100), T0 - pd.Timedelta(days=5), T0 - pd.Timedelta(days=1)]
    w = build([ev("x")], follows=[("x", "a"), ("y", "a"), ("z", "a")], follow_times=times)
    assert KredLike(window_days=30).points(w).total[w.code_of("a")] == 2.0
    assert KredLike().points(w).total[w.code_of("a")] == 3.0
    # a follow that starts after `at` does not count yet
    assert KredLike().points(w, T0 - pd.Timedelta(days=3)).total[w.code_of("a")] == 2.0


def test_no_repeat_discount_is_an_expected_flaw():
    """Kred's flat 10 points: 100 replies from one account = 100 replies from 100 (F6)."""
    events = [ev("one_fan"), ev("many_fans")]
    events += [ev("bot", "reply", "one_fan", 1) for _ in range(100)]
    events += [ev(f"p{i}", "reply", "many_fans", 1) for i in range(100)]
    w = build(events)
    s = KredLike().score(w)
    assert s["one_fan"] == s["many_fans"] == 1000.0
    pts = KredLike().points(w).total
    assert pts[w.code_of("one_fan")] == pts[w.code_of("many_fans")] == 1000.0


def test_self_reactions_do_not_count():
    w = build([ev("a"), ev("a", "share", "a", 1), ev("b", "share", "a", 1)])
    assert KredLike().points(w).total[w.code_of("a")] == 10.0


def test_influence_window_ignores_older_reactions():
    events = [ev("old"), ev("new"), ev("f", "reply", "old", day=1), ev("g", "reply", "new", 31)]
    w = build(events)
    at = T0 + pd.Timedelta(days=40)
    s30 = KredLike(window_days=30).score(w, at)
    assert (s30["old"], s30["new"]) == (1.0, 1000.0)
    s_all = KredLike().score(w, at)
    assert s_all["old"] == s_all["new"] == 1000.0
    assert KredLike(window_days=90).score(w, at)["old"] == 1000.0


def test_per_group_puts_each_group_top_at_1000():
    acc = pd.DataFrame(
        {"account": ["a1", "a2", "b1", "b2", "fan"], "group": ["A", "A", "B", "B", None]}
    )
    events = [ev(x) for x in ("a1", "a2", "b1", "b2")]
    events += [ev("fan", "share", "a1", 1) for _ in range(50)]
    events += [ev("fan", "share", "a2", 1) for _ in range(5)]
    events += [ev("fan", "share", "b1", 1) for _ in range(2)]
    w = World(accounts=acc, events=pd.DataFrame(events))
    s = KredLike(per_group=True).score(w)
    assert s["a1"] == s["b1"] == 1000.0
    assert 1 < s["a2"] < 1000 and s["b2"] == 1.0 and s["fan"] == 1.0
    glob = KredLike().score(w)
    assert glob["a1"] == 1000.0 and glob["b1"] < 1000.0
    st = KredLike(per_group=True).explain(w, "b1")
    assert st.stated_score == pytest.approx(1000.0) and "in its group" in st.transform


def test_per_group_on_a_generated_world():
    w = generate_world(2000, seed=4)
    s = KredLike(per_group=True).score(w)
    tops = s.groupby(w.accounts["group"].to_numpy()).max()
    assert (tops == 1000.0).all()


def test_community_influence_counts_only_interactions_with_its_members():
    """Kred's community score: influence in a community is driven by interactions with its
    members, and anyone can be its top (Stephen Colbert scored high in 'Students')."""
    acc = pd.DataFrame(
        {
            "account": ["colbert", "prof", "s1", "s2", "s3", "t1", "t2"],
            "group": [
                "comedy",
                "students",
                "students",
                "students",
                "students",
                "teachers",
                "teachers",
            ],
        }
    )
    events = [ev("colbert"), ev("prof")]
    events += [ev(s, "share", "colbert", 1) for s in ("s1", "s2", "s3")]
    events += [ev("s1", "reply", "prof", 1)]
    events += [ev(t, "mention", "prof", 1) for t in ("t1", "t2")] * 5
    follows = [("s2", "prof"), ("t1", "colbert")]
    w = World(
        accounts=acc,
        events=pd.DataFrame(events),
        follows=pd.DataFrame(follows, columns=["follower", "followee"]),
    )
    students = KredLike(community="students")
    pts = students.points(w)
    assert pts.total[w.code_of("colbert")] == 30.0  # three shares by students
    assert pts.total[w.code_of("prof")] == 10.0 + 1.0  # a reply and a follower, students
    s = students.score(w)
    assert s["colbert"] == 1000.0 and 1 < s["prof"] < 1000.0  # not a student, top all the same
    overall = KredLike().score(w)
    assert overall["prof"] == 1000.0 > overall["colbert"]  # teachers' mentions count there
    teachers = KredLike(community="teachers").points(w)
    assert (
        teachers.total[w.code_of("prof")] == 100.0 and teachers.total[w.code_of("colbert")] == 1.0
    )  # the teacher who follows colbert
    # Outreach in a community: your actions towards its members
    out = KredLike(measure="outreach", community="students").points(w)
    assert out.total[w.code_of("s1")] == 10.0  # its reply to prof counts, its share of colbert not
    assert out.total[w.code_of("t1")] == 50.0  # five mentions of prof, who is a student
    with pytest.raises(ScorerError, match="no account is in community 'chess'"):
        KredLike(community="chess").score(w)
    with pytest.raises(ScorerError, match="needs a 'group' column"):
        KredLike(community="students").score(World(events=pd.DataFrame(events)))


# ---- Outreach Level ----


def test_outreach_thresholds():
    assert OUTREACH_THRESHOLDS[:4].tolist() == [100, 270, 559, 1050]
    assert outreach_level([0, 99, 100, 269, 270, 558, 559]).tolist() == [0, 0, 1, 1, 2, 2, 3]
    assert outreach_level(83_089) == 12 and outreach_level(83_088) == 11
    assert outreach_level(1e300) == 100


@pytest.mark.parametrize(("made", "level"), [(9, 0), (10, 1), (26, 1), (27, 2), (56, 3)])
def test_outreach_level_from_reactions_made(made, level):
    events = [ev("t")] + [ev("me", "reply", "t", 1 + i / 1000) for i in range(made)]
    w = build(events)
    k = KredLike(measure="outreach")
    s = run_scorer(k, w)
    assert s["me"] == level and s["t"] == 0.0
    st = k.explain(w, "me")
    assert item(st, "replies made")["points"] == 10 * made
    assert st.score == level and st.total == 10 * made
    assert st.stated_score == pytest.approx(level)
    assert (f"level {level} from" if level else "below level 1") in st.transform


def test_outreach_exact_point_thresholds():
    events = [ev("t")]
    for name, n in (("p99", 99), ("p100", 100), ("p269", 269), ("p270", 270)):
        events += [ev(name, "mention", "t", 1) for _ in range(n)]
    s = KredLike(measure="outreach", reaction_points=1).score(build(events))
    assert (s["p99"], s["p100"], s["p269"], s["p270"]) == (0, 1, 1, 2)


def test_outreach_never_decreases():
    w = generate_world(2000, seed=7)
    k = KredLike(measure="outreach", window_days=30)  # the window does not apply to Outreach
    times = pd.date_range(
        w.start - pd.Timedelta(days=1), w.end + pd.Timedelta(days=200), periods=25
    )
    levels = np.array([run_scorer(k, w, t).to_numpy() for t in times])
    assert (np.diff(levels, axis=0) >= 0).all()
    assert levels[-1].max() >= 2 and levels[0].max() == 0


def test_outreach_bounds():
    k = KredLike(measure="outreach")
    assert k.bounds == (0.0, 100.0) and k.info()["range"] == [0.0, 100.0]
    assert KredLike().bounds == (1.0, 1000.0) == KredLike.range


# ---- the contract ----


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"window_days": 30},
        {"per_group": True},
        {"count_likes": True},
        {"measure": "outreach"},
        {"community": "c1"},
        {"community": "c0", "window_days": 60},
    ],
)
def test_contract_and_explain_on_a_generated_world(params):
    w = generate_world(1500, seed=3)
    before = {k: v.copy() for k, v in w.tables().items()}
    k = KredLike(**params)
    s = run_scorer(k, w)
    pd.testing.assert_series_equal(s, run_scorer(KredLike(**params), w))
    for name, table in w.tables().items():
        pd.testing.assert_frame_equal(table, before[name])
    for account in (s.idxmax(), s.idxmin(), s.index[np.argsort(s.to_numpy())[len(s) // 2]]):
        st = k.explain(w, account)
        assert st.score == pytest.approx(s[account], abs=1e-9)
        assert st.stated_score == pytest.approx(st.score, abs=1e-9)


def test_degenerate_worlds():
    empty = World(accounts=pd.DataFrame({"account": []}))
    for measure in ("influence", "outreach"):
        assert len(run_scorer(KredLike(measure=measure), empty)) == 0
    lone = World(accounts=pd.DataFrame({"account": ["solo"]}))
    assert run_scorer(KredLike(), lone).tolist() == [1.0]
    assert run_scorer(KredLike(measure="outreach"), lone).tolist() == [0.0]
    lone_statement = KredLike().explain(lone, "solo")
    assert lone_statement.total == 0 and lone_statement.stated_score == pytest.approx(1.0)
    posts = build([ev("a"), ev("b", day=2)])
    assert run_scorer(KredLike(window_days=60), posts).tolist() == [1.0, 1.0]
    timeless = build([], follows=[("x", "a")])
    assert run_scorer(KredLike(window_days=30), timeless)["a"] == 1000.0


def test_parameters_are_validated():
    with pytest.raises(ParameterError, match="30, 60 or 90"):
        KredLike(window_days=45)
    with pytest.raises(ParameterError):
        KredLike(measure="reach")
    with pytest.raises(ParameterError, match="no parameter 'bonus'"):
        KredLike(bonus=3)
    for days in (None, 30, 60, 90):
        assert KredLike(window_days=days).params.window_days == days


def test_registered_through_the_entry_point():
    registry = get_registry()
    assert registry.scorers["kred"] is KredLike
    assert registry.scorer("kred", measure="outreach").bounds == (0.0, 100.0)


def test_docs_page_names_every_parameter():
    text = DOCS.read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in KredLike.Params.model_fields:
        assert f"`{name}`" in text
