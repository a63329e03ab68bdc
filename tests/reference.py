"""An independent reference for travel costs: plain shapely snapping + networkx Dijkstra.

Same convention as the engine (see ``planning/travel/engine.py``), written the obvious way:
each point snaps to the nearest road segment of the network's largest strongly connected
part (networkx ``strongly_connected_components``; of equal parts the one holding the
lowest node; a segment counts when both its ends are in it), or of any part when none
of those lies within the snap limit (shapely distances), the segment is split at the
snapped point in a networkx DiGraph, the point joins it by its straight access leg
(metres, or seconds at walking speed), and costs run from the origin to the facility.
A point snapped exactly onto a segment's end is that node.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely

from planning import settings


def snap_segments(net, seg_ab, min_part_nodes=None) -> np.ndarray:
    """Which segments points may snap to: both ends in the same strongly connected part
    (networkx), that part the largest (of equal ones, the one holding the lowest node)
    or, with ``min_part_nodes``, of at least that many nodes."""
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n_nodes))
    G.add_edges_from(zip(np.asarray(net.u).tolist(), np.asarray(net.v).tolist()))
    parts = sorted(nx.strongly_connected_components(G), key=lambda c: (-len(c), min(c)))
    label = {node: i for i, c in enumerate(parts) for node in c}
    keep = {i for i, c in enumerate(parts)
            if i == 0 or (min_part_nodes is not None and len(c) >= min_part_nodes)}
    return np.array([label[a] == label[b] and label[a] in keep for a, b in seg_ab.tolist()],
                    dtype=bool)


def snap_reference(net, seg_ab, xy, limit, min_part_nodes=None):
    """(segment, fraction, leg, off, moved) per point: the nearest segment of the parts
    that count within ``limit``, else the nearest of any part (shapely STRtree)."""
    lines = shapely.linestrings(np.stack(
        [np.column_stack([net.x[seg_ab[:, 0]], net.y[seg_ab[:, 0]]]),
         np.column_stack([net.x[seg_ab[:, 1]], net.y[seg_ab[:, 1]]])], axis=1))
    ok = np.flatnonzero(snap_segments(net, seg_ab, min_part_nodes))
    pts = shapely.points(xy)
    k = len(xy)
    seg, leg, moved = np.full(k, -1), np.full(k, np.inf), np.zeros(k, dtype=bool)
    if len(lines):
        (i, j), d = shapely.STRtree(lines).query_nearest(pts, return_distance=True,
                                                         all_matches=False)
        near = np.full(k, np.inf)
        near[i] = d
        seg[i], leg[i] = j, d
        if len(ok):
            (i2, j2), d2 = shapely.STRtree(lines[ok]).query_nearest(
                pts, return_distance=True, all_matches=False, max_distance=limit)
            seg[i2], leg[i2] = ok[j2], d2
            moved[i2] = d2 > near[i2] + 1e-9
    off = ~(leg <= limit)
    seg[off] = -1
    t = np.full(k, np.nan)
    if (seg >= 0).any():
        t[seg >= 0] = shapely.line_locate_point(lines[seg[seg >= 0]], pts[seg >= 0],
                                                normalized=True)
    return seg, t, leg, off, moved


def nearest_costs(net, origins_xy, facilities_xy, weight="length",
                  walk_speed_kmh=settings.WALK_SPEED_KMH, snap_limit_m=settings.SNAP_LIMIT_M,
                  min_time_s=1e-4):
    """Cost from every origin to its nearest facility (inf when unreachable).

    Parameters
    ----------
    net : planning.travel.network.RoadNetwork
    origins_xy, facilities_xy : array (k, 2), metres in ``net.crs``
    weight : {"length", "time"}
        Metres, or seconds with access legs at ``walk_speed_kmh``.
    """
    u = np.asarray(net.u, dtype=np.int64)
    v = np.asarray(net.v, dtype=np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    w = (np.maximum(net.length_m, settings.MIN_EDGE_M) if weight == "length"
         else np.maximum(net.time_s, min_time_s))[keep]
    seg_ab = np.unique(np.column_stack([np.minimum(u, v), np.maximum(u, v)]), axis=0)
    seg_id = {(int(a), int(b)): i for i, (a, b) in enumerate(seg_ab)}
    speed = walk_speed_kmh / 3.6
    origins_xy = np.asarray(origins_xy, float)
    facilities_xy = np.asarray(facilities_xy, float)
    points = np.concatenate([origins_xy, facilities_xy]) if len(facilities_xy) else origins_xy
    seg, t, leg, off, _ = snap_reference(net, seg_ab, points, snap_limit_m)

    # where each point sits: a node of the network, or a new node on a segment
    on_segment: dict[int, list[tuple[float, object]]] = {}
    at = {}
    for k in range(len(points)):
        if off[k]:
            continue
        a, b = seg_ab[seg[k]]
        if t[k] <= 0.0:
            at[k] = int(a)
        elif t[k] >= 1.0:
            at[k] = int(b)
        else:
            at[k] = ("p", k)
            on_segment.setdefault(seg[k], []).append((t[k], ("p", k)))

    G = nx.DiGraph()

    def add(a, b, weight_):
        if not G.has_edge(a, b) or G[a][b]["w"] > weight_:
            G.add_edge(a, b, w=weight_)

    for a, b, we in zip(u.tolist(), v.tolist(), w.tolist()):
        s = seg_id[(min(a, b), max(a, b))]
        inner = on_segment.get(s)
        if not inner:
            add(a, b, we)
            continue
        # positions along the segment from its lower node; walk them in this edge's direction
        chain = sorted(inner, key=lambda p: p[0])
        if a > b:
            chain = [(1.0 - pos, name) for pos, name in reversed(chain)]
        stops = [(0.0, a)] + chain + [(1.0, b)]
        for (s0, n0), (s1, n1) in zip(stops[:-1], stops[1:]):
            add(n0, n1, (s1 - s0) * we)
    n_o = len(origins_xy)
    for k, node in at.items():
        cost = leg[k] if weight == "length" else leg[k] / speed
        if k < n_o:
            add(("O", k), node, cost)
        else:
            add(node, "SINK", cost)
    if "SINK" not in G:
        return np.full(n_o, np.inf)
    d = nx.single_source_dijkstra_path_length(G.reverse(copy=False), "SINK", weight="w")
    return np.array([d.get(("O", k), np.inf) for k in range(n_o)])
