"""Scenarios: a base region plus an ordered list of edits, re-assessed at once.

A :class:`Scenario` holds the base :class:`~planning.region.Region` and edits — add
(optionally with staff), move or close a facility, add staff to a facility (GPs, nurses,
village doctors: R8), set a village's service mode (touring, dispatched staff, neighbour
extension) or its population — with an undo/redo cursor. :meth:`Scenario.apply`
returns a copy of the region with the active edits applied; :meth:`Scenario.assess`
re-runs the rules reusing the base's prepared engines (road networks never change in a
scenario, only facilities and village attributes do):

* a rule whose inputs (the villages table and the facility kinds the rule reads) are
  unchanged is not re-run: its result is reused;
* travel costs come from the base's :class:`~planning.travel.access.ScenarioAccess`:
  nearest-facility costs and the R3 display polygon updated incrementally through
  edits, catchments (R8) kept per facility, so an added or moved facility costs one
  bounded search and a staff edit none.

:func:`compare` tells, per rule, which units newly pass or fail and the residents
concerned, with the delta layers ``newly_covered``, ``newly_uncovered`` and
``still_uncovered``. Closing an existing primary-care institution warns with
001 §二(一)1 (keep existing primary-care institutions).

Scenarios save to a GeoPackage (layer ``scenario_edits`` plus the table
``scenario_meta``) atomically: written to a temporary file in the same folder, flushed
to disk, then renamed over the target, so a crash mid-save leaves the previous file.

Coordinates of edits are in the region's metric CRS (metres); the ``lon``/``lat``
arguments take WGS84 degrees (what a web map click gives).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from planning._atomic import atomic_path
from planning.travel.access import Access, access_for
from planning.rules.assess import Assessment, assess as _assess
from planning.crs import WGS84
from planning.errors import InputError
from planning.region import known_sum
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.rules import FAIL, RULES
from planning.schema import (CLINIC_KINDS, FACILITY_KIND_ZH, LAYERS, SERVICE_MODE_ALIASES,
                             FacilityKind, facility_name_for_village, normalize_text,
                             parse_facility_kind)

Op = Literal["add", "move", "close", "staff", "service_mode", "population"]
OPS = ("add", "move", "close", "staff", "service_mode", "population")
#: staff columns a scenario may add to (``staff`` edits, ``add`` with staff)
STAFF_COLUMNS = ("gps", "nurses", "village_doctors")
STAFF_ZH = {"gps": "全科医生", "nurses": "护士", "village_doctors": "乡村医生"}
#: kinds whose closing warns: existing primary-care institutions (001 §二(一)1)
PRIMARY_CARE_KINDS = frozenset({FacilityKind.TOWNSHIP_HEALTH_CENTRE.value,
                                FacilityKind.COMMUNITY_HEALTH_CENTRE.value,
                                FacilityKind.COMMUNITY_HEALTH_STATION.value,
                                FacilityKind.VILLAGE_CLINIC.value,
                                FacilityKind.VILLAGE_SERVICE_POINT.value})
KEEP_CLAUSE = "001 §二(一)1"
EDITS_LAYER, META_LAYER = "scenario_edits", "scenario_meta"
FORMAT_VERSION = 1


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

    def describe(self) -> str:
        """A one-line description in Chinese (for an undo list)."""
        if self.op == "add":
            text = f"新增{FACILITY_KIND_ZH[FacilityKind(self.kind)]}：{self.name}"
            return text + (f"（{_staff_text(self.value)}）" if self.value else "")
        if self.op == "staff":
            return f"机构 {self.facility_id} 增加{_staff_text(self.value)}"
        if self.op == "move":
            return f"移动机构 {self.facility_id}"
        if self.op == "close":
            return f"关闭机构 {self.facility_id}"
        if self.op == "service_mode":
            return f"村 {self.village_id} 服务方式设为 {self.value or '（无）'}"
        return f"村 {self.village_id} 人口设为 {self.value}"


class Scenario:
    """A base region plus an ordered list of edits with an undo/redo cursor.

    Parameters
    ----------
    base : Region
        The region as it is (metric CRS).
    name : str
        The scenario's display name.
    rulebook : Rulebook, optional
        Defaults to the Tianjin rulebook.
    access : Access, optional
        The base region's prepared travel costs (reused; built when omitted).
    base_assessment : Assessment, optional
        The base region's assessment with this rulebook, if already computed.

    Attributes
    ----------
    edits : list of Edit
        Every edit, including undone ones after the cursor.
    cursor : int
        Number of active edits (``edits[:cursor]``).
    created : str
        ISO time the scenario was created.
    """

    def __init__(self, base, name: str = "方案", rulebook: Rulebook | None = None,
                 access: Access | None = None, base_assessment: Assessment | None = None):
        self.base = base
        self.name = name
        self.rulebook = rulebook or load_rulebook()
        self.access = access or access_for(base)
        # straight-line estimates (no roads) are cheap enough to recompute for each edit
        self._scenario_access = self.access.for_scenarios()
        self._base_assessment = base_assessment
        self.edits: list[Edit] = []
        self.cursor = 0
        self.created = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._results: dict[tuple[str, str], object] = {}
        self._base_seeded: set[str] = set()  # rules whose base result seeds _results
        self._applied: tuple[int, tuple, object] | None = None

    # ------------------------------------------------------------------ editing
    @property
    def active(self) -> list[Edit]:
        """The edits in force (before the cursor)."""
        return self.edits[:self.cursor]

    def push(self, edit: Edit) -> Edit:
        """Validate ``edit`` against the current state and append it (drops the redo tail).

        Raises
        ------
        InputError
            Unknown facility or village id, unknown kind or service mode, bad population.
        """
        region = self.apply()
        edit = _validated(edit, region, self.active)
        self.edits = self.active + [edit]
        self.cursor = len(self.edits)
        return edit

    def add_facility(self, kind: str = "village_clinic", x: float | None = None,
                     y: float | None = None, *, lon: float | None = None,
                     lat: float | None = None, name: str | None = None,
                     staff: dict[str, int] | None = None) -> str:
        """Add a facility at (x, y) metres in the region CRS, or at WGS84 (lon, lat).

        Without ``name`` it is named after the nearest village ("XX村卫生室"). ``staff``
        opens it with staff, e.g. ``{"gps": 3, "nurses": 2}`` (columns of
        :data:`STAFF_COLUMNS`; others stay unknown). Returns the new facility's id
        (``"new-1"`` …).
        """
        x, y = self._xy(x, y, lon, lat)
        return self.push(Edit("add", kind=kind, name=name, x=x, y=y, value=staff)).facility_id

    def add_staff(self, facility_id: str, **staff: int) -> None:
        """Add staff to a facility, e.g. ``add_staff("F0008", gps=2)`` (negative numbers
        move staff away; the result must stay >= 0).

        Raises
        ------
        InputError
            Unknown facility or column, a number that is not whole, a facility whose
            count is unknown (set it in the facility file first), or a result below 0.
        """
        self.push(Edit("staff", facility_id=str(facility_id), value=dict(staff)))

    def move_facility(self, facility_id: str, x: float | None = None, y: float | None = None,
                      *, lon: float | None = None, lat: float | None = None) -> None:
        """Move a facility to (x, y) metres in the region CRS, or to WGS84 (lon, lat)."""
        x, y = self._xy(x, y, lon, lat)
        self.push(Edit("move", facility_id=str(facility_id), x=x, y=y))

    def close_facility(self, facility_id: str) -> list[str]:
        """Close a facility; returns the policy warnings this raises (may be empty)."""
        edit = self.push(Edit("close", facility_id=str(facility_id)))
        return _close_warnings(edit, self.base)

    def set_service_mode(self, village_id: str, mode: str | None) -> None:
        """Mark a village as served by touring / dispatched staff / neighbour extension
        (Chinese or English value), or clear it with None."""
        self.push(Edit("service_mode", village_id=str(village_id), value=mode))

    def set_population(self, village_id: str, population: int) -> None:
        """Set a village's population (residents)."""
        self.push(Edit("population", village_id=str(village_id), value=population))

    def undo(self) -> bool:
        """Step back one edit; False when there is nothing to undo."""
        if self.cursor == 0:
            return False
        self.cursor -= 1
        return True

    def redo(self) -> bool:
        """Step forward one edit; False when there is nothing to redo."""
        if self.cursor >= len(self.edits):
            return False
        self.cursor += 1
        return True

    @property
    def can_undo(self) -> bool:
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        return self.cursor < len(self.edits)

    def warnings(self) -> list[str]:
        """Policy warnings raised by the active edits (closing existing institutions)."""
        return [w for e in self.active for w in _close_warnings(e, self.base)]

    def _xy(self, x, y, lon, lat) -> tuple[float, float]:
        if lon is not None and lat is not None:
            t = pyproj.Transformer.from_crs(WGS84, self.base.crs, always_xy=True)
            x, y = t.transform(float(lon), float(lat))
        if x is None or y is None or not (np.isfinite(x) and np.isfinite(y)):
            raise InputError.at("a facility position needs x and y (metres) or lon and lat")
        return float(x), float(y)

    # ------------------------------------------------------------------ results
    def apply(self) -> "object":
        """A copy of the base region with the active edits applied (metric CRS)."""
        state = (self.cursor, tuple(self.edits[:self.cursor]))
        if self._applied is None or self._applied[:2] != state:
            self._applied = (*state, apply_edits(self.base, self.active))
        return self._applied[2]

    def base_assessment(self, rules: list[str] | None = None) -> Assessment:
        """The base region's assessment for ``rules`` (default all), each rule computed once."""
        want = rules or list(RULES)
        have = dict(self._base_assessment.results) if self._base_assessment else {}
        timings = dict(self._base_assessment.timings) if self._base_assessment else {}
        missing = [r for r in want if r not in have]
        if missing:
            # through the scenario's access, so the display unions are known for reuse
            extra = _assess(self.base, self.rulebook, self._scenario_access.bind(self.base),
                            rules=missing)
            have.update(extra.results)
            timings.update(extra.timings)
            have = {r: have[r] for r in RULES if r in have}
            self._base_assessment = Assessment(self.base, self.rulebook, have, timings)
        if not set(want) <= self._base_seeded:  # the base's results seed the reuse cache once
            villages_hash = _frame_hash(self.base.villages)
            for rid in want:
                key = (rid, _signature(rid, self.base, self.rulebook, villages_hash))
                self._results.setdefault(key, have[rid])
            self._base_seeded |= set(want)
        return Assessment(self.base, self.rulebook, {r: have[r] for r in want}, timings)

    def assess(self, rules: list[str] | None = None) -> Assessment:
        """Assess the scenario, reusing unchanged rules' results and the base's engines.

        Returns
        -------
        Assessment
            Of the applied region; ``timings`` has each rule's seconds (0 when reused).
        """
        self.base_assessment(rules)  # fills the reuse cache with the base's results
        region = self.apply()
        access = self._scenario_access.bind(region)
        results, timings = {}, {}
        villages_hash = _frame_hash(region.villages)
        for rid in rules or list(RULES):
            sig = _signature(rid, region, self.rulebook, villages_hash)
            t0 = time.perf_counter()
            if (rid, sig) not in self._results:
                self._results[(rid, sig)] = _assess(region, self.rulebook, access, rules=[rid]).results[rid]
            results[rid] = self._results[(rid, sig)]
            timings[rid] = time.perf_counter() - t0
        return Assessment(region, self.rulebook, results, timings)

    def compare(self, rules: list[str] | None = None) -> "Comparison":
        """The scenario against its base (see :func:`compare`)."""
        return compare(self.base_assessment(rules), self.assess(rules))

    def proposed_sites(self) -> gpd.GeoDataFrame:
        """Facilities added or moved by the active edits (region CRS), with ``lon``/``lat``
        (WGS84) and the ``edit`` (add / move)."""
        region = self.apply()
        touched = {e.facility_id: e.op for e in self.active if e.op in ("add", "move")}
        closed = {e.facility_id for e in self.active if e.op == "close"}
        ids = [f for f in touched if f not in closed]
        fac = region.facilities
        out = fac[fac["facility_id"].isin(ids)][["facility_id", "name", "kind", "geometry"]].copy()
        out["edit"] = out["facility_id"].map(touched)
        ll = out.geometry.to_crs(WGS84)
        out["lon"], out["lat"] = ll.x.round(7), ll.y.round(7)
        return out

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Save the scenario to a GeoPackage, atomically (see the module docstring).

        Returns the path written.
        """
        path = Path(path)
        crs = self.base.crs
        rows = [{**asdict(e), "seq": i, "value": json.dumps(e.value, ensure_ascii=False)}
                for i, e in enumerate(self.edits)]
        geoms = [shapely.Point(e.x, e.y) if e.x is not None else None for e in self.edits]
        columns = ["seq", "op", "facility_id", "village_id", "kind", "name", "x", "y", "value"]
        edits = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=geoms, crs=crs)
        meta = pd.DataFrame({"key": ["name", "base_region", "created", "saved", "rulebook",
                                     "cursor", "crs", "format_version"],
                             "value": [self.name, str(self.base.name), self.created,
                                       _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                                       str(self.rulebook.path), str(self.cursor),
                                       crs.to_string(), str(FORMAT_VERSION)]})
        with atomic_path(path) as tmp:
            _write_layers(tmp, edits, meta)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, base, rulebook: Rulebook | None = None,
             access: Access | None = None,
             base_assessment: Assessment | None = None) -> "Scenario":
        """Load a scenario saved by :meth:`save` onto ``base`` (the same region).

        The rulebook is the one given, else the saved path when it still exists, else
        the default. Raises :class:`InputError` when the file is not a scenario or an edit
        no longer applies to ``base``.
        """
        path = Path(path)
        if not path.exists():
            raise InputError.at("scenario file not found", file=path.name)
        try:
            layers = {name for name, _ in pyogrio.list_layers(path)}
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input
            raise InputError.at(f"not a GeoPackage ({exc})", file=path.name) from None
        for need in (EDITS_LAYER, META_LAYER):
            if need not in layers:
                raise InputError.at(f"not a scenario file: layer {need!r} is missing",
                                    file=path.name, layer=need)
        meta_df = pyogrio.read_dataframe(path, layer=META_LAYER, read_geometry=False)
        meta = dict(zip(meta_df["key"].astype(str), meta_df["value"].astype(str)))
        if rulebook is None and meta.get("rulebook") and Path(meta["rulebook"]).exists():
            rulebook = load_rulebook(meta["rulebook"])
        sc = cls(base, meta.get("name", path.stem), rulebook, access, base_assessment)
        sc.created = meta.get("created", sc.created)
        frame = pyogrio.read_dataframe(path, layer=EDITS_LAYER).sort_values("seq")
        frame = frame.to_crs(base.crs) if frame.crs is not None else frame
        edits = []
        for row in frame.itertuples():
            def txt(v):
                return None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            x = y = None
            if row.geometry is not None and not row.geometry.is_empty:
                x, y = float(row.geometry.x), float(row.geometry.y)
            edits.append(Edit(txt(row.op), txt(row.facility_id), txt(row.village_id),
                              txt(row.kind), txt(row.name), x, y,
                              json.loads(row.value) if txt(row.value) else None))
        cursor = int(meta.get("cursor", len(edits)))
        for i, e in enumerate(edits):  # re-validate in order against this base
            try:
                sc.edits = sc.edits + [_validated(e, apply_edits(base, sc.edits), sc.edits)]
            except InputError as exc:
                raise InputError.at(f"edit {i + 1} ({e.op}) does not apply to this region: "
                                    f"{exc}", file=path.name, layer=EDITS_LAYER, row=i + 1) from None
            sc.cursor = len(sc.edits)
        sc.cursor = min(cursor, len(sc.edits))
        return sc


# ---------------------------------------------------------------------- applying
def apply_edits(base, edits: list[Edit]):
    """A copy of ``base`` with ``edits`` applied in order (edits already validated)."""
    region = base.copy()
    fac, vil = region.facilities, region.villages
    added = []
    to_wgs = pyproj.Transformer.from_crs(base.crs, WGS84, always_xy=True)
    for e in edits:
        if e.op == "add":
            row = {c.name: None for c in LAYERS["facilities"]}
            lon, lat = to_wgs.transform(e.x, e.y)
            row.update(facility_id=e.facility_id, name=e.name, kind=e.kind, standardized=True,
                       lon=lon, lat=lat, source="scenario", origin=f"scenario:{e.facility_id}",
                       geometry=shapely.Point(e.x, e.y))
            row.update({c: float(n) for c, n in (e.value or {}).items()})
            added.append(row)
        elif e.op == "staff":
            for col, n in e.value.items():
                for r in added:
                    if r["facility_id"] == e.facility_id:
                        r[col] = (r[col] or 0.0) + n
                hit = fac["facility_id"] == e.facility_id
                if hit.any():
                    fac.loc[hit, col] = fac.loc[hit, col].astype(float) + n
        elif e.op in ("move", "close"):
            in_added = [r for r in added if r["facility_id"] == e.facility_id]
            if e.op == "move":
                lon, lat = to_wgs.transform(e.x, e.y)
                for r in in_added:
                    r.update(geometry=shapely.Point(e.x, e.y), lon=lon, lat=lat)
                hit = fac["facility_id"] == e.facility_id
                if hit.any():
                    fac.loc[hit, "geometry"] = shapely.Point(e.x, e.y)
                    if "lon" in fac:
                        fac.loc[hit, "lon"], fac.loc[hit, "lat"] = lon, lat
            else:
                added = [r for r in added if r["facility_id"] != e.facility_id]
                fac = fac[fac["facility_id"] != e.facility_id]
        elif e.op == "service_mode":
            vil.loc[vil["village_id"] == e.village_id, "service_mode"] = e.value
        elif e.op == "population":
            vil.loc[vil["village_id"] == e.village_id, "population"] = e.value
    if added:
        new = gpd.GeoDataFrame(added, geometry="geometry", crs=base.crs)
        new = new[[c for c in fac.columns if c in new.columns]]
        if pd.api.types.is_integer_dtype(fac.index):
            start = int(base.facilities.index.max()) + 1 if len(base.facilities) else 0
            new.index = pd.RangeIndex(start, start + len(new))
        else:
            new.index = [f"scenario:{r['facility_id']}" for r in added]
        fac = pd.concat([fac, new])
    region.facilities = gpd.GeoDataFrame(fac, geometry="geometry", crs=base.crs)
    region.villages = vil
    return region


def _validated(e: Edit, region, previous: list[Edit]) -> Edit:
    """``e`` checked against ``region`` (the state before it), with defaults filled in."""
    if e.op not in OPS:
        raise InputError.at(f"unknown scenario edit {e.op!r}; use one of {', '.join(OPS)}")
    fac, vil = region.facilities, region.villages
    if e.op == "add":
        kind = parse_facility_kind(e.kind) if e.kind is not None else FacilityKind.VILLAGE_CLINIC
        if kind is None:
            raise InputError.at(f"unknown facility kind {e.kind!r}", column="kind")
        fid = e.facility_id
        if fid is None:
            used = set(fac["facility_id"].astype(str)) | {p.facility_id for p in previous}
            n = sum(p.op == "add" for p in previous) + 1
            while f"new-{n}" in used:
                n += 1
            fid = f"new-{n}"
        elif fid in set(fac["facility_id"].astype(str)):
            raise InputError.at(f"facility id {fid!r} already exists", column="facility_id")
        name = e.name or auto_name(region, e.x, e.y, kind.value)
        staff = _staff_value(e.value, allow_negative=False) if e.value else None
        return replace(e, kind=kind.value, facility_id=str(fid), name=name,
                       x=float(e.x), y=float(e.y), value=staff)
    if e.op == "staff":
        if e.facility_id not in set(fac["facility_id"].astype(str)):
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
        if e.facility_id not in set(fac["facility_id"].astype(str)):
            raise InputError.at(f"no open facility with id {e.facility_id!r} in this scenario",
                                column="facility_id")
        return e
    if e.village_id not in set(vil["village_id"].astype(str)):
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


def _staff_text(staff: dict | None) -> str:
    return "、".join(f"{STAFF_ZH.get(c, c)}{n:+d}名" if n < 0 else f"{STAFF_ZH.get(c, c)}{n}名"
                    for c, n in (staff or {}).items())


def auto_name(region, x: float, y: float, kind: str = "village_clinic") -> str:
    """A name after the nearest village (straight distance): 八间村委会 -> 八间村卫生室.

    Village clinics get "卫生室", other kinds their Chinese kind name.
    """
    vil = region.villages
    suffix = "卫生室" if kind in {k.value for k in CLINIC_KINDS} else FACILITY_KIND_ZH[FacilityKind(kind)]
    if len(vil) == 0:
        return f"新{suffix}"
    d = shapely.distance(vil.geometry.values, shapely.Point(x, y))
    return facility_name_for_village(str(vil["name"].iloc[int(np.argmin(d))]), suffix)


def _close_warnings(e: Edit, base) -> list[str]:
    if e.op != "close":
        return []
    fac = base.facilities
    row = fac[fac["facility_id"] == e.facility_id]
    if row.empty or row["kind"].iloc[0] not in PRIMARY_CARE_KINDS:
        return []
    kind = FACILITY_KIND_ZH[FacilityKind(row["kind"].iloc[0])]
    return [f"关闭现有{kind}“{row['name'].iloc[0]}”：政策要求积极保留原有基层医疗卫生机构，"
            f"已撤销的应重新评估（{KEEP_CLAUSE}）"]


# ---------------------------------------------------------------------- reuse
def _rule_kinds(rule_id: str, rulebook: Rulebook) -> frozenset[str] | None:
    """Facility kinds a rule reads (None: all of them)."""
    K = FacilityKind
    kinds = {
        "R1": {K.TOWNSHIP_HEALTH_CENTRE, K.COMMUNITY_HEALTH_CENTRE},
        "R2": set(CLINIC_KINDS),
        "R3": set(rulebook["R3"]["facility_kinds"]),
        "R4": {K.DISTRICT_HOSPITAL, K.TCM_HOSPITAL, K.GENERAL_HOSPITAL, K.TOWNSHIP_HEALTH_CENTRE},
        "R6": {K.COMMUNITY_HEALTH_STATION},
        "R7": {K.TOWNSHIP_HEALTH_CENTRE, K.COMMUNITY_HEALTH_CENTRE} | set(rulebook["R7"]["lead_kinds"]),
        "R8": set(rulebook["R8"]["gp_kinds"]) | set(rulebook["R8"]["village_doctor_kinds"]),
    }.get(rule_id)  # R5 sums staff over every facility
    return None if kinds is None else frozenset(getattr(k, "value", k) for k in kinds)


def _frame_hash(frame: pd.DataFrame) -> str:
    h = hashlib.sha1()
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    # pandas hashes numbers and text as they are (object cells it cannot hash are hashed
    # as their text): half the time of converting every column to text first
    h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    h.update(b"".join(shapely.to_wkb(frame.geometry.values)))
    return h.hexdigest()


def _signature(rule_id: str, region, rulebook: Rulebook, villages_hash: str | None = None) -> str:
    """What a rule's result depends on that a scenario can change: the villages table and
    the facilities of the kinds it reads (pass ``villages_hash`` to hash the villages once)."""
    kinds = _rule_kinds(rule_id, rulebook)
    fac = region.facilities if kinds is None else region.facilities[region.facilities["kind"].isin(kinds)]
    return (villages_hash or _frame_hash(region.villages)) + _frame_hash(fac)


@dataclass
class Comparison:
    """A scenario against its base.

    Attributes
    ----------
    rules : pandas.DataFrame
        One row per rule: ``rule``, ``failed_before``, ``failed_after``,
        ``units_newly_covered`` / ``units_newly_uncovered`` (units going fail -> not fail
        and back), ``residents_newly_covered`` / ``residents_newly_uncovered``,
        ``population_in_gap_before`` / ``_after`` (residents).
    changed : geopandas.GeoDataFrame
        Units whose status changed: ``rule``, ``unit_id``, ``name``, ``unit_kind``,
        ``status_before``, ``status_after``, ``population``, ``reason``.
    layers : dict of str to GeoDataFrame
        ``newly_covered``, ``newly_uncovered`` and ``still_uncovered``: village units of
        the village rules (R2, R3) with a ``rule`` column, region CRS.
    warnings : list of str
    """

    rules: pd.DataFrame
    changed: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    warnings: list[str]

    def summary(self) -> dict:
        """JSON-serialisable per-rule deltas."""
        return {"rules": json.loads(self.rules.to_json(orient="records")),
                "changed": int(len(self.changed)), "warnings": list(self.warnings)}


def compare(base: Assessment, scenario: Assessment) -> Comparison:
    """Per rule, the units and residents newly covered or uncovered, and delta layers.

    "Covered" means not failed (pass, warn or not applicable); units are matched by
    ``unit_id``. Population figures are the scenario's (after population edits), summed
    over the units that have one (None when none of them has).
    """
    rows, changed, layers = [], [], {"newly_covered": [], "newly_uncovered": [], "still_uncovered": []}
    crs = None
    for rid, after in scenario.results.items():
        before = base.results.get(rid)
        if before is None:
            continue
        b = before.units.drop_duplicates("unit_id").set_index("unit_id")
        a = after.units.drop_duplicates("unit_id").set_index("unit_id")
        crs = crs or after.units.crs
        fail_b = b["status"].reindex(a.index).eq(FAIL)
        fail_a = a["status"].eq(FAIL)
        pop = a["population"].astype(float)           # NaN: unknown, never counted as 0
        newly_cov, newly_unc, still = fail_b & ~fail_a, ~fail_b & fail_a, fail_b & fail_a
        rows.append({"rule": rid, "unit_kind": after.unit_kind,
                     "failed_before": before.count(FAIL), "failed_after": after.count(FAIL),
                     "units_newly_covered": int(newly_cov.sum()),
                     "units_newly_uncovered": int(newly_unc.sum()),
                     "residents_newly_covered": known_sum(pop[newly_cov])[0],
                     "residents_newly_uncovered": known_sum(pop[newly_unc])[0],
                     "population_in_gap_before": before.summary()["population_in_gap"],
                     "population_in_gap_after": after.summary()["population_in_gap"]})
        status_b = b["status"].reindex(a.index)
        diff = status_b.ne(a["status"])
        if diff.any():
            ch = a.loc[diff, ["name", "population", "status", "reason", "geometry"]].copy()
            ch.insert(0, "status_before", status_b[diff].values)
            ch = ch.rename(columns={"status": "status_after"})
            ch.insert(0, "unit_kind", after.unit_kind)
            ch.insert(0, "rule", rid)
            changed.append(ch.reset_index())
        if after.unit_kind == "village":
            for name, mask in (("newly_covered", newly_cov), ("newly_uncovered", newly_unc),
                               ("still_uncovered", still)):
                part = a.loc[mask].reset_index().rename(columns={"unit_id": "village_id"})
                part.insert(0, "rule", rid)
                layers[name].append(part)

    def gdf(parts):
        if not parts:
            return gpd.GeoDataFrame({"rule": [], "village_id": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)

    changed_cols = ["rule", "unit_id", "unit_kind", "name", "status_before", "status_after",
                    "population", "reason", "geometry"]
    ch = gdf(changed)
    ch = ch[[c for c in changed_cols if c in ch.columns]] if len(ch) else \
        gpd.GeoDataFrame({c: [] for c in changed_cols if c != "geometry"},
                         geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    warnings = []
    edits_region = scenario.region
    base_fac = base.region.facilities
    closed = set(base_fac["facility_id"]) - set(edits_region.facilities["facility_id"])
    for fid in sorted(closed):
        warnings += _close_warnings(Edit("close", facility_id=fid), base.region)
    return Comparison(pd.DataFrame(rows), ch, {k: gdf(v) for k, v in layers.items()}, warnings)


# ---------------------------------------------------------------------- files
def _write_layers(path: Path, edits: gpd.GeoDataFrame, meta: pd.DataFrame) -> None:
    """Write the two layers of a scenario file (the test seam for an aborted save)."""
    pyogrio.write_dataframe(edits, path, layer=EDITS_LAYER, driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer=META_LAYER, driver="GPKG", append=True)
