"""The benchmarks a planner or engineer runs (`python -m planning bench --task ...`) run on
the demo and report what they say they report: one JSON row each, the same answers as a
fresh assessment. Timings are not asserted (speed is measured in the benchmarks, not
tested); a benchmark that crashes or stops comparing is."""

from __future__ import annotations

import io
import json

import pytest

from benchmarks import bench_interactive, bench_surface


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
