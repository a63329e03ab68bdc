"""One place for the tool's settings (as osmnx has ``osmnx.settings``).

Speeds are in km/h, distances in metres. Change them before loading a network; the
network cache key includes them, so a change never serves stale travel times.
"""

from __future__ import annotations

import os
from pathlib import Path

#: repository root (holds ``geodata/``)
ROOT = Path(__file__).resolve().parent.parent

#: where prepared networks are cached; override with the PLANNING_CACHE environment variable
CACHE_DIR = Path(os.environ.get("PLANNING_CACHE", ROOT / "cache"))

#: the embedded demo region (宝坻区): a GeoPackage of layers and an OSM XML road network
DEMO_DIR = ROOT / "geodata" / "baodi"

#: travel modes the network module prepares
MODES = ("walk", "ebike", "drive")

#: walking speed, km/h (a common planning value; 15 min at 5 km/h = 1,250 m)
WALK_SPEED_KMH = 5.0
#: e-bike speed, km/h (capped by the road's own speed)
EBIKE_SPEED_KMH = 15.0

#: speeds of the straight-line estimate used when a region has no road file, km/h:
#: walking and e-bike as above; a car at a mixed county-road average (the drive speeds
#: below range from 30 km/h on village roads to 80 on trunk roads). Travel time =
#: straight distance × the rulebook's ``travel.detour_factor`` / speed.
STRAIGHT_SPEEDS_KMH: dict[str, float] = {"walk": WALK_SPEED_KMH, "ebike": EBIKE_SPEED_KMH,
                                         "drive": 40.0}

#: car speeds in km/h per OSM highway class, for Chinese roads where ``maxspeed`` is
#: missing (osmnx has no Chinese defaults). Roughly the design speeds of the Chinese
#: highway standard JTG B01-2014 for each class, lowered for mixed traffic:
#: expressway 100, class-1/2 highways 60-80, county roads 40-60, village roads 30.
DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "road": 30.0,
    "track": 15.0,
}

#: highway classes a car, an e-bike and a pedestrian may use (OSM ``highway=*`` values;
#: anything else, e.g. ``construction``, ``proposed``, ``platform``, ``busway``, is unused).
#: Drive: the classes with a car speed above except farm tracks. E-bike: every road but
#: motorways, plus cycleways, paths, pedestrian streets and tracks (Chinese e-bikes are
#: non-motor vehicles and ride where bicycles do). Walk: every road but motorways, plus
#: footways, steps and the like. Ways tagged ``area=yes``, ``motorroad=yes`` (walk, e-bike)
#: or with no access for the mode are left out by the loader.
HIGHWAYS_BY_MODE: dict[str, frozenset[str]] = {
    "drive": frozenset(DRIVE_SPEEDS_KMH) - {"track"},
    "ebike": frozenset(DRIVE_SPEEDS_KMH) - {"motorway", "motorway_link"}
    | {"cycleway", "path", "pedestrian"},
    "walk": frozenset(DRIVE_SPEEDS_KMH) - {"motorway", "motorway_link"}
    | {"cycleway", "path", "pedestrian", "footway", "steps", "bridleway", "corridor"},
}
#: classes never walked (none of them is in ``HIGHWAYS_BY_MODE["walk"]``)
NOT_WALKABLE: frozenset[str] = frozenset({"motorway", "motorway_link", "proposed",
                                          "construction", "abandoned", "platform", "raceway"})

#: highway classes on which each mode obeys ``oneway`` tags (incl. ``oneway=-1`` and
#: roundabouts); elsewhere it may travel both ways. Pedestrians ignore them; e-bikes in
#: China commonly ride both ways on small roads, but not against the traffic of trunk and
#: primary roads (often dual carriageways mapped as two one-way ways); cars obey them all.
ONEWAY_HIGHWAYS_BY_MODE: dict[str, frozenset[str]] = {
    "drive": HIGHWAYS_BY_MODE["drive"],
    "ebike": frozenset({"trunk", "trunk_link", "primary", "primary_link"}),
    "walk": frozenset(),
}

#: OSM access keys that apply to each mode, from general to specific: the most specific
#: one present on a way decides, and the value ``no`` shuts the way for the mode
#: (``access=no`` + ``foot=yes`` is walkable). ``private`` is kept: gated residential
#: compounds (小区) are where residents live.
ACCESS_KEYS_BY_MODE: dict[str, tuple[str, ...]] = {
    "drive": ("access", "vehicle", "motor_vehicle", "motorcar"),
    "ebike": ("access", "vehicle", "bicycle"),
    "walk": ("access", "foot"),
}

#: a point farther than this from any usable edge is "off-network", metres
SNAP_LIMIT_M = 1000.0

#: which parts of a mode's network villages and facilities snap to (planning.travel.engine):
#: None, only the largest strongly connected part (osmnx's ``largest_component``, but
#: nothing is dropped); k, every part of at least k nodes and the largest; 1, every part
#: however small. A point with no such road within SNAP_LIMIT_M snaps to the nearest
#: small part.
SNAP_MIN_PART_NODES: int | None = None

#: smallest edge length kept, metres (zero-length OSM edges are clamped to this so sparse
#: matrices keep them as edges)
MIN_EDGE_M = 0.01

#: side of a cell of the travel-time surface (planning.travel.surface), metres
SURFACE_CELL_M = 100.0
#: the travel-time surface stops here: cells farther from every facility have no value
#: (and an edit never needs to look farther), minutes
SURFACE_CAP_MIN = 60.0
#: how R3 draws its covered / uncovered areas (display only; population figures come from
#: the villages' own minutes either way): "surface" (the default), the cells of the
#: travel-time surface within R3's minutes (and the other cells of the townships),
#: polygonised along cell edges — a cell counts when its centre walks to its nearest
#: road (within ``SNAP_LIMIT_M``) and on to a facility within the minutes; "road_band",
#: the union of the reached roads buffered by the rulebook's ``isochrone_buffer_m``, cut
#: to the townships (the landed drawing: a narrower area, seconds of set algebra at city
#: scale). Runs without roads draw straight-line discs either way.
R3_AREAS = "surface"
