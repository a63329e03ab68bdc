"""Scenario edits: what a planner may change, checked against a region and applied to it.

An :class:`Edit` adds (optionally with staff), moves or closes a facility, adds staff to
one (GPs, nurses, village doctors: R8), or sets a village's service mode (touring,
dispatched staff, neighbour extension) or its population. :func:`validate_edit` checks
an edit against the region as it stands before it (ids, kinds, whole numbers) and fills
in defaults (a new facility's id and name); :func:`apply_edits` returns a copy of a
region with edits applied. Closing an existing primary-care institution warns with
001 §二(一)1 (keep existing primary-care institutions): :func:`close_warnings`.

Coordinates of edits are in the region's metric CRS (metres).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from planning.crs import WGS84
from planning.errors import InputError, Msg
from planning.region import Region
from planning.rules.base import column_array, keep_subsets, object_array
from planning.schema import (CLINIC_KINDS, FACILITY_KIND_ZH, LAYERS, SERVICE_MODE_ALIASES,
                             FacilityKind, facility_name_for_village, normalize_text,
                             parse_facility_kind)
from planning.words import SERVICE_MODES, STRINGS, counted, kind_name, listing, pair_word, t

__all__ = ["Edit", "OPS", "STAFF_COLUMNS", "apply_edits", "validate_edit", "auto_name",
           "close_warnings", "staff_text"]

Op = Literal["add", "move", "close", "staff", "service_mode", "population"]
OPS = ("add", "move", "close", "staff", "service_mode", "population")
#: staff columns a scenario may add to (``staff`` edits, ``add`` with staff)
STAFF_COLUMNS = ("gps", "nurses", "village_doctors")
#: kinds whose closing warns: existing primary-care institutions (001 §二(一)1)
PRIMARY_CARE_KINDS = frozenset({FacilityKind.TOWNSHIP_HEALTH_CENTRE.value,
                                FacilityKind.COMMUNITY_HEALTH_CENTRE.value,
                                FacilityKind.COMMUNITY_HEALTH_STATION.value,
                                FacilityKind.VILLAGE_CLINIC.value,
                                FacilityKind.VILLAGE_SERVICE_POINT.value})
KEEP_CLAUSE = "001 §二(一)1"


@dataclass(frozen=True)
class Edit:
    """One scenario edit.

    Attributes
    ----------
    op : {"add", "move", "close", "staff", "service_mode", "population"}
    facility_id : str, optional
        The facility added (its new id), moved, closed or given staff.
    village_id : str, optional
        The village whose ``service_mode`` or ``population`` is set.
    kind : str, optional
        Facility kind value (``"village_clinic"`` …) of an added facility.
    name : str, optional
        Name of an added facility.
    x, y : float, optional
        Position of an added or moved facility, region CRS, metres.
    value : str, int, dict or None
        The service mode value (None clears it), the population (residents), or staff
        ``{"gps": 2, "nurses": 1}``: added to a facility (``staff``) or an added
        facility's own (``add``; None: no staff figures).
    """

    op: Op
    facility_id: str | None = None
    village_id: str | None = None
    kind: str | None = None
    name: str | None = None
    x: float | None = None
    y: float | None = None
    value: object = None

    def describe(self, lang: str = "zh") -> str:
        """A one-line description in ``lang`` (``"zh"`` or ``"en"``), for an undo list and
        the report (words: ``edit.*`` of :data:`planning.words.STRINGS`)."""
        if self.op == "add":
            text = t("edit.add", lang, kind=kind_name(str(self.kind), lang, sentence=True),
                     name=self.name)
            return text + (t("edit.with_staff", lang, staff=staff_text(self.value, lang))
                           if self.value else "")
        if self.op == "staff":
            return t("edit.staff", lang, id=self.facility_id, staff=staff_text(self.value, lang))
        if self.op in ("move", "close"):
            return t(f"edit.{self.op}", lang, id=self.facility_id)
        if self.op == "service_mode":
            mode = pair_word(SERVICE_MODES, self.value, lang) if self.value else t("edit.none", lang)
            return t("edit.service_mode", lang, id=self.village_id, mode=mode)
        return t("edit.population", lang, id=self.village_id, n=self.value)


def apply_edits(base: Region, edits: list[Edit]) -> Region:
    """A copy of ``base`` with ``edits`` applied in order.

    Parameters
    ----------
    base : Region
        The region before the edits (metric CRS, metres).
    edits : list of Edit
        Validated edits (:func:`validate_edit`); positions in ``base.crs``.

    Returns
    -------
    Region
        A copy: added facilities (``source="scenario"``, lon/lat in WGS84) after the
        base's rows, moved or closed ones, staff added, villages' service modes and
        populations set. Every column keeps its type (an added facility's unknown
        values are missing values of the column's type). Layers the edits do not change
        are copies sharing the base's data until written (pandas' copy-on-write).
    """
    # each facility's final state first (one pass over the table at the end, however
    # many edits): rows added, base facilities' last positions, staff added to them in
    # order, closed ones; village edits are replayed in order (a value set and then
    # cleared leaves the column's type as it was then)
    added: dict[str, dict] = {}
    moved: dict[str, tuple[float, float, float, float]] = {}
    staffed: list[tuple[str, str, float]] = []
    closed: set[str] = set()
    village_edits = [e for e in edits if e.op in ("service_mode", "population")]
    to_wgs = _to_wgs84(base.crs) if any(e.op in ("add", "move") for e in edits) else None
    for e in edits:
        if e.op == "add":
            row = {c.name: None for c in LAYERS["facilities"]}
            lon, lat = to_wgs.transform(e.x, e.y)
            row.update(facility_id=e.facility_id, name=e.name, kind=e.kind, standardized=True,
                       lon=lon, lat=lat, source="scenario", origin=f"scenario:{e.facility_id}",
                       geometry=shapely.Point(e.x, e.y))
            row.update({c: float(n) for c, n in (e.value or {}).items()})
            added[e.facility_id] = row
        elif e.op == "staff":
            for col, n in e.value.items():
                if e.facility_id in added:
                    r = added[e.facility_id]
                    r[col] = (r[col] or 0.0) + n
                else:
                    staffed.append((e.facility_id, col, n))
        elif e.op == "move":
            lon, lat = to_wgs.transform(e.x, e.y)
            if e.facility_id in added:
                added[e.facility_id].update(geometry=shapely.Point(e.x, e.y), lon=lon, lat=lat)
            else:
                moved[e.facility_id] = (e.x, e.y, lon, lat)
        elif e.op == "close":
            if added.pop(e.facility_id, None) is None:
                closed.add(e.facility_id)
    vil = base.villages.copy(deep=False)      # (written below: copied on write)
    for e in village_edits:
        vil.loc[vil["village_id"] == e.village_id, e.op] = e.value
    fac = _edited_facilities(base.facilities, list(added.values()), moved, staffed, closed)
    keep_subsets(fac)      # a state's table is never written: the rules share its subsets

    def cp(gdf):
        return None if gdf is None else gdf.copy(deep=False)

    region = Region(base.name, base.crs, cp(base.townships), vil, fac, cp(base.districts),
                    list(base.problems), dict(base.sources), base.roads_path)
    region.networks = dict(base.networks)
    return region


def _to_wgs84(crs: pyproj.CRS) -> pyproj.Transformer:
    """The transformer from ``crs`` to WGS84 (longitude, latitude), made once per CRS
    object (kept by identity: hashing a CRS writes its WKT)."""
    kept = _TO_WGS84.get(id(crs))
    if kept is None or kept[0] is not crs:
        if len(_TO_WGS84) >= 8:
            _TO_WGS84.clear()
        kept = _TO_WGS84[id(crs)] = (crs, pyproj.Transformer.from_crs(crs, WGS84, always_xy=True))
    return kept[1]


_TO_WGS84: dict[int, tuple[pyproj.CRS, pyproj.Transformer]] = {}


def _edited_facilities(fac: gpd.GeoDataFrame, added: list[dict],
                       moved: dict[str, tuple[float, float, float, float]],
                       staffed: list[tuple[str, str, float]], closed: set[str]) -> gpd.GeoDataFrame:
    """``fac`` with the rows in ``closed`` left out, ``moved`` ones at their new place
    (x, y metres, lon, lat degrees), ``staffed`` counts added and the ``added`` rows
    (dicts by column) appended: built column by column from the base's arrays, each
    column keeping its type (no frame per row, no type inference)."""
    if not (added or moved or staffed or closed):
        return fac.copy(deep=False)
    ids = fac["facility_id"]
    keep = np.flatnonzero(~ids.isin(closed).to_numpy(bool)) if closed else None
    # every row of a facility moved or given staff (a repeated id: each of its rows)
    touched = set(moved) | {fid for fid, _, _ in staffed}
    hit = np.flatnonzero(ids.isin(touched).to_numpy(bool)) if touched else np.array([], dtype=np.int64)
    at: dict[str, list[int]] = {}
    for fid, i in zip(ids.to_numpy(object)[hit].tolist(), hit.tolist()):
        at.setdefault(fid, []).append(i)
    changed: dict[str, dict[int, object]] = {}     # column -> position -> value
    if moved:
        changed[fac.geometry.name] = {i: shapely.Point(x, y) for f, (x, y, _, _) in moved.items()
                                      for i in at[f]}
        for col, k in (("lon", 2), ("lat", 3)):
            if col in fac:
                changed[col] = {i: w[k] for f, w in moved.items() for i in at[f]}
    for fid, col, k in staffed:
        column = changed.setdefault(col, {})
        for i in at[fid]:
            column[i] = float(column[i] if i in column else fac[col].iloc[i]) + k
    if keep is None and not added:   # the other columns shared until written
        out = fac.copy(deep=False)
        for col, changes in changed.items():
            out[col] = _column(column_array(fac[col]), None, [], changes)
        return out
    columns = {col: _column(column_array(values), keep, [row.get(col, _ABSENT) for row in added],
                            changed.get(col, {}))
               for col, values in fac.items()}
    index = fac.index if keep is None else fac.index.take(keep)
    if added:
        if pd.api.types.is_integer_dtype(fac.index):
            start = int(fac.index.max()) + 1 if len(fac) else 0
            index = index.append(pd.RangeIndex(start, start + len(added)))
        else:
            index = index.append(pd.Index([f"scenario:{r['facility_id']}" for r in added]))
    return gpd.GeoDataFrame(columns, index=index, geometry=fac.geometry.name, crs=fac.crs,
                            copy=False)


#: a column an added facility's row does not have (a missing value, as a concatenation gives)
_ABSENT = object()


def _column(arr, keep: np.ndarray | None, news: list, changes: dict[int, object]):
    """One column of :func:`_edited_facilities`: ``arr`` (a column's array) with
    ``changes`` (position -> value) written, rows ``keep`` kept (None: all) and
    ``news`` appended, in ``arr``'s type where it holds the values (staff counts added to
    whole numbers: floats; a missing value in integers: objects)."""
    if changes:
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "iub" \
                and any(isinstance(v, float) for v in changes.values()):
            arr = arr.astype(float)
        arr = arr.copy()
        arr[list(changes)] = object_array(changes.values()) if arr.dtype == object \
            else list(changes.values())
    if keep is not None:
        arr = arr.take(keep)
    if not news:
        return arr
    news = [None if v is _ABSENT else v for v in news]
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iub" and any(v is None for v in news):
        arr = arr.astype(object)
    if isinstance(arr, np.ndarray):
        add = np.empty(len(news), dtype=arr.dtype)
        add[:] = [np.nan if v is None and arr.dtype.kind == "f" else v for v in news] \
            if arr.dtype != object else object_array(news)
        return np.concatenate([arr, add])
    add = pd.array(news, dtype=arr.dtype) if not isinstance(arr.dtype, gpd.array.GeometryDtype) \
        else gpd.array.from_shapely(np.array(news, dtype=object), crs=arr.crs)
    out = type(arr)._concat_same_type([arr, add])
    data = getattr(out, "_pa_array", None)      # arrow data in one piece: the rules' takes
    if isinstance(data, pa.ChunkedArray) and data.num_chunks > 1:   # are faster on it
        out = type(out)(data.combine_chunks(), dtype=out.dtype)
    return out


def validate_edit(e: Edit, region: Region, previous: list[Edit]) -> Edit:
    """``e`` checked against ``region`` (the state before it), with defaults filled in.

    Parameters
    ----------
    e : Edit
    region : Region
        The region with the earlier edits applied (metric CRS, metres).
    previous : list of Edit
        The earlier edits (a new facility's id ``new-<n>`` is not reused).

    Returns
    -------
    Edit
        ``e`` with its kind, id, name, position (floats, region CRS) and value in
        canonical form.

    Raises
    ------
    InputError
        An unknown operation, kind, facility, village, service mode or staff column,
        or a count that is not a whole number (naming the column).
    """
    if e.op not in OPS:
        raise InputError.at(f"unknown scenario edit {e.op!r}; use one of {', '.join(OPS)}")
    fac, vil = region.facilities, region.villages
    if e.op == "add":
        kind = parse_facility_kind(e.kind) if e.kind is not None else FacilityKind.VILLAGE_CLINIC
        if kind is None:
            raise InputError.at(f"unknown facility kind {e.kind!r}", column="kind")
        fid = e.facility_id
        if fid is None:
            used = set(fac["facility_id"].astype(str).tolist()) | {p.facility_id for p in previous}
            n = sum(p.op == "add" for p in previous) + 1
            while f"new-{n}" in used:
                n += 1
            fid = f"new-{n}"
        elif _has(fac["facility_id"], fid):
            raise InputError.at(f"facility id {fid!r} already exists", column="facility_id")
        name = e.name or auto_name(region, e.x, e.y, kind.value)
        staff = _staff_value(e.value, allow_negative=False) if e.value else None
        return replace(e, kind=kind.value, facility_id=str(fid), name=name,
                       x=float(e.x), y=float(e.y), value=staff)
    if e.op == "staff":
        if not _has(fac["facility_id"], e.facility_id):
            raise InputError.at(f"no open facility with id {e.facility_id!r} in this scenario",
                                column="facility_id")
        staff = _staff_value(e.value, allow_negative=True)
        row = fac[fac["facility_id"].astype(str) == e.facility_id].iloc[0]
        for col, n in staff.items():
            have = pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]
            if not np.isfinite(have):
                raise InputError.at(f"the {col} of facility {e.facility_id!r} ({row['name']}) are "
                                    "unknown; give its count in the facility file first",
                                    column=col)
            if have + n < 0:
                raise InputError.at(f"facility {e.facility_id!r} has {have:g} {col}; cannot take "
                                    f"away {-n}", column=col)
        return replace(e, value=staff)
    if e.op in ("move", "close"):
        if not _has(fac["facility_id"], e.facility_id):
            raise InputError.at(f"no open facility with id {e.facility_id!r} in this scenario",
                                column="facility_id")
        return e
    if not _has(vil["village_id"], e.village_id):
        raise InputError.at(f"no village with id {e.village_id!r}", column="village_id")
    if e.op == "service_mode":
        if e.value in (None, ""):
            return replace(e, value=None)
        mode = SERVICE_MODE_ALIASES.get(e.value) or next(
            (m for a, m in SERVICE_MODE_ALIASES.items()
             if normalize_text(a) == normalize_text(e.value)), None)
        if mode is None:
            raise InputError.at(f"unknown service mode {e.value!r}; use touring (巡回医疗), "
                                "dispatched (派驻) or neighbour_extension (邻村延伸)",
                                column="service_mode")
        return replace(e, value=mode.value)
    try:
        pop = float(e.value)
    except (TypeError, ValueError):
        pop = float("nan")
    if not np.isfinite(pop) or pop < 0 or pop != int(pop):
        raise InputError.at(f"population must be a whole number >= 0, got {e.value!r}",
                            column="population")
    return replace(e, value=int(pop))


def _has(ids: pd.Series, value) -> bool:
    """Whether ``value`` is one of ``ids`` (compared as text)."""
    return value is not None and bool(ids.astype(str).isin([str(value)]).any())


def _staff_value(value, allow_negative: bool) -> dict[str, int]:
    """``{"gps": 2, …}`` checked: known columns, whole numbers (zeros dropped)."""
    if not isinstance(value, dict) or not value:
        raise InputError.at(f"staff must be given as {{column: number}} with columns "
                            f"{', '.join(STAFF_COLUMNS)}, got {value!r}", column="staff")
    out = {}
    for col, n in value.items():
        if col not in STAFF_COLUMNS:
            raise InputError.at(f"unknown staff column {col!r}; use {', '.join(STAFF_COLUMNS)}",
                                column=str(col))
        try:
            f = float(n)
        except (TypeError, ValueError):
            f = float("nan")
        if isinstance(n, bool) or not np.isfinite(f) or f != int(f) or (f < 0 and not allow_negative):
            raise InputError.at(f"{col} must be a whole number{'' if allow_negative else ' >= 0'}, "
                                f"got {n!r}", column=col)
        if int(f):
            out[col] = int(f)
    if not out and allow_negative:
        raise InputError.at("a staff edit must change at least one count", column="staff")
    return out


def staff_text(staff: dict | None, lang: str = "zh") -> str:
    """Staff counts in words: ``{"gps": 2}`` -> 全科医生2名 / 2 GPs (a negative count
    keeps its sign)."""
    parts = []
    for col, n in (staff or {}).items():
        text = counted(f"edit.staff.{col}", abs(n), lang) if f"edit.staff.{col}" in STRINGS \
            else f"{col} {abs(n):,}"
        parts.append(text.replace(f"{abs(n):,}", f"-{abs(n):,}", 1) if n < 0 else text)
    return listing(parts, lang)


def auto_name(region: Region, x: float, y: float, kind: str = "village_clinic") -> str:
    """A name after the nearest village (straight distance) to ``(x, y)`` (region CRS,
    metres): 八间村委会 -> 八间村卫生室.

    Village clinics get "卫生室", other kinds their Chinese kind name.
    """
    vil = region.villages
    suffix = "卫生室" if kind in {k.value for k in CLINIC_KINDS} else FACILITY_KIND_ZH[FacilityKind(kind)]
    if len(vil) == 0:
        return f"新{suffix}"
    d = shapely.distance(vil.geometry.values, shapely.Point(x, y))
    return facility_name_for_village(str(vil["name"].iloc[int(np.argmin(d))]), suffix)


def close_warnings(e: Edit, base: Region) -> list[Msg]:
    """The policy warning of closing an existing primary-care institution of ``base``
    (001 §二(一)1: keep existing primary-care institutions), or none: messages, written
    in a language by ``text(lang)``."""
    if e.op != "close":
        return []
    fac = base.facilities
    row = fac[fac["facility_id"] == e.facility_id]
    if row.empty or row["kind"].iloc[0] not in PRIMARY_CARE_KINDS:
        return []
    return [Msg("edit.keep_existing", {"kind_word": f"kind.{row['kind'].iloc[0]}",
                                       "name": str(row["name"].iloc[0]), "clause": KEEP_CLAUSE})]
