"""Site suggestion: where new facilities would cover most, PySAL spopt style.

Every model has the same shape as spopt's: ``Model.from_cost_matrix(...)``, ``.solve()``,
results as arrays on the object. Cost matrices are **demand × candidate** (as in spopt)
and may be dense (``numpy.inf`` = beyond reach) or scipy sparse (stored entries are the
reachable pairs, explicit zeros included; absent pairs are beyond reach).

* :class:`MCLP` — maximal covering: the ``p`` candidates covering the most demand weight.
* :class:`LSCP` — set covering: the fewest candidates covering a share (default all) of
  the coverable demand weight.
* :class:`PMedian` — population-weighted travel with the existing network fixed.
  Distances are known up to a cap (``cap``, by default twice the rule's cutoff); pairs
  beyond the cap, and a village's existing cost beyond it, count as the cap (the
  "beyond" penalty). The model maximises the travel saved, Σ wᵢ (ĉᵢ − min(ĉᵢ, dᵢⱼ)),
  which is the p-median objective minus a constant.

All three objectives are monotone submodular, so one lazy-greedy (CELF) gives instant
answers within (1 − 1/e) of the optimum. The exact answer comes from spopt with a MIP
solver through PuLP (HiGHS when available, else CBC). spopt builds dense models (one
term per demand × candidate pair, in Python), so beyond :data:`SPOPT_MAX_CELLS` cells the
same model is built sparsely with PuLP directly; ``solver`` says which ran.

Problems are formulated on what is still uncovered: demand already covered by the
existing network is dropped (MCLP, LSCP), and only candidates that cover something are
kept (sparse coverage). :func:`suggest` builds the instance for rule R2 or R3 from a
region and returns a :class:`Suggestion`.
"""

from __future__ import annotations

import heapq
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp
import shapely

from planning.crs import WGS84
from planning.errors import InputError
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.rules.base import facilities_of
from planning.schema import CLINIC_KINDS, VillageKind

#: largest demand × candidate instance handed to spopt (it builds dense models in Python)
SPOPT_MAX_CELLS = 400_000
#: time limit of one MIP solve, seconds
MIP_TIME_LIMIT_S = 120.0


def mip_solver(time_limit_s: float = MIP_TIME_LIMIT_S) -> tuple[pulp.LpSolver, str]:
    """HiGHS through PuLP when available, else CBC; with its name."""
    try:
        s = pulp.HiGHS(msg=False, timeLimit=time_limit_s)
        if s.available():
            return s, "HiGHS"
    except Exception:  # noqa: BLE001 - any failure means: not available
        pass
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), "CBC"


def _as_sparse(cost_matrix, radius: float) -> sp.csc_matrix:
    """Demand × candidate pairs with cost ≤ radius (values = cost), as CSC."""
    if sp.issparse(cost_matrix):
        m = sp.coo_matrix(cost_matrix)
        keep = m.data <= radius
        return sp.csc_matrix((m.data[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    c = np.asarray(cost_matrix, float)
    r, j = np.nonzero(np.isfinite(c) & (c <= radius))
    return sp.csc_matrix((c[r, j], (r, j)), shape=c.shape)


def lazy_greedy(start: np.ndarray, weights: np.ndarray, pairs: sp.csc_matrix, k: int | None,
                target: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CELF lazy greedy for ``max Σ wᵢ (sᵢ − min(sᵢ, min_{j∈S} dᵢⱼ))``.

    Parameters
    ----------
    start : array (n_demand,)
        Each demand's value with no new site (1 = uncovered for covering; the capped
        existing cost for p-median).
    weights : array (n_demand,)
    pairs : scipy.sparse.csc_matrix (n_demand, n_candidates)
        Stored values dᵢⱼ (0 for covering pairs).
    k : int or None
        Number of sites (None: until ``target`` or nothing more to gain).
    target : float, optional
        Stop once the total gain reaches it.

    Returns
    -------
    picks : array of int (candidate indices, in the order chosen)
    gains : array of float (each pick's marginal gain)
    """
    cur = np.asarray(start, float).copy()
    w = np.asarray(weights, float)
    ip, ix, dv = pairs.indptr, pairs.indices, pairs.data

    def gain(j: int) -> float:
        rows = ix[ip[j]:ip[j + 1]]
        return float((w[rows] * np.maximum(cur[rows] - dv[ip[j]:ip[j + 1]], 0.0)).sum())

    first = np.add.reduceat(np.r_[w[ix] * np.maximum(cur[ix] - dv, 0.0), 0.0], ip[:-1]) \
        if pairs.shape[1] else np.zeros(0)
    first[np.diff(ip) == 0] = 0.0
    heap = [(-g, j) for j, g in enumerate(first) if g > 0]
    heapq.heapify(heap)
    picks, gains, total = [], [], 0.0
    limit = pairs.shape[1] if k is None else k
    while heap and len(picks) < limit and (target is None or total < target - 1e-9):
        _, j = heapq.heappop(heap)
        g = gain(j)
        if heap and g < -heap[0][0] - 1e-12:
            if g > 0:
                heapq.heappush(heap, (-g, j))
            continue
        if g <= 0:
            break
        picks.append(j)
        gains.append(g)
        total += g
        rows = ix[ip[j]:ip[j + 1]]
        cur[rows] = np.minimum(cur[rows], dv[ip[j]:ip[j + 1]])
    return np.array(picks, dtype=np.int64), np.array(gains)


def _order_by_gain(selected, start, weights, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Order an exact solution greedily (largest marginal gain first) for reporting."""
    sub = pairs[:, selected]
    p, g = lazy_greedy(start, weights, sub.tocsc(), len(selected))
    rest = [j for j in range(len(selected)) if j not in set(p.tolist())]
    order = np.r_[p, rest].astype(int)
    return np.asarray(selected)[order], np.r_[g, np.zeros(len(rest))]


class _Model:
    """What every model holds after :meth:`solve`.

    Attributes
    ----------
    selected : numpy.ndarray of int
        Chosen candidate indices (columns of the cost matrix), largest marginal gain first.
    gains : numpy.ndarray of float
        Each selected site's marginal gain in that order (weight covered / travel saved).
    objective : float
        Weight covered (MCLP, LSCP) or weighted travel saved (p-median) by ``selected``.
    covered : numpy.ndarray of bool
        Per demand row: covered by a selected site (MCLP, LSCP).
    solver : str
        ``"lazy-greedy"``, ``"spopt MCLP + HiGHS"``, ``"pulp sparse MCLP + HiGHS"`` …
    seconds : float
        Solve time, seconds (greedy and exact together when both ran).
    greedy_objective, exact_objective : float or None
    optimality_gap : float or None
        (exact − greedy) / exact when both ran (0 when the greedy is optimal).
    """

    kind = "model"

    def __init__(self, name: str, pairs: sp.csc_matrix, weights: np.ndarray, start: np.ndarray,
                 p: int | None, dense_cost: np.ndarray | None = None, radius: float = 0.0):
        # sparse coverage: only demand some candidate reaches, only candidates reaching some
        self.n_demand, self.n_candidates = pairs.shape
        self.rows = np.flatnonzero(pairs.getnnz(axis=1) > 0)
        self.cols = np.flatnonzero(pairs.getnnz(axis=0) > 0)
        self.pairs = pairs.tocsr()[self.rows][:, self.cols].tocsc()
        self.weights = np.asarray(weights, float)[self.rows]
        self.start = np.asarray(start, float)[self.rows]
        self.name, self.p, self.radius = name, p, radius
        self.selected = np.zeros(0, dtype=np.int64)
        self.gains = np.zeros(0)
        self.objective = 0.0
        self.solver = ""
        self.seconds = 0.0
        self.greedy_objective: float | None = None
        self.exact_objective: float | None = None
        self.optimality_gap: float | None = None

    @property
    def n_cells(self) -> int:
        """Demand × candidate cells of the (compressed) instance."""
        return int(self.pairs.shape[0] * self.pairs.shape[1])

    def solve(self, method: str = "auto", solver: pulp.LpSolver | None = None) -> "_Model":
        """Solve: ``"greedy"`` (CELF), ``"exact"`` (MIP) or ``"auto"`` (greedy, then the
        exact MIP when the instance is at most :data:`SPOPT_MAX_CELLS` cells).

        The greedy always runs (it is instant); with the exact solve too, ``selected`` is
        the exact solution and ``optimality_gap`` the greedy's relative gap.
        """
        if method not in ("auto", "greedy", "exact"):
            raise ValueError("method must be 'auto', 'greedy' or 'exact'")
        t0 = time.perf_counter()
        picks, gains = self._greedy()
        local = picks
        self.greedy_objective = float(gains.sum())
        self.objective = self.greedy_objective
        self.solver = "lazy-greedy"
        if method == "exact" or (method == "auto" and self.n_cells <= SPOPT_MAX_CELLS):
            if len(picks) or self.kind == "lscp":
                sel, name = self._exact(solver)
                local, gains = _order_by_gain(sel, self.start, self.weights, self.pairs)
                self.exact_objective = float(gains.sum())
                self.objective = self.exact_objective
                self.solver = name
                ex, gr = self.exact_objective, self.greedy_objective
                if self.kind == "lscp":  # fewer sites is better
                    self.optimality_gap = (len(picks) - len(sel)) / len(sel) if len(sel) else 0.0
                else:
                    self.optimality_gap = (ex - gr) / ex if ex > 0 else 0.0
            else:
                self.exact_objective, self.optimality_gap = 0.0, 0.0
        self.seconds = time.perf_counter() - t0
        self.selected, self.gains = self.cols[np.asarray(local, dtype=np.int64)], np.asarray(gains)
        self.covered = np.zeros(self.n_demand, dtype=bool)
        if len(local):
            self.covered[self.rows[self.pairs[:, local].getnnz(axis=1) > 0]] = True
        return self

    def _greedy(self):
        return lazy_greedy(self.start, self.weights, self.pairs, self.p)


class MCLP(_Model):
    """Maximal covering location: choose ``p_facilities`` candidates covering the most
    demand weight within ``service_radius``."""

    kind = "mclp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, service_radius: float, p_facilities: int,
                         name: str = "mclp") -> "MCLP":
        """Parameters as :class:`spopt.locate.MCLP` (cost matrix demand × candidate, dense
        with ``inf`` or scipy sparse)."""
        pairs = _as_sparse(cost_matrix, service_radius)
        pairs = sp.csc_matrix((np.zeros(pairs.nnz), pairs.indices, pairs.indptr), shape=pairs.shape)
        w = np.asarray(weights, float).ravel()
        return cls(name, pairs, w, np.ones(len(w)), int(p_facilities), radius=service_radius)

    def _exact(self, solver):
        solver, sname = (solver, type(solver).__name__) if solver else mip_solver()
        n, m = self.pairs.shape
        p = min(self.p, m)
        if self.n_cells <= SPOPT_MAX_CELLS:
            from spopt.locate import MCLP as SpMCLP
            model = SpMCLP.from_cost_matrix(self._dense(), self.weights, self.radius, p)
            model.solve(solver, results=False)
            return _chosen(model.fac_vars), f"spopt MCLP + {sname}"
        prob = pulp.LpProblem(self.name, pulp.LpMaximize)
        y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
        x = [pulp.LpVariable(f"x{i}", 0, 1) for i in range(n)]
        prob += pulp.lpSum(float(self.weights[i]) * x[i] for i in range(n))
        csr = self.pairs.tocsr()
        for i in range(n):
            prob += x[i] <= pulp.lpSum(y[j] for j in csr.indices[csr.indptr[i]:csr.indptr[i + 1]])
        prob += pulp.lpSum(y) == p
        _solve(prob, solver)
        return _chosen(y), f"pulp sparse MCLP + {sname}"

    def _dense(self) -> np.ndarray:
        d = np.full(self.pairs.shape, np.inf)
        c = self.pairs.tocoo()
        d[c.row, c.col] = 0.0
        return d


class LSCP(MCLP):
    """Set covering: the fewest candidates covering ``share`` of the coverable demand
    weight (1.0: every coverable demand, spopt's LSCP; less: a partial covering MIP)."""

    kind = "lscp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, service_radius: float, weights=None,
                         share: float = 1.0, name: str = "lscp") -> "LSCP":
        pairs = _as_sparse(cost_matrix, service_radius)
        w = np.ones(pairs.shape[0]) if weights is None else np.asarray(weights, float).ravel()
        pairs = sp.csc_matrix((np.zeros(pairs.nnz), pairs.indices, pairs.indptr), shape=pairs.shape)
        self = cls(name, pairs, w, np.ones(len(w)), None, radius=service_radius)
        self.share = float(share)  # of the coverable weight (uncoverable demand is dropped)
        return self

    @property
    def target(self) -> float:
        return self.share * float(self.weights.sum())

    def _greedy(self):
        return lazy_greedy(self.start, self.weights, self.pairs, None, self.target)

    def _exact(self, solver):
        solver, sname = (solver, type(solver).__name__) if solver else mip_solver()
        n, m = self.pairs.shape
        if self.share >= 1.0 and self.n_cells <= SPOPT_MAX_CELLS:
            from spopt.locate import LSCP as SpLSCP
            model = SpLSCP.from_cost_matrix(self._dense(), self.radius)
            model.solve(solver, results=False)
            return _chosen(model.fac_vars), f"spopt LSCP + {sname}"
        prob = pulp.LpProblem(self.name, pulp.LpMinimize)
        y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
        x = [pulp.LpVariable(f"x{i}", 0, 1) for i in range(n)]
        prob += pulp.lpSum(y)
        csr = self.pairs.tocsr()
        for i in range(n):
            prob += x[i] <= pulp.lpSum(y[j] for j in csr.indices[csr.indptr[i]:csr.indptr[i + 1]])
        prob += pulp.lpSum(float(self.weights[i]) * x[i] for i in range(n)) >= self.target - 1e-6
        _solve(prob, solver)
        return _chosen(y), f"pulp sparse partial-LSCP + {sname}"


class PMedian(_Model):
    """p-median with the existing network fixed, on capped distances (module docstring).

    ``existing_cost`` is each demand's cost to the existing network (``inf`` when none);
    costs and pairs beyond ``cap`` count as ``cap``. ``objective`` is the weighted travel
    saved; :attr:`weighted_cost` the resulting Σ wᵢ · min(ĉᵢ, dᵢⱼ).
    """

    kind = "pmedian"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, p_facilities: int, cap: float,
                         existing_cost=None, name: str = "pmedian") -> "PMedian":
        w = np.asarray(weights, float).ravel()
        start = np.full(len(w), float(cap)) if existing_cost is None else \
            np.minimum(np.asarray(existing_cost, float), cap)
        c = _as_sparse(cost_matrix, cap).tocoo()
        keep = c.data < start[c.row]           # only pairs that improve on the existing cost
        pairs = sp.csc_matrix((c.data[keep], (c.row[keep], c.col[keep])), shape=c.shape)
        self = cls(name, pairs, w, start, int(p_facilities), radius=cap)
        self.cap = float(cap)
        self.start_cost = float((w * start).sum())  # with no new site, all demand rows
        return self

    @property
    def weighted_cost(self) -> float:
        return self.start_cost - float(self.objective)

    def _exact(self, solver):
        solver, sname = (solver, type(solver).__name__) if solver else mip_solver()
        rows = np.arange(self.pairs.shape[0])
        n, m = len(rows), self.pairs.shape[1]
        p = min(self.p, m)
        sub = self.pairs[rows].tocoo()
        if n * (m + 1) <= SPOPT_MAX_CELLS:
            from spopt.locate import PMedian as SpPMedian
            d = np.full((n, m + 1), self.cap)
            d[sub.row, sub.col] = sub.data
            d[:, m] = self.start[rows]          # the existing network: a fixed column
            pre = np.zeros(m + 1, dtype=int)
            pre[m] = 1
            model = SpPMedian.from_cost_matrix(d, self.weights[rows], p + 1,
                                               predefined_facilities_arr=pre)
            model.solve(solver, results=False)
            return _chosen(model.fac_vars[:m]), f"spopt PMedian + {sname}"
        prob = pulp.LpProblem(self.name, pulp.LpMaximize)
        y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
        z = {}
        for i, j, dij in zip(sub.row, sub.col, sub.data):
            z[i, j] = pulp.LpVariable(f"z{i}_{j}", 0, 1)
        save = {(i, j): float(self.weights[rows[i]] * (self.start[rows[i]] - dij))
                for i, j, dij in zip(sub.row, sub.col, sub.data)}
        prob += pulp.lpSum(save[k] * v for k, v in z.items())
        by_row: dict[int, list] = {}
        for (i, j), v in z.items():
            prob += v <= y[j]
            by_row.setdefault(i, []).append(v)
        for vs in by_row.values():
            prob += pulp.lpSum(vs) <= 1
        prob += pulp.lpSum(y) == p
        _solve(prob, solver)
        return _chosen(y), f"pulp sparse p-median + {sname}"


def _chosen(variables) -> np.ndarray:
    """Indices of the binary site variables a solved model set to 1 (unsolved: none)."""
    return np.array([j for j, v in enumerate(variables) if (v.value() or 0) > 0.5],
                    dtype=np.int64)


def _solve(prob: pulp.LpProblem, solver) -> None:
    prob.solve(solver)
    if pulp.LpStatus[prob.status] != "Optimal":
        raise RuntimeError(f"the MIP solver stopped with status {pulp.LpStatus[prob.status]}")


# ---------------------------------------------------------------------- region instances
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


def build_instance(region, rule: str = "R2", *, objective: str = "residents",
                   candidates="villages", rulebook: Rulebook | None = None, access=None,
                   skip_small: bool = False, cutoff: float | None = None,
                   radius: float | None = None, grid_m: float = 500.0) -> Instance:
    """The demand, candidates and sparse costs of rule R2 or R3 on ``region``.

    Parameters
    ----------
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
    from planning.travel.access import access_for

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
        from planning.schema import LAYERS, normalize_text
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
        Which solver produced ``sites`` (see :class:`_Model`).
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
        from planning.plan.scenario import Edit
        return [Edit("add", kind=kind, x=float(g.x), y=float(g.y))
                for g in self.sites.geometry]


def suggest(region, rule: str = "R2", k: int | None = 5, target: float | None = None,
            objective: str = "residents", candidates="villages",
            rulebook: Rulebook | None = None, method: str = "auto", model: str = "mclp",
            access=None, skip_small: bool = False, instance: Instance | None = None,
            grid_m: float = 500.0) -> Suggestion:
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
        See :meth:`_Model.solve`.
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


def _sites(inst: Instance, m: _Model, cols, pairs, w, mname) -> gpd.GeoDataFrame:
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


def sensitivity(region, rule: str = "R2", cutoffs=(1400.0, 1500.0, 1600.0), k: int = 10,
                objective: str = "residents", candidates="villages",
                rulebook: Rulebook | None = None, access=None) -> pd.DataFrame:
    """Coverage curves for several rulebook limits (metres for R2, seconds for R3).

    Returns
    -------
    pandas.DataFrame
        One row per (cutoff, k): ``cutoff``, ``k``, ``newly_covered``, ``covered``, ``share``.
    """
    from planning.travel.access import access_for

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
