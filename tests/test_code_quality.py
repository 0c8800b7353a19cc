"""The code stays as docs/design.md promises: ruff clean, ruff formatted, and accepted by mypy
(the package ships ``py.typed``). Each check runs the tool itself, as a contributor would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module", autouse=True)
def tools() -> None:
    for module in ("ruff", "mypy"):
        if shutil.which(module) is None and run(module, "--version").returncode != 0:
            pytest.fail(f"{module} is not installed: pip install -e '.[test]'")


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_ruff_formatted() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_accepts_the_package() -> None:
    result = run("mypy")  # files and settings: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert "Success" in result.stdout
