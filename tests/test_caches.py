"""The travel package's disk caches read mapped into memory (#16: a whole check in
seconds): the same arrays as ``numpy.load``, nothing written back, and a cache made from
another network never served."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from planning._mapped import load_mapped
from planning.travel.engine import TravelEngine
from planning.travel.graph import CACHE_VERSION

from test_engine import make_net, two_way


def test_mapped_arrays_equal_numpy_load_and_stay_copy_on_write(tmp_path):
    f = tmp_path / "a.npz"
    arrays = {"i": np.arange(10, dtype=np.int32), "f": np.linspace(0, 1, 7),
              "b": np.array([True, False, True]), "s": np.array("a key"),
              "u": np.array(["footway", "primary"]), "e": np.zeros(0, np.int64),
              "m": np.asfortranarray(np.arange(12.0).reshape(3, 4)), "big": np.arange(2**17)}
    np.savez(f, allow_pickle=False, **arrays)
    got = load_mapped(f)
    assert set(got) == set(arrays)
    for k, a in arrays.items():
        assert got[k].dtype == a.dtype and got[k].shape == a.shape
        np.testing.assert_array_equal(got[k], a)
    assert str(got["s"]) == "a key"
    before = f.read_bytes()
    got["big"][:] = -1                          # the process's copy, never the file
    assert f.read_bytes() == before
    np.testing.assert_array_equal(load_mapped(f)["big"], arrays["big"])


def test_mapped_refuses_what_it_cannot_map(tmp_path):
    f = tmp_path / "c.npz"
    np.savez_compressed(f, x=np.arange(100))
    with pytest.raises(ValueError, match="compressed"):
        load_mapped(f)
    g = tmp_path / "t.npz"
    np.savez(g, x=np.arange(100_000))
    data = g.read_bytes()
    g.write_bytes(data[: len(data) // 2])             # cut short: not a zip any more
    with pytest.raises((ValueError, zipfile.BadZipFile, OSError)):
        load_mapped(g)
    h = tmp_path / "o.npz"
    np.savez(h, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="object"):
        load_mapped(h)


def _net(xy):
    edges = two_way(0, 1, 1000) + two_way(1, 2, 1000) + two_way(2, 3, 1000) + two_way(2, 4, 1000)
    return make_net(xy, edges)


def test_engine_cache_is_keyed_by_coordinates_and_named_by_its_format(tmp_path):
    """The prepared engine (segments, chains, junction graph, strong parts, top speed)
    is read back equal to a fresh one; a network whose nodes moved (same edges, same
    weights) is not served the old file; the file's name carries the format, so an
    older format's ``….engine.npz`` is neither read nor overwritten."""
    xy = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (2000, 1000)]
    net = _net(xy)
    net.info["cache_file"] = str(tmp_path / "roads_walk_abc.npz")
    old = tmp_path / "roads_walk_abc.engine.npz"
    old.write_bytes(b"an older format")
    fresh = TravelEngine.from_network(net)
    f = tmp_path / f"roads_walk_abc.engine{CACHE_VERSION}.npz"
    assert fresh.cache_file == f and f.is_file() and old.read_bytes() == b"an older format"
    again = TravelEngine.from_network(net)
    for side in ("fwd", "rev"):
        for w in ("length", "time"):
            a, b = getattr(again.junctions, side)[w], getattr(fresh.junctions, side)[w]
            assert (a != b).nnz == 0
    np.testing.assert_array_equal(again.snapper.main_seg, fresh.snapper.main_seg)
    assert again._reach == fresh._reach and again.snap_key == fresh.snap_key
    pts, fac = [[500, 10], [2500, -10], [2000, 900]], [[1500, 5]]
    assert again.nearest(pts, fac)[0] == pytest.approx([1015, 1015, 1405])
    # node 4 moved 500 m north: same edges and weights (its road still weighs 1,000 m),
    # other coordinates: a point at 1,400 m up that road is 14/15 of the way along it
    moved = _net(xy[:4] + [(2000, 1500)])
    moved.info["cache_file"] = net.info["cache_file"]
    eng = TravelEngine.from_network(moved)
    assert eng.snap_key != fresh.snap_key
    assert [2000, 1500] in eng.junctions.xy.tolist()          # its dead end, where it is now
    assert eng._reach["time"] == pytest.approx(fresh._reach["time"] * 1.5)   # 1.5 km in 1 km's time
    assert eng.nearest([[2000, 1400]], fac)[0] == pytest.approx([1400 / 1500 * 1000 + 500 + 5])


def test_border_nodes_are_kept_on_disk_by_network_and_outline(tmp_path, monkeypatch):
    """The road nodes just across the region's outline (R8's cost to leave the region)
    are found once per network and outline and read back after; an outline drawn from
    other polygons is another key. By hand: the road runs -6 … 21 km, the townships
    -5 … 20 km, so the nodes across are at -5.1 and 20.1 km."""
    import planning.travel.access as acc_mod
    from planning.travel.access import Access
    from test_r8 import two_and_two

    region = two_and_two()
    for m, net in region.networks.items():
        net.info["cache_file"] = str(tmp_path / f"roads_{m}_t.npz")
    calls = []
    real = acc_mod.border_nodes
    monkeypatch.setattr(acc_mod, "border_nodes", lambda *a: calls.append(1) or real(*a))
    np.testing.assert_allclose(Access(region).border_cost("walk", "length"), [5100, 10100])
    assert len(calls) == 1 and len(list(tmp_path.glob("roads_walk_t.border_*.npz"))) == 1
    np.testing.assert_allclose(Access(region).border_cost("walk", "length"), [5100, 10100])
    assert len(calls) == 1                                       # read from disk
    east = region.townships.geometry.iloc[1]
    minx, miny, _, maxy = east.bounds
    region.townships.loc[region.townships.index[1], "geometry"] = \
        type(east)([(minx, miny), (minx + 10_000, miny), (minx + 10_000, maxy), (minx, maxy)])
    np.testing.assert_allclose(Access(region).border_cost("walk", "length"), [5100, 5100])
    assert len(calls) == 2 and len(list(tmp_path.glob("roads_walk_t.border_*.npz"))) == 2
