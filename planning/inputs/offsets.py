"""Checks across inputs that no single loader can make: points against the road network.

GCJ-02 ("Mars coordinates", used by AMap/高德, Tencent/腾讯 and most Chinese web maps)
shifts positions by a few hundred metres (about 500-800 m around Tianjin) in a smooth,
nearly uniform way. Points copied from such a map but declared as WGS84 therefore sit
consistently off the (WGS84) OpenStreetMap roads, and shifting them GCJ-02 -> WGS84
brings them back. :func:`road_offset` measures this; :func:`gcj02_suspicion` turns it
into a :class:`~planning.errors.Problem` for the planner.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from planning.crs import WGS84, gcj02_to_wgs84
from planning.errors import Problem

__all__ = ["road_offset", "gcj02_suspicion"]

#: median distance to the nearest road, metres, above which points count as off the roads
MIN_OFFSET_M = 60.0


def road_offset(points_wgs84: gpd.GeoDataFrame | gpd.GeoSeries, network, *,
                min_offset_m: float = MIN_OFFSET_M) -> dict:
    """How far points sit from the roads as given, and once shifted GCJ-02 -> WGS84.

    Parameters
    ----------
    points_wgs84 : GeoDataFrame or GeoSeries
        Points in EPSG:4326 (as loaded, i.e. as the planner declared them).
    network : planning.travel.network.RoadNetwork
        Any mode's network; its edges are straight segments in ``network.crs`` (metres).
    min_offset_m : float
        Median distance to a road, metres, above which the points count as off the roads.

    Returns
    -------
    dict
        ``median_m`` (median distance to the nearest road segment as given, metres),
        ``median_converted_m`` (the same after GCJ-02 -> WGS84), ``offset_m`` (median
        length of that shift, metres) and ``suspect``: True when the points are off
        the roads (``median_m > min_offset_m``) and the shift at least halves the
        median distance. With fewer than 3 points or no road, nothing is suspected.
    """
    geoms = points_wgs84.geometry if hasattr(points_wgs84, "geometry") else points_wgs84
    geoms = gpd.GeoSeries(geoms, crs=geoms.crs or WGS84).to_crs(WGS84)
    geoms = geoms[~geoms.is_empty & geoms.notna() & (geoms.geom_type == "Point")]
    empty = {"median_m": None, "median_converted_m": None, "offset_m": None, "suspect": False}
    if len(geoms) < 3 or network.n_edges == 0:
        return empty
    a = np.column_stack([network.x[network.u], network.y[network.u]])
    b = np.column_stack([network.x[network.v], network.y[network.v]])
    tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
    lon, lat = geoms.x.to_numpy(), geoms.y.to_numpy()
    clon, clat = gcj02_to_wgs84(lon, lat)
    given = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(network.crs)
    shifted = gpd.GeoSeries(gpd.points_from_xy(clon, clat), crs=WGS84).to_crs(network.crs)
    _, d_given = tree.query_nearest(given.values, return_distance=True, all_matches=False)
    _, d_shifted = tree.query_nearest(shifted.values, return_distance=True, all_matches=False)
    med, med_c = float(np.median(d_given)), float(np.median(d_shifted))
    return {"median_m": med, "median_converted_m": med_c,
            "offset_m": float(np.median(given.distance(shifted, align=False))),
            "suspect": bool(med > min_offset_m and med_c < 0.5 * med)}


def gcj02_suspicion(points_wgs84: gpd.GeoDataFrame | gpd.GeoSeries, network, *,
                    layer: str = "facilities", file: str | None = None) -> Problem | None:
    """A warning when points declared as WGS84 look like GCJ-02, else None.

    Compares the median distance of the points to the nearest road before and after a
    GCJ-02 -> WGS84 shift (see :func:`road_offset`): points from a Chinese web map sit
    some hundred metres off the OSM roads, and the shift brings them back.

    Parameters
    ----------
    points_wgs84 : GeoDataFrame or GeoSeries
        The points as loaded (EPSG:4326), e.g. the facilities.
    network : planning.travel.network.RoadNetwork
        A road network of the same area (metric CRS).
    layer, file : str, optional
        Where the points came from, for the message.

    Returns
    -------
    Problem or None
        A ``warning`` saying how far off the points are and what to do.
    """
    r = road_offset(points_wgs84, network)
    if not r["suspect"]:
        return None
    return Problem.of("warning", "in.gcj02_suspect", file=file, layer=layer, column="geometry",
                      median=f"{r['median_m']:.0f}", converted=f"{r['median_converted_m']:.0f}",
                      offset=f"{r['offset_m']:.0f}")
