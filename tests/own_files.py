"""A planner's own files, made the way planners hold them, from two townships of the demo.

新开口镇 (120115113) and 牛道口镇 (120115119) of 宝坻区, neighbours in the demo, exported
as a district office would hold them:

- ``乡镇.xlsx``: 乡镇代码, 名称 and the outline as WKT (边界) in WGS84 — no district
  column, so the region's name must come from the codes; or ``乡镇.gpkg``, the same in a
  GeoPackage labelled EPSG:4326;
- ``村.xlsx`` (or ``村.csv``): 村名, 村代码, 人口, 经度, 纬度 — coordinates picked on
  Amap (GCJ-02);
- ``医疗机构.csv``: GBK text with 机构名称, 类型, 经度, 纬度 from an Amap POI export
  (GCJ-02), no id column; the district's three hospitals (outside the two townships)
  are in it too, as planners list the hospitals their residents use;
- optionally the demo's road file ``roads.osm.bz2`` (the whole district).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.crs import wgs84_to_gcj02

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "geodata" / "baodi"
TOWNS = ("120115113", "120115119")  # 新开口镇, 牛道口镇
HOSPITALS = ("district_hospital", "tcm_hospital", "general_hospital")
KIND_ZH = {"village_clinic": "村卫生室", "village_service_point": "村级医疗服务点",
           "township_health_centre": "乡镇卫生院", "community_health_centre": "社区卫生服务中心",
           "community_health_station": "社区卫生服务站", "district_hospital": "区医院",
           "tcm_hospital": "中医医院", "general_hospital": "综合医院"}


def demo_layers() -> dict[str, gpd.GeoDataFrame]:
    """The demo's layers for the two townships, WGS84."""
    gpkg = DEMO / "region.gpkg"
    towns = gpd.read_file(gpkg, layer="townships")
    towns = towns[towns["township_id"].isin(TOWNS)]
    villages = gpd.read_file(gpkg, layer="villages")
    villages = villages[villages["township_id"].isin(TOWNS)]
    fac = gpd.read_file(gpkg, layer="facilities")
    inside = gpd.sjoin(fac[["geometry"]], towns[["geometry"]], how="left", predicate="within")
    inside = inside[~inside.index.duplicated()]["index_right"].notna().to_numpy()
    fac = fac[inside | fac["kind"].isin(HOSPITALS).to_numpy()]
    return {"townships": towns, "villages": villages, "facilities": fac}


def _gcj(points: gpd.GeoSeries) -> tuple[list[str], list[str]]:
    lon, lat = wgs84_to_gcj02(points.x.to_numpy(), points.y.to_numpy())
    return [f"{x:.7f}" for x in np.asarray(lon)], [f"{y:.7f}" for y in np.asarray(lat)]


def write_files(folder: Path, *, townships_gpkg: bool = False, villages_csv: bool = False,
                roads: bool = False) -> dict[str, Path]:
    """Write the planner's files into ``folder``; returns layer -> path (and ``roads``)."""
    folder.mkdir(parents=True, exist_ok=True)
    layers = demo_layers()
    t = layers["townships"]
    if townships_gpkg:
        path_t = folder / "乡镇.gpkg"
        gpd.GeoDataFrame({"乡镇代码": t["township_id"].values, "名称": t["name"].values},
                         geometry=t.geometry.values, crs="EPSG:4326").to_file(path_t, driver="GPKG")
    else:
        path_t = folder / "乡镇.xlsx"
        pd.DataFrame({"乡镇代码": t["township_id"].values, "名称": t["name"].values,
                      "边界": [g.wkt for g in t.geometry.values]}).to_excel(path_t, index=False)
    v = layers["villages"]
    lon, lat = _gcj(v.geometry)
    table = pd.DataFrame({"村名": v["name"].values, "村代码": v["village_id"].values,
                          "人口": v["population"].astype(int).values, "经度": lon, "纬度": lat})
    if villages_csv:
        path_v = folder / "村.csv"
        path_v.write_bytes(table.to_csv(index=False).encode("utf-8-sig"))
    else:
        path_v = folder / "村.xlsx"
        table.to_excel(path_v, index=False)
    f = layers["facilities"].sort_values("name")
    lon, lat = _gcj(f.geometry)
    path_f = folder / "医疗机构.csv"
    text = pd.DataFrame({"机构名称": f["name"].values, "类型": f["kind"].map(KIND_ZH).values,
                         "经度": lon, "纬度": lat}).to_csv(index=False, lineterminator="\r\n")
    path_f.write_bytes(text.encode("gbk"))
    out = {"townships": path_t, "villages": path_v, "facilities": path_f}
    if roads:
        out["roads"] = folder / "roads.osm.bz2"
        shutil.copyfile(DEMO / "roads.osm.bz2", out["roads"])
    return out
