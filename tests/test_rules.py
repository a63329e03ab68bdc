"""Rules R1-R7 on hand-made regions where the right answer is obvious (see handmade.py)."""

from __future__ import annotations

import numpy as np
import pytest

import handmade as hm
from planning.travel.access import Access
from planning.rules.assess import assess
from planning.errors import InputError
from planning.rules.rulebook import load_rulebook
from planning.rules import FAIL, NA, PASS, UNKNOWN, WARN, RULES

RB = load_rulebook()


def run(rule, region, rulebook=RB):
    """The rule's result with its words written in Chinese from its codes, as the outputs
    write them (the rule itself emits codes and params only)."""
    return RULES[rule](region, rulebook, Access(region)).in_language("zh")


def two_towns():
    """Town A (x < 5 km) and street B (x >= 5 km), 4 km tall strips along the road."""
    return hm.townships([
        {"township_id": "120115101", "name": "甲镇", "kind": "township", "geometry": hm.box(-2000, -2000, 5000, 2000)},
        {"township_id": "120115001", "name": "乙街道", "kind": "street", "geometry": hm.box(5000, -2000, 18000, 2000)},
    ])


# ------------------------------------------------------------------ R2 distances
@pytest.mark.parametrize("inclusive, expected", [(True, ["shared", "shared", "gap"]),
                                                  (False, ["shared", "gap", "gap"])])
def test_r2_1499_1500_1501_metres(inclusive, expected):
    # a clinic at x = 0 on the road; villages on the road 1,499 / 1,500 / 1,501 m east of it
    # (coordinates on the road, so road = straight = x; nodes every 100 m)
    towns = two_towns()
    vills = hm.villages([
        {"village_id": "120115101201", "name": "一村", "township_id": "120115101", "population": 800, "x": 1499},
        {"village_id": "120115101202", "name": "二村", "township_id": "120115101", "population": 800, "x": 1500},
        {"village_id": "120115101203", "name": "三村", "township_id": "120115101", "population": 800, "x": 1501},
        {"village_id": "120115101204", "name": "四村", "township_id": "120115101", "population": 900, "x": 0},
    ])
    facs = hm.facilities([{"facility_id": "C1", "name": "四村卫生室", "kind": "village_clinic", "x": 0,
                           "village_id": "120115101204"}])
    rb = RB.with_values({"R2.inclusive": inclusive})
    res = run("R2", hm.region(towns, vills, facs), rb)
    u = res.units.set_index("unit_id")
    assert u.loc["120115101201", "clinic_road_m"] == pytest.approx(1499, abs=1e-6)
    assert u.loc["120115101202", "clinic_road_m"] == pytest.approx(1500, abs=1e-6)
    assert list(u.loc[["120115101201", "120115101202", "120115101203"], "coverage"]) == expected
    assert u.loc["120115101204", "coverage"] == "own"
    # 一村 is 四村's neighbour: a plain share; 二村 shares a clinic of a non-adjacent village
    assert u.loc["120115101201", "status"] == PASS
    assert u.loc["120115101202", "status"] == (WARN if inclusive else FAIL)
    # the failed villages' residents are the population in gap
    s = res.summary()
    assert s["population_in_gap"] == 800 * expected.count("gap")


def test_r2_road_versus_straight_and_a_village_committee_in_a_street():
    # a village 1,000 m north of the road at x = 1,000 (straight 1,414 m from the clinic at
    # x = 0; road 1,000 + 1,000 = 2,000 m): fails by road, passes as a straight radius.
    # It lies in the STREET: village committees are judged wherever they are.
    towns = two_towns()
    vills = hm.villages([
        {"village_id": "120115001201", "name": "北村", "township_id": "120115001", "population": 1200,
         "x": 6000, "y": 1000},
        {"village_id": "120115001001", "name": "某社区", "township_id": "120115001", "population": 5000, "x": 6000},
    ])
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic", "x": 5000}])
    region = hm.region(towns, vills, facs)
    res = run("R2", region)
    assert list(res.units["unit_id"]) == ["120115001201"]  # the residents' committee is not an R2 unit
    row = res.units.iloc[0]
    assert row["clinic_road_m"] == pytest.approx(2000, abs=1e-6)
    assert row["clinic_straight_m"] == pytest.approx(np.hypot(1000, 1000), abs=1e-6)
    assert row["status"] == FAIL and row["coverage"] == "gap"
    assert "新建" in row["action"]
    straight = run("R2", region, RB.with_values({"R2.measure": "straight"})).units.iloc[0]
    assert straight["status"] == PASS and straight["clinic_distance_m"] == pytest.approx(1414.21, abs=0.01)


def test_r2_shared_clinic_across_a_township_border_is_named_and_warned():
    towns = two_towns()
    vills = hm.villages([
        {"village_id": "120115101201", "name": "边村", "township_id": "120115101", "population": 700, "x": 4500},
        {"village_id": "120115001201", "name": "邻村", "township_id": "120115001", "population": 700, "x": 5600},
        {"village_id": "120115001202", "name": "远村", "township_id": "120115001", "population": 300, "x": 12000},
    ])
    facs = hm.facilities([{"facility_id": "C1", "name": "邻村卫生室", "kind": "village_clinic", "x": 5600,
                           "village_id": "120115001201"}])
    res = run("R2", hm.region(towns, vills, facs)).units.set_index("unit_id")
    assert res.loc["120115001201", "coverage"] == "own"
    edge = res.loc["120115101201"]
    assert edge["coverage"] == "shared" and edge["status"] == WARN
    assert "邻村" in edge["reason"] and "其他乡镇" in edge["reason"]
    far = res.loc["120115001202"]
    assert far["status"] == FAIL and "巡诊" in far["action"]  # 300 residents < 500: touring
    clinics = run("R2", hm.region(towns, vills, facs)).layers["R2_clinics"].set_index("facility_id")
    assert clinics.loc["C1", "villages_served"] == 2
    assert clinics.loc["C1", "residents_served"] == 1400


def test_r2_touring_village_and_non_standardized_clinic():
    towns = two_towns()
    vills = hm.villages([
        {"village_id": "120115101201", "name": "巡村", "township_id": "120115101", "population": 200,
         "x": 3000, "service_mode": "touring"},
        {"village_id": "120115101202", "name": "旧村", "township_id": "120115101", "population": 900, "x": -1500},
    ])
    facs = hm.facilities([
        {"facility_id": "C0", "name": "旧村卫生室", "kind": "village_clinic", "x": -1400, "standardized": False},
        {"facility_id": "C9", "name": "远卫生室", "kind": "village_clinic", "x": 16000},
    ])
    res = run("R2", hm.region(towns, vills, facs)).units.set_index("unit_id")
    assert res.loc["120115101201", "coverage"] == "served" and res.loc["120115101201", "status"] == WARN
    assert res.loc["120115101202", "status"] == FAIL
    assert "旧村卫生室" in res.loc["120115101202", "action"] and "标准化" in res.loc["120115101202", "action"]


def test_r2_unreachable_village_says_so():
    towns = two_towns()
    vills = hm.villages([{"village_id": "120115101201", "name": "孤村", "township_id": "120115101",
                          "population": 600, "x": 0, "y": 1900}])  # 1.9 km off the road: off-network
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic", "x": 0}])
    row = run("R2", hm.region(towns, vills, facs)).units.iloc[0]
    assert row["status"] == FAIL and not row["reachable"] and np.isnan(row["clinic_road_m"])
    assert "无法到达" in row["reason"]


# ------------------------------------------------------------------ R1
def test_r1_two_centres_missing_centre_and_large_township():
    towns = hm.townships([
        {"township_id": "T1", "name": "双中心镇", "kind": "township", "geometry": hm.box(-2000, -2000, 3000, 2000),
         "population": 150_000},
        {"township_id": "T2", "name": "缺中心街道", "kind": "street", "geometry": hm.box(3000, -2000, 8000, 2000)},
        {"township_id": "T3", "name": "大镇", "kind": "township", "geometry": hm.box(8000, -2000, 13000, 2000),
         "population": 120_000},
        {"township_id": "T4", "name": "开发区", "kind": "special", "geometry": hm.box(13000, -2000, 18000, 2000)},
    ])
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "T1", "population": 10, "x": 0}])
    facs = hm.facilities([
        {"facility_id": "H1", "name": "甲卫生院", "kind": "township_health_centre", "x": 0},
        {"facility_id": "H2", "name": "乙卫生院", "kind": "township_health_centre", "x": 1000},
        {"facility_id": "H3", "name": "大镇卫生院", "kind": "township_health_centre", "x": 10000},
        {"facility_id": "H4", "name": "村卫生室", "kind": "village_clinic", "x": 5000},
    ])
    u = run("R1", hm.region(towns, vills, facs)).units.set_index("unit_id")
    assert u.loc["T1", "status"] == PASS and u.loc["T1", "n_centres"] == 2  # 150k but two centres
    assert u.loc["T2", "status"] == FAIL and "社区卫生服务中心" in u.loc["T2", "reason"]
    assert u.loc["T3", "status"] == WARN and "增设" in u.loc["T3", "action"]  # > 100,000, one centre
    assert u.loc["T4", "status"] == NA


# ------------------------------------------------------------------ R3
@pytest.fixture(params=["surface", "road_band"])
def r3_areas(request, monkeypatch):
    """R3's display areas from the travel-time surface (the default) and the road band."""
    from planning import settings

    monkeypatch.setattr(settings, "R3_AREAS", request.param)
    return request.param


def test_r3_minutes_on_foot_and_township_share(r3_areas):
    # walking 5 km/h: 1,000 m = 12 min (pass), 1,300 m = 15.6 min (fail)
    towns = two_towns()
    vills = hm.villages([
        {"village_id": "120115101201", "name": "近村", "township_id": "120115101", "population": 900, "x": 1000},
        {"village_id": "120115101202", "name": "远村", "township_id": "120115101", "population": 100, "x": -1300},
    ])
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic", "x": 0}])
    res = run("R3", hm.region(towns, vills, facs))
    u = res.units.set_index("unit_id")
    assert u.loc["120115101201", "minutes_to_care"] == pytest.approx(12.0, abs=1e-6)
    assert u.loc["120115101202", "minutes_to_care"] == pytest.approx(15.6, abs=1e-6)
    assert list(u["status"]) == [PASS, FAIL]
    assert res.figures["share_within"] == pytest.approx(0.9)
    towns_layer = res.layers["R3_townships"].set_index("township_id")
    assert towns_layer.loc["120115101", "share_within"] == pytest.approx(0.9)
    assert towns_layer.loc["120115101", "status"] == PASS  # target share 0.9, inclusive
    covered = res.layers["R3_covered"].geometry.iloc[0]
    if r3_areas == "road_band":
        # the covered polygon reaches 1,250 m each way along the road (15 min at 5 km/h),
        # plus the 60 m band
        assert covered.bounds[0] == pytest.approx(hm.X0 - 1250 - 60, abs=1)
        assert covered.bounds[2] == pytest.approx(hm.X0 + 1250 + 60, abs=1)
    else:
        # 100 m cells centred at odd multiples of 50 m from the clinic: a centre (x, y) is
        # within 15 min when |x| + |y| <= 1,250 m and |y| <= 1,000 m (the snap limit), so
        # the outermost covered cells are centred at x = ±1,150 and y = ±950
        assert covered.bounds == pytest.approx(
            (hm.X0 - 1200, hm.Y0 - 1000, hm.X0 + 1200, hm.Y0 + 1000), abs=1e-6)
    assert res.figures["covered_km2"] == round(covered.area / 1e6, 2)


# ------------------------------------------------------------------ R4
def _district(pop, area_side_m):
    import geopandas as gpd

    geom = hm.box(-2000, -area_side_m / 2, -2000 + area_side_m, area_side_m / 2)
    return gpd.GeoDataFrame({"district_id": ["120115"], "name": ["测试区"], "agricultural": [True],
                             "population": [pop]}, geometry=[geom], crs=hm.CRS)


@pytest.mark.parametrize("pop, qualifies", [(499_999, False), (500_000, True)])
def test_r4_thresholds_and_candidates(pop, qualifies):
    # area 20 km x 20 km = 400 km² (< 1,000): only the population decides
    towns = hm.townships([{"township_id": "T1", "name": "镇", "kind": "township",
                           "geometry": hm.box(-2000, -10000, 18000, 10000)}])
    # drive 60 km/h: 1 km/min. Hospital at x=-2,000; villages at 10 and 17 km east are
    # 12 and 19 min away... with a 10-minute limit both are hard to reach
    vills = hm.villages([
        {"village_id": "120115101201", "name": "近村", "township_id": "T1", "population": 1000, "x": 0},
        {"village_id": "120115101202", "name": "东村", "township_id": "T1", "population": 3000, "x": 10000},
        {"village_id": "120115101203", "name": "远村", "township_id": "T1", "population": 2000, "x": 17000},
    ])
    facs = hm.facilities([
        {"facility_id": "D1", "name": "区医院", "kind": "district_hospital", "level": "三级", "x": -2000},
        {"facility_id": "H1", "name": "东卫生院", "kind": "township_health_centre", "x": 11000, "central": True},
        {"facility_id": "H2", "name": "西卫生院", "kind": "township_health_centre", "x": 1000},
    ])
    rb = RB.with_values({"R4.hard_to_reach_minutes": 10.0})
    res = run("R4", hm.region(towns, vills, facs, districts=_district(pop, 20000)), rb)
    d = res.units.iloc[0]
    if not qualifies:
        assert d["status"] == NA
        return
    assert d["status"] == FAIL
    # access legs are 0 (villages on the road): 2 km -> 2 min, 12 km -> 12 min, 19 km -> 19 min
    assert d["hard_to_reach_residents"] == 5000
    cands = res.layers["R4_candidates"]
    assert list(cands["facility_id"]) == ["H1"]  # central first; reaches both within 10 min
    assert cands.iloc[0]["newly_within"] == 5000
    # minutes saved: (12 - 1) and (19 - 6) -> mean 12.0
    assert cands.iloc[0]["minutes_saved"] == pytest.approx(12.0, abs=0.01)


# ------------------------------------------------------------------ R5, R6, R7
def test_r5_district_hospitals_and_staffing():
    import geopandas as gpd

    towns = two_towns()
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "120115101",
                          "population": 10_000, "x": 0}])
    facs = hm.facilities([
        {"facility_id": "D1", "name": "区人民医院", "kind": "district_hospital", "level": "三级", "x": 6000,
         "nurses": 40, "gps": 3},
        {"facility_id": "T1", "name": "区中医医院", "kind": "tcm_hospital", "level": "二乙", "x": 7000},
        {"facility_id": "H1", "name": "甲卫生院", "kind": "township_health_centre", "x": 0,
         "public_health_staff": 0, "professional_staff": 20},
    ])
    d = gpd.GeoDataFrame({"district_id": ["X"], "name": ["某区"], "agricultural": [True],
                          "population": [10_000]}, geometry=[hm.box(-2000, -2000, 18000, 2000)], crs=hm.CRS)
    res = run("R5", hm.region(towns, vills, facs, districts=d))
    row = res.units.iloc[0]
    assert row["status"] == FAIL and "二甲" in row["reason"]  # 二乙 < 二甲
    assert res.layers["R5_centres"].iloc[0]["status"] == WARN
    assert res.figures["nurses_per_1000"] == pytest.approx(4.0)
    assert res.figures["gps_per_10000"] == pytest.approx(3.0)


@pytest.mark.parametrize("stations, status", [(1, FAIL), (2, PASS)])
def test_r6_one_station_per_four_committees(stations, status):
    towns = two_towns()
    vills = hm.villages([{"village_id": f"120115001{i:03d}", "name": f"社区{i}", "township_id": "120115001",
                          "population": 3000, "x": 6000 + 500 * i} for i in range(1, 6)])  # 5 committees
    facs = hm.facilities([{"facility_id": f"S{i}", "name": "站", "kind": "community_health_station",
                           "x": 6000 + 100 * i} for i in range(stations)])
    res = run("R6", hm.region(towns, vills, facs))
    assert set(res.units["status"]) == {status}
    assert res.units.iloc[0]["stations_needed"] == 2  # ceil(5 / 4)


def test_r7_membership_lead_and_contiguity():
    towns = hm.townships([
        {"township_id": f"T{i}", "name": f"镇{i}", "kind": "township",
         "geometry": hm.box(-2000 + 4000 * i, -2000, 2000 + 4000 * i, 2000)} for i in range(5)])
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "T0", "population": 1, "x": 0}])
    facs = hm.facilities([
        {"facility_id": "L", "name": "区医院", "kind": "district_hospital", "level": "三级", "group_id": "G1", "x": 0},
        {"facility_id": "A", "name": "镇0卫生院", "kind": "township_health_centre", "group_id": "G1", "x": 100},
        {"facility_id": "B", "name": "镇1卫生院", "kind": "township_health_centre", "group_id": "G1", "x": 4000},
        {"facility_id": "C", "name": "镇3卫生院", "kind": "township_health_centre", "group_id": "G1", "x": 12000},
        {"facility_id": "D", "name": "镇4卫生院", "kind": "township_health_centre", "x": 16000},
    ])
    res = run("R7", hm.region(towns, vills, facs))
    u = res.units.set_index("unit_id")
    assert u.loc["D", "status"] == FAIL and "未加入" in u.loc["D", "reason"]
    assert u.loc["C", "drive_minutes_to_lead"] == pytest.approx(12.0, abs=0.01)  # 12 km at 60 km/h
    assert u.loc["A", "status"] == PASS
    g = res.layers["R7_groups"].set_index("group_id").loc["G1"]
    assert not g["contiguous"] and "不连片" in g["reason"]  # T0, T1 and T3: two pieces


def test_r7_without_group_data_cannot_be_checked():
    towns = two_towns()
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "120115101", "population": 1, "x": 0}])
    facs = hm.facilities([{"facility_id": "A", "name": "卫生院", "kind": "township_health_centre", "x": 0}])
    res = run("R7", hm.region(towns, vills, facs))
    assert set(res.units["status"]) == {UNKNOWN}  # never "all in a medical community"
    s = res.summary()
    assert (s["unknown"], s["passed"], s["failed"], s["not_applicable"]) == (1, 0, 0, 0)
    assert res.figures["missing_columns"] == ["group_id"] and "group_id" in res.units["reason"].iloc[0]


# ------------------------------------------------------------------ rulebook and assessment
def test_assessment_runs_every_rule_and_summarises():
    towns = two_towns()
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "120115101",
                          "population": 700, "x": 0}])
    facs = hm.facilities([{"facility_id": "A", "name": "卫生院", "kind": "township_health_centre", "x": 0}])
    a = assess(hm.region(towns, vills, facs))
    s = a.summary()
    assert [r["id"] for r in s["rules"]] == ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    r2 = s["rules"][1]
    assert (r2["units"], r2["failed"], r2["population_in_gap"]) == (1, 1, 700)
    assert {"R1_townships", "R2_villages", "R3_covered", "R4_districts", "R7_centres",
            "R8_villages", "R8_townships"} <= set(a.layers())


def test_rulebook_errors_name_the_key(tmp_path):
    bad = tmp_path / "rb.toml"
    bad.write_text("[R2]\nmax_distance_m = 'far'\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"R2\.max_distance_m must be a number"):
        load_rulebook(bad)
    bad.write_text("[R2]\nradius = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown rulebook key R2\.radius"):
        load_rulebook(bad)
    bad.write_text("[R3.mode]\nvalue = 'bike'\n", encoding="utf-8")
    with pytest.raises(InputError, match="walk, ebike, drive"):
        load_rulebook(bad)
    good = tmp_path / "ok.toml"
    good.write_text("[R2.max_distance_m]\nvalue = 1400\n", encoding="utf-8")
    rb = load_rulebook(good)
    assert rb["R2"]["max_distance_m"] == 1400.0 and rb["R3"]["max_minutes"] == 15.0
    assert [k.name for k in rb.changed()] == ["max_distance_m"]


def test_districts_inferred_from_townships_without_a_districts_layer():
    from planning.rules.base import district_table

    towns = hm.townships([
        {"township_id": "T1", "name": "甲镇", "kind": "township", "district": "农区",
         "geometry": hm.box(-2000, -2000, 3000, 2000)},
        {"township_id": "T2", "name": "乙街道", "kind": "street", "district": "城区",
         "geometry": hm.box(3000, -2000, 8000, 2000)},
        {"township_id": "T3", "name": "丙街道", "kind": "street", "district": "农区",
         "geometry": hm.box(-7000, -2000, -2000, 2000)},
    ])
    vills = hm.villages([
        {"village_id": "120115101201", "name": "一村", "township_id": "T1", "population": 700, "x": 0},
        {"village_id": "120115101001", "name": "二社区", "township_id": "T2", "population": 5000, "x": 5000},
        {"village_id": "120115102001", "name": "三社区", "township_id": "T3", "population": 300, "x": -5000},
    ])
    d = district_table(hm.region(towns, vills, hm.facilities([]))).set_index("district_id")
    assert d.loc["农区", "agricultural"] and not d.loc["城区", "agricultural"]
    assert d.loc["农区", "population"] == 1000 and d.loc["城区", "population"] == 5000
    assert d.loc["农区", "area_km2"] == pytest.approx(40.0)  # two 5 km x 4 km townships


def test_a_region_without_any_facility_is_all_gaps_not_a_crash():
    towns = two_towns()
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "120115101",
                          "population": 650, "x": 0}])
    s = {r["id"]: r for r in assess(hm.region(towns, vills, hm.facilities([]))).summary()["rules"]}
    assert (s["R1"]["failed"], s["R2"]["failed"], s["R3"]["failed"]) == (2, 1, 1)
    assert s["R2"]["population_in_gap"] == 650 and s["R3"]["population_in_gap"] == 650
    assert s["R7"]["units"] == 0


# ------------------------------------------------------------------ unknown residents
def test_partly_missing_population_counts_only_villages_with_figures():
    """Town A: a clinic at x = 0, villages at 500 m (800 residents), 600 m (unknown) and
    3,000 m (unknown, 36 min on foot); street B: one village at 10 km, unknown. R3 counts
    the 800 only and says three villages lack figures; A's share is 100 % of the known,
    B cannot be judged; R2's unknown-size gap is not sent to touring."""
    vills = hm.villages([
        {"village_id": "120115101201", "name": "一村", "township_id": "120115101", "population": 800, "x": 500},
        {"village_id": "120115101202", "name": "二村", "township_id": "120115101", "population": None, "x": 600},
        {"village_id": "120115101203", "name": "三村", "township_id": "120115101", "population": None, "x": 3000},
        {"village_id": "120115001201", "name": "四村", "township_id": "120115001", "population": None, "x": 10000},
    ])
    vills["population"] = vills["population"].astype(float)
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic", "x": 0}])
    region = hm.region(two_towns(), vills, facs)
    r3 = run("R3", region)
    s = r3.summary()
    assert (s["passed"], s["failed"], s["unknown"]) == (1, 0, 3)
    assert s["population"] == 800 and s["population_unknown"] == 3
    assert s["population_in_gap"] is None and s["population_in_gap_unknown"] == 3
    assert s["population_reason"] == "3个村无人口数据，人口数字只计有数据的1个村"
    assert r3.figures["share_within"] == 1.0 and r3.figures["residents"] == 800
    assert r3.figures["villages_without_population"] == 3
    towns = r3.layers["R3_townships"].set_index("township_id")
    assert towns.loc["120115101", "status"] == PASS and towns.loc["120115101", "population"] == 800
    assert towns.loc["120115001", "status"] == "unknown"
    u3 = r3.units.set_index("unit_id")
    assert "超过15分钟" in u3.loc["120115101203", "reason"] and "常住人口未知" in u3.loc["120115101203", "reason"]
    r2 = run("R2", region).units.set_index("unit_id")
    assert r2.loc["120115101203", "status"] == FAIL
    assert not r2.loc["120115101203", "action"].startswith("人口较少")
    assert np.isnan(r2.loc["120115101203", "population"])
    assert run("R2", region).summary()["population_in_gap"] is None
    assert region.summary()["population"] == 800 and region.summary()["population_unknown"] == 3


# ------------------------------------------------------------------ point-in-polygon joins
def test_within_polygons_matches_shapely_and_breaks_border_ties_by_order():
    """Each point gets the id of the polygon holding it (one STRtree query, #16): the
    same as shapely's own per-point ``intersects`` on random points; a point on the
    border of A and B goes to whichever comes first in the table; outside: NaN; the
    points' index is kept."""
    import geopandas as gpd
    import shapely
    from planning.region import within_polygons

    polys = gpd.GeoDataFrame({"tid": ["A", "B", "C"]}, geometry=[
        shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000),
        shapely.Polygon([(0, 1000), (2000, 1000), (1000, 3000)])], crs=hm.CRS)
    rng = np.random.default_rng(7)
    xy = np.vstack([rng.uniform(-500, 2500, (400, 2)) * [1, 1.3], [[1000, 500], [3000, 3000]]])
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), index=np.arange(len(xy)) * 10, crs=hm.CRS)
    got = within_polygons(pts, polys, "tid")
    assert got.index.equals(pts.index)
    for i, p in zip(pts.index, pts.geometry):
        holders = [t for t, g in zip(polys["tid"], polys.geometry) if g.intersects(p)]
        assert (got[i] == holders[0]) if holders else got.isna()[i]
    assert got[4000] == "A" and got.isna()[4010]                 # on A|B's border; outside
    assert within_polygons(pts, polys.iloc[::-1], "tid")[4000] == "B"
