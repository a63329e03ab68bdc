"""Tables as a planner reads them: titled columns with units, numbers rounded to what they
mean, coded values in words, no column twice.

One place for every table a person reads — the Excel and CSV exports
(:mod:`planning.outputs.export`) and the app's tables (``ui/pages/tables.py``) — so a
figure reads the same in the browser and in the spreadsheet handed on. GIS files keep the
rules' full precision and column names (see :mod:`planning.outputs.export`).

Rounding (by the unit of :data:`planning.words.COLUMNS`): metres to 1, minutes to 0.1,
shares to 0.1 % (written as percent, 95.4 not 0.954), residents to whole people, rates per
10,000 or 1,000 residents to 0.01, staff to 0.1, square kilometres to 0.1, degrees to
0.000001 (about 0.1 m); a float column of no known unit keeps at most
:data:`OTHER_DECIMALS` decimals (whole numbers become integers).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.words import CODE_COLUMNS, COLUMNS, VALUES, column, render_units, t, value_word

#: decimals kept per unit (keys of :data:`planning.words.UNITS`)
DECIMALS: dict[str, int] = {"m": 0, "min": 1, "pct": 1, "residents": 0, "km2": 1,
                            "per10k": 2, "per1k": 2, "staff": 1, "deg": 6}
#: decimals of a float column without a known unit
OTHER_DECIMALS = 2
#: columns the rules' layers carry twice: column -> the columns it may repeat. It is left
#: out of a table when it equals one of them in every row (missing equals missing).
#: R2's ``clinic_distance_m`` is the distance the rule judged, i.e. the road distance (or
#: the straight one with ``measure = "straight"`` or without roads); R4's district units
#: carry the hard-to-reach residents as ``population`` (the residents concerned, as every
#: rule's units do), the same as ``hard_to_reach_residents``.
REPEATS: dict[str, tuple[str, ...]] = {
    "clinic_distance_m": ("clinic_road_m", "clinic_straight_m"),
    "population": ("hard_to_reach_residents",),
}
#: the columns left out of a table a person reads: the codes and parameters of the rules'
#: sentences (the sentences are there; GIS files keep the codes for scripts)
HIDDEN = CODE_COLUMNS


def unit(name: str) -> str:
    """The unit key of a column (``"m"``, ``"min"``, ``"pct"`` …; ``""`` for text and counts)."""
    entry = COLUMNS.get(name)
    return entry[2] if entry else ""


def decimals(name: str) -> int | None:
    """Decimals a column keeps once rounded (None: a column of no known unit)."""
    return DECIMALS.get(unit(name))


#: units whose figures are written with thousands separators (127,064 residents; 1,508 m)
GROUPED = ("residents", "m")


def number_format(name: str, excel: bool = False) -> str | None:
    """How a rounded column is displayed: a Python format (``"{:,.0f}"``, ``"{:.1f}"``) or,
    with ``excel``, an Excel number format (``"#,##0"``, ``"0.0"``); None for a column of
    no known unit. The decimals are :data:`DECIMALS`; residents and metres are grouped."""
    places = decimals(name)
    if places is None:
        return None
    grouped = unit(name) in GROUPED
    if excel:
        return ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
    return "{:" + ("," if grouped else "") + f".{places}f" + "}"


def without_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns of :data:`REPEATS` that repeat another column."""
    drop = []
    for col, others in REPEATS.items():
        if col not in frame:
            continue
        for other in others:
            if other in frame and _same(frame[col], frame[other]):
                drop.append(col)
                break
    return frame.drop(columns=drop)


def _same(a: pd.Series, b: pd.Series) -> bool:
    try:
        x = pd.to_numeric(a).astype(float).to_numpy()
        y = pd.to_numeric(b).astype(float).to_numpy()
    except (TypeError, ValueError):
        return bool((a.astype(object).fillna("\0") == b.astype(object).fillna("\0")).all())
    return bool(np.array_equal(x, y, equal_nan=True))


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers rounded to what they mean (see the module docstring), by column name.

    Shares (unit ``pct``, stored 0–1) become percent; columns rounded to whole numbers
    become nullable integers (``Int64``: missing stays missing). Other columns are kept.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns named as the rules name them (``clinic_road_m``, ``share_within`` …).

    Returns
    -------
    pandas.DataFrame
        A copy.
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        if pd.api.types.is_integer_dtype(values):
            continue
        values = values.astype(float)
        if unit(col) == "pct":
            values = values * 100
        places = decimals(col)
        if places is None:
            known = values.dropna()
            places = 0 if len(known) and (known == known.round(0)).all() else OTHER_DECIMALS
        values = values.round(places)
        out[col] = values.astype("Int64") if places == 0 else values
    return out


def readable(frame: pd.DataFrame, lang: str = "zh", *, titles: bool = True) -> pd.DataFrame:
    """A rule's table as a person reads it, in ``lang``: sentences written from the codes
    (:func:`planning.words.render_units`), then :func:`tidy`.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A rule's units or layer (any CRS; the geometry is dropped).
    lang : {"zh", "en"}
    titles : bool
        Rename the columns to their titles (:func:`planning.words.column`); False keeps
        the names.

    Returns
    -------
    pandas.DataFrame
    """
    out = render_units(frame, lang)
    if isinstance(out, gpd.GeoDataFrame) and out.active_geometry_name is not None:
        out = out.drop(columns=out.active_geometry_name)
    return tidy(pd.DataFrame(out), lang, titles=titles)


def tidy(frame: pd.DataFrame, lang: str = "zh", *, titles: bool = True) -> pd.DataFrame:
    """A table whose sentences are written, made readable: codes and parameters left out
    (:data:`HIDDEN`), repeated columns left out (:data:`REPEATS`), numbers rounded
    (:func:`rounded`), coded values in words (status, kind, coverage, mode …), yes/no for
    true/false, headers titled with units (unless ``titles`` is False).

    Returns
    -------
    pandas.DataFrame
        A copy.
    """
    out = rounded(without_repeats(frame.drop(columns=[c for c in HIDDEN if c in frame])))
    for col in out.columns:
        if col in VALUES:
            out[col] = [value_word(col, v, lang) for v in out[col]]
        elif pd.api.types.is_bool_dtype(out[col]) or _bools(out[col]):
            out[col] = pd.Series([yes_no(v, lang) for v in out[col]], index=out.index, dtype=object)
    if titles:
        out.columns = [column(c, lang) for c in out.columns]
    return out


def yes_no(value, lang: str = "zh"):
    """是/否 (yes/no) for a truth value; missing stays missing (None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return t("about.yes" if bool(value) else "about.no", lang)


def _bools(col: pd.Series) -> bool:
    if col.dtype != object:
        return False
    known = col.dropna()
    return bool(len(known)) and all(isinstance(v, (bool, np.bool_)) for v in known)
