"""Registers without coordinates (planning.inputs.registers): link by code or name, place at a seat.

A hand-made layout in UTM 50N: township 甲镇 (code 120115101) is the square x 0-2 km,
y 0-2 km from (500000, 4400000); 乙街道 (120115002) the square x 2-4 km. Villages sit at
whole-km points, so where a clinic lands is obvious; two villages are called 东村, one
in each township.
"""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pyproj
import pytest
import shapely

from planning.errors import InputError
from planning.inputs import read_layer, read_register
from planning.inputs.registers import place_unlocated, township_key, village_key

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 500_000.0, 4_400_000.0
TO_WGS = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def box(x0, x1):
    return shapely.box(X0 + x0, Y0, X0 + x1, Y0 + 2000)


@pytest.fixture
def towns():
    return gpd.GeoDataFrame({"township_id": ["120115101", "120115002"], "name": ["甲镇", "乙街道"]},
                            geometry=[box(0, 2000), box(2000, 4000)], crs=CRS)


@pytest.fixture
def villages():
    rows = [("120115101201", "八间村委会", "120115101", 500, 500),
            ("120115101202", "东村村委会", "120115101", 1500, 500),
            ("120115101203", "李三元村村委会", "120115101", 500, 1500),
            ("120115002001", "东村社区居委会", "120115002", 2500, 500),
            ("120115002002", "西苑社区居委会", None, 3500, 1500)]  # township from its polygon
    return gpd.GeoDataFrame(
        {"village_id": [r[0] for r in rows], "name": [r[1] for r in rows],
         "township_id": pd.Series([r[2] for r in rows], dtype=object)},
        geometry=[shapely.Point(X0 + r[3], Y0 + r[4]) for r in rows], crs=CRS)


def register(rows):
    cols = ["facility_id", "name", "kind", "village_id", "township_id", "所属村", "所属乡镇"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["origin"] = [f"名册.xlsx:{i}" for i in range(1, len(frame) + 1)]
    return frame


def xy(geom):
    return geom.x - X0, geom.y - Y0


def test_name_keys():
    assert {village_key(n) for n in ("八间村委会", "八间村", "八间", " 八 间 村 ", "八间村民委员会")} == {"八间"}
    assert village_key("李三元村村委会") == village_key("李三元村") == "李三元"
    assert village_key("石幢南社区居委会") == village_key("石幢南社区") == "石幢南"
    assert village_key("ＡＢ村") == "ab"  # full-width Latin folded
    assert village_key("村") == "村"  # never emptied
    assert township_key("大口屯镇") == township_key("大口屯") == "大口屯"
    assert township_key("海滨街道办事处") == township_key("海滨街道") == "海滨"


def test_rows_land_at_their_village_or_township_seat(villages, towns):
    frame = register([
        ("A", "八间村卫生室", "village_clinic", "120115101201", None, None, None),  # code
        ("B", "李三元卫生室", "village_clinic", None, None, "李三元村村委会", None),  # exact name
        ("C", "八间二室", "village_clinic", None, None, "八 间 村", None),  # normalised
        ("D", "东村卫生室", "village_clinic", None, None, "东村", "甲镇"),  # told apart by township
        ("E", "东村站", "community_health_station", None, "120115002", "东村社区", None),
        ("F", "西苑站", "community_health_station", None, None, "西苑", "乙街道"),  # spatial township
        ("G", "甲镇卫生院", "township_health_centre", None, None, None, "甲镇"),
        ("H", "乙街道中心", "community_health_centre", None, "120115002000", None, None),  # 12 digits
    ])
    placed, problems = place_unlocated(frame, villages, towns)
    at = {r.facility_id: xy(r.geometry) for r in placed.itertuples()}
    assert at["A"] == (500, 500) and at["C"] == (500, 500)
    assert at["B"] == (500, 1500)
    assert at["D"] == (1500, 500)  # 东村村委会 in 甲镇, not 东村社区居委会 in 乙街道
    assert at["E"] == (2500, 500)
    assert at["F"] == (3500, 1500)
    # township seats: inside their own township polygon
    assert towns.geometry[0].contains(placed.set_index("facility_id").geometry["G"])
    assert towns.geometry[1].contains(placed.set_index("facility_id").geometry["H"])
    assert set(placed["source"]) == {"assumed"}
    p = placed.set_index("facility_id")
    assert p["placed_at"].to_dict() == {**dict.fromkeys("ABCDEF", "village_seat"),
                                        "G": "township_seat", "H": "township_seat"}
    assert p.loc["D", "village_id"] == "120115101202" and p.loc["D", "township_id"] == "120115101"
    assert p.loc["H", "township_id"] == "120115002"
    assert placed.crs == CRS
    assert [x.level for x in problems] == ["info"]
    assert "8 facilities" in problems[0].message and "6 at their village" in problems[0].message


def test_every_unlinked_row_is_listed_with_its_reason(villages, towns):
    frame = register([
        ("A", "东村卫生室", "village_clinic", None, None, "东村", None),  # two 东村
        ("B", "无名室", "village_clinic", None, None, None, None),
        ("C", "错码室", "village_clinic", "120115999201", None, None, None),
        ("D", "外乡室", "village_clinic", None, None, "北村", "丙镇"),
        ("E", "好室", "village_clinic", "120115101201", None, None, None),
        ("F", "错村室", "village_clinic", None, None, "北村", "甲镇"),  # falls back to the township
    ])
    placed, problems = place_unlocated(frame, villages, towns)
    assert placed["facility_id"].tolist() == ["E", "F"]
    errors = {p.row: p for p in problems if p.level == "error"}
    assert sorted(errors) == [1, 2, 3, 4]
    assert "matches 2 villages" in errors[1].message and "120115101202" in errors[1].message
    assert "neither a village nor a township" in errors[2].message
    assert "village code 120115999201 is not in the villages layer" in errors[3].message
    assert errors[3].column == "village_id"
    assert "no village named '北村'" in errors[4].message and "no township named '丙镇'" in errors[4].message
    assert all(p.file == "名册.xlsx" and p.layer == "facilities" for p in errors.values())
    (warning,) = [p for p in problems if p.level == "warning"]
    assert warning.row == 6 and "no village named '北村' in 甲镇" in warning.message
    assert "甲镇" in warning.message
    assert towns.geometry[0].contains(placed.geometry.iloc[1])


def test_nothing_to_place_gives_an_empty_frame(villages, towns):
    placed, problems = place_unlocated(register([]), villages, towns)
    assert len(placed) == 0 and problems == [] and placed.crs == CRS


# ---------------------------------------------------------------- files mixing both


def _lonlat(x, y):
    return TO_WGS.transform(X0 + x, Y0 + y)


@pytest.fixture
def layers(villages, towns):
    return villages.to_crs(4326), towns.to_crs(4326)


@pytest.mark.parametrize("fmt", ["csv-gbk", "xlsx"])
def test_read_register_mixing_located_and_unlocated_rows(tmp_path, layers, fmt):
    vil, twn = layers
    lon, lat = _lonlat(1000, 1000)
    rows = [["F1", "甲镇卫生院", "乡镇卫生院", "", "", "", "甲镇", f"{lon:.7f}", f"{lat:.7f}"],
            ["F2", "八间村卫生室", "村卫生室", "", "120115101201", "", "", "", ""],
            ["F3", "东村卫生室", "村卫生室", "", "", "东村村委会", "甲镇", "", ""],
            ["F4", "某村卫生室", "村卫生室", "", "", "某村", "", "", ""],
            ["F5", "半坐标室", "村卫生室", "", "", "八间村", "", f"{lon:.7f}", ""]]
    header = ["机构代码", "机构名称", "机构类型", "所属乡镇代码", "所属村代码", "所属村", "所属乡镇",
              "经度", "纬度"]
    if fmt == "xlsx":
        path = tmp_path / "名册.xlsx"
        book = openpyxl.Workbook()
        book.active.append(header)
        for r in rows:
            book.active.append(r)
        book.save(path)
    else:
        path = tmp_path / "名册.csv"
        path.write_bytes(pd.DataFrame(rows, columns=header).to_csv(index=False).encode("gbk"))
    gdf, problems = read_register(path, vil, twn)
    got = gdf.set_index("facility_id")
    assert list(got.index) == ["F1", "F2", "F3"]  # located rows first, then placed ones
    assert got.crs == vil.crs
    f1 = gpd.GeoSeries([got.geometry["F1"]], crs=4326).to_crs(CRS).iloc[0]
    assert xy(f1) == pytest.approx((1000, 1000), abs=0.01)
    assert got.loc["F1", "source"] == "input" and got.loc["F2", "source"] == "assumed"
    assert got.loc["F2", "origin"] == f"{path.name}:2" and got.loc["F3", "origin"] == f"{path.name}:3"
    assert got.geometry["F2"].equals(vil.geometry[0]) and got.geometry["F3"].equals(vil.geometry[1])
    errors = [p for p in problems if p.level == "error"]
    assert [(p.file, p.row) for p in errors] == [(path.name, 4), (path.name, 5)]
    assert "no village named '某村'" in errors[0].message
    assert "latitude" in errors[1].message or "coordinate is empty" in errors[1].message


def test_read_register_without_coordinate_columns_matches_read_layer_typing(tmp_path, layers):
    vil, twn = layers
    path = tmp_path / "register.csv"
    path.write_text("机构代码,机构名称,所属村代码,床位\nF1,八间村卫生室,120115101201,3\n"
                    "F2,乙街道社区卫生服务中心,,\n", encoding="utf-8")
    gdf, problems = read_register(path, vil, twn)
    assert gdf["kind"].tolist() == ["village_clinic"]  # inferred from the name, as read_layer does
    assert gdf["beds"].tolist() == [3.0]
    assert [p.row for p in problems if p.level == "error"] == [2]
    assert any(p.level == "info" and "inferred from the name" in p.message for p in problems)


def test_read_register_with_no_usable_row_raises(tmp_path, layers):
    vil, twn = layers
    path = tmp_path / "register.csv"
    path.write_text("机构代码,机构名称,机构类型,所属村\nF1,甲,村卫生室,不存在\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable rows") as err:
        read_register(path, vil, twn)
    assert "不存在" in str(err.value)


def test_a_located_file_reads_as_read_layer_reads_it(tmp_path, layers):
    vil, twn = layers
    lon, lat = _lonlat(500, 500)
    path = tmp_path / "f.csv"
    path.write_text(f"机构代码,机构名称,经度,纬度\nF1,八间村卫生室,{lon},{lat}\n", encoding="utf-8")
    a, pa = read_register(path, vil, twn, input_crs="gcj02")
    b, pb = read_layer(path, "facilities", input_crs="gcj02")
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a.geometry.iloc[0].equals(b.geometry.iloc[0]) and pa == pb


def test_has_link_columns():
    from planning.inputs.registers import has_link_columns

    assert has_link_columns(["机构名称", "所属村代码"]) and has_link_columns(["name", "所属乡镇"])
    assert has_link_columns(["名称", "ｔｏｗｎｓｈｉｐ"])  # full-width folded
    assert not has_link_columns(["机构代码", "机构名称", "经度", "纬度"])
