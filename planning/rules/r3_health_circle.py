"""R3: the 15-minute health service circle (15分钟健康服务圈).

Policy: 004 §一(一)2 — "15分钟健康服务圈基本建成" (a reference standard). The share of
residents who reach a primary-care facility (by default 社区卫生服务中心/站, 乡镇卫生院,
村卫生室 and 村级医疗服务点) within ``R3.max_minutes`` by ``R3.mode`` (walking by
default), per village, township and district.

Population figures come from each village's own travel time (the engine's snapping
convention: access leg at walking speed, then the network). The isochrone polygons
(``R3_covered``) and the uncovered remainder of the townships (``R3_uncovered``) are
for display only.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.rulebook import Rulebook
from planning.rules.base import FAIL, PASS, RuleResult, facilities_of, new_result


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """Minutes from every village to its nearest primary-care facility.

    Returns
    -------
    RuleResult
        Units: every village with ``minutes_to_care`` (NaN when unreachable),
        ``nearest_facility_id``, ``status`` (pass within the limit); layers
        ``R3_villages``, ``R3_townships`` (share of residents within the limit),
        ``R3_covered`` and ``R3_uncovered`` (polygons, display only).
    """
    p = rulebook["R3"]
    limit_min = p["max_minutes"]
    villages = region.villages
    facilities = facilities_of(region, p["facility_kinds"])
    near = access.nearest(p["mode"], facilities, "time")
    minutes = near["cost"].to_numpy() / 60.0
    ok = np.isfinite(minutes) & (minutes <= limit_min)
    pop = villages["population"].fillna(0).astype(float)
    units = gpd.GeoDataFrame({
        "unit_id": villages["village_id"], "name": villages["name"],
        "township_id": villages["township_id"], "kind": villages["kind"],
        "population": pop,
        "minutes_to_care": np.where(np.isfinite(minutes), np.round(minutes, 2), np.nan),
        "nearest_facility_id": near["facility_id"].values,
        **access.snap_table(p["mode"]).to_dict("series"),
        "status": np.where(ok, PASS, FAIL),
        "reason": [(f"最近机构{m:.1f}分钟可达" if ok_i else f"最近机构需{m:.1f}分钟，超过{limit_min:g}分钟")
                   if np.isfinite(m) else "道路网上无法到达任何基层医疗卫生机构"
                   for m, ok_i in zip(minutes, ok)],
        "action": np.where(ok, "", "在覆盖缺口处增设村卫生室或社区卫生服务站"),
    }, geometry=villages.geometry.values, crs=villages.crs, index=villages.index)

    towns = _township_shares(region, units, p["township_target_share"])
    total = float(pop.sum())
    covered_pop = float(pop[ok].sum())
    covered = access.coverage_union(p["mode"], facilities, limit_min * 60.0, "time",
                                    p["isochrone_buffer_m"])
    region_area = shapely.union_all(region.townships.geometry.values)
    covered = shapely.intersection(covered, region_area) if covered is not None else shapely.Polygon()
    uncovered = shapely.difference(region_area, covered)
    crs = villages.crs
    layers = {
        "R3_villages": units.rename(columns={"unit_id": "village_id"}),
        "R3_townships": towns,
        "R3_covered": gpd.GeoDataFrame({"status": [PASS], "minutes": [limit_min],
                                        "mode": [p["mode"]]}, geometry=[covered], crs=crs),
        "R3_uncovered": gpd.GeoDataFrame({"status": [FAIL], "minutes": [limit_min],
                                          "mode": [p["mode"]]}, geometry=[uncovered], crs=crs),
    }
    figures = {"share_within": round(covered_pop / total, 4) if total else None,
               "residents_within": int(covered_pop), "residents": int(total),
               "mode": p["mode"], "max_minutes": limit_min,
               "covered_km2": round(covered.area / 1e6, 2),
               "uncovered_km2": round(uncovered.area / 1e6, 2),
               "snapping": access.snap_report(p["mode"], facilities)}
    return new_result("R3", rulebook, units, "village", layers=layers, figures=figures)


def _township_shares(region, units: gpd.GeoDataFrame, target: float) -> gpd.GeoDataFrame:
    """Share of residents within the limit per township (from the villages' own times)."""
    within = units["population"].where(units["status"] == PASS, 0.0)
    g = pd.DataFrame({"township_id": units["township_id"], "pop": units["population"],
                      "within": within}).groupby("township_id").sum()
    towns = region.townships[["township_id", "name", "geometry"]].copy()
    towns["population"] = towns["township_id"].map(g["pop"]).fillna(0)
    towns["residents_within"] = towns["township_id"].map(g["within"]).fillna(0)
    share = towns["residents_within"] / towns["population"].replace(0, np.nan)
    towns["share_within"] = share.round(4)
    towns["status"] = np.where(share.isna() | (share >= target), PASS, FAIL)
    return towns
