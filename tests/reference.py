"""An independent reference for travel costs: plain shapely snapping + networkx Dijkstra.

Same convention as the engine (see ``planning/engine.py``), written the obvious way:
each point snaps to the nearest road segment (shapely ``STRtree.query_nearest``), the
segment is split at the snapped point in a networkx DiGraph, the point joins it by its
straight access leg (metres, or seconds at walking speed), and costs run from the
origin to the facility. A point snapped exactly onto a segment's end is that node.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely

from planning import settings


def _snap(net, tree, seg_ab, xy, limit):
    pts = shapely.points(xy)
    idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    seg = np.full(len(xy), -1)
    leg = np.full(len(xy), np.inf)
    seg[idx[0]] = idx[1]
    leg[idx[0]] = dist
    lines = shapely.linestrings(np.stack([np.column_stack([net.x[seg_ab[:, 0]], net.y[seg_ab[:, 0]]]),
                                          np.column_stack([net.x[seg_ab[:, 1]], net.y[seg_ab[:, 1]]])], axis=1))
    t = np.where(seg >= 0, shapely.line_locate_point(lines[np.maximum(seg, 0)], pts, normalized=True), np.nan)
    off = ~(leg <= limit)
    return seg, t, leg, off


def nearest_costs(net, origins_xy, facilities_xy, weight="length",
                  walk_speed_kmh=settings.WALK_SPEED_KMH, snap_limit_m=settings.SNAP_LIMIT_M,
                  min_time_s=1e-4):
    """Cost from every origin to its nearest facility (inf when unreachable).

    Parameters
    ----------
    net : planning.network.RoadNetwork
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
    tree = shapely.STRtree(shapely.linestrings(np.stack(
        [np.column_stack([net.x[seg_ab[:, 0]], net.y[seg_ab[:, 0]]]),
         np.column_stack([net.x[seg_ab[:, 1]], net.y[seg_ab[:, 1]]])], axis=1)))
    speed = walk_speed_kmh / 3.6
    origins_xy = np.asarray(origins_xy, float)
    facilities_xy = np.asarray(facilities_xy, float)
    points = np.concatenate([origins_xy, facilities_xy]) if len(facilities_xy) else origins_xy
    seg, t, leg, off = _snap(net, tree, seg_ab, points, snap_limit_m)

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
