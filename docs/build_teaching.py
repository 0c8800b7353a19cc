"""Run the classroom tutorial and write what it prints into it: ``python docs/build_teaching.py``.

``docs/teaching.md`` holds ```` ```console ```` blocks of commands (lines starting with ``$ ``),
each followed by what it prints. This script runs every command in order, in a scratch
directory that sees the repository's ``scenarios/`` as the tutorial's reader would from the
root of a copy of auditkit, writes the output under each command and copies the pictures the
lessons draw to ``docs/teaching/`` (:data:`PICTURES`). The prose is left as it is.

``tests/test_teaching.py`` runs the same commands and fails when the text or a picture is not
what they produce now; run this script to regenerate both after the scorers, probes or the
command line change.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from auditkit.cli import main

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
TUTORIAL = DOCS / "teaching.md"
#: Pictures the lessons draw (in the scratch directory) -> where the tutorial shows them.
PICTURES = {
    "lesson-1/small-world.svg": "teaching/lesson-1.svg",
    "lesson-2/small-world.svg": "teaching/lesson-2.svg",
    "lesson-3/small-world.svg": "teaching/lesson-3.svg",
}

_BLOCK = re.compile(r"```console\n(.*?)```", re.S)
#: Seconds a command took: the one thing that differs from run to run (wall-clock time).
_SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")


@dataclass(frozen=True)
class Step:
    """One command of the tutorial and the output written under it."""

    command: str
    expected: str


def steps(text: str) -> list[Step]:
    """Every command of the tutorial's console blocks, in order, with its written output."""
    out = []
    for block in _BLOCK.findall(text):
        command, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    out.append(Step(command, "\n".join(lines)))
                command, lines = line[2:], []
            else:
                lines.append(line)
        if command is not None:
            out.append(Step(command, "\n".join(lines)))
    return out


def normalise(output: str) -> str:
    """Output as compared: trailing spaces and blank lines dropped (Markdown editors drop
    them) and seconds masked (wall-clock time)."""
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return _SECONDS.sub("N s", "\n".join(lines))


def run(command: str) -> str:
    """Run one ``auditkit ...`` command in the current directory; what a terminal shows
    (standard output and standard error)."""
    args = shlex.split(command)
    if not args or args[0] != "auditkit":
        raise SystemExit(f"the tutorial runs only auditkit commands, not {command!r}")
    result = CliRunner().invoke(main, args[1:], prog_name="auditkit")
    if result.exit_code != 0:
        raise SystemExit(
            f"`{command}` exited with {result.exit_code}:\n{result.output}"
            + (f"\n{result.exception!r}" if result.exception else "")
        )
    return result.output


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A scratch directory with ``scenarios/`` linked to the repository's, made current."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
        with contextlib.chdir(tmp):
            yield Path(tmp)


def build(text: str) -> tuple[str, dict[str, bytes], list[tuple[Step, str]]]:
    """Run the tutorial ``text``: the text with every output rewritten, the pictures drawn
    (by their path under docs/), and each step with what it printed."""
    ran: list[tuple[Step, str]] = []
    with scratch() as here:
        for step in steps(text):
            ran.append((step, run(step.command)))
        pictures = {
            target: (here / made).read_bytes()
            for made, target in PICTURES.items()
            if (here / made).is_file()
        }
    outputs = iter(out for _, out in ran)

    def rewrite(match: re.Match[str]) -> str:
        parts = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                parts.append(line)
                printed = [x.rstrip() for x in next(outputs).splitlines()]
                while printed and not printed[-1]:
                    printed.pop()
                parts += printed
        return "```console\n" + "\n".join(parts) + "\n```"

    return _BLOCK.sub(rewrite, text), pictures, ran


if __name__ == "__main__":
    new, pictures, _ = build(TUTORIAL.read_text())
    TUTORIAL.write_text(new)
    print(f"wrote {TUTORIAL.relative_to(ROOT)}", file=sys.stderr)
    for target, data in pictures.items():
        path = DOCS / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote docs/{target}", file=sys.stderr)
