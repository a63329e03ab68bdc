"""R8: enough doctors within reach — staff access (E2SFCA) against the city's targets.

Policy: 004 §三(二) — "全市每万名常住人口拥有4名全科医生" (4 GPs per 10,000 residents by
2025, city-wide); 000 §三(十五) — "每千人口护士数达到4.3人以上" (4.3 nurses per 1,000 by
end 2025, counting all nurses, mostly in hospitals). R5 reports both as one city-wide
ratio; R8 asks where the staff sit and who can reach them.

The measure is the enhanced two-step floating catchment area (E2SFCA, see
:mod:`planning.rules.fca`): each facility's GPs divided by the distance-weighted residents
within its catchment (``R8.gp_mode``, ``R8.gp_minutes``, inclusive), summed with the same
weights over the facilities each village reaches — "GPs per 10,000 residents within
reach". Its population-weighted mean over the region equals the plain ratio (GPs ÷
residents), which every township and district table shows beside it.

Statuses (villages, townships, districts): **pass** at or above ``R8.gps_per_10000``,
**warn** (需关注) below — the target is a city-wide reference, never a unit's failure;
**unknown** (无法检查) when the village's residents are unknown, when a facility within
reach has no GP count (the figure is then not given: never a silent zero), or when the
figure passes only because some residents in reach are uncounted (it is then an upper
bound). Nurses at the same facilities (per 1,000; 000 §三(十五) counts all nurses) and
village doctors (per 1,000, ``R8.village_doctor_*`` catchment; the policy sets no target)
are shown without a status. Villages whose catchment crosses the region's outline are
flagged (``near_border``): staff just across it are not in the data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from planning.rules import fca
from planning.rules.rulebook import Rulebook
from planning.errors import Msg
from planning.rules.base import (Note, NA, PASS, UNKNOWN, WARN, RuleResult, district_table,
                                 facilities_of, new_result, params, units_like,
                                 within_polygons)

PER_GP, PER_NURSE, PER_VD = 1e4, 1e3, 1e3


@dataclass
class Reach:
    """One catchment: its facilities, their costs to the villages and decay weights.

    Attributes
    ----------
    facilities : GeoDataFrame
        The facilities of the catchment's kinds (region CRS).
    costs : scipy.sparse.csr_matrix, shape (n_facilities, n_villages)
        Seconds, exactly the pairs within the catchment (inclusive, zeros explicit).
    weights : scipy.sparse.csr_matrix
        Decay weights of the same pairs.
    mode : str
    minutes : float
    """

    facilities: gpd.GeoDataFrame
    costs: sp.csr_matrix
    weights: sp.csr_matrix
    mode: str
    minutes: float

    def staff(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Staff per facility (unknown as 0) and which facilities lack the number."""
        f = self.facilities
        values = pd.to_numeric(f[column], errors="coerce").to_numpy(float) if column in f \
            else np.full(len(f), np.nan)
        unknown = ~np.isfinite(values)
        return np.where(unknown, 0.0, values), unknown

    def nearest_minutes(self) -> np.ndarray:
        """Per village, minutes to the nearest facility within the catchment (NaN: none)."""
        out = np.full(self.costs.shape[1], np.inf)
        c = self.costs.tocoo()
        np.minimum.at(out, c.col, c.data)
        return np.where(np.isfinite(out), out / 60.0, np.nan)


def reach(region, access, rulebook: Rulebook, which: str = "gp") -> Reach:
    """The GP (``which="gp"``) or village-doctor (``"village_doctor"``) catchment of R8."""
    p = rulebook["R8"]
    kinds, mode, minutes = p[f"{which}_kinds"], p[f"{which}_mode"], p[f"{which}_minutes"]
    fac = facilities_of(region, kinds)
    cutoff = float(minutes) * 60.0
    costs = access.catchment(mode, fac, "time", cutoff)
    how = (cutoff, p["decay"], tuple(p["band_weights"]), p["gaussian_sigma_share"])
    # ``Access.catchment`` hands out the same matrix for the same facility set, so a click
    # that edits other kinds reuses the weights of the last one (one kept per catchment:
    # memory), for this region
    kept = access.static(("R8 weights", which), dict)
    if kept.get("costs") is costs and kept.get("how") == how:
        weights = kept["weights"]
    else:
        weights = fca.weighted(costs, *how)
        kept.update(costs=costs, how=how, weights=weights)
    return Reach(fac, costs, weights, mode, float(minutes))


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """GPs, nurses and village doctors per resident within reach, per village, township
    and district, with the plain ratios beside them.

    Returns
    -------
    RuleResult
        Units: every village (``gps_per_10000`` within reach, NaN when it cannot be
        judged; ``nurses_per_1000``, ``village_doctors_per_1000``; ``near_border``;
        ``residents_below``, ``gps_gap`` (GPs per 10,000 short × residents / 10,000);
        status pass / warn / unknown). Layers ``R8_villages``, ``R8_townships``,
        ``R8_districts`` (E2SFCA means beside plain ratios, residents below the
        reference, ``gps_needed``), ``R8_facilities`` (each GP facility's served
        residents beside its staff: overloaded centres) and ``R8_clinics`` (the same for
        village doctors).
    """
    p = rulebook["R8"]
    target = float(p["gps_per_10000"])
    vil = region.villages
    pop = pd.to_numeric(vil["population"], errors="coerce").to_numpy(float)
    pop_known = np.isfinite(pop)
    demand = np.where(pop_known, pop, 0.0)

    gp = reach(region, access, rulebook, "gp")
    vd = reach(region, access, rulebook, "village_doctor")
    gps, gps_unknown = gp.staff("gps")
    nurses, nurses_unknown = gp.staff("nurses")
    vdocs, vdocs_unknown = vd.staff("village_doctors")
    f_gp, f_nurse, f_vd = (fca.e2sfca(gp.weights, gps, demand), fca.e2sfca(gp.weights, nurses, demand),
                           fca.e2sfca(vd.weights, vdocs, demand))

    # what cannot be judged: a facility in reach without a count; residents in reach unknown
    no_count = fca.reach_any(gp.costs, gps_unknown)
    pattern = fca.pattern(gp.costs)
    short_denominator = (pattern @ (~pop_known).astype(float)) > 0
    upper = fca.reach_any(gp.costs, short_denominator) & ~no_count
    a_gp = np.where(no_count, np.nan, f_gp.access * PER_GP)
    a_nurse = np.where(fca.reach_any(gp.costs, nurses_unknown), np.nan, f_nurse.access * PER_NURSE)
    a_vd = np.where(fca.reach_any(vd.costs, vdocs_unknown), np.nan, f_vd.access * PER_VD)
    border = access.border_cost(gp.mode, "time") <= gp.minutes * 60.0
    in_reach = np.asarray(pattern.sum(axis=0)).ravel().astype(int)
    nearest = gp.nearest_minutes()

    status, status_text, reason, action, fields = _village_verdicts(
        pop_known, a_gp, upper, in_reach, _names_by_village(gp, gps_unknown), border, target,
        gp.mode, gp.minutes, access.static(("R8 village params", len(vil)), _Params))
    below = status == WARN
    gap = np.where(below, (target - np.nan_to_num(a_gp)) * demand / PER_GP, 0.0)
    residents_below = np.where(below, demand, 0.0)
    units = units_like({  # full precision: the tables round for display
        "unit_id": vil["village_id"].values, "name": vil["name"].values,
        "township_id": vil["township_id"].values, "kind": vil["kind"].values,
        "population": pop,
        "gps_per_10000": a_gp, "upper_bound": upper,
        "nurses_per_1000": a_nurse, "village_doctors_per_1000": a_vd,
        "gp_facilities": in_reach,
        "minutes_to_gp": np.round(nearest, 2),
        "near_border": border,
        "residents_below": residents_below,
        "gps_gap": gap,
        "status": status_text, "reason_code": reason, "action_code": action, "params": fields,
    }, vil)

    figures = _figures(p, gp, vd, f_gp, gps, gps_unknown, demand, pop_known, target, a_gp,
                       residents_below, status, border)
    figures["target_clause"] = rulebook.key("R8", "gps_per_10000").clause
    notes = _notes(p, figures, gp, gps_unknown)
    # the layers are made when a map or an export reads them (a what-if click reads the
    # villages' statuses and the figures only); each reads arrays made above, never a
    # table a later edit changes
    values = {"gps_per_10000": a_gp, "nurses_per_1000": a_nurse, "village_doctors_per_1000": a_vd}
    # (never the access itself: a result kept must not keep the engines and their caches)
    places = access.static("R8 places", lambda: Places.of(region))
    tables = functools.cache(lambda: _units_tables(region, places, pop, values, residents_below, border,
                                         upper, gp, gps, gps_unknown, target))
    layers = {"R8_villages": lambda: units.rename(columns={"unit_id": "village_id"}),
              "R8_townships": lambda: tables()[0], "R8_districts": lambda: tables()[1],
              "R8_facilities": lambda: _facilities(gp, f_gp, f_nurse, gps_unknown, target),
              "R8_clinics": lambda: _clinics(vd, f_vd, vdocs_unknown)}
    return new_result("R8", rulebook, units, "village", layers=layers, notes=notes,
                      figures=figures)


# ---------------------------------------------------------------------- villages
def _names_by_village(gp: Reach, unknown: np.ndarray) -> dict[int, list[str]]:
    """Village index -> the names of facilities in reach that lack a GP count."""
    if not unknown.any():
        return {}
    out: dict[int, list[str]] = {}
    names = gp.facilities["name"].astype(str).to_numpy()
    for j in np.flatnonzero(unknown):
        for i in gp.costs.indices[gp.costs.indptr[j]:gp.costs.indptr[j + 1]]:
            out.setdefault(int(i), []).append(names[j])
    return out


def _village_verdicts(pop_known: np.ndarray, value: np.ndarray, upper: np.ndarray,
                      n_reach: np.ndarray, missing: dict[int, list[str]], border: np.ndarray,
                      target: float, mode: str, minutes: float, kept: _Params | None = None
                      ) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray,
                                 pd.api.extensions.ExtensionArray,
                                 pd.api.extensions.ExtensionArray, list[dict]]:
    """Status (object array, and as text), reason code, action code (text arrays) and
    params of every village (see the module docstring); ``mode`` is the GP catchment's
    travel mode, ``minutes`` its limit;
    ``kept``: the params of the last villages judged, reused where they follow from the
    same value."""
    # codes as positions in tables of the words: no string made per village, and the
    # text columns taken from small text arrays (no conversion of strings to text)
    code = np.where(value >= target, np.where(upper, 2, 0), 1)         # pass, warn, unknown
    why = np.where((code == 1) & upper, 3, code)
    act = code.copy()
    none = n_reach == 0
    why[none], act[none] = 4, 3
    for i, names in missing.items():
        code[i], why[i], act[i] = 2, 5 if len(names) <= 3 else 6, 4
    code[~pop_known], why[~pop_known], act[~pop_known] = 2, 7, 5
    why = why + np.where(border, len(_REASONS), 0)
    status = np.array([PASS, WARN, UNKNOWN], dtype=object)[code]
    reason = pd.array([*_REASONS, *(r + ";R8.border" for r in _REASONS)], dtype="str").take(why)
    action = pd.array(_ACTIONS, dtype="str").take(act)
    texts = pd.array([PASS, WARN, UNKNOWN], dtype="str").take(code)
    same = params(mode_word=f"mode.{mode}", minutes=minutes, target=target)
    mode_word, limit, goal = same["mode_word"], same["minutes"], same["target"]
    values = value.tolist()
    bits = np.ascontiguousarray(value, dtype=np.float64).view(np.int64)
    last = kept.last if kept is not None else None
    if last is not None and last[0] == same and len(last[1]) == len(bits):
        # a village's params follow from its value (and names missing): the others'
        # dicts are the last check's (nothing changes a params dict once made)
        fields = list(last[2])
        redo = set(np.flatnonzero(last[1] != bits).tolist()) | last[3] | set(missing)
    else:
        fields = [{"mode_word": mode_word, "minutes": limit, "gps": v, "target": goal}
                  for v in values]
        redo = set(missing)
    for i in redo:
        fields[i] = params(mode_word=f"mode.{mode}", minutes=minutes, gps=values[i], target=target,
                           facilities=missing[i][:3], n=len(missing[i])) if i in missing \
            else {"mode_word": mode_word, "minutes": limit, "gps": values[i], "target": goal}
    if kept is not None:
        kept.last = (same, bits.copy(), fields, set(missing))
    return status, texts, reason, action, fields


#: a village's reason and action codes (see :func:`_village_verdicts`)
_REASONS = ("R8.at_reference", "R8.below", "R8.upper_bound", "R8.below_at_most",
            "R8.none_in_reach", "R8.gps_missing", "R8.gps_missing_more", "R8.population_unknown")
_ACTIONS = ("", "R8.add_gps", "R8.add_population_in_reach", "R8.open_facility",
            "R8.add_gp_count", "R8.add_population")


class _Params:
    """The villages' params of R8's last check (kept in ``access.static``: each dict
    follows from its village's value and the catchment alone, so it never goes stale).

    Attributes
    ----------
    last : tuple or None
        (the shared params, the values' bits, the dicts, the villages with names
        missing), replaced as one.
    """

    def __init__(self):
        self.last: tuple | None = None


# ---------------------------------------------------------------------- aggregates
@dataclass
class Places:
    """Where villages and facilities lie, which scenarios never change.

    Attributes
    ----------
    town_ids : numpy.ndarray of object
        The townships' ids, in the order of ``region.townships``.
    village_town : numpy.ndarray of int64
        Per village, the index of its township (-1: none).
    town_district : numpy.ndarray of int64
        Per township, the index of its district in ``districts`` (-1: none).
    districts : GeoDataFrame
        :func:`~planning.rules.base.district_table` of the region.
    towns_tree : shapely.STRtree
        The township polygons, for placing facilities.
    facility_town : dict
        ``(facility_id, x, y)`` -> index of the township holding the point (-1: none).
    """

    town_ids: np.ndarray
    village_town: np.ndarray
    town_district: np.ndarray
    districts: gpd.GeoDataFrame
    towns_tree: shapely.STRtree
    facility_town: dict

    @classmethod
    def of(cls, region) -> "Places":
        towns = region.townships
        ids = pd.Index(towns["township_id"].astype(str))
        village_town = ids.get_indexer(region.villages["township_id"].astype(str))
        d = district_table(region)
        seats = gpd.GeoDataFrame(geometry=towns.representative_point(), crs=towns.crs)
        of_town = within_polygons(seats, d, "district_id")
        town_district = pd.Index(d["district_id"]).get_indexer(of_town)
        return cls(ids.to_numpy(object), village_town.astype(np.int64),
                   town_district.astype(np.int64), d, shapely.STRtree(towns.geometry.values), {})

    def towns_of(self, fac: gpd.GeoDataFrame) -> np.ndarray:
        """Index of the township holding each facility (-1: outside every township; on a
        shared border, the first found)."""
        ids = fac["facility_id"].astype(str).tolist()
        xs, ys = fac.geometry.x.to_numpy(float), fac.geometry.y.to_numpy(float)
        keys = list(zip(ids, xs.tolist(), ys.tolist()))
        missing = [i for i, k in enumerate(keys) if k not in self.facility_town]
        if missing:
            pts = shapely.points(xs[missing], ys[missing])
            found = np.full(len(missing), -1, dtype=np.int64)
            which, town = self.towns_tree.query(pts, predicate="intersects")
            first = np.unique(which, return_index=True)[1]
            found[which[first]] = town[first]
            for i, t in zip(missing, found):
                self.facility_town[keys[i]] = int(t)
        return np.array([self.facility_town[k] for k in keys], dtype=np.int64)


def _aggregate(codes: np.ndarray, n: int, pop: np.ndarray, values: dict,
               residents_below: np.ndarray, near_border: np.ndarray,
               upper_bound: np.ndarray) -> dict:
    """Per group 0..n-1 (each village's township or district index, -1: none): residents,
    population-weighted means of the village figures (over villages with known residents
    and figure), residents below the reference, and counts of unknown and border villages.
    The other arguments are per village: residents (NaN unknown), figures by name,
    residents below the reference, near the border, figure an upper bound."""
    ok = codes >= 0
    c = codes[ok]

    def total(w) -> np.ndarray:
        return np.bincount(c, np.asarray(w, dtype=float)[ok], minlength=n)

    out = {"population": total(np.nan_to_num(pop))}
    for name, v in values.items():
        known = np.isfinite(pop) & np.isfinite(v)
        w = np.where(known, pop, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = total(np.where(known, v * w, 0.0)) / total(w)
    known = np.isfinite(pop) & np.isfinite(values["gps_per_10000"])
    out["residents_below"] = total(residents_below)
    out["villages_unknown"] = total(~known).astype(int)
    out["villages_near_border"] = total(near_border).astype(int)
    out["upper"] = total(upper_bound & known) > 0
    return out


def _table(agg: dict, staff: np.ndarray, target: float, place: str) -> dict:
    """Status, plain ratio, GPs needed, reason and action codes of aggregated rows
    (``place``: ``"township"`` or ``"district"``)."""
    pop, mean = agg["population"], agg["gps_per_10000"]
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = staff / np.where(pop > 0, pop, np.nan) * PER_GP
        gap = np.where(mean < target, (target - mean) * pop / PER_GP, 0.0)
    gap = np.nan_to_num(gap)
    status = np.where(agg["villages_unknown"] > 0, UNKNOWN,
                      np.where(pop <= 0, NA, np.where(mean >= target,
                                                      np.where(agg["upper"], UNKNOWN, PASS), WARN)))
    needed = np.ceil(gap - 1e-9).clip(min=0).astype(int)
    reasons, actions = [], []
    for st, n_unknown in zip(status, agg["villages_unknown"]):
        if st == NA:
            r, a = "R8.no_residents", ""
        elif n_unknown:
            r, a = "R8.area_unknown", "R8.add_missing"
        elif st == WARN:
            r, a = "R8.area_below", "R8.area_add_gps"
        elif st == UNKNOWN:
            r, a = "R8.area_upper", "R8.add_population_only"
        else:
            r, a = "R8.area_ok", ""
        reasons.append(r)
        actions.append(a)
    fields = [params(gps=m, target=target, residents_below=below, villages_unknown=n_unknown,
                     needed=k, place_word=f"place.{place}")
              for m, below, n_unknown, k in zip(mean, agg["residents_below"],
                                                agg["villages_unknown"], needed)]
    cols = {k: v for k, v in agg.items() if k != "upper"}
    return {**cols, "gps_counted": staff, "gps_per_10000_plain": plain, "gps_gap": gap,
            "gps_needed": needed, "status": status, "reason_code": reasons,
            "action_code": actions, "params": fields}


def _staff_in(codes: np.ndarray, n: int, gps: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """GPs of the facilities in each group (NaN when one of them lacks the count)."""
    ok = codes >= 0
    staff = np.bincount(codes[ok], gps[ok], minlength=n)
    missing = np.bincount(codes[ok], unknown[ok].astype(float), minlength=n) > 0
    return np.where(missing, np.nan, staff)


def _units_tables(region, places: Places, pop: np.ndarray, values: dict, residents_below: np.ndarray,
                  near_border: np.ndarray, upper_bound: np.ndarray, gp: Reach, gps: np.ndarray,
                  gps_unknown: np.ndarray, target: float
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The R8_townships and R8_districts layers (per village: ``pop``, the figures
    ``values``, ``residents_below``, ``near_border``, ``upper_bound``; see :func:`_aggregate`;
    ``places``: the region's :class:`Places`)."""
    towns, d = region.townships, places.districts
    n_t, n_d = len(towns), len(d)
    fac_town = places.towns_of(gp.facilities)
    fac_district = np.where(fac_town >= 0, places.town_district[np.maximum(fac_town, 0)], -1)
    vil_town = places.village_town
    vil_district = np.where(vil_town >= 0, places.town_district[np.maximum(vil_town, 0)], -1)
    by_village = (pop, values, residents_below, near_border, upper_bound)
    t = _table(_aggregate(vil_town, n_t, *by_village),
               _staff_in(fac_town, n_t, gps, gps_unknown), target, "township")
    k = _table(_aggregate(vil_district, n_d, *by_village),
               _staff_in(fac_district, n_d, gps, gps_unknown), target, "district")
    town_layer = gpd.GeoDataFrame({"township_id": places.town_ids, "name": towns["name"].to_numpy(), **t},
                                  geometry=towns.geometry.values, crs=towns.crs)
    district_layer = gpd.GeoDataFrame({"district_id": d["district_id"].to_numpy(),
                                       "name": d["name"].to_numpy(), **k},
                                      geometry=d.geometry.values, crs=d.crs)
    return town_layer, district_layer


# ---------------------------------------------------------------------- supply side
def _facilities(gp: Reach, f_gp: fca.FCA, f_nurse: fca.FCA, unknown: np.ndarray,
                target: float) -> gpd.GeoDataFrame:
    """Each GP facility's weighted residents served beside its staff."""
    f = gp.facilities
    ratio = np.where(unknown | ~f_gp.reaches_anyone, np.nan, f_gp.ratio * PER_GP)
    status = np.where(unknown, UNKNOWN, np.where(~f_gp.reaches_anyone, NA,
                                                 np.where(ratio >= target, PASS, WARN)))
    reason = ["R8.facility_no_count" if s == UNKNOWN else "R8.facility_no_residents" if s == NA
              else "R8.facility_ok" if s == PASS else "R8.facility_overloaded" for s in status]
    fields = [params(minutes=gp.minutes, gps=r, target=target) for r in ratio]
    cols = {c: f[c].to_numpy() for c in ("facility_id", "name", "kind", "township_id", "gps", "nurses")
            if c in f}
    return gpd.GeoDataFrame({
        **cols, "served_population": f_gp.served, "villages_reached": np.diff(gp.costs.indptr),
        "gps_per_10000_served": ratio,
        "nurses_per_1000_served": np.where(f_nurse.reaches_anyone, f_nurse.ratio * PER_NURSE, np.nan),
        "status": status, "reason_code": reason, "params": fields},
        geometry=f.geometry.values, crs=f.crs)


def _clinics(vd: Reach, f_vd: fca.FCA, unknown: np.ndarray) -> gpd.GeoDataFrame:
    """Each village clinic's weighted residents served beside its village doctors (no target)."""
    f = vd.facilities
    cols = {c: f[c].to_numpy() for c in ("facility_id", "name", "kind", "township_id", "village_id",
                                         "village_doctors") if c in f}
    return gpd.GeoDataFrame({
        **cols, "served_population": f_vd.served, "villages_reached": np.diff(vd.costs.indptr),
        "village_doctors_per_1000_served": np.where(unknown | ~f_vd.reaches_anyone, np.nan,
                                                    f_vd.ratio * PER_VD),
        "status": np.where(unknown, UNKNOWN, NA),
        "reason_code": np.where(unknown, "R8.clinic_no_count", "R8.clinic_no_target"),
        "params": [{} for _ in range(len(f))]},                  # params() of nothing
        geometry=f.geometry.values, crs=f.crs)


# ---------------------------------------------------------------------- summary
def _figures(p: dict, gp: Reach, vd: Reach, f_gp: fca.FCA, gps: np.ndarray,
             gps_unknown: np.ndarray, demand: np.ndarray, pop_known: np.ndarray,
             target: float, a: np.ndarray, residents_below: np.ndarray, status: np.ndarray,
             near_border: np.ndarray) -> dict:
    """The summary's figures; per village ``a`` (GPs per 10,000 within reach),
    ``residents_below``, ``status``, ``near_border`` (the units' columns)."""
    residents = float(demand.sum())
    judged = pop_known & np.isfinite(a)
    pa = float((demand[judged] * a[judged]).sum())
    wsum = float(demand[judged].sum())
    counted = float(gps[~gps_unknown].sum())
    reaching = float(gps[f_gp.reaches_anyone & ~gps_unknown].sum())
    below = float(residents_below.sum())
    at_or_above = float(demand[status == PASS].sum())
    return {
        "target_gps_per_10000": target, "target_nurses_per_1000": p["nurses_per_1000"],
        "mode": gp.mode, "minutes": gp.minutes, "decay": p["decay"],
        "village_doctor_mode": vd.mode, "village_doctor_minutes": vd.minutes,
        "residents": int(residents),
        "gps_counted": counted,
        "gp_facilities": int(len(gp.facilities)),
        "gp_facilities_without_count": int(gps_unknown.sum()),
        "gps_per_10000_plain": round(counted / residents * PER_GP, 4) if residents else None,
        "gps_per_10000_within_reach": round(pa / wsum, 4) if wsum else None,
        "gps_reaching_anyone": reaching,
        # Σ residents × GPs per resident within reach: equals gps_reaching_anyone when
        # every village is judged (supply is conserved)
        "gps_within_reach_total": round(pa / PER_GP, 6),
        "residents_below_reference": int(below),
        "residents_at_or_above_reference": int(at_or_above),
        "share_at_or_above_reference": round(at_or_above / residents, 4) if residents else None,
        "villages_unknown": int((status == UNKNOWN).sum()),
        "villages_near_border": int(near_border.sum()),
    }


def _notes(p: dict, figures: dict, gp: Reach, gps_unknown: np.ndarray) -> list[Note]:
    decay = {"bands": Msg("decay.bands", {"weights": "/".join(f"{w:g}" for w in p["band_weights"])}),
             "gaussian": Msg("decay.gaussian", {"share": p["gaussian_sigma_share"]}),
             "none": Msg("decay.none")}.get(p["decay"], p["decay"])
    notes = [
        Note("note.R8.method", {"mode_word": f"mode.{gp.mode}", "minutes": gp.minutes,
                               "decay": decay}),
        Note("note.R8.target", {"target": p["gps_per_10000"]}),
        Note("note.R8.nurses", {"nurses": p["nurses_per_1000"]}),
    ]
    if figures["villages_near_border"]:
        notes.append(Note("note.R8.border", {"villages": figures["villages_near_border"]}))
    if gps_unknown.any():
        names = gp.facilities.loc[gps_unknown, "name"].astype(str).head(10).tolist()
        notes.append(Note("note.R8.gps_unknown", {"n": int(gps_unknown.sum()), "facilities": names}))
    return notes
