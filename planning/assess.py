"""The assessment: every rule run on one region (or scenario) with one rulebook.

>>> from planning.io import load_demo
>>> from planning.assess import assess
>>> a = assess(load_demo())
>>> a.summary()["rules"][1]["failed"]   # village committees without a clinic in 1.5 km
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import geopandas as gpd

from planning.access import Access
from planning.errors import group_problems
from planning.rulebook import Rulebook, load_rulebook
from planning.rules import RULES, RuleResult


@dataclass
class Assessment:
    """The results of all rules on a region.

    Attributes
    ----------
    region : Region
    rulebook : Rulebook
    results : dict of str to RuleResult
        By rule id, in report order.
    timings : dict of str to float
        Seconds spent per step (network preparation per mode, then each rule).
    """

    region: object
    rulebook: Rulebook
    results: dict[str, RuleResult]
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        """The summary JSON: region, rulebook, one row per rule (see ``check``) and the
        input problems grouped by file, layer, column and kind, each with its count and
        first rows (:func:`planning.errors.group_problems`)."""
        problems = getattr(self.region, "problems", [])
        return {
            "region": self.region.name,
            "rulebook": self.rulebook.path,
            "rules": [r.summary() for r in self.results.values()],
            "problems": [g.to_dict() for g in group_problems(problems)],
            "problem_counts": {lvl: sum(p.level == lvl for p in problems)
                               for lvl in ("error", "warning", "info")},
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every export layer of every rule, by name, in the region's metric CRS."""
        out: dict[str, gpd.GeoDataFrame] = {}
        for result in self.results.values():
            out.update(result.layers)
        return out


def assess(region, rulebook: Rulebook | None = None, access: Access | None = None,
           rules: list[str] | None = None,
           progress: Callable[[str], None] | None = None) -> Assessment:
    """Run the rules on a region.

    Parameters
    ----------
    region : Region
        Layers in a metric CRS and a road network.
    rulebook : Rulebook, optional
        Defaults to the Tianjin rulebook.
    access : Access, optional
        Shared travel-cost queries; pass one to reuse prepared engines across runs
        (e.g. after a rulebook edit). Built from the region when omitted.
    rules : list of str, optional
        Rule ids to run (default: all, R1-R7).
    progress : callable, optional
        Called with a short message before each step (the CLI prints it).

    Returns
    -------
    Assessment
    """
    rulebook = rulebook or load_rulebook()
    access = access or Access(region)
    timings: dict[str, float] = {}
    results: dict[str, RuleResult] = {}
    for rule_id in rules or list(RULES):
        if progress:
            progress(rule_id)
        t0 = time.perf_counter()
        prepared = set(access.timings)
        results[rule_id] = RULES[rule_id](region, rulebook, access)
        spent = time.perf_counter() - t0
        for step in set(access.timings) - prepared:  # network preparation done by this rule
            timings[step] = access.timings[step]
            spent -= access.timings[step]
        timings[rule_id] = spent
    return Assessment(region, rulebook, results, timings)
