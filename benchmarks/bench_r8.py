"""Benchmark: R8 (GPs within reach, E2SFCA) on a whole region and through scenario edits.

Prints one JSON line per measurement with ``"task": "r8"``::

    python -m planning bench --scale city --task r8
    python -m benchmarks.bench_r8 --scale demo

Measured in one process, networks and engines prepared first (their time is the
engine benchmark's ``prepare`` row, not R8's):

* ``r8_region``: R8 on the region as loaded (``engine_s``), catchments computed (GP
  catchment by e-bike 30 min from the primary-care facilities, village-doctor catchment
  on foot 15 min from the clinics); ``rerun_catchments_cached_s`` the same once the
  catchments are known;
* ``r8_e2sfca``: the measure itself on given cost pairs — decay weights and the two
  sparse products (``engine_s``) — against the obvious alternative, PySAL ``access``
  (``Access.enhanced_two_stage_fca``) fed the same cost pairs (``baseline_s``); the
  answers must be equal to 1e-9 (``same_answers``);
* ``r8_edit_<op>``: one scenario edit, then ``Scenario.assess(["R8"])`` — ``staff`` (two
  GPs more at a township centre), ``open`` (a community health station with two GPs at a
  village), ``move`` (a centre moved to a village) and ``close``; ``engine_s`` is R8's
  own re-run (catchments of unchanged facilities reused), ``scenario_s`` the whole
  update (applying the edits, hashing, R8), against ``r8_region``'s time.

Times are wall-clock seconds; ``cpu_s`` beside them is the process's CPU time for the same
work (``time.process_time``), steadier when other jobs share the cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

from planning.rules import fca
from planning.travel.access import Access
from planning.rules.rulebook import load_rulebook
from planning.rules import RULES

#: edits timed per kind (median reported)
N_EDITS = 5


def run(scale: str = "demo", *, out=sys.stdout) -> list[dict]:
    """Run the R8 measurements for ``scale`` ("demo" or "city"); print and return JSON rows."""
    from benchmarks.bench_engine import _region
    from planning.rules.r8_staff_access import reach
    from planning.plan.scenario import Scenario

    rows: list[dict] = []
    region = _region(scale)
    rulebook = load_rulebook()
    p = rulebook["R8"]
    access = Access(region)
    t0 = time.perf_counter()
    for mode in {p["gp_mode"], p["village_doctor_mode"]}:
        access.engine(mode)
    t_prepare = time.perf_counter() - t0
    base = {"task": "r8", "scale": scale, "villages": len(region.villages),
            "facilities": len(region.facilities)}

    def row(name, engine_s, **extra):
        r = {**base, "measure": name, "engine_s": round(engine_s, 5), **extra}
        rows.append(r)
        print(json.dumps(r, ensure_ascii=False), file=out, flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    result = RULES["R8"](region, rulebook, access)
    t_r8, c_r8 = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    RULES["R8"](region, rulebook, access)
    t_warm = time.perf_counter() - t0
    gp = reach(region, access, rulebook, "gp")
    cutoff = p["gp_minutes"] * 60.0
    demand = region.villages["population"].to_numpy(float)
    gps = gp.facilities["gps"].to_numpy(float)
    f = result.figures
    row("r8_region", t_r8, cpu_s=round(c_r8, 5), rerun_catchments_cached_s=round(t_warm, 5),
        engines_prepared_s=round(t_prepare, 3), gp_facilities=f["gp_facilities"],
        gp_pairs=int(gp.costs.nnz), gps_per_10000_plain=f["gps_per_10000_plain"],
        gps_per_10000_within_reach=f["gps_per_10000_within_reach"],
        residents_below_reference=f["residents_below_reference"],
        villages_near_border=f["villages_near_border"], target_s=1.5)
    t_ref, ref = _pysal(gp, demand, gps, p, cutoff)
    t_fca = min(_timed(lambda: fca.e2sfca(fca.weighted(gp.costs, cutoff, p["decay"], p["band_weights"],
                                                       p["gaussian_sigma_share"]), gps, demand))
                for _ in range(3))
    got = result.units["gps_per_10000"].to_numpy(float) / 1e4
    row("r8_e2sfca", t_fca, baseline="PySAL access E2SFCA on the same cost pairs",
        baseline_s=round(t_ref, 5), ratio=round(t_ref / t_fca, 1),
        same_answers=bool(np.allclose(got, ref, rtol=1e-9, atol=0)))

    scenario = Scenario(region, rulebook=rulebook, access=access)
    scenario.base_assessment(["R8"])
    fac, vil = region.facilities, region.villages
    centres = fac[fac["kind"] == "township_health_centre"]["facility_id"].astype(str).tolist()
    rng = np.random.default_rng(0)
    picks = rng.choice(len(vil), 3 * N_EDITS, replace=False)
    times: dict[str, list[tuple[float, float, float]]] = {"staff": [], "open": [], "move": [],
                                                          "close": []}
    for n in range(N_EDITS):
        target = centres[n % len(centres)]
        v_open, v_move = vil.geometry.iloc[picks[2 * n]], vil.geometry.iloc[picks[2 * n + 1]]
        for op, edit in (("staff", lambda: scenario.add_staff(target, gps=2)),
                         ("open", lambda: scenario.add_facility(
                             "community_health_station", x=v_open.x, y=v_open.y, staff={"gps": 2})),
                         ("move", lambda: scenario.move_facility(target, x=v_move.x, y=v_move.y)),
                         ("close", lambda: scenario.close_facility(target))):
            edit()
            t0, c0 = time.perf_counter(), time.process_time()
            after = scenario.assess(["R8"])
            times[op].append((after.timings["R8"], time.perf_counter() - t0,
                              time.process_time() - c0))
        for _ in range(4):
            scenario.undo()
    for op, runs in times.items():
        rule_s, total_s, cpu_s = (np.array(x) for x in zip(*runs))
        row(f"r8_edit_{op}", float(np.median(rule_s)), scenario_s=round(float(np.median(total_s)), 5),
            scenario_cpu_s=round(float(np.median(cpu_s)), 5),
            max_s=round(float(rule_s.max()), 5), edits=len(runs),
            baseline="R8 on the whole region", baseline_s=round(t_r8, 5),
            ratio=round(t_r8 / float(np.median(rule_s)), 2), target_s=0.1)
    return rows


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _pysal(gp, demand: np.ndarray, supply: np.ndarray, p: dict, cutoff: float):
    """PySAL access's E2SFCA on the engine's cost pairs; (seconds, GPs per resident)."""
    from access import Access as PysalAccess
    from access import weights

    c = gp.costs.tocoo()
    fn = (weights.step_fn(dict(zip(fca.band_edges(cutoff, len(p["band_weights"])), p["band_weights"])))
          if p["decay"] == "bands" else weights.gaussian(p["gaussian_sigma_share"] * cutoff)
          if p["decay"] == "gaussian" else weights.step_fn({cutoff: 1.0}))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")  # access on pandas 3
        a = PysalAccess(
            demand_df=pd.DataFrame({"geoid": np.arange(len(demand)), "pop": np.nan_to_num(demand)}),
            demand_index="geoid", demand_value="pop",
            supply_df=pd.DataFrame({"geoid": np.arange(len(supply)), "gps": supply}),
            supply_index="geoid", supply_value="gps",
            cost_df=pd.DataFrame({"origin": c.col, "dest": c.row, "cost": c.data}),
            cost_origin="origin", cost_dest="dest", cost_name="cost")
        out = a.enhanced_two_stage_fca(name="e2sfca", max_cost=cutoff, weight_fn=fn)
    t = time.perf_counter() - t0
    return t, out["e2sfca_gps"].reindex(np.arange(len(demand))).fillna(0.0).to_numpy()


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.bench_r8 [--scale demo|city]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("demo", "city"), default="demo")
    args = ap.parse_args(argv)
    rows = run(args.scale)
    return 0 if all(r.get("same_answers", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
