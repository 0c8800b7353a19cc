"""docs/regression.md: its end-to-end commands and its GitHub Actions job run as written (on a
copy of two bundled scenarios, to keep the test short)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.scenario.library import bundled_scenarios

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "regression.md").read_text()
SCENARIOS = ("bought-followers.yaml", "sabotage.yaml")


def _scenarios(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name in SCENARIOS:
        shutil.copy(bundled_scenarios() / name, folder / name)


def _auditkit(line: str) -> list[str]:
    words = shlex.split(line)
    assert words[0].endswith("auditkit"), line
    return words[1:]


def _section(title: str) -> str:
    start = PAGE.index(title)
    end = PAGE.find("\n## ", start + 1)
    return PAGE[start : end if end > 0 else None]


def test_end_to_end_commands_run(tmp_path, monkeypatch):
    block = re.search(r"```sh\n(.*?)```", _section("## 5. End to end"), re.S).group(1)
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(lines) == 4
    monkeypatch.chdir(tmp_path)
    _scenarios(tmp_path / "scenarios")
    codes = []
    for line in lines:
        result = CliRunner().invoke(main, _auditkit(line))
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        codes.append(result.exit_code)
    assert codes == [0, 0, 0, 1]  # as the page says: the last one regresses
    markdown = (tmp_path / "diff.md").read_text()
    assert "bought-followers" in markdown and "Accounts that moved most" in markdown


def test_github_actions_job_runs(tmp_path, monkeypatch):
    block = re.search(r"```yaml\n(# \.github/workflows.*?)```", PAGE, re.S).group(1)
    job = yaml.safe_load(block)
    steps = job["jobs"]["diff"]["steps"]
    assert job.get("on", job.get(True)) == "pull_request"  # YAML 1.1 reads `on` as true
    commands = []
    for step in steps:
        script = step.get("run", "").replace("\\\n", " ")
        for line in script.splitlines():
            line = line.split("||")[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if re.match(r"\S*/auditkit ", part):
                    commands.append(part)
    assert len(commands) == 3
    monkeypatch.chdir(tmp_path)
    _scenarios(tmp_path / "base" / "scenarios")
    _scenarios(tmp_path / "candidate" / "scenarios")
    (tmp_path / "candidate" / "tolerances.yaml").write_text("default: 0\n")
    for command in commands:
        result = CliRunner().invoke(main, _auditkit(command))
        assert result.exit_code == 0, (command, result.output)
    assert "Gate: pass" in (tmp_path / "diff.md").read_text()


@pytest.mark.parametrize("spec", re.findall(r"`((?:[a-z]+=)?kred\[[^`]*\])`", PAGE))
def test_every_spec_on_the_page_parses(spec):
    from auditkit.plugin.registry import get_registry
    from auditkit.plugin.spec import build_scorer

    build_scorer(get_registry(), spec)
