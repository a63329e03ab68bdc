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
import numpy as np
import pandas as pd

from planning.errors import Msg
from planning.plan.edits import Edit, close_warnings
from planning.region import known_sum
from planning.rules import FAIL
from planning.rules.base import Layers
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
    rows, changed = [], []
    parts: dict[str, list] = {"newly_covered": [], "newly_uncovered": [], "still_uncovered": []}
    crs = None
    for rid, after in scenario.results.items():
        before = base.results.get(rid)
        if before is None:
            continue
        crs = crs or after.units.crs
        failed_after, gap_after = _tally(after)
        if after is before:  # a rule the scenario reused (its edits cannot change it)
            rows.append({"rule": rid, "unit_kind": after.unit_kind,
                         "failed_before": failed_after, "failed_after": failed_after,
                         "units_newly_covered": 0, "units_newly_uncovered": 0,
                         "residents_newly_covered": 0, "residents_newly_uncovered": 0,
                         "population_in_gap_before": gap_after, "population_in_gap_after": gap_after})
            if after.unit_kind == "village":
                first = _first_rows(after.units)
                fail = after.units["status"].to_numpy(object)[first] == FAIL
                none = np.zeros(len(first), dtype=bool)
                _add_village_parts(parts, rid, after.units, first, none, none, fail)
            continue
        failed_before, gap_before = _tally(before)
        # each unit of ``after`` once (its first row), with its status before (NaN: new)
        if _aligned(before.units, after.units):   # the same units in the same order (as
            first = np.arange(len(after.units))   # rules make them): by position
            status_b = before.units["status"].to_numpy(object)
        else:
            first = _first_rows(after.units)
            b = before.units.drop_duplicates("unit_id").set_index("unit_id")["status"]
            status_b = b.reindex(after.units["unit_id"].to_numpy(object)[first]).to_numpy(object)
        status_a = after.units["status"].to_numpy(object)[first]
        fail_b, fail_a = status_b == FAIL, status_a == FAIL
        pop = pd.Series(after.units["population"].astype(float).to_numpy()[first])
        diff = ~((status_b == status_a) & ~pd.isna(status_b))   # (as Series.ne: NaN differs)
        newly_cov, newly_unc, still = fail_b & ~fail_a, ~fail_b & fail_a, fail_b & fail_a
        rows.append({"rule": rid, "unit_kind": after.unit_kind,
                     "failed_before": failed_before, "failed_after": failed_after,
                     "units_newly_covered": int(newly_cov.sum()),
                     "units_newly_uncovered": int(newly_unc.sum()),
                     "residents_newly_covered": known_sum(pop[newly_cov])[0],
                     "residents_newly_uncovered": known_sum(pop[newly_unc])[0],
                     "population_in_gap_before": gap_before,
                     "population_in_gap_after": gap_after})
        if diff.any():
            a = after.units.iloc[first[diff]].set_index("unit_id")
            ch = a[["name", "population", "status",
                    *[c for c in CODE_COLUMNS if c in a], "geometry"]].copy()
            ch.insert(0, "status_before", pd.array(status_b[diff], dtype=before.units["status"].dtype))
            ch = ch.rename(columns={"status": "status_after"})
            ch.insert(0, "unit_kind", after.unit_kind)
            ch.insert(0, "rule", rid)
            changed.append(ch.reset_index())
        if after.unit_kind == "village":
            _add_village_parts(parts, rid, after.units, first, newly_cov, newly_unc, still)

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
    closed = set(base.region.facilities["facility_id"].tolist()) \
        - set(scenario.region.facilities["facility_id"].tolist())
    for fid in sorted(closed):
        warnings += close_warnings(Edit("close", facility_id=fid), base.region)
    # the delta layers are made when first read (the scorecard reads only the counts)
    layers = Layers({name: (lambda p=p: gdf([_village_part(*x) for x in p]))
                     for name, p in parts.items()})
    return Comparison(pd.DataFrame(rows), ch, layers, warnings)


def _tally(result) -> tuple[int, int | None]:
    """A rule's failing units and its ``population_in_gap`` (as
    :meth:`~planning.rules.base.RuleResult.summary` counts them, without the rest of
    the summary)."""
    return result.count(FAIL), result.in_gap()[0]


def _first_rows(units: pd.DataFrame) -> np.ndarray:
    """Positions of each ``unit_id``'s first row (the rows ``drop_duplicates`` keeps)."""
    return np.flatnonzero(~units["unit_id"].duplicated().to_numpy(bool))


def _aligned(before: pd.DataFrame, after: pd.DataFrame) -> bool:
    """Whether both tables hold the same unit ids, each once, in the same order."""
    ids_b, ids_a = before["unit_id"], after["unit_id"]
    return len(ids_b) == len(ids_a) and ids_a.is_unique \
        and np.array_equal(ids_b.to_numpy(object), ids_a.to_numpy(object))


def _add_village_parts(parts: dict, rid: str, units: pd.DataFrame, first: np.ndarray,
                       newly_cov: np.ndarray, newly_unc: np.ndarray, still: np.ndarray) -> None:
    """Note a village rule's rows of the delta layers: positions in ``units`` of its units
    newly covered, newly uncovered and still uncovered (masks over ``first``, the
    positions of each unit's first row)."""
    for name, mask in (("newly_covered", newly_cov), ("newly_uncovered", newly_unc),
                       ("still_uncovered", still)):
        parts[name].append((rid, units, first[mask]))


def _village_part(rid: str, units: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """Rows ``at`` of a village rule's units as a delta layer's part: ``rule``, then
    ``village_id``, then the units' other columns."""
    part = units.iloc[at]
    if part.columns[0] != "unit_id":
        part = part[["unit_id", *[c for c in part.columns if c != "unit_id"]]]
    part = part.rename(columns={"unit_id": "village_id"}).reset_index(drop=True)
    part.insert(0, "rule", rid)
    return part
