"""Loaders and validation: every format, every message (planning.inputs, planning.region).

Fixtures are written by tests/fixtures/make_fixtures.py (a made-up region near Baodi:
townships 甲镇 [117.30-117.35 E] and 乙街道 [117.35-117.40 E], 39.70-39.75 N).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
import shapely

from planning import settings
from planning.inputs import assemble
from planning.crs import gcj02_to_wgs84, wgs84_to_bd09
from planning.errors import InputError
from planning.inputs import load_region, read_layer
from planning.inputs.formats import cell_text, cpg_encoding
from planning.inputs.validate import parse_degrees
from planning.travel.network import region_network

FIX = Path(__file__).parent / "fixtures"
FILES = FIX / "files"
GEOD = pyproj.Geod(ellps="WGS84")


def problems_at(problems, level=None, row=None):
    return [p for p in problems if (level is None or p.level == level)
            and (row is None or p.row == row)]


def only(problems, level, row):
    found = problems_at(problems, level, row)
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


# --------------------------------------------------------------------------- formats


def test_gbk_csv_with_chinese_headers_and_kinds():
    gdf, problems = read_layer(FIX / "region_folder" / "villages.csv", "villages")
    assert list(gdf["name"]) == ["一村", "二村", "和平社区", "三村", "外村"]
    assert list(gdf["village_id"]) == ["120115100201", "120115100202", "120115001001",
                                       "120115001203", "120115100299"]
    # 村委会/居委会 in the 类型 column
    assert list(gdf["kind"]) == ["village_committee", "village_committee", "residents_committee",
                                 "village_committee", "village_committee"]
    # "1,200" (quoted) and "5，000" (full-width comma) are numbers
    assert list(gdf["population"]) == [1200, 800, 5000, 600, 300]
    assert list(gdf["township"].fillna("")) == ["甲镇", "甲", "乙街道", "", ""]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].equals(shapely.Point(117.31, 39.71))
    assert list(gdf["origin"]) == [f"villages.csv:{i}" for i in range(1, 6)]
    assert set(gdf["source"]) == {"input"}
    assert problems == []


def test_utf8_bom_csv_fullwidth_headers_and_extra_columns_kept():
    gdf, problems = read_layer(FILES / "villages_bom.csv", "villages")
    assert list(gdf["village_id"])[:2] == ["120115100201", "120115100202"]  # header ＶＩＬＬＡＧＥ_ID
    assert list(gdf["name"])[:2] == ["一村", "二村"]  # header " Name "
    assert list(gdf["电话"]) == ["022-1234"] * 4  # the file's own column is kept
    assert problems == []


def test_excel_numeric_codes_stay_text():
    gdf, problems = read_layer(FILES / "villages_codes.xlsx", "villages")
    # an int cell, an integral float cell and a text cell: all the same 12-digit text
    assert list(gdf["village_id"]) == ["120115100201", "120115100202", "120115001001"]
    assert list(gdf["township_id"]) == ["120115100000", "120115100000", "120115001000"]
    assert not any("E+" in v or v.endswith(".0") for v in gdf["village_id"])
    assert list(gdf["kind"]) == ["village_committee", "village_committee", "residents_committee"]
    assert list(gdf["population"]) == [1200, 800, 5000]
    assert gdf.geometry.iloc[2].equals(shapely.Point(117.37, 39.72))
    assert problems == []


def test_excel_named_sheet_and_missing_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这一页不是数据"])
    ws = book.create_sheet("机构")
    ws.append(["编号", "名称", "类型", "经度", "纬度"])
    ws.append([1, "甲镇卫生院", "乡镇卫生院", 117.32, 39.72])
    book.save(tmp_path / "f.xlsx")
    gdf, _ = read_layer(tmp_path / "f.xlsx", "facilities", sheet="机构")
    assert list(gdf["facility_id"]) == ["1"]
    with pytest.raises(InputError, match="no sheet '表1'; the sheets are 说明, 机构"):
        read_layer(tmp_path / "f.xlsx", "facilities", sheet="表1")


def test_gcj02_csv_converted_to_wgs84():
    gdf, _ = read_layer(FILES / "villages_gcj02.csv", "villages", input_crs="gcj02")
    raw = pd.read_csv(FILES / "villages_gcj02.csv", dtype=str)
    glon, glat = raw["lon"].astype(float).to_numpy(), raw["lat"].astype(float).to_numpy()
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    np.testing.assert_allclose(gdf.geometry.x, wlon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gdf.geometry.y, wlat, rtol=0, atol=1e-12)
    _, _, shift_m = GEOD.inv(glon, glat, gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    assert np.all((shift_m > 500) & (shift_m < 700)), shift_m
    # the fixture was made from these WGS84 points: the round trip recovers them
    np.testing.assert_allclose(gdf.geometry.x, [117.31, 117.33, 117.37, 117.38], atol=1e-7)


def test_bd09_csv_converted_to_wgs84(tmp_path):
    blon, blat = wgs84_to_bd09(117.31, 39.71)
    (tmp_path / "v.csv").write_text(f"village_id,name,lon,lat\n120115100201,一村,{blon:.9f},{blat:.9f}\n")
    gdf, _ = read_layer(tmp_path / "v.csv", "villages", input_crs="Baidu")
    assert abs(gdf.geometry.x[0] - 117.31) < 1e-8 and abs(gdf.geometry.y[0] - 39.71) < 1e-8


def test_zipped_shapefile_gbk_cpg_chinese_names():
    with zipfile.ZipFile(FIX / "region_folder" / "townships.zip") as zf:
        assert zf.read("乡镇.cpg").decode() == "GBK"
        assert "甲镇".encode("gbk") in zf.read("乡镇.dbf")  # really GBK bytes on disk
    gdf, problems = read_layer(FIX / "region_folder" / "townships.zip", "townships")
    assert list(gdf["name"]) == ["甲镇", "乙街道"]  # headers 代码/名称
    assert list(gdf["township_id"]) == ["120115100000", "120115001000"]
    assert list(gdf["kind"]) == ["township", "street"]  # from the names
    assert gdf.geometry.iloc[0].equals(shapely.box(117.30, 39.70, 117.35, 39.75))
    assert problems == []


def test_shapefile_without_cpg_read_as_gbk(tmp_path):
    with zipfile.ZipFile(FIX / "region_folder" / "townships.zip") as zf:
        for n in zf.namelist():
            if not n.endswith(".cpg"):
                (tmp_path / n.replace("乡镇", "t")).write_bytes(zf.read(n))
    gdf, problems = read_layer(tmp_path / "t.shp", "townships")
    assert list(gdf["name"]) == ["甲镇", "乙街道"]
    assert "read as GBK" in only(problems, "info", None).message


def test_geopackage_layer_and_geojson():
    gdf, problems = read_layer(FIX / "region_gpkg" / "region.gpkg", "facilities")
    assert list(gdf["kind"]) == ["township_health_centre", "community_health_centre",
                                 "village_clinic", "district_hospital"]
    assert list(gdf["standardized"]) == [True, False, True, None]
    assert gdf["origin"].iloc[0] == "region.gpkg#facilities:1"
    with pytest.raises(InputError, match=r"no layer 'roads' in the GeoPackage; its layers are "):
        read_layer(FIX / "region_gpkg" / "region.gpkg", "villages", gpkg_layer="roads")
    gdf, _ = read_layer(FILES / "townships.geojson", "townships")
    assert list(gdf["township_id"]) == ["120115100000", "120115001000"]


def test_projected_geopackage_reprojected_to_wgs84():
    gdf, problems = read_layer(FILES / "townships_utm.gpkg", "townships")  # its only layer, "乡镇"
    assert gdf.crs.to_epsg() == 4326
    assert gdf["origin"].iloc[0] == "townships_utm.gpkg#乡镇:1"
    expected = shapely.box(117.30, 39.70, 117.35, 39.75)
    assert gdf.geometry.iloc[0].symmetric_difference(expected).area < 1e-12
    # declaring GCJ-02 for a projected file: reprojected from its CRS, no shift, a warning
    gdf2, problems = read_layer(FILES / "townships_utm.gpkg", "townships", input_crs="gcj02")
    assert gdf2.geometry.iloc[0].equals_exact(gdf.geometry.iloc[0], 1e-12)
    assert "declared GCJ-02 shift was not applied" in only(problems, "warning", None).message


def test_vector_without_crs_assumed_lonlat_with_warning():
    gdf, problems = read_layer(FILES / "townships_nocrs.zip", "townships",
                               column_map={"code": "township_id"})
    assert gdf.geometry.iloc[1].equals(shapely.box(117.35, 39.70, 117.40, 39.75))
    p = only(problems, "warning", None)
    assert p.file == "townships_nocrs.zip" and "no coordinate system" in p.message


def test_vector_without_crs_in_metres_is_an_input_error(tmp_path):
    gdf, _ = read_layer(FILES / "townships_utm.gpkg", "townships")
    gdf = gdf[["township_id", "name", "geometry"]].rename(columns={"township_id": "code"})
    gdf.to_crs(32650).to_file(tmp_path / "t.shp")
    (tmp_path / "t.prj").unlink()
    with pytest.raises(InputError) as err:
        read_layer(tmp_path / "t.shp", "townships")
    assert "file t.shp" in str(err.value) and "projected metres" in str(err.value)
    assert "add its .prj" in str(err.value)


def test_polygons_from_wkt_column():
    gdf, problems = read_layer(FILES / "townships_wkt.csv", "townships")
    assert list(gdf["name"]) == ["甲镇", "乙街道"]
    assert gdf.geometry.iloc[1].equals(shapely.box(117.35, 39.70, 117.40, 39.75))
    p = only(problems, "error", 3)
    assert p.column == "wkt" and "unreadable WKT 'not a polygon'" in p.message


# --------------------------------------------------------------------------- validation


@pytest.fixture(scope="module")
def bad_villages():
    return read_layer(FILES / "villages_bad.csv", "villages")


def test_bad_rows_set_aside_or_kept(bad_villages):
    gdf, problems = bad_villages
    # rows 1, 4 (swapped back), 7 (population 0), 11 and 12 are usable; all others set aside
    assert [o.split(":")[1] for o in gdf["origin"]] == ["1", "4", "7", "11", "12"]
    set_aside = sorted(p.row for p in problems if p.level == "error")
    assert set_aside == [2, 3, 5, 6, 8, 10]
    assert all(p.file == "villages_bad.csv" and p.layer == "villages" for p in problems)


def test_duplicate_id_names_first_row(bad_villages):
    p = only(bad_villages[1], "error", 2)
    assert p.column == "village_id"
    assert "duplicate id '120115100201'" in p.message and "row 1" in p.message


def test_unparseable_coordinate(bad_villages):
    p = only(bad_villages[1], "error", 3)
    assert p.column == "lon" and "'abc' is not a number" in p.message
    assert str(p).startswith("file villages_bad.csv, layer villages, row 3, column 'lon'")


def test_swapped_lonlat_swapped_back_with_warning(bad_villages):
    gdf, problems = bad_villages
    assert "look swapped" in only(problems, "warning", 4).message
    assert gdf.geometry.iloc[1].equals(shapely.Point(117.33, 39.72))


def test_projected_metres_and_out_of_range(bad_villages):
    assert "look like projected metres" in only(bad_villages[1], "error", 5).message
    p = only(bad_villages[1], "error", 8)
    assert p.column == "lat" and "out of range" in p.message
    assert "0, 0" in only(bad_villages[1], "error", 10).message


def test_population_negative_set_aside_missing_unknown(bad_villages):
    gdf, problems = bad_villages
    p = only(problems, "error", 6)
    assert p.column == "population" and "negative population -5" in p.message
    assert "residents unknown (not counted as 0)" in only(problems, "warning", 7).message
    assert np.isnan(gdf.loc[gdf["origin"].str.endswith(":7"), "population"].item())


def test_ids_scientific_notation_warned_decimal_fixed(bad_villages):
    gdf, problems = bad_villages
    assert "scientific notation" in only(problems, "warning", 11).message
    assert gdf["village_id"].iloc[4] == "120115100210"  # "120115100210.0" in the file


def test_blank_line_skipped_but_rows_still_counted(bad_villages):
    assert problems_at(bad_villages[1], row=9) == []  # the blank line is not data
    assert bad_villages[0]["origin"].iloc[3] == "villages_bad.csv:11"


def test_facility_kinds_chinese_english_unknown_inferred():
    gdf, problems = read_layer(FILES / "facilities_kinds.csv", "facilities")
    assert list(gdf["facility_id"]) == ["F1", "F3", "F4", "F6"]
    assert list(gdf["kind"]) == ["township_health_centre", "township_health_centre",
                                 "village_clinic", "community_health_station"]
    unknown = only(problems, "error", 2)
    assert unknown.column == "类型" and "unknown facility kind '私人诊所'" in unknown.message
    assert "village_clinic (村卫生室)" in unknown.message  # the accepted kinds are listed
    inferred = only(problems, "info", 3)
    assert "inferred from the name '丙镇卫生院'" in inferred.message
    assert "does not say the kind" in only(problems, "error", 5).message
    # booleans: 是/否, Y/N, 1/0, true/false; "也许" is not one
    assert list(gdf["central"]) == [True, False, True, None]
    assert list(gdf["standardized"]) == [True, False, True, None]
    bad = only(problems, "warning", 6)
    assert bad.column == "中心" and "'也许' is not yes/no" in bad.message


def test_facility_kind_inferred_without_kind_column():
    gdf, problems = read_layer(FILES / "facilities_nokind.csv", "facilities")
    assert list(gdf["kind"]) == ["township_health_centre", "community_health_centre"]
    assert [p.row for p in problems if p.level == "info"] == [1, 2]
    assert "there is no kind column" in problems[0].message


def test_invalid_polygon_repaired():
    gdf, problems = read_layer(FILES / "townships.geojson", "townships")
    p = only(problems, "info", 2)
    assert p.column == "geometry" and "Self-intersection" in p.message and "make_valid" in p.message
    fixed = gdf.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert abs(fixed.area - 2 * 0.5 * 0.05 * 0.025) < 1e-12  # two triangles of the bow tie


def test_missing_required_column_lists_aliases():
    with pytest.raises(InputError) as err:
        read_layer(FILES / "villages_noname.csv", "villages")
    msg = str(err.value)
    assert "villages_noname.csv" in msg and "layer villages" in msg
    assert "no column for 'name'" in msg and "tried: name, 名称, 村名, 村名称, 行政村, 村居名称, village" in msg
    assert "村代码, 人口, 经度, 纬度" in msg  # what the file has
    assert err.value.problems[0].column == "name"


def test_column_map(tmp_path):
    (tmp_path / "v.csv").write_text("编码X,村庄,经度,纬度\n120115100201,一村,117.31,39.71\n")
    gdf, _ = read_layer(tmp_path / "v.csv", "villages",
                        column_map={"编码X": "village_id", "村庄": "name"})
    assert list(gdf["village_id"]) == ["120115100201"] and list(gdf["name"]) == ["一村"]
    with pytest.raises(InputError, match="'村庄' to 'title', which is not a column of villages"):
        read_layer(tmp_path / "v.csv", "villages", column_map={"村庄": "title"})
    with pytest.raises(InputError, match="names the column '名字', which is not in the file"):
        read_layer(tmp_path / "v.csv", "villages", column_map={"名字": "name"})


def test_no_coordinates_column(tmp_path):
    (tmp_path / "v.csv").write_text("village_id,name\n120115100201,一村\n")
    with pytest.raises(InputError) as err:
        read_layer(tmp_path / "v.csv", "villages")
    assert "longitude/latitude columns" in str(err.value) and "经度" in str(err.value)


def test_empty_layer():
    with pytest.raises(InputError, match="villages_empty.csv, layer villages: the layer is empty"):
        read_layer(FILES / "villages_empty.csv", "villages")


def test_every_row_set_aside_is_an_input_error(tmp_path):
    (tmp_path / "f.csv").write_text("id,name,kind,lon,lat\n1,A,spaceport,117.3,39.7\n")
    with pytest.raises(InputError) as err:
        read_layer(tmp_path / "f.csv", "facilities")
    assert "no usable rows" in str(err.value) and "unknown facility kind 'spaceport'" in str(err.value)


def test_village_kind_column_overrides_code(tmp_path):
    (tmp_path / "v.csv").write_text("village_id,name,kind,人口,lon,lat\n"
                                    "120115100201,一村,居委会,10,117.31,39.71\n"
                                    "X1,某村,,10,117.31,39.71\n"
                                    "X2,某地,,10,117.31,39.71\n")
    gdf, problems = read_layer(tmp_path / "v.csv", "villages")
    assert list(gdf["kind"].fillna("?")) == ["residents_committee", "village_committee", "?"]
    assert "the kind column is used" in only(problems, "info", 1).message
    assert "inferred from the name '某村'" in only(problems, "info", 2).message
    assert "kind unknown" in only(problems, "warning", 3).message


def test_township_kind_column_and_name(tmp_path):
    (tmp_path / "t.csv").write_text(
        "乡镇代码,乡镇名称,类型,wkt\n"
        '1,甲镇,,"POLYGON ((117.30 39.70, 117.35 39.70, 117.35 39.75, 117.30 39.70))"\n'
        '2,某开发区,街道,"POLYGON ((117.30 39.70, 117.35 39.70, 117.35 39.75, 117.30 39.70))"\n'
        '3,乙乡,乡村,"POLYGON ((117.30 39.70, 117.35 39.70, 117.35 39.75, 117.30 39.70))"\n')
    gdf, problems = read_layer(tmp_path / "t.csv", "townships")
    assert list(gdf["kind"]) == ["township", "street", "township"]
    assert "unknown township kind '乡村'" in only(problems, "warning", 3).message


def test_unreadable_and_unsupported_files(tmp_path):
    (tmp_path / "broken.gpkg").write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match="broken.gpkg.*cannot read the file"):
        read_layer(tmp_path / "broken.gpkg", "townships")
    (tmp_path / "old.xls").write_bytes(b"")
    with pytest.raises(InputError, match=r"save it as \.xlsx"):
        read_layer(tmp_path / "old.xls", "villages")
    with pytest.raises(InputError, match="unknown layer 'roads'"):
        read_layer(FILES / "villages_bom.csv", "roads")
    with pytest.raises(InputError, match="unknown coordinate system 'utm'"):
        read_layer(FILES / "villages_bom.csv", "villages", input_crs="utm")
    with pytest.raises(InputError, match="does not exist"):
        read_layer(tmp_path / "nope.csv", "villages")


def test_village_polygons_become_points(tmp_path):
    (tmp_path / "v.csv").write_text(
        'village_id,name,wkt\n120115100201,一村,"POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"\n')
    gdf, problems = read_layer(tmp_path / "v.csv", "villages")
    assert gdf.geometry.iloc[0].geom_type == "Point"
    assert gdf.geometry.iloc[0].within(shapely.box(0, 0, 2, 2))
    assert "representative point" in only(problems, "info", None).message


# --------------------------------------------------------------------------- regions


@pytest.fixture(scope="module")
def folder_region():
    return load_region(FIX / "region_folder")


def test_folder_region_layers_in_metric_crs(folder_region):
    r = folder_region
    assert r.crs.to_epsg() == 32650  # UTM 50N for 117.35 E
    assert all(g.crs == r.crs for g in (r.townships, r.villages, r.facilities))
    assert r.districts is None
    assert r.roads_path == FIX / "region_folder" / "roads.osm"
    assert r.sources["villages"].endswith("villages.csv")
    # a township is a 0.05 x 0.05 degree box at 39.7 N: about 4.28 km x 5.55 km
    lon_m = GEOD.inv(117.30, 39.70, 117.35, 39.70)[2]
    lat_m = GEOD.inv(117.30, 39.70, 117.30, 39.75)[2]
    assert abs(r.townships.area.iloc[0] / (lon_m * lat_m) - 1) < 2e-3
    back = r.to_wgs84("villages")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].equals_exact(shapely.Point(117.31, 39.71), 1e-9)


def test_villages_township_by_name_and_spatial_join(folder_region):
    v = folder_region.villages.set_index("name")["township_id"]
    assert v["一村"] == "120115100000"  # 所属乡镇 甲镇
    assert v["二村"] == "120115100000"  # 所属乡镇 "甲" (without 镇)
    assert v["和平社区"] == "120115001000"
    assert v["三村"] == "120115001000"  # no township: from the polygon holding it
    assert pd.isna(v["外村"])  # outside every township: kept, township unknown


def test_village_outside_townships_kept_with_warning(folder_region):
    p = [q for q in folder_region.problems if q.layer == "villages" and q.level == "warning"]
    assert len(p) == 1
    assert (p[0].file, p[0].row) == ("villages.csv", 5)
    assert "outside every township" in p[0].message and "kept" in p[0].message


def test_facility_outside_region_kept_with_warning(folder_region):
    assert "邻区医院" in set(folder_region.facilities["name"])
    p = [q for q in folder_region.problems if q.layer == "facilities" and q.level == "warning"]
    assert len(p) == 1
    assert (p[0].file, p[0].row, p[0].column) == ("facilities.xlsx", 5, "geometry")
    assert "邻区医院 lies outside the region" in p[0].message


def test_folder_region_excel_ids_and_inferred_kind(folder_region):
    f = folder_region.facilities.set_index("name")
    assert f.loc["甲镇卫生院", "facility_id"] == "120115100000001"  # a number cell in Excel
    assert f.loc["乙街道社区卫生服务中心", "kind"] == "community_health_centre"
    info = [q for q in folder_region.problems if q.level == "info" and q.layer == "facilities"]
    assert [(q.file, q.row, q.column) for q in info] == [("facilities.xlsx", 2, "机构类型")]


def test_region_summary(folder_region):
    s = folder_region.summary()
    assert s["layers"] == {"townships": 2, "villages": 5, "facilities": 5}
    assert s["population"] == 1200 + 800 + 5000 + 600 + 300
    assert s["village_kinds"] == {"village_committee": 4, "residents_committee": 1}
    assert s["township_kinds"] == {"township": 1, "street": 1}
    assert s["facilities"]["general_hospital"] == 1 and sum(s["facilities"].values()) == 5
    assert s["problems"] == {"error": 0, "warning": 2, "info": 3}  # + districts from the codes
    assert s["networks"] == {} and s["crs"] == "EPSG:32650"


def test_geopackage_region_with_districts_and_gcj_declared(tmp_path):
    r = load_region(FIX / "region_gpkg" / "region.gpkg")
    assert r.name == "宝坻区"  # its only district
    assert list(r.districts["agricultural"]) == [True]
    assert list(r.townships["population"]) == [26000, 31000]
    assert r.roads_path.name == "roads.osm"
    assert list(r.villages["township_id"]) == ["120115100000", "120115100000",
                                               "120115001000", "120115001000"]
    assert r.villages["origin"].iloc[0] == "region.gpkg#villages:1"


def test_region_folder_errors(tmp_path):
    shutil.copy(FILES / "villages_bom.csv", tmp_path / "villages.csv")
    with pytest.raises(InputError, match="no file for the layer townships"):
        load_region(tmp_path)
    shutil.copy(FILES / "townships.geojson", tmp_path / "townships.geojson")
    shutil.copy(FILES / "facilities_nokind.csv", tmp_path / "facilities.csv")
    shutil.copy(FILES / "villages_codes.xlsx", tmp_path / "villages.xlsx")
    with pytest.raises(InputError, match="several files for the layer villages: villages.csv, "
                                         "villages.xlsx"):
        load_region(tmp_path)
    (tmp_path / "villages.xlsx").unlink()
    r = load_region(tmp_path, name="测试", roads=FIX / "region_gpkg" / "roads.osm")
    assert r.name == "测试" and r.roads_path == FIX / "region_gpkg" / "roads.osm"
    with pytest.raises(InputError, match="road file .* does not exist"):
        load_region(tmp_path, roads=tmp_path / "roads.osm")
    (tmp_path / "villages.csv").unlink()
    with pytest.raises(InputError, match="lacks the layer"):
        load_region(FILES / "townships_utm.gpkg")


def test_network_lazy_and_cached(folder_region, monkeypatch):
    import planning.travel.network

    calls = []

    class Net:
        n_nodes, n_edges, info = 2, 1, {}

    def fake_load(path, crs):
        calls.append((Path(path).name, crs.to_epsg()))
        return {"walk": Net(), "drive": Net()}

    monkeypatch.setattr(planning.travel.network, "load_networks", fake_load, raising=False)
    r = folder_region.copy()
    assert region_network(r, "walk") is region_network(r, "walk")
    region_network(r, "drive")
    assert calls == [("roads.osm", 32650)]  # one parse for every mode
    assert r.summary()["networks"] == {"walk": {"nodes": 2, "edges": 1},
                                       "drive": {"nodes": 2, "edges": 1}}
    assert folder_region.summary()["networks"] == {}  # the original was not touched
    r.roads_path = None
    r.networks.clear()
    with pytest.raises(InputError, match="no road network"):
        region_network(r, "drive")


def test_copy_is_independent(folder_region):
    c = folder_region.copy()
    c.facilities.loc[0, "name"] = "改名"
    c.problems.append(None)
    assert folder_region.facilities.loc[0, "name"] == "甲镇卫生院"
    assert len(c.problems) == len(folder_region.problems) + 1


def test_load_demo(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "DEMO_DIR", tmp_path)
    with pytest.raises(InputError, match="demo data are missing"):
        assemble.load_demo()
    shutil.copy(FIX / "region_gpkg" / "region.gpkg", tmp_path / "region.gpkg")
    shutil.copy(FIX / "region_gpkg" / "roads.osm", tmp_path / "roads.osm.bz2")
    r = assemble.load_demo()
    assert r.name == "宝坻区" and r.roads_path == tmp_path / "roads.osm.bz2"


@pytest.mark.parametrize("cpg, codec", [("GBK", "gb18030"), ("936", "gb18030"),
                                        ("ANSI 936", "gb18030"), ("UTF-8", "utf-8"),
                                        ("65001", "utf-8"), ("88591", "iso8859-1"),
                                        ("1252", "cp1252"), ("weird", None), ("", None)])
def test_cpg_names(cpg, codec):
    assert cpg_encoding(cpg) == codec


def test_cell_text_never_scientific():
    assert cell_text(120115101201) == "120115101201"
    assert cell_text(120115101201.0) == "120115101201"
    assert cell_text(1.20115101201e11) == "120115101201"
    assert cell_text(117.31) == "117.31"
    assert cell_text(1e-05) == "0.00001"
    assert cell_text(float("nan")) == "" and cell_text(None) == ""


@pytest.mark.parametrize("text, value", [("117.3", 117.3), ("１１７．３", 117.3),
                                         ("117°18'E", 117.3), ("39度42分N", 39.7),
                                         ("117°18′0″", 117.3), ("abc", None), ("", None)])
def test_degrees(text, value):
    got = parse_degrees(text)
    assert got == value if value is None else abs(got - value) < 1e-12
