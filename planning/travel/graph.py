"""Array helpers of the travel-time engine: sparse graphs, road chains, virtual nodes,
cost gathering, and the prepared arrays' disk cache.

For :mod:`planning.travel.engine` and :mod:`planning.travel.incremental`. Everything here
works on plain numpy/scipy arrays; costs are in the unit of the weight in use (metres or
seconds), coordinates in the network's metric CRS (metres).
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from planning._atomic import atomic_path
from planning._mapped import load_keyed, load_mapped, save_keyed

INF = np.inf
#: format of the engine's cache files (raise it when what :class:`Prepared` holds changes)
CACHE_VERSION = 2


def min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """Directed CSR graph with one entry per (u, v): the MINIMUM weight of parallel edges.

    Self-loops are dropped (they never shorten a path). Weights must be > 0.
    """
    keep = u != v
    u, v, w = min_by_pair(u[keep], v[keep], w[keep])     # sorted by (u, v)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    g = sp.csr_matrix((w.astype(np.float64), v.astype(np.int32), indptr), shape=(n, n))
    g.has_sorted_indices = True
    return g


def augment(g: sp.csr_matrix, src: np.ndarray, dst: np.ndarray, w: np.ndarray,
            n_virtual: int) -> sp.csr_matrix:
    """``g`` plus ``n_virtual`` virtual nodes (indices n, n+1, ...) with out-edges only.

    ``src`` are virtual node numbers (0-based among the virtual nodes), ``dst`` real
    node indices. Zero weights stay edges (explicit entries; scipy's csgraph keeps them).
    """
    n = g.shape[0]
    order = np.argsort(src, kind="stable")
    src, dst, w = src[order], dst[order], w[order]
    counts = np.bincount(src, minlength=n_virtual) if n_virtual else np.zeros(0, int)
    indptr = np.concatenate([g.indptr, g.indptr[-1] + np.cumsum(counts)]).astype(np.int64)
    indices = np.concatenate([g.indices, dst]).astype(np.int32)
    data = np.concatenate([g.data, w])
    size = n + n_virtual
    return sp.csr_matrix((data, indices, indptr), shape=(size, size))


def row_entries(g: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All entries of the given CSR rows: (row, column, weight) flat arrays."""
    starts = g.indptr[rows]
    counts = g.indptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    rep_rows = np.repeat(rows, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    pos = np.repeat(starts, counts) + offsets
    return rep_rows, g.indices[pos].astype(np.int64), g.data[pos]


def min_by_pair(a: np.ndarray, b: np.ndarray, w: np.ndarray):
    """Keep the minimum ``w`` for each distinct (a, b) pair."""
    if len(a) == 0:
        return a, b, w
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], w[first]


def part(frac: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cost of travelling ``frac`` (0..1) of an edge of weight ``w`` (inf: not allowed).

    A zero fraction costs nothing even on a forbidden direction: the point is at the node.
    """
    with np.errstate(invalid="ignore"):
        out = frac * w
    return np.where(frac <= 0.0, 0.0, out)


@dataclass
class Segments:
    """Undirected road segments (one per node pair) with each direction's min weight.

    ``a``/``b`` are the segment's end nodes, oriented as the representative directed edge
    ``rep`` (a = u[rep], b = v[rep]); ``fwd``/``bwd`` hold the cheapest a→b / b→a weight
    per weight name (inf when that direction is not allowed).
    """

    a: np.ndarray
    b: np.ndarray
    rep: np.ndarray
    fwd: dict[str, np.ndarray]
    bwd: dict[str, np.ndarray]

    @classmethod
    def build(cls, u: np.ndarray, v: np.ndarray, n: int,
              weights: dict[str, np.ndarray]) -> "Segments":
        u = u.astype(np.int64)
        v = v.astype(np.int64)
        edges = np.flatnonzero(u != v)
        lo = np.minimum(u[edges], v[edges])
        hi = np.maximum(u[edges], v[edges])
        _, first, inv = np.unique(lo * n + hi, return_index=True, return_inverse=True)
        rep = edges[first]
        a, b = u[rep], v[rep]
        forward = u[edges] == a[inv]
        fwd, bwd = {}, {}
        for name, w in weights.items():
            f = np.full(len(rep), INF)
            r = np.full(len(rep), INF)
            np.minimum.at(f, inv[forward], w[edges][forward])
            np.minimum.at(r, inv[~forward], w[edges][~forward])
            fwd[name], bwd[name] = f, r
        return cls(a=a, b=b, rep=rep, fwd=fwd, bwd=bwd)


@dataclass
class Ends:
    """Where snapped points join a graph: per point, its link and the cost to/from the
    link's end nodes.

    A link is a road segment (the full graph) or a chain of segments (the junction
    graph). For origins (leaving): ``cost_a``/``cost_b`` = access leg + cost along the
    link from the point to node ``a``/``b``. For facilities (arriving): the cost from
    node ``a``/``b`` to the point plus the access leg. inf when the direction is not
    allowed or the point is off-network.
    """

    seg: np.ndarray     # link index, -1 when off-network
    t: np.ndarray       # position on the link from a: fraction (segment) or x (chain)
    leg: np.ndarray     # access leg cost
    a: np.ndarray       # the link's end nodes, in the graph's own numbering
    b: np.ndarray
    cost_a: np.ndarray
    cost_b: np.ndarray

    @property
    def on(self) -> np.ndarray:
        return self.seg >= 0

    def __len__(self) -> int:
        return len(self.seg)

    def take(self, idx) -> "Ends":
        return Ends(**{k: getattr(self, k)[idx] for k in _ENDS_FIELDS})

    def concat(self, other: "Ends") -> "Ends":
        return Ends(**{k: np.concatenate([getattr(self, k), getattr(other, k)])
                       for k in _ENDS_FIELDS})

    def assign(self, i: int, other: "Ends") -> None:
        """Overwrite point ``i`` with the single point in ``other``."""
        for k in _ENDS_FIELDS:
            getattr(self, k)[i] = getattr(other, k)[0]

    def disable(self, i: int) -> None:
        """Make point ``i`` unusable (as if off-network)."""
        self.seg[i] = -1
        self.cost_a[i] = self.cost_b[i] = INF


_ENDS_FIELDS = ("seg", "t", "leg", "a", "b", "cost_a", "cost_b")
#: the integer fields of :class:`Ends` (stored as int32 on disk when they fit)
_ENDS_INTS = ("seg", "a", "b")


def write_ends(file: Path, key: str, e: Ends) -> None:
    """Save join costs (:class:`Ends`) under ``key`` (:func:`planning._mapped.save_keyed`);
    failing only warns."""
    small = all(len(getattr(e, k)) == 0 or int(np.abs(getattr(e, k)).max()) < 2**31
                for k in _ENDS_INTS)
    save_keyed(file, key, "join costs",
               **{k: getattr(e, k).astype(np.int32) if small and k in _ENDS_INTS
                  else getattr(e, k) for k in _ENDS_FIELDS})


def read_ends(file: Path, key: str, n: int) -> Ends | None:
    """The :class:`Ends` of ``n`` points saved under ``key`` (:func:`write_ends`), or None
    (absent, unreadable, another key or another number of points)."""
    z = load_keyed(file, key)
    if z is None or any(k not in z or len(z[k]) != n for k in _ENDS_FIELDS):
        return None
    return Ends(**{k: z[k].astype(np.int64) if k in _ENDS_INTS else z[k] for k in _ENDS_FIELDS})


def ends(segs: Segments, seg: np.ndarray, t: np.ndarray, leg: np.ndarray, weight: str,
         arriving: bool) -> Ends:
    """Join costs of snapped points (see :class:`Ends`)."""
    on = seg >= 0
    s = np.where(on, seg, 0)
    fwd, bwd = _pick(segs.fwd[weight], s, INF), _pick(segs.bwd[weight], s, INF)
    if arriving:   # a --fwd--> point, b --bwd--> point
        ca, cb = part(t, fwd), part(1.0 - t, bwd)
    else:          # point --bwd--> a, point --fwd--> b
        ca, cb = part(t, bwd), part(1.0 - t, fwd)
    ca = np.where(on, ca + leg, INF)
    cb = np.where(on, cb + leg, INF)
    return Ends(seg=np.where(on, seg, -1), t=t, leg=leg, a=_pick(segs.a, s, 0),
                b=_pick(segs.b, s, 0), cost_a=ca, cost_b=cb)


def _pick(values: np.ndarray, idx: np.ndarray, fill):
    """``values[idx]``, or ``fill`` everywhere when there are no values at all."""
    if len(values) == 0:
        return np.full(len(idx), fill, dtype=values.dtype)
    return values[idx]


def virtual_edges(f: Ends, ids: np.ndarray | None = None):
    """Reversed-graph edges from one virtual node per facility to its segment ends."""
    k = len(f.seg)
    ids = np.arange(k) if ids is None else ids
    src = np.concatenate([ids, ids])
    dst = np.concatenate([f.a, f.b])
    w = np.concatenate([f.cost_a, f.cost_b])
    ok = np.isfinite(w)
    return src[ok], dst[ok], w[ok]


def shared_links(o: Ends, f: Ends) -> tuple[np.ndarray, np.ndarray]:
    """(origin index, facility index) for every origin and facility on the same link."""
    fi = np.flatnonzero(f.on)
    oi = np.flatnonzero(o.on)
    if len(fi) == 0 or len(oi) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e
    fi = fi[np.argsort(f.seg[fi], kind="stable")]
    fseg = f.seg[fi]
    lo = np.searchsorted(fseg, o.seg[oi], "left")
    hi = np.searchsorted(fseg, o.seg[oi], "right")
    cnt = hi - lo
    oo = np.repeat(oi, cnt)
    pos = np.repeat(lo, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    return oo, fi[pos]


def node_nearest(graph: "Graph", f: "Ends", weight: str) -> tuple[np.ndarray, np.ndarray]:
    """Per node of ``graph``: the cost to the nearest of the facilities ``f`` (joined to
    that graph) and which one.

    One multi-source Dijkstra on the reversed graph; each facility enters through a
    virtual node joined to its link's ends by its own access leg and partial link.

    Returns
    -------
    cost : numpy.ndarray of float64, shape (graph.n,)
        Metres or seconds (``inf``: unreachable).
    facility : numpy.ndarray of int64, shape (graph.n,)
        Index into ``f`` (-1: unreachable).
    """
    n = graph.n
    src_f = np.flatnonzero(f.on)
    if len(src_f) == 0:
        return np.full(n, INF), np.full(n, -1, dtype=np.int64)
    g = augment(graph.rev[weight], *virtual_edges(f), len(f))
    dist, _, source = dijkstra(g, indices=n + src_f, min_only=True, return_predecessors=True)
    fac = np.where(source[:n] >= 0, source[:n] - n, -1).astype(np.int64)
    return dist[:n], fac


def origins_from_nodes(o: Ends, f: Ends, node_cost: np.ndarray, node_fac: np.ndarray,
                        shared: tuple[np.ndarray, np.ndarray, np.ndarray]):
    """Origins' nearest cost/facility from the node table plus the ``shared`` links'
    straight costs ((origin, facility, cost) triples)."""
    ca = o.cost_a + node_cost[o.a]
    cb = o.cost_b + node_cost[o.b]
    cost = np.minimum(ca, cb)
    fac = np.where(ca <= cb, node_fac[o.a], node_fac[o.b])
    oo, ff, dc = shared
    if len(oo):
        order = np.lexsort((dc, oo))
        oo, ff, dc = oo[order], ff[order], dc[order]
        first = np.ones(len(oo), dtype=bool)
        first[1:] = oo[1:] != oo[:-1]
        oo, ff, dc = oo[first], ff[first], dc[first]
        better = dc < cost[oo]
        cost[oo[better]] = dc[better]
        fac[oo[better]] = ff[better]
    fac = np.where(np.isfinite(cost), fac, -1).astype(np.int64)
    return cost, fac


@dataclass
class Graph:
    """One directed graph the engine searches: CSR matrices per weight name, forward and
    reversed (parallel edges at their minimum), and node coordinates in metres with a
    KD-tree for the spatial bound of bounded searches."""

    fwd: dict[str, sp.csr_matrix]
    rev: dict[str, sp.csr_matrix]
    xy: np.ndarray
    kd: cKDTree

    @classmethod
    def build(cls, u: np.ndarray, v: np.ndarray, weights: dict[str, np.ndarray],
              xy: np.ndarray) -> "Graph":
        """Edges ``u -> v`` with one weight array per name (inf: no such edge)."""
        n = len(xy)
        fwd = {}
        for name, w in weights.items():
            ok = np.isfinite(w)
            fwd[name] = min_csr(u[ok], v[ok], w[ok], n)
        return cls(fwd=fwd, rev={k: g.T.tocsr() for k, g in fwd.items()}, xy=xy,
                   kd=cKDTree(xy))

    @property
    def n(self) -> int:
        return len(self.xy)


@dataclass
class Chains:
    """Road segments merged into chains between junctions: the engine's search graph.

    A *junction* is a node that does not join exactly two segments (an intersection, a
    dead end), plus one node of every ring of degree-two nodes. A chain runs from
    junction ``a`` to junction ``b`` through degree-two nodes only, so a shortest path
    that enters a chain's interior from outside runs through the whole chain: searching
    the graph of junctions, with one edge per chain and direction, is exact. A point on
    a chain sits at position ``x`` from ``a`` (``x = k + τ`` on its ``k``-th segment at
    fraction ``τ``; ``length`` at ``b``).

    Per-segment arrays are indexed by segment (:class:`Segments`); per-chain arrays by
    chain; ``toward_a``/``toward_b`` and their prefix sums list the segments in chain
    order (chain ``c`` holds rows ``first[c]:first[c + 1]``).
    """

    junction: np.ndarray    # (n_nodes,) junction number of each node, -1 inside a chain
    nodes: np.ndarray       # (n_junctions,) node of each junction
    seg_chain: np.ndarray   # (n_segments,) chain of each segment
    seg_k: np.ndarray       # its place along the chain, 0 at end a
    seg_flip: np.ndarray    # True when the segment's own a -> b runs toward the chain's a
    a: np.ndarray           # (n_chains,) junction at x = 0
    b: np.ndarray           # junction at x = length
    first: np.ndarray       # (n_chains + 1,) first row of each chain in chain order
    toward_a: dict[str, np.ndarray]     # per row: weight travelling toward a (inf: forbidden)
    toward_b: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        # per weight and direction: prefix sums of the allowed weights and prefix counts
        # of the forbidden segments, in chain order (row r: rows before r)
        self._prefix = {}
        for to_b, table in ((True, self.toward_b), (False, self.toward_a)):
            for name, w in table.items():
                ok = np.isfinite(w)
                self._prefix[(name, to_b)] = (
                    np.concatenate([[0.0], np.cumsum(np.where(ok, w, 0.0))]),
                    np.concatenate([[0], np.cumsum(~ok)]))

    @classmethod
    def build(cls, segs: Segments, n: int) -> "Chains":
        """Chains of ``segs`` on a network of ``n`` nodes (list ranking, vectorised)."""
        sa, sb = segs.a.astype(np.int64), segs.b.astype(np.int64)
        n_seg = len(sa)
        junc = (np.bincount(sa, minlength=n) + np.bincount(sb, minlength=n)) != 2
        if n_seg:     # a ring of degree-two nodes has no junction: its first node becomes one
            ring = sp.coo_matrix((np.ones(n_seg), (sa, sb)), shape=(n, n))
            _, label = connected_components(ring, directed=False)
            has = np.bincount(label, weights=junc, minlength=label.max() + 1) > 0
            lone = np.flatnonzero(~has[label])
            _, firsts = np.unique(label[lone], return_index=True)
            junc[lone[firsts]] = True
        # half-edges: 2s runs a -> b along segment s, 2s + 1 runs b -> a
        tail = np.column_stack([sa, sb]).ravel()
        head = np.column_stack([sb, sa]).ravel()
        half = np.arange(2 * n_seg)
        by_tail = np.argsort(tail, kind="stable")
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n), out=start[1:])
        # next half-edge through a degree-two node; a half-edge into a junction ends its run
        nxt = half.copy()
        inner = np.flatnonzero(~junc[head])
        out1, out2 = by_tail[start[head[inner]]], by_tail[start[head[inner]] + 1]
        nxt[inner] = np.where(out1 == inner ^ 1, out2, out1)
        steps = np.zeros(2 * n_seg, dtype=np.int64)
        steps[inner] = 1
        while True:         # pointer jumping: nxt -> last half-edge, steps -> how far
            jump = nxt[nxt]
            if np.array_equal(jump, nxt):
                break
            steps += steps[nxt]
            nxt = jump
        # each chain is run both ways; keep the run that ends at the larger half-edge
        end0, end1 = nxt[0::2], nxt[1::2]
        flip = end1 > end0
        canon = 2 * np.arange(n_seg) + flip
        key = np.maximum(end0, end1)
        order = np.lexsort((-steps[canon], key))
        new = np.ones(n_seg, dtype=bool)
        new[1:] = key[order][1:] != key[order][:-1]
        chain_of_row = np.cumsum(new) - 1
        first = np.append(np.flatnonzero(new), n_seg).astype(np.int64)
        seg_chain = np.empty(n_seg, dtype=np.int64)
        seg_chain[order] = chain_of_row
        seg_k = np.empty(n_seg, dtype=np.int64)
        seg_k[order] = np.arange(n_seg) - first[chain_of_row]
        nodes = np.flatnonzero(junc)
        junction = np.full(n, -1, dtype=np.int64)
        junction[nodes] = np.arange(len(nodes))
        a = junction[tail[canon[order[first[:-1]]]]]
        b = junction[head[canon[order[first[1:] - 1]]]]
        f = flip[order]
        toward_a, toward_b = {}, {}
        for name in segs.fwd:
            fw, bw = segs.fwd[name][order], segs.bwd[name][order]
            toward_b[name] = np.where(f, bw, fw)
            toward_a[name] = np.where(f, fw, bw)
        return cls(junction=junction, nodes=nodes, seg_chain=seg_chain, seg_k=seg_k,
                   seg_flip=flip, a=a, b=b, first=first, toward_a=toward_a,
                   toward_b=toward_b)

    @property
    def length(self) -> np.ndarray:
        """Segments per chain (the position of end ``b``)."""
        return np.diff(self.first)

    def graph(self, xy: np.ndarray) -> Graph:
        """The junction graph: one edge per chain and allowed direction, whole-chain
        weights. ``xy`` are the network's node coordinates (metres)."""
        c = np.arange(len(self.a))
        zero, end = np.zeros(len(c)), self.length.astype(np.float64)
        weights = {name: np.concatenate([self.along(c, zero, end, name, True),
                                         self.along(c, zero, end, name, False)])
                   for name in self.toward_b}
        return Graph.build(np.concatenate([self.a, self.b]), np.concatenate([self.b, self.a]),
                           weights, xy[self.nodes])

    def along(self, chain: np.ndarray, lo: np.ndarray, hi: np.ndarray, weight: str,
              to_b: bool) -> np.ndarray:
        """Cost of travelling the stretch ``lo <= x <= hi`` of each chain, toward ``b``
        (``to_b``) or toward ``a``; inf when a segment on it forbids that direction."""
        w = (self.toward_b if to_b else self.toward_a)[weight]
        cum, bad = self._prefix[(weight, to_b)]
        start, last = self.first[chain], self.first[chain + 1] - 1
        g_lo = np.minimum(start + np.floor(lo).astype(np.int64), last)
        g_hi = np.minimum(start + np.floor(hi).astype(np.int64), last)
        f_lo, f_hi = lo - (g_lo - start), hi - (g_hi - start)
        mid = np.minimum(g_lo + 1, g_hi)        # segments strictly between: mid .. g_hi - 1
        between = np.where(bad[g_hi] > bad[mid], INF, cum[g_hi] - cum[mid])
        return np.where(g_lo == g_hi, part(f_hi - f_lo, w[g_lo]),
                        part(1.0 - f_lo, w[g_lo]) + between + part(f_hi, w[g_hi]))

    def ends(self, seg: np.ndarray, t: np.ndarray, leg: np.ndarray, weight: str,
             arriving: bool) -> Ends:
        """Join costs (see :class:`Ends`) of points snapped to segment ``seg`` at fraction
        ``t``, on the junction graph (links are chains, ``Ends.t`` is x)."""
        k = len(seg)
        i = np.flatnonzero(seg >= 0)
        out = Ends(seg=np.full(k, -1, dtype=np.int64), t=np.zeros(k), leg=leg,
                   a=np.zeros(k, dtype=np.int64), b=np.zeros(k, dtype=np.int64),
                   cost_a=np.full(k, INF), cost_b=np.full(k, INF))
        if len(i) == 0:
            return out
        s = seg[i]
        c = self.seg_chain[s]
        x = self.seg_k[s] + np.where(self.seg_flip[s], 1.0 - t[i], t[i])
        zero, end = np.zeros(len(i)), self.length[c].astype(np.float64)
        # arriving: a -> point goes toward b; leaving: point -> a goes toward a
        out.cost_a[i] = self.along(c, zero, x, weight, arriving) + leg[i]
        out.cost_b[i] = self.along(c, x, end, weight, not arriving) + leg[i]
        out.seg[i], out.t[i], out.a[i], out.b[i] = c, x, self.a[c], self.b[c]
        return out

    def shared(self, o: Ends, f: Ends, weight: str
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(origin index, facility index, cost) for origins and facilities on the same
        chain, going straight along it (access legs included; metres or seconds)."""
        oo, ff = shared_links(o, f)
        c, xo, xf = o.seg[oo], o.t[oo], f.t[ff]
        lo, hi = np.minimum(xo, xf), np.maximum(xo, xf)
        along = np.where(xf >= xo, self.along(c, lo, hi, weight, True),
                         self.along(c, lo, hi, weight, False))
        return oo, ff, o.leg[oo] + along + f.leg[ff]


def to_arrays(obj: Segments | Chains, prefix: str) -> dict[str, np.ndarray]:
    """The dataclass's arrays as flat ``{"<prefix>.<field>[.<weight>]": array}`` (for .npz)."""
    out = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for key, arr in items:
            out[".".join(p for p in (prefix, f.name, key) if p)] = arr
    return out


def from_arrays(cls: type, arrays: dict[str, np.ndarray], prefix: str):
    """The dataclass ``cls`` back from :func:`to_arrays` (KeyError when one is missing)."""
    values = {}
    for f in fields(cls):
        head = f"{prefix}.{f.name}"
        if head in arrays:
            values[f.name] = arrays[head]
        else:
            values[f.name] = {k[len(head) + 1:]: arrays[k] for k in arrays
                              if k.startswith(head + ".")}
            if not values[f.name]:
                raise KeyError(head)
    return cls(**values)


# ---------------------------------------------------------------------- disk cache
@dataclass
class Prepared:
    """What an engine derives from its network's edges, weights and node coordinates
    alone, kept on disk beside the network's cache (:func:`write_prepared`), so that an
    engine prepared from the cache computes none of it.

    Attributes
    ----------
    segs : Segments
    chains : Chains
    junctions : Graph
        The junction graph (:meth:`Chains.graph`); its KD-tree is rebuilt on reading.
    strong : numpy.ndarray of int, shape (n_nodes,) or None
        The strongly connected part of each node
        (:func:`strong_parts`); None when not computed.
    top_speed : float
        The fastest edge's straight metres per second of ``"time"`` weight (0 without
        edges): bounds how far a cost reaches.
    """

    segs: Segments
    chains: Chains
    junctions: Graph
    strong: np.ndarray | None
    top_speed: float

    @classmethod
    def build(cls, u: np.ndarray, v: np.ndarray, weights: dict[str, np.ndarray],
              xy: np.ndarray, strong: bool = True) -> "Prepared":
        """Prepare edges ``u -> v`` (int64 node indices) with ``weights`` (``"length"``
        metres, ``"time"`` seconds, each > 0) on nodes at ``xy`` (metres); ``strong``:
        compute the nodes' strongly connected parts too."""
        n = len(xy)
        segs = Segments.build(u, v, n, weights)
        chains = Chains.build(segs, n)
        geometric = np.hypot(*(xy[v] - xy[u]).T)            # zero for 0-length edges
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = geometric / weights["time"]
        top = float(np.nanmax(speed)) if len(speed) else 0.0
        return cls(segs, chains, chains.graph(xy), strong_parts(u, v, n) if strong else None,
                   top)


def strong_parts(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """The strongly connected part of each node of a network (edges ``u -> v``, node
    indices 0..n-1): the costly half of
    :func:`planning.travel.snapping.main_parts`, which the engine keeps on disk."""
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    graph = sp.csr_array((np.ones(len(u)), (u, v)), shape=(n, n))
    return connected_components(graph, directed=True, connection="strong")[1]


def fingerprint(u: np.ndarray, v: np.ndarray, weights: dict[str, np.ndarray],
                xy: np.ndarray) -> str:
    """Digest of the edges, their weights, the node coordinates and the cache format: a
    cache made from anything else is not used."""
    h = hashlib.sha256(json.dumps([CACHE_VERSION, sorted(weights)]).encode())
    for arr in (u, v, xy, *(weights[k] for k in sorted(weights))):
        h.update(np.ascontiguousarray(arr).data)
    return h.hexdigest()[:32]


def read_prepared(file: Path, digest: str, xy: np.ndarray) -> Prepared | None:
    """The :class:`Prepared` arrays made from the network with this :func:`fingerprint`
    (node coordinates ``xy``, metres), or None (absent, stale, unreadable)."""
    try:
        arrays = load_mapped(file)
        if str(arrays["fingerprint"]) != digest:
            return None
        chains = from_arrays(Chains, arrays, "chains")
        graph = {}
        for side in ("fwd", "rev"):
            graph[side] = {}
            for name in sorted({k.split(".")[2] for k in arrays
                                if k.startswith(f"junctions.{side}.")}):
                head = f"junctions.{side}.{name}"
                m = len(chains.nodes)
                graph[side][name] = sp.csr_matrix(
                    (arrays[f"{head}.data"], arrays[f"{head}.indices"], arrays[f"{head}.indptr"]),
                    shape=(m, m))
        jxy = xy[chains.nodes]
        strong = arrays.get("strong")
        return Prepared(from_arrays(Segments, arrays, "segs"), chains,
                        Graph(fwd=graph["fwd"], rev=graph["rev"], xy=jxy, kd=cKDTree(jxy)),
                        None if strong is None or len(strong) != len(xy) else strong,
                        float(arrays["top_speed"]))
    except (OSError, KeyError, ValueError, EOFError, TypeError, IndexError,
            zipfile.BadZipFile):
        return None


def write_prepared(file: Path, digest: str, prepared: Prepared) -> None:
    """Save the :class:`Prepared` arrays with the network's digest as .npz (no pickles,
    uncompressed), atomically; failing only warns."""
    graph = {f"junctions.{side}.{name}.{part}": getattr(m, part)
             for side in ("fwd", "rev") for name, m in getattr(prepared.junctions, side).items()
             for part in ("data", "indices", "indptr")}
    strong = {} if prepared.strong is None else {"strong": prepared.strong}
    try:
        with atomic_path(file) as tmp, open(tmp, "wb") as out:
            np.savez(out, allow_pickle=False, fingerprint=np.array(digest),
                     top_speed=np.array(prepared.top_speed), **graph, **strong,
                     **to_arrays(prepared.segs, "segs"), **to_arrays(prepared.chains, "chains"))
    except OSError as err:
        warnings.warn(f"engine arrays not cached in {file.parent}: {err}", stacklevel=4)
