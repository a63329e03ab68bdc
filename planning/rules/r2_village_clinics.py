"""R2: a standardized village clinic (村卫生室) within 1.5 km of every village committee.

Policy: 001 §二(一)3 — one standardized clinic per administrative village in principle;
adjacent villages with small service radius and good transport may share one; villages
unsuited to their own clinic are served by touring (巡诊), dispatched staff (派驻) or
neighbour extension (邻村延伸); 000 §二(四) — small villages by touring etc.;
004 §一(一)2 — "农村1.5公里范围内有1所标准化村卫生室" (the 1.5 km reference standard).

Units are village committees (村委会, by code: suffix 200-399), in towns and streets alike.
Distances: road metres along the walking network (the engine's snapping convention) and
straight metres, both reported; ``R2.measure`` says which one decides. A region without a
road network (``access.straight``) is judged by the straight radius — the policy's own
"1.5公里范围内", without a detour factor — and has no road metres.

Per village the coverage is one of:
``own`` (a clinic of this village within the limit), ``shared`` (the nearest clinic
within the limit belongs to another village — named; warned when that village is not
adjacent or lies in another township, since clinics are managed by township),
``served`` (no clinic within the limit but the village has a ``service_mode``: touring,
dispatched staff, neighbour extension) or ``gap``.

A clinic's own village is its ``village_id`` when the data say so, else the village
whose seat is nearest (straight) when within ``R2.own_clinic_max_m``. Villages are
adjacent when their Voronoi cells touch (Delaunay neighbours of the village seats).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.rules.rulebook import Rulebook
from planning.rules.base import (FAIL, PASS, WARN, RuleResult, facilities_of, new_result, params,
                                 units_frame)
from planning.schema import CLINIC_KINDS, ServiceMode, VillageKind

WALK = "walk"
#: committees' rows kept per region (see :func:`check`), at most this many per committee
ROWS_KEPT_PER_VILLAGE = 8


def _adjacency(points: gpd.GeoSeries) -> set[tuple[int, int]]:
    """Pairs of positions (i, j), i < j, whose Voronoi cells touch (natural neighbours)."""
    pts = shapely.points(np.column_stack([points.x, points.y]))
    if len(pts) < 2:
        return set()
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), ordered=True))
    tree = shapely.STRtree(cells)
    a, b = tree.query(cells, predicate="intersects")
    return {(int(i), int(j)) for i, j in zip(a, b) if i < j}


def _village_lookups(villages: gpd.GeoDataFrame) -> tuple[dict, dict, dict]:
    """Per village id: its township id, its name and its position in ``villages``."""
    vids = villages["village_id"].tolist()
    return (dict(zip(vids, villages["township_id"].tolist())),
            dict(zip(vids, villages["name"].tolist())), {vid: i for i, vid in enumerate(vids)})


def clinics_home_village(clinics: gpd.GeoDataFrame, villages: gpd.GeoDataFrame,
                         own_max_m: float, known: dict | None = None) -> pd.Series:
    """Each clinic's own village id: from its ``village_id`` column, else the nearest
    village seat within ``own_max_m`` metres (straight), else None.

    ``known`` keeps the answers by position (x, y) for these ``villages`` and
    ``own_max_m`` (a scenario's villages never move): only new positions are looked up."""
    home = pd.Series([None] * len(clinics), index=clinics.index, dtype=object)
    if "village_id" in clinics:
        ids = set(villages["village_id"].tolist())     # (a set: Series.isin is slow on text)
        given = clinics["village_id"].where([v in ids for v in clinics["village_id"].tolist()])
        home = given.astype(object).where(given.notna(), None)
    missing = home.isna()
    if missing.any() and len(villages):
        known = {} if known is None else known
        pts = clinics.loc[missing, ["geometry"]]
        xy = list(zip(pts.geometry.x.tolist(), pts.geometry.y.tolist()))
        new = [i for i, p in enumerate(xy) if p not in known]
        if new:
            j, _ = _nearest_first(pts.geometry.values[new], villages.geometry.values, own_max_m)
            vids = villages["village_id"].to_numpy(object)
            known.update(zip([xy[i] for i in new], [vids[k] if k >= 0 else None for k in j]))
        home.loc[missing] = [known[p] for p in xy]
    return home


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """Judge every village committee's access to a standardized village clinic.

    Parameters
    ----------
    region : Region
    rulebook : Rulebook
        ``R2.max_distance_m`` (metres), ``R2.measure``, ``R2.inclusive``,
        ``R2.require_standardized``, ``R2.touring_population_threshold`` (residents),
        ``R2.own_clinic_max_m`` (metres).
    access : planning.travel.access.Access
        Road distances on the walking network.

    Returns
    -------
    RuleResult
        Units: village committees with ``nearest_clinic_id``, ``nearest_clinic``,
        ``clinic_distance_m`` (the distance the rule used), ``clinic_road_m``,
        ``clinic_straight_m``, ``coverage``, ``status``, ``reason_code``, ``action_code``,
        ``params``.
        Layers ``R2_villages`` and ``R2_clinics`` (villages and residents each clinic
        serves as their nearest).
    """
    p = rulebook["R2"]
    limit = p["max_distance_m"]
    within = (lambda d: d <= limit) if p["inclusive"] else (lambda d: d < limit)
    villages = region.villages
    committees = villages[villages["kind"] == VillageKind.VILLAGE_COMMITTEE.value]
    clinics_all = facilities_of(region, CLINIC_KINDS)
    standard = clinics_all
    if p["require_standardized"] and "standardized" in clinics_all:
        standard = clinics_all[clinics_all["standardized"].fillna(True).astype(bool)]
    substandard = clinics_all.drop(standard.index)

    home = clinics_home_village(clinics_all, villages, p["own_clinic_max_m"],
                                access.static(("clinics' home village", p["own_clinic_max_m"]), dict))
    # villages' ids, names, townships and places never change in a scenario: their
    # lookups (and the adjacency of their Voronoi cells) are made once per region
    town_of, village_name, pos = access.static("R2 villages' lookups", lambda: _village_lookups(villages))
    no_roads = getattr(access, "straight", False)
    straight = _nearest_straight(committees, standard)
    if no_roads:  # the straight radius decides; no road metres to show
        road = straight.assign(cost=np.inf, facility_id=None)
        sub_road = _nearest_straight(committees, substandard)
    else:
        road = access.nearest(WALK, standard, "length").loc[committees.index]
        sub_road = access.nearest(WALK, substandard, "length").loc[committees.index]
    snap = access.snap_table(WALK).loc[committees.index]

    # adjacency between all villages (committees share with any neighbour)
    adjacent = access.static("village adjacency", lambda: _adjacency(villages.geometry))

    use_road = p["measure"] == "road" and not no_roads
    # plain lookups for the loop below (pandas row access costs more than the rule)
    std_name = dict(zip(standard["facility_id"].tolist(), standard["name"].tolist()))
    std_home = {fid: (None if pd.isna(h) else h)
                for fid, h in zip(standard["facility_id"].tolist(), home.reindex(standard.index).tolist())}
    sub_name = dict(zip(substandard["facility_id"].tolist(), substandard["name"].tolist()))
    r_costs, r_facs = road["cost"].to_numpy(), road["facility_id"].to_numpy(object)
    s_costs, s_facs = straight["cost"].to_numpy(), straight["facility_id"].to_numpy(object)
    sub_costs, sub_facs = sub_road["cost"].to_numpy(), sub_road["facility_id"].to_numpy(object)
    snap_m, snap_code = snap["access_m"].to_numpy(), snap["road_snap"].to_numpy(object)
    # a committee's row follows from the values in its key (the rest — its name, place,
    # snapping, neighbours — never changes for this region): rows are kept by key, so a
    # scenario edit recomputes only the rows of the villages whose values it changed
    made = access.static(("R2 rows", json.dumps(p, sort_keys=True, default=str), no_roads), dict)
    if len(made) > ROWS_KEPT_PER_VILLAGE * max(len(committees), 1):
        made.clear()
    rows = []
    # (plain Python values: numpy scalars cost more than the rule's own work per row)
    for (vid, vname, town, pop_raw, mode_raw, geom, r_cost, r_fac, s_cost, s_fac, sub_cost,
         sub_fac, access_m, road_snap) in zip(
            *(committees[c].tolist() for c in ("village_id", "name", "township_id", "population",
                                               "service_mode")),
            np.asarray(committees.geometry.values),
            r_costs.tolist(), r_facs.tolist(), s_costs.tolist(), s_facs.tolist(),
            sub_costs.tolist(), sub_facs.tolist(), snap_m.tolist(), snap_code.tolist()):
        dist, fac = (r_cost, r_fac) if use_road else (s_cost, s_fac)
        fac = fac if isinstance(fac, str) else None
        fac_name = std_name.get(fac)
        fac_home = std_home.get(fac)
        key = (vid, float(r_cost), r_fac, float(s_cost), s_fac, float(sub_cost),
               sub_fac, fac_name, fac_home, sub_name.get(sub_fac),
               mode_raw if isinstance(mode_raw, str) else None,
               pop_raw if pop_raw == pop_raw else None)           # NaN -> None (a usable key)
        row = made.get(key)
        if row is not None:
            rows.append(row)
            continue
        mode = mode_raw if isinstance(mode_raw, str) and mode_raw else None
        pop = float(pop_raw) if pd.notna(pop_raw) else np.nan
        action = ""
        fields = {"clinic": fac_name, "distance_m": dist, "limit_m": limit}
        if np.isfinite(dist) and within(dist):
            if fac_home == vid:
                coverage, status, reason = "own", PASS, "R2.own"
            else:
                coverage, status = "shared", PASS
                reason = "R2.shared" if fac_home else "R2.shared_unowned"
                fields["village"] = village_name.get(fac_home, fac_home) if fac_home else None
                if fac_home is not None:
                    i, j = pos[vid], pos[fac_home]
                    if (min(i, j), max(i, j)) not in adjacent:
                        reason += ";R2.not_adjacent"
                    if town_of.get(fac_home) != town:
                        reason += ";R2.other_township"
                if ";" in reason:
                    status, action = WARN, "R2.check_sharing"
        elif mode is not None:
            coverage, status = "served", WARN
            reason, action = "R2.served", "R2.keep_service"
            fields["service_word"] = f"service_mode.{mode}" if mode in ServiceMode._value2member_map_ \
                else mode
        else:
            coverage, status = "gap", FAIL
            reason = "R2.gap" if np.isfinite(dist) else "R2.no_clinic" if no_roads else "R2.unreachable"
            if np.isfinite(sub_cost) and within(sub_cost):
                action, fields["clinic"] = "R2.upgrade", sub_name[sub_fac]
            elif pop < p["touring_population_threshold"]:   # False when unknown
                action = "R2.touring"
            elif np.isnan(pop):
                action = "R2.new_check_population"
            else:
                action = "R2.new"
        row = made[key] = {
            "unit_id": vid, "name": vname, "township_id": town,
            "population": pop, "service_mode": mode,
            "nearest_clinic_id": fac, "nearest_clinic": fac_name,
            "clinic_distance_m": float(dist) if np.isfinite(dist) else np.nan,
            "clinic_road_m": float(r_cost) if np.isfinite(r_cost) else np.nan,
            "clinic_straight_m": float(s_cost) if np.isfinite(s_cost) else np.nan,
            "reachable": bool(np.isfinite(r_cost)) if not no_roads else None,
            "access_m": access_m, "road_snap": road_snap,
            "coverage": coverage, "status": status, "reason_code": reason,
            "action_code": action, "params": params(**fields), "geometry": geom}
        rows.append(row)
    units = _units(rows, villages.crs)
    clinics = _clinic_table(clinics_all, standard, home, units, village_name, limit, within)
    figures = {"coverage": units["coverage"].value_counts().to_dict() if len(units) else {},
               "max_distance_m": limit, "measure": "straight" if no_roads else p["measure"],
               "snapping": access.snap_report(WALK, clinics_all)}
    if no_roads:
        figures["no_roads"] = True
    return new_result("R2", rulebook, units, "village",
                      layers={"R2_villages": units.rename(columns={"unit_id": "village_id"}),
                              "R2_clinics": clinics}, figures=figures)


def _units(rows: list[dict], crs) -> gpd.GeoDataFrame:
    """The committees' table from their rows (dicts made by one literal, so their keys
    come in one order): built column by column, cheaper than from the row dicts."""
    if not rows:
        return units_frame(rows, crs)
    columns = zip(*(row.values() for row in rows))
    return gpd.GeoDataFrame(dict(zip(rows[0], map(list, columns))), geometry="geometry", crs=crs)


def _nearest_straight(villages: gpd.GeoDataFrame, clinics: gpd.GeoDataFrame) -> pd.DataFrame:
    """Straight-line metres from each village to its nearest clinic (metric CRS)."""
    out = pd.DataFrame({"cost": np.inf, "facility_id": None}, index=villages.index)
    if len(clinics) == 0 or len(villages) == 0:
        return out
    j, d = _nearest_first(villages.geometry.values, clinics.geometry.values)
    ids = clinics["facility_id"].to_numpy(object)
    out["cost"] = np.where(j >= 0, d, np.inf)
    out["facility_id"] = pd.Series(np.where(j >= 0, ids[np.maximum(j, 0)], None),
                                   index=out.index, dtype=object)
    return out


def _nearest_first(points, targets, max_distance: float | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the position of its nearest target (-1: none within ``max_distance``
    metres) and the straight metres to it; of equally near targets, the first the tree
    gives, as :func:`geopandas.sjoin_nearest` keeps it (one tree query, none of the
    join's tables)."""
    j, d = np.full(len(points), -1, dtype=np.int64), np.full(len(points), np.inf)
    (i, t), dist = shapely.STRtree(targets).query_nearest(
        points, max_distance=max_distance, return_distance=True, all_matches=True)
    first = np.unique(i, return_index=True)[1]
    j[i[first]], d[i[first]] = t[first], dist[first]
    return j, d


def _clinic_table(clinics_all, standard, home, units, village_name, limit, within) -> gpd.GeoDataFrame:
    if "nearest_clinic_id" not in units:  # a region without village committees
        units = units.assign(nearest_clinic_id=pd.Series(dtype=object),
                             clinic_distance_m=pd.Series(dtype=float))
    # villages and residents (unknown as 0) each clinic serves as their nearest
    fid = units["nearest_clinic_id"].to_numpy(object)
    d = units["clinic_distance_m"].to_numpy(float)
    pop = units["population"].to_numpy(float)
    served = np.array([isinstance(f, str) for f in fid], dtype=bool) & np.isfinite(d)
    served[served] = within(d[served])
    # grouped by the clinics' positions (integers: grouping by the text ids costs more
    # than the rest of the table); a repeated id counts for each of its clinics
    ids = clinics_all["facility_id"].tolist()
    group: dict = {}
    for f in ids:
        group.setdefault(f, len(group))
    code = np.array([group.get(f, -1) for f in fid[served].tolist()], dtype=np.int64)
    known = code >= 0
    code, pop = code[known], pop[served][known]
    size = np.bincount(code, minlength=len(group))
    total = np.zeros(len(group))     # pandas' (compensated) sum, as the text-keyed grouping
    by = pd.Series(np.where(np.isnan(pop), 0.0, pop)).groupby(code).sum()
    total[by.index.to_numpy(np.int64)] = by.to_numpy(float)
    at = np.array([group[f] for f in ids], dtype=np.int64)
    n_served, residents = size[at].astype(np.int64), total[at]
    standardized = clinics_all.index.isin(standard.index)
    home_id = home.reindex(clinics_all.index).values
    same = params(limit_m=limit)
    t = gpd.GeoDataFrame({
        "facility_id": clinics_all["facility_id"], "name": clinics_all["name"],
        "kind": clinics_all["kind"], "geometry": clinics_all.geometry,
        "standardized": standardized, "home_village_id": home_id,
        "home_village": [village_name.get(h, np.nan) if isinstance(h, str) else np.nan
                         for h in home_id],
        "villages_served": n_served, "residents_served": residents,
        "status": np.where(~standardized, WARN, np.where(n_served > 0, PASS, WARN)),
        "reason_code": np.where(~standardized, "R2.substandard",
                                np.where(n_served > 0, "R2.serves", "R2.serves_none")),
        "params": [dict(same) for _ in range(len(ids))],
    }, geometry="geometry", crs=clinics_all.crs, index=clinics_all.index)
    return t
