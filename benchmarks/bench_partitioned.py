"""Benchmark: county tasks on Dask against the single-process check, on one machine.

::

    python -m planning bench --task partitioned --scale city --workers 1,2
    python -m planning bench --task partitioned --scale province --workers 1,2

``demo`` (宝坻区, split by township), ``city`` (Tianjin's 16 districts, built into
``cache/city``) or ``province`` (three copies of the city with denser roads, 48
counties, built into ``cache/province``); ``--counties N`` keeps the first N counties
(districts, in code order) of the region and all its roads. Prints one JSON line per
measurement:

- ``single``: ``check`` in this process on the whole region (networks from the disk
  cache, as a second run has them): seconds and peak memory. Not run for the province
  (:data:`SINGLE_SCALES`): one process holding its three networks and their engines
  needs more memory than this shared machine may give (its first load alone peaked at
  8.9 GB); the partitioned runs are then compared with one another only;
- ``prepare``: the road tiles (built once per road file, then read from the cache);
- ``partitioned`` per worker count: wall seconds (a ``LocalCluster`` of that many
  processes, fresh output folder, tiles cached), counties per minute, the ratio to one
  worker and to the single process, the peak memory of each worker process, the
  buffers' overhead per mode (nodes searched by the tasks, widening included, ÷ nodes
  the counties own), answers widened, whether the totals equal the single run's, the
  seconds the workers idled while county tasks remained (:func:`workers_idle`), the
  driver's CPU seconds and the load average at the end (the machine may be shared);
- ``national_estimate``: from the measured task seconds per village, the time of a
  national run (~490,000 villages, ~2,800 counties) on N workers.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from planning import settings
from planning.travel.network import region_network

#: villages and counties of a national run (国家统计局 2023: ~490,000 village-level units)
NATIONAL_VILLAGES = 490_000
NATIONAL_COUNTIES = 2_800
#: scales whose single-process check the benchmark runs (the province's is left out)
SINGLE_SCALES = ("demo", "city")


def run(scale: str = "city", workers: list[int] = (1, 2), *, counties: int | None = None,
        out=sys.stdout) -> list[dict]:
    """Time the partitioned check against one process; print and return JSON rows.

    ``counties``: only the first N counties of the region (all its roads).
    """
    from distributed import Client

    from planning.rules.assess import assess
    from planning.scale.distributed import local_cluster, run as run_partitioned
    from planning.scale.partition import TileStore

    rows: list[dict] = []

    def emit(row: dict) -> None:
        row = {"task": "partitioned", "scale": scale, **row}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=out, flush=True)

    path, by = region_path(scale)
    if counties:
        path = first_counties(path, by, counties)
    region = _load(path)
    for mode in settings.MODES:
        region_network(region, mode)
    walk_nodes = int(region_network(region, "walk").n_nodes)
    single_s = want = None
    if scale in SINGLE_SCALES:
        t0, cpu0 = time.perf_counter(), time.process_time()
        single = assess(region)
        single_s = time.perf_counter() - t0
        want = {r["id"]: r for r in single.summary()["rules"]}
        emit({"step": "single", "seconds": round(single_s, 2),
              "cpu_seconds": round(time.process_time() - cpu0, 1),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "r3_areas": settings.R3_AREAS, "villages": len(region.villages),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "walk_nodes": walk_nodes, "note": "networks from the disk cache; rules R1-R8"})
    else:
        emit({"step": "single", "skipped": True, "villages": len(region.villages),
              "walk_nodes": walk_nodes,
              "note": "not run at this scale: one process would hold every network and "
                      "its engines (the first load of the networks alone peaked at 8.9 GB)"})
    t0 = time.perf_counter()
    TileStore.for_region(region)
    emit({"step": "prepare", "seconds": round(time.perf_counter() - t0, 2),
          "note": "road tiles (0 when cached)"})
    region.networks.clear()  # the partitioned runs load their own (the driver's)
    base = None
    for n in workers:
        with tempfile.TemporaryDirectory() as tmp, local_cluster(n) as cluster, \
                Client(cluster) as client:
            t0, cpu0 = time.perf_counter(), time.process_time()
            s = run_partitioned(path, tmp, client=client, by=by, progress=lambda line: None)
            wall = time.perf_counter() - t0
            driver_cpu = time.process_time() - cpu0
        tasks = [c["task"] for c in s["counties"].values()]
        per_worker: dict[int, float] = {}
        for t in tasks:
            per_worker[t["worker_pid"]] = max(per_worker.get(t["worker_pid"], 0.0),
                                              t["peak_rss_mb"])
        overhead = {}
        for mode in settings.MODES:
            got = [t["modes"][mode] for t in tasks if mode in t["modes"]]
            if got:
                overhead[mode] = {
                    "nodes_processed_over_owned": round(sum(g["nodes"] for g in got)
                                                        / max(1, sum(g["owned_nodes"]
                                                                     for g in got)), 2),
                    "answers_widened": sum(g["widened"] for g in got)}
        keys = ("units", "passed", "failed", "warned", "not_applicable", "population_in_gap")
        same = None if want is None else all(
            {k: r[k] for k in keys} == {k: want[r["id"]][k] for k in keys}
            for r in s["total"]["rules"])
        task_s = sum(t["seconds"] for t in tasks)
        idle = workers_idle(tasks)
        cpu_s = sum(t.get("cpu_seconds", 0.0) for t in tasks)
        base = base or wall
        emit({"step": "partitioned", "workers": n, "counties": len(tasks),
              "seconds": round(wall, 2), "counties_per_minute": round(60 * len(tasks) / wall, 1),
              "speedup_over_1_worker": round(base / wall, 2),
              "single_over_partitioned": round(single_s / wall, 3) if single_s else None,
              "task_seconds_total": round(task_s, 1), "task_cpu_seconds_total": round(cpu_s, 1),
              "workers_idle_seconds": idle,
              "merge_seconds": s["merge_seconds"], "driver_seconds": s.get("driver_seconds"),
              "driver_cpu_seconds": round(driver_cpu, 1),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "r3_areas": settings.R3_AREAS,
              "peak_rss_mb_per_worker": sorted(per_worker.values(), reverse=True),
              "overhead": overhead, "same_totals_as_single": same})
        if n == min(workers):
            per_village = (cpu_s or task_s) / max(1, len(region.villages))
            emit({"step": "national_estimate", "villages": NATIONAL_VILLAGES,
                  "counties": NATIONAL_COUNTIES,
                  "task_cpu_seconds_per_village": round(per_village, 5),
                  "hours_on": {str(w): round(per_village * NATIONAL_VILLAGES / w / 3600, 2)
                               for w in (16, 64, 256)},
                  "note": "task CPU seconds measured here scaled by villages, one worker per "
                          "core; the merge (one task per rule) and the writes not counted"})
    return rows


def workers_idle(tasks: list[dict]) -> dict:
    """Seconds the workers spent without a county task between the first task's start
    and the last one's end, summed over workers: ``between_tasks`` (waiting for the
    next task) and ``at_the_end`` (waiting for the others' last tasks); from each
    task's ``started``, ``seconds`` and ``worker_pid``."""
    spans: dict[int, list[tuple[float, float]]] = {}
    for t in tasks:
        if "started" in t:
            spans.setdefault(t["worker_pid"], []).append((t["started"],
                                                          t["started"] + t["seconds"]))
    if not spans:
        return {}
    first = min(a for s in spans.values() for a, _ in s)
    last = max(b for s in spans.values() for _, b in s)
    between = end = 0.0
    for s in spans.values():
        s.sort()
        between += (s[0][0] - first) + sum(max(0.0, a - b) for (_, b), (a, _) in pairwise(s))
        end += last - max(b for _, b in s)
    return {"between_tasks": round(between, 1), "at_the_end": round(end, 1)}


def region_path(scale: str) -> tuple[Path, str]:
    """The region of a scale (built into the cache when missing) and the column to split by."""
    if scale == "demo":
        return settings.DEMO_DIR / "region.gpkg", "township_id"
    if scale not in ("city", "province"):
        raise ValueError(f"scale must be demo, city or province, not {scale!r}")
    folder = settings.CACHE_DIR / scale
    if not (folder / "region.gpkg").exists():
        from geodata.build_demo import build_region

        build_region(scale, folder)
    return folder / "region.gpkg", "district"


def first_counties(path: Path, by: str, n: int) -> Path:
    """A region of the first ``n`` counties (values of the townships' ``by``, in the order
    of their township codes) of the region at ``path``: their districts, townships,
    villages and facilities (those inside them), in a folder beside its folder with a
    link to its road file (the same network caches and tiles)."""
    import geopandas as gpd

    folder = path.parent.parent / f"{path.parent.name}_{n}counties"
    target = folder / "region.gpkg"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    towns = gpd.read_file(path, layer="townships")
    keep = list(towns.sort_values("township_id")[by].astype(str).drop_duplicates())[:n]
    towns = towns[towns[by].astype(str).isin(keep)]
    outline = towns.union_all()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        part = Path(tmp) / "region.gpkg"
        for layer in ("districts", "townships", "villages", "facilities"):
            gdf = towns if layer == "townships" else gpd.read_file(path, layer=layer)
            if layer == "districts":  # named by the townships' district column
                gdf = gdf[gdf["name"].astype(str).isin(towns["district"].astype(str))]
            elif layer != "townships":
                gdf = gdf[gdf.within(outline)]
            gdf.to_file(part, layer=layer, driver="GPKG")
        roads = next(f for f in path.parent.iterdir() if f.name.startswith("roads.osm"))
        (folder / roads.name).unlink(missing_ok=True)
        (folder / roads.name).symlink_to(roads.resolve())
        part.rename(target)
    return target


def _load(path: Path):
    from planning.inputs import load_region

    return load_region(path)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", default="city", choices=["demo", "city", "province"])
    p.add_argument("--workers", default="1,2")
    p.add_argument("--counties", type=int)
    a = p.parse_args()
    run(a.scale, [int(w) for w in a.workers.split(",")], counties=a.counties)
