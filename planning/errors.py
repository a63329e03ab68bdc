"""Problems found in a planner's input: one error type, one record type for warnings.

Every message names where the problem is (file, layer, row, column) and what to do, in
words a planner understands, in the UI language. Loaders raise :class:`InputError` when
a file cannot be used at all, and record a :class:`Problem` for everything else they
noticed (a repaired geometry, a row set aside, a kind inferred from a name), so nothing
is silently dropped.

A message is a key of :data:`planning.i18n.STRINGS` and its fields
(:meth:`Problem.of`, :meth:`InputError.of`): ``message`` holds the English text (logs,
``str()``), :meth:`Problem.text` renders it in either language. A field may itself be a
:class:`Msg` (a reason inside "row set aside: …"), rendered in the same language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["error", "warning", "info"]
LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Msg:
    """A message by key (see :data:`planning.i18n.STRINGS`) with its fields, rendered late."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict, hash=False)

    def text(self, lang: str = "en") -> str:
        from planning.i18n import t

        return t(self.key, lang, **{k: _render(v, lang) for k, v in self.fields.items()})

    def __str__(self) -> str:
        return self.text("en")


def _render(value: Any, lang: str) -> Any:
    """A field in ``lang``: a Msg rendered, a list of Msgs rendered and joined."""
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, list) and all(isinstance(v, Msg) for v in value):
        return ("；" if lang == "zh" else "; ").join(v.text(lang) for v in value)
    return value


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
        """A problem whose message is the key ``key`` of :data:`planning.i18n.STRINGS`."""
        msg = Msg(key, fields)
        return cls(level, msg.text("en"), file, layer, row, column, msg)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.msg.text(lang) if self.msg is not None else self.message

    def where(self, lang: str = "en") -> str:
        """``file 村.xlsx, layer villages, row 3, column '人口'`` (or in Chinese)."""
        from planning.i18n import t

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
