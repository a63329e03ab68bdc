"""R1: one health centre in every township (乡镇卫生院) and street (社区卫生服务中心).

Policy: 001 §二(一)1 — "有农业的区要在每个乡镇均设置1所乡镇卫生院，常住人口超过10万人的根据需要
增设"; 004 §一(一)2 — "城乡每个街道（乡镇）均建有1所基层医疗卫生机构（城市社区卫生服务中心或农村
乡镇卫生院）". A centre counts for a township when its point lies inside the township's
polygon. A town whose only centre is a community health centre (or a street with only a
township health centre) is covered, but flagged for attention.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from planning.rules.rulebook import Rulebook
from planning.rules.base import (FAIL, NA, PASS, WARN, RuleResult, facilities_of, new_result,
                                 params, township_population, within_polygons)
from planning.schema import FacilityKind, TownshipKind

_EXPECTED = {
    TownshipKind.TOWNSHIP.value: FacilityKind.TOWNSHIP_HEALTH_CENTRE,
    TownshipKind.STREET.value: FacilityKind.COMMUNITY_HEALTH_CENTRE,
}
_CENTRES = (FacilityKind.TOWNSHIP_HEALTH_CENTRE, FacilityKind.COMMUNITY_HEALTH_CENTRE)


def check(region, rulebook: Rulebook, access=None) -> RuleResult:
    """Judge every township-level unit: is there a health centre inside it?

    Parameters
    ----------
    region : Region
        Townships (polygons) and facilities (points), metric CRS.
    rulebook : Rulebook
        ``R1.population_threshold`` (residents), ``R1.include_special_units``.
    access : unused
        R1 is a point-in-polygon rule; the argument keeps every rule's signature alike.

    Returns
    -------
    RuleResult
        One unit per township with ``centres`` (names), ``n_centres``, ``status``,
        ``reason_code``, ``action_code`` and ``params``; layer ``R1_townships``.
    """
    params_r1 = rulebook["R1"]
    threshold = params_r1["population_threshold"]
    towns = region.townships.copy()
    centres = facilities_of(region, _CENTRES).copy()
    centres["township_id_in"] = within_polygons(centres, towns, "township_id")
    pops = township_population(region)
    # villages without a figure, per township (matter only where the township has none)
    own = towns.set_index("township_id")["population"]
    unknown = region.villages["population"].isna().groupby(region.villages["township_id"]).sum()
    unknown = unknown.reindex(own.index).fillna(0).where(~(own.notna() & (own > 0)), 0)

    # each township's centres (name, kind), in the facilities' order: one pass, not a
    # mask over every centre per township
    inside: dict = {}
    for tid, name, kind in zip(centres["township_id_in"].tolist(),
                               centres["name"].astype(str).tolist(), centres["kind"].tolist()):
        inside.setdefault(tid, []).append((name, kind))
    rows = []
    for t in towns.itertuples():
        here = inside.get(t.township_id, [])
        pop = float(pops.get(t.township_id, np.nan))
        n_unknown = int(unknown.get(t.township_id, 0))
        expected = _EXPECTED.get(t.kind)
        n = len(here)
        names = [name for name, _ in here]
        want = f"kind.{(expected or FacilityKind.TOWNSHIP_HEALTH_CENTRE).value}"
        p = params(centres=names, want_word=want, population=pop, threshold=threshold,
                   villages_unknown=n_unknown)
        if expected is None and not params_r1["include_special_units"]:
            status, reason, action = NA, "R1.special_unit", ""
        elif n == 0:
            status, reason, action = FAIL, "R1.no_centre", "R1.set_up"
        elif expected is not None and all(kind != expected.value for _, kind in here):
            status, reason, action = WARN, "R1.wrong_kind", "R1.check_kind"
        elif pop > threshold and n < 2:
            status, reason, action = WARN, "R1.one_for_many", "R1.consider_another"
        elif n < 2 and (np.isnan(pop) or n_unknown):
            # the centre is there; whether residents call for another cannot be told
            status, action = PASS, ""
            reason = "R1.ok_population_unknown" if np.isnan(pop) else "R1.ok_population_partial"
        else:
            status, reason, action = PASS, "R1.ok", ""
        rows.append({"unit_id": t.township_id, "name": t.name, "kind": t.kind,
                     "district": getattr(t, "district", None), "population": pop,
                     "n_centres": n, "centres": "、".join(names), "status": status,
                     "reason_code": reason, "action_code": action, "params": p,
                     "geometry": t.geometry})
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=towns.crs)
    layer = units.rename(columns={"unit_id": "township_id"})
    return new_result("R1", rulebook, units, "township", layers={"R1_townships": layer})
