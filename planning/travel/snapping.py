"""Snapping: where points (villages, facilities, candidate sites) join a road network.

The convention is the same everywhere
-------------------------------------
A point snaps to the nearest *edge* of the mode's network that lies in a **part that
matters** (exact nearest segment, :class:`shapely.STRtree`), at the closest point on it.
Real OSM data is full of small pieces that join nothing (indoor footways, steps into
squares mapped as areas, a one-way stub leaving the extract, village lanes mapped in
isolation); a point snapped to one reaches nothing. The parts are the **strongly
connected components** of the whole network (:func:`main_parts`), computed once when the
engine is prepared (before any tile or search cuts it): on a walking network, which holds
both directions of every way, these are its connected parts; where one-way roads are
obeyed (cars, e-bikes on trunk roads) a strongly connected part is one where a resident
can both arrive and leave. By default (``min_part_nodes=None``,
``settings.SNAP_MIN_PART_NODES``) the part that matters is the largest one only (of equal
ones, the one holding the lowest node index); with ``min_part_nodes=k`` every part of at
least ``k`` nodes (and the largest) counts (``k=1``: every part, however small). A
segment counts when both its ends lie in the same such part, so a one-way link between
two parts never does. This is osmnx's ``truncate.largest_component(G, strongly=...)``
without dropping anything: the small parts stay in the network (drawn, searched from
points that sit on them), and a point with no road of a part that matters within the
snap limit snaps to the nearest small part (``Snapped.on_fragment``). A point whose
nearest road lies in a small part but that snapped to a farther road of a part that
matters is counted as **moved** (``Snapped.moved``; ``Snapped.nearest_road_m`` keeps the
distance to the nearer road). A point farther than the snap limit from every edge is
**off-network** (``Snapped.off_network``).

All coordinates are in the network's metric CRS, metres.
"""

from __future__ import annotations

import functools
import threading
import warnings
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import shapely

from planning._atomic import atomic_path
from planning._mapped import load_mapped
from planning.errors import InputError
from planning.travel.graph import Segments, _pick, strong_parts

__all__ = ["Snapped", "Snapper", "main_parts", "strong_parts", "parts_that_count", "main_segments", "as_xy", "Points",
           "read_snapped", "write_snapped", "SNAPPED_KEPT"]

#: what the engine's methods take as points
Points = "np.ndarray | Snapped | geopandas.GeoSeries | geopandas.GeoDataFrame"


#: longest piece of a segment in :meth:`Snapper.snap_dense`'s KD-tree, metres
PIECE_M = 50.0
#: points per chunk of :meth:`Snapper.snap_dense` (its arrays stay small and reused)
DENSE_CHUNK = 8192
#: nearest pieces looked at per point in :meth:`Snapper.snap_dense`, round by round
#: (measured on the city grid: 16 settle 98 % of the cells, 8 only 74 %)
DENSE_K = (16, 64)


#: guards the snappers' memories of snapped points (app sessions may share one engine;
#: a module lock keeps snappers picklable)
_MEMO_LOCK = threading.RLock()

#: the :class:`Snapped` fields a snapped point's answer is made of (the others follow from
#: them, the network and the point): what :meth:`Snapper.remember` keeps and what the
#: disk caches of snapped points (:func:`write_snapped`) hold, in :meth:`Snapper.snapped`'s order
SNAPPED_KEPT = ("segment", "fraction", "access_m", "nearest_road_m", "moved", "on_fragment")


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

    def take(self, rows) -> "Snapped":
        """The points ``rows`` (indices or a boolean mask)."""
        return Snapped(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


class Snapper:
    """Snaps points to the nearest segment of a network's parts that matter.

    Parameters
    ----------
    segs : Segments
        The network's undirected segments (:class:`planning.travel.graph.Segments`).
    xy : numpy.ndarray of float64, shape (n_nodes, 2)
        Node coordinates, metres.
    parts : (numpy.ndarray, numpy.ndarray)
        The part of each node and whether each part counts (:func:`main_parts`).
    snap_limit_m : float
        Points farther than this from every segment are off-network, metres.

    Attributes
    ----------
    seg_coords : numpy.ndarray of float64, shape (n_segments, 2, 2)
        Each segment's two end points, metres.
    tree : shapely.STRtree
        Every segment, for the nearest road of any part (built on first use).
    main_seg : numpy.ndarray of bool, shape (n_segments,)
        True for a segment in a part that matters (:func:`main_segments`).
    """

    def __init__(self, segs: Segments, xy: np.ndarray, parts: tuple[np.ndarray, np.ndarray],
                 snap_limit_m: float):
        self.segs = segs
        self.snap_limit_m = float(snap_limit_m)
        self.seg_coords = np.stack([xy[segs.a], xy[segs.b]], axis=1)
        self.main_seg = main_segments(segs.a, segs.b, *parts)
        # points snapped so far: (x, y) -> row of the remembered fields (:meth:`remember`)
        self._known: dict[tuple[float, float], int] = {}
        self._rows: list[tuple[np.ndarray, ...]] = []
        self._table: tuple[np.ndarray, ...] | None = None

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        """Every segment as a GEOS line in an STRtree, for :meth:`snap` (built on first
        use: a grid whose snapped cells are cached never needs it)."""
        return shapely.STRtree(shapely.linestrings(self.seg_coords))

    def snap(self, pts: np.ndarray) -> Snapped:
        """Snap points to their nearest segment (see the module's convention).

        A point snapped before (or given to :meth:`remember`) is not searched again: the
        answer for a point depends on nothing else, so it is the same.

        Parameters
        ----------
        pts : numpy.ndarray of float64, shape (k, 2)
            Coordinates in the network CRS, metres (:func:`as_xy`).

        Returns
        -------
        Snapped
        """
        with _MEMO_LOCK:
            idx = self._lookup(pts)
            new = np.flatnonzero(idx < 0)
            if len(new):
                fresh = pts[new]
                self.remember(self._search(fresh))
                idx[new] = self._lookup(fresh)
            table = self._stacked()
        return self.snapped(pts, *(col[idx] for col in table))

    def remember(self, sn: Snapped) -> None:
        """Keep these snapped points' answers: :meth:`snap` of any of them searches
        nothing (e.g. a region's villages and facilities read from a disk cache)."""
        with _MEMO_LOCK:
            new: dict[tuple[float, float], int] = {}
            base = len(self._known)
            for i, p in enumerate(map(tuple, sn.source_xy.tolist())):
                if p not in self._known and p not in new:
                    new[p] = i
            if not new:
                return
            rows = np.fromiter(new.values(), np.int64, len(new))
            self._rows.append(tuple(getattr(sn, name)[rows] for name in SNAPPED_KEPT))
            self._known.update(zip(new, range(base, base + len(new))))
            self._table = None

    def _lookup(self, pts: np.ndarray) -> np.ndarray:
        """Row of each point among the remembered ones (-1: not known)."""
        get = self._known.get
        return np.fromiter((get(p, -1) for p in map(tuple, pts.tolist())), np.int64, len(pts))

    def _stacked(self) -> tuple[np.ndarray, ...]:
        if self._table is None:
            self._table = tuple(np.concatenate(cols) for cols in zip(*self._rows)) \
                if self._rows else tuple(np.zeros(0, dt) for dt in
                                         (np.int64, float, float, float, bool, bool))
            self._rows = [self._table] if self._rows else []
        return self._table

    def _search(self, pts: np.ndarray) -> Snapped:
        """:meth:`snap` by the STRtree, remembering nothing."""
        k = len(pts)
        seg = np.full(k, -1, dtype=np.int64)
        nearest_road = np.full(k, np.inf)
        moved = np.zeros(k, dtype=bool)
        if k and len(self.seg_coords):
            points = shapely.points(pts)
            (found, which), dist = self.tree.query_nearest(
                points, max_distance=self.snap_limit_m, all_matches=False,
                return_distance=True)
            seg[found] = which
            nearest_road[found] = dist
            small = found[~self.main_seg[which]]          # nearest road in a small part
            if len(small):
                # the nearest segment of a part that matters within the limit, among all
                # the segments within it (few points: no second tree of the main parts)
                at, cand = self.tree.query(points[small], predicate="dwithin",
                                           distance=self.snap_limit_m)
                at, cand = at[self.main_seg[cand]], cand[self.main_seg[cand]]
                _, d = self._project(pts[small[at]], cand)
                order = np.lexsort((cand, d, at))     # per point: nearest, then lowest index
                at, cand, d = at[order], cand[order], d[order]
                first = np.ones(len(at), dtype=bool)
                first[1:] = at[1:] != at[:-1]
                at, cand, d = at[first], cand[first], d[first]
                ok = d <= self.snap_limit_m
                at, cand, d = at[ok], cand[ok], d[ok]
                seg[small[at]] = cand
                moved[small[at]] = d > nearest_road[small[at]] + 1e-9
        on = seg >= 0
        t, leg = np.zeros(k), np.full(k, np.inf)
        t[on], leg[on] = self._project(pts[on], seg[on])
        fragment = np.zeros(k, dtype=bool)
        fragment[on] = ~self.main_seg[seg[on]]
        return self.snapped(pts, seg, t, leg, nearest_road, moved, fragment)

    def snap_dense(self, pts: np.ndarray) -> Snapped:
        """Snap many points packed densely (grid cells): the same answer as :meth:`snap`,
        several times faster.

        The network's segments are cut into pieces of at most ``PIECE_M`` metres whose
        midpoints go into a KD-tree (built on first use). A point's nearest segment is
        found among the segments of its k nearest midpoints (``DENSE_K``: 16, then
        64): no other segment can be nearer when the k-th midpoint lies farther than the best of them
        plus half the longest piece; no midpoint within the snap limit plus half a piece
        means no road within the limit (off-network). Points where neither can be shown,
        and points with only a small part of the network within the snap limit, go
        through :meth:`snap`'s search (nothing is remembered: cells are not asked again).
        Ties between equally near segments may pick another of them (the snapped point
        and costs are the same).

        Parameters
        ----------
        pts : numpy.ndarray of float64, shape (k, 2)
            Coordinates in the network CRS, metres (:func:`as_xy`).

        Returns
        -------
        Snapped
        """
        k = len(pts)
        seg = np.full(k, -1, dtype=np.int64)
        best = np.full(k, np.inf)          # to the nearest segment of a part that matters
        near = np.full(k, np.inf)          # to the nearest segment of any part
        t = np.zeros(k)
        todo = np.arange(k)
        if k and len(self.seg_coords):
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
            return self._search(pts)
        moved = (seg >= 0) & (best > near + 1e-9)
        fragment = np.zeros(k, dtype=bool)
        if len(todo):
            rest = self._search(pts[todo])
            seg[todo], t[todo], best[todo] = rest.segment, rest.fraction, rest.access_m
            near[todo], moved[todo] = rest.nearest_road_m, rest.moved
            fragment[todo] = rest.on_fragment
        return self.snapped(pts, seg, t, best, near, moved, fragment)

    def snapped(self, pts: np.ndarray, seg: np.ndarray, t: np.ndarray, access_m: np.ndarray,
                nearest_road_m: np.ndarray, moved: np.ndarray, on_fragment: np.ndarray
                ) -> Snapped:
        """The :class:`Snapped` of points ``pts`` placed at fraction ``t`` of their segment
        ``seg`` (-1: off-network): the edge and the snapped point derived from them.

        Parameters
        ----------
        pts : numpy.ndarray of float64, shape (k, 2)
            The points as given, metres.
        seg, t, access_m, nearest_road_m, moved, on_fragment : numpy.ndarray, shape (k,)
            As the :class:`Snapped` fields ``segment``, ``fraction``, ``access_m``,
            ``nearest_road_m``, ``moved`` and ``on_fragment``.
        """
        on = seg >= 0
        s = np.where(on, seg, 0)
        if len(self.seg_coords):            # one gather of both ends (cells: a million)
            ends = self.seg_coords[s]
            p0 = ends[:, 0]
            with np.errstate(invalid="ignore"):
                xy = p0 + t[:, None] * (ends[:, 1] - p0)
            xy[~on] = np.nan
        else:
            xy = np.full((len(seg), 2), np.nan)
        edge = np.where(on, _pick(self.segs.rep, s, -1), -1)
        return Snapped(edge=edge, fraction=t, access_m=access_m, off_network=~on, xy=xy,
                       segment=seg, source_xy=pts, moved=moved, on_fragment=on_fragment,
                       nearest_road_m=nearest_road_m)

    def _project(self, pts: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The closest point of segment ``seg`` to each point: its fraction from the
        segment's end ``a`` (0..1) and the distance to it, metres. ``pts`` (..., 2)
        broadcasts against ``seg`` (e.g. points (m, 1, 2) against candidates (m, kk))."""
        c = self.seg_coords
        ax, ay = c[seg, 0, 0], c[seg, 0, 1]
        dx, dy = c[seg, 1, 0] - ax, c[seg, 1, 1] - ay
        px, py = pts[..., 0], pts[..., 1]
        dd = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(dd > 0, ((px - ax) * dx + (py - ay) * dy) / dd, 0.0), 0.0, 1.0)
        return t, np.hypot(px - (ax + t * dx), py - (ay + t * dy))

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
        tt, gap = self._project(pts[:, None, :], cand)
        gap[~found] = np.inf
        near = gap.min(axis=1)
        gap[~self.main_seg[cand]] = np.inf
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

        a, b = self.seg_coords[:, 0], self.seg_coords[:, 1]
        length = np.hypot(*(b - a).T)
        n = np.maximum(1, np.ceil(length / PIECE_M)).astype(np.int64)
        piece_seg = np.repeat(np.arange(len(n)), n)
        first = np.repeat(np.cumsum(n) - n, n)
        mid = (np.arange(len(piece_seg)) - first + 0.5) / n[piece_seg]
        xy = a[piece_seg] + mid[:, None] * (b - a)[piece_seg]
        half = float((length / n).max() / 2.0) if len(n) else 0.0
        return cKDTree(xy), piece_seg, half


def read_snapped(file: Path, key: str, snapper: Snapper, pts: np.ndarray) -> Snapped | None:
    """Points ``pts`` snapped by ``snapper``, read from ``file`` (:func:`write_snapped`),
    or None when the file is absent or unreadable, holds another ``key`` or another
    number of points."""
    try:
        z = load_mapped(file)
        if str(z["key"]) != key:
            return None
        cols = [z[name] for name in SNAPPED_KEPT]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if any(len(c) != len(pts) for c in cols):
        return None
    seg = cols[0].astype(np.int64)
    if len(seg) and seg.max() >= len(snapper.seg_coords):
        return None
    return snapper.snapped(pts, seg, *cols[1:])


def write_snapped(file: Path, key: str, sn: Snapped) -> None:
    """Save snapped points (their :data:`SNAPPED_KEPT` fields and ``key``) as .npz, no
    pickles, atomically; failing only warns."""
    try:
        with atomic_path(file) as tmp, open(tmp, "wb") as out:
            np.savez(out, allow_pickle=False, key=np.array(key),
                     **{name: (sn.segment.astype(np.int32) if name == "segment"
                               else getattr(sn, name)) for name in SNAPPED_KEPT})
    except OSError as err:
        warnings.warn(f"snapped points not cached in {file.parent}: {err}", stacklevel=3)


def as_xy(xy, crs=None) -> np.ndarray:
    """(k, 2) float coordinates from an array or a GeoSeries/GeoDataFrame of points.

    Parameters
    ----------
    xy : array of shape (k, 2), or a GeoSeries/GeoDataFrame of points
        Coordinates in the network CRS, metres.
    crs : pyproj.CRS, optional
        The network's CRS: a GeoSeries in another CRS is refused.

    Returns
    -------
    numpy.ndarray of float64, shape (k, 2)

    Raises
    ------
    InputError
        Points in another CRS, geometries that are not points, or a point without
        valid coordinates.
    """
    if hasattr(xy, "geometry") or hasattr(xy, "geom_type"):
        geoms = xy.geometry if hasattr(xy, "geometry") else xy
        if geoms.crs is not None and crs is not None and not geoms.crs.equals(crs):
            raise InputError.at(f"points are in {geoms.crs.name}, the road network in "
                                f"{crs.name}: reproject them first (to_crs)")
        types = shapely.get_type_id(np.asarray(geoms.values))       # Point 0, missing -1
        if ((types != 0) & (types != -1)).any():
            raise InputError.at(f"expected points, found {sorted(set(geoms.geom_type.dropna()))}")
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
    return parts_that_count(strong_parts(u, v, n), min_part_nodes)


def parts_that_count(label: np.ndarray, min_part_nodes: int | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`main_parts` given each node's strongly connected part (:func:`strong_parts`)."""
    n = len(label)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
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
