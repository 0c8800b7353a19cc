"""auditkit export: a scenario's worlds written in the world format round-trip, so a teacher can
open them, edit them and score them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from auditkit import get_registry, load_scenario, read_world
from auditkit.cli import main
from auditkit.data.truthfile import TRUTH_COLUMNS, read_truth
from auditkit.plugin.scorer import run_scorer
from auditkit.scenario.run import ScenarioRun

ROOT = Path(__file__).resolve().parents[1]
#: one scenario without a treatment, one whose treatment adds fakes, one whose follows end
SCENARIOS = ["spam-squirrel", "bought-followers", "follow-churn"]


@pytest.fixture(scope="module", params=SCENARIOS)
def exported(request, tmp_path_factory):
    registry = get_registry()
    scenario = load_scenario(ROOT / "scenarios" / f"{request.param}.yaml", registry)
    out = tmp_path_factory.mktemp("export") / request.param
    result = CliRunner().invoke(main, ["export", str(scenario.path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return ScenarioRun(scenario, scenario.population.seed, registry), out


@pytest.fixture(scope="module")
def read_back(exported):
    """The exported treated and control worlds read back, once per scenario (reading one
    validates it: 1.2 s for spam-squirrel's; the tests only score and read them, through the
    read-only view a scorer gets)."""
    _, out = exported
    return {name: read_world(out / name) for name in ("treated", "control")}


@pytest.mark.parametrize("scorer_id", get_registry().built_in_scorers())
def test_exported_worlds_score_identically(exported, read_back, scorer_id):
    run, out = exported
    scorer = get_registry().scorer(scorer_id)
    for name, built in (("treated", run.treated), ("control", run.control)):
        again = read_back[name]
        assert list(again.ids) == list(built.world.ids)
        for at in (None, run.day(run.days / 2)):
            a = run_scorer(scorer, built.world, at)
            b = run_scorer(scorer, again, at)
            pd.testing.assert_series_equal(
                a, b, check_exact=True, obj=f"{scorer_id} on {name} at {at}"
            )


def test_labels_cohorts_and_ground_truth_are_written(exported, read_back):
    run, out = exported
    for name, built in (("treated", run.treated), ("control", run.control)):
        world = read_back[name]
        assert world.accounts["label"].tolist() == built.world.accounts["label"].tolist()
        truth = read_truth(out / name)
        assert list(truth.reset_index().columns) == list(TRUTH_COLUMNS)
        assert list(truth.index) == list(map(str, built.world.ids))
        for cohort_name, cohort in built.cohorts.items():
            members = [str(built.world.ids[c]) for c in cohort.members]
            assert (truth.loc[members, "cohort"] == cohort_name).all()
        assert (truth["role"].to_numpy() == built.role).all()
        np.testing.assert_allclose(truth["expected_spread"].to_numpy(float), built.truth)


def test_the_scenario_is_written_with_its_seed_and_reruns(exported):
    run, out = exported
    text = (out / "scenario.yaml").read_text()
    data = yaml.safe_load(text)
    assert data["id"] == run.scenario.id and data["population"]["seed"] == run.seed
    again = load_scenario(out / "scenario.yaml", get_registry())
    rerun = ScenarioRun(again, again.population.seed, get_registry())
    pd.testing.assert_frame_equal(rerun.world.tables()["follows"], run.world.tables()["follows"])


def test_an_edited_world_is_scored_again(tmp_path):
    """What a teacher does: export, delete a spam bot's followers in the spreadsheet, score."""
    registry = get_registry()
    scenario = load_scenario(ROOT / "scenarios" / "spam-squirrel.yaml", registry)
    out = tmp_path / "class"
    assert CliRunner().invoke(main, ["export", str(scenario.path), "-o", str(out)]).exit_code == 0
    follows = pd.read_csv(out / "treated" / "follows.csv", dtype=str)
    follows[follows["followee"] != "squirrel-0"].to_csv(
        out / "treated" / "follows.csv", index=False
    )
    result = CliRunner().invoke(
        main, ["score", str(out / "treated"), "--scorer", "followers", "--format", "csv"]
    )
    table = pd.read_csv(__import__("io").StringIO(result.stdout))
    row = table.set_index("account").loc["squirrel-0"]
    assert row["score"] == 0 and row["cohort"] == "squirrel" and row["label"] == "spam"


def test_export_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("x")
    result = CliRunner().invoke(
        main,
        ["export", str(ROOT / "scenarios" / "spam-squirrel.yaml"), "-o", str(tmp_path / "mine")],
    )
    assert result.exit_code == 2 and "thesis.docx" in result.output


def test_another_seed_builds_other_worlds(tmp_path):
    path = ROOT / "scenarios" / "spam-squirrel.yaml"
    result = CliRunner().invoke(
        main, ["export", str(path), "-o", str(tmp_path / "s7"), "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert (
        yaml.safe_load((tmp_path / "s7" / "scenario.yaml").read_text())["population"]["seed"] == 7
    )
    registry = get_registry()
    scenario = load_scenario(path, registry)
    seven = ScenarioRun(scenario, 7, registry).world.tables()["follows"]
    default = ScenarioRun(scenario, scenario.population.seed, registry).world.tables()["follows"]
    written = read_world(tmp_path / "s7" / "treated").tables()["follows"]
    assert written[["follower", "followee"]].equals(seven[["follower", "followee"]])
    assert not seven[["follower", "followee"]].equals(default[["follower", "followee"]])
