"""Synthetic layout of a district: seats, township polygons, village points, populations.

Everything here works in a metric CRS (metres) and is deterministic for a given
``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import cKDTree


def grid_points(area: shapely.Geometry, spacing: float, hexagonal: bool = True,
                origin: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Points of a square or hexagonal grid (``spacing`` metres apart) inside ``area``.

    Returns an (n, 2) array sorted by (y, x).
    """
    x0, y0, x1, y1 = area.bounds
    dy = spacing * (np.sqrt(3.0) / 2.0 if hexagonal else 1.0)
    ys = np.arange(np.floor((y0 - origin[1]) / dy), np.ceil((y1 - origin[1]) / dy) + 1) * dy
    ys = ys + origin[1]
    xs = np.arange(np.floor((x0 - origin[0]) / spacing) - 1,
                   np.ceil((x1 - origin[0]) / spacing) + 1) * spacing + origin[0]
    gx, gy = np.meshgrid(xs, ys)
    if hexagonal:
        row = np.round((gy - origin[1]) / dy).astype(int)
        gx = gx + np.where(row % 2 == 1, spacing / 2.0, 0.0)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    shapely.prepare(area)
    inside = shapely.contains_xy(area, pts[:, 0], pts[:, 1])
    return pts[inside]


def farthest_points(candidates: np.ndarray, fixed: np.ndarray, n: int) -> np.ndarray:
    """Pick ``n`` candidates one by one, each the farthest from all points picked so far.

    ``fixed`` are points already placed (shape (k, 2), k may be 0). Ties go to the
    first candidate, so the result is deterministic. Returns an (n, 2) array.
    """
    d = cKDTree(fixed).query(candidates)[0] if len(fixed) else None
    picked = []
    for _ in range(n):
        if d is None:
            i = int(np.argmin(np.hypot(*(candidates - candidates.mean(axis=0)).T)))
        else:
            i = int(np.argmax(d))
        picked.append(candidates[i])
        step = np.hypot(*(candidates - candidates[i]).T)
        d = step if d is None else np.minimum(d, step)
    return np.array(picked).reshape(-1, 2)


def place_seats(boundary: shapely.Geometry, district_seat: np.ndarray,
                known: dict[int, np.ndarray], streets: list[int], others: list[int],
                street_core_m2: float = 6e6) -> dict[int, np.ndarray]:
    """Seats of the township-level units not matched to a real place.

    Streets (街道) go to the urban core, a disc around the district seat of about
    ``street_core_m2`` per street; the first street with no known seat takes the
    district seat itself. Towns and other units go to the candidate point of a
    500 m grid, inside the boundary shrunk by 1 km, farthest from every seat placed
    so far (a deterministic spread). ``known`` seats (real, GeoNames) are kept.

    Parameters
    ----------
    boundary : shapely.Geometry
        District outline, metric CRS.
    district_seat : numpy.ndarray, shape (2,)
        District seat, metres.
    known, streets, others : township indices (into the district's township list).

    Returns
    -------
    dict mapping township index to an (x, y) array, metres, for every index given.
    """
    seats = dict(known)
    free_streets = [i for i in streets if i not in seats]
    if free_streets and not any(np.allclose(p, district_seat) for p in seats.values()):
        seats[free_streets.pop(0)] = np.asarray(district_seat, dtype=float)
    area = boundary.area
    if free_streets:
        r = np.sqrt(len(streets) * street_core_m2 / np.pi)
        core = shapely.Point(*district_seat).buffer(r).intersection(boundary)
        cand = grid_points(core, max(50.0, r / 30.0))
        if len(cand) < 4 * len(free_streets):
            cand = grid_points(boundary, np.sqrt(area / 2000.0))
        fixed = np.array(list(seats.values())).reshape(-1, 2)
        for i, p in zip(free_streets, farthest_points(cand, fixed, len(free_streets))):
            seats[i] = p
    free = [i for i in others if i not in seats]
    if free:
        inner = boundary.buffer(-1000.0)
        if inner.is_empty or inner.area < 0.2 * area:
            inner = boundary
        cand = grid_points(inner, max(100.0, min(500.0, np.sqrt(area / 2000.0))))
        fixed = np.array(list(seats.values())).reshape(-1, 2)
        for i, p in zip(free, farthest_points(cand, fixed, len(free))):
            seats[i] = p
    return seats


def township_polygons(seats: np.ndarray, boundary: shapely.Geometry) -> list[shapely.Geometry]:
    """Voronoi cells of the seats clipped to the boundary; together they tile it exactly.

    A cell that the clip splits keeps the part holding its seat; stray parts join the
    neighbour they share the longest border with (so each unit is one polygon where the
    district itself is one polygon).
    """
    x0, y0, x1, y1 = boundary.bounds
    pad = 10 * max(x1 - x0, y1 - y0)
    env = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seats), extend_to=env))
    owner = np.array([int(np.argmax(shapely.contains_xy(c, seats[:, 0], seats[:, 1])))
                      for c in cells])
    by_seat = [None] * len(seats)
    for c, o in zip(cells, owner):
        by_seat[o] = c
    clipped = list(shapely.intersection(np.array(by_seat, dtype=object), boundary))
    pieces: list[list[shapely.Geometry]] = [[] for _ in seats]
    strays = []
    for i, g in enumerate(clipped):
        for part in shapely.get_parts(g):
            if part.geom_type != "Polygon" or part.area == 0:
                continue
            if part.buffer(1e-6).contains(shapely.Point(*seats[i])) or len(
                    shapely.get_parts(g)) == 1:
                pieces[i].append(part)
            else:
                strays.append((i, part))
    for i, part in strays:
        best, best_len = i, -1.0
        for j in range(len(seats)):
            if j == i or not pieces[j]:
                continue
            shared = shapely.intersection(part.boundary, shapely.union_all(pieces[j]).boundary)
            if shared.length > best_len:
                best, best_len = j, shared.length
        pieces[best].append(part)
    out = []
    for ps in pieces:
        g = shapely.union_all(ps)
        if g.geom_type == "MultiPolygon" and len(g.geoms) > 1:
            g = shapely.union_all([p.buffer(1e-6) for p in ps]).buffer(-1e-6)
        out.append(shapely.make_valid(g))
    return out


def place_villages(poly: shapely.Geometry, anchor: np.ndarray, seat: np.ndarray,
                   n_res: int, n_rural: int, rng: np.random.Generator,
                   res_spacing: float = 450.0, margin: float = 50.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Village seats inside a township polygon, metres.

    Residents' committees (居委会) take the points of a ``res_spacing`` hexagonal grid
    nearest to ``anchor`` (the town seat, or for streets the district seat: the urban
    core), jittered by up to 20 %. Village committees and special units spread over
    the rest of the polygon on a jittered hexagonal grid whose spacing is chosen so
    that about ``n_rural`` points fit (1-2 km on the plain); the one nearest the town
    seat moves onto it when the town has no residents' committee. All stay at least
    ``margin`` metres inside the polygon.

    Returns
    -------
    (res_xy, rural_xy) : arrays of shape (n_res, 2) and (n_rural, 2).
    """
    inner = poly.buffer(-margin)
    if not inner.is_empty and inner.area > 0.5 * poly.area:
        poly = inner  # keep villages off the township's edge
    res = np.empty((0, 2))
    if n_res:
        s = res_spacing
        while True:
            cand = grid_points(poly, s, origin=tuple(anchor))
            if len(cand) >= n_res:
                break
            s *= 0.8
        order = np.lexsort((cand[:, 0], np.round(np.hypot(*(cand - anchor).T), 3)))
        res = cand[order[:n_res]] + rng.uniform(-0.2, 0.2, (n_res, 2)) * s
        res = _keep_inside(poly, res, cand[order[:n_res]])
    rural = np.empty((0, 2))
    if n_rural:
        free = poly
        if n_res:
            hole = shapely.union_all(shapely.buffer(shapely.points(res), res_spacing * 0.8))
            rest = poly.difference(hole)
            if rest.area > 0.3 * poly.area:
                free = rest
        lo, hi = 30.0, np.sqrt(free.area) * 2
        best = None
        for _ in range(30):  # largest spacing that still fits n_rural points
            mid = 0.5 * (lo + hi)
            cand = grid_points(free, mid, origin=tuple(seat))
            if len(cand) >= n_rural:
                lo, best = mid, cand
            else:
                hi = mid
        if best is None:
            best = grid_points(free, lo, origin=tuple(seat))
        cand = best
        if len(cand) < n_rural:  # tiny polygon: random points inside
            extra = _random_inside(poly, n_rural - len(cand), rng)
            cand = np.vstack([cand, extra])
        keep = np.sort(rng.choice(len(cand), n_rural, replace=False))
        base = cand[keep]
        rural = _keep_inside(poly, base + rng.uniform(-0.3, 0.3, base.shape) * lo, base)
        if not n_res and poly.contains(shapely.Point(*seat)):
            i = int(np.argmin(np.hypot(*(rural - seat).T)))
            rural[i] = seat
    return res, rural


def _keep_inside(poly: shapely.Geometry, moved: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    inside = shapely.contains_xy(poly, moved[:, 0], moved[:, 1])
    return np.where(inside[:, None], moved, fallback)


def _random_inside(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = poly.bounds
    out = []
    while len(out) < n:
        p = rng.uniform((x0, y0), (x1, y1), (64, 2))
        out.extend(p[shapely.contains_xy(poly, p[:, 0], p[:, 1])])
    return np.array(out[:n])


def apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (largest remainder).

    Ties in the remainders go to the lower index, so the result is deterministic.
    """
    w = np.asarray(weights, dtype=float)
    quota = w / w.sum() * total
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    order = np.lexsort((np.arange(len(w)), -(quota - base)))
    base[order[:left]] += 1
    return base
