"""R7: medical communities (区域医共体) and urban medical groups (城市医疗集团).

Policy: 002 §二(一) — every township health centre and community health centre joins a
medical community; 002 §三(一)2 — communities are led by a district-level hospital (a
level-2+ general or TCM hospital) and organised by location and population; 000 §二(二),
§二(三) — urban medical groups and medical communities.

Membership comes from the facilities' ``group_id``. Without any group data every centre
is ``unknown`` (无法检查, the column is missing): the rule neither passes nor fails them. Per centre: fail without a group or in a group without a valid lead;
warn when its drive time to the lead exceeds ``R7.max_drive_minutes_to_lead``. Per group
(layer ``R7_groups``): its lead, members, the union of the member townships and whether
that area is contiguous (townships touching).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from planning.rules.rulebook import Rulebook
from planning.rules.base import (Note, FAIL, PASS, UNKNOWN, WARN, RuleResult, facilities_of, params,
                                 level_rank, new_result, township_population, within_polygons)
from planning.schema import FacilityKind

DRIVE = "drive"
_MEMBERS = (FacilityKind.TOWNSHIP_HEALTH_CENTRE, FacilityKind.COMMUNITY_HEALTH_CENTRE)


def _has_group(frame: pd.DataFrame) -> pd.Series:
    if "group_id" not in frame:
        return pd.Series(False, index=frame.index)
    g = frame["group_id"]
    return g.notna() & (g.astype(str).str.strip() != "")


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """Judge each health centre's membership and each group's lead and contiguity.

    Returns
    -------
    RuleResult
        Units: township and community health centres (``population`` = residents of
        the township holding the centre); layers ``R7_centres`` and ``R7_groups``.
    """
    p = rulebook["R7"]
    fac = region.facilities
    members = facilities_of(region, _MEMBERS).copy()
    members["township_in"] = within_polygons(members, region.townships, "township_id")
    pops = township_population(region)
    members["population"] = members["township_in"].map(pops).astype(float)  # NaN: unknown
    crs = fac.crs
    if not _has_group(fac).any():
        units = gpd.GeoDataFrame({"unit_id": members["facility_id"], "name": members["name"],
                                  "population": members["population"], "status": UNKNOWN,
                                  "reason_code": "R7.no_groups", "action_code": "R7.add_groups",
                                  "params": [params() for _ in range(len(members))]},
                                 geometry=members.geometry.values, crs=crs)
        return new_result("R7", rulebook, units, "centre",
                          layers={"R7_centres": units.rename(columns={"unit_id": "facility_id"})},
                          notes=[Note("note.R7.no_groups")],
                          figures={"missing_columns": ["group_id"]})

    leads_all = facilities_of(region, p["lead_kinds"])
    leads_all = leads_all[_has_group(leads_all)]
    valid_lead = leads_all[leads_all["level"].map(level_rank) >= 2] if "level" in leads_all \
        else leads_all.iloc[0:0]
    lead_of = valid_lead.drop_duplicates("group_id").set_index("group_id")

    in_group = _has_group(members)
    drive_min = np.full(len(members), np.nan)
    grouped = members[in_group & members["group_id"].isin(lead_of.index)]
    if len(grouped):
        leads = lead_of.loc[grouped["group_id"]]
        cost = access.costs(DRIVE, grouped, gpd.GeoDataFrame(leads, geometry="geometry", crs=crs),
                            "time")
        pos = members.index.get_indexer(grouped.index)
        drive_min[pos] = np.diag(cost) / 60.0  # each member to its own group's lead

    status, reason, action, fields = [], [], [], []
    limit = p["max_drive_minutes_to_lead"]
    for i, (_, m) in enumerate(members.iterrows()):
        f = {"minutes": drive_min[i], "limit": limit}
        if not in_group.iloc[i]:
            s, r, a = FAIL, "R7.no_group", "R7.join"
        elif m["group_id"] not in lead_of.index:
            s, r, a = FAIL, "R7.no_lead", "R7.name_lead"
            f["group"] = m["group_id"]
        else:
            f["group"], f["lead"] = m["group_id"], lead_of.at[m["group_id"], "name"]
            if not np.isfinite(drive_min[i]):
                s, r, a = WARN, "R7.lead_unreachable", ""
            elif drive_min[i] > limit:
                s, r, a = WARN, "R7.lead_far", ""
            else:
                s, r, a = PASS, "R7.ok", ""
        status.append(s)
        reason.append(r)
        action.append(a)
        fields.append(params(**f))
    units = gpd.GeoDataFrame({
        "unit_id": members["facility_id"].values, "name": members["name"].values,
        "kind": members["kind"].values, "group_id": members["group_id"].values if "group_id" in members else None,
        "township_id": members["township_in"].values, "population": members["population"].values,
        "drive_minutes_to_lead": np.round(drive_min, 1), "status": status, "reason_code": reason,
        "action_code": action, "params": fields,
    }, geometry=members.geometry.values, crs=crs)
    groups = _groups(region, units, leads_all, lead_of)
    return new_result("R7", rulebook, units, "centre",
                      layers={"R7_centres": units.rename(columns={"unit_id": "facility_id"}),
                              "R7_groups": groups})


def _groups(region, units, leads_all, lead_of) -> gpd.GeoDataFrame:
    towns = region.townships.set_index("township_id")
    rows = []
    ids = sorted(set(units["group_id"].dropna().astype(str)) | set(leads_all["group_id"].astype(str)))
    for gid in ids:
        mem = units[units["group_id"] == gid]
        tids = [t for t in mem["township_id"].dropna().unique() if t in towns.index]
        polys = towns.loc[tids, "geometry"] if tids else gpd.GeoSeries([], crs=units.crs)
        graph = nx.Graph()
        graph.add_nodes_from(tids)
        if len(tids) > 1:
            tree = shapely.STRtree(polys.values)
            for a, b in zip(*tree.query(polys.values, predicate="intersects")):
                if a < b:
                    graph.add_edge(tids[a], tids[b])
        parts = nx.number_connected_components(graph) if tids else 0
        problems = []
        if gid not in lead_of.index:
            problems.append("R7.group_no_lead")
        if parts > 1:
            problems.append("R7.group_split")
        if (mem["status"] == WARN).any():
            problems.append("R7.group_far")
        rows.append({"group_id": gid,
                     "lead": lead_of.at[gid, "name"] if gid in lead_of.index else None,
                     "members": len(mem), "member_names": "、".join(mem["name"].astype(str)),
                     "townships": len(tids), "contiguous": parts <= 1,
                     "status": FAIL if gid not in lead_of.index else (WARN if problems else PASS),
                     "reason_code": ";".join(problems) if problems else "R7.group_ok",
                     "params": params(parts=parts, far=int((mem["status"] == WARN).sum())),
                     "geometry": shapely.union_all(polys.values) if tids else shapely.Polygon()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=units.crs)
