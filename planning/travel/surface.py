"""Travel-time surface: minutes to the nearest facility on a regular grid, exact on the roads.

What AccessMod's travel-time raster gives, but computed on the road graph by the engine
(:class:`~planning.travel.engine.TravelEngine`) instead of by moving across cells of a
friction raster:

* the grid (:class:`Grid`) is aligned to multiples of its cell size in the region's
  metric CRS (metres); a cell belongs to the area when its centre lies inside it;
* each cell centre joins the network **as the engine snaps any point** (its snapping
  convention: the nearest road of a part that matters, an access leg at walking speed
  ``settings.WALK_SPEED_KMH``, then along its edge; :meth:`TravelEngine.snap_dense`, the
  same answer as ``snap`` found faster for many points); a centre farther than the snap
  limit from every road is *off-network* and has no value;
* one multi-source search from the facilities gives every junction's minutes; a cell
  adds its own access leg and partial edge (:meth:`TravelEngine.nearest` on the snapped
  centres), so a cell's minutes are exactly what ``nearest`` answers from its centre;
* minutes above the cap (``settings.SURFACE_CAP_MIN``) are not kept.

Snapping the cells depends only on the network and the grid, not on the facilities: it
is done once (:func:`prepare_cells`) and every facility set (a scenario edit) costs one
search (:func:`travel_time_surface`). The snapped cells are kept on disk beside the
engine's cache (``….cells_<key>.npz``), keyed by what they depend on — the network's
segments and node coordinates, the parts points snap to, the snap limit, and the grid
(CRS, origin, cell size, shape and which cells lie in the area) — so the next check of
the same region reads them instead of snapping again; so are their join costs on the
junction graph (``….cellends_<key>.npz``, keyed also by the network's weights and the
walking speed), from which every surface of the cells starts.

Units: minutes (values), metres (cells, coordinates); CRS: the network's (``net.crs``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import affine
import numpy as np
import pyproj
import rasterio.features
import shapely

from planning import settings
from planning.travel.engine import Points, Snapped, TravelEngine
from planning.travel.graph import Ends, read_ends, write_ends

#: format of the snapped cells' cache files (raise it when what they hold changes)
CELLS_CACHE_VERSION = 1

#: ``Surface.state`` codes: a value within the cap; no facility within the cap (or none
#: reachable from the cell's road); no road within the snap limit; not in the area
WITHIN, BEYOND_CAP, OFF_NETWORK, OUTSIDE = 0, 1, 2, 3
STATES = ("within", "beyond_cap", "off_network", "outside")


@dataclass(frozen=True)
class Grid:
    """A north-up regular grid of square cells.

    Attributes
    ----------
    crs : pyproj.CRS
        A metric CRS (the region's and the network's).
    x0, y0 : float
        Top-left corner (west edge, north edge), metres.
    cell_m : float
        Side of a cell, metres.
    shape : (int, int)
        Rows (north to south), columns (west to east).
    """

    crs: pyproj.CRS
    x0: float
    y0: float
    cell_m: float
    shape: tuple[int, int]

    @classmethod
    def covering(cls, bounds, crs, cell_m: float | None = None) -> "Grid":
        """The grid aligned to multiples of ``cell_m`` that covers ``bounds``.

        Parameters
        ----------
        bounds : (minx, miny, maxx, maxy)
            Metres in ``crs``.
        crs : pyproj.CRS or anything pyproj reads
            A metric (projected) CRS.
        cell_m : float, optional
            Side of a cell, metres (default ``settings.SURFACE_CELL_M``).
        """
        crs = pyproj.CRS.from_user_input(crs)
        if not crs.is_projected:
            raise ValueError(f"the grid needs a metric CRS, not {crs.name}")
        cell = float(settings.SURFACE_CELL_M if cell_m is None else cell_m)
        if not cell > 0:
            raise ValueError("cell_m must be > 0 metres")
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        x0, y0 = np.floor(minx / cell) * cell, np.ceil(maxy / cell) * cell
        cols = max(1, int(np.ceil((maxx - x0) / cell)))
        rows = max(1, int(np.ceil((y0 - miny) / cell)))
        return cls(crs, float(x0), float(y0), cell, (rows, cols))

    @property
    def transform(self) -> affine.Affine:
        """Cell (col, row) -> map (x, y) of the cell's top-left corner, metres."""
        return affine.Affine(self.cell_m, 0.0, self.x0, 0.0, -self.cell_m, self.y0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the whole grid, metres."""
        rows, cols = self.shape
        return (self.x0, self.y0 - rows * self.cell_m, self.x0 + cols * self.cell_m, self.y0)

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Centres of the given cells, shape (k, 2), metres."""
        return np.column_stack([self.x0 + (np.asarray(cols) + 0.5) * self.cell_m,
                                self.y0 - (np.asarray(rows) + 0.5) * self.cell_m])

    def cell_of(self, xy) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) of the cells holding points ``xy`` (k, 2), metres (may lie
        outside ``shape`` for points outside the grid)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        cols = np.floor((xy[:, 0] - self.x0) / self.cell_m).astype(np.int64)
        rows = np.floor((self.y0 - xy[:, 1]) / self.cell_m).astype(np.int64)
        return rows, cols


@dataclass(frozen=True)
class Cells:
    """The cells of an area on a grid, their centres snapped to one mode's network.

    Made by :func:`prepare_cells`; reused for every facility set on that network.

    Attributes
    ----------
    grid : Grid
    rows, cols : numpy.ndarray of int64, shape (k,)
        The cells whose centre lies in the area.
    snapped : Snapped
        Their centres snapped by the engine (network CRS, metres).
    ends : Ends or None
        Their centres joined to the engine's junction graph as origins for
        ``weight="time"`` (``engine.ends(snapped, "time", arriving=False)``: seconds),
        which every surface of these cells starts from; None: joined when needed.
    """

    grid: Grid
    rows: np.ndarray
    cols: np.ndarray
    snapped: Snapped
    ends: Ends | None = None


@dataclass(frozen=True)
class Surface:
    """Minutes to the nearest facility per cell.

    Attributes
    ----------
    grid : Grid
    minutes : numpy.ndarray of float32, shape ``grid.shape``
        Minutes from the cell's centre to the nearest facility (access leg at walking
        speed, then the road network); NaN where ``state`` is not ``WITHIN``.
    facility : numpy.ndarray of int32, shape ``grid.shape``
        Index (into the facilities given) of that facility; -1 where no value.
    state : numpy.ndarray of uint8, shape ``grid.shape``
        :data:`WITHIN`, :data:`BEYOND_CAP`, :data:`OFF_NETWORK` or :data:`OUTSIDE`.
    cap_minutes : float
        Minutes above this are not kept (``BEYOND_CAP``).
    mode : str
        The network's travel mode.
    """

    grid: Grid
    minutes: np.ndarray
    facility: np.ndarray
    state: np.ndarray
    cap_minutes: float
    mode: str

    def counts(self) -> dict[str, int]:
        """Number of cells per state (:data:`STATES`)."""
        n = np.bincount(self.state.ravel(), minlength=len(STATES))
        return {name: int(n[i]) for i, name in enumerate(STATES)}

    def area_within_km2(self, minutes: float) -> float:
        """Area of the cells within ``minutes`` of a facility, km² (cells × cell area)."""
        n = int(np.count_nonzero(self.minutes <= minutes))
        return n * self.grid.cell_m ** 2 / 1e6


def prepare_cells(engine: TravelEngine, area, *, cell_m: float | None = None,
                  cache: bool = True) -> Cells:
    """Snap the centres of an area's cells to the engine's network.

    Parameters
    ----------
    engine : TravelEngine
        One mode's prepared engine (its network's CRS is the grid's).
    area : shapely geometry, or a sequence of them (e.g. townships' polygons)
        The area to cover, in the network's CRS; a cell is in it when its centre is.
    cell_m : float, optional
        Side of a cell, metres (default ``settings.SURFACE_CELL_M``).
    cache : bool, optional
        Read the snapped cells from disk when the same network and grid were snapped
        before, and save them otherwise (beside the engine's cache file,
        ``engine.cache_file``; an engine without one caches nothing). Default True.

    Returns
    -------
    Cells
    """
    geoms = [g for g in np.atleast_1d(np.asarray(area, dtype=object)) if not shapely.is_empty(g)]
    grid = Grid.covering(shapely.total_bounds(geoms) if geoms else (0, 0, 0, 0),
                         engine.net.crs, cell_m)
    if geoms:
        inside = rasterio.features.geometry_mask(geoms, grid.shape, grid.transform, invert=True)
    else:
        inside = np.zeros(grid.shape, dtype=bool)
    rows, cols = np.nonzero(inside)
    centres = grid.centres(rows, cols)
    key = _cells_key(engine, grid, inside) if cache else ""
    snapped, _ = engine.snapped_on_disk(engine.cache_path("cells", key) if cache else None,
                                        key, centres, engine.snap_dense)
    # their join costs on the junction graph (seconds), kept beside them: they depend on
    # the network's weights and the walking speed too
    h = hashlib.blake2b(f"cellends {CELLS_CACHE_VERSION} {key} {engine.fingerprint} "
                        f"{engine.walk_speed_kmh!r}".encode(), digest_size=12)
    file = engine.cache_path("cellends", h.hexdigest()) if cache else None
    ends = read_ends(file, h.hexdigest(), len(centres)) if file else None
    if ends is None:
        ends = engine.ends(snapped, "time", arriving=False)
        if file:
            write_ends(file, h.hexdigest(), ends)
    return Cells(grid, rows, cols, snapped, ends)


def cells_file(engine: TravelEngine, grid: Grid, inside: np.ndarray) -> Path | None:
    """Where the cells ``inside`` (a boolean mask of ``grid.shape``) snapped to
    ``engine``'s network are cached: beside the engine's cache file, named by a digest
    of the network (:attr:`TravelEngine.snap_key`) and the grid; None when the engine
    has no cache file."""
    return engine.cache_path("cells", _cells_key(engine, grid, inside))


def _cells_key(engine: TravelEngine, grid: Grid, inside: np.ndarray) -> str:
    """Digest of the network the cells snap to and of the grid (CRS, origin, cell size,
    shape, which cells are in the area)."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"cells {CELLS_CACHE_VERSION} {engine.snap_key} {grid.crs.to_wkt()} "
             f"{grid.x0!r} {grid.y0!r} {grid.cell_m!r} {grid.shape}".encode())
    h.update(np.packbits(np.ascontiguousarray(inside, dtype=bool)).data)
    return h.hexdigest()


def travel_time_surface(engine: TravelEngine, cells: Cells, facilities_xy: Points, *,
                        cap_minutes: float | None = None) -> Surface:
    """Minutes from every cell of ``cells`` to the nearest of ``facilities_xy``.

    One multi-source Dijkstra from the facilities on the engine's junction graph; each
    cell adds its access leg (walking speed) and partial edge, as
    :meth:`TravelEngine.nearest` does for any origin.

    Parameters
    ----------
    engine : TravelEngine
        The engine ``cells`` were prepared with.
    cells : Cells
        From :func:`prepare_cells`.
    facilities_xy : array (k, 2), Snapped, or GeoSeries/GeoDataFrame of points
        Facilities in the network CRS, metres.
    cap_minutes : float, optional
        Minutes above this are not kept (default ``settings.SURFACE_CAP_MIN``).

    Returns
    -------
    Surface
    """
    sn = cells.snapped
    joined = cells.ends if cells.ends is not None else engine.ends(sn, "time", arriving=False)
    seconds, fac = (engine.nearest_joined(joined, facilities_xy, "time") if len(sn)
                    else (np.zeros(0), np.zeros(0, np.int64)))
    return surface_of(cells, seconds, fac, engine.net.mode, cap_minutes=cap_minutes)


def surface_of(cells: Cells, seconds: np.ndarray, facility_index: np.ndarray, mode: str, *,
               cap_minutes: float | None = None) -> Surface:
    """The :class:`Surface` of ``cells`` given each cell's cost to its nearest facility.

    Parameters
    ----------
    cells : Cells
    seconds : numpy.ndarray of float64, shape (len(cells.rows),)
        Seconds from each cell's centre to its nearest facility (``inf``: none).
    facility_index : numpy.ndarray of int, same shape
        Which facility (-1: none).
    mode : str
        The network's travel mode.
    cap_minutes : float, optional
        Minutes above this are not kept (default ``settings.SURFACE_CAP_MIN``).
    """
    cap = float(settings.SURFACE_CAP_MIN if cap_minutes is None else cap_minutes)
    if not cap > 0:
        raise ValueError("cap_minutes must be > 0")
    grid = cells.grid
    minutes = np.full(grid.shape, np.nan, dtype=np.float32)
    facility = np.full(grid.shape, -1, dtype=np.int32)
    state = np.full(grid.shape, OUTSIDE, dtype=np.uint8)
    sn, fac = cells.snapped, facility_index
    if len(sn):
        m = seconds / 60.0
        ok = m <= cap                                   # False for inf (unreachable)
        r, c = cells.rows, cells.cols
        state[r, c] = np.where(sn.off_network, OFF_NETWORK, np.where(ok, WITHIN, BEYOND_CAP))
        minutes[r[ok], c[ok]] = m[ok]
        facility[r[ok], c[ok]] = fac[ok]
    return Surface(grid, minutes, facility, state, cap, mode)
