"""Files as planners hold them, through the library and the command line (tests/own_files.py):
generated facility ids, per-file coordinate systems, region names from division codes,
and every input message in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import shapely

import own_files
from planning import cli
from planning.crs import InputCrs, parse_input_crs
from planning.inputs.divisions import district_name, region_name
from planning.errors import InputError, Problem
from planning.words import STRINGS
from planning.inputs import facility_id_for, file_crs, load_region, read_layer

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- generated facility ids


def test_facilities_without_ids_get_ids_that_survive_re_sorting(tmp_path):
    paths = own_files.write_files(tmp_path / "a")
    a, problems = read_layer(paths["facilities"], "facilities", input_crs="gcj02")
    note = next(p for p in problems if p.msg and p.msg.key == "in.ids_generated")
    assert note.level == "info" and note.file == "医疗机构.csv"
    assert "40 个机构生成编号" in note.text("zh") and "re-sorted" in note.text("en")
    assert a["facility_id"].str.fullmatch(r"G[0-9a-f]{10}").all() and a["facility_id"].is_unique
    # the same list re-sorted (by longitude, descending) gives each facility the same id
    table = pd.read_csv(paths["facilities"], encoding="gbk", dtype=str)
    shuffled = table.sort_values("经度", ascending=False)
    other = tmp_path / "医疗机构_sorted.csv"
    other.write_bytes(shuffled.to_csv(index=False).encode("gbk"))
    b, _ = read_layer(other, "facilities", input_crs="gcj02")
    assert dict(zip(a["name"], a["facility_id"])) == dict(zip(b["name"], b["facility_id"]))
    # the id is kind + name + WGS84 position, so it can be computed independently
    row = a.iloc[0]
    assert row["facility_id"] == facility_id_for(row["kind"], row["name"], row.geometry.x,
                                                 row.geometry.y)


def test_a_saved_scenario_finds_generated_ids_after_the_file_is_re_sorted(tmp_path):
    from planning.plan.scenario import Scenario

    paths = own_files.write_files(tmp_path / "a")
    region = load_region(tmp_path / "a", input_crs="villages=gcj02,facilities=gcj02")
    clinic = region.facilities[region.facilities["kind"] == "village_clinic"].iloc[0]
    sc = Scenario(region, "关闭一所")
    sc.close_facility(clinic["facility_id"])
    saved = sc.save(tmp_path / "s.gpkg")
    table = pd.read_csv(paths["facilities"], encoding="gbk", dtype=str).iloc[::-1]
    (tmp_path / "b").mkdir()
    for name in ("乡镇.xlsx", "村.xlsx"):
        (tmp_path / "b" / name).write_bytes(paths[name.split(".")[0] == "乡镇" and "townships"
                                                  or "villages"].read_bytes())
    (tmp_path / "b" / "医疗机构.csv").write_bytes(table.to_csv(index=False).encode("gbk"))
    again = load_region(tmp_path / "b", input_crs="villages=gcj02,facilities=gcj02")
    loaded = Scenario.load(saved, again)
    closed = set(again.facilities["facility_id"]) - set(loaded.apply().facilities["facility_id"])
    assert closed == {clinic["facility_id"]}


# ---------------------------------------------------------------- coordinate systems per file


def test_parse_input_crs():
    assert parse_input_crs("gcj02") == InputCrs("gcj02", {})
    spec = parse_input_crs("villages=gcj02,facilities=GCJ-02")
    assert spec.for_layer("villages") == ("gcj02", True)
    assert spec.for_layer("townships") == ("wgs84", False)
    assert parse_input_crs("bd09,townships=wgs84").for_layer("villages") == ("bd09", False)
    with pytest.raises(ValueError, match="unknown layer 'village'"):
        parse_input_crs("village=gcj02")
    with pytest.raises(ValueError, match="unknown coordinate system"):
        parse_input_crs("villages=mars")


def test_a_file_labelled_epsg4326_keeps_its_place_unless_declared_for_it(tmp_path):
    paths = own_files.write_files(tmp_path, townships_gpkg=True)
    assert file_crs(paths["townships"]) == "EPSG:4326" and file_crs(paths["villages"]) is None
    demo = own_files.demo_layers()["townships"].set_index("township_id")
    kept, problems = read_layer(paths["townships"], "townships", input_crs="gcj02",
                                crs_for_file=False)
    kept = kept.set_index("township_id")
    for tid in own_files.TOWNS:
        assert shapely.equals_exact(kept.loc[tid, "geometry"], demo.loc[tid, "geometry"], 1e-9)
    assert any(p.msg.key == "in.file_crs_kept" for p in problems)
    # declared for this very file (an Amap export labelled EPSG:4326): shifted back ~570 m
    moved, problems = read_layer(paths["townships"], "townships", input_crs="gcj02")
    shift = gpd_distance(moved.set_index("township_id").loc[own_files.TOWNS[0], "geometry"],
                         demo.loc[own_files.TOWNS[0], "geometry"])
    assert 500 < shift < 700
    assert any(p.msg.key == "in.file_crs_declared" for p in problems)


def gpd_distance(a, b) -> float:
    import geopandas as gpd

    s = gpd.GeoSeries([a.centroid, b.centroid], crs=4326).to_crs(32650)
    return float(s.iloc[0].distance(s.iloc[1]))


def test_check_takes_a_coordinate_system_per_file(tmp_path, capsys):
    own_files.write_files(tmp_path / "r", townships_gpkg=True)
    per_file = tmp_path / "per_file.json"
    assert cli.main(["check", "--region", str(tmp_path / "r"), "--input-crs",
                     "villages=gcj02,facilities=gcj02", "--summary", str(per_file)]) == 0
    one = tmp_path / "one.json"
    assert cli.main(["check", "--region", str(tmp_path / "r"), "--input-crs", "gcj02",
                     "--summary", str(one)]) == 0
    a = json.loads(per_file.read_text(encoding="utf-8"))
    b = json.loads(one.read_text(encoding="utf-8"))
    # one value means every file without its own CRS: the GeoPackage keeps EPSG:4326 either way
    assert a["rules"] == b["rules"] and a["region"] == "宝坻区"
    err = capsys.readouterr().err
    assert "文件 乡镇.gpkg" in err and "文件自带坐标系 EPSG:4326" in err  # said, not silent
    region = load_region(tmp_path / "r", input_crs="gcj02")
    assert region.villages["township_id"].notna().all()  # nothing fell outside
    with pytest.raises(InputError, match="unknown layer"):
        load_region(tmp_path / "r", input_crs="roads=gcj02")


# ---------------------------------------------------------------- names from codes


def test_district_names_from_division_codes():
    assert district_name("120115") == district_name("120115113") == "宝坻区"
    assert district_name("120115113201") == "宝坻区" and district_name("120119100200") == "蓟州区"
    assert district_name("1201151") is None and district_name("990101") is None
    assert district_name(None) is None and district_name(float("nan")) is None
    towns = pd.Series(["120115113", "120115119"])
    villages = pd.Series(["120115113201", "120114001001", None])
    assert region_name(towns, villages) == "宝坻区、武清区"
    assert region_name(pd.Series(["990101001"])) is None


def test_the_region_is_named_by_its_codes_not_a_file_stem(tmp_path):
    own_files.write_files(tmp_path / "villages")  # a folder whose name says nothing
    region = load_region(tmp_path / "villages", input_crs="villages=gcj02,facilities=gcj02")
    assert region.name == "宝坻区"
    assert set(region.townships["district"]) == {"宝坻区"}
    assert load_region(tmp_path / "villages", name="我的区").name == "我的区"


# ---------------------------------------------------------------- messages in both languages


def test_every_message_key_used_on_the_input_path_has_both_languages():
    used = set()
    for path in (ROOT / "planning").glob("*.py"):
        used |= set(re.findall(r'"((?:in|fetch|up|err|field|say|score)\.[a-z0-9_.]+)"',
                               path.read_text(encoding="utf-8")))
    for path in [ROOT / "app.py", *(ROOT / "ui").rglob("*.py")]:  # the app's frame and pages
        used |= set(re.findall(r't\("((?:up|fetch|err|say|score)\.[a-z0-9_.]+)"',
                               path.read_text(encoding="utf-8")))
    dynamic = {k for k in used if k.endswith(".")}
    missing = sorted(k for k in used - dynamic if k not in STRINGS)
    assert not missing
    for key in [k for k in STRINGS if k.startswith("in.")]:
        zh, en = STRINGS[key]
        assert zh and en and zh != en, key
        words = re.sub(r"\{[^}]*\}", "", zh)
        assert not re.search(r"[A-Za-z]{2,}", words) or re.search(r"[\u4e00-\u9fff]", words), key


def test_problems_render_where_and_what_in_either_language():
    p = Problem.of("warning", "in.not_number", "村.xlsx", "villages", 3, "人口", text="十二")
    assert str(p) == "file 村.xlsx, layer villages, row 3, column '人口': '十二' is not a number; left empty"
    assert p.render("zh") == "文件 村.xlsx，图层 村居，第 3 行，列“人口”：“十二”不是数字；留空"
    err = InputError.of("in.empty_file", file="医疗机构.csv", layer="facilities")
    assert "文件是空的" in err.render("zh") and "the file is empty" in str(err)
