"""The renderer contract: a :class:`Renderer` turns a :class:`Document` into one output format.

Every report auditkit makes (an audit's results, a conformance check report, an attack report)
is first described as a :class:`Document`: plain data, in blocks (headings, paragraphs, tables,
bullet lists, labelled fields, figures), plus its machine-readable form (:attr:`Document.data`)
and its test cases (:attr:`Document.cases`, one per verdict, for CI formats). A renderer knows
nothing about audits: it only lays out blocks. So a new output format is one renderer class,
registered through the ``register_renderers`` hook like a scorer, and every report gets it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "Renderer",
    "Document",
    "Heading",
    "Paragraph",
    "Table",
    "Bullets",
    "Fields",
    "Figure",
    "Case",
    "Block",
    "CASE_STATUSES",
    "TONES",
]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    """Rows of cells (already formatted as text) under ``columns``."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    #: wrap a column's text at this width in plain-text forms (``None``: no wrapping)
    max_widths: list[int | None] | None = None
    #: optional meaning of each cell, for forms that can show it (colour in HTML): one of
    #: :data:`TONES` or ``""``, shaped like ``rows``
    tones: list[list[str]] | None = None


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Fields:
    """Labelled values, one per line (``label: value``)."""

    items: list[tuple[str, str]]
    title: str = ""


@dataclass(frozen=True)
class Figure:
    """A picture: ``svg`` markup for forms that can show it, ``alt`` for those that cannot (and
    as its text alternative)."""

    title: str
    alt: str
    svg: str = ""


Block = Heading | Paragraph | Table | Bullets | Fields | Figure

#: what a table cell's tone may say: good, bad, uncertain, not measured, neutral
TONES = ("good", "bad", "uncertain", "muted", "")

CASE_STATUSES = ("pass", "fail", "error", "skip")


@dataclass(frozen=True)
class Case:
    """One verdict as a test case, for CI formats: ``suite`` groups cases (e.g. a scenario),
    ``status`` is one of :data:`CASE_STATUSES`."""

    suite: str
    name: str
    status: str
    message: str = ""
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Document:
    """A report, described independently of any output format."""

    #: what kind of report (``audit``, ``check``, ``attack``, ...)
    kind: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    #: the report's machine-readable form (the JSON renderer writes it as it is)
    data: dict[str, Any] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)


class Renderer(ABC):
    """Base class of an output format.

    Class attributes: ``id`` (the ``--format`` value), ``suffixes`` (file extensions that
    select it for ``-o FILE``), ``description``.
    """

    id: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    @abstractmethod
    def render(self, document: Document) -> str:
        """The document in this format."""

    @classmethod
    def info(cls) -> dict[str, Any]:
        return {"id": cls.id, "suffixes": list(cls.suffixes), "description": cls.description}
