"""Array helpers of the travel-time engine: sparse graphs, virtual nodes, cost gathering.

Private to :mod:`planning.engine`. Everything here works on plain numpy/scipy arrays;
costs are in the unit of the weight in use (metres or seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

INF = np.inf


def min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """Directed CSR graph with one entry per (u, v): the MINIMUM weight of parallel edges.

    Self-loops are dropped (they never shorten a path). Weights must be > 0.
    """
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
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
    """Where snapped points join the graph: per point, cost to/from the segment ends.

    For origins (leaving): ``cost_a``/``cost_b`` = access leg + along-edge cost from the
    point to node ``a``/``b``. For facilities (arriving): the cost from node ``a``/``b`` to
    the point plus the access leg. inf when the direction is not allowed or the point is
    off-network.
    """

    seg: np.ndarray     # segment index, -1 when off-network
    t: np.ndarray       # fraction along the segment from a to b
    leg: np.ndarray     # access leg cost
    a: np.ndarray
    b: np.ndarray
    cost_a: np.ndarray
    cost_b: np.ndarray
    fwd: np.ndarray     # the segment's a->b weight (inf: one-way b->a)
    bwd: np.ndarray     # the segment's b->a weight

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


_ENDS_FIELDS = ("seg", "t", "leg", "a", "b", "cost_a", "cost_b", "fwd", "bwd")


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
                b=_pick(segs.b, s, 0),
                cost_a=ca, cost_b=cb, fwd=fwd, bwd=bwd)


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


def same_segment_pairs(o: Ends, f: Ends):
    """(origin index, facility index, direct cost) for points sharing a segment."""
    fi = np.flatnonzero(f.on)
    oi = np.flatnonzero(o.on)
    if len(fi) == 0 or len(oi) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    fi = fi[np.argsort(f.seg[fi], kind="stable")]
    fseg = f.seg[fi]
    lo = np.searchsorted(fseg, o.seg[oi], "left")
    hi = np.searchsorted(fseg, o.seg[oi], "right")
    cnt = hi - lo
    oo = np.repeat(oi, cnt)
    pos = np.repeat(lo, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ff = fi[pos]
    return oo, ff, direct_cost(o, oo, f, ff)


def direct_cost(o: Ends, oo: np.ndarray, f: Ends, ff: np.ndarray) -> np.ndarray:
    """Cost straight along a shared segment, origin ``oo`` to facility ``ff`` (same length)."""
    to, tf = o.t[oo], f.t[ff]
    along = np.where(tf >= to, part(tf - to, o.fwd[oo]), part(to - tf, o.bwd[oo]))
    return o.leg[oo] + along + f.leg[ff]
