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
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from planning.rules.rulebook import Rulebook
from planning.rules.base import (FAIL, PASS, WARN, RuleResult, column_array, facilities_of,
                                 new_result, object_array, params, units_frame)
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
                         own_max_m: float, known: dict | None = None,
                         village_ids: set | None = None) -> pd.Series:
    """Each clinic's own village id: from its ``village_id`` column, else the nearest
    village seat within ``own_max_m`` metres (straight), else None.

    ``known`` keeps the answers by position (x, y) for these ``villages`` and
    ``own_max_m`` (a scenario's villages never move): only new positions are looked up;
    ``village_ids`` is the set of the villages' ids, when known already."""
    return pd.Series(_home_villages(clinics, villages, own_max_m, known, village_ids),
                     index=clinics.index, dtype=object)


def _home_villages(clinics: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, own_max_m: float,
                   known: dict | None = None, village_ids: set | None = None) -> np.ndarray:
    """:func:`clinics_home_village` as an object array by the clinics' positions."""
    home = np.full(len(clinics), None, dtype=object)
    if "village_id" in clinics:
        ids = set(villages["village_id"].tolist()) if village_ids is None else village_ids
        home[:] = [v if v in ids else None for v in clinics["village_id"].tolist()]
    missing = np.flatnonzero(np.equal(home, None))
    if len(missing) and len(villages):
        known = {} if known is None else known
        geoms = clinics.geometry.values[missing]
        xy = list(map(tuple, shapely.get_coordinates(geoms).tolist()))
        new = [i for i, p in enumerate(xy) if p not in known]
        if new:
            j, _ = _nearest_first(geoms[new], villages.geometry.values, own_max_m)
            vids = villages["village_id"].to_numpy(object)
            known.update(zip([xy[i] for i in new], [vids[k] if k >= 0 else None for k in j]))
        home[missing] = object_array([known[p] for p in xy])
    return home


def _committees(villages: gpd.GeoDataFrame, access) -> dict:
    """What R2 reads of the village committees that a scenario never changes: their
    positions in ``villages``, index, ids, names, townships, seats (region CRS) and how
    they joined the walking network (made once per region: ``access.static``)."""
    pos = np.flatnonzero((villages["kind"] == VillageKind.VILLAGE_COMMITTEE.value).to_numpy(bool))
    snap = access.snap_table(WALK)
    return {"pos": pos, "index": villages.index[pos],
            **{c: villages[c].to_numpy(object)[pos].tolist()
               for c in ("village_id", "name", "township_id")},
            "seats": np.asarray(villages.geometry.values[pos]),
            "access_m": snap["access_m"].to_numpy()[pos].tolist(),
            "road_snap": snap["road_snap"].to_numpy(object)[pos].tolist(),
            "village_ids": set(villages["village_id"].tolist())}


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
        serves as their nearest), made when first read.
    """
    p = rulebook["R2"]
    limit = p["max_distance_m"]
    within = (lambda d: d <= limit) if p["inclusive"] else (lambda d: d < limit)
    villages = region.villages
    # villages' ids, names, townships, places and snapping never change in a scenario:
    # they (and the lookups, and the adjacency of their Voronoi cells) are read once
    # per region
    com = access.static("R2 committees", lambda: _committees(villages, access))
    at = com["pos"]
    clinics_all = facilities_of(region, CLINIC_KINDS)
    is_standard = np.ones(len(clinics_all), dtype=bool)
    if p["require_standardized"] and "standardized" in clinics_all:
        is_standard = clinics_all["standardized"].fillna(True).astype(bool).to_numpy(bool)
    standard = clinics_all if is_standard.all() else clinics_all.iloc[np.flatnonzero(is_standard)]
    substandard = clinics_all.iloc[np.flatnonzero(~is_standard)]

    home = _home_villages(clinics_all, villages, p["own_clinic_max_m"],
                          access.static(("clinics' home village", p["own_clinic_max_m"]), dict),
                          com["village_ids"])
    town_of, village_name, pos = access.static("R2 villages' lookups", lambda: _village_lookups(villages))
    no_roads = getattr(access, "straight", False)
    s_costs, s_facs = _nearest_straight(com["seats"], standard, access.static("R2 straight", dict))
    if no_roads:  # the straight radius decides; no road metres to show
        r_costs, r_facs = np.full(len(at), np.inf), np.full(len(at), None, dtype=object)
        sub_costs, sub_facs = _nearest_straight(com["seats"], substandard)
    else:
        road = access.nearest(WALK, standard, "length")
        sub_road = access.nearest(WALK, substandard, "length")
        r_costs, r_facs = road["cost"].to_numpy()[at], road["facility_id"].to_numpy(object)[at]
        sub_costs = sub_road["cost"].to_numpy()[at]
        sub_facs = sub_road["facility_id"].to_numpy(object)[at]

    # adjacency between all villages (committees share with any neighbour)
    adjacent = access.static("village adjacency", lambda: _adjacency(villages.geometry))

    use_road = p["measure"] == "road" and not no_roads
    # plain lookups for the loop below (pandas row access costs more than the rule)
    std_ids = standard["facility_id"].tolist()
    std_name = dict(zip(std_ids, standard["name"].tolist()))
    std_home = dict(zip(std_ids, home[is_standard].tolist()))
    sub_name = dict(zip(substandard["facility_id"].tolist(), substandard["name"].tolist()))
    # a committee's row follows from the values in its key (the rest — its name, place,
    # snapping, neighbours — never changes for this region): rows are kept by key, so a
    # scenario edit recomputes only the rows of the villages whose values it changed
    made_key = (json.dumps(p, sort_keys=True, default=str), no_roads)
    made = access.static(("R2 rows",) + made_key, dict)
    if len(made) > ROWS_KEPT_PER_VILLAGE * max(len(at), 1):
        made.clear()
    # the values a committee's row follows from, and the committees whose values
    # changed since the last rows made for this region (None: every committee)
    values = (r_costs, r_facs, s_costs, s_facs, sub_costs, sub_facs,
              villages["population"].to_numpy()[at], villages["service_mode"].to_numpy(object)[at])
    names = (std_name, std_home, sub_name)
    last = access.static(("R2 last rows",) + made_key, dict)
    redo = _changed(last, values, names, (1, 3, 5))
    rows = [None] * len(at) if redo is None else list(last["rows"])
    todo = range(len(at)) if redo is None else np.flatnonzero(redo).tolist()
    columns = [v.tolist() for v in values] if redo is None or len(todo) > len(at) // 8 else None
    for i in todo:
        # (plain Python values: numpy scalars cost more than the rule's own work per row)
        vid, vname, town, geom = com["village_id"][i], com["name"][i], com["township_id"][i], com["seats"][i]
        access_m, road_snap = com["access_m"][i], com["road_snap"][i]
        r_cost, r_fac, s_cost, s_fac, sub_cost, sub_fac, pop_raw, mode_raw = \
            [c[i] for c in columns] if columns is not None else [_plain(v[i]) for v in values]
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
            rows[i] = row
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
                    a, b = pos[vid], pos[fac_home]
                    if (min(a, b), max(a, b)) not in adjacent:
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
        rows[i] = row
    last.update(values=values, names=names, rows=rows)
    units = _units(rows, villages.crs, access.static(("R2 units",) + made_key, dict),
                   None if redo is None else todo)
    # (pandas' value_counts order: most frequent first, ties in order of appearance)
    coverage = sorted(Counter(row["coverage"] for row in rows).items(), key=lambda kv: -kv[1])
    figures = {"coverage": dict(coverage),
               "max_distance_m": limit, "measure": "straight" if no_roads else p["measure"],
               "snapping": access.snap_report(WALK, clinics_all)}
    if no_roads:
        figures["no_roads"] = True
    return new_result("R2", rulebook, units, "village",
                      layers={"R2_villages": lambda: units.rename(columns={"unit_id": "village_id"}),
                              "R2_clinics": lambda: _clinic_table(clinics_all, is_standard, home,
                                                                  units, village_name, limit, within)},
                      figures=figures)


def _plain(value):
    """A numpy scalar as the Python value ``tolist`` gives; other values as they are."""
    return value.item() if isinstance(value, np.generic) else value


def _changed(last: dict, values: tuple, names: tuple, ids: tuple) -> np.ndarray | None:
    """Which committees' rows may differ from ``last`` (the values, clinic names and
    homes its rows were made from): a value differs (missing values equal), or the
    clinic named in ``values[k]`` for ``k`` in ``ids`` has another name or home than
    then. None when there are no such rows to compare with."""
    if not last or len(last["rows"]) != len(values[0]):
        return None
    redo = np.zeros(len(values[0]), dtype=bool)
    for new, old in zip(values, last["values"]):
        if new.dtype != old.dtype or new.dtype.kind not in "fO":
            return None
        missing = pd.isna(new) & pd.isna(old)
        redo |= ~(missing | (new == old))
    renamed = {f for now, then in zip(names, last["names"]) if now != then
               for f, _ in now.items() - then.items() if f in then}
    if renamed:
        for k in ids:
            redo |= np.fromiter((f in renamed for f in values[k].tolist()), bool, len(redo))
    return redo


def _units(rows: list[dict], crs, kept: dict | None = None,
           maybe: list[int] | None = None) -> gpd.GeoDataFrame:
    """The committees' table from their rows (dicts made by one literal, so their keys
    come in one order): built column by column, cheaper than from the row dicts.

    ``kept`` keeps the last table's columns and rows for these committees: a row that
    is the very object it was then (rows are kept by the values they follow from) is
    unchanged, so only the others are written, each column keeping the type pandas
    gives the whole column (where that cannot be told from the rows written, the
    column is made afresh). ``maybe``: the only positions whose rows may have changed
    since (None: any)."""
    if not rows:
        return units_frame(rows, crs)
    last = None if kept is None else kept.get("last")
    changed = None
    if last is not None and len(last[0]) == len(rows):
        changed = [i for i, (a, b) in enumerate(zip(last[0], rows)) if a is not b] \
            if maybe is None else [i for i in maybe if last[0][i] is not rows[i]]
    if changed is None or len(changed) > len(rows) // 4:
        columns = zip(*(row.values() for row in rows))
        frame = gpd.GeoDataFrame(dict(zip(rows[0], map(list, columns))), geometry="geometry", crs=crs)
        arrays = {c: column_array(frame[c]).copy() for c in frame.columns}
    else:
        arrays = {c: _patched(arr, c, rows, changed, last[0]) for c, arr in last[1].items()}
        frame = None
    if kept is not None:
        kept["last"] = (rows, arrays)
    if frame is None:   # (each table its own arrays: a write to one never reaches another)
        frame = gpd.GeoDataFrame({c: arr.copy() for c, arr in arrays.items()},
                                 geometry="geometry", crs=crs, copy=False)
    return frame


def _patched(arr, column: str, rows: list[dict], changed: list[int], before: list[dict]):
    """Column ``column`` of the rows: ``arr`` (the same column of the rows ``before``, a
    numpy or extension array of the type pandas gave it) with the values of the
    ``changed`` rows written, when the type stays what pandas would give the whole
    column; else the column made afresh from every row."""
    values = [rows[i][column] for i in changed]
    if all(a is b or a == b or (a != a and b != b)
           for a, b in zip((before[i][column] for i in changed), values)):
        return arr     # (a committee's name, place, snapping: the same in every row)
    kinds = {type(v) for v in values}
    dtype = arr.dtype
    keeps = False
    if isinstance(arr, np.ndarray) and dtype.kind in "fb":
        keeps = kinds <= ({float} if dtype.kind == "f" else {bool})
    elif isinstance(dtype, pd.StringDtype):
        # text and missing values stay text while one text value is left in the column
        keeps = all(isinstance(v, str) or v is None or (type(v) is float and v != v)
                    for v in values) \
            and (any(isinstance(v, str) for v in values) or _texts_left(arr, changed))
    elif isinstance(dtype, gpd.array.GeometryDtype):
        keeps = all(v is None or isinstance(v, shapely.Geometry) for v in values)
    elif dtype == object:
        # dicts (a unit's params) stay objects; so does a column of None written None
        keeps = kinds == {dict} or (kinds == {type(None)} and all(v is None for v in arr))
    if not keeps:
        return column_array(pd.DataFrame({column: [row[column] for row in rows]})[column])
    if isinstance(dtype, pd.StringDtype):
        return _text_patched(arr, changed, values)
    out = arr.copy()
    out[changed] = object_array(values) if dtype == object else values
    return out


def _texts_left(arr, changed: list[int]) -> bool:
    """Whether a text value of ``arr`` (a text array) lies outside ``changed``."""
    return len(arr) - int(arr.isna().sum()) > int((~arr[changed].isna()).sum())


def _text_patched(arr, changed: list[int], values: list):
    """A text array with ``values`` written at ``changed`` (one take of the arrow data:
    pandas' own item writing converts the whole column)."""
    data = arr._pa_array
    data = data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data
    new = pa.array([v if isinstance(v, str) else None for v in values], type=data.type)
    idx = np.arange(len(arr))
    idx[changed] = len(arr) + np.arange(len(changed))
    return type(arr)(pa.concat_arrays([data, new]).take(pa.array(idx)), dtype=arr.dtype)


def _nearest_straight(points: np.ndarray, clinics: gpd.GeoDataFrame, kept: dict | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line metres from each point (shapely points, metric CRS) to its nearest
    clinic, and that clinic's id (an object array; inf and None: no clinic).

    ``kept`` keeps the last answer for these points (with the clinics' places and which
    points had two nearest clinics at one distance): after an edit only the points it
    can reach are asked again — those whose nearest clinic closed or moved, those as
    near to an added or moved clinic as to their nearest, and the tied ones (which of
    equally near clinics comes first is the tree's)."""
    n = len(points)
    cost, fac = np.full(n, np.inf), np.full(n, None, dtype=object)
    if len(clinics) == 0 or n == 0:
        if kept is not None:
            kept.pop("last", None)
        return cost, fac
    ids = clinics["facility_id"].to_numpy(object)
    geoms = clinics.geometry.values
    xy = shapely.get_coordinates(geoms)
    where = dict(zip(ids.tolist(), map(tuple, xy.tolist()))) \
        if len(xy) == len(ids) and kept is not None else None
    if where is not None and len(where) < len(ids):
        where = None                            # repeated ids: no answers kept
    last = None if kept is None or where is None else kept.get("last")
    ask = np.ones(n, dtype=bool)
    tied = np.zeros(n, dtype=bool)
    if last is not None:
        new = [p for k, p in where.items() if last["where"].get(k) != p]
        gone = [k for k, p in last["where"].items() if where.get(k) != p]
        if len(new) + len(gone) <= INCREMENTAL_CLINICS:
            gone = set(gone)
            ask = last["tied"] | np.fromiter((f in gone for f in last["fac"].tolist()), bool, n)
            for x, y in new:
                ask |= shapely.distance(points, shapely.Point(x, y)) <= last["cost"]
            cost[:], fac[:], tied[:] = last["cost"], last["fac"], last["tied"]
    if ask.any():
        at = np.flatnonzero(ask)
        j, d, two = _nearest_first(points[at], geoms, ties=True)
        found = j >= 0
        cost[at] = np.where(found, d, np.inf)
        fac[at] = np.where(found, ids[np.maximum(j, 0)], None)
        tied[at] = two
    if where is not None:
        kept["last"] = {"where": where, "cost": cost.copy(), "fac": fac.copy(), "tied": tied}
    return cost, fac


#: clinics added, moved or closed since the last answer up to which
#: :func:`_nearest_straight` asks again only the points they reach
INCREMENTAL_CLINICS = 16


def _nearest_first(points, targets, max_distance: float | None = None, ties: bool = False
                   ) -> tuple[np.ndarray, ...]:
    """Per point, the position of its nearest target (-1: none within ``max_distance``
    metres) and the straight metres to it; of equally near targets, the first the tree
    gives, as :func:`geopandas.sjoin_nearest` keeps it (one tree query, none of the
    join's tables). With ``ties``, also whether two or more targets were equally near."""
    j, d = np.full(len(points), -1, dtype=np.int64), np.full(len(points), np.inf)
    (i, t), dist = shapely.STRtree(targets).query_nearest(
        points, max_distance=max_distance, return_distance=True, all_matches=True)
    first, count = np.unique(i, return_index=True, return_counts=True)[1:]
    j[i[first]], d[i[first]] = t[first], dist[first]
    if not ties:
        return j, d
    two = np.zeros(len(points), dtype=bool)
    two[i[first]] = count > 1
    return j, d, two


def _clinic_table(clinics_all, is_standard, home, units, village_name, limit,
                  within) -> gpd.GeoDataFrame:
    """The layer ``R2_clinics``: each clinic (``is_standard``, ``home``: arrays by the
    clinics' positions) with the villages and residents it serves as their nearest."""
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
    standardized = np.asarray(is_standard, dtype=bool)
    same = params(limit_m=limit)
    t = gpd.GeoDataFrame({
        "facility_id": clinics_all["facility_id"], "name": clinics_all["name"],
        "kind": clinics_all["kind"], "geometry": clinics_all.geometry,
        "standardized": standardized, "home_village_id": home,
        "home_village": [village_name.get(h, np.nan) if isinstance(h, str) else np.nan
                         for h in home],
        "villages_served": n_served, "residents_served": residents,
        "status": np.where(~standardized, WARN, np.where(n_served > 0, PASS, WARN)),
        "reason_code": np.where(~standardized, "R2.substandard",
                                np.where(n_served > 0, "R2.serves", "R2.serves_none")),
        "params": [dict(same) for _ in range(len(ids))],
    }, geometry="geometry", crs=clinics_all.crs, index=clinics_all.index)
    return t
