"""The report as a list of blocks, written once and rendered to Word and to PDF.

A block is a heading, a paragraph, a table or a figure (a PNG); the renderers
(:mod:`planning.outputs.report.docx`, :mod:`planning.outputs.report.pdf`) lay them out each in their
own way, so both formats carry the same words and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planning.words import STATUS_BACKGROUNDS as _BACKGROUNDS
from planning.words import STATUS_COLOURS as _COLOURS

#: status -> (text colour, light cell background): the one colour table of map, app and
#: report (:data:`planning.words.STATUS_COLOURS`, :data:`planning.words.STATUS_BACKGROUNDS`)
STATUS_COLOURS = {s: (_COLOURS[s], _BACKGROUNDS[s]) for s in _COLOURS}


@dataclass
class Heading:
    """A heading; level 0 is the document title, 1 a chapter, 2 a section."""

    text: str
    level: int = 1


@dataclass
class Para:
    """A paragraph. ``style``: ``body``, ``subtitle`` (under the title), ``notice`` (a
    boxed warning, e.g. demo data), ``bullet``, ``note`` (small print)."""

    text: str
    style: str = "body"


@dataclass
class Table:
    """A table with a header row.

    ``widths`` are relative column widths; ``status`` (optional) holds one status per
    row (``pass``/``fail``/``warn``/``not_applicable``) that colours the ``status_col``
    cell; ``caption`` goes above the table.
    """

    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    caption: str = ""
    status: list[str] | None = None
    status_col: int | None = None
    align: list[str] = field(default_factory=list)  # per column: "L", "R" or "C"


@dataclass
class Figure:
    """A PNG image with a caption below; ``aspect`` = height / width."""

    png: bytes
    caption: str
    aspect: float


@dataclass
class Document:
    """The report: title (for file metadata), language and blocks in order; ``footer`` is
    printed at the foot of every page (e.g. "直线估算 / straight-line estimate")."""

    title: str
    lang: str
    blocks: list = field(default_factory=list)
    footer: str = ""

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)
