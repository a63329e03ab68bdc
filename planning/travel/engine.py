"""Travel-time engine: road-network costs between villages and facilities, fast.

The engine is prepared once per :class:`~planning.travel.network.RoadNetwork` (one travel mode)
and answers, for the weight ``"length"`` (metres) or ``"time"`` (seconds):

* :meth:`TravelEngine.nearest` — per origin, the cost to the nearest facility and which one;
* :meth:`TravelEngine.catchment_matrix` — per facility, the origins within a cutoff (sparse);
* :meth:`TravelEngine.isochrones` / :meth:`TravelEngine.isochrone_union` — display polygons;
* :class:`~planning.travel.incremental.IncrementalNearest` — nearest-facility answers kept
  exact through add/move/close edits.

All coordinates are in the network's metric CRS (``net.crs``), metres.

Points snap to the nearest road of a part of the network that matters, or count as
off-network beyond the snap limit: see :mod:`planning.travel.snapping`.

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
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from planning import settings
from planning.errors import InputError
from planning.travel.graph import (
    CACHE_VERSION, INF, Chains, Ends, Graph, Prepared, Segments, augment, ends, fingerprint, min_by_pair,
    node_nearest, origins_from_nodes, read_prepared, row_entries, virtual_edges, write_prepared,
)
from planning.travel.network import RoadNetwork
from planning.travel.snapping import (Points, Snapped, Snapper, as_xy, main_parts,
                                      parts_that_count, read_snapped, strong_parts, write_snapped)

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


class TravelEngine:
    """Shortest-path costs on one travel mode's road network.

    Build with :meth:`from_network`. Holds the network's segments with a
    :class:`~planning.travel.snapping.Snapper`, and two graphs as CSR matrices (forward
    and reversed, parallel edges reduced to their minimum weight) for metres and seconds:
    the junction graph (see *Search graph* above) and, built on first use, the graph of
    every node.

    Attributes
    ----------
    net : RoadNetwork
        The mode's network (metric CRS).
    snap_limit_m : float
        Points farther than this from every road are off-network, metres.
    walk_speed_kmh : float
        Speed of access legs for ``weight="time"``, km/h.
    snapper : Snapper
        Snaps points to the network's parts that matter.
    junctions : Graph
        The junction graph the nearest-facility passes, catchments and edits search.
    chains : Chains
        The chains of segments between junctions (links of :attr:`junctions`).
    """

    def __init__(self, net: RoadNetwork, snap_limit_m: float, walk_speed_kmh: float,
                 cache_file: Path | None = None, min_part_nodes: int | None = None,
                 parts: tuple[np.ndarray, np.ndarray] | None = None):
        self.net = net
        self.snap_limit_m = float(snap_limit_m)
        self.walk_speed_kmh = float(walk_speed_kmh)
        self.min_part_nodes = min_part_nodes
        #: the engine's arrays on disk (None: not cached); other caches derived from the
        #: network (e.g. snapped grid cells) live beside it
        self.cache_file = cache_file
        n = net.n_nodes
        self.n_nodes = n
        u = np.asarray(net.u, dtype=np.int64)
        v = np.asarray(net.v, dtype=np.int64)
        weights = {
            "length": np.maximum(np.asarray(net.length_m, dtype=np.float64), settings.MIN_EDGE_M),
            "time": np.maximum(np.asarray(net.time_s, dtype=np.float64), MIN_EDGE_S),
        }
        self._xy = np.column_stack([np.asarray(net.x, float), np.asarray(net.y, float)])
        # the segments, chains, junction graph and parts depend on the network alone: read
        # from the cache beside the network's when they were made from the same one
        self._digest = fingerprint(u, v, weights, self._xy) if cache_file else ""
        prepared = read_prepared(cache_file, self._digest, self._xy) if cache_file else None
        if prepared is None:
            prepared = Prepared.build(u, v, weights, self._xy,
                                      strong=parts is None or cache_file is not None)
            if cache_file:
                write_prepared(cache_file, self._digest, prepared)
        self._segs, self.chains = prepared.segs, prepared.chains
        if parts is None:
            strong = prepared.strong if prepared.strong is not None else strong_parts(u, v, n)
            parts = parts_that_count(strong, min_part_nodes)
        # the parts of the network points may snap to (see planning.travel.snapping)
        self.snapper = Snapper(self._segs, self._xy, parts, self.snap_limit_m)
        # two graphs: junctions only (nearest, catchments, edits) and every node
        # (isochrones, node tables; built on first use): OSM ways carry a node every few
        # dozen metres, and searching chains between junctions visits ~20x fewer nodes
        self._edges = (u, v, weights)
        self.junctions = prepared.junctions
        # metres covered per unit of cost at most: a cost c never reaches farther than
        # c * reach (straight line), which bounds every bounded search spatially
        self._reach = {"length": 1.0, "time": max(prepared.top_speed, self.walk_speed_kmh / 3.6)}

    @functools.cached_property
    def fingerprint(self) -> str:
        """Digest of the network's edges, weights and node coordinates
        (:func:`planning.travel.graph.fingerprint`: a key for caches of anything costed
        on it)."""
        return self._digest or fingerprint(*self._edges[:2], self._edges[2], self._xy)

    @functools.cached_property
    def snap_key(self) -> str:
        """Digest of everything :meth:`snap` depends on: the segments' end nodes and
        their coordinates, which parts of the network count, the snap limit (a key for
        caches of snapped points)."""
        h = hashlib.sha256(f"snap 2 {self.snap_limit_m!r}".encode())
        for arr in (self._segs.a, self._segs.b, self._xy, self.snapper.main_seg):
            h.update(np.ascontiguousarray(arr).data)
        return h.hexdigest()[:32]

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
            Keep what the engine derives from the network alone (segments, chains, the
            junction graph, the strongly connected parts: :class:`~planning.travel.graph.
            Prepared`) on disk beside the network's own cache file
            (``net.info["cache_file"]``, as ``….engine<CACHE_VERSION>.npz``, so files of
            another format keep their own name), read back mapped into memory, and reuse
            them when they were made from the same edges, weights and node coordinates
            (default True).
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
        return cls(net, limit, speed,
                   Path(file).with_suffix(f".engine{CACHE_VERSION}.npz") if file else None,
                   None if min_part_nodes is None else int(min_part_nodes), parts)

    # ------------------------------------------------------------------ snapping
    def snap(self, xy: Points) -> Snapped:
        """Snap points to their nearest road (see :mod:`planning.travel.snapping`).

        Parameters
        ----------
        xy : array of shape (k, 2), Snapped, or a GeoSeries/GeoDataFrame of points
            Coordinates in the network CRS, metres (a Snapped is returned as it is).

        Returns
        -------
        Snapped
        """
        if isinstance(xy, Snapped):
            return xy
        return self.snapper.snap(as_xy(xy, self.net.crs))

    def snap_points(self, xy: Points, *, cache: bool = True) -> Snapped:
        """:meth:`snap` of a fixed set of points asked about again and again (a region's
        villages and facilities), kept on disk beside the engine's cache and remembered:
        a later :meth:`snap` of any of them searches nothing, so a check that reads them
        from disk never builds the segments' STRtree.

        The cache file (``….points_<key>.npz``) is keyed by :attr:`snap_key` and the
        points' coordinates; an engine without a cache file (``cache_file``) only
        remembers.

        Parameters
        ----------
        xy : array of shape (k, 2), or a GeoSeries/GeoDataFrame of points
            Coordinates in the network CRS, metres.
        cache : bool, optional
            Read and write the disk cache (default True).

        Returns
        -------
        Snapped
        """
        pts = as_xy(xy, self.net.crs)
        h = hashlib.blake2b(f"points 1 {self.snap_key}".encode(), digest_size=12)
        h.update(np.ascontiguousarray(pts).data)
        key = h.hexdigest()
        sn, read = self.snapped_on_disk(self.cache_path("points", key) if cache else None,
                                        key, pts, self.snapper.snap)
        if read:
            self.snapper.remember(sn)
        return sn

    def cache_path(self, kind: str, key: str) -> Path | None:
        """The file of a cache derived from this network (``kind``: ``"points"``,
        ``"cells"``) under ``key``: beside the engine's own cache file,
        ``….<kind>_<key>.npz``; None when the engine has no cache file."""
        if self.cache_file is None:
            return None
        stem = Path(self.cache_file).name.split(".")[0]
        return Path(self.cache_file).with_name(f"{stem}.{kind}_{key}.npz")

    def snapped_on_disk(self, file: Path | None, key: str, pts: np.ndarray,
                        snap) -> tuple[Snapped, bool]:
        """``snap(pts)`` read from ``file`` when it holds ``key`` for these points, else
        snapped and written there (atomically; nothing when ``file`` is None).

        Returns
        -------
        (Snapped, bool)
            The snapped points, and whether they were read from ``file``.
        """
        sn = read_snapped(file, key, self.snapper, pts) if file else None
        if sn is not None:
            return sn, True
        sn = snap(pts)
        if file:
            write_snapped(file, key, sn)
        return sn, False

    def snap_dense(self, xy: Points) -> Snapped:
        """Snap many points packed densely (grid cells): :meth:`snap`'s answer, found
        faster through a KD-tree of short road pieces
        (:meth:`~planning.travel.snapping.Snapper.snap_dense`).

        Parameters
        ----------
        xy : array of shape (k, 2), or a GeoSeries/GeoDataFrame of points
            Coordinates in the network CRS, metres.

        Returns
        -------
        Snapped
        """
        return self.snapper.snap_dense(as_xy(xy, self.net.crs))

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

    def ends(self, xy: Points, weight: Weight, arriving: bool) -> Ends:
        """Where points join the junction graph (links are chains), with the join costs.

        Parameters
        ----------
        xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame
            Points in the network CRS, metres.
        weight : {"length", "time"}
            Costs in metres or seconds (access legs at walking speed).
        arriving : bool
            True for facilities (trips end there), False for origins.

        Returns
        -------
        Ends
            Per point, its chain and the costs to or from the chain's end junctions.
        """
        sn = self.snap(xy)
        return self.chains.ends(sn.segment, sn.fraction, self._leg(sn, weight),
                                check_weight(weight), arriving)

    def _seg_ends(self, xy: Points, weight: Weight, arriving: bool) -> Ends:
        """Join costs on the full graph (links are segments)."""
        sn = self.snap(xy)
        return ends(self._segs, sn.segment, sn.fraction, self._leg(sn, weight),
                    check_weight(weight), arriving)

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
        return node_nearest(self._full, self._seg_ends(facilities_xy, weight, True), weight)

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
        return self.nearest_joined(self.ends(origins_xy, weight, arriving=False),
                                   facilities_xy, weight)

    def nearest_joined(self, o: Ends, facilities_xy: Points, weight: Weight = "length"
                       ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`nearest` for origins already joined to the junction graph: ``o`` is
        :meth:`ends` of the origins with the same ``weight`` and ``arriving=False`` (e.g.
        a surface's cells, whose join costs are kept on disk)."""
        f = self.ends(facilities_xy, weight, arriving=True)
        node_cost, node_fac = node_nearest(self.junctions, f, weight)
        return origins_from_nodes(o, f, node_cost, node_fac, self.chains.shared(o, f, weight))

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
        o = self.ends(origins_xy, weight, arriving=False)
        sf = self.snap(facilities_xy)
        f = self.ends(sf, weight, arriving=True)
        rows, cols, vals = self.catchment_entries(f, o, float(cutoff), weight, sf.source_xy)
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

    def catchment_entries(self, f: Ends, o: Ends, cutoff: float, weight: Weight,
                          centers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (facility, origin, cost) triples with cost ≤ ``cutoff``, on the junction graph.

        Parameters
        ----------
        f, o : Ends
            Facilities and origins joined to the junction graph (:meth:`ends`).
        cutoff : float
            Metres or seconds.
        weight : {"length", "time"}
        centers : numpy.ndarray of float64, shape (len(f), 2)
            The facilities' points (metres), which bound each search spatially.

        Returns
        -------
        rows, cols : numpy.ndarray of int64
            Facility and origin indices.
        costs : numpy.ndarray of float64
            Metres or seconds, each ≤ ``cutoff`` (zeros included).
        """
        rows, cols, vals = [], [], []
        pos = np.full(self.junctions.n, -1, dtype=np.int64)
        for idx, d, nodes in self._bounded(self.junctions, f, cutoff, weight, centers):
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
        oo, ff, dc = self.chains.shared(o, f, weight)
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
        node_cost, _ = node_nearest(self._full, f, weight)
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
        pa, pb = self.snapper.seg_coords[:, 0], self.snapper.seg_coords[:, 1]
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


# ---------------------------------------------------------------------- helpers
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


def check_weight(weight: str) -> Weight:
    """``weight`` if it is ``"length"`` or ``"time"``; ValueError otherwise."""
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be 'length' (metres) or 'time' (seconds), not {weight!r}")
    return weight  # type: ignore[return-value]


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
