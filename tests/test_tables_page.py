"""The tables page on the demo (Streamlit's AppTest): filters by status and township give
the rows an independent run of the rules gives, cells show rounded numbers and "—" (never
"None"), and the download holds what the page shows."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from test_app import app_with

from planning.inputs import load_demo
from planning.outputs.export import export_table_bytes
from planning.rules.assess import assess
from ui.pages.tables import filtered


@pytest.fixture(scope="module")
def units():
    return assess(load_demo()).results["R2"].units


@pytest.fixture(scope="module")
def page():
    at = app_with(None, page="tables", table_rule="R2")
    assert not at.exception
    return at


def _shown(element) -> pd.DataFrame:
    """The cells as the browser draws them: the styler's display values when styled."""
    arrow = element.proto.arrow_data
    if arrow.HasField("styler") and arrow.styler.display_values:
        return pa.ipc.open_stream(arrow.styler.display_values).read_all().to_pandas()
    return element.value


def test_status_filter_gives_the_failing_villages(page, units):
    at = page
    at.multiselect(key="table_status@zh").set_value(["fail"]).run()
    frame = at.dataframe[0].value
    expected = units[units["status"] == "fail"]
    assert len(frame) == len(expected) > 0
    assert sorted(frame["村代码"]) == sorted(expected["unit_id"])
    assert set(frame["状态"]) == {"未达标"}
    assert f"显示 {len(expected)} / {len(units)} 行" in " ".join(c.value for c in at.caption)


def test_township_filter_narrows_to_one_township(page, units):
    at = page
    fails = units[units["status"] == "fail"]
    town = fails["township_id"].value_counts().index[0]
    at.multiselect(key="table_status@zh").set_value(["fail"]).run()
    at.multiselect(key="table_township@zh").set_value([town]).run()
    frame = at.dataframe[0].value
    assert len(frame) == int((fails["township_id"] == town).sum()) > 0
    assert set(frame["乡镇代码"]) == {town}
    at.multiselect(key="table_township@zh").set_value([]).run()
    at.multiselect(key="table_status@zh").set_value([]).run()
    assert len(at.dataframe[0].value) == len(units)


def test_cells_are_rounded_and_empty_shows_a_dash(page):
    at = page
    element = at.dataframe[0]
    assert element.proto.placeholder == "—"
    shown = _shown(element).astype(str)
    assert not shown.isin(["None", "nan", "NaN", "<NA>"]).any().any()
    assert (shown["服务方式"] == "—").sum() > 0  # villages without a service mode
    road = shown["到卫生室道路距离(米)"]
    assert road[road != "—"].str.fullmatch(r"\d{1,3}(,\d{3})*").all()  # metres to 1, grouped
    assert road.str.contains(",").any()  # 3,840 m
    assert "到卫生室判定距离(米)" not in shown  # the road distance once, not twice


def test_download_holds_what_is_shown(page, units):
    at = page
    at.multiselect(key="table_status@zh").set_value(["fail"]).run()
    shown = at.dataframe[0].value
    layer = assess(load_demo()).results["R2"].layers["R2_villages"].drop(columns="geometry")
    data, name, _ = export_table_bytes(filtered(layer, statuses=["fail"]), "xlsx", lang="zh",
                                       stem="R2_villages")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["R2_villages"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(shown.columns)
    assert len(rows) - 1 == len(shown)
    col = list(rows[0]).index("到卫生室道路距离(米)")
    assert [r[col] for r in rows[1:]] == [None if pd.isna(v) else int(v)
                                          for v in shown["到卫生室道路距离(米)"]]
    at.multiselect(key="table_status@zh").set_value([]).run()


def test_upload_boxes_state_the_limits_the_library_enforces():
    """Each box says (and Streamlit enforces) the library's own limit; the server-wide
    limit in .streamlit/config.toml is the largest of them (a road file)."""
    import tomllib
    from pathlib import Path

    from planning.inputs.uploads import MAX_LAYER_BYTES, MAX_ROADS_BYTES

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml")
                           .read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == max(MAX_LAYER_BYTES, MAX_ROADS_BYTES) // 2**20
    at = app_with(source="upload")
    assert not at.exception
    limits = {u.key: u.proto.max_upload_size_mb for u in at.get("file_uploader")}
    assert limits["up_villages"] == limits["up_townships"] == limits["up_facilities"] == 50
    assert limits["up_roads"] == 200
    assert limits["rb_file"] == 50  # the sidebar's rulebook box
