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

#: highway classes each mode may use. Walking: every highway except motorways (and ways
#: tagged foot=no, handled by the loader). E-bike: everything a car or a cyclist uses.
HIGHWAYS_BY_MODE: dict[str, frozenset[str]] = {
    "drive": frozenset(DRIVE_SPEEDS_KMH) - {"track"},
    "ebike": frozenset(DRIVE_SPEEDS_KMH) - {"motorway", "motorway_link", "trunk_link"}
    | {"cycleway", "path", "track", "living_street", "pedestrian"},
    "walk": None,  # type: ignore[dict-item]  # every class but those in NOT_WALKABLE
}
NOT_WALKABLE: frozenset[str] = frozenset({"motorway", "motorway_link", "proposed",
                                          "construction", "abandoned", "platform", "raceway"})

#: a point farther than this from any usable edge is "off-network", metres
SNAP_LIMIT_M = 1000.0

#: smallest edge length kept, metres (zero-length OSM edges are clamped to this so sparse
#: matrices keep them as edges)
MIN_EDGE_M = 0.01
