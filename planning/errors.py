"""Problems found in a planner's input: one error type, one record type for warnings.

Every message names where the problem is (file, layer, row, column) and what to do, in
words a planner understands. Loaders raise :class:`InputError` when a file cannot be
used at all, and record a :class:`Problem` for everything else they noticed (a repaired
geometry, a row set aside, a kind inferred from a name), so nothing is silently dropped.
"""

from __future__ import annotations

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
