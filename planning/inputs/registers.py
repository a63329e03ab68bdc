"""Facility registers without coordinates: place each row at its village or township seat.

A health commission's facility list (机构名册) often gives each facility's name, kind and
the village or township it belongs to, but no longitude/latitude. :func:`place_unlocated`
links such rows to the villages and townships layers and puts each at a seat:

1. the **village**, by its 12-digit code (``village_id``, 所属村代码), else by name
   (所属村 …) — first exactly, then normalised: full-width/half-width and spaces folded
   (:func:`planning.schema.normalize_text`) and the suffixes 村, 村委会, 村民委员会, 社区,
   居委会, 社区居委会, 居民委员会 dropped, so 八间村委会, 八间村 and ８ 间村 all match 八间. A
   name is looked up among the villages of the row's township when the row names one,
   so two villages called 东村 in different townships are told apart;
2. else the **township**, by code (``township_id``; a 12-digit ``…000`` form of a
   9-digit code also matches), else by name (exactly, then normalised, dropping 镇, 乡,
   街道, 街道办事处).

The **village seat** is the village's point in the villages layer. The **township seat**
is the township polygon's representative point (:func:`shapely.point_on_surface`): always
inside the polygon, so rule R1 counts a placed health centre in its own township. (The
layers do not carry the township government's position; where the seat matters, give
coordinates.) Placed rows get ``source = "assumed"`` and ``placed_at`` (``"village_seat"``
or ``"township_seat"``); every row that cannot be linked is set aside with an ``error``
:class:`~planning.errors.Problem` saying why, and a row placed at its township because its
village was not found gets a ``warning``.

:func:`planning.inputs.read.read_register` reads a facility file whose rows may lack
coordinates (some or all) and returns the located rows as read plus the placed ones.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.errors import Msg, Problem
from planning.schema import LAYERS, normalize_text

__all__ = ["place_unlocated", "has_link_columns", "village_key", "township_key",
           "VILLAGE_NAME_HEADERS", "TOWNSHIP_NAME_HEADERS", "ASSUMED"]

#: the ``source`` of a placed row
ASSUMED = "assumed"
#: headers of a facility's village name, canonical first (compared after normalize_text)
VILLAGE_NAME_HEADERS = ("village", "所属村", "所属村居", "所属行政村", "所属村委会", "所属社区",
                        "村名", "村名称", "村居名称", "行政村", "村")
#: headers of a facility's township name, canonical first
TOWNSHIP_NAME_HEADERS = ("township", "所属乡镇", "所属街道", "所属乡镇街道", "乡镇名称", "乡镇",
                         "街道", "乡镇街道")
_VILLAGE_SUFFIXES = ("社区居民委员会", "社区居委会", "村民委员会", "居民委员会", "村委会", "居委会",
                     "社区", "村")
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def has_link_columns(headers) -> bool:
    """Whether a facility table has a column saying where a row belongs (village or
    township code or name), so rows without coordinates can be placed.

    Parameters
    ----------
    headers : iterable of str
        The table's headers as written (Chinese or English, any width).
    """
    facility = {c.name: c for c in LAYERS["facilities"]}
    wanted = {normalize_text(h) for h in (*VILLAGE_NAME_HEADERS, *TOWNSHIP_NAME_HEADERS)}
    for name in ("village_id", "township_id"):
        wanted |= {normalize_text(h) for h in (name, *facility[name].aliases)}
    return any(normalize_text(h) in wanted for h in headers)


def village_key(name: object) -> str:
    """A village name normalised for matching: 八间村委会, 八间村, ``"８间 村"`` -> 八间.

    Folds full-width characters and spaces (:func:`~planning.schema.normalize_text`) and
    drops the suffixes 村/村委会/村民委员会/社区/居委会/社区居委会/居民委员会, repeatedly
    (李三元村村委会 -> 李三元), but never down to an empty name.
    """
    return _strip(normalize_text(name or ""), _VILLAGE_SUFFIXES)


def township_key(name: object) -> str:
    """A township name normalised for matching: 大口屯镇 / 大口屯 -> 大口屯, 海滨街道 -> 海滨."""
    return _strip(normalize_text(name or ""), _TOWNSHIP_SUFFIXES)


def _strip(text: str, suffixes: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for s in suffixes:
            if text.endswith(s) and len(text) > len(s):
                text, changed = text[: -len(s)], True
                break
    return text


def place_unlocated(frame: pd.DataFrame, villages: gpd.GeoDataFrame,
                    townships: gpd.GeoDataFrame, *, file: str | None = None,
                    layer: str = "facilities") -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Place facility rows without coordinates at their village or township seat.

    Parameters
    ----------
    frame : pandas.DataFrame
        Facility rows (as :func:`planning.inputs.read.read_layer` types them; any geometry is
        ignored): ``facility_id``, ``name``, ``kind``, optional ``village_id`` and
        ``township_id`` (codes as text), a village name column and a township name column
        (see :data:`VILLAGE_NAME_HEADERS`, :data:`TOWNSHIP_NAME_HEADERS`), and ``origin``
        (``"<file>:<row>"``) for messages.
    villages : geopandas.GeoDataFrame
        Village seats (points) with ``village_id``, ``name`` and, when known,
        ``township_id``; villages without one get the township whose polygon holds them.
    townships : geopandas.GeoDataFrame
        Township polygons with ``township_id`` and ``name``, any CRS (converted to the
        villages' CRS).
    file : str, optional
        File name for messages (default: from ``origin``).
    layer : str
        Layer name for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The linked rows, in the villages' CRS, at their seat, with ``source = "assumed"``,
        ``placed_at`` (``"village_seat"`` / ``"township_seat"``) and ``village_id`` /
        ``township_id`` filled in. Unlinked rows are left out.
    list of Problem
        An ``error`` per unlinked row (why), a ``warning`` per row placed at its township
        because its village was not found, and one ``info`` with the counts.
    """
    crs = villages.crs
    towns = townships.to_crs(crs) if townships.crs != crs else townships
    index = _Index(villages, towns)
    vcol = _header(frame, VILLAGE_NAME_HEADERS)
    tcol = _header(frame, TOWNSHIP_NAME_HEADERS)
    rows, geoms, problems = [], [], []
    counts = {"village_seat": 0, "township_seat": 0}
    for pos, row in enumerate(frame.to_dict("records")):
        where_file, where_row = _where(row.get("origin"), pos, file)

        def note(level, key, column=None, _f=where_file, _r=where_row, **fields):
            problems.append(Problem.of(level, key, _f, layer, _r, column, **fields))

        link = index.link(_code(row.get("village_id")), _text(row.get(vcol)) if vcol else None,
                          _code(row.get("township_id")), _text(row.get(tcol)) if tcol else None)
        name = _text(row.get("name")) or row.get("facility_id")
        if link.where is None:
            note("error", "in.reg.no_coords", link.column or vcol or "village_id", name=name,
                 why=link.why)
            continue
        if link.why:  # placed at the township although a village was named
            note("warning", "in.reg.at_township", link.column, name=name, why=link.why,
                 town=index.town_name[link.township_id])
        out = dict(row)
        out.update(source=ASSUMED, placed_at=link.where, township_id=link.township_id,
                   village_id=link.village_id if link.village_id else row.get("village_id"))
        rows.append(out)
        geoms.append(link.point)
        counts[link.where] += 1
    if rows:
        problems.append(Problem.of("info", "in.reg.placed", file, layer, n=len(rows),
                                   at_village=counts["village_seat"],
                                   at_town=counts["township_seat"]))
    columns = [c for c in frame.columns if c != "geometry"] + \
        [c for c in ("source", "placed_at") if c not in frame.columns]
    out = pd.DataFrame(rows, columns=columns).drop(columns="geometry", errors="ignore")
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs), problems


# --------------------------------------------------------------------------- linking


class _Link:
    """Where a row was linked: ``where`` is None when it could not be, ``why`` says why
    (or, when placed at the township, why not at the village)."""

    def __init__(self, where=None, point=None, village_id=None, township_id=None, why=(),
                 column=None):
        self.where, self.point, self.why, self.column = where, point, why, column
        self.village_id, self.township_id = village_id, township_id


class _Index:
    """Lookups of villages and townships by code, exact name and normalised name."""

    def __init__(self, villages: gpd.GeoDataFrame, towns: gpd.GeoDataFrame):
        self.town_name = dict(zip(towns["township_id"].astype(str), towns["name"].astype(str)))
        seats = shapely.point_on_surface(towns.geometry.values)
        self.town_seat = dict(zip(towns["township_id"].astype(str), seats))
        self.town_names = _lookup(towns["township_id"].astype(str), towns["name"], township_key)
        tid = villages["township_id"] if "township_id" in villages else \
            pd.Series(None, index=villages.index, dtype=object)
        missing = tid.isna()
        if missing.any():  # villages not yet linked: the township polygon holding them
            joined = gpd.sjoin(villages.loc[missing, ["geometry"]],
                               towns[["township_id", "geometry"]], how="left",
                               predicate="intersects")
            joined = joined[~joined.index.duplicated(keep="first")]
            tid = tid.astype(object).copy()
            tid[missing] = joined["township_id"].reindex(tid[missing].index).to_numpy()
        ids = villages["village_id"].astype(str)
        self.village_point = dict(zip(ids, villages.geometry.values))
        self.village_town = dict(zip(ids, [None if pd.isna(t) else str(t) for t in tid]))
        self.village_name = dict(zip(ids, villages["name"].astype(str)))
        self.village_names = _lookup(ids, villages["name"], village_key)

    def township(self, code: str | None, name: str | None) -> tuple[str | None, list[Msg]]:
        """(township id, why not found)."""
        if code:
            for c in (code, code[:9] if len(code) == 12 and code.endswith("000") else None,
                      code + "000" if len(code) == 9 else None):
                if c and c in self.town_seat:
                    return c, []
        if name:
            found, why = _by_name(self.town_names, name, township_key, "township")
            if found:
                return found, []
            return None, why
        return None, [Msg("in.reg.town_code", {"code": code})] if code else []

    def link(self, vcode, vname, tcode, tname) -> _Link:
        town, town_why = self.township(tcode, tname)
        why, column = [], None
        if vcode:
            if vcode in self.village_point:
                return self._at_village(vcode)
            why, column = [Msg("in.reg.village_code", {"code": vcode})], "village_id"
        if vname:
            scope = None if town is None else town
            found, name_why = _by_name(self.village_names, vname, village_key, "village",
                                       scope=scope, town_of=self.village_town,
                                       scope_name=self.town_name.get(town))
            if found:
                return self._at_village(found)
            why, column = why + name_why, None
        if town is not None:
            return _Link("township_seat", self.town_seat[town], None, town, why, column)
        reasons = why + town_why
        if not (vcode or vname or tcode or tname):
            reasons = [Msg("in.reg.nothing_given")]
        return _Link(why=reasons, column=column)

    def _at_village(self, vid: str) -> _Link:
        return _Link("village_seat", self.village_point[vid], vid, self.village_town.get(vid))


def _lookup(ids: pd.Series, names: pd.Series, key) -> dict[str, dict[str, list[str]]]:
    """``{"exact": {name: [ids]}, "key": {normalised: [ids]}}``."""
    exact: dict[str, list[str]] = {}
    keyed: dict[str, list[str]] = {}
    for i, n in zip(ids, names):
        if pd.isna(n):
            continue
        exact.setdefault(str(n).strip(), []).append(i)
        keyed.setdefault(key(n), []).append(i)
    return {"exact": exact, "key": keyed}


def _by_name(table: dict, name: str, key, what: str, *, scope: str | None = None,
             town_of: dict | None = None,
             scope_name: str | None = None) -> tuple[str | None, list[Msg]]:
    """The one id whose name matches (exact, then normalised), or None and why."""
    within = Msg("in.reg.within", {"scope": scope_name}) if scope else ""
    fields = {"what": Msg(f"in.reg.what.{what}"), "name": name, "within": within}
    for found in (table["exact"].get(name.strip(), []), table["key"].get(key(name), [])):
        if scope is not None:
            found = [i for i in found if town_of.get(i) == scope]
        if len(found) == 1:
            return found[0], []
        if len(found) > 1:
            return None, [Msg("in.reg.name_many", {**fields, "n": len(found),
                                                   "ids": ", ".join(found[:5])})]
    return None, [Msg("in.reg.name_none", fields)]


def _header(frame: pd.DataFrame, names: tuple[str, ...],
            column_map: dict[str, str] | None = None) -> str | None:
    """The frame's column for one of ``names`` (column_map first, then in order)."""
    for theirs, canonical in (column_map or {}).items():
        if canonical == names[0]:
            hit = [c for c in frame.columns if normalize_text(c) == normalize_text(theirs)]
            if hit:
                return hit[0]
    for want in names:
        hit = [c for c in frame.columns if normalize_text(c) == normalize_text(want)]
        if hit:
            return hit[0]
    return None


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _code(value: object) -> str | None:
    text = _text(value)
    if text and text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def _where(origin: object, pos: int, file: str | None) -> tuple[str | None, int]:
    """(file, 1-based row) from an ``origin`` such as ``"list.xlsx:12"``."""
    if isinstance(origin, str) and ":" in origin:
        label, _, row = origin.rpartition(":")
        if row.isdigit():
            return file or label.split("#", 1)[0], int(row)
    return file, pos + 1
