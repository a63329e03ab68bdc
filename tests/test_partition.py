"""Partitioned runs: buffers from the rulebook, road tiles, checked answers, Dask runs.

Hand-made regions (tests/handmade.py: a straight road along y = Y0, a node every 100 m)
where the answers are obvious, then the city split by district on a LocalCluster of two
worker processes against the single-process check (slow), then faults.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import handmade as hm
from planning.access import Access
from planning.assess import assess
from planning.partition import (CutAccess, TileStore, areas, buffers_m, owners, split,
                                sub_region)
from planning.rulebook import load_rulebook
from planning.rules.base import facilities_of
from planning.schema import CLINIC_KINDS

SNAP = 1000.0


def test_buffers_follow_from_the_rulebook():
    rb = load_rulebook()
    speeds = {"walk": 5 / 3.6, "ebike": 15 / 3.6, "drive": 100 / 3.6}
    b = buffers_m(rb, speeds, SNAP)
    # R2: 1,500 m + snap; R3: 15 min at 5 km/h = 1,250 m + snap + 60 m display buffer
    assert b["walk"] == pytest.approx(max(1500 + SNAP, 1250 + SNAP + 60))
    # R4: 30 min at 100 km/h = 50 km + snap
    assert b["drive"] == pytest.approx(50_000 + SNAP)
    faster = rb.with_values({"R3.mode": "ebike"})
    assert buffers_m(faster, speeds, SNAP)["ebike"] == pytest.approx(3750 + SNAP + 60)


def _two_counties():
    """County A: x 0-4 km, county B: x 4-8 km (both along the road)."""
    towns = hm.townships([
        {"township_id": "120115101", "name": "甲镇", "kind": "township", "district": "A",
         "population": 900, "geometry": hm.box(0, -3000, 4000, 3000)},
        {"township_id": "120115102", "name": "乙镇", "kind": "township", "district": "B",
         "population": 900, "geometry": hm.box(4000, -3000, 8000, 3000)}])
    vills = hm.villages([
        # near the border: its clinic is across it, 1,000 m away
        {"village_id": "120115101201", "name": "边村", "township_id": "120115101",
         "population": 300, "x": 3900},
        {"village_id": "120115101202", "name": "西村", "township_id": "120115101",
         "population": 300, "x": 500},
        # its nearest clinic (2,100 m) lies beyond B's walking buffer (8 + 2.5 km):
        # the first cut finds one 3,000 m away, the checked answer is 2,100 m
        {"village_id": "120115102201", "name": "东村", "township_id": "120115102",
         "population": 300, "x": 7900}])
    facs = hm.facilities([
        {"facility_id": "C1", "name": "乙镇卫生室", "kind": "village_clinic", "x": 4900},
        {"facility_id": "C2", "name": "西村卫生室", "kind": "village_clinic", "x": 600},
        {"facility_id": "C3", "name": "外村卫生室", "kind": "village_clinic", "x": 10_000}])
    return hm.region(towns, vills, facs)


def test_tiles_cut_keeps_the_edges_meeting_an_area(tmp_path):
    region = _two_counties()
    store = TileStore.for_region(region, cache_dir=tmp_path, tile_m=1000.0)
    net = region.network("walk")
    area = hm.box(1000, -50, 2000, 50)          # 1 km of road
    cut = store.cut("walk", area)
    segs = shapely.linestrings(np.stack([np.column_stack([net.x[net.u], net.y[net.u]]),
                                         np.column_stack([net.x[net.v], net.y[net.v]])], 1))
    want = np.flatnonzero(shapely.intersects(area, segs))
    assert cut.net.n_edges == len(want) > 0
    # the whole network's node order (OSM ids ascending) and edge order, restricted
    assert np.all(np.diff(cut.net.node_osmid) > 0)
    got = np.column_stack([cut.net.node_osmid[cut.net.u], cut.net.node_osmid[cut.net.v]])
    np.testing.assert_array_equal(got, np.column_stack([net.node_osmid[net.u[want]],
                                                        net.node_osmid[net.v[want]]]))
    np.testing.assert_allclose(cut.net.length_m, net.length_m[want])
    # one connected part in the whole network: every node of the cut has its label
    assert set(cut.weak) == {0}


def test_cut_access_widens_until_exact(tmp_path):
    region = _two_counties()
    store = TileStore.for_region(region, cache_dir=tmp_path, tile_m=1000.0)
    counties = split(region)
    area = areas(region, counties)
    own = owners(region, counties, area)
    rb = load_rulebook()
    buffers = buffers_m(rb, {m: store.speed(m) for m in ("walk", "ebike", "drive")}, SNAP)
    b = counties[1]
    sub = sub_region(region, own, b, area["B"], buffers)
    access = CutAccess(sub, store, area["B"], buffers, {"120115102201"}, set())
    clinics = facilities_of(sub, CLINIC_KINDS)
    got = access.nearest("walk", clinics, "length")
    row = sub.villages["village_id"] == "120115102201"
    assert got.loc[row, "cost"].item() == pytest.approx(2100.0)
    assert got.loc[row, "facility_id"].item() == "C3"
    assert access.stats["walk"]["widened"] == 1
    whole = Access(region).nearest("walk", facilities_of(region, CLINIC_KINDS), "length")
    assert whole["cost"].iloc[2] == pytest.approx(2100.0)


def test_partitioned_run_equals_one_process(tmp_path):
    """Both counties on an in-process Dask cluster; the merged R2 and R3 per village equal
    the single-process run, the cross-border village included."""
    from distributed import Client

    from planning.distributed import local_cluster, run

    region = _two_counties()
    one = assess(region)
    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        summary = run(region, tmp_path / "out", client=client, progress=lambda line: None)
    assert summary["counties_checked"] == 2 and summary["failed"] == []
    import geopandas as gpd

    r2 = gpd.read_file(tmp_path / "out" / "merged.gpkg", layer="R2_villages")
    want = one.results["R2"].units.set_index("unit_id")
    for v in r2.itertuples():
        assert v.clinic_road_m == pytest.approx(want.at[v.village_id, "clinic_road_m"])
    assert dict(zip(r2["village_id"], r2["clinic_road_m"].round(1))) == {
        "120115101201": 1000.0, "120115101202": 100.0, "120115102201": 2100.0}
    assert summary["total"]["rules"][1]["passed"] == one.summary()["rules"][1]["passed"]
    for county in ("A", "B"):
        assert (tmp_path / "out" / "counties" / f"{county}.gpkg").exists()
