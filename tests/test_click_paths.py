"""What a what-if click skips or re-solves only in part (issue #16, the incremental path).

* :class:`planning.rules.base.Layers`: a layer given as a callable is made on first read,
  once, whichever way it is read (``[]``, ``get``, ``items``, ``dict(...)``, pickling);
* R3 with ``settings.R3_AREAS = "surface"`` reports its areas as cell counts and draws
  its area polygons only when a layer is read — equal to what they were made eagerly.

The exactness of the incremental paths against a fresh assessment, step by step, is the
property test in ``test_scenario_edits.py``.
"""

from __future__ import annotations

import pickle

import pytest

from planning import settings
from planning.rules import RULES
from planning.rules.base import Layers
from planning.rules.rulebook import load_rulebook
from planning.travel.access import Access
from test_surface import line_region

RB = load_rulebook()


def test_layers_made_once_on_first_read_whichever_way():
    calls = []

    def make():
        calls.append(1)
        return "made"

    for read in (lambda x: x["b"], lambda x: x.get("b"), lambda x: dict(x.items())["b"],
                 lambda x: dict(x)["b"], lambda x: {**x}["b"], lambda x: x.values()[1],
                 lambda x: pickle.loads(pickle.dumps(x))["b"], lambda x: x.copy()["b"]):
        calls.clear()
        layers = Layers({"a": 1, "b": make})
        assert layers.pending() == ["b"]
        assert read(layers) == "made"
        assert layers["b"] == "made" and layers.pending() == [] and calls == [1]
    assert Layers({"a": 1}).get("missing", 5) == 5


def test_r3_surface_areas_are_cell_counts_and_polygons_are_drawn_when_read(monkeypatch):
    """Line region (see test_surface): 15 min on foot reaches the cells counted there by
    hand; the figure comes from the cell count before any polygon is drawn, and the
    polygons drawn on reading have exactly that area."""
    monkeypatch.setattr(settings, "R3_AREAS", "surface")
    region = line_region()
    res = RULES["R3"](region, RB, Access(region))
    assert sorted(res.layers.pending()) == ["R3_covered", "R3_uncovered"]
    covered_km2, uncovered_km2 = res.figures["covered_km2"], res.figures["uncovered_km2"]
    assert covered_km2 + uncovered_km2 == pytest.approx(9.0)     # the 3 km × 3 km township
    covered = res.layers["R3_covered"]
    assert res.layers.pending() == ["R3_uncovered"]
    assert covered["status"].tolist() == ["pass"] and covered.crs == region.villages.crs
    assert covered.geometry.iloc[0].area / 1e6 == pytest.approx(covered_km2, abs=1e-9)
    assert res.layers["R3_uncovered"].geometry.iloc[0].area / 1e6 == pytest.approx(
        uncovered_km2, abs=1e-9)
    # the road band (the other setting) draws its polygons at once
    monkeypatch.setattr(settings, "R3_AREAS", "road_band")
    assert RULES["R3"](region, RB, Access(region)).layers.pending() == []
