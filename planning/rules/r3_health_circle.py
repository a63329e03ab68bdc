"""R3: the 15-minute health service circle (15分钟健康服务圈).

Policy: 004 §一(一)2 — "15分钟健康服务圈基本建成" (a reference standard). The share of
residents who reach a primary-care facility (by default 社区卫生服务中心/站, 乡镇卫生院,
村卫生室 and 村级医疗服务点) within ``R3.max_minutes`` by ``R3.mode`` (walking by
default), per village, township and district.

Population figures come from each village's own travel time (the engine's snapping
convention: access leg at walking speed, then the network). The isochrone polygons
(``R3_covered``) and the uncovered remainder of the townships (``R3_uncovered``) are
for display only: by default (``settings.R3_AREAS = "surface"``) the cells of the
travel-time surface within the minutes (a cell counts when its centre walks to a road and
on within the minutes): the areas are cell counts × cell area, and the cells are
polygonised along cell edges only when a layer is read (a map, an export;
:class:`~planning.rules.base.Layers`), so a what-if click never waits for them; with
``"road_band"`` the reached roads buffered by ``isochrone_buffer_m`` (the landed drawing:
a narrower band, seconds of set algebra at city scale).

:func:`surface` gives the minutes to the nearest of the same facilities on a regular
grid (:mod:`planning.travel.surface`), per mode, for maps and GIS exports.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
import shapely.geometry

from planning import settings
from planning.errors import InputError
from planning.rules.rulebook import Rulebook
from planning.travel import surface as _surface
from planning.rules.base import (FAIL, NA, PASS, UNKNOWN, RuleResult, facilities_of,
                                 new_result, params, population_reason, units_like)


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """Minutes from every village to its nearest primary-care facility.

    Returns
    -------
    RuleResult
        Units: every village with ``minutes_to_care`` (NaN when unreachable),
        ``nearest_facility_id``, ``status`` (pass within the limit), ``reason_code``,
        ``action_code``, ``params``; layers
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
    pop = villages["population"].astype(float)           # NaN: residents unknown
    known = pop.notna().to_numpy()
    # R3 judges the share of residents: a village without a figure cannot be judged
    # (its minutes, reason and action still say whether it lies outside the circle)
    # statuses and codes taken from small text arrays by position (no string per village)
    status = pd.array([PASS, FAIL, UNKNOWN], dtype="str").take(np.where(~known, 2, np.where(ok, 0, 1)))
    limit = params(limit=limit_min)["limit"]              # each village's params: its minutes
    columns = {
        "unit_id": villages["village_id"].values, "name": villages["name"].values,
        "township_id": villages["township_id"].values, "kind": villages["kind"].values,
        "population": pop.to_numpy(),
        "minutes_to_care": np.where(np.isfinite(minutes), np.round(minutes, 2), np.nan),
        "nearest_facility_id": near["facility_id"].values,
        **access.snap_table(p["mode"]).to_dict("series"),
        "status": status,
        "reason_code": _reason_codes(minutes, ok, known),
        "action_code": pd.array(["", "R3.add", "R3.check_population_add"], dtype="str").take(
            np.where(ok, 0, np.where(known, 1, 2))),
        "params": [{"minutes": m, "limit": limit} for m in minutes.tolist()]}
    units = units_like(columns, villages)

    town_of = access.static("villages' townships", lambda: village_townships(region))
    passed = ok & known
    total = float(pop[known].sum())                       # villages with figures only
    covered_pop = float(pop[passed].sum())
    if settings.R3_AREAS not in ("road_band", "surface"):
        raise ValueError(f"settings.R3_AREAS must be 'road_band' or 'surface', "
                         f"not {settings.R3_AREAS!r}")
    crs = villages.crs

    def area_layer(status, geometry):
        return gpd.GeoDataFrame({"status": [status], "minutes": [limit_min], "mode": [p["mode"]]},
                                geometry=[geometry], crs=crs)

    if settings.R3_AREAS == "surface" and not access.straight:
        cap = max(settings.SURFACE_CAP_MIN, limit_min)
        s = surface(region, rulebook, access, cap_minutes=cap, facilities=facilities)
        # the areas are cell counts (a scenario's surface keeps them edit by edit); the
        # polygons are drawn only when a layer is read
        covered_km2, uncovered_km2 = _surface_areas(s, limit_min)
        area_layers = {"R3_covered": lambda: area_layer(PASS, _surface_masks(s, limit_min)[0].polygons()),
                       "R3_uncovered": lambda: area_layer(FAIL, _surface_masks(s, limit_min)[1].polygons())}
    else:
        covered = access.coverage_union(p["mode"], facilities, limit_min * 60.0, "time",
                                        p["isochrone_buffer_m"])
        region_area = shapely.union_all(region.townships.geometry.values)
        covered = (shapely.intersection(covered, region_area) if covered is not None
                   else shapely.Polygon())
        uncovered = shapely.difference(region_area, covered)
        covered_km2, uncovered_km2 = covered.area / 1e6, uncovered.area / 1e6
        area_layers = {"R3_covered": area_layer(PASS, covered),
                       "R3_uncovered": area_layer(FAIL, uncovered)}
    # the villages' and townships' layers too are made when read (a click reads the
    # statuses and the figures), from arrays made here
    pop_values = pop.to_numpy()
    layers = {"R3_villages": lambda: units.rename(columns={"unit_id": "village_id"}),
              "R3_townships": lambda: _township_shares(region, town_of, pop_values, passed,
                                                       p["township_target_share"]),
              **area_layers}
    n_unknown = int((~known).sum())
    figures = {"share_within": round(covered_pop / total, 4) if total else None,
               "residents_within": int(covered_pop) if known.any() else None,
               "residents": int(total) if known.any() else None,
               "villages_without_population": n_unknown,
               "share_reason": population_reason(n_unknown, len(known)),
               "mode": p["mode"], "max_minutes": limit_min,
               "covered_km2": round(covered_km2, 2),
               "uncovered_km2": round(uncovered_km2, 2),
               "snapping": access.snap_report(p["mode"], facilities)}
    return new_result("R3", rulebook, units, "village", layers=layers, figures=figures)


def surface(region, rulebook: Rulebook, access, mode: str | None = None, *,
            cell_m: float | None = None, cap_minutes: float | None = None,
            facilities: gpd.GeoDataFrame | None = None) -> _surface.Surface:
    """Minutes to the nearest facility R3 counts, on a grid over the townships.

    Parameters
    ----------
    region : Region
        Townships and facilities in the region's metric CRS.
    rulebook : Rulebook
        R3's ``facility_kinds`` choose the facilities; ``mode`` defaults to R3's.
    access : Access
        Its engine for ``mode``; the cells' snapping is kept in ``access.static`` and
        reused for every facility set (scenario edits).
    mode : {"walk", "ebike", "drive"}, optional
    cell_m : float, optional
        Side of a cell, metres (default ``settings.SURFACE_CELL_M``).
    cap_minutes : float, optional
        Minutes above this are not kept (default ``settings.SURFACE_CAP_MIN``).
    facilities : GeoDataFrame, optional
        R3's facilities of ``region`` when the caller has them already (default: chosen
        by R3's ``facility_kinds``).

    Returns
    -------
    planning.travel.surface.Surface
        In the region's metric CRS; cells whose centre lies outside every township are
        ``OUTSIDE``.

    Raises
    ------
    planning.errors.InputError
        The region has no road network (straight-line runs have no surface).
    """
    p = rulebook["R3"]
    mode = mode or p["mode"]
    if access.straight:
        raise InputError.of("in.straight_no_engine", layer="roads")
    cell_m = float(settings.SURFACE_CELL_M if cell_m is None else cell_m)
    cells = access.surface_cells(mode, region.townships.geometry.values, cell_m)
    if facilities is None:
        facilities = facilities_of(region, p["facility_kinds"])
    return access.surface(mode, cells, facilities, cap_minutes=cap_minutes)


class CellMask:
    """Cells of a surface's grid (a boolean mask), as R3's area layers use them.

    Attributes
    ----------
    mask : numpy.ndarray of bool, shape ``grid.shape``
    grid : planning.travel.surface.Grid
    """

    def __init__(self, mask: np.ndarray, grid: _surface.Grid):
        self.mask, self.grid = mask, grid

    def km2(self) -> float:
        """The cells' area, km² (count × cell area: the area of :meth:`polygons`)."""
        return int(np.count_nonzero(self.mask)) * self.grid.cell_m ** 2 / 1e6

    def polygons(self):
        """The cells as one (multi)polygon along their edges, in the grid's CRS."""
        mask = self.mask
        parts = [shapely.geometry.shape(geom) for geom, _ in rasterio.features.shapes(
            mask.astype(np.uint8), mask=mask, transform=self.grid.transform)]
        return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def _surface_masks(s: _surface.Surface, limit_min: float) -> tuple[CellMask, CellMask]:
    """R3's covered cells (within ``limit_min``) and uncovered cells (the others whose
    centre lies in a township)."""
    within = np.nan_to_num(s.minutes, nan=np.inf) <= limit_min
    inside = s.state != _surface.OUTSIDE
    return CellMask(within, s.grid), CellMask(inside & ~within, s.grid)


def _reason_codes(minutes: np.ndarray, ok: np.ndarray, known: np.ndarray):
    """Each village's reason code (a text array): within the limit, beyond it or
    unreachable, and whether its residents are unknown."""
    reach = np.where(ok, 0, np.where(np.isfinite(minutes), 1, 2))
    words = [r + unknown for unknown in ("", ";R3.population_unknown")
             for r in ("R3.within", "R3.beyond", "R3.unreachable")]
    return pd.array(words, dtype="str").take(reach + np.where(known, 0, 3))


def _surface_areas(s: _surface.Surface, limit_min: float) -> tuple[float, float]:
    """The areas of :func:`_surface_masks`' two masks, km², from the surface's counts
    (cells × cell area)."""
    inside = sum(n for state, n in s.counts().items() if state != "outside")
    covered = s.area_within_km2(limit_min)
    within = int(round(covered * 1e6 / s.grid.cell_m ** 2))      # the count it was made of
    return covered, (inside - within) * s.grid.cell_m ** 2 / 1e6


def village_townships(region) -> np.ndarray:
    """Per village, the position of its township in ``region.townships`` (-1: none of
    them); scenarios never change it."""
    ids = pd.Index(region.townships["township_id"].astype(str))
    town_of = ids.get_indexer(region.villages["township_id"].astype(str))
    return np.where(region.villages["township_id"].notna().to_numpy(), town_of, -1)


def _township_shares(region, town_of: np.ndarray, pop: np.ndarray, passed: np.ndarray,
                     target: float) -> gpd.GeoDataFrame:
    """Share of residents within the limit per township (from the villages' own times),
    over the villages with a population figure. A township none of whose villages has a
    figure cannot be judged (``unknown``); one without villages is not applicable.

    ``town_of``: per village, its township's position (:func:`village_townships`);
    ``pop``: residents (NaN unknown); ``passed``: within the limit with residents known."""
    towns = region.townships[["township_id", "name", "geometry"]].copy()
    n, at = len(towns), town_of >= 0
    t, pop, passed = town_of[at], pop[at], passed[at]
    known = ~np.isnan(pop)

    def total(weights=None) -> np.ndarray:
        return np.bincount(t, weights, minlength=n)

    population = np.where(total(known) > 0, total(np.where(known, pop, 0.0)), np.nan)
    towns["population"] = population                  # NaN: no village's is known
    towns["residents_within"] = np.where(np.isnan(population), np.nan,
                                         total(np.where(passed, pop, 0.0)))
    towns["villages_without_population"] = total(~known).astype(int)
    share = towns["residents_within"] / towns["population"].replace(0, np.nan)
    towns["share_within"] = share.round(4)
    has_villages = total() > 0
    towns["status"] = np.select([~has_villages, towns["population"].isna(), share.isna(),
                                 share >= target], [NA, UNKNOWN, PASS, PASS], FAIL)
    return towns
