"""Checks across inputs that no single loader can make: points against the road network.

GCJ-02 ("Mars coordinates", used by AMap/高德, Tencent/腾讯 and most Chinese web maps)
shifts positions by a few hundred metres (about 500-800 m around Tianjin) in a smooth,
nearly uniform way. Points copied from such a map but declared as WGS84 therefore sit
consistently off the (WGS84) OpenStreetMap roads, and shifting them GCJ-02 -> WGS84
brings them back. :func:`road_offset` measures this; :func:`gcj02_suspicion` turns it
into a :class:`~planning.errors.Problem` for the planner. :func:`road_file_offset` does the
same against a road file (loaded once, the answer kept by content), and
:func:`gcj02_suspects` names the layers of an upload that look like GCJ-02.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from planning.crs import WGS84, gcj02_to_wgs84, metric_crs
from planning.errors import Problem
from planning.travel.network import load_network

__all__ = ["road_offset", "gcj02_suspicion", "road_file_offset", "gcj02_suspects"]

#: median distance to the nearest road, metres, above which points count as off the roads
MIN_OFFSET_M = 60.0
#: declared coordinate systems whose points can be GCJ-02 in disguise (WGS84 and CGCS2000
#: agree to the centimetre; a point already declared GCJ-02 or BD-09 is not suspected)
LONLAT_AS_GIVEN = ("wgs84", "cgcs2000")
#: answers of :func:`road_file_offset` kept (by road file and points content)
_KEPT = 32
_kept: OrderedDict[tuple, dict] = OrderedDict()
_kept_lock = threading.Lock()


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


def road_file_offset(points_wgs84: gpd.GeoDataFrame | gpd.GeoSeries, roads: str | Path, *,
                     mode: str = "walk", cache_dir: str | Path | None = None) -> dict:
    """:func:`road_offset` of points against a road file, kept by content.

    The file's network for ``mode`` (default walking, the densest: paths reach the
    doors) is loaded in the metric CRS of the points' centre (the prepared arrays are
    cached on disk, see :func:`planning.travel.network.load_network`). The answer is kept
    in memory by the file's SHA-256 and the points' coordinates, so asking again after
    a page refresh costs a hash. The check is advice: a road file that cannot be read
    gives no suspicion (its reading says why, later).

    Parameters
    ----------
    points_wgs84 : GeoDataFrame or GeoSeries
        Points in EPSG:4326 as declared by the planner.
    roads : str or Path
        OSM XML (``.osm``, ``.osm.bz2``) or PBF file.
    mode : {"walk", "ebike", "drive"}
    cache_dir : str or Path, optional
        Where the prepared network is cached (default ``settings.CACHE_DIR``).

    Returns
    -------
    dict
        As :func:`road_offset`; with ``error`` (text) and ``suspect`` False when the
        road file could not be read.
    """
    geoms = points_wgs84.geometry if hasattr(points_wgs84, "geometry") else points_wgs84
    geoms = gpd.GeoSeries(geoms, crs=geoms.crs or WGS84).to_crs(WGS84)
    xy = np.ascontiguousarray(np.column_stack([geoms.x, geoms.y]), dtype=float)
    key = (_file_digest(Path(roads)), hashlib.sha1(xy.tobytes()).hexdigest(), mode)
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return dict(_kept[key])
    try:
        centre = geoms.union_all().centroid
        net = load_network(roads, mode, metric_crs(centre.x, centre.y), cache_dir=cache_dir)
        answer = road_offset(geoms, net)
    except Exception as exc:  # noqa: BLE001 - advice only; the road file is read later
        answer = {"median_m": None, "median_converted_m": None, "offset_m": None,
                  "suspect": False, "error": str(exc)}
    with _kept_lock:
        _kept[key] = answer
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
    return dict(answer)


def gcj02_suspects(layers: Mapping[str, gpd.GeoDataFrame], roads: str | Path,
                   declared: Mapping[str, str], *,
                   cache_dir: str | Path | None = None) -> dict[str, float]:
    """The point layers of an upload that look like GCJ-02 read as WGS84.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Loaded layers by name (EPSG:4326); ``villages`` and ``facilities`` are checked.
    roads : str or Path
        The region's road file (OSM).
    declared : mapping of str to str
        The coordinate system each layer's file was read in (``"wgs84"``, ``"gcj02"``
        …); only layers read as :data:`LONLAT_AS_GIVEN` can be suspects.
    cache_dir : str or Path, optional
        Where the prepared road network is cached (default ``settings.CACHE_DIR``).

    Returns
    -------
    dict of str to float
        ``{layer: median shift GCJ-02 -> WGS84, metres}`` for each suspect layer, in the
        order villages, facilities; empty when none.
    """
    out = {}
    for layer in ("villages", "facilities"):
        gdf = layers.get(layer)
        if gdf is None or declared.get(layer, "wgs84") not in LONLAT_AS_GIVEN:
            continue
        check = road_file_offset(gdf, roads, cache_dir=cache_dir)
        if check["suspect"]:
            out[layer] = check["offset_m"]
    return out


def _file_digest(path: Path) -> str:
    """SHA-256 of a file, or of its name when it cannot be read (the loader says why)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return f"unreadable:{path}"
