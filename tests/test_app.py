"""The Streamlit app, driven headless by ``streamlit.testing.v1.AppTest``.

Fast cases use a hand-made region put in the session as if uploaded (three villages on
a straight road, at 0, 1,200 and 3,000 m from the only clinic, so R2 fails 1 village at
1.5 km and 2 at 1 km); the demo cases check the scorecard of the Baodi demo against an
independent run of the rules.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import handmade as hm
from planning.outputs import maps
from planning.travel.access import Access
from planning.words import t
from ui import pages

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DEMO = Path(__file__).resolve().parent.parent / "geodata" / "baodi" / "region.gpkg"
TIMEOUT = 900  # the first demo run prepares the road networks and runs every rule


def handmade_region():
    towns = hm.townships([{"township_id": "120115100", "name": "甲镇", "kind": "township",
                           "district": "测试区", "geometry": hm.box(-2000, -2000, 6000, 2000)}])
    vills = hm.villages([
        {"village_id": "120115100201", "name": "近村", "township_id": "120115100", "population": 100, "x": 0},
        {"village_id": "120115100202", "name": "中村", "township_id": "120115100", "population": 200, "x": 1200},
        {"village_id": "120115100203", "name": "远村", "township_id": "120115100", "population": 300, "x": 3000},
    ])
    facs = hm.facilities([
        {"facility_id": "C1", "name": "近村卫生室", "kind": "village_clinic", "x": 0},
        {"facility_id": "T1", "name": "甲镇卫生院", "kind": "township_health_centre", "x": 500},
    ])
    return hm.region(towns, vills, facs)


def app_with(region=None, page: str | None = None, **state) -> AppTest:
    """The app run once with ``region`` as the session's upload, on ``page`` (its
    ``st.navigation`` URL name; the scorecard when None)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if region is not None:
        at.session_state["source"] = "upload"
        at.session_state["upload_region"] = {"region": region, "access": Access(region)}
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return go(at, page) if page else at


def go(at: AppTest, page: str) -> AppTest:
    """Switch ``at`` to the page named ``page`` (``"map"``, ``"tables"`` …) and run it."""
    return at.switch_page(pages.path(page)).run()


def score_row(at: AppTest, rule: str) -> dict:
    """The scorecard table's row for ``rule`` as {header: text}."""
    frame = at.table[0].value
    return {k: str(v) for k, v in frame.loc[rule].items()}


def test_scorecard_handmade_shows_r2_numbers_and_sentence():
    at = app_with(handmade_region())
    assert not at.exception
    row = score_row(at, "R2")
    assert row["未达标"] == "1" and row["达标"] == "2"
    assert row["缺口人口"] == "300"
    assert row["结论"] == "未达标"
    assert any("1 个行政村（300 人）1.5 公里内没有标准化村卫生室" in m.value for m in at.markdown)


def test_rulebook_edit_reruns_r2():
    at = app_with(handmade_region(), page="rulebook")
    assert not at.exception
    at.number_input(key="rbw.R2.max_distance_m@zh").set_value(1000.0).run()
    assert not at.exception
    go(at, "scorecard")
    row = score_row(at, "R2")
    assert row["未达标"] == "2" and row["缺口人口"] == "500"  # 1,200 m is now too far
    go(at, "rulebook")
    at.button(key="rb_reset").click().run()
    go(at, "scorecard")
    assert score_row(at, "R2")["未达标"] == "1"


def test_language_switch_translates_without_reassessing(monkeypatch):
    import planning.rules.assess

    at = app_with(handmade_region())
    calls = []
    real = planning.rules.assess.assess
    monkeypatch.setattr(planning.rules.assess, "assess", lambda *a, **k: calls.append(1) or real(*a, **k))
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == t("app.title", "en")
    row = score_row(at, "R2")
    assert row["Failed"] == "1" and row["Result"] == "Fail"
    source = at.radio(key="source@en")  # a fresh widget with English labels, same value
    assert source.value == "upload" and source.options == [t("source.demo", "en"), t("source.upload", "en")]
    for view in ("map", "tables", "downloads", "scorecard"):
        go(at, view)
        assert not at.exception, view
    assert calls == []  # views and language reuse the session's assessment


def test_tables_filter_by_status_words():
    at = app_with(handmade_region(), page="tables", table_rule="R2")
    assert not at.exception
    at.multiselect(key="table_status@zh").set_value(["fail"]).run()
    frame = at.dataframe[0].value
    assert list(frame["名称"]) == ["远村"]


def test_bad_csv_shows_the_message_not_a_traceback():
    at = app_with(source="upload")
    at.file_uploader(key="up_villages").set_value(
        ("villages.csv", "名称,人口\n某村,12\n".encode("utf-8"), "text/csv")).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "villages.csv" in errors and "village_id" in errors  # names the file and the missing column
    assert "找不到“村代码”（village_id）列" in errors and "列名对应" in errors  # Chinese, says what to do


def test_good_csv_is_previewed_with_rows_set_aside():
    csv = ("村代码,名称,经度,纬度,常住人口\n"
           "120115100201,甲村,117.30,39.70,800\n"
           "120115100202,乙村,0,0,500\n")  # 0,0 is a placeholder: set aside
    at = app_with(source="upload")
    at.file_uploader(key="up_villages").set_value(("villages.csv", csv.encode("utf-8"), "text/csv")).run()
    assert not at.exception and not at.error
    assert any("读入 1 行" in s.value for s in at.success)
    aside = at.dataframe[0].value          # grouped by file, column and kind, in the UI language
    assert list(aside["行"]) == ["2"] and list(aside["文件"]) == ["villages.csv"]
    assert list(aside["条数"]) == [1]
    assert "坐标为 0, 0" in aside["说明"].iloc[0]


def test_unsafe_zip_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.shp", b"x")
    at = app_with(source="upload")
    at.file_uploader(key="up_townships").set_value(("towns.zip", buf.getvalue(), "application/zip")).run()
    assert not at.exception
    assert any("../evil.shp" in e.value for e in at.error)


def test_zip_bomb_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("towns.shp", b"\0" * 5_000_000)  # 5 MB of zeros compress > 1000 times
    at = app_with(source="upload")
    at.file_uploader(key="up_townships").set_value(("towns.zip", buf.getvalue(), "application/zip")).run()
    assert not at.exception
    assert any("zip" in e.value.lower() for e in at.error)


def test_bad_rulebook_file_shows_the_key():
    at = app_with(handmade_region())
    at.file_uploader(key="rb_file").set_value(
        ("mine.toml", b"[R2]\nmax_distance_m = 'far'\n", "application/toml")).run()
    assert not at.exception
    assert any("R2.max_distance_m" in e.value for e in at.sidebar.error)


@pytest.mark.slow
@pytest.mark.skipif(not DEMO.exists(), reason="the Baodi demo (geodata/baodi) is not built")
def test_demo_scorecard_matches_the_rules():
    from planning.rules.assess import assess
    from planning.inputs import load_demo

    at = app_with()
    assert not at.exception
    expected = assess(load_demo(), rules=["R1", "R2", "R6"]).summary()["rules"]
    for rule in expected:
        row = score_row(at, rule["id"])
        assert int(row["达标"]) == rule["passed"], rule["id"]
        assert int(row["未达标"]) == rule["failed"], rule["id"]
        assert row["缺口人口"] == f"{rule['population_in_gap']:,}", rule["id"]
    r2 = next(r for r in expected if r["id"] == "R2")
    sentence = f"{r2['failed']} 个行政村（{r2['population_in_gap']:,} 人）1.5 公里内没有标准化村卫生室"
    assert any(sentence in m.value for m in at.markdown)
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert int(score_row(at, "R2")["Failed"]) == r2["failed"]


def test_map_loads_leaflet_only_from_the_app():
    region = handmade_region()
    from planning.rules.assess import assess

    fmap = maps.build_map(assess(region), "zh")
    html = fmap.get_root().render()
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "cdn." not in html and "https://" not in html.split("<body>")[0]


# --------------------------------------------------------------------------- scenarios


def deltas(at: AppTest) -> dict:
    """The scenario view's per-rule table as {rule: {header: text}}."""
    frame = next(tb.value for tb in at.table if "方案未达标" in tb.value.columns)
    return {rule: {k: str(v) for k, v in row.items()} for rule, row in frame.iterrows()}


def add_at_far_village(at: AppTest) -> AppTest:
    at.selectbox(key="sc_village@zh").set_value("120115100203").run()  # 远村, 3 km from C1
    return at.button(key="sc_add_village").click().run()


def test_scenario_clinic_at_uncovered_village_drops_r2_failed():
    at = app_with(handmade_region(), page="scenario")
    assert not at.exception
    assert deltas(at)["R2"]["现状未达标"] == "1" and deltas(at)["R2"]["方案未达标"] == "1"
    at = add_at_far_village(at)
    assert not at.exception
    r2 = deltas(at)["R2"]
    assert (r2["现状未达标"], r2["方案未达标"], r2["变化"]) == ("1", "0", "-1")
    assert r2["新增覆盖人口"] == "300"  # 远村's residents
    assert any("远村卫生室" in s.value for s in at.success)  # auto-named after the village
    assert any("新增村卫生室：远村卫生室" in m.value for m in at.markdown)  # the edit list


def side_by_side(at: AppTest) -> dict:
    """The files panel's side-by-side table as {column: {rule: text}}."""
    frame = next(tb.value for tb in at.table if "现状 未达标" in tb.value.columns)
    return {c: {r: str(v) for r, v in frame[c].items()} for c in frame.columns}


def test_side_by_side_table_follows_each_edit_and_undo():
    """The current network and the scenario side by side (kept per scenario state): R2
    fails 远村 (300 residents) now; the clinic there closes the gap; undo brings it back."""
    at = app_with(handmade_region(), page="scenario")
    table = side_by_side(at)
    assert (table["现状 未达标"]["R2"], table["现状 缺口人口"]["R2"]) == ("1", "300")
    assert table["方案1 未达标"]["R2"] == "1"
    at = add_at_far_village(at)
    table = side_by_side(at)
    assert (table["现状 未达标"]["R2"], table["方案1 未达标"]["R2"], table["方案1 缺口人口"]["R2"]) \
        == ("1", "0", "0")
    at.button(key="sc_undo").click().run()
    assert side_by_side(at)["方案1 未达标"]["R2"] == "1" and not at.exception


def test_scenario_undo_redo():
    at = add_at_far_village(app_with(handmade_region(), page="scenario"))
    at.button(key="sc_undo").click().run()
    assert not at.exception
    assert deltas(at)["R2"]["方案未达标"] == "1"
    assert at.button(key="sc_undo").disabled and not at.button(key="sc_redo").disabled
    at.button(key="sc_redo").click().run()
    assert deltas(at)["R2"]["方案未达标"] == "0"


def test_closing_a_township_health_centre_warns_with_the_policy():
    at = app_with(handmade_region(), page="scenario")
    at.selectbox(key="sc_selected@zh").set_value("T1").run()
    at.button(key="sc_close").click().run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("甲镇卫生院" in w and "001 §二(一)1" in w for w in warnings)
    assert deltas(at)["R1"]["方案未达标"] == "1"  # the township lost its health centre
    assert deltas(at)["R1"]["现状未达标"] == "0"


def test_scenario_save_and_reload(tmp_path):
    at = add_at_far_village(app_with(handmade_region(), page="scenario"))
    at.text_input(key="sc_name_方案1").set_value("远村方案").run()
    at.button(key="sc_save").click().run()
    assert not at.exception
    path = Path(at.session_state["scenarios"]["saved"]["远村方案"])
    data = path.read_bytes()
    assert data[:16] == b"SQLite format 3\x00"

    fresh = app_with(handmade_region(), page="scenario")  # another session, same data
    assert deltas(fresh)["R2"]["方案未达标"] == "1"
    fresh.file_uploader(key="sc_upload").set_value(("远村方案.gpkg", data, "application/octet-stream")).run()
    assert not fresh.exception
    assert fresh.session_state["scenarios"]["active"] == "远村方案"
    assert deltas(fresh)["R2"]["方案未达标"] == "0"
    assert any("已载入方案：远村方案（1 项改动）" in s.value for s in fresh.success)


def test_suggested_site_added_to_the_scenario_covers_the_gap():
    at = app_with(handmade_region(), page="suggest", sg_k=1)
    at.button(key="sg_run").click().run()
    assert not at.exception
    assert any("1 个新址新增覆盖 300" in m.value for m in at.markdown)  # 远村's 300 residents
    at.button(key="sg_add").click().run()
    assert not at.exception
    assert deltas(at)["R2"]["方案未达标"] == "0"


def test_downloads_offer_the_planning_report_for_the_selection():
    at = app_with(handmade_region())
    go(at, "downloads")
    assert not at.exception
    assert t("dl.report", "zh") in [h.value for h in at.subheader]
    # the button builds the same report the CLI builds, for the sidebar's selection
    from planning.outputs.report import report_bytes

    data = report_bytes(handmade_region(), "docx", lang="zh")
    assert data[:2] == b"PK"  # a Word (zip) document
