"""OSM files: check, parse and reduce OpenStreetMap road data to a table of way segments.

:func:`read_osm` reads OSM XML (``.osm``, ``.osm.bz2``) with osmnx's parser
(:func:`osmnx.graph_from_xml` without its simplification: ``bidirectional=False``,
unsimplified, every island kept) into an :class:`OsmTable`: every directed way segment
with its nodes (longitude/latitude, WGS84), whether osmnx made it one-way, and the tags
that decide how each travel mode uses it. An ``.osm.pbf`` is first reduced by pyosmium
to a temporary OSM XML of its highway ways and their nodes. XML that is not plain OSM
(a document type declaration, another root element, UTF-16) is refused before any
parser sees it; extracts clipped by a box are mended by :func:`split_clipped_ways`.

:func:`fetch_osm` downloads a region's roads (the only function of the travel package
that uses the internet). Which ways a mode uses, in which directions and how fast, is
decided in :mod:`planning.travel.network`.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import networkx as nx
import numpy as np
import pyproj

from planning._atomic import atomic_path
from planning.errors import InputError

if TYPE_CHECKING:
    import shapely

__all__ = ["OsmTable", "read_osm", "check_suffix", "split_clipped_ways", "fetch_osm",
           "first_tag", "no_roads", "RULE_TAGS"]

#: way tags the loader reads (osmnx keeps only the tags listed in useful_tags_way)
_WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "area", "motorroad", "access",
             "foot", "vehicle", "bicycle", "motor_vehicle", "motorcar")
#: the tags that decide use, direction and speed of an edge, in this order
RULE_TAGS = ("highway", "maxspeed", "area", "motorroad", "access", "foot", "vehicle",
             "bicycle", "motor_vehicle", "motorcar")
_XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
_PBF_SUFFIXES = (".pbf",)
#: the first element of an XML document (not a declaration <?…?>, comment <!…> or DTD)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*)[\s/>]")
#: comments and processing instructions, removed before looking for the root element
_NOT_MARKUP = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
#: bytes read looking for the root element before giving up
_PROLOG_MAX = 2**20


@dataclass
class OsmTable:
    """Every way segment of the file, as osmnx built them (bidirectional=False)."""

    node_id: np.ndarray  # int64, sorted: all nodes of the graph
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray  # int64 OSM node ids, one row per directed osmnx edge
    v: np.ndarray
    oneway: np.ndarray  # bool: osmnx made the way one-way (oneway tag or roundabout)
    tags: np.ndarray  # int: row of `kinds`
    kinds: list[tuple[str, ...]]  # distinct RULE_TAGS value tuples
    clipped: dict[str, int]  # what split_clipped_ways found


def read_osm(path: Path) -> OsmTable:
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


def _parse_xml(xml: Path, shown: Path) -> OsmTable:
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
        raise no_roads(shown, "any mode") from None
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
            key = tuple(first_tag(d.get(tag)) for tag in RULE_TAGS)
            kind = kind_of_way[d["osmid"]] = kind_of.setdefault(key, len(kind_of))
        u.append(a)
        v.append(b)
        oneway.append(d["oneway"] is True)
        tags.append(kind)
    return OsmTable(node_id[order], lon, lat, np.array(u, np.int64), np.array(v, np.int64),
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
        value = first_tag(d.get("oneway"))
        d["oneway"] = "yes" if value in ("-1", "reverse", "T") else value or "no"


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


def first_tag(value: Any) -> str:
    """A tag value as a string; osmnx may hold a list (take the first); None -> ""."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value)


def check_suffix(path: Path) -> None:
    """Refuse a file that is not named as OSM XML or PBF, with what to use instead."""
    name = path.name.lower()
    if not name.endswith(_XML_SUFFIXES + _PBF_SUFFIXES):
        raise InputError.at("not an OSM road file: use OSM XML (.osm, .osm.bz2) or "
                            ".osm.pbf, e.g. an extract from download.geofabrik.de",
                            file=str(path))


def no_roads(path: Path, what: str) -> InputError:
    """The error for a file without a road usable by ``what`` (a mode's words, or "any mode")."""
    return InputError.at(f"the file has no roads usable by {what}: check that it is an OSM "
                         "extract of your region with its roads (highway=* ways)",
                         file=str(path))
