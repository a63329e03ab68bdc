"""The travel-time surface (planning.travel.surface) and its GeoTIFF export.

On the hand-made line road (handmade.py) the minutes are known by hand: walking at
5 km/h is 250/3 m per minute, so a centre 50 m beside the road next to a clinic is
0.6 min away and one 1,900 m along the road and 50 m beside it 23.4 min. On the demo's
real OSM network, cells drawn at random have exactly the minutes the engine's
``nearest`` gives from the cell centre. Also what makes a whole check fast: the snapped
cells and a region's snapped points kept on disk, and ``Access.costs`` searching each
destination place once.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely

import handmade as hm
from planning import settings
from planning.outputs.export import SURFACE_NODATA, export_surface
from planning.rules import r3_health_circle
from planning.rules.base import facilities_of
from planning.rules.rulebook import load_rulebook
from planning.travel import surface as sf
from planning.travel.access import Access

RB = load_rulebook()
WALK_M_PER_MIN = 5000 / 60


def line_region(clinic_x: float = 150.0):
    """One township 3 km × 3 km north of the road's start, a village clinic on the road."""
    towns = hm.townships([{"township_id": "120115101", "name": "甲镇", "kind": "township",
                           "geometry": hm.box(0, -1500, 3000, 1500)}])
    vills = hm.villages([{"village_id": "120115101201", "name": "一村", "township_id": "120115101",
                          "population": 1000, "x": 100, "y": 0}])
    facs = hm.facilities([{"facility_id": "C1", "name": "卫生室", "kind": "village_clinic",
                           "x": clinic_x}])
    return hm.region(towns, vills, facs)


def cell_at(surface: sf.Surface, dx: float, dy: float) -> tuple[int, int]:
    """(row, col) of the cell holding the point (X0 + dx, Y0 + dy)."""
    r, c = surface.grid.cell_of([[hm.X0 + dx, hm.Y0 + dy]])
    return int(r[0]), int(c[0])


def test_grid_is_aligned_and_covers_the_area():
    g = sf.Grid.covering((1030.0, 2010.0, 1250.0, 2290.0), hm.CRS, 100.0)
    assert (g.x0, g.y0, g.shape) == (1000.0, 2300.0, (3, 3))
    assert g.bounds == (1000.0, 2000.0, 1300.0, 2300.0)
    np.testing.assert_allclose(g.centres(np.array([0, 2]), np.array([0, 2])),
                               [[1050.0, 2250.0], [1250.0, 2050.0]])
    with pytest.raises(ValueError, match="metric CRS"):
        sf.Grid.covering((0, 0, 1, 1), 4326, 100.0)


def test_cells_known_by_hand_next_to_a_facility_far_along_the_road_and_off_network():
    region = line_region()
    s = r3_health_circle.surface(region, RB, Access(region))
    assert s.grid.shape == (30, 30) and s.grid.cell_m == settings.SURFACE_CELL_M == 100.0
    assert s.mode == "walk" and s.cap_minutes == 60.0
    # centre (150, 50): 50 m walk to the road at the clinic's own point
    assert s.minutes[cell_at(s, 150, 50)] == pytest.approx(50 / WALK_M_PER_MIN, abs=1e-5)  # 0.6
    # centre (2050, -50): 50 m to the road, 1,900 m along it
    assert s.minutes[cell_at(s, 2050, -50)] == pytest.approx(1950 / WALK_M_PER_MIN, abs=1e-4)
    # centre (150, 1050) is 1,050 m from the road: beyond the 1,000 m snap limit
    far = cell_at(s, 150, 1050)
    assert s.state[far] == sf.OFF_NETWORK and np.isnan(s.minutes[far]) and s.facility[far] == -1
    # centre (150, 950): 950 m walk, within the snap limit
    assert s.minutes[cell_at(s, 150, 950)] == pytest.approx(950 / WALK_M_PER_MIN, abs=1e-4)
    # every row north of y = 1,000 m or south of -1,000 m is off-network: 2 × 5 rows
    assert s.counts() == {"within": 20 * 30, "beyond_cap": 0, "off_network": 10 * 30,
                          "outside": 0}
    assert set(np.unique(s.facility[s.state == sf.WITHIN])) == {0}


def test_cap_drive_mode_and_cells_outside_the_area():
    region = line_region()
    access = Access(region)
    s = r3_health_circle.surface(region, RB, access, cap_minutes=20.0)
    beyond = cell_at(s, 2050, -50)                   # 23.4 min on foot > 20
    assert s.state[beyond] == sf.BEYOND_CAP and np.isnan(s.minutes[beyond])
    assert s.minutes[cell_at(s, 1550, 50)] == pytest.approx(1450 / WALK_M_PER_MIN, abs=1e-4)
    # by car: the 50 m access leg on foot (0.6 min), then 1,900 m at 60 km/h (1.9 min)
    d = r3_health_circle.surface(region, RB, access, mode="drive")
    assert d.mode == "drive"
    assert d.minutes[cell_at(d, 2050, -50)] == pytest.approx(0.6 + 1.9, abs=1e-4)
    # a township that is an L: the cells of the missing corner are outside
    towns = region.townships.copy()
    towns.loc[towns.index[0], "geometry"] = shapely.difference(hm.box(0, -1500, 3000, 1500),
                                                               hm.box(1500, 0, 3000, 1500))
    region.townships = towns
    o = r3_health_circle.surface(region, RB, Access(region))
    assert o.state[cell_at(o, 2050, 50)] == sf.OUTSIDE and o.state[cell_at(o, 2050, -50)] == sf.WITHIN
    assert o.counts()["outside"] == 15 * 15


def test_no_facility_leaves_every_on_network_cell_beyond_the_cap():
    region = line_region()
    region.facilities = region.facilities.iloc[:0]
    s = r3_health_circle.surface(region, RB, Access(region))
    assert s.counts() == {"within": 0, "beyond_cap": 600, "off_network": 300, "outside": 0}


@pytest.fixture(scope="module")
def demo():
    from planning.inputs import load_demo
    region = load_demo()
    return region, Access(region)


def test_random_demo_cells_equal_the_engines_nearest_from_the_cell_centre(demo):
    region, access = demo
    s = r3_health_circle.surface(region, RB, access, cell_m=400.0)
    engine = access.engine("walk")
    facs = facilities_of(region, RB["R3"]["facility_kinds"])
    rows, cols = np.nonzero(s.state != sf.OUTSIDE)
    rng = np.random.default_rng(16)
    pick = rng.choice(len(rows), 300, replace=False)
    r, c = rows[pick], cols[pick]
    cost, fac = engine.nearest(s.grid.centres(r, c), facs.geometry, "time")
    expected = np.where(cost / 60 <= s.cap_minutes, cost / 60, np.nan)
    np.testing.assert_allclose(s.minutes[r, c], expected, rtol=1e-6, atol=1e-5)
    within = np.isfinite(expected)
    assert within.sum() > 250                         # the demo is mostly within an hour
    # ties aside, the same facility is the nearest
    assert np.mean(s.facility[r, c][within] == fac[within]) > 0.99
    # each village's cell agrees with the village's own minutes up to the walk inside
    # the cell (half its diagonal, 283 m = 3.4 min): not a bound (centre and village may
    # snap to different roads), but true of most villages (measured: 92 %)
    near = access.nearest("walk", facs, "time")["cost"].to_numpy() / 60
    vr, vc = s.grid.cell_of(np.column_stack([region.villages.geometry.x, region.villages.geometry.y]))
    ok = (s.state[vr, vc] == sf.WITHIN) & np.isfinite(near)
    gap = np.abs(s.minutes[vr, vc][ok] - near[ok])
    assert np.mean(gap <= 400 * np.sqrt(0.5) / WALK_M_PER_MIN) > 0.85


def test_geotiff_reads_back_with_crs_nodata_cell_size_and_values(tmp_path):
    region = line_region()
    s = r3_health_circle.surface(region, RB, Access(region), cap_minutes=20.0)
    path = export_surface(s, tmp_path / "r3_walk_minutes")
    assert path.name == "r3_walk_minutes.tif" and path.exists()
    assert not list(tmp_path.glob(".*.part"))         # the atomic write cleaned up
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32650
        assert src.nodata == SURFACE_NODATA
        assert src.res == (100.0, 100.0) and src.shape == (30, 30)
        assert (src.bounds.left, src.bounds.top) == (hm.X0, hm.Y0 + 1500)
        assert src.tags()["units"] == "minutes" and src.tags()["mode"] == "walk"
        band = src.read(1)
        row, col = src.index(hm.X0 + 150, hm.Y0 + 50)
        assert band[row, col] == pytest.approx(0.6, abs=1e-5)
        row, col = src.index(hm.X0 + 150, hm.Y0 + 1050)          # off-network
        assert band[row, col] == SURFACE_NODATA
        row, col = src.index(hm.X0 + 2050, hm.Y0 - 50)           # beyond the 20 min cap
        assert band[row, col] == SURFACE_NODATA
        masked = src.read(1, masked=True)
    np.testing.assert_array_equal(masked.mask, np.isnan(s.minutes))
    np.testing.assert_array_equal(masked.filled(np.nan), s.minutes)


def test_export_command_writes_the_surface_beside_the_gap_layers(tmp_path, capsys):
    from planning.cli import main

    out = tmp_path / "gaps.gpkg"
    assert main(["export", "--out", str(out), "--surface", str(tmp_path / "walk.tif"),
                 "--lang", "en"]) == 0
    assert out.exists()
    assert "travel-time surface (walk, 100 m cells, minutes)" in capsys.readouterr().out
    with rasterio.open(tmp_path / "walk.tif") as src:
        assert src.crs.to_epsg() == 32650 and src.res == (100.0, 100.0)
        band = src.read(1, masked=True)
    assert 0 < band.min() and band.max() <= 60.0 and band.count() > 100_000


def test_snap_dense_gives_the_engines_snap_on_a_real_network(demo):
    """Every cell centre of a 200 m grid over the demo's bounds (off-network corners,
    points moved past small pieces of network, points on them included)."""
    region, access = demo
    engine = access.engine("walk")
    g = sf.Grid.covering(region.townships.total_bounds, region.crs, 200.0)
    r, c = np.divmod(np.arange(g.shape[0] * g.shape[1]), g.shape[1])
    xy = g.centres(r, c)
    dense, exact = engine.snap_dense(xy), engine.snap(xy)
    for name in ("off_network", "moved", "on_fragment"):
        np.testing.assert_array_equal(getattr(dense, name), getattr(exact, name), err_msg=name)
    assert exact.off_network.sum() > 1000 and exact.moved.sum() > 10 and exact.on_fragment.sum() > 10
    np.testing.assert_allclose(dense.access_m, exact.access_m, rtol=0, atol=1e-6)
    np.testing.assert_allclose(dense.nearest_road_m, exact.nearest_road_m, rtol=0, atol=1e-6)
    on = ~exact.off_network
    np.testing.assert_allclose(dense.xy[on], exact.xy[on], rtol=0, atol=1e-6)
    # equally near segments (at a junction) may differ; the costs from them may not
    assert np.mean(dense.segment == exact.segment) > 0.99
    facs = facilities_of(region, RB["R3"]["facility_kinds"]).geometry
    np.testing.assert_allclose(engine.nearest(dense, facs, "time")[0],
                               engine.nearest(exact, facs, "time")[0], rtol=1e-12, atol=1e-9)


def test_r3_areas_from_the_surface_by_default(monkeypatch):
    """Cells within 15 min on foot (1,250 m): centre (x, y) with |y| <= 1,000 m (snap
    limit) and |y| + |x - 150| <= 1,250 m, counted independently of the engine."""
    from planning.rules import RULES

    region = line_region()
    assert settings.R3_AREAS == "surface"
    res = RULES["R3"](region, RB, Access(region))
    monkeypatch.setattr(settings, "R3_AREAS", "road_band")       # the landed drawing
    band = RULES["R3"](region, RB, Access(region))
    assert band.figures["covered_km2"] == pytest.approx(
        band.layers["R3_covered"].geometry.iloc[0].area / 1e6, abs=0.01)
    x, y = np.meshgrid(np.arange(50, 3000, 100.0), np.arange(-1450, 1500, 100.0))
    n = int(((np.abs(y) <= 1000) & (np.abs(y) + np.abs(x - 150) <= 1250)).sum())
    covered = res.layers["R3_covered"].geometry.iloc[0]
    uncovered = res.layers["R3_uncovered"].geometry.iloc[0]
    assert covered.area == pytest.approx(n * 100 * 100)
    assert res.figures["covered_km2"] == round(n * 0.01, 2)
    assert covered.area + uncovered.area == pytest.approx(9e6)      # the 3 km × 3 km township
    assert covered.intersection(uncovered).area == pytest.approx(0.0)
    assert covered.contains(shapely.Point(hm.X0 + 150, hm.Y0 + 50))
    assert uncovered.contains(shapely.Point(hm.X0 + 2050, hm.Y0 + 50))
    # the band is narrower (60 m beside the reached road), and the villages' figures do
    # not depend on how the areas are drawn
    assert band.figures["covered_km2"] < res.figures["covered_km2"]
    assert res.figures["share_within"] == band.figures["share_within"]
    assert res.units["minutes_to_care"].tolist() == band.units["minutes_to_care"].tolist()


def test_without_roads_the_surface_says_it_needs_them():
    from planning.errors import InputError
    from planning.rules import RULES
    from planning.travel.access import access_for

    region = line_region()
    region.networks.clear()                       # no road file: straight-line estimates
    access = access_for(region)
    with pytest.raises(InputError) as err:
        r3_health_circle.surface(region, RB, access)
    assert "道路网" in err.value.render("zh")
    # R3 itself still draws its areas (straight-line discs) with the surface setting
    assert settings.R3_AREAS == "surface"
    assert RULES["R3"](region, RB, access).figures["covered_km2"] > 0


def _engine_cached_in(net, folder, **kw):
    """The demo engine with its caches (engine arrays, snapped cells) in ``folder``."""
    import dataclasses

    from planning.travel.engine import TravelEngine

    moved = dataclasses.replace(net, info={**net.info, "cache_file": str(folder / "roads_walk_t.npz")})
    return TravelEngine.from_network(moved, **kw)


def _same_snapped(a, b) -> None:
    from dataclasses import fields

    for f in fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def test_snapped_cells_are_cached_on_disk_by_network_and_grid(demo, tmp_path, monkeypatch):
    """A second preparation of the same grid reads the cells from disk and gets exactly
    what snapping gives; another network (snap limit) or grid has another key, and a
    file whose key is not its own is not read."""
    region, access = demo
    area = region.townships.geometry.values[:3]
    net = access.engine("walk").net
    engine = _engine_cached_in(net, tmp_path)
    fresh = sf.prepare_cells(engine, area, cache=False)
    assert not list(tmp_path.glob("*.cells_*"))
    first = sf.prepare_cells(engine, area)
    (file,) = tmp_path.glob("roads_walk_t.cells_*.npz")
    _same_snapped(first.snapped, fresh.snapped)

    calls = []
    real = type(engine).snap_dense

    def counting(self, xy):
        calls.append(len(xy))
        return real(self, xy)

    monkeypatch.setattr(type(engine), "snap_dense", counting)
    again = sf.prepare_cells(_engine_cached_in(net, tmp_path), area)   # a new engine, same network
    assert calls == []                                                # read, not snapped
    _same_snapped(again.snapped, fresh.snapped)
    np.testing.assert_array_equal(again.rows, fresh.rows)
    facs = facilities_of(region, RB["R3"]["facility_kinds"]).geometry
    a, b = sf.travel_time_surface(engine, again, facs), sf.travel_time_surface(engine, fresh, facs)
    np.testing.assert_array_equal(a.minutes, b.minutes)

    # another snap limit: another key; the old file put under the new name is refused
    near = _engine_cached_in(net, tmp_path, snap_limit_m=500.0)
    grid = fresh.grid
    inside = np.zeros(grid.shape, dtype=bool)
    inside[fresh.rows, fresh.cols] = True
    stale = sf.cells_file(near, grid, inside)
    assert stale != file and stale.parent == file.parent
    stale.write_bytes(file.read_bytes())
    short = sf.prepare_cells(near, area)
    assert calls == [len(fresh.rows)]                                # snapped afresh
    assert short.snapped.off_network.sum() > fresh.snapped.off_network.sum()
    # another grid (cell size, or cells): another key
    assert sf.cells_file(engine, grid, inside) == file
    inside[0, 0] = ~inside[0, 0]
    assert sf.cells_file(engine, grid, inside) != file
    other = sf.Grid(grid.crs, grid.x0, grid.y0, 200.0, grid.shape)
    assert sf.cells_file(engine, other, inside) != sf.cells_file(engine, grid, inside)


def _same_ends(a, b) -> None:
    for name in ("seg", "t", "leg", "a", "b", "cost_a", "cost_b"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_cells_join_costs_are_cached_by_network_weights_and_walking_speed(demo, tmp_path):
    """The cells' join costs on the junction graph (seconds) are read back equal to the
    engine's own ``ends``; an engine walking slower, or a network whose roads take
    twice as long, reads the same snapped cells but not the old join costs."""
    import dataclasses

    region, access = demo
    area = region.townships.geometry.values[:3]
    net = access.engine("walk").net
    engine = _engine_cached_in(net, tmp_path)
    first = sf.prepare_cells(engine, area)
    (file,) = tmp_path.glob("roads_walk_t.cellends_*.npz")
    _same_ends(first.ends, engine.ends(first.snapped, "time", arriving=False))
    again = sf.prepare_cells(_engine_cached_in(net, tmp_path), area)
    _same_ends(again.ends, first.ends)
    assert again.ends.a.dtype == np.int64 and len(list(tmp_path.glob("*.cellends_*"))) == 1

    slow = _engine_cached_in(net, tmp_path, walk_speed_kmh=2.5)
    cells = sf.prepare_cells(slow, area)
    _same_snapped(cells.snapped, first.snapped)
    on = ~cells.snapped.off_network
    assert (cells.ends.leg[on] > first.ends.leg[on]).any()
    _same_ends(cells.ends, slow.ends(cells.snapped, "time", arriving=False))

    twice = dataclasses.replace(net, time_s=np.asarray(net.time_s) * 2.0)
    eng2 = _engine_cached_in(twice, tmp_path)
    cells2 = sf.prepare_cells(eng2, area)
    _same_ends(cells2.ends, eng2.ends(cells2.snapped, "time", arriving=False))
    assert len(list(tmp_path.glob("*.cellends_*"))) == 3 and file.exists()
    facs = facilities_of(region, RB["R3"]["facility_kinds"]).geometry
    np.testing.assert_array_equal(sf.travel_time_surface(eng2, cells2, facs).minutes,
                                  sf.travel_time_surface(eng2, sf.prepare_cells(eng2, area, cache=False),
                                                         facs).minutes)


def test_region_points_snapped_once_then_read_from_disk(demo, tmp_path, monkeypatch):
    """snap_points of the villages and facilities: the same answer as a search, kept on
    disk by network and points; a new engine reads it, and snapping any of those points
    afterwards (a facility subset) searches nothing and answers the same."""
    from planning.travel.snapping import Snapper, as_xy

    region, access = demo
    net = access.engine("walk").net
    pts = np.concatenate([as_xy(region.villages.geometry), as_xy(region.facilities.geometry)])
    engine = _engine_cached_in(net, tmp_path)
    first = engine.snap_points(pts)
    _same_snapped(first, engine.snapper._search(pts))
    (file,) = tmp_path.glob("roads_walk_t.points_*.npz")

    searched = []
    real = Snapper._search
    monkeypatch.setattr(Snapper, "_search",
                        lambda self, p: searched.append(len(p)) or real(self, p))
    other = _engine_cached_in(net, tmp_path)
    _same_snapped(other.snap_points(pts), first)
    subset = pts[len(region.villages) + np.arange(0, len(region.facilities), 7)]
    _same_snapped(other.snap(subset), engine.snapper._search(subset))
    assert searched == [len(subset)]           # only the reference search above
    # a point never seen is searched (and then remembered)
    other.snap(pts[:1] + 3.0)
    other.snap(pts[:1] + 3.0)
    assert searched == [len(subset), 1]
    # other points: another file
    engine.snap_points(pts[:10])
    assert len(list(tmp_path.glob("roads_walk_t.points_*.npz"))) == 2 and file.exists()


def test_costs_search_each_destination_place_once(monkeypatch):
    """Access.costs with a destination given once per origin (R7: each member's own
    lead): one search per distinct place, and the matrix a plain loop gives. On the
    line road at 5 km/h: a village 100 m east of the origin of x, clinics at x = 150 and
    x = 1,150 m — 50 m and 1,050 m along the road (0.6 and 12.6 min)."""
    import geopandas as gpd

    from planning.travel.engine import TravelEngine

    region = line_region()
    access = Access(region)
    two = hm.facilities([{"facility_id": "A", "name": "甲", "kind": "village_clinic", "x": 150},
                         {"facility_id": "B", "name": "乙", "kind": "village_clinic", "x": 1150}])
    dest = gpd.GeoDataFrame(two.iloc[[1, 0, 1, 1]].reset_index(drop=True), crs=two.crs)
    searched = []
    real = TravelEngine.catchment_matrix
    monkeypatch.setattr(TravelEngine, "catchment_matrix",
                        lambda self, f, *a, **k: searched.append(len(f)) or real(self, f, *a, **k))
    out = access.costs("walk", region.villages, dest, "time")
    assert searched == [2]
    np.testing.assert_allclose(out[0] / 60.0, [12.6, 0.6, 12.6, 12.6], atol=1e-9)
    # a cutoff leaves the far clinic out, in every column that names it
    out = access.costs("walk", region.villages, dest, "time", cutoff=600.0)
    assert np.isinf(out[0, [0, 2, 3]]).all() and out[0, 1] == pytest.approx(36.0)


def test_the_map_reads_the_surface_r3_made_without_a_new_search(monkeypatch):
    """R3's check makes the surface (cap 60 min); the map asks for it again without a
    cap: one search for both, and a different facility set is searched anew."""
    from planning.outputs.layers import display_surface
    from planning.rules.assess import assess
    from planning.travel import access as access_module

    region = line_region()
    access = Access(region)
    searched = []
    real = access_module.travel_time_surface
    monkeypatch.setattr(access_module, "travel_time_surface",
                        lambda *a, **k: searched.append(1) or real(*a, **k))
    assessment = assess(region, RB, access, rules=["R3"])
    shown = display_surface(assessment, access)
    assert len(searched) == 1
    assert shown is r3_health_circle.surface(region, RB, access, cap_minutes=60.0)
    assert len(searched) == 1
    moved = line_region(clinic_x=1150.0)
    other = access.surface("walk", access.surface_cells("walk", region.townships.geometry.values,
                                                        settings.SURFACE_CELL_M),
                           facilities_of(moved, RB["R3"]["facility_kinds"]))
    assert len(searched) == 2 and other is not shown
    here = cell_at(other, 1150, 50)                 # beside the moved clinic
    assert other.minutes[here] < 1.0 < 12.0 < shown.minutes[here]
