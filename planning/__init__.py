"""Spatial planning of Tianjin's primary health-care network.

The public face, as osmnx and spopt have one::

    import planning as pl

    region = pl.load_demo()                      # or pl.load_region("my_district/")
    result = pl.assess(region)                   # every rule of the Tianjin rulebook
    result.summary()                             # counts per rule
    pl.export_layers(result.layers(), "gaps.gpkg")

    sc = pl.Scenario(region)                     # what if …
    sc.add_facility("village_clinic", x=..., y=...)   # region CRS, metres
    sc.compare()                                 # per rule: newly passing or failing
    pl.suggest(region, "R2", k=5)                # where new clinics close R2's gaps
    pl.build_report(region, out="report.docx", assessment=result)

Data flows one way: files -> :mod:`planning.inputs` (+ :mod:`planning.schema`,
:mod:`planning.crs`) -> :class:`planning.region.Region` -> :mod:`planning.travel`
(road networks, travel times) -> :mod:`planning.rules` -> :mod:`planning.rules.assess`
-> :mod:`planning.plan` (scenarios, suggestions) and :mod:`planning.outputs` (exports,
maps, report). The CLI (``python -m planning``) and ``app.py`` are thin shells over it.

The names below are loaded on first use, so ``import planning`` stays cheap and
importing one module of the package does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: public name -> module that defines it
_FACE = {
    "Region": "planning.region",
    "load_region": "planning.inputs.assemble",
    "load_demo": "planning.inputs.assemble",
    "region_from_layers": "planning.inputs.assemble",
    "load_rulebook": "planning.rules.rulebook",
    "assess": "planning.rules.assess",
    "Assessment": "planning.rules.assess",
    "Scenario": "planning.plan.scenario",
    "Edit": "planning.plan.edits",
    "compare": "planning.plan.compare",
    "suggest": "planning.plan.optimize",
    "suggest_staff": "planning.plan.staffing",
    "export_layers": "planning.outputs.export",
    "build_report": "planning.outputs.report",
    "InputError": "planning.errors",
}

__all__ = ["Assessment", "Edit", "InputError", "Region", "Scenario", "assess", "build_report",
           "compare", "export_layers", "load_demo", "load_region", "load_rulebook",
           "region_from_layers", "suggest", "suggest_staff"]

if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from planning.errors import InputError
    from planning.inputs.assemble import load_demo, load_region, region_from_layers
    from planning.outputs.export import export_layers
    from planning.outputs.report import build_report
    from planning.plan.compare import compare
    from planning.plan.edits import Edit
    from planning.plan.optimize import suggest
    from planning.plan.scenario import Scenario
    from planning.plan.staffing import suggest_staff
    from planning.region import Region
    from planning.rules.assess import Assessment, assess
    from planning.rules.rulebook import load_rulebook


def __getattr__(name: str):
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _FACE:
        raise AttributeError(f"module 'planning' has no attribute {name!r}")
    value = getattr(importlib.import_module(_FACE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FACE))
