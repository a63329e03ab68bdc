"""Which column of a planner's file is which field of the schema.

Headers may be Chinese or English, full- or half-width, with a unit in brackets
(``"常住人口（人）"``, ``"经度(°)"``): each is compared, after
:func:`planning.schema.normalize_text`, with the names and aliases of the layer's columns
in :data:`planning.schema.LAYERS` — exactly first, then without the unit. A caller may
also pass ``column_map={"their header": "canonical name"}``, applied before the aliases.
A required column that is missing is an :class:`~planning.errors.InputError` naming the
headers tried and, when a header is close (``"longtitude"``), the one probably meant.
"""

from __future__ import annotations

import difflib
import re

from planning.errors import InputError, Msg
from planning.schema import LAYERS, Column, normalize_text

__all__ = ["WKT_COLUMN", "match_headers", "header_key", "known_keys", "did_you_mean"]

#: a table's geometry as well-known text (polygons from CSV/Excel, or points)
WKT_COLUMN = Column("wkt", "text", aliases=("geometry", "geom", "几何", "边界", "范围", "shape",
                                            "polygon"))
#: a unit in brackets at the end of a normalised header ("人口(人)", "经度(°)")
_UNIT = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$")


def match_headers(headers: list[str], layer: str, column_map: dict[str, str] | None = None,
                  *, file: str | None = None) -> tuple[dict[str, str], bool]:
    """Find the file's header for each of the layer's columns.

    Parameters
    ----------
    headers : list of str
        The file's headers as written.
    layer : {"townships", "villages", "facilities", "districts"}
        Whose columns (:data:`planning.schema.LAYERS`, plus :data:`WKT_COLUMN`) to find.
    column_map : dict of str to str, optional
        ``{"header in the file": "canonical column"}``, applied first.
    file : str, optional
        The file's name, for messages.

    Returns
    -------
    dict of str to str
        Canonical column -> the header in the file, for every column found.
    bool
        True when a facilities file has no id column: ids are then generated
        (:func:`planning.inputs.validate.facility_id_for`).

    Raises
    ------
    InputError
        A ``column_map`` naming an unknown field or a header the file lacks, or a
        required column with no matching header.
    """
    columns = LAYERS[layer]
    known = {c.name: c for c in columns} | {"wkt": WKT_COLUMN}
    found: dict[str, str] = {}
    for theirs, canonical in (column_map or {}).items():
        if canonical not in known:
            raise InputError.of("in.map_unknown_field", file, layer, theirs=theirs,
                                field=canonical, lname=Msg(f"layer_name.{layer}"),
                                fields=", ".join(known))
        match = [h for h in headers if normalize_text(h) == normalize_text(theirs)]
        if not match:
            raise InputError.of("in.map_missing_header", file, layer, column=theirs,
                                theirs=theirs, headers=", ".join(headers))
        found[canonical] = match[0]
    used = set(found.values())
    for key in (normalize_text, header_key):  # exact first, then without a unit
        for col in known.values():
            if col.name in found:
                continue
            for want in (col.name, *col.aliases):
                match = [h for h in headers if h not in used and key(h) == normalize_text(want)]
                if match:
                    found[col.name] = match[0]
                    used.add(match[0])
                    break
    generate_ids = False
    for col in columns:
        if col.required and col.name not in found:
            if layer == "facilities" and col.name == "facility_id":
                generate_ids = True  # from kind, name and place
                continue
            tried = ", ".join((col.name, *col.aliases))
            hint = did_you_mean(col, headers, used)
            raise InputError.of(
                "in.no_column", file, layer, column=col.name, field=col.name,
                label=Msg(f"field.{col.name}"), tried=tried, headers=", ".join(headers) or "—",
                hint=Msg("in.hint", {"hint": hint}) if hint else "")
    return found, generate_ids


def did_you_mean(col: Column, headers: list[str], used: set[str]) -> Msg | None:
    """``Is 'longtitude' meant to be 'lon'?`` when a free header is close to a column's names.

    Parameters
    ----------
    col : Column
        The schema column looked for.
    headers : list of str
        The file's headers.
    used : set of str
        Headers already matched to other columns (not offered).

    Returns
    -------
    Msg or None
        The ``in.did_you_mean`` message, or None when no header is close (difflib
        ratio below 0.85).
    """
    free = {normalize_text(h): h for h in headers if h not in used}
    for want in (col.name, *col.aliases):
        close = difflib.get_close_matches(normalize_text(want), list(free), n=1, cutoff=0.85)
        if close:
            return Msg("in.did_you_mean", {"header": free[close[0]], "field": col.name})
    return None


def known_keys(layer: str) -> set[str]:
    """The :func:`header_key` of every name and alias of a layer's columns (with WKT)."""
    return {header_key(n) for c in (*LAYERS[layer], WKT_COLUMN) for n in (c.name, *c.aliases)}


def header_key(header: object) -> str:
    """A header as compared with the schema: normalised, a trailing unit in brackets
    dropped (``"常住人口（人）"`` -> ``"常住人口"``, ``"经度(°)"`` -> ``"经度"``)."""
    key = normalize_text(header)
    return _UNIT.sub("", key) or key
