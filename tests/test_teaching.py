"""The classroom tutorial (docs/teaching.md) runs start to finish: every command in it runs here,
as in CI, and prints what the text says it prints; the pictures it shows are the ones the lessons
draw. When the scorers, probes or command line change on purpose, regenerate the outputs and the
pictures with `python docs/build_teaching.py`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import build_teaching  # noqa: E402

REGENERATE = "run `python docs/build_teaching.py` to regenerate the tutorial's outputs and pictures"


@pytest.fixture(scope="module")
def tutorial():
    text = build_teaching.TUTORIAL.read_text()
    _, pictures, ran = build_teaching.build(text)
    return text, pictures, ran


def test_every_lesson_has_commands_an_output_and_a_picture(tutorial):
    text, _, ran = tutorial
    lessons = re.split(r"\n## Lesson \d", text)[1:]
    assert len(lessons) == 3
    for i, lesson in enumerate(lessons, start=1):
        assert "```console\n$ auditkit " in lesson
        assert f"(teaching/lesson-{i}.svg)" in lesson
        assert (ROOT / "docs" / "teaching" / f"lesson-{i}.svg").is_file(), REGENERATE
    assert all(step.expected.strip() for step, _ in ran), "a command without its output"


def test_every_command_prints_what_the_tutorial_says(tutorial):
    _, _, ran = tutorial
    for step, printed in ran:
        expected = build_teaching.normalise(step.expected)
        assert build_teaching.normalise(printed) == expected, (
            f"`{step.command}` prints something else now; {REGENERATE}"
        )


def _creator(svg: str) -> str:
    found = re.search(r"<dc:creator>.*?<dc:title>(.*?)</dc:title>", svg, re.S)
    return found.group(1) if found else ""


def _description(svg: str) -> str:
    found = re.search(r"<dc:description>(.*?)</dc:description>", svg, re.S)
    return found.group(1) if found else ""


def test_the_pictures_are_the_ones_the_lessons_draw(tutorial):
    """Byte for byte with the matplotlib that drew the committed pictures. Another matplotlib
    version may lay out the same picture in other bytes (paths, styles), so then the picture's
    content is compared instead: its description names every account, score and arrow."""
    _, pictures, _ = tutorial
    assert sorted(pictures) == sorted(build_teaching.PICTURES.values())
    for target, drawn in pictures.items():
        committed = (ROOT / "docs" / target).read_text(encoding="utf-8")
        now = drawn.decode("utf-8")
        if f"matplotlib {matplotlib.__version__})" in _creator(committed):
            assert now == committed, f"docs/{target} is out of date; {REGENERATE}"
        else:
            assert _description(now) == _description(committed), (
                f"docs/{target} shows another world; {REGENERATE}"
            )
        assert _description(now), "the picture carries its text alternative"


def test_the_harness_catches_a_wrong_output(tmp_path):
    """A control: an output that differs is reported, one that differs only in seconds and
    trailing spaces is not."""
    doc = (
        "```console\n$ auditkit validate scenarios/spam-squirrel.yaml\n"
        "ok  scenarios/spam-squirrel.yaml  (spam-squirrel, F1, 3 checks)   \n```\n"
    )
    _, _, ran = build_teaching.build(doc)
    ((step, printed),) = ran
    assert build_teaching.normalise(printed) != build_teaching.normalise(step.expected)
    assert build_teaching.normalise("done in 3.4 s  \n\n") == build_teaching.normalise(
        "done in 12 s"
    )
    assert build_teaching.steps("```console\n$ auditkit a\nx\n$ auditkit b\n```") == [
        build_teaching.Step("auditkit a", "x"),
        build_teaching.Step("auditkit b", ""),
    ]
