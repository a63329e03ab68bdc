"""Property: a scenario updated edit by edit answers what a fresh assessment answers.

Random sequences of add / move / close / undo, on a small hand-made region with a road
grid and on the demo: after every step, :meth:`Scenario.assess` (incremental nearest
costs, rules reused when their inputs did not change, saved states restored on undo)
must give the same village minutes and the same results for every rule — summary
figures, and every unit's status, codes, numbers and parameters — as :func:`assess` of
the same facility set on a new :class:`Access` (nothing reused but the prepared
engines on the demo).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings as hsettings, strategies as st

import handmade as hm
from benchmarks.compare_runs import compare_summaries
from planning import settings
from planning.plan.scenario import Scenario
from planning.rules import r3_health_circle
from planning.rules.assess import assess
from planning.rules.rulebook import load_rulebook
from planning.travel.access import Access
from planning.travel.network import RoadNetwork

RB = load_rulebook()
#: R3's display areas from the road band (the landed drawing) are set algebra on single-facility
#: isochrones in a scenario and are not the band computed afresh: on the demo they
#: differ by up to ~0.2 km² of ~301 km² (landed behaviour, display only; the surface
#: areas are exact, see the "surface" runs); every other figure must be equal
BAND_AREAS = ("covered_km2", "uncovered_km2")


def grid_network(mode: str, nx: int = 13, ny: int = 5, step: float = 500.0,
                 jitter: float = 60.0) -> RoadNetwork:
    """A two-way grid of roads, ``nx`` × ``ny`` junctions ``step`` metres apart, from
    (-2 km, -1 km) of the hand-made origin, each junction moved by up to ``jitter``
    metres (fixed seed): on a regular grid two facilities are often exactly as far from
    a village (Manhattan distances tie), and which of them is named nearest is then
    arbitrary — the property compares answers that are determined."""
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    shift = np.random.default_rng(11).uniform(-jitter, jitter, size=(2, nx * ny))
    x = hm.X0 - 2000 + ix.ravel() * step + shift[0]
    y = hm.Y0 - 1000 + iy.ravel() * step + shift[1]
    node = lambda i, j: i * ny + j  # noqa: E731
    pairs = [(node(i, j), node(i + 1, j)) for i in range(nx - 1) for j in range(ny)]
    pairs += [(node(i, j), node(i, j + 1)) for i in range(nx) for j in range(ny - 1)]
    a = np.array(pairs)
    u = np.concatenate([a[:, 0], a[:, 1]]).astype(np.int32)
    v = np.concatenate([a[:, 1], a[:, 0]]).astype(np.int32)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    speed = hm.WALK_MS if mode == "walk" else (20000 / 3600 if mode == "ebike" else hm.DRIVE_MS)
    return RoadNetwork(mode, hm.CRS, np.arange(len(x), dtype=np.int64) + 1, x, y, u, v,
                       length, length / speed, np.array(["residential"] * len(u)), "handmade")


def small_region():
    """Two townships, 12 villages (committees and residents' committees) spread over a
    6 km × 2 km road grid, four clinics, a health centre, a community station."""
    towns = hm.townships([
        {"township_id": "120115101", "name": "甲镇", "kind": "township",
         "geometry": hm.box(-2000, -1000, 2000, 1000), "population": 9000},
        {"township_id": "120115102", "name": "乙街道", "kind": "street",
         "geometry": hm.box(2000, -1000, 4000, 1000), "population": 12000}])
    rng = np.random.default_rng(7)
    vills = []
    for i in range(12):
        town = "120115101" if i < 7 else "120115102"
        code = f"{town}{(201 + i) if i % 3 else (1 + i):03d}"
        vills.append({"village_id": code, "name": f"村{i}", "township_id": town,
                      "population": int(rng.integers(200, 3000)),
                      "x": float(rng.uniform(-1900, 3900)), "y": float(rng.uniform(-900, 900))})
    facs = hm.facilities([
        {"facility_id": "C1", "name": "一村卫生室", "kind": "village_clinic", "x": -1500, "y": 200},
        {"facility_id": "C2", "name": "二村卫生室", "kind": "village_clinic", "x": 0, "y": -500},
        {"facility_id": "C3", "name": "三村卫生室", "kind": "village_clinic", "x": 1200, "y": 700},
        {"facility_id": "C4", "name": "四村卫生室", "kind": "village_clinic", "x": 3500, "y": 0},
        {"facility_id": "H1", "name": "甲镇卫生院", "kind": "township_health_centre", "x": -200, "y": 0,
         "doctors": 20, "gps": 4},
        {"facility_id": "S1", "name": "社区卫生服务站", "kind": "community_health_station",
         "x": 2600, "y": 400, "gps": 1}])
    return hm.region(towns, hm.villages(vills), facs,
                     networks={m: grid_network(m) for m in ("walk", "ebike", "drive")})


#: no shrinking: a failing sequence is printed as drawn (shrinking one takes minutes)
QUICK = (Phase.explicit, Phase.reuse, Phase.generate)
# one step: (op, a, dx, dy) — a picks a facility or a village, dx and dy (metres) a position
STEP = st.tuples(st.sampled_from(["add", "move", "close", "undo"]), st.integers(0, 10_000),
                 st.floats(-400, 400), st.floats(-400, 400))


def _step(sc: Scenario, step) -> None:
    op, a, dx, dy = step
    region = sc.apply()
    fac = region.facilities
    if op == "undo":
        sc.undo()
    elif op == "add":
        v = region.villages.geometry.iloc[a % len(region.villages)]
        x, y = v.x + dx, v.y + dy
        # two clinics on the very same spot tie, and which one is named nearest is
        # arbitrary: keep positions distinct
        if not ((fac.geometry.x == x) & (fac.geometry.y == y)).any():
            sc.add_facility("village_clinic", x, y)
    elif len(fac) > 1:
        f = fac.iloc[a % len(fac)]
        if op == "move":
            sc.move_facility(f["facility_id"], f.geometry.x + dx, f.geometry.y + dy)
        else:
            sc.close_facility(f["facility_id"])


def _fresh(region, base_access: Access | None) -> Access:
    access = Access(region)
    if base_access is not None:       # the prepared engines only: no memo, no static facts
        access._engines, access._villages = base_access._engines, base_access._villages
    return access


def assert_same(after, ref) -> None:
    """Every rule's summary, and every unit's status, codes, numbers and parameters."""
    diffs = compare_summaries(ref.summary("en"), after.summary("en"))
    if settings.R3_AREAS == "road_band":
        diffs = [d for d in diffs
                 if not any(d.startswith(f"summary.rules[R3].figures.{k}:") for k in BAND_AREAS)]
    assert not diffs, diffs
    for rid, res in ref.results.items():
        a = pd.DataFrame(after.results[rid].units.drop(columns="geometry"))
        b = pd.DataFrame(res.units.drop(columns="geometry"))
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      obj=f"{rid} units")
    # the village minutes themselves
    np.testing.assert_array_equal(after.results["R3"].units["minutes_to_care"].to_numpy(),
                                  ref.results["R3"].units["minutes_to_care"].to_numpy())


def _run(sc: Scenario, steps, base_access: Access | None = None) -> None:
    for step in steps:
        _step(sc, step)
        region = sc.apply()
        fresh = _fresh(region, base_access)
        after, ref = sc.assess(), assess(region, RB, fresh)
        assert_same(after, ref)
        if settings.R3_AREAS == "surface":     # the scenario keeps a surface: the same one
            s1 = r3_health_circle.surface(region, RB, sc._scenario_access.bind(region))
            s2 = r3_health_circle.surface(region, RB, fresh)
            np.testing.assert_array_equal(s1.minutes, s2.minutes)
            np.testing.assert_array_equal(s1.state, s2.state)
            for name in ("R3_covered", "R3_uncovered"):
                g1 = after.results["R3"].layers[name].geometry.iloc[0]
                g2 = ref.results["R3"].layers[name].geometry.iloc[0]
                assert g1.equals(g2), name


@pytest.fixture(params=["road_band", "surface"])
def areas(request):
    """R3's display areas from the road band and from the travel-time surface."""
    old = settings.R3_AREAS
    settings.R3_AREAS = request.param
    yield request.param
    settings.R3_AREAS = old


@hsettings(max_examples=5, deadline=None, phases=QUICK,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=6))
def test_small_region_edits_match_a_fresh_assessment(areas, steps):
    _run(Scenario(small_region(), rulebook=RB), steps)


@pytest.fixture(scope="module")
def demo():
    from planning.inputs import load_demo

    region = load_demo()
    access = Access(region)
    return region, access, assess(region, RB, access)


@hsettings(max_examples=3, deadline=None, phases=QUICK,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=2, max_size=3))
def test_demo_edits_match_a_fresh_assessment(demo, steps):
    region, access, base = demo
    _run(Scenario(region, rulebook=RB, access=access, base_assessment=base), steps, access)
