"""Road networks: load OSM data per travel mode into plain arrays, cached on disk.

A :class:`RoadNetwork` is one travel mode's directed graph in a metric CRS: nodes with
their coordinates, and straight edge segments (the network is loaded unsimplified, so
every edge is the straight segment between its two nodes) with their length in metres
and travel time in seconds. The travel-time engine builds its sparse matrices from it.

OSM XML (``.osm``, ``.osm.bz2``) is parsed by :func:`osmnx.graph_from_xml`; an ``.osm.pbf``
is first reduced by pyosmium to a temporary OSM XML of its highway ways and their nodes,
then takes the same path (:mod:`planning.travel.osm`). Which ways a mode uses, in which
directions and how fast, is decided here from the tags and :mod:`planning.settings`
(osmnx has no Chinese defaults):

- a way is used if its ``highway`` class is in ``settings.HIGHWAYS_BY_MODE[mode]``, it is
  not ``area=yes``, not ``motorroad=yes`` (for walk and e-bike: China's urban expressways
  are often mapped as trunk roads with ``motorroad=yes``), and the most specific access
  tag of ``settings.ACCESS_KEYS_BY_MODE[mode]`` present on it is not ``no``;
- ``oneway`` (incl. ``-1`` and roundabouts) is obeyed on the classes in
  ``settings.ONEWAY_HIGHWAYS_BY_MODE[mode]``: everywhere when driving, on trunk and
  primary roads by e-bike, never on foot;
- speeds: walk ``settings.WALK_SPEED_KMH``; drive the ``maxspeed`` tag when it parses
  (``"60"``, ``"60 km/h"``, ``"30 mph"``) else ``settings.DRIVE_SPEEDS_KMH`` by class;
  e-bike ``settings.EBIKE_SPEED_KMH`` capped by that car speed.

Road islands are kept (osmnx ``retain_all=True``) and counted in ``RoadNetwork.info``;
the engine decides which of them points may snap to (:mod:`planning.travel.engine`).

Extracts clipped by a box (ways crossing the edge keep only their nodes inside) are
read: each such way is split at its missing nodes into runs of present nodes, never
joined across a gap (:func:`planning.travel.osm.split_clipped_ways`);
``RoadNetwork.info["clipped"]`` counts them and :func:`clipped_problem` words the
warning. A truncated or damaged file is still refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from planning import settings
from planning._atomic import atomic_path
from planning._mapped import load_mapped
from planning.errors import InputError, Problem
from planning.region import Region
from planning.travel.osm import (RULE_TAGS, OsmTable, check_suffix, fetch_osm, first_tag,
                                 no_roads, read_osm, split_clipped_ways)

#: fetch_osm and split_clipped_ways live in :mod:`planning.travel.osm`; importable here too
__all__ = ["RoadNetwork", "load_network", "load_networks", "region_network", "to_networkx",
           "components", "network_summary", "parse_maxspeed", "clipped_problem", "fetch_osm",
           "split_clipped_ways"]

#: bump when the prepared arrays change meaning, so old cache files are not reused
_CACHE_VERSION = 2

_MODE_WORDS = {"walk": "walking", "ebike": "e-bikes", "drive": "cars"}
_MPH = 1.609344


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
        OSM node ids, ascending.
    x, y : numpy.ndarray of float64, shape (n,)
        Node coordinates in ``crs``, metres.
    u, v : numpy.ndarray of int32, shape (m,)
        Edge endpoints as node indices (0..n-1). Directed: a two-way road is two edges.
        Parallel edges (two ways joining the same nodes) are all kept; no self-loops.
    length_m : numpy.ndarray of float64, shape (m,)
        Edge length, metres (at least ``settings.MIN_EDGE_M``).
    time_s : numpy.ndarray of float64, shape (m,)
        Travel time along the edge for this mode, seconds.
    highway : numpy.ndarray of str, shape (m,)
        OSM highway class of each edge.
    source : str
        What it was built from (file path and a content hash), for provenance.
    info : dict
        ``weak_components``, ``strong_components``, ``largest_weak_share``,
        ``largest_strong_share`` (see :func:`components`), ``edges_by_highway``
        (class -> number of edges), ``from_cache`` (bool) and ``cache_file``.
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
        """Number of nodes."""
        return len(self.x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.u)


# ---------------------------------------------------------------- public API


def load_network(path: str | Path, mode: str, crs: pyproj.CRS | str, *,
                 cache_dir: str | Path | None = None) -> RoadNetwork:
    """Load one travel mode's road network from an OSM file, using the disk cache.

    The network is unsimplified: every edge is the straight segment between two
    consecutive nodes of an OSM way, and its length is the Euclidean length of that
    segment in ``crs`` (metres; in a UTM zone this is within about 0.1 % of the geodesic
    length), at least ``settings.MIN_EDGE_M``.

    Parameters
    ----------
    path : str or Path
        OSM XML (``.osm``, ``.osm.bz2``) or PBF (``.osm.pbf``) file, coordinates WGS84.
    mode : {"walk", "ebike", "drive"}
        Travel mode; see the module docstring for the ways, directions and speeds used.
    crs : pyproj.CRS or str
        A projected CRS in metres for the node coordinates, e.g. ``"EPSG:32650"``.
    cache_dir : str or Path, optional
        Where prepared networks are cached (default ``settings.CACHE_DIR``). The cache
        key is the file's SHA-256, the mode, the CRS and the settings that apply.

    Returns
    -------
    RoadNetwork
        With ``info["from_cache"]`` telling whether the cache served it.

    Raises
    ------
    InputError
        The file is missing, not valid OSM, or has no road usable by ``mode``.
    """
    return load_networks(path, crs, (mode,), cache_dir=cache_dir)[mode]


def load_networks(path: str | Path, crs: pyproj.CRS | str,
                  modes: tuple[str, ...] = settings.MODES, *,
                  cache_dir: str | Path | None = None) -> dict[str, RoadNetwork]:
    """Load several modes' networks from one OSM file, parsing it at most once.

    Same as :func:`load_network` for each of ``modes`` (a cache hit needs no parsing).

    Returns
    -------
    dict of str to RoadNetwork
        Keyed by mode.
    """
    path = Path(path)
    crs = _metric_crs(crs)
    for mode in modes:
        if mode not in settings.MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {settings.MODES}")
    if not path.is_file():
        raise InputError.at(
            "road network file not found: check the path, or download one for your "
            "region with planning.travel.network.fetch_osm", file=str(path))
    check_suffix(path)
    cache_dir = Path(settings.CACHE_DIR if cache_dir is None else cache_dir)
    digest = _sha256(path)
    source = f"{path} sha256:{digest[:16]}"
    nets: dict[str, RoadNetwork] = {}
    todo = []
    for mode in modes:
        file = cache_dir / f"roads_{mode}_{_cache_key(digest, mode, crs)[:24]}.npz"
        net = _read_cache(file)
        if net is None:
            todo.append((mode, file))
        else:
            nets[mode] = net
    if todo:
        table = read_osm(path)
        for mode, file in todo:
            net = _build(table, mode, crs, source, path)
            net.info["cache_file"] = str(file)
            _write_cache(net, file)
            nets[mode] = net
    return {mode: nets[mode] for mode in modes}


def region_network(region: Region, mode: str) -> RoadNetwork:
    """The road network of a region for one travel mode, loaded on first use.

    Every mode is prepared at once from the region's road file (one parse of the OSM
    file; the prepared arrays are cached on disk, see :func:`load_networks`) in the
    region's metric CRS, and kept in ``region.networks``. A file clipped by a box adds
    one warning to ``region.problems`` (:func:`clipped_problem`).

    Parameters
    ----------
    region : Region
        A region with ``roads_path`` (or networks already in ``region.networks``).
    mode : {"walk", "ebike", "drive"}

    Returns
    -------
    RoadNetwork
        Directed edges with lengths (metres) and times (seconds) in ``region.crs``.

    Raises
    ------
    InputError
        When the region has no road file.
    """
    if mode not in region.networks:
        if region.roads_path is None:
            raise InputError.of("in.no_roads", layer="roads")
        nets = load_networks(region.roads_path, region.crs)
        region.networks.update(nets)
        problem = next(filter(None, map(clipped_problem, nets.values())), None)
        if problem is not None and problem not in region.problems:
            region.problems.append(problem)  # an extract clipped by a box: said once
    return region.networks[mode]


def to_networkx(net: RoadNetwork) -> nx.MultiDiGraph:
    """The network as a networkx MultiDiGraph, for baselines and tests.

    Nodes are the indices 0..n-1 with ``x``, ``y`` (metres in ``net.crs``) and ``osmid``;
    edges carry ``length`` (metres), ``time_s`` (seconds) and ``highway``.
    """
    G = nx.MultiDiGraph(crs=net.crs, mode=net.mode)
    G.add_nodes_from((i, {"x": float(x), "y": float(y), "osmid": int(o)})
                     for i, (x, y, o) in enumerate(zip(net.x, net.y, net.node_osmid)))
    G.add_edges_from((int(a), int(b), {"length": float(d), "time_s": float(t), "highway": str(h)})
                     for a, b, d, t, h in zip(net.u, net.v, net.length_m, net.time_s, net.highway))
    return G


def components(net: RoadNetwork) -> dict[str, int | float]:
    """Connected components of the network (road islands).

    Returns
    -------
    dict
        ``weak_components`` and ``strong_components`` (counts), ``largest_weak_share``
        and ``largest_strong_share`` (share of nodes in the largest one, 0-1).
    """
    n = net.n_nodes
    graph = sp.csr_array((np.ones(net.n_edges), (net.u, net.v)), shape=(n, n))
    out: dict[str, int | float] = {}
    for kind in ("weak", "strong"):
        count, labels = connected_components(graph, directed=True, connection=kind)
        out[f"{kind}_components"] = int(count)
        out[f"largest_{kind}_share"] = float(np.bincount(labels).max() / n) if n else 0.0
    return out


def network_summary(net: RoadNetwork) -> dict[str, Any]:
    """Headline figures of a network.

    Returns
    -------
    dict
        ``mode``, ``nodes``, ``edges`` (directed), ``road_km`` (each pair of joined
        nodes counted once, whatever its directions), ``components`` (weakly connected),
        ``largest_share`` (share of nodes in the largest, 0-1) and ``strong_components``.
    """
    pairs = np.unique(np.column_stack([np.minimum(net.u, net.v), np.maximum(net.u, net.v)]),
                      axis=0, return_index=True)[1]
    comp = components(net)
    return {
        "mode": net.mode,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "road_km": float(net.length_m[pairs].sum() / 1000.0),
        "components": comp["weak_components"],
        "largest_share": comp["largest_weak_share"],
        "strong_components": comp["strong_components"],
    }


def parse_maxspeed(value: Any) -> float | None:
    """A ``maxspeed`` tag in km/h, or None when it is not a plain number.

    ``"60"`` and ``"60 km/h"`` give 60.0, ``"30 mph"`` 48.28; for ``"60;80"`` or a
    list the first value counts; zone codes (``"CN:urban"``), ``"none"`` or ``"walk"``
    give None.
    """
    text = first_tag(value).split(";")[0].strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?", text)
    if match is None or float(match[1]) <= 0:
        return None
    return float(match[1]) * (_MPH if match[2] == "mph" else 1.0)


def clipped_problem(net: RoadNetwork) -> Problem | None:
    """The warning for a network read from a clipped extract, or None.

    Names the file and counts the ways split and the nodes missing (from
    ``net.info["clipped"]``).
    """
    c = net.info.get("clipped") or {}
    if not c.get("ways"):
        return None
    file = net.source.split(" sha256:")[0]
    return Problem("warning", f"{c['ways']:,} roads run beyond the edge of the file "
                   f"({c['missing_nodes']:,} of their nodes are missing: an extract clipped by "
                   "a box); each was split at the gaps and used up to the edge. Trips that "
                   "would leave the file and come back are not found: use an extract reaching "
                   "a few kilometres beyond your region", file=file, layer="roads")


# ---------------------------------------------------------------- one mode


def _build(table: OsmTable, mode: str, crs: pyproj.CRS, source: str, path: Path) -> RoadNetwork:
    """Select the mode's edges, add reverse edges where it ignores oneway, project, time."""
    rules = [_rule(dict(zip(RULE_TAGS, kind)), mode) for kind in table.kinds]
    usable = np.array([r[0] for r in rules], bool)[table.tags]
    if not usable.any():
        raise no_roads(path, _MODE_WORDS[mode])
    speed = np.array([r[1] for r in rules])
    obeys = np.array([r[2] for r in rules], bool)
    tags, u, v = table.tags[usable], table.u[usable], table.v[usable]
    back = table.oneway[usable] & ~obeys[tags]  # one-way edges this mode travels both ways
    u, v = np.concatenate([u, v[back]]), np.concatenate([v, u[back]])
    tags = np.concatenate([tags, tags[back]])

    node_osmid, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    iu, iv = inverse[: len(u)].astype(np.int32), inverse[len(u):].astype(np.int32)
    at = np.searchsorted(table.node_id, node_osmid)
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = (np.asarray(c, float) for c in to_crs.transform(table.lon[at], table.lat[at]))
    length = np.maximum(np.hypot(x[iv] - x[iu], y[iv] - y[iu]), settings.MIN_EDGE_M)
    time = length * 3.6 / speed[tags]
    highway = np.array([table.kinds[k][0] for k in range(len(table.kinds))], dtype=str)[tags]

    order = np.lexsort((time, highway, iv, iu))  # a canonical edge order
    net = RoadNetwork(mode, crs, node_osmid, x, y, iu[order], iv[order], length[order],
                      time[order], highway[order], source)
    net.info.update(components(net))
    net.info["edges_by_highway"] = dict(sorted(Counter(net.highway.tolist()).items()))
    net.info["clipped"] = table.clipped
    net.info["from_cache"] = False
    return net


def _rule(tags: dict[str, str], mode: str) -> tuple[bool, float, bool]:
    """(usable, speed km/h, obeys oneway) for a way with these tags."""
    highway = tags["highway"]
    usable = highway in settings.HIGHWAYS_BY_MODE[mode] and tags["area"] != "yes"
    if mode != "drive" and tags["motorroad"] == "yes":
        usable = False
    access = [tags[key] for key in settings.ACCESS_KEYS_BY_MODE[mode] if tags[key]]
    if access and access[-1] == "no":
        usable = False
    car = parse_maxspeed(tags["maxspeed"]) or settings.DRIVE_SPEEDS_KMH.get(highway)
    if car is None:
        if mode == "drive" and usable:
            raise ValueError(f"settings.DRIVE_SPEEDS_KMH has no speed for {highway!r}, "
                             "a class in settings.HIGHWAYS_BY_MODE['drive']")
        car = np.inf  # paths and cycleways: no car speed caps an e-bike
    speed = {"walk": settings.WALK_SPEED_KMH, "drive": car,
             "ebike": min(settings.EBIKE_SPEED_KMH, car)}[mode]
    return usable, float(speed), highway in settings.ONEWAY_HIGHWAYS_BY_MODE[mode]


# ---------------------------------------------------------------- cache


def _cache_key(digest: str, mode: str, crs: pyproj.CRS) -> str:
    """SHA-256 of everything the prepared arrays depend on."""
    speeds = {"walk": {"walk": settings.WALK_SPEED_KMH},
              "ebike": {"ebike": settings.EBIKE_SPEED_KMH, "drive": settings.DRIVE_SPEEDS_KMH},
              "drive": {"drive": settings.DRIVE_SPEEDS_KMH}}[mode]
    spec = {
        "version": _CACHE_VERSION, "file_sha256": digest, "mode": mode, "crs": crs.to_wkt(),
        "speeds_kmh": speeds, "min_edge_m": settings.MIN_EDGE_M,
        "highways": sorted(settings.HIGHWAYS_BY_MODE[mode]),
        "oneway_highways": sorted(settings.ONEWAY_HIGHWAYS_BY_MODE[mode]),
        "access_keys": list(settings.ACCESS_KEYS_BY_MODE[mode]),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


_ARRAYS = ("node_osmid", "x", "y", "u", "v", "length_m", "time_s", "highway")


def _write_cache(net: RoadNetwork, file: Path) -> None:
    """Save the arrays as .npz (no pickles), atomically; a cache that fails only warns."""
    try:
        with atomic_path(file) as tmp, open(tmp, "wb") as out:
            np.savez(out, allow_pickle=False, mode=np.array(net.mode),
                     crs=np.array(net.crs.to_wkt()), source=np.array(net.source),
                     info=np.array(json.dumps(net.info)),
                     **{name: getattr(net, name) for name in _ARRAYS})
    except OSError as err:
        warnings.warn(f"road network not cached in {file.parent}: {err}", stacklevel=3)


def _read_cache(file: Path) -> RoadNetwork | None:
    """The cached network, or None when absent or unreadable."""
    try:
        z = load_mapped(file)           # arrays read as they are used (highway: rarely)
        net = RoadNetwork(str(z["mode"]), pyproj.CRS.from_wkt(str(z["crs"])),
                          source=str(z["source"]), info=json.loads(str(z["info"])),
                          **{name: z[name] for name in _ARRAYS})
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile,
            pyproj.exceptions.CRSError):
        return None
    net.info["from_cache"] = True
    net.info["cache_file"] = str(file)
    return net


# ---------------------------------------------------------------- helpers


def _metric_crs(crs: pyproj.CRS | str) -> pyproj.CRS:
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise ValueError(f"crs must be a projected CRS in metres, not {crs.name!r}")
    return crs


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
