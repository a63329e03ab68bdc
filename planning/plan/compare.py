"""A scenario's assessment against its base: units and residents newly covered or not.

:func:`compare` tells, per rule, which units newly pass or fail and the residents
concerned, with the delta layers ``newly_covered``, ``newly_uncovered`` and
``still_uncovered`` (village units of the village rules, region CRS), and the policy
warnings of closed primary-care institutions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from planning.errors import Msg
from planning.plan.edits import Edit, close_warnings
from planning.region import known_sum
from planning.rules import FAIL
from planning.rules.assess import Assessment
from planning.words import CODE_COLUMNS

__all__ = ["Comparison", "compare"]


@dataclass
class Comparison:
    """A scenario against its base.

    Attributes
    ----------
    rules : pandas.DataFrame
        One row per rule: ``rule``, ``failed_before``, ``failed_after``,
        ``units_newly_covered`` / ``units_newly_uncovered`` (units going fail -> not fail
        and back), ``residents_newly_covered`` / ``residents_newly_uncovered``,
        ``population_in_gap_before`` / ``_after`` (residents).
    changed : geopandas.GeoDataFrame
        Units whose status changed: ``rule``, ``unit_id``, ``name``, ``unit_kind``,
        ``status_before``, ``status_after``, ``population`` and the scenario's
        ``reason_code``, ``action_code`` and ``params`` (codes, no words: render them in
        the caller's language with :func:`planning.words.render_units`).
    layers : dict of str to GeoDataFrame
        ``newly_covered``, ``newly_uncovered`` and ``still_uncovered``: village units of
        the village rules (R2, R3) with a ``rule`` column, region CRS.
    warnings : list of Msg
        The policy warnings of closed institutions: ``w.text(lang)`` in a language.
    """

    rules: pd.DataFrame
    changed: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    warnings: list[Msg]

    def summary(self, lang: str = "zh") -> dict:
        """JSON-serialisable per-rule deltas, the warnings in ``lang``."""
        return {"rules": json.loads(self.rules.to_json(orient="records")),
                "changed": int(len(self.changed)),
                "warnings": [w.text(lang) for w in self.warnings]}


def compare(base: Assessment, scenario: Assessment) -> Comparison:
    """Per rule, the units and residents newly covered or uncovered, and delta layers.

    "Covered" means not failed (pass, warn or not applicable); units are matched by
    ``unit_id``. Population figures are the scenario's (after population edits), summed
    over the units that have one (None when none of them has).

    Parameters
    ----------
    base, scenario : Assessment
        The base region's assessment and the scenario's (same rules).

    Returns
    -------
    Comparison
        ``rules`` (per rule: units and residents newly covered, newly uncovered),
        ``changed`` units, the delta layers (region CRS) and the policy warnings.
    """
    rows, changed, layers = [], [], {"newly_covered": [], "newly_uncovered": [], "still_uncovered": []}
    crs = None
    for rid, after in scenario.results.items():
        before = base.results.get(rid)
        if before is None:
            continue
        crs = crs or after.units.crs
        if after is before:  # a rule the scenario reused (its edits cannot change it)
            failed, gap = before.count(FAIL), before.summary()["population_in_gap"]
            rows.append({"rule": rid, "unit_kind": after.unit_kind,
                         "failed_before": failed, "failed_after": failed,
                         "units_newly_covered": 0, "units_newly_uncovered": 0,
                         "residents_newly_covered": 0, "residents_newly_uncovered": 0,
                         "population_in_gap_before": gap, "population_in_gap_after": gap})
            if after.unit_kind == "village":
                a = after.units.drop_duplicates("unit_id").set_index("unit_id")
                none = pd.Series(False, index=a.index)
                _add_village_layers(layers, rid, a, none, none, a["status"].eq(FAIL))
            continue
        b = before.units.drop_duplicates("unit_id").set_index("unit_id")
        a = after.units.drop_duplicates("unit_id").set_index("unit_id")
        fail_b = b["status"].reindex(a.index).eq(FAIL)
        fail_a = a["status"].eq(FAIL)
        pop = a["population"].astype(float)           # NaN: unknown, never counted as 0
        newly_cov, newly_unc, still = fail_b & ~fail_a, ~fail_b & fail_a, fail_b & fail_a
        rows.append({"rule": rid, "unit_kind": after.unit_kind,
                     "failed_before": before.count(FAIL), "failed_after": after.count(FAIL),
                     "units_newly_covered": int(newly_cov.sum()),
                     "units_newly_uncovered": int(newly_unc.sum()),
                     "residents_newly_covered": known_sum(pop[newly_cov])[0],
                     "residents_newly_uncovered": known_sum(pop[newly_unc])[0],
                     "population_in_gap_before": before.summary()["population_in_gap"],
                     "population_in_gap_after": after.summary()["population_in_gap"]})
        status_b = b["status"].reindex(a.index)
        diff = status_b.ne(a["status"])
        if diff.any():
            ch = a.loc[diff, ["name", "population", "status",
                              *[c for c in CODE_COLUMNS if c in a], "geometry"]].copy()
            ch.insert(0, "status_before", status_b[diff].values)
            ch = ch.rename(columns={"status": "status_after"})
            ch.insert(0, "unit_kind", after.unit_kind)
            ch.insert(0, "rule", rid)
            changed.append(ch.reset_index())
        if after.unit_kind == "village":
            _add_village_layers(layers, rid, a, newly_cov, newly_unc, still)

    def gdf(parts):
        if not parts:
            return gpd.GeoDataFrame({"rule": [], "village_id": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)

    changed_cols = ["rule", "unit_id", "unit_kind", "name", "status_before", "status_after",
                    "population", *CODE_COLUMNS, "geometry"]
    ch = gdf(changed)
    ch = ch[[c for c in changed_cols if c in ch.columns]] if len(ch) else \
        gpd.GeoDataFrame({c: [] for c in changed_cols if c != "geometry"},
                         geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    warnings = []
    edits_region = scenario.region
    base_fac = base.region.facilities
    closed = set(base_fac["facility_id"]) - set(edits_region.facilities["facility_id"])
    for fid in sorted(closed):
        warnings += close_warnings(Edit("close", facility_id=fid), base.region)
    return Comparison(pd.DataFrame(rows), ch, {k: gdf(v) for k, v in layers.items()}, warnings)


def _add_village_layers(layers: dict, rid: str, units: pd.DataFrame, newly_cov: pd.Series,
                        newly_unc: pd.Series, still: pd.Series) -> None:
    """Append a village rule's units (indexed by ``unit_id``) to the delta layers, by
    the masks of its units newly covered, newly uncovered and still uncovered."""
    for name, mask in (("newly_covered", newly_cov), ("newly_uncovered", newly_unc),
                       ("still_uncovered", still)):
        part = units.loc[mask].reset_index().rename(columns={"unit_id": "village_id"})
        part.insert(0, "rule", rid)
        layers[name].append(part)
