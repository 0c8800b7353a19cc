"""Loaders: the public data sets in ../shared/data and hand-made files with known content."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from auditkit import WorldError, read_world
from auditkit.cli import main
from auditkit.data.importers import import_world

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def needs(name: str):
    return pytest.mark.skipif(
        not (DATA / name).is_dir(),
        reason=f"real data set {name} not found at {DATA / name} "
        "(the ../shared/data directory beside the clone)",
    )


def _actions(world) -> list[str]:
    return world.events["action"].astype(str).tolist()


# ---------------------------------------------------------------------------------------------
# the public data sets


@needs("caverlee-2011-social-honeypot")
def test_caverlee_labels_counts_and_ambiguous_accounts():
    imported = import_world("caverlee2011", DATA / "caverlee-2011-social-honeypot")
    w = imported.world
    labels = w.accounts["label"].value_counts()
    # 22,223 polluters and 19,276 legitimate users, minus the 44 listed in both files
    assert labels["bot"] == 22_223 - 44 and labels["human"] == 19_276 - 44
    assert any("dropped 44 accounts" in note for note in imported.notes)
    medians = w.accounts.groupby("label")["followers_count"].median()
    assert medians["bot"] == 294 and medians["human"] == 86  # SOURCE.txt: 295 / 86 before
    first = w.accounts.iloc[0]
    assert first["account"] == "6301" and first["following_count"] == 3269
    assert first["followers_count"] == 3071 and first["posts_count"] == 861
    assert str(first["created"]) == "2006-09-18 01:07:50+00:00"
    assert len(w.follows) == 0 and len(w.events) == 0


@needs("snap-higgs-twitter")
def test_higgs_subset_maps_interactions():
    w = import_world("higgs", DATA / "snap-higgs-twitter", limit=50_000).world
    assert len(w.events) == 50_000
    first = w.events.iloc[0]
    assert (first["actor"], first["action"], first["target"]) == ("223789", "mention", "213163")
    assert str(first["time"]) == "2012-07-01 00:02:52+00:00"
    assert set(_actions(w)) == {"share", "mention", "reply"}
    assert w.events["target"].notna().all() and "label" not in w.accounts


@needs("cresci-2015")
def test_cresci_accounts_and_a_timeline_sample():
    w = import_world("cresci2015", DATA / "cresci-2015", limit=60_000).world
    labels = w.accounts["label"].value_counts()
    assert labels["human"] == 1_950 and labels["fake"] == 3_351
    medians = w.accounts.groupby("label")["followers_count"].median()
    assert medians["human"] == 95 and medians["fake"] == 12  # SOURCE.txt
    actions = _actions(w)
    assert actions.count("post") >= 50_000 and "share" in actions or "mention" in actions
    reactions = w.events[w.events["action"] != "post"]
    assert (reactions["actor"].astype(str) != reactions["target"].astype(str)).all()


@needs("twitter-influence-propagation")
def test_influence_networks_are_stars_namespaced_by_handle():
    w = import_world(
        "influence-propagation", DATA / "twitter-influence-propagation", limit=300
    ).world
    acc = w.accounts.set_index("account")
    assert acc.loc["nasa:1", "label"] == "celebrity" and acc.loc["nasa:1", "group"] == "nasa"
    fans = acc[acc.index.str.startswith("nasa:") & (acc.index != "nasa:1")]
    assert len(fans) and fans["label"].isna().all() and (fans["group"] == "nasa").all()
    shares = w.events[w.events["action"] == "share"]
    assert len(shares) and (shares["target"].astype(str).str.endswith(":1")).all()
    assert (
        shares["actor"].astype(str).str.split(":").str[0]
        == shares["target"].astype(str).str.split(":").str[0]
    ).all()
    f = w.follows
    assert (f["followee"].astype(str).str.endswith(":1")).all()
    assert len(w.accounts["group"].unique()) == 78


# ---------------------------------------------------------------------------------------------
# hand-made sources: exact mappings and errors


def _cresci_dir(tmp_path: Path, timeline: str) -> Path:
    (tmp_path / "count_master_ds1.csv").write_text(
        "uid,NumberOfFollowers,NumberOfFollowing,NumberOfTweets,Label,Screen Name,Name\n"
        "1,10,5,100,Legitimate User,Alice,A\n2,3,300,7,Content Polluter,bob,B\n"
        "3,50,40,60,Legitimate User,carol,C\n"
    )
    with gzip.open(tmp_path / "timelines.csv.gz", "wt") as fh:
        fh.write(
            "user_id,label,tweet_id,created_at_utc,is_retweet,retweet_of_screen_name,"
            "mentioned_screen_names,n_urls\n" + timeline
        )
    return tmp_path


def test_cresci_mapping_of_retweets_and_mentions(tmp_path):
    src = _cresci_dir(
        tmp_path,
        (
            "1,human,11,2013-01-01T10:00:00Z,0,,bob;BOB;alice;stranger,0\n"  # post + 1 mention
            "1,human,12,2013-01-02T10:00:00Z,1,Carol,carol,0\n"  # share, no mention
            "2,bot,13,2013-01-03T10:00:00Z,1,outsider,,1\n"  # outside RT: post
            "3,human,14,2013-01-04T10:00:00Z,1,carol,,0\n"
        ),
    )  # self-RT: post
    w = import_world("cresci2015", src).world
    rows = [
        (str(r.actor), str(r.action), None if r.target != r.target else str(r.target))
        for r in w.events.itertuples()
    ]
    assert rows == [
        ("1", "post", None),
        ("1", "mention", "2"),
        ("1", "share", "3"),
        ("2", "post", None),
        ("3", "post", None),
    ]
    assert w.accounts.set_index("account").loc["2", "label"] == "fake"


def test_cresci_errors_name_file_line_and_column(tmp_path):
    src = _cresci_dir(
        tmp_path, "1,human,11,2013-01-01T10:00:00Z,0,,,0\n9,human,12,2013-01-02T10:00:00Z,0,,,0\n"
    )
    with pytest.raises(WorldError, match=r"timelines.csv.gz, line 3, column 'user_id'.*'9'"):
        import_world("cresci2015", src)
    src = _cresci_dir(tmp_path, "1,human,11,yesterday,0,,,0\n")
    with pytest.raises(WorldError, match=r"line 2, column 'created_at_utc'.*'yesterday'"):
        import_world("cresci2015", src)
    (tmp_path / "count_master_ds1.csv").write_text(
        "uid,NumberOfFollowers,NumberOfFollowing,NumberOfTweets,Label,Screen Name,Name\n"
        "1,10,5,100,Robot,a,A\n"
    )
    with pytest.raises(WorldError, match=r"line 2, column 'Label': unknown label 'Robot'"):
        import_world("cresci2015", src)


def test_caverlee_errors(tmp_path):
    good = "1\t2009-01-01 00:00:00\t2010-01-01 00:00:00\t5\t6\t7\t8\t9\n"
    (tmp_path / "legitimate_users.txt").write_text(good)
    (tmp_path / "content_polluters.txt").write_text(
        "2\t2009-01-01 00:00:00\t2010-01-01 00:00:00\t5\t6\t7\t8\t9\n\n"
        "3\t2009-01-01 00:00:00\t2010-01-01 00:00:00\t5\tmany\t7\t8\t9\n"
    )
    with pytest.raises(
        WorldError,
        match=r"content_polluters.txt, line 3, column "
        r"'followers_count'.*'many'",
    ):
        import_world("caverlee2011", tmp_path)
    (tmp_path / "content_polluters.txt").write_text("2\t2009-01-01 00:00:00\t5\n")
    with pytest.raises(WorldError, match=r"line 1, column 'following_count': missing value"):
        import_world("caverlee2011", tmp_path)
    (tmp_path / "content_polluters.txt").write_text(good.replace("\t9\n", "\t9\t10\n"))
    with pytest.raises(WorldError, match=r"content_polluters.txt: malformed line"):
        import_world("caverlee2011", tmp_path)
    with pytest.raises(WorldError, match=r"not a directory"):
        import_world("caverlee2011", tmp_path / "legitimate_users.txt")


def test_higgs_errors(tmp_path):
    path = tmp_path / "h.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("1 2 1341100972 RT\n3 4 1341100973 LIKE\n")
    with pytest.raises(WorldError, match=r"line 2, column 'interaction'.*'LIKE'.*RT, MT or RE"):
        import_world("higgs", path)


def test_edgelist_formats_duplicates_and_errors(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text(
        "# a comment\nfollower,followee,time\na,b,1700000000\n"
        "b,a,2024-01-01T00:00:00Z\na,b,1600000000\n"
    )
    imported = import_world("edgelist", path)
    f = imported.world.follows
    assert len(f) == 2 and any("1 repeated" in n for n in imported.notes)
    ab = f[(f["follower"].astype(str) == "a")]
    assert str(ab["time"].iloc[0]) == "2020-09-13 12:26:40+00:00"  # the earliest kept
    path.write_text("x y\ny z\n\nz x\n")
    assert len(import_world("edgelist", path).world.follows) == 3
    path.write_text("x y\ny y\n")
    with pytest.raises(
        WorldError,
        match=r"line 2, column 'followee': account 'y' follows "
        r"itself",
    ):
        import_world("edgelist", path)
    path.write_text("x y 1\ny z\n")
    with pytest.raises(WorldError, match=r"line 2.*has 2 fields but the first edge has 3"):
        import_world("edgelist", path)
    path.write_text("x y soon\n")
    with pytest.raises(WorldError, match=r"line 1, column 'time': cannot read time 'soon'"):
        import_world("edgelist", path)


def test_activity_aliases_and_errors(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "Time,Actor,Action,Target\n1700000000,a,tweet,\n1700000100,b,RT,a\n1700000200,c,mention,b\n"
    )
    w = import_world("activity", path).world
    assert _actions(w) == ["post", "share", "mention"] and len(w) == 3
    path.write_text("time,actor,action,target\n1700000000,a,boost,b\n")
    with pytest.raises(
        WorldError,
        match=r"log.csv, line 2, column 'action': unknown action "
        r"'boost'",
    ):
        import_world("activity", path)
    path.write_text("when,actor,action\n1,a,post\n")
    with pytest.raises(WorldError, match=r"missing column 'time'"):
        import_world("activity", path)


def test_unknown_format_and_bad_limit(tmp_path):
    with pytest.raises(WorldError, match=r"unknown import format 'csv'; use one of"):
        import_world("csv", tmp_path)
    (tmp_path / "e.txt").write_text("a b\n")
    with pytest.raises(WorldError, match=r"limit must be at least 1"):
        import_world("edgelist", tmp_path / "e.txt", limit=0)


def test_import_command_writes_a_world_and_reports_mistakes(tmp_path):
    src = tmp_path / "edges.csv"
    src.write_text("a,b\nb,c\n")
    out = tmp_path / "world"
    result = CliRunner().invoke(main, ["import", "edgelist", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    w = read_world(out)
    assert len(w) == 3 and len(w.follows) == 2
    src.write_text("a,a\n")
    result = CliRunner().invoke(main, ["import", "edgelist", str(src), "-o", str(out)])
    assert result.exit_code == 2 and "follows itself" in result.output
    assert "Traceback" not in result.output
    assert np.array_equal(read_world(out).in_degree, w.in_degree)  # the old world is intact
