"""Partitioned runs: buffers from the rulebook, road tiles, checked answers, Dask runs.

Hand-made regions (tests/handmade.py: a straight road along y = Y0, a node every 100 m)
where the answers are obvious, then the city split by district on a LocalCluster of two
worker processes against the single-process check (slow), then faults.
"""

from __future__ import annotations

import handmade as hm
import numpy as np
import pandas as pd
import pytest
import shapely

from planning.rules.assess import assess
from planning.rules.base import facilities_of
from planning.rules.rulebook import load_rulebook
from planning.scale.partition import (
    CutAccess,
    ReplayAccess,
    TileStore,
    across_points,
    areas,
    buffers_m,
    owners,
    split,
    sub_region,
    villages_m,
)
from planning.schema import CLINIC_KINDS
from planning.travel.access import Access
from planning.travel.network import RoadNetwork, region_network
from planning.words import VALUES, render_units, value_word

SNAP = 1000.0


def test_buffers_follow_from_the_rulebook():
    rb = load_rulebook()
    speeds = {"walk": 5 / 3.6, "ebike": 15 / 3.6, "drive": 100 / 3.6}
    b = buffers_m(rb, speeds, SNAP)
    # R2: 1,500 m + snap; R3: 15 min at 5 km/h = 1,250 m + snap + 60 m display buffer
    # (R8's village doctors: 15 min on foot = 1,250 m + snap, less)
    assert b["walk"] == pytest.approx(max(1500 + SNAP, 1250 + SNAP + 60))
    # R4: 30 min at 100 km/h = 50 km + snap
    assert b["drive"] == pytest.approx(50_000 + SNAP)
    # R8's GPs: 30 min by e-bike at 15 km/h = 7,500 m + snap; villages within 7,500 m
    assert b["ebike"] == pytest.approx(7500 + SNAP)
    assert villages_m(rb, speeds) == pytest.approx(7500)
    faster = rb.with_values({"R3.mode": "ebike", "R8.gp_minutes": 10})
    # R3 by e-bike: 15 min = 3,750 m + snap + 60 m, now wider than R8's 10 min (2,500 m)
    assert buffers_m(faster, speeds, SNAP)["ebike"] == pytest.approx(3750 + SNAP + 60)
    assert villages_m(faster, speeds) == pytest.approx(2500)
    driving = rb.with_values({"R8.gp_mode": "drive", "R8.gp_minutes": 45})
    assert buffers_m(driving, speeds, SNAP)["drive"] == pytest.approx(75_000 + SNAP)
    assert villages_m(driving, speeds) == pytest.approx(75_000)


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


def _partitioned(region, tmp_path):
    """What the driver prepares for a region's tasks: its tile store (1 km tiles), the
    counties, their areas and owners, and the rulebook's buffers (metres per mode)."""
    store = TileStore.for_region(region, cache_dir=tmp_path, tile_m=1000.0)
    counties = split(region)
    area = areas(region, counties)
    own = owners(region, counties, area)
    buffers = buffers_m(load_rulebook(), {m: store.speed(m) for m in ("walk", "ebike", "drive")},
                        SNAP)
    return store, counties, area, own, buffers


def test_cut_access_widens_until_exact(tmp_path):
    region = _two_counties()
    store, counties, area, own, buffers = _partitioned(region, tmp_path)
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
    # the counties' files hold the merged file's rows, with its columns and types
    parts = [gpd.read_file(tmp_path / "out" / "counties" / f"{c}.gpkg", layer="R2_villages")
             for c in ("A", "B")]
    assert [len(p) for p in parts] == [2, 1]
    both = pd.concat(parts, ignore_index=True).sort_values("village_id", ignore_index=True)
    pd.testing.assert_frame_equal(both, r2.sort_values("village_id", ignore_index=True))


def _counties_access(region, tmp_path):
    """Each county's CutAccess, as its task builds it."""
    store, counties, area, own, buffers = _partitioned(region, tmp_path)
    across = across_points(region, ("walk", "ebike", "drive"))
    out = {}
    for c in counties:
        sub = sub_region(region, own, c, area[c.county_id], buffers)
        mine = lambda s, c=c: set(s.index[(s == c.county_id).to_numpy()])
        out[c.county_id] = CutAccess(
            sub, store, area[c.county_id], buffers,
            set(region.villages.loc[list(mine(own.villages)), "village_id"]),
            set(region.facilities.loc[list(mine(own.facilities)), "facility_id"]), across=across)
    return out


def test_catchment_rows_and_the_cost_to_leave_the_region(tmp_path):
    """R8's questions on a cut: each county answers for its own facilities' catchment
    rows (complete: widened to the disc the cutoff reaches) and for its own villages'
    cost to leave the *whole* region (the road nodes across the region's outline, not
    the county's); replayed, they equal one process."""
    region = _two_counties()
    cut = _counties_access(region, tmp_path)
    clinics = facilities_of(region, CLINIC_KINDS)
    for access in cut.values():
        access.catchment("walk", facilities_of(access.region, CLINIC_KINDS), "length", 3000.0)
        access.border_cost("walk", "length")
    # the rows of C1 (4,900 m: A's villages at 3,900 m, B's at 7,900 m — 3,000 m, on the
    # cutoff) and C3 (10 km, outside every township: B's) reach beyond B's walking buffer
    assert cut["B"].stats["walk"]["widened"] == 2
    replay = ReplayAccess(region, {c: a.answers for c, a in cut.items()},
                          {c: set(a.region.facilities["facility_id"]) for c, a in cut.items()})
    got = replay.catchment("walk", clinics, "length", 3000.0)
    want = Access(region).catchment("walk", clinics, "length", 3000.0)
    # by hand: along the road, villages at 3,900, 500, 7,900 m; clinics at 4,900, 600, 10,000
    np.testing.assert_array_equal(got.toarray(), [[1000, 0, 3000], [0, 100, 0], [0, 0, 2100]])
    assert (got != want).nnz == 0 and np.array_equal(got.indices, want.indices)
    # across the outline (x 0-8,000 m): the nodes at -100 m and 8,100 m. 边村 (3,900 m) is
    # 4,000 m from leaving, beyond what A's cut can tell (its walking buffer 2,500 m less
    # the snap limit: 1,500 m): unknown, replayed as inf — more than any catchment asks
    whole = Access(region).border_cost("walk", "length")
    np.testing.assert_allclose(whole, [4000, 600, 200])
    np.testing.assert_allclose(replay.border_cost("walk", "length"), [np.inf, 600, 200])
    assert cut["A"].answers["border|walk|length"]["exact_up_to"] == pytest.approx(1500)


def test_r3_surface_from_the_counties_equals_one_process(tmp_path, monkeypatch):
    """R3's travel-time surface in a partitioned run: each county computes the cells of
    its own townships on its cut (the whole region's grid), the replay merges them.
    Every cell within the merged cap (above R3's 15 minutes) has the single process's
    state, minutes and facility — cells of A served by B's clinic across the border
    included; the cap is what the walking buffer makes exact."""
    from planning import settings
    from planning.rules import r3_health_circle as r3
    from planning.scale.partition import _CIRCLE
    from planning.travel.surface import BEYOND_CAP, WITHIN

    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    region = _two_counties()
    rb = load_rulebook()
    whole = r3.surface(region, rb, Access(region), cap_minutes=60.0)
    cut = _counties_access(region, tmp_path)
    for access in cut.values():
        r3.surface(access.region, rb, access, cap_minutes=60.0)
    replay = ReplayAccess(region, {c: a.answers for c, a in cut.items()},
                          {c: set(a.region.facilities["facility_id"]) for c, a in cut.items()})
    got = r3.surface(region, rb, replay, cap_minutes=60.0)
    assert got.grid == whole.grid
    # walking buffer 2,500 m (R2's 1,500 m + the 1,000 m snap limit), drawn inside the
    # circle; less the snap limit, at 5 km/h: about 18 minutes
    cap = (2500 / _CIRCLE - 1000) / hm.WALK_MS / 60
    assert got.cap_minutes == pytest.approx(cap) and 15 < cap < 18.1
    inside = whole.minutes <= cap
    assert inside.sum() > 0 and (whole.minutes > cap).sum() > 0     # both kinds of cells
    want_state = np.where((whole.state == WITHIN) & ~inside, BEYOND_CAP, whole.state)
    np.testing.assert_array_equal(got.state, want_state)
    np.testing.assert_allclose(got.minutes[inside], whole.minutes[inside], rtol=1e-6)
    np.testing.assert_array_equal(got.facility[inside], whole.facility[inside])
    assert np.isnan(got.minutes[~inside]).all()
    # by hand: the cell centred 50 m north of the road at x = 3,950 m (county A) walks
    # 50 m to the road and 950 m to B's clinic C1 (x = 4,900 m): 1,000 m, 12 minutes
    r, c = got.grid.cell_of([[hm.X0 + 3950, hm.Y0 + 50]])
    assert got.minutes[r[0], c[0]] == pytest.approx(12.0, rel=1e-6)
    c1 = list(facilities_of(region, rb["R3"]["facility_kinds"])["facility_id"]).index("C1")
    assert got.facility[r[0], c[0]] == c1
    cols = np.arange(got.grid.shape[1])
    in_a = (got.grid.x0 + (cols + 0.5) * got.grid.cell_m < hm.X0 + 4000)[None, :]
    assert ((got.facility == c1) & in_a).sum() > 0
    # the areas R3 draws from it: as one process
    one = assess(region)
    replayed = r3.check(region, rb, replay)
    for name in ("R3_covered", "R3_uncovered"):
        a = one.results["R3"].layers[name].geometry.iloc[0]
        b = replayed.layers[name].geometry.iloc[0]
        assert a.area > 0 and shapely.symmetric_difference(a, b).area == pytest.approx(0.0)


def test_partitioned_run_with_r3_surface(tmp_path, monkeypatch):
    """The whole run (Dask, in process) with R3's areas from the surface: the merged
    covered / uncovered layers and R3's figures equal one process; the road band still
    works (the checkpoints' hash carries the setting: switching re-runs the counties)."""
    import geopandas as gpd
    from distributed import Client

    from planning import settings
    from planning.scale.distributed import local_cluster, run

    region = _two_counties()
    areas_of = {}
    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        for how in ("surface", "road_band"):
            monkeypatch.setattr(settings, "R3_AREAS", how)
            one = assess(region)
            summary = run(region, tmp_path / "out", client=client, progress=lambda line: None)
            assert summary["skipped_unchanged"] == 0 and summary["failed"] == []
            _same(one.summary()["rules"][2], summary["total"]["rules"][2], how)
            for name in ("R3_covered", "R3_uncovered"):
                got = gpd.read_file(tmp_path / "out" / "merged.gpkg", layer=name)
                want = one.results["R3"].layers[name].geometry.iloc[0]
                g = got.to_crs(region.crs).geometry.iloc[0]
                assert shapely.symmetric_difference(g, want).area == pytest.approx(0, abs=1e-3)
                areas_of[how, name] = g.area
    # by design the two ways differ (cells of 100 m against roads buffered by 60 m)
    assert areas_of["surface", "R3_covered"] != pytest.approx(areas_of["road_band", "R3_covered"])


def _with_fragment():
    """The two counties with a small piece of road (200 m, not part of the main network)
    300 m north of the main road at the border, a village and a clinic beside it: both
    snap past it to the main road (moved); the clinic, B's, is seen by A's task too."""
    towns, vills, facs = (_two_counties().layer(n) for n in ("townships", "villages",
                                                           "facilities"))
    vills = pd.concat([vills, hm.villages([
        {"village_id": "120115101203", "name": "北村", "township_id": "120115101",
         "population": 300, "x": 3950, "y": 350}])], ignore_index=True)
    facs = pd.concat([facs, hm.facilities([
        {"facility_id": "C4", "name": "北村卫生室", "kind": "village_clinic", "x": 4050,
         "y": 320}])], ignore_index=True)
    nets = {}
    for mode in ("walk", "ebike", "drive"):
        net = hm.line_network(mode=mode)
        n = net.n_nodes
        speed = net.length_m[0] / net.time_s[0]
        nets[mode] = RoadNetwork(
            mode, hm.CRS, np.append(net.node_osmid, [n + 1, n + 2]),
            np.append(net.x, [hm.X0 + 3900, hm.X0 + 4100]), np.append(net.y, [hm.Y0 + 300] * 2),
            np.append(net.u, [n, n + 1]).astype(np.int32),
            np.append(net.v, [n + 1, n]).astype(np.int32), np.append(net.length_m, [200, 200]),
            np.append(net.time_s, [200 / speed] * 2), np.append(net.highway, ["service"] * 2),
            "handmade")
    return hm.region(towns, vills, facs, networks=nets)


def test_snapping_recorded_per_county_and_counted_once(tmp_path):
    """How villages and facilities joined the network (R2/R3's road_snap and access_m,
    and the snapping figures) come from the county that owns each: the clinic both
    tasks see is counted once."""
    from distributed import Client

    from planning.scale.distributed import local_cluster, run

    region = _with_fragment()
    one = assess(region)
    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        summary = run(region, tmp_path / "out", client=client, progress=lambda line: None)
    assert summary["failed"] == []
    for a, b in zip(one.summary()["rules"], summary["total"]["rules"]):
        _same(a, b, a["id"])
    snapping = summary["total"]["rules"][1]["figures"]["snapping"]
    assert snapping["moved"] == 1 and snapping["moved_village_ids"] == ["120115101203"]
    assert snapping["facilities_moved"] == 1 and snapping["moved_facility_ids"] == ["C4"]
    assert snapping["moved_extra_m_max"] == pytest.approx(300.0)   # 350 m, not 50 m
    import geopandas as gpd

    for layer in ("R2_villages", "R3_villages"):
        got = gpd.read_file(tmp_path / "out" / "merged.gpkg", layer=layer).set_index("village_id")
        assert got.at["120115101203", "access_m"] == pytest.approx(350.0)
        assert got.at["120115101203", "road_snap"] == value_word("road_snap", "moved")
        assert got.at["120115101202", "road_snap"] == value_word("road_snap", "nearest")


def test_a_rule_failing_on_a_county_is_left_out_and_named(tmp_path, monkeypatch):
    """As one process leaves out a rule that fails (and says why), the merge leaves out
    a rule that failed on some county — never answered for part of the region."""
    from distributed import Client

    from planning.rules import RULES
    from planning.scale.distributed import local_cluster, run

    r6 = RULES["R6"]

    def fails_on_b(region, rulebook, access):
        if region.name == "B":
            raise ValueError("R6 broke on B")
        return r6(region, rulebook, access)

    monkeypatch.setitem(RULES, "R6", fails_on_b)
    region = _two_counties()
    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        summary = run(region, tmp_path / "out", client=client, progress=lambda line: None)
    assert summary["counties_checked"] == 2 and summary["failed"] == []
    assert "B: ValueError: R6 broke on B" in summary["total"]["errors"]["R6"]
    assert [r["id"] for r in summary["total"]["rules"]] == [
        "R1", "R2", "R3", "R4", "R5", "R7", "R8"]


def test_a_region_without_roads_is_refused_with_what_to_do(tmp_path, capsys):
    """Partitioned runs need roads (buffers and checks follow the network); a region
    without a road file — one region, or a folder of regions — is sent to the
    one-process straight-line check, in the planner's language, before any worker
    starts."""
    from planning.cli import main
    from planning.region import Region

    region = _two_counties()
    bare = Region("bare", region.crs, region.townships, region.villages, region.facilities)
    one = tmp_path / "plain"
    many = tmp_path / "many"
    for folder in (one, many / "A", many / "B"):
        folder.mkdir(parents=True)
        for name in ("townships", "villages", "facilities"):
            bare.to_wgs84(name).to_file(folder / f"{name}.gpkg", driver="GPKG")
    for folder, lang, words in ((one, "zh", ("分区检查需要道路文件", "--region", "直线估算")),
                                (one, "en", ("needs a road file", "--region PATH",
                                             "straight-line")),
                                (many, "en", ("a folder of regions needs one road file",
                                              "--region PATH"))):
        assert main(["check", "--regions", str(folder), "--out", str(tmp_path / "o"),
                     "--lang", lang]) == 2
        err = capsys.readouterr().err
        assert all(w in err for w in words), err
        assert "Dask" not in err and folder.name in err   # no cluster started; the file named
    assert not (tmp_path / "o").exists()


def _same(a, b, path=""):
    """Two summaries (or parts) equal: floats to 1e-9, everything else exactly."""
    if isinstance(a, dict):
        assert set(a) == set(b), (path, set(a) ^ set(b))
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-9, nan_ok=True), path
    else:
        assert a == b, path


# ---------------------------------------------------------------- the city on a LocalCluster


@pytest.mark.slow
def test_city_split_by_district_gives_the_single_process_answers(tmp_path, monkeypatch):
    """The 16 districts of the city as county tasks on two worker processes: every row
    of every rule's layers (R2's distances, road_snap and access_m, R3's minutes, R8's
    GPs per 10,000 within reach and border flags, every township's status …) and every
    rule's summary figures equal the single-process check — villages served across a
    district border included (R2's clinics, R8's GP catchments; counted, must exist).
    R3's areas come from the travel-time surface (the workers take the driver's
    setting): the merged covered and uncovered areas equal one process's."""
    from planning import settings

    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    import geopandas as gpd
    import pyogrio
    from distributed import Client

    from benchmarks.bench_partitioned import region_path
    from planning.inputs import load_region
    from planning.rules.r8_staff_access import reach
    from planning.scale.distributed import local_cluster, run

    path, by = region_path("city")
    region = load_region(path)
    single = Access(region)
    one = assess(region, access=single)
    with local_cluster(2) as cluster, Client(cluster) as client:
        summary = run(path, tmp_path, client=client, by=by, progress=lambda line: None)
    assert summary["counties_checked"] == 16 and summary["failed"] == []

    # every rule's summary: counts and figures (R2/R3 snapping, R3 shares and areas, R8 …)
    assert "errors" not in summary["total"]
    _same({k: v for k, v in one.summary().items() if k != "region"},
          {k: v for k, v in summary["total"].items() if k != "region"}, "summary")
    # every layer, row by row, column by column (as written: Chinese values)
    want_layers = one.layers()
    assert sorted(n for n, _ in pyogrio.list_layers(tmp_path / "merged.gpkg")) == sorted(want_layers)
    checked = {}
    for name, want in want_layers.items():
        got = gpd.read_file(tmp_path / "merged.gpkg", layer=name)
        checked[name] = _same_layer(name, got, want)
    for name, cols in {"R2_villages": ["clinic_road_m", "nearest_clinic_id", "access_m",
                                       "road_snap", "status"],
                       "R3_villages": ["minutes_to_care", "nearest_facility_id", "access_m",
                                       "road_snap", "status"],
                       "R8_villages": ["gps_per_10000", "nurses_per_1000",
                                       "village_doctors_per_1000", "near_border", "status"],
                       "R8_facilities": ["served_population", "gps_per_10000_served"],
                       "R1_townships": ["status"], "R3_townships": ["share_within", "status"],
                       "R7_centres": ["drive_minutes_to_lead", "status"]}.items():
        assert set(cols) <= checked[name], (name, set(cols) - checked[name])
    r8 = one.summary()["rules"][7]["figures"]
    assert r8["villages_near_border"] > 0        # the cost to leave the city was asked

    district_of = dict(zip(region.townships["township_id"], region.townships["district"]))
    fac_district = {f: district_of.get(t) for f, t in within_polygons_ids(region).items()}
    vil_district = region.villages["township_id"].map(district_of).to_numpy()
    # villages whose nearest clinic within 1.5 km lies in another district
    r2 = one.results["R2"].units
    across = [v for v in r2.itertuples() if isinstance(v.nearest_clinic_id, str)
              and v.clinic_road_m <= 1500
              and fac_district.get(v.nearest_clinic_id) != district_of.get(v.township_id)]
    assert len(across) > 0
    # villages with a GP facility of another district within their 30 minutes
    gp = reach(region, single, load_rulebook(), "gp")
    c = gp.costs.tocoo()
    other = np.array([fac_district.get(f) for f in gp.facilities["facility_id"]],
                     dtype=object)[c.row] != vil_district[c.col]
    gp_across = len(np.unique(c.col[other]))
    assert gp_across > 0
    print(f"{len(across)} villages served by a clinic in the neighbouring district; "
          f"{gp_across} villages reach GPs of another district within "
          f"{gp.minutes:g} min ({gp.mode})")


def _same_layer(name: str, got, want) -> set[str]:
    """A merged layer as written (GeoPackage, Chinese values) equals one process's;
    returns the columns compared."""
    key = next((c for c in ("village_id", "facility_id", "township_id", "district_id",
                            "group_id") if c in want), None)
    if key is None:                       # display polygons (R3_covered, R3_uncovered)
        assert len(got) == len(want) == 1, name
        assert got.to_crs(want.crs).area.iloc[0] == pytest.approx(want.area.iloc[0], rel=1e-6)
        return set()
    want = render_units(want, "zh")      # as export writes it: sentences from the codes
    want = want.set_index(want[key].astype(str))
    got = got.set_index(got[key].astype(str))
    assert sorted(got.index) == sorted(want.index), name
    got = got.loc[want.index]
    cols = set()
    for col in want.columns.drop([key, "geometry"], errors="ignore"):
        a, b = want[col], got[col]
        if col in VALUES:
            a = a.map(lambda v, col=col: value_word(col, v, "zh"))
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(pd.to_numeric(b).to_numpy(float), a.to_numpy(float),
                                       rtol=1e-9, atol=1e-6, err_msg=f"{name}.{col}")
        else:
            text = lambda s: s.astype(object).where(s.notna(), "-").astype(str)
            bad = (text(a) != text(b)).to_numpy()
            assert not bad.any(), (name, col, a[bad].head(3).tolist(), b[bad].head(3).tolist())
        cols.add(col)
    return cols


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


def test_code_version_follows_the_rules_not_the_outputs(tmp_path):
    """A resumed run re-checks a county when a rule, the travel code or a rulebook
    changed (its checkpoint's hash carries the code's digest), not when only an output
    writer did."""
    import shutil
    from pathlib import Path

    import planning
    from planning.scale.distributed import code_version

    root = tmp_path / "planning"
    shutil.copytree(Path(planning.__file__).parent, root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    first = code_version(root)
    assert code_version(root) == first
    for rel in ("rules/r2_village_clinics.py", "travel/engine.py",
                "rules/rulebooks/tianjin.toml"):
        f = root / rel
        keep = f.read_bytes()
        f.write_bytes(keep + b"\n# changed\n")
        assert code_version(root) != first, rel
        f.write_bytes(keep)
    (root / "outputs" / "export.py").write_text("# another writer\n")
    assert code_version(root) == first


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
