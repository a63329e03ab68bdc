"""Benchmark: site suggestion times for k = 1…20, greedy and exact, and the gap between them.

One JSON line per measurement::

    python -m benchmarks.bench_optimize --scale demo [--kmax 20] [--rule R2]
    python -m benchmarks.bench_optimize --scale city

The instance (demand, candidates, sparse coverage from the engine) is built once and
timed separately (``build``); then per k the greedy (CELF) and the exact MCLP (spopt or
the sparse PuLP model, HiGHS) are timed on it. Targets (issue 6): greedy k = 20 at city
scale ≤ 5 s; exact MCLP on the demo ≤ 30 s. The scenario line times one edit's
re-assessment of R2 on the demo (add the best site; rules reuse the base's engines).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from planning.travel.access import Access
from planning.plan.optimize import MCLP, build_instance, suggest
from planning.rules.rulebook import load_rulebook




def _region(scale: str):
    from benchmarks.bench_engine import _region as region_of
    return region_of(scale)


def run(scale: str = "demo", *, kmax: int = 20, rule: str = "R2", exact: bool | None = None,
        out=sys.stdout) -> list[dict]:
    """Time suggestions on ``scale`` ("demo" or "city"); returns and prints the rows."""
    rows: list[dict] = []

    def emit(row: dict) -> None:
        row = {"bench": "optimize", "scale": scale, "rule": rule, **row}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=out, flush=True)

    rb = load_rulebook()
    t0 = time.perf_counter()
    region = _region(scale)
    access = Access(region)
    access.engine("walk" if rule == "R2" else rb["R3"]["mode"])
    emit({"step": "load", "seconds": round(time.perf_counter() - t0, 3)})
    t0 = time.perf_counter()
    inst = build_instance(region, rule, rulebook=rb, access=access)
    pairs = inst.covering_pairs()
    w = inst.demand["weight"].to_numpy(float)
    emit({"step": "build", "seconds": round(time.perf_counter() - t0, 3),
          "demand": int(len(inst.demand)), "uncovered": int((~inst.demand["covered"]).sum()),
          "candidates": int(len(inst.candidates)), "pairs": int(pairs.nnz)})
    run_exact = (scale == "demo") if exact is None else exact
    for k in range(1, kmax + 1):
        g = MCLP.from_cost_matrix(pairs, w, inst.cutoff, k).solve("greedy")
        row = {"step": "suggest", "k": k, "cells": g.n_cells,
               "greedy_seconds": round(g.seconds, 4), "greedy_covered": g.greedy_objective}
        if run_exact:
            e = MCLP.from_cost_matrix(pairs, w, inst.cutoff, k).solve("exact")
            row.update(exact_seconds=round(e.seconds, 3), exact_covered=e.exact_objective,
                       solver=e.solver, gap=round(e.optimality_gap, 6))
        emit(row)
    t0 = time.perf_counter()
    s = suggest(region, rule, k=kmax, rulebook=rb, access=access, method="greedy")
    emit({"step": "suggest_end_to_end", "k": kmax, "method": "greedy",
          "seconds": round(time.perf_counter() - t0, 3),
          "covered": float(s.sites["cumulative_covered"].iloc[-1]) if len(s.sites) else 0.0})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="demo", choices=("demo", "city"))
    ap.add_argument("--kmax", type=int, default=20)
    ap.add_argument("--rule", default="R2", choices=("R2", "R3"))
    ap.add_argument("--exact", action=argparse.BooleanOptionalAction, default=None,
                    help="run the exact MCLP too (default: on the demo only)")
    a = ap.parse_args(argv)
    run(a.scale, kmax=a.kmax, rule=a.rule, exact=a.exact)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
