"""Synthetic health facilities of a district, with deliberate gaps for the rules to find.

Per district (every rule below is deterministic given the random generator):

- district hospital (区人民医院, 三级, leads group 1) and TCM hospital (中医医院, 二甲,
  leads group 2) in the urban core;
- a township health centre (乡镇卫生院) at every town seat except the town with the
  fewest villages (R1 gap); the two most populous towns more than 15 km from the
  district seat hold the central ones (中心乡镇卫生院);
- a community health centre (社区卫生服务中心) in every street except the street with
  the fewest residents' committees (R1 gap);
- community health stations (社区卫生服务站), one per 3.5 residents' committees, except
  in the street with the most committees outside the district seat's street, which
  gets one per 8 (R6 gap);
- a village clinic (村卫生室) within 100-300 m of 85 % of the village committees; the
  other 15 % are partly the most isolated villages (R2/R3 gaps); a few clinics are not
  standardized, two are village service points; five small villages without a clinic
  are served by touring doctors and two by dispatched staff;
- health centres belong to group 1 or 2 by their bearing from the district seat (2 in
  the south-east quadrant), the northernmost joins group 2 (far from its group, R7), and
  one town centre and one community centre have no group (R7 gaps); one town centre
  has no public-health staff (R5). Registered general practitioners (``gps``) are 60 % of
  a township centre's doctors and 50 % of a community centre's (no random draw, so the
  positions above do not depend on them); R8 judges GPs within reach.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import cKDTree

from geodata._layout import farthest_points
from planning.schema import FacilityKind, ServiceMode, TownshipKind, VillageKind, facility_name_for_village


def _offset(xy: np.ndarray, rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    ang = rng.uniform(0, 2 * np.pi)
    r = rng.uniform(lo, hi)
    return np.asarray(xy, dtype=float) + r * np.array([np.cos(ang), np.sin(ang)])


def district_facilities(dist: dict, towns: list[dict], villages: dict,
                        rng: np.random.Generator, group_prefix: str = "") -> tuple[list[dict], dict]:
    """Facilities of one district and the villages' service modes.

    Parameters
    ----------
    dist : dict
        ``name``, ``code``, ``seat`` (x, y metres).
    towns : list of dict
        Township-level units: ``id``, ``name``, ``kind`` (TownshipKind value), ``seat``,
        ``poly`` (metres), ``population``.
    villages : dict of arrays
        ``id``, ``name``, ``township_id``, ``kind`` (VillageKind values), ``xy`` (n, 2)
        metres, ``population``.

    Returns
    -------
    (rows, service_mode) : facility rows (``xy`` in metres, no id yet) and
    ``{village_id: ServiceMode value}``.
    """
    seat = np.asarray(dist["seat"], dtype=float)
    g1, g2 = f"{group_prefix}G1", f"{group_prefix}G2"
    rows: list[dict] = []
    rows.append(dict(name=f"{dist['name']}人民医院", kind=FacilityKind.DISTRICT_HOSPITAL.value,
                     xy=seat + (600.0, 300.0), group_id=g1, level="三级", beds=1000,
                     doctors=420, gps=12, nurses=560, public_health_staff=25,
                     professional_staff=1150))
    rows.append(dict(name=f"{dist['name']}中医医院", kind=FacilityKind.TCM_HOSPITAL.value,
                     xy=seat + (-900.0, -700.0), group_id=g2, level="二甲", beds=420,
                     doctors=180, gps=6, nurses=210, public_health_staff=10,
                     professional_staff=460))
    for r in rows:  # the hospitals' township
        r["township_id"] = next((t["id"] for t in towns
                                 if t["poly"].contains(shapely.Point(*r["xy"]))), None)
    vk = np.asarray(villages["kind"])
    vt = np.asarray(villages["township_id"])
    vxy = np.asarray(villages["xy"], dtype=float)
    n_res = {t["id"]: int(np.sum((vt == t["id"]) & (vk == VillageKind.RESIDENTS_COMMITTEE.value)))
             for t in towns}
    n_vil = {t["id"]: int(np.sum(vt == t["id"])) for t in towns}
    rural = [t for t in towns if t["kind"] == TownshipKind.TOWNSHIP.value]
    streets = [t for t in towns if t["kind"] == TownshipKind.STREET.value]
    seat_street = min(streets, key=lambda t: np.hypot(*(t["seat"] - seat)))["id"] if streets else None
    gap_town = (max(rural, key=lambda t: (-n_vil[t["id"]], t["id"]))["id"]
                if len(rural) >= 2 else None)
    gap_street = (max([t for t in streets if t["id"] != seat_street],
                      key=lambda t: (-n_res[t["id"]], t["id"]))["id"]
                  if len(streets) >= 2 else None)
    far = sorted([t for t in rural if t["id"] != gap_town
                  and np.hypot(*(t["seat"] - seat)) > 15_000],
                 key=lambda t: (-t["population"], t["id"]))
    central = {t["id"] for t in far[:2]}
    centres = []
    for t in towns:
        if t["kind"] == TownshipKind.TOWNSHIP.value and t["id"] != gap_town:
            short = t["name"]
            xy = _inside(t["poly"], _offset(t["seat"], rng, 100, 250), t["seat"])
            pop = t["population"]
            doctors = int(round(pop / 2500)) + int(rng.integers(3, 8))
            nurses = int(round(doctors * rng.uniform(0.7, 1.1)))
            prof = doctors + nurses + int(rng.integers(4, 12))
            centres.append(dict(
                name=f"{short}卫生院" if t["id"] not in central else f"{short}中心卫生院",
                kind=FacilityKind.TOWNSHIP_HEALTH_CENTRE.value, xy=xy, township_id=t["id"],
                central=t["id"] in central, beds=int(20 + pop // 1500 + rng.integers(0, 20)),
                doctors=doctors, gps=max(1, int(round(0.6 * doctors))), nurses=nurses,
                public_health_staff=max(1, int(round(prof * rng.uniform(0.12, 0.35)))),
                professional_staff=prof))
        elif t["kind"] == TownshipKind.STREET.value and t["id"] != gap_street:
            in_t = (vt == t["id"]) & (vk == VillageKind.RESIDENTS_COMMITTEE.value)
            xy = vxy[in_t].mean(axis=0) if in_t.any() else np.asarray(t["seat"], dtype=float)
            xy = _inside(t["poly"], _offset(xy, rng, 50, 200), t["seat"])
            doctors = int(rng.integers(15, 40))
            nurses = int(round(doctors * rng.uniform(0.8, 1.2)))
            prof = doctors + nurses + int(rng.integers(5, 15))
            centres.append(dict(
                name=f"{t['name']}社区卫生服务中心",
                kind=FacilityKind.COMMUNITY_HEALTH_CENTRE.value, xy=xy, township_id=t["id"],
                beds=int(rng.integers(0, 30)), doctors=doctors, gps=max(2, int(round(0.5 * doctors))),
                nurses=nurses, public_health_staff=max(1, int(round(prof * rng.uniform(0.12, 0.3)))),
                professional_staff=prof))
    # medical-community groups, with the deliberate R7 gaps
    for c in centres:
        ang = np.arctan2(*(c["xy"] - seat)[::-1])
        c["group_id"] = g2 if -np.pi / 2 <= ang < 0 else g1
    if centres:
        north = max(centres, key=lambda c: c["xy"][1])
        north["group_id"] = g2
        ths = [c for c in centres if c["kind"] == FacilityKind.TOWNSHIP_HEALTH_CENTRE.value
               and c is not north]
        chs = [c for c in centres if c["kind"] == FacilityKind.COMMUNITY_HEALTH_CENTRE.value
               and c["township_id"] != seat_street and c is not north]
        if ths:
            min(ths, key=lambda c: (c["professional_staff"], c["township_id"]))["group_id"] = None
        if chs:
            chs[-1]["group_id"] = None
        if len(ths) > 1:
            ths[len(ths) // 2]["public_health_staff"] = 0
    rows += centres
    # community health stations for residents' committees in streets
    for t in streets:
        in_t = np.flatnonzero((vt == t["id"]) & (vk == VillageKind.RESIDENTS_COMMITTEE.value))
        if not len(in_t):
            continue
        per = 8.0 if t["id"] == _gap_street_r6(streets, n_res, seat_street) else 3.5
        n_st = max(1, int(np.ceil(len(in_t) / per)))
        picks = farthest_points(vxy[in_t], np.empty((0, 2)), n_st)
        for p in picks:
            k = in_t[int(np.argmin(np.hypot(*(vxy[in_t] - p).T)))]
            rows.append(dict(name=facility_name_for_village(villages["name"][k], "社区卫生服务站"),
                             kind=FacilityKind.COMMUNITY_HEALTH_STATION.value,
                             xy=_offset(vxy[k], rng, 50, 150), township_id=t["id"],
                             village_id=villages["id"][k], doctors=int(rng.integers(2, 5)),
                             gps=int(rng.integers(1, 3)), nurses=int(rng.integers(1, 4)),
                             public_health_staff=int(rng.integers(0, 2))))
    # village clinics
    vc = np.flatnonzero(vk == VillageKind.VILLAGE_COMMITTEE.value)
    service: dict[str, str] = {}
    if len(vc):
        nn = cKDTree(vxy).query(vxy[vc], k=2)[0][:, 1]
        town_seats = np.array([t["seat"] for t in towns])
        at_seat = cKDTree(town_seats).query(vxy[vc])[0] < 1.0
        n_without = int(round(0.15 * len(vc)))
        order = np.lexsort((vc, -nn))
        order = order[~at_seat[order]]
        isolated = list(order[: int(0.4 * n_without)])
        rest = np.setdiff1d(order, isolated)
        chosen = rng.choice(rest, n_without - len(isolated), replace=False) if len(rest) else []
        without = np.sort(np.concatenate([isolated, chosen]).astype(int))
        pop = np.asarray(villages["population"])[vc[without]]
        small = without[np.lexsort((vc[without], pop))]
        for k in small[:5]:
            service[villages["id"][vc[k]]] = ServiceMode.TOURING.value
        for k in small[5:7]:
            service[villages["id"][vc[k]]] = ServiceMode.DISPATCHED.value
        has = np.setdiff1d(np.arange(len(vc)), without)
        not_std = set(rng.choice(has, max(3, len(has) // 60), replace=False).tolist())
        points = set(rng.choice(sorted(set(has.tolist()) - not_std), 2, replace=False).tolist())
        for k in has:
            v = vc[k]
            n_doc = int(rng.integers(1, 4))
            is_point = k in points
            rows.append(dict(
                name=facility_name_for_village(villages["name"][v], "医疗服务点" if is_point else "卫生室"),
                kind=(FacilityKind.VILLAGE_SERVICE_POINT if is_point
                      else FacilityKind.VILLAGE_CLINIC).value,
                xy=_offset(vxy[v], rng, 100, 300), township_id=villages["township_id"][v],
                village_id=villages["id"][v], standardized=k not in not_std,
                village_doctors=n_doc, qualified_village_doctors=int(rng.integers(0, n_doc + 1))))
    return rows, service


def _gap_street_r6(streets: list[dict], n_res: dict, seat_street: str | None) -> str | None:
    """The street that gets too few community health stations (R6 gap)."""
    cand = [t for t in streets if t["id"] != seat_street and n_res[t["id"]] > 0]
    return max(cand, key=lambda t: (n_res[t["id"]], t["id"]))["id"] if cand else None


def _inside(poly: shapely.Geometry, xy: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    return xy if poly.contains(shapely.Point(*xy)) else np.asarray(fallback, dtype=float)
