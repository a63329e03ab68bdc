"""Scenarios: edits, undo/redo, reuse equal to full recomputation, compare, atomic save."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import handmade as hm
import planning.plan.scenario as scn
from planning.travel.access import Access
from planning.rules.assess import assess
from planning.errors import InputError
from planning.rules.rulebook import load_rulebook
from planning.rules import FAIL
from planning.plan.scenario import Scenario

RB = load_rulebook()


def region():
    """Village committees on the road at 0, 1, 2.5, 4, 6 km; clinic C1 at 0; a township
    health centre H1 at 1 km; residents' committee at 4.2 km."""
    towns = hm.townships([{"township_id": "120115101", "name": "甲镇", "kind": "township",
                           "geometry": hm.box(-2000, -2000, 18000, 2000)}])
    rows = [("120115101201", "一村村委会", 900, 0), ("120115101202", "二村", 800, 1000),
            ("120115101203", "三村", 700, 2500), ("120115101204", "四村", 600, 4000),
            ("120115101205", "五村", 1200, 6000), ("120115101001", "某社区居委会", 3000, 4200)]
    vills = hm.villages([{"village_id": v, "name": n, "township_id": "120115101", "population": p,
                          "x": x} for v, n, p, x in rows])
    facs = hm.facilities([
        {"facility_id": "C1", "name": "一村卫生室", "kind": "village_clinic", "x": 0},
        {"facility_id": "H1", "name": "甲镇卫生院", "kind": "township_health_centre", "x": 1000},
    ])
    return hm.region(towns, vills, facs)


def statuses(assessment, rule):
    u = assessment.results[rule].units
    return dict(zip(u["unit_id"], u["status"]))


def test_add_facility_auto_names_and_covers():
    sc = Scenario(region(), rulebook=RB)
    fid = sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    assert fid == "new-1"
    f = sc.apply().facilities.set_index("facility_id")
    assert f.loc["new-1", "name"] == "四村卫生室" and f.loc["new-1", "kind"] == "village_clinic"
    assert bool(f.loc["new-1", "standardized"])
    # a clinic at 4 km covers 2.5 km (1,500 m, inclusive) and 4 km; 6 km is 2 km away
    st = statuses(sc.assess(["R2"]), "R2")
    assert [st[v] != FAIL for v in ("120115101203", "120115101204", "120115101205")] == [True, True, False]
    # base region untouched
    assert "new-1" not in set(sc.base.facilities["facility_id"])


def test_undo_redo_and_redo_tail_dropped():
    sc = Scenario(region(), rulebook=RB)
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    sc.set_population("120115101205", 5000)
    assert sc.undo() and sc.cursor == 1 and sc.can_redo
    assert sc.apply().villages.set_index("village_id").loc["120115101205", "population"] == 1200
    assert sc.redo() and not sc.redo()
    assert sc.apply().villages.set_index("village_id").loc["120115101205", "population"] == 5000
    assert sc.undo() and sc.undo() and not sc.undo()
    assert len(sc.apply().facilities) == 2
    sc.redo()
    sc.close_facility("C1")             # a new edit after undo drops the redo tail
    assert len(sc.edits) == 2 and not sc.can_redo
    assert set(sc.apply().facilities["facility_id"]) == {"H1", "new-1"}


def test_edits_are_validated():
    sc = Scenario(region(), rulebook=RB)
    with pytest.raises(InputError):
        sc.close_facility("nope")
    with pytest.raises(InputError):
        sc.set_service_mode("120115101205", "helicopter")
    with pytest.raises(InputError):
        sc.set_population("120115101205", -3)
    with pytest.raises(InputError):
        sc.add_facility("spaceport", x=hm.X0, y=hm.Y0)
    assert sc.edits == []
    sc.set_service_mode("120115101205", "巡回医疗")
    assert sc.active[-1].value == "touring"


def test_closing_existing_primary_care_warns_with_the_clause():
    sc = Scenario(region(), rulebook=RB)
    w = sc.close_facility("H1")
    assert len(w) == 1 and "001 §二(一)1" in w[0].text("zh") and "甲镇卫生院" in w[0].text("zh")
    assert w[0].text("en").startswith("Closing the existing township health centre 甲镇卫生院")
    new = sc.add_facility(x=hm.X0 + 6000, y=hm.Y0)
    assert sc.close_facility(new) == []        # closing a proposed site: no warning
    assert len(sc.warnings()) == 1


@pytest.mark.parametrize("steps", [
    [("add", 4000), ("add", 6000)],
    [("close", "C1")],
    [("add", 4000), ("move", ("new-1", 5000)), ("close", "C1"), ("service_mode", "120115101203")],
    [("population", ("120115101205", 10)), ("close", "H1"), ("add", 2500)],
])
def test_scenario_assessment_equals_full_recomputation(steps):
    base = region()
    sc = Scenario(base, rulebook=RB)
    sc.base_assessment()
    for op, arg in steps:
        if op == "add":
            sc.add_facility(x=hm.X0 + arg, y=hm.Y0)
        elif op == "move":
            sc.move_facility(arg[0], x=hm.X0 + arg[1], y=hm.Y0)
        elif op == "close":
            sc.close_facility(arg)
        elif op == "service_mode":
            sc.set_service_mode(arg, "touring")
        else:
            sc.set_population(*arg)
        fast = sc.assess()                        # after every edit, incrementally
    applied = sc.apply()
    full = assess(applied, RB, Access(applied))
    for rid, res in full.results.items():
        a, b = fast.results[rid].units, res.units
        assert list(a["unit_id"]) == list(b["unit_id"]), rid
        assert list(a["status"]) == list(b["status"]), rid
        assert np.allclose(a["population"].astype(float), b["population"].astype(float))
    r2f, r2 = fast.results["R2"].units, full.results["R2"].units
    assert np.allclose(r2f["clinic_road_m"].fillna(-1), r2["clinic_road_m"].fillna(-1))
    r3f, r3 = fast.results["R3"].units, full.results["R3"].units
    assert np.allclose(r3f["minutes_to_care"].fillna(-1), r3["minutes_to_care"].fillna(-1))
    cov_f = fast.results["R3"].layers["R3_covered"].geometry.iloc[0]
    cov = full.results["R3"].layers["R3_covered"].geometry.iloc[0]
    assert cov_f.symmetric_difference(cov).area < 1e-3 * max(cov.area, 1.0)


def test_undo_returns_the_base_results():
    sc = Scenario(region(), rulebook=RB)
    base = sc.base_assessment()
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    sc.assess()
    sc.undo()
    again = sc.assess()
    for rid in base.results:
        assert list(again.results[rid].units["status"]) == list(base.results[rid].units["status"])


def test_compare_counts_and_delta_layers():
    sc = Scenario(region(), rulebook=RB)
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    c = sc.compare(["R2"])
    row = c.rules.set_index("rule").loc["R2"]
    # newly covered: 三村 (700) and 四村 (600); still uncovered: 五村 (1,200)
    assert row["units_newly_covered"] == 2 and row["residents_newly_covered"] == 1300
    assert row["units_newly_uncovered"] == 0
    assert row["population_in_gap_before"] - row["population_in_gap_after"] == 1300
    assert sorted(c.layers["newly_covered"]["village_id"]) == ["120115101203", "120115101204"]
    assert list(c.layers["still_uncovered"]["village_id"]) == ["120115101205"]
    assert c.layers["newly_covered"].crs == hm.CRS
    assert set(c.changed["unit_id"]) == {"120115101203", "120115101204"}
    # closing the only clinic: the first villages become uncovered
    sc.close_facility("C1")
    c2 = sc.compare(["R2"])
    assert "120115101201" in set(c2.layers["newly_uncovered"]["village_id"])
    assert c2.warnings and "001 §二(一)1" in c2.warnings[0].text("en")
    assert c2.summary("en")["warnings"] == [c2.warnings[0].text("en")]


def _copied(assessment):
    """``assessment`` with every rule's result a new object holding copied frames."""
    from dataclasses import replace

    from planning.rules.assess import Assessment

    return Assessment(assessment.region, assessment.rulebook,
                      {rid: replace(res, units=res.units.copy()) for rid, res in assessment.results.items()},
                      dict(assessment.timings))


@pytest.mark.parametrize("edit", ["none", "add"])
def test_compare_of_reused_rules_equals_comparing_copies(edit):
    """A rule the scenario reused (the base's own result object) compares as a copy of it
    would: same per-rule rows, changed units and delta layers (the reused rules' short cut)."""
    from planning.plan.compare import compare

    sc = Scenario(region(), rulebook=RB)
    base = sc.base_assessment()
    if edit == "add":
        sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    after = sc.assess()
    reused = [rid for rid in after.results if after.results[rid] is base.results[rid]]
    assert reused and (edit == "add") == ("R2" not in reused)   # both paths are taken
    fast, slow = compare(base, after), compare(base, _copied(after))
    pd.testing.assert_frame_equal(fast.rules, slow.rules)
    pd.testing.assert_frame_equal(fast.changed, slow.changed)
    for name in slow.layers:
        pd.testing.assert_frame_equal(fast.layers[name], slow.layers[name])
    if edit == "none":
        assert (fast.rules["failed_before"] == fast.rules["failed_after"]).all()
        r2 = base.results["R2"].units
        assert sorted(fast.layers["still_uncovered"].query("rule == 'R2'")["village_id"]) == \
            sorted(r2.loc[r2["status"] == FAIL, "unit_id"])


def test_compare_of_units_in_another_order_and_its_layers_made_when_read():
    """Units in the same order on both sides are compared position by position; the
    same units in another order (and a repeated row) are matched by id and give the same
    counts, changed units and layers. The delta layers are made when first read (the
    scorecard reads only the counts)."""
    from dataclasses import replace

    from planning.plan.compare import compare
    from planning.rules.assess import Assessment

    sc = Scenario(region(), rulebook=RB)
    base = sc.base_assessment(["R2"])
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    after = sc.assess(["R2"])
    units = after.results["R2"].units
    shuffled = pd.concat([units.iloc[::-1], units.iloc[[0]]])      # reversed, one repeated
    other = Assessment(after.region, after.rulebook,
                       {"R2": replace(after.results["R2"], units=shuffled)}, dict(after.timings))
    fast, slow = compare(base, after), compare(base, other)
    assert sorted(fast.layers.pending()) == ["newly_covered", "newly_uncovered", "still_uncovered"]
    pd.testing.assert_frame_equal(fast.rules, slow.rules)
    assert fast.rules.set_index("rule").loc["R2", "units_newly_covered"] == 2

    def by_id(frame, key):
        return pd.DataFrame(frame).sort_values(key).reset_index(drop=True)

    pd.testing.assert_frame_equal(by_id(fast.changed, "unit_id"), by_id(slow.changed, "unit_id"))
    for name in ("newly_covered", "still_uncovered"):
        pd.testing.assert_frame_equal(by_id(fast.layers[name], "village_id"),
                                      by_id(slow.layers[name], "village_id"))
    assert "newly_uncovered" in fast.layers.pending()


def test_save_load_round_trip(tmp_path):
    base = region()
    sc = Scenario(base, name="东部补点", rulebook=RB)
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0 + 12.5, name="试点卫生室")
    sc.move_facility("C1", x=hm.X0 + 100, y=hm.Y0)
    sc.set_service_mode("120115101205", "dispatched")
    sc.set_population("120115101204", 650)
    sc.close_facility("H1")
    sc.undo()                                # the undone edit is saved too, after the cursor
    path = sc.save(tmp_path / "s.gpkg")
    back = Scenario.load(path, base, rulebook=RB)
    assert back.name == "东部补点" and back.cursor == 4 and len(back.edits) == 5
    assert back.edits == sc.edits
    pd.testing.assert_frame_equal(back.apply().facilities.drop(columns="geometry").astype(str),
                                  sc.apply().facilities.drop(columns="geometry").astype(str))
    assert back.apply().facilities.geometry.equals(sc.apply().facilities.geometry)
    assert back.redo() and "H1" not in set(back.apply().facilities["facility_id"])


def test_save_is_atomic_when_interrupted(tmp_path, monkeypatch):
    base = region()
    sc = Scenario(base, rulebook=RB)
    sc.add_facility(x=hm.X0 + 4000, y=hm.Y0)
    path = sc.save(tmp_path / "s.gpkg")
    before = path.read_bytes()
    sc.add_facility(x=hm.X0 + 6000, y=hm.Y0)
    real = scn.pyogrio.write_dataframe
    calls = []

    def crash(*args, **kwargs):                 # the first layer is written, then it dies
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk pulled out")
        return real(*args, **kwargs)

    monkeypatch.setattr(scn.pyogrio, "write_dataframe", crash)
    with pytest.raises(OSError):
        sc.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.gpkg"]      # no temp file left
    assert len(Scenario.load(path, base, rulebook=RB).edits) == 1


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "x.gpkg"
    bad.write_text("not a geopackage")
    with pytest.raises(InputError):
        Scenario.load(bad, region())
    with pytest.raises(InputError):
        Scenario.load(tmp_path / "missing.gpkg", region())


def test_lonlat_placement_matches_metres():
    sc = Scenario(region(), rulebook=RB)
    import pyproj
    lon, lat = pyproj.Transformer.from_crs(hm.CRS, "EPSG:4326", always_xy=True).transform(hm.X0 + 4000, hm.Y0)
    sc.add_facility(lon=lon, lat=lat)
    e = sc.active[-1]
    assert e.x == pytest.approx(hm.X0 + 4000, abs=1e-3) and e.y == pytest.approx(hm.Y0, abs=1e-3)
    sites = sc.proposed_sites()
    assert sites["lon"].iloc[0] == pytest.approx(lon, abs=1e-6)
