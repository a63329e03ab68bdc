"""Location models in PySAL spopt's shape: maximal covering, set covering, p-median.

Every model has the same shape as spopt's: ``Model.from_cost_matrix(...)``, ``.solve()``,
results as arrays on the object. Cost matrices are **demand × candidate** (as in spopt)
and may be dense (``numpy.inf`` = beyond reach) or scipy sparse (stored entries are the
reachable pairs, explicit zeros included; absent pairs are beyond reach). Costs are in
whatever unit the caller's matrix holds (metres or seconds).

* :class:`MCLP` — maximal covering: the ``p`` candidates covering the most demand weight.
* :class:`LSCP` — set covering: the fewest candidates covering a share (default all) of
  the coverable demand weight.
* :class:`PMedian` — population-weighted travel with the existing network fixed.
  Distances are known up to a cap (``cap``); pairs beyond the cap, and a demand's
  existing cost beyond it, count as the cap (the "beyond" penalty). The model maximises
  the travel saved, Σ wᵢ (ĉᵢ − min(ĉᵢ, dᵢⱼ)), which is the p-median objective minus a
  constant.

All three objectives are monotone submodular, so one lazy-greedy (CELF,
:func:`lazy_greedy`) gives instant answers within (1 − 1/e) of the optimum. The exact
answer comes from spopt with a MIP solver through PuLP (HiGHS when available, else CBC:
:func:`mip_solver`). spopt builds dense models (one term per demand × candidate pair, in
Python), so beyond :data:`SPOPT_MAX_CELLS` cells the same model is built sparsely with
PuLP directly; ``solver`` says which ran. Demand no candidate reaches and candidates
reaching no demand are dropped before solving (sparse coverage).
"""

from __future__ import annotations

import heapq
import time

import numpy as np
import pulp
import scipy.sparse as sp

__all__ = ["LocationModel", "MCLP", "LSCP", "PMedian", "lazy_greedy", "mip_solver", "SPOPT_MAX_CELLS"]

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


class LocationModel:
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

    def solve(self, method: str = "auto", solver: pulp.LpSolver | None = None) -> "LocationModel":
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


class MCLP(LocationModel):
    """Maximal covering location: choose ``p_facilities`` candidates covering the most
    demand weight within ``service_radius``."""

    kind = "mclp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, service_radius: float, p_facilities: int,
                         name: str = "mclp") -> "MCLP":
        """A maximal covering model, with the parameters of :class:`spopt.locate.MCLP`.

        Parameters
        ----------
        cost_matrix : array (n_demand, n_candidates) or scipy sparse
            Costs in the caller's unit (metres or seconds); dense with ``inf`` beyond
            reach, or sparse (stored entries are the reachable pairs).
        weights : array (n_demand,)
            Demand weight (residents, or 1 per village).
        service_radius : float
            A pair covers when its cost is at most this (same unit as the costs).
        p_facilities : int
            Number of candidates to open.
        name : str
        """
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
        """A set covering model, with the parameters of :class:`spopt.locate.LSCP`.

        Parameters
        ----------
        cost_matrix : array (n_demand, n_candidates) or scipy sparse
            As for :meth:`MCLP.from_cost_matrix` (metres or seconds).
        service_radius : float
            A pair covers when its cost is at most this (same unit as the costs).
        weights : array (n_demand,), optional
            Demand weight (default 1 each).
        share : float, default 1.0
            Share of the coverable weight to cover (uncoverable demand is dropped).
        name : str
        """
        pairs = _as_sparse(cost_matrix, service_radius)
        w = np.ones(pairs.shape[0]) if weights is None else np.asarray(weights, float).ravel()
        pairs = sp.csc_matrix((np.zeros(pairs.nnz), pairs.indices, pairs.indptr), shape=pairs.shape)
        self = cls(name, pairs, w, np.ones(len(w)), None, radius=service_radius)
        self.share = float(share)  # of the coverable weight (uncoverable demand is dropped)
        return self

    @property
    def target(self) -> float:
        """The weight to cover: ``share`` × the coverable weight."""
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


class PMedian(LocationModel):
    """p-median with the existing network fixed, on capped distances (module docstring).

    ``existing_cost`` is each demand's cost to the existing network (``inf`` when none);
    costs and pairs beyond ``cap`` count as ``cap``. ``objective`` is the weighted travel
    saved; :attr:`weighted_cost` the resulting Σ wᵢ · min(ĉᵢ, dᵢⱼ).
    """

    kind = "pmedian"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, p_facilities: int, cap: float,
                         existing_cost=None, name: str = "pmedian") -> "PMedian":
        """A p-median model with the existing network fixed.

        Parameters
        ----------
        cost_matrix : array (n_demand, n_candidates) or scipy sparse
            As for :meth:`MCLP.from_cost_matrix` (metres or seconds).
        weights : array (n_demand,)
            Demand weight (residents, or 1 per village).
        p_facilities : int
            Number of candidates to open.
        cap : float
            Costs are capped here (same unit): demand beyond it counts at ``cap``.
        existing_cost : array (n_demand,), optional
            Each demand's cost to the existing network (default ``cap``); only pairs
            that improve on it are kept.
        name : str
        """
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
        """Σ weight × capped cost after the chosen sites open (the caller's unit)."""
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
