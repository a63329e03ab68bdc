"""The "Using your own data" guide (docs/using-your-own-data.md), followed step by step.

A planner's region, written into the project's Excel templates: two towns on the 1 km
road grid of tests/fixtures/osm/grid.osm (UTM 50N, origin x=520000, y=4400000; see the
drawing in that file), coordinates picked from Amap (GCJ-02) and declared so on the
templates' 说明 sheet, and a facility register in which only one health centre has
coordinates. The road file comes from ``fetch-roads`` with osmnx mocked (no request).

    甲镇 120115101: x 519.5-521.5 km      乙镇 120115102: x 521.5-523.5 km (y 4399.5-4402.5)
    一村 (0,0) 1,000 people + 一村卫生室   东村 (2,0) 600 + 东村卫生室
    二村 (1,2)   800 people                四村 (3,1) 700
    甲镇卫生院 at (1,1), with coordinates  乙镇卫生院: no coordinates, township only

Walking distances along the grid, obvious from the drawing: 二村 is 3 km from either
clinic (n8-n5-n2-n1 or -n3), 四村 2 km from 东村卫生室 (n11-n10-n3): both are R2 gaps;
一村 and 东村 have their own clinic (0 m).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import osmnx as ox
import pyogrio
import pyproj
import pytest
import shapely

from planning import cli
from planning.inputs import templates
from planning.rules.assess import assess
from planning.crs import wgs84_to_gcj02
from planning.inputs import read_layer, region_from_layers
from planning.inputs import read_register
from planning.rules.rulebook import load_rulebook

FIX = Path(__file__).parent / "fixtures"
GRID = FIX / "osm" / "grid.osm"
GUIDE = Path(__file__).parent.parent / "docs" / "using-your-own-data.md"
UTM = pyproj.CRS.from_epsg(32650)
TO_WGS = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
X0, Y0 = 520_000.0, 4_400_000.0


def gcj(km_x: float, km_y: float) -> tuple[str, str]:
    """Grid km -> the GCJ-02 longitude/latitude a planner would pick on Amap, as text."""
    lon, lat = wgs84_to_gcj02(*TO_WGS.transform(X0 + 1000 * km_x, Y0 + 1000 * km_y))
    return f"{float(lon):.7f}", f"{float(lat):.7f}"


def box_wkt(x0: float, x1: float) -> str:
    ring = [(x0, -0.5), (x1, -0.5), (x1, 2.5), (x0, 2.5), (x0, -0.5)]
    return "POLYGON ((" + ", ".join(" ".join(gcj(x, y)) for x, y in ring) + "))"


def fill(path: Path, rows: list[dict]) -> None:
    """Step 1 of the guide: delete the example row, type one row per unit under the headers."""
    book = openpyxl.load_workbook(path)
    ws = book[templates.DATA_SHEET]
    ws.delete_rows(2)
    headers = [c.value for c in ws[1]]
    for row in rows:
        unknown = set(row) - set(headers)
        assert not unknown, unknown  # only the template's own headers
        ws.append([row.get(h) for h in headers])
    book[templates.README_SHEET][templates.CRS_CELL] = "GCJ-02（高德、腾讯地图拾取）"
    book.save(path)


@pytest.fixture
def folder(tmp_path):
    """The planner's folder: three templates filled in, coordinates from Amap (GCJ-02)."""
    paths = templates.write_templates(tmp_path / "宝坻")
    fill(paths["townships"], [
        {"乡镇代码": "120115101", "名称": "甲镇", "类型": "乡镇", "常住人口": "1800",
         "边界": box_wkt(-0.5, 1.5)},
        {"乡镇代码": "120115102", "名称": "乙镇", "类型": "乡镇", "常住人口": "1300",
         "边界": box_wkt(1.5, 3.5)}])
    villages = [("120115101201", "一村村委会", 1000, (0, 0)), ("120115101202", "二村村委会", 800, (1, 2)),
                ("120115102201", "东村村委会", 600, (2, 0)), ("120115102202", "四村村委会", 700, (3, 1))]
    fill(paths["villages"], [{"村代码": code, "名称": name, "常住人口": str(pop),
                              "经度": gcj(*at)[0], "纬度": gcj(*at)[1]}
                             for code, name, pop, at in villages])
    lon, lat = gcj(1, 1)
    fill(paths["facilities"], [
        {"机构代码": "H1", "机构名称": "甲镇卫生院", "机构类型": "乡镇卫生院", "经度": lon, "纬度": lat},
        {"机构代码": "H2", "机构名称": "乙镇卫生院", "机构类型": "乡镇卫生院", "所属乡镇": "乙镇"},
        {"机构代码": "C1", "机构名称": "一村卫生室", "机构类型": "村卫生室", "所属村代码": "120115101201"},
        {"机构代码": "C2", "机构名称": "东村卫生室", "机构类型": "村卫生室", "所属村": "东村",
         "所属乡镇": "乙镇"},
        {"机构代码": "C9", "机构名称": "九村卫生室", "机构类型": "村卫生室", "所属村": "九村"}])
    return paths["villages"].parent


@pytest.fixture
def roads(folder, monkeypatch):
    """Step 3 of the guide, online: fetch-roads for the district boundary, osmnx mocked."""
    calls = []

    def graph_from_polygon(polygon, **kwargs):  # what Overpass would answer: the grid
        calls.append(polygon)
        return ox.graph_from_xml(GRID, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_polygon", graph_from_polygon)
    crs = templates.declared_crs(folder / "townships.xlsx")
    towns, _ = read_layer(folder / "townships.xlsx", "townships", input_crs=crs)
    boundary = folder.parent / "boundary.geojson"
    towns.dissolve()[["geometry"]].to_file(boundary, driver="GeoJSON")
    assert cli.main(["fetch-roads", "--boundary", str(boundary),
                     "--out", str(folder / "roads.osm")]) == 0
    (polygon,) = calls
    assert polygon.contains(towns.union_all())  # the district plus its buffer
    return folder / "roads.osm"


def load(folder: Path, roads: Path):
    """Step 4 of the guide in Python: layers, then the register, then the region."""
    crs = templates.declared_crs(folder / "villages.xlsx")
    towns, p1 = read_layer(folder / "townships.xlsx", "townships", input_crs=crs)
    vils, p2 = read_layer(folder / "villages.xlsx", "villages", input_crs=crs)
    facs, p3 = read_register(folder / "facilities.xlsx", vils, towns, input_crs=crs)
    return region_from_layers({"townships": towns, "villages": vils, "facilities": facs},
                              name="宝坻（自有数据）", problems=p1 + p2 + p3, roads=roads)


def test_the_guide_from_templates_to_a_geopackage_of_gaps(folder, roads, tmp_path):
    assert templates.declared_crs(folder / "villages.xlsx") == "gcj02"
    region = load(folder, roads)
    # GCJ-02 declared: the points are back on the grid nodes (< 0.5 m)
    v = region.villages.set_index("village_id")
    assert region.crs.to_epsg() == 32650
    assert v.geometry["120115101202"].distance(shapely.Point(X0 + 1000, Y0 + 2000)) < 0.5
    # the register: four rows used, one set aside with its reason
    f = region.facilities.set_index("facility_id")
    assert sorted(f.index) == ["C1", "C2", "H1", "H2"]
    assert f.loc["H1", "source"] == "input"
    assert f.loc[["H2", "C1", "C2"], "source"].tolist() == ["assumed"] * 3
    assert f.geometry["C1"].distance(shapely.Point(X0, Y0)) < 0.5  # 一村's seat
    assert f.geometry["C2"].distance(shapely.Point(X0 + 2000, Y0)) < 0.5  # 东村's seat
    assert region.townships.geometry[1].contains(f.geometry["H2"])
    (error,) = [p for p in region.problems if p.level == "error"]
    assert (error.file, error.row) == ("facilities.xlsx", 5) and "九村" in error.message

    result = assess(region, load_rulebook())
    r1 = result.results["R1"].units.set_index("unit_id")["status"]
    assert r1.to_dict() == {"120115101": "pass", "120115102": "pass"}
    r2 = result.results["R2"].units.set_index("unit_id")
    assert r2["status"].to_dict() == {"120115101201": "pass", "120115101202": "fail",
                                      "120115102201": "pass", "120115102202": "fail"}
    assert r2["clinic_road_m"].to_numpy() == pytest.approx([0, 3000, 0, 2000], abs=1.0)
    from planning.outputs.export import export_layers

    out = export_layers(result.layers(), tmp_path / "gaps.gpkg", lang="en")
    layers = dict(pyogrio.list_layers(out))
    assert {"R1_townships", "R2_villages"} <= set(layers)
    gaps = gpd.read_file(out, layer="R2_villages")
    assert gaps.crs.to_epsg() == 4326
    failed = gaps[gaps["status"] == "fail"]
    assert sorted(failed["village_id"]) == ["120115101202", "120115102202"]


def test_check_on_the_folder_writes_the_geopackage_and_summary(folder, roads, tmp_path, capsys):
    """Step 4 with the command line: ``check --region FOLDER --input-crs gcj02 --out``."""
    out, summary = tmp_path / "out" / "缺口.gpkg", tmp_path / "out" / "summary.json"
    code = cli.main(["check", "--region", str(folder), "--input-crs", "gcj02", "--out", str(out),
                     "--summary", str(summary), "--lang", "en"])
    assert code == 0
    assert "R2_villages" in dict(pyogrio.list_layers(out))
    rules = {r["id"]: r for r in json.loads(summary.read_text(encoding="utf-8"))["rules"]}
    assert rules["R2"]["units"] == 4
    # 二村 and 四村 are gaps whether or not the register rows are placed
    gaps = gpd.read_file(out, layer="R2_villages")
    failed = set(gaps.loc[gaps["status"] == "fail", "village_id"])
    assert {"120115101202", "120115102202"} <= failed


def test_check_places_the_register_rows_itself(folder, roads, tmp_path):
    summary = tmp_path / "summary.json"
    assert cli.main(["check", "--region", str(folder), "--input-crs", "gcj02",
                     "--summary", str(summary)]) == 0
    rules = {r["id"]: r for r in json.loads(summary.read_text(encoding="utf-8"))["rules"]}
    assert (rules["R1"]["passed"], rules["R2"]["failed"]) == (2, 2)


def test_fetch_roads_reports_a_failed_download_without_a_traceback(folder, tmp_path, monkeypatch,
                                                                   capsys):
    import requests

    def offline(polygon, **kwargs):
        raise requests.ConnectionError("Max retries exceeded with url: /api/interpreter")

    monkeypatch.setattr(ox, "graph_from_polygon", offline)
    boundary = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(117.23, 39.74, 117.27, 39.77)], crs=4326).to_file(boundary)
    assert cli.main(["fetch-roads", "--boundary", str(boundary), "--out",
                     str(tmp_path / "roads.osm")]) == cli.EXIT_INPUT
    assert "could not download roads" in capsys.readouterr().err
    assert not (tmp_path / "roads.osm").exists()


# ---------------------------------------------------------------- the guide itself


def test_the_guide_explains_every_rulebook_key_with_its_clause_and_basis():
    text = GUIDE.read_text(encoding="utf-8")
    for key in load_rulebook().keys():
        row = next((line for line in text.splitlines() if f"`{key.rule}.{key.name}`" in line), None)
        assert row is not None, f"{key.rule}.{key.name} is not in the guide"
        assert key.clause in row and key.basis in row, row


def test_the_guide_names_every_template_header_and_the_commands_it_runs():
    text = GUIDE.read_text(encoding="utf-8")
    for layer in templates.TEMPLATE_LAYERS:
        for c in templates.template_columns(layer):
            assert f"`{c['header']}`" in text, (layer, c["header"])
    commands = re.findall(r"python -m planning ([a-z-]+)", text)
    assert {"check", "fetch-roads"} <= set(commands)
    parser_commands = set(cli.build_parser()._subparsers._group_actions[0].choices)
    assert set(commands) <= parser_commands
    for crs in templates.CRS_CHOICES.values():
        assert f"--input-crs {crs}" in text or f"`{crs}`" in text, crs
