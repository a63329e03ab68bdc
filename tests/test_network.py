"""Road network loading: per-mode filtering, one-way streets, speeds, lengths, islands,
the disk cache, PBF input, input errors and the (mocked) download.

The fixture tests/fixtures/osm/grid.osm is a 1 km grid in UTM 50N; its header comment
lists every way and what each mode should make of it. Expected numbers are worked out by
hand from that table (1,000 m at 60 km/h = 60 s; at 5 km/h = 720 s).
"""

import bz2
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pyproj
import pytest
import shapely

from planning import settings
from planning.travel import network
from planning.errors import InputError
from planning.region import Region
from planning.travel.network import (fetch_osm, load_network, load_networks, network_summary,
                              parse_maxspeed, to_networkx)
from planning.travel.network import region_network

FIXTURES = Path(__file__).parent / "fixtures" / "osm"
GRID = FIXTURES / "grid.osm"
UTM50 = "EPSG:32650"


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    return load_networks(GRID, UTM50, cache_dir=tmp_path_factory.mktemp("cache"))


def edges(net):
    """Directed edges as (OSM node id, OSM node id)."""
    return set(zip(net.node_osmid[net.u].tolist(), net.node_osmid[net.v].tolist()))


def time_of(net, a, b):
    """Travel time (s) of the edge from OSM node a to OSM node b."""
    times = {(int(p), int(q)): t for p, q, t in
             zip(net.node_osmid[net.u], net.node_osmid[net.v], net.time_s)}
    return times[(a, b)]


def same_arrays(a, b):
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in network._ARRAYS)


# ---------------------------------------------------------------- which ways, which way


@pytest.mark.parametrize("pair, modes", [
    ((3, 6), {"drive"}),                    # motorway
    ((6, 11), {"drive"}),                   # trunk with motorroad=yes
    ((7, 8), {"drive", "ebike"}),           # foot=no
    ((8, 9), {"walk"}),                     # access=no + foot=yes
    ((4, 7), {"walk"}),                     # footway
    ((6, 9), {"walk", "ebike"}),            # track
    ((3, 10), {"walk", "ebike"}),           # motor_vehicle=no
    ((1, 2), {"walk", "ebike", "drive"}),   # primary
])
def test_each_mode_uses_the_ways_its_tags_allow(nets, pair, modes):
    for mode, net in nets.items():
        used = pair in edges(net) or pair[::-1] in edges(net)
        assert used == (mode in modes), (mode, pair)


def test_non_roads_are_left_out(nets):
    for net in nets.values():
        assert not set(net.node_osmid.tolist()) & {30, 31, 32, 33}  # the building
    assert settings.HIGHWAYS_BY_MODE["walk"].isdisjoint(settings.NOT_WALKABLE)


def test_node_and_edge_counts(nets):
    # from the fixture's table: walk 13 two-way ways; e-bike 11 two-way + 1 one-way;
    # drive 8 two-way + 4 one-way (node 9 is reached only by track and access=no ways)
    assert (nets["walk"].n_nodes, nets["walk"].n_edges) == (13, 26)
    assert (nets["ebike"].n_nodes, nets["ebike"].n_edges) == (13, 23)
    assert (nets["drive"].n_nodes, nets["drive"].n_edges) == (12, 20)
    assert 9 not in nets["drive"].node_osmid


def test_oneway_streets(nets):
    drive, ebike, walk = edges(nets["drive"]), edges(nets["ebike"]), edges(nets["walk"])
    # residential oneway=yes drawn 4->5; tertiary oneway=-1 drawn 5->2; primary oneway 5->6
    assert (4, 5) in drive and (5, 4) not in drive
    assert (2, 5) in drive and (5, 2) not in drive
    assert (5, 6) in drive and (6, 5) not in drive
    assert (3, 6) in drive and (6, 3) not in drive
    # e-bikes obey one-way primary roads only; pedestrians none
    assert (5, 6) in ebike and (6, 5) not in ebike
    assert {(4, 5), (5, 4), (2, 5), (5, 2)} <= ebike
    assert {(4, 5), (5, 4), (2, 5), (5, 2), (5, 6), (6, 5)} <= walk


# ---------------------------------------------------------------- speeds and lengths


@pytest.mark.parametrize("text, kmh", [
    ("60", 60.0), ("60 km/h", 60.0), ("50kmh", 50.0), ("30 mph", 48.28032),
    ("60;80", 60.0), (["40", "60"], 40.0), ("CN:urban", None), ("none", None),
    ("walk", None), ("0", None), (None, None),
])
def test_parse_maxspeed(text, kmh):
    assert parse_maxspeed(text) == (pytest.approx(kmh) if kmh else None)


@pytest.mark.parametrize("mode, a, b, seconds", [
    ("drive", 1, 2, 60.0),                        # primary, class default 60 km/h
    ("drive", 2, 3, 1000 / (30 * 1.609344 / 3.6)),  # maxspeed 30 mph: 74.56 s
    ("drive", 1, 4, 90.0),                        # maxspeed 40
    ("drive", 10, 11, 120.0),                     # maxspeed CN:urban -> unclassified 30
    ("drive", 6, 11, 45.0),                       # trunk 80
    ("drive", 3, 6, 36.0),                        # motorway 100
    ("drive", 5, 8, 360.0),                       # maxspeed 10 km/h
    ("walk", 1, 2, 720.0),                        # 5 km/h
    ("walk", 8, 9, 720.0),
    ("ebike", 1, 2, 240.0),                       # 15 km/h
    ("ebike", 5, 8, 360.0),                       # capped by maxspeed 10 km/h
])
def test_travel_times(nets, mode, a, b, seconds):
    # edges are 1,000 m to 1 cm, so times are exact to 0.01 %
    assert time_of(nets[mode], a, b) == pytest.approx(seconds, rel=1e-4)


def test_lengths_match_geodesic_distances(nets):
    coords = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat")))
              for n in ET.parse(GRID).getroot().iter("node")}
    geod = pyproj.Geod(ellps="WGS84")
    net = nets["walk"]
    for a, b in [(1, 2), (1, 4), (20, 21)]:
        i = np.flatnonzero((net.node_osmid[net.u] == a) & (net.node_osmid[net.v] == b))[0]
        _, _, metres = geod.inv(*coords[a], *coords[b])
        assert net.length_m[i] == pytest.approx(metres, rel=0.005)
        assert net.length_m[i] == pytest.approx(1000.0, abs=0.02)  # the grid, in UTM
    assert net.crs == pyproj.CRS(UTM50)


# ---------------------------------------------------------------- islands, summary, networkx


def test_islands_are_kept_and_counted(nets):
    walk, ebike, drive = nets["walk"].info, nets["ebike"].info, nets["drive"].info
    assert walk["weak_components"] == 2 and walk["largest_weak_share"] == pytest.approx(11 / 13)
    assert walk["strong_components"] == 2  # all two-way
    # drive: one-way streets split {1,2,3,4}, {5,7,8}, {6,10,11} and the island {20,21}
    assert drive["weak_components"] == 2 and drive["strong_components"] == 4
    assert drive["largest_strong_share"] == pytest.approx(4 / 12)
    # e-bike: {6,9} is entered only by the one-way primary 5->6
    assert ebike["strong_components"] == 3
    assert drive["edges_by_highway"]["motorway"] == 1 and "track" not in drive["edges_by_highway"]


def test_network_summary(nets):
    s = network_summary(nets["drive"])
    assert s["nodes"] == 12 and s["edges"] == 20
    assert s["road_km"] == pytest.approx(12.0, abs=1e-3)  # 12 ways of 1 km, each once
    assert s["components"] == 2 and s["largest_share"] == pytest.approx(10 / 12)
    assert network_summary(nets["walk"])["road_km"] == pytest.approx(13.0, abs=1e-3)


def test_to_networkx_shortest_paths(nets):
    G = to_networkx(nets["drive"])
    index = {int(o): i for i, o in enumerate(nets["drive"].node_osmid)}
    # 1 -> 2 -> 3 -> motorway -> 6 (60 + 74.56 + 36 s) beats 1 -> 2 -> 5 -> 6 (210 s)
    t = nx.shortest_path_length(G, index[1], index[6], weight="time_s")
    assert t == pytest.approx(60 + 1000 / (30 * 1.609344 / 3.6) + 36, rel=1e-4)
    assert not nx.has_path(G, index[6], index[1])
    W = to_networkx(nets["walk"])
    wi = {int(o): i for i, o in enumerate(nets["walk"].node_osmid)}
    walk_s = nx.shortest_path_length(W, wi[1], wi[6], weight="time_s")
    assert walk_s == pytest.approx(3 * 720, rel=1e-4)  # 3 km on foot, one-way streets or not
    assert W.nodes[wi[1]]["x"] == pytest.approx(520000.0, abs=0.02)


def test_parallel_edges_are_kept(tmp_path):
    text = GRID.read_text().replace(
        '<way id="117"', '<way id="119"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="service"/></way>\n  <way id="117"')
    path = tmp_path / "parallel.osm"
    path.write_text(text)
    net = load_network(path, "drive", UTM50, cache_dir=tmp_path)
    pairs = list(zip(net.node_osmid[net.u].tolist(), net.node_osmid[net.v].tolist()))
    assert pairs.count((1, 2)) == 2 and pairs.count((2, 1)) == 2
    assert sorted(net.time_s[(net.node_osmid[net.u] == 1) & (net.node_osmid[net.v] == 2)]) \
        == pytest.approx([60.0, 180.0], rel=1e-4)  # primary 60, service 20 km/h


# ---------------------------------------------------------------- cache


def test_second_load_comes_from_the_cache(tmp_path, monkeypatch):
    first = load_network(GRID, "walk", UTM50, cache_dir=tmp_path)
    assert first.info["from_cache"] is False
    assert Path(first.info["cache_file"]).parent == tmp_path
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]  # no temp file left

    def no_parsing(*args, **kwargs):
        raise AssertionError("the XML was parsed again")

    monkeypatch.setattr(ox, "graph_from_xml", no_parsing)
    second = load_network(GRID, "walk", UTM50, cache_dir=tmp_path)
    assert second.info["from_cache"] is True
    assert same_arrays(first, second)
    assert second.crs == first.crs and second.info["weak_components"] == 2
    assert second.highway.dtype.kind == "U"


def test_cache_key_follows_speeds_crs_and_content(tmp_path, monkeypatch):
    load_network(GRID, "walk", UTM50, cache_dir=tmp_path)
    monkeypatch.setattr(settings, "WALK_SPEED_KMH", 4.0)
    slower = load_network(GRID, "walk", UTM50, cache_dir=tmp_path)
    assert slower.info["from_cache"] is False
    assert time_of(slower, 1, 2) == pytest.approx(900.0, rel=1e-4)  # 1 km at 4 km/h
    monkeypatch.setattr(settings, "DRIVE_SPEEDS_KMH", {**settings.DRIVE_SPEEDS_KMH, "trunk": 40.0})
    assert load_network(GRID, "walk", UTM50, cache_dir=tmp_path).info["from_cache"] is True
    assert load_network(GRID, "walk", "EPSG:32649", cache_dir=tmp_path).info["from_cache"] is False
    copy = tmp_path / "copy.osm"
    copy.write_text(GRID.read_text().replace('v="40"', 'v="20"'))
    assert load_network(copy, "walk", UTM50, cache_dir=tmp_path).info["from_cache"] is False
    assert len(list(tmp_path.glob("*.npz"))) == 4


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    first = load_network(GRID, "drive", UTM50, cache_dir=tmp_path)
    Path(first.info["cache_file"]).write_bytes(b"not a zip file")
    again = load_network(GRID, "drive", UTM50, cache_dir=tmp_path)
    assert again.info["from_cache"] is False and same_arrays(first, again)


# ---------------------------------------------------------------- other formats


def test_pbf_and_bz2_give_the_same_arrays_as_xml(nets, tmp_path):
    pbf = tmp_path / "grid.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(GRID)):
            writer.add(obj)
    compressed = tmp_path / "grid.osm.bz2"
    compressed.write_bytes(bz2.compress(GRID.read_bytes()))
    for path in (pbf, compressed):
        got = load_networks(path, UTM50, cache_dir=tmp_path)
        for mode in settings.MODES:
            assert same_arrays(got[mode], nets[mode]), (path.name, mode)
            assert got[mode].info["strong_components"] == nets[mode].info["strong_components"]


# ---------------------------------------------------------------- input errors


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found") as err:
        load_network(tmp_path / "nowhere.osm", "walk", UTM50, cache_dir=tmp_path)
    assert "nowhere.osm" in str(err.value)


@pytest.mark.parametrize("name, compress", [("cut.osm", False), ("cut.osm.bz2", True)])
def test_truncated_file(tmp_path, name, compress):
    data = GRID.read_bytes()[: len(GRID.read_bytes()) // 2]
    path = tmp_path / name
    path.write_bytes(bz2.compress(data)[:-20] if compress else data)
    with pytest.raises(InputError, match="truncated") as err:
        load_network(path, "walk", UTM50, cache_dir=tmp_path)
    assert err.value.problems[0].file == str(path)


def test_truncated_pbf(tmp_path):
    pbf = tmp_path / "grid.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(GRID)):
            writer.add(obj)
    pbf.write_bytes(pbf.read_bytes()[:-40])
    with pytest.raises(InputError, match="truncated"):
        load_network(pbf, "walk", UTM50, cache_dir=tmp_path)


def test_no_roads(tmp_path):
    with pytest.raises(InputError, match="no roads usable by walking"):
        load_network(FIXTURES / "no_roads.osm", "walk", UTM50, cache_dir=tmp_path)
    motorway_only = tmp_path / "motorway.osm"
    motorway_only.write_text(ET.tostring(_only_way(107), encoding="unicode"))
    with pytest.raises(InputError, match="no roads usable by e-bikes"):
        load_network(motorway_only, "ebike", UTM50, cache_dir=tmp_path)
    assert load_network(motorway_only, "drive", UTM50, cache_dir=tmp_path).n_edges == 1


def test_clipped_grid_splits_ways_at_the_missing_node(tmp_path):
    """grid.osm without node 6: the ways through it lose one segment each side of it."""
    clipped = tmp_path / "clipped.osm"
    clipped.write_text("\n".join(line for line in GRID.read_text().splitlines()
                                 if '<node id="6"' not in line))
    full = load_network(GRID, "walk", UTM50, cache_dir=tmp_path)
    net = load_network(clipped, "walk", UTM50, cache_dir=tmp_path)
    assert 6 not in net.node_osmid
    lost = {(a, b) for a, b in edges(full) if 6 in (a, b)}
    assert lost and edges(net) == edges(full) - lost       # nothing joined across the gap
    assert net.info["clipped"]["ways"] >= 1 and net.info["clipped"]["missing_nodes"] == 1


# the clipped sample: a box of the demo network cut without and with complete ways
CLIPPED = ("clipped.osm", "clipped.osm.bz2", "clipped.osm.pbf")


def _missing_in(path: Path) -> tuple[int, int]:
    """(highway ways referring to absent nodes, distinct absent nodes), read by osmium."""
    present = {n.id for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    ways, missing = 0, set()
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        refs = {n.ref for n in w.nodes} - present
        if refs and "highway" in w.tags:
            ways += 1
            missing |= refs
    return ways, len(missing)


@pytest.mark.parametrize("name", CLIPPED)
def test_clipped_extract_loads_with_one_warning(name, tmp_path):
    nets = load_networks(FIXTURES / name, UTM50, cache_dir=tmp_path)
    ways, missing = _missing_in(FIXTURES / "clipped.osm")
    assert ways > 10 and missing > 100
    problems = {network.clipped_problem(n) for n in nets.values()}
    assert len(problems) == 1                                  # the same one for every mode
    problem = problems.pop()
    assert problem.level == "warning" and problem.file.endswith(name)
    assert f"{ways:,} roads run beyond the edge" in problem.message
    assert f"{missing:,} of their nodes are missing" in problem.message
    # the three formats give the same network, and a cache hit keeps the warning
    ref = load_network(FIXTURES / "clipped.osm", "drive", UTM50, cache_dir=tmp_path)
    assert edges(nets["drive"]) == edges(ref)
    again = load_network(FIXTURES / name, "drive", UTM50, cache_dir=tmp_path)
    assert again.info["from_cache"] and network.clipped_problem(again) == problem
    assert network.clipped_problem(load_network(GRID, "walk", UTM50, cache_dir=tmp_path)) is None


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_clipped_distances_equal_complete_ways_inside_the_box(mode, tmp_path):
    """Shortest paths between nodes of the clipped sample: equal to those on the same
    ways cut complete when the complete path stays inside the box, never shorter else."""
    clipped = load_network(FIXTURES / "clipped.osm", mode, UTM50, cache_dir=tmp_path)
    complete = load_network(FIXTURES / "complete.osm.bz2", mode, UTM50, cache_dir=tmp_path)
    assert network.clipped_problem(complete) is None
    Gc = nx.relabel_nodes(to_networkx(clipped), dict(enumerate(clipped.node_osmid.tolist())))
    Gf = nx.relabel_nodes(to_networkx(complete), dict(enumerate(complete.node_osmid.tolist())))
    in_box = set(Gc)
    rng = np.random.default_rng(14)
    sources = rng.choice(sorted(in_box), 25, replace=False).tolist()
    same = longer = 0
    for s in sources:
        dist_f, path_f = nx.single_source_dijkstra(Gf, s, weight="length")
        dist_c = nx.single_source_dijkstra_path_length(Gc, s, weight="length")
        for t in in_box:
            if t not in dist_f:
                assert t not in dist_c
                continue
            if set(path_f[t]) <= in_box:
                assert dist_c[t] == pytest.approx(dist_f[t], abs=1e-6)
                same += 1
            else:
                assert dist_c.get(t, np.inf) >= dist_f[t] - 1e-6
                longer += dist_c.get(t, np.inf) > dist_f[t] + 1e-6
    assert same > 1000 and longer > 50   # both cases occur


def test_region_says_a_clipped_extract_once(tmp_path, monkeypatch):
    import handmade

    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path)
    town = handmade.townships([{"township_id": "120115100", "name": "甲镇", "kind": "township",
                                "geometry": handmade.box(0, 0, 100, 100)}])
    village = handmade.villages([{"village_id": "120115100201", "name": "一村", "x": 10,
                                  "township_id": "120115100", "population": 100}])
    r = Region("clipped", handmade.CRS, town, village, handmade.facilities([]),
               roads_path=FIXTURES / "clipped.osm.pbf")
    region_network(r, "walk"), region_network(r, "drive")
    roads = [p for p in r.problems if p.layer == "roads"]
    assert len(roads) == 1 and "run beyond the edge" in roads[0].message


def test_other_files_and_arguments(tmp_path):
    shp = tmp_path / "roads.shp"
    shp.write_bytes(b"")
    with pytest.raises(InputError, match=r"\.osm\.pbf"):
        load_network(shp, "walk", UTM50, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="mode"):
        load_network(GRID, "bus", UTM50, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="metres"):
        load_network(GRID, "walk", "EPSG:4326", cache_dir=tmp_path)


def _only_way(way_id):
    """The fixture reduced to one way and its nodes."""
    root = ET.parse(GRID).getroot()
    way = next(w for w in root.iter("way") if w.get("id") == str(way_id))
    refs = {nd.get("ref") for nd in way.iter("nd")}
    for el in list(root):
        if el.tag == "way" and el is not way or el.tag == "node" and el.get("id") not in refs:
            root.remove(el)
    return root


# ---------------------------------------------------------------- download (mocked)


def test_fetch_osm_writes_what_load_network_reads(nets, tmp_path, monkeypatch):
    calls = {}

    def graph_from_polygon(polygon, **kwargs):  # what Overpass would answer, from the fixture
        calls.update(kwargs, polygon=polygon)
        return ox.graph_from_xml(GRID, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_polygon", graph_from_polygon)
    boundary = shapely.box(117.24, 39.75, 117.25, 39.76)
    out = fetch_osm(boundary, tmp_path / "dl" / "roads.osm")
    assert out == tmp_path / "dl" / "roads.osm" and out.is_file()
    assert list(out.parent.iterdir()) == [out]
    assert calls["network_type"] == "all" and calls["simplify"] is False
    assert calls["retain_all"] is True
    # the polygon is the boundary buffered by 3 km: test 2.9 and 3.1 km east of its edge
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM50, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(UTM50, "EPSG:4326", always_xy=True)
    x, y = to_utm.transform(117.25, 39.755)
    assert calls["polygon"].contains(shapely.Point(to_wgs.transform(x + 2900, y)))
    assert not calls["polygon"].contains(shapely.Point(to_wgs.transform(x + 3100, y)))
    # every mode reads back identical: tags, one-way directions (incl. oneway=-1), nodes
    got = load_networks(out, UTM50, cache_dir=tmp_path)
    for mode in settings.MODES:
        assert same_arrays(got[mode], nets[mode]), mode
    assert ox.settings.all_oneway is False  # settings restored
