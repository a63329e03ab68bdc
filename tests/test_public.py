"""The public face: ``import planning as pl`` reaches the whole job, lazily."""

import subprocess
import sys

import geopandas as gpd
import pytest

import handmade as hm

import planning as pl
from planning.inputs.assemble import load_demo, load_region
from planning.outputs.export import export_layers
from planning.outputs.report import build_report
from planning.plan.optimize import suggest
from planning.plan.scenario import Scenario
from planning.region import Region
from planning.rules.assess import assess


def test_public_names_are_the_library_objects():
    assert (pl.load_region, pl.load_demo, pl.assess, pl.Scenario, pl.suggest,
            pl.export_layers, pl.build_report, pl.Region) == (
        load_region, load_demo, assess, Scenario, suggest, export_layers, build_report, Region)
    assert {"load_region", "assess", "Scenario", "suggest", "export_layers", "build_report",
            "load_demo"} <= set(pl.__all__) <= set(dir(pl))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pl.nope  # noqa: B018


def test_import_planning_loads_nothing_heavy():
    """``import planning`` (and so ``import planning.settings``, the CLI's start) loads
    neither the rules, the report nor geopandas until a public name is used."""
    code = ("import sys, planning, planning.settings; "
            "print(sorted(m for m in ('geopandas', 'planning.rules', 'planning.outputs', "
            "'matplotlib') if m in sys.modules)); planning.assess; "
            "print('planning.rules.assess' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True"


def test_a_handmade_region_through_the_face(tmp_path):
    """Assess, suggest, edit and export with the public names only. One road along x;
    a clinic at x = 0; village 一村 on the road at 1,000 m (covered: 1,000 <= 1,500 m by
    road), 二村 at 4,000 m (a gap of 600 residents: no clinic within 1,500 m)."""
    towns = hm.townships([{"township_id": "120115101", "name": "甲镇", "kind": "township",
                           "geometry": hm.box(-2000, -2000, 5000, 2000)}])
    vills = hm.villages([
        {"village_id": "120115101201", "name": "一村", "township_id": "120115101",
         "population": 500, "x": 1000},
        {"village_id": "120115101202", "name": "二村", "township_id": "120115101",
         "population": 600, "x": 4000}])
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic",
                           "x": 0}])
    region = hm.region(towns, vills, facs)
    assert isinstance(region, pl.Region)

    r2 = pl.assess(region, rules=["R2"]).summary()["rules"][0]
    assert (r2["units"], r2["failed"], r2["population_in_gap"]) == (2, 1, 600)

    s = pl.suggest(region, "R2", k=1)                # the one site to open covers 二村
    assert len(s.sites) == 1
    assert abs(s.sites.geometry.iloc[0].x - (hm.X0 + 4000)) <= 1500

    sc = pl.Scenario(region)
    sc.add_facility("village_clinic", x=hm.X0 + 4000, y=hm.Y0)
    after = sc.assess(["R2"]).summary()["rules"][0]
    assert (after["failed"], after["population_in_gap"]) == (0, 0)

    path = pl.export_layers(pl.assess(region, rules=["R2"]).layers(), tmp_path / "gaps.gpkg")
    got = gpd.read_file(path, layer="R2_villages")
    assert sorted(got["village_id"].astype(str)) == ["120115101201", "120115101202"]
