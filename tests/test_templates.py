"""Templates (planning.inputs.templates): generated from the schema, read back by the loader."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from planning.inputs import templates
from planning.inputs import load_region, read_layer
from planning.schema import (FACILITY_KIND_ZH, LAYERS, SERVICE_MODE_ZH, FacilityKind,
                             ServiceMode, normalize_text)


def test_every_schema_column_has_a_chinese_header_help_and_example():
    for layer in LAYERS:
        cols = templates.template_columns(layer)
        canonical = [c["column"] for c in cols]
        assert [c.name for c in LAYERS[layer]] == [c for c in canonical if c in
                                                  {x.name for x in LAYERS[layer]}]
        # no stale help for columns the schema no longer has
        assert set(templates._HELP[layer]) == {c.name for c in LAYERS[layer]}
        for c in cols:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c["header"]), c
        headers = [normalize_text(c["header"]) for c in cols]
        assert len(set(headers)) == len(headers), layer


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("layer", templates.TEMPLATE_LAYERS)
def test_template_reads_back_to_its_example(tmp_path, layer, fmt):
    path = templates.write_template(layer, tmp_path / f"{layer}.{fmt}")
    gdf, problems = read_layer(path, layer)
    assert [p for p in problems if p.level != "info"] == []
    row = gdf.iloc[0]
    expected = {"townships": {"township_id": "120115101", "name": "大口屯镇", "kind": "township",
                              "population": 38000.0},
                "villages": {"village_id": "120115101201", "township_id": "120115101",
                             "kind": "village_committee", "population": 980.0,
                             "population_type": "resident"},
                "facilities": {"facility_id": "F0180", "kind": "village_clinic",
                               "village_id": "120115101201", "standardized": True,
                               "所属村": "镇东村", "所属乡镇": "大口屯镇"}}[layer]
    for key, value in expected.items():
        assert row[key] == value, key
    if layer == "townships":
        assert gdf.geometry.iloc[0].area == pytest.approx(0.08 * 0.08)
    else:
        assert (gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y) == pytest.approx(
            tuple(float(row_) for row_ in templates.template_frame(layer).iloc[0][["经度", "纬度"]]))


def test_csv_template_is_utf8_with_bom_and_the_same_headers(tmp_path):
    path = templates.write_template("villages", tmp_path / "v.csv", example=False)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").strip().split(",")
    assert header == [c["header"] for c in templates.template_columns("villages")]


def test_the_template_folder_is_a_region(tmp_path):
    templates.write_templates(tmp_path)
    region = load_region(tmp_path)
    assert region.summary()["layers"] == {"townships": 1, "villages": 1, "facilities": 1}
    assert region.villages["township_id"].tolist() == ["120115101"]
    assert region.problems == []  # the example village and clinic lie inside the township


def _validations(ws) -> dict[str, str]:
    """column letter -> the list formula of its drop-down."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv.formula1
    return out


def _list_values(book, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    ws = book[sheet.strip("'")]
    return [c[0].value for c in ws[cells.replace("$", "")]]


def test_excel_drop_downs_come_from_the_schema_enums(tmp_path):
    path = templates.write_template("facilities", tmp_path / "facilities.xlsx")
    book = openpyxl.load_workbook(path)
    data = book[templates.DATA_SHEET]
    assert book.sheetnames[0] == templates.DATA_SHEET  # the loader reads the first sheet
    assert book[templates.LISTS_SHEET].sheet_state == "hidden"
    headers = {c.value: c.column_letter for c in data[1]}
    lists = _validations(data)
    assert _list_values(book, lists[headers["机构类型"]]) == list(FACILITY_KIND_ZH.values())
    assert _list_values(book, lists[headers["是否达标"]]) == ["是", "否"]
    # codes are formatted as text, counts are not
    for h in ("机构代码", "所属乡镇代码", "所属村代码", "医共体"):
        assert data.column_dimensions[headers[h]].number_format == "@", h
        assert data[f"{headers[h]}2"].data_type == "s"
    assert data.column_dimensions[headers["床位数"]].number_format == "General"

    vpath = templates.write_template("villages", tmp_path / "villages.xlsx")
    vbook = openpyxl.load_workbook(vpath)
    vdata = vbook[templates.DATA_SHEET]
    vheaders = {c.value: c.column_letter for c in vdata[1]}
    assert _list_values(vbook, _validations(vdata)[vheaders["服务方式"]]) == \
        list(SERVICE_MODE_ZH.values())
    readme = vbook[templates.README_SHEET]
    crs_list = _list_values(vbook, _validations(readme)["B"])
    assert crs_list == list(templates.CRS_CHOICES)


def test_every_drop_down_value_is_accepted_by_the_loader(tmp_path):
    """A planner picking any value from the lists gets it parsed, not a warning."""
    rows = [[f"F{i}", f"机构{i}", zh, "117.25", "39.55"] for i, zh in
            enumerate(FACILITY_KIND_ZH.values())]
    pd.DataFrame(rows, columns=["机构代码", "机构名称", "机构类型", "经度", "纬度"]).to_csv(
        tmp_path / "f.csv", index=False)
    gdf, problems = read_layer(tmp_path / "f.csv", "facilities")
    assert problems == []
    assert gdf["kind"].tolist() == [k.value for k in FacilityKind]
    rows = [[f"1201151012{i:02d}", f"村{i}", zh, "是" if i % 2 else "否", "117.25", "39.55"]
            for i, zh in enumerate(SERVICE_MODE_ZH.values())]
    pd.DataFrame(rows, columns=["村代码", "名称", "服务方式", "人口类型", "经度", "纬度"]).assign(
        人口类型=["常住", "户籍", "常住"]).to_csv(tmp_path / "v.csv", index=False)
    gdf, problems = read_layer(tmp_path / "v.csv", "villages")
    assert [p for p in problems if "service_mode" in (p.column or "") or p.column == "服务方式"] == []
    assert gdf["service_mode"].tolist() == [m.value for m in ServiceMode]
    assert gdf["population_type"].tolist() == ["resident", "registered", "resident"]


@pytest.mark.parametrize("crs", list(templates.CRS_CHOICES.values()))
def test_declared_crs_round_trips(tmp_path, crs):
    path = templates.write_template("villages", tmp_path / "v.xlsx", input_crs=crs)
    assert templates.declared_crs(path) == crs
    book = openpyxl.load_workbook(path)
    book[templates.README_SHEET][templates.CRS_CELL] = "GCJ-02（高德、腾讯地图拾取）"
    book.save(path)
    assert templates.declared_crs(path) == "gcj02"
    assert templates.declared_crs(templates.write_template("villages", tmp_path / "v.csv")) is None


def test_unknown_layer_and_format_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown layer"):
        templates.template_columns("roads")
    with pytest.raises(ValueError, match="csv or xlsx"):
        templates.template_bytes("villages", "ods")
