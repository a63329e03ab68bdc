"""Travel-time engine: hand-made cases with known answers, and property tests against an
independent networkx reference that splits edges at the snapped points."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings as hsettings, strategies as st

from planning import settings
from planning.travel.engine import TravelEngine, main_parts
from planning.travel.incremental import IncrementalNearest
from planning.errors import InputError
from planning.travel.network import RoadNetwork

import reference

CRS = pyproj.CRS(32650)
WALK_MS = settings.WALK_SPEED_KMH / 3.6


def make_net(xy, edges, mode="walk", speed_kmh=None):
    """edges: (u, v, length_m[, time_s]) directed."""
    xy = np.asarray(xy, float)
    u = np.array([e[0] for e in edges], np.int32)
    v = np.array([e[1] for e in edges], np.int32)
    length = np.array([e[2] for e in edges], float)
    speed = (speed_kmh or settings.WALK_SPEED_KMH) / 3.6
    time = np.array([e[3] if len(e) > 3 else e[2] / speed for e in edges], float)
    return RoadNetwork(mode=mode, crs=CRS, node_osmid=np.arange(len(xy)), x=xy[:, 0],
                       y=xy[:, 1], u=u, v=v, length_m=length, time_s=time,
                       highway=np.array(["residential"] * len(u)))


def two_way(a, b, length):
    return [(a, b, length), (b, a, length)]


@pytest.fixture
def road():
    """A straight two-way road along y=0 from x=0 to x=3000, nodes every 1000 m."""
    xy = [(0, 0), (1000, 0), (2000, 0), (3000, 0)]
    edges = two_way(0, 1, 1000) + two_way(1, 2, 1000) + two_way(2, 3, 1000)
    return TravelEngine.from_network(make_net(xy, edges))


# ---------------------------------------------------------------------- hand-made cases
def test_village_off_road_to_clinic_along_road(road):
    cost, fac = road.nearest([[0, 100]], [[2000, 50]], "length")
    assert cost[0] == pytest.approx(100 + 2000 + 50)
    assert fac[0] == 0
    cost_s, _ = road.nearest([[0, 100]], [[2000, 50]], "time")
    assert cost_s[0] == pytest.approx(150 / WALK_MS + 2000 / WALK_MS)


def test_snap_reports_edge_fraction_and_leg(road):
    s = road.snap([[500, 100], [2250, -30], [10, 5000]])
    assert s.access_m[:2] == pytest.approx([100, 30])
    np.testing.assert_allclose(s.xy[:2], [[500, 0], [2250, 0]])
    net = road.net
    for i, x in ((0, 500), (1, 2250)):
        e = s.edge[i]
        x0, x1 = net.x[net.u[e]], net.x[net.v[e]]
        assert x0 + s.fraction[i] * (x1 - x0) == pytest.approx(x)
    assert s.off_network.tolist() == [False, False, True]


def test_nearest_picks_the_closer_facility(road):
    cost, fac = road.nearest([[100, 0], [2900, 0]], [[3000, 0], [0, 0]])
    assert cost.tolist() == pytest.approx([100, 100])
    assert fac.tolist() == [1, 0]


def test_one_way_road_drive_vs_walk():
    xy = [(0, 0), (1000, 0)]
    drive = TravelEngine.from_network(make_net(xy, [(0, 1, 1000)], "drive", 36))
    walk = TravelEngine.from_network(make_net(xy, two_way(0, 1, 1000)))
    # village at x=100, clinic at x=900: with the one-way direction
    assert drive.nearest([[100, 0]], [[900, 0]])[0][0] == pytest.approx(800)
    assert drive.nearest([[100, 0]], [[900, 0]], "time")[0][0] == pytest.approx(80)
    # against it: a car cannot go, a walker can
    cost, fac = drive.nearest([[900, 0]], [[100, 0]])
    assert np.isinf(cost[0]) and fac[0] == -1
    assert walk.nearest([[900, 0]], [[100, 0]])[0][0] == pytest.approx(800)
    # catchments and the stateful table agree on the direction
    assert drive.catchment_matrix([[100, 0]], [[900, 0]], 5000).nnz == 0
    assert drive.catchment_matrix([[900, 0]], [[100, 0]], 5000).toarray()[0, 0] == pytest.approx(800)
    assert np.isinf(IncrementalNearest(drive, [[900, 0]], [[100, 0]]).nearest_cost[0])


def test_one_way_through_nodes_uses_the_reversed_search():
    # one-way ring 0 -> 1 -> 2 -> 0 (a triangle); going "backwards" means the long way
    xy = [(0, 0), (1000, 0), (1000, 1000)]
    edges = [(0, 1, 1000), (1, 2, 1000), (2, 0, 1500)]
    eng = TravelEngine.from_network(make_net(xy, edges, "drive", 36))
    # village near node 1, clinic near node 0: must go 1 -> 2 -> 0
    cost, _ = eng.nearest([[1000, -10]], [[0, -10]])
    assert cost[0] == pytest.approx(10 + 1000 + 1500 + 10)
    cost, _ = eng.nearest([[0, -10]], [[1000, -10]])
    assert cost[0] == pytest.approx(10 + 1000 + 10)


def test_one_way_piece_inside_a_chain_blocks_only_its_direction():
    # a road 0-1-2-3-4 drawn in pieces, only the piece 2 -> 3 one-way, and a road
    # 4-5-0 (north) back: every node joins two pieces, one ring, one chain
    xy = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (4000, 0), (2000, 3000)]
    edges = (two_way(0, 1, 1000) + two_way(1, 2, 1000) + [(2, 3, 1000)]
             + two_way(3, 4, 1000) + two_way(0, 5, 4000) + two_way(5, 4, 4000))
    eng = TravelEngine.from_network(make_net(xy, edges, "drive", 36))
    assert eng.junctions.n == 1 and len(eng.chains.a) == 1      # one junction kept
    east, west = [[500, -10]], [[3500, -10]]
    cost, _ = eng.nearest(east, west)                        # with the one-way piece
    assert cost[0] == pytest.approx(10 + 3000 + 10)
    cost, _ = eng.nearest(west, east)                        # against it: round the ring
    assert cost[0] == pytest.approx(10 + 500 + 8000 + 500 + 10)
    # both points inside the chain, between them the one-way piece: straight or round
    m = eng.catchment_matrix([[3500, -10], [1500, -10]], [[1500, 10], [3500, 10]], 1e6)
    assert m[0, 0] == pytest.approx(20 + 2000)
    assert m[1, 1] == pytest.approx(20 + 500 + 8000 + 1500)


def test_facility_no_road_leads_into():
    # dead ends 0 and 2 (junctions), node 1 between them; both one-way pieces lead away
    # from node 1, so no car reaches a clinic there except from the very same place
    xy = [(0, 0), (1000, 0), (2000, 0)]
    eng = TravelEngine.from_network(make_net(xy, [(1, 0, 1000), (1, 2, 1000)], "drive", 36))
    villages = [[500, 10], [1000, 10]]
    cost, fac = eng.nearest(villages, [[1000, -10]])
    assert cost[0] == np.inf and fac[0] == -1
    assert cost[1] == pytest.approx(20) and fac[1] == 0
    acc = IncrementalNearest(eng, villages, weight="length", cutoffs=(100.0,))
    fid = acc.add([1000, -10])
    np.testing.assert_allclose(acc.nearest_cost, cost)
    assert acc.catchment(100.0).toarray().tolist() == [[0.0, pytest.approx(20)]]
    acc.close(fid)
    assert np.isinf(acc.nearest_cost).all()


def test_parallel_edges_keep_the_minimum():
    xy = [(0, 0), (1000, 0)]
    edges = [(0, 1, 1500), (0, 1, 1000), (1, 0, 1200), (1, 0, 1000), (1, 0, 5000)]
    eng = TravelEngine.from_network(make_net(xy, edges))
    assert eng.nearest([[0, 0]], [[1000, 0]])[0][0] == pytest.approx(1000)
    assert eng.nearest([[1000, 0]], [[0, 0]])[0][0] == pytest.approx(1000)
    assert eng.catchment_matrix([[1000, 0]], [[0, 0]], 1000).toarray()[0, 0] == pytest.approx(1000)


def test_zero_length_edge_is_traversable():
    xy = [(0, 0), (1000, 0), (1000, 0), (2000, 0)]
    edges = two_way(0, 1, 1000) + two_way(1, 2, 0.0) + two_way(2, 3, 1000)
    eng = TravelEngine.from_network(make_net(xy, edges))
    cost, fac = eng.nearest([[0, 0]], [[2000, 0]])
    assert fac[0] == 0
    assert cost[0] == pytest.approx(2000, abs=0.05)


def test_off_network_point_is_unreachable(road):
    s = road.snap([[1500, 1001]])
    assert s.off_network[0]
    cost, fac = road.nearest([[1500, 1001]], [[1500, 0]])
    assert np.isinf(cost[0]) and fac[0] == -1
    cost, fac = road.nearest([[1500, 0]], [[1500, 1001]])
    assert np.isinf(cost[0]) and fac[0] == -1
    assert road.catchment_matrix([[1500, 1001]], [[1500, 0]], 1e9).nnz == 0
    # a looser limit joins it
    eng = TravelEngine.from_network(road.net, snap_limit_m=2000)
    assert eng.nearest([[1500, 1001]], [[1500, 0]])[0][0] == pytest.approx(1001)


def test_road_island_is_unreachable():
    xy = [(0, 0), (1000, 0), (5000, 0), (6000, 0)]
    eng = TravelEngine.from_network(make_net(xy, two_way(0, 1, 1000) + two_way(2, 3, 1000)))
    cost, fac = eng.nearest([[5500, 10], [500, 10]], [[100, 0]])
    assert np.isinf(cost[0]) and fac[0] == -1
    assert cost[1] == pytest.approx(10 + 400)


def test_facility_with_no_reachable_village_has_an_empty_row():
    xy = [(0, 0), (1000, 0), (5000, 0), (6000, 0)]
    eng = TravelEngine.from_network(make_net(xy, two_way(0, 1, 1000) + two_way(2, 3, 1000)))
    m = eng.catchment_matrix([[5500, 0], [500, 0]], [[100, 0], [900, 0]], 1e9)
    assert m.shape == (2, 2)
    assert m[0].nnz == 0
    assert sorted(m[1].indices.tolist()) == [0, 1]


def test_empty_facility_set(road):
    cost, fac = road.nearest([[10, 0], [20, 0]], np.zeros((0, 2)))
    assert np.isinf(cost).all() and (fac == -1).all()
    assert road.catchment_matrix(np.zeros((0, 2)), [[10, 0]], 1500).shape == (0, 1)
    assert road.isochrone_union(np.zeros((0, 2)), 1500).is_empty
    acc = IncrementalNearest(road, [[10, 0]], None, cutoffs=(1500,))
    assert np.isinf(acc.nearest_cost[0]) and acc.nearest_id[0] == -1
    fid = acc.add([1000, 0])
    assert acc.nearest_cost[0] == pytest.approx(990) and acc.nearest_id[0] == fid
    acc.close(fid)
    assert np.isinf(acc.nearest_cost[0]) and acc.nearest_id[0] == -1


def test_zero_cost_is_an_explicit_entry(road):
    m = road.catchment_matrix([[500, 0]], [[500, 0], [2900, 0]], 1500)
    assert m.nnz == 1 and m.indices.tolist() == [0] and m.data[0] == 0.0


def test_catchment_cutoff_is_inclusive(road):
    m = road.catchment_matrix([[1000, 0]], [[0, 0], [2000, 0], [2001, 0]], 1000)
    assert sorted(m.indices.tolist()) == [0, 1]


def test_same_edge_goes_straight_respecting_direction():
    xy = [(0, 0), (1000, 0)]
    drive = TravelEngine.from_network(make_net(xy, [(0, 1, 1000)], "drive", 36))
    assert drive.nearest([[300, 0]], [[700, 0]])[0][0] == pytest.approx(400)
    assert np.isinf(drive.nearest([[700, 0]], [[300, 0]])[0][0])


def test_points_at_a_node_share_it():
    # a point snapped onto the end of a one-way edge is at that node
    xy = [(0, 0), (1000, 0), (1000, 1000)]
    eng = TravelEngine.from_network(make_net(xy, [(0, 1, 1000), (2, 1, 1000)], "drive", 36))
    cost, _ = eng.nearest([[1000, -5]], [[1005, 0]])
    assert cost[0] == pytest.approx(10)


def test_bad_points_raise_input_error(road):
    with pytest.raises(InputError, match="row 2"):
        road.snap([[0, 0], [np.nan, 1]])
    gs = gpd.GeoSeries(shapely.points([[117.3, 39.7]]), crs=4326)
    with pytest.raises(InputError, match="reproject"):
        road.nearest(gs, [[0, 0]])
    # points as a GeoDataFrame in the network CRS are fine
    gdf = gpd.GeoDataFrame(geometry=shapely.points([[0, 10]]), crs=CRS)
    assert road.nearest(gdf, [[0, 0]])[0][0] == pytest.approx(10)


def test_bad_network_raises_input_error():
    net = make_net([(0, 0), (1, 0)], [(0, 1, 1.0)])
    net.length_m = np.array([np.nan])
    with pytest.raises(InputError, match="length_m"):
        TravelEngine.from_network(net)


# ---------------------------------------------------------------------- isochrones
def test_isochrone_cuts_edges_at_the_remaining_budget(road):
    iso = road.isochrones([[2500, -30]], 500, buffer_m=5)[0]
    # 470 m of budget left on the road each way from x=2500
    assert iso.contains(shapely.Point(2040, 0)) and iso.contains(shapely.Point(2960, 0))
    assert not iso.contains(shapely.Point(2010, 0))
    assert iso.contains(shapely.Point(2500, -20))       # the access leg


def test_isochrone_keeps_both_pieces_of_an_edge_reached_from_both_ends():
    # A(0,0) - B(1000,0) 1000 m; A - C(1000,1000) 1414 m; B - C a winding 3000 m road
    xy = [(0, 0), (1000, 0), (1000, 1000)]
    edges = two_way(0, 1, 1000) + two_way(0, 2, 1414) + two_way(1, 2, 3000)
    eng = TravelEngine.from_network(make_net(xy, edges))
    iso = eng.isochrones([[0, 0]], 2000, buffer_m=5)[0]
    # from B: 1000 of 3000 left -> a third of BC (333 m); from C: 586 of 3000 (195 m)
    assert iso.contains(shapely.Point(1000, 300))
    assert not iso.contains(shapely.Point(1000, 360))
    assert iso.contains(shapely.Point(1000, 820))
    assert not iso.contains(shapely.Point(1000, 780))
    # not a convex hull: the middle of the triangle is not in it
    assert not iso.contains(shapely.Point(700, 300))


def test_isochrone_union_equals_union_of_isochrones(road):
    fac = [[300, 0], [2600, 20]]
    parts = road.isochrones(fac, 400, buffer_m=10)
    union = road.isochrone_union(fac, 400, buffer_m=10)
    assert union.symmetric_difference(shapely.union_all(parts)).area < 1.0
    assert road.isochrones([[1500, 5000]], 400)[0].is_empty


# ---------------------------------------------------------------------- editing
def test_two_closures_in_a_row_fall_back_to_the_next_nearest(road):
    acc = IncrementalNearest(road, [[0, 0]], [[100, 0], [500, 0], [3000, 0]], cutoffs=(1000,))
    assert acc.nearest_id[0] == 0 and acc.nearest_cost[0] == pytest.approx(100)
    acc.close(0)
    assert acc.nearest_id[0] == 1 and acc.nearest_cost[0] == pytest.approx(500)
    acc.close(1)
    assert acc.nearest_id[0] == 2 and acc.nearest_cost[0] == pytest.approx(3000)
    assert not acc.covered(1000)[0]
    acc.move(2, [900, 0])
    assert acc.nearest_id[0] == 2 and acc.nearest_cost[0] == pytest.approx(900)
    assert acc.covered(1000)[0]
    assert acc.catchment(1000).toarray().tolist() == [[0], [0], [900]]
    with pytest.raises(InputError, match="not an open facility"):
        acc.close(0)


def test_added_facility_improves_far_beyond_its_own_neighbourhood():
    # old clinic at x=0; a new one at x=150 becomes nearest for the whole long road
    xy = [(0, 0), (100, 0), (200, 0), (10000, 0), (10100, 0)]
    edges = two_way(0, 1, 100) + two_way(1, 2, 100) + two_way(2, 3, 9800) + two_way(3, 4, 100)
    eng = TravelEngine.from_network(make_net(xy, edges))
    acc = IncrementalNearest(eng, [[9000, 0], [10100, 0]], [[0, 0]])
    fid = acc.add([150, 0])
    assert acc.nearest_id.tolist() == [fid, fid]
    assert acc.nearest_cost.tolist() == pytest.approx([8850, 9950])
    acc.close(fid)
    assert acc.nearest_cost.tolist() == pytest.approx([9000, 10100])


# ---------------------------------------------------------------------- disk cache
def test_prepared_arrays_are_cached_beside_the_network_and_checked(tmp_path):
    xy = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (2000, 1000)]
    edges = two_way(0, 1, 1000) + two_way(1, 2, 1000) + two_way(2, 3, 1000) + two_way(2, 4, 1000)
    net = make_net(xy, edges)
    net.info["cache_file"] = str(tmp_path / "roads_walk_abc.npz")
    fresh = TravelEngine.from_network(net)
    cached_file = tmp_path / "roads_walk_abc.engine2.npz"
    assert cached_file.is_file()
    mtime = cached_file.stat().st_mtime_ns
    again = TravelEngine.from_network(net)               # served by the cache
    assert cached_file.stat().st_mtime_ns == mtime
    for name in ("a", "b", "first", "seg_chain", "seg_k", "nodes"):
        np.testing.assert_array_equal(getattr(again.chains, name), getattr(fresh.chains, name))
    pts, fac = [[500, 10], [2500, -10], [2000, 900]], [[1500, 5]]
    assert again.nearest(pts, fac)[0] == pytest.approx([1015, 1015, 1405])
    # other edges under the same cache name (say, a road lengthened): not served stale
    longer = make_net(xy, two_way(0, 1, 1000) + two_way(1, 2, 1400) + two_way(2, 3, 1000)
                      + two_way(2, 4, 1000))
    longer.info["cache_file"] = net.info["cache_file"]
    assert TravelEngine.from_network(longer).nearest([[500, 10]], [[1500, 5]])[0] == \
        pytest.approx([10 + 500 + 700 + 5])
    # a damaged cache file is rebuilt, not trusted
    cached_file.write_bytes(b"not an npz")
    assert TravelEngine.from_network(net).nearest(pts, fac)[0] == pytest.approx([1015, 1015, 1405])
    assert cached_file.read_bytes()[:2] == b"PK"


# ---------------------------------------------------------------------- reference
def reference_costs(eng: TravelEngine, origins, facilities, weight):
    """Cost matrix (facility, origin) by splitting edges in a networkx graph."""
    net = eng.net
    so, sf = eng.snap(origins), eng.snap(facilities)
    pts = []   # (node name, snapped, i)
    for tag, s in (("o", so), ("f", sf)):
        for i in range(len(s)):
            if not s.off_network[i]:
                pts.append(((tag, i), s, i))
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(net.n_nodes))
    for e in range(net.n_edges):
        u, v = int(net.u[e]), int(net.v[e])
        if u == v:
            continue
        w = max(net.length_m[e], settings.MIN_EDGE_M) if weight == "length" else max(net.time_s[e], 1e-4)
        on = []
        for name, s, i in pts:
            pe = s.edge[i]
            pu, pv = int(net.u[pe]), int(net.v[pe])
            if (pu, pv) == (u, v):
                on.append((s.fraction[i], name))
            elif (pu, pv) == (v, u):
                on.append((1.0 - s.fraction[i], name))
        on.sort(key=lambda p: p[0])
        chain = [(0.0, u)] + on + [(1.0, v)]
        for (s0, a), (s1, b) in zip(chain[:-1], chain[1:]):
            G.add_edge(a, b, w=(s1 - s0) * w)
            if s1 == s0:          # the same place: both ways
                G.add_edge(b, a, w=0.0)
    speed = eng.walk_speed_kmh / 3.6
    for name, s, i in pts:
        leg = s.access_m[i] if weight == "length" else s.access_m[i] / speed
        if name[0] == "o":
            G.add_edge(("O", i), name, w=leg)
        else:
            G.add_edge(name, ("F", i), w=leg)
    R = G.reverse(copy=False)
    out = np.full((len(sf), len(so)), np.inf)
    for j in range(len(sf)):
        if sf.off_network[j]:
            continue
        d = nx.single_source_dijkstra_path_length(R, ("F", j), weight="w")
        for i in range(len(so)):
            out[j, i] = d.get(("O", i), np.inf)
    return out


coord = st.integers(0, 1000)


@st.composite
def scenes(draw, directed=None):
    n = draw(st.integers(2, 7))
    xy = draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.sampled_from(["two", "two", "fwd"]),
                                    st.floats(1.0, 1.6), st.integers(10, 60)),
                          min_size=1, max_size=12))
    drive = directed if directed is not None else draw(st.booleans())
    # roads drawn as several pieces, as OSM ways are (chains of degree-two nodes); a
    # piece may be one-way on its own, so a chain can forbid a direction in its middle
    kinds = draw(st.lists(st.lists(st.sampled_from(["two", "two", "fwd"]), min_size=1,
                                   max_size=4), min_size=len(pairs), max_size=len(pairs)))
    xy = [tuple(map(float, p)) for p in xy]
    edges = []
    for (a, b, kind, stretch, kmh), piece_kinds in zip(pairs, kinds):
        length = math.dist(xy[a], xy[b]) * stretch
        t = length / (kmh / 3.6)
        m = len(piece_kinds) if a != b else 1
        inner = list(range(len(xy), len(xy) + m - 1))
        xy += [(xy[a][0] + (xy[b][0] - xy[a][0]) * (i + 1) / m,
                xy[a][1] + (xy[b][1] - xy[a][1]) * (i + 1) / m) for i in range(m - 1)]
        path = [a, *inner, b]
        for p, q, k in zip(path[:-1], path[1:], piece_kinds if m > 1 else [kind]):
            edges.append((p, q, length / m, t / m))
            if k == "two" or not drive:
                edges.append((q, p, length / m, t / m))
    pt = st.tuples(st.integers(-300, 1300), st.integers(-300, 1300))
    origins = draw(st.lists(pt, min_size=1, max_size=6))
    facilities = draw(st.lists(pt, min_size=0, max_size=5))
    net = make_net(xy, edges, "drive" if drive else "walk")
    return net, np.array(origins, float).reshape(-1, 2), np.array(facilities, float).reshape(-1, 2)


PROP = hsettings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(scenes(), st.sampled_from([None, None, 1, 3]))
def test_snapping_is_exact_nearest_edge_of_the_parts_that_count(scene, min_part):
    """The nearest segment of the largest strongly connected part (or of parts of at
    least ``min_part`` nodes), else of any part, within the limit: as the reference finds
    it with networkx components and shapely distances."""
    net, origins, _ = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250, min_part_nodes=min_part)
    s = eng.snap(origins)
    u, v = np.asarray(net.u), np.asarray(net.v)
    pairs = np.column_stack([np.minimum(u, v), np.maximum(u, v)])[u != v]
    seg_ab = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
    ok = reference.snap_segments(net, seg_ab, min_part)
    seg, _, leg, off, moved = reference.snap_reference(net, seg_ab, origins, 250, min_part)
    np.testing.assert_array_equal(s.off_network, off)
    np.testing.assert_allclose(s.access_m[~off], leg[~off], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(s.on_fragment, ~off & ~np.append(ok, True)[seg])
    with np.errstate(invalid="ignore"):                 # inf - inf off the network
        clear = ~off & (np.abs(s.access_m - s.nearest_road_m) > 1e-6)  # not a rounding tie
    np.testing.assert_array_equal(s.moved[clear | ~s.moved], moved[clear | ~s.moved])
    for i in np.flatnonzero(~off):
        e = s.edge[i]
        line = shapely.LineString([(net.x[net.u[e]], net.y[net.u[e]]),
                                   (net.x[net.v[e]], net.y[net.v[e]])])
        assert shapely.distance(shapely.Point(s.xy[i]), line) < 1e-6
        assert shapely.distance(shapely.Point(origins[i]), line) == pytest.approx(leg[i], abs=1e-6)


@PROP
@given(scenes(), st.sampled_from(["length", "time"]))
def test_nearest_and_catchments_match_networkx(scene, weight):
    net, origins, facilities = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250)
    ref = reference_costs(eng, origins, facilities, weight)
    cost, fac = eng.nearest(origins, facilities, weight)
    best = ref.min(axis=0) if len(facilities) else np.full(len(origins), np.inf)
    np.testing.assert_allclose(cost, best, rtol=1e-9, atol=1e-6)
    for i in range(len(origins)):
        if np.isfinite(best[i]):
            assert ref[fac[i], i] == pytest.approx(best[i], abs=1e-6)
        else:
            assert fac[i] == -1
    finite = ref[np.isfinite(ref)]
    cutoff = float(np.median(finite)) + 0.5 if len(finite) else 100.0
    assume(not np.any(np.abs(finite - cutoff) < 1e-6))
    m = eng.catchment_matrix(facilities, origins, cutoff, weight)
    assert m.shape == ref.shape
    dense = np.full(ref.shape, np.inf)
    coo = m.tocoo()
    dense[coo.row, coo.col] = coo.data
    np.testing.assert_allclose(np.where(ref <= cutoff, ref, np.inf), dense, rtol=1e-9, atol=1e-6)


@PROP
@given(scenes(), st.tuples(st.integers(-300, 1300), st.integers(-300, 1300)),
       st.sampled_from(["length", "time"]))
def test_adding_a_facility_never_increases_nearest(scene, extra, weight):
    net, origins, facilities = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250)
    before, _ = eng.nearest(origins, facilities, weight)
    after, _ = eng.nearest(origins, np.vstack([facilities, [extra]]), weight)
    assert np.all(after <= before + 1e-9)


@PROP
@given(scenes(), st.floats(0, 3000), st.floats(0, 3000))
def test_larger_cutoff_contains_smaller(scene, c1, c2):
    net, origins, facilities = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250)
    small = eng.catchment_matrix(facilities, origins, min(c1, c2))
    large = eng.catchment_matrix(facilities, origins, max(c1, c2))
    s, big = small.tocoo(), large.tocsr()
    for r, c, v in zip(s.row, s.col, s.data):
        assert c in big[r].indices
        assert big[r, c] == pytest.approx(v)


edit = st.tuples(st.sampled_from(["add", "move", "close"]), st.integers(0, 20),
                 st.tuples(st.integers(-300, 1300), st.integers(-300, 1300)))


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes(), st.lists(edit, min_size=1, max_size=8), st.sampled_from(["length", "time"]),
       st.booleans())
def test_edits_equal_full_recomputation(scene, edits, weight, keep_catchments):
    net, origins, facilities = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250)
    cut = 600.0 if weight == "length" else 400.0
    acc = IncrementalNearest(eng, origins, facilities, weight=weight,
                            cutoffs=(cut,) if keep_catchments else ())
    pos = {i: tuple(p) for i, p in enumerate(facilities)}
    for op, k, xy in edits:
        open_ids = sorted(pos)
        if op == "add" or not open_ids:
            pos[acc.add(xy)] = xy
        elif op == "move":
            fid = open_ids[k % len(open_ids)]
            acc.move(fid, xy)
            pos[fid] = xy
        else:
            fid = open_ids[k % len(open_ids)]
            acc.close(fid)
            del pos[fid]
        ids = np.array(sorted(pos), dtype=int)
        fxy = np.array([pos[i] for i in ids], float).reshape(-1, 2)
        ref = eng.catchment_matrix(fxy, origins, np.inf, weight).tocoo()
        full = np.full((len(ids), len(origins)), np.inf)
        full[ref.row, ref.col] = ref.data
        best = full.min(axis=0) if len(ids) else np.full(len(origins), np.inf)
        np.testing.assert_allclose(acc.nearest_cost, best, rtol=1e-9, atol=1e-6)
        assert sorted(acc.open_ids.tolist()) == ids.tolist()
        for i in range(len(origins)):
            if np.isfinite(best[i]):
                row = int(np.searchsorted(ids, acc.nearest_id[i]))
                assert ids[row] == acc.nearest_id[i]
                assert full[row, i] == pytest.approx(best[i], abs=1e-6)
            else:
                assert acc.nearest_id[i] == -1
        np.testing.assert_array_equal(acc.covered(cut), best <= cut)
        # the node table behind it is exact too (it serves the next edit)
        np.testing.assert_allclose(acc._node_cost,
                                   eng.node_nearest(fxy, weight)[0][eng.chains.nodes],
                                   rtol=1e-9, atol=1e-6)
        got = acc.catchment(cut).toarray()
        want = np.zeros((acc.n_facilities, len(origins)))
        want[ids] = np.where(full <= cut, full, 0.0)
        np.testing.assert_allclose(got, want, atol=1e-6)
        assert (acc.catchment(cut).getnnz(axis=1)[ids] == (full <= cut).sum(axis=1)).all()


@PROP
@given(scenes(), st.sampled_from(["length", "time"]), st.sampled_from([0.3, 1.0, 6.0]))
def test_tiled_catchments_match_networkx(scene, weight, tile_radii):
    """The tiled bounded search (each tile of facilities searches only the subgraph it
    can reach) gives exactly the reference catchments, whatever the tile size."""
    from unittest import mock

    import planning.travel.engine as engine_module

    net, origins, facilities = scene
    eng = TravelEngine.from_network(net, snap_limit_m=250)
    ref = reference_costs(eng, origins, facilities, weight)
    finite = ref[np.isfinite(ref)]
    cutoff = float(np.median(finite)) + 0.5 if len(finite) else 100.0
    assume(not np.any(np.abs(finite - cutoff) < 1e-6))
    with mock.patch.object(TravelEngine, "_tiles_pay", lambda self, *args: True), \
            mock.patch.object(engine_module, "TILE_RADII", tile_radii):
        m = eng.catchment_matrix(facilities, origins, cutoff, weight)
    dense = np.full(ref.shape, np.inf)
    coo = m.tocoo()
    dense[coo.row, coo.col] = coo.data
    np.testing.assert_allclose(np.where(ref <= cutoff, ref, np.inf), dense, rtol=1e-9, atol=1e-6)


# ---------------------------------------------------------------------- parts that matter
def island_scene():
    """A main road (4 segments, y=0) with a clinic on it, and a 3-segment footway island
    (y=80, not joined to anything); the village at y=60 is 20 m from the island and 60 m
    from the main road."""
    xy = [(0, 0), (250, 0), (500, 0), (750, 0), (1000, 0),          # main road, nodes 0-4
          (400, 80), (450, 80), (500, 80), (550, 80)]               # island, nodes 5-8
    edges = []
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8)]:
        edges += two_way(a, b, math.dist(xy[a], xy[b]))
    return make_net(xy, edges), np.array([[500.0, 60.0]]), np.array([[900.0, 0.0]])


def test_village_snaps_past_an_island_to_the_main_network():
    net, village, clinic = island_scene()
    eng = TravelEngine.from_network(net)
    s = eng.snap(village)
    assert s.access_m[0] == pytest.approx(60.0) and s.xy[0] == pytest.approx([500, 0])
    assert s.moved[0] and not s.on_fragment[0] and s.nearest_road_m[0] == pytest.approx(20.0)
    cost, fac = eng.nearest(village, clinic)
    assert (cost[0], fac[0]) == (pytest.approx(60 + 400), 0)
    assert eng.snap_report(s) == {"points": 1, "off_network": 0, "moved": 1, "on_fragment": 0,
                                  "moved_extra_m_max": 40.0, "min_part_nodes": None}


@pytest.mark.parametrize("setting", [1, 4])
def test_village_snaps_to_the_island_when_the_setting_says_so(setting, monkeypatch):
    net, village, clinic = island_scene()
    monkeypatch.setattr(settings, "SNAP_MIN_PART_NODES", setting)  # parts of >= 4 nodes count
    eng = TravelEngine.from_network(net)
    s = eng.snap(village)
    assert s.access_m[0] == pytest.approx(20.0) and s.xy[0] == pytest.approx([500, 80])
    assert not s.moved[0] and not s.on_fragment[0]
    cost, fac = eng.nearest(village, clinic)           # the island reaches no clinic
    assert np.isinf(cost[0]) and fac[0] == -1
    # a part smaller than the setting does not count
    s5 = TravelEngine.from_network(net, min_part_nodes=5).snap(village)
    assert s5.moved[0] and s5.access_m[0] == pytest.approx(60.0)


def test_point_near_only_a_fragment_snaps_to_it_and_off_network_stays_off():
    net, _, _ = island_scene()
    eng = TravelEngine.from_network(net, snap_limit_m=50)
    s = eng.snap([[500, 100], [500, 500]])       # 20 m from the island, 100 m from the road
    assert s.on_fragment.tolist() == [True, False] and s.off_network.tolist() == [False, True]
    assert s.access_m[0] == pytest.approx(20.0) and not s.moved.any()


def test_one_way_stub_is_not_a_part_that_matters():
    """Driving: a one-way stub leaving the main loop (into it, never out) is a strongly
    connected part of its own; a village beside it snaps to the loop."""
    xy = [(0, 0), (1000, 0), (1000, 1000), (0, 1000), (500, 1100), (500, 1400)]
    edges = (two_way(0, 1, 1000) + two_way(1, 2, 1000) + two_way(2, 3, 1000)
             + two_way(3, 0, 1000) + [(4, 5, 300, 30)])     # one-way stub, not joined back
    edges += [(3, 4, math.dist(xy[3], xy[4]), 40)]         # the loop leads into the stub
    eng = TravelEngine.from_network(make_net(xy, edges, "drive", 30))
    s = eng.snap([[510, 1250]])                             # 10 m from the stub
    assert s.moved[0] and s.xy[0] == pytest.approx([510, 1000])


def test_an_engine_on_a_cut_snaps_as_on_the_whole_network():
    """A cut holding the island and only one segment of the main road: on its own the
    island is its largest part; with the whole network's parts (as partitioned runs pass
    them) the village still snaps to the main road, 60 m away."""
    net, village, _ = island_scene()
    label, keep = main_parts(net.u.astype(np.int64), net.v.astype(np.int64), net.n_nodes, None)
    keep_nodes = [1, 2, 5, 6, 7, 8]                      # main-road nodes 1-2 and the island
    xy = [(float(net.x[i]), float(net.y[i])) for i in keep_nodes]
    edges = []
    for a, b in [(0, 1), (2, 3), (3, 4), (4, 5)]:
        edges += two_way(a, b, math.dist(xy[a], xy[b]))
    cut = make_net(xy, edges)
    alone = TravelEngine.from_network(cut, cache=False).snap(village)
    assert alone.access_m[0] == pytest.approx(20.0)                 # the island, wrongly
    whole = TravelEngine.from_network(cut, cache=False,
                                      parts=(label[keep_nodes], keep)).snap(village)
    assert whole.access_m[0] == pytest.approx(60.0) and whole.xy[0] == pytest.approx([500, 0])
