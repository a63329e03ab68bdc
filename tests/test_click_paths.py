"""What a what-if click skips or re-solves only in part (issue #16, the incremental path).

* :class:`planning.rules.base.Layers`: a layer given as a callable is made on first read,
  once, whichever way it is read (``[]``, ``get``, ``items``, ``dict(...)``, pickling);
* R3 with ``settings.R3_AREAS = "surface"`` reports its areas as cell counts and draws
  its area polygons only when a layer is read — equal to what they were made eagerly.

The exactness of the incremental paths against a fresh assessment, step by step, is the
property test in ``test_scenario_edits.py``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

import pytest

from planning import settings
from planning.rules import RULES
from planning.rules.base import Layers
from planning.rules.rulebook import load_rulebook
from planning.travel.access import Access
from planning.travel.engine import TravelEngine
from test_surface import line_region

RB = load_rulebook()


def test_layers_made_once_on_first_read_whichever_way():
    calls = []

    def make():
        calls.append(1)
        return "made"

    for read in (lambda x: x["b"], lambda x: x.get("b"), lambda x: dict(x.items())["b"],
                 lambda x: dict(x)["b"], lambda x: {**x}["b"], lambda x: x.values()[1],
                 lambda x: pickle.loads(pickle.dumps(x))["b"], lambda x: x.copy()["b"]):
        calls.clear()
        layers = Layers({"a": 1, "b": make})
        assert layers.pending() == ["b"]
        assert read(layers) == "made"
        assert layers["b"] == "made" and layers.pending() == [] and calls == [1]
    assert Layers({"a": 1}).get("missing", 5) == 5


def test_r3_surface_areas_are_cell_counts_and_polygons_are_drawn_when_read(monkeypatch):
    """Line region (see test_surface): 15 min on foot reaches the cells counted there by
    hand; the figure comes from the cell count before any polygon is drawn, and the
    polygons drawn on reading have exactly that area."""
    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    region = line_region()
    res = RULES["R3"](region, RB, Access(region))
    tables = ["R3_townships", "R3_villages"]            # made when read too (a click reads neither)
    assert sorted(res.layers.pending()) == sorted(["R3_covered", "R3_uncovered", *tables])
    covered_km2, uncovered_km2 = res.figures["covered_km2"], res.figures["uncovered_km2"]
    assert covered_km2 + uncovered_km2 == pytest.approx(9.0)     # the 3 km × 3 km township
    covered = res.layers["R3_covered"]
    assert sorted(res.layers.pending()) == sorted(["R3_uncovered", *tables])
    assert covered["status"].tolist() == ["pass"] and covered.crs == region.villages.crs
    assert covered.geometry.iloc[0].area / 1e6 == pytest.approx(covered_km2, abs=1e-9)
    assert res.layers["R3_uncovered"].geometry.iloc[0].area / 1e6 == pytest.approx(
        uncovered_km2, abs=1e-9)
    # the road band (the other setting) draws its polygons at once
    monkeypatch.setattr(settings, "R3_AREAS", "road_band")
    assert sorted(RULES["R3"](region, RB, Access(region)).layers.pending()) == tables


@pytest.fixture(scope="module")
def demo_walk():
    from planning.inputs import load_demo

    region = load_demo()
    return region, Access(region).engine("walk")


def test_incremental_nearest_rereads_only_what_an_edit_reaches(demo_walk):
    """Random adds (many beside origins, on their own road), moves and closes on the
    demo's walking network: after each edit the origins re-read in part equal a full
    re-read of the node table exactly, and the costs equal the engine's ``nearest`` of
    the open facilities computed afresh."""
    from planning.travel.incremental import IncrementalNearest

    region, engine = demo_walk
    rng = np.random.default_rng(16)
    minx, miny, maxx, maxy = region.townships.total_bounds
    origins = np.column_stack([rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)])
    clinics = region.facilities[region.facilities["kind"] == "village_clinic"]
    start = np.column_stack([clinics.geometry.x, clinics.geometry.y])[:60]
    acc = IncrementalNearest(engine, origins, start, weight="time")
    others = origins[:1000] + rng.uniform(-200, 200, (1000, 2))    # followed beside them
    followed = acc.follow(others)
    xy = {i: tuple(p) for i, p in enumerate(start)}
    for step in range(24):
        op = ("add", "move", "close")[step % 3]
        if op == "add":       # beside an origin: often on the same road as some origins
            p = origins[rng.integers(len(origins))] + rng.uniform(-30, 30, 2)
            xy[acc.add(p)] = tuple(p)
        else:
            fid = int(rng.choice(list(xy)))
            if op == "move":
                p = np.asarray(xy[fid]) + rng.uniform(-400, 400, 2)
                acc.move(fid, p)
                xy[fid] = tuple(p)
            else:
                acc.close(fid)
                del xy[fid]
        keys = list(xy)
        for held, points in ((acc, origins), (followed, others)):
            whole = acc._answers(held._o)                   # the full re-read
            np.testing.assert_array_equal(held.nearest_cost, whole[0])
            np.testing.assert_array_equal(held.nearest_id, whole[1])
            fresh, _ = engine.nearest(engine.snap(points), np.array([xy[k] for k in keys]),
                                      "time")
            np.testing.assert_allclose(held.nearest_cost, fresh, rtol=1e-9, atol=1e-6)
    assert len(followed.changes) == len(acc.changes) == 24


def test_an_edit_between_two_busy_junctions_reaches_the_origins_on_its_road():
    """One 1,000 m road A(0, 0) – B(1,000, 0), facilities at both ends, an origin 10 m off
    its middle (510 m from each: 10 m leg + 500 m). A clinic opened 20 m along from
    the origin changes no junction's entry (both ends keep their own facility at 0 m),
    yet the origin now reaches it straight along the road; closing or moving it again
    changes no junction either, and the origin must fall back or follow."""
    from planning.travel.incremental import IncrementalNearest
    from test_engine import make_net, two_way

    eng = TravelEngine.from_network(make_net([(0, 0), (1000, 0)], two_way(0, 1, 1000)))
    acc = IncrementalNearest(eng, [[500, 10]], [[0, 0], [1000, 0]])
    assert acc.nearest_cost[0] == pytest.approx(510)
    new = acc.add([520, 0])
    assert acc.nearest_id[0] == new and acc.nearest_cost[0] == pytest.approx(30)
    acc.move(new, [450, 0])
    assert acc.nearest_id[0] == new and acc.nearest_cost[0] == pytest.approx(60)
    acc.close(new)
    assert acc.nearest_id[0] in (0, 1) and acc.nearest_cost[0] == pytest.approx(510)


def test_r5_districts_judged_once_per_inputs_on_one_access():
    """R5's district verdicts are kept on the access by a key of what they read: the
    same region and rulebook reuse them, a rulebook with another TCM level, or a
    hospital raised to 二甲 in the region, gets its own verdict (the hand-made district
    of test_rules: its TCM hospital is 二乙)."""
    import geopandas as gpd
    import handmade as hm

    towns = hm.townships([{"township_id": "120115101", "name": "甲镇", "kind": "township",
                           "geometry": hm.box(-2000, -2000, 18000, 2000)}])
    vills = hm.villages([{"village_id": "120115101201", "name": "村", "township_id": "120115101",
                          "population": 10_000, "x": 0}])

    def facilities(tcm_level):
        return hm.facilities([
            {"facility_id": "D1", "name": "区人民医院", "kind": "district_hospital", "level": "三级",
             "x": 6000, "nurses": 40, "gps": 3},
            {"facility_id": "T1", "name": "区中医医院", "kind": "tcm_hospital", "level": tcm_level,
             "x": 7000}])

    d = gpd.GeoDataFrame({"district_id": ["X"], "name": ["某区"], "agricultural": [True],
                          "population": [10_000]}, geometry=[hm.box(-2000, -2000, 18000, 2000)],
                         crs=hm.CRS)
    region = hm.region(towns, vills, facilities("二乙"), districts=d)
    access = Access(region)
    first = RULES["R5"](region, RB, access)
    assert first.units["status"].tolist() == ["fail"] and "R5.no_tcm" in first.units["reason_code"][0]
    assert RULES["R5"](region, RB, access).units is first.units           # kept
    lower = RB.with_values({"R5.require_tcm_level": "二乙"})
    assert RULES["R5"](region, lower, access).units["status"].tolist() == ["pass"]
    raised = hm.region(towns, vills, facilities("二甲"), districts=d)    # as a scenario would
    assert RULES["R5"](raised, RB, access.for_scenarios().bind(raised)).units["status"] \
        .tolist() == ["pass"]


def _edit(sc, op: str, i: int, clinics, vil) -> None:
    """One step of a scenario: add a clinic 120 m east / 60 m north of village ``i``, move
    clinic ``i`` 250 m east / 90 m south, close clinic ``i``, or undo."""
    if op == "add":
        sc.add_facility("village_clinic", vil.iloc[i].x + 120.0, vil.iloc[i].y + 60.0)
    elif op == "move":
        f = clinics.iloc[i]
        sc.move_facility(f["facility_id"], f.geometry.x + 250.0, f.geometry.y - 90.0)
    elif op == "close":
        sc.close_facility(clinics.iloc[i]["facility_id"])
    else:
        assert op == "undo" and sc.undo()


def test_scenario_surface_updated_in_part_equals_the_surface_drawn_whole(demo_walk, monkeypatch):
    """Adds, moves and closes (closing renumbers the facilities after the closed one) on
    the demo: the surface a scenario redraws in part has the same minutes, states and
    facility index in every cell as the whole surface drawn from the same answers, and
    the same minutes and states as a surface computed afresh."""
    from planning.plan.scenario import Scenario
    from planning.rules import r3_health_circle
    from planning.travel.access import _items
    from planning.travel.surface import surface_of

    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    region, _ = demo_walk
    sc = Scenario(region, rulebook=RB, access=Access(region))
    sa = sc._scenario_access
    clinics = region.facilities[region.facilities["kind"] == "village_clinic"]
    vil = region.villages.geometry
    steps = [("add", 3), ("close", 5), ("move", 7), ("close", 2), ("add", 40), ("move", 11)]
    for op, i in steps:
        _edit(sc, op, i, clinics, vil)
        edited = sc.apply()
        part = r3_health_circle.surface(edited, RB, sa.bind(edited))
        (slot,) = sa._slots[("walk", "time")]     # the villages' slot follows the cells
        facs = r3_health_circle.facilities_of(edited, RB["R3"]["facility_kinds"])
        position = {f: j for j, f in enumerate(_items(facs))}
        to_row = np.array([position.get(f, -1) for f in slot.ids])
        cells = next(v for k, v in sa._static.items() if k[0] == "surface cells")
        answers = slot.follow(cells)
        nid = answers.nearest_id
        whole = surface_of(cells, answers.nearest_cost,
                           np.where(nid >= 0, to_row[np.maximum(nid, 0)], -1), "walk",
                           cap_minutes=part.cap_minutes)
        for name in ("minutes", "state", "facility"):
            np.testing.assert_array_equal(getattr(part, name), getattr(whole, name), err_msg=name)
        fresh = r3_health_circle.surface(edited, RB, Access(edited))
        np.testing.assert_array_equal(part.minutes, fresh.minutes)
        np.testing.assert_array_equal(part.state, fresh.state)


def test_village_edits_reach_the_rows_r2_keeps():
    """R2 keeps each committee's row by the values it follows from: a service mode or a
    population set in a scenario, and undone, gives the rows a fresh assessment gives
    (the hand-made grid region of the edit property test; four committees edited)."""
    from planning.plan.scenario import Scenario
    from planning.rules.assess import assess
    from test_scenario_edits import assert_same, small_region

    sc = Scenario(small_region(), rulebook=RB)
    units = sc.assess(["R2", "R3"]).results["R2"].units
    gaps_first = units.sort_values("coverage", key=lambda c: c != "gap")["unit_id"]
    assert units["coverage"].eq("gap").any()
    for i, vid in enumerate(gaps_first[:4]):
        sc.set_service_mode(vid, None if i % 2 else "touring")
        sc.set_population(vid, 150 + 400 * i)
        region = sc.apply()
        assert_same(sc.assess(["R2", "R3"]), assess(region, RB, Access(region), rules=["R2", "R3"]))
    assert sc.assess(["R2"]).results["R2"].units["coverage"].eq("served").sum() >= 1
    while sc.undo():
        region = sc.apply()
        assert_same(sc.assess(["R2", "R3"]), assess(region, RB, Access(region), rules=["R2", "R3"]))


def test_scenario_surface_counts_kept_through_patches_equal_a_fresh_surface(demo_walk, monkeypatch):
    """R3's areas after each click come from the scenario surface's counts, kept patch by
    patch without making its grids (chains of at most two patches here, so the chain is
    also cut and its grids made on the way): after each of adds, moves and closes on the
    demo, and after undoing, the counts per state, the cells within 15 minutes and R3's
    areas equal those of a surface computed afresh; the grids made afterwards, newest
    first, equal the fresh ones cell for cell."""
    from planning.plan.scenario import Scenario
    from planning.rules import r3_health_circle
    from planning.rules.assess import assess
    from planning.travel import access as access_module

    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    monkeypatch.setattr(access_module, "SURFACE_PATCHES_KEPT", 2)
    region, _ = demo_walk
    base = Access(region)
    sc = Scenario(region, rulebook=RB, access=base)
    sa = sc.scenario_access
    clinics = region.facilities[region.facilities["kind"] == "village_clinic"]
    vil = region.villages.geometry

    def fresh_of(edited):
        a = Access(edited)
        a._engines, a._villages, a._static = base._engines, base._villages, base._static
        return a

    kept, patched = [], 0
    steps = [("add", 3), ("close", 5), ("move", 7), ("close", 2), ("add", 40), ("move", 11),
             ("undo", 0), ("undo", 0), ("add", 90)]
    for op, i in steps:
        _edit(sc, op, i, clinics, vil)
        edited = sc.apply()
        after = sc.assess(["R3"]).results["R3"].figures
        s = r3_health_circle.surface(edited, RB, sa.bind(edited))
        patched += s._arrays is None                  # counted from a patch, no grids made
        fresh_access = fresh_of(edited)
        ref = assess(edited, RB, fresh_access, rules=["R3"]).results["R3"].figures
        assert (after["covered_km2"], after["uncovered_km2"]) == \
            (ref["covered_km2"], ref["uncovered_km2"]), (op, i)
        fresh = r3_health_circle.surface(edited, RB, fresh_access)
        assert s.counts() == fresh.counts(), (op, i)
        assert s.area_within_km2(15) == fresh.area_within_km2(15)
        assert s.area_within_km2(7.5) == fresh.area_within_km2(7.5)
        kept.append((s, fresh))
    assert patched >= 5
    for s, fresh in reversed(kept):                   # grids made from the patches
        for name in ("minutes", "state", "facility"):
            np.testing.assert_array_equal(getattr(s, name), getattr(fresh, name), err_msg=name)
    s, fresh = kept[-1]
    assert pickle.loads(pickle.dumps(s)).counts() == fresh.counts()


def test_r5_rerun_only_by_edits_that_change_what_it_reads(demo_walk):
    """R5 judges district and TCM hospitals and township centres and sums staff over
    every facility: adding a clinic without staff or moving one leaves its result (the
    same object is reused); opening one with GPs, closing one that has village doctors,
    and adding staff re-run it — and after every step it equals R5 on the edited region
    assessed afresh (GPs counted: the demo's plus the 2 opened with the clinic)."""
    from planning.plan.scenario import Scenario
    from planning.rules.assess import assess

    region, _ = demo_walk
    sc = Scenario(region, rulebook=RB, access=Access(region))
    base = sc.base_assessment(["R5"]).results["R5"]
    gps = base.figures["gps_counted"]
    clinics = region.facilities[region.facilities["kind"] == "village_clinic"]
    assert clinics["village_doctors"].notna().all()
    v = region.villages.geometry.iloc[10]
    centre = region.facilities[region.facilities["kind"] == "township_health_centre"].iloc[0]
    steps = [(lambda: sc.add_facility("village_clinic", v.x + 90.0, v.y), False),
             (lambda: sc.move_facility(clinics.iloc[3]["facility_id"], v.x - 200.0, v.y), False),
             (lambda: sc.add_facility("village_clinic", v.x, v.y + 300.0, staff={"gps": 2}), True),
             (lambda: sc.close_facility("new-1"), False),
             (lambda: sc.close_facility(clinics.iloc[5]["facility_id"]), True),
             (lambda: sc.add_staff(centre["facility_id"], gps=1), True)]
    before = base
    for edit, rerun in steps:
        edit()
        got = sc.assess(["R5"]).results["R5"]
        assert (got is not before) == rerun
        fresh = assess(sc.apply(), RB, Access(sc.apply()), rules=["R5"]).results["R5"]
        assert got.summary("en") == fresh.summary("en")
        before = got
    assert before.figures["gps_counted"] == gps + 2 + 1
    sc.undo()
    assert sc.assess(["R5"]).results["R5"].figures["gps_counted"] == gps + 2


def test_edits_applied_at_once_equal_edits_applied_one_by_one(demo_walk):
    """apply_edits folds every edit of a facility into its final state and touches the
    table once: the region after moving a clinic twice, adding staff to a centre twice,
    closing a clinic, adding two clinics (one with staff, then moved and given more) and
    closing one of them, and setting a village's service mode and then clearing it, is
    the region got by applying the edits one at a time — the moved clinic where it was
    moved last, the centre's GPs +3, the added one's GPs 2 + 1."""
    from planning.plan.edits import Edit, apply_edits, validate_edit

    region, _ = demo_walk
    fac = region.facilities
    clinic, other = fac[fac["kind"] == "village_clinic"].iloc[[0, 1]].itertuples()
    centre = fac[fac["kind"] == "township_health_centre"].iloc[0]
    vid = region.villages["village_id"].iloc[4]
    x, y = clinic.geometry.x, clinic.geometry.y
    edits = [Edit("move", facility_id=clinic.facility_id, x=x + 100.0, y=y),
             Edit("staff", facility_id=centre["facility_id"], value={"gps": 1}),
             Edit("add", kind="village_clinic", x=x + 500.0, y=y, value={"gps": 2}),
             Edit("service_mode", village_id=vid, value="touring"),
             Edit("move", facility_id=clinic.facility_id, x=x + 200.0, y=y - 50.0),
             Edit("close", facility_id=other.facility_id),
             Edit("add", kind="village_clinic", x=x - 500.0, y=y),
             Edit("staff", facility_id="new-1", value={"gps": 1}),
             Edit("move", facility_id="new-1", x=x + 600.0, y=y),
             Edit("staff", facility_id=centre["facility_id"], value={"gps": 2}),
             Edit("close", facility_id="new-2"),
             Edit("service_mode", village_id=vid, value=None)]
    done, step = [], region
    for e in edits:
        done.append(validate_edit(e, step, done))
        step = apply_edits(step, done[-1:])
    at_once = apply_edits(region, done)
    a, b = at_once.facilities, step.facilities
    # (values: a clinic added without staff in a step of its own has the column as None)
    pd.testing.assert_frame_equal(pd.DataFrame(a).reset_index(drop=True),
                                  pd.DataFrame(b).reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(pd.DataFrame(at_once.villages), pd.DataFrame(step.villages))
    row = a.set_index("facility_id")
    assert (row.loc[clinic.facility_id, "geometry"].x, row.loc[clinic.facility_id, "geometry"].y) \
        == (x + 200.0, y - 50.0)
    assert row.loc[centre["facility_id"], "gps"] == centre["gps"] + 3
    assert row.loc["new-1", "gps"] == 3 and row.loc["new-1", "geometry"].x == x + 600.0
    assert other.facility_id not in row.index and "new-2" not in row.index
    assert len(a) == len(fac) - 1 + 1


def test_r2_straight_distances_kept_through_edits_equal_a_fresh_tree(monkeypatch):
    """R2's straight distances after an edit ask the tree again only for the committees
    the edit can reach, and equal a fresh tree's answer at every step — including ties
    (a clinic added on another's very spot: its committees have two nearest clinics),
    which are always asked again. Hand-made: committees every 1 km on a line, clinics
    300 m off it; metres checked against numpy's brute force."""
    import geopandas as gpd
    import shapely

    from planning.rules import r2_village_clinics as r2

    points = shapely.points(np.column_stack([np.arange(0.0, 10_001.0, 1000.0), np.zeros(11)]))
    asked = []
    first = r2._nearest_first
    monkeypatch.setattr(r2, "_nearest_first",
                        lambda p, t, *a, **k: (asked.append(len(p)), first(p, t, *a, **k))[1])

    def clinics(places: dict) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"facility_id": list(places)},
                                geometry=shapely.points(list(places.values())), crs=3857)

    places = {"A": (0.0, 300.0), "B": (5000.0, 300.0), "C": (10_000.0, 300.0)}
    steps = [("add", "D", (2000.0, 100.0)),      # nearer to committees 1-3 only
             ("add", "E", (5000.0, 300.0)),      # on B's very spot: committees 4-6 tie
             ("close", "A", None),               # committee 0 loses its nearest
             ("move", "C", (9000.0, -300.0)),    # committees 7-10 reached
             ("add", "F", (2500.0, 0.0))]        # 500 m from committees 2 and 3
    kept = {}
    r2._nearest_straight(points, clinics(places), kept)
    for op, fid, xy in steps:
        if op == "close":
            del places[fid]
        else:
            places[fid] = xy
        asked.clear()
        cost, fac = r2._nearest_straight(points, clinics(places), kept)
        n_asked = sum(asked)
        ref_cost, ref_fac = r2._nearest_straight(points, clinics(places))
        np.testing.assert_array_equal(cost, ref_cost)
        assert fac.tolist() == ref_fac.tolist(), op
        xy_all = np.array(list(places.values()))
        brute = np.hypot(shapely.get_x(points)[:, None] - xy_all[:, 0],
                         shapely.get_y(points)[:, None] - xy_all[:, 1])
        np.testing.assert_allclose(cost, brute.min(axis=1))
        assert n_asked < len(points), (op, n_asked)     # never the whole line again
    # committee 2 keeps D (100 m), committee 3 takes F (500 m; D is 1,005 m away)
    assert fac[2] == "D" and cost[2] == pytest.approx(100.0)
    assert fac[3] == "F" and cost[3] == pytest.approx(500.0)


def test_apply_edits_keeps_every_column_type_and_leaves_the_base_as_it_was(demo_walk):
    """A clinic added without staff, one moved and one closed: every facility column
    keeps its type (the added clinic's unknown counts are NaN in float columns, its
    unknown codes missing text), the index continues the base's, and the base region's
    tables are unchanged (the scenario's copies share them until written)."""
    from planning.plan.edits import Edit, apply_edits

    region, _ = demo_walk
    before = region.facilities.copy(deep=True)
    clinics = before[before["kind"] == "village_clinic"]
    a, b = clinics.iloc[0], clinics.iloc[1]
    out = apply_edits(region, [
        Edit("add", facility_id="new-1", kind="village_clinic", name="新卫生室",
             x=a.geometry.x + 400.0, y=a.geometry.y),
        Edit("move", facility_id=a["facility_id"], x=a.geometry.x + 100.0, y=a.geometry.y),
        Edit("close", facility_id=b["facility_id"])]).facilities
    assert out.dtypes.to_dict() == before.dtypes.to_dict()
    assert out.crs == before.crs and len(out) == len(before)
    new = out[out["facility_id"] == "new-1"].iloc[0]
    assert np.isnan(new["gps"]) and pd.isna(new["township_id"]) and new["standardized"] is True
    assert out.index[-1] == before.index.max() + 1
    moved = out[out["facility_id"] == a["facility_id"]].geometry.iloc[0]
    assert (moved.x, moved.y) == (a.geometry.x + 100.0, a.geometry.y)
    assert b["facility_id"] not in set(out["facility_id"])
    pd.testing.assert_frame_equal(region.facilities, before)


def test_r2_units_written_in_part_equal_the_table_made_whole():
    """R2's committee table after an edit writes only the rows that changed, and equals
    (values and column types) the table made from every row: a text column whose only
    text goes missing becomes the object column pandas makes of None; a mode set where
    none was becomes text; numbers stay floats."""
    import shapely

    from planning.rules import r2_village_clinics as r2

    def row(i, mode=None, dist=100.0):
        return {"unit_id": f"v{i}", "service_mode": mode, "clinic_distance_m": dist,
                "params": {"n": i}, "geometry": shapely.Point(i, 0)}

    kept = {}
    rows = [row(i) for i in range(8)]
    steps = [{3: row(3, "touring")},           # None -> a text column
             {5: row(5, "dispatched", 250.0)},
             {3: row(3), 5: row(5, None, 250.0)},  # the last text gone: None again
             {0: row(0, dist=float("nan"))}]
    r2._units(rows, 3857, kept)
    for change in steps:
        rows = list(rows)
        for i, r in change.items():
            rows[i] = r
        part = r2._units(rows, 3857, kept, sorted(change))
        whole = r2._units(rows, 3857)
        pd.testing.assert_frame_equal(pd.DataFrame(part), pd.DataFrame(whole))
    assert whole["service_mode"].dtype == object and whole["service_mode"].isna().all()


def test_a_scenario_state_shares_its_subsets_by_kind_and_forgets_them_with_it(demo_walk):
    """The facilities of a scenario's state (never written after it is made) are taken
    by kind once and shared by the rules asking for those kinds — the same rows as a
    mask over the table; the base region's table is taken afresh each time; the kept
    subsets go with the state's table."""
    import gc

    from planning.plan.edits import Edit, apply_edits
    from planning.rules import base
    from planning.schema import CLINIC_KINDS

    region, _ = demo_walk
    x, y = region.villages.geometry.iloc[0].x, region.villages.geometry.iloc[0].y
    state = apply_edits(region, [Edit("add", facility_id="new-1", kind="village_clinic",
                                      name="新卫生室", x=x + 150.0, y=y)])
    clinics = base.facilities_of(state, CLINIC_KINDS)
    assert base.facilities_of(state, [k.value for k in CLINIC_KINDS]) is clinics
    fac = state.facilities
    pd.testing.assert_frame_equal(clinics, fac[fac["kind"].isin([k.value for k in CLINIC_KINDS])])
    assert "new-1" in set(clinics["facility_id"])
    assert base.facilities_of(region, CLINIC_KINDS) is not base.facilities_of(region, CLINIC_KINDS)
    key = id(fac)
    assert key in base._SUBSETS
    del state, clinics, fac
    gc.collect()
    assert key not in base._SUBSETS
