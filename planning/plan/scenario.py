"""Scenarios: a base region plus an ordered list of edits, re-assessed at once.

A :class:`Scenario` holds the base :class:`~planning.region.Region` and edits
(:class:`~planning.plan.edits.Edit`: add, optionally with staff, move or close a
facility, add staff to a facility, set a village's service mode or its population) with
an undo/redo cursor. :meth:`Scenario.apply` returns a copy of the region with the active
edits applied; :meth:`Scenario.assess` re-runs the rules reusing the base's prepared
engines (road networks never change in a scenario, only facilities and village
attributes do):

* a rule whose inputs (the villages table and the facility kinds the rule reads) are
  unchanged is not re-run: its result is reused, keyed by the active edits that reach
  those inputs (so undo and redo find the results saved for that state, and the applied
  region too: nothing is recomputed);
* travel costs come from the base's :class:`~planning.travel.access.ScenarioAccess`:
  nearest-facility costs, the travel-time surface and the R3 display polygon updated
  incrementally through edits, catchments (R8) kept per facility, so an added or moved facility costs one
  bounded search and a staff edit none.

:meth:`Scenario.compare` tells, per rule, which units newly pass or fail
(:func:`planning.plan.compare.compare`). Closing an existing primary-care institution
warns with 001 §二(一)1 (keep existing primary-care institutions).

Scenarios save to a GeoPackage (layer ``scenario_edits`` plus the table
``scenario_meta``) atomically: written to a temporary file in the same folder, flushed
to disk, then renamed over the target, so a crash mid-save leaves the previous file.

Coordinates of edits are in the region's metric CRS (metres); the ``lon``/``lat``
arguments take WGS84 degrees (what a web map click gives).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from planning._atomic import atomic_path
from planning.crs import WGS84
from planning.errors import InputError, Msg
from planning.plan.compare import Comparison, compare
from planning.plan.edits import Edit, apply_edits, close_warnings, validate_edit
from planning.region import Region
from planning.rules import RULES
from planning.rules.assess import Assessment, assess as _assess
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.schema import CLINIC_KINDS, FacilityKind
from planning.travel.access import Access, access_for

__all__ = ["Scenario", "compare", "Comparison", "Edit"]

EDITS_LAYER, META_LAYER = "scenario_edits", "scenario_meta"
FORMAT_VERSION = 1
#: applied regions kept per state (active edits) for undo / redo
STATES_KEPT = 64


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

    def __init__(self, base: Region, name: str = "方案", rulebook: Rulebook | None = None,
                 access: Access | None = None, base_assessment: Assessment | None = None):
        self.base = base
        self.name = name
        self.rulebook = rulebook or load_rulebook()
        self.access = access or access_for(base)
        self._scenario_access = self.access.for_scenarios()
        self._base_assessment = base_assessment
        self.edits: list[Edit] = []
        self.cursor = 0
        self.created = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._results: dict[tuple[str, str], object] = {}
        self._base_seeded: set[str] = set()  # rules whose base result seeds _results
        self._applied: dict[tuple, Region] = {}     # active edits -> applied region
        self._counted: set[str] | None = None       # base facilities with a staff count
        self._kind_of: dict[str, str] = {}          # base facility id -> kind

    @property
    def scenario_access(self) -> Access:
        """The travel layer the scenario's assessments use (its memo holds their surfaces
        and nearest costs: a map of the scenario reads R3's surface from it)."""
        return self._scenario_access

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
        edit = validate_edit(edit, region, self.active)
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

    def close_facility(self, facility_id: str) -> list[Msg]:
        """Close a facility; returns the policy warnings this raises (may be empty):
        messages, ``w.text(lang)`` in a language."""
        edit = self.push(Edit("close", facility_id=str(facility_id)))
        return close_warnings(edit, self.base)

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
        """Whether an active edit is left to undo."""
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        """Whether an undone edit is left to redo."""
        return self.cursor < len(self.edits)

    def warnings(self) -> list[Msg]:
        """Policy warnings raised by the active edits (closing existing institutions):
        messages, ``w.text(lang)`` in a language."""
        return [w for e in self.active for w in close_warnings(e, self.base)]

    def _xy(self, x, y, lon, lat) -> tuple[float, float]:
        if lon is not None and lat is not None:
            t = pyproj.Transformer.from_crs(WGS84, self.base.crs, always_xy=True)
            x, y = t.transform(float(lon), float(lat))
        if x is None or y is None or not (np.isfinite(x) and np.isfinite(y)):
            raise InputError.at("a facility position needs x and y (metres) or lon and lat")
        return float(x), float(y)

    # ------------------------------------------------------------------ results
    def apply(self) -> Region:
        """A copy of the base region with the active edits applied (metric CRS).

        Regions are kept per state (the active edits), so undo and redo restore the
        saved copy instead of applying the edits again."""
        state = tuple(map(_edit_key, self.active))
        if state not in self._applied:
            if len(self._applied) >= STATES_KEPT:
                self._applied.pop(next(iter(self._applied)))
            self._applied[state] = apply_edits(self.base, self.active)
        return self._applied[state]

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
            for rid in want:
                self._results.setdefault((rid, ()), have[rid])
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
        if self._counted is None:   # the base's facts the reuse keys read, once
            self._counted = _counted_facilities(self.base)
            self._kind_of = _kinds_of(self.base)
        kinds = _edited_kinds(self._kind_of, self.active)
        staffed = _staff_edits(self._counted, self.active)
        for rid in rules or list(RULES):
            sig = _signature(rid, self.active, kinds, self.rulebook, staffed)
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
    def load(cls, path: str | os.PathLike, base: Region, rulebook: Rulebook | None = None,
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
                sc.edits = sc.edits + [validate_edit(e, apply_edits(base, sc.edits), sc.edits)]
            except InputError as exc:
                raise InputError.at(f"edit {i + 1} ({e.op}) does not apply to this region: "
                                    f"{exc}", file=path.name, layer=EDITS_LAYER, row=i + 1) from None
            sc.cursor = len(sc.edits)
        sc.cursor = min(cursor, len(sc.edits))
        return sc


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
        # R5 judges these, and sums staff over every facility (see _staff_edits)
        "R5": {K.DISTRICT_HOSPITAL, K.TCM_HOSPITAL, K.TOWNSHIP_HEALTH_CENTRE},
    }.get(rule_id)
    return None if kinds is None else frozenset(getattr(k, "value", k) for k in kinds)


#: rules that sum staff columns over every facility, whatever its kind: R5's city-wide
#: ratios (:func:`planning.rules.r5_district_hospitals.city_ratios`), and those columns
STAFF_SUMS = {"R5": ("gps", "nurses", "village_doctors", "qualified_village_doctors")}


def _counted_facilities(base: Region) -> set[str]:
    """Ids of the base facilities with a count in a column of :data:`STAFF_SUMS`."""
    fac = base.facilities
    columns = [c for c in dict.fromkeys(c for cols in STAFF_SUMS.values() for c in cols)
               if c in fac]
    if not columns:
        return set()
    return set(fac.loc[fac[columns].notna().any(axis=1), "facility_id"].astype(str))


def _staff_edits(counted: set[str], edits: list[Edit]) -> list[bool]:
    """Per edit, whether it can change a staff column summed over every facility
    (:data:`STAFF_SUMS`): staff added, a facility opened with staff, or one that has a
    count closed (``counted``: the base's, :func:`_counted_facilities`). Moves never do;
    nor does an added facility without staff (its counts are unknown, which a sum leaves
    out)."""
    counted = set(counted)
    out = []
    for e in edits:
        fid = None if e.facility_id is None else str(e.facility_id)
        if e.op == "add" and e.value:
            counted.add(fid)
        out.append(e.op == "staff" or (e.op == "add" and bool(e.value))
                   or (e.op == "close" and fid in counted))
    return out


def _kinds_of(base: Region) -> dict[str, str]:
    """The base facilities' kinds by id."""
    return dict(zip(base.facilities["facility_id"].astype(str).tolist(),
                    base.facilities["kind"].tolist()))


def _edited_kinds(base_kinds: dict[str, str], edits: list[Edit]) -> list[str | None]:
    """Per edit, the kind of the facility it touches (None for a village edit);
    ``base_kinds``: the base's (:func:`_kinds_of`)."""
    kind_of = dict(base_kinds)
    out = []
    for e in edits:
        if e.op == "add":
            kind_of[str(e.facility_id)] = e.kind
        out.append(kind_of.get(str(e.facility_id)) if e.facility_id is not None else None)
    return out


def _signature(rule_id: str, edits: list[Edit], kinds: list[str | None],
               rulebook: Rulebook, staffed: list[bool] | None = None) -> tuple:
    """What a rule's result depends on that a scenario can change: the active edits that
    reach its inputs — every edit of villages (populations, service modes), the edits
    of facilities of the kinds it reads (``kinds``: per edit, see :func:`_edited_kinds`)
    and, for a rule summing staff over every facility (:data:`STAFF_SUMS`), the edits
    that can change a sum (``staffed``: per edit, see :func:`_staff_edits`).

    Edits only ever change the villages table and the facilities, so two states with the
    same relevant edits give the rule the same inputs; the base has ``()``. Computed
    from the edits alone, without looking at the applied tables."""
    read = _rule_kinds(rule_id, rulebook)
    sums = rule_id in STAFF_SUMS
    staffed = staffed if staffed is not None else [True] * len(edits)
    return tuple(_edit_key(e) for e, k, counts in zip(edits, kinds, staffed)
                 if e.facility_id is None or read is None or k in read or (sums and counts))


def _edit_key(edit: Edit) -> tuple:
    """An edit as a hashable key (its staff ``value`` is a dict)."""
    value = edit.value
    if isinstance(value, dict):
        value = tuple(sorted(value.items()))
    return (edit.op, edit.facility_id, edit.village_id, edit.kind, edit.name, edit.x, edit.y,
            value)


# ---------------------------------------------------------------------- files
def _write_layers(path: Path, edits: gpd.GeoDataFrame, meta: pd.DataFrame) -> None:
    """Write the two layers of a scenario file (the test seam for an aborted save)."""
    pyogrio.write_dataframe(edits, path, layer=EDITS_LAYER, driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer=META_LAYER, driver="GPKG", append=True)
