"""The built-in cohort behaviours, on small treated and control worlds built by ScenarioRun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from auditkit import ACTIONS, Registry, ScenarioError
from auditkit import behaviours as builtins
from auditkit.data.draft import DAY
from auditkit.scenario.model import parse_scenario
from auditkit.scenario.run import ScenarioRun

IDS = {
    "conversationalist",
    "spam_bot",
    "bought_followers",
    "follow_back_farm",
    "follow_churn",
    "engagement_pod",
    "outsider_engagement",
    "sybil_region",
    "celebrity_engagement",
    "inactive",
    "high_volume_poster",
    "link_broadcaster",
    "institution",
    "offline_influential",
    "small_spark",
    "second_network",
    "newcomer",
    "small_community",
    "topic_chatter",
    "organic_followers",
    "spam_engagement",
}
#: selections of a real base world's accounts (tested in test_realdata.py)
REAL_DATA_IDS = {"labelled", "went_silent"}
POST, SHARE, LIKE = ACTIONS.index("post"), ACTIONS.index("share"), ACTIONS.index("like")
DAYS = 60


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(entry_points=False, plugins=[("behaviours", builtins)], strict=True)


def make_run(
    registry, cohorts: list[dict], *, accounts: int = 400, days: float = DAYS, seed: int = 0
) -> ScenarioRun:
    doc = {
        "id": "t",
        "flaw": "F1",
        "title": "behaviour test",
        "acceptable": "n/a",
        "source": "tests",
        "population": {"accounts": accounts, "days": days},
        "cohorts": cohorts,
        "checks": [{"probe": "none", "expect": {"kind": "minimum", "at_least": 0}}],
    }
    scenario, _ = parse_scenario(yaml.safe_dump(doc))
    return ScenarioRun(scenario, seed, registry, keep_events=True)  # tests read them


def one(registry, behaviour: str, size: int = 4, **params) -> ScenarioRun:
    return make_run(
        registry, [{"name": "m", "behaviour": behaviour, "size": size, "params": params}]
    )


def codes(world):
    actor, action, target = world.event_codes
    return actor.astype(np.int64), action, target.astype(np.int64)


def seconds(world) -> np.ndarray:
    return world.event_time_ns / 1e9


def edges(world, *, active_at=None) -> tuple[np.ndarray, np.ndarray]:
    w = world if active_at is None else world.as_of(active_at)
    src, dst = w.follow_codes
    return src.astype(np.int64), dst.astype(np.int64)


def isin(values, codes_) -> np.ndarray:
    return np.isin(values, np.asarray(codes_))


# ---- registration and metadata ----


def test_every_behaviour_is_registered_with_documented_params(registry):
    assert set(registry.behaviours) == IDS | REAL_DATA_IDS
    for cls in registry.behaviours.values():
        info = cls.info()
        assert cls.description and cls.source, cls.id
        assert all(f.startswith("F") for f in cls.flaws), cls.id
        for name, field in info["params"].items():
            assert field["description"], (cls.id, name)
        if not any(p["required"] for p in info["params"].values()):
            cls()  # every parameter has a default


def test_installed_entry_point_registers_them():
    assert set(Registry().behaviours) >= IDS | REAL_DATA_IDS


def test_unknown_or_invalid_params_are_rejected():
    with pytest.raises(ScenarioError, match="no parameter 'cout'"):
        builtins.BoughtFollowers(cout=5)
    with pytest.raises(ScenarioError, match="must differ"):
        builtins.SecondNetwork(network="x", main_network="x")
    with pytest.raises(ScenarioError):
        builtins.EngagementPod(reactions=["post"])


# ---- spam ----


def test_spam_bots_post_200_a_day_and_nobody_reacts(registry):
    run = one(registry, "spam_bot", size=3, follows=250)
    b = run.treated
    m = b.cohorts["m"].members
    actor, action, target = codes(b.world)
    posts = np.bincount(actor[action == POST], minlength=len(b.world))[m]
    assert (posts == 200 * DAYS).all()
    assert not isin(target, m).any()  # no reaction to a bot, ever
    mentions = isin(actor, m) & (action == ACTIONS.index("mention"))
    assert mentions.sum() == 3 * 10 * DAYS and (run.treated.role[target[mentions]] == "base").all()
    src, dst = edges(b.world)
    assert (np.bincount(src, minlength=len(b.world))[m] == 250).all()
    assert (np.bincount(dst, minlength=len(b.world))[m] == 25).all()  # 10% follow back
    assert (b.world.accounts["label"].iloc[m] == "spam").all()
    assert np.all(b.truth[m] == 0)
    assert run.control is run.treated  # no treatment


def test_spam_follows_are_capped_at_the_population(registry):
    run = one(registry, "spam_bot", size=1, follows=10_000, posts_per_day=1)
    src, _ = edges(run.world)
    assert np.bincount(src, minlength=len(run.world))[run.members("m")][0] == 400


# ---- bought followers ----


def test_bought_followers_add_exactly_count_times_size_dead_follows(registry):
    run = one(registry, "bought_followers", size=3, count=150, padding=5, day=20)
    t, c = run.treated, run.control
    m = t.cohorts["m"].members
    _, dst_t = edges(t.world)
    _, dst_c = edges(c.world)
    assert isin(dst_t, m).sum() - isin(dst_c, m).sum() == 150 * 3
    fakes = np.flatnonzero(t.role == "auxiliary")
    assert len(fakes) == 150 and len(c.world) == len(t.world) - 150
    assert (t.world.accounts["label"].iloc[fakes] == "fake").all()
    actor, _, target = codes(t.world)
    assert not isin(actor, fakes).any() and not isin(target, fakes).any()
    f = t.world.follows
    bought = isin(f["follower"].cat.codes, fakes) & isin(f["followee"].cat.codes, m)
    when = f["time"][bought]
    assert when.min() >= run.day(20) and when.max() <= run.day(22)
    assert np.isnan(run.percentiles(pd.Series(np.ones(len(t.world))), t)[fakes]).all()
    assert t.cohorts["m"].cost == {"fake_accounts": 150.0}
    assert (t.cohorts["m"].treatment_start, t.cohorts["m"].treatment_end) == (20.0, 22.0)


def test_a_day_past_the_end_is_clamped(registry):
    run = one(registry, "bought_followers", size=1, count=10, day=10_000)
    assert run.treated.cohorts["m"].treatment_start == DAYS
    assert run.treated.world.follows["time"].max() < run.end


# ---- follow-back farming and churn ----


def test_follow_churn_unfollows_those_who_did_not_follow_back(registry):
    run = one(registry, "follow_churn", size=2, follows=40, day=5, cycles=4, cycle_days=8)
    b = run.treated
    m = b.cohorts["m"].members
    f = b.world.follows
    src = f["follower"].cat.codes.to_numpy(np.int64)
    dst = f["followee"].cat.codes.to_numpy(np.int64)
    until = f["until"].notna().to_numpy()
    mine = isin(src, m)
    follower_pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    churned = mine & until
    assert churned.sum() == b.cohorts["m"].facts["unfollows"] > 0
    for s, d in zip(src[churned], dst[churned], strict=True):  # not reciprocated
        assert (d, s) not in follower_pairs
    kept = mine & ~until & (f["time"] >= run.day(5)).to_numpy()
    for s, d in zip(src[kept], dst[kept], strict=True):  # reciprocated
        assert (d, s) in follower_pairs
    # fresh accounts every cycle: no pair followed twice, 4 cycles of 40 per member
    scripted = mine & (f["time"] >= run.day(5)).to_numpy()
    assert scripted.sum() == 2 * 4 * 40 == b.cohorts["m"].cost["follows"]
    assert len(set(zip(src[scripted], dst[scripted], strict=True))) == scripted.sum()
    end_src, end_dst = edges(b.world, active_at=run.end)
    alive = set(zip(end_src.tolist(), end_dst.tolist(), strict=True))
    assert not alive & set(zip(src[churned].tolist(), dst[churned].tolist(), strict=True))
    assert (f["until"][churned] - f["time"][churned] == pd.Timedelta(days=7)).all()
    # the control world has no churn at all
    assert "until" not in run.control.world.follows


def test_follow_back_farm_without_churn_keeps_every_follow(registry):
    run = one(registry, "follow_back_farm", size=2, follows=50, churn=False, follow_back=0.5)
    facts = run.treated.cohorts["m"].facts
    assert "until" not in run.treated.world.follows
    assert facts["follows"] == 100 and 20 < facts["follow_backs"] < 80
    m = run.members("m")
    src, dst = edges(run.treated.world)
    src_c, dst_c = edges(run.control.world)
    gained = isin(dst, m).sum() - isin(dst_c, m).sum()
    assert gained == facts["follow_backs"]
    assert isin(src, m).sum() - isin(src_c, m).sum() == 100


# ---- pods ----


def test_pod_members_get_one_reaction_from_every_other_member_per_post(registry):
    run = one(registry, "engagement_pod", size=5, day=10, activity=3.0)
    t, c = run.treated, run.control
    m = t.cohorts["m"].members
    n_posts = t.cohorts["m"].facts["posts"]
    assert n_posts > 5
    expected = n_posts * 4

    def within(world):
        actor, action, target = codes(world)
        return (action != POST) & isin(actor, m) & isin(target, m)

    assert within(t.world).sum() - within(c.world).sum() == expected
    assert t.cohorts["m"].facts["reactions"] == expected
    assert t.cohorts["m"].cost == {"coordinated_reactions": float(expected)}
    ev = t.draft.events()
    scripted = ~ev["organic"] & (ev["action"] != POST)
    assert scripted.sum() == expected
    posts = pd.DataFrame(
        {"post": ev["post"][ev["action"] == POST], "t0": ev["time"][ev["action"] == POST]}
    )
    r = pd.DataFrame(
        {
            "post": ev["post"][scripted],
            "t": ev["time"][scripted],
            "actor": ev["actor"][scripted],
            "target": ev["target"][scripted],
        }
    )
    r = r.merge(posts, on="post")
    assert ((r.t - r.t0) <= 30 * 60).all() and (r.t >= r.t0).all()
    assert (r.actor != r.target).all() and (r.t0 >= run.day(10).value / 1e9).all()
    assert (r.groupby("post").actor.nunique() == 4).all()


def test_outsiders_react_per_post_from_distinct_base_accounts(registry):
    run = one(registry, "outsider_engagement", size=3, per_post=7, day=10, activity=3.0)
    t = run.treated
    ev = t.draft.events()
    scripted = ~ev["organic"]
    r = pd.DataFrame(
        {
            "post": ev["post"][scripted],
            "actor": ev["actor"][scripted],
            "target": ev["target"][scripted],
        }
    )
    assert len(r) == t.cohorts["m"].facts["reactions"] == 7 * t.cohorts["m"].facts["posts"]
    assert (r.groupby("post").actor.nunique() == 7).all()
    assert (t.role[r.actor] == "base").all() and isin(r.target, t.cohorts["m"].members).all()
    assert t.cohorts["m"].cost == {"organic_reactions": float(len(r))}


# ---- sybils ----


def test_sybil_region_touches_the_honest_region_only_through_attack_edges(registry):
    run = one(registry, "sybil_region", size=60, degree=6, attack_edges=3, reactions_per_post=4)
    b = run.treated
    syb = b.cohorts["m"].members
    honest = np.flatnonzero(b.role == "base")
    src, dst = edges(b.world)
    assert (isin(src, honest) & isin(dst, syb)).sum() == 3 == b.cohorts["m"].facts["attack_edges"]
    assert not (isin(src, syb) & isin(dst, honest)).any()
    assert (np.bincount(src, minlength=len(b.world))[syb] == 6).all()
    assert not (src == dst).any()
    actor, action, target = codes(b.world)
    assert not (isin(actor, syb) & isin(target, honest)).any()
    assert not (isin(actor, honest) & isin(target, syb)).any()
    ev = b.draft.events()
    react = isin(ev["actor"], syb) & (ev["action"] != POST)
    per_post = pd.Series(ev["actor"][react]).groupby(ev["post"][react]).nunique()
    assert (per_post == 4).all() and len(per_post) == 60 * 1 * DAYS  # 1 post a day each
    assert set(np.unique(ev["action"][react])) == {SHARE, LIKE}
    assert (ev["actor"][react] != ev["target"][react]).all()


# ---- borrowed influence ----


def test_celebrity_engager_is_the_top_or_median_attention_base_account(registry):
    run = make_run(
        registry,
        [
            {"name": "top", "behaviour": "celebrity_engagement", "size": 3, "params": {"day": 20}},
            {
                "name": "med",
                "behaviour": "celebrity_engagement",
                "size": 3,
                "params": {"day": 20, "engager": "median", "count": 2},
            },
        ],
    )
    t, c = run.treated, run.control
    base = np.flatnonzero(t.role == "base")
    att = t.draft.column("attention")[base]
    top = t.world.ids[base[np.argmax(att)]]
    assert t.cohorts["top"].facts["engager"] == top
    med = t.world.ids.get_loc(t.cohorts["med"].facts["engager"])
    assert (att < t.draft.column("attention")[med]).sum() == (len(base) - 1) // 2
    for name, engager, count in (("top", top, 1), ("med", t.world.ids[med], 2)):
        members = t.cohorts[name].members
        e = t.world.ids.get_loc(engager)

        def reactions(world, e=e, members=members):
            actor, action, target = codes(world)
            return np.bincount(target[(actor == e) & isin(target, members)], minlength=len(world))[
                members
            ]

        assert (reactions(t.world) - reactions(c.world) == count).all()
        ev = t.draft.events()
        scripted = ~ev["organic"] & (ev["actor"] == e)
        assert (ev["time"][scripted] >= run.day(20).value / 1e9).all()
        assert (ev["action"][scripted] == SHARE).all()


# ---- inactivity ----


def test_silent_members_keep_their_followers_and_do_nothing_during_the_silence(registry):
    run = one(registry, "inactive", size=4, start_day=20, days=14, activity=4.0)
    t, c = run.treated, run.control
    m = t.cohorts["m"].members
    lo, hi = run.day(20).value / 1e9, run.day(34).value / 1e9
    actor, action, target = codes(t.world)
    time = seconds(t.world)
    during = (time >= lo) & (time < hi)
    assert not (during & isin(actor, m)).any()
    # reactions to them during the silence only to posts made before it
    posts = t.world.events["post"].to_numpy()
    post_time = dict(zip(posts[action == POST], time[action == POST], strict=True))
    late = [post_time[p] for p in posts[during & isin(target, m)]]
    assert all(x < lo for x in late)
    assert (isin(actor, m) & (time >= hi)).any()  # they come back
    ca, _, _ = codes(c.world)
    assert (isin(ca, m) & (seconds(c.world) >= lo) & (seconds(c.world) < hi)).any()
    assert (t.world.in_degree[m] == c.world.in_degree[m]).all()
    assert (t.cohorts["m"].treatment_start, t.cohorts["m"].treatment_end) == (20.0, 34.0)


# ---- volume, links, institutions ----


def test_high_volume_posters_add_posts_nobody_reacts_to(registry):
    run = one(registry, "high_volume_poster", size=2, day=30, extra_posts_per_day=5)
    t, c = run.treated, run.control
    m = t.cohorts["m"].members
    n_extra = t.cohorts["m"].facts["extra_posts"]
    assert n_extra == 2 * 5 * 30 == t.cohorts["m"].cost["posts"]

    def counts(world):
        actor, action, target = codes(world)
        return (isin(actor, m) & (action == POST)).sum(), isin(target, m).sum()

    (pt, rt), (pc, rc) = counts(t.world), counts(c.world)
    assert pt - pc == n_extra and rt == rc


def test_link_broadcasters_only_post_links_and_never_react(registry):
    run = one(registry, "link_broadcaster", size=4)
    w = run.world
    m = run.members("m")
    actor, action, target = codes(w)
    mine = isin(actor, m)
    assert (mine & (action == POST)).sum() > 0
    assert w.events["link"].to_numpy()[mine].all()
    assert not (mine & (action != POST)).any()
    assert not w.events["link"].to_numpy()[~mine].any()
    assert isin(target, m).any()  # others still react to them


def test_institutions_have_passive_followers_and_mostly_links(registry):
    run = one(registry, "institution", size=3, passive_followers=100, activity=5.0)
    w = run.world
    m = run.members("m")
    assert (w.accounts["label"].iloc[m] == "institution").all()
    assert (w.in_degree[m] >= 100).all()
    actor, action, _ = codes(w)
    posts = isin(actor, m) & (action == POST)
    share = w.events["link"].to_numpy()[posts].mean()
    assert 0.5 < share < 0.9
    default = one(registry, "institution", size=1)
    assert default.treated.cohorts["m"].facts["passive_followers"] == 60  # 0.15 of 400


def test_offline_influential_post_rarely_but_reach_far(registry):
    run = one(registry, "offline_influential", size=5)
    b = run.treated
    m = b.cohorts["m"].members
    actor, action, _ = codes(b.world)
    assert (isin(actor, m) & (action == POST)).sum() <= 5 * 4
    base = b.role == "base"
    assert np.median(b.truth[m]) > np.percentile(b.truth[base], 95)


# ---- small sparks ----


def test_small_spark_cascade_credits_the_original_author(registry):
    run = one(registry, "small_spark", size=2, cascade_size=120, spread_days=2, day=25)
    t = run.treated
    m = t.cohorts["m"].members
    ev = t.draft.events()
    posts = t.cohorts["m"].facts["posts"]
    for author, post in zip(m, posts, strict=True):
        shares = (ev["post"] == post) & (ev["action"] == SHARE)
        assert shares.sum() == 120
        assert (ev["target"][shares] == author).all()
        assert len(np.unique(ev["actor"][shares])) == 120
        t_post = ev["time"][(ev["post"] == post) & (ev["action"] == POST)][0]
        dt = ev["time"][shares] - t_post
        assert (dt > 0).all() and (dt <= 2 * DAY).all()
        sharers = ev["actor"][shares]
        assert (t.role[sharers] == "base").all()
        att = t.draft.column("attention")
        assert att[sharers].max() <= np.median(att[t.role == "base"])
    facts = t.cohorts["m"].facts
    assert facts["max_depth"] >= 2 and 0 < facts["direct_shares"] < 240
    parents = facts["parents"][0]
    assert parents[0] == t.world.ids[m[0]] and len(parents) == 120
    assert t.cohorts["m"].cost == {}
    assert not (np.isin(run.control.draft.events()["post"], posts)).any()


# ---- a second network ----


def test_second_network_events_exist_only_in_the_treated_world(registry):
    run = one(registry, "second_network", size=3, posts_per_day=2, reaction_rate=0.2)
    t, c = run.treated, run.control
    m = t.cohorts["m"].members
    net = t.world.events["network"].astype(str).to_numpy()
    linked = net == "linkedin"
    actor, action, target = codes(t.world)
    assert linked.sum() > 3 * 2 * DAYS
    assert (isin(actor, m) | isin(target, m))[linked].all()
    assert ((action == POST) & linked).sum() == 3 * 2 * DAYS
    assert set(net[~linked]) == {"twitter"}
    assert "network" not in c.world.events
    # everything else is the same
    assert (~linked).sum() == len(c.world.events)


# ---- newcomers and small communities ----


def test_newcomers_do_nothing_before_they_join(registry):
    run = one(registry, "newcomer", size=5, joined_day=30, activity=3.0)
    w = run.world
    m = run.members("m")
    joined = run.day(30)
    assert (w.accounts["created"].iloc[m] == joined).all()
    actor, _, target = codes(w)
    time = seconds(w)
    involved = isin(actor, m) | isin(target, m)
    assert involved.any() and (time[involved] >= joined.value / 1e9).all()
    f = w.follows
    touching = isin(f["follower"].cat.codes, m) | isin(f["followee"].cat.codes, m)
    assert (f["time"][touching] >= joined).all()


def test_small_community_follows_stay_mostly_inside(registry):
    run = one(registry, "small_community", size=12, group="lang-x")
    w = run.world
    m = run.members("m")
    assert (w.accounts["group"].iloc[m] == "lang-x").all()
    src, dst = edges(w)
    out = isin(src, m)
    assert out.sum() > 0 and isin(dst[out], m).mean() > 0.5


# ---- worlds as a whole ----

ALL = [
    {
        "name": cls.id.replace("_", "-"),
        "behaviour": cls.id,
        "size": 30 if cls.id == "sybil_region" else 3,
        "params": {"count": 50} if cls.id == "bought_followers" else {},
    }
    for cls in builtins.BEHAVIOURS
    if cls.id not in REAL_DATA_IDS
]


def _tables(world) -> dict[str, pd.DataFrame]:
    return {"accounts": world.accounts, "follows": world.follows, "events": world.events}


def test_same_seed_gives_identical_worlds_and_another_seed_does_not(registry):
    a = make_run(registry, ALL, accounts=300)
    b = make_run(registry, ALL, accounts=300)
    for built_a, built_b in ((a.treated, b.treated), (a.control, b.control)):
        for name, table in _tables(built_a.world).items():
            pd.testing.assert_frame_equal(table, _tables(built_b.world)[name])
        assert built_a.cohorts.keys() == built_b.cohorts.keys()
        for key, cohort in built_a.cohorts.items():
            assert (
                cohort.facts == built_b.cohorts[key].facts
                and cohort.cost == built_b.cohorts[key].cost
            )
    other = make_run(registry, ALL, accounts=300, seed=1)
    assert not other.treated.world.events.equals(a.treated.world.events)


def test_treatments_leave_the_base_population_untouched(registry):
    run = make_run(registry, ALL, accounts=300)
    t, c = run.treated, run.control
    n = len(c.world)
    base = np.flatnonzero(c.role == "base")
    assert (t.role[:n] == c.role).all() and list(t.world.ids[:n]) == list(c.world.ids)

    def base_events(world):
        ev = world.events
        actor, _, target = codes(world)
        keep = isin(actor, base) & ((target < 0) | isin(target, base))
        return (
            ev.loc[keep, ["time", "actor", "action", "target", "post"]]
            .astype({"actor": str, "target": str})
            .reset_index(drop=True)
        )

    pd.testing.assert_frame_equal(base_events(t.world), base_events(c.world))

    def base_follows(world):
        src, dst = edges(world)
        keep = isin(src, base) & isin(dst, base)
        return np.sort(src[keep] * n + dst[keep])

    np.testing.assert_array_equal(base_follows(t.world), base_follows(c.world))
    # and the organic simulation drew the same everything in both worlds
    et, ec = t.draft.events(), c.draft.events()
    ot, oc = et["organic"], ec["organic"]
    for key in ("time", "actor", "action", "target", "post"):
        np.testing.assert_array_equal(et[key][ot], ec[key][oc])


# ---- topic_chatter (F16) ----


def test_topic_chatters_post_on_their_own_topic_and_only_chat_about_the_other(registry):
    run = one(registry, "topic_chatter", size=3, partners=4, posts_per_partner=5)
    assert run.control is run.treated  # no treatment: the same world
    w = run.world
    ev = w.events
    topic = ev["topic"].astype(object).where(ev["topic"].notna(), None).to_numpy()
    actor, action, target = codes(w)
    members = run.members("m")
    is_member = np.isin(actor, members)
    own_posts = is_member & (action == POST)
    assert own_posts.any() and (topic[own_posts] == "cooking").all()
    assert not ((topic == "books") & own_posts).any()  # they never post about books
    facts = run.treated.cohorts["m"].facts
    assert facts["conversations"] == 3 * 4 * 5
    partners = {w.code_of(p) for ps in facts["partners"].values() for p in ps}
    books_posts = (action == POST) & (topic == "books")
    assert books_posts.sum() == 60 and set(actor[books_posts]) <= partners
    reply = ACTIONS.index("reply")
    chat = (topic == "books") & (action == reply)
    assert (is_member[chat]).sum() == 60 and np.isin(target[chat & is_member], list(partners)).all()
    answers = chat & ~is_member
    assert answers.sum() == 60 and np.isin(target[answers], members).all()
    # every reply belongs to the conversation of a partner's books post
    post_ids = set(ev["post"][books_posts].astype(str))
    assert set(ev["post"][chat].astype(str)) <= post_ids
    # members follow their partners
    src, dst = edges(w)
    have = set(zip(src.tolist(), dst.tolist(), strict=True))
    for name, ps in facts["partners"].items():
        assert all((w.code_of(name), w.code_of(p)) in have for p in ps)


def test_topic_chatter_needs_two_topics(registry):
    with pytest.raises(ScenarioError, match="must differ"):
        registry.behaviours["topic_chatter"](topic="books", own_topic="books")
