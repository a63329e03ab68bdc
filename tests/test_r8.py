"""R8 (GPs within reach, E2SFCA) on hand-made regions where the ratios are worked out by
hand, and the properties that make it trustworthy (supply conserved, plain ratio
reproduced, unknown numbers never judged).

The hand-made road (handmade.py) runs along x; driving is 60 km/h, so one kilometre of
road is one minute. Villages and facilities lie on the road (no access legs).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import handmade as hm
from planning.rules import fca
from planning.travel.access import Access
from planning.errors import InputError
from planning.rules.rulebook import load_rulebook
from planning.rules import NA, PASS, RULES, UNKNOWN, WARN

RB = load_rulebook()
#: GPs by car, 8.5 minutes, no decay (plain 2SFCA), reference 6 per 10,000
NO_DECAY = {"R8.gp_mode": "drive", "R8.gp_minutes": 8.5, "R8.decay": "none",
            "R8.gps_per_10000": 6.0, "R8.village_doctor_mode": "drive",
            "R8.village_doctor_minutes": 8.5}


def towns():
    """Town A (x < 5 km) and street B (x >= 5 km), inside a longer road (-6 … 21 km)."""
    return hm.townships([
        {"township_id": "120115101", "name": "甲镇", "kind": "township", "geometry": hm.box(-5000, -2000, 5000, 2000)},
        {"township_id": "120115001", "name": "乙街道", "kind": "street", "geometry": hm.box(5000, -2000, 20000, 2000)},
    ])


def networks():
    return {m: hm.line_network(27_000, mode=m, x0=hm.X0 - 6_000) for m in ("walk", "ebike", "drive")}


def two_and_two(gps=(2, 1), pops=(1000, 3000), nurses=(3, 2), extra=()):
    """Villages V1 (x = 0) and V2 (x = 10 km); centres C1 (x = 2 km) and C2 (x = 9 km)."""
    vills = hm.villages([
        {"village_id": "120115101201", "name": "一村", "township_id": "120115101", "population": pops[0], "x": 0},
        {"village_id": "120115001001", "name": "二社区", "township_id": "120115001", "population": pops[1], "x": 10_000},
    ])
    facs = hm.facilities([
        {"facility_id": "C1", "name": "甲镇卫生院", "kind": "township_health_centre", "x": 2_000,
         "gps": gps[0], "nurses": nurses[0]},
        {"facility_id": "C2", "name": "乙社区卫生服务中心", "kind": "community_health_centre", "x": 9_000,
         "gps": gps[1], "nurses": nurses[1]},
        *extra,
    ])
    return hm.region(towns(), vills, facs, networks=networks())


def run(region, values=NO_DECAY):
    """R8's result with its words written in Chinese from its codes (as the outputs do)."""
    return RULES["R8"](region, RB.with_values(values), Access(region)).in_language("zh")


def by_id(result, layer="R8_villages", key="village_id"):
    return result.layers[layer].set_index(key)


# ------------------------------------------------------------------ the measure by hand
def test_two_villages_two_centres_plain_2sfca_by_hand():
    # 8.5 min by car: C1 (x=2) reaches V1 (2 min) and V2 (8 min); C2 (x=9) reaches V2
    # (1 min) but not V1 (9 min).  C1: 2 GPs / (1000 + 3000) = 5e-4 per resident;
    # C2: 1 GP / 3000.  V1 = 5e-4 -> 5.0 per 10,000; V2 = 5e-4 + 1/3000 -> 8.333
    res = run(two_and_two())
    v = by_id(res)
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx(5.0, abs=1e-4)
    assert v.at["120115001001", "gps_per_10000"] == pytest.approx(1e4 / 3000 + 5.0, abs=1e-4)
    assert (v.at["120115101201", "status"], v.at["120115001001", "status"]) == (WARN, PASS)
    assert list(v["gp_facilities"]) == [1, 2]
    assert v.at["120115101201", "minutes_to_gp"] == pytest.approx(2.0)
    # below the reference: V1's 1,000 residents, 0.1 GP short (6 - 5 per 10,000 x 1,000)
    assert v.at["120115101201", "residents_below"] == 1000
    assert v.at["120115101201", "gps_gap"] == pytest.approx(0.1)
    assert res.figures["residents_below_reference"] == 1000
    # the reference is city-wide: attention, never a failure
    assert res.summary()["failed"] == 0 and res.summary()["warned"] == 1
    # nurses the same way: C1 3 / 4000, C2 2 / 3000 -> V1 7.5e-4, V2 7.5e-4 + 6.667e-4 per resident
    assert v.at["120115101201", "nurses_per_1000"] == pytest.approx(0.75, abs=1e-4)
    assert v.at["120115001001", "nurses_per_1000"] == pytest.approx(0.75 + 2 / 3, abs=1e-4)


def test_time_bands_weight_far_pairs_by_hand():
    # 9.3 min in three bands (3.1 / 6.2 / 9.3 min) weighted 1, 0.68, 0.22:
    # C1-V1 2 min (1), C1-V2 8 min (0.22), C2-V1 9 min (0.22), C2-V2 1 min (1)
    res = run(two_and_two(), {**NO_DECAY, "R8.gp_minutes": 9.3, "R8.decay": "bands"})
    r1, r2 = 2 / (1000 + 0.22 * 3000), 1 / (0.22 * 1000 + 3000)
    v = by_id(res)
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx((r1 + 0.22 * r2) * 1e4, abs=1e-4)
    assert v.at["120115001001", "gps_per_10000"] == pytest.approx((0.22 * r1 + r2) * 1e4, abs=1e-4)
    f = by_id(res, "R8_facilities", "facility_id")
    assert f.at["C1", "served_population"] == pytest.approx(1660.0)
    assert f.at["C2", "gps_per_10000_served"] == pytest.approx(1e4 / 3220, abs=1e-4)


def test_supply_is_conserved_and_the_mean_is_the_plain_ratio():
    for values in (NO_DECAY, {**NO_DECAY, "R8.decay": "bands", "R8.gp_minutes": 9.3},
                   {**NO_DECAY, "R8.decay": "gaussian"}):
        res = run(two_and_two(gps=(7, 4), pops=(1234, 5678)), values)
        v = res.units
        total = float((v["population"] * v["gps_per_10000"] / 1e4).sum())
        assert total == pytest.approx(11.0, rel=1e-9)   # both centres reach someone
        f = res.figures
        assert f["gps_per_10000_within_reach"] == pytest.approx(f["gps_per_10000_plain"], rel=1e-6)


def test_township_and_district_tables_beside_the_plain_ratio():
    res = run(two_and_two())
    t = by_id(res, "R8_townships", "township_id")
    # 甲镇 holds V1 and C1: within reach 5.0, but C1's 2 GPs over its own 1,000 residents
    # give a plain 20 per 10,000 (C1 also serves V2 across the border)
    assert t.at["120115101", "gps_per_10000"] == pytest.approx(5.0, abs=1e-4)
    assert t.at["120115101", "gps_per_10000_plain"] == pytest.approx(20.0)
    assert t.at["120115101", "status"] == WARN
    assert t.at["120115101", "gps_needed"] == 1          # 0.1 GP short, rounded up
    assert "再有1名全科医生" in t.at["120115101", "action"]
    assert t.at["120115001", "status"] == PASS
    assert t.at["120115001", "gps_per_10000_plain"] == pytest.approx(1e4 / 3000, abs=1e-4)
    d = res.layers["R8_districts"]
    assert len(d) == 1 and d["population"].iloc[0] == 4000
    assert d["gps_per_10000"].iloc[0] == pytest.approx(3 / 4000 * 1e4)   # = plain ratio
    assert d["gps_per_10000_plain"].iloc[0] == pytest.approx(7.5)


def test_village_doctors_are_shown_without_a_status():
    # a clinic at x = 0.5 km with 2 village doctors: V1 is 0.5 min away, V2 9.5 min (> 8.5)
    region = two_and_two(extra=[{"facility_id": "V", "name": "一村卫生室", "kind": "village_clinic",
                                 "x": 500, "village_doctors": 2}])
    res = run(region)
    v = by_id(res)
    assert v.at["120115101201", "village_doctors_per_1000"] == pytest.approx(2.0)
    assert v.at["120115001001", "village_doctors_per_1000"] == 0
    c = res.layers["R8_clinics"]
    assert list(c["facility_id"]) == ["V"] and set(c["status"]) == {NA}
    assert c["served_population"].iloc[0] == 1000
    # the clinic's doctors do not enter the GP figures
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx(5.0, abs=1e-4)


# ------------------------------------------------------------------ unknown numbers
def test_missing_gp_count_makes_villages_that_depend_on_it_unknown_never_zero():
    res = run(two_and_two(gps=(2, None)))
    v = by_id(res)
    # C2 (count missing) reaches only V2: V2 cannot be judged, V1 is judged as before
    assert np.isnan(v.at["120115001001", "gps_per_10000"])
    assert v.at["120115001001", "status"] == UNKNOWN
    assert "乙社区卫生服务中心" in v.at["120115001001", "reason"]
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx(5.0, abs=1e-4)
    assert v.at["120115101201", "status"] == WARN
    assert res.summary()["unknown"] == 1
    assert any("乙社区卫生服务中心" in n.text("zh") for n in res.notes)
    f = by_id(res, "R8_facilities", "facility_id")
    assert f.at["C2", "status"] == UNKNOWN
    assert by_id(res, "R8_townships", "township_id").at["120115001", "status"] == UNKNOWN


def test_missing_population_is_unknown_and_neighbours_get_only_an_upper_bound():
    # V2's residents unknown: V2 is unknown; C1 serves V2 too, so V1's figure
    # (2 GPs / 1,000 counted residents = 20 per 10,000) is an upper bound: it would pass
    # the reference of 6, but that cannot be known
    res = run(two_and_two(pops=(1000, None)))
    v = by_id(res)
    assert v.at["120115001001", "status"] == UNKNOWN
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx(20.0)
    assert bool(v.at["120115101201", "upper_bound"])
    assert v.at["120115101201", "status"] == UNKNOWN
    # below the reference even as an upper bound: certainly below
    low = by_id(run(two_and_two(pops=(1000, None)), {**NO_DECAY, "R8.gps_per_10000": 25.0}))
    assert low.at["120115101201", "status"] == WARN
    assert "至多" in low.at["120115101201", "reason"]


# ------------------------------------------------------------------ the border
def test_villages_whose_catchment_crosses_the_region_outline_are_flagged():
    # the townships end at x = -5 km and 20 km, the road goes on: V1 (x = 0) leaves the
    # region in 5 min (< 8.5), V2 (x = 10) needs 10 min
    res = run(two_and_two())
    v = by_id(res)
    assert bool(v.at["120115101201", "near_border"]) and not bool(v.at["120115001001", "near_border"])
    assert "边界" in v.at["120115101201", "reason"]
    assert res.figures["villages_near_border"] == 1
    # a road clipped at the outline leaves nowhere: nothing is flagged
    region = two_and_two()
    region.networks = {m: hm.line_network(25_000, mode=m, x0=hm.X0 - 5_000) for m in ("walk", "ebike", "drive")}
    assert not run(region).units["near_border"].any()


# ------------------------------------------------------------------ pieces
def test_band_edges_are_inclusive_like_access_step_fn():
    from access import weights

    cutoff = 1800.0
    edges = fca.band_edges(cutoff, 3)
    assert list(edges) == [600.0, 1200.0, 1800.0]
    step = weights.step_fn(dict(zip(edges, (1.0, 0.68, 0.22))))
    cost = np.array([0.0, 599.9, 600.0, 600.1, 1200.0, 1799.0, 1800.0])
    got = fca.decay(cost, cutoff, "bands", (1.0, 0.68, 0.22))
    assert list(got) == [step(c) for c in cost] == [1.0, 1.0, 1.0, 0.68, 0.68, 0.22, 0.22]
    g = fca.decay(np.array([0.0, 900.0]), cutoff, "gaussian", sigma_share=0.5)
    assert g == pytest.approx([1.0, weights.gaussian(900.0)(900.0)])


def test_e2sfca_with_a_facility_reaching_no_one():
    w = sp.csr_matrix(np.array([[1.0, 0.5], [0.0, 0.0]]))
    out = fca.e2sfca(w, np.array([3.0, 5.0]), np.array([100.0, 200.0]))
    assert out.served == pytest.approx([200.0, 0.0])
    assert out.ratio == pytest.approx([0.015, 0.0])
    assert out.access == pytest.approx([0.015, 0.0075])
    assert (out.access * [100, 200]).sum() == pytest.approx(3.0)   # only the reaching one


def test_rulebook_refuses_a_bad_decay_and_bad_band_weights():
    with pytest.raises(InputError, match="R8.decay must be one of bands, gaussian, none"):
        RB.with_values({"R8.decay": "linear"})
    with pytest.raises(InputError, match="R8.band_weights must be a list of numbers"):
        RB.with_values({"R8.band_weights": []})
    with pytest.raises(InputError, match="unknown facility kinds"):
        RB.with_values({"R8.gp_kinds": ["clinic"]})


# ------------------------------------------------------------------ the demo, against PySAL access
@pytest.fixture(scope="module")
def demo():
    from planning.inputs import load_demo

    region = load_demo()
    return region, Access(region)


def _reference_e2sfca(gp, demand, supply, weight_fn, cutoff_s):
    """PySAL access's E2SFCA fed the engine's cost pairs (seconds)."""
    import pandas as pd
    from access import Access as PysalAccess

    c = gp.costs.tocoo()
    costs = pd.DataFrame({"origin": c.col, "dest": c.row, "cost": c.data})
    dem = pd.DataFrame({"geoid": np.arange(len(demand)), "pop": demand})
    sup = pd.DataFrame({"geoid": np.arange(len(supply)), "gps": supply})
    a = PysalAccess(demand_df=dem, demand_index="geoid", demand_value="pop",
                    supply_df=sup, supply_index="geoid", supply_value="gps",
                    cost_df=costs, cost_origin="origin", cost_dest="dest", cost_name="cost")
    out = a.enhanced_two_stage_fca(name="e2sfca", max_cost=cutoff_s, weight_fn=weight_fn)
    return out["e2sfca_gps"].reindex(np.arange(len(demand))).fillna(0.0).to_numpy()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The inplace keyword")   # inside access 1.1.10, on pandas 3
@pytest.mark.parametrize("decay", ["bands", "gaussian"])
def test_demo_equals_pysal_access_e2sfca_to_1e9(demo, decay):
    from access import weights

    from planning.rules.r8_staff_access import reach

    region, access = demo
    rb = RB.with_values({"R8.decay": decay})
    res = RULES["R8"](region, rb, access)
    gp = reach(region, access, rb, "gp")
    p = rb["R8"]
    cutoff = p["gp_minutes"] * 60.0
    # the same weights: bands as access's step function on the same edges (cost <= edge,
    # like the engine's inclusive cutoff), the Gaussian as access's gaussian(σ)
    fn = (weights.step_fn(dict(zip(fca.band_edges(cutoff, 3), p["band_weights"]))) if decay == "bands"
          else weights.gaussian(p["gaussian_sigma_share"] * cutoff))
    demand = region.villages["population"].to_numpy(float)
    ref = _reference_e2sfca(gp, demand, gp.facilities["gps"].to_numpy(float), fn, cutoff) * 1e4
    got = res.units["gps_per_10000"].to_numpy(float)
    assert np.isfinite(got).all() and (ref > 0).sum() > 700
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=0)
    # supply conserved on the demo: Σ residents × GPs per resident = GPs of centres reaching anyone
    assert (demand * got / 1e4).sum() == pytest.approx(res.figures["gps_reaching_anyone"], rel=1e-12)
    assert res.figures["gps_reaching_anyone"] == res.figures["gps_counted"]  # every centre reaches someone
    assert res.figures["gps_per_10000_within_reach"] == pytest.approx(res.figures["gps_per_10000_plain"],
                                                                      rel=1e-4)


@pytest.mark.slow
def test_demo_catchment_cutoff_is_inclusive_in_both(demo):
    # the engine keeps a pair exactly at the limit (cost <= cutoff), and so does access
    # 1.1.10 (weighted_catchment filters cost <= max_cost): set the cutoff to a pair's
    # own cost and that pair stays in both
    from access import weights

    region, access = demo
    from planning.rules.r8_staff_access import reach

    gp = reach(region, access, RB, "gp")
    edge = float(np.sort(gp.costs.data)[len(gp.costs.data) // 2])
    sub = access.catchment("ebike", gp.facilities, "time", edge)
    assert (sub.data == edge).sum() >= 1 and sub.data.max() == edge
    import pandas as pd
    from access import fca as pysal_fca

    c = sub.tocoo()
    kept = pysal_fca.weighted_catchment(
        pd.DataFrame({"geoid": np.arange(sub.shape[1]), "pop": 1.0}),
        pd.DataFrame({"origin": c.col, "dest": c.row, "cost": c.data}), max_cost=edge,
        cost_source="origin", cost_dest="dest", cost_cost="cost", loc_index="geoid",
        loc_value="pop", weight_fn=weights.step_fn({edge: 1.0}))
    assert kept.sum() == sub.nnz


# ------------------------------------------------------------------ scenarios
def test_scenario_staff_edits_update_r8_by_hand_and_search_only_new_facilities(tmp_path, monkeypatch):
    from planning.rules.assess import assess
    from planning.travel.engine import TravelEngine
    from planning.plan.scenario import Scenario

    region = two_and_two()
    rb = RB.with_values(NO_DECAY)
    sc = Scenario(region, rulebook=rb)
    sc.base_assessment(["R8"])
    searched = []
    real = TravelEngine.catchment_matrix

    def counting(self, facilities_xy, origins_xy, cutoff, weight="length"):
        searched.append(len(facilities_xy))
        return real(self, facilities_xy, origins_xy, cutoff, weight)

    monkeypatch.setattr(TravelEngine, "catchment_matrix", counting)
    # two more GPs at C2 (3 in all): V2 = 2/4000 + 3/3000 per resident -> 15 per 10,000
    sc.add_staff("C2", gps=2)
    v = by_id(sc.assess(["R8"]).results["R8"])
    assert v.at["120115001001", "gps_per_10000"] == pytest.approx(15.0)
    assert searched == []                        # a staff edit searches nothing
    # a station with 4 GPs at V1 (x = 0): it reaches V1 (0 min) and not V2 (10 min):
    # V1 = 2/4000 + 4/1000 per resident -> 45 per 10,000
    fid = sc.add_facility("community_health_station", x=hm.X0, y=hm.Y0, staff={"gps": 4})
    after = sc.assess(["R8"])
    v = by_id(after.results["R8"])
    assert v.at["120115101201", "gps_per_10000"] == pytest.approx(45.0)
    assert searched == [1]                       # only the new station (a GP kind) is searched
    fresh = assess(sc.apply(), rb, Access(sc.apply()), rules=["R8"]).results["R8"].units
    np.testing.assert_allclose(after.results["R8"].units["gps_per_10000"], fresh["gps_per_10000"], rtol=1e-12)
    assert [e.describe() for e in sc.active] == ["机构 C2 增加全科医生2名",
                                                 "新增社区卫生服务站：一村社区卫生服务站（全科医生4名）"]
    sc.add_staff(fid, gps=-1)
    assert by_id(sc.assess(["R8"]).results["R8"]).at["120115101201", "gps_per_10000"] == pytest.approx(35.0)
    # saved and loaded, the staff edits come back
    path = sc.save(tmp_path / "s.gpkg")
    again = Scenario.load(path, region, rulebook=rb)
    assert [e.value for e in again.active] == [{"gps": 2}, {"gps": 4}, {"gps": -1}]
    assert by_id(again.assess(["R8"]).results["R8"]).at["120115101201", "gps_per_10000"] == pytest.approx(35.0)


def test_scenario_staff_edits_refuse_what_cannot_be_added():
    from planning.plan.scenario import Scenario

    sc = Scenario(two_and_two(gps=(2, None)), rulebook=RB.with_values(NO_DECAY))
    with pytest.raises(InputError, match="unknown staff column 'doctors2'"):
        sc.add_staff("C1", doctors2=1)
    with pytest.raises(InputError, match="gps of facility 'C2'.*unknown"):
        sc.add_staff("C2", gps=1)
    with pytest.raises(InputError, match="cannot take away 3"):
        sc.add_staff("C1", gps=-3)
    with pytest.raises(InputError, match="whole number"):
        sc.add_staff("C1", gps=1.5)
    with pytest.raises(InputError, match="no open facility"):
        sc.add_staff("X9", gps=1)
    with pytest.raises(InputError, match="whole number >= 0"):
        sc.add_facility("community_health_station", x=hm.X0, y=hm.Y0, staff={"gps": -2})
    assert sc.active == []


# ------------------------------------------------------------------ where more GPs help most
def test_suggest_staff_by_hand_greedy_equals_exact():
    from planning.plan.staffing import build_staff_instance, suggest_staff

    # reference 9 per 10,000: V1 has 5.0 (short 4), V2 8.333 (short 0.667).  One GP at C1
    # adds 2.5 to both (lifts V2: 3,000), at C2 3.333 to V2 (lifts V2), a new site at V1
    # 10 to V1 (lifts 1,000).  Two GPs at C1 add 5 to both: everyone (4,000).
    region = two_and_two()
    rb = RB.with_values({**NO_DECAY, "R8.gps_per_10000": 9.0})
    inst = build_staff_instance(region, rulebook=rb)
    assert list(inst.sites["id"]) == ["C1", "C2", "village:120115101201", "village:120115001001"]
    gain = inst.gain.toarray()
    assert gain[:, 0] == pytest.approx([2.5, 2.5]) and gain[:, 1] == pytest.approx([0, 1e4 / 3000])
    assert gain[:, 2] == pytest.approx([10.0, 0.0])
    one = suggest_staff(region, 1, rulebook=rb, instance=inst)
    assert list(one.sites["id"]) == ["C1"] and one.sites["newly_covered"].iloc[0] == 3000
    two = suggest_staff(region, 2, rulebook=rb, instance=inst, method="exact")
    assert two.optimality_gap == 0.0
    assert list(two.curve["covered"]) == [0.0, 3000.0, 4000.0]
    assert list(two.curve["share"]) == [0.0, 0.75, 1.0]
    assert two.sites["gps"].sum() == 2
    edits = suggest_staff(region, 2, rulebook=rb, instance=inst).edits()
    assert [(e.op, e.facility_id, e.value) for e in edits] == [("staff", "C1", {"gps": 2})]
    with pytest.raises(InputError, match="at least 1"):
        suggest_staff(region, 0, rulebook=rb, instance=inst)


@pytest.mark.slow
def test_demo_suggested_staff_applied_as_a_scenario_reaches_the_curve(demo):
    from planning.plan.scenario import Scenario
    from planning.plan.staffing import suggest_staff

    region, access = demo
    s = suggest_staff(region, 12, access=access)
    assert s.sites["gps"].sum() == 12 and s.sites["existing"].any() and (~s.sites["existing"]).any()
    covered = s.curve["covered"].to_numpy()
    assert (np.diff(covered) >= 0).all() and covered[-1] > covered[0]
    sc = Scenario(region, access=access)
    for e in s.edits():
        sc.push(e)
    after = sc.assess(["R8"]).results["R8"].figures
    assert after["residents_at_or_above_reference"] == pytest.approx(covered[-1])


@pytest.mark.slow
def test_suggest_command_for_r8_writes_sites_and_the_curve(tmp_path):
    import json
    import subprocess
    import sys

    import pyogrio

    from planning import cli, settings

    out, js = tmp_path / "staff.gpkg", tmp_path / "staff.json"
    run = subprocess.run([sys.executable, "-m", "planning", "suggest", "--rule", "R8", "--staff", "4",
                          "--where", "existing", "--out", str(out), "--summary", str(js)],
                         capture_output=True, text=True, cwd=settings.ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    data = json.loads(js.read_text(encoding="utf-8"))
    assert sum(s["gps"] for s in data["sites"]) == 4 and all(s["existing"] for s in data["sites"])
    assert [c["k"] for c in data["curve"]] == [0, 1, 2, 3, 4]
    assert {n for n, _ in pyogrio.list_layers(out)} == {"suggested_staff", "coverage_curve"}
    assert "residents at or above the reference" in run.stdout
    assert cli.build_parser().parse_args(["bench", "--task", "r8"]).task == "r8"


# ------------------------------------------------------------------ exports
@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp", "kml", "xlsx"])
def test_r8_layers_export_in_every_format(tmp_path, fmt):
    import openpyxl
    import pyogrio

    from planning.outputs.export import FORMATS, export_layers, shapefile_field_names

    res = run(two_and_two(gps=(2, None)))
    layers = {k: res.layers[k] for k in ("R8_villages", "R8_townships")}
    path = export_layers(layers, tmp_path / f"r8{FORMATS[fmt].multi_suffix}", lang="zh")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        assert book.sheetnames[:2] == ["R8_villages", "R8_townships"]
        header = [c.value for c in book["R8_villages"][1]]
        assert "可达全科医生(每万人)" in header and "状态" in header
        rows = list(book["R8_villages"].iter_rows(min_row=2, values_only=True))
        status = {r[header.index("村代码")]: r[header.index("状态")] for r in rows}
        assert status == {"120115101201": "需关注", "120115001001": "无法检查"}
        return
    if fmt == "geojson":
        import zipfile

        names = set(zipfile.ZipFile(path).namelist())
        assert {"R8_villages.geojson", "R8_townships.geojson"} <= names
        back = gpd_read(f"/vsizip/{path}/R8_villages.geojson")
    elif fmt == "shp":
        fields = shapefile_field_names(list(layers["R8_townships"].columns))
        assert len(set(fields.values())) == len(fields)
        assert fields["gps_per_10000"] == "gp_10k" and fields["gps_per_10000_plain"] == "gp_10k_pln"
        back = gpd_read(f"/vsizip/{path}/R8_villages.shp")
    else:
        assert {"R8_villages", "R8_townships"} <= {n for n, _ in pyogrio.list_layers(path)}
        back = gpd_read(path, layer="R8_villages")
    assert len(back) == 2 and back.crs.to_epsg() == 4326
    assert set(back["status"]) == {"需关注", "无法检查"}


def gpd_read(path, **kw):
    import geopandas as gpd

    return gpd.read_file(path, **kw)


@pytest.mark.slow
def test_report_explains_r8_in_one_sentence_with_the_clause_in_both_languages(demo, tmp_path):
    import docx

    from planning.outputs.report import build_report

    region, access = demo
    for lang, words in (("zh", ("计算方法：", "（004 §三(二)）", "各乡镇（街道）可达全科医生（每万人）")),
                        ("en", ("How it is counted:", "(004 §三(二))", "GPs per 10,000 within reach, by township"))):
        out = build_report(region, township="大口屯镇", out=tmp_path / f"r8_{lang}.docx", lang=lang, dpi=40)
        doc = docx.Document(str(out))
        text = "\n".join(p.text for p in doc.paragraphs)
        for w in words:
            assert w in text, (lang, w)
        table = next(t for t in doc.tables if t.rows[0].cells[0].text in ("乡镇（街道）", "township"))
        assert [r.cells[0].text for r in table.rows[1:]] == ["大口屯镇"]
