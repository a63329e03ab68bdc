"""R5: district hospitals and staffing.

Policy: 001 §二(二)4 — every agricultural district (有农业的区) has at least one district
hospital with tertiary (三级) capability and one district TCM hospital at 二甲 level;
001 §二(二)7 — every township health centre has at least one public-health physician,
and public-health staff are at least 30 % of professional staff; 000 §三(十五) and
004 §三(二) — nurses 4.3 per 1,000 residents by 2025 (5 by 2027) and 4 general
practitioners per 10,000 residents are CITY-WIDE targets: reported as references with
what was counted, never as a district's failure.

The public-health physician check counts the ``public_health_staff`` column (the data
model has no separate physician column); say so when reporting.
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.rules.rulebook import Rulebook
from planning.rules.base import (Note, FAIL, NA, PASS, WARN, RuleResult, district_table, facilities_of,
                                 level_rank, new_result, params, population_reason,
                                 within_polygons)
from planning.schema import FacilityKind


def _sum(frame: pd.DataFrame, column: str) -> float | None:
    if column not in frame or frame[column].notna().sum() == 0:
        return None
    return float(frame[column].fillna(0).sum())


def _staffing(centres: gpd.GeoDataFrame, p: dict) -> gpd.GeoDataFrame:
    """Per township health centre: public-health staff present and their share."""
    out = centres[["facility_id", "name", "geometry"]].copy()
    ph = centres["public_health_staff"] if "public_health_staff" in centres else None
    prof = centres["professional_staff"] if "professional_staff" in centres else None
    status, reason, fields = [], [], []
    for i in range(len(centres)):
        problems = []
        known = False
        f = {"minimum": p["min_public_health_physicians"],
             "minimum_share": p["min_public_health_share"]}
        if ph is not None and pd.notna(ph.iloc[i]):
            known = True
            f["staff"] = int(ph.iloc[i])
            if ph.iloc[i] < p["min_public_health_physicians"]:
                problems.append("R5.few_public_health")
            if prof is not None and pd.notna(prof.iloc[i]) and prof.iloc[i] > 0:
                f["share"] = share = ph.iloc[i] / prof.iloc[i]
                if share < p["min_public_health_share"]:
                    problems.append("R5.low_public_health_share")
        status.append(WARN if problems else (PASS if known else NA))
        reason.append(";".join(problems) if problems else ("R5.staff_ok" if known else "R5.no_staff_data"))
        fields.append(params(**f))
    out["status"] = status
    out["reason_code"] = reason
    out["params"] = fields
    if ph is not None:
        out["public_health_staff"] = ph.values
    if prof is not None:
        out["professional_staff"] = prof.values
    return out


def check(region, rulebook: Rulebook, access=None) -> RuleResult:
    """Judge each district's hospitals and its township health centres' staffing.

    Returns
    -------
    RuleResult
        One unit per district (``status`` fail when an agricultural district lacks a
        tertiary district hospital or a 二甲 TCM hospital; warn when a centre falls short
        on staffing); layers ``R5_districts`` and ``R5_centres``; ``figures`` holds the
        city-wide ratios with the counts behind them.
    """
    p = rulebook["R5"]
    if access is None:
        units, staffing = _judge(region, p)
    else:  # a scenario edit of anything else (a clinic …) leaves the districts' verdicts
        units, staffing = access.static(("R5 districts", _judge_key(region, p)),
                                        lambda: _judge(region, p))
    figures = city_ratios(region, p)
    notes = [Note("note.R5.city_wide"), Note("note.R5.public_health_column")]
    return new_result("R5", rulebook, units, "district",
                      layers={"R5_districts": units.rename(columns={"unit_id": "district_id"}),
                              "R5_centres": staffing},
                      notes=notes, figures=figures)


#: the facilities :func:`_judge` reads, and their columns
_JUDGED_KINDS = (FacilityKind.DISTRICT_HOSPITAL, FacilityKind.TCM_HOSPITAL,
                 FacilityKind.TOWNSHIP_HEALTH_CENTRE)
_JUDGED = ("facility_id", "name", "kind", "level", "public_health_staff", "professional_staff")


def _judge_key(region, p: dict) -> str:
    """A content key of everything :func:`_judge` reads that a scenario can change: the
    district and TCM hospitals and township health centres (columns, positions), the
    villages' populations and ``p``. Townships and districts are the region's own."""
    fac = facilities_of(region, _JUDGED_KINDS)
    h = hashlib.sha1(json.dumps(p, sort_keys=True, default=str).encode())
    cols = [c for c in _JUDGED if c in fac]
    h.update(json.dumps(cols).encode())
    h.update(pd.util.hash_pandas_object(fac[cols].astype(str), index=False).to_numpy().tobytes())
    h.update(np.column_stack([fac.geometry.x, fac.geometry.y]).tobytes())
    h.update(pd.to_numeric(region.villages["population"], errors="coerce").to_numpy(float).tobytes())
    return h.hexdigest()


def _judge(region, p: dict) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The districts' units (hospitals, short-staffed centres) and the centres' staffing."""
    districts = district_table(region)
    hospitals = facilities_of(region, (FacilityKind.DISTRICT_HOSPITAL, FacilityKind.TCM_HOSPITAL)).copy()
    hospitals["district_in"] = within_polygons(hospitals, districts, "district_id")
    centres = facilities_of(region, (FacilityKind.TOWNSHIP_HEALTH_CENTRE,)).copy()
    centres["district_in"] = within_polygons(centres, districts, "district_id")
    staffing = _staffing(centres, p)
    staffing["district_id"] = centres["district_in"].values
    tcm_min = level_rank(p["require_tcm_level"])

    rows = []
    for d in districts.itertuples():
        own = hospitals[hospitals["district_in"] == d.district_id]
        dh = own[own["kind"] == FacilityKind.DISTRICT_HOSPITAL.value]
        tcm = own[own["kind"] == FacilityKind.TCM_HOSPITAL.value]
        tertiary = dh[dh["level"].map(level_rank) >= 3] if "level" in dh else dh.iloc[0:0]
        tcm_ok = tcm[tcm["level"].map(level_rank) >= tcm_min] if "level" in tcm else tcm.iloc[0:0]
        short = staffing[(staffing["district_id"] == d.district_id) & (staffing["status"] == WARN)]
        problems, actions = [], []
        if d.agricultural:
            if p["require_tertiary_district_hospital"] and tertiary.empty:
                problems.append("R5.no_tertiary" if not dh.empty else "R5.no_district_hospital")
                actions.append("R5.raise_tertiary")
            if tcm_ok.empty:
                problems.append("R5.no_tcm")
                actions.append("R5.build_tcm")
        if problems:
            status = FAIL
        elif len(short):
            status = WARN
            problems.append("R5.short_staffed")
            actions.append("R5.staff_up")
        elif not d.agricultural:
            status = NA
            problems.append("R5.not_agricultural")
        else:
            status = PASS
        rows.append({"unit_id": d.district_id, "name": d.name, "agricultural": bool(d.agricultural),
                     "population": float(d.population),
                     "district_hospitals": "、".join(dh["name"].astype(str)),
                     "tertiary_hospitals": "、".join(tertiary["name"].astype(str)),
                     "tcm_hospitals": "、".join(tcm["name"].astype(str)),
                     "centres_short_staffed": len(short), "status": status,
                     "reason_code": ";".join(problems) if problems else "R5.ok",
                     "action_code": ";".join(actions),
                     "params": params(level=p["require_tcm_level"], centres=len(short),
                                      minimum_share=p["min_public_health_share"]),
                     "geometry": d.geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=districts.crs), staffing


def city_ratios(region, p: dict) -> dict:
    """City-wide staffing references: GPs per 10,000 and nurses per 1,000 residents.

    Counts come from every facility in the region with the column filled; residents are
    the villages' total. A figure is None when no facility carries the column, and a
    ratio is None when any village lacks its population (fewer residents counted would
    make the ratio look better than it is); ``residents_reason`` then says so.
    """
    fac = region.facilities
    pop = region.villages["population"]
    n_unknown = int(pop.isna().sum())
    residents = float(pop.sum()) if not n_unknown else None
    gps, nurses = _sum(fac, "gps"), _sum(fac, "nurses")
    vdocs, qualified = _sum(fac, "village_doctors"), _sum(fac, "qualified_village_doctors")

    def ratio(count, per):
        return None if count is None or not residents else round(count / residents * per, 3)

    return {
        "residents": None if residents is None else int(residents),
        "residents_reason": population_reason(n_unknown, len(pop)),
        "gps_counted": gps, "gps_per_10000": ratio(gps, 1e4),
        "gps_target_per_10000": p["gps_per_10000"],
        "nurses_counted": nurses, "nurses_per_1000": ratio(nurses, 1e3),
        "nurses_target_per_1000_2025": p["nurses_per_1000_2025"],
        "nurses_target_per_1000_2027": p["nurses_per_1000_2027"],
        "village_doctors_counted": vdocs,
        "qualified_village_doctor_share": (None if not vdocs else round(qualified / vdocs, 3)
                                           if qualified is not None else None),
        "qualified_village_doctor_share_target": p["qualified_village_doctor_share"],
    }
