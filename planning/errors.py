"""Problems found in a planner's input: one error type, one record type for warnings.

Every message names where the problem is (file, layer, row, column) and what to do, in
words a planner understands, in the UI language. Loaders raise :class:`InputError` when
a file cannot be used at all, and record a :class:`Problem` for everything else they
noticed (a repaired geometry, a row set aside, a kind inferred from a name), so nothing
is silently dropped.

A message is a key of :data:`planning.words.STRINGS` and its fields
(:meth:`Problem.of`, :meth:`InputError.of`): ``message`` holds the English text (logs,
``str()``), :meth:`Problem.text` renders it in either language. A field may itself be a
:class:`Msg` (a reason inside "row set aside: …"), rendered in the same language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from planning.words import colon, field_text, semicolon, t

Level = Literal["error", "warning", "info"]
LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Msg:
    """A message by key (see :data:`planning.words.STRINGS`) with its fields, rendered late."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict, hash=False)

    def text(self, lang: str = "en") -> str:
        return t(self.key, lang, **{k: _render(k, v, lang) for k, v in self.fields.items()})

    def __str__(self) -> str:
        return self.text("en")


def _render(name: str, value: Any, lang: str) -> Any:
    """A field in ``lang``: a Msg rendered, a list of Msgs rendered and joined, anything
    else as :func:`planning.words.field_text` words it (``*_word`` keys, lists of names)."""
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, list) and value and all(isinstance(v, Msg) for v in value):
        return semicolon(lang).join(v.text(lang) for v in value)
    return field_text(name, value, lang)


@dataclass(frozen=True)
class Problem:
    """One thing a loader noticed about an input.

    Parameters
    ----------
    level : {"error", "warning", "info"}
        ``error``: the row was set aside; ``warning``: kept, but check it; ``info``: a
        change the loader made for you (a kind inferred, a geometry repaired).
    message : str
        What is wrong and what to do (English).
    file, layer : str, optional
        The file (as the planner named it) and layer it concerns.
    row : int, optional
        1-based data row (the header is row 0; spreadsheet row numbers are ``row + 1``).
    column : str, optional
        The column as it is headed in the file.
    msg : Msg, optional
        The message by key, for :meth:`text` in another language.
    """

    level: Level
    message: str
    file: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None
    msg: Msg | None = field(default=None, compare=False)

    @classmethod
    def of(cls, level: Level, key: str, file: str | None = None, layer: str | None = None,
           row: int | None = None, column: str | None = None, **fields) -> "Problem":
        """A problem whose message is the key ``key`` of :data:`planning.words.STRINGS`."""
        msg = Msg(key, fields)
        return cls(level, msg.text("en"), file, layer, row, column, msg)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.msg.text(lang) if self.msg is not None else self.message

    def where(self, lang: str = "en") -> str:
        """``file 村.xlsx, layer villages, row 3, column '人口'`` (or in Chinese)."""
        parts = []
        if self.file:
            parts.append(t("where.file", lang, file=self.file))
        if self.layer:
            parts.append(t("where.layer", lang, layer=t(f"layer_name.{self.layer}", lang)
                           if lang != "en" else self.layer))
        if self.row is not None:
            parts.append(t("where.row", lang, row=self.row))
        if self.column:
            parts.append(t("where.column", lang, column=self.column))
        return ("，" if lang == "zh" else ", ").join(parts)

    def render(self, lang: str = "en") -> str:
        """Where and what, in ``lang``."""
        where = self.where(lang)
        text = self.text(lang)
        return f"{where}{'：' if lang == 'zh' else ': '}{text}" if where else text

    def __str__(self) -> str:
        return self.render("en")

    def to_dict(self, lang: str | None = None) -> dict:
        """The problem as a flat dict (``message`` in ``lang``, default English)."""
        return {"level": self.level, "message": self.text(lang or "en"), "file": self.file,
                "layer": self.layer, "row": self.row, "column": self.column}


class InputError(Exception):
    """An input that cannot be used at all; the message says where and what to do.

    Carries the :class:`Problem` (or several) that caused it.
    """

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, message: str, file: str | None = None, layer: str | None = None,
           row: int | None = None, column: str | None = None) -> "InputError":
        """Build an error for one place (message in English only)."""
        return cls(Problem("error", message, file, layer, row, column))

    @classmethod
    def of(cls, key: str, file: str | None = None, layer: str | None = None,
           row: int | None = None, column: str | None = None, **fields) -> "InputError":
        """Build an error for one place from a message key (both languages)."""
        return cls(Problem.of("error", key, file, layer, row, column, **fields))

    def render(self, lang: str = "en") -> str:
        """Every problem, where and what, in ``lang``, one per line."""
        return "\n".join(p.render(lang) for p in self.problems)

#: rows named in a group's one-line text and in the summary JSON (the full list is
#: written on request: ``check --problems``, the app's download)
FIRST_ROWS = 10

#: what varies between problems of one kind: quoted values, numbers and Chinese words
#: (names of villages and facilities)
_VARIABLE = re.compile(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|(?<![A-Za-z_])-?\d+(?:[.,:]\d+)*"
                       r"|[\u3400-\u9fff\uf900-\ufaff]+")


def problem_kind(message: str) -> str:
    """The kind of a problem: its message with quoted values, numbers and Chinese words
    (names) replaced by …

    ``"longitude 39.73 and latitude 117.33 look swapped"`` and the same sentence with
    other numbers are one kind; so are ``"一村卫生室 lies outside …"`` and
    ``"二村卫生室 lies outside …"``.
    """
    return _VARIABLE.sub("…", message)


@dataclass(frozen=True)
class ProblemGroup:
    """Problems of one kind at one place: the same level, file, layer, column and kind.

    Attributes
    ----------
    level, file, layer, column : str or None
        As in :class:`Problem`.
    kind : str
        The message key of the problems (:attr:`Problem.msg`), or for problems worded
        directly :func:`problem_kind` of the messages.
    message : str
        The first problem's message in English (a real example, with its values).
    count : int
        How many problems the group holds.
    rows : list of int
        Every row named, in order (a problem without a row adds none).
    example : Problem
        The first problem (to word the group in another language).
    """

    level: Level
    file: str | None
    layer: str | None
    column: str | None
    kind: str
    message: str
    count: int
    rows: tuple[int, ...]
    example: Problem | None = field(default=None, compare=False)

    def text(self, lang: str = "en") -> str:
        """Where, how many, an example and the first rows, in ``lang``."""
        where = Problem(self.level, "", self.file, self.layer, None, self.column).where(lang)
        message = self.example.text(lang) if self.example is not None else self.message
        sep = colon(lang)
        if self.count == 1:
            row = t("group.row", lang, row=self.rows[0]) if self.rows else ""
            return f"{where}{sep}{message}{row}" if where else message + row
        shown = ", ".join(str(r) for r in self.rows[:FIRST_ROWS])
        more = len(self.rows) - FIRST_ROWS
        rows = (t("group.rows", lang, rows=shown)
                + (t("group.more", lang, n=f"{more:,}") if more > 0 else "")) if self.rows else ""
        text = t("group.count_rows" if self.rows else "group.count_times", lang,
                 n=f"{self.count:,}", message=message) + rows
        return f"{where}{sep}{text}" if where else text

    def __str__(self) -> str:
        return self.text("en")

    def to_dict(self, lang: str = "en") -> dict:
        """For the summary JSON: the place, kind, count, an example and the first rows."""
        return {"level": self.level, "file": self.file, "layer": self.layer,
                "column": self.column, "kind": self.kind, "count": self.count,
                "example": self.example.text(lang) if self.example is not None else self.message,
                "first_rows": list(self.rows[:FIRST_ROWS])}


def _kind(p: Problem) -> str:
    return p.msg.key if p.msg is not None else problem_kind(p.message)


def group_problems(problems: list[Problem]) -> list[ProblemGroup]:
    """Problems grouped by level, file, layer, column and kind, in order of first sight.

    Nothing is dropped: the counts of the groups add up to ``len(problems)`` and every
    row is kept in its group.
    """
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.level, p.file, p.layer, p.column, _kind(p)), []).append(p)
    return [ProblemGroup(level, file, layer, column, kind, members[0].message, len(members),
                         tuple(p.row for p in members if p.row is not None), members[0])
            for (level, file, layer, column, kind), members in groups.items()]


def problem_lines(problems: list[Problem], per_file: int = FIRST_ROWS,
                  levels: tuple[str, ...] = ("error", "warning"), lang: str = "en",
                  notes: tuple[str, ...] = ()) -> list[str]:
    """One line per group of ``levels``, at most ``per_file`` per file, for a terminal.

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of the lines.
    notes : tuple of str
        Message keys of ``info`` problems shown too (a change the planner must know of,
        such as generated ids).

    When a file has more groups, its last line says how many more (the full list:
    ``check --problems``).
    """
    shown_problems = [p for p in problems if p.level in levels
                      or (p.msg is not None and p.msg.key in notes)]
    by_file: dict[str | None, list[ProblemGroup]] = {}
    for g in group_problems(shown_problems):
        by_file.setdefault(g.file, []).append(g)
    lines = []
    for file, groups in by_file.items():
        shown = groups if len(groups) <= per_file else groups[: per_file - 1]
        lines += [f"{t('level.' + g.level, lang)}{g.text(lang)}" for g in shown]
        if len(shown) < len(groups):
            rest = groups[len(shown):]
            lines.append(t("group.more_kinds", lang, file=file or "—", n=len(rest),
                           total=f"{sum(g.count for g in rest):,}"))
    return lines


def write_problems(problems: list[Problem], path) -> None:
    """Write every problem, one a row, as CSV (UTF-8 with BOM, for Excel), atomically.

    Columns: ``level``, ``file``, ``layer``, ``row``, ``column``, ``kind``, ``message``.
    """
    import csv

    from planning._atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["level", "file", "layer", "row", "column", "kind", "message"])
        for p in problems:
            out.writerow([p.level, p.file or "", p.layer or "", "" if p.row is None else p.row,
                          p.column or "", problem_kind(p.message), _cell(p.message)])


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
