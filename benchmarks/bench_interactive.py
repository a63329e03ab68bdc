"""Benchmark: what a planner waits for — a whole check, a what-if click, a map.

Prints one JSON line per task::

    python -m planning bench --task assess|scenario|map --scale demo|city
    python -m benchmarks.bench_interactive --task scenario --scale city

Networks cached (``cache/*.npz``); the region is loaded once (``load_s``, not counted).
Times are wall-clock seconds, medians of at least :data:`REPEATS` runs (``seconds``)
and the slowest (``max_s``); ``cpu_s`` is the process's CPU time for the same work
(``time.process_time``), steadier when other jobs share the two cores.
``peak_rss_mb`` is the process's peak resident memory at the end; ``r3_areas`` the
``settings.R3_AREAS`` in force (``--r3-areas`` sets it when run as a module).

* ``assess``: what ``planning check`` does after loading — a fresh
  :func:`~planning.travel.access.access_for` (engines prepared from their cache) and
  :func:`~planning.rules.assess.assess` with every rule; ``rules_s`` the median seconds
  per step (network preparation per mode, each rule).
* ``scenario``: one what-if click — :meth:`Scenario.add_facility` (a village clinic
  beside a village), :meth:`~Scenario.move_facility` (a clinic 300 m east) or
  :meth:`~Scenario.close_facility` (a clinic), then :meth:`Scenario.assess` with every
  rule — after one warm-up click of each; ``seconds`` over all clicks, ``add_s`` /
  ``move_s`` / ``close_s`` per kind (``add_cpu_s`` … their CPU seconds), ``rules_s``
  each rule's median seconds inside a click (0 when its result was reused), ``undo_s``
  an undo and the assessment after it.
  ``from_scratch_s`` is the obvious alternative timed in the same run (after five of
  the clicks): the edited region assessed afresh (every rule, a new ``Access`` on the same prepared engines);
  ``same_answers`` says whether those clicks' assessments equal it (every rule's
  summary — statuses, counts, figures — by :func:`benchmarks.compare_runs.compare_summaries`,
  and every unit's status); ``differences`` lists the first few that differ.
* ``map``: :func:`planning.outputs.layers.display_layers` + :func:`planning.outputs.maps.build_map`
  + rendering the HTML (what the app serves) of the region's assessment; ``html_mb``.
  The region's reference layer (outlines, names, main roads: :func:`planning.outputs.layers.reference_layers`)
  is made by the first map and kept for the region: ``reference_s`` is that first
  making, timed apart before the runs (it is then in none of them).
  With ``R3_AREAS = "surface"`` R3's reach is drawn from the travel-time surface
  (``surface_s``: the surface itself, one search, timed apart: the app's assessment has
  made it). ``click_map_s`` / ``click_cpu_s``: the map the app draws after a what-if
  click — the scenario's display layers with the base's reference layers reused, the map
  with the scenario's changes, its HTML — median of :data:`REPEATS` clicks (a village
  clinic added beside a village), the clicks' own assessment not counted.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

from benchmarks.bench_engine import _region
from planning import settings
from benchmarks.compare_runs import compare_summaries

#: runs per figure (the median is reported)
REPEATS = 5
TASKS = ("assess", "scenario", "map")


def run(scale: str = "demo", task: str = "scenario", *, out=sys.stdout) -> dict:
    """Time ``task`` ("assess", "scenario" or "map") on ``scale`` ("demo" or "city");
    print and return the JSON row."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    from planning.rules.rulebook import load_rulebook

    t0 = time.perf_counter()
    region = _region(scale)
    load_s = time.perf_counter() - t0
    row = {"task": task, "scale": scale, "r3_areas": settings.R3_AREAS,
           **globals()[f"_{task}"](region, load_rulebook()),
           "load_s": round(load_s, 2),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}
    print(json.dumps(row, ensure_ascii=False), file=out, flush=True)
    return row


def _stats(times: list[float], cpu: list[float] | None = None) -> dict:
    out = {"seconds": round(float(np.median(times)), 4), "max_s": round(max(times), 4),
           "runs": len(times)}
    if cpu:
        out["cpu_s"] = round(float(np.median(cpu)), 4)
    return out


def _assess(region, rulebook) -> dict:
    from planning.rules.assess import assess
    from planning.travel.access import access_for

    times, cpu, steps = [], [], {}
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        a = assess(region, rulebook, access_for(region))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        for k, v in a.timings.items():
            steps.setdefault(k, []).append(v)
    return {**_stats(times, cpu),
            "rules_s": {k: round(float(np.median(v)), 3) for k, v in steps.items()}}


def _scenario(region, rulebook) -> dict:
    from planning.plan.scenario import Scenario
    from planning.rules.assess import assess
    from planning.travel.access import Access, access_for

    access = access_for(region)
    base = assess(region, rulebook, access)
    sc = Scenario(region, rulebook=rulebook, access=access, base_assessment=base)
    sc.assess()
    rng = np.random.default_rng(16)
    vil = region.villages.geometry
    clinics = region.facilities[region.facilities["kind"] == "village_clinic"]
    picked = rng.permutation(len(clinics))
    n_clicks = 3 * (REPEATS + 1)

    def click(i: int) -> str:
        op = ("add", "move", "close")[i % 3]
        if op == "add":
            v = vil.iloc[int(rng.integers(len(vil)))]
            sc.add_facility("village_clinic", v.x + 150.0, v.y + 80.0)
        else:
            f = clinics.iloc[picked[i]]
            if op == "move":
                sc.move_facility(f["facility_id"], f.geometry.x + 300.0, f.geometry.y)
            else:
                sc.close_facility(f["facility_id"])
        return op

    def fresh(edited):
        a = Access(edited)          # a new memo on the base's prepared engines
        a._engines, a._villages = access._engines, access._villages
        return a

    per = {"add": [], "move": [], "close": []}
    per_cpu = {"add": [], "move": [], "close": []}
    cpu, scratch, diffs, rules = [], [], [], {}
    for i in range(n_clicks):
        t0, c0 = time.perf_counter(), time.process_time()
        op = click(i)
        after = sc.assess()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if i >= 3:                                 # the first click of each kind warms up
            per[op].append(dt)
            per_cpu[op].append(dc)
            cpu.append(dc)
            for rid, s in after.timings.items():
                rules.setdefault(rid, []).append(s)
        if 3 <= i < 3 + REPEATS:                   # the obvious alternative, 5 of the clicks
            t0 = time.perf_counter()
            ref = assess(sc.apply(), rulebook, fresh(sc.apply()))
            scratch.append(time.perf_counter() - t0)
            diffs += _diffs(after, ref)
    undo = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        sc.undo()
        after = sc.assess()
        undo.append(time.perf_counter() - t0)
    diffs += _diffs(after, assess(sc.apply(), rulebook, fresh(sc.apply())))
    clicks = [t for v in per.values() for t in v]
    return {**_stats(clicks, cpu),
            **{f"{op}_s": round(float(np.median(v)), 4) for op, v in per.items()},
            **{f"{op}_cpu_s": round(float(np.median(v)), 4) for op, v in per_cpu.items()},
            "rules_s": {r: round(float(np.median(v)), 4) for r, v in rules.items()},
            "undo_s": round(float(np.median(undo)), 4), "undo_max_s": round(max(undo), 4),
            "from_scratch_s": round(float(np.median(scratch)), 3),
            "ratio_from_scratch": round(float(np.median(scratch)) / float(np.median(clicks)), 1),
            "same_answers": not diffs, "differences": sorted(set(diffs))[:4]}


def _diffs(a, b) -> list[str]:
    """Differences of every rule's summary (codes and numbers) and every unit's status."""
    out = compare_summaries(b.summary("en"), a.summary("en"))
    return out + [f"{r}: unit statuses differ" for r in b.results
                  if a.results[r].units["status"].tolist() != b.results[r].units["status"].tolist()]


def _map(region, rulebook) -> dict:
    from planning.outputs import maps
    from planning.outputs.layers import display_layers, display_surface, reference_layers
    from planning.plan.scenario import Scenario
    from planning.rules.assess import assess
    from planning.travel.access import access_for

    access = access_for(region)
    a = assess(region, rulebook, access)
    t0 = time.perf_counter()
    surface = display_surface(a, access)
    surface_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference_layers(region)
    reference_s = time.perf_counter() - t0
    times, cpu, size = [], [], 0
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        html = maps.build_map(a, "zh", display=display_layers(a, surface=surface)).get_root().render()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        size = len(html.encode("utf-8"))
    # the map after a what-if click, as the app draws it
    base_display = display_layers(a, surface=surface)
    sc = Scenario(region, rulebook=rulebook, access=access, base_assessment=a)
    sc.assess()
    vil = region.villages.geometry
    click, click_cpu = [], []
    for i in range(REPEATS):
        v = vil.iloc[(i * 97) % len(vil)]
        sc.add_facility("village_clinic", v.x + 150.0, v.y + 80.0)
        after = sc.assess()
        comparison = sc.compare()
        t0, c0 = time.perf_counter(), time.process_time()
        d = display_layers(after, reference=base_display,
                           surface=display_surface(after, sc.scenario_access))
        layers = maps.scenario_layers(comparison, region, after.region)
        maps.build_map(after, "zh", display=d, scenario=layers).get_root().render()
        click.append(time.perf_counter() - t0)
        click_cpu.append(time.process_time() - c0)
    return {**_stats(times, cpu), "html_mb": round(size / 1e6, 2), "surface_s": round(surface_s, 3),
            "reference_s": round(reference_s, 3),
            "click_map_s": round(float(np.median(click)), 4),
            "click_cpu_s": round(float(np.median(click_cpu)), 4)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", default="scenario", choices=TASKS)
    ap.add_argument("--scale", default="demo", choices=["demo", "city"])
    ap.add_argument("--r3-areas", choices=["road_band", "surface"],
                    help="settings.R3_AREAS for the run (default: the setting)")
    args = ap.parse_args()
    settings.R3_AREAS = args.r3_areas or settings.R3_AREAS
    run(args.scale, args.task)
