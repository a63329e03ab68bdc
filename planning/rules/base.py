"""The one result type every rule returns, and small helpers the rules share."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.errors import Msg
from planning.region import known_sum, within_polygons  # noqa: F401  (rules import them here)
from planning.rules.rulebook import Rulebook
from planning.words import render_units

PASS, FAIL, WARN, NA = "pass", "fail", "warn", "not_applicable"
#: the data a rule needs are missing (a column, a population, staff counts): the unit is
#: neither passed nor failed on the strength of unknown numbers
UNKNOWN = "unknown"
STATUSES = (PASS, FAIL, WARN, UNKNOWN, NA)


class Layers(dict):
    """A rule's export layers by name, some of them made on first read.

    A value given as a callable (no arguments) is called the first time the layer is
    read (``layers[name]``, ``get``, ``items``, ``values``, iteration into another
    dict) and replaced by what it returns: R3's area polygons are drawn from the
    travel-time surface only when a map or an export asks for them, so a what-if click
    that only needs the figures never polygonises. :meth:`pending` names the layers not
    made yet.
    """

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        if callable(value):
            value = value()
            dict.__setitem__(self, name, value)
        return value

    def __iter__(self):  # not dict's own iterator: dict(x) and {**x} then read through []
        return iter(list(dict.keys(self)))

    def get(self, name, default=None):
        return self[name] if name in self else default

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]

    def copy(self) -> "Layers":
        return Layers(self.items())

    def pending(self) -> list[str]:
        """Names of the layers not made yet."""
        return [name for name in dict.keys(self) if callable(dict.__getitem__(self, name))]

    def __reduce__(self):  # pickled (Dask, caches) as made layers, never as a callable
        return (Layers, (dict(self.items()),))

    def __repr__(self) -> str:
        return f"Layers({sorted(dict.keys(self))}, pending={self.pending()})"


@dataclass
class RuleResult:
    """What a rule found.

    Attributes
    ----------
    rule_id : str
        ``"R1"`` … ``"R7"``.
    title_zh, title_en, clause, basis : str
        From the rulebook: the rule's title, the policy clause(s) it enforces (file and
        section in ``policy/``) and whether it is a requirement or a reference standard.
    units : geopandas.GeoDataFrame
        One row per unit the rule judges (township, village committee, district …), in
        the region's metric CRS, with at least ``unit_id``, ``name``, ``status`` (one of
        :data:`STATUSES`), ``population`` (residents concerned), ``reason_code`` and
        ``action_code`` (keys of :data:`planning.words.RULE_WORDS`, several joined by
        ``;``; ``""``: no action) and ``params`` (a dict of the numbers and names the
        words need): no words — :func:`planning.words.render_units` writes ``reason`` and
        ``action`` in the language of the output.
        ``unknown`` (无法检查) means the data the rule needs are missing for that unit.
    unit_kind : str
        What a unit is (``"township"``, ``"village"``, ``"district"``, ``"committee"``,
        ``"centre"``).
    layers : dict of str to GeoDataFrame
        Export layers by name (``"R2_villages"``, ``"R2_clinics"`` …), metric CRS; a
        :class:`Layers` (some made on first read) when built by :func:`new_result`.
    notes : list of Note
        What the rule could not see or assumed (said in the summary and the report),
        by key of :data:`planning.words.STRINGS`: ``note.text(lang)``.
    figures : dict
        Rule-specific figures (shares, city-wide ratios …), JSON-serialisable but for
        messages (:class:`~planning.errors.Msg`), which :meth:`summary` renders.
    """

    rule_id: str
    title_zh: str
    title_en: str
    clause: str
    basis: str
    units: gpd.GeoDataFrame
    unit_kind: str
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return int((self.units["status"] == status).sum()) if len(self.units) else 0

    def in_language(self, lang: str) -> "RuleResult":
        """This result with the ``reason`` and ``action`` of its units and layers written
        in ``lang`` (``"zh"`` or ``"en"``) from their codes
        (:func:`planning.words.render_units`); codes and params kept."""
        return replace(self, units=render_units(self.units, lang, keep_params=True),
                       layers={name: None if layer is None
                               else render_units(layer, lang, keep_params=True)
                               for name, layer in self.layers.items()})

    def in_gap(self) -> tuple[int | None, int]:
        """Residents in gaps and how many units leave them unknown, as :meth:`summary`
        gives them (``population_in_gap``, ``population_in_gap_unknown``): the known
        residents of failing units; units without figures among them, and units that
        cannot be judged (they may hold a gap too), counted as unknown; the residents
        ``None`` when some are unknown and none are known."""
        if not len(self.units):
            return 0, 0
        status = self.units["status"].to_numpy(object)
        pop = pd.to_numeric(self.units["population"], errors="coerce")
        gap, unknown = known_sum(pop[status == FAIL])
        unknown += int((status == UNKNOWN).sum())
        return (None if unknown and not gap else gap), unknown

    def summary(self, lang: str = "zh") -> dict:
        """Counts and residents: the row of the summary JSON for this rule, its notes and
        reasons in ``lang``.

        Residents are unknown, not zero, where a unit's ``population`` is missing:
        ``population`` and ``population_in_gap`` count only the units with figures and
        are ``None`` when none of the units concerned has one (``population_in_gap`` also
        when units that cannot be judged leave no known residents in gaps);
        ``population_unknown`` counts units without figures, ``population_in_gap_unknown``
        failing units without figures plus units that cannot be judged, and
        ``population_reason`` says why a figure is missing or partial (else None).
        """
        pop = self.units["population"] if len(self.units) else pd.Series(dtype=float)
        total, n_unknown = known_sum(pd.to_numeric(pop, errors="coerce"))
        gap, gap_unknown = self.in_gap()
        return {
            "id": self.rule_id,
            "title": self.title_zh,
            "title_en": self.title_en,
            "clause": self.clause,
            "basis": self.basis,
            "unit_kind": self.unit_kind,
            "units": int(len(self.units)),
            "passed": self.count(PASS),
            "failed": self.count(FAIL),
            "warned": self.count(WARN),
            "unknown": self.count(UNKNOWN),
            "not_applicable": self.count(NA),
            "population": total,
            "population_in_gap": gap,
            "population_unknown": n_unknown,
            "population_in_gap_unknown": gap_unknown,
            "population_reason": message_text(population_reason(n_unknown, len(pop), self.unit_kind), lang),
            "figures": {k: message_text(v, lang) for k, v in self.figures.items()},
            "notes": [message_text(n, lang) for n in self.notes],
        }


@dataclass(frozen=True)
class Note(Msg):
    """A rule's note (a message by key of :data:`planning.words.STRINGS`): ``text(lang)``
    in either language; printed as it is (``str``), Chinese, as the notes were before they
    became messages."""

    def __str__(self) -> str:
        return self.text("zh")


def message_text(value: Any, lang: str) -> Any:
    """A message (a rule's note, a figure's reason) in ``lang``; any other value as it is."""
    return value.text(lang) if isinstance(value, Msg) else value


def new_result(rule_id: str, rulebook: Rulebook, units: gpd.GeoDataFrame, unit_kind: str,
               **kwargs: Any) -> RuleResult:
    """A :class:`RuleResult` with the title, clause and basis from the rulebook.

    The units and layers hold codes and numbers only (``reason_code``, ``action_code``,
    ``params``): every output writes the words from them in its own language
    (:func:`planning.words.render_units`, :meth:`RuleResult.in_language`).
    """
    meta = rulebook.rule(rule_id)
    if "layers" in kwargs:
        kwargs["layers"] = Layers(kwargs["layers"])
    return RuleResult(rule_id, meta["title_zh"], meta["title_en"], meta["clause"],
                      meta["basis"], units, unit_kind, **kwargs)


def units_frame(rows: list[dict], crs) -> gpd.GeoDataFrame:
    """A units table from row dicts (with a ``geometry`` key); empty but well-formed when
    there are no rows."""
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in ("unit_id", "name", "population", "status",
                                                 "reason_code", "action_code", "params")},
                                geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def units_like(columns: dict, like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A units table of ``columns`` (arrays, one value per row of ``like``) with the
    geometry, CRS and index of ``like`` (the same table as ``GeoDataFrame(columns,
    geometry=..., crs=..., index=...)``, built through one plain frame: a third of the
    time)."""
    return gpd.GeoDataFrame(pd.DataFrame({**columns, "geometry": like.geometry.values},
                                         index=like.index, copy=False),
                            geometry="geometry", crs=like.crs)


def params(**fields: Any) -> dict:
    """The ``params`` of a unit: numbers as plain floats and ints, names as text, lists
    of names as lists (JSON-serialisable; :func:`planning.words.field_text` says how each
    is worded)."""
    return {k: v if type(v) in _AS_IS else _plain(v) for k, v in fields.items()}


#: types :func:`params` keeps as they are (most values: checked first, it is per unit)
_AS_IS = frozenset({str, float, int, bool, type(None)})


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [str(v) for v in value]
    return value


def level_rank(level: object) -> float:
    """Rank a hospital level such as ``三级甲等``/``三甲``/``二甲``/``二级`` on one scale.

    三 = 3, 二 = 2, 一 = 1; 甲 adds 0.2, 乙 0.1 (so 二甲 > 二乙 > 二级). Arabic digits and
    English ("level 3", "tertiary", "secondary") are understood. Unknown -> 0.
    """
    if level is None or (isinstance(level, float) and np.isnan(level)):
        return 0.0
    text = str(level).strip().lower()
    rank = 0.0
    for token, value in (("三", 3), ("3", 3), ("tertiary", 3), ("二", 2), ("2", 2),
                         ("secondary", 2), ("一", 1), ("1", 1), ("primary", 1)):
        if token in text:
            rank = float(value)
            break
    if rank and ("甲" in text or "grade a" in text or text.endswith("a")):
        rank += 0.2
    elif rank and ("乙" in text or "grade b" in text or text.endswith("b")):
        rank += 0.1
    return rank


def overall_status(row: dict) -> str:
    """One status for a rule's whole result, from its :meth:`RuleResult.summary` row:
    fail when any unit fails, else warn, else unknown, else pass when any passes, else
    not applicable."""
    if row["failed"]:
        return FAIL
    if row["warned"]:
        return WARN
    if row.get("unknown"):
        return UNKNOWN
    return PASS if row["passed"] else NA


def facilities_of(region, kinds) -> gpd.GeoDataFrame:
    """The region's facilities whose kind is in ``kinds`` (enum members or values).

    For a facilities table passed to :func:`keep_subsets` (one never written after it
    is made: a scenario's state), each answer is made once and the same table returned
    to every rule asking for those kinds: read it, do not write it (``.copy()`` first).
    """
    values = frozenset(getattr(k, "value", k) for k in kinds)
    fac = region.facilities
    kept = _SUBSETS.get(id(fac))
    if kept is None or kept[0]() is not fac:
        return _of_kinds(fac, values)
    if values not in kept[1]:
        kept[1][values] = _of_kinds(fac, values)
    return kept[1][values]


def keep_subsets(facilities: gpd.GeoDataFrame) -> None:
    """Keep :func:`facilities_of`'s answers for ``facilities``, a table its maker never
    writes after (a scenario's state: :func:`planning.plan.edits.apply_edits`); kept
    while the table lives."""
    key = id(facilities)
    _SUBSETS[key] = (weakref.ref(facilities, lambda _: _SUBSETS.pop(key, None)), {})


#: id of a facilities table -> (the table, weakly; its subsets by kinds): :func:`keep_subsets`
_SUBSETS: dict[int, tuple[weakref.ref, dict]] = {}


def _of_kinds(fac: gpd.GeoDataFrame, values: frozenset) -> gpd.GeoDataFrame:
    # (positions and one take: a boolean mask over a GeoDataFrame costs twice as much)
    return fac.iloc[np.flatnonzero(fac["kind"].isin(values).to_numpy(bool))]


def column_array(values: pd.Series):
    """A column's values as they are stored: its extension array (text, geometry …),
    or a numpy array."""
    return values.array if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) \
        else values.to_numpy()


def object_array(values) -> np.ndarray:
    """``values`` (a sequence) as a 1-d object array, each value one element (a list,
    tuple or point stays one value; numpy would spread a list of lists over a second
    axis)."""
    values = list(values)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def population_reason(n_unknown: int, n: int, unit_kind: str = "village") -> Msg | None:
    """Why a residents' figure is missing or partial (a message for the summary), or None."""
    if not n_unknown:
        return None
    unit = Msg(f"count.{unit_kind if unit_kind in ('village', 'township', 'district') else 'unit'}")
    if n_unknown == n:
        return Msg("population.none_known", {"n": n, "unit": unit})
    return Msg("population.partial", {"unknown": n_unknown, "known": n - n_unknown, "unit": unit})


def township_population(region) -> pd.Series:
    """Residents per township: the township's own figure, else the sum of its villages'
    known figures; NaN when neither is known (never 0 for unknown)."""
    own = region.townships.set_index("township_id")["population"]
    from_villages = region.villages.groupby("township_id")["population"].sum(min_count=1)
    return own.where(own.notna() & (own > 0), from_villages.reindex(own.index))


def village_population_known(region) -> tuple[int, int]:
    """(villages with a population figure, villages without)."""
    pop = region.villages["population"]
    return int(pop.notna().sum()), int(pop.isna().sum())


def villages_district(villages: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    """Each village's ``district_id``: the district polygon holding it, else the nearest one
    (a village a little outside the outline still belongs to the region)."""
    where = within_polygons(villages, districts, "district_id")
    missing = where.isna()
    if missing.any() and len(districts):
        near = gpd.sjoin_nearest(villages.loc[missing, ["geometry"]],
                                 districts[["district_id", "geometry"]], how="left")
        near = near[~near.index.duplicated(keep="first")]
        where = where.astype(object)
        where[missing] = near["district_id"].reindex(where[missing].index).to_numpy()
    return where


def district_table(region) -> gpd.GeoDataFrame:
    """The region's districts with ``district_id``, ``name``, ``agricultural``,
    ``population`` and ``area_km2`` (metric CRS). ``population`` is NaN when neither the
    layer nor any township inside says it.

    Without a districts layer, districts are the townships dissolved by their
    ``district`` column. Values a layer leaves open come from the townships inside each
    district: a district is agricultural (有农业的区) when it holds at least one town
    (乡镇), and its population is the sum of its townships'.
    """
    towns = region.townships
    if region.districts is not None and len(region.districts):
        d = region.districts.copy()
    else:
        key = towns["district"].fillna("（未注明区）") if "district" in towns else "（未注明区）"
        d = towns.assign(district_id=key).dissolve(by="district_id").reset_index()
        d = d[["district_id", "geometry"]].assign(name=d["district_id"], agricultural=None,
                                                  population=np.nan)
    seats = gpd.GeoDataFrame(geometry=towns.representative_point(), crs=towns.crs)
    in_district = within_polygons(seats, d, "district_id").to_numpy()
    has_town = (towns["kind"] == "township").groupby(in_district).any()
    pops = towns["township_id"].map(township_population(region)) \
        .groupby(in_district).sum(min_count=1)                 # NaN: no township's is known
    outside = region.villages[region.villages["township_id"].isna()]
    if len(outside):  # villages outside every township count in the district nearest to them
        near = villages_district(outside, d)
        pops = pops.add(outside["population"].groupby(near.to_numpy()).sum(min_count=1),
                        fill_value=0)
    agri = d["agricultural"].astype(object)
    d["agricultural"] = agri.where(agri.notna(), d["district_id"].map(has_town)) \
        .fillna(False).astype(bool)
    d["population"] = d["population"].where(d["population"].notna(),
                                            d["district_id"].map(pops))
    d["area_km2"] = d.geometry.area / 1e6
    return d
