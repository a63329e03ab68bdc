"""R4: regional medical sub-centres (区域医疗次中心).

Policy: 001 §二(一)2 — in agricultural districts with a large population or area, where
district hospitals in town or level-2+ general hospitals nearby hardly reach, choose 1-2
central township health centres by population, location, transport and patient flow,
and raise them to level-2 capability; 000 §三(十四) — district medical sub-centres.

A district qualifies when it is agricultural and its population and/or area exceed the
rulebook thresholds (``R4.qualify_if``). Residents are "hard to reach" when their drive
time to the nearest district-level hospital (区级医院, 中医医院) or level-2+ general
hospital — including hospitals just outside the district — exceeds
``R4.hard_to_reach_minutes``. Candidates are the district's township health centres
(central ones first when ``R4.prefer_central`` and any is marked central), chosen
greedily (maximal covering) by the hard-to-reach residents each would bring within the
limit. Patient flow (就医流向) is a factor named by the policy that the tool cannot see.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.rules.rulebook import Rulebook
from planning.rules.base import (Note, FAIL, NA, PASS, UNKNOWN, RuleResult, district_table,
                                 facilities_of, known_sum, level_rank, new_result, params,
                                 population_reason, villages_district, within_polygons)
from planning.schema import FacilityKind

DRIVE = "drive"


def hospitals(region) -> gpd.GeoDataFrame:
    """District-level hospitals (any level) and general hospitals of level 2 or above."""
    fac = facilities_of(region, (FacilityKind.DISTRICT_HOSPITAL, FacilityKind.TCM_HOSPITAL,
                                 FacilityKind.GENERAL_HOSPITAL))
    general = fac["kind"] == FacilityKind.GENERAL_HOSPITAL.value
    level_ok = fac["level"].map(level_rank) >= 2 if "level" in fac else False
    return fac[~general | level_ok]


def _qualifies(d, p) -> tuple[bool | None, str]:
    """Whether the district qualifies (None: its population is unknown and decides it),
    and the reason codes saying why (keys of :data:`planning.words.RULE_WORDS`)."""
    big_area = d.area_km2 >= p["district_area_km2_threshold"]
    known = not pd.isna(d.population)
    big_pop = d.population >= p["district_population_threshold"] if known else None
    if p["qualify_if"] == "either":
        size = True if big_area or big_pop else (None if big_pop is None else False)
    else:
        size = False if not big_area or big_pop is False else big_pop
    facts = "R4.size" if known else "R4.size_population_unknown"
    if not d.agricultural:
        return False, f"R4.not_agricultural;{facts}"
    if size is None:
        return None, f"R4.size_unknown;{facts}"
    if not size:
        return False, f"R4.too_small;{facts}"
    return True, f"R4.qualifies;{facts}"


def check(region, rulebook: Rulebook, access) -> RuleResult:
    """Find hard-to-reach residents per qualifying district and rank sub-centre candidates.

    Returns
    -------
    RuleResult
        Units: districts (``population`` = hard-to-reach residents, the people
        concerned); layers ``R4_districts``, ``R4_candidates`` (ranked, with
        ``newly_within`` residents, ``minutes_saved`` on average for them, beds and
        staff) and ``R4_villages`` (drive minutes to the nearest hospital).
    """
    p = rulebook["R4"]
    limit_s = p["hard_to_reach_minutes"] * 60.0
    districts = district_table(region)
    villages = region.villages
    hosp = hospitals(region)
    near = access.nearest(DRIVE, hosp, "time")
    drive_min = near["cost"].to_numpy() / 60.0
    hard = ~(np.isfinite(drive_min) & (drive_min * 60.0 <= limit_s))
    v_district = villages_district(villages, districts)
    pop = villages["population"].astype(float)             # NaN: residents unknown
    centres = facilities_of(region, (FacilityKind.TOWNSHIP_HEALTH_CENTRE,)).copy()
    centres["district_in"] = within_polygons(centres, districts, "district_id")

    rows, cand_rows = [], []
    for d in districts.itertuples():
        ok, why = _qualifies(d, p)
        in_d = (v_district == d.district_id).to_numpy()
        hard_d = in_d & hard
        hard_known = hard_d & pop.notna().to_numpy()
        hard_pop = float(pop[hard_known].sum())
        hard_unknown = int((hard_d & ~hard_known).sum())
        minutes = p["hard_to_reach_minutes"]
        fields = {"population": d.population, "area_km2": d.area_km2, "minutes": minutes,
                  "hard_villages": int(hard_d.sum()), "villages_unknown": hard_unknown,
                  "hard_residents": hard_pop}
        if ok is False:
            status, reason, action = NA, why, ""
        elif ok is None or (hard_pop == 0 and hard_unknown):
            # the need rests on residents nobody counted: neither passed nor failed
            status = UNKNOWN
            reason = why + (";R4.hard_villages" if hard_d.any() else "")
            if hard_unknown:
                reason += ";R4.hard_villages_unknown"
            action = "R4.add_population"
        elif hard_pop == 0:
            status, reason, action = PASS, why + ";R4.all_within", ""
        else:
            status = FAIL
            reason = why + ";R4.hard_residents"
            if hard_unknown:
                reason += ";R4.hard_residents_unknown"
            picks = _rank_candidates(access, villages[hard_known], pop[hard_known].to_numpy(),
                                     drive_min[hard_known],
                                     centres[centres["district_in"] == d.district_id], p, limit_s)
            for rank, c in enumerate(picks, start=1):
                cand_rows.append({**c, "rank": rank, "district_id": d.district_id,
                                  "district": d.name, "status": FAIL})
            fields["candidates"] = [c["name"] for c in picks]
            action = "R4.build" if picks else "R4.no_candidate"
        hard_people = hard_pop if not hard_unknown or hard_pop else np.nan
        rows.append({"unit_id": d.district_id, "name": d.name, "population": hard_people,
                     "district_population": float(d.population), "area_km2": round(d.area_km2, 1),
                     "qualifies": ok, "hard_to_reach_residents": hard_people,
                     "hard_to_reach_villages_without_population": hard_unknown,
                     "status": status, "reason_code": reason, "action_code": action,
                     "params": params(**fields), "geometry": d.geometry})
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=districts.crs)
    cands = gpd.GeoDataFrame(cand_rows, geometry="geometry", crs=villages.crs) if cand_rows else \
        gpd.GeoDataFrame(columns=["facility_id", "name", "rank", "status", "geometry"],
                         geometry="geometry", crs=villages.crs)
    vlayer = gpd.GeoDataFrame({
        "village_id": villages["village_id"], "name": villages["name"], "population": pop,
        "drive_minutes_to_hospital": np.where(np.isfinite(drive_min), np.round(drive_min, 1), np.nan),
        "nearest_hospital_id": near["facility_id"].values,
        "status": np.where(hard, FAIL, PASS)}, geometry=villages.geometry.values, crs=villages.crs)
    notes = [Note("note.R4.patient_flow")]
    return new_result("R4", rulebook, units, "district",
                      layers={"R4_districts": units.rename(columns={"unit_id": "district_id"}),
                              "R4_candidates": cands, "R4_villages": vlayer},
                      notes=notes, figures={
                          "hard_to_reach_residents": known_sum(pop[hard])[0],
                          "hard_to_reach_villages_without_population": int(pop[hard].isna().sum()),
                          "residents_reason": population_reason(int(pop[hard].isna().sum()),
                                                                int(hard.sum()))})


def _rank_candidates(access, hard_villages, hard_pop, current_min, centres, p, limit_s) -> list[dict]:
    """Greedy maximal covering of hard-to-reach residents by township health centres."""
    if centres.empty or len(hard_villages) == 0:
        return []
    pool = centres
    if p["prefer_central"] and "central" in centres and centres["central"].fillna(False).astype(bool).any():
        pool = centres[centres["central"].fillna(False).astype(bool)]
    cost = access.costs(DRIVE, hard_villages, pool, "time")  # villages x centres, seconds
    reach = np.isfinite(cost) & (cost <= limit_s)
    picks, taken = [], np.zeros(len(hard_villages), dtype=bool)
    for _ in range(min(p["max_candidates"], len(pool))):
        gain = ((reach & ~taken[:, None]) * hard_pop[:, None]).sum(axis=0)
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        newly = reach[:, j] & ~taken
        saved = current_min[newly] - cost[newly, j] / 60.0
        saved = saved[np.isfinite(saved)]
        c = pool.iloc[j]
        picks.append({
            "facility_id": c["facility_id"], "name": c["name"],
            "central": bool(c.get("central")) if pd.notna(c.get("central")) else False,
            "newly_within": float(hard_pop[newly].sum()),
            "villages_newly_within": int(newly.sum()),
            "minutes_saved": round(float(saved.mean()), 1) if len(saved) else None,
            "beds": c.get("beds"), "doctors": c.get("doctors"),
            "reason_code": "R4.candidate",
            "params": params(newly_within=hard_pop[newly].sum(), minutes=limit_s / 60),
            "geometry": c.geometry})
        taken |= newly
    return picks
