"""Exports read back as QGIS reads them (GDAL through pyogrio) and as Excel reads them (openpyxl).

The layers are built by hand in WGS84 around Tianjin (117.3 E, 39.7 N) and projected to
UTM 50N (EPSG:32650) as the rules give them, so the expected coordinates of every
export are the numbers typed here (or their GCJ-02 shift).
"""

from __future__ import annotations

import os
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from planning.outputs import export as ex
from planning.crs import wgs84_to_gcj02
from planning.errors import InputError

# village seats (WGS84 lon, lat) and two boxes; the third township has an empty polygon
POINTS = np.array([[117.30, 39.70], [117.31, 39.71], [117.325, 39.695]])
BOX_A = (117.20, 39.60, 117.30, 39.70)
BOX_B = (117.40, 39.60, 117.45, 39.65)
BOX_C = (117.30, 39.60, 117.40, 39.70)
GIS = ["gpkg", "geojson", "shp", "kml"]


def _villages() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "village_id": ["120115101201", "120115101202", "120115101203"],
            "name": ["王庄村", "李家庄村", "=HYPERLINK(\"http://x\")"],
            "population": [1200.0, np.nan, 35.0],
            "status": ["pass", "fail", "warn"],
            "reason": ["本村卫生室 300米", "-1500米内无卫生室", "@邻村"],
            "action": ["", "+新建标准化村卫生室", "\t核实"],
            "nearest_clinic_id": [None, "120115101299", "120115101298"],
            "clinic_distance_m": [300.0, np.nan, 1400.5],
            "change": [-3.5, 0.0, 2.0],
            "reachable": [True, False, True],
        },
        geometry=shapely.points(POINTS), crs="EPSG:4326")
    return frame.to_crs(32650)


def _townships() -> gpd.GeoDataFrame:
    multi = shapely.MultiPolygon([shapely.box(*BOX_A), shapely.box(*BOX_B)])
    frame = gpd.GeoDataFrame(
        {"township_id": ["120115101000", "120115102000", "120115103000"],
         "name": ["大口屯镇", "宝平街道", "空镇"],
         "status": ["fail", "pass", "not_applicable"],
         "population": [52000, 81000, 0]},
        geometry=[multi, shapely.box(*BOX_C), shapely.Polygon()], crs="EPSG:4326")
    return frame.to_crs(32650)


@pytest.fixture()
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {"R2_villages": _villages(), "R1_townships": _townships()}


def _expected_points(crs: str) -> np.ndarray:
    if crs == "gcj02":
        return np.column_stack(wgs84_to_gcj02(POINTS[:, 0], POINTS[:, 1]))
    return POINTS


def _expected_bounds(box: tuple, crs: str) -> np.ndarray:
    corners = np.array([[box[0], box[1]], [box[0], box[3]], [box[2], box[1]], [box[2], box[3]]])
    if crs == "gcj02":
        corners = np.column_stack(wgs84_to_gcj02(corners[:, 0], corners[:, 1]))
    return np.r_[corners.min(axis=0), corners.max(axis=0)]


def _read_all(path, fmt: str) -> dict[str, gpd.GeoDataFrame]:
    """Read every layer back as QGIS would open the file."""
    if fmt == "geojson":  # a zip of GeoJSON files: QGIS opens each through /vsizip/
        names = [n for n in zipfile.ZipFile(path).namelist() if n.endswith(".geojson")]
        return {n[:-8]: pyogrio.read_dataframe(f"/vsizip/{path}/{n}") for n in names}
    return {name: pyogrio.read_dataframe(path, layer=name)
            for name, _ in pyogrio.list_layers(path)}


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "cgcs2000"])
@pytest.mark.parametrize("fmt", GIS)
def test_gis_round_trip(tmp_path, layers, fmt, crs):
    path = ex.export_layers(layers, tmp_path / f"gaps{ex.FORMATS[fmt].multi_suffix}", crs=crs)
    assert path.exists() and path.name == f"gaps{ex.FORMATS[fmt].multi_suffix}"
    back = _read_all(path, fmt)
    assert set(back) == {"R2_villages", "R1_townships"}
    vil, town = back["R2_villages"], back["R1_townships"]
    assert len(vil) == 3 and len(town) == 3

    name = "Name" if fmt == "kml" else "name"  # LIBKML reads <name> back as "Name"
    assert list(vil[name]) == ["王庄村", "李家庄村", "=HYPERLINK(\"http://x\")"]
    assert list(town[name]) == ["大口屯镇", "宝平街道", "空镇"]
    assert list(vil["village_id"]) == ["120115101201", "120115101202", "120115101203"]
    assert pd.api.types.is_string_dtype(vil["village_id"])
    town_id = "town_id" if fmt == "shp" else "township_id"  # Shapefile: 10-character names
    assert list(town[town_id]) == ["120115101000", "120115102000", "120115103000"]
    assert list(vil["status"]) == ["pass", "fail", "warn"]
    assert vil["population"].iloc[0] == 1200 and pd.isna(vil["population"].iloc[1])

    expected = _expected_points(crs)
    got = shapely.get_coordinates(vil.geometry.values)  # x, y (KML adds z = 0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    if crs == "gcj02":  # really shifted, by hundreds of metres (~0.006 degrees)
        assert np.all(np.abs(got - POINTS).max(axis=1) > 0.004)

    bounds = shapely.bounds(town.geometry.values)
    np.testing.assert_allclose(bounds[1], _expected_bounds(BOX_C, crs), rtol=0, atol=1e-6)
    multi = np.r_[np.minimum(_expected_bounds(BOX_A, crs)[:2], _expected_bounds(BOX_B, crs)[:2]),
                  np.maximum(_expected_bounds(BOX_A, crs)[2:], _expected_bounds(BOX_B, crs)[2:])]
    np.testing.assert_allclose(bounds[0], multi, rtol=0, atol=1e-6)
    assert shapely.get_num_geometries(town.geometry.values[0]) == 2
    last = town.geometry.values[2]
    assert last is None or last.is_empty  # the empty township survives as an empty row

    epsg = 4490 if crs == "cgcs2000" and fmt != "kml" else 4326  # KML is WGS84 by definition
    assert all(frame.crs.to_epsg() == epsg for frame in back.values())


@pytest.mark.parametrize("fmt", GIS)
def test_gis_status_values_in_chinese(tmp_path, layers, fmt):
    path = ex.export_layers(layers, tmp_path / f"zh{ex.FORMATS[fmt].multi_suffix}", lang="zh")
    back = _read_all(path, fmt)
    assert list(back["R2_villages"]["status"]) == ["达标", "未达标", "需关注"]
    assert list(back["R1_townships"]["status"]) == ["未达标", "达标", "不适用"]


def test_single_geojson_is_one_file_noting_gcj02(tmp_path, layers):
    path = ex.export_layers({"R2_villages": layers["R2_villages"]}, tmp_path / "v.geojson",
                            crs="gcj02")
    assert path == tmp_path / "v.geojson"
    back = pyogrio.read_dataframe(path)
    np.testing.assert_allclose(shapely.get_coordinates(back.geometry.values),
                               _expected_points("gcj02"), rtol=0, atol=1e-6)
    assert "GCJ-02" in pyogrio.read_info(path)["layer_metadata"]["DESCRIPTION"]


def test_gcj02_shift_is_recorded_in_every_format(tmp_path, layers):
    gpkg = ex.export_layers(layers, tmp_path / "a.gpkg", crs="gcj02")
    assert "GCJ-02" in pyogrio.read_info(gpkg, layer="R2_villages")["layer_metadata"]["DESCRIPTION"]
    for fmt in ("shp", "geojson"):
        zipped = ex.export_layers(layers, tmp_path / "a", fmt, crs="gcj02")
        assert "GCJ-02" in zipfile.ZipFile(zipped).read("README.txt").decode("utf-8")
    kml = ex.export_layers(layers, tmp_path / "a.kml", crs="gcj02")
    assert "GCJ-02" in kml.read_text(encoding="utf-8").split("<Folder")[0]
    book = openpyxl.load_workbook(ex.export_layers(layers, tmp_path / "a.xlsx", crs="gcj02"))
    assert "GCJ-02" in book["About"]["A1"].value
    assert ex.export_filename("gaps", "gpkg", crs="gcj02") == "gaps_gcj02.gpkg"


def test_shapefile_zip_utf8_and_short_names(tmp_path, layers):
    path = ex.export_layers(layers, tmp_path / "gaps.shp")
    assert path.name == "gaps.shp.zip"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for layer in ("R2_villages", "R1_townships"):
            assert {f"{layer}.{s}" for s in ("shp", "shx", "dbf", "prj", "cpg")} <= names
        assert zf.read("R2_villages.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        assert "王庄村".encode("utf-8") in zf.read("R2_villages.dbf")  # not GBK
        readme = zf.read("README.txt").decode("utf-8")
    assert "near_cl_id = nearest_clinic_id" in readme
    fields = pyogrio.read_info(path, layer="R2_villages")["fields"]
    assert all(len(f.encode()) <= 10 for f in fields)
    assert list(fields) == ["village_id", "name", "population", "status", "reason", "action",
                            "near_cl_id", "clin_dist", "change", "reachable"]


def test_shapefile_field_names_are_short_unique_and_deterministic():
    columns = ["clinic_distance_m", "clinic_distance_min", "population_type", "population",
               "Name", "name", "nearest_clinic_id", "near_cl_id", "名称很长的中文字段"]
    names = ex.shapefile_field_names(columns)
    assert names == {
        "clinic_distance_m": "clin_dist",  # listed abbreviation
        "clinic_distance_min": "clnc_dstnc",  # vowels dropped: clnc_dstnc_mn, cut to 10
        "population_type": "ppltn_typ",
        "population": "population",  # 10 characters: kept
        "Name": "Name",
        "name": "name_2",  # DBF names are case-insensitive
        "nearest_clinic_id": "near_cl_id",
        "near_cl_id": "near_cl__2",
        "名称很长的中文字段": "名称很",  # 9 bytes of UTF-8
    }
    assert ex.shapefile_field_names(columns) == names


def test_excel_tables(tmp_path, layers):
    path = ex.export_layers(layers, tmp_path / "gaps.xlsx", crs="wgs84", lang="zh")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["R2_villages", "R1_townships", "说明"]
    sheet = book["R2_villages"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["村代码", "名称", "常住人口(人)", "状态", "原因", "建议措施", "最近卫生室代码",
                       "到卫生室判定距离(米)", "change", "道路可达", "经度(度)", "纬度(度)"]
    assert len(rows) == 4
    col = {h: i for i, h in enumerate(rows[0])}
    assert [r[col["村代码"]] for r in rows[1:]] == ["120115101201", "120115101202", "120115101203"]
    assert all(sheet.cell(i, 1).number_format == "@" and sheet.cell(i, 1).data_type == "s"
               for i in (2, 3, 4))
    assert [r[col["状态"]] for r in rows[1:]] == ["达标", "未达标", "需关注"]
    assert [r[col["常住人口(人)"]] for r in rows[1:]] == [1200, None, 35]
    assert [r[col["最近卫生室代码"]] for r in rows[1:]] == [None, "120115101299", "120115101298"]
    assert [r[col["道路可达"]] for r in rows[1:]] == ["是", "否", "是"]
    # formula-like text is neutralised; numbers, even negative ones, are not
    assert rows[3][col["名称"]] == "'=HYPERLINK(\"http://x\")"
    assert [r[col["原因"]] for r in rows[1:]] == ["本村卫生室 300米", "'-1500米内无卫生室", "'@邻村"]
    assert [r[col["建议措施"]] for r in rows[1:]] == [None, "'+新建标准化村卫生室", "'\t核实"]
    assert [r[col["change"]] for r in rows[1:]] == [-3.5, 0, 2]
    assert [r[col["到卫生室判定距离(米)"]] for r in rows[1:]] == [300, None, 1400]  # metres to 1 (1400.5 -> 1400, half to even)
    lonlat = np.array([[r[col["经度(度)"]], r[col["纬度(度)"]]] for r in rows[1:]])
    np.testing.assert_allclose(lonlat, POINTS, rtol=0, atol=1e-6)

    towns = [[c.value for c in r] for r in book["R1_townships"].iter_rows()]
    assert towns[0] == ["乡镇代码", "名称", "状态", "常住人口(人)", "经度(度)", "纬度(度)"]
    assert [r[0] for r in towns[1:]] == ["120115101000", "120115102000", "120115103000"]
    assert towns[2][4:] != [None, None]
    # a polygon's point lies inside it; the empty township has no coordinates
    assert shapely.box(*BOX_C).contains(shapely.Point(towns[2][4], towns[2][5]))
    assert towns[3][4:] == [None, None]


def test_excel_gcj02_and_english_headers(tmp_path, layers):
    path = ex.export_layers({"R2_villages": layers["R2_villages"]}, tmp_path / "g.xlsx",
                            crs="gcj02")
    sheet = openpyxl.load_workbook(path)["R2_villages"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][0] == "Village code" and rows[0][-2:] == ["Longitude (°)", "Latitude (°)"]
    assert rows[0][2:4] == ["Residents", "Status"]
    assert [r[3] for r in rows[1:]] == ["Pass", "Fail", "Attention"]  # words, not codes
    np.testing.assert_allclose([r[-2:] for r in rows[1:]], _expected_points("gcj02"),
                               rtol=0, atol=1e-6)


def test_csv_table(tmp_path, layers):
    path = ex.export_table_csv(layers["R2_villages"], tmp_path / "v.csv", lang="zh")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns[:4]) == ["村代码", "名称", "常住人口(人)", "状态"]
    assert list(back["村代码"]) == ["120115101201", "120115101202", "120115101203"]
    assert list(back["名称"]) == ["王庄村", "李家庄村", "'=HYPERLINK(\"http://x\")"]
    assert list(back["原因"]) == ["本村卫生室 300米", "'-1500米内无卫生室", "'@邻村"]
    assert list(back["change"]) == ["-3.5", "0", "2"]  # numbers untouched
    assert list(back["常住人口(人)"]) == ["1200", "", "35"]
    np.testing.assert_allclose(back[["经度(度)", "纬度(度)"]].astype(float).to_numpy(), POINTS,
                               rtol=0, atol=1e-6)


def test_export_bytes(tmp_path, layers):
    data, name, mime = ex.export_bytes(layers, "gpkg", crs="gcj02", lang="en")
    assert name == "export_gcj02.gpkg" and mime == "application/geopackage+sqlite3"
    file = tmp_path / name
    file.write_bytes(data)
    assert len(pyogrio.read_dataframe(file, layer="R1_townships")) == 3

    data, name, mime = ex.export_bytes(layers, "geojson", crs="wgs84", lang="en", stem="gaps")
    assert (name, mime) == ("gaps.geojson.zip", "application/zip")
    file = tmp_path / name
    file.write_bytes(data)
    assert len(_read_all(file, "geojson")["R2_villages"]) == 3

    for fmt in ex.FORMATS:
        data, name, mime = ex.export_bytes(layers, fmt)
        assert data and name.endswith(ex.FORMATS[fmt].multi_suffix) and mime


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "kml", "geojson"])
def test_failed_export_leaves_the_target_intact(tmp_path, layers, monkeypatch, fmt):
    target = tmp_path / f"gaps{ex.FORMATS[fmt].multi_suffix}"
    target.write_bytes(b"old export")
    real, calls = pyogrio.write_dataframe, []

    def write_then_fail(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:  # the first layer is written, the second fails
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(ex.pyogrio, "write_dataframe", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ex.export_layers(layers, target)
    assert len(calls) == 2
    assert target.read_bytes() == b"old export"
    assert sorted(os.listdir(tmp_path)) == [target.name]  # no temporary files left


def test_failed_excel_export_leaves_no_file(tmp_path, layers, monkeypatch):
    real, calls = ex._xlsx_sheet, []

    def sheet_then_fail(sheet, table):
        calls.append(sheet.title)
        if len(calls) == 2:
            raise RuntimeError("interrupted")
        real(sheet, table)

    monkeypatch.setattr(ex, "_xlsx_sheet", sheet_then_fail)
    with pytest.raises(RuntimeError):
        ex.export_layers(layers, tmp_path / "gaps.xlsx")
    assert os.listdir(tmp_path) == []


def test_successful_export_replaces_the_target(tmp_path, layers):
    target = tmp_path / "gaps.gpkg"
    target.write_bytes(b"old export")
    ex.export_layers(layers, target)
    assert len(pyogrio.read_dataframe(target, layer="R2_villages")) == 3
    assert os.listdir(tmp_path) == ["gaps.gpkg"]


def test_gpkg_written_layer_by_layer_equals_one_export(tmp_path, layers):
    """gpkg_writer (the partitioned run writes each rule's layers as its replay ends)
    gives the layers, values and column titles of one export_layers call; an error
    inside the block leaves the target as it was."""
    import sqlite3

    whole = ex.export_layers(layers, tmp_path / "one.gpkg", lang="zh")
    with ex.gpkg_writer(tmp_path / "parts.gpkg", lang="zh") as write:
        for name in layers:  # one layer at a time, prepared apart (as on a worker)
            write(ex.prepare_layers({name: layers[name]}, lang="zh"))
        assert not (tmp_path / "parts.gpkg").exists()  # renamed only at the end
    a, b = _read_all(whole, "gpkg"), _read_all(tmp_path / "parts.gpkg", "gpkg")
    assert list(a) == list(b) == list(layers)
    for name in layers:
        pd.testing.assert_frame_equal(a[name], b[name])

    def titles(path):
        with sqlite3.connect(path) as db:
            return sorted(db.execute("select table_name, column_name, name from gpkg_data_columns"))
    assert titles(whole) == titles(tmp_path / "parts.gpkg") and len(titles(whole)) > 3

    target = tmp_path / "parts.gpkg"
    before = target.read_bytes()
    with pytest.raises(RuntimeError), ex.gpkg_writer(target, lang="zh") as write:
        write(ex.prepare_layers({"R2_villages": layers["R2_villages"]}, lang="zh"))
        raise RuntimeError("a replay task failed")
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["one.gpkg", "parts.gpkg"]


@pytest.mark.parametrize("kwargs, needle", [
    ({"path": "x.pdf"}, "gpkg"),
    ({"path": "x.zip"}, ".shp.zip"),
    ({"path": "x.gpkg", "fmt": "pdf"}, "xlsx"),
    ({"path": "x.gpkg", "crs": "utm"}, "gcj02"),
    ({"path": "x.gpkg", "lang": "fr"}, "zh"),
])
def test_bad_requests_name_the_accepted_values(tmp_path, layers, kwargs, needle):
    kwargs = {**kwargs, "path": tmp_path / kwargs["path"]}
    with pytest.raises(InputError, match=needle):
        ex.export_layers(layers, **kwargs)
    assert os.listdir(tmp_path) == []


def test_layer_without_crs_is_named(tmp_path, layers):
    bad = layers["R2_villages"].set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="R2_villages"):
        ex.export_layers({"R2_villages": bad}, tmp_path / "x.gpkg")
    with pytest.raises(InputError, match="no layers"):
        ex.export_layers({}, tmp_path / "x.gpkg")


def test_numeric_ids_become_text_and_mixed_columns_are_uniform(tmp_path):
    frame = gpd.GeoDataFrame(
        {"district_id": [120115, 120116, 120117],  # int codes from a careless source
         "facility_id": [120115101299.0, np.nan, 120115101298.0],  # float after a merge
         "central": [True, None, False],  # object: bools and None
         "beds": [10, None, 2.5]},  # object: numbers and None
        geometry=shapely.points(POINTS), crs="EPSG:4326")
    gpkg = pyogrio.read_dataframe(ex.export_layers({"t": frame}, tmp_path / "t.gpkg"))
    assert list(gpkg["district_id"]) == ["120115", "120116", "120117"]
    assert list(gpkg["facility_id"].fillna("")) == ["120115101299", "", "120115101298"]
    assert gpkg["beds"].tolist()[::2] == [10, 2.5] and pd.isna(gpkg["beds"][1])
    assert pyogrio.read_info(tmp_path / "t.gpkg")["ogr_subtypes"][2] == "OFSTBoolean"

    sheet = openpyxl.load_workbook(ex.export_layers({"t": frame}, tmp_path / "t.xlsx"))["t"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [r[:4] for r in rows] == [["120115", "120115101299", "yes", 10],
                                     ["120116", None, None, None],
                                     ["120117", "120115101298", "no", 2.5]]


def test_plain_table_without_geometry(tmp_path):
    table = pd.DataFrame({"district_id": ["120115"], "name": ["宝坻区"], "status": ["fail"]})
    book = openpyxl.load_workbook(ex.export_layers({"R5_districts": table}, tmp_path / "t.xlsx",
                                                   lang="zh"))
    assert [c.value for c in book["R5_districts"][1]] == ["区代码", "名称", "状态"]
    assert [c.value for c in book["R5_districts"][2]] == ["120115", "宝坻区", "未达标"]
    back = pyogrio.read_dataframe(ex.export_layers({"R5_districts": table}, tmp_path / "t.gpkg"),
                                  read_geometry=False)
    assert back.to_dict("records") == [{"district_id": "120115", "name": "宝坻区",
                                        "status": "fail"}]


def test_invalid_polygons_are_repaired_so_kml_accepts_them(tmp_path):
    # a bow-tie (self-intersecting) polygon, as reprojection can leave behind
    x0, y0 = 500_000, 4_400_000
    bowtie = shapely.Polygon([(x0, y0), (x0 + 1000, y0 + 1000), (x0 + 1000, y0), (x0, y0 + 1000)])
    assert not bowtie.is_valid
    layer = gpd.GeoDataFrame({"status": ["fail"]}, geometry=[bowtie], crs=32650)
    path = ex.export_layers({"R3_uncovered": layer}, tmp_path / "gaps.kml")
    back = pyogrio.read_dataframe(path)
    assert len(back) == 1 and back.geometry.iloc[0].is_valid
    # both triangles survive the repair: half the square's area each way of the cross
    area = gpd.GeoSeries(back.geometry, crs=4326).to_crs(32650).area.iloc[0]
    assert area == pytest.approx(500_000, rel=1e-3)


def test_gpkg_written_without_per_layer_syncs_and_the_gdal_option_put_back(tmp_path, layers,
                                                                          monkeypatch):
    """SQLite's syncs are off while the temporary GeoPackage is written (atomic_path syncs
    and renames it once), and GDAL's option is as it was afterwards."""
    seen = []
    real = pyogrio.write_dataframe

    def spy(*args, **kw):
        seen.append(pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS"))
        return real(*args, **kw)

    monkeypatch.setattr(ex.pyogrio, "write_dataframe", spy)
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "NORMAL"})
    try:
        out = ex.export_layers(layers, tmp_path / "gaps.gpkg")
        assert seen and all(v is False for v in seen)                  # "OFF"
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") == "NORMAL"
        assert len(pyogrio.list_layers(out)) == len(layers)
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
