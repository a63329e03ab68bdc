"""Access: the travel-cost questions the rules ask, answered by the engine and cached.

One :class:`Access` per region prepares a :class:`~planning.travel.engine.TravelEngine` per
travel mode on first use, snaps the region's villages once per mode, and memoises the
nearest-facility answers by (mode, weight, facility set), so rules that ask the same
question (R2's clinics, R3's primary-care facilities …) share one Dijkstra. Catchments
(:meth:`Access.catchment`) are kept per facility, so a facility set that differs from a
known one by a few facilities (a scenario edit) costs only their searches.

Costs follow the engine's snapping convention: metres for ``weight="length"``, seconds
for ``"time"`` (access legs at walking speed); ``numpy.inf`` means unreachable
(off-network, or on a road island without the facility).

Scenarios of a region ask through a :class:`ScenarioAccess` (:meth:`Access.for_scenarios`),
which shares the base's engines and caches and answers edited facility sets
incrementally.

A region without a road file gets a :class:`StraightAccess` (see :func:`access_for`): the
same questions answered by straight distance × the rulebook's detour factor, at each
mode's speed from :data:`planning.settings.STRAIGHT_SPEEDS_KMH`. Rules do not know the
difference except by :attr:`Access.straight`; every output of such a run carries
:data:`STRAIGHT_LABEL`.
"""

from __future__ import annotations

import hashlib
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from planning import settings
from planning._mapped import load_keyed, save_keyed
from planning.errors import InputError
from planning.region import Region
from planning.travel.engine import TravelEngine
from planning.travel.snapping import as_xy
from planning.travel.incremental import IncrementalNearest
from planning.travel.network import region_network
from planning.travel.surface import (BEYOND_CAP, OFF_NETWORK, STATES, WITHIN, Cells, Surface,
                                     prepare_cells, surface_of, travel_time_surface)

#: the label every output of a run without roads carries (both languages, always)
STRAIGHT_LABEL = "直线估算 / straight-line estimate"

#: how each village joined a mode's network (column ``road_snap`` of the R2/R3 layers):
#: its nearest road; a farther road of the main network past a nearer small piece of
#: network (``moved``); only a small piece within reach (``fragment``); no road within
#: the snap limit (``off_network``, unreachable by road)
SNAP_CODES = ("nearest", "moved", "fragment", "off_network")
#: a facility set differing from a known one by at most this many facilities is updated
#: incrementally (:class:`ScenarioAccess`); a larger difference is computed afresh
INCREMENTAL_MAX_OPS = 32
#: travel-time surfaces a :class:`ScenarioAccess` keeps by facility set (undo, redo)
SURFACES_KEPT = 8


def points_key(frame: gpd.GeoDataFrame) -> str:
    """A content key for a set of points: their ids and coordinates."""
    if "facility_id" not in frame:
        h = hashlib.sha1(str(len(frame)).encode())
        h.update(np.ascontiguousarray(_xy(frame)).tobytes())
        return h.hexdigest()
    return _key(*_points(frame))


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    """The points' x and y (metres, region CRS), shape (n, 2), float64 (NaN: no point)."""
    geoms = np.asarray(frame.geometry.values)
    return np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).reshape(-1, 2)


def _points(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A facility table's ``facility_id`` as text (object array) and its points' x and y
    (metres, shape (n, 2)), read once for every key and look-up a question needs."""
    ids = frame["facility_id"]
    if not isinstance(ids.dtype, pd.StringDtype):
        ids = ids.astype(str)
    return ids.to_numpy(dtype=object), _xy(frame)


def _key(ids: np.ndarray, xy: np.ndarray) -> str:
    """:func:`points_key` of facilities given by :func:`_points`."""
    h = hashlib.sha1("\x1f".join(ids.tolist()).encode())
    h.update(np.ascontiguousarray(xy).tobytes())
    return h.hexdigest()


class Access:
    """Travel costs between a region's villages and sets of facilities.

    Parameters
    ----------
    region : Region
        Villages, facilities and road networks in the region's metric CRS.

    Attributes
    ----------
    timings : dict of str to float
        Seconds spent preparing each mode (``"network walk"`` …): loading the network
        and building the engine.
    """

    #: True for a :class:`StraightAccess` (no road network: straight-line estimates)
    straight = False
    #: queries answered so far (assess sees which rules used travel costs)
    queries = 0

    def __init__(self, region: Region):
        self.region = region
        self.timings: dict[str, float] = {}
        self._engines: dict[str, TravelEngine] = {}
        self._villages: dict[str, object] = {}
        self._nearest: dict[tuple, pd.DataFrame] = {}
        #: (mode, weight, cutoff) -> the catchment's rows kept per facility
        self._rows: dict[tuple, _Catchment] = {}
        self._border: dict[tuple, np.ndarray] = {}
        self._static: dict = {}
        #: (mode, cells, cap minutes, facilities' points key) -> the surface made for them
        self._surface_memo: dict[tuple, Surface] = {}

    def configure(self, rulebook) -> None:
        """Take the rulebook's travel keys (used by :class:`StraightAccess`)."""

    def for_scenarios(self) -> Access:
        """The access for this region's scenarios: a :class:`ScenarioAccess` sharing what
        this one has prepared (a :class:`StraightAccess` is cheap and serves itself)."""
        return ScenarioAccess(self)

    def engine(self, mode: str) -> TravelEngine:
        """The prepared engine for ``mode`` (``"walk"``, ``"ebike"``, ``"drive"``)."""
        if mode not in self._engines:
            t0 = time.perf_counter()
            engine = TravelEngine.from_network(region_network(self.region, mode))
            # the region's villages and facilities snapped once (read from disk when the
            # same points were snapped to the same network before): every later snap of
            # them, for any facility set, is a look-up
            villages, facilities = self.region.villages, self.region.facilities
            points = np.concatenate([as_xy(villages.geometry, engine.net.crs),
                                     as_xy(facilities.geometry, engine.net.crs)
                                     if facilities is not None else np.zeros((0, 2))])
            self._villages[mode] = engine.snap_points(points).take(np.arange(len(villages)))
            self._engines[mode] = engine
            self.timings[f"network {mode}"] = time.perf_counter() - t0
        return self._engines[mode]

    def snapped_villages(self, mode: str):
        """The region's villages snapped to ``mode``'s network (engine ``Snapped``)."""
        self.engine(mode)
        return self._villages[mode]

    def nearest(self, mode: str, facilities: gpd.GeoDataFrame, weight: str) -> pd.DataFrame:
        """Per village, the cost to the nearest of ``facilities`` and its ``facility_id``.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``region.villages``: ``cost`` (metres or seconds, ``inf`` when
            unreachable) and ``facility_id`` (None when unreachable).
        """
        self.queries += 1
        key = (mode, weight, points_key(facilities))
        if key not in self._nearest:
            villages = self.region.villages
            out = pd.DataFrame({"cost": np.full(len(villages), np.inf),
                                "facility_id": pd.Series([None] * len(villages), dtype=object).values},
                               index=villages.index)
            if len(facilities) and len(villages):
                cost, idx = self._nearest_costs(mode, facilities, weight)
                ids = facilities["facility_id"].to_numpy(dtype=object)
                out["cost"] = cost
                out["facility_id"] = np.where(idx >= 0, ids[np.maximum(idx, 0)], None)
            self._nearest[key] = out
        return self._nearest[key]

    def _nearest_costs(self, mode: str, facilities: gpd.GeoDataFrame,
                       weight: str) -> tuple[np.ndarray, np.ndarray]:
        """Per village, the cost to the nearest facility and its position (-1: none)."""
        return self.engine(mode).nearest(self.snapped_villages(mode), facilities.geometry, weight)

    def costs(self, mode: str, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
              weight: str, cutoff: float = np.inf) -> np.ndarray:
        """Dense cost matrix origins × destinations (for small destination sets).

        Parameters
        ----------
        cutoff : float, optional
            Costs above it come back as ``inf`` (metres or seconds); a finite cutoff
            keeps the bounded searches small.

        Returns
        -------
        numpy.ndarray of float64, shape (len(origins), len(destinations))
        """
        out = np.full((len(origins), len(destinations)), np.inf)
        if len(origins) == 0 or len(destinations) == 0:
            return out
        # one search per distinct place: rules pass a destination once per origin (R7:
        # each member's own lead), and a search depends on nothing but its place
        xy = np.column_stack([destinations.geometry.x.to_numpy(float),
                              destinations.geometry.y.to_numpy(float)])
        places, which = np.unique(xy, axis=0, return_inverse=True)
        m = self.engine(mode).catchment_matrix(places, origins.geometry, cutoff, weight).tocoo()
        dense = np.full((len(origins), len(places)), np.inf)
        dense[m.col, m.row] = m.data
        return dense[:, which.reshape(-1)]

    def catchment(self, mode: str, facilities: gpd.GeoDataFrame, weight: str,
                  cutoff: float) -> sp.csr_matrix:
        """Per facility, the villages it reaches within ``cutoff`` (inclusive), sparse.

        Bounded searches of the engine (:meth:`TravelEngine.catchment_matrix`), never a
        dense matrix. Rows are kept per facility (its ``facility_id`` and position), so
        asking again for a set that differs by a few facilities searches only those.

        Parameters
        ----------
        mode : {"walk", "ebike", "drive"}
        facilities : GeoDataFrame
            Points in the region CRS with ``facility_id``.
        weight : {"length", "time"}
        cutoff : float
            Metres or seconds.

        Returns
        -------
        scipy.sparse.csr_matrix, shape (len(facilities), len(region.villages))
            Entries are exactly the pairs with cost ≤ cutoff, valued by the cost (metres
            or seconds); zero costs are explicit entries.
        """
        n = len(self.region.villages)
        if len(facilities) == 0 or n == 0:
            return sp.csr_matrix((len(facilities), n))
        ids, xy = _points(facilities)
        key = _key(ids, xy)
        kept = self._rows.setdefault((mode, weight, float(cutoff)), _Catchment())
        if kept.key == key:                      # the same set asked again (a staff edit)
            return kept.matrix
        # the rows of the last set asked are taken from its matrix (a facility_id at the
        # same place); the others from the rows kept per facility, searched for first if
        # never seen
        id_list = ids.tolist()
        get = kept.row.get
        rows = np.fromiter((get(f, -1) for f in id_list), dtype=np.int64, count=len(id_list))
        had = np.flatnonzero(rows >= 0)
        rows[had[np.any(kept.xy[rows[had]] != xy[had], axis=1)]] = -1
        new = np.flatnonzero(rows < 0).tolist()
        items = {i: (id_list[i], float(xy[i, 0]), float(xy[i, 1])) for i in new}
        missing = [i for i in new if items[i] not in kept.store]
        if missing:
            m = self.engine(mode).catchment_matrix(facilities.geometry.iloc[missing],
                                                   self.snapped_villages(mode), cutoff, weight)
            for r, i in enumerate(missing):
                lo, hi = m.indptr[r], m.indptr[r + 1]
                kept.store[items[i]] = (m.indices[lo:hi].copy(), m.data[lo:hi].copy())
        last = kept.matrix if kept.matrix is not None else sp.csr_matrix((0, n))
        if new:
            found = [kept.store[items[i]] for i in new]
            indptr = np.zeros(len(found) + 1, dtype=np.int64)
            np.cumsum([len(c) for c, _ in found], out=indptr[1:])
            more = sp.csr_matrix((np.concatenate([v for _, v in found]),
                                  np.concatenate([c for c, _ in found]), indptr),
                                 shape=(len(found), n))
            rows[new] = last.shape[0] + np.arange(len(new))
            last = sp.vstack([last, more], format="csr")
        out = last[rows]
        kept.key, kept.matrix, kept.xy = key, out, xy
        kept.row = dict(zip(id_list, range(len(id_list))))
        return out

    def surface(self, mode: str, cells: Cells, facilities: gpd.GeoDataFrame,
                cap_minutes: float | None = None) -> Surface:
        """Minutes to the nearest of ``facilities`` on ``cells`` (prepared on ``mode``'s
        engine), one multi-source search
        (:func:`planning.travel.surface.travel_time_surface`); memoised by facility set
        (R3 makes it and the map reads it again)."""
        cap = float(settings.SURFACE_CAP_MIN if cap_minutes is None else cap_minutes)
        key = (mode, id(cells), cap, points_key(facilities))
        if key not in self._surface_memo:
            if len(self._surface_memo) >= SURFACES_KEPT:
                self._surface_memo.pop(next(iter(self._surface_memo)))
            self._surface_memo[key] = travel_time_surface(self.engine(mode), cells,
                                                          facilities.geometry, cap_minutes=cap)
        return self._surface_memo[key]

    def surface_cells(self, mode: str, area, cell_m: float) -> Cells:
        """The cells of ``area`` (e.g. the townships' polygons, region CRS) on the grid of
        ``cell_m`` metres, their centres snapped to ``mode``'s network
        (:func:`planning.travel.surface.prepare_cells`); kept in :meth:`static` for every
        facility set (a scenario edit). ``area`` must be the same for one (mode, cell_m)."""
        return self.static(("surface cells", mode, float(cell_m)),
                           lambda: prepare_cells(self.engine(mode), area, cell_m=cell_m))

    def static(self, key, compute):
        """A fact about the region that scenarios never change — townships, districts,
        villages' places and townships (scenarios edit facilities and villages'
        populations and service modes only) — computed once by ``compute()`` and kept
        under ``key`` (shared with the scenarios built on this Access)."""
        if key not in self._static:
            self._static[key] = compute()
        return self._static[key]

    def border_cost(self, mode: str, weight: str) -> np.ndarray:
        """Per village, the cost to leave the region: to the nearest road node of ``mode``
        just across the region's outline (the outer end of a road segment crossing it).

        A village whose cost is within a catchment may reach facilities outside the
        region, which the data do not hold. Outline: the districts' union when the
        region has districts, else the townships' (gaps under 1 m closed).

        Returns
        -------
        numpy.ndarray of float64, shape (n_villages,)
            Metres or seconds; ``inf`` when no road crosses the outline within reach
            (for instance a network clipped at the border).
        """
        key = (mode, weight)
        if key not in self._border:
            cost = np.full(len(self.region.villages), np.inf)
            net = self.engine(mode).net
            across = self.static(("border nodes", mode), lambda: self._border_nodes(mode))
            if len(across) and len(cost):
                xy = np.column_stack([np.asarray(net.x, float)[across], np.asarray(net.y, float)[across]])
                across_sn = self.engine(mode).snap_points(xy)      # the same per region: cached
                cost, _ = self.engine(mode).nearest(self.snapped_villages(mode), across_sn, weight)
            self._border[key] = cost
        return self._border[key]

    def _border_nodes(self, mode: str) -> np.ndarray:
        """:func:`border_nodes` of ``mode``'s network and the region's outline, kept on
        disk beside the engine's cache (``….border_<key>.npz``), keyed by the network
        (:attr:`TravelEngine.fingerprint`) and the polygons the outline is drawn from."""
        engine = self.engine(mode)
        polys = outline_polygons(self.region)
        h = hashlib.sha256(f"border 1 {engine.fingerprint} {len(polys)}".encode())
        h.update(b"".join(shapely.to_wkb(polys.geometry.values)))
        key = h.hexdigest()[:24]
        file = engine.cache_path("border", key)
        kept = load_keyed(file, key) if file else None
        if kept is not None and "nodes" in kept:
            return np.asarray(kept["nodes"], dtype=np.int64)
        nodes = border_nodes(engine.net, region_outline(self.region))
        if file:
            save_keyed(file, key, "border nodes", nodes=nodes)
        return nodes

    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        """The union of the facilities' isochrones (display polygon, region CRS)."""
        if len(facilities) == 0:
            return None
        return self.engine(mode).isochrone_union(facilities.geometry, cutoff, weight,
                                                 buffer_m=buffer_m)

    def snap_table(self, mode: str) -> pd.DataFrame:
        """How each village joined ``mode``'s network.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``region.villages``: ``access_m`` (straight access leg to the
            road, metres; NaN off-network) and ``road_snap`` (one of :data:`SNAP_CODES`).
        """
        def table() -> pd.DataFrame:
            sn = self.snapped_villages(mode)
            code = np.select([sn.off_network, sn.moved, sn.on_fragment],
                             ["off_network", "moved", "fragment"], "nearest")
            return pd.DataFrame({"access_m": np.where(sn.off_network, np.nan,
                                                      np.round(sn.access_m, 1)),
                                 "road_snap": code}, index=self.region.villages.index)

        # the villages never move in a scenario: made once per mode (a shallow copy out:
        # copy-on-write keeps the kept one as it is)
        return self.static(("snap table", mode), table).copy(deep=False)

    def snap_report(self, mode: str, facilities: gpd.GeoDataFrame | None = None) -> dict:
        """Counts of how villages (and ``facilities``) joined ``mode``'s network.

        Returns
        -------
        dict
            :meth:`planning.travel.engine.TravelEngine.snap_report` of the villages, with
            ``moved_village_ids`` (every village that moved), and for ``facilities``
            ``facilities_moved`` and ``moved_facility_ids``.
        """
        engine = self.engine(mode)

        def villages() -> dict:
            sn = self.snapped_villages(mode)
            out = engine.snap_report(sn)
            out["moved_village_ids"] = self.region.villages["village_id"].to_numpy()[sn.moved].tolist()
            return out

        # the villages' part once per mode (they never move in a scenario); copies out
        out = {k: list(v) if isinstance(v, list) else v
               for k, v in self.static(("snap report", mode), villages).items()}
        if facilities is not None:
            # a facility's snapping depends on its position only: kept per position, so
            # a scenario's facility set snaps only its added or moved facilities
            known = self.static(("facility moved", mode), _Moved)
            xy = _xy(facilities)
            moved = known.get(xy)
            if moved is None:
                new = np.unique(xy[~known.has(xy)], axis=0)
                known.add(new, engine.snap(new).moved)
                moved = known.get(xy)
            ids = facilities["facility_id"].to_numpy()[moved].tolist()
            out["facilities_moved"] = len(ids)
            out["moved_facility_ids"] = ids
        return out


class StraightAccess(Access):
    """The questions of :class:`Access` answered without roads, by straight lines.

    Distance = straight distance × ``detour`` (the rulebook's ``travel.detour_factor``);
    time = that distance / the mode's speed (:data:`planning.settings.STRAIGHT_SPEEDS_KMH`).
    Nothing is unreachable. The engine itself (:meth:`engine`) does not exist: features
    that need the road graph (site suggestion) say so.

    Parameters
    ----------
    region : Region
        Villages and facilities in the region's metric CRS (metres).
    detour : float, default 1.3
        Until :meth:`configure` gives the rulebook's value.
    """

    straight = True

    def __init__(self, region: Region, detour: float = 1.3):
        super().__init__(region)
        self.detour = float(detour)
        self.queries = 0

    def configure(self, rulebook) -> None:
        detour = float(rulebook.value("travel", "detour_factor"))
        if detour != self.detour:  # the memo holds costs at the old factor
            self.detour, self._nearest = detour, {}

    def for_scenarios(self) -> StraightAccess:
        """Straight-line estimates are cheap enough to recompute for each edit: itself."""
        return self

    def bind(self, region: Region) -> StraightAccess:
        """The same estimates for a scenario's region (same villages, other facilities)."""
        return StraightAccess(region, self.detour)

    def speed_mps(self, mode: str) -> float:
        """The straight-line speed of ``mode``, metres per second."""
        return settings.STRAIGHT_SPEEDS_KMH[mode] / 3.6

    def cost(self, metres: np.ndarray, mode: str, weight: str) -> np.ndarray:
        """Straight metres -> metres (``weight="length"``) or seconds (``"time"``)."""
        metres = np.asarray(metres, dtype=float) * self.detour
        return metres if weight == "length" else metres / self.speed_mps(mode)

    def engine(self, mode: str) -> TravelEngine:
        raise InputError.of("in.straight_no_engine", layer="roads")

    def snapped_villages(self, mode: str):
        raise InputError.of("in.straight_no_engine", layer="roads")

    def _nearest_costs(self, mode: str, facilities: gpd.GeoDataFrame,
                       weight: str) -> tuple[np.ndarray, np.ndarray]:
        from scipy.spatial import cKDTree

        villages = self.region.villages
        tree = cKDTree(np.column_stack([facilities.geometry.x, facilities.geometry.y]))
        d, j = tree.query(np.column_stack([villages.geometry.x, villages.geometry.y]))
        return self.cost(d, mode, weight), j

    def costs(self, mode: str, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
              weight: str, cutoff: float = np.inf) -> np.ndarray:
        from scipy.spatial.distance import cdist

        self.queries += 1
        if len(origins) == 0 or len(destinations) == 0:
            return np.full((len(origins), len(destinations)), np.inf)
        d = cdist(np.column_stack([origins.geometry.x, origins.geometry.y]),
                  np.column_stack([destinations.geometry.x, destinations.geometry.y]))
        out = self.cost(d, mode, weight)
        out[out > cutoff] = np.inf
        return out

    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        """The union of discs the cutoff reaches (``buffer_m`` is for road isochrones)."""
        self.queries += 1
        if len(facilities) == 0:
            return None
        reach = cutoff / self.detour if weight == "length" else \
            cutoff * self.speed_mps(mode) / self.detour
        return shapely.union_all(shapely.buffer(facilities.geometry.values, reach, quad_segs=16))

    def snap_table(self, mode: str) -> pd.DataFrame:
        """No roads, no access legs: ``access_m`` NaN and ``road_snap`` None for every village."""
        return pd.DataFrame({"access_m": np.nan, "road_snap": None},
                            index=self.region.villages.index)

    def snap_report(self, mode: str, facilities: gpd.GeoDataFrame | None = None) -> dict:
        """No roads: nothing snapped."""
        return {}

    def catchment(self, mode: str, facilities: gpd.GeoDataFrame, weight: str,
                  cutoff: float) -> sp.csr_matrix:
        """:meth:`Access.catchment` by straight distance × detour (pairs with cost ≤ cutoff)."""
        from scipy.spatial import cKDTree

        self.queries += 1
        n = len(self.region.villages)
        if len(facilities) == 0 or n == 0:
            return sp.csr_matrix((len(facilities), n))
        reach = float(cutoff) / self.detour if weight == "length" else \
            float(cutoff) * self.speed_mps(mode) / self.detour
        fac = cKDTree(np.column_stack([facilities.geometry.x, facilities.geometry.y]))
        vil = cKDTree(np.column_stack([self.region.villages.geometry.x,
                                       self.region.villages.geometry.y]))
        pairs = fac.sparse_distance_matrix(vil, reach, output_type="ndarray")  # zeros kept
        cost = self.cost(pairs["v"], mode, weight)
        ok = cost <= cutoff
        return sp.csr_matrix((cost[ok], (pairs["i"][ok], pairs["j"][ok])),
                             shape=(len(facilities), n))

    def border_cost(self, mode: str, weight: str) -> np.ndarray:
        """:meth:`Access.border_cost` by straight distance × detour to the region's outline."""
        d = shapely.distance(self.region.villages.geometry.values,
                             region_outline(self.region).boundary)
        return self.cost(np.asarray(d, dtype=float), mode, weight)


def outline_polygons(region) -> gpd.GeoDataFrame:
    """The polygons :func:`region_outline` joins: the districts when the region has
    districts, else the townships."""
    return region.districts if region.districts is not None and len(region.districts) \
        else region.townships


def region_outline(region) -> shapely.Geometry:
    """The region's outline: the districts' union when it has districts, else the
    townships' (gaps under 1 m closed); region CRS, metres."""
    return shapely.union_all(shapely.buffer(outline_polygons(region).geometry.values, 1.0)
                             ).buffer(-1.0)


def border_nodes(net, outline: shapely.Geometry) -> np.ndarray:
    """Nodes of ``net`` just across ``outline``: the outer end of every road segment that
    crosses it (indices into the network's nodes, ascending)."""
    inside = shapely.intersects_xy(outline, np.asarray(net.x, float), np.asarray(net.y, float))
    u, v = np.asarray(net.u), np.asarray(net.v)
    return np.unique(np.concatenate([v[inside[u] & ~inside[v]], u[~inside[u] & inside[v]]]))


class ScenarioAccess(Access):
    """An :class:`Access` for the scenario regions of one base region.

    A scenario edits facilities and villages' populations and service modes, never the
    villages' positions or the roads, so this shares the base's engines, snapped
    villages, memo, catchments and static facts, and answers a new facility set from
    the nearest known one:

    * nearest-facility costs through an
      :class:`~planning.travel.incremental.IncrementalNearest` per facility set, synced by
      add / move / close (a set more than :data:`INCREMENTAL_MAX_OPS` facilities away
      from every known one gets a fresh table), and memoised by facility set (undo is a
      cache hit);
    * the display coverage polygon by set algebra on single-facility isochrones (union
      of the added ones; the removed one's isochrone cut out and its neighbours' added
      back), exact up to floating-point noise.

    Parameters
    ----------
    base : Access
        The base region's travel costs (by road).
    """

    def __init__(self, base: Access):
        super().__init__(base.region)
        self._engines, self._villages, self._nearest = base._engines, base._villages, base._nearest
        # catchments kept per facility, and what scenarios never change
        self._rows, self._border, self._static = base._rows, base._border, base._static
        self.timings = base.timings
        self._base = base
        self._slots: dict[tuple, list[_Slot]] = {}
        self._unions: dict[tuple, dict[tuple, object]] = {}
        self._isos: dict[tuple, object] = {}
        self._surfaces: dict[tuple, Surface] = {}

    def engine(self, mode: str):
        return self._base.engine(mode)

    def snapped_villages(self, mode: str):
        return self._base.snapped_villages(mode)

    def bind(self, region: Region) -> ScenarioAccess:
        """Answer for ``region`` (a scenario of the base: same villages, same places)."""
        self.region = region
        return self

    # -- nearest, incrementally
    def nearest(self, mode: str, facilities: gpd.GeoDataFrame, weight: str) -> pd.DataFrame:
        if len(facilities) == 0 or len(self.region.villages) == 0:
            return super().nearest(mode, facilities, weight)
        ids, xy = _points(facilities)
        key = (mode, weight, _key(ids, xy))
        if key in self._nearest:
            self.queries += 1
            return self._nearest[key]
        if len(set(ids.tolist())) < len(ids):         # an id twice: no slot can follow it
            return super().nearest(mode, facilities, weight)
        self.queries += 1
        best, row = self._synced((mode, weight), ids, xy,
                                 lambda: _Slot(self.engine(mode), self.snapped_villages(mode),
                                               facilities, weight))
        nid = best.acc.nearest_id
        at = np.where(nid >= 0, row[np.maximum(nid, 0)], -1)
        column = facilities["facility_id"]
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is np.nan:
            named = column.array.take(at, allow_fill=True)     # text as it is (no conversion)
        else:
            named = np.where(at >= 0, ids[at], None)
        out = pd.DataFrame({"cost": best.acc.nearest_cost.copy(), "facility_id": named},
                           index=self.region.villages.index)
        self._nearest[key] = out
        return out

    def _synced(self, key: tuple, ids: np.ndarray, xy: np.ndarray, new) -> tuple[_Slot, np.ndarray]:
        """The slot under ``key`` nearest to the facilities ``ids`` at ``xy`` (see
        :func:`_points`), synced to them (a new one, ``new()``, when every kept one is more
        than :data:`INCREMENTAL_MAX_OPS` edits away), and its engine id -> row of the
        facilities map (-1: closed, the last entry -1)."""
        slots = self._slots.setdefault(key, [])
        points = _key(ids, xy)
        for s in slots:                          # synced to these facilities already
            if s.synced is not None and s.synced[0] == points:
                return s, s.synced[1]
        diffs = [s.diff(ids, xy) for s in slots]
        sizes = [d.size for d in diffs]
        if not sizes or min(sizes) > INCREMENTAL_MAX_OPS:
            best = new()
            slots.append(best)
            engine_ids = np.arange(len(ids))
        else:
            i = sizes.index(min(sizes))
            best, engine_ids = slots[i], slots[i].sync(diffs[i], ids, xy)
        row = np.full(len(best.ids) + 1, -1, dtype=np.int64)
        row[engine_ids] = np.arange(len(ids))
        best.synced = (points, row)
        return best, row

    # -- travel-time surface, incrementally
    def surface(self, mode: str, cells: Cells, facilities: gpd.GeoDataFrame,
                cap_minutes: float | None = None) -> Surface:
        """As :meth:`Access.surface`, with the cells' costs kept by an
        :class:`~planning.travel.incremental.IncrementalNearest` synced edit by edit
        (an added facility searches only where it improves a junction, a closed one
        re-solves only the junctions it was nearest to, and only the cells on links
        those junctions end are re-read and redrawn); memoised by facility set."""
        if len(facilities) == 0:
            return super().surface(mode, cells, facilities, cap_minutes)
        ids, xy = _points(facilities)
        if len(set(ids.tolist())) < len(ids):
            return super().surface(mode, cells, facilities, cap_minutes)
        cap = float(settings.SURFACE_CAP_MIN if cap_minutes is None else cap_minutes)
        key = (mode, id(cells), cap, _key(ids, xy))
        if key in self._surfaces:
            return self._surfaces[key]
        # the slot of the villages' nearest facility by time: the same facilities and
        # node table, so one search per edit serves the villages and the cells
        best, row = self._synced((mode, "time"), ids, xy,
                                 lambda: _Slot(self.engine(mode), self.snapped_villages(mode),
                                               facilities, "time"))
        to_row = row[:-1]                                 # engine id -> row of facilities
        acc = best.follow(cells)
        last = best.surfaces.get((id(cells), cap))
        if last is None:
            nid = acc.nearest_id
            fac = np.where(nid >= 0, to_row[np.maximum(nid, 0)], -1)
            out = _EditedSurface.made(surface_of(cells, acc.nearest_cost, fac,
                                                 self.engine(mode).net.mode, cap_minutes=cap))
        else:  # the last surface of these cells, patched where the edits since re-read cells
            changed = acc.changes[last[1]:]
            changed = np.unique(np.concatenate(changed)) if changed else np.zeros(0, np.int64)
            nid = acc.nearest_id[changed]
            out = last[0].edited(cells, changed, acc.nearest_cost[changed],
                                 np.where(nid >= 0, to_row[np.maximum(nid, 0)], -1),
                                 _renumbering(last[2], to_row))
        best.surfaces[(id(cells), cap)] = (out, len(acc.changes), to_row)
        if len(self._surfaces) >= SURFACES_KEPT:
            self._surfaces.pop(next(iter(self._surfaces)))
        self._surfaces[key] = out
        return out

    # -- display union, incrementally
    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        if len(facilities) == 0:
            return None
        ukey = (mode, float(cutoff), weight, float(buffer_m))
        known = self._unions.setdefault(ukey, {})
        want = frozenset(_items(facilities).items())
        if want in known:
            return known[want]
        best = min(known, key=lambda s: len(s ^ want), default=None)
        if best is None or len(best ^ want) > INCREMENTAL_MAX_OPS:
            poly = self._base.coverage_union(mode, facilities, cutoff, weight, buffer_m)
        else:
            poly = self._union_from(known[best], best, want, ukey)
        known[want] = poly
        return poly

    def _iso(self, ukey: tuple, xy: tuple[float, float]):
        k = (ukey, xy)
        if k not in self._isos:
            mode, cutoff, weight, buffer_m = ukey
            self._isos[k] = self.engine(mode).isochrones(np.array([xy]), cutoff, weight,
                                                         buffer_m=buffer_m)[0]
        return self._isos[k]

    def _union_from(self, poly, have: frozenset, want: frozenset, ukey: tuple):
        """Union of the isochrones of ``want`` from that of ``have`` (set algebra)."""
        removed = [xy for _, xy in have - want]
        added = [xy for _, xy in want - have]
        kept = np.array([xy for _, xy in have & want]).reshape(-1, 2)
        parts = [self._iso(ukey, xy) for xy in added]
        if removed:
            cut = shapely.union_all([self._iso(ukey, xy) for xy in removed])
            poly = shapely.difference(poly, cut)
            reach = 2.0 * self._reach(ukey)
            for xy in removed:  # neighbours whose isochrones may overlap the removed one
                near = kept[np.hypot(*(kept - np.asarray(xy)).T) <= reach]
                parts += [self._iso(ukey, tuple(p)) for p in map(tuple, near)]
        return shapely.union_all([poly, *parts]) if parts else poly

    def _reach(self, ukey: tuple) -> float:
        """A straight-line bound on how far an isochrone reaches, metres."""
        mode, cutoff, weight, buffer_m = ukey
        if weight == "length":
            return cutoff + buffer_m
        net = self.engine(mode).net
        t = np.asarray(net.time_s, float)
        speed = np.max(np.asarray(net.length_m, float)[t > 0] / t[t > 0], initial=0.0)
        walk = self.engine(mode).walk_speed_kmh / 3.6
        return cutoff * max(speed, walk) + buffer_m


#: edits a kept surface stays a patch of its predecessor before its grids are made
#: (a copy of the grids then, at most once per this many clicks)
SURFACE_PATCHES_KEPT = 16


class _EditedSurface(Surface):
    """A :class:`~planning.travel.surface.Surface` kept as its predecessor plus the cells
    an edit rewrote (what a scenario's slot hands out, edit after edit).

    A what-if click reads only R3's cell counts (:meth:`counts`, :meth:`area_within_km2`):
    they follow from the predecessor's counts and the rewritten cells, without touching
    the grids. The grids (``minutes``, ``facility``, ``state``) are made on first read
    (a map, an export): a copy of the nearest predecessor's that are made, with the
    patches since applied in order. The chain is at most :data:`SURFACE_PATCHES_KEPT`
    patches long."""

    def __init__(self, grid, cap_minutes: float, mode: str, arrays=None, parent=None,
                 patch=None, renumber=None):
        for name, value in (("grid", grid), ("cap_minutes", cap_minutes), ("mode", mode)):
            object.__setattr__(self, name, value)          # Surface is a frozen dataclass
        self._arrays, self._parent, self._patch, self._renumber = arrays, parent, patch, renumber
        self._n_states: np.ndarray | None = None
        self._n_within: dict[float, int] = {}

    @classmethod
    def made(cls, s: Surface) -> _EditedSurface:
        """``s`` itself (its grids made)."""
        return cls(s.grid, s.cap_minutes, s.mode, arrays=(s.minutes, s.facility, s.state))

    def edited(self, cells: Cells, changed: np.ndarray, seconds: np.ndarray,
               facility_index: np.ndarray, renumber: np.ndarray | None) -> _EditedSurface:
        """This surface with the cells ``changed`` (indices into ``cells``) rewritten from
        their new ``seconds`` and ``facility_index`` (rows of the facilities now); the
        other cells' facility rows mapped by ``renumber`` (row then -> row now, None:
        unchanged; a closed facility's followers move up a row)."""
        if self._depth() >= SURFACE_PATCHES_KEPT:
            self._grids()
        cap = self.cap_minutes
        m = seconds / 60.0
        ok = m <= cap                                   # False for inf (unreachable)
        off = cells.snapped.off_network[changed]
        flat = cells.rows[changed] * self.grid.shape[1] + cells.cols[changed]
        order = np.argsort(flat)
        patch = (flat[order], np.where(ok, m, np.nan).astype(np.float32)[order],
                 np.where(ok, facility_index, -1).astype(np.int32)[order],
                 np.where(off, OFF_NETWORK, np.where(ok, WITHIN, BEYOND_CAP)).astype(np.uint8)[order])
        return _EditedSurface(self.grid, cap, self.mode, parent=self, patch=patch,
                              renumber=renumber)

    # -- the grids, made on first read
    @property
    def minutes(self) -> np.ndarray:
        return self._grids()[0]

    @property
    def facility(self) -> np.ndarray:
        return self._grids()[1]

    @property
    def state(self) -> np.ndarray:
        return self._grids()[2]

    def _depth(self) -> int:
        depth, node = 0, self
        while node._arrays is None:
            depth, node = depth + 1, node._parent
        return depth

    def _grids(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            chain, node = [], self
            while node._arrays is None:
                chain.append(node)
                node = node._parent
            minutes, facility, state = (a.copy() for a in node._arrays)
            for node in reversed(chain):
                if node._renumber is not None:
                    facility = node._renumber[facility]     # -1 reads the last entry, -1
                flat, m, f, s = node._patch
                minutes.reshape(-1)[flat], facility.reshape(-1)[flat] = m, f
                state.reshape(-1)[flat] = s
            self._arrays, self._parent = (minutes, facility, state), None
        return self._arrays

    # -- counts, from the predecessor's and the patch
    def _at(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and state of the cells ``flat`` (flat grid indices)."""
        minutes, state = np.empty(len(flat), np.float32), np.empty(len(flat), np.uint8)
        todo, node = np.arange(len(flat)), self
        while len(todo):
            if node._arrays is not None:
                minutes[todo] = node._arrays[0].reshape(-1)[flat[todo]]
                state[todo] = node._arrays[2].reshape(-1)[flat[todo]]
                break
            pf, pm, _, ps = node._patch
            if len(pf):
                pos = np.minimum(np.searchsorted(pf, flat[todo]), len(pf) - 1)
                hit = pf[pos] == flat[todo]
                minutes[todo[hit]], state[todo[hit]] = pm[pos[hit]], ps[pos[hit]]
                todo = todo[~hit]
            node = node._parent
        return minutes, state

    def _state_counts(self) -> np.ndarray:
        if self._n_states is None:
            n = len(STATES)
            if self._arrays is not None:
                self._n_states = np.bincount(self._arrays[2].reshape(-1), minlength=n)
            else:
                flat, _, _, state = self._patch
                before = self._parent._at(flat)[1]
                self._n_states = (self._parent._state_counts() - np.bincount(before, minlength=n)
                                  + np.bincount(state, minlength=n))
        return self._n_states

    def _within(self, minutes: float) -> int:
        minutes = float(minutes)
        if minutes not in self._n_within:
            if self._arrays is not None:
                n = int(np.count_nonzero(self._arrays[0] <= minutes))
            else:
                flat, now, _, _ = self._patch
                before = self._parent._at(flat)[0]
                n = (self._parent._within(minutes) - int(np.count_nonzero(before <= minutes))
                     + int(np.count_nonzero(now <= minutes)))
            self._n_within[minutes] = n
        return self._n_within[minutes]

    def counts(self) -> dict[str, int]:
        n = self._state_counts()
        return {name: int(n[i]) for i, name in enumerate(STATES)}

    def area_within_km2(self, minutes: float) -> float:
        return self._within(minutes) * self.grid.cell_m ** 2 / 1e6

    def __reduce__(self):  # pickled as the plain surface it is
        return (Surface, (self.grid, self.minutes, self.facility, self.state, self.cap_minutes,
                          self.mode))


def _renumbering(last_rows: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    """Facility row then -> row now, from the engine-id -> row maps then (``last_rows``)
    and now (``rows``); None when no row moved. Its last entry is -1 (no facility)."""
    n = len(last_rows)
    if np.array_equal(rows[:n], last_rows):
        return None
    renumber = np.full(max(int(last_rows.max(initial=-1)), 0) + 2, -1, dtype=np.int32)
    renumber[last_rows[last_rows >= 0]] = rows[:n][last_rows >= 0]
    return renumber


def _items(facilities: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """facility_id -> (x, y) metres (read as :func:`_points` reads them)."""
    ids, xy = _points(facilities)
    return dict(zip(ids.tolist(), map(tuple, xy.tolist())))


class _Moved:
    """Whether a facility at a place moved past a small piece of network when snapped,
    kept per place (x, y metres; sorted, looked up by binary search)."""

    def __init__(self):
        self._places = np.zeros(0, dtype=complex)      # x + iy, ascending
        self._moved = np.zeros(0, dtype=bool)

    def _find(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q = xy[:, 0] + 1j * xy[:, 1]
        at = np.minimum(np.searchsorted(self._places, q), max(len(self._places) - 1, 0))
        hit = self._places[at] == q if len(self._places) else np.zeros(len(q), dtype=bool)
        return at, hit

    def has(self, xy: np.ndarray) -> np.ndarray:
        """Per place of ``xy`` (shape (n, 2)), whether it is kept."""
        return self._find(xy)[1]

    def get(self, xy: np.ndarray) -> np.ndarray | None:
        """Per place, whether it moved; None when a place is not kept."""
        at, hit = self._find(xy)
        return self._moved[at] if hit.all() else None

    def add(self, xy: np.ndarray, moved: np.ndarray) -> None:
        """Keep the places ``xy`` (new ones, distinct) and whether each moved."""
        places = np.concatenate([self._places, xy[:, 0] + 1j * xy[:, 1]])
        order = np.argsort(places, kind="stable")
        self._places = places[order]
        self._moved = np.concatenate([self._moved, np.asarray(moved, dtype=bool)])[order]


class _Catchment:
    """One catchment's rows kept per facility, and the last facility set assembled.

    Attributes
    ----------
    store : dict
        ``(facility_id, x, y)`` -> (village indices, costs) of the facility's row.
    key : str or None
        :func:`points_key` of the last set asked.
    matrix : scipy.sparse.csr_matrix or None
        Its matrix.
    row : dict
        ``facility_id`` -> its row in ``matrix`` (the last, for an id given twice).
    xy : numpy.ndarray, shape (n, 2)
        Per row of ``matrix``, the facility's place (metres).
    """

    def __init__(self):
        self.store: dict = {}
        self.key: str | None = None
        self.matrix: sp.csr_matrix | None = None
        self.row: dict = {}
        self.xy = np.zeros((0, 2))


class _Diff:
    """What turns a slot's open facilities into a wanted set (see :meth:`_Slot.diff`).

    Attributes
    ----------
    engine_ids : numpy.ndarray of int64
        Per wanted facility, the slot's engine id of the same facility_id (-1: none open).
    closed : numpy.ndarray of int64
        Engine ids open in the slot and not wanted, ascending.
    edits : numpy.ndarray of int64
        Rows of the wanted set to add (no engine id) or move (another place), ascending.
    """

    def __init__(self, engine_ids: np.ndarray, closed: np.ndarray, edits: np.ndarray):
        self.engine_ids, self.closed, self.edits = engine_ids, closed, edits

    @property
    def size(self) -> int:
        """Facilities to close, add or move."""
        return len(self.closed) + len(self.edits)


class _Slot:
    """An :class:`IncrementalNearest` kept in step with one changing facility set.

    Attributes
    ----------
    acc : IncrementalNearest
    ids : list of str
        Engine id -> facility_id (closed ones too).
    surfaces : dict
        (id(cells), cap) -> (the last surface drawn of these cells, ``len(changes)`` of
        their :meth:`follow`-ed answers then, its engine id -> facilities' row).
    """

    def __init__(self, engine: TravelEngine, origins, facilities: gpd.GeoDataFrame, weight: str):
        ids, xy = _points(facilities)
        self.acc = IncrementalNearest(engine, origins, xy.reshape(-1, 2), weight=weight)
        self.ids = ids.tolist()
        self._engine_id = {fid: i for i, fid in enumerate(self.ids)}   # open ones only
        self._xy = xy.copy()                        # engine id -> place (x, y), metres
        self._open = np.ones(len(ids), dtype=bool)  # engine id -> open
        self.surfaces: dict = {}
        self._followed: dict = {}
        #: (points key, engine id -> row) of the facilities last synced to
        self.synced: tuple[str, np.ndarray] | None = None

    def follow(self, cells: Cells):
        """The answers of a surface's ``cells`` kept beside the slot's own
        (:meth:`IncrementalNearest.follow`)."""
        kept = self._followed.get(id(cells))
        if kept is None or kept[0] is not cells:
            kept = self._followed[id(cells)] = (cells, self.acc.follow(cells.snapped))
        return kept[1]

    def diff(self, ids: np.ndarray, xy: np.ndarray) -> _Diff:
        """What turns the open facilities into ``ids`` at ``xy`` (:func:`_points`)."""
        get = self._engine_id.get
        engine_ids = np.fromiter((get(f, -1) for f in ids.tolist()), dtype=np.int64, count=len(ids))
        have = engine_ids >= 0
        moved = np.zeros(len(ids), dtype=bool)
        moved[have] = np.any(self._xy[engine_ids[have]] != xy[have], axis=1)
        kept = np.zeros(len(self._open), dtype=bool)
        kept[engine_ids[have]] = True
        return _Diff(engine_ids, np.flatnonzero(self._open & ~kept), np.flatnonzero(~have | moved))

    def sync(self, diff: _Diff, ids: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Close, add and move as ``diff`` says (closes first, then the rows in order);
        returns the engine id of every wanted facility."""
        for e in diff.closed.tolist():
            self.acc.close(e)
            self._open[e] = False
            del self._engine_id[self.ids[e]]
        engine_ids = diff.engine_ids.copy()
        for r in diff.edits.tolist():
            place = (float(xy[r, 0]), float(xy[r, 1]))
            e = int(engine_ids[r])
            if e < 0:
                e = engine_ids[r] = self.acc.add(place)
                self.ids.append(ids[r])
                self._engine_id[ids[r]] = e
                self._xy = np.vstack([self._xy, [place]])
                self._open = np.append(self._open, True)
            else:
                self.acc.move(e, place)
                self._xy[e] = place
        return engine_ids


def access_for(region: Region) -> Access:
    """The travel layer for a region: along its roads, or by straight-line estimate when
    it has no road file (and no network already loaded).

    Parameters
    ----------
    region : Region
        Layers in the region's metric CRS, with ``roads_path`` or loaded ``networks``.

    Returns
    -------
    Access
        An :class:`Access`, or a :class:`StraightAccess` without roads.
    """
    if region.roads_path is None and not region.networks:
        return StraightAccess(region)
    return Access(region)
