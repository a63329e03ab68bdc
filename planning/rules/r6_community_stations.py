"""R6: one community health station (社区卫生服务站) per 3-4 residents' committees.

Policy: 004 §一(一)2 — "城市每3-4个居委会有1所社区卫生服务站" (a reference standard).
A residents' committee (居委会) is a village-level unit whose 12-digit code ends in
001-199 (or whose kind says so), wherever it lies: towns hold residents' committees too.
For each township-level unit holding residents' committees, the stations inside its
polygon must number at least ceil(committees / ``R6.committees_per_station``); each
committee takes its township's status.
"""

from __future__ import annotations

import math


from planning.rules.rulebook import Rulebook
from planning.rules.base import (FAIL, PASS, RuleResult, facilities_of, new_result, params,
                                 units_frame, within_polygons)
from planning.schema import FacilityKind, VillageKind


def check(region, rulebook: Rulebook, access=None) -> RuleResult:
    """Judge every residents' committee by its township's station count.

    Returns
    -------
    RuleResult
        One unit per residents' committee with ``committees_in_township``,
        ``stations_in_township``, ``stations_needed``; layer ``R6_committees``.
    """
    per = rulebook["R6"]["committees_per_station"]
    villages = region.villages
    committees = villages[villages["kind"] == VillageKind.RESIDENTS_COMMITTEE.value]
    stations = facilities_of(region, (FacilityKind.COMMUNITY_HEALTH_STATION,)).copy()
    stations["township_in"] = within_polygons(stations, region.townships, "township_id")
    n_stations = stations.groupby("township_in").size()
    n_committees = committees.groupby("township_id").size()
    names = region.townships.set_index("township_id")["name"]

    rows = []
    for c in committees.itertuples():
        n_c = int(n_committees.get(c.township_id, 0))
        n_s = int(n_stations.get(c.township_id, 0))
        needed = math.ceil(n_c / per) if n_c else 0
        ok = n_s >= needed
        town = names.get(c.township_id)
        rows.append({"unit_id": c.village_id, "name": c.name, "township_id": c.township_id,
                     "township": town, "population": c.population,
                     "committees_in_township": n_c, "stations_in_township": n_s,
                     "stations_needed": needed, "status": PASS if ok else FAIL,
                     "reason_code": "R6.count" if town is not None else "R6.outside",
                     "action_code": "" if ok else "R6.add_stations",
                     "params": params(township=town, committees=n_c, stations=n_s, needed=needed,
                                      missing=needed - n_s),
                     "geometry": c.geometry})
    units = units_frame(rows, villages.crs)
    return new_result("R6", rulebook, units, "committee",
                      layers={"R6_committees": units.rename(columns={"unit_id": "village_id"})})
