"""The app's "上传自己的数据" path, driven headless by ``streamlit.testing.v1.AppTest``.

Two sets of files, both made the way planners hold them (Excel townships with outlines,
Excel villages and a GBK facility CSV without ids, coordinates from Amap in GCJ-02):

- two townships of the demo (tests/own_files.py), without a road file: the check runs by
  straight-line estimate and must agree with ``python -m planning check`` on the files;
- a 1 km road grid (tests/fixtures/osm/grid.osm, UTM 50N origin 520,000 E, 4,400,000 N)
  with two towns, whose roads the app downloads from "OpenStreetMap": the Overpass answer
  is a recorded one (tests/fixtures/osm/overpass_grid.json, the grid as Overpass returns
  ways), never the live service. Along the grid, obvious from the drawing in grid.osm:
  一村 (0,0) and 东村 (2,0) have their own clinic; 二村 (1,2) is 3 km and 四村 (3,1) 2 km
  from the nearest clinic: R2 fails exactly 2 villages.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyproj
import pytest
import shapely
from streamlit.testing.v1 import AppTest

import own_files
from planning import cli
from planning.travel.access import STRAIGHT_LABEL
from planning.crs import wgs84_to_gcj02

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIX = Path(__file__).parent / "fixtures"
TIMEOUT = 600
TO_WGS = pyproj.Transformer.from_crs(32650, 4326, always_xy=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def grid_lonlat(kx: float, ky: float) -> tuple[float, float]:
    return TO_WGS.transform(520_000 + 1000 * kx, 4_400_000 + 1000 * ky)


def gcj_text(kx: float, ky: float) -> tuple[str, str]:
    lon, lat = wgs84_to_gcj02(*grid_lonlat(kx, ky))
    return f"{float(lon):.7f}", f"{float(lat):.7f}"


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


def grid_files() -> dict[str, tuple[str, bytes, str]]:
    """The grid region's three uploads: (file name, bytes, mime type)."""
    def box(x0, x1):
        return shapely.Polygon([grid_lonlat(x, y) for x, y in
                                ((x0, -0.5), (x1, -0.5), (x1, 2.5), (x0, 2.5))]).wkt

    towns = pd.DataFrame({"乡镇代码": ["120115101", "120115102"], "名称": ["甲镇", "乙镇"],
                          "边界": [box(-0.5, 1.5), box(1.5, 3.5)]})
    places = {"一村": (0, 0), "二村": (1, 2), "东村": (2, 0), "四村": (3, 1)}
    codes = {"一村": "120115101201", "二村": "120115101202", "东村": "120115102201",
             "四村": "120115102202"}
    villages = pd.DataFrame([{"村名": n, "村代码": codes[n], "人口": 500,
                              "经度": gcj_text(*xy)[0], "纬度": gcj_text(*xy)[1]}
                             for n, xy in places.items()])
    fac = [("一村卫生室", "村卫生室", (0, 0)), ("东村卫生室", "村卫生室", (2, 0)),
           ("甲镇卫生院", "乡镇卫生院", (1, 1)), ("乙镇卫生院", "乡镇卫生院", (3, 0))]
    csv = "机构名称,类型,经度,纬度\r\n" + "".join(
        f"{n},{k},{gcj_text(*xy)[0]},{gcj_text(*xy)[1]}\r\n" for n, k, xy in fac)
    return {"townships": ("乡镇.xlsx", xlsx_bytes(towns), XLSX),
            "villages": ("村.xlsx", xlsx_bytes(villages), XLSX),
            "facilities": ("医疗机构.csv", csv.encode("gbk"), "text/csv")}


def own_files_uploads(folder: Path, **kwargs) -> dict[str, tuple[str, bytes, str]]:
    paths = own_files.write_files(folder, **kwargs)
    mime = {".xlsx": XLSX, ".csv": "text/csv", ".gpkg": "application/geopackage+sqlite3"}
    return {layer: (p.name, p.read_bytes(), mime[p.suffix]) for layer, p in paths.items()
            if layer != "roads"}


def upload(files: dict, lang: str = "zh", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["source"] = "upload"
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    for layer, value in files.items():
        at.file_uploader(key=f"up_{layer}").set_value(value)
    return at.run()


def crs_box(at: AppTest, layer: str):
    """The coordinate-system choice of a layer's file (its widget key carries a version)."""
    return next(b for b in at.selectbox if str(b.key).startswith(f"crs_{layer}@"))


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def scorecard(at: AppTest) -> dict[str, dict[str, str]]:
    frame = at.table[0].value
    return {rule: {k: str(v) for k, v in row.items()} for rule, row in frame.iterrows()}


def summary_of(folder: Path, crs: str, tmp_path: Path) -> dict:
    out = tmp_path / f"summary_{folder.name}.json"
    assert cli.main(["check", "--region", str(folder), "--input-crs", crs, "--summary", str(out),
                     "--lang", "en"]) == 0
    return {r["id"]: r for r in json.loads(out.read_text(encoding="utf-8"))["rules"]}


@pytest.fixture
def recorded_overpass(monkeypatch, tmp_path):
    """osmnx gets the recorded Overpass answer instead of asking the live service."""
    import osmnx._overpass as overpass

    answer = json.loads((FIX / "osm" / "overpass_grid.json").read_text(encoding="utf-8"))
    calls = []

    def overpass_request(data):
        calls.append(data)
        return answer

    monkeypatch.setattr(overpass, "_overpass_request", overpass_request)
    monkeypatch.setattr("planning.settings.CACHE_DIR", tmp_path / "cache")
    return calls


# ------------------------------------------------------------------- without roads


@pytest.mark.slow
def test_own_files_without_roads_run_by_straight_line_and_agree_with_check(tmp_path):
    files = own_files_uploads(tmp_path / "files")
    at = upload(files)
    assert not at.exception
    loaded = texts(at.success)
    assert "村.xlsx 读入 45 行" in loaded and "医疗机构.csv 读入 40 行" in loaded
    assert "没有道路文件" in texts(at.warning)  # and the offer to download them
    crs_box(at, "villages").set_value("gcj02")
    crs_box(at, "facilities").set_value("gcj02")
    at.run()
    assert at.text_input(key="up_name_input@宝坻区").value == "宝坻区"  # from the codes, not a file name
    at.button(key="up_run").click().run()
    assert not at.exception and not at.error
    region = at.session_state["upload_region"]["region"]
    assert region.name == "宝坻区" and region.roads_path is None
    assert set(region.townships["district"]) == {"宝坻区"}  # district rows never say None
    assert region.sources == {"townships": "乡镇.xlsx", "villages": "村.xlsx",
                              "facilities": "医疗机构.csv"}
    score = scorecard(at)
    assert list(score) == ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    assert any(STRAIGHT_LABEL in w for w in texts(at.warning).splitlines())
    expected = summary_of(tmp_path / "files", "villages=gcj02,facilities=gcj02", tmp_path)
    for rid, rule in expected.items():
        assert int(score[rid]["未达标"]) == rule["failed"], rid
        assert int(score[rid]["达标"]) == rule["passed"], rid
    assert expected["R2"]["figures"]["estimate"] == STRAIGHT_LABEL
    # R7: no medical-community column -> cannot be checked, in the headline as in the list
    md = texts(at.markdown)
    r7 = next(line for line in md.splitlines() if "R7" in line and "无法检查" in line)
    assert "医共体" in r7 and "都在医共体内" not in md
    # township rows add up to the district row
    towns = next(d.value for d in at.dataframe if "综合" in d.value.columns)
    r2 = [c.split("/") for c in towns["R2"]]
    wide = at.table[1].value
    row = dict(zip(map(str, wide.columns), wide.iloc[0]))
    assert str(wide.index[0]) == "宝坻区"
    district = row["R2"].split(" ")[0].split("/")
    assert [sum(int(f) for f, _ in r2), sum(int(u) for _, u in r2)] == [int(x) for x in district]
    assert district == [str(expected["R2"]["failed"]), str(expected["R2"]["units"])]


@pytest.mark.slow
def test_a_geopackage_in_wgs84_beside_gcj02_tables_stays_where_it_is(tmp_path):
    files = own_files_uploads(tmp_path / "files", townships_gpkg=True)
    at = upload(files)
    # the GeoPackage carries EPSG:4326: read as it says; the tables are declared GCJ-02
    assert crs_box(at, "townships").value == "file"
    crs_box(at, "villages").set_value("gcj02")
    crs_box(at, "facilities").set_value("gcj02")
    at.run()
    at.button(key="up_run").click().run()
    assert not at.exception
    region = at.session_state["upload_region"]["region"]
    demo = own_files.demo_layers()["townships"].to_crs(region.crs).set_index("township_id")
    got = region.townships.set_index("township_id")
    for tid in own_files.TOWNS:  # not moved: the outlines coincide to the centimetre
        assert got.loc[tid, "geometry"].hausdorff_distance(demo.loc[tid, "geometry"]) < 0.01
    assert region.villages["township_id"].notna().all()  # no village fell outside
    assert "不在任何乡镇/街道范围内" not in texts(at.warning)


# ------------------------------------------------------------------- roads from OSM


def test_roads_downloaded_for_the_outline_and_gcj02_converted_for_every_file(
        tmp_path, recorded_overpass):
    at = upload(grid_files())
    assert not at.exception
    at.button(key="up_fetch").click().run()
    assert not at.exception and len(recorded_overpass) == 1
    assert "已下载道路网" in texts(at.success)
    # the points sit ~570 m off the downloaded roads, all one way: GCJ-02 read as WGS84
    warning = next(w for w in texts(at.warning).splitlines() if "GCJ-02" in w)
    assert "村.xlsx" in warning and "医疗机构.csv" in warning
    at.button(key="up_gcj").click().run()
    assert crs_box(at, "villages").value == "gcj02"  # a fresh widget, so the browser agrees
    assert crs_box(at, "facilities").value == "gcj02"
    assert crs_box(at, "townships").value == "wgs84"  # the outlines were WGS84
    assert "GCJ-02" not in texts(at.warning)
    at.button(key="up_run").click().run()
    assert not at.exception and not at.error
    region = at.session_state["upload_region"]["region"]
    assert region.roads_path is not None and region.name == "宝坻区"
    score = scorecard(at)
    assert int(score["R2"]["未达标"]) == 2 and int(score["R2"]["达标"]) == 2
    assert STRAIGHT_LABEL not in texts(at.warning)
    # the same files and roads on the command line give the same numbers
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, data, _ in grid_files().values():
        (folder / name).write_bytes(data)
    (folder / "roads.osm").write_bytes(region.roads_path.read_bytes())
    assert summary_of(folder, "villages=gcj02,facilities=gcj02", tmp_path)["R2"]["failed"] == 2
    # downloaded once: a second session finds it in the cache
    at2 = upload(grid_files())
    assert "以前下载过" in texts(at2.caption)


def test_a_failed_download_says_so_and_the_check_runs_by_straight_line(tmp_path, monkeypatch):
    import osmnx._overpass as overpass
    import requests

    def offline(data):
        raise requests.ConnectionError("Max retries exceeded with url: /api/interpreter")

    monkeypatch.setattr(overpass, "_overpass_request", offline)
    monkeypatch.setattr("planning.settings.CACHE_DIR", tmp_path / "cache")
    at = upload(grid_files(), lang="en")
    at.button(key="up_fetch").click().run()
    assert not at.exception
    error = texts(at.error)
    assert "could not be downloaded" in error and "straight-line estimate" in error
    at.button(key="up_run").click().run()
    assert not at.exception
    assert at.session_state["upload_region"]["region"].roads_path is None
    assert STRAIGHT_LABEL in texts(at.warning)


# ------------------------------------------------------------------- files and messages


def test_column_mapping_shows_the_tools_fields_in_the_ui_language_once_each(tmp_path):
    csv = "编号X,名字,经度,纬度\r\n甲,八间村卫生室,117.3,39.7\r\n".encode("gbk")
    at = upload({"facilities": ("我的机构.csv", csv, "text/csv")})
    errors = texts(at.error)
    assert "我的机构.csv" in errors and "facilities.csv" not in errors  # the planner's own name
    assert "找不到“名称”（name）列" in errors and "列名对应" in errors
    box = at.selectbox(key="colmap_facilities_名字@zh")
    labels = box.options  # as shown: each field in words, its name, what it holds
    assert len(labels) == len(set(labels)) and sum("(lon)" in o for o in labels) == 1
    assert "名称 (name) — 机构名称" in labels and "经度 (lon) — 十进制度" in labels
    box.set_value("name").run()
    assert not at.error
    assert "我的机构.csv 读入 1 行" in texts(at.success)
    at_en = upload({"facilities": ("my.csv", csv, "text/csv")}, lang="en")
    box = at_en.selectbox(key="colmap_facilities_名字@en")
    assert "name (name) — facility name" in box.options


def test_a_failing_rule_is_shown_and_the_other_results_stay(monkeypatch):
    from test_app import app_with, handmade_region

    from planning import rules

    def broken(region, rulebook, access):
        raise shapely.errors.GEOSException("TopologyException: side location conflict")

    monkeypatch.setitem(rules.RULES, "R3", broken)
    at = app_with(handmade_region())
    assert not at.exception
    assert any("规则 R3 未能检查" in e.value and "side location conflict" in e.value
               for e in at.error)
    assert "R2" in at.table[0].value.index and "R3" not in at.table[0].value.index


def test_a_broken_road_file_is_named_and_the_panel_stays(tmp_path):
    files = grid_files()
    files["roads"] = ("我的路网.osm", b"<?xml version='1.0'?><kml></kml>", "application/xml")
    at = upload(files)
    at.button(key="up_run").click().run()
    assert not at.exception and "upload_region" not in at.session_state
    error = texts(at.error)
    assert "道路文件 我的路网.osm 无法使用" in error and "按直线估算" in error
