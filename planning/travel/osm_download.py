"""Road networks downloaded from OpenStreetMap for a region's outline, cached on disk.

The planner's app offers this when no road file is uploaded: the townships' outline
(plus the 3 km buffer of :func:`planning.travel.osm.fetch_osm`) is sent to the Overpass API
through osmnx, the answer saved as OSM XML under ``cache/osm/`` and reused for the same
outline. It needs the internet; without it the caller falls back to straight-line
estimates. Tests replace the Overpass answer with a recorded one (never the live service).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import numpy as np
import shapely

from planning import settings

__all__ = ["roads_for_outline", "cached_roads"]


def _key(outline_wgs84) -> str:
    """A key of an outline: its coordinates rounded to 1e-4 degrees (about 10 m)."""
    coords = np.round(shapely.get_coordinates(outline_wgs84), 4)
    return hashlib.sha1(coords.tobytes()).hexdigest()[:16]


def cached_roads(outline_wgs84, cache_dir: Path | None = None) -> Path | None:
    """The road file downloaded before for this outline, or None."""
    path = Path(cache_dir or settings.CACHE_DIR) / "osm" / f"roads_{_key(outline_wgs84)}.osm"
    return path if path.exists() and path.stat().st_size > 0 else None


def roads_for_outline(outline_wgs84, *, cache_dir: Path | None = None,
                      progress: Callable[[str], None] | None = None) -> Path:
    """The OSM roads around a region's outline: from the cache, else downloaded (online).

    Parameters
    ----------
    outline_wgs84 : shapely.Polygon or shapely.MultiPolygon
        The region (e.g. the townships dissolved), longitude/latitude in WGS84.
    cache_dir : Path, optional
        Default :data:`planning.settings.CACHE_DIR`; files go to its ``osm`` folder.
    progress : callable, optional
        Called with a message key of :data:`planning.words.STRINGS` at each stage
        (``fetch.cached``, ``fetch.request``, ``fetch.saved``).

    Returns
    -------
    Path
        An ``.osm`` file for :func:`planning.travel.network.load_networks`.

    Raises
    ------
    InputError
        When the download fails or OpenStreetMap has no roads there (nothing is cached).
    """
    from planning.travel.osm import fetch_osm

    say = progress or (lambda key: None)
    found = cached_roads(outline_wgs84, cache_dir)
    if found is not None:
        say("fetch.cached")
        return found
    path = Path(cache_dir or settings.CACHE_DIR) / "osm" / f"roads_{_key(outline_wgs84)}.osm"
    path.parent.mkdir(parents=True, exist_ok=True)
    say("fetch.request")
    fetch_osm(outline_wgs84, path)  # written atomically: a failed download leaves nothing
    say("fetch.saved")
    return path
