"""The display tables and layers of an assessment: what the maps, the app's scorecard and
the report draw, without drawing (no folium, no Streamlit).

- :func:`township_status` / :func:`district_breakdown`: per township and per district,
  the rules' outcome (the scorecard breakdown and the township colours).
- :func:`reference_layers`: the offline reference layer drawn when there are no tiles —
  district boundary, township outlines and names, main roads from the drive network,
  simplified for display (a few hundred line parts, not tens of thousands of segments).
- :func:`scenario_layers`: what a scenario changes (villages newly covered or not,
  proposed, closed, suggested and selected sites).
- :func:`display_layers`: those and the rules' layers in WGS84 (EPSG:4326), simplified in
  the region's metric CRS first (tolerances in metres), for :func:`planning.outputs.maps.build_map`;
  R3's reach and gap as one :class:`Raster` of codes (an image on the map, not thousands
  of polygons): from the travel-time surface's minute bands when one is given, else the
  reach and gap polygons burnt into cells.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import affine
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio.features
import shapely

from planning.crs import WGS84
from planning.region import known_sum
from planning.travel.network import region_network

#: the key of :func:`display_layers`' dict holding the layers that could not be drawn
FAILED = "_failed"
#: ``township_id`` of the row of :func:`township_status` for villages outside every township
OUTSIDE = "(outside)"
#: rule units that are villages (placed in a district through their township)
_VILLAGE_UNITS = ("village", "committee")
#: severity order used to combine statuses (worst first)
_SEVERITY = {"fail": 4, "warn": 3, "unknown": 2, "pass": 1, "not_applicable": 0}
#: OSM highway classes drawn as main roads in the reference layer
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary")

# --------------------------------------------------------------------------- tables


def township_status(assessment) -> gpd.GeoDataFrame:
    """Per township: each township-level rule's outcome and the worst of them.

    Parameters
    ----------
    assessment : Assessment

    Returns
    -------
    geopandas.GeoDataFrame
        Townships (region's metric CRS) with ``r1`` (R1 status), ``r2_gaps`` and
        ``r2_units`` (village committees failing / judged), ``r2`` (fail when any gap,
        warn when any needs attention), ``r3_share`` (share of residents within the
        R3 limit, 0-1), ``r3``, ``r6`` (the township's R6 status), ``overall``
        (the worst of them; ``not_applicable`` when no rule applies), and ``r8_gps``
        (GPs per 10,000 within reach, R8; NaN when it cannot be judged) with ``r8``, its
        status — shown beside, not part of ``overall``: R8's target is a city-wide
        reference. Villages outside every township make one more row, ``township_id`` =
        :data:`OUTSIDE`, without geometry, in the district of the townships nearest to
        them, so the rows add up to the district rows of :func:`district_breakdown`.
    """
    region, res = assessment.region, assessment.results
    towns = region.townships[["township_id", "name", "kind", "district", "population",
                              "geometry"]].copy()
    outside = region.villages["township_id"].isna()
    if outside.any():
        extra = pd.DataFrame([{"township_id": OUTSIDE, "name": None, "kind": None,
                               "district": _outside_district(region),
                               "population": float(region.villages.loc[outside, "population"]
                                                   .fillna(0).sum()), "geometry": None}])
        towns = gpd.GeoDataFrame(pd.concat([towns, extra], ignore_index=True),
                                 geometry="geometry", crs=region.crs)
    tid = towns["township_id"]
    if "R1" in res and len(res["R1"].units):
        towns["r1"] = tid.map(res["R1"].units.set_index("unit_id")["status"]).fillna("not_applicable")
        towns["population"] = tid.map(res["R1"].units.set_index("unit_id")["population"]) \
            .astype(float).combine_first(towns["population"].astype(float))
    else:
        towns["r1"] = "not_applicable"
    towns["r2_gaps"], towns["r2_units"], towns["r2"] = 0, 0, "not_applicable"
    if "R2" in res and len(res["R2"].units):
        u = res["R2"].units
        by = u["township_id"].fillna(OUTSIDE)
        towns["r2_units"] = tid.map(u["status"].groupby(by).size()).fillna(0).astype(int)
        towns["r2_gaps"] = tid.map((u["status"] == "fail").groupby(by).sum()).fillna(0).astype(int)
        towns["r2"] = tid.map(_worst_by(u["status"], by)).fillna("not_applicable")
    towns["r3_share"], towns["r3"] = np.nan, "not_applicable"
    if "R3" in res and "R3_townships" in res["R3"].layers:
        r3 = res["R3"].layers["R3_townships"].set_index("township_id")
        towns["r3_share"] = tid.map(r3["share_within"]).astype(float)
        towns["r3"] = tid.map(r3["status"]).fillna("not_applicable")
        u = res["R3"].units
        if outside.any() and len(u):
            out = u[u["township_id"].isna()]
            pop = out["population"].fillna(0)
            share = pop[out["status"] == "pass"].sum() / pop.sum() if pop.sum() else np.nan
            towns.loc[tid == OUTSIDE, "r3_share"] = share
    towns["r6"] = "not_applicable"
    if "R6" in res and len(res["R6"].units):
        u6 = res["R6"].units
        towns["r6"] = tid.map(_worst_by(u6["status"], u6["township_id"].fillna(OUTSIDE))) \
            .fillna("not_applicable")
    towns["overall"] = [_worst(row) for row in towns[["r1", "r2", "r3", "r6"]].itertuples(index=False)]
    towns["r8_gps"], towns["r8"] = np.nan, "not_applicable"
    if "R8" in res and "R8_townships" in res["R8"].layers:
        r8 = res["R8"].layers["R8_townships"].set_index("township_id")
        towns["r8_gps"] = tid.map(r8["gps_per_10000"]).astype(float)
        towns["r8"] = tid.map(r8["status"]).fillna("not_applicable")
    return towns


def district_breakdown(assessment) -> pd.DataFrame:
    """Per district and rule: units judged, failed, needing attention and residents in gaps.

    Units are placed in districts through their township (``township_id``) or their own
    district (R1's ``district``, R4/R5 units are districts).

    Returns
    -------
    pandas.DataFrame
        Long form: ``district``, ``rule``, ``units``, ``failed``, ``warned``,
        ``population_in_gap`` (residents of the failing units with figures; None when
        none has one).
    """
    region = assessment.region
    towns = region.townships.set_index("township_id")
    district_of = towns["district"].fillna(region.name) if "district" in towns \
        else pd.Series(region.name, index=towns.index)
    if region.villages["township_id"].isna().any():  # as the extra row of township_status
        district_of = pd.concat([district_of, pd.Series({OUTSIDE: _outside_district(region)})])
    rows = []
    for rid, result in assessment.results.items():
        u = result.units
        if not len(u):
            continue
        if result.unit_kind == "district":
            where = u["name"].astype(str)
        elif result.unit_kind == "township":
            where = u["unit_id"].map(district_of)
        elif "township_id" in u:
            where = u["township_id"].fillna(OUTSIDE if result.unit_kind in _VILLAGE_UNITS
                                            else "").map(district_of)
        else:
            where = pd.Series(region.name, index=u.index)
        frame = pd.DataFrame({"district": where.fillna(region.name).astype(str).values,
                              "status": u["status"].values,
                              "population": u["population"].astype(float).values})
        for district, part in frame.groupby("district"):
            fail = part["status"] == "fail"
            rows.append({"district": district, "rule": rid, "units": len(part),
                         "failed": int(fail.sum()),
                         "warned": int((part["status"] == "warn").sum()),
                         "population_in_gap": known_sum(part.loc[fail, "population"])[0]})
    return pd.DataFrame(rows, columns=["district", "rule", "units", "failed", "warned",
                                       "population_in_gap"])


def _outside_district(region) -> str:
    """The district of the township nearest to the villages outside every township."""
    villages = region.villages[region.villages["township_id"].isna()]
    towns = region.townships
    if not len(villages) or "district" not in towns or towns["district"].isna().all():
        return region.name
    near = gpd.sjoin_nearest(villages[["geometry"]], towns[["district", "geometry"]], how="left")
    return str(near["district"].mode().iloc[0]) if near["district"].notna().any() else region.name


def _worst(statuses) -> str:
    values = [s for s in statuses if isinstance(s, str)]
    return max(values, key=lambda s: _SEVERITY.get(s, 0)) if values else "not_applicable"


def _worst_by(statuses: pd.Series, by: pd.Series) -> pd.Series:
    """:func:`_worst` of ``statuses`` per value of ``by`` (a Series indexed by them)."""
    known = statuses.isin(list(_SEVERITY))
    if not (known | ~statuses.map(lambda s: isinstance(s, str))).all():
        return statuses.groupby(by).agg(_worst)      # a status of its own: as _worst takes it
    severity = statuses.map(_SEVERITY)               # NaN for a missing status
    worst = severity.groupby(by).max()
    return worst.map({v: k for k, v in _SEVERITY.items()}).fillna("not_applicable")


# --------------------------------------------------------------------------- reference layer


def reference_layers(region, *, tolerance_m: float = 25.0,
                     road_classes: tuple[str, ...] = MAIN_ROADS) -> dict[str, gpd.GeoDataFrame]:
    """The offline reference layer: what the map shows when no tiles load.

    Parameters
    ----------
    region : Region
    tolerance_m : float
        Simplification tolerance, metres (display only).
    road_classes : tuple of str
        OSM highway classes drawn (``_link`` ramps included); when the drive network
        has none of them, ``tertiary`` roads are drawn instead.

    Returns
    -------
    dict of str to GeoDataFrame
        WGS84 layers ``boundary`` (the district outline: districts, else the union of the
        townships), ``townships`` (outlines with ``name``), ``labels`` (a point inside
        each township with its ``name``) and ``roads`` (merged, simplified main-road
        lines with ``highway``; empty when the region has no road network).

    Notes
    -----
    Made once per region and arguments, then kept while the region lives (a scenario's
    states, a rulebook change and each language reuse them): the same tables go to every
    caller — read them, do not write them. A region given new townships, districts or
    networks gets new ones.
    """
    kept = _REFERENCE.setdefault(region, {})
    key = (float(tolerance_m), tuple(road_classes))
    entry = kept.get(key)
    if entry is None or any(a is not b for a, b in zip(entry[0], _made_of(region))):
        layers = _reference_layers(region, tolerance_m, road_classes)
        kept[key] = entry = (_made_of(region), layers)  # after: the drive network is loaded now
    return entry[1]


#: each region's :func:`reference_layers` by arguments, with what they were made of
_REFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _made_of(region) -> tuple:
    return region.townships, region.districts, region.networks.get("drive"), region.roads_path


def _reference_layers(region, tolerance_m: float, road_classes: tuple[str, ...]) -> dict:
    towns = region.townships
    if region.districts is not None and len(region.districts):
        boundary = region.districts[["name", "geometry"]].copy()
    else:
        boundary = gpd.GeoDataFrame({"name": [region.name]},
                                    geometry=[shapely.union_all(towns.geometry.values)],
                                    crs=region.crs)
    boundary["geometry"] = boundary.geometry.boundary.simplify(tolerance_m)
    outlines = towns[["township_id", "name", "geometry"]].copy()
    outlines["geometry"] = outlines.geometry.simplify(tolerance_m)
    labels = towns[["township_id", "name"]].copy()
    labels = gpd.GeoDataFrame(labels, geometry=towns.representative_point().values, crs=region.crs)
    return {"boundary": _wgs84(boundary), "townships": _wgs84(outlines),
            "labels": _wgs84(labels), "roads": _wgs84(_main_roads(region, tolerance_m, road_classes))}


def _main_roads(region, tolerance_m: float, classes: tuple[str, ...]) -> gpd.GeoDataFrame:
    empty = gpd.GeoDataFrame({"highway": []}, geometry=gpd.GeoSeries([], crs=region.crs),
                             crs=region.crs)
    if region.roads_path is None and "drive" not in region.networks:
        return empty
    try:
        net = region_network(region, "drive")
    except Exception:  # a region without usable roads still gets a map
        return empty
    highway = np.char.replace(net.highway.astype(str), "_link", "")
    names, parts = [], []
    for wanted in (classes, ("tertiary",)):
        for cls in wanted:
            pick = (highway == cls) & (net.u < net.v)  # one direction of each road
            if not pick.any():
                continue
            u, v = net.u[pick], net.v[pick]
            lines = shapely.linestrings(np.stack([np.column_stack([net.x[u], net.y[u]]),
                                                  np.column_stack([net.x[v], net.y[v]])], axis=1))
            # segments meet at the network's junctions: merged as they are (no noding union)
            merged = shapely.line_merge(shapely.multilinestrings(lines)).simplify(tolerance_m)
            single = shapely.get_parts(merged)        # one row per line, in order
            names += [cls] * len(single)
            parts.append(single)
        if parts:
            break
    if not parts:
        return empty
    return gpd.GeoDataFrame({"highway": names}, geometry=np.concatenate(parts), crs=region.crs)


def valid_geometries(geoms) -> np.ndarray:
    """Geometries made valid for display: each invalid one repaired with
    :func:`shapely.make_valid` (``method="structure"``: a polygon stays polygonal), so
    precision and set operations on it cannot fail; missing ones are kept as they are."""
    geoms = np.array(geoms, dtype=object)
    bad = ~shapely.is_missing(geoms)
    bad[bad] = ~shapely.is_valid(geoms[bad])
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return geoms


def _wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A display layer in WGS84: valid geometries rounded to 1e-5 degrees (about 1 m)."""
    out = gdf.to_crs(WGS84)
    geoms = valid_geometries(out.geometry.values)  # simplification and reprojection can break them
    try:
        geoms = shapely.set_precision(geoms, 1e-5)
    except shapely.errors.GEOSException:  # one awkward geometry: round the others, keep it as is
        geoms = np.array([_rounded(g) for g in geoms], dtype=object)
    out["geometry"] = geoms
    return out


def _rounded(geom):
    try:
        return shapely.set_precision(geom, 1e-5)
    except shapely.errors.GEOSException:
        return geom


@dataclass(frozen=True)
class Raster:
    """Codes on a north-up grid in a metric CRS: what a map draws as one image.

    Attributes
    ----------
    codes : numpy.ndarray of uint8, shape (rows, cols)
        0: nothing drawn; 1… : a class (see ``kind``).
    transform : affine.Affine
        Pixel to CRS coordinates (metres), top-left corner.
    crs : pyproj.CRS
    kind : str
        ``"bands"``: codes 1-4 are the minute bands of :data:`planning.outputs.map_legend.BAND_EDGES`
        (band + 1) of a travel-time surface; ``"reach"``: 1 covered, 2 not covered.
    """

    codes: np.ndarray
    transform: affine.Affine
    crs: pyproj.CRS
    kind: str

    def counts(self) -> dict[int, int]:
        """Cells per code (0 left out)."""
        n = np.bincount(self.codes.ravel())
        return {i: int(c) for i, c in enumerate(n) if i and c}


#: the largest side of a reach raster burnt from polygons, cells (display only)
REACH_MAX_CELLS = 1600
#: its smallest cell, metres
REACH_MIN_CELL_M = 20.0


def reach_raster(covered, uncovered, crs, *, cell_m: float | None = None) -> Raster | None:
    """R3's reach (code 1) and gap (code 2) polygons burnt into cells (centre inside),
    the reach over the gap; None when both are empty.

    Parameters
    ----------
    covered, uncovered : shapely geometry or None
        In ``crs`` (metres).
    crs : pyproj.CRS
    cell_m : float, optional
        Side of a cell, metres; default: the extent over :data:`REACH_MAX_CELLS`, at least
        :data:`REACH_MIN_CELL_M` (a surface's polygons: pass its cell size).
    """
    geoms = [(g, code) for g, code in ((uncovered, 2), (covered, 1))
             if g is not None and not shapely.is_empty(g)]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.total_bounds([g for g, _ in geoms])
    cell = cell_m or max(REACH_MIN_CELL_M, max(x1 - x0, y1 - y0) / REACH_MAX_CELLS)
    cols, rows = max(1, int(np.ceil((x1 - x0) / cell))), max(1, int(np.ceil((y1 - y0) / cell)))
    transform = affine.Affine(cell, 0, x0, 0, -cell, y1)
    codes = rasterio.features.rasterize([(_polygon_dicts(g), code) for g, code in geoms],
                                        out_shape=(rows, cols), transform=transform,
                                        fill=0, dtype="uint8")
    return Raster(codes, transform, pyproj.CRS(crs), "reach")


def _polygon_dicts(geom) -> dict:
    """A (multi)polygon as a GeoJSON-like MultiPolygon mapping, its coordinates read by
    numpy (shapely's ``__geo_interface__`` walks them in Python: seconds at city scale)."""
    parts = shapely.get_parts(shapely.get_parts(geom))          # collections flattened
    parts = parts[shapely.get_type_id(parts) == 3]             # polygons
    rings, part_of = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    cuts = np.flatnonzero(np.diff(ring_of)) + 1
    polys: list[list] = [[] for _ in range(len(parts))]
    for p, ring in zip(part_of, np.split(xy, cuts)):
        polys[p].append(ring.tolist())
    return {"type": "MultiPolygon", "coordinates": polys}


def surface_raster(surface, limit_min: float) -> Raster:
    """A travel-time surface's minute bands against R3's ``limit_min``: code band + 1 of
    :func:`planning.outputs.map_legend.band` (1 within 2/3 of the limit … 4 beyond 5/3 of
    it, beyond the cap or off the network), 0 outside the townships.

    Parameters
    ----------
    surface : planning.travel.surface.Surface
    limit_min : float
        Minutes.
    """
    from planning.outputs.map_legend import BAND_EDGES
    from planning.travel.surface import OUTSIDE as CELL_OUTSIDE

    minutes = np.nan_to_num(surface.minutes.astype(float), nan=np.inf)
    codes = (np.searchsorted(np.array(BAND_EDGES) * limit_min, minutes, side="left") + 1).astype(np.uint8)
    codes[surface.state == CELL_OUTSIDE] = 0
    return Raster(codes, surface.grid.transform, pyproj.CRS(surface.grid.crs), "bands")


#: display simplification: at least this many metres, or the region's extent over
#: :data:`EXTENT_OVER_TOLERANCE` (what a pixel covers when the whole region fills a screen)
MIN_TOLERANCE_M, EXTENT_OVER_TOLERANCE = 25.0, 4000.0


def display_tolerance(region) -> float:
    """The simplification tolerance of a region's display outlines, metres: the larger of
    :data:`MIN_TOLERANCE_M` and the region's extent over :data:`EXTENT_OVER_TOLERANCE`."""
    x0, y0, x1, y1 = region.townships.total_bounds
    extent = max(x1 - x0, y1 - y0) if np.isfinite([x0, y0, x1, y1]).all() else 0.0
    return max(MIN_TOLERANCE_M, extent / EXTENT_OVER_TOLERANCE)


def display_surface(assessment, access):
    """R3's travel-time surface for the map when R3's areas come from it
    (``settings.R3_AREAS == "surface"``), else None (the reach is drawn from its polygons).

    Parameters
    ----------
    assessment : Assessment
    access : Access
        The travel layer the assessment was made with (its memo gives the surface the
        rule computed without a new search).
    """
    from planning import settings
    from planning.rules import r3_health_circle

    if settings.R3_AREAS != "surface" or "R3" not in assessment.results or assessment.straight \
            or access is None or getattr(access, "straight", True):
        return None
    return r3_health_circle.surface(assessment.region, assessment.rulebook, access)


def display_layers(assessment, *, tolerance_m: float | None = None,
                   reference: dict[str, gpd.GeoDataFrame] | None = None,
                   surface=None) -> dict[str, gpd.GeoDataFrame]:
    """Everything :func:`build_map` draws, simplified and in WGS84 (language-independent).

    Compute it once per assessment and pass it to :func:`build_map` for each language
    or focus: the simplification and reprojection are the slow part of drawing a map.

    Parameters
    ----------
    assessment : Assessment
    tolerance_m : float, optional
        Simplification of outlines and roads, metres (display only); default
        :func:`display_tolerance` (25 m for a district, about 50 m for the city).
    reference : dict, optional
        The :func:`reference_layers` of the same region (a scenario's base): reused
        instead of recomputed (townships and roads never change in a scenario).
    surface : planning.travel.surface.Surface, optional
        R3's travel-time surface (:func:`planning.rules.r3_health_circle.surface`): the
        reach is drawn as its minute bands.

    Returns
    -------
    dict of str to GeoDataFrame
        The :func:`reference_layers` plus ``township_status`` (see :func:`township_status`),
        ``r2`` and ``r3`` (the rules' village units), ``facilities``, ``reach`` (a
        :class:`Raster`: R3's minute bands, or its reach and gap), ``candidates`` (R4), ``groups`` (R7), ``r8_towns`` and
        ``r8_villages`` (R8); absent rules give empty or missing entries. Under
        :data:`FAILED`, the layers that could not be drawn and why (the map shows the others).
    """
    region, res = assessment.region, assessment.results
    tolerance_m = display_tolerance(region) if tolerance_m is None else tolerance_m
    keys = ("boundary", "townships", "labels", "roads")
    out = {k: reference[k] for k in keys} if reference is not None else \
        reference_layers(region, tolerance_m=tolerance_m)
    failed: dict[str, Exception] = {}

    def step(key: str, make) -> None:  # one layer; its failure leaves the others drawn
        try:
            layer = make()
        except Exception as exc:  # noqa: BLE001 - shown to the planner by the page
            failed[key] = exc
            return
        if layer is not None:
            out[key] = layer

    towns = township_status(assessment)
    out["township_status"] = _outlined(towns[towns["township_id"] != OUTSIDE], out["townships"],
                                       tolerance_m)
    for key, rid in (("r2", "R2"), ("r3", "R3")):
        if rid in res and len(res[rid].units):
            step(key, lambda rid=rid: _wgs84(res[rid].units))
    out["facilities"] = _wgs84(region.facilities)
    if "R3" in res:
        step("reach", lambda: _reach(res["R3"], region.crs, surface))
    if "R4" in res and len(res["R4"].layers.get("R4_candidates", [])):
        step("candidates", lambda: _wgs84(res["R4"].layers["R4_candidates"]))
    if "R7" in res and len(res["R7"].layers.get("R7_groups", [])):
        g = res["R7"].layers["R7_groups"]
        g = g[~g.geometry.is_empty]
        if len(g):
            step("groups", lambda: _wgs84(g.assign(geometry=g.geometry.simplify(tolerance_m))))
    if "R8" in res and len(res["R8"].units):
        t8 = res["R8"].layers["R8_townships"]
        step("r8_towns", lambda: _outlined(t8, out["townships"], tolerance_m))
        step("r8_villages", lambda: _wgs84(res["R8"].units))
    out[FAILED] = failed
    return out


def _outlined(towns: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """A township table in WGS84 drawn with the reference layer's ``outlines`` (the same
    townships simplified by ``tolerance_m`` and reprojected once), matched by
    ``township_id``; simplified and reprojected itself when any township is not among them."""
    shapes = outlines.drop_duplicates("township_id").set_index("township_id").geometry
    ids = towns["township_id"]
    if len(towns) and ids.isin(shapes.index).all():
        frame = pd.DataFrame(towns.drop(columns=towns.geometry.name))
        return gpd.GeoDataFrame(frame, geometry=shapes.reindex(ids).values, crs=outlines.crs)
    return _wgs84(towns.assign(geometry=towns.geometry.simplify(tolerance_m)))


def _reach(r3, crs, surface) -> Raster | None:
    if surface is not None:
        return surface_raster(surface, float(r3.figures.get("max_minutes", 15)))
    geoms = [r3.layers[k].geometry.iloc[0] if k in r3.layers and len(r3.layers[k]) else None
             for k in ("R3_covered", "R3_uncovered")]
    return reach_raster(*geoms, crs)


# --------------------------------------------------------------------------- scenarios


def scenario_layers(comparison, base_region, region, *, suggested: gpd.GeoDataFrame | None = None,
                    selected: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """What a scenario changes, as WGS84 layers for :func:`planning.outputs.maps.build_map` (``scenario=``).

    Parameters
    ----------
    comparison : planning.plan.scenario.Comparison
        The scenario against its base.
    base_region, region : Region
        The base and the scenario's region (metric CRS).
    suggested : GeoDataFrame, optional
        Suggested sites (:attr:`planning.plan.optimize.Suggestion.sites`: ``rank``, ``name``,
        ``newly_covered``), region CRS.
    selected : str, optional
        The facility id the planner picked (ringed on the map).

    Returns
    -------
    dict of str to GeoDataFrame
        ``newly_covered`` / ``newly_uncovered`` (one row per village: ``name``,
        ``population``, ``rules`` such as ``"R2/R3"``), ``proposed`` (facilities added
        or moved: ``facility_id``, ``name``, ``kind``), ``closed`` (base facilities the
        scenario closed, where they were), ``suggested`` and ``selected``; empty
        layers are left out.
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    for key in ("newly_covered", "newly_uncovered"):
        layer = comparison.layers.get(key)
        if layer is None or not len(layer):
            continue
        rules = layer.groupby("village_id")["rule"].agg(lambda r: "/".join(sorted(set(map(str, r)))))
        first = layer.drop_duplicates("village_id").set_index("village_id")
        out[key] = _wgs84(gpd.GeoDataFrame(
            {"village_id": first.index.astype(str), "name": first["name"].astype(str).values,
             "population": first["population"].fillna(0).astype(float).values,
             "rules": rules.reindex(first.index).values},
            geometry=first.geometry.values, crs=layer.crs))
    base_fac = base_region.facilities.set_index("facility_id")
    fac = region.facilities
    base_xy = base_fac.geometry.reindex(fac["facility_id"])
    moved = ~base_xy.isna().to_numpy()
    moved[moved] = ~shapely.equals(base_xy.values[moved], fac.geometry.values[moved])
    changed = fac[base_xy.isna().to_numpy() | moved]
    if len(changed):
        out["proposed"] = _wgs84(changed[["facility_id", "name", "kind", "geometry"]])
    closed = base_fac.loc[~base_fac.index.isin(fac["facility_id"])]
    if len(closed):
        out["closed"] = _wgs84(closed.reset_index()[["facility_id", "name", "kind", "geometry"]])
    if suggested is not None and len(suggested):
        out["suggested"] = _wgs84(suggested[["rank", "name", "newly_covered", "geometry"]])
    if selected is not None:
        pick = fac[fac["facility_id"].astype(str) == str(selected)]
        if len(pick):
            out["selected"] = _wgs84(pick[["facility_id", "name", "geometry"]])
    return out
