"""Partitioned checks on Dask distributed: one task per county, the same answers as one process.

>>> from planning.scale.distributed import run
>>> summary = run("cache/city/region.gpkg", "out/city", workers=2)   # split by district

The driver (this process) reads the region — one region with a ``district`` column to
split by, or a folder of regions, one per county, read by the workers — cuts the road
network into tiles (:class:`planning.scale.partition.TileStore`, once, cached), and submits
one task per county to a Dask cluster: a :class:`distributed.LocalCluster` on this
machine by default, or the scheduler at ``scheduler`` (``tcp://host:8786``), whose
workers must see the same files (shared storage; ``docs/cluster.md``). The largest
counties go first, one per free worker thread (:class:`Turns`).

A county task runs the rules on its :func:`planning.scale.partition.sub_region` with a
:class:`planning.scale.partition.CutAccess`, which checks every travel-cost answer for the
county's own villages and facilities against the reach of its cut and widens where
needed. The task writes its answers to ``OUT/checkpoints/<county>.json`` (atomically,
with a content hash of its inputs, the rulebook and the code) and returns them. The
rules then run once over the whole region on those answers
(:class:`planning.scale.partition.ReplayAccess`; one task per rule on the workers),
and

- ``OUT/merged.gpkg``: every layer of every rule for the whole region, written by the
  driver rule by rule as their replays end;
- ``OUT/counties/<county>.gpkg``: each county's rows of those layers, written by the
  workers from the replays' results once every rule has replayed (while the driver
  still writes ``merged.gpkg``);
- ``OUT/summary.json``: the summary per rule for the whole region and per county, the
  counties that failed (file, row, column), and per task its time, memory and buffers.

Faults: a county whose files are broken is reported and the others finish; a worker
lost mid-run has its county re-run by Dask (``retries``); a re-run skips counties
whose checkpoint carries the same content hash (resume).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import settings
from planning._atomic import atomic_path
from planning.errors import InputError
from planning.region import Region
from planning.rules import RULES
from planning.scale.partition import (
    County,
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

#: retries of a county task whose worker died (Dask re-runs it elsewhere)
RETRIES = 1


class CountyRuleError(RuntimeError):
    """A rule that could not run on some counties (``county: why`` for each): the merged
    run leaves it out rather than answer it for part of the region."""


# ------------------------------------------------------------------ the county task


def county_task(spec: dict, store_folder: str, checkpoint: str) -> dict:
    """Check one county (runs on a worker).

    Parameters
    ----------
    spec : dict
        ``county``, ``region`` (its sub-region), ``area_wkb``, ``buffers`` (metres per
        mode), ``villages_m`` (metres: villages held beyond the county), ``across`` (per
        mode, every road node just across the whole region's outline, metres), ``villages`` and ``facilities`` (ids it owns), ``rulebook``,
        ``hash``.
    store_folder : str
        The tile store's folder (shared storage).
    checkpoint : str
        Where to write the answers (JSON, atomically).

    Returns
    -------
    dict
        ``county``, ``hash``, ``answers``, ``stats`` (seconds, start as Unix time, CPU
        seconds, peak memory of the worker process in MB, nodes searched and owned per
        mode, answers widened) and
        ``rule_errors`` (rules that could not run on this county, with why), or
        ``county`` and ``error`` (the problem, with file, row and column) for bad input.
    """
    from planning.rules.assess import assess

    t0, cpu0, started = time.perf_counter(), time.process_time(), time.time()
    use_settings(spec.get("settings", {}))          # the driver's, not the worker's
    try:
        access = CutAccess(spec["region"], TileStore(store_folder),
                           shapely.from_wkb(spec["area_wkb"]), spec["buffers"],
                           set(spec["villages"]), set(spec["facilities"]),
                           villages_within=spec["villages_m"], across=spec["across"])
        result = assess(spec["region"], spec["rulebook"], access, errors="record")
    except InputError as err:
        return {"county": spec["county"], "error": [p.to_dict() for p in err.problems]}
    out = {"county": spec["county"], "hash": spec["hash"], "answers": access.answers,
           "stats": {"seconds": round(time.perf_counter() - t0, 3), "started": round(started, 3),
                     "cpu_seconds": round(time.process_time() - cpu0, 3),
                     "peak_rss_mb": peak_rss_mb(),
                     "worker_pid": os.getpid(), "modes": access.stats,
                     "timings": {k: round(v, 3) for k, v in result.timings.items()},
                     "villages": len(spec["villages"])},
           # rules that could not run here: the merge leaves them out (never half-answered)
           "rule_errors": {rid: f"{type(e).__name__}: {e}" for rid, e in result.errors.items()}}
    _write_json(Path(checkpoint), out)
    return out


#: settings a county task takes from the driver (a worker process has its own defaults)
TASK_SETTINGS = ("R3_AREAS", "SURFACE_CELL_M", "SURFACE_CAP_MIN")


def run_settings() -> dict:
    """The driver's :data:`TASK_SETTINGS`, for the county tasks (part of their hash)."""
    return {name: getattr(settings, name) for name in TASK_SETTINGS}


def use_settings(values: dict) -> None:
    """Set this process's settings to the driver's :func:`run_settings` (on a worker)."""
    for name, value in values.items():
        setattr(settings, name, value)


def peak_rss_mb() -> float:
    """Peak resident memory of this process image, MB (``VmHWM``; a spawned worker's
    ``ru_maxrss`` would include its parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def read_county(folder: str, input_crs: str = "wgs84") -> dict:
    """Read one county's layer files (runs on a worker): layers in WGS84, or the error."""
    from planning import inputs

    try:
        layers, problems = {}, []
        for layer, (file, gpkg_layer) in inputs.layer_sources(Path(folder)).items():
            gdf, found = inputs.read_layer(file, layer, input_crs=input_crs, gpkg_layer=gpkg_layer)
            layers[layer] = gdf
            problems += found
    except InputError as err:
        return {"folder": folder, "error": [p.to_dict() for p in err.problems]}
    return {"folder": folder, "layers": layers, "problems": [p.to_dict() for p in problems]}


class Turns:
    """Tasks run in the order given, never more at once than the cluster has worker
    threads; iterate for ``(tag, future)`` as each one ends.

    Dask sends a task without dependencies to a worker as soon as it is submitted, and
    moves one queued behind a long task to an idle worker only when the busy worker
    answers a steal request — which it cannot while its task holds the GIL (the
    engine's searches do, for seconds). Tasks submitted all at once then wait behind
    long ones while another worker idles (on the city, 2 workers: ~20 s of each
    worker's 110 s). Submitting only as many as there are free threads leaves none
    waiting on a worker: each worker that frees takes the next in order.

    >>> turns = Turns(client)
    >>> turns.add("a", client.submit, f, 1)   # submitted now if a thread is free
    >>> for tag, fut in turns:                 # as they end; the next submitted meanwhile
    ...     fut.result()
    """

    def __init__(self, client):
        from distributed import as_completed

        self.client = client
        self.waiting: list[tuple] = []
        self.running = as_completed()
        self.tags: dict = {}

    def add(self, tag, submit: Callable, *args, **kwargs) -> None:
        """Queue ``submit(*args, **kwargs)`` (a ``client.submit``) under ``tag``."""
        self.waiting.append((tag, submit, args, kwargs))
        self._fill()

    def _fill(self) -> None:
        free = max(1, sum(self.client.nthreads().values())) - self.running.count()
        while self.waiting and free > 0:
            tag, submit, args, kwargs = self.waiting.pop(0)
            fut = submit(*args, **kwargs)
            self.tags[fut] = tag
            self.running.add(fut)
            free -= 1

    def __iter__(self):
        for fut in self.running:
            self._fill()
            yield self.tags.pop(fut), fut


# ------------------------------------------------------------------ the driver


def run(path, out: str | Path, *, rulebook=None, scheduler: str | None = None,
        workers: int = 2, by: str = "district", roads: str | Path | None = None,
        input_crs: str = "wgs84", client=None, lang: str = "zh",
        progress: Callable[[str], None] | None = None) -> dict:
    """Check a region county by county on Dask and write per-county and merged results.

    Parameters
    ----------
    path : str, Path or Region
        One region (a GeoPackage or a folder of layer files, or a loaded
        :class:`~planning.region.Region`) whose townships carry the column ``by``; or a
        folder of regions, one sub-folder or ``.gpkg`` per county, with the road file
        (``roads.osm.pbf``, ``.osm.bz2``, ``.osm``) beside them.
    out : str or Path
        Output folder (``merged.gpkg``, ``counties/``, ``checkpoints/``, ``summary.json``).
    rulebook : Rulebook, optional
        Default: Tianjin.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``workers`` processes on 127.0.0.1, closed at the end.
    workers : int
        Worker processes of the local cluster (one thread each).
    by : str
        Townships' column to split one region by (default ``district``).
    roads : str or Path, optional
        The road file of a folder of regions (default: the first of
        :data:`planning.inputs.ROAD_FILES` in ``path``).
    client : distributed.Client, optional
        Use this client (tests); ``scheduler`` and ``workers`` are then ignored.
    progress : callable, optional
        Called with one line per event (cluster, each county done, merge).

    Returns
    -------
    dict
        The summary written to ``OUT/summary.json``.
    """
    from distributed import Client

    from planning import inputs
    from planning.rules.rulebook import load_rulebook

    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    t_start = time.perf_counter()
    rulebook = rulebook or load_rulebook()
    out = Path(out)
    # one region is read here, and a run without roads stops before any worker starts
    region = road = None
    if isinstance(path, Region):
        region = path
    elif not _county_folders(Path(path)):
        region = inputs.load_region(path, input_crs=input_crs, roads=roads)
    else:
        road = _road_file(Path(path), roads, lang)
    if region is not None:
        _need_roads(region, region.name if isinstance(path, Region) else Path(path).name, lang)
    cluster = own = None
    if client is None:
        if scheduler:
            client = own = Client(scheduler)
        else:
            cluster = local_cluster(workers)
            client = own = Client(cluster)
    try:
        link = client.dashboard_link if (scheduler or _has_bokeh()) else None
        say(f"Dask: {client.scheduler.address}, {len(client.scheduler_info()['workers'])} workers"
            + (f"; dashboard {link}" if link else "; dashboard: install bokeh to see it"))
        if region is not None:
            counties, failed = split(region, by), []
        else:
            region, counties, failed = _read_counties(Path(path), road, input_crs, client, say)
        t0 = time.perf_counter()
        store = TileStore.for_region(region)
        prepare_s = time.perf_counter() - t0
        area = areas(region, counties)
        own_rows = owners(region, counties, area)
        speeds = {m: store.speed(m) for m in store.index["modes"]}
        buffers = buffers_m(rulebook, speeds, settings.SNAP_LIMIT_M)
        reach_v = villages_m(rulebook, speeds)
        across = across_points(region, store.index["modes"])
        if not isinstance(path, Region):
            region.networks.clear()  # read by the tiles and across_points only; GBs for a province
        version = code_version()
        steps = {"inputs_and_tiles": time.perf_counter() - t_start}
        t0 = time.perf_counter()
        specs, facilities_seen = [], {}
        results = {}
        digests = _RowDigests(region)
        vid = region.villages["village_id"].astype(str).to_numpy()
        fid = region.facilities["facility_id"].astype(str).to_numpy()
        turns = Turns(client)
        # the largest counties first (their cuts, hence their tasks, grow with their
        # area: on the city 7 CPU seconds for 10 km², 16 for 1,300-2,300 km²), so the
        # last tasks to run are short ones and no worker waits long at the end
        for c in sorted(counties, key=lambda c: -area[c.county_id].area):
            sub = sub_region(region, own_rows, c, area[c.county_id], buffers,
                             villages_within=reach_v)
            facilities_seen[c.county_id] = set(sub.facilities["facility_id"].astype(str))
            # every road node across the outline: the task uses those its cut can
            # answer for (CutAccess.border_cost), so none is filtered here
            spec = {"county": c.county_id, "region": sub,
                    "area_wkb": shapely.to_wkb(area[c.county_id]), "buffers": buffers,
                    "villages_m": reach_v, "across": across,
                    "villages": sorted(vid[(own_rows.villages == c.county_id).to_numpy()]),
                    "facilities": sorted(fid[(own_rows.facilities == c.county_id).to_numpy()]),
                    "rulebook": rulebook, "settings": run_settings()}
            spec["hash"] = _spec_hash(spec, version, store, digests)
            specs.append(spec)
            ckpt = _checkpoint(out, spec["county"])
            done = _read_json(ckpt)
            if done and done.get("hash") == spec["hash"]:
                results[spec["county"]] = done
                continue
            # the first ones start at once, while the driver prepares the rest
            turns.add(spec["county"], client.submit, county_task, spec, str(store.folder),
                      str(ckpt), key=f"county-{_safe(spec['county'])}-{spec['hash'][:10]}",
                      retries=RETRIES, pure=False)
        steps["specs"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        skipped = len(results)
        total = len(specs)
        say(f"{total} counties: {skipped} unchanged since the last run, "
            f"{total - skipped} to check")
        n = skipped
        for county, fut in turns:
            n += 1
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a task that failed after its retries
                failed.append({"county": county, "error": [{"level": "error", "message":
                               f"{type(exc).__name__}: {exc}"}]})
                say(_bar(n, total) + f" {county}: FAILED ({type(exc).__name__}: {exc})")
                continue
            if "error" in res:
                failed.append(res)
                say(_bar(n, total) + f" {county}: input error — " + _problem_text(res["error"]))
                continue
            results[county] = res
            say(_bar(n, total) + f" {county} ({res['stats']['seconds']:.1f} s)")
        steps["tasks_after_specs"] = time.perf_counter() - t0
        # the whole region, less the counties that failed, replayed on the tasks' answers
        gone = {f["county"] for f in failed if "county" in f}
        whole = _without(region, own_rows, gone)
        # owners by the whole region's rows (``whole`` may lack failed counties' rows)
        maps = _owner_maps(region, own_rows)
        say(f"merging {len(results)} counties")
        t0 = time.perf_counter()
        # a rule that could not run on some county is left out, as one process leaves out
        # a rule that fails (assess(errors="record")), and reported with the county
        broken: dict[str, list[str]] = {}
        for c, r in results.items():
            for rid, why in r.get("rule_errors", {}).items():
                broken.setdefault(rid, []).append(f"{c}: {why}")
        # the merged GeoPackage is written rule by rule while the other rules replay,
        # and the county files as soon as every rule has replayed
        checked = [c.county_id for c in counties if c.county_id in results]
        n_villages = own_rows.villages.value_counts()

        def county_files(replays: list) -> dict:  # the biggest first
            return {cid: client.submit(write_county, replays, cid, shapely.to_wkb(area[cid]),
                                       str(out / "counties" / f"{_safe(cid)}.gpkg"), lang,
                                       pure=False, priority=int(n_villages.get(cid, 0)))
                    for cid in checked}

        assessment, writes = _replay(client, whole, rulebook,
                                     {c: r["answers"] for c, r in results.items()},
                                     {c: facilities_seen[c] for c in results},
                                     [rid for rid in RULES if rid not in broken],
                                     out / "merged.gpkg", lang, (maps, gone), county_files)
        for rid, whys in broken.items():
            assessment.errors[rid] = CountyRuleError("; ".join(whys))
        merge_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = dict(zip(writes, client.gather(list(writes.values()))))
        summary = {"region": whole.name, "rulebook": assessment.rulebook.path,
                   "total": assessment.summary(),
                   "counties": {cid: {"rules": done[cid], "task": results[cid].get("stats", {})}
                                for cid in checked},
                   "failed": failed, "counties_checked": len(results),
                   "counties_failed": len(failed)}
        steps.update(merge_and_merged_write=merge_s, county_writes=time.perf_counter() - t0)
        summary.update({
            "driver_seconds": {k: round(v, 2) for k, v in steps.items()},
            "seconds": round(time.perf_counter() - t_start, 2),
            "prepare_seconds": round(prepare_s, 2), "merge_seconds": round(merge_s, 2),
            "skipped_unchanged": skipped, "buffers_m": {m: round(b, 1) for m, b in buffers.items()},
            "tiles": str(store.folder)})
        _write_json(out / "summary.json", summary)
        return summary
    finally:
        if own is not None:
            own.close()
        if cluster is not None:
            cluster.close()


#: each rule's replay with its layers prepared, CPU seconds on the city's answers (one
#: process, 2 December 2026): the costly ones start first
REPLAY_COST = {"R8": 1.39, "R3": 1.27, "R1": 0.36, "R2": 0.36, "R7": 0.31, "R4": 0.28,
               "R5": 0.25, "R6": 0.11}


def _replay(client, whole, rulebook, answers: dict, seen: dict, rules: list[str],
            merged: Path, lang: str, drop: tuple[dict, set], county_files: Callable):
    """The rules run once over the whole region on the counties' answers
    (:class:`ReplayAccess`), one Dask task per rule, the merged GeoPackage written as
    they finish, and the county files started as soon as the last has.

    The rules are independent: the region (without its road networks) and the answers
    are sent to each worker once; each task returns its rule's result, its layers
    ready to write (:func:`planning.outputs.export.prepare_layers`, on the worker) and
    each county's rows in them. The driver writes each rule's layers to ``merged`` (in
    a thread of its own) as soon as the rules before it are written (the file keeps the
    rules' order) while later rules still run; once every rule has replayed, ``county_files`` is called with
    their futures (the workers take the layers from one another, not from the driver)
    and the workers write the county files while the driver writes the last rules.

    Parameters
    ----------
    drop : (dict, set)
        Owner maps (:func:`_owner_maps`) and the failed counties whose rows the outputs
        leave out (:func:`_drop_failed`).
    county_files : callable
        Called with the replays' futures in the rules' order; returns county -> future
        of :func:`write_county`.

    Returns
    -------
    (Assessment, dict)
        The assessment in the rules' order, and what ``county_files`` returned.
    """
    from concurrent.futures import ThreadPoolExecutor

    from planning.outputs.export import gpkg_writer
    from planning.rules.assess import Assessment

    [shared] = client.scatter([(_bare(whole), answers, seen, drop)], broadcast=True, hash=False)
    turns = Turns(client)
    for rid in sorted(rules, key=lambda rid: -REPLAY_COST.get(rid, 1)):   # longest first
        turns.add(rid, client.submit, replay_rules, shared, rulebook, [rid], run_settings(),
                  lang, pure=False)
    results, timings, errors, ready, replays = {}, {}, {}, {}, {}
    files = {}
    todo = list(rules)
    def take(rid, fut, write) -> None:
        """A replay's result fetched, and the merged file written as far as it can be."""
        got, t, e, prepared, _ = fut.result()
        results.update(got)
        timings.update(t)
        errors.update(e)
        ready[rid] = prepared
        while todo and todo[0] in ready:
            write(ready.pop(todo.pop(0)))

    # one thread of the driver fetches the results and writes the merged file, so that
    # this one hands the next replay to a worker as soon as one ends
    with gpkg_writer(merged, lang=lang) as write, ThreadPoolExecutor(1) as writer:
        taken = []
        for rid, fut in turns:
            replays[rid] = fut
            if len(replays) == len(rules):
                files = county_files([replays[r] for r in rules])
            taken.append(writer.submit(take, rid, fut, write))
        for job in taken:
            job.result()   # an error stops the run, the file left unwritten
    if not rules:
        files = county_files([])
    return Assessment(whole, rulebook, {rid: results[rid] for rid in rules if rid in results},
                      timings, errors=errors), files


def replay_rules(shared: tuple, rulebook, rules: list[str], task_settings: dict,
                 lang: str = "zh"):
    """Run ``rules`` over the whole region on the counties' answers (runs on a worker).

    Parameters
    ----------
    shared : (Region, dict, dict, (dict, set))
        The whole region (less failed counties), each county's answers, the ids of
        the facilities each county's task saw (:class:`ReplayAccess`), and the owner
        maps with the failed counties whose rows are left out (:func:`_drop_failed`).
    rulebook : Rulebook
    rules : list of str
    task_settings : dict
        The driver's :func:`run_settings`.
    lang : {"zh", "en"}
        Language of the prepared layers.

    Returns
    -------
    (dict, dict, dict, dict, (dict, dict))
        The rules' results, timings and errors (``assess(errors="record")``), their
        layers ready to write (:func:`planning.outputs.export.prepare_layers`), and the
        positions of each county's rows in each layer and each rule's units
        (:func:`_county_rows`).
    """
    from planning.outputs.export import prepare_layers
    from planning.rules.assess import assess

    use_settings(task_settings)
    whole, answers, seen, (maps, gone) = shared
    a = assess(whole, rulebook, ReplayAccess(whole, answers, seen), errors="record", rules=rules)
    _drop_failed(a, maps, gone)
    layers = a.layers()
    units = {rid: _positions(county_of_rows(r.units.rename(columns={"unit_id": _unit_col(r)}),
                                            maps))
             for rid, r in a.results.items()}
    return (a.results, a.timings, a.errors, prepare_layers(layers, lang=lang),
            (_county_rows(layers, maps), units))


def _county_rows(layers: dict, maps: dict) -> dict:
    """County -> positions of its rows, for each layer (None: display polygons, which
    belong to no county and are cut to each one's area).

    A row belongs to the county of its most specific id (:func:`county_of_rows`); a
    layer with only a ``group_id`` (R7's medical communities) gives each county the
    groups of its own rows in the other layers (R7's centres), so a community with
    centres in two counties is in both counties' files.
    """
    rows, groups = {}, {}
    for name, gdf in layers.items():
        owner = county_of_rows(gdf, maps)
        rows[name] = _positions(owner)
        if owner is not None and "group_id" in gdf:
            for g, c in zip(gdf["group_id"], owner):
                if isinstance(g, str):
                    groups.setdefault(c, set()).add(g)
    for name, gdf in layers.items():
        if rows[name] is None and "group_id" in gdf:
            rows[name] = {c: np.flatnonzero(gdf["group_id"].isin(g).to_numpy())
                          for c, g in groups.items()}
    return rows


def _bare(region: Region) -> Region:
    """The region's layers without its loaded road networks (``region.networks``: the
    driver's whole networks, hundreds of MB, which a replay never reads)."""
    return replace(region)


def _need_roads(region, file: str, lang: str) -> None:
    """A partitioned run needs the region's road file (see the message)."""
    if region.roads_path is None and not region.networks:
        raise InputError.at(_no_roads(lang, _lang(
            lang, "分区检查需要道路文件（roads.osm.pbf、roads.osm.bz2 或 roads.osm）",
            "a partitioned run needs a road file (roads.osm.pbf, roads.osm.bz2 or roads.osm)")),
            file=file, layer="roads")


def _no_roads(lang: str, what: str) -> str:
    """Why a partitioned run needs roads, and what to do instead (in ``lang``)."""
    return what + _lang(
        lang, "：各区县的缓冲区和逐条核对都以道路网为准。没有道路的区域请不用 --regions，直接单进程"
              "检查（python -m planning check --region 路径）：按直线估算，不需要集群",
        ": the counties' buffers and checked answers follow the road network. Check a region "
        "without roads in one process instead (python -m planning check --region PATH, "
        "without --regions): straight-line estimates need no cluster")


def _lang(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def local_cluster(workers: int, processes: bool = True):
    """A Dask cluster on this machine: ``workers`` worker processes of one thread each,
    scheduler, workers and HTTP/dashboard server on 127.0.0.1 only (random free ports)."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                        protocol="tcp", host="127.0.0.1", dashboard_address="127.0.0.1:0")


def _road_file(path: Path, roads, lang: str) -> Path:
    """The one road file of a folder of regions (``roads``, or beside the regions)."""
    from planning import inputs

    road = Path(roads) if roads else next((path / f for f in inputs.ROAD_FILES
                                           if (path / f).exists()), None)
    if road is None:
        raise InputError.at(_no_roads(lang, _lang(
            lang, f"一个区域文件夹需要一个道路文件，放在各区域旁边（{'、'.join(inputs.ROAD_FILES)}），"
                  "或用 --roads 指定",
            f"a folder of regions needs one road file for all of them beside the regions "
            f"({', '.join(inputs.ROAD_FILES)}) or --roads")), file=path.name, layer="roads")
    return road


def _read_counties(path: Path, road: Path, input_crs: str, client, say):
    """The whole region of a folder of regions (read by the workers), its counties and
    the counties whose files failed."""
    from planning import inputs

    folders = _county_folders(path)
    say(f"reading {len(folders)} regions")
    read = client.gather(client.map(read_county, [str(f) for f in folders],
                                     input_crs=input_crs, pure=False))
    layers: dict[str, list] = {}
    counties, failed, problems = [], [], []
    for f, r in zip(folders, read):
        name = f.stem
        if "error" in r:
            failed.append({"county": name, "error": r["error"]})
            say(f"  {name}: input error — {_problem_text(r['error'])}")
            continue
        for layer, gdf in r["layers"].items():
            layers.setdefault(layer, []).append(gdf)
        counties.append(County(name, tuple(r["layers"]["townships"]["township_id"].astype(str))))
        from planning.errors import Problem

        problems += [Problem(**p) for p in r["problems"]]
    if not counties:
        raise InputError.at("no county could be read; see the errors above", file=path.name)
    merged = {k: gpd.GeoDataFrame(pd.concat(v, ignore_index=True), crs=v[0].crs)
              for k, v in layers.items()}
    region = inputs.region_from_layers(merged, name=path.name, problems=problems,
                                   sources={c.county_id: c.county_id for c in counties},
                                   roads=road)
    return region, counties, failed


def _county_folders(path: Path) -> list[Path]:
    """The regions of a folder of regions (sub-folders or GeoPackages), or [] for one region."""
    if not path.is_dir():
        return []
    from planning import inputs

    own_files = [f for f in path.iterdir() if f.is_file() and any(
        f.stem.lower() in stems for stems in inputs.LAYER_FILE_NAMES.values())]
    if own_files:
        return []
    return sorted(f for f in path.iterdir()
                  if (f.is_dir() and not f.name.startswith(".")) or f.suffix.lower() == ".gpkg")


def _without(region, own, gone: set):
    """The region less the townships, villages and districts of the counties in ``gone``.

    Their facilities stay: the neighbours' tasks counted them (their own rows are
    dropped from the outputs by :func:`_drop_failed`).
    """
    if not gone:
        return region
    keep = lambda s: ~s.isin(gone).to_numpy()
    out = region.copy()
    out.townships = region.townships[keep(own.townships)]
    out.villages = region.villages[keep(own.villages)]
    if region.districts is not None:
        out.districts = region.districts[keep(own.districts)]
    return out


def _drop_failed(assessment, maps: dict, gone: set) -> None:
    """Remove the rows owned by failed counties from every rule's units and layers."""
    if not gone:
        return
    for result in assessment.results.values():
        owner = county_of_rows(result.units.rename(columns={"unit_id": _unit_col(result)}), maps)
        if owner is not None:
            result.units = result.units[~owner.isin(gone).to_numpy()]
        for name, layer in list(result.layers.items()):
            owner = county_of_rows(layer, maps)
            if owner is not None:
                result.layers[name] = layer[~owner.isin(gone).to_numpy()]


# ------------------------------------------------------------------ outputs


def _owner_maps(region, own) -> dict[str, dict]:
    m = {"village_id": dict(zip(region.villages["village_id"].astype(str), own.villages)),
         "facility_id": dict(zip(region.facilities["facility_id"].astype(str), own.facilities)),
         "township_id": dict(zip(region.townships["township_id"].astype(str), own.townships))}
    if region.districts is not None:
        m["district_id"] = dict(zip(region.districts["district_id"].astype(str), own.districts))
    else:
        m["district_id"] = {c: c for c in set(own.townships.dropna())}
    return m


def county_of_rows(layer: gpd.GeoDataFrame, maps: dict[str, dict]) -> pd.Series | None:
    """The county of each row of a result layer (by its most specific id), or None."""
    for col in ("facility_id", "village_id", "township_id", "district_id"):
        if col in layer:
            return layer[col].astype(str).map(maps[col])
    return None


def write_county(replays: list, county: str, area_wkb: bytes, path: str,
                 lang: str) -> list[dict]:
    """Write one county's GeoPackage and sum up its units (runs on a worker).

    Parameters
    ----------
    replays : list of tuple
        What :func:`replay_rules` returned for each rule, in the rules' order: the
        rules' results, their layers as written to ``merged.gpkg`` and each county's
        rows in them.
    county : str
    area_wkb : bytes
        Its area: display polygons (layers without owners) are cut to it.
    path : str
        The GeoPackage, written atomically.
    lang : {"zh", "en"}

    Returns
    -------
    list of dict
        Each rule's summary over the county's units (without figures and notes).

    Notes
    -----
    A county's rows are the merged file's rows as prepared once, so every county's
    fields have the merged file's types (a column all empty in one county is not
    written as text there and as numbers elsewhere), and nothing is prepared twice.
    """
    from planning.outputs.export import gpkg_writer, prepare_layers

    area = shapely.from_wkb(area_wkb)
    empty = np.zeros(0, dtype=np.int64)
    sliced, out = {}, []
    for results, _, _, prepared, (rows, units) in replays:
        layers = {name: gdf for r in results.values() for name, gdf in r.layers.items()}
        for name, ready in prepared.items():
            if rows.get(name) is None:  # display polygons: the county's part
                gdf = layers[name]
                sliced.update(prepare_layers(
                    {name: gdf.assign(geometry=gdf.geometry.intersection(area))}, lang=lang))
            else:
                sliced[name] = ready.iloc[rows[name].get(county, empty)].reset_index(drop=True)
        for rid, r in results.items():
            at = units.get(rid)
            s = replace(r, units=r.units.iloc[at.get(county, empty)] if at is not None
                        else r.units, layers={}, figures={}, notes=[]).summary()
            s.pop("figures", None)
            s.pop("notes", None)
            out.append(s)
    with gpkg_writer(Path(path), lang=lang) as write:
        write(sliced)
    return out


def _positions(owner: pd.Series | None) -> dict | None:
    """County -> positions of its rows (None when the rows have no owner)."""
    if owner is None:
        return None
    return {c: np.asarray(p, dtype=np.int64)
            for c, p in pd.Series(owner.to_numpy()).groupby(owner.to_numpy()).indices.items()}


def _unit_col(result) -> str:
    return {"village": "village_id", "committee": "village_id", "township": "township_id",
            "district": "district_id", "centre": "facility_id"}.get(result.unit_kind, "unit_id")


# ------------------------------------------------------------------ helpers


def code_version(root: str | Path | None = None) -> str:
    """Digest of the library's source and data files under ``planning/`` (rules,
    rulebooks, travel, inputs …; not ``planning/outputs``, which a task's answers do not
    depend on): part of every task's hash."""
    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if not f.is_file() or "__pycache__" in rel.parts or rel.parts[0] == "outputs" \
                or f.suffix not in (".py", ".toml", ".csv", ".json"):
            continue
        h.update(str(rel).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _frame_digest(gdf) -> bytes:
    if gdf is None:
        return b"-"
    plain = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
    h = hashlib.sha256(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
    h.update(b"".join(shapely.to_wkb(gdf.geometry.values)))
    return h.digest()


class _RowDigests:
    """A 64-bit digest of every row (attributes and geometry) of a region's layers,
    computed once, so a county's hash costs a look-up of its sub-region's rows."""

    def __init__(self, region):
        self.rows = {}
        for name in ("townships", "villages", "facilities", "districts"):
            gdf = getattr(region, name)
            if gdf is not None and gdf.index.is_unique:
                plain = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
                attrs = pd.util.hash_pandas_object(plain, index=False).to_numpy()
                geoms = pd.util.hash_array(np.asarray(shapely.to_wkb(gdf.geometry.values),
                                                      dtype=object))
                both = pd.util.hash_pandas_object(pd.DataFrame({"a": attrs, "g": geoms}),
                                                  index=False).to_numpy()
                self.rows[name] = (gdf, pd.Series(both, index=gdf.index))

    def digest(self, name: str, sub) -> bytes:
        """Digest of ``sub``, rows of the region's layer ``name`` (its column names too)."""
        if sub is None:
            return b"-"
        whole = self.rows.get(name)
        if whole is None or list(whole[0].columns) != list(sub.columns):
            return _frame_digest(sub)
        h = hashlib.sha256("\x1f".join(map(str, sub.columns)).encode())
        h.update(np.ascontiguousarray(whole[1].loc[sub.index].to_numpy()).tobytes())
        return h.digest()


def _spec_hash(spec: dict, version: str, store: TileStore,
               digests: _RowDigests | None = None) -> str:
    """Content hash of a county task: its sub-region, area, buffers, ids, rulebook, code, roads."""
    h = hashlib.sha256()
    sub = spec["region"]
    for name in ("townships", "villages", "facilities", "districts"):
        gdf = getattr(sub, name)
        h.update(digests.digest(name, gdf) if digests is not None else _frame_digest(gdf))
    rb = {f"{k.rule}.{k.name}": k.value for k in spec["rulebook"].keys()}
    h.update(json.dumps([version, store.folder.name, spec["buffers"], spec["villages_m"],
                         spec["villages"], spec["facilities"], rb, spec.get("settings")],
                        sort_keys=True,
                        default=str).encode())
    for mode in sorted(spec["across"]):
        h.update(mode.encode() + np.ascontiguousarray(spec["across"][mode]).tobytes())
    h.update(spec["area_wkb"])
    return h.hexdigest()


def _checkpoint(out: Path, county: str) -> Path:
    return out / "checkpoints" / f"{_safe(county)}.json"


def _safe(name: str) -> str:
    return "".join(ch if ch not in '/\\:*?"<>|' else "_" for ch in str(name))


def _write_json(path: Path, data: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=_plain), encoding="utf-8")


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _bar(done: int, total: int, width: int = 24) -> str:
    k = int(width * done / max(total, 1))
    return f"[{'#' * k}{'.' * (width - k)}] {done}/{total}"


def _problem_text(problems: list[dict]) -> str:
    from planning.errors import Problem

    return "; ".join(str(Problem(**p)) for p in problems)


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None
