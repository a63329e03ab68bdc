"""Places a planner points at: the facility nearest a point on a web map, a facility's name.

A web map (the app's, a notebook's folium map) gives WGS84 longitude/latitude; the
region's layers are in its metric CRS. These look-ups are straight-line, in metres, and
read the region as it is (pass a scenario's ``apply()`` to read the scenario's).
"""

from __future__ import annotations

import pyproj
import shapely

from planning.crs import WGS84
from planning.region import Region

__all__ = ["nearest_facility", "facility_name"]


def nearest_facility(region: Region, lon: float, lat: float, within_m: float) -> str | None:
    """The id of the facility nearest a WGS84 point, if it lies within ``within_m``.

    Parameters
    ----------
    region : Region
        Facilities in the region's metric CRS.
    lon, lat : float
        The point, WGS84 degrees (EPSG:4326), e.g. where a map was clicked.
    within_m : float
        The largest straight-line distance accepted, metres.

    Returns
    -------
    str or None
        The ``facility_id`` (as text), or None when the region has no facility that close.
    """
    fac = region.facilities
    if not len(fac):
        return None
    x, y = pyproj.Transformer.from_crs(WGS84, region.crs, always_xy=True).transform(lon, lat)
    d = shapely.distance(fac.geometry.values, shapely.Point(x, y))
    i = int(d.argmin())
    return str(fac["facility_id"].iloc[i]) if d[i] <= within_m else None


def facility_name(region: Region, facility_id: str) -> str:
    """A facility's name, or its id when the region has no such facility.

    Parameters
    ----------
    region : Region
    facility_id : str
        Compared as text (ids are text; a number given is read as its text).

    Returns
    -------
    str
    """
    fac = region.facilities
    hit = fac.loc[fac["facility_id"].astype(str) == str(facility_id), "name"]
    return str(hit.iloc[0]) if len(hit) else str(facility_id)
