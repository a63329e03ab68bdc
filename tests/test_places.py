"""Library look-ups the app uses and a notebook can too: the facility nearest a map click,
a layer file's headers before reading it, and the GCJ-02 check of an upload against its
road file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
import shapely

import handmade as hm
from planning.inputs import read_layer
from planning.inputs.offsets import gcj02_suspects, road_file_offset
from planning.inputs.peek import file_headers
from planning.plan.places import facility_name, nearest_facility

FILES = Path(__file__).resolve().parent / "broken" / "files"
TO_WGS84 = pyproj.Transformer.from_crs(hm.CRS, "EPSG:4326", always_xy=True)


def two_facilities():
    towns = hm.townships([{"township_id": "120115100", "name": "甲镇", "kind": "township",
                           "district": "测试区", "geometry": hm.box(-2000, -2000, 6000, 2000)}])
    vills = hm.villages([{"village_id": "120115100201", "name": "近村", "township_id": "120115100",
                          "population": 100, "x": 0}])
    facs = hm.facilities([{"facility_id": "C1", "name": "近村卫生室", "kind": "village_clinic", "x": 0},
                          {"facility_id": "T1", "name": "甲镇卫生院", "kind": "township_health_centre",
                           "x": 1000}])
    return hm.region(towns, vills, facs)


def test_nearest_facility_to_a_click_within_the_radius():
    region = two_facilities()
    lon, lat = TO_WGS84.transform(hm.X0 + 700, hm.Y0 + 100)  # 316 m from T1, 707 m from C1
    assert nearest_facility(region, lon, lat, within_m=400) == "T1"
    assert nearest_facility(region, lon, lat, within_m=300) is None  # T1 is 316 m away
    lon, lat = TO_WGS84.transform(hm.X0 + 20, hm.Y0)
    assert nearest_facility(region, lon, lat, within_m=25) == "C1"


def test_facility_name_or_its_id():
    region = two_facilities()
    assert facility_name(region, "T1") == "甲镇卫生院"
    assert facility_name(region, "X9") == "X9"


def test_file_headers_of_csv_gbk_and_zipped_shapefile(tmp_path):
    csv = tmp_path / "村.csv"
    csv.write_bytes("村代码;名称;常住人口\n1;甲村;5\n".encode("gbk"))
    assert file_headers(csv) == ["村代码", "名称", "常住人口"]
    gdf = gpd.GeoDataFrame({"名称": ["甲"], "code": ["1"]},
                           geometry=[shapely.Point(117.3, 39.7)], crs="EPSG:4326")
    shp = tmp_path / "shp" / "towns.shp"
    shp.parent.mkdir()
    gdf.to_file(shp, encoding="utf-8")
    zipped = tmp_path / "towns.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for part in shp.parent.iterdir():
            zf.write(part, f"inner/{part.name}")
    assert file_headers(zipped) == ["名称", "code"]
    assert file_headers(tmp_path / "missing.gpkg") == []


@pytest.fixture(scope="module")
def facilities_gcj02():
    gdf, _ = read_layer(FILES / "facilities_gcj02.csv", "facilities")  # declared WGS84
    return gdf


def test_gcj02_suspects_only_layers_read_as_wgs84(facilities_gcj02, tmp_path):
    roads = FILES / "roads_grid.osm"
    found = gcj02_suspects({"facilities": facilities_gcj02}, roads, {"facilities": "wgs84"},
                           cache_dir=tmp_path)
    # the GCJ-02 shift near Tianjin is ~557 m east, ~147 m north (tests/test_broken_inputs.py)
    assert list(found) == ["facilities"] and 500 < found["facilities"] < 650
    assert gcj02_suspects({"facilities": facilities_gcj02}, roads, {"facilities": "gcj02"},
                          cache_dir=tmp_path) == {}


def test_road_file_offset_says_an_unreadable_file_is_no_suspect(facilities_gcj02, tmp_path):
    bad = tmp_path / "roads.osm"
    bad.write_text("not xml")
    r = road_file_offset(facilities_gcj02, bad, cache_dir=tmp_path)
    assert r["suspect"] is False and r["error"]


def test_safe_filename_keeps_the_planners_name_without_folders():
    from planning.inputs.uploads import safe_filename

    assert safe_filename("../../etc/医疗机构.csv", "f.csv") == "医疗机构.csv"
    assert safe_filename('a:b*?"<>|.csv', "f.csv") == "a_b______.csv"
    assert safe_filename("..", "f.csv") == "f.csv"
    assert safe_filename("x" * 200 + ".xlsx", "f.xlsx").endswith(".xlsx")
