"""The world model: validation with located errors, snapshots, windows and file round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit import World, WorldError, generate_world, read_world


def small_world() -> World:
    return World(
        accounts={"account": ["a", "b", "c"], "label": ["human", "bot", None]},
        follows={
            "follower": ["a", "b", "c"],
            "followee": ["b", "c", "a"],
            "time": ["2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z", 1704067200],
        },
        events={
            "time": ["2024-01-02T10:00:00Z", "2024-01-01T09:00:00Z", "2024-01-03"],
            "actor": ["a", "b", "c"],
            "action": ["reply", "post", "like"],
            "target": ["b", None, "b"],
        },
    )


def test_tables_share_codes_and_events_are_sorted():
    w = small_world()
    assert list(w.ids) == ["a", "b", "c"]
    assert list(w.events["action"]) == ["post", "reply", "like"]
    actor, action, target = w.event_codes
    assert actor.tolist() == [1, 0, 2] and target.tolist() == [-1, 1, 1]
    assert w.in_degree.tolist() == [1, 1, 1]
    assert str(w.events["time"].dtype) == "datetime64[ns, UTC]"


def test_unix_seconds_and_iso_parse_to_the_same_instant():
    w = small_world()
    assert w.follows["time"].iloc[2] == pd.Timestamp("2024-01-01T00:00:00Z")


def test_accounts_derived_from_other_tables_in_first_appearance_order():
    w = World(follows={"follower": ["x", "y"], "followee": ["y", "z"]})
    assert list(w.ids) == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("kwargs", "fragment", "column"),
    [
        ({"accounts": {"account": ["a", "a"]}}, "duplicate account 'a'", "account"),
        (
            {"accounts": {"account": ["a"]}, "follows": {"follower": ["a"], "followee": ["zz"]}},
            "followee 'zz' is not an account",
            "followee",
        ),
        (
            {
                "accounts": {"account": ["a"]},
                "events": {"time": [1], "actor": ["a"], "action": ["retweet"]},
            },
            "unknown action 'retweet'",
            "action",
        ),
        (
            {
                "accounts": {"account": ["a"]},
                "events": {"time": ["yesterday"], "actor": ["a"], "action": ["post"]},
            },
            "cannot read time 'yesterday'",
            "time",
        ),
        (
            {
                "accounts": {"account": ["a", "b"]},
                "events": {"time": [1], "actor": ["a"], "action": ["share"]},
            },
            "needs a target",
            "target",
        ),
        (
            {
                "accounts": {"account": ["a", "b"]},
                "follows": {"follower": ["a", "a"], "followee": ["b", "b"]},
            },
            "twice",
            "followee",
        ),
        (
            {"accounts": {"account": ["a"]}, "follows": {"follower": ["a"], "followee": ["a"]}},
            "follows itself",
            "followee",
        ),
        (
            {"accounts": {"account": ["a"], "followers_count": [-3]}},
            "non-negative",
            "followers_count",
        ),
    ],
)
def test_bad_input_names_row_column_and_fix(kwargs, fragment, column):
    with pytest.raises(WorldError) as info:
        World(**kwargs)
    assert fragment in str(info.value)
    assert info.value.column == column
    assert info.value.row is not None


def test_missing_required_column_is_named():
    with pytest.raises(WorldError, match="missing required column 'followee'"):
        World(follows={"follower": ["a"]})


def test_file_errors_name_file_and_line(tmp_path):
    (tmp_path / "accounts.csv").write_text("account\na\nb\n")
    (tmp_path / "events.csv").write_text(
        "time,actor,action,target\n2024-01-01,a,post,\n2024-01-02,b,reply,a\n2024-01-03,b,boost,a\n"
    )
    with pytest.raises(WorldError) as info:
        read_world(tmp_path)
    msg = str(info.value)
    assert "events.csv" in msg and "line 4" in msg and "'action'" in msg and "boost" in msg


def test_unknown_column_in_file_is_rejected(tmp_path):
    (tmp_path / "follows.csv").write_text("follower,followee,wieght\na,b,1\n")
    with pytest.raises(WorldError, match="unknown column 'wieght'"):
        read_world(tmp_path)


def test_ids_stay_strings_when_read_from_csv(tmp_path):
    (tmp_path / "follows.csv").write_text("follower,followee\n007,42\n42,007\n")
    w = read_world(tmp_path)
    assert list(w.ids) == ["007", "42"]


def test_missing_directory_is_a_world_error(tmp_path):
    with pytest.raises(WorldError, match="does not exist"):
        read_world(tmp_path / "nope")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_read_round_trip(tmp_path, fmt):
    w = generate_world(300, seed=5)
    w.write(tmp_path / "w", format=fmt)
    back = read_world(tmp_path / "w")
    assert list(back.ids) == list(w.ids)
    np.testing.assert_array_equal(back.event_time_ns, w.event_time_ns)
    for a, b in zip(back.event_codes, w.event_codes, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.follow_codes[0], w.follow_codes[0])


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    w = generate_world(50, seed=1)
    w.write(tmp_path / "w")
    before = sorted(p.name for p in (tmp_path / "w").iterdir())

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        generate_world(60, seed=2).write(tmp_path / "w")
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == before
    assert read_world(tmp_path / "w").ids.size == 50
    assert [p.name for p in tmp_path.iterdir()] == ["w"]


def test_window_and_as_of_slice_by_time():
    w = small_world()
    assert len(w.as_of("2024-01-02T12:00:00Z").events) == 2
    assert len(w.window(1, at="2024-01-03").events) == 2  # (Jan 2 00:00, Jan 3 00:00]
    assert len(w.window(0.5, at="2024-01-03").events) == 1
    # the follow b->c started on Jan 5: not there before
    assert len(w.as_of("2024-01-04").follows) == 2
    assert len(w.as_of("2024-01-04")) == 3  # every account is kept


def test_until_ends_a_follow():
    w = World(
        follows={
            "follower": ["a", "a"],
            "followee": ["b", "b"],
            "time": ["2024-01-01", "2024-03-01"],
            "until": ["2024-02-01", None],
        }
    )
    assert w.as_of("2024-01-15").in_degree.tolist() == [0, 1]
    assert w.as_of("2024-02-15").in_degree.tolist() == [0, 0]
    assert w.as_of("2024-03-15").in_degree.tolist() == [0, 1]


def test_follows_in_order_and_follow_keys():
    ordered = World(follows={"follower": ["a", "a", "b"], "followee": ["b", "c", "a"]})
    assert ordered.follows_in_order
    assert ordered.follow_keys.tolist() == [1, 2, 3]  # a=0, b=1, c=2: a->b, a->c, b->a
    shuffled = World(follows={"follower": ["b", "a", "a"], "followee": ["a", "c", "b"]})
    assert not shuffled.follows_in_order  # b=0, a=1, c=2: keys 1, 5, 3
    assert shuffled.follow_keys.tolist() == [1, 3, 5]
    assert generate_world(300, seed=1).follows_in_order
    assert World(follows={"follower": ["a"], "followee": ["b"]}).follows_in_order


def test_generator_is_deterministic_and_heavy_tailed():
    a, b = generate_world(2000, seed=9), generate_world(2000, seed=9)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.follows, b.follows)
    assert not generate_world(2000, seed=10).follows.equals(a.follows)
    deg = a.in_degree
    assert deg.max() > 20 * np.median(deg)  # a heavy tail, not a random graph
    # reciprocity: a good share of edges are followed back
    src, dst = a.follow_codes
    edges = set(zip(src.tolist(), dst.tolist(), strict=True))
    mutual = sum((d, s) in edges for s, d in edges) / len(edges)
    assert 0.1 < mutual < 0.6
    # reactions only come after the post they react to
    e = a.events
    posts = e[e.action == "post"].set_index("post")["time"]
    reacts = e[e.action != "post"]
    assert (reacts["time"].to_numpy() >= posts.loc[reacts["post"]].to_numpy()).all()


def test_empty_world():
    w = World()
    assert len(w) == 0 and w.end is None and len(w.events) == 0


# ---- optional account flags and event topics ----


def test_account_flags_are_booleans_and_absent_means_false(tmp_path):
    (tmp_path / "accounts.csv").write_text(
        "account,device,verified,restricted,suspended\n"
        "a,true,,0,no\nb,,TRUE,1,\nc,False,false,,yes\n"
    )
    w = read_world(tmp_path)
    for col in ("device", "verified", "restricted", "suspended"):
        assert w.accounts[col].dtype == bool, col
    assert w.accounts["device"].tolist() == [True, False, False]
    assert w.accounts["verified"].tolist() == [False, True, False]
    assert w.accounts["restricted"].tolist() == [False, True, False]
    assert w.accounts["suspended"].tolist() == [False, False, True]
    assert "device" not in small_world().accounts  # absent stays absent (read as false)


def test_a_flag_that_is_not_a_boolean_names_row_and_column():
    with pytest.raises(WorldError) as info:
        World(accounts={"account": ["a", "b"], "verified": ["true", "maybe"]})
    assert "verified must be true or false" in str(info.value) and "'maybe'" in str(info.value)
    assert info.value.column == "verified" and info.value.row == 2


def test_events_may_carry_a_topic(tmp_path):
    (tmp_path / "events.csv").write_text(
        "time,actor,action,target,post,topic\n"
        "2024-01-01,a,post,,p1,books\n2024-01-02,b,reply,a,p1,books\n"
        "2024-01-03,b,post,,p2,\n2024-01-04,a,like,b,p2, cooking \n"
    )
    w = read_world(tmp_path)
    assert isinstance(w.events["topic"].dtype, pd.CategoricalDtype)
    assert w.events["topic"].astype(object).where(w.events["topic"].notna(), None).tolist() == [
        "books",
        "books",
        None,
        "cooking",
    ]
    w.write(tmp_path / "again")
    back = read_world(tmp_path / "again")
    assert back.events["topic"].astype(object).tolist()[:2] == ["books", "books"]


def test_generated_events_carry_the_topics_behaviours_give_them():
    from auditkit.data.draft import Draft

    d = Draft(days=10, seed=1)
    d.add_accounts(2, prefix="u")
    d.add_events([d.t0 + 10, d.t0 + 20], 0, "post", topic="books")
    d.add_events([d.t0 + 30], 1, "post")
    w = d.build()
    assert w.events["topic"].astype(object).where(w.events["topic"].notna(), None).tolist() == [
        "books",
        "books",
        None,
    ]
    assert "topic" not in generate_world(50, seed=1).events  # organic events carry none


def test_a_copied_draft_is_independent_and_builds_the_same_world():
    import copy

    from auditkit.data.draft import Draft
    from auditkit.data.simulation import simulate
    from auditkit.data.synth import add_population

    draft = Draft(days=30, seed=2)
    add_population(draft, 300)
    simulate(draft)
    twin = copy.deepcopy(draft)
    pd.testing.assert_frame_equal(twin.build().events, draft.build().events)
    pd.testing.assert_frame_equal(twin.build().follows, draft.build().follows)
    before = draft.build()
    # edits of the copy leave the original alone
    twin.ids[0] = "renamed"
    twin.add_accounts(5, prefix="extra")
    twin.keep_events(np.zeros(len(twin.events()["time"]), bool))
    twin.events()  # consolidated arrays of the copy, not of the original
    after = draft.build()
    assert draft.ids[0] != "renamed" and len(draft.ids) == 300
    pd.testing.assert_frame_equal(after.events, before.events)
    assert len(twin.build().events) == 0 and len(twin.build()) == 305


def test_the_simulation_of_a_large_world_draws_the_same_world_in_two_threads(monkeypatch):
    """From PARALLEL_ROWS rows the simulation overlaps its work in two threads (a large draw's
    shuffle beside its count, the last draws beside the gathers, the event pieces joined two at
    a time): forced on for a small world, the follows and events are the same, row for row."""
    import auditkit.data.rows as rows_module
    import auditkit.data.simulation as simulation_module
    from auditkit.data.draft import Draft
    from auditkit.data.simulation import simulate
    from auditkit.data.synth import add_population

    def simulated():
        draft = Draft(days=30, seed=4)
        add_population(draft, 400)
        simulate(draft)
        return draft.follow_arrays(), draft.event_arrays()

    serial = simulated()
    monkeypatch.setattr(rows_module, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(simulation_module, "PARALLEL_ROWS", 0)
    threaded = simulated()
    for a, b in zip(serial[0], threaded[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert serial[1].keys() == threaded[1].keys() and len(serial[1]["time"]) > 4000
    for key in serial[1]:
        np.testing.assert_array_equal(serial[1][key], threaded[1][key])


def test_a_copied_draft_shares_its_rows_until_one_side_edits_them():
    import copy

    from auditkit.data.draft import Draft
    from auditkit.data.simulation import simulate
    from auditkit.data.synth import add_population

    draft = Draft(days=30, seed=3)
    add_population(draft, 200)
    simulate(draft)
    twin = copy.deepcopy(draft)
    mine, theirs = draft.events(writable=False), twin.events(writable=False)
    assert np.shares_memory(mine["time"], theirs["time"])  # no rows copied
    with pytest.raises(ValueError):
        theirs["link"][0] = True  # shared rows are read-only
    # an edit on either side copies what it edits, and the other side does not see it
    posts = theirs["action"] == 0
    twin.update_events(posts, link=True)
    assert twin.events(writable=False)["link"][posts].all()
    assert not draft.events(writable=False)["link"].any()
    assert np.shares_memory(
        draft.events(writable=False)["time"], twin.events(writable=False)["time"]
    )  # only the edited field was copied
    ev = draft.events()  # writable: every array the draft's own
    ev["target"][:] = -1
    assert (draft.events(writable=False)["target"] == -1).all()
    assert (twin.events(writable=False)["target"] != -1).any()


def test_threaded_takes_give_what_one_thread_gives(monkeypatch):
    """The two-thread path of large worlds' row takes, forced on for small inputs, against the
    one-thread results and an independent reference."""
    import auditkit.data.rows as rows_module

    rng = np.random.default_rng(4)
    order = rng.permutation(1001)
    arrays = [rng.integers(0, 9, 1001), rng.random(1001), pd.Categorical(rng.integers(0, 3, 1001))]
    serial = rows_module.take_rows(order, *arrays)
    monkeypatch.setattr(rows_module, "PARALLEL_ROWS", 0)
    threaded = rows_module.take_rows(order, *arrays)
    for a, s, t in zip(arrays, serial, threaded, strict=True):
        np.testing.assert_array_equal(np.asarray(t), np.asarray(s))
        np.testing.assert_array_equal(np.asarray(t), np.asarray(a)[order])

    pieces = {"a": [arrays[0]], "b": [arrays[1], arrays[1][:7]], "c": [np.zeros(0), arrays[1]]}
    joined = rows_module.concatenate_columns(pieces)
    assert joined["a"] is arrays[0]  # one piece: not copied
    for key in ("b", "c"):
        np.testing.assert_array_equal(joined[key], np.concatenate(pieces[key]))


@pytest.mark.parametrize(
    "weights",
    [
        np.r_[0.0, np.random.default_rng(4).pareto(1.5, 500), 0.0],  # zero weight at both ends
        np.r_[0.0, 0.0, 3.0],
        np.r_[2.0, 0.0, 0.0],
        np.ones(1),
        np.r_[np.random.default_rng(5).random(40), np.zeros(40), [1e-12]],
    ],
)
@pytest.mark.parametrize("size", [1, 7, 20_001])
@pytest.mark.parametrize("threads", [1, 2])
def test_weighted_draws_are_the_sorted_uniforms_searched_one_by_one(
    weights, size, threads, monkeypatch
):
    """An independent transcription of the draw: the same uniforms, sorted, each looked up in
    the cdf (the first index whose cdf exceeds it, the last at most), then put in random order by
    the same generator's permutation. Same values, same order, and the generator left where a
    draw leaves it; ``ordered``: the same values sorted, and the generator left at the same
    place. ``threads``: the two-thread search and the shuffle beside the count of large
    draws, forced on. Up to 16 weights, the draws are counted without a sort."""
    import auditkit.data.rows as rows_module
    import auditkit.data.simulation as simulation_module
    from auditkit.data.simulation import weighted_choice

    if threads == 2:
        monkeypatch.setattr(rows_module, "PARALLEL_ROWS", 0)
        monkeypatch.setattr(simulation_module, "PARALLEL_ROWS", 0)
    rng = np.random.default_rng(9)
    drawn = weighted_choice(rng, weights, size)
    ref = np.random.default_rng(9)
    u = np.sort(ref.random(size))
    cdf = np.cumsum(weights) / weights.sum()
    picks = [min(int(np.searchsorted(cdf, x, side="right")), len(cdf) - 1) for x in u]
    expected = ref.permutation(np.array(picks, dtype=np.int64))
    assert drawn.dtype == np.int64
    np.testing.assert_array_equal(drawn, expected)
    assert weights[drawn].min() > 0  # zero weight: never drawn
    assert rng.random() == ref.random()

    rng = np.random.default_rng(9)
    ordered = weighted_choice(rng, weights, size, ordered=True)
    assert ordered.dtype == np.int64
    np.testing.assert_array_equal(ordered, np.sort(expected))
    ref = np.random.default_rng(9)
    ref.random(size)
    ref.permutation(size)
    assert rng.random() == ref.random()


@pytest.mark.parametrize(
    "times",
    [
        np.random.default_rng(3).integers(0, 50, 3000) * 10**9 + 1_700_000_000 * 10**9,
        np.random.default_rng(3).integers(0, 50, 3000) * 10**9 + 7,  # not whole seconds
        np.random.default_rng(3).integers(-(10**18), 10**18, 3000),
        np.arange(5, dtype=np.int64)[::-1] * 10**9,
    ],
)
@pytest.mark.parametrize("in_place", [False, True])
def test_stable_sort_is_the_stable_argsort_and_the_times_it_orders(times, in_place):
    from auditkit.data.world import stable_order, stable_sort

    expected = np.argsort(times, kind="stable")
    given = times.copy()
    ordered, order = stable_sort(given, in_place=in_place)
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(ordered, times[expected])
    np.testing.assert_array_equal(stable_order(times), expected)
    if not in_place:
        np.testing.assert_array_equal(given, times)  # the caller's times are left alone
    elif len(times) > 1_000 and not (times % 10**9).any():
        # many whole seconds (the composite sort): sorted in their own memory
        assert np.shares_memory(ordered, given)


def test_new_account_ids_that_collide_with_existing_ones_are_refused_and_nothing_added():
    from auditkit.data.draft import Draft

    draft = Draft(days=10, seed=1)
    draft.add_accounts(12, prefix="u")  # u0 ... u11
    draft.add_accounts(3, prefix="x", cohort="c")  # x0, x1, x2
    with pytest.raises(ValueError, match="'u1' collides"):
        draft.add_accounts(2, prefix="u1")  # u10, u11 exist
    assert draft.ids == [f"u{i}" for i in range(12)] + ["x0", "x1", "x2"]
    assert len(draft.column("attention")) == 15
    with pytest.raises(ValueError, match="collides"):
        draft.add_accounts(2, prefix="u1", cohort="c2")  # a cohort's ids: u10, u11 again
    codes = draft.add_accounts(2, prefix="v", cohort="c2")
    assert codes.tolist() == [15, 16] and draft.ids[-2:] == ["v0", "v1"]


def test_a_world_built_onto_its_base_equals_a_full_build():
    """Draft.build(base=...): added follows that repeat a pair (earlier, later, unknown times),
    added events at the same second as old ones, an event before its actor exists."""
    import copy

    from auditkit.data.draft import Draft

    base = Draft(days=10, seed=1)
    base.add_accounts(5, prefix="u")
    t = base.t0
    base.add_follows([0, 1, 2, 3], [1, 2, 3, 4], [t + 50, np.nan, t + 10, t + 5])
    base.add_events([t + 100, t + 100, t + 7], [0, 1, 2], "post")
    base.add_events([t + 100], 3, "like", target=0, post=0)
    draft = copy.deepcopy(base)
    draft.add_accounts(2, prefix="v", created=t + 60)
    # (0,1) earlier, (1,2) gets a time, (2,3) unknown keeps its time, (3,4) later keeps its
    draft.add_follows(
        [0, 1, 2, 3, 5, 6], [1, 2, 3, 4, 0, 5], [t + 20, t + 30, np.nan, t + 9, t + 70, t + 61]
    )
    draft.add_events([t + 100, t + 7, t + 30, t + 80], [5, 4, 6, 6], "post")  # t+30: before v1
    draft.add_events([t + 100], 5, "reply", target=1, post=1)
    base_world = base.build()
    merged = draft._build_onto(base, base_world)
    assert merged is not None  # only rows were added
    full = draft.build()
    assert list(merged.ids) == list(full.ids)
    for table in ("accounts", "follows", "events"):
        pd.testing.assert_frame_equal(getattr(merged, table), getattr(full, table))
    pd.testing.assert_frame_equal(draft.build(base=(base, base_world)).events, full.events)
    # an edit of the base's rows: built in full, and still the same world
    draft.update_events(draft.events(writable=False)["actor"] == 0, link=True)
    assert draft._build_onto(base, base_world) is None
    assert "link" in draft.build(base=(base, base_world)).events


def test_rows_inserted_slice_by_slice_are_what_numpy_inserts():
    import auditkit.data.rows as rows_module

    rng = np.random.default_rng(3)
    old = rng.integers(0, 100, 50).astype(np.int32)
    for at in ([], [0], [50], [0, 0, 7, 7, 7, 50, 50], sorted(rng.integers(0, 51, 20).tolist())):
        new = rng.integers(-9, 0, len(at))  # int64 into int32, as np.insert casts
        got = rows_module.insert_rows(old, np.array(at, np.int64), new)
        np.testing.assert_array_equal(got, np.insert(old, np.array(at, np.int64), new))
        assert got.dtype == old.dtype


def test_add_events_copies_what_it_is_given_unless_told_it_is_given_away():
    from auditkit.data.draft import Draft

    draft = Draft(days=10, seed=1)
    draft.add_accounts(4, prefix="u")
    t = draft.t0 + np.arange(3.0)
    actor, target = np.array([0, 1, 2]), np.array([1, 2, 3])
    draft.add_events(t, actor, "like", target=target, post=np.array([-1, -1, -1]))
    draft.add_events(t, actor, "share", target=target, post=np.array([-1, -1, -1]), copy=False)
    draft.add_events(t, np.int64(3), "post", copy=False)  # one actor for all: broadcast, copied
    pieces = vars(draft._ev)  # the arrays appended so far, before a read joins them
    assert not np.shares_memory(pieces["actor"][0], actor)
    assert not np.shares_memory(pieces["target"][0], target)
    assert pieces["actor"][1] is actor and pieces["target"][1] is target
    ev = draft.events(writable=False)
    assert ev["actor"].tolist() == [0, 1, 2, 0, 1, 2, 3, 3, 3]
    assert ev["target"].tolist() == [1, 2, 3, 1, 2, 3, -1, -1, -1]
    assert (ev["post"][6:] >= 0).all() and len(set(ev["post"][6:].tolist())) == 3
