"""Benchmark: the travel-time surface against R3's landed display polygons.

Prints one JSON line with ``"task": "surface"``::

    python -m planning bench --task surface --scale demo
    python -m benchmarks.bench_surface --scale city

Measured in one process on R3's facilities and mode (walking), networks cached and the
engine prepared first (its time is the engine benchmark's ``prepare`` row):

* ``seconds`` / ``max_s``: the whole surface as a check makes it — the grid over the
  townships (``settings.SURFACE_CELL_M``, 100 m), its cell centres snapped to the
  network (read from their disk cache, written by one untimed run first) and one
  multi-source search (what :func:`planning.rules.r3_health_circle.surface` does on a
  fresh ``Access``) — median and slowest of ``REPEATS`` runs; ``cells_s`` the cells'
  part and ``search_s`` the part a new facility set (a scenario edit) costs once the
  cells are snapped (median);
* ``snap_s`` / ``snap_cpu_s``: the cell centres snapped afresh (no disk cache: the first
  check of a region), median;
* ``r3_polygon_s`` / ``r3_polygon_max_s``: what R3 spends today on its ``R3_covered`` /
  ``R3_uncovered`` polygons — the buffered-road union of the 15-minute isochrones
  (``Access.coverage_union``), cut to the townships and their remainder — median and
  slowest of ``REPEATS`` runs after one warm-up (the full node graph built);
* ``r3_surface_areas_s``: R3's covered and uncovered areas polygonised from the
  surface (``settings.R3_AREAS = "surface"``), once the surface is made (median; a
  check counts the cells and polygonises only when a map or an export reads the layer);
* ``covered_km2_surface`` (cells within R3's minutes × cell area) beside
  ``covered_km2_polygon`` (the polygon's area): the two differ by design — the polygon
  is a band of ``isochrone_buffer_m`` around reached roads, the surface counts every
  cell whose centre walks to a road within the snap limit and on within the minutes;
* ``peak_rss_mb``: the process's peak resident memory at the end.

Times are wall-clock seconds on whatever shares the machine; ``cpu_s`` and
``r3_polygon_cpu_s`` are the process's CPU seconds for the same work (median,
``time.process_time``), steadier when other jobs share the cores (both paths run on one
thread).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np
import shapely

from planning import settings
from planning.rules import r3_health_circle
from planning.rules.base import facilities_of
from planning.rules.rulebook import load_rulebook
from planning.travel import surface as sf
from planning.travel.access import Access

REPEATS = 5


def run(scale: str = "demo", *, out=sys.stdout) -> dict:
    """Time the surface and R3's polygons on ``scale`` ("demo" or "city"); print and
    return the JSON row."""
    from benchmarks.bench_engine import _region

    region = _region(scale)
    rulebook = load_rulebook()
    p = rulebook["R3"]
    access = Access(region)
    engine = access.engine(p["mode"])
    facilities = facilities_of(region, p["facility_kinds"])
    towns = region.townships.geometry.values

    snap_t, snap_cpu = [], []
    for _ in range(REPEATS):                     # the first check of a region
        t0, c0 = time.perf_counter(), time.process_time()
        sf.prepare_cells(engine, towns, cache=False)
        snap_t.append(time.perf_counter() - t0)
        snap_cpu.append(time.process_time() - c0)
    sf.prepare_cells(engine, towns)              # the cells' disk cache written (untimed)
    total, cpu, cells_t, search_t = [], [], [], []
    for _ in range(REPEATS):                     # what r3_health_circle.surface does
        t0, c0 = time.perf_counter(), time.process_time()
        cells = sf.prepare_cells(engine, towns)
        t1 = time.perf_counter()
        surface = sf.travel_time_surface(engine, cells, facilities.geometry)
        t2 = time.perf_counter()
        total.append(t2 - t0)
        cpu.append(time.process_time() - c0)
        cells_t.append(t1 - t0)
        t0 = time.perf_counter()
        sf.travel_time_surface(engine, cells, facilities.geometry)
        search_t.append(time.perf_counter() - t0)

    def polygons():
        covered = access.coverage_union(p["mode"], facilities, p["max_minutes"] * 60.0, "time",
                                        p["isochrone_buffer_m"])
        area = shapely.union_all(towns)
        covered = shapely.intersection(covered, area)
        return covered, shapely.difference(area, covered)

    polygons()                                   # warm-up: the full node graph is built once
    poly_t, poly_cpu = [], []
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        covered, _ = polygons()
        poly_t.append(time.perf_counter() - t0)
        poly_cpu.append(time.process_time() - c0)

    areas_t = []                                 # settings.R3_AREAS = "surface"
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        [m.polygons() for m in r3_health_circle._surface_masks(surface, p["max_minutes"])]
        areas_t.append(time.perf_counter() - t0)

    seconds = float(np.median(total))
    row = {"task": "surface", "scale": scale, "mode": p["mode"],
           "seconds": round(seconds, 3), "max_s": round(max(total), 3),
           "cpu_s": round(float(np.median(cpu)), 3),
           "cells_s": round(float(np.median(cells_t)), 3),
           "search_s": round(float(np.median(search_t)), 4),
           "snap_s": round(float(np.median(snap_t)), 3),
           "snap_cpu_s": round(float(np.median(snap_cpu)), 3),
           "r3_polygon_s": round(float(np.median(poly_t)), 3),
           "r3_polygon_max_s": round(max(poly_t), 3),
           "r3_polygon_cpu_s": round(float(np.median(poly_cpu)), 3),
           "r3_surface_areas_s": round(float(np.median(areas_t)), 3),
           "ratio_polygon_to_surface": round(float(np.median(poly_t)) / seconds, 2),
           "ratio_polygon_to_search": round(float(np.median(poly_t)) / float(np.median(search_t)), 1),
           "cell_m": surface.grid.cell_m, "grid": list(surface.grid.shape),
           "cells_in_area": int(len(cells.rows)), **{f"cells_{k}": v for k, v in surface.counts().items()},
           "nodes": int(engine.n_nodes), "facilities": len(facilities),
           "covered_km2_surface": round(surface.area_within_km2(p["max_minutes"]), 1),
           "covered_km2_polygon": round(covered.area / 1e6, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
           "repeats": REPEATS}
    print(json.dumps(row, ensure_ascii=False), file=out, flush=True)
    return row


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", default="demo", choices=["demo", "city"])
    run(ap.parse_args().scale)
