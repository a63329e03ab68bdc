"""Access: the travel-cost questions the rules ask, answered by the engine and cached.

One :class:`Access` per region prepares a :class:`~planning.engine.TravelEngine` per
travel mode on first use, snaps the region's villages once per mode, and memoises the
nearest-facility answers by (mode, weight, facility set), so rules that ask the same
question (R2's clinics, R3's primary-care facilities …) share one Dijkstra.

Costs follow the engine's snapping convention: metres for ``weight="length"``, seconds
for ``"time"`` (access legs at walking speed); ``numpy.inf`` means unreachable
(off-network, or on a road island without the facility).

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
import shapely

from planning import settings
from planning.engine import TravelEngine
from planning.errors import InputError

#: the label every output of a run without roads carries (both languages, always)
STRAIGHT_LABEL = "直线估算 / straight-line estimate"


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

    #: True for a :class:`StraightAccess` (no road network: straight-line estimates)
    straight = False
    #: queries answered so far (assess sees which rules used travel costs)
    queries = 0

    def __init__(self, region):
        self.region = region
        self.timings: dict[str, float] = {}
        self._engines: dict[str, TravelEngine] = {}
        self._villages: dict[str, object] = {}
        self._nearest: dict[tuple, pd.DataFrame] = {}

    def configure(self, rulebook) -> None:
        """Take the rulebook's travel keys (used by :class:`StraightAccess`)."""

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
        m = self.engine(mode).catchment_matrix(destinations.geometry, origins.geometry,
                                               cutoff, weight).tocoo()
        out[m.col, m.row] = m.data
        return out

    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        """The union of the facilities' isochrones (display polygon, region CRS)."""
        if len(facilities) == 0:
            return None
        return self.engine(mode).isochrone_union(facilities.geometry, cutoff, weight,
                                                 buffer_m=buffer_m)


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

    def __init__(self, region, detour: float = 1.3):
        super().__init__(region)
        self.detour = float(detour)
        self.queries = 0

    def configure(self, rulebook) -> None:
        detour = float(rulebook.value("travel", "detour_factor"))
        if detour != self.detour:  # the memo holds costs at the old factor
            self.detour, self._nearest = detour, {}

    def bind(self, region) -> "StraightAccess":
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


def access_for(region) -> Access:
    """The travel layer for a region: along its roads, or by straight-line estimate when
    it has no road file (and no network already loaded)."""
    if region.roads_path is None and not region._networks:
        return StraightAccess(region)
    return Access(region)
