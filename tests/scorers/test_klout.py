"""Tests of the Klout-like scorer: Klout's published signal rules, window, calibration, merge."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit import ParameterError, World, generate_world, get_registry, run_scorer
from auditkit.scorers.klout import KloutLike

T0 = pd.Timestamp("2024-03-01T12:00:00Z")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "scorers" / "klout.md"


def ev(actor, action="post", target=None, day=0.0, network=None):
    row = {"time": T0 + pd.Timedelta(days=day), "actor": actor, "action": action, "target": target}
    if network is not None:
        row["network"] = network
    return row


def build(events, accounts=None, follows=None) -> World:
    names = set(accounts or ())
    for e in events:
        names.update(x for x in (e["actor"], e["target"]) if x is not None)
    for f in follows or ():
        names.update(f[:2])
    acc = pd.DataFrame({"account": sorted(names)})
    fol = None if follows is None else pd.DataFrame(follows, columns=["follower", "followee"])
    return World(accounts=acc, follows=fol, events=pd.DataFrame(events))


def comp(world, at=None, **params):
    return KloutLike(**params).components(world, at)


def val(world, arr, account):
    return float(arr[world.code_of(account)])


def background(n=30):
    """Engaged accounts of graded engagement, so the population calibration is not degenerate."""
    out = []
    for i in range(n):
        out.append(ev(f"bg{i}", day=1))
        out += [ev(f"fan{i}_{j}", "share", f"bg{i}", day=1.5) for j in range(i % 7 + 1)]
    return out


# ---- Klout's published signal rules ----


def test_unique_reactors_beat_repeats():
    events = [ev("a", day=0), ev("b", day=0)]
    events += [ev(f"r{i}", "share", "a", day=0.5) for i in range(100)]
    events += [ev("x", "share", "b", day=0.5) for _ in range(100)]
    w = build(events + background())
    c = comp(w)
    assert val(w, c.true_reach, "a") == pytest.approx(100.0)
    assert val(w, c.true_reach, "b") == pytest.approx(1.0)  # 100 reactions, 1 unit of attention
    s = KloutLike().score(w)
    assert s["a"] > s["b"]


def test_repeats_over_many_days_have_diminishing_returns():
    events = [ev("a"), ev("b")]
    events += [ev(f"r{i}", "reply", "a", day=0.5) for i in range(100)]
    events += [ev("x", "reply", "b", day=0.5 + d) for d in range(60)]  # once a day, 60 days
    w = build(events + background())
    c = comp(w)
    # the pair strength is sqrt(60), True Reach counts the reactor once
    assert val(w, c.true_reach, "b") == pytest.approx(1.0)
    assert val(w, c.amplification, "b") == pytest.approx(math.sqrt(60) / 2)
    assert val(w, c.amplification, "a") == pytest.approx(100 / 2)
    assert KloutLike().score(w)["a"] > KloutLike().score(w)["b"]


def test_reactions_per_post():
    events = [ev("few", day=0.1) for _ in range(10)] + [ev("many", day=0.1) for _ in range(1000)]
    events += [ev(f"r{i}", "share", "few", day=1) for i in range(100)]
    events += [ev(f"q{i}", "share", "many", day=1) for i in range(100)]
    w = build(events + background())
    c = comp(w)
    assert val(w, c.true_reach, "few") == val(w, c.true_reach, "many") == pytest.approx(100)
    assert val(w, c.amplification, "few") == pytest.approx(100 / 11)  # smoothing 1
    assert val(w, c.amplification, "many") == pytest.approx(100 / 1001)
    s = KloutLike().score(w)
    assert s["few"] > s["many"]


def test_selective_reactor_counts_more_than_busy_one():
    events = [ev("a"), ev("b"), ev("c")]
    events += [ev("busy", "like", "a", day=0.2)] + [ev("busy", "like", "c", day=0.3)] * 49
    events += [ev("picky", "like", "b", day=0.2)]
    w = build(events + background())
    c = comp(w)
    assert val(w, c.true_reach, "a") == pytest.approx(math.sqrt(1 / 50))
    assert val(w, c.true_reach, "b") == pytest.approx(1.0)
    s = KloutLike().score(w)
    assert s["b"] > s["a"]


def test_selectivity_is_per_utc_day():
    day0 = T0.normalize()  # midnight UTC: 1 h before and 1 h after fall on two days
    events = [ev("a"), ev("c")]
    events += [
        {"time": day0 - pd.Timedelta(hours=1), "actor": "x", "action": "like", "target": "a"},
        {"time": day0 + pd.Timedelta(hours=1), "actor": "x", "action": "like", "target": "c"},
    ]
    w = build(events)
    at = T0 + pd.Timedelta(days=1)
    assert val(w, comp(w, at).true_reach, "a") == pytest.approx(1.0)


def test_network_rewards_an_influential_audience():
    follows = [(f"f{i}", "big") for i in range(50)] + [("big", "a"), ("small", "b")]
    events = [ev("a"), ev("b"), ev("big", "reply", "a", day=1), ev("small", "reply", "b", day=1)]
    w = build(events + background(), follows=follows)
    c = comp(w)
    assert val(w, c.network, "a") == pytest.approx(math.log1p(50))
    assert val(w, c.network, "b") == 0.0
    assert KloutLike().score(w)["a"] > KloutLike().score(w)["b"]


def test_network_falls_back_to_followers_count_without_follows():
    events = [ev("a"), ev("big", "reply", "a", day=1)]
    acc = pd.DataFrame({"account": ["a", "big"], "followers_count": [0, 1000]})
    w = World(accounts=acc, events=pd.DataFrame(events))
    assert val(w, comp(w).network, "a") == pytest.approx(math.log1p(1000))


def test_self_reactions_are_ignored():
    events = [ev("a")] + [ev("a", "share", "a", day=1) for _ in range(20)]
    w = build(events)
    assert comp(w).raw.max() == 0.0
    assert (KloutLike().score(w) == 1.0).all()


# ---- window ----


def test_reactions_older_than_the_window_drop_off():
    events = [ev("a")] + [ev(f"r{i}", "share", "a", day=1 + i / 10) for i in range(30)]
    events += background()
    w = build(events)
    k = KloutLike()
    assert k.score(w)["a"] > 20
    later = w.end + pd.Timedelta(days=91)
    assert k.score(w, later)["a"] == 1.0
    assert (k.score(w, later) == 1.0).all()
    # a 200-day window still sees them
    assert KloutLike(window_days=200).score(w, later)["a"] > 20


def test_window_is_open_at_the_start_and_closed_at_the_end():
    events = [ev("a"), ev("r", "share", "a", day=1)]
    w = build(events)
    reaction = T0 + pd.Timedelta(days=1)
    assert val(w, comp(w, reaction).true_reach, "a") == 1.0  # time == at
    assert val(w, comp(w, reaction - pd.Timedelta(seconds=1)).true_reach, "a") == 0.0
    assert val(w, comp(w, reaction + pd.Timedelta(days=90)).true_reach, "a") == 0.0  # lo excl.
    assert val(w, comp(w, reaction + pd.Timedelta(days=89.9)).true_reach, "a") == 1.0


# ---- True Reach as published: engaged followers and friends, bots and dead accounts out ----


def test_true_reach_counts_only_followers_and_friends():
    # f follows a; a follows g; s is a stranger; all three react to a once
    events = [
        ev("a"),
        ev("f", "share", "a", day=1),
        ev("g", "reply", "a", day=1),
        ev("s", "like", "a", day=1),
    ]
    w = build(events + background(), follows=[("f", "a"), ("a", "g"), ("bg0", "bg1")])
    c = comp(w)
    assert val(w, c.true_reach, "a") == pytest.approx(2.0)  # the stranger is not reach
    assert val(w, c.unconnected, "a") == 1.0
    assert val(w, c.amplification, "a") == pytest.approx(3 / 2)  # but a reaction all the same
    st = KloutLike().explain(w, "a")
    assert "1 of them from reactors who neither follow" in st.notes[1]
    # without any follow edge in the world the relationship cannot be checked: all count
    assert val(build(events), comp(build(events)).true_reach, "a") == pytest.approx(3.0)


def test_spam_bots_are_subtracted_by_label_or_by_the_follow_ratio_rule():
    events = [ev("a")] + [ev(f"r{i}", "share", "a", day=1) for i in range(4)]
    follows = [(f"r{i}", "a") for i in range(4)]
    names = ["a"] + [f"r{i}" for i in range(4)]
    acc = pd.DataFrame({"account": names, "label": ["human", "human", "bot", "Spam", "fake"]})
    w = World(
        accounts=acc,
        follows=pd.DataFrame(follows, columns=["follower", "followee"]),
        events=pd.DataFrame(events),
    )
    c = comp(w)
    assert val(w, c.true_reach, "a") == pytest.approx(1.0)
    assert val(w, c.from_bots, "a") == 3.0
    assert c.bots.tolist() == [False, False, True, True, True]
    assert val(w, comp(w, bots="none").true_reach, "a") == pytest.approx(4.0)
    # without labels: an account following more than 500 at a ratio above 0.6 is a bot
    spam = [(("r0", f"x{i}")) for i in range(501)] + [(("r1", f"x{i}")) for i in range(499)]
    follows2 = follows + spam
    w2 = World(
        follows=pd.DataFrame(follows2, columns=["follower", "followee"]),
        events=pd.DataFrame(events),
    )
    c2 = comp(w2)
    assert bool(c2.bots[w2.code_of("r0")]) and not bool(c2.bots[w2.code_of("r1")])
    assert val(w2, c2.true_reach, "a") == pytest.approx(3.0)
    assert comp(w2, bots="labels").bots.sum() == 0  # no label column: nobody is a bot


def test_suspended_accounts_are_dead_and_do_not_count():
    events = [ev("a")] + [ev(f"r{i}", "share", "a", day=1) for i in range(3)]
    acc = pd.DataFrame(
        {"account": ["a", "r0", "r1", "r2"], "suspended": [False, True, False, False]}
    )
    w = World(accounts=acc, events=pd.DataFrame(events))
    assert val(w, comp(w).true_reach, "a") == pytest.approx(2.0)
    assert not bool(comp(w).population[w.code_of("r0")])


# ---- calibration: population mean 20, 95th percentile 50 ----


@pytest.mark.parametrize("seed", [0, 1])
def test_calibration_meets_the_published_anchors_on_a_generated_world(seed):
    w = generate_world(3000, seed=seed)
    k = KloutLike()
    c = k.components(w)
    s = k.score(w).to_numpy()
    assert c.population.all()  # generated accounts are labelled human
    assert s.mean() == pytest.approx(20.0, abs=1e-6)
    assert (s > 50).mean() == pytest.approx(0.05, abs=0.002)
    assert (s[c.raw == 0] == 1.0).all()
    order = np.argsort(c.raw, kind="stable")
    assert (np.diff(s[order]) >= -1e-12).all()  # monotone in raw
    cal = k.calibration(c.raw, c.population)
    assert KloutLike.calibrate(np.array([cal.q95]), cal.q95, cal.gamma)[0] == pytest.approx(50.0)


def test_calibration_map_is_continuous_and_saturating():
    q95, gamma = 5.0, 0.8
    raw = np.linspace(0, 200, 200_001)
    y = KloutLike.calibrate(raw, q95, gamma)
    assert y[0] == 1.0 and KloutLike.calibrate(np.array([q95]), q95, gamma)[0] == 50.0
    assert (np.diff(y[1:]) >= 0).all() and np.abs(np.diff(y[1:])).max() < 0.05
    assert 97.0 < y[-1] < KloutLike.calibrate(np.array([1e4 * q95]), q95, gamma)[0] < 100.0
    # the same slope on both sides of q95
    h = 1e-6
    left = (50.0 - KloutLike.calibrate(np.array([q95 - h]), q95, gamma)[0]) / h
    right = (KloutLike.calibrate(np.array([q95 + h]), q95, gamma)[0] - 50.0) / h
    assert left == pytest.approx(right, rel=1e-4)


def test_degenerate_calibrations_are_guarded():
    everyone = np.ones(5, bool)
    flat = KloutLike.calibration(np.zeros(5), everyone)
    assert (KloutLike.calibrate(np.zeros(5), flat.q95, flat.gamma) == 1.0).all()
    few = KloutLike.calibration(np.r_[np.zeros(99), 3.0], np.ones(100, bool))
    assert few.q95 == 3.0 and "fewer than 5%" in few.note
    assert "no exponent" in few.note  # one engaged account in 100 cannot lift the mean to 20


def test_bundled_scenario_worlds_have_the_published_population_mean():
    """The done check of issue 10: on every bundled scenario's treated world (seed 0), the
    population (every base account and cohort member, as probes rank them) has a mean Klout
    score within 20 +- 3 and about 5% above 50."""
    from auditkit import bundled_scenarios, get_registry, load_scenarios
    from auditkit.scenario.run import ScenarioRun

    registry = get_registry()
    measured = {}
    for scenario in load_scenarios([bundled_scenarios()], registry):
        if scenario.population.world is not None:
            continue  # real-data bases are not generated worlds
        run = ScenarioRun(scenario, 0, registry)
        scores = run.scores(KloutLike()).to_numpy()[run.population_mask()]
        measured[scenario.id] = (scores.mean(), (scores > 50).mean())
    assert len(measured) >= 15
    for sid, (mean, above) in measured.items():
        assert 17.0 <= mean <= 23.0, (sid, mean)
        assert 0.03 <= above <= 0.07, (sid, above)


# ---- the contract ----


def test_contract_on_a_generated_world():
    w = generate_world(1500, seed=5)
    before = {k: v.copy() for k, v in w.tables().items()}
    k = KloutLike()
    s1 = run_scorer(k, w)
    s2 = run_scorer(KloutLike(), w)
    pd.testing.assert_series_equal(s1, s2)
    assert s1.index.equals(w.ids)
    assert s1.between(1, 100).all() and np.isfinite(s1).all()
    for name, table in w.tables().items():
        pd.testing.assert_frame_equal(table, before[name])


def test_explain_sums_to_score():
    w = generate_world(1500, seed=5)
    k = KloutLike()
    s = k.score(w)
    c = k.components(w)
    picks = [
        s.idxmax(),
        s.idxmin(),
        s.index[np.argsort(s.to_numpy())[len(s) // 2]],
        s.index[int(np.flatnonzero(c.raw > 0)[0])],
        w.ids[0],
    ]
    for account in picks:
        st = k.explain(w, account)
        assert st.score == pytest.approx(s[account], abs=1e-9)
        assert st.total == pytest.approx(st.score, abs=1e-9)
        assert list(st.items["signal"])[:3] == ["true_reach", "amplification", "network"]
        assert "90" in st.notes[0]


def test_score_at_beyond_the_end_and_before_the_start():
    w = generate_world(300, seed=2)
    for at in (w.end + pd.Timedelta(days=400), w.start - pd.Timedelta(days=1)):
        s = run_scorer(KloutLike(), w, at)
        assert (s == 1.0).all()


def test_degenerate_worlds():
    empty = World(accounts=pd.DataFrame({"account": []}))
    assert len(run_scorer(KloutLike(), empty)) == 0
    lone = World(accounts=pd.DataFrame({"account": ["solo"]}))
    assert run_scorer(KloutLike(), lone).tolist() == [1.0]
    assert KloutLike().explain(lone, "solo").score == 1.0
    posts_only = build([ev("a"), ev("b", day=3)])
    assert run_scorer(KloutLike(), posts_only).tolist() == [1.0, 1.0]
    st = KloutLike().explain(posts_only, "a")
    assert st.total == pytest.approx(1.0)
    single = build([ev("a"), ev("r", "share", "a", day=1)])
    s = run_scorer(KloutLike(), single)
    assert 1 < s["a"] <= 100 and s["r"] == 1.0


# ---- multi-network worlds (F15) ----


def _persona(second_network: bool):
    events = [ev("a", day=0, network="tw") for _ in range(10)]
    events += [ev(f"r{i}", "share", "a", day=1, network="tw") for i in range(40)]
    for i in range(30):
        events.append(ev(f"bg{i}", day=1, network="tw"))
        events += [
            ev(f"fan{i}_{j}", "share", f"bg{i}", day=1.5, network="tw") for j in range(i % 9 + 1)
        ]
    if second_network:
        events += [ev("a", day=2 + i / 100, network="li") for i in range(200)]
    return build(events)


def test_merging_a_second_network_waters_the_score_down():
    one, two = _persona(False), _persona(True)
    c1, c2 = comp(one), comp(two)
    assert val(two, c2.true_reach, "a") == val(one, c1.true_reach, "a")
    assert val(two, c2.amplification, "a") == pytest.approx(40 / (210 + 2))
    assert val(one, c1.amplification, "a") == pytest.approx(40 / 11)
    assert val(two, c2.raw, "a") < val(one, c1.raw, "a") - 0.5
    assert KloutLike().score(two)["a"] < KloutLike().score(one)["a"]


def test_networks_are_scored_separately_then_combined():
    events = [ev("a", network="tw"), ev("a", network="fb")]
    events += [ev("big", "share", "a", day=1, network="tw")]
    events += [ev(f"s{i}", "share", "a", day=1, network="fb") for i in range(3)]
    follows = [(f"f{i}", "big") for i in range(20)] + [("big", "a")]
    follows += [(f"s{i}", "a") for i in range(3)]
    w = build(events, follows=follows)
    c = comp(w)
    assert val(w, c.true_reach, "a") == pytest.approx(4.0)
    assert val(w, c.amplification, "a") == pytest.approx(4 / 4)  # (1 + 3) / ((1+1) + (1+1))
    assert val(w, c.network, "a") == pytest.approx(math.log1p(20) / 4)  # reach-weighted mean


# ---- topics (Klout topics, F16) ----


def topical(actor, action="post", target=None, day=0.0, topic=None, post=None):
    row = ev(actor, action, target, day)
    row["topic"], row["post"] = topic, post
    return row


def test_topic_scores_count_engagement_about_the_topic_and_inherit_the_posts_topic():
    events = [
        topical("a", topic="books", post="p1"),
        topical("a", topic="cooking", post="p2"),
        topical("f1", "share", "a", 1, post="p1"),  # inherits books from p1
        topical("f2", "reply", "a", 1, topic="books", post="p1"),
        topical("f3", "like", "a", 1, post="p2"),
    ]  # cooking
    follows = [("f1", "a"), ("f2", "a"), ("f3", "a")]
    w = build(events + background(), follows=follows)
    books = comp(w, topic="books")
    cooking = comp(w, topic="cooking")
    assert val(w, books.true_reach, "a") == pytest.approx(2.0)
    assert val(w, cooking.true_reach, "a") == pytest.approx(1.0)
    assert val(w, books.posts, "a") == 1.0 and val(w, comp(w).posts, "a") == 2.0
    assert val(w, comp(w, topic="cars").raw, "a") == 0.0
    s_books = KloutLike(topic="books").score(w)
    assert s_books["a"] > KloutLike(topic="cooking").score(w)["a"] > 1.0
    assert KloutLike(topic="cars").score(w)["a"] == 1.0
    # topic scores use the overall score's calibration: never above the overall score here
    assert s_books["a"] <= KloutLike().score(w)["a"]
    assert "about 'books'" in KloutLike(topic="books").explain(w, "a").notes[1]


def test_chatting_about_a_topic_makes_you_influential_about_it():
    """Klout's published attribution, and flaw F16: c never posts about books, but replies to a
    books post of b, and b replies back in that conversation."""
    events = [
        topical("b", topic="books", post="p1"),
        topical("c", topic="cooking", post="p2"),
        topical("c", "reply", "b", 1, post="p1"),  # c joins b's books thread
        topical("b", "reply", "c", 1.1, post="p1"),
    ]  # b answers c in that thread
    w = build(events + background(), follows=[("b", "c"), ("c", "b")])
    assert KloutLike(topic="books").score(w)["c"] > 1.0
    assert KloutLike(topic="cooking").score(w)["c"] == 1.0  # nobody reacted to its cooking


# ---- parameters, registry, docs ----


def test_parameters_are_validated():
    with pytest.raises(ParameterError, match="no parameter 'windw_days'"):
        KloutLike(windw_days=30)
    with pytest.raises(ParameterError):
        KloutLike(window_days=0)
    assert KloutLike(window_days=30).params.window_days == 30


def test_weights_change_the_raw_score():
    events = [ev("a"), ev("r", "share", "a", day=1)]
    w = build(events)
    c = comp(w, reach_weight=2.0, amplification_weight=0.0, network_weight=0.0)
    assert val(w, c.raw, "a") == pytest.approx(2 * math.log1p(1))


def test_registered_through_the_entry_point():
    registry = get_registry()
    assert registry.scorers["klout"] is KloutLike
    info = registry.scorer("klout").info()
    assert info["range"] == [1.0, 100.0] and info["params"]["window_days"]["default"] == 90


def test_docs_page_names_every_parameter():
    text = DOCS.read_text()
    for heading in ("## Formula", "## Parameters", "## Sources"):
        assert heading in text.splitlines()
    for name in KloutLike.Params.model_fields:
        assert f"`{name}`" in text


def test_large_world_path_gives_the_hashed_paths_components(monkeypatch):
    """From sparse.PARALLEL_EDGES reactions Klout sums each (reactor, target) pair by one sort
    of packed keys, built in place, and counts each day's reactions in two threads; forced on
    for a small world, every component is the one of the hashed, one-thread path (sums of the
    same terms in another order: equal to the last bits)."""
    import auditkit.scorers.sparse as sparse

    world = generate_world(1500, seed=3)
    hashed = KloutLike().components(world)
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    packed = KloutLike().components(world)
    for field in ("true_reach", "amplification", "network", "raw", "reactions"):
        a, b = getattr(packed, field), getattr(hashed, field)
        assert np.any(b > 0), field
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=field)
