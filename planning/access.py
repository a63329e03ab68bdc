"""Access: the travel-cost questions the rules ask, answered by the engine and cached.

One :class:`Access` per region prepares a :class:`~planning.engine.TravelEngine` per
travel mode on first use, snaps the region's villages once per mode, and memoises the
nearest-facility answers by (mode, weight, facility set), so rules that ask the same
question (R2's clinics, R3's primary-care facilities …) share one Dijkstra. Catchments
(:meth:`Access.catchment`) are kept per facility, so a facility set that differs from a
known one by a few facilities (a scenario edit) costs only their searches.

Costs follow the engine's snapping convention: metres for ``weight="length"``, seconds
for ``"time"`` (access legs at walking speed); ``numpy.inf`` means unreachable
(off-network, or on a road island without the facility).
"""

from __future__ import annotations

import hashlib
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from planning.engine import TravelEngine

#: how each village joined a mode's network (column ``road_snap`` of the R2/R3 layers):
#: its nearest road; a farther road of the main network past a nearer small piece of
#: network (``moved``); only a small piece within reach (``fragment``); no road within
#: the snap limit (``off_network``, unreachable by road)
SNAP_CODES = ("nearest", "moved", "fragment", "off_network")


def points_key(frame: gpd.GeoDataFrame) -> str:
    """A content key for a set of points: their ids and coordinates."""
    h = hashlib.sha1()
    h.update("\x1f".join(frame["facility_id"].astype(str)).encode() if "facility_id" in frame
             else str(len(frame)).encode())
    h.update(np.ascontiguousarray(np.column_stack([frame.geometry.x, frame.geometry.y])).tobytes())
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

    def __init__(self, region):
        self.region = region
        self.timings: dict[str, float] = {}
        self._engines: dict[str, TravelEngine] = {}
        self._villages: dict[str, object] = {}
        self._nearest: dict[tuple, pd.DataFrame] = {}
        #: (mode, weight, cutoff) -> {(facility_id, x, y): (village indices, costs)}, and
        #: (mode, weight, cutoff, points key) -> the last matrix assembled from them
        self._rows: dict[tuple, object] = {}
        self._border: dict[tuple, np.ndarray] = {}
        self._static: dict = {}

    def engine(self, mode: str) -> TravelEngine:
        """The prepared engine for ``mode`` (``"walk"``, ``"ebike"``, ``"drive"``)."""
        if mode not in self._engines:
            t0 = time.perf_counter()
            self._engines[mode] = TravelEngine.from_network(self.region.network(mode))
            self._villages[mode] = self._engines[mode].snap(self.region.villages.geometry)
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
        key = (mode, weight, points_key(facilities))
        if key not in self._nearest:
            villages = self.region.villages
            out = pd.DataFrame({"cost": np.full(len(villages), np.inf),
                                "facility_id": pd.Series([None] * len(villages), dtype=object).values},
                               index=villages.index)
            if len(facilities) and len(villages):
                engine = self.engine(mode)
                cost, idx = engine.nearest(self.snapped_villages(mode), facilities.geometry, weight)
                ids = facilities["facility_id"].to_numpy(dtype=object)
                out["cost"] = cost
                out["facility_id"] = np.where(idx >= 0, ids[np.maximum(idx, 0)], None)
            self._nearest[key] = out
        return self._nearest[key]

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
        m = self.engine(mode).catchment_matrix(destinations.geometry, origins.geometry,
                                               cutoff, weight).tocoo()
        out[m.col, m.row] = m.data
        return out

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
        whole = (mode, weight, float(cutoff), points_key(facilities))
        if whole in self._rows:                  # the same set asked again (a staff edit)
            return self._rows[whole]
        store = self._rows.setdefault((mode, weight, float(cutoff)), {})
        items = list(zip(facilities["facility_id"].astype(str),
                         facilities.geometry.x.astype(float), facilities.geometry.y.astype(float)))
        missing = [i for i, item in enumerate(items) if item not in store]
        if missing:
            m = self.engine(mode).catchment_matrix(facilities.geometry.iloc[missing],
                                                   self.snapped_villages(mode), cutoff, weight)
            for r, i in enumerate(missing):
                lo, hi = m.indptr[r], m.indptr[r + 1]
                store[items[i]] = (m.indices[lo:hi].copy(), m.data[lo:hi].copy())
        rows = [store[item] for item in items]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(c) for c, _ in rows], out=indptr[1:])
        out = sp.csr_matrix((np.concatenate([v for _, v in rows]),
                             np.concatenate([c for c, _ in rows]), indptr), shape=(len(rows), n))
        for key in [k for k in self._rows if len(k) == 4 and k[:3] == whole[:3]]:
            del self._rows[key]                  # keep the last set per catchment only
        self._rows[whole] = out
        return out

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
            polys = self.region.districts if self.region.districts is not None \
                and len(self.region.districts) else self.region.townships
            outline = shapely.union_all(shapely.buffer(polys.geometry.values, 1.0)).buffer(-1.0)
            inside = shapely.intersects_xy(outline, np.asarray(net.x, float), np.asarray(net.y, float))
            u, v = np.asarray(net.u), np.asarray(net.v)
            across = np.unique(np.concatenate([v[inside[u] & ~inside[v]], u[~inside[u] & inside[v]]]))
            if len(across) and len(cost):
                xy = np.column_stack([np.asarray(net.x, float)[across], np.asarray(net.y, float)[across]])
                cost, _ = self.engine(mode).nearest(self.snapped_villages(mode), xy, weight)
            self._border[key] = cost
        return self._border[key]

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
        sn = self.snapped_villages(mode)
        code = np.select([sn.off_network, sn.moved, sn.on_fragment],
                         ["off_network", "moved", "fragment"], "nearest")
        return pd.DataFrame({"access_m": np.where(sn.off_network, np.nan, np.round(sn.access_m, 1)),
                             "road_snap": code}, index=self.region.villages.index)

    def snap_report(self, mode: str, facilities: gpd.GeoDataFrame | None = None) -> dict:
        """Counts of how villages (and ``facilities``) joined ``mode``'s network.

        Returns
        -------
        dict
            :meth:`planning.engine.TravelEngine.snap_report` of the villages, with
            ``moved_village_ids`` (every village that moved), and for ``facilities``
            ``facilities_moved`` and ``moved_facility_ids``.
        """
        engine = self.engine(mode)
        sn = self.snapped_villages(mode)
        out = engine.snap_report(sn)
        out["moved_village_ids"] = self.region.villages["village_id"].to_numpy()[sn.moved].tolist()
        if facilities is not None:
            sf = engine.snap(facilities.geometry) if len(facilities) else None
            ids = facilities["facility_id"].to_numpy()[sf.moved].tolist() if sf is not None else []
            out["facilities_moved"] = len(ids)
            out["moved_facility_ids"] = ids
        return out
