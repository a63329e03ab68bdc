"""The assessment: every rule run on one region (or scenario) with one rulebook.

>>> from planning.inputs import load_demo
>>> from planning.rules.assess import assess
>>> a = assess(load_demo())
>>> a.summary()["rules"][1]["failed"]   # village committees without a clinic in 1.5 km
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

import geopandas as gpd

from planning.errors import group_problems
from planning.travel.access import STRAIGHT_LABEL, Access, access_for
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.rules import RULES, RuleResult
from planning.rules.base import Note


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
    straight : bool
        Distances and times are straight-line estimates (the region has no road file).
    estimated : tuple of str
        The rules whose figures are straight-line estimates (those that asked for travel
        costs); their results, layers and summary rows carry :data:`STRAIGHT_LABEL`.
    errors : dict of str to Exception
        Rules that could not run (``assess(..., errors="record")``), with why.
    """

    region: object
    rulebook: Rulebook
    results: dict[str, RuleResult]
    timings: dict[str, float] = field(default_factory=dict)
    straight: bool = False
    estimated: tuple[str, ...] = ()
    errors: dict[str, Exception] = field(default_factory=dict)

    def __post_init__(self):
        if not self.estimated:  # assembled from results (scenarios): they carry the label
            self.estimated = tuple(r for r, x in self.results.items() if x.figures.get("estimate"))
        self.straight = self.straight or bool(self.estimated)

    @property
    def label(self) -> str | None:
        """:data:`STRAIGHT_LABEL` for a straight-line run, else None."""
        return STRAIGHT_LABEL if self.straight else None

    def in_language(self, lang: str) -> "Assessment":
        """This assessment with every rule's reasons and actions written in ``lang``
        (:meth:`RuleResult.in_language`)."""
        return replace(self, results={r: x.in_language(lang) for r, x in self.results.items()})

    def summary(self, lang: str = "zh") -> dict:
        """The summary JSON, its notes and reasons in ``lang`` (``"zh"`` or ``"en"``): region, rulebook, how distances were measured (``distances``:
        ``road`` or ``straight``, with ``label`` and ``detour_factor`` for the latter),
        one row per rule (see ``check``), the rules that could not run, and the input
        problems grouped by file, layer, column and kind, each with its count and first
        rows (:func:`planning.errors.group_problems`)."""
        problems = getattr(self.region, "problems", [])
        out = {
            "region": self.region.name,
            "rulebook": self.rulebook.path,
            "distances": "straight" if self.straight else "road",
        }
        if self.straight:
            out["label"] = STRAIGHT_LABEL
            out["detour_factor"] = self.rulebook.value("travel", "detour_factor")
        out["rules"] = [r.summary(lang) for r in self.results.values()]
        if self.errors:
            out["errors"] = {rid: f"{type(e).__name__}: {e}" for rid, e in self.errors.items()}
        out["problems"] = [g.to_dict() for g in group_problems(problems)]
        out["problem_counts"] = {lvl: sum(p.level == lvl for p in problems)
                                 for lvl in ("error", "warning", "info")}
        return out

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every export layer of every rule, by name, in the region's metric CRS; layers of
        estimated rules have a column ``estimate`` = :data:`STRAIGHT_LABEL`."""
        out: dict[str, gpd.GeoDataFrame] = {}
        for rid, result in self.results.items():
            for name, layer in result.layers.items():
                if rid in self.estimated and layer is not None:
                    layer = layer.assign(estimate=STRAIGHT_LABEL)
                out[name] = layer
        return out


def assess(region, rulebook: Rulebook | None = None, access: Access | None = None,
           rules: list[str] | None = None,
           progress: Callable[[str], None] | None = None,
           errors: Literal["raise", "record"] = "raise") -> Assessment:
    """Run the rules on a region.

    Parameters
    ----------
    region : Region
        Layers in a metric CRS and a road network.
    rulebook : Rulebook, optional
        Defaults to the Tianjin rulebook.
    access : Access, optional
        Shared travel-cost queries; pass one to reuse prepared engines across runs
        (e.g. after a rulebook edit). Built from the region when omitted
        (:func:`planning.travel.access.access_for`: straight-line estimates without roads).
    rules : list of str, optional
        Rule ids to run (default: all, R1-R7).
    progress : callable, optional
        Called with a short message before each step (the CLI prints it).
    errors : {"raise", "record"}
        What a rule that fails does: raise (default), or be left out with its exception
        in :attr:`Assessment.errors` while the other rules run (the app).

    Returns
    -------
    Assessment
    """
    rulebook = rulebook or load_rulebook()
    access = access or access_for(region)
    access.configure(rulebook)
    timings: dict[str, float] = {}
    results: dict[str, RuleResult] = {}
    failed: dict[str, Exception] = {}
    estimated = []
    for rule_id in rules or list(RULES):
        if progress:
            progress(rule_id)
        t0 = time.perf_counter()
        prepared = set(access.timings)
        asked = access.queries
        try:
            result = RULES[rule_id](region, rulebook, access)
        except Exception as exc:  # noqa: BLE001 - recorded for the page, never swallowed silently
            if errors == "raise":
                raise
            failed[rule_id] = exc
            continue
        if access.straight and (access.queries > asked or result.figures.get("no_roads")):
            _label_estimate(result, rulebook)
            estimated.append(rule_id)
        results[rule_id] = result
        spent = time.perf_counter() - t0
        for step in set(access.timings) - prepared:  # network preparation done by this rule
            timings[step] = access.timings[step]
            spent -= access.timings[step]
        timings[rule_id] = spent
    return Assessment(region, rulebook, results, timings, straight=access.straight,
                      estimated=tuple(estimated), errors=failed)


def _label_estimate(result: RuleResult, rulebook: Rulebook) -> None:
    """Mark a rule's result as a straight-line estimate (figures, notes)."""
    factor = rulebook.value("travel", "detour_factor")
    result.figures["estimate"] = STRAIGHT_LABEL
    result.figures["detour_factor"] = factor
    result.notes.append(Note("note.straight_R2" if result.rule_id == "R2" else "note.straight",
                            {"label_word": "label.straight", "factor": factor}))
