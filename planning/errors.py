"""Problems found in a planner's input: one error type, one record type for warnings.

Every message names where the problem is (file, layer, row, column) and what to do, in
words a planner understands. Loaders raise :class:`InputError` when a file cannot be
used at all, and record a :class:`Problem` for everything else they noticed (a repaired
geometry, a row set aside, a kind inferred from a name), so nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One thing a loader noticed about an input.

    Parameters
    ----------
    level : {"error", "warning", "info"}
        ``error``: the row was set aside; ``warning``: kept, but check it; ``info``: a
        change the loader made for you (a kind inferred, a geometry repaired).
    message : str
        What is wrong and what to do.
    file, layer : str, optional
        The file and layer it concerns.
    row : int, optional
        1-based data row (the header is row 0; spreadsheet row numbers are ``row + 1``).
    column : str, optional
        The column as it is headed in the file.
    """

    level: Level
    message: str
    file: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.layer:
            parts.append(f"layer {self.layer}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return asdict(self)


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
        """Build an error for one place."""
        return cls(Problem("error", message, file, layer, row, column))


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
        :func:`problem_kind` of the messages.
    message : str
        The first problem's message (a real example, with its values).
    count : int
        How many problems the group holds.
    rows : list of int
        Every row named, in order (a problem without a row adds none).
    """

    level: Level
    file: str | None
    layer: str | None
    column: str | None
    kind: str
    message: str
    count: int
    rows: tuple[int, ...]

    def __str__(self) -> str:
        where = Problem(self.level, "", self.file, self.layer, None, self.column).where()
        if self.count == 1:
            row = f" (row {self.rows[0]})" if self.rows else ""
            return f"{where}: {self.message}{row}" if where else self.message + row
        shown = ", ".join(str(r) for r in self.rows[:FIRST_ROWS])
        more = len(self.rows) - FIRST_ROWS
        rows = f" — rows {shown}" + (f" … and {more:,} more" if more > 0 else "") if self.rows else ""
        text = f"{self.count:,} {'rows' if self.rows else 'times'}: {self.message}{rows}"
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict:
        """For the summary JSON: the place, kind, count, an example and the first rows."""
        return {"level": self.level, "file": self.file, "layer": self.layer,
                "column": self.column, "kind": self.kind, "count": self.count,
                "example": self.message, "first_rows": list(self.rows[:FIRST_ROWS])}


def group_problems(problems: list[Problem]) -> list[ProblemGroup]:
    """Problems grouped by level, file, layer, column and kind, in order of first sight.

    Nothing is dropped: the counts of the groups add up to ``len(problems)`` and every
    row is kept in its group.
    """
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        key = (p.level, p.file, p.layer, p.column, problem_kind(p.message))
        groups.setdefault(key, []).append(p)
    return [ProblemGroup(level, file, layer, column, kind, members[0].message, len(members),
                         tuple(p.row for p in members if p.row is not None))
            for (level, file, layer, column, kind), members in groups.items()]


def problem_lines(problems: list[Problem], per_file: int = FIRST_ROWS,
                  levels: tuple[str, ...] = ("error", "warning")) -> list[str]:
    """One line per group of ``levels``, at most ``per_file`` per file, for a terminal.

    When a file has more groups, its last line says how many more (the full list:
    ``check --problems``).
    """
    by_file: dict[str | None, list[ProblemGroup]] = {}
    for g in group_problems([p for p in problems if p.level in levels]):
        by_file.setdefault(g.file, []).append(g)
    lines = []
    for file, groups in by_file.items():
        shown = groups if len(groups) <= per_file else groups[: per_file - 1]
        lines += [f"{g.level}: {g}" for g in shown]
        if len(shown) < len(groups):
            rest = groups[len(shown):]
            lines.append(f"… {file or 'other'}: {len(rest)} more kinds of problem "
                         f"({sum(g.count for g in rest):,} in all): see --problems FILE.csv")
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
