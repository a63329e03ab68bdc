"""Coordinate systems: China's GCJ-02 and BD-09 offsets, and the metric CRS of a region.

Planners' coordinates often come from Amap or Tencent (GCJ-02, "Mars coordinates") or
Baidu (BD-09). These are not datums but obfuscation offsets of a few hundred metres
(about 600-770 m in Tianjin), so no EPSG code or PROJ pipeline exists for them: the
published forward formulas are implemented here, and their inverses are computed
exactly by fixed-point iteration (the usual one-step "inverse" is off by metres).

CGCS2000 (EPSG:4490) differs from WGS84 (EPSG:4326) by centimetres at this scale and
needs no shift. Analysis runs in a metric CRS chosen for the region: the UTM zone of
its centre (for Tianjin, UTM 50N, EPSG:32650).

All functions take and return longitude/latitude in decimal degrees, as scalars or
NumPy arrays of equal shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike

#: coordinate systems a user may declare for input files
InputCRS = Literal["wgs84", "gcj02", "bd09", "cgcs2000"]
INPUT_CRS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")

WGS84 = "EPSG:4326"

_A = 6378245.0  # semi-major axis of the Krasovsky ellipsoid used by GCJ-02, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Return True where a point lies outside the box in which GCJ-02 applies.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 or GCJ-02 longitude and latitude, degrees.

    Returns
    -------
    numpy.ndarray of bool
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 longitude/latitude (degrees) to GCJ-02 (Amap, Tencent).

    Points outside China are returned unchanged, as the official offset does.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Shift GCJ-02 longitude/latitude (degrees) to Baidu's BD-09."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 longitude/latitude (degrees) to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lon: ArrayLike,
    lat: ArrayLike,
    tol_deg: float = 1e-11,
    max_iter: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """Invert a near-identity shift by fixed-point iteration: x <- x - (f(x) - target)."""
    tlon = np.asarray(lon, dtype=float)
    tlat = np.asarray(lat, dtype=float)
    xlon, xlat = tlon.copy(), tlat.copy()
    for _ in range(max_iter):
        flon, flat = forward(xlon, xlat)
        elon, elat = flon - tlon, flat - tlat
        xlon, xlat = xlon - elon, xlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return xlon, xlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`wgs84_to_gcj02` (iterated to about 1e-6 m)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`gcj02_to_bd09` (iterated to about 1e-6 m)."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`wgs84_to_bd09`."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def check_input_crs(name: str) -> str:
    """Normalise a declared coordinate system name, or raise ValueError listing the accepted ones."""
    key = str(name).strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "gcj02": "gcj02", "amap": "gcj02",
               "tencent": "gcj02", "bd09": "bd09", "baidu": "bd09", "cgcs2000": "cgcs2000",
               "epsg4490": "cgcs2000"}
    if key not in aliases:
        raise ValueError(f"unknown coordinate system {name!r}; use one of {', '.join(INPUT_CRS)}")
    return aliases[key]


@dataclass(frozen=True)
class InputCrs:
    """The coordinate systems declared for a region's files: one for all, some per layer.

    ``default`` applies to every file that carries no CRS of its own (tables, Shapefiles
    without ``.prj``); a file labelled with a geographic CRS keeps its label. A system
    declared for a layer (``per_layer``) applies to that layer's file even when it is
    labelled (Amap exports are GCJ-02 labelled EPSG:4326).
    """

    default: str = "wgs84"
    per_layer: dict[str, str] = field(default_factory=dict, hash=False)

    def for_layer(self, layer: str) -> tuple[str, bool]:
        """``(system, declared for this file)`` for a layer's file."""
        if layer in self.per_layer:
            return self.per_layer[layer], True
        return self.default, False


def parse_input_crs(spec: "str | dict[str, str] | InputCrs | None") -> InputCrs:
    """Parse a declaration of input coordinate systems.

    Parameters
    ----------
    spec : str, dict or InputCrs
        ``"gcj02"`` (every file), ``"villages=gcj02,facilities=gcj02"`` (per layer; the
        others WGS84), ``"bd09,townships=wgs84"`` (a default and exceptions), or a dict
        ``{"villages": "gcj02", "*": "wgs84"}``. Names as :func:`check_input_crs`.

    Raises
    ------
    ValueError
        An unknown system or layer, with the accepted ones.
    """
    from planning.schema import LAYERS

    if isinstance(spec, InputCrs):
        return spec
    if spec is None:
        return InputCrs()
    items = spec.items() if isinstance(spec, dict) else \
        [(p.split("=", 1) if "=" in p else ("*", p)) for p in str(spec).split(",") if p.strip()]
    default, per = "wgs84", {}
    for layer, name in items:
        layer = layer.strip().lower()
        if layer in ("*", "all", ""):
            default = check_input_crs(name)
        elif layer in LAYERS:
            per[layer] = check_input_crs(name)
        else:
            raise ValueError(f"unknown layer {layer!r} in the coordinate systems; use "
                             f"{', '.join(LAYERS)} (e.g. villages=gcj02,facilities=gcj02)")
    return InputCrs(default, per)


def lonlat_to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert longitude/latitude declared in ``crs`` (see :data:`INPUT_CRS`) to WGS84."""
    crs = check_input_crs(crs)
    if crs in _TO_WGS84:
        return _TO_WGS84[crs](lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def lonlat_from_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude to ``crs`` (see :data:`INPUT_CRS`), e.g. for Amap users."""
    crs = check_input_crs(crs)
    if crs in _FROM_WGS84:
        return _FROM_WGS84[crs](lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _shift_geometries(geoms, fn):
    def xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms), xy)


def geometry_to_wgs84(geoms, crs: str):
    """Convert an array of shapely geometries in lon/lat ``crs`` to WGS84 lon/lat."""
    crs = check_input_crs(crs)
    if crs not in _TO_WGS84:
        return np.asarray(geoms)
    return _shift_geometries(geoms, _TO_WGS84[crs])


def geometry_from_wgs84(geoms, crs: str):
    """Convert an array of shapely geometries in WGS84 lon/lat to lon/lat ``crs``."""
    crs = check_input_crs(crs)
    if crs not in _FROM_WGS84:
        return np.asarray(geoms)
    return _shift_geometries(geoms, _FROM_WGS84[crs])


def metric_crs(lon: float, lat: float) -> pyproj.CRS:
    """The UTM CRS (WGS84 datum, metres) whose zone holds the point (lon, lat in degrees).

    Tianjin (about 117.2 E) gives UTM zone 50N, EPSG:32650.
    """
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
