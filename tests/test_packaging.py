"""What a user installs: the wheel's only top-level package is auditkit, and a directory with its
own `scorers/` package does not hide the built-in scorers."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("auditkit-*.whl"))


def test_the_wheel_holds_auditkit_alone(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"auditkit"}
    for module in (
        "auditkit/scorers/klout.py",
        "auditkit/scenarios/spam-squirrel.yaml",
        "auditkit/report/formats/table.py",
        "auditkit/py.typed",
    ):
        assert module in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "= scorers." not in text and "klout = auditkit.scorers.klout" in text


def test_a_local_scorers_package_does_not_hide_the_built_ins(tmp_path):
    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "__init__.py").write_text("")
    (tmp_path / "scorers" / "mine.py").write_text("X = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "auditkit", "scorers", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    ids = {info["id"] for info in json.loads(result.stdout)}
    assert {"followers", "klout", "kred", "pagerank", "trustrank"} <= ids
    assert "Warning" not in result.stderr
