"""Road networks: load OSM data per travel mode into plain arrays, cached on disk.

A :class:`RoadNetwork` is one travel mode's directed graph in a metric CRS: nodes with
their coordinates, and straight edge segments (the network is loaded unsimplified, so
every edge is the straight segment between its two nodes) with their length in metres
and travel time in seconds. The travel-time engine builds its sparse matrices from it.

OSM XML (``.osm``, ``.osm.bz2``) is parsed by :func:`osmnx.graph_from_xml`; an ``.osm.pbf``
is first reduced by pyosmium to a temporary OSM XML of its highway ways and their nodes,
then takes the same path. Which ways a mode uses, in which directions and how fast, is
decided here from the tags and :mod:`planning.settings` (osmnx has no Chinese defaults):

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
joined across a gap (:func:`split_clipped_ways`); ``RoadNetwork.info["clipped"]`` counts
them and :func:`clipped_problem` words the warning. A truncated or damaged file is still
refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from planning import settings
from planning._atomic import atomic_path
from planning.errors import InputError, Problem

if TYPE_CHECKING:
    import shapely

#: bump when the prepared arrays change meaning, so old cache files are not reused
_CACHE_VERSION = 2

#: way tags the loader reads (osmnx keeps only the tags listed in useful_tags_way)
_WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "area", "motorroad", "access",
             "foot", "vehicle", "bicycle", "motor_vehicle", "motorcar")
#: the tags that decide use, direction and speed of an edge, in this order
_RULE_TAGS = ("highway", "maxspeed", "area", "motorroad", "access", "foot", "vehicle",
              "bicycle", "motor_vehicle", "motorcar")

_XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
_PBF_SUFFIXES = (".pbf",)
_MODE_WORDS = {"walk": "walking", "ebike": "e-bikes", "drive": "cars"}
_MPH = 1.609344
#: the first element of an XML document (not a declaration <?…?>, comment <!…> or DTD)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*)[\s/>]")
#: comments and processing instructions, removed before looking for the root element
_NOT_MARKUP = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
#: bytes read looking for the root element before giving up
_PROLOG_MAX = 2**20


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
        return len(self.x)

    @property
    def n_edges(self) -> int:
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
    _check_suffix(path)
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
        table = _read_osm(path)
        for mode, file in todo:
            net = _build(table, mode, crs, source, path)
            net.info["cache_file"] = str(file)
            _write_cache(net, file)
            nets[mode] = net
    return {mode: nets[mode] for mode in modes}


def region_network(region, mode: str) -> RoadNetwork:
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


def fetch_osm(boundary_wgs84: shapely.Polygon | shapely.MultiPolygon, out_path: str | Path,
              *, buffer_m: float = 3000.0) -> Path:
    """Download the OSM roads around a boundary (online) and save them as OSM XML.

    Uses :func:`osmnx.graph_from_polygon` (``network_type="all"``, unsimplified, all
    islands kept) on the boundary buffered by ``buffer_m``, and
    :func:`osmnx.save_graph_xml`. The only function here that uses the internet.

    Parameters
    ----------
    boundary_wgs84 : shapely.Polygon or shapely.MultiPolygon
        The region, longitude/latitude in WGS84 (EPSG:4326).
    out_path : str or Path
        The ``.osm`` file to write (replaced atomically once complete).
    buffer_m : float, default 3000
        Buffer around the boundary, metres, so trips may cross the border.

    Returns
    -------
    Path
        ``out_path``, ready for :func:`load_network`.
    """
    import osmnx as ox
    import requests
    import shapely
    from osmnx._errors import InsufficientResponseError

    from planning.crs import metric_crs

    out_path = Path(out_path)
    centre = boundary_wgs84.centroid
    utm = metric_crs(centre.x, centre.y)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", utm, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(utm, "EPSG:4326", always_xy=True)
    area = shapely.transform(boundary_wgs84, lambda c: np.column_stack(to_utm.transform(*c.T)))
    polygon = shapely.transform(area.buffer(buffer_m),
                                lambda c: np.column_stack(to_wgs.transform(*c.T)))
    try:
        # all_oneway keeps each way's node order and its oneway tag as written in OSM,
        # which save_graph_xml needs to write the ways back faithfully
        with _osmnx_settings(all_oneway=True), atomic_path(out_path) as part:
            G = ox.graph_from_polygon(polygon, network_type="all", simplify=False,
                                      retain_all=True)
            _ways_as_tagged(G)
            ox.save_graph_xml(G, filepath=part)
    except InsufficientResponseError as err:
        raise InputError.at(f"OpenStreetMap returned no roads for this boundary ({err}); "
                            "check that the boundary is in WGS84 longitude/latitude",
                            file=str(out_path)) from None
    except requests.RequestException as err:
        raise InputError.at(f"could not download roads from OpenStreetMap ({err}); without "
                            "internet, load an .osm or .osm.pbf file instead",
                            file=str(out_path)) from None
    return out_path


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
    text = _first(value).split(";")[0].strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?", text)
    if match is None or float(match[1]) <= 0:
        return None
    return float(match[1]) * (_MPH if match[2] == "mph" else 1.0)


# ---------------------------------------------------------------- reading OSM


@dataclass
class _OsmTable:
    """Every way segment of the file, as osmnx built them (bidirectional=False)."""

    node_id: np.ndarray  # int64, sorted: all nodes of the graph
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray  # int64 OSM node ids, one row per directed osmnx edge
    v: np.ndarray
    oneway: np.ndarray  # bool: osmnx made the way one-way (oneway tag or roundabout)
    tags: np.ndarray  # int: row of `kinds`
    kinds: list[tuple[str, ...]]  # distinct _RULE_TAGS value tuples
    clipped: dict[str, int]  # what split_clipped_ways found


def _read_osm(path: Path) -> _OsmTable:
    """Parse the file with osmnx (a .pbf via a temporary OSM XML) into an edge table."""
    if path.name.lower().endswith(_PBF_SUFFIXES):
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / "highways.osm"
            _pbf_to_xml(path, xml)
            return _parse_xml(xml, path)
    return _parse_xml(path, path)


def _check_osm_xml(xml: Path, shown: Path) -> None:
    """Refuse XML that is not plain OSM before any parser sees it.

    A document type declaration (``<!DOCTYPE``) is the only place entities can be
    declared, and it can only stand in the prolog, before the root element: refusing
    one there rules out external entities (XXE) and entity expansion ("billion
    laughs") whatever the parser. The root element must be ``<osm``; the text must be
    UTF-8 (as osmnx reads it).
    """
    import bz2

    opener = bz2.open if xml.name.lower().endswith(".bz2") else open
    head = b""
    try:
        with opener(xml, "rb") as fh:
            while len(head) < _PROLOG_MAX:
                chunk = fh.read(2**16)
                if not chunk:
                    break
                head += chunk
                if _ROOT.search(_NOT_MARKUP.sub(b"", head)):
                    break
    except (OSError, EOFError, ValueError) as err:
        raise InputError.at(f"not a readable OSM file ({type(err).__name__}: {err}); it may be "
                            "truncated or damaged: download or export it again",
                            file=str(shown)) from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.at("the OSM file is UTF-16: save it as UTF-8", file=str(shown))
    head = _NOT_MARKUP.sub(b"", head)  # a comment may hold anything, even "<osm>"
    root = _ROOT.search(head)
    prolog = head[: root.start()] if root else head
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", prolog, re.IGNORECASE):
        raise InputError.at("the OSM file declares a document type or entities (<!DOCTYPE …>), "
                            "which OSM files never do and which can make a parser read other "
                            "files: refused. Export the roads again from OSM or osmium",
                            file=str(shown))
    if root is None:
        raise InputError.at("not an OSM XML file: no <osm> element at its start; it may be "
                            "empty, truncated or another kind of file", file=str(shown))
    if root.group(1) != b"osm":
        raise InputError.at(f"not an OSM XML file: its root element is <{root.group(1).decode()}>,"
                            " not <osm> (a KML or GPX file?); export the roads as OSM XML or "
                            ".osm.pbf", file=str(shown))


def _parse_xml(xml: Path, shown: Path) -> _OsmTable:
    """Parse OSM XML as :func:`osmnx.graph_from_xml` does (``bidirectional=False``,
    unsimplified, every island kept), splitting clipped ways at their missing nodes."""
    from osmnx import _osm_xml
    from osmnx import graph as ox_graph
    from osmnx._errors import InsufficientResponseError

    _check_osm_xml(xml, shown)
    try:
        with _osmnx_settings(all_oneway=False), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*generated by OSMnx", category=UserWarning)
            # graph_from_xml(retain_all=True, simplify=False) is these two calls; the
            # response is mended in between
            response = _osm_xml._overpass_json_from_xml(xml, "utf-8")
            clipped = split_clipped_ways(response["elements"])
            G = ox_graph._create_graph([response], bidirectional=False)
    except InsufficientResponseError:
        raise _no_roads(shown, "any mode") from None
    except (ParseError, SAXException, EOFError, OSError, UnicodeDecodeError) as err:
        raise InputError.at(
            f"not a readable OSM XML file ({type(err).__name__}: {err}); it may be "
            "truncated or damaged: download or export it again", file=str(shown)) from None
    except (KeyError, TypeError, ValueError) as err:  # elements without ids, coordinates …
        raise InputError.at(
            f"not a usable OSM XML file ({type(err).__name__}: {err}): an element lacks its "
            "id, coordinates or node list; export the roads again", file=str(shown)) from None

    node_id = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    order = np.argsort(node_id)
    lon = np.fromiter((d["x"] for _, d in G.nodes(data=True)), float, len(G))[order]
    lat = np.fromiter((d["y"] for _, d in G.nodes(data=True)), float, len(G))[order]
    kind_of: dict[tuple[str, ...], int] = {}
    kind_of_way: dict[int, int] = {}  # the edges of one way share its tags
    u, v, oneway, tags = [], [], [], []
    for a, b, d in G.edges(data=True):
        if a == b or "highway" not in d:
            continue
        kind = kind_of_way.get(d["osmid"])
        if kind is None:
            key = tuple(_first(d.get(tag)) for tag in _RULE_TAGS)
            kind = kind_of_way[d["osmid"]] = kind_of.setdefault(key, len(kind_of))
        u.append(a)
        v.append(b)
        oneway.append(d["oneway"] is True)
        tags.append(kind)
    return _OsmTable(node_id[order], lon, lat, np.array(u, np.int64), np.array(v, np.int64),
                     np.array(oneway, bool), np.array(tags, np.int64), list(kind_of), clipped)


def split_clipped_ways(elements: list[dict]) -> dict[str, int]:
    """Keep only highway ways (and the nodes), splitting those that refer to nodes
    missing from the file into their runs of present nodes; in place.

    Extracts cut by a bounding box with the common tools (``osmconvert -b``, osmosis,
    ``osmium extract --strategy simple``, many download services) keep a way that crosses
    the box's edge but only its nodes inside the box. Each run of consecutive present
    nodes becomes a way of its own with the same tags (the first run keeps the way's id,
    the others get new ids above every id in the file); a run of one node is dropped. A
    gap is never bridged: the road beyond the edge is not in the file, and joining its
    ends straight would invent a shortcut.

    Parameters
    ----------
    elements : list of dict
        Overpass-style elements (``type``, ``id``, ``nodes``, ``tags``), as osmnx reads
        OSM XML.

    Returns
    -------
    dict
        ``ways`` (highway ways that referred to missing nodes), ``missing_nodes``
        (distinct node ids referred to but absent) and ``pieces`` (ways kept after the
        split); all 0 for a file with complete ways.
    """
    present = {e["id"] for e in elements if e["type"] == "node"}
    next_id = max((e["id"] for e in elements if e["type"] == "way"), default=0) + 1
    missing: set[int] = set()
    ways = pieces = 0
    out = []
    for e in elements:
        if e["type"] != "way" or "highway" not in e.get("tags", {}):
            if e["type"] == "node":  # other ways and relations are never used
                out.append(e)
            continue
        if all(n in present for n in e["nodes"]):
            out.append(e)
            continue
        ways += 1
        runs, run = [], []
        for n in e["nodes"]:
            if n in present:
                run.append(n)
            else:
                missing.add(n)
                runs.append(run)
                run = []
        runs.append(run)
        for k, nodes in enumerate(r for r in runs if len(r) >= 2):
            piece = {**e, "nodes": nodes}
            if k:
                piece["id"] = next_id
                next_id += 1
            out.append(piece)
            pieces += 1
    elements[:] = out
    return {"ways": ways, "missing_nodes": len(missing), "pieces": pieces}


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


def _pbf_to_xml(pbf: Path, xml: Path) -> None:
    """Write the highway ways of a PBF file and the nodes they use as OSM XML."""
    import osmium

    try:
        with osmium.BackReferenceWriter(str(xml), ref_src=str(pbf), overwrite=True) as writer:
            ways = osmium.FileProcessor(str(pbf), osmium.osm.WAY)
            for way in ways.with_filter(osmium.filter.KeyFilter("highway")):
                writer.add(way)
    except RuntimeError as err:
        raise InputError.at(f"not a readable OSM PBF file ({err}); it may be truncated or "
                            "damaged: download or export it again", file=str(pbf)) from None


@contextlib.contextmanager
def _osmnx_settings(*, all_oneway: bool) -> Iterator[None]:
    """Make osmnx keep the way tags the loader reads, and set ``all_oneway``; restore after."""
    import osmnx as ox

    saved = ox.settings.useful_tags_way, ox.settings.all_oneway
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved[0], *_WAY_TAGS]))
    ox.settings.all_oneway = all_oneway
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.all_oneway = saved


def _ways_as_tagged(G: nx.MultiDiGraph) -> None:
    """Prepare an osmnx graph's one-way tags for save_graph_xml.

    osmnx has already turned ``oneway=-1`` ways round into travel order; mark them
    ``oneway=yes``, or they would be turned round a second time when read back. Ways
    without the tag get ``oneway=no`` (what save_graph_xml writes anyway, avoiding its
    fill of a text column with False).
    """
    for _, _, d in G.edges(data=True):
        value = _first(d.get("oneway"))
        d["oneway"] = "yes" if value in ("-1", "reverse", "T") else value or "no"


# ---------------------------------------------------------------- one mode


def _build(table: _OsmTable, mode: str, crs: pyproj.CRS, source: str, path: Path) -> RoadNetwork:
    """Select the mode's edges, add reverse edges where it ignores oneway, project, time."""
    rules = [_rule(dict(zip(_RULE_TAGS, kind)), mode) for kind in table.kinds]
    usable = np.array([r[0] for r in rules], bool)[table.tags]
    if not usable.any():
        raise _no_roads(path, _MODE_WORDS[mode])
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
        with np.load(file, allow_pickle=False) as z:
            arrays = {name: z[name] for name in _ARRAYS}
            net = RoadNetwork(str(z["mode"]), pyproj.CRS.from_wkt(str(z["crs"])),
                              source=str(z["source"]), info=json.loads(str(z["info"])), **arrays)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile,
            pyproj.exceptions.CRSError):
        return None
    net.info["from_cache"] = True
    net.info["cache_file"] = str(file)
    return net


# ---------------------------------------------------------------- helpers


def _first(value: Any) -> str:
    """A tag value as a string; osmnx may hold a list (take the first); None -> ""."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _metric_crs(crs: pyproj.CRS | str) -> pyproj.CRS:
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise ValueError(f"crs must be a projected CRS in metres, not {crs.name!r}")
    return crs


def _check_suffix(path: Path) -> None:
    name = path.name.lower()
    if not name.endswith(_XML_SUFFIXES + _PBF_SUFFIXES):
        raise InputError.at("not an OSM road file: use OSM XML (.osm, .osm.bz2) or "
                            ".osm.pbf, e.g. an extract from download.geofabrik.de",
                            file=str(path))


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _no_roads(path: Path, what: str) -> InputError:
    return InputError.at(f"the file has no roads usable by {what}: check that it is an OSM "
                         "extract of your region with its roads (highway=* ways)",
                         file=str(path))
