"""Road networks: load OSM data per travel mode into plain arrays, cached on disk.

A :class:`RoadNetwork` is one travel mode's directed graph in a metric CRS: nodes with
their coordinates, and straight edge segments (the network is loaded unsimplified, so
every edge is the straight segment between its two nodes) with their length in metres
and travel time in seconds. The travel-time engine builds its sparse matrices from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyproj


@dataclass
class RoadNetwork:
    """One travel mode's road graph, as arrays, in a metric CRS.

    Attributes
    ----------
    mode : str
        ``"walk"``, ``"ebike"`` or ``"drive"``.
    crs : pyproj.CRS
        The metric CRS of ``x``/``y`` (e.g. UTM 50N for Tianjin).
    node_osmid : numpy.ndarray of int64, shape (n,)
        OSM node ids.
    x, y : numpy.ndarray of float64, shape (n,)
        Node coordinates in ``crs``, metres.
    u, v : numpy.ndarray of int32, shape (m,)
        Edge endpoints as node indices (0..n-1). Directed: a two-way road is two edges.
    length_m : numpy.ndarray of float64, shape (m,)
        Edge length, metres (at least ``settings.MIN_EDGE_M``).
    time_s : numpy.ndarray of float64, shape (m,)
        Travel time along the edge for this mode, seconds.
    highway : numpy.ndarray of str, shape (m,)
        OSM highway class of each edge.
    source : str
        What it was built from (file path and a content hash), for provenance.
    """

    mode: str
    crs: pyproj.CRS
    node_osmid: np.ndarray
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    highway: np.ndarray
    source: str = ""
    info: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def n_edges(self) -> int:
        return len(self.u)
