"""Travel-time engine: road-network costs between villages and facilities, fast.

The engine is prepared once per :class:`~planning.travel.network.RoadNetwork` (one travel mode)
and answers, for the weight ``"length"`` (metres) or ``"time"`` (seconds):

* :meth:`TravelEngine.nearest` — per origin, the cost to the nearest facility and which one;
* :meth:`TravelEngine.catchment_matrix` — per facility, the origins within a cutoff (sparse);
* :meth:`TravelEngine.isochrones` / :meth:`TravelEngine.isochrone_union` — display polygons;
* :class:`Accessibility` — nearest-facility answers kept exact through add/move/close edits.

All coordinates are in the network's metric CRS (``net.crs``), metres.

Snapping convention (the same everywhere)
-----------------------------------------
A point (village, facility, candidate site) snaps to the nearest *edge* of the mode's
network that lies in a **part that matters** (exact nearest segment,
:class:`shapely.STRtree`), at the closest point on it. Real OSM data is full of small
pieces that join nothing (indoor footways, steps into squares mapped as areas, a
one-way stub leaving the extract, village lanes mapped in isolation); a point snapped
to one reaches nothing. The parts are the **strongly connected components** of the
whole network, computed once when the engine is prepared (before any tile or search
cuts it): on a walking network, which holds both directions of every way, these are
its connected parts; where one-way roads are obeyed (cars, e-bikes on trunk roads) a
strongly connected part is one where a resident can both arrive and leave. By default
(``min_part_nodes=None``, ``settings.SNAP_MIN_PART_NODES``) the part that matters is the
largest one only (of equal ones, the one holding the lowest node index); with ``min_part_nodes=k`` every part of at least ``k`` nodes (and the
largest) counts (``k=1``: every part, however small). A segment counts when both its
ends lie in the same such part, so a one-way link between two parts never does. This is osmnx's
``truncate.largest_component(G, strongly=...)`` without dropping anything: the small
parts stay in the network (drawn, searched from points that sit on them), and a point
with no road of a part that matters within the snap limit snaps to the nearest small
part (``Snapped.on_fragment``). A point whose nearest road lies in a small part but
that snapped to a farther road of a part that matters is counted as **moved**
(``Snapped.moved``; ``Snapped.nearest_road_m`` keeps the distance to the nearer road).

A trip from an origin to a facility is:

1. the straight **access leg** from the origin to its snapped point — metres for
   ``"length"``, at walking speed (``settings.WALK_SPEED_KMH``) for ``"time"``, whatever
   the mode;
2. along the origin's edge to one of its ends, only in a direction the edge allows
   (one-way edges for cars); a partial edge costs its fraction of the edge's weight;
3. the shortest path in the network;
4. along the facility's edge from one of its ends to the facility's snapped point (again
   only in an allowed direction), then the facility's access leg.

Two points on the same edge may also go straight along it, respecting its direction. A
point snapped exactly onto an end of an edge is at that node (it may leave the node in
any allowed direction). A point farther than ``snap_limit_m`` (default
``settings.SNAP_LIMIT_M``) from every edge is **off-network**: it reaches nothing and
nothing reaches it (cost ``inf``, facility index ``-1``). Points on a road island that is
not connected to the facility are *unreachable* in the same way.

Trips run from the resident to the facility: searches start at the facilities on the
reversed graph, so car travel respects one-way streets in the resident's direction.
Walking networks already hold both directions of every way.

Costs are ``numpy.inf`` when unreachable; facility indices are ``-1`` then. Tables built
downstream should turn these into an explicit "unreachable" status.

Search graph
------------
Networks are loaded unsimplified (OSM ways keep a node every few dozen metres; on the
demo and city networks 95 % of the nodes join exactly two segments). Nearest-facility
passes, catchments and edits search the graph of *junctions* instead: each chain of
segments between junctions becomes one edge per allowed direction, and a point is
placed on its chain at an exact position, so costs are the same as on the full graph
(see :class:`planning.travel.graph.Chains`). Isochrones, which draw every reached road
piece, search the full graph.
"""

from __future__ import annotations

import functools
import hashlib
import json
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra

from planning import settings
from planning._atomic import atomic_path
from planning.travel.graph import (
    INF, Chains, Ends, Graph, Segments, _pick, augment, ends, from_arrays, min_by_pair,
    row_entries, to_arrays, virtual_edges,
)
from planning.errors import InputError
from planning.travel.network import RoadNetwork

Weight = Literal["length", "time"]
WEIGHTS = ("length", "time")
#: smallest edge travel time kept, seconds (zero times are clamped so they stay edges)
MIN_EDGE_S = 1e-4
#: memory for one chunk of bounded Dijkstra results, bytes (below glibc's 32 MB mmap
#: threshold, so chunks reuse freed memory instead of page-faulting fresh pages)
CHUNK_BYTES = 16 * 2**20
#: side of a facility tile for bounded searches, in search radii. Measured on the city
#: junction graph (23,395 junctions, 3,729 facilities; 1.5 km walk / 15 min walk):
#: 4 radii 0.22 / 0.29 s, 6: 0.14 / 0.18 s, 12: 0.085 / 0.091 s, 24: 0.13 / 0.10 s
TILE_RADII = 12.0
#: cost model of bounded searches (measured, 2 cores): a search costs ~6 ns per node of the
#: graph it is given and per source (its dense row: set-up and reading the answers);
#: a tile's subgraph costs ~0.5 ms to cut plus ~100 ns per node
SEARCH_NS_PER_NODE = 6.0
TILE_SETUP_NS = 5e5
TILE_CUT_NS_PER_NODE = 100.0
#: longest piece of a segment in :meth:`TravelEngine.snap_dense`'s KD-tree, metres
PIECE_M = 50.0
#: points per chunk of :meth:`TravelEngine.snap_dense` (its arrays stay small and reused)
DENSE_CHUNK = 8192
#: nearest pieces looked at per point in :meth:`TravelEngine.snap_dense`, round by round
#: (measured on the city grid: 16 settle 98 % of the cells, 8 only 74 %)
DENSE_K = (16, 64)
#: format of the engine's cache files (raise it when Segments or Chains change)
CACHE_VERSION = 1


@dataclass(frozen=True)
class Snapped:
    """Points snapped to a network (see the module's snapping convention).

    Attributes
    ----------
    edge : numpy.ndarray of int64, shape (k,)
        Index into the network's edge arrays of an edge the point lies on (-1: off-network).
    fraction : numpy.ndarray of float64, shape (k,)
        Position of the snapped point from ``net.u[edge]`` (0) to ``net.v[edge]`` (1).
    access_m : numpy.ndarray of float64, shape (k,)
        Straight distance from the point to its snapped point, metres.
    off_network : numpy.ndarray of bool, shape (k,)
        True when no edge lies within the snap limit.
    xy : numpy.ndarray of float64, shape (k, 2)
        Snapped point in the network CRS, metres (NaN when off-network).
    segment : numpy.ndarray of int64, shape (k,)
        The engine's undirected segment index (internal; -1 when off-network).
    source_xy : numpy.ndarray of float64, shape (k, 2)
        The points as given, metres.
    moved : numpy.ndarray of bool, shape (k,)
        True when the nearest road lies in a small part of the network and the point
        snapped to a farther road of a part that matters (see the snapping convention).
    on_fragment : numpy.ndarray of bool, shape (k,)
        True when no road of a part that matters lies within the snap limit and the
        point snapped to a small part (it reaches only what lies on that part).
    nearest_road_m : numpy.ndarray of float64, shape (k,)
        Distance to the nearest road of any part, metres (``inf`` beyond the snap
        limit); equals ``access_m`` unless ``moved``.
    """

    edge: np.ndarray
    fraction: np.ndarray
    access_m: np.ndarray
    off_network: np.ndarray
    xy: np.ndarray
    segment: np.ndarray
    source_xy: np.ndarray
    moved: np.ndarray
    on_fragment: np.ndarray
    nearest_road_m: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)


Points = "np.ndarray | Snapped | geopandas.GeoSeries | geopandas.GeoDataFrame"


class TravelEngine:
    """Shortest-path costs on one travel mode's road network.

    Build with :meth:`from_network`. Holds the network's segments with an STRtree for
    snapping, and two graphs as CSR matrices (forward and reversed, parallel edges
    reduced to their minimum weight) for metres and seconds: the junction graph (see
    *Search graph* above) and, built on first use, the graph of every node.
    """

    def __init__(self, net: RoadNetwork, snap_limit_m: float, walk_speed_kmh: float,
                 cache_file: Path | None = None, min_part_nodes: int | None = None,
                 parts: tuple[np.ndarray, np.ndarray] | None = None):
        self.net = net
        self.snap_limit_m = float(snap_limit_m)
        self.walk_speed_kmh = float(walk_speed_kmh)
        self.min_part_nodes = min_part_nodes
        n = net.n_nodes
        self.n_nodes = n
        u = np.asarray(net.u, dtype=np.int64)
        v = np.asarray(net.v, dtype=np.int64)
        weights = {
            "length": np.maximum(np.asarray(net.length_m, dtype=np.float64), settings.MIN_EDGE_M),
            "time": np.maximum(np.asarray(net.time_s, dtype=np.float64), MIN_EDGE_S),
        }
        digest = _fingerprint(u, v, weights) if cache_file else ""
        prepared = _read_prepared(cache_file, digest) if cache_file else None
        if prepared is None:
            segs = Segments.build(u, v, n, weights)
            prepared = segs, Chains.build(segs, n)
            if cache_file:
                _write_prepared(cache_file, digest, *prepared)
        self._segs, self._chains = prepared
        self._xy = np.column_stack([np.asarray(net.x, float), np.asarray(net.y, float)])
        seg_coords = np.stack([self._xy[self._segs.a], self._xy[self._segs.b]], axis=1)
        self._seg_coords = seg_coords
        self._tree = shapely.STRtree(shapely.linestrings(seg_coords))
        # the parts of the network points may snap to (see the snapping convention)
        label, keep = parts if parts is not None else main_parts(u, v, n, min_part_nodes)
        self._main_seg = main_segments(self._segs.a, self._segs.b, label, keep)
        self._main_ids = np.flatnonzero(self._main_seg)
        # two graphs: junctions only (nearest, catchments, edits) and every node
        # (isochrones, node tables; built on first use): OSM ways carry a node every few
        # dozen metres, and searching chains between junctions visits ~20x fewer nodes
        self._edges = (u, v, weights)
        self._core = self._chains.graph(self._xy)
        # metres covered per unit of cost at most: a cost c never reaches farther than
        # c * reach (straight line), which bounds every bounded search spatially
        walk_ms = self.walk_speed_kmh / 3.6
        geometric = np.hypot(*(self._xy[v] - self._xy[u]).T)     # zero for 0-length edges
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = geometric / weights["time"]
        top = float(np.nanmax(speed)) if len(speed) else 0.0
        self._reach = {"length": 1.0, "time": max(top, walk_ms)}

    @functools.cached_property
    def _main_tree(self) -> shapely.STRtree:
        """STRtree of the segments in parts that matter, built when a point first has its
        nearest road in a small part (most networks' points never need it)."""
        if len(self._main_ids) == len(self._main_seg):
            return self._tree
        return shapely.STRtree(shapely.linestrings(self._seg_coords[self._main_ids]))

    @functools.cached_property
    def _full(self) -> Graph:
        """The graph of every node (isochrones, node tables), built on first use."""
        return Graph.build(*self._edges, self._xy)

    @classmethod
    def from_network(cls, net: RoadNetwork, *, snap_limit_m: float | None = None,
                     walk_speed_kmh: float | None = None, cache: bool = True,
                     min_part_nodes: int | None | str = "settings",
                     parts: tuple[np.ndarray, np.ndarray] | None = None) -> "TravelEngine":
        """Prepare the engine for one network (one mode).

        Parameters
        ----------
        net : RoadNetwork
            The mode's directed network in a metric CRS.
        snap_limit_m : float, optional
            Points farther than this from every edge are off-network, metres
            (default ``settings.SNAP_LIMIT_M``).
        walk_speed_kmh : float, optional
            Speed of access legs for ``weight="time"``, km/h (default
            ``settings.WALK_SPEED_KMH``).
        cache : bool, optional
            Keep the prepared segments and chains on disk beside the network's own cache
            file (``net.info["cache_file"]``, as ``….engine.npz``) and reuse them when they
            were made from the same edges (default True).
        min_part_nodes : int or None, optional
            Which parts of the network points snap to: None, only the largest strongly
            connected part; ``k``, every part of at least ``k`` nodes and the largest
            (``1``: every part, however small). Default
            ``settings.SNAP_MIN_PART_NODES``.
        parts : (numpy.ndarray, numpy.ndarray), optional
            For a network that is a cut of a larger one: the part of each node and whether
            each part counts, computed on the whole network (:func:`main_parts`), so that
            points snap as they would on the whole network. Overrides ``min_part_nodes``.
        """
        _check_network(net)
        if isinstance(min_part_nodes, str):
            min_part_nodes = settings.SNAP_MIN_PART_NODES
        if min_part_nodes is not None and not int(min_part_nodes) >= 1:
            raise ValueError("min_part_nodes must be None or a whole number >= 1")
        limit = settings.SNAP_LIMIT_M if snap_limit_m is None else snap_limit_m
        speed = settings.WALK_SPEED_KMH if walk_speed_kmh is None else walk_speed_kmh
        if not limit >= 0 or not speed > 0:
            raise ValueError("snap_limit_m must be >= 0 and walk_speed_kmh > 0")
        file = net.info.get("cache_file") if cache else None
        return cls(net, limit, speed, Path(file).with_suffix(".engine.npz") if file else None,
                   None if min_part_nodes is None else int(min_part_nodes), parts)

    # ------------------------------------------------------------------ snapping
    def snap(self, xy: Points) -> Snapped:
        """Snap points to their nearest edge.

        Parameters
        ----------
        xy : array of shape (k, 2), or a GeoSeries/GeoDataFrame of points
            Coordinates in the network CRS, metres.

        Returns
        -------
        Snapped
        """
        if isinstance(xy, Snapped):
            return xy
        pts = _as_xy(xy, self.net)
        k = len(pts)
        seg = np.full(k, -1, dtype=np.int64)
        nearest_road = np.full(k, np.inf)
        moved = np.zeros(k, dtype=bool)
        if k and len(self._seg_coords):
            points = shapely.points(pts)
            (found, which), dist = self._tree.query_nearest(
                points, max_distance=self.snap_limit_m, all_matches=False,
                return_distance=True)
            seg[found] = which
            nearest_road[found] = dist
            small = found[~self._main_seg[which]]          # nearest road in a small part
            if len(small):
                (at, main), d_main = self._main_tree.query_nearest(
                    points[small], max_distance=self.snap_limit_m, all_matches=False,
                    return_distance=True)
                seg[small[at]] = self._main_ids[main]
                moved[small[at]] = d_main > nearest_road[small[at]] + 1e-9
        on = seg >= 0
        s = np.where(on, seg, 0)
        t = np.zeros(k)
        snapped = np.full((k, 2), np.nan)
        leg = np.full(k, np.inf)
        if on.any():
            p0 = self._seg_coords[s[on], 0]
            d = self._seg_coords[s[on], 1] - p0
            dd = (d * d).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                tt = np.where(dd > 0, ((pts[on] - p0) * d).sum(axis=1) / dd, 0.0)
            tt = np.clip(tt, 0.0, 1.0)
            t[on] = tt
            snapped[on] = p0 + tt[:, None] * d
            leg[on] = np.hypot(*(pts[on] - snapped[on]).T)
        edge = np.where(on, _pick(self._segs.rep, s, -1), -1)
        fragment = np.zeros(k, dtype=bool)
        fragment[on] = ~self._main_seg[seg[on]]
        return Snapped(edge=edge, fraction=t, access_m=leg, off_network=~on, xy=snapped,
                       segment=seg, source_xy=pts, moved=moved, on_fragment=fragment,
                       nearest_road_m=nearest_road)

    def snap_dense(self, xy: Points) -> Snapped:
        """Snap many points packed densely (grid cells): the same answer as :meth:`snap`,
        several times faster.

        The network's segments are cut into pieces of at most ``PIECE_M`` metres whose
        midpoints go into a KD-tree (built on first use). A point's nearest segment is
        found among the segments of its k nearest midpoints (``DENSE_K``: 16, then
        64): no other segment can be nearer when the k-th midpoint lies farther than the best of them
        plus half the longest piece; no midpoint within the snap limit plus half a piece
        means no road within the limit (off-network). Points where neither can be shown,
        and points with only a small part of the network within the snap limit, go
        through :meth:`snap`.
        Ties between equally near segments may pick another of them (the snapped point
        and costs are the same).

        Parameters
        ----------
        xy : array of shape (k, 2), or a GeoSeries/GeoDataFrame of points
            Coordinates in the network CRS, metres.

        Returns
        -------
        Snapped
        """
        pts = _as_xy(xy, self.net)
        k = len(pts)
        seg = np.full(k, -1, dtype=np.int64)
        best = np.full(k, np.inf)          # to the nearest segment of a part that matters
        near = np.full(k, np.inf)          # to the nearest segment of any part
        t = np.zeros(k)
        todo = np.arange(k)
        if k and len(self._seg_coords):
            for kk in DENSE_K:                   # most points are settled by the first
                sure = np.zeros(len(todo), dtype=bool)
                for lo in range(0, len(todo), DENSE_CHUNK):
                    part = todo[lo:lo + DENSE_CHUNK]
                    ok, s_, b_, n_, t_ = self._nearest_piece(pts[part], kk)
                    hit = part[ok]
                    seg[hit], best[hit], near[hit], t[hit] = s_[ok], b_[ok], n_[ok], t_[ok]
                    sure[lo:lo + DENSE_CHUNK] = ok
                todo = todo[~sure]
        if len(todo) == len(pts):
            return self.snap(pts)
        on = seg >= 0
        snapped = np.full((k, 2), np.nan)
        snapped[on] = self._seg_coords[seg[on], 0] + t[on, None] * (
            self._seg_coords[seg[on], 1] - self._seg_coords[seg[on], 0])
        out = dict(edge=np.where(on, _pick(self._segs.rep, np.maximum(seg, 0), -1), -1),
                   fraction=t, access_m=best, off_network=~on, xy=snapped, segment=seg,
                   source_xy=pts, moved=on & (best > near + 1e-9),
                   on_fragment=np.zeros(k, dtype=bool), nearest_road_m=near)
        if len(todo):
            rest = self.snap(pts[todo])
            for name in out:
                out[name][todo] = getattr(rest, name)
        return Snapped(**out)

    def _nearest_piece(self, pts: np.ndarray, kk: int):
        """The nearest segment of a part that matters among those of each point's ``kk``
        nearest pieces (see :meth:`snap_dense`). Returns (settled, segment, its distance,
        distance to the nearest segment of any part, fraction along the segment)."""
        tree, piece_seg, half = self._piece_tree
        kk = min(kk, len(piece_seg))
        dist, idx = tree.query(pts, k=kk, distance_upper_bound=self.snap_limit_m + half)
        dist, idx = dist.reshape(len(pts), kk), idx.reshape(len(pts), kk)
        found = idx < len(piece_seg)
        cand = piece_seg[np.where(found, idx, 0)]                       # (m, kk)
        c = self._seg_coords
        ax, ay = c[cand, 0, 0], c[cand, 0, 1]
        dx, dy = c[cand, 1, 0] - ax, c[cand, 1, 1] - ay
        qx, qy = pts[:, :1] - ax, pts[:, 1:] - ay
        dd = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            tt = np.clip(np.where(dd > 0, (qx * dx + qy * dy) / dd, 0.0), 0.0, 1.0)
        gap = np.hypot(qx - tt * dx, qy - tt * dy)
        gap[~found] = np.inf
        near = gap.min(axis=1)
        gap[~self._main_seg[cand]] = np.inf
        j = np.argmin(gap, axis=1)
        rows = np.arange(len(pts))
        best = gap[rows, j]
        # settled: the nearest is among the candidates, or no road lies within the limit
        off = ~found[:, 0]
        sure = ((dist[:, -1] > best + half) & (best <= self.snap_limit_m)) | off
        return sure, np.where(off, -1, cand[rows, j]), best, near, tt[rows, j]

    @functools.cached_property
    def _piece_tree(self):
        """KD-tree of the midpoints of every segment cut into pieces of at most
        ``PIECE_M`` metres; the segment of each piece; half the longest piece."""
        from scipy.spatial import cKDTree

        a, b = self._seg_coords[:, 0], self._seg_coords[:, 1]
        length = np.hypot(*(b - a).T)
        n = np.maximum(1, np.ceil(length / PIECE_M)).astype(np.int64)
        piece_seg = np.repeat(np.arange(len(n)), n)
        first = np.repeat(np.cumsum(n) - n, n)
        mid = (np.arange(len(piece_seg)) - first + 0.5) / n[piece_seg]
        xy = a[piece_seg] + mid[:, None] * (b - a)[piece_seg]
        half = float((length / n).max() / 2.0) if len(n) else 0.0
        return cKDTree(xy), piece_seg, half

    def snap_report(self, sn: Snapped) -> dict[str, int | float | None]:
        """Counts of how points snapped: for the summary and the layers' notes.

        Returns
        -------
        dict
            ``points``, ``off_network`` (beyond the snap limit), ``moved`` (past a nearer
            road of a small part to a part that matters), ``on_fragment`` (only a small
            part within the limit), ``moved_extra_m_max`` (largest extra access leg of a
            moved point, metres; None when none moved) and ``min_part_nodes``.
        """
        extra = sn.access_m[sn.moved] - sn.nearest_road_m[sn.moved]
        return {"points": len(sn), "off_network": int(sn.off_network.sum()),
                "moved": int(sn.moved.sum()), "on_fragment": int(sn.on_fragment.sum()),
                "moved_extra_m_max": round(float(extra.max()), 1) if len(extra) else None,
                "min_part_nodes": self.min_part_nodes}

    def _ends(self, xy: Points, weight: Weight, arriving: bool) -> Ends:
        """Join costs on the junction graph (links are chains)."""
        sn = self.snap(xy)
        return self._chains.ends(sn.segment, sn.fraction, self._leg(sn, weight),
                                 _check_weight(weight), arriving)

    def _seg_ends(self, xy: Points, weight: Weight, arriving: bool) -> Ends:
        """Join costs on the full graph (links are segments)."""
        sn = self.snap(xy)
        return ends(self._segs, sn.segment, sn.fraction, self._leg(sn, weight),
                    _check_weight(weight), arriving)

    def _leg(self, sn: Snapped, weight: Weight) -> np.ndarray:
        """Access leg cost: metres, or seconds at walking speed; inf when off-network."""
        leg = sn.access_m if weight == "length" else sn.access_m / (self.walk_speed_kmh / 3.6)
        return np.where(sn.off_network, INF, leg)

    # ------------------------------------------------------------------ nearest
    def node_nearest(self, facilities_xy: Points, weight: Weight = "length"
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Cost from every network node to its nearest facility, and which facility.

        One multi-source Dijkstra on the reversed graph; each facility enters through a
        virtual node joined to its edge's ends by its own access leg and partial edge.

        Returns
        -------
        cost : numpy.ndarray of float64, shape (n_nodes,)
            Metres or seconds (``inf``: unreachable).
        facility : numpy.ndarray of int64, shape (n_nodes,)
            Index into ``facilities_xy`` (-1: unreachable).
        """
        return self._node_nearest(self._full, self._seg_ends(facilities_xy, weight, True),
                                  weight)

    def _node_nearest(self, graph: Graph, f: Ends, weight: Weight
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Per node of ``graph``: cost to the nearest of ``f`` (joined to that graph)."""
        n = graph.n
        src_f = np.flatnonzero(f.on)
        if len(src_f) == 0:
            return np.full(n, INF), np.full(n, -1, dtype=np.int64)
        g = augment(graph.rev[weight], *virtual_edges(f), len(f))
        dist, _, source = dijkstra(g, indices=n + src_f, min_only=True,
                                   return_predecessors=True)
        fac = np.where(source[:n] >= 0, source[:n] - n, -1).astype(np.int64)
        return dist[:n], fac

    def nearest(self, origins_xy: Points, facilities_xy: Points, weight: Weight = "length"
                ) -> tuple[np.ndarray, np.ndarray]:
        """Cost from each origin to its nearest facility, and which facility.

        Parameters
        ----------
        origins_xy, facilities_xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame
            Points in the network CRS, metres.
        weight : {"length", "time"}
            Metres or seconds (access legs at walking speed).

        Returns
        -------
        cost : numpy.ndarray of float64, shape (k,)
            Metres or seconds; ``inf`` when off-network or unreachable.
        facility : numpy.ndarray of int64, shape (k,)
            Index into ``facilities_xy`` of a nearest facility (any one of tied ones);
            -1 when unreachable.
        """
        o = self._ends(origins_xy, weight, arriving=False)
        f = self._ends(facilities_xy, weight, arriving=True)
        node_cost, node_fac = self._node_nearest(self._core, f, weight)
        return _origins_from_nodes(o, f, node_cost, node_fac, self._chains.shared(o, f, weight))

    # ------------------------------------------------------------------ catchments
    def catchment_matrix(self, facilities_xy: Points, origins_xy: Points, cutoff: float,
                         weight: Weight = "length") -> sp.csr_matrix:
        """Origins each facility reaches within ``cutoff`` (inclusive), as a sparse matrix.

        Bounded Dijkstra (``limit=cutoff``) from the facilities on the reversed graph, in
        chunks of sources so memory stays bounded (``CHUNK_BYTES`` per chunk).

        Parameters
        ----------
        facilities_xy, origins_xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame
            Points in the network CRS, metres.
        cutoff : float
            Metres for ``weight="length"``, seconds for ``"time"``.
        weight : {"length", "time"}

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_facilities, n_origins)
            Stored entries are exactly the pairs with cost ≤ cutoff, valued by the cost.
            A cost of 0 is stored as an explicit zero: test membership with the sparsity
            pattern (``.indices``, ``.nnz``, ``M[i].indices``), not with ``M != 0``.
        """
        o = self._ends(origins_xy, weight, arriving=False)
        sf = self.snap(facilities_xy)
        f = self._ends(sf, weight, arriving=True)
        rows, cols, vals = self._catchment_entries(f, o, float(cutoff), weight, sf.source_xy)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(f), len(o)))

    def _bounded(self, graph: Graph, f: Ends, limit: float, weight: Weight,
                 centers: np.ndarray):
        """Bounded Dijkstra on ``graph`` from each on-network facility (``f`` joined to
        that graph), in memory-bounded chunks.

        Yields ``(facility indices, costs, nodes)``: ``costs[i, j]`` is the cost from
        node ``nodes[j]`` of ``graph`` to facility ``indices[i]`` (inf beyond ``limit``).
        With a finite limit, facilities are grouped in square tiles and each tile searches
        only the subgraph of nodes that can lie within ``limit`` of its facilities (every
        node on a path of cost ≤ limit lies within ``limit * reach`` metres of the
        facility's point ``centers``), so a search costs its own reach, not the network's
        size. Exact.
        """
        n = graph.n
        which = np.flatnonzero(f.on)
        if len(which) == 0:
            return
        radius = limit * self._reach[weight]
        tile = max(TILE_RADII * radius, 1.0)
        cell = (np.floor(centers[which] / tile).astype(np.int64) if np.isfinite(radius)
                else None)
        if cell is None or not self._tiles_pay(graph, cell, tile, radius):
            g = augment(graph.rev[weight], *virtual_edges(f), len(f))
            chunk = max(1, CHUNK_BYTES // (8 * g.shape[0]))
            nodes = np.arange(n)
            for start in range(0, len(which), chunk):
                idx = which[start:start + chunk]
                yield idx, dijkstra(g, indices=n + idx, limit=limit)[:, :n], nodes
            return
        order = np.lexsort((cell[:, 1], cell[:, 0]))
        which, cell = which[order], cell[order]
        cut = np.flatnonzero(np.any(cell[1:] != cell[:-1], axis=1)) + 1
        pos = np.full(n, -1, dtype=np.int64)
        rev = graph.rev[weight]
        for group in np.split(np.arange(len(which)), cut):
            idx = which[group]
            mid = (cell[group[0]] + 0.5) * tile
            nodes = np.sort(np.asarray(graph.kd.query_ball_point(
                mid, tile * np.sqrt(0.5) + radius + 1e-6), dtype=np.int64))
            m = len(nodes)
            pos[nodes] = np.arange(m)
            r, c, w = row_entries(rev, nodes)
            inside = pos[c] >= 0
            vs, vd, vw = virtual_edges(f.take(idx))
            ok = pos[vd] >= 0
            rows = np.concatenate([pos[r[inside]], m + vs[ok]])
            cols = np.concatenate([pos[c[inside]], pos[vd[ok]]])
            size = m + len(idx)
            order = np.argsort(rows, kind="stable")     # already grouped but for virtuals
            indptr = np.zeros(size + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
            g = sp.csr_matrix((np.concatenate([w[inside], vw[ok]])[order],
                               cols[order].astype(np.int32), indptr), shape=(size, size))
            pos[nodes] = -1
            chunk = max(1, CHUNK_BYTES // (8 * size))
            for start in range(0, len(idx), chunk):
                local = np.arange(start, min(len(idx), start + chunk))
                d = dijkstra(g, indices=m + local, limit=limit)
                yield idx[local], d[:, :m], nodes

    def _tiles_pay(self, graph: Graph, cell: np.ndarray, tile: float, radius: float) -> bool:
        """Do tiled subgraph searches beat whole-graph ones? Compares, per tile, the
        sources' searches on the whole graph with cutting the tile's subgraph and
        searching it (``SEARCH_NS_PER_NODE``, ``TILE_SETUP_NS``, ``TILE_CUT_NS_PER_NODE``);
        the subgraph's size is estimated from the nodes' spread."""
        n = graph.n
        span = np.ptp(graph.xy, axis=0) if n else np.zeros(2)
        area = max(float(span[0] * span[1]), 1.0)
        sub = min(n, n * (tile + 2 * radius) ** 2 / area)
        per_tile = len(cell) / max(1, len(np.unique(cell, axis=0)))
        whole = per_tile * n * SEARCH_NS_PER_NODE
        return whole > TILE_SETUP_NS + sub * (TILE_CUT_NS_PER_NODE + per_tile * SEARCH_NS_PER_NODE)

    def _catchment_entries(self, f: Ends, o: Ends, cutoff: float, weight: Weight,
                           centers: np.ndarray):
        rows, cols, vals = [], [], []
        pos = np.full(self._core.n, -1, dtype=np.int64)
        for idx, d, nodes in self._bounded(self._core, f, cutoff, weight, centers):
            pos[nodes] = np.arange(len(nodes))
            pa, pb = pos[o.a], pos[o.b]
            oi = np.flatnonzero(o.on & ((pa >= 0) | (pb >= 0)))
            pos[nodes] = -1
            ha = d[:, np.maximum(pa[oi], 0)]
            hb = d[:, np.maximum(pb[oi], 0)]
            ha[:, pa[oi] < 0] = INF                                # outside the subgraph
            hb[:, pb[oi] < 0] = INF
            c = np.minimum(o.cost_a[oi] + ha, o.cost_b[oi] + hb)
            r, j = np.nonzero((c <= cutoff) & np.isfinite(c))
            rows.append(idx[r])
            cols.append(oi[j])
            vals.append(c[r, j])
        oo, ff, dc = self._chains.shared(o, f, weight)
        rows.append(ff)
        cols.append(oo)
        vals.append(dc)
        r, c, v = min_by_pair(np.concatenate(rows).astype(np.int64),
                              np.concatenate(cols).astype(np.int64), np.concatenate(vals))
        keep = (v <= cutoff) & np.isfinite(v)
        return r[keep], c[keep], v[keep]

    # ------------------------------------------------------------------ isochrones
    def isochrones(self, facilities_xy: Points, cutoff: float, weight: Weight = "length",
                   *, buffer_m: float = 50.0) -> list:
        """One polygon per facility: the roads from which it is reached within ``cutoff``.

        Reached edges are cut at the exact remaining budget (an edge reached from both
        ends keeps both pieces), buffered by ``buffer_m`` metres and unioned. For display
        only: population figures come from the villages' own costs.

        Returns
        -------
        list of shapely.Polygon or MultiPolygon (empty polygon when nothing is reached),
        in the network CRS.
        """
        sn = self.snap(facilities_xy)
        f = self._seg_ends(sn, weight, arriving=True)
        out = [shapely.Polygon() for _ in range(len(f))]
        h = np.full(self.n_nodes, INF)
        for idx, d, nodes in self._bounded(self._full, f, float(cutoff), weight, sn.source_xy):
            for i, row in zip(idx, d):
                h[nodes] = row
                lines = self._pieces(h, float(cutoff), weight, f.take([i]), sn.source_xy[[i]])
                h[nodes] = INF
                out[i] = _buffer(lines, buffer_m)
        return out

    def isochrone_union(self, facilities_xy: Points, cutoff: float, weight: Weight = "length",
                        *, buffer_m: float = 50.0):
        """Union of all facilities' isochrones (one multi-source Dijkstra).

        Returns
        -------
        shapely.Polygon or MultiPolygon in the network CRS (empty when nothing is reached).
        """
        sn = self.snap(facilities_xy)
        f = self._seg_ends(sn, weight, arriving=True)
        node_cost, _ = self._node_nearest(self._full, f, weight)
        return _buffer(self._pieces(node_cost, float(cutoff), weight, f, sn.source_xy), buffer_m)

    def _pieces(self, h: np.ndarray, cutoff: float, weight: Weight, f: Ends,
                f_xy: np.ndarray) -> np.ndarray:
        """Reached road pieces as segment coordinates, shape (m, 2, 2).

        ``h`` is the cost from each node to the facility (or the nearest of several).
        A resident at fraction x of segment a-b reaches it going to b when
        (1 - x)·w(a→b) + h[b] ≤ cutoff and going to a when x·w(b→a) + h[a] ≤ cutoff:
        one piece at each end, or the whole segment when they meet.
        """
        sg = self._segs
        with np.errstate(invalid="ignore", divide="ignore"):
            rb = np.clip(np.nan_to_num((cutoff - h[sg.b]) / sg.fwd[weight], nan=0.0,
                                       posinf=1.0, neginf=0.0), 0.0, 1.0)
            ra = np.clip(np.nan_to_num((cutoff - h[sg.a]) / sg.bwd[weight], nan=0.0,
                                       posinf=1.0, neginf=0.0), 0.0, 1.0)
        rb[~(h[sg.b] <= cutoff)] = 0.0
        ra[~(h[sg.a] <= cutoff)] = 0.0
        pa, pb = self._seg_coords[:, 0], self._seg_coords[:, 1]
        whole = ra + rb >= 1.0
        from_a = np.flatnonzero(~whole & (ra > 0))
        from_b = np.flatnonzero(~whole & (rb > 0))
        w = np.flatnonzero(whole)
        pieces = [np.stack([pa[w], pb[w]], axis=1),
                  np.stack([pa[from_a], pa[from_a] + ra[from_a, None] * (pb - pa)[from_a]], 1),
                  np.stack([pb[from_b], pb[from_b] + rb[from_b, None] * (pa - pb)[from_b]], 1)]
        # the facility's own edge, around its snapped point, and its access leg
        on = np.flatnonzero(f.on & (f.leg <= cutoff))
        if len(on):
            rem = cutoff - f.leg[on]
            t = f.t[on]
            qa, qb = self._xy[f.a[on]], self._xy[f.b[on]]
            at = qa + t[:, None] * (qb - qa)
            fwd, bwd = sg.fwd[weight][f.seg[on]], sg.bwd[weight][f.seg[on]]
            with np.errstate(divide="ignore", invalid="ignore"):
                back = np.clip(t - np.nan_to_num(rem / fwd), 0.0, 1.0)
                ahead = np.clip(t + np.nan_to_num(rem / bwd), 0.0, 1.0)
            pieces.append(np.stack([at, qa + back[:, None] * (qb - qa)], axis=1))
            pieces.append(np.stack([at, qa + ahead[:, None] * (qb - qa)], axis=1))
            pieces.append(np.stack([f_xy[on], at], axis=1))
        return np.concatenate(pieces)

    # ------------------------------------------------------------------ editing
    def accessibility(self, origins_xy: Points, facilities_xy: Points | None = None, *,
                      weight: Weight = "length", cutoffs: tuple[float, ...] = ()
                      ) -> "Accessibility":
        """A stateful nearest-facility table for ``origins_xy`` (see :class:`Accessibility`)."""
        return Accessibility(self, origins_xy, facilities_xy, weight=weight, cutoffs=cutoffs)


class Accessibility:
    """Nearest-facility costs of fixed origins, kept exact while facilities are edited.

    Facility ids are 0, 1, ... in the order of ``facilities_xy`` and then of :meth:`add`;
    a closed id stays closed (its catchment rows are empty), a moved id keeps its id.

    The engine keeps, for every network node, the cost to its nearest open facility and
    which one. Adding a facility runs one Dijkstra from it that stops where it no longer
    improves anything (a bounded search whose bound grows until no improvement can lie
    beyond it); closing one re-solves only the nodes it was nearest to, seeded from their
    neighbours and from other facilities' entries. Origins are re-read from the node
    table. Catchments for the declared ``cutoffs`` are kept per facility.

    Attributes
    ----------
    nearest_cost : numpy.ndarray of float64, shape (n_origins,)
        Metres or seconds to the nearest open facility (``inf``: unreachable).
    nearest_id : numpy.ndarray of int64, shape (n_origins,)
        Its id (-1: unreachable).
    """

    def __init__(self, engine: TravelEngine, origins_xy: Points,
                 facilities_xy: Points | None = None, *, weight: Weight = "length",
                 cutoffs: tuple[float, ...] = ()):
        self.engine = engine
        self.weight = _check_weight(weight)
        self.cutoffs = tuple(sorted({float(c) for c in cutoffs}))
        self._o = engine._ends(origins_xy, weight, arriving=False)
        empty = np.zeros((0, 2))
        sf = engine.snap(empty if facilities_xy is None else facilities_xy)
        self._fxy = sf.source_xy.copy()
        self._f = engine._ends(sf, weight, arriving=True)
        self._open = np.ones(len(self._f), dtype=bool)
        self._node_cost, self._node_fac = engine._node_nearest(engine._core, self._f, weight)
        self._catch: dict[float, dict[int, tuple[np.ndarray, np.ndarray]]] = {
            c: {} for c in self.cutoffs}
        if self.cutoffs:
            r, c, v = engine._catchment_entries(self._f, self._o, self.cutoffs[-1], weight,
                                                self._fxy)
            order = np.argsort(r, kind="stable")
            r, c, v = r[order], c[order], v[order]
            bounds = np.searchsorted(r, np.arange(len(self._f) + 1))
            for cut in self.cutoffs:
                for i in range(len(self._f)):
                    cc, vv = c[bounds[i]:bounds[i + 1]], v[bounds[i]:bounds[i + 1]]
                    self._catch[cut][i] = (cc[vv <= cut], vv[vv <= cut])
        self._refresh()

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
        new = self.engine._ends(np.asarray(xy, float).reshape(1, 2), self.weight, True)
        fid = len(self._f)
        self._f = self._f.concat(new)
        self._fxy = np.vstack([self._fxy, np.asarray(xy, float).reshape(1, 2)])
        self._open = np.append(self._open, True)
        self._reach(fid)
        self._refresh()
        return fid

    def move(self, fid: int, xy) -> None:
        """Move facility ``fid`` to ``xy`` (network CRS, metres)."""
        self._check_open(fid)
        self._withdraw(fid)
        self._fxy[fid] = np.asarray(xy, float).reshape(2)
        self._f.assign(fid, self.engine._ends(self._fxy[[fid]], self.weight, True))
        self._open[fid] = True
        self._reach(fid)
        self._refresh()

    def close(self, fid: int) -> None:
        """Close facility ``fid``."""
        self._check_open(fid)
        self._withdraw(fid)
        self._refresh()

    def covered(self, cutoff: float) -> np.ndarray:
        """Per origin: is an open facility within ``cutoff`` (inclusive)? bool array."""
        return self.nearest_cost <= cutoff

    def catchment(self, cutoff: float) -> sp.csr_matrix:
        """Facility-id × origin sparse costs ≤ ``cutoff`` (closed ids: empty rows).

        Kept up to date for the declared ``cutoffs``; any other cutoff is computed afresh.
        Zero costs are explicit entries (see :meth:`TravelEngine.catchment_matrix`).
        """
        shape = (len(self._f), len(self._o))
        cutoff = float(cutoff)
        if cutoff not in self._catch:
            r, c, v = self.engine._catchment_entries(self._f, self._o, cutoff, self.weight,
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

    def _refresh(self) -> None:
        self.nearest_cost, self.nearest_id = _origins_from_nodes(
            self._o, self._f, self._node_cost, self._node_fac,
            self.engine._chains.shared(self._o, self._f, self.weight))

    def _reach(self, fid: int) -> None:
        """Fold a newly opened facility into the node table and the catchments."""
        eng, f1 = self.engine, self._f.take([fid])
        for cut in self.cutoffs:
            self._catch[cut][fid] = (np.zeros(0, np.int64), np.zeros(0))
        if not f1.on[0]:
            return
        n, rev = eng._core.n, eng._core.rev[self.weight]
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
            oo, ff, dc = eng._chains.shared(o, f1, self.weight)
            np.minimum.at(c, oo, dc)
            for cut in self.cutoffs:
                j = np.flatnonzero((c <= cut) & np.isfinite(c))
                self._catch[cut][fid] = (j, c[j])

    def _withdraw(self, fid: int) -> None:
        """Remove a facility: re-solve the nodes it was nearest to."""
        self._open[fid] = False
        self._f.disable(fid)
        for cut in self.cutoffs:
            self._catch[cut].pop(fid, None)
        hit = np.flatnonzero(self._node_fac == fid)
        if len(hit) == 0:
            return
        eng, n = self.engine, self.engine._core.n
        node_cost, node_fac = self._node_cost, self._node_fac
        pos = np.full(n, -1, dtype=np.int64)
        pos[hit] = np.arange(len(hit))
        y, x, w = row_entries(eng._core.fwd[self.weight], hit)     # edges y -> x, y re-solved
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
            return
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


# ---------------------------------------------------------------------- helpers
def _origins_from_nodes(o: Ends, f: Ends, node_cost: np.ndarray, node_fac: np.ndarray,
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


def _buffer(lines: np.ndarray, buffer_m: float):
    """Union of the buffered pieces: merge chains, simplify below display precision
    (``buffer_m / 10``), buffer each chain, then a cascaded union."""
    if len(lines) == 0:
        return shapely.Polygon()
    # both directions of a two-way road are reached: keep one copy of each piece, so
    # that line_merge can chain them (degree-2 nodes only)
    flat = lines.reshape(-1, 4)
    swap = (flat[:, 0] > flat[:, 2]) | ((flat[:, 0] == flat[:, 2]) & (flat[:, 1] > flat[:, 3]))
    flat = np.where(swap[:, None], flat[:, [2, 3, 0, 1]], flat)
    lines = np.unique(flat, axis=0).reshape(-1, 2, 2)
    merged = shapely.line_merge(shapely.multilinestrings(shapely.linestrings(lines)))
    parts = shapely.simplify(shapely.get_parts(merged), buffer_m / 10.0)
    return shapely.union_all(shapely.buffer(parts, buffer_m, quad_segs=4))


def _fingerprint(u: np.ndarray, v: np.ndarray, weights: dict[str, np.ndarray]) -> str:
    """Digest of the edges and of the cache format: a cache made from anything else is
    not used."""
    h = hashlib.blake2b(json.dumps([CACHE_VERSION, sorted(weights)]).encode(), digest_size=16)
    for arr in (u, v, *(weights[k] for k in sorted(weights))):
        h.update(np.ascontiguousarray(arr).data)
    return h.hexdigest()


def _read_prepared(file: Path, digest: str) -> tuple[Segments, Chains] | None:
    """Cached segments and chains made from the edges with this :func:`_fingerprint`, or
    None (absent, stale, unreadable)."""
    try:
        with np.load(file, allow_pickle=False) as z:
            if str(z["fingerprint"]) != digest:
                return None
            arrays = {k: z[k] for k in z.files}
        return from_arrays(Segments, arrays, "segs"), from_arrays(Chains, arrays, "chains")
    except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile):
        return None


def _write_prepared(file: Path, digest: str, segs: Segments, chains: Chains) -> None:
    """Save segments and chains with the edges' digest as .npz (no pickles), atomically;
    failing only warns."""
    try:
        with atomic_path(file) as tmp, open(tmp, "wb") as out:
            np.savez(out, allow_pickle=False, fingerprint=np.array(digest),
                     **to_arrays(segs, "segs"), **to_arrays(chains, "chains"))
    except OSError as err:
        warnings.warn(f"engine arrays not cached in {file.parent}: {err}", stacklevel=4)


def _check_weight(weight: str) -> Weight:
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be 'length' (metres) or 'time' (seconds), not {weight!r}")
    return weight  # type: ignore[return-value]


def _as_xy(xy, net: RoadNetwork) -> np.ndarray:
    """(k, 2) float coordinates from an array or a GeoSeries/GeoDataFrame of points."""
    if hasattr(xy, "geometry") or hasattr(xy, "geom_type"):
        geoms = xy.geometry if hasattr(xy, "geometry") else xy
        if geoms.crs is not None and net.crs is not None and not geoms.crs.equals(net.crs):
            raise InputError.at(f"points are in {geoms.crs.name}, the road network in "
                                f"{net.crs.name}: reproject them first (to_crs)")
        kinds = set(geoms.geom_type.dropna())
        if kinds - {"Point"}:
            raise InputError.at(f"expected points, found {sorted(kinds)}")
        pts = np.column_stack([geoms.x.to_numpy(float), geoms.y.to_numpy(float)])
    else:
        pts = np.asarray(xy, dtype=np.float64)
        if pts.size == 0:
            pts = pts.reshape(0, 2)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an array of shape (k, 2), got {pts.shape}")
    bad = np.flatnonzero(~np.isfinite(pts).all(axis=1))
    if len(bad):
        raise InputError.at("point has no valid coordinates (missing or not a number): "
                            "fix or remove it", row=int(bad[0]) + 1)
    return pts


def _check_network(net: RoadNetwork) -> None:
    n = net.n_nodes
    where = net.source or f"{net.mode} road network"
    for name in ("u", "v"):
        a = np.asarray(getattr(net, name))
        if len(a) and (a.min() < 0 or a.max() >= n):
            raise InputError.at(f"edge endpoint out of range 0..{n - 1} in {name}: "
                                "rebuild the network", file=where)
    for name in ("length_m", "time_s"):
        a = np.asarray(getattr(net, name), dtype=float)
        if len(a) != len(net.u) or not (np.isfinite(a) & (a >= 0)).all():
            raise InputError.at(f"{name} must be finite and >= 0 for every edge: "
                                "rebuild the network", file=where)
    if not (np.isfinite(net.x).all() and np.isfinite(net.y).all()):
        raise InputError.at("node coordinates must be finite: rebuild the network", file=where)


def main_parts(u: np.ndarray, v: np.ndarray, n: int, min_part_nodes: int | None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The strongly connected parts of a network and which of them points may snap to.

    Parameters
    ----------
    u, v : numpy.ndarray of int
        The network's directed edges (node indices 0..n-1).
    n : int
        Number of nodes.
    min_part_nodes : int or None
        None: the largest strongly connected part only (of parts of equal size, the one
        holding the lowest node index); ``k``: every part of at least ``k`` nodes, and
        the largest.

    Returns
    -------
    label : numpy.ndarray of int, shape (n,)
        The part of each node.
    keep : numpy.ndarray of bool, shape (number of parts,)
        True for a part that counts.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    graph = sp.csr_array((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    size = np.bincount(label)
    first = np.full(len(size), n)
    np.minimum.at(first, label, np.arange(n))
    keep = np.zeros(len(size), dtype=bool)
    keep[np.lexsort((first, -size))[0]] = True
    if min_part_nodes is not None:
        keep |= size >= min_part_nodes
    return label, keep


def main_segments(seg_a: np.ndarray, seg_b: np.ndarray, label: np.ndarray,
                  keep: np.ndarray) -> np.ndarray:
    """Which undirected segments lie in a part of the network that points may snap to.

    Parameters
    ----------
    seg_a, seg_b : numpy.ndarray of int
        Ends of each undirected segment (node indices).
    label, keep : numpy.ndarray
        Part of each node and whether each part counts (:func:`main_parts`, computed on
        the whole network even when the engine holds a cut of it).

    Returns
    -------
    numpy.ndarray of bool, shape (len(seg_a),)
        True for a segment whose two ends lie in the same part that counts.
    """
    if len(seg_a) == 0:
        return np.zeros(0, dtype=bool)
    return (label[seg_a] == label[seg_b]) & keep[label[seg_a]]
