"""The embedded Baodi demo: what it holds, and the rules' numbers against independent
computations (plain shapely + networkx, see reference.py) with the same conventions."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import shapely

import reference
from planning import settings
from planning.travel.access import Access
from planning.rules.assess import assess
from planning.inputs import load_demo
from planning.rules.rulebook import load_rulebook
from planning.rules.base import facilities_of
from planning.schema import CLINIC_KINDS, village_kind_from_code
from planning.travel.network import region_network

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.fixture(scope="module")
def assessment(demo):
    return assess(demo, load_rulebook(), Access(demo))


def xy(gdf):
    return np.column_stack([gdf.geometry.x, gdf.geometry.y])


def test_layers_population_and_area(demo):
    assert len(demo.townships) == 26
    assert len(demo.villages) == 822
    assert demo.villages["population"].sum() == 722_367  # 2020 census
    # kinds come from the 12-digit codes, which stay text
    assert demo.villages["village_id"].str.fullmatch(r"\d{12}").all()
    from_codes = demo.villages["village_id"].map(lambda c: village_kind_from_code(c).value)
    assert (from_codes == demo.villages["kind"]).all()
    assert set(demo.villages["kind"]) == {"village_committee", "residents_committee", "special"}
    # the real district area is about 1,508 km²; the townships tile the district
    district_km2 = demo.districts.geometry.area.sum() / 1e6
    assert district_km2 == pytest.approx(1508, rel=0.02)
    assert shapely.union_all(demo.townships.geometry.values).area / 1e6 == pytest.approx(district_km2, rel=1e-6)
    kinds = demo.townships["kind"].value_counts()
    assert (kinds["street"], kinds["township"], kinds["special"]) == (6, 18, 2)


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_networks_are_connected(demo, mode):
    net = region_network(demo, mode)
    assert net.n_nodes > 30_000
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(net.n_nodes, net.n_nodes))
    _, labels = connected_components(g, directed=True, connection="weak")
    assert np.bincount(labels).max() / net.n_nodes > 0.99


def test_r2_road_distances_equal_networkx_to_the_centimetre(demo, assessment):
    units = assessment.results["R2"].units
    committees = demo.villages.set_index("village_id").loc[units["unit_id"]]
    clinics = facilities_of(demo, CLINIC_KINDS)
    clinics = clinics[clinics["standardized"].fillna(True).astype(bool)]
    ref = reference.nearest_costs(region_network(demo, "walk"), xy(committees), xy(clinics), "length")
    got = units["clinic_road_m"].to_numpy()
    assert np.isfinite(ref).sum() == np.isfinite(got).sum()
    ok = np.isfinite(ref)
    assert np.abs(got[ok] - ref[ok]).max() < 0.01
    # and the rule's verdict follows from the reference distances alone (inclusive 1,500 m)
    covered_ref = ok & (ref <= 1500)
    failed = (units["status"] == "fail").to_numpy()
    served = units["service_mode"].notna().to_numpy()
    assert failed.sum() == (~covered_ref & ~served).sum()
    assert failed.sum() > 0  # the demo has real gaps


def test_r3_minutes_equal_networkx(demo, assessment):
    res = assessment.results["R3"]
    rb = load_rulebook()
    fac = facilities_of(demo, rb["R3"]["facility_kinds"])
    ref = reference.nearest_costs(region_network(demo, "walk"), xy(demo.villages), xy(fac), "time") / 60
    got = res.units["minutes_to_care"].to_numpy()
    assert np.isfinite(ref).all()  # every demo village reaches some facility on foot
    assert np.abs(got - ref).max() < 0.006  # minutes rounded to 0.01 in the table
    pop = demo.villages["population"].to_numpy(float)
    within = pop[ref <= 15].sum()
    assert res.figures["residents_within"] == int(within)
    assert res.summary()["population_in_gap"] == int(pop.sum() - within)
    assert 0 < res.summary()["failed"] < len(demo.villages)


def test_r1_townships_without_a_centre_by_shapely(demo, assessment):
    units = assessment.results["R1"].units.set_index("unit_id")
    centres = demo.facilities[demo.facilities["kind"].isin(["township_health_centre",
                                                            "community_health_centre"])]
    for t in demo.townships.itertuples():
        inside = [p for p in centres.geometry if t.geometry.contains(p)]
        if t.kind != "special":
            assert (units.at[t.township_id, "status"] == "fail") == (len(inside) == 0), t.name
    assert (units["status"] == "fail").sum() >= 1


def test_r4_hard_to_reach_residents_equal_networkx(demo, assessment):
    from planning.rules.r4_sub_centres import hospitals

    res = assessment.results["R4"]
    hosp = hospitals(demo)
    ref = reference.nearest_costs(region_network(demo, "drive"), xy(demo.villages), xy(hosp), "time") / 60
    pop = demo.villages["population"].to_numpy(float)
    hard = pop[~(ref <= 30)].sum()
    assert res.units.iloc[0]["hard_to_reach_residents"] == pytest.approx(hard)
    assert res.units.iloc[0]["status"] == "fail"
    assert 1 <= len(res.layers["R4_candidates"]) <= 2


def test_demo_has_gaps_for_r1_to_r4_and_r7(assessment):
    summary = {r["id"]: r for r in assessment.summary()["rules"]}
    for rule in ("R1", "R2", "R3", "R4", "R7"):
        assert summary[rule]["failed"] > 0, rule


def test_check_command_prints_and_writes_the_same_numbers(tmp_path, assessment):
    out, js = tmp_path / "gaps.gpkg", tmp_path / "summary.json"
    run = subprocess.run([sys.executable, "-m", "planning", "check", "--out", str(out),
                          "--summary", str(js), "--lang", "en"], capture_output=True, text=True,
                         cwd=settings.ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    data = json.loads(js.read_text(encoding="utf-8"))
    expected = {r["id"]: r for r in assessment.summary()["rules"]}
    for r in data["rules"]:
        for key in ("units", "passed", "failed", "warned", "population_in_gap"):
            assert r[key] == expected[r["id"]][key], (r["id"], key)
    import pyogrio

    names = {name for name, _ in pyogrio.list_layers(out)}
    assert {"R1_townships", "R2_villages", "R2_clinics", "R3_villages", "R3_covered", "R3_uncovered",
            "R4_districts", "R4_candidates", "R5_districts", "R6_committees", "R7_groups"} <= names
    r2 = pyogrio.read_dataframe(out, layer="R2_villages")
    assert {"village_id", "name", "population", "nearest_clinic_id", "clinic_distance_m",
            "clinic_straight_m", "status", "action"} <= set(r2.columns)
    assert r2.crs.to_epsg() == 4326 and r2["village_id"].str.fullmatch(r"\d{12}").all()


def test_check_command_bad_input_names_the_file_and_exits_2(tmp_path):
    bad = tmp_path / "region"
    bad.mkdir()
    (bad / "villages.csv").write_text("名称,经度,纬度\n甲村,117.3,39.7\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "planning", "check", "--region", str(bad)],
                         capture_output=True, text=True, cwd=settings.ROOT, timeout=300)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "错误：" in run.stderr  # in --lang (zh by default)
    assert "文件夹中没有乡镇/街道图层的文件" in run.stderr
