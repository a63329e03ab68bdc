"""Nearest-facility costs of fixed origins, kept exact while facilities are edited.

:class:`IncrementalNearest` is what makes scenario edits cheap: the villages stay where
they are, facilities are added, moved or closed one at a time, and each edit re-solves
only what it changes on the engine's junction graph (see
:class:`planning.travel.engine.TravelEngine`). Costs are metres for ``weight="length"``
and seconds for ``"time"`` (access legs at walking speed), coordinates in the network's
metric CRS (metres); ``inf`` means unreachable.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planning.errors import InputError
from planning.travel.engine import TravelEngine, Weight, check_weight
from planning.travel.graph import (INF, augment, min_by_pair, node_nearest, origins_from_nodes,
                                   row_entries, virtual_edges)
from planning.travel.snapping import Points

__all__ = ["Followed", "IncrementalNearest"]

#: no link (a facility's link before an add)
NO_CHAIN = np.zeros(0, dtype=np.int64)


class IncrementalNearest:
    """Nearest-facility costs of fixed origins, kept exact while facilities are edited.

    Facility ids are 0, 1, ... in the order of ``facilities_xy`` and then of :meth:`add`;
    a closed id stays closed (its catchment rows are empty), a moved id keeps its id.

    The engine keeps, for every network node, the cost to its nearest open facility and
    which one. Adding a facility runs one Dijkstra from it that stops where it no longer
    improves anything (a bounded search whose bound grows until no improvement can lie
    beyond it); closing one re-solves only the nodes it was nearest to, seeded from their
    neighbours and from other facilities' entries. The origins those changes reach are
    re-read from the node table (all of them only at the start). Catchments for the
    declared ``cutoffs`` are kept per facility.

    Parameters
    ----------
    engine : TravelEngine
        The mode's prepared engine.
    origins_xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame
        The fixed origins (villages), network CRS, metres.
    facilities_xy : array (m, 2), Snapped, or GeoSeries/GeoDataFrame, optional
        The facilities open at the start (ids 0 … m-1), network CRS, metres.
    weight : {"length", "time"}
        Costs in metres or seconds.
    cutoffs : tuple of float
        Cutoffs (metres or seconds) whose catchments are kept per facility
        (:meth:`catchment`).

    Attributes
    ----------
    nearest_cost : numpy.ndarray of float64, shape (n_origins,)
        Metres or seconds to the nearest open facility (``inf``: unreachable); updated
        in place by each edit.
    nearest_id : numpy.ndarray of int64, shape (n_origins,)
        Its id (-1: unreachable); updated in place by each edit.
    changes : list of numpy.ndarray
        Per edit so far, the origins it re-read (indices; the others' answers are
        unchanged by it), so that what is drawn from the answers can be updated in part.
    """

    def __init__(self, engine: TravelEngine, origins_xy: Points,
                 facilities_xy: Points | None = None, *, weight: Weight = "length",
                 cutoffs: tuple[float, ...] = ()):
        self.engine = engine
        self.weight = check_weight(weight)
        self.cutoffs = tuple(sorted({float(c) for c in cutoffs}))
        self._o = engine.ends(origins_xy, weight, arriving=False)
        empty = np.zeros((0, 2))
        sf = engine.snap(empty if facilities_xy is None else facilities_xy)
        self._fxy = sf.source_xy.copy()
        self._f = engine.ends(sf, weight, arriving=True)
        self._open = np.ones(len(self._f), dtype=bool)
        self._node_cost, self._node_fac = node_nearest(engine.junctions, self._f, weight)
        self._catch: dict[float, dict[int, tuple[np.ndarray, np.ndarray]]] = {
            c: {} for c in self.cutoffs}
        if self.cutoffs:
            r, c, v = engine.catchment_entries(self._f, self._o, self.cutoffs[-1], weight,
                                                self._fxy)
            order = np.argsort(r, kind="stable")
            r, c, v = r[order], c[order], v[order]
            bounds = np.searchsorted(r, np.arange(len(self._f) + 1))
            for cut in self.cutoffs:
                for i in range(len(self._f)):
                    cc, vv = c[bounds[i]:bounds[i + 1]], v[bounds[i]:bounds[i + 1]]
                    self._catch[cut][i] = (cc[vv <= cut], vv[vv <= cut])
        self._followed: list[Followed] = []
        self._by_place: _ByPlace | None = None
        self.changes: list[np.ndarray] = []
        self.nearest_cost, self.nearest_id = self._answers(self._o)

    # -- public API
    @property
    def n_facilities(self) -> int:
        """Number of ids handed out (open or closed)."""
        return len(self._f)

    @property
    def open_ids(self) -> np.ndarray:
        """Ids of the open facilities."""
        return np.flatnonzero(self._open)

    def add(self, xy) -> int:
        """Open a facility at ``xy`` (network CRS, metres); returns its id."""
        new = self.engine.ends(np.asarray(xy, float).reshape(1, 2), self.weight, True)
        fid = len(self._f)
        self._f = self._f.concat(new)
        self._fxy = np.vstack([self._fxy, np.asarray(xy, float).reshape(1, 2)])
        self._open = np.append(self._open, True)
        self._refresh(self._reach(fid), fid)
        return fid

    def move(self, fid: int, xy) -> None:
        """Move facility ``fid`` to ``xy`` (network CRS, metres)."""
        self._check_open(fid)
        chain = self._f.seg[[fid]].copy()
        was = self._withdraw(fid)
        self._fxy[fid] = np.asarray(xy, float).reshape(2)
        self._f.assign(fid, self.engine.ends(self._fxy[[fid]], self.weight, True))
        self._open[fid] = True
        self._refresh(np.concatenate([was, self._reach(fid)]), fid, chain)

    def close(self, fid: int) -> None:
        """Close facility ``fid``."""
        self._check_open(fid)
        chain = self._f.seg[[fid]].copy()
        self._refresh(self._withdraw(fid), fid, chain)

    def follow(self, origins_xy: Points) -> Followed:
        """Keep the nearest answers of other fixed origins too (a surface's cells beside
        the villages), updated by every later edit from the same node table: one search
        per edit serves both.

        Parameters
        ----------
        origins_xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame
            Network CRS, metres.

        Returns
        -------
        Followed
            Its ``nearest_cost``, ``nearest_id`` and ``changes``, as this object's own.
        """
        o = self.engine.ends(origins_xy, self.weight, arriving=False)
        followed = Followed(o, *self._answers(o))
        self._followed.append(followed)
        return followed

    def covered(self, cutoff: float) -> np.ndarray:
        """Per origin: is an open facility within ``cutoff`` (inclusive)? bool array."""
        return self.nearest_cost <= cutoff

    def catchment(self, cutoff: float) -> sp.csr_matrix:
        """Facility-id × origin sparse costs ≤ ``cutoff`` (closed ids: empty rows).

        Kept up to date for the declared ``cutoffs``; any other cutoff is computed afresh.
        Zero costs are explicit entries (see
        :meth:`planning.travel.engine.TravelEngine.catchment_matrix`).
        """
        shape = (len(self._f), len(self._o))
        cutoff = float(cutoff)
        if cutoff not in self._catch:
            r, c, v = self.engine.catchment_entries(self._f, self._o, cutoff, self.weight,
                                                     self._fxy)
            return sp.csr_matrix((v, (r, c)), shape=shape)
        store = self._catch[cutoff]
        ids = [i for i in store if self._open[i]]
        rows = np.concatenate([np.full(len(store[i][0]), i) for i in ids] or [np.zeros(0, int)])
        cols = np.concatenate([store[i][0] for i in ids] or [np.zeros(0, int)])
        vals = np.concatenate([store[i][1] for i in ids] or [np.zeros(0)])
        return sp.csr_matrix((vals, (rows, cols)), shape=shape)

    # -- internals
    def _check_open(self, fid: int) -> None:
        if not (0 <= fid < len(self._f)) or not self._open[fid]:
            raise InputError.at(f"facility id {fid} is not an open facility; open ids are "
                                f"{self.open_ids.tolist()}")

    def _answers(self, o) -> tuple[np.ndarray, np.ndarray]:
        """Every origin of ``o`` (ends) read from the node table: cost and facility id."""
        return origins_from_nodes(o, self._f, self._node_cost, self._node_fac,
                                  self.engine.chains.shared(o, self._f, self.weight))

    def _refresh(self, nodes: np.ndarray, fid: int, was_on: np.ndarray = NO_CHAIN) -> None:
        """Re-read, after an edit of facility ``fid``, the origins it can have changed
        (this object's and every :meth:`follow`-ed set's) — the origins on a link ending
        at one of the ``nodes`` whose entry changed, and those on ``fid``'s own link, now
        and before the edit (``was_on``) — and no other: their inputs are unchanged, so
        are their answers. (An origin ``fid`` was nearest to reached it through an end
        node whose entry named ``fid`` — one of the ``nodes`` a move or close re-solved —
        or along the link they shared.) The origins are found through an index of them
        by end node and by link (:class:`_ByPlace`), so an edit costs what it reaches,
        not a pass over a million cells. The arrays are updated in place (a copy of
        1.2 M cells' answers cost a city click more than its search): whoever keeps them
        copies."""
        links = np.concatenate([was_on, self._f.seg[[fid]]])
        for held in (self, *self._followed):
            if held._by_place is None:
                held._by_place = _ByPlace(held._o)
            idx = held._by_place.on(nodes, links[links >= 0])
            held.nearest_cost[idx], held.nearest_id[idx] = self._answers(held._o.take(idx))
            held.changes.append(idx)

    def _reach(self, fid: int) -> np.ndarray:
        """Fold a newly opened facility into the node table and the catchments; returns
        the nodes whose entry changed."""
        eng, f1 = self.engine, self._f.take([fid])
        for cut in self.cutoffs:
            self._catch[cut][fid] = (np.zeros(0, np.int64), np.zeros(0))
        if not f1.on[0]:
            return np.zeros(0, np.int64)
        n, rev = eng.junctions.n, eng.junctions.rev[self.weight]
        g = augment(rev, *virtual_edges(f1), 1)
        node_cost = self._node_cost
        entry = min(node_cost[f1.a[0]] + 0.0, node_cost[f1.b[0]] + 0.0)
        finite = node_cost[np.isfinite(node_cost)]
        top = finite.max() if len(finite) else 0.0
        # the entry nodes are always inside the first search: it grows from there (a
        # facility no road leads into — one-way pieces leading away on both sides of it
        # along its chain — joins no node at all)
        joins = np.array([f1.cost_a[0], f1.cost_b[0]])
        limit = max(self.cutoffs[-1] if self.cutoffs else 0.0, 2.0 * entry,
                    float(np.median(rev.data)) if rev.nnz else 1.0,
                    float(np.max(joins[np.isfinite(joins)], initial=0.0)))
        while True:
            d = dijkstra(g, indices=n, limit=limit)[:n]
            better = np.flatnonzero(d < node_cost)
            if not np.isfinite(limit):
                break
            p, z, w = row_entries(rev, better)
            if not np.any(np.isinf(d[z]) & (d[p] + w < node_cost[z])):
                break
            limit = 2.0 * limit if limit < 2.0 * top else INF
        node_cost[better] = d[better]
        self._node_fac[better] = fid
        if self.cutoffs:
            o = self._o
            c = np.minimum(o.cost_a + d[o.a], o.cost_b + d[o.b])
            oo, ff, dc = eng.chains.shared(o, f1, self.weight)
            np.minimum.at(c, oo, dc)
            for cut in self.cutoffs:
                j = np.flatnonzero((c <= cut) & np.isfinite(c))
                self._catch[cut][fid] = (j, c[j])
        return better

    def _withdraw(self, fid: int) -> np.ndarray:
        """Remove a facility: re-solve the nodes it was nearest to (returned)."""
        self._open[fid] = False
        self._f.disable(fid)
        for cut in self.cutoffs:
            self._catch[cut].pop(fid, None)
        hit = np.flatnonzero(self._node_fac == fid)
        if len(hit) == 0:
            return hit
        eng, n = self.engine, self.engine.junctions.n
        node_cost, node_fac = self._node_cost, self._node_fac
        pos = np.full(n, -1, dtype=np.int64)
        pos[hit] = np.arange(len(hit))
        y, x, w = row_entries(eng.junctions.fwd[self.weight], hit)     # edges y -> x, y re-solved
        inside = pos[x] >= 0
        out = ~inside & np.isfinite(node_cost[x])
        # seeds: (label facility, node, cost) from solved neighbours and facility entries
        f = self._f
        fids = np.flatnonzero(f.on)
        ent_fac = np.concatenate([fids, fids])
        ent_node = np.concatenate([f.a[fids], f.b[fids]])
        ent_cost = np.concatenate([f.cost_a[fids], f.cost_b[fids]])
        ent = (pos[ent_node] >= 0) & np.isfinite(ent_cost)
        s_fac = np.concatenate([node_fac[x[out]], ent_fac[ent]])
        s_node = np.concatenate([pos[y[out]], pos[ent_node[ent]]])
        s_cost = np.concatenate([node_cost[x[out]] + w[out], ent_cost[ent]])
        labels, s_lab = np.unique(s_fac, return_inverse=True)
        if len(labels) == 0:
            node_cost[hit] = INF
            node_fac[hit] = -1
            return hit
        s_lab, s_node, s_cost = min_by_pair(s_lab.astype(np.int64), s_node, s_cost)
        m = len(hit)
        rows = np.concatenate([pos[x[inside]], m + s_lab])
        cols = np.concatenate([pos[y[inside]], s_node])
        sub = sp.csr_matrix((np.concatenate([w[inside], s_cost]), (rows, cols)),
                            shape=(m + len(labels),) * 2)
        dist, _, source = dijkstra(sub, indices=m + np.arange(len(labels)), min_only=True,
                                   return_predecessors=True)
        node_cost[hit] = dist[:m]
        node_fac[hit] = np.where(source[:m] >= 0, labels[np.maximum(source[:m] - m, 0)], -1)
        return hit


class Followed:
    """Nearest answers of another set of fixed origins, kept by an
    :class:`IncrementalNearest` (:meth:`IncrementalNearest.follow`).

    Attributes
    ----------
    nearest_cost, nearest_id : numpy.ndarray
        As :class:`IncrementalNearest`'s, for these origins; updated in place by each edit.
    changes : list of numpy.ndarray
        Per edit since it was followed, the origins it re-read (indices).
    """

    def __init__(self, o, nearest_cost: np.ndarray, nearest_id: np.ndarray):
        self._o, self.nearest_cost, self.nearest_id = o, nearest_cost, nearest_id
        self._by_place: _ByPlace | None = None
        self.changes: list[np.ndarray] = []


class _ByPlace:
    """Origins by where they join the graph: by end node of their link (``a`` and ``b``)
    and by link, as sorted keys (made once per origin set, on its first edit)."""

    def __init__(self, o):
        k = len(o.seg)
        top = max(k, int(np.max(o.a, initial=0)), int(np.max(o.b, initial=0)),
                  int(np.max(o.seg, initial=0)))
        small = np.int32 if top < 2 ** 31 else np.int64      # 1.2 M cells: 29 MB, not 58
        who = np.arange(k, dtype=small)
        ends = np.concatenate([o.a, o.b]).astype(small)
        order = np.argsort(ends, kind="stable")
        self._node, self._node_who = ends[order], np.concatenate([who, who])[order]
        seg = o.seg.astype(small)
        order = np.argsort(seg, kind="stable")
        self._link, self._link_who = seg[order], who[order]

    def on(self, nodes: np.ndarray, links: np.ndarray) -> np.ndarray:
        """The origins whose link ends at one of ``nodes`` or is one of ``links``,
        ascending, each once."""
        return np.unique(np.concatenate([_among(self._node, self._node_who, nodes),
                                         _among(self._link, self._link_who, links)]))


def _among(keys: np.ndarray, who: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``who`` of every entry of the sorted ``keys`` equal to one of ``wanted``."""
    wanted = np.unique(np.asarray(wanted)).astype(keys.dtype)   # no copy of ``keys`` to cast
    lo = np.searchsorted(keys, wanted, "left")
    n = np.searchsorted(keys, wanted, "right") - lo
    if not n.sum():
        return np.zeros(0, dtype=np.int64)
    start = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    return who[start + np.arange(int(n.sum()))].astype(np.int64)
