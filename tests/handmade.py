"""Hand-made regions where the right answer is obvious, for rule tests.

Everything lies in UTM 50N (EPSG:32650) around (500,000 m E, 4,400,000 m N), near
Tianjin. The road is a straight east-west line along y = Y0, with a node every 100 m,
walkable both ways at 5 km/h and drivable at 60 km/h; so a point on the road at x metres
from another is x metres away by road, x / (5000/60) minutes on foot.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from planning.travel.network import RoadNetwork
from planning.region import Region
from planning.schema import LAYERS, village_kind_from_code

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 500_000.0, 4_400_000.0
WALK_MS = 5000 / 3600  # 5 km/h in m/s
DRIVE_MS = 60000 / 3600


def line_network(length_m: float = 20_000, step_m: float = 100, mode: str = "walk",
                 speed_ms: float | None = None, x0: float = X0 - 2_000) -> RoadNetwork:
    """A straight two-way road from x0 to x0 + length_m along y = Y0."""
    xs = np.arange(x0, x0 + length_m + step_m / 2, step_m)
    n = len(xs)
    a = np.arange(n - 1)
    u = np.concatenate([a, a + 1]).astype(np.int32)
    v = np.concatenate([a + 1, a]).astype(np.int32)
    length = np.abs(xs[v] - xs[u])
    speed = speed_ms or (WALK_MS if mode == "walk" else DRIVE_MS)
    return RoadNetwork(mode, CRS, np.arange(n, dtype=np.int64) + 1, xs, np.full(n, Y0), u, v,
                       length, length / speed, np.array(["residential"] * len(u)), "handmade")


def _complete(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    for col in LAYERS[layer]:
        if col.name not in frame:
            frame[col.name] = None
    frame["origin"] = [f"handmade:{i + 1}" for i in range(len(frame))]
    return frame


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def townships(rows: list[dict]) -> gpd.GeoDataFrame:
    """rows: township_id, name, kind, geometry (use :func:`box`), optional population."""
    return _complete(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS), "townships")


def villages(rows: list[dict]) -> gpd.GeoDataFrame:
    """rows: village_id (12-digit), name, township_id, population, x, y (offsets, metres)."""
    for r in rows:
        r["geometry"] = shapely.Point(X0 + r.pop("x"), Y0 + r.pop("y", 0.0))
        r.setdefault("kind", village_kind_from_code(r["village_id"]).value)
    return _complete(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS), "villages")


def facilities(rows: list[dict]) -> gpd.GeoDataFrame:
    """rows: facility_id, name, kind, x, y (offsets), and any optional attributes."""
    for r in rows:
        r["geometry"] = shapely.Point(X0 + r.pop("x"), Y0 + r.pop("y", 0.0))
    frame = (gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS) if rows
             else gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CRS)))
    return _complete(frame, "facilities")


def region(towns, vills, facs, districts=None, networks=None) -> Region:
    """A Region with hand-built networks per mode (default: the line road)."""
    r = Region("handmade", CRS, towns, vills, facs, districts)
    nets = networks or {m: line_network(mode=m) for m in ("walk", "ebike", "drive")}
    r.networks.update(nets)
    return r
