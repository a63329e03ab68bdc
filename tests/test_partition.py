"""Partitioned runs: buffers from the rulebook, road tiles, checked answers, Dask runs.

Hand-made regions (tests/handmade.py: a straight road along y = Y0, a node every 100 m)
where the answers are obvious, then the city split by district on a LocalCluster of two
worker processes against the single-process check (slow), then faults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

import handmade as hm
from planning.travel.access import Access
from planning.rules.assess import assess
from planning.scale.partition import (CutAccess, TileStore, areas, buffers_m, owners, split,
                                sub_region)
from planning.rules.rulebook import load_rulebook
from planning.rules.base import facilities_of
from planning.schema import CLINIC_KINDS
from planning.travel.network import region_network

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
    net = region_network(region, "walk")
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

    from planning.scale.distributed import local_cluster, run

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


# ---------------------------------------------------------------- the city on a LocalCluster


@pytest.mark.slow
def test_city_split_by_district_gives_the_single_process_answers(tmp_path):
    """The 16 districts of the city as county tasks on two worker processes: every
    village's R2 distance and R3 minutes and every township's status equal the
    single-process check, villages served across a district border included."""
    import geopandas as gpd
    from distributed import Client

    from benchmarks.bench_partitioned import region_path
    from planning.scale.distributed import local_cluster, run
    from planning.inputs import load_region
    from planning.rules.base import STATUS_ZH

    path, by = region_path("city")
    region = load_region(path)
    one = assess(region)
    with local_cluster(2) as cluster, Client(cluster) as client:
        summary = run(path, tmp_path, client=client, by=by, progress=lambda line: None)
    assert summary["counties_checked"] == 16 and summary["failed"] == []

    def layer(name):
        return gpd.read_file(tmp_path / "merged.gpkg", layer=name)

    def same(rule, got, key, cols):
        want = one.results[rule].units.set_index("unit_id")
        got = got.set_index(key)
        assert sorted(got.index) == sorted(want.index)
        for col in cols:
            a = want.loc[got.index, col]
            if col == "status":
                a = a.map(STATUS_ZH)
                assert (got[col] == a).all(), col
            elif not pd.api.types.is_numeric_dtype(a):
                assert (got[col].fillna("-") == a.fillna("-")).all(), col
            else:
                np.testing.assert_allclose(got[col].to_numpy(float), a.to_numpy(float),
                                           rtol=1e-9, atol=1e-6, err_msg=col)

    r2 = layer("R2_villages")
    same("R2", r2, "village_id", ["clinic_road_m", "nearest_clinic_id", "status"])
    same("R3", layer("R3_villages"), "village_id", ["minutes_to_care", "nearest_facility_id",
                                                    "status"])
    same("R1", layer("R1_townships"), "township_id", ["status"])
    same("R6", layer("R6_committees"), "village_id", ["status"])
    same("R7", layer("R7_centres"), "facility_id", ["drive_minutes_to_lead", "status"])
    towns = layer("R3_townships").set_index("township_id")
    want = one.layers()["R3_townships"].set_index("township_id")
    assert (towns.loc[want.index, "status"] == want["status"].map(STATUS_ZH)).all()
    for a, b in zip(one.summary()["rules"], summary["total"]["rules"]):
        for k in ("units", "passed", "failed", "warned", "not_applicable", "population_in_gap"):
            assert a[k] == b[k], (a["id"], k)
    # villages whose nearest clinic within 1.5 km lies in another district
    district_of = dict(zip(region.townships["township_id"], region.townships["district"]))
    clinic_town = within_polygons_ids(region)
    across = [v for v in r2.itertuples() if isinstance(v.nearest_clinic_id, str)
              and v.clinic_road_m <= 1500
              and district_of.get(clinic_town.get(v.nearest_clinic_id))
              != district_of.get(v.township_id)]
    assert len(across) > 0
    print(f"{len(across)} villages served by a clinic in the neighbouring district")


def within_polygons_ids(region) -> dict:
    from planning.region import within_polygons

    return dict(zip(region.facilities["facility_id"],
                    within_polygons(region.facilities, region.townships, "township_id")))


# ---------------------------------------------------------------- faults


def _demo_counties(folder):
    """The demo cut into three counties (by township code), one GeoPackage each, with
    the demo's road file beside them; the third county's villages as a CSV missing its
    name column."""
    import shutil

    import geopandas as gpd

    from planning import settings

    gpkg = settings.DEMO_DIR / "region.gpkg"
    towns = gpd.read_file(gpkg, layer="townships")
    vills = gpd.read_file(gpkg, layer="villages")
    facs = gpd.read_file(gpkg, layer="facilities")
    ids = sorted(towns["township_id"])
    parts = np.array_split(np.array(ids), 3)
    folder.mkdir()
    for k, part in enumerate(parts, start=1):
        t = towns[towns["township_id"].isin(part)]
        v = vills[vills["township_id"].isin(part)]
        inside = gpd.sjoin(facs, t[["geometry"]], predicate="within").index.unique()
        f = facs.loc[inside]
        if k == 3:
            sub = folder / "county3"
            sub.mkdir()
            t.to_file(sub / "townships.gpkg", driver="GPKG")
            f.to_file(sub / "facilities.gpkg", driver="GPKG")
            v.drop(columns=["geometry", "name"]).to_csv(sub / "villages.csv", index=False)
        else:
            for name, gdf in (("townships", t), ("villages", v), ("facilities", f)):
                gdf.to_file(folder / f"county{k}.gpkg", layer=name, driver="GPKG")
    shutil.copy(settings.DEMO_DIR / "roads.osm.bz2", folder / "roads.osm.bz2")


@pytest.mark.slow
def test_broken_county_and_lost_worker(tmp_path):
    """One county's villages file is broken and a worker is killed while it checks a
    county: the run ends with the other counties each written once (Dask re-ran the
    lost task) and names the broken file; a second run skips every unchanged county."""
    import os
    import signal
    import threading
    import time

    from distributed import Client

    from planning.scale.distributed import local_cluster, run

    _demo_counties(tmp_path / "in")
    out = tmp_path / "out"
    found: dict = {}
    with local_cluster(2) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        worker = threading.Thread(target=lambda: found.update(
            summary=run(tmp_path / "in", out, client=client, progress=lambda line: None)))
        worker.start()
        killed = None
        deadline = time.time() + 300
        while killed is None and worker.is_alive() and time.time() < deadline:
            for address, keys in client.processing().items():
                if any(str(k).startswith("county-") for k in keys) and address in pids:
                    os.kill(pids[address], signal.SIGKILL)
                    killed = address
                    break
            time.sleep(0.02)
        worker.join(600)
        assert killed is not None, "no county task was seen running"
        summary = found["summary"]
        assert summary["counties_checked"] == 2
        [bad] = summary["failed"]
        assert bad["county"] == "county3"
        assert "villages.csv" in bad["error"][0]["file"] and bad["error"][0]["column"]
        assert sorted(p.name for p in (out / "checkpoints").iterdir()) == \
            ["county1.json", "county2.json"]
        assert sorted(p.name for p in (out / "counties").iterdir()) == \
            ["county1.gpkg", "county2.gpkg"]
        import geopandas as gpd

        r2 = gpd.read_file(out / "merged.gpkg", layer="R2_villages")
        assert not r2["village_id"].duplicated().any()
        assert len(r2) == sum(v["rules"][1]["units"] for v in summary["counties"].values())
        # resume: nothing changed, nothing re-run
        again = run(tmp_path / "in", out, client=client, progress=lambda line: None)
        assert again["skipped_unchanged"] == 2
        assert again["total"]["rules"] == summary["total"]["rules"]


@pytest.mark.slow
def test_province_generator_small(tmp_path):
    """Two copies of the demo district side by side: new codes, names and ids, and a road
    file whose walking network is exactly twice the demo's (copies do not touch)."""
    from geodata.build_demo import _build_province
    from planning.inputs import load_demo, load_region

    out, stats = _build_province(tmp_path / "p", 20240115, copies=2, step=100.0, base="demo")
    region = load_region(out / "region.gpkg")
    demo = load_demo()
    assert sorted(region.districts["district_id"]) == ["900115", "910115"]
    assert sorted(region.districts["name"]) == ["乙宝坻区", "甲宝坻区"]
    assert len(region.villages) == 2 * len(demo.villages)
    assert not region.villages["village_id"].duplicated().any()
    assert not region.facilities["facility_id"].duplicated().any()
    assert region.villages["village_id"].str[:2].isin(["90", "91"]).all()
    assert split(region) and len(split(region)) == 2
    walk = region_network(region, "walk")
    assert walk.n_nodes == 2 * region_network(demo, "walk").n_nodes
    assert stats["nodes"] % 2 == 0


def test_cli_partitioned_arguments(capsys):
    from planning.cli import build_parser, main

    assert main(["check", "--workers", "2"]) == 2
    assert "--regions" in capsys.readouterr().err
    assert main(["check", "--regions", "somewhere"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    args = build_parser().parse_args(["check", "--regions", "r", "--scheduler",
                                      "tcp://10.0.0.1:8786", "--out", "o"])
    assert args.scheduler == "tcp://10.0.0.1:8786" and args.by == "district"
    with pytest.raises(SystemExit):  # one of --scheduler / --workers
        build_parser().parse_args(["check", "--regions", "r", "--scheduler", "x",
                                   "--workers", "2"])
    with pytest.raises(SystemExit):  # the engine benchmark has no province scale
        main(["bench", "--task", "engine", "--scale", "province"])
