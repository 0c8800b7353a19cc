"""auditkit score with several scorers side by side, labels and cohorts, statements next to
each other, and statements whose points add up in the scorer's own units (Kred's
normalisation stated as a factor)."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import World, generate_world, get_registry
from auditkit.cli import main
from auditkit.plugin.scorer import run_scorer
from auditkit.report.scores import ranks, score_table, statement_text


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("score") / "world"
    generate_world(150, seed=5).write(path)
    pd.DataFrame(
        {
            "account": ["u0", "u1"],
            "cohort": ["pod", ""],
            "role": ["member", "base"],
            "expected_spread": [1.5, 0.0],
        }
    ).to_csv(path / "truth.csv", index=False)
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_several_scorers_in_columns_with_labels_cohorts_and_ranks(world_dir):
    result = run(
        "score",
        world_dir,
        "--scorer",
        "followers",
        "--scorer",
        "klout",
        "--scorer",
        "kred",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(table.columns) == [
        "rank",
        "account",
        "label",
        "cohort",
        "followers",
        "followers_rank",
        "klout",
        "klout_rank",
        "kred",
        "kred_rank",
    ]
    assert table["followers"].is_monotonic_decreasing
    registry = get_registry()
    world = __import__("auditkit").read_world(world_dir)
    for sid in ("followers", "klout", "kred"):
        scores = run_scorer(registry.scorer(sid), world)
        got = table.set_index("account")[sid]
        np.testing.assert_allclose(got[scores.index].to_numpy(), scores.to_numpy())
        # rank 1 is the highest score; tied accounts share a rank (1 + how many score higher)
        rank = table.set_index("account")[f"{sid}_rank"]
        for account in scores.index[:40]:
            assert rank[account] == 1 + int((scores > scores[account]).sum())
    # the list itself is in the first scorer's order, ties broken by account id
    first = run_scorer(registry.scorer("followers"), world)
    assert list(table["account"]) == sorted(first.index, key=lambda a: (-first[a], a))
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    cohorts = table.set_index("account")["cohort"]
    assert cohorts["u0"] == "pod" and cohorts["u1"] == "" and cohorts["u5"] == ""
    assert set(table["label"]) <= {"human", "bot", "spam", "fake", "institution", ""}


def test_one_scorer_keeps_its_columns_and_json(world_dir):
    result = run("score", world_dir, "--scorer", "followers", "--format", "json", "--top", "2")
    payload = json.loads(result.stdout)
    assert payload["scorer"]["id"] == "followers" and len(payload["scores"]) == 2
    assert set(payload["scores"][0]) == {"rank", "account", "label", "cohort", "score"}
    several = json.loads(
        run(
            "score", world_dir, "--scorer", "followers", "--scorer", "kred", "--format", "json"
        ).stdout
    )
    assert [s["id"] for s in several["scorers"]] == ["followers", "kred"]


def test_the_table_shows_labels_and_every_scorer(world_dir):
    result = run("score", world_dir, "--scorer", "kred", "--scorer", "followers", "--top", "3")
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "rank",
        "account",
        "label",
        "cohort",
        "kred",
        "kred_rank",
        "followers",
        "followers_rank",
    ]
    assert len(lines) == 5


def test_statements_side_by_side(world_dir):
    result = run("score", world_dir, "--scorer", "followers", "--scorer", "kred", "--explain", "u0")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Statements for u0 (label ")
    assert "cohort pod" in text.splitlines()[0]
    header = text.splitlines()[1].split()
    assert header == ["followers", "kred"]
    assert "to score" in text and "x points" in text  # kred's factor
    assert "normalisation" not in text.split("note:")[0]  # no line of invented points
    data = json.loads(
        run(
            "score",
            world_dir,
            "--scorer",
            "followers",
            "--scorer",
            "kred",
            "--explain",
            "u0",
            "--format",
            "json",
        ).stdout
    )
    assert [s["scorer"] for s in data["statements"]] == ["followers", "kred"]
    for s in data["statements"]:
        total = sum(i["points"] for i in s["items"])
        assert s["offset"] + s["scale"] * total == pytest.approx(s["score"])


def test_kred_points_stay_points_and_the_normalisation_is_a_factor():
    """The issue's example: 129 raw points must read as 129 points, not as 640.9."""
    events = [{"time": "2024-01-01", "actor": "a", "action": "post"}]
    events += [
        {"time": "2024-01-02", "actor": f"f{i}", "action": "share", "target": "a"}
        for i in range(12)
    ]
    events += [{"time": "2024-01-02", "actor": "g", "action": "share", "target": "b"}]
    follows = {"follower": [f"f{i}" for i in range(9)], "followee": ["a"] * 9}
    world = World(follows=follows, events=events)
    kred = get_registry().scorer("kred")
    st = kred.explain(world, "b")
    assert st.total == 10.0  # one share: 10 Kred points
    top = 12 * 10 + 9
    expected = 1 + 999 * math.log1p(10) / math.log1p(top)  # independent transcription
    assert st.score == pytest.approx(expected)
    assert st.offset == 1.0 and st.scale == pytest.approx((expected - 1) / 10)
    assert f"ln(1 + {top})" in st.transform
    text = statement_text(st)
    assert "total 10 points; score = 1 + " in text and f"= {expected:.4g}"[:6] in text
    assert not st.items["signal"].str.contains("normalis").any()


def test_score_table_and_ranks_break_ties_by_account():
    world = World(accounts={"account": ["b", "a", "c"], "label": ["bot", "human", None]})
    scores = pd.Series([1.0, 1.0, 2.0], index=world.ids)
    assert ranks(scores).tolist() == [3, 2, 1]
    table = score_table(world, {"x": scores})
    assert table["account"].tolist() == ["c", "a", "b"]
    assert table["label"].tolist() == ["", "human", "bot"]


def test_a_bad_truth_file_is_a_clear_error(tmp_path):
    path = tmp_path / "w"
    generate_world(20, seed=1).write(path)
    (path / "truth.csv").write_text("who,cohort\nu0,x\n")
    result = run("score", path, "--scorer", "followers")
    assert result.exit_code == 2 and "truth.csv" in result.output and "'account'" in result.output
