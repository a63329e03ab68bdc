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
- drive: R4's ``hard_to_reach_minutes × 60 × v`` + ``s`` (30 min at the fastest road);
  R7 adds the leads of the county's medical communities to its facilities.

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

Road networks are cut from :class:`TileStore`: the whole network of each mode, loaded
once by :mod:`planning.travel.network` (cached), with each node's connected part computed on
the whole network, written as square tiles; a task reads only the tiles its area
touches. The county tasks record every answer they checked; :class:`ReplayAccess` plays
them back to the rules run once over the whole region, so merged layers and the total
summary come from the same rule code as a single-process run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse as sp
from scipy.sparse.csgraph import connected_components

from planning import settings
from planning.travel.access import Access
from planning.travel.engine import TravelEngine, main_parts
from planning.travel.network import RoadNetwork
from planning.region import Region, within_polygons
from planning.travel.network import region_network

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
        ``walk``, ``drive`` and R3's mode (see the module docstring for how each follows
        from the rulebook).
    """
    r3 = rulebook["R3"]
    out = {"walk": rulebook["R2"]["max_distance_m"] + snap_m,
           "drive": rulebook["R4"]["hard_to_reach_minutes"] * 60.0 * speed_mps["drive"] + snap_m}
    circle = (r3["max_minutes"] * 60.0 * speed_mps[r3["mode"]] + snap_m
              + r3["isochrone_buffer_m"])
    out[r3["mode"]] = max(out.get(r3["mode"], 0.0), circle)
    return out


def sub_region(region: Region, own: Owners, county: County, area: shapely.Geometry,
               buffers: dict[str, float], leads: bool = True) -> Region:
    """The region one county's task sees.

    Its own townships and districts; its own villages and those within the widest
    walking-speed buffer (R2 names the village a shared clinic belongs to, and which
    villages are neighbours); its own facilities, every facility within the widest
    buffer of any mode, every hospital (:data:`EVERYWHERE_KINDS`) and (``leads``) the
    leads of its centres' medical communities.
    Row order is the region's (rules that pick "the first" pick the same one).
    """
    cid = county.county_id
    slow = max(b for m, b in buffers.items() if m != "drive")
    near = area.buffer(slow)
    far = area.buffer(max(buffers.values()))
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
                   cache_dir: str | Path | None = None, tile_m: float = TILE_M) -> "TileStore":
        """The tile store of a region's road network (built on first use).

        Loads each mode's whole network with the region's loader (disk-cached), so it
        runs where the roads file is; the tasks only read tiles.
        """
        nets = {m: region_network(region, m) for m in modes}
        spec = {"version": TILE_VERSION, "tile_m": tile_m,
                "min_part_nodes": settings.SNAP_MIN_PART_NODES,
                "networks": {m: n.info.get("cache_file") or _digest(n) for m, n in nets.items()}}
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

    def cut(self, mode: str, area: shapely.Geometry) -> "Cut":
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
        eid, efirst = np.unique(cat["edge"], return_index=True)
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

    Each mode's network is cut to the county's area plus the mode's buffer. Every
    answer for an origin the county owns is checked (module docstring); those that
    are not exact on the cut are recomputed on wider cuts around their origins. The
    checked answers are kept in :attr:`answers` for the driver's :class:`ReplayAccess`.

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

    Attributes
    ----------
    answers : dict
        ``key -> payload`` (JSON-ready): nearest-facility answers per village, cost
        entries per (origin, destination), clipped display polygons.
    stats : dict
        Per mode: ``nodes`` (nodes of every cut searched), ``owned_nodes`` (nodes inside
        the county), ``widened`` (answers recomputed on a wider cut), ``rounds``.
    """

    def __init__(self, region: Region, store: TileStore, area: shapely.Geometry,
                 buffers: dict[str, float], owned_villages: set[str],
                 owned_facilities: set[str]):
        super().__init__(region)
        self.store = store
        self.area = area
        self.buffers = buffers
        self.owned_v = owned_villages
        self.owned_f = owned_facilities
        self.answers: dict[str, dict] = {}
        self.stats: dict[str, dict] = {}
        self._cuts: dict[str, Cut] = {}
        #: where the county's facilities are complete (:func:`sub_region`'s widest buffer)
        self.facility_area = area.buffer(max(buffers.values()))

    # -- the base cut of each mode
    def engine(self, mode: str) -> TravelEngine:
        if mode not in self._engines:
            import time

            t0 = time.perf_counter()
            cut = self.store.cut(mode, self.area.buffer(
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
               cost: np.ndarray, cutoff: float = np.inf, everywhere: bool = False) -> np.ndarray:
        """Which of these origins' costs are exact on the cut (module docstring).

        Two conditions: the cut holds every road of the best path (the cut's area holds
        the disc of radius ``cost × v + s`` round the origin), and the county's
        facilities hold every facility that might be nearer (those within the widest
        buffer, :attr:`facility_area`, hold that disc less the snap) — or the facilities
        asked about are of kinds the task holds ``everywhere``.
        """
        snap = engine.snap_limit_m
        reach = self._reach(mode, weight)
        whole = self.store.covers_all(mode, cut.area, snap)
        margin = np.full(len(cost), np.inf) if whole else _margin(cut.area, xy)
        fmargin = np.full(len(cost), np.inf) if everywhere else _margin(self.facility_area, xy)
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
            part_in[on] = (everywhere or shapely.contains(self.facility_area, boxes)) & (
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


class ReplayAccess(Access):
    """Answers recorded by county tasks, played back to rules run on the whole region.

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


def _not_exact(n: int, county: str) -> str:
    return (f"county {county}: {n} travel costs could not be made exact after {MAX_ROUNDS} "
            "wider passes — their nearest facility may lie beyond the county's widest buffer, "
            "whose facilities the task holds; no answer is given rather than a wrong one")


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
