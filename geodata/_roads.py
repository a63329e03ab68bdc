"""A synthetic road network for the North China plain, written as OSM XML 0.6.

Ways are designed as polylines in a metric CRS (:func:`design_roads`), then noded where
they cross at grade and densified to a node every ``step`` metres (:func:`node_ways`),
then written with a streaming writer (:func:`write_osm`). Motorways cross other roads
without shared nodes (bridges) and join them only through their links.
"""

from __future__ import annotations

import bz2
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay, cKDTree

from geodata._layout import grid_points


@dataclass
class Way:
    """One OSM way being designed: a polyline in metres and its tags."""

    coords: np.ndarray
    tags: dict[str, str]
    nodable: bool = True  # crossing other nodable ways creates shared nodes
    step: float = 100.0  # longest segment after densification, metres


@dataclass
class Core:
    """An urban grid: rectangle (metres), block size and street names."""

    box: tuple[float, float, float, float]
    spacing: float
    names_x: list[str] = field(default_factory=list)  # streets running north-south
    names_y: list[str] = field(default_factory=list)  # streets running east-west
    ring_name: str = "环城路"


def gabriel_edges(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges of the Gabriel graph of ``pts`` and whether each is also a relative-neighbourhood edge.

    Both graphs are planar subgraphs of the Delaunay triangulation, so their edges never
    cross; the relative neighbourhood graph holds the minimum spanning tree, so it is
    connected. Returns ``(edges (m, 2) int, is_rng (m,) bool)``, edges sorted.
    """
    tri = Delaunay(pts)
    s = tri.simplices
    e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    a, b = pts[e[:, 0]], pts[e[:, 1]]
    mid, r = (a + b) / 2, np.hypot(*(a - b).T) / 2
    tree = cKDTree(pts)
    d, idx = tree.query(mid, k=3)
    other = (idx != e[:, [0]]) & (idx != e[:, [1]])
    gab = ~np.any(other & (d < r[:, None] * (1 - 1e-9)), axis=1)
    e, r = e[gab], r[gab]
    rng_ok = np.ones(len(e), dtype=bool)
    near = tree.query_ball_point(pts[e[:, 0]], 2 * r * (1 - 1e-9))
    for k, (i, j) in enumerate(e):
        c = np.array([c for c in near[k] if c != i and c != j], dtype=int)
        if len(c) and np.any(np.hypot(*(pts[c] - pts[j]).T) < 2 * r[k] * (1 - 1e-9)):
            rng_ok[k] = False
    return e, rng_ok


def _bent(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, wiggle: float = 0.03,
          pieces: int = 3) -> np.ndarray:
    """A polyline from a to b with its inner vertices pushed sideways by up to ``wiggle`` x length."""
    t = np.linspace(0, 1, pieces + 1)
    pts = a + (b - a) * t[:, None]
    n = np.array([-(b - a)[1], (b - a)[0]])
    off = rng.uniform(-wiggle, wiggle, pieces + 1)
    off[[0, -1]] = 0
    return pts + off[:, None] * n


def _grid_ways(core: Core, rng: np.random.Generator, n_oneway: int, n_footway: int,
               step: float) -> tuple[list[Way], np.ndarray]:
    """Streets of an urban grid plus its ring road; returns the ways and the ring's grid ends."""
    x0, y0, x1, y1 = core.box
    s = core.spacing

    def lines(lo: float, hi: float) -> np.ndarray:
        n = max(1, int(round((hi - lo) / s)))
        cuts = np.cumsum(rng.uniform(0.85, 1.15, n))
        return lo + (hi - lo) * cuts[:-1] / cuts[-1]

    xs, ys = lines(x0, x1), lines(y0, y1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ways: list[Way] = []
    main_x = set(np.argsort(np.abs(xs - cx))[:1]) | set(np.argsort(np.abs(xs - cx))[2:3])
    main_y = set(np.argsort(np.abs(ys - cy))[:1]) | set(np.argsort(np.abs(ys - cy))[2:3])
    plain = []
    for i, x in enumerate(xs):
        hw = "secondary" if i in main_x else ("tertiary" if i % 3 == 0 else "residential")
        name = core.names_x[i % len(core.names_x)] if core.names_x else ""
        ways.append(Way(np.array([[x, y0], [x, y1]]), _tags(hw, name), step=step))
        if hw == "residential":
            plain.append(len(ways) - 1)
    for j, y in enumerate(ys):
        hw = "secondary" if j in main_y else ("tertiary" if j % 3 == 0 else "residential")
        name = core.names_y[j % len(core.names_y)] if core.names_y else ""
        ways.append(Way(np.array([[x0, y], [x1, y]]), _tags(hw, name), step=step))
        if hw == "residential":
            plain.append(len(ways) - 1)
    for k in rng.permutation(plain)[:n_oneway] if plain else []:
        ways[k].tags["oneway"] = "yes"
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    for (ax, ay), (bx, by) in zip(corners[:-1], corners[1:]):
        ways.append(Way(np.array([[ax, ay], [bx, by]]), _tags("secondary", core.ring_name),
                        step=step))
    for _ in range(n_footway):  # a footway across one block (park path)
        i, j = rng.integers(0, len(xs) - 1), rng.integers(0, len(ys) - 1)
        a, b = np.array([xs[i], ys[j]]), np.array([xs[i + 1], ys[j + 1]])
        ways.append(Way(np.array([a, b]), {"highway": "footway"}, step=step))
    ends = np.vstack([np.column_stack([xs, np.full_like(xs, y0)]),
                      np.column_stack([xs, np.full_like(xs, y1)]),
                      np.column_stack([np.full_like(ys, x0), ys]),
                      np.column_stack([np.full_like(ys, x1), ys]),
                      np.array(corners[:4])])
    return ways, ends


def _lines(coords: list[np.ndarray]) -> np.ndarray:
    """An array of LineStrings from a list of (k, 2) coordinate arrays."""
    idx = np.repeat(np.arange(len(coords)), [len(c) for c in coords])
    return shapely.linestrings(np.vstack(coords), indices=idx)


def _tags(highway: str, name: str = "", ref: str = "") -> dict[str, str]:
    t = {"highway": highway}
    if name:
        t["name"] = name
    if ref:
        t["ref"] = ref
    return t


def _in_boxes(pts: np.ndarray, boxes: list[tuple[float, float, float, float]],
              margin: float = 0.0) -> np.ndarray:
    inside = np.zeros(len(pts), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside |= ((pts[:, 0] > x0 - margin) & (pts[:, 0] < x1 + margin)
                   & (pts[:, 1] > y0 - margin) & (pts[:, 1] < y1 + margin))
    return inside


def _insert_vertex(way: Way, p: np.ndarray) -> None:
    """Insert point p (on the way) as a vertex at its place along the way."""
    line = shapely.linestrings(way.coords)
    pos = shapely.line_locate_point(line, shapely.Point(*p))
    seg = np.hypot(*np.diff(way.coords, axis=0).T)
    k = int(np.searchsorted(np.concatenate([[0], np.cumsum(seg)]), pos))
    way.coords = np.insert(way.coords, max(1, min(k, len(way.coords) - 1)), p, axis=0)


def design_roads(
    region: shapely.Geometry,
    outer: shapely.Geometry,
    seats: list[dict],
    villages: np.ndarray,
    cores: list[Core],
    rng: np.random.Generator,
    step: float = 100.0,
    motorways: list[tuple[np.ndarray, str, str]] | None = None,
    trunk_names: list[tuple[str, str]] | None = None,
    n_islands: int = 2,
    n_oneway: int = 4,
    n_foot_no: int = 3,
) -> list[Way]:
    """Design the ways of a synthetic rural road network, in metres.

    Parameters
    ----------
    region : shapely.Geometry
        The districts' outline (metric CRS).
    outer : shapely.Geometry
        Area the network covers: the region plus a buffer of a few km.
    seats : list of dict
        Each with ``xy`` (metres), ``name`` (Chinese), ``role`` (``"district"``, ``"town"``,
        ``"street"``, ``"other"``, ``"outside"``) and ``group`` (district index).
    villages : numpy.ndarray, shape (n, 2)
        Village seats, metres; every one is joined to the network.
    cores : list of Core
        Urban grids (around district seats).
    motorways : list of (polyline (k, 2), name, ref), optional
        Motorways; each joins the trunk/primary roads it crosses through links.
    step : float
        Longest segment between OSM nodes, metres.

    Returns
    -------
    list of Way, in a deterministic order.
    """
    ways: list[Way] = []
    boxes = [c.box for c in cores]
    # --- urban grids
    ends = []
    for c in cores:
        w, e = _grid_ways(c, rng, n_oneway, 2, step)
        ways += w
        ends.append(e)
    ends = np.vstack(ends) if ends else np.empty((0, 2))
    # --- village roads (relative neighbourhood graph) and field tracks (rest of Gabriel)
    seat_xy = np.array([s["xy"] for s in seats])
    vill = villages[~_in_boxes(villages, boxes)]
    spacing = float(np.median(cKDTree(vill).query(vill, k=2)[0][:, 1])) if len(vill) > 2 else 1000.
    ring = outer.difference(region)
    hamlets = grid_points(ring, spacing * 1.15) if not ring.is_empty else np.empty((0, 2))
    hamlets = hamlets + rng.uniform(-0.25, 0.25, hamlets.shape) * spacing
    hamlets = hamlets[shapely.contains_xy(ring, hamlets[:, 0], hamlets[:, 1])]
    outside_seats = np.array([s["xy"] for s in seats if s["role"] == "outside"]).reshape(-1, 2)
    seat_pts = seat_xy[~_in_boxes(seat_xy, boxes)]
    pts = np.vstack([vill, seat_pts, outside_seats, hamlets, ends])
    keys = np.round(pts, 2)
    _, first = np.unique(keys, axis=0, return_index=True)
    pts = pts[np.sort(first)]
    edges, is_rng = gabriel_edges(pts)
    a, b = pts[edges[:, 0]], pts[edges[:, 1]]
    mid = (a + b) / 2
    length = np.hypot(*(a - b).T)
    keep = ~_in_boxes(mid, boxes, margin=-1.0) & (length < 4 * spacing + 2000)
    near_core = _in_boxes(mid, boxes, margin=1000.0)
    kind = rng.random(len(edges))
    for k in np.flatnonzero(keep):
        if is_rng[k]:
            hw = "residential" if near_core[k] else "unclassified"
        elif kind[k] < 0.75:
            hw = "track"
        elif kind[k] < 0.9:
            hw = "path"
        else:
            continue
        tags = _tags(hw)
        if hw == "track":
            tags["tracktype"] = "grade3"
        ways.append(Way(_bent(a[k], b[k], rng, 0.02, 2), tags, step=step))
    # --- town centres: a main cross street and two side streets
    for s in seats:
        if s["role"] != "town":
            continue
        x, y = s["xy"]
        short = s["name"][:-1] if s["name"].endswith(("镇", "乡")) else s["name"]
        ways.append(Way(np.array([[x - 800, y], [x + 800, y]]), _tags("tertiary", f"{short}大街"),
                        step=step))
        ways.append(Way(np.array([[x, y - 800], [x, y + 800]]), _tags("tertiary", f"{short}路"),
                        step=step))
        for dy in (-350.0, 350.0):
            ways.append(Way(np.array([[x - 500, y + dy], [x + 500, y + dy]]),
                            _tags("residential"), step=step))
    # --- county and provincial roads between seats
    ways += _seat_roads(seats, rng, step, n_foot_no - 1)
    # --- trunk roads through each rural district seat
    trunk_names = trunk_names or [("津宝公路", "S101"), ("宝平公路", "S102")]
    n_t = 0
    for s in seats:
        if s["role"] != "district" or not s.get("trunks", True):
            continue
        zone = outer.intersection(s.get("zone", outer))
        theta = rng.uniform(-0.3, 0.3)
        for ang in (theta, theta + np.pi / 2):
            name, ref = trunk_names[n_t % len(trunk_names)]
            n_t += 1
            d = np.array([np.cos(ang), np.sin(ang)])
            far = 200_000.0
            line = shapely.LineString([s["xy"] - far * d, s["xy"] + far * d])
            part = line.intersection(zone)
            parts = [p for p in shapely.get_parts(part) if p.length > 0]
            if not parts:
                continue
            seg = min(parts, key=lambda p: p.distance(shapely.Point(*s["xy"])))
            (sx, sy), (ex, ey) = seg.coords[0], seg.coords[-1]
            n = max(2, int(seg.length // 2000))
            t = np.linspace(0, 1, n + 1)
            pl = np.column_stack([sx + (ex - sx) * t, sy + (ey - sy) * t])
            pl[1:-1] += rng.normal(0, 40, (n - 1, 2))
            i_seat = int(np.argmin(np.hypot(*(pl - s["xy"]).T)))
            pl[i_seat] = s["xy"]
            ways.append(Way(pl, _tags("trunk", name, ref), step=step))
            if n_t == 1 and n_foot_no > 0 and len(pl) > 4:  # elevated bypass: no walking
                lo, hi = max(0, i_seat - 2), min(len(pl), i_seat + 3)
                whole = ways.pop()
                for piece, extra in ((pl[: lo + 1], {}), (pl[lo: hi],
                                     {"foot": "no", "bridge": "yes", "layer": "1"}),
                                     (pl[hi - 1:], {})):
                    if len(piece) >= 2:
                        ways.append(Way(piece, {**whole.tags, **extra}, step=step))
    # --- motorways with links to the trunk/primary roads they cross
    for line_xy, name, ref in motorways or []:
        mw = Way(np.asarray(line_xy, dtype=float), _tags("motorway", name, ref), nodable=False,
                 step=step * 1.5)
        mw.tags["oneway"] = "no"
        mline = shapely.linestrings(mw.coords)
        for w in [w for w in ways if w.tags["highway"] in ("trunk", "primary")]:
            x = shapely.intersection(mline, shapely.linestrings(w.coords))
            for p in shapely.get_parts(x):
                if p.geom_type != "Point":
                    continue
                wl = shapely.linestrings(w.coords)
                at = shapely.line_locate_point(wl, p)
                mat = shapely.line_locate_point(mline, p)
                for sgn in (-1, 1):
                    if not (0 < mat + sgn * 400 < mline.length and 0 < at + sgn * 300 < wl.length):
                        continue
                    m = np.array(shapely.line_interpolate_point(mline, mat + sgn * 400).coords[0])
                    t = np.array(shapely.line_interpolate_point(wl, at + sgn * 300).coords[0])
                    _insert_vertex(mw, m)
                    _insert_vertex(w, t)
                    mline = shapely.linestrings(mw.coords)
                    ways.append(Way(np.array([m, t]), _tags("motorway_link"), nodable=False,
                                    step=step))
        ways.append(mw)
    # --- small road islands: a fish farm's or orchard's own tracks, joined to nothing
    ways += _islands(region, boxes, ways, n_islands, step)
    return ways


def _seat_roads(seats: list[dict], rng: np.random.Generator, step: float,
                n_foot_no: int) -> list[Way]:
    """Primary roads along each district seat's shortest-path tree over the seats' Gabriel
    graph, secondary/tertiary county roads on its other edges."""
    xy = np.array([s["xy"] for s in seats])
    if len(xy) < 3:
        return []
    e, _ = gabriel_edges(xy)
    ln = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T)
    g = coo_matrix((np.r_[ln, ln], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
                   shape=(len(xy), len(xy))).tocsr()
    primary = set()
    for i, s in enumerate(seats):
        if s["role"] != "district":
            continue
        _, pred = dijkstra(g, indices=i, return_predecessors=True)
        for j, t in enumerate(seats):
            if t["group"] != s["group"] or t["role"] not in ("town", "other", "district"):
                continue
            while pred[j] >= 0:
                primary.add((min(j, pred[j]), max(j, pred[j])))
                j = pred[j]
    ways = []
    n_p = n_x = n_y = 0
    for (i, j), L in zip(e, ln):
        a, b = seats[i], seats[j]
        nm = f"{_short(a['name'])}{_short(b['name'])}公路"
        if (i, j) in primary:
            n_p += 1
            tags = _tags("primary", nm, f"S2{n_p:02d}")
        elif L > 25_000:
            continue
        elif a["role"] in ("town", "district", "outside") and b["role"] in (
                "town", "district", "outside"):
            n_x += 1
            tags = _tags("secondary", nm, f"X{n_x:03d}")
        else:
            n_y += 1
            tags = _tags("tertiary", f"{_short(a['name'])}{_short(b['name'])}线", f"Y{n_y:03d}")
        ways.append(Way(_bent(xy[i], xy[j], rng, 0.03, 3), tags, step=step))
    prim = sorted([k for k, w in enumerate(ways) if w.tags["highway"] == "primary"],
                  key=lambda k: -shapely.linestrings(ways[k].coords).length)
    for k in prim[:n_foot_no]:
        ways[k].tags["foot"] = "no"
    return ways


def _short(name: str) -> str:
    return name[:1]


def _islands(region: shapely.Geometry, boxes: list, ways: list[Way], n: int,
             step: float) -> list[Way]:
    """Tracks of farms that join no other road, placed where roads are farthest away."""
    if n <= 0:
        return []
    lines = _lines([w.coords for w in ways])
    tree = shapely.STRtree(lines)
    inner = region.buffer(-2000)
    cand = grid_points(inner if not inner.is_empty else region, 500.0)
    cand = cand[~_in_boxes(cand, boxes, 2000.0)]
    _, dist = tree.query_nearest(shapely.points(cand), return_distance=True, all_matches=False)
    order = np.lexsort((np.arange(len(cand)), -np.round(dist, 3)))
    out: list[Way] = []
    placed: list[np.ndarray] = []
    names = ["养殖场路", "果园路", "苗圃路"]
    for k in order:
        if len(placed) == n:
            break
        c = cand[k]
        if any(np.hypot(*(c - p)) < 5000 for p in placed):
            continue
        r = min(300.0, 0.4 * dist[k])
        if r < 80:
            break
        sq = c + r * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
        name = names[len(placed) % len(names)]
        for p, q in zip(sq[:-1], sq[1:]):
            out.append(Way(np.array([p, q]), {"highway": "track", "name": name,
                                              "tracktype": "grade4"}, nodable=False, step=step))
        out.append(Way(np.array([sq[0], sq[2]]), {"highway": "track", "tracktype": "grade4"},
                       nodable=False, step=step))
        out[-1].coords = np.array([sq[0], c, sq[2]])
        out.append(Way(np.array([sq[1], c, sq[3]]), {"highway": "track", "tracktype": "grade4"},
                       nodable=False, step=step))
        placed.append(c)
    return out


def node_ways(ways: list[Way]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Node the ways where they cross and densify them.

    Nodable ways get a shared node wherever they intersect; points with equal coordinates
    (to the centimetre) are one node; segments longer than a way's ``step`` are split
    evenly. Returns ``(xy (n, 2) metres, node index arrays per way)``; nodes are numbered
    shared points first (in coordinate order), then densification points (in way order).
    """
    lines = _lines([w.coords for w in ways])
    nod = np.flatnonzero([w.nodable for w in ways])
    tree = shapely.STRtree(lines[nod])
    qa, qb = tree.query(lines[nod], predicate="intersects")
    m = qa < qb
    qa, qb = nod[qa[m]], nod[qb[m]]
    inter = shapely.intersection(lines[qa], lines[qb])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    xy, cidx = shapely.get_coordinates(parts, return_index=True)
    pair = pidx[cidx]
    ex_way = np.concatenate([qa[pair], qb[pair]])
    ex_xy = np.vstack([xy, xy])
    ex_pos = shapely.line_locate_point(lines[ex_way], shapely.points(ex_xy))
    # original vertices with their distance along the way
    v_way = np.concatenate([np.full(len(w.coords), i) for i, w in enumerate(ways)])
    v_xy = np.vstack([w.coords for w in ways])
    v_pos = np.concatenate([np.concatenate([[0], np.cumsum(np.hypot(*np.diff(w.coords, axis=0).T))])
                            for w in ways])
    way = np.concatenate([v_way, ex_way])
    pos = np.concatenate([v_pos, ex_pos])
    pxy = np.vstack([v_xy, ex_xy])
    order = np.lexsort((pos, way))
    way, pos, pxy = way[order], pos[order], pxy[order]
    keys = np.round(pxy * 100).astype(np.int64)
    ukeys, aid = np.unique(keys, axis=0, return_inverse=True)
    aid = aid.ravel()
    dup = np.r_[False, (way[1:] == way[:-1]) & (aid[1:] == aid[:-1])]
    way, pxy, aid = way[~dup], pxy[~dup], aid[~dup]
    n_anchor = len(ukeys)
    anchor_xy = ukeys / 100.0
    same = np.r_[way[1:] == way[:-1], False]
    seg = np.r_[np.hypot(*np.diff(pxy, axis=0).T), 0.0]
    steps = np.array([w.step for w in ways])[way]
    n_ins = np.where(same, np.maximum(np.ceil(seg / steps) - 1, 0), 0).astype(np.int64)
    rep = 1 + n_ins
    row = np.repeat(np.arange(len(way)), rep)
    start = np.r_[0, np.cumsum(rep)[:-1]]
    k = np.arange(rep.sum()) - start[row]
    interior = k > 0
    t = k[interior] / (n_ins[row[interior]] + 1)
    r = row[interior]
    ixy = pxy[r] + (pxy[np.minimum(r + 1, len(pxy) - 1)] - pxy[r]) * t[:, None]
    ids = np.empty(len(row), dtype=np.int64)
    ids[~interior] = aid[row[~interior]]
    ids[interior] = n_anchor + np.arange(interior.sum())
    node_xy = np.vstack([anchor_xy, ixy])
    seq_way = way[row]
    bounds = np.flatnonzero(np.diff(seq_way)) + 1
    chunks = np.split(ids, bounds)
    chunk_way = seq_way[np.r_[0, bounds]] if len(seq_way) else np.array([], dtype=int)
    per_way: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(ways)
    for w, c in zip(chunk_way, chunks):
        per_way[int(w)] = c
    return node_xy, per_way


def write_osm(path: Path, ways: list[Way], crs: pyproj.CRS, compress: bool = True) -> dict:
    """Node the ways and write them as OSM XML 0.6 (WGS84), bz2-compressed if ``compress``.

    Node and way ids start at 1; every element carries ``version="1"`` and
    ``visible="true"``. Returns counts (nodes, ways) and the lon/lat bounds.
    """
    node_xy, per_way = node_ways(ways)
    used = np.zeros(len(node_xy), dtype=bool)
    kept = [(w, ids) for w, ids in zip(ways, per_way) if len(np.unique(ids)) >= 2]
    for _, ids in kept:
        used[ids] = True
    new_id = np.cumsum(used)  # 1-based ids of used nodes
    to_wgs = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(node_xy[used, 0], node_xy[used, 1])
    bounds = (lat.min(), lon.min(), lat.max(), lon.max())
    opener = (lambda p: bz2.open(p, "wt", encoding="utf-8", compresslevel=9)) if compress else (
        lambda p: open(p, "w", encoding="utf-8"))
    with opener(path) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<osm version="0.6" generator="geodata/build_demo.py (synthetic)">\n')
        f.write(' <bounds minlat="%.7f" minlon="%.7f" maxlat="%.7f" maxlon="%.7f"/>\n' % bounds)
        f.writelines(f' <node id="{i}" version="1" visible="true" lat="{la:.7f}" lon="{lo:.7f}"/>\n'
                     for i, la, lo in zip(range(1, len(lat) + 1), lat.tolist(), lon.tolist()))
        for wid, (w, ids) in enumerate(kept, start=1):
            refs = "".join(f'  <nd ref="{r}"/>\n' for r in new_id[ids].tolist())
            tags = "".join(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>\n"
                           for k, v in sorted(w.tags.items()))
            f.write(f' <way id="{wid}" version="1" visible="true">\n{refs}{tags} </way>\n')
        f.write("</osm>\n")
    return {"nodes": int(used.sum()), "ways": len(kept),
            "bounds_lat_lon": [round(float(b), 7) for b in bounds]}
