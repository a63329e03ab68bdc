"""Site suggestion: where new facilities would close a rule's gaps, on a region.

:func:`suggest` builds the instance of rule R2 (a standardized village clinic within
1.5 km of every village committee, by road, metres) or R3 (the 15-minute health service
circle, seconds) from a region (:func:`build_instance`: demand villages with their
residents and existing cost, candidate sites — villages, a grid or a planner's points —
and the sparse demand × candidate cost matrix within reach) and solves it with a location
model of :mod:`planning.plan.location` (MCLP, LSCP or p-median), returning a
:class:`Suggestion`: the sites in order of gain, the residents they cover, the solver
and its optimality gap.

Problems are formulated on what is still uncovered: demand already covered by the
existing network is dropped (MCLP, LSCP), and only candidates that cover something are
kept. The p-median's cap is by default twice the rule's cutoff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from planning.crs import WGS84
from planning.errors import InputError
from planning.plan.edits import Edit
from planning.plan.location import LSCP, MCLP, LocationModel, PMedian, lazy_greedy
from planning.region import Region
from planning.rules.base import facilities_of
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.schema import CLINIC_KINDS, LAYERS, VillageKind, normalize_text
from planning.travel.access import Access, access_for


@dataclass
class Instance:
    """A rule's site-suggestion instance on a region.

    Attributes
    ----------
    rule : str
    demand : geopandas.GeoDataFrame
        The villages judged (R2: village committees; R3: all villages), region CRS,
        with ``weight`` (residents or 1), ``existing_cost`` (metres or seconds) and
        ``covered`` (by the existing network) and ``eligible`` (counted in the objective).
    candidates : geopandas.GeoDataFrame
        ``id``, ``name``, geometry (region CRS).
    cost : scipy.sparse.csr_matrix (n_demand, n_candidates)
        Reachable pairs within ``radius`` (explicit zeros kept).
    cutoff : float
        Coverage limit, metres (R2) or seconds (R3); ``inclusive`` says ≤ or <.
    """

    rule: str
    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    cost: sp.csr_matrix
    cutoff: float
    inclusive: bool
    objective: str
    mode: str
    weight: str
    radius: float

    def covering_pairs(self) -> sp.csc_matrix:
        """Pairs (eligible uncovered demand × candidate) within the cutoff."""
        c = self.cost.tocoo()
        ok = c.data <= self.cutoff if self.inclusive else c.data < self.cutoff
        open_ = (~self.demand["covered"].to_numpy()) & self.demand["eligible"].to_numpy()
        ok &= open_[c.row]
        return sp.csc_matrix((c.data[ok], (c.row[ok], c.col[ok])), shape=c.shape)


def build_instance(region: Region, rule: str = "R2", *, objective: str = "residents",
                   candidates="villages", rulebook: Rulebook | None = None,
                   access: Access | None = None, skip_small: bool = False,
                   cutoff: float | None = None, radius: float | None = None, grid_m: float = 500.0) -> Instance:
    """The demand, candidates and sparse costs of rule R2 or R3 on ``region``.

    Parameters
    ----------
    region : Region
        Layers in a metric CRS (metres); candidates and costs come out in it.
    rule : {"R2", "R3"}
        R2: village committees, walking road metres, ``R2.max_distance_m``; only
        standardized clinics count (as in the rule); villages with a ``service_mode``
        pass R2 already and are not demand. R3: all villages, ``R3.mode`` travel time
        in seconds (``R3.max_minutes``) to the ``R3.facility_kinds``.
    objective : {"residents", "villages"}
    candidates : "villages", "grid", a path to a points file, or a GeoDataFrame
        Villages: the rule's villages' points; grid: the mode's road nodes, one per
        ``grid_m`` square inside the townships; a file (GeoPackage, GeoJSON, Shapefile,
        or CSV/Excel with WGS84 lon/lat) or GeoDataFrame of points.
    skip_small : bool
        Leave out villages under ``R2.touring_population_threshold`` residents (to be
        served by touring staff).
    cutoff : float, optional
        Override the rulebook's limit (metres for R2, seconds for R3).
    radius : float, optional
        How far costs are computed (default: the cutoff; p-median uses twice it).
    """
    rulebook = rulebook or load_rulebook()
    access = access or access_for(region)
    if objective not in ("residents", "villages"):
        raise InputError.at(f"objective must be 'residents' or 'villages', not {objective!r}")
    vil = region.villages
    if rule == "R2":
        p = rulebook["R2"]
        demand = vil[vil["kind"] == VillageKind.VILLAGE_COMMITTEE.value].copy()
        fac = facilities_of(region, CLINIC_KINDS)
        if p["require_standardized"] and "standardized" in fac:
            fac = fac[fac["standardized"].fillna(True).astype(bool)]
        mode, weight = "walk", "length"
        limit = float(p["max_distance_m"] if cutoff is None else cutoff)
        inclusive = bool(p["inclusive"])
        served = demand["service_mode"].notna() & (demand["service_mode"].astype(str) != "") \
            if "service_mode" in demand else pd.Series(False, index=demand.index)
    elif rule == "R3":
        p = rulebook["R3"]
        demand = vil.copy()
        fac = facilities_of(region, p["facility_kinds"])
        mode, weight = p["mode"], "time"
        limit = float(p["max_minutes"] * 60.0 if cutoff is None else cutoff)
        inclusive = True
        served = pd.Series(False, index=demand.index)
    else:
        raise InputError.at(f"site suggestion supports rules R2 and R3, not {rule!r}")
    if rule == "R2" and rulebook["R2"]["measure"] != "road":
        raise InputError.at("site suggestion measures along roads; set R2.measure = 'road'")
    radius = limit if radius is None else max(float(radius), limit)
    existing = access.nearest(mode, fac, weight)["cost"].reindex(demand.index).to_numpy()
    pop = demand["population"].astype(float).to_numpy()
    if objective == "residents" and len(pop) and np.isnan(pop).all():
        raise InputError.at("no village has a population, so sites cannot be chosen by the "
                            "residents they cover: add the population column, or suggest by "
                            "villages (--objective villages)", layer="villages",
                            column="population")
    # residents nobody counted weigh nothing (the summary says how many lack figures)
    demand["weight"] = np.nan_to_num(pop, nan=0.0) if objective == "residents" else 1.0
    demand["existing_cost"] = existing
    demand["covered"] = (existing <= limit) if inclusive else (existing < limit)
    demand["covered"] |= served.to_numpy()
    eligible = np.ones(len(demand), dtype=bool)
    if skip_small:  # a village of unknown size is not left out as small
        eligible &= ~(pop < rulebook["R2"]["touring_population_threshold"])
    demand["eligible"] = eligible
    cands = _candidates(region, candidates, demand, access.engine(mode), grid_m)
    engine = access.engine(mode)
    if len(cands) and len(demand):
        m = engine.catchment_matrix(cands.geometry, demand.geometry, radius, weight)
        cost = m.T.tocsr()
    else:
        cost = sp.csr_matrix((len(demand), len(cands)))
    return Instance(rule, demand, cands, cost, limit, inclusive, objective, mode, weight, radius)


def _candidates(region, candidates, demand, engine, grid_m: float) -> gpd.GeoDataFrame:
    crs = region.crs
    if isinstance(candidates, gpd.GeoDataFrame):
        c = candidates.to_crs(crs) if candidates.crs is not None else candidates.set_crs(crs)
        return _id_frame(c, crs, "P")
    if isinstance(candidates, str) and candidates == "villages":
        return gpd.GeoDataFrame({"id": demand["village_id"].astype(str).to_numpy(),
                                 "name": demand["name"].astype(str).to_numpy()},
                                geometry=demand.geometry.to_numpy(), crs=crs)
    if isinstance(candidates, str) and candidates == "grid":
        net = engine.net
        xy = np.column_stack([net.x, net.y])
        area = shapely.union_all(region.townships.geometry.to_numpy())
        inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
        xy = xy[inside]
        if len(xy) == 0:
            return gpd.GeoDataFrame({"id": [], "name": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        cell = np.floor(xy / grid_m).astype(np.int64)
        centre = (cell + 0.5) * grid_m
        d = np.hypot(*(xy - centre).T)
        order = np.lexsort((d, cell[:, 1], cell[:, 0]))
        first = np.ones(len(order), dtype=bool)
        cc = cell[order]
        first[1:] = np.any(cc[1:] != cc[:-1], axis=1)
        pick = order[first]
        ids = [f"G{a}_{b}" for a, b in cell[pick]]
        return gpd.GeoDataFrame({"id": ids, "name": ids},
                                geometry=shapely.points(xy[pick]), crs=crs)
    return _id_frame(_read_points(Path(candidates)).to_crs(crs), crs, "P")


def _id_frame(c: gpd.GeoDataFrame, crs, prefix: str) -> gpd.GeoDataFrame:
    if set(c.geom_type.dropna()) - {"Point"}:
        raise InputError.at("candidate sites must be points", layer="candidates")
    ids = c["id"].astype(str).to_numpy() if "id" in c else \
        np.array([f"{prefix}{i + 1}" for i in range(len(c))])
    names = c["name"].astype(str).to_numpy() if "name" in c else ids
    return gpd.GeoDataFrame({"id": ids, "name": names}, geometry=c.geometry.to_numpy(), crs=crs)


def _read_points(path: Path) -> gpd.GeoDataFrame:
    """Candidate points from a vector file or a CSV/Excel table of WGS84 lon/lat."""
    if not path.exists():
        raise InputError.at("candidate file not found", file=path.name, layer="candidates")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx", ".xls"):
        table = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path)
        cols = {}
        for col in LAYERS["villages"]:
            if col.name in ("lon", "lat"):
                names = {normalize_text(a) for a in (col.name, *col.aliases)}
                hit = [h for h in table.columns if normalize_text(h) in names]
                if not hit:
                    raise InputError.at(f"no {col.name} column (经度/纬度)", file=path.name,
                                        layer="candidates", column=col.name)
                cols[col.name] = pd.to_numeric(table[hit[0]], errors="coerce")
        bad = np.flatnonzero(~(np.isfinite(cols["lon"]) & np.isfinite(cols["lat"])))
        if len(bad):
            raise InputError.at("lon/lat missing or not a number", file=path.name,
                                layer="candidates", row=int(bad[0]) + 1, column="lon")
        frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(cols["lon"], cols["lat"]), crs=WGS84)
    else:
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is the user's input
            raise InputError.at(f"cannot read candidate points ({exc})", file=path.name,
                                layer="candidates") from None
        if frame.crs is None:
            frame = frame.set_crs(WGS84)
    return frame


# ---------------------------------------------------------------------- suggestion
@dataclass
class Suggestion:
    """Suggested new sites for one rule.

    Attributes
    ----------
    rule, objective, model : str
        ``"R2"``/``"R3"``; ``"residents"``/``"villages"``; ``"mclp"``, ``"lscp"``, ``"pmedian"``.
    k : int
        Number of sites suggested.
    solver : str
        Which solver produced ``sites`` (see :class:`LocationModel`).
    seconds : float
    optimality_gap : float or None
        The greedy's relative gap to the exact solution when both ran.
    sites : geopandas.GeoDataFrame
        Region CRS: ``id``, ``name``, ``lon``/``lat`` (WGS84), ``newly_covered`` (this
        site's marginal weight: residents or villages; for p-median the travel saved,
        weight × metres or seconds), ``cumulative_covered``, ``villages_newly_covered``.
    covered_before, coverable, total : float
        Weight covered by the existing network; uncovered weight some candidate can
        cover; total eligible weight.
    curve : pandas.DataFrame
        Greedy coverage curve: ``k`` (0…), ``newly_covered`` (cumulative), ``covered``
        (existing + new) and ``share`` of the total.
    """

    rule: str
    objective: str
    model: str
    k: int
    solver: str
    seconds: float
    optimality_gap: float | None
    sites: gpd.GeoDataFrame
    covered_before: float
    coverable: float
    total: float
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    instance: Instance | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        """The summary JSON of ``python -m planning suggest``."""
        def num(v):
            return None if v is None else round(float(v), 6)
        return {"rule": self.rule, "k": self.k, "objective": self.objective,
                "model": self.model, "solver": self.solver, "seconds": round(self.seconds, 4),
                "optimality_gap": num(self.optimality_gap),
                "covered_before": num(self.covered_before), "coverable": num(self.coverable),
                "total": num(self.total),
                "sites": [{"id": str(r.id), "name": str(r.name), "lon": float(r.lon),
                           "lat": float(r.lat), "newly_covered": float(r.newly_covered),
                           "cumulative_covered": float(r.cumulative_covered)}
                          for r in self.sites.itertuples()]}

    def edits(self, kind: str = "village_clinic") -> list:
        """The sites as scenario edits (add a facility of ``kind`` at each site)."""
        return [Edit("add", kind=kind, x=float(g.x), y=float(g.y))
                for g in self.sites.geometry]


def suggest(region: Region, rule: str = "R2", k: int | None = 5, target: float | None = None,
            objective: str = "residents", candidates="villages",
            rulebook: Rulebook | None = None, method: str = "auto", model: str = "mclp",
            access: Access | None = None, skip_small: bool = False,
            instance: Instance | None = None, grid_m: float = 500.0) -> Suggestion:
    """Suggest new sites for rule R2 or R3 with the existing network fixed.

    Parameters
    ----------
    region : Region
    rule : {"R2", "R3"}
    k : int, optional
        Number of new sites (MCLP, p-median).
    target : float, optional
        A share of the total eligible weight to reach (e.g. 0.95, existing coverage
        included): the fewest sites that reach it (set covering; ``k`` ignored).
        ``target=1.0`` covers everything coverable.
    objective : {"residents", "villages"}
    candidates : "villages", "grid", path or GeoDataFrame (see :func:`build_instance`)
    rulebook : Rulebook, optional
    method : {"auto", "greedy", "exact"}
        See :meth:`LocationModel.solve`.
    model : {"mclp", "pmedian"}
        Used when ``target`` is None.
    access : Access, optional
        Reuse prepared engines.
    skip_small : bool
        Leave out villages under the touring threshold (R2).

    Returns
    -------
    Suggestion
    """
    inst = instance or build_instance(region, rule, objective=objective, candidates=candidates,
                                      rulebook=rulebook, access=access, skip_small=skip_small,
                                      grid_m=grid_m)
    d = inst.demand
    w = d["weight"].to_numpy(float)
    elig = d["eligible"].to_numpy()
    covered0 = d["covered"].to_numpy()
    total = float(w[elig].sum())
    before = float(w[elig & covered0].sum())
    pairs = inst.covering_pairs()
    coverable = float(w[np.asarray(pairs.getnnz(axis=1) > 0)].sum())
    if target is not None:
        need = max(0.0, float(target) * total - before)
        share = min(1.0, need / coverable) if coverable > 0 else 0.0
        m = LSCP.from_cost_matrix(pairs, inst.cutoff, w, share=share)
        m.solve(method)
        cols, mname = m.selected, "lscp"
    elif model == "pmedian":
        cap = 2.0 * inst.cutoff
        if inst.radius < cap:
            inst = build_instance(region, rule, objective=objective, candidates=candidates,
                                  rulebook=rulebook, access=access, skip_small=skip_small,
                                  grid_m=grid_m, radius=cap)
        c = inst.cost.tocoo()
        ok = elig[c.row]
        cm = sp.csr_matrix((c.data[ok], (c.row[ok], c.col[ok])), shape=c.shape)
        ex = np.where(elig, d["existing_cost"].to_numpy(float), 0.0)
        m = PMedian.from_cost_matrix(cm, w, int(k or 0), cap, existing_cost=ex)
        m.solve(method)
        cols, mname = m.selected, "pmedian"
    else:
        m = MCLP.from_cost_matrix(pairs, w, inst.cutoff, int(k or 0))
        m.solve(method)
        cols, mname = m.selected, "mclp"
    sites = _sites(inst, m, cols, pairs, w, mname)
    curve = coverage_curve(inst, len(cols) if target is not None else int(k or 0), pairs=pairs)
    return Suggestion(rule, inst.objective, mname, len(cols), m.solver, m.seconds,
                      m.optimality_gap, sites, before, coverable, total, curve, inst)


def _sites(inst: Instance, m: LocationModel, cols, pairs, w, mname) -> gpd.GeoDataFrame:
    cands = inst.candidates.iloc[np.asarray(cols, dtype=int)].copy()
    cands["newly_covered"] = m.gains
    cands["cumulative_covered"] = np.cumsum(m.gains)
    if mname != "pmedian":
        taken = np.zeros(pairs.shape[0], dtype=bool)
        nv = []
        for j in cols:
            rows = pairs[:, [j]].tocoo().row
            nv.append(int((~taken[rows]).sum()))
            taken[rows] = True
        cands["villages_newly_covered"] = nv
    ll = cands.geometry.to_crs(WGS84)
    cands["lon"], cands["lat"] = ll.x.round(7), ll.y.round(7)
    cands["rank"] = np.arange(1, len(cands) + 1)
    return cands.reset_index(drop=True)


def coverage_curve(inst: Instance, k: int, pairs: sp.csc_matrix | None = None) -> pd.DataFrame:
    """Covered weight against the number of new sites 0…k (greedy, nested solutions).

    Parameters
    ----------
    inst : Instance
        A rule's instance (:func:`build_instance`).
    k : int
        Largest number of new sites.
    pairs : scipy.sparse.csc_matrix, optional
        Covering pairs (default ``inst.covering_pairs()``).

    Returns
    -------
    pandas.DataFrame
        ``k``, ``newly_covered`` (cumulative), ``covered`` (existing + new), ``share``.
    """
    pairs = inst.covering_pairs() if pairs is None else pairs
    d = inst.demand
    w = d["weight"].to_numpy(float)
    elig = d["eligible"].to_numpy()
    before = float(w[elig & d["covered"].to_numpy()].sum())
    total = float(w[elig].sum())
    zero = sp.csc_matrix((np.zeros(pairs.nnz), pairs.indices, pairs.indptr), shape=pairs.shape)
    _, gains = lazy_greedy(np.ones(len(w)), w, zero, k)
    gains = np.r_[gains, np.zeros(max(0, k - len(gains)))]
    newly = np.r_[0.0, np.cumsum(gains)]
    return pd.DataFrame({"k": np.arange(k + 1), "newly_covered": newly,
                         "covered": before + newly,
                         "share": (before + newly) / total if total else np.nan})


def sensitivity(region: Region, rule: str = "R2", cutoffs=(1400.0, 1500.0, 1600.0), k: int = 10,
                objective: str = "residents", candidates="villages",
                rulebook: Rulebook | None = None, access: Access | None = None) -> pd.DataFrame:
    """Coverage curves for several rulebook limits (metres for R2, seconds for R3).

    Parameters
    ----------
    region : Region
        Layers in a metric CRS (metres).
    rule : {"R2", "R3"}
    cutoffs : sequence of float
        The limits tried: metres (R2, by road) or seconds (R3).
    k : int
        Largest number of new sites per curve.
    objective, candidates, rulebook, access
        As for :func:`build_instance`.

    Returns
    -------
    pandas.DataFrame
        One row per (cutoff, k): ``cutoff``, ``k``, ``newly_covered``, ``covered``, ``share``.
    """
    access = access or access_for(region)
    rows = []
    for c in cutoffs:
        inst = build_instance(region, rule, objective=objective, candidates=candidates,
                              rulebook=rulebook, access=access, cutoff=float(c))
        rows.append(coverage_curve(inst, k).assign(cutoff=float(c)))
    out = pd.concat(rows, ignore_index=True)
    return out[["cutoff", "k", "newly_covered", "covered", "share"]]


def to_json_text(s: Suggestion) -> str:
    """``Suggestion.to_json()`` as indented UTF-8 JSON text."""
    return json.dumps(s.to_json(), ensure_ascii=False, indent=2)
