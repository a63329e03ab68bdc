"""R8 in the app (AppTest): scorecard sentence and explanation in both languages, the
township column, "cannot be checked" when a centre has no GP count, the rulebook editor
(reference, catchment, decay) and scenario staff edits.

The hand-made region of test_app.py: three villages (100, 200, 300 residents) on a
straight road and a township centre 500 m from the first; by e-bike (60 km/h on this
road) the centre reaches all three within 30 minutes.
"""

from __future__ import annotations

import pandas as pd

import test_app as ta


def region(gps=None):
    r = ta.handmade_region()
    r.facilities["gps"] = pd.Series([None, gps], index=r.facilities.index, dtype=float)
    return r


def test_scorecard_says_cannot_be_checked_when_the_centre_has_no_gp_count():
    at = ta.app_with(region(gps=None))
    assert not at.exception
    row = ta.score_row(at, "R8")
    assert row["结论"] == "无法检查" and row["未达标"] == "0"
    assert any("R8" in m.value and "3 个无法检查" in m.value for m in at.markdown)
    assert any("1 所基层机构缺少全科医生人数" in m.value for m in at.markdown)


def test_scorecard_sentence_and_explanation_in_both_languages():
    at = ta.app_with(region(gps=1))
    assert not at.exception
    # one GP for 600 residents within reach: 16.67 per 10,000, above the reference of 4
    assert ta.score_row(at, "R8")["结论"] == "达标"
    assert any("100.0% 的居民电动自行车 30 分钟内可达的全科医生达到每万人 4 名" in m.value for m in at.markdown)
    assert any("E2SFCA" in c.value and "004 §三(二)" in c.value for c in at.caption)
    towns = at.dataframe[0].value
    assert list(towns["R8 可达全科医生（每万人）"]) == ["16.67"]
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert any("100.0% of residents reach at least 4 GPs per 10,000 within 30 min (E-bike)" in m.value
               for m in at.markdown)
    assert any("How it is counted" in c.value and "004 §三(二)" in c.value for c in at.caption)


def test_rulebook_editor_changes_reference_catchment_and_decay():
    at = ta.app_with(region(gps=1), page="rulebook")
    assert not at.exception
    at.number_input(key="rbw.R8.gps_per_10000@zh").set_value(20.0).run()
    at.selectbox(key="rbw.R8.decay@zh").set_value("gaussian").run()
    at.text_input(key="rbw.R8.band_weights@zh").set_value("1, 0.5").run()
    assert not at.exception
    values = at.session_state["rb_values"]
    assert values["R8.gps_per_10000"] == 20.0 and values["R8.decay"] == "gaussian"
    assert values["R8.band_weights"] == [1.0, 0.5]
    at.text_input(key="rbw.R8.band_weights@zh").set_value("1, a").run()
    assert any("R8.band_weights" in e.value for e in at.error)
    ta.go(at, "scorecard")
    assert ta.score_row(at, "R8")["结论"] == "需关注"   # 16.67 < 20


def test_scenario_adds_gps_to_the_selected_centre():
    at = ta.app_with(region(gps=1), page="scenario",
                     rb_values={"R8.gps_per_10000": 30.0})  # 16.67 now: everyone below
    assert not at.exception
    at.selectbox(key="sc_selected@zh").set_value("T1").run()
    at.number_input(key="sc_staff_n").set_value(1).run()
    at.button(key="sc_add_staff").click().run()
    assert not at.exception
    assert any("已给甲镇卫生院增加全科医生 1 名" in s.value for s in at.success)
    assert any("机构 T1 增加全科医生1名" in m.value for m in at.markdown)
    below = next(m for m in at.metric if m.label == "R8 低于全科医生参考值的人口")
    assert below.value == "0" and below.delta == "-600"    # 2 GPs: 33.3 per 10,000
