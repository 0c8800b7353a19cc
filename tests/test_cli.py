"""The command line: output formats, explanations, and clean exit-2 errors for user mistakes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import generate_world
from auditkit.cli import main


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "world"
    generate_world(200, seed=11).write(path)
    return path


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_scorers_json_lists_metadata():
    result = run("scorers", "--json")
    assert result.exit_code == 0, result.output
    infos = {i["id"]: i for i in json.loads(result.stdout)}
    assert {"followers", "klout", "kred", "pagerank", "trustrank"} <= set(infos)
    for info in infos.values():
        assert info["description"] and info["references"] and info["version"]
        assert info["range"][0] < info["range"][1]


def test_score_csv_is_ranked_and_complete(world_dir):
    result = run("score", world_dir, "--scorer", "followers", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"account": str})
    assert len(table) == 200 and table["rank"].tolist() == list(range(1, 201))
    assert table["score"].is_monotonic_decreasing


def test_score_top_and_json(world_dir):
    result = run("score", world_dir, "--scorer", "followers", "--top", "3", "--format", "json")
    payload = json.loads(result.stdout)
    assert len(payload["scores"]) == 3 and payload["scorer"]["id"] == "followers"


def test_score_at_uses_a_snapshot(world_dir):
    late = run("score", world_dir, "--scorer", "followers", "--format", "csv")
    early = run("score", world_dir, "--scorer", "followers", "--format", "csv",
                "--at", "2015-01-01")
    assert pd.read_csv(io.StringIO(early.stdout))["score"].sum() < \
        pd.read_csv(io.StringIO(late.stdout))["score"].sum()


def test_explain_prints_a_statement(world_dir):
    result = run("score", world_dir, "--scorer", "followers", "--explain", "u5", "--format", "json")
    assert result.exit_code == 0, result.output
    statement = json.loads(result.stdout)
    assert statement["account"] == "u5"
    assert sum(i["points"] for i in statement["items"]) == pytest.approx(statement["score"])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scorer", "klot"], "Did you mean 'klout'"),
        (["--scorer", "followers", "--param", "nope=1"], "has no parameter 'nope'"),
        (["--scorer", "followers", "--param", "reference=abc"], "parameter 'reference'"),
        (["--scorer", "followers", "--explain", "nobody"], "account 'nobody' is not in this world"),
        (["--scorer", "followers", "--at", "someday"], "cannot read time 'someday'"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(world_dir, args, fragment):
    result = run("score", world_dir, *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_bad_world_file_exit_2_names_file_and_line(tmp_path):
    (tmp_path / "follows.csv").write_text("follower,followee,time\na,b,2024-01-01\nb,a,soon\n")
    result = run("score", tmp_path, "--scorer", "followers")
    assert result.exit_code == 2
    assert "follows.csv, line 3, column 'time'" in result.output


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "auditkit", "--help"], capture_output=True,
                         text=True, check=True)
    assert "score" in out.stdout and "scorers" in out.stdout
