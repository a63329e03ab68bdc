"""Partitioned runs: counties, the buffers their rules need, and road networks cut to them.

A large region (a province, the country) is split into **counties** (its districts, or
the regions of a folder). Each county is checked by one task that sees its own
townships, villages and facilities and, per travel mode, the roads, villages and
facilities of a buffer wide enough for the rules' reach, so a village near a border is
served by the clinic across it exactly as in a whole-region run.

Buffers (metres, per mode; :func:`buffers_m`) follow from the rulebook. A trip of cost
``c`` never leaves the disc of radius ``c × v`` around its origin, ``v`` being the
fastest speed on the mode's *whole* network (1 m per metre for road distances; for
times the fastest edge, at least walking speed, since access legs are walked), and a
point snaps to a road within the snap limit ``s``. So a search limited to ``L`` needs
the roads and facilities within ``L × v + s`` of the county:

- walk: R2's ``max_distance_m`` (1,500 m) + ``s``;
- R3's mode: ``max_minutes × 60 × v`` + ``s`` + ``isochrone_buffer_m`` (the display
  polygon is drawn that far beside the roads);
- R8's modes: each catchment's ``minutes × 60 × v`` + ``s`` (GPs: 30 min by e-bike;
  village doctors: 15 min on foot);
- drive: R4's ``hard_to_reach_minutes × 60 × v`` + ``s`` (30 min at the fastest road);
  R7 adds the leads of the county's medical communities to its facilities.

Buffers are measured from the county's **extent** (:func:`county_extent`): its area
and any of its own villages or facilities lying outside it, so every origin a task
answers for lies at least a buffer inside its cuts.

Searches without a limit (R2's nearest clinic beyond 1.5 km, R3's minutes beyond 15,
R4's minutes beyond 30, R7's drive to the lead) are **checked**, answer by answer
(:class:`CutAccess`): a cost ``c`` found on a network cut to an area ``A`` is exact when
the origin lies at least ``c × v + s`` inside ``A`` (the best path and the facility's
own snap then lie in ``A``, and a cut only removes paths) and every facility within
``c × v`` is among the task's (within its widest buffer; hospitals are everywhere);
"unreachable" is exact when the origin's connected part of the *whole* network lies
inside ``A``. The few answers
that are not are recomputed on a wider cut around their origins (a second pass: discs
of radius ``c × v + s``, or twice the margin when nothing was reached), until they are.

R8's catchments are answered **per facility** (a row: every village it reaches within
the cutoff), for the facilities the county owns: exact when the cut holds the disc of
radius ``cutoff × v + s`` round the facility and the task holds every village within
``cutoff × v`` of it (:func:`villages_m`). The E2SFCA is then computed once, by the
driver, from the complete rows — which is why one catchment is enough, not the two a
county computing its own villages' figures would need. The cost to leave the region
(:meth:`CutAccess.border_cost`) is a nearest search to the road nodes just across the
*whole* region's outline, found by the driver on the whole network
(:func:`planning.travel.access.border_nodes`); a county's cut answers it exactly up to its
buffer's reach, ``(buffer − s) / v``, which holds every catchment a rule compares it with.

R3's travel-time surface (:meth:`CutAccess.surface`, when ``settings.R3_AREAS`` is
``"surface"``) is answered **per cell**: each county computes the cells of its own
townships — on the grid aligned to multiples of the cell size, so they are the whole
region's cells — from their centres on its cut. A cell lies inside the county, at least
R3's buffer ``b`` inside the cut, so its minutes are exact up to ``(b / k − s) / v``
(``k``: the buffered outline is drawn inside the circle), at least R3's
``max_minutes`` (about 18 minutes on foot for 15). :class:`ReplayAccess` merges the
counties' rasters; the merged surface keeps values up to that bound (its
``cap_minutes``) and calls every cell beyond it ``BEYOND_CAP`` — so R3's covered and
uncovered areas (cells within ``max_minutes``) are those of one process, while a
surface for maps beyond the bound needs a one-process run (or wider buffers).

Road networks are cut from :class:`TileStore`: the whole network of each mode, loaded
once by :mod:`planning.travel.network` (cached), with each node's connected part computed on
the whole network, written as square tiles; a task reads only the tiles its area
touches. The county tasks record every answer they checked — costs, catchment rows,
how their villages and facilities snapped — and :class:`ReplayAccess` plays them back
to the rules run once over the whole region, so merged layers and the total summary
come from the same rule code as a single-process run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from scipy import sparse as sp
from scipy.sparse.csgraph import connected_components

from planning import settings
from planning.region import Region, within_polygons
from planning.travel.access import Access, border_nodes, region_outline
from planning.travel.engine import TravelEngine, main_parts
from planning.travel.network import RoadNetwork, region_network
from planning.travel.surface import (
    BEYOND_CAP,
    OUTSIDE,
    Cells,
    Grid,
    Surface,
    surface_of,
)

#: facility kinds few enough that every county task holds all of them (R4's hospitals
#: and R7's leads may lie far beyond any buffer); others only within the widest buffer
EVERYWHERE_KINDS = ("district_hospital", "tcm_hospital", "general_hospital")
#: side of a road tile, metres (a county task reads the tiles its buffered area touches)
TILE_M = 10_000.0
#: bump when the tile files change meaning
TILE_VERSION = 2
#: a disc drawn by shapely.buffer (16 segments a quarter) holds the circle of radius r
#: when drawn with radius r * _CIRCLE
_CIRCLE = 1.0 / np.cos(np.pi / 64) + 1e-6
#: widening rounds before giving up (each round at least doubles a search radius)
MAX_ROUNDS = 12


# ------------------------------------------------------------------------ counties


@dataclass(frozen=True)
class County:
    """One unit of a partitioned run.

    Attributes
    ----------
    county_id : str
        The value of the split column (a district name or code), or the region's folder name.
    township_ids : tuple of str
        The townships it owns; its villages are theirs, its facilities those inside them.
    """

    county_id: str
    township_ids: tuple[str, ...]


@dataclass
class Owners:
    """Which county owns each row of each layer (Series indexed like the layer)."""

    townships: pd.Series
    villages: pd.Series
    facilities: pd.Series
    districts: pd.Series | None


def split(region: Region, column: str = "district") -> list[County]:
    """Counties of a region by a column of its townships (default ``district``).

    Raises
    ------
    ValueError
        When the townships have no such column or it is empty.
    """
    towns = region.townships
    if column not in towns or towns[column].isna().all():
        raise ValueError(f"the townships have no {column!r} column to split by")
    key = towns[column].fillna("（未注明）").astype(str)
    return [County(c, tuple(towns.loc[key == c, "township_id"].astype(str)))
            for c in sorted(key.unique())]


def areas(region: Region, counties: list[County]) -> dict[str, shapely.Geometry]:
    """Each county's area: the union of its townships' polygons (region CRS, metres)."""
    towns = region.townships.set_index("township_id")
    return {c.county_id: shapely.union_all(towns.loc[list(c.township_ids), "geometry"].values)
            for c in counties}


def owners(region: Region, counties: list[County],
           area: dict[str, shapely.Geometry]) -> Owners:
    """The county owning each township, village, facility and district.

    Villages follow their ``township_id`` (else the nearest county); facilities the
    township polygon holding them (else the nearest county, e.g. a hospital just outside
    the region); districts their name or the county holding their representative point.
    """
    town_to = {t: c.county_id for c in counties for t in c.township_ids}
    zones = gpd.GeoDataFrame({"county": list(area)}, geometry=list(area.values()),
                             crs=region.crs)

    def nearest(points: gpd.GeoDataFrame) -> pd.Series:
        if len(points) == 0:
            return pd.Series(index=points.index, dtype=object)
        j = gpd.sjoin_nearest(points[["geometry"]], zones, how="left")
        return j[~j.index.duplicated()]["county"].reindex(points.index)

    towns = region.townships["township_id"].map(town_to)
    vill = region.villages["township_id"].map(town_to)
    if vill.isna().any():
        vill[vill.isna()] = nearest(region.villages[vill.isna()])
    fac = within_polygons(region.facilities, region.townships, "township_id").map(town_to)
    if fac.isna().any():
        fac[fac.isna()] = nearest(region.facilities[fac.isna()])
    dist = None
    if region.districts is not None:
        dist = region.districts["name"].astype(str).where(
            region.districts["name"].astype(str).isin(area))
        if "district_id" in region.districts:
            by_id = region.districts["district_id"].astype(str)
            dist = dist.where(dist.notna(), by_id.where(by_id.isin(area)))
        rest = dist.isna()
        if rest.any():
            seats = gpd.GeoDataFrame(geometry=region.districts[rest].representative_point(),
                                     crs=region.crs)
            dist[rest] = within_polygons(seats, zones, "county")
    return Owners(towns.astype(object), vill.astype(object), fac.astype(object),
                  None if dist is None else dist.astype(object))


def buffers_m(rulebook, speed_mps: dict[str, float], snap_m: float) -> dict[str, float]:
    """Buffer per travel mode, metres: how far beyond a county its task needs roads.

    Parameters
    ----------
    rulebook : Rulebook
    speed_mps : dict of str to float
        Fastest speed of each mode's whole network, metres per second (at least walking
        speed: access legs are walked).
    snap_m : float
        Snap limit, metres.

    Returns
    -------
    dict of str to float
        ``walk``, ``drive``, R3's mode and R8's modes (see the module docstring for how
        each follows from the rulebook).
    """
    r3 = rulebook["R3"]
    out = {"walk": rulebook["R2"]["max_distance_m"] + snap_m,
           "drive": rulebook["R4"]["hard_to_reach_minutes"] * 60.0 * speed_mps["drive"] + snap_m}
    wants = [(r3["mode"], r3["max_minutes"] * 60.0 * speed_mps[r3["mode"]] + snap_m
              + r3["isochrone_buffer_m"])]
    wants += [(mode, reach + snap_m) for mode, reach in _catchments_m(rulebook, speed_mps)]
    for mode, metres in wants:
        out[mode] = max(out.get(mode, 0.0), metres)
    return out


def villages_m(rulebook, speed_mps: dict[str, float]) -> float:
    """How far beyond a county its task needs villages, metres: the farthest a village
    in one of R8's catchments can lie from the facility (``minutes × 60 × v``), so the
    rows of the county's own facilities are complete. (Nearest-facility and cost
    answers concern the county's own villages only.)"""
    return max((reach for _, reach in _catchments_m(rulebook, speed_mps)), default=0.0)


def _catchments_m(rulebook, speed_mps: dict[str, float]) -> list[tuple[str, float]]:
    """R8's catchments as (mode, farthest reach in metres): GPs and village doctors."""
    p = rulebook["R8"]
    return [(p[f"{w}_mode"], float(p[f"{w}_minutes"]) * 60.0 * speed_mps[p[f"{w}_mode"]])
            for w in ("gp", "village_doctor")]


def county_extent(area: shapely.Geometry, xy: np.ndarray) -> shapely.Geometry:
    """A county's area with its own points that lie outside it (a village beyond its
    township's polygon, a hospital just across the region's boundary): what its
    buffers are measured from, so each origin it answers for lies a buffer inside."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    out = xy[~shapely.contains_xy(area, xy[:, 0], xy[:, 1])] if len(xy) else xy
    return shapely.union_all([area, *shapely.points(out)]) if len(out) else area


def own_points(region: Region, own: Owners, cid: str) -> np.ndarray:
    """The points of the villages and facilities the county ``cid`` owns."""
    return np.concatenate([_xy(region.villages[(own.villages == cid).to_numpy()]),
                           _xy(region.facilities[(own.facilities == cid).to_numpy()])])


def across_points(region: Region, modes) -> dict[str, np.ndarray]:
    """Per mode, the road nodes just across the whole region's outline, shape (k, 2),
    metres (:func:`planning.travel.access.border_nodes`): what a county's
    :meth:`CutAccess.border_cost` searches for. Found by the driver on the whole network
    the tiles are built from, since a county sees neither the whole outline nor the
    whole network."""
    outline = region_outline(region)
    out = {}
    for mode in modes:
        net = region_network(region, mode)
        nodes = border_nodes(net, outline)
        out[mode] = np.column_stack([np.asarray(net.x, float)[nodes],
                                     np.asarray(net.y, float)[nodes]])
    return out


def sub_region(region: Region, own: Owners, county: County, area: shapely.Geometry,
               buffers: dict[str, float], leads: bool = True,
               villages_within: float | None = None) -> Region:
    """The region one county's task sees.

    Its own townships and districts; its own villages and those within
    ``villages_within`` metres of its extent (:func:`villages_m`: R8's catchment rows;
    default the widest buffer of a mode other than drive); its own facilities, every
    facility within the widest buffer of any mode, every hospital
    (:data:`EVERYWHERE_KINDS`) and (``leads``) the leads of its centres' medical
    communities. Buffers are measured from :func:`county_extent`.
    Row order is the region's (rules that pick "the first" pick the same one).
    """
    cid = county.county_id
    extent = county_extent(area, own_points(region, own, cid))
    near = extent.buffer(_village_buffer(buffers, villages_within))
    far = extent.buffer(max(buffers.values()))
    v = region.villages
    f = region.facilities
    keep_v = (own.villages == cid).to_numpy() | shapely.contains_xy(near, v.geometry.x, v.geometry.y)
    keep_f = (own.facilities == cid).to_numpy() | shapely.contains_xy(far, f.geometry.x, f.geometry.y)
    keep_f |= f["kind"].isin(EVERYWHERE_KINDS).to_numpy()
    if leads and "group_id" in f:
        groups = set(f.loc[(own.facilities == cid).to_numpy(), "group_id"].dropna().astype(str))
        keep_f |= f["group_id"].astype(str).isin(groups).to_numpy()
    districts = None
    if region.districts is not None:
        districts = region.districts[(own.districts == cid).to_numpy()]
    sub = Region(name=cid, crs=region.crs,
                 townships=region.townships[(own.townships == cid).to_numpy()],
                 villages=v[keep_v], facilities=f[keep_f], districts=districts,
                 sources=dict(region.sources))
    return sub


def _village_buffer(buffers: dict[str, float], villages_within: float | None) -> float:
    if villages_within is not None:
        return float(villages_within)
    return max(b for m, b in buffers.items() if m != "drive")


# ------------------------------------------------------------------------ road tiles


class TileStore:
    """Each mode's whole road network, cut into square tiles on disk.

    A tile holds every edge whose bounding box touches it, with both end nodes, their
    coordinates (the region's metric CRS) and the node's connected part of the whole
    network: ``weak`` (weakly connected component label) and ``strong`` (strongly
    connected component label). Edge indices are the whole network's, so a cut keeps the
    loader's node and edge order. ``components_<mode>.npz`` holds, per weak part, its
    bounding box and size, and per strong part its size.

    Build with :meth:`for_region` (cached by the networks' cache files; built once).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.index = json.loads((self.folder / "index.json").read_text(encoding="utf-8"))
        self.tile_m = float(self.index["tile_m"])
        self._parts: dict[str, dict[str, np.ndarray]] = {}

    # -- building
    @classmethod
    def for_region(cls, region: Region, modes=settings.MODES,
                   cache_dir: str | Path | None = None, tile_m: float = TILE_M) -> TileStore:
        """The tile store of a region's road network (built on first use).

        Loads each mode's whole network with the region's loader (disk-cached), so it
        runs where the roads file is; the tasks only read tiles.
        """
        nets = {m: region_network(region, m) for m in modes}
        # the network cache file's name holds its content key (not its folder: the same
        # networks under another checkout or cache folder reuse the tiles)
        spec = {"version": TILE_VERSION, "tile_m": tile_m,
                "min_part_nodes": settings.SNAP_MIN_PART_NODES,
                "networks": {m: Path(n.info["cache_file"]).name if n.info.get("cache_file")
                             else _digest(n) for m, n in nets.items()}}
        key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
        folder = Path(cache_dir or settings.CACHE_DIR) / "tiles" / key
        if not (folder / "index.json").exists():
            cls.build(nets, folder, tile_m)
        return cls(folder)

    @classmethod
    def build(cls, nets: dict[str, RoadNetwork], folder: Path, tile_m: float = TILE_M) -> None:
        """Write the tiles of ``nets`` (one per mode) into ``folder`` (atomically)."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        crs = next(iter(nets.values())).crs
        index = {"version": TILE_VERSION, "tile_m": tile_m, "crs": crs.to_wkt(), "modes": {}}
        for mode, net in nets.items():
            index["modes"][mode] = _write_tiles(net, tmp / mode, tile_m)
            np.savez(tmp / f"components_{mode}.npz", **_parts(net))
        (tmp / "index.json").write_text(json.dumps(index), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    # -- reading
    def speed(self, mode: str) -> float:
        """Fastest speed on the mode's whole network, m/s (at least walking speed)."""
        return float(self.index["modes"][mode]["speed_mps"])

    def bounds(self, mode: str) -> tuple[float, float, float, float]:
        """Bounding box of every node of the mode's whole network, metres."""
        return tuple(self.index["modes"][mode]["bounds"])

    def parts(self, mode: str) -> dict[str, np.ndarray]:
        """Per weak part: ``box`` (xmin, ymin, xmax, ymax) and ``size``; per strong part
        ``strong_size`` (nodes) and ``strong_keep`` (whether points may snap to it, as
        on the whole network)."""
        if mode not in self._parts:
            with np.load(self.folder / f"components_{mode}.npz") as z:
                self._parts[mode] = {k: z[k] for k in z.files}
        return self._parts[mode]

    def covers_all(self, mode: str, area: shapely.Geometry, margin: float) -> bool:
        """Does ``area`` hold the whole network (and ``margin`` metres around it)?"""
        x0, y0, x1, y1 = self.bounds(mode)
        return bool(area.contains(shapely.box(x0, y0, x1, y1).buffer(margin)))

    def cut(self, mode: str, area: shapely.Geometry) -> Cut:
        """The mode's network cut to ``area``: every edge that meets it (exactly).

        Node and edge order are the whole network's (ascending OSM id; the loader's
        canonical edge order), so the engine sees the same graph restricted.
        """
        info = self.index["modes"][mode]
        x0, y0, x1, y1 = area.bounds
        t = self.tile_m
        have = set(info["tiles"])
        names = [f"{i}_{j}" for i in range(int(np.floor(x0 / t)), int(np.floor(x1 / t)) + 1)
                 for j in range(int(np.floor(y0 / t)), int(np.floor(y1 / t)) + 1)]
        parts = []
        for name in names:
            if name in have:
                with np.load(self.folder / mode / f"{name}.npz") as z:
                    parts.append({k: z[k] for k in z.files})
        crs = _crs(self.index["crs"])
        if not parts:
            return Cut(_empty_network(mode, crs), np.zeros(0, np.int64), np.zeros(0, np.int64),
                       area)
        cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        # nodes: one row per OSM id; edges: one row per whole-network edge index
        nid, first = np.unique(cat["node_osmid"], return_index=True)
        _, efirst = np.unique(cat["edge"], return_index=True)
        uo, vo = cat["u_osmid"][efirst], cat["v_osmid"][efirst]
        ui, vi = np.searchsorted(nid, uo), np.searchsorted(nid, vo)
        x, y = cat["x"][first], cat["y"][first]
        shapely.prepare(area)
        inside = shapely.contains_xy(area, x, y)
        meet = inside[ui] | inside[vi]
        rest = np.flatnonzero(~meet)
        if len(rest):
            segs = shapely.linestrings(np.stack([np.column_stack([x[ui[rest]], y[ui[rest]]]),
                                                 np.column_stack([x[vi[rest]], y[vi[rest]]])],
                                                axis=1))
            meet[rest] = shapely.intersects(area, segs)
        keep = np.flatnonzero(meet)
        used, inv = np.unique(np.concatenate([ui[keep], vi[keep]]), return_inverse=True)
        k = len(keep)
        net = RoadNetwork(mode, crs, nid[used], x[used], y[used], inv[:k].astype(np.int32),
                          inv[k:].astype(np.int32), cat["length_m"][efirst][keep],
                          cat["time_s"][efirst][keep], cat["highway"][efirst][keep],
                          source=f"tiles {self.folder.name}/{mode}")
        return Cut(net, cat["weak"][first][used], cat["strong"][first][used], area)


@dataclass
class Cut:
    """A network cut to an area: complete inside ``area`` (every edge meeting it).

    ``weak`` and ``strong`` are, per node of ``net``, its connected part of the *whole*
    network (labels of :meth:`TileStore.parts`).
    """

    net: RoadNetwork
    weak: np.ndarray
    strong: np.ndarray
    area: shapely.Geometry


def _digest(net: RoadNetwork) -> str:
    """Content digest of a network without a cache file (built in memory)."""
    h = hashlib.sha256(net.crs.to_wkt().encode())
    for a in (net.node_osmid, net.x, net.y, net.u, net.v, net.length_m, net.time_s):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _crs(wkt: str):
    import pyproj

    return pyproj.CRS.from_wkt(wkt)


def _empty_network(mode: str, crs) -> RoadNetwork:
    z = np.zeros(0)
    i = np.zeros(0, np.int32)
    return RoadNetwork(mode, crs, np.zeros(0, np.int64), z, z, i, i, z, z, np.zeros(0, str))


def _labels(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weak and strong component label of every node of the whole network, and which
    strong parts points may snap to (:func:`planning.travel.engine.main_parts`)."""
    n = net.n_nodes
    g = sp.csr_array((np.ones(net.n_edges), (net.u, net.v)), shape=(n, n))
    strong, keep = main_parts(net.u.astype(np.int64), net.v.astype(np.int64), n,
                              settings.SNAP_MIN_PART_NODES)
    return connected_components(g, directed=True, connection="weak")[1], strong, keep


def _parts(net: RoadNetwork) -> dict[str, np.ndarray]:
    weak, strong, keep = _labels(net)
    k = int(weak.max()) + 1 if len(weak) else 0
    box = np.empty((k, 4))
    for col, (arr, fn) in enumerate(((net.x, np.minimum), (net.y, np.minimum),
                                     (net.x, np.maximum), (net.y, np.maximum))):
        box[:, col] = np.inf if fn is np.minimum else -np.inf
        fn.at(box[:, col], weak, arr)
    return {"box": box, "size": np.bincount(weak, minlength=k), "strong_size": np.bincount(strong),
            "strong_keep": keep}


def _write_tiles(net: RoadNetwork, folder: Path, tile_m: float) -> dict:
    """Write one mode's tiles; returns the mode's index entry."""
    folder.mkdir(parents=True)
    weak, strong, _ = _labels(net)
    u, v = net.u.astype(np.int64), net.v.astype(np.int64)
    ix, iy = np.floor(net.x / tile_m).astype(np.int64), np.floor(net.y / tile_m).astype(np.int64)
    x0, x1 = np.minimum(ix[u], ix[v]), np.maximum(ix[u], ix[v])
    y0, y1 = np.minimum(iy[u], iy[v]), np.maximum(iy[u], iy[v])
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    count = nx * ny
    edge = np.repeat(np.arange(len(u)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    cx, cy = x0[edge] + k % nx[edge], y0[edge] + k // nx[edge]
    order = np.lexsort((edge, cy, cx))
    edge, cx, cy = edge[order], cx[order], cy[order]
    cut = np.flatnonzero((cx[1:] != cx[:-1]) | (cy[1:] != cy[:-1])) + 1
    names = []
    for group in np.split(np.arange(len(edge)), cut):
        if len(group) == 0:
            continue
        e = edge[group]
        nodes = np.unique(np.concatenate([u[e], v[e]]))
        name = f"{cx[group[0]]}_{cy[group[0]]}"
        names.append(name)
        np.savez(folder / f"{name}.npz", edge=e, u_osmid=net.node_osmid[u[e]],
                 v_osmid=net.node_osmid[v[e]], length_m=net.length_m[e], time_s=net.time_s[e],
                 highway=net.highway[e], node_osmid=net.node_osmid[nodes], x=net.x[nodes],
                 y=net.y[nodes], weak=weak[nodes], strong=strong[nodes])
    geometric = np.hypot(net.x[v] - net.x[u], net.y[v] - net.y[u])
    with np.errstate(divide="ignore", invalid="ignore"):
        top = float(np.nanmax(np.where(net.time_s > 0, geometric / net.time_s, 0.0))) \
            if len(u) else 0.0
    speed = max(top, settings.WALK_SPEED_KMH / 3.6)
    bounds = [float(net.x.min()), float(net.y.min()), float(net.x.max()), float(net.y.max())] \
        if net.n_nodes else [0.0, 0.0, 0.0, 0.0]
    return {"tiles": names, "speed_mps": speed, "bounds": bounds, "nodes": int(net.n_nodes),
            "edges": int(net.n_edges)}


# ------------------------------------------------------------------------ answers


def ids_key(ids) -> str:
    """A content key for a set of facility ids (order does not matter)."""
    text = "\x1f".join(sorted(str(i) for i in ids))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _row_ids(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Identifiers of origins: facility ids for facilities, village ids for villages."""
    col = "facility_id" if "facility_id" in frame else "village_id"
    return frame[col].astype(str).to_numpy(dtype=object)


class CutAccess(Access):
    """The travel costs of one county's task: cut networks, checked and widened answers.

    Each mode's network is cut to the county's extent (:func:`county_extent`) plus the
    mode's buffer. Every answer for an origin the county owns is checked (module
    docstring); those that are not exact on the cut are recomputed on wider cuts around
    their origins. The checked answers are kept in :attr:`answers` for the driver's
    :class:`ReplayAccess`.

    Parameters
    ----------
    region : Region
        The county's :func:`sub_region`.
    store : TileStore
    area : shapely.Geometry
        The county's own area (its townships), metric CRS.
    buffers : dict of str to float
        Metres per mode (:func:`buffers_m`); modes not listed use the widest.
    owned_villages, owned_facilities : set of str
        Ids of the origins this county answers for.
    villages_within : float, optional
        Metres beyond the extent within which the task holds every village (as given to
        :func:`sub_region`): R8's catchment rows are complete there.
    across : dict of str to array, optional
        Per mode, the road nodes just across the *whole* region's outline
        (:func:`planning.travel.access.border_nodes`, metres): :meth:`border_cost`
        searches for those whose snapping is exact on the mode's cut.

    Attributes
    ----------
    answers : dict
        ``key -> payload`` (JSON-ready): nearest-facility answers per village, cost
        entries per (origin, destination), catchment rows per facility, costs to leave
        the region, how the villages and facilities snapped, clipped display polygons.
    stats : dict
        Per mode: ``nodes`` (nodes of every cut searched), ``owned_nodes`` (nodes inside
        the county), ``widened`` (answers recomputed on a wider cut), ``rounds``.
    """

    def __init__(self, region: Region, store: TileStore, area: shapely.Geometry,
                 buffers: dict[str, float], owned_villages: set[str],
                 owned_facilities: set[str], villages_within: float | None = None,
                 across: dict[str, np.ndarray] | None = None):
        super().__init__(region)
        self.store = store
        self.area = area
        self.buffers = buffers
        self.owned_v = owned_villages
        self.owned_f = owned_facilities
        self.answers: dict[str, dict] = {}
        self.stats: dict[str, dict] = {}
        self._cuts: dict[str, Cut] = {}
        v, f = region.villages, region.facilities
        self._own_rows = np.flatnonzero(v["village_id"].astype(str).isin(owned_villages).to_numpy())
        own_f = f["facility_id"].astype(str).isin(owned_facilities).to_numpy()
        #: the county's area and its own points outside it (buffers are measured from it)
        self.extent = county_extent(area, np.concatenate([_xy(v.iloc[self._own_rows]),
                                                          _xy(f[own_f])]))
        #: where the county's facilities are complete (:func:`sub_region`'s widest buffer)
        self.facility_area = self.extent.buffer(max(buffers.values()))
        #: where its villages are complete (:func:`sub_region`'s village buffer)
        self.village_area = self.extent.buffer(_village_buffer(buffers, villages_within))
        self.across = {m: np.asarray(xy, dtype=float).reshape(-1, 2)
                       for m, xy in (across or {}).items()}

    # -- the base cut of each mode
    def engine(self, mode: str) -> TravelEngine:
        if mode not in self._engines:
            import time

            t0 = time.perf_counter()
            cut = self.store.cut(mode, self.extent.buffer(
                self.buffers.get(mode, max(self.buffers.values()))))
            self._cuts[mode] = cut
            self._engines[mode] = self._engine(mode, cut)
            self._villages[mode] = self._engines[mode].snap(self.region.villages.geometry)
            owned = int(shapely.contains_xy(self.area, cut.net.x, cut.net.y).sum())
            self.stats[mode] = {"nodes": int(cut.net.n_nodes), "owned_nodes": owned,
                                "widened": 0, "rounds": 0}
            self.timings[f"network {mode}"] = time.perf_counter() - t0
        return self._engines[mode]

    def _reach(self, mode: str, weight: str) -> float:
        return 1.0 if weight == "length" else self.store.speed(mode)

    def _usable(self, cut: Cut, xy: np.ndarray, snap: float) -> np.ndarray:
        """Facilities whose own snapping is exact on the cut (their snap disc inside)."""
        return _margin(cut.area, xy) >= snap

    def _exact(self, mode: str, weight: str, cut: Cut, engine: TravelEngine, xy: np.ndarray,
               cost: np.ndarray, cutoff: float = np.inf, everywhere: bool = False,
               facility_area: shapely.Geometry | None = None) -> np.ndarray:
        """Which of these origins' costs are exact on the cut (module docstring).

        Two conditions: the cut holds every road of the best path (the cut's area holds
        the disc of radius ``cost × v + s`` round the origin), and the county's
        facilities hold every facility that might be nearer (those within
        ``facility_area``, by default the widest buffer :attr:`facility_area`, hold that
        disc less the snap) — or the facilities asked about are of kinds the task holds
        ``everywhere``.
        """
        snap = engine.snap_limit_m
        reach = self._reach(mode, weight)
        whole = self.store.covers_all(mode, cut.area, snap)
        facility_area = self.facility_area if facility_area is None else facility_area
        margin = np.full(len(cost), np.inf) if whole else _margin(cut.area, xy)
        fmargin = np.full(len(cost), np.inf) if everywhere else _margin(facility_area, xy)
        finite = np.isfinite(cost) & (cost <= cutoff)
        ok = finite & (cost * reach + snap <= margin) & (cost * reach <= fmargin)
        # nothing within a finite cutoff
        if np.isfinite(cutoff):
            ok |= ~finite & (cutoff * reach + snap <= margin) & (cutoff * reach <= fmargin)
        # nothing at all: off the network, or the origin's whole part lies in the cut (and
        # every facility that could snap to it among the county's)
        sn = engine.snap(xy)
        off = sn.off_network & (snap <= margin)
        part_in = np.zeros(len(cost), dtype=bool)
        on = ~sn.off_network & ~finite
        if on.any() and cut.net.n_nodes:
            label = cut.weak[cut.net.u[sn.edge[on]]]
            box = self.store.parts(mode)["box"][label]
            boxes = shapely.buffer(shapely.box(box[:, 0], box[:, 1], box[:, 2], box[:, 3]), snap)
            part_in[on] = (everywhere or shapely.contains(facility_area, boxes)) & (
                whole or shapely.contains(cut.area, boxes))
        return ok | (~finite & (off | part_in))

    def _radius(self, mode, weight, xy, cost, area) -> np.ndarray:
        snap = settings.SNAP_LIMIT_M
        margin = np.maximum(_margin(area, xy), self.buffers.get(mode, 0.0))
        return np.where(np.isfinite(cost), cost * self._reach(mode, weight) + snap + 1.0,
                        2.0 * margin + snap)

    def _wider(self, mode: str, xy: np.ndarray, radius: np.ndarray) -> tuple[Cut, TravelEngine]:
        # a buffered point is a polygon inscribed in the circle: widen so the circle fits
        area = shapely.union_all(shapely.buffer(shapely.points(xy), radius * _CIRCLE + 1.0,
                                                  quad_segs=16))
        cut = self.store.cut(mode, area)
        st = self.stats[mode]
        st["nodes"] += int(cut.net.n_nodes)
        st["rounds"] += 1
        return cut, self._engine(mode, cut)

    def _engine(self, mode: str, cut: Cut) -> TravelEngine:
        """An engine on a cut that snaps as on the whole network (its parts that matter)."""
        return TravelEngine.from_network(
            cut.net, cache=False, parts=(cut.strong, self.store.parts(mode)["strong_keep"]))

    # -- the questions rules ask
    def nearest(self, mode: str, facilities: gpd.GeoDataFrame, weight: str) -> pd.DataFrame:
        key = f"nearest|{mode}|{weight}|{ids_key(facilities['facility_id'])}"
        if key in self._nearest:
            return self._nearest[key]
        villages = self.region.villages
        engine = self.engine(mode)
        cut = self._cuts[mode]
        vxy = _xy(villages)
        fxy = _xy(facilities)
        fids = facilities["facility_id"].astype(str).to_numpy(dtype=object)
        cost = np.full(len(villages), np.inf)
        fac = np.full(len(villages), None, dtype=object)
        use = self._usable(cut, fxy, engine.snap_limit_m)
        if len(villages) and use.any():
            c, i = engine.nearest(self.snapped_villages(mode), fxy[use], weight)
            cost, fac = c, _pick_ids(fids[use], i)
        owned = np.flatnonzero(villages["village_id"].astype(str).isin(self.owned_v).to_numpy())
        every = bool(facilities["kind"].isin(EVERYWHERE_KINDS).all())
        todo = owned[~self._exact(mode, weight, cut, engine, vxy[owned], cost[owned],
                                  everywhere=every)]
        radius = self._radius(mode, weight, vxy[todo], cost[todo], cut.area)
        rounds = 0
        while len(todo) and len(fxy):
            rounds += 1
            if rounds > MAX_ROUNDS:
                raise RuntimeError(_not_exact(len(todo), self.region.name))
            self.stats[mode]["widened"] += len(todo)
            wcut, weng = self._wider(mode, vxy[todo], radius)
            use = self._usable(wcut, fxy, weng.snap_limit_m)
            c = np.full(len(todo), np.inf)
            i = np.full(len(todo), -1)
            if use.any():
                c, i = weng.nearest(vxy[todo], fxy[use], weight)
            cost[todo] = c
            fac[todo] = _pick_ids(fids[use], i)
            ok = self._exact(mode, weight, wcut, weng, vxy[todo], c, everywhere=every)
            radius = np.where(np.isfinite(c), c * self._reach(mode, weight)
                              + weng.snap_limit_m + 1.0, 2.0 * radius)[~ok]
            todo = todo[~ok]
        out = pd.DataFrame({"cost": cost, "facility_id": fac}, index=villages.index)
        self._nearest[key] = out
        self.answers[key] = {"ids": villages["village_id"].astype(str).to_numpy()[owned].tolist(),
                             "cost": cost[owned].tolist(), "facility": fac[owned].tolist()}
        return out

    def costs(self, mode: str, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
              weight: str, cutoff: float = np.inf) -> np.ndarray:
        """Costs of the origins this county owns (other rows: inf, never kept)."""
        if len(origins) == 0 or len(destinations) == 0:
            return np.full((len(origins), len(destinations)), np.inf)
        engine = self.engine(mode)
        cut = self._cuts[mode]
        oxy = _xy(origins)
        oid, all_did = _row_ids(origins), _row_ids(destinations)
        # each destination once (R7 asks for every member's lead: the same few hospitals)
        did, first, back = np.unique(all_did, return_index=True, return_inverse=True)
        dxy = _xy(destinations)[first]
        out = np.full((len(origins), len(did)), np.inf)
        owned_set = self.owned_f if "facility_id" in origins else self.owned_v
        # only the rows this county answers for are computed (the others are not kept)
        owned = np.flatnonzero(np.isin(oid, list(owned_set)))

        def fill(rows, eng, c):
            use = self._usable(c, dxy, eng.snap_limit_m)
            out[rows] = np.inf
            if use.any() and len(rows):
                m = eng.catchment_matrix(dxy[use], oxy[rows], cutoff, weight).tocoo()
                sub = np.full((len(rows), int(use.sum())), np.inf)
                sub[m.col, m.row] = m.data
                out[np.ix_(rows, np.flatnonzero(use))] = sub
            return use

        use = fill(owned, engine, cut)
        every = True  # each entry is one given destination: no other facility matters
        todo, radius = self._costs_todo(mode, weight, cut, engine, owned, out, oxy, dxy, use,
                                        cutoff, None, every)
        rounds = 0
        while len(todo):
            rounds += 1
            if rounds > MAX_ROUNDS:
                raise RuntimeError(_not_exact(len(todo), self.region.name))
            self.stats[mode]["widened"] += len(todo)
            wcut, weng = self._wider(mode, oxy[todo], radius)
            use = fill(todo, weng, wcut)
            todo, radius = self._costs_todo(mode, weight, wcut, weng, todo, out, oxy, dxy, use,
                                            cutoff, radius, every)
        key = f"costs|{mode}|{weight}|{cutoff}"
        rec = self.answers.setdefault(key, {"o": [], "d": [], "c": []})
        for r in owned:
            rec["o"] += [oid[r]] * len(did)
            rec["d"] += did.tolist()
            rec["c"] += out[r].tolist()
        return out[:, back.ravel()]

    def _costs_todo(self, mode, weight, cut, eng, rows, out, oxy, dxy, use, cutoff, radius,
                    every):
        """Origins (of ``rows``) with a cost entry not exact on ``cut``, and the radius of
        their next cut."""
        if len(rows) == 0:
            return rows, np.zeros(0)
        ok = np.ones(len(rows), dtype=bool)
        need = np.zeros(len(rows))
        snap = eng.snap_limit_m
        reach = self._reach(mode, weight)
        margin = _margin(cut.area, oxy[rows])
        for j in range(out.shape[1]):
            c = out[rows, j]
            if use[j]:
                good = self._exact(mode, weight, cut, eng, oxy[rows], c, cutoff, every)
            else:
                good = np.zeros(len(rows), dtype=bool)
            ok &= good
            dist = np.hypot(*(oxy[rows] - dxy[j]).T)
            want = np.where(np.isfinite(c) & use[j], c * reach + snap + 1.0,
                            np.maximum(2.0 * np.maximum(margin, self.buffers.get(mode, 0.0)),
                                       dist + 2.0 * snap))
            if radius is not None:
                want = np.where(np.isfinite(c) & use[j], want, np.maximum(want, 2.0 * radius))
            need = np.where(good, need, np.maximum(need, want))
        return rows[~ok], need[~ok]

    def surface(self, mode: str, cells: Cells, facilities: gpd.GeoDataFrame,
                cap_minutes: float | None = None) -> Surface:
        """Minutes to the nearest of ``facilities`` on the county's own cells, exact up to
        :meth:`surface_exact_minutes` (values above it are not kept: ``BEYOND_CAP``).

        ``cells`` are those of the county's own townships (the sub-region's), on the
        grid aligned to multiples of the cell size, so they are the whole region's cells
        of those townships. A cell's centre lies inside the county, at least the mode's
        buffer inside the cut: a value ``c`` with ``c × v + s`` within that margin is
        exact (module docstring). Facilities are searched from only where their own
        snapping is exact (:meth:`_usable`). Records the county's raster for
        :class:`ReplayAccess` (states, minutes, facility ids; compressed).
        """
        engine = self.engine(mode)
        cut = self._cuts[mode]
        fxy = _xy(facilities)
        use = np.flatnonzero(self._usable(cut, fxy, engine.snap_limit_m))
        seconds = np.full(len(cells.rows), np.inf)
        fac = np.full(len(cells.rows), -1, dtype=np.int64)
        if len(cells.rows) and len(use):
            seconds, i = engine.nearest(cells.snapped, fxy[use], "time")
            fac = np.where(i >= 0, use[np.maximum(i, 0)], -1)
        cap = min(float(settings.SURFACE_CAP_MIN if cap_minutes is None else cap_minutes),
                  self.surface_exact_minutes(mode))
        out = surface_of(cells, seconds, fac, engine.net.mode, cap_minutes=cap)
        fids = facilities["facility_id"].astype(str).to_numpy(dtype=object)
        seen, index = np.unique(out.facility[out.facility >= 0], return_inverse=True)
        local = np.full(out.facility.shape, -1, dtype=np.int32)
        local[out.facility >= 0] = index
        g = out.grid
        key = f"surface|{mode}|{g.cell_m!r}|{ids_key(fids)}"
        self.answers[key] = {"x0": g.x0, "y0": g.y0, "shape": list(g.shape), "cap": cap,
                             "state": _pack(out.state), "minutes": _pack(out.minutes),
                             "facility": _pack(local), "facility_ids": fids[seen].tolist()}
        return out

    def surface_exact_minutes(self, mode: str) -> float:
        """Up to how many minutes the county's own cells' values are exact on its cut:
        ``(b / k − s) / v / 60`` for the mode's buffer ``b`` (``k`` = :data:`_CIRCLE`: the
        buffered outline is drawn inside the circle), snap limit ``s`` and fastest speed
        ``v`` — at least R3's ``max_minutes``, since R3's buffer is
        ``max_minutes × 60 × v + s + isochrone_buffer_m`` (:func:`buffers_m`);
        unbounded when the cut holds the whole network."""
        engine = self.engine(mode)
        snap = engine.snap_limit_m
        if self.store.covers_all(mode, self._cuts[mode].area, snap):
            return np.inf
        b = self.buffers.get(mode, max(self.buffers.values()))
        return max(0.0, (b / _CIRCLE - snap) / self._reach(mode, "time") / 60.0)

    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        if len(facilities) == 0:
            return None
        engine = self.engine(mode)
        cut = self._cuts[mode]
        fxy = _xy(facilities)
        use = self._usable(cut, fxy, engine.snap_limit_m)
        poly = engine.isochrone_union(fxy[use], cutoff, weight, buffer_m=buffer_m) \
            if use.any() else shapely.Polygon()
        poly = shapely.intersection(poly, self.area)
        key = (f"union|{mode}|{weight}|{float(cutoff)}|{float(buffer_m)}|"
               f"{ids_key(facilities['facility_id'])}")
        self.answers[key] = {"wkb": shapely.to_wkb(poly, hex=True)}
        return poly

    def catchment(self, mode: str, facilities: gpd.GeoDataFrame, weight: str,
                  cutoff: float) -> sp.csr_matrix:
        """Rows of the facilities this county owns (the others' rows are empty, never kept).

        A row is every village the facility reaches within ``cutoff``: exact when the
        cut holds the disc of radius ``cutoff × v + s`` round the facility (else it is
        searched again on such a disc) and the task holds every village within
        ``cutoff × v`` of it (:attr:`village_area`; else the county fails loudly).
        """
        villages = self.region.villages
        n = len(villages)
        vids = villages["village_id"].astype(str).to_numpy(dtype=object)
        fids = facilities["facility_id"].astype(str).to_numpy(dtype=object)
        rec = self.answers.setdefault(f"catchment|{mode}|{weight}|{float(cutoff)!r}", {})
        todo = np.array([i for i, fid in enumerate(fids) if fid in self.owned_f and fid not in rec],
                        dtype=np.int64)
        if len(todo) and n:
            engine = self.engine(mode)
            cut = self._cuts[mode]
            fxy = _xy(facilities)[todo]
            reach = float(cutoff) * self._reach(mode, weight)
            if (_margin(self.village_area, fxy) < reach).any():
                raise RuntimeError(f"county {self.region.name}: a catchment reaches beyond the "
                                   "villages its task holds; no answer rather than a wrong one")
            snap = engine.snap_limit_m
            ok = np.full(len(todo), self.store.covers_all(mode, cut.area, snap)) \
                | (_margin(cut.area, fxy) >= reach + snap)
            for rows, eng in ((np.flatnonzero(ok), engine),
                              (np.flatnonzero(~ok), None)):
                if len(rows) == 0:
                    continue
                if eng is None:  # a second pass on discs that hold the whole catchment
                    self.stats[mode]["widened"] += len(rows)
                    _, eng = self._wider(mode, fxy[rows], np.full(len(rows), reach + snap + 1.0))
                    origins = villages.geometry
                else:
                    origins = self.snapped_villages(mode)
                m = eng.catchment_matrix(fxy[rows], origins, cutoff, weight)
                for r, i in enumerate(todo[rows]):
                    lo, hi = m.indptr[r], m.indptr[r + 1]
                    rec[fids[i]] = [vids[m.indices[lo:hi]].tolist(), m.data[lo:hi].tolist()]
        pos = pd.Series(np.arange(n), index=vids)
        rows, cols, vals = [], [], []
        for r, fid in enumerate(fids):
            got = rec.get(fid) if fid in self.owned_f else None
            if got:
                rows += [r] * len(got[0])
                cols += pos.reindex(got[0]).astype(int).tolist()
                vals += got[1]
        return sp.csr_matrix((np.asarray(vals, float), (np.asarray(rows, np.int64),
                                                        np.asarray(cols, np.int64))),
                             shape=(len(facilities), n))

    def border_cost(self, mode: str, weight: str) -> np.ndarray:
        """The cost to leave the *whole* region, for the county's own villages.

        A nearest search to the road nodes just across the region's outline (given by
        the driver, :attr:`across`); an answer is kept where the cut makes it exact, and
        recorded as unknown (None) where the cost exceeds what the cut can answer —
        ``(buffer − s) / v``, beyond every catchment a rule compares it with (module
        docstring). Other villages: ``inf``.
        """
        key = f"border|{mode}|{weight}"
        villages = self.region.villages
        if key not in self._border:
            engine = self.engine(mode)
            cut = self._cuts[mode]
            cost = np.full(len(villages), np.inf)
            xy = self.across.get(mode, np.zeros((0, 2)))
            use = self._usable(cut, xy, engine.snap_limit_m)
            own = self._own_rows
            if use.any() and len(own):
                c, _ = engine.nearest(self.snapped_villages(mode).take(own), xy[use], weight)
                cost[own] = c
            ok = self._exact(mode, weight, cut, engine, _xy(villages)[own], cost[own],
                             facility_area=cut.area)
            self.answers[key] = {
                "ids": villages["village_id"].astype(str).to_numpy()[own].tolist(),
                "cost": [float(c) if k else None for c, k in zip(cost[own], ok)],
                "exact_up_to": (self.buffers.get(mode, max(self.buffers.values()))
                                - engine.snap_limit_m) / self._reach(mode, weight)}
            self._border[key] = cost
        return self._border[key]

    def snap_table(self, mode: str) -> pd.DataFrame:
        """How each village joined the mode's network (exact for the county's own: their
        snap disc lies in the cut); the own villages' rows and counts are recorded."""
        out = super().snap_table(mode)
        key = f"snap|{mode}"
        if key not in self.answers:
            own = self._own_rows
            rows = out.iloc[own]
            self.answers[key] = {
                "ids": self.region.villages["village_id"].astype(str).to_numpy()[own].tolist(),
                "access_m": rows["access_m"].tolist(), "road_snap": rows["road_snap"].tolist(),
                "report": self.engine(mode).snap_report(self.snapped_villages(mode).take(own))}
        return out

    def snap_report(self, mode: str, facilities: gpd.GeoDataFrame | None = None) -> dict:
        """:meth:`Access.snap_report` on the county's task; records, per facility the
        county owns, whether it moved past a small piece of network (its snap is exact:
        it lies a buffer inside the cut)."""
        self.snap_table(mode)
        out = super().snap_report(mode, facilities)
        if facilities is not None and len(facilities):
            fids = facilities["facility_id"].astype(str).to_numpy(dtype=object)
            mine = np.flatnonzero(np.isin(fids, list(self.owned_f)))
            moved = self.engine(mode).snap(_xy(facilities)[mine]).moved if len(mine) else []
            self.answers.setdefault(f"snapf|{mode}", {}).update(
                zip(fids[mine].tolist(), np.asarray(moved, dtype=bool).tolist()))
        return out


class ReplayAccess(Access):
    """Answers recorded by county tasks, played back to rules run on the whole region.

    Every travel question of :class:`~planning.travel.access.Access` is answered from the
    counties' records, each village and facility by the county that owns it: nearest
    facilities and costs, catchment rows (per facility), costs to leave the region
    (exact up to each mode's reach, ``inf`` beyond it, module docstring), how villages
    and facilities snapped, display polygons, travel-time surfaces (the counties'
    rasters merged, exact up to R3's buffer's reach). :meth:`static` facts (where villages and
    facilities lie) need no network: they are computed here, on the whole region.

    Parameters
    ----------
    region : Region
        The whole region (metric CRS).
    answers : dict of str to dict
        County id -> that county's :attr:`CutAccess.answers`.
    facilities : dict of str to set of str
        County id -> ids of the facilities its task saw (the facility sets the rules ask
        about are those of the whole region, restricted to each task's).
    """

    def __init__(self, region: Region, answers: dict[str, dict], facilities: dict[str, set]):
        super().__init__(region)
        self.county_answers = answers
        self.county_facilities = facilities
        self._entries: dict[str, dict] = {}

    def engine(self, mode: str):
        raise RuntimeError("a replayed assessment has no road network; run the county tasks")

    def nearest(self, mode: str, facilities: gpd.GeoDataFrame, weight: str) -> pd.DataFrame:
        ids = set(facilities["facility_id"].astype(str))
        villages = self.region.villages
        pos = pd.Series(np.arange(len(villages)), index=villages["village_id"].astype(str))
        cost = np.full(len(villages), np.inf)
        fac = np.full(len(villages), None, dtype=object)
        for county, answers in self.county_answers.items():
            key = f"nearest|{mode}|{weight}|{ids_key(ids & self.county_facilities[county])}"
            got = answers.get(key)
            if got is None:
                continue
            at = pos.reindex(got["ids"]).to_numpy()
            ok = ~np.isnan(at)
            cost[at[ok].astype(int)] = np.asarray(got["cost"], float)[ok]
            fac[at[ok].astype(int)] = np.asarray(got["facility"], dtype=object)[ok]
        return pd.DataFrame({"cost": cost, "facility_id": fac}, index=villages.index)

    def costs(self, mode: str, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
              weight: str, cutoff: float = np.inf) -> np.ndarray:
        key = f"costs|{mode}|{weight}|{cutoff}"
        if key not in self._entries:
            table = {}
            for answers in self.county_answers.values():
                got = answers.get(key)
                if got:
                    table.update(zip(zip(got["o"], got["d"]), got["c"]))
            self._entries[key] = table
        table = self._entries[key]
        oid, did = _row_ids(origins), _row_ids(destinations)
        return np.array([[table.get((o, d), np.inf) for d in did] for o in oid],
                        dtype=float).reshape(len(oid), len(did))

    def surface_cells(self, mode: str, area, cell_m: float) -> Cells:
        """The whole region's cells of ``area`` on the grid of ``cell_m`` metres (the same
        grid every county's cells lie on); not snapped (``snapped`` None): the counties
        snapped their own cells, and :meth:`surface` merges their rasters."""
        def cells():
            geoms = [g for g in np.atleast_1d(np.asarray(area, dtype=object))
                     if not shapely.is_empty(g)]
            grid = Grid.covering(shapely.total_bounds(geoms) if geoms else (0, 0, 0, 0),
                                 self.region.crs, cell_m)
            rows, cols = (np.nonzero(rasterio.features.geometry_mask(
                geoms, grid.shape, grid.transform, invert=True)) if geoms
                else (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            return Cells(grid, rows, cols, None)

        return self.static(("surface cells", mode, float(cell_m)), cells)

    def surface(self, mode: str, cells: Cells, facilities: gpd.GeoDataFrame,
                cap_minutes: float | None = None) -> Surface:
        """The counties' rasters merged on the whole region's grid (``cells.grid``).

        Each county gave the cells of its own townships, exact up to its
        :meth:`CutAccess.surface_exact_minutes`; the merged surface keeps values up to
        the least of those and ``cap_minutes`` (its ``cap_minutes``): every cell within
        R3's ``max_minutes`` is as one process computes it, a cell beyond the cap is
        ``BEYOND_CAP`` (NaN). Facility indices refer to ``facilities``.
        """
        grid = cells.grid
        ids = facilities["facility_id"].astype(str)
        where = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
        where = where[~where.index.duplicated()]
        state = np.full(grid.shape, OUTSIDE, dtype=np.uint8)
        minutes = np.full(grid.shape, np.nan, dtype=np.float32)
        facility = np.full(grid.shape, -1, dtype=np.int32)
        cap = float(settings.SURFACE_CAP_MIN if cap_minutes is None else cap_minutes)
        for county, answers in self.county_answers.items():
            key = (f"surface|{mode}|{float(grid.cell_m)!r}|"
                   f"{ids_key(set(ids) & self.county_facilities[county])}")
            got = answers.get(key)
            if got is None:
                continue
            cap = min(cap, float(got["cap"]))
            h, w = got["shape"]
            r0 = round((grid.y0 - got["y0"]) / grid.cell_m)
            c0 = round((got["x0"] - grid.x0) / grid.cell_m)
            st = _unpack(got["state"]).reshape(h, w)
            mine = st != OUTSIDE
            rows, cols = np.nonzero(mine)
            rows, cols = rows + r0, cols + c0
            state[rows, cols] = st[mine]
            minutes[rows, cols] = _unpack(got["minutes"]).reshape(h, w)[mine]
            local = _unpack(got["facility"]).reshape(h, w)[mine]
            to = where.reindex(got["facility_ids"]).fillna(-1).to_numpy(np.int32)
            facility[rows, cols] = np.where(local >= 0, to[np.maximum(local, 0)], -1)
        beyond = np.nan_to_num(minutes, nan=-np.inf) > cap
        state[beyond] = BEYOND_CAP
        minutes[beyond] = np.nan
        facility[beyond] = -1
        return Surface(grid, minutes, facility, state, cap, mode)

    def coverage_union(self, mode: str, facilities: gpd.GeoDataFrame, cutoff: float,
                       weight: str, buffer_m: float):
        if len(facilities) == 0:
            return None
        ids = set(facilities["facility_id"].astype(str))
        polys = []
        for county, answers in self.county_answers.items():
            key = (f"union|{mode}|{weight}|{float(cutoff)}|{float(buffer_m)}|"
                   f"{ids_key(ids & self.county_facilities[county])}")
            if key in answers:
                polys.append(shapely.from_wkb(answers[key]["wkb"]))
        return shapely.union_all(polys) if polys else shapely.Polygon()

    def _merged(self, key: str) -> list[dict]:
        """Every county's record under ``key``."""
        return [a[key] for a in self.county_answers.values() if key in a]

    def _by_village(self, key: str, column: str, fill, dtype) -> np.ndarray:
        """A per-village record (``ids`` and ``column``) as an array in region order."""
        villages = self.region.villages
        out = np.full(len(villages), fill, dtype=dtype)
        pos = pd.Series(np.arange(len(villages)), index=villages["village_id"].astype(str))
        for got in self._merged(key):
            at = pos.reindex(got["ids"]).to_numpy()
            ok = ~np.isnan(at)
            out[at[ok].astype(int)] = np.asarray(got[column], dtype=dtype)[ok]
        return out

    def snap_table(self, mode: str) -> pd.DataFrame:
        key = f"snap|{mode}"
        return pd.DataFrame({"access_m": self._by_village(key, "access_m", np.nan, float),
                             "road_snap": self._by_village(key, "road_snap", None, object)},
                            index=self.region.villages.index)

    def snap_report(self, mode: str, facilities: gpd.GeoDataFrame | None = None) -> dict:
        """The counties' reports added up (each village and facility counted once, by
        the county that owns it); ids in the region's order."""
        reports = [got["report"] for got in self._merged(f"snap|{mode}")]
        out = {k: sum(r[k] for r in reports) for k in ("points", "off_network", "moved",
                                                       "on_fragment")}
        extra = [r["moved_extra_m_max"] for r in reports if r["moved_extra_m_max"] is not None]
        out["moved_extra_m_max"] = max(extra) if extra else None
        out["min_part_nodes"] = reports[0]["min_part_nodes"] if reports else None
        code = self._by_village(f"snap|{mode}", "road_snap", None, object)
        out["moved_village_ids"] = self.region.villages["village_id"].to_numpy()[
            code == "moved"].tolist()
        if facilities is not None:
            moved = {}
            for got in self._merged(f"snapf|{mode}"):
                moved.update(got)
            fids = facilities["facility_id"].to_numpy()
            ids = [f for f in fids if moved.get(str(f), False)]
            out["facilities_moved"] = len(ids)
            out["moved_facility_ids"] = ids
        return out

    def catchment(self, mode: str, facilities: gpd.GeoDataFrame, weight: str,
                  cutoff: float) -> sp.csr_matrix:
        """Each facility's row as its county recorded it (rows are exact and complete)."""
        key = f"catchment|{mode}|{weight}|{float(cutoff)!r}"
        if key not in self._entries:
            table = {}
            for got in self._merged(key):
                table.update(got)
            self._entries[key] = table
        table = self._entries[key]
        villages = self.region.villages
        pos = pd.Series(np.arange(len(villages)), index=villages["village_id"].astype(str))
        rows, cols, vals = [], [], []
        for r, fid in enumerate(facilities["facility_id"].astype(str)):
            got = table.get(fid)
            if got:
                at = pos.reindex(got[0]).to_numpy()
                ok = ~np.isnan(at)     # villages of a county that failed are not in the region
                rows.append(np.full(int(ok.sum()), r))
                cols.append(at[ok].astype(np.int64))
                vals.append(np.asarray(got[1], dtype=float)[ok])
        cat = (lambda parts, t: np.concatenate(parts).astype(t) if parts else np.zeros(0, t))
        return sp.csr_matrix((cat(vals, float), (cat(rows, np.int64), cat(cols, np.int64))),
                             shape=(len(facilities), len(villages)))

    def border_cost(self, mode: str, weight: str) -> np.ndarray:
        """The counties' costs to leave the region; ``inf`` where a county's cut could only
        say the cost exceeds its reach (see the module docstring)."""
        cost = self._by_village(f"border|{mode}|{weight}", "cost", np.nan, float)
        return np.where(np.isnan(cost), np.inf, cost)


def _not_exact(n: int, county: str) -> str:
    return (f"county {county}: {n} travel costs could not be made exact after {MAX_ROUNDS} "
            "wider passes — their nearest facility may lie beyond the county's widest buffer, "
            "whose facilities the task holds; no answer is given rather than a wrong one")


def _pack(a: np.ndarray) -> str:
    """An array's bytes, compressed, as text (JSON-ready; :func:`_unpack` reads it)."""
    return a.dtype.str + ":" + base64.b64encode(zlib.compress(
        np.ascontiguousarray(a).tobytes(), 6)).decode("ascii")


def _unpack(text: str) -> np.ndarray:
    """The flat array :func:`_pack` wrote."""
    dtype, data = text.split(":", 1)
    return np.frombuffer(zlib.decompress(base64.b64decode(data)), dtype=np.dtype(dtype)).copy()


def _pick_ids(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``ids[index]``, None where ``index`` is -1 (unreachable)."""
    out = np.full(len(index), None, dtype=object)
    out[index >= 0] = ids[index[index >= 0]]
    return out


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    if len(frame) == 0:
        return np.zeros((0, 2))
    return np.column_stack([frame.geometry.x.to_numpy(float), frame.geometry.y.to_numpy(float)])


def _margin(area: shapely.Geometry, xy: np.ndarray) -> np.ndarray:
    """Distance from each point to the outside of ``area`` (0 for points outside), metres."""
    if len(xy) == 0:
        return np.zeros(0)
    pts = shapely.points(xy)
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    return np.where(inside, shapely.distance(shapely.boundary(area), pts), 0.0)
