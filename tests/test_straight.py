"""Regions without a road file: checked by straight-line estimate, labelled everywhere.

A hand-made region with no road network (tests/handmade.py, UTM 50N) where every
distance is a 3-4-5 triangle, so the answers are obvious:

    clinic C at (0, 0); village 近村 at (450, 600): 750 m; 中村 at (900, 1200): 1,500 m;
    远村 at (1200, 1600): 2,000 m. The township health centre T is at C's place.

R2 uses the straight radius with no factor (the policy's "1.5公里范围内"): 近村 and 中村
(exactly 1,500 m, inclusive) pass, 远村 fails. R3 walks straight × 1.3 at 5 km/h:
750 m -> 975 m -> 11.7 min (within 15), 1,500 m -> 23.4 min and 2,000 m -> 31.2 min (not).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

import handmade as hm
from planning import settings
from planning.travel.access import STRAIGHT_LABEL, StraightAccess, access_for
from planning.rules.assess import assess
from planning.errors import InputError
from planning.outputs.export import export_layers
from planning.rules.rulebook import load_rulebook
from planning.rules import FAIL, PASS

RB = load_rulebook()
WALK_MIN_PER_M = 1.3 / (settings.STRAIGHT_SPEEDS_KMH["walk"] * 1000 / 60)


def region_without_roads(groups: bool = False):
    towns = hm.townships([{"township_id": "120115101", "name": "甲镇", "kind": "township",
                           "geometry": hm.box(-3000, -3000, 3000, 3000)}])
    vills = hm.villages([
        {"village_id": "120115101201", "name": "近村", "township_id": "120115101", "population": 100,
         "x": 450, "y": 600},
        {"village_id": "120115101202", "name": "中村", "township_id": "120115101", "population": 200,
         "x": 900, "y": 1200},
        {"village_id": "120115101203", "name": "远村", "township_id": "120115101", "population": 300,
         "x": 1200, "y": 1600},
    ])
    facs = [{"facility_id": "C", "name": "卫生室", "kind": "village_clinic", "x": 0},
            {"facility_id": "T", "name": "卫生院", "kind": "township_health_centre", "x": 0}]
    if groups:
        facs[1]["group_id"] = "G1"
        facs.append({"facility_id": "H", "name": "区医院", "kind": "district_hospital", "level": "三级",
                     "group_id": "G1", "x": 3000, "y": 4000})  # 5 km from T
    r = hm.region(towns, vills, hm.facilities(facs))
    r.networks.clear()  # no road file, no network: straight-line estimates
    return r


def test_without_roads_the_travel_layer_is_straight():
    region = region_without_roads()
    access = access_for(region)
    assert isinstance(access, StraightAccess) and access.straight
    with pytest.raises(InputError) as err:  # the road graph itself does not exist
        access.engine("walk")
    assert "road network" in str(err.value) and "道路网" in err.value.render("zh")


def test_r2_uses_the_straight_radius_without_a_factor():
    a = assess(region_without_roads(), RB)
    u = a.results["R2"].units.set_index("name")
    assert list(u["clinic_straight_m"].round(6)) == [750.0, 1500.0, 2000.0]
    assert list(u["status"]) == [PASS, PASS, FAIL]  # 1,500 m is within (inclusive)
    assert u["clinic_road_m"].isna().all()  # no road metres are made up
    assert u["clinic_distance_m"].round(6).tolist() == [750.0, 1500.0, 2000.0]
    assert a.results["R2"].figures["measure"] == "straight"


def test_r3_walks_straight_times_the_detour_factor():
    a = assess(region_without_roads(), RB)
    u = a.results["R3"].units.set_index("name")
    expected = [round(d * WALK_MIN_PER_M, 2) for d in (750, 1500, 2000)]
    assert u["minutes_to_care"].tolist() == pytest.approx(expected)  # 11.7, 23.4, 31.2
    assert list(u["status"]) == [PASS, FAIL, FAIL]
    # the reach polygon is the set of points within 15 minutes: radius 15 min of walking / 1.3
    radius = 15 * settings.STRAIGHT_SPEEDS_KMH["walk"] * 1000 / 60 / 1.3
    covered = a.results["R3"].layers["R3_covered"].geometry.iloc[0]
    c = shapely.Point(hm.X0, hm.Y0)
    assert covered.contains(c.buffer(radius * 0.99)) and not covered.contains(c.buffer(radius * 1.01))
    # the factor is a rulebook key: 1.0 makes 中村 1,500 m = 18 min, still out; 近村 9 min
    plain = assess(region_without_roads(), RB.with_values({"travel.detour_factor": 1.0}))
    assert plain.results["R3"].units["minutes_to_care"].iloc[0] == pytest.approx(9.0)


def test_drive_times_for_r7_at_the_straight_drive_speed():
    a = assess(region_without_roads(groups=True), RB)
    t = a.results["R7"].units.set_index("unit_id").loc["T"]
    minutes = 5000 * 1.3 / (settings.STRAIGHT_SPEEDS_KMH["drive"] * 1000 / 60)  # 9.75 min
    assert t["drive_minutes_to_lead"] == pytest.approx(round(minutes, 1))
    assert t["status"] == PASS


def test_every_output_carries_the_label(tmp_path):
    a = assess(region_without_roads(groups=True), RB)
    s = a.summary()
    assert s["distances"] == "straight" and s["label"] == STRAIGHT_LABEL
    assert s["detour_factor"] == 1.3
    assert set(a.estimated) == {"R2", "R3", "R4", "R7", "R8"}  # the rules that measured travel
    rows = {r["id"]: r for r in s["rules"]}
    for rid in a.estimated:
        assert rows[rid]["figures"]["estimate"] == STRAIGHT_LABEL
        assert any(n.startswith("直线估算：") for n in rows[rid]["notes"])       # in the summary's language
    assert "estimate" not in rows["R1"]["figures"]  # point in polygon: no travel measured
    layers = a.layers()
    assert (layers["R2_villages"]["estimate"] == STRAIGHT_LABEL).all()
    assert "estimate" not in layers["R1_townships"]
    out = export_layers(layers, tmp_path / "gaps.xlsx", lang="zh")
    import openpyxl

    ws = openpyxl.load_workbook(out)["R3_villages"]
    header = [c.value for c in ws[1]]
    assert "距离估算" in header and ws.cell(2, header.index("距离估算") + 1).value == STRAIGHT_LABEL
    json.dumps(s, ensure_ascii=False)  # the summary is JSON as it is


def test_a_road_run_is_not_labelled():
    r = region_without_roads()
    r.networks.update({m: hm.line_network(mode=m) for m in ("walk", "ebike", "drive")})
    a = assess(r, RB)
    assert not a.straight and a.estimated == () and a.summary()["distances"] == "road"
    assert "estimate" not in a.layers()["R2_villages"]


def test_scenarios_work_by_straight_line_and_suggestions_say_they_need_roads():
    from planning.plan.optimize import suggest
    from planning.plan.scenario import Scenario

    region = region_without_roads()
    sc = Scenario(region)
    sc.add_facility("village_clinic", hm.X0 + 1200, hm.Y0 + 1600, name="新卫生室")
    after = sc.assess(["R2", "R3"])
    u = after.results["R2"].units.set_index("name")
    assert u.loc["远村", "status"] == PASS and u.loc["远村", "clinic_straight_m"] == 0
    assert after.straight and set(after.estimated) == {"R2", "R3"}
    comp = sc.compare(["R2"])
    assert comp.rules.set_index("rule").loc["R2", "failed_after"] == 0
    with pytest.raises(InputError, match="needs a road network"):
        suggest(region, rule="R2", k=1)


def test_a_failing_rule_is_recorded_and_the_others_run(monkeypatch):
    from planning import rules

    def broken(region, rulebook, access):
        raise ValueError("boom")

    monkeypatch.setitem(rules.RULES, "R5", broken)
    region = region_without_roads()
    with pytest.raises(ValueError):
        assess(region, RB)
    a = assess(region, RB, errors="record")
    assert "R5" not in a.results and isinstance(a.errors["R5"], ValueError)
    assert {"R1", "R2", "R3", "R4", "R6", "R7"} <= set(a.results)
    assert a.summary()["errors"] == {"R5": "ValueError: boom"}
    assert np.isfinite(a.results["R3"].figures["share_within"])


def test_every_report_page_carries_the_label(tmp_path):
    import docx
    from pdftext import pages_text

    from planning.outputs.report import build_report

    region = region_without_roads(groups=True)
    region.name = "宝坻区"
    pdf = build_report(region, out=tmp_path / "r.pdf", dpi=60)
    texts = pages_text(pdf)
    assert len(texts) >= 2
    for text in texts:  # the footer of every page, in the report's language only
        assert "直线估算" in text and "straight-line estimate" not in text
    text = "".join(texts)
    assert "道路网：无" in text and "× 1.3" in text
    word = docx.Document(str(build_report(region, out=tmp_path / "r.docx", lang="en", dpi=60)))
    footer = "".join(p.text for p in word.sections[0].footer.paragraphs)
    assert "straight-line estimate" in footer and "直线估算" not in footer
    assert "straight-line estimate: there was no road network" in word.tables[0].cell(0, 0).text
