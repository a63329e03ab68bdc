"""A region: its validated layers in one metric CRS, where they came from, and its roads.

A :class:`Region` is what :mod:`planning.inputs.assemble` builds from planners' files and what the
travel-time engine and the rules read. Its layers are GeoDataFrames in the region's
metric CRS (the UTM zone of its centre), analysis-ready: every column of
:data:`planning.schema.LAYERS` is present (missing values as NaN/None), ids are text,
kinds are enum values (``"township_health_centre"``), and each row carries ``origin``
(``"<file>:<row>"``) and ``source``. Display and export use :meth:`Region.to_wgs84`.

The region names its road file (``roads_path``); the travel package loads the networks
(:func:`planning.travel.network.region_network`) and keeps them in ``networks``, so
loading data never reaches into routing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planning.crs import WGS84
from planning.errors import Problem


#: the layers a region may hold, in display order
LAYER_NAMES = ("districts", "townships", "villages", "facilities")


@dataclass(eq=False)
class Region:
    """A planning region: validated layers in a metric CRS, plus provenance.

    Attributes
    ----------
    name : str
        Display name (e.g. ``"宝坻区"``).
    crs : pyproj.CRS
        The metric CRS of every layer (UTM zone of the townships' centroid; metres).
    townships, villages, facilities : geopandas.GeoDataFrame
        Polygons, points, points in ``crs``; columns per :data:`planning.schema.LAYERS`
        plus ``origin``.
    districts : geopandas.GeoDataFrame or None
        Optional district polygons in ``crs``.
    problems : list of Problem
        Everything the loader noticed (rows set aside, repairs, inferences).
    sources : dict of str to str
        Layer name -> the file it was read from.
    roads_path : pathlib.Path or None
        The OSM file of the road network (``.osm``, ``.osm.bz2``, ``.osm.pbf``).
    networks : dict of str to RoadNetwork
        Road networks by mode once :func:`planning.travel.network.region_network` has
        loaded them (in ``crs``); shared by copies.
    """

    name: str
    crs: pyproj.CRS
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    roads_path: Path | None = None
    #: filled by the travel package (a region holds layers; it does not load roads)
    networks: dict[str, object] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)

    def layer(self, layer_name: str) -> gpd.GeoDataFrame | None:
        """The layer ``layer_name`` (one of :data:`LAYER_NAMES`) in the metric CRS."""
        if layer_name not in LAYER_NAMES:
            raise ValueError(f"unknown layer {layer_name!r}; use one of {', '.join(LAYER_NAMES)}")
        return getattr(self, layer_name)

    def to_wgs84(self, layer_name: str) -> gpd.GeoDataFrame | None:
        """A copy of a layer in WGS84 longitude/latitude (EPSG:4326), for display and export.

        Returns None for an absent optional layer (``districts``).
        """
        gdf = self.layer(layer_name)
        return None if gdf is None else gdf.to_crs(WGS84)

    def summary(self) -> dict:
        """Counts for a scorecard header: layers, residents, kinds, problems, loaded networks.

        Returns
        -------
        dict
            ``name``, ``crs`` (e.g. ``"EPSG:32650"``), ``layers`` (rows per layer),
            ``population`` (sum of the known village populations, residents; None when
            no village has one), ``population_unknown`` (villages without), ``village_kinds``,
            ``township_kinds``, ``facilities`` (count per kind), ``problems`` (count per
            level) and ``networks`` (nodes/edges per mode, only those already loaded).
        """
        def counts(gdf: gpd.GeoDataFrame | None, column: str) -> dict[str, int]:
            if gdf is None or column not in gdf:
                return {}
            return {str(k): int(n) for k, n in gdf[column].fillna("unknown").value_counts().items()}

        layers = {n: int(len(g)) for n in LAYER_NAMES if (g := self.layer(n)) is not None}
        levels = Counter(p.level for p in self.problems)
        return {
            "name": self.name,
            "crs": self.crs.to_string(),
            "layers": layers,
            "population": known_sum(self.villages["population"])[0],
            "population_unknown": int(self.villages["population"].isna().sum()),
            "village_kinds": counts(self.villages, "kind"),
            "township_kinds": counts(self.townships, "kind"),
            "facilities": counts(self.facilities, "kind"),
            "problems": {lvl: int(levels.get(lvl, 0)) for lvl in ("error", "warning", "info")},
            "networks": {m: {"nodes": int(n.n_nodes), "edges": int(n.n_edges)}
                         for m, n in self.networks.items()},
        }

    def copy(self) -> "Region":
        """An independent copy of the layers (for scenarios); loaded networks are shared.

        Road networks do not depend on the layers, so the copy reuses them as they are.
        """
        def cp(gdf):
            return None if gdf is None else gdf.copy()

        other = Region(self.name, self.crs, cp(self.townships), cp(self.villages),
                       cp(self.facilities), cp(self.districts), list(self.problems),
                       dict(self.sources), self.roads_path)
        other.networks = dict(self.networks)
        return other


def known_sum(values: pd.Series) -> tuple[int | None, int]:
    """(sum of the known values, rounded; None when there are values but none is known,
    and how many are unknown). An empty series sums to 0."""
    values = pd.to_numeric(values, errors="coerce")
    n_unknown = int(values.isna().sum())
    if len(values) and n_unknown == len(values):
        return None, n_unknown
    return int(round(float(values.sum()))), n_unknown


def within_polygons(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame,
                    poly_id: str) -> pd.Series:
    """For each point, the ``poly_id`` of the polygon holding it (NaN when none).

    A point on a shared border goes to the first of its polygons in ``polygons``' order.
    One query of an STRtree of the points with each polygon (GEOS prepares the polygon
    once, so a district of many thousand vertices is cheap; a tree of the polygons
    queried point by point, as ``geopandas.sjoin`` does, prepares each point instead).
    """
    if len(points) == 0 or len(polygons) == 0:
        return pd.Series(index=points.index, dtype=object)
    tree = shapely.STRtree(points.geometry.values)
    poly, point = tree.query(polygons.geometry.values, predicate="intersects")
    first = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((poly, point))[::-1]          # per point, its lowest polygon last
    first[point[order]] = poly[order]
    ids = polygons[poly_id].reset_index(drop=True).reindex(first)   # -1: NaN
    return ids.set_axis(points.index)
