"""Where more GPs would lift the most residents to the reference (R8), and the curve over N.

With E2SFCA (:mod:`planning.rules.fca`) a facility's GPs are shared by the distance-weighted
residents of its catchment, and residents count in every catchment that reaches them,
not against other facilities. So ``n`` more GPs at a site ``c`` raise each village's
GPs per resident within reach by exactly ``n · w_ic / D_c`` — ``w_ic`` the decay weight
between village ``i`` and ``c``, ``D_c = Σ_k P_k w_kc`` the site's weighted residents —
and leave every other facility's ratio as it is. A site is an existing facility of
``R8.gp_kinds`` (more GPs there) or a village (a new facility opened there, reaching
what a facility at the village seat would reach).

:func:`suggest_staff` places ``N`` GPs a few at a time: each step goes to the site that
lifts the most residents to ``R8.gps_per_10000`` per GP, looking at one or several GPs at the
same site (a village short by more than one GP's worth is lifted only by several); when
no site lifts anyone with the GPs left, one GP goes where it closes most of the
population-weighted shortfall ``Σ P_i min(gain_i, T − A_i)``. The picks are nested, so
the residents at or above the reference after 0 … N GPs form the coverage curve. With
``method="exact"`` the same question is a mixed-integer programme solved by HiGHS
(through PuLP, as in :mod:`planning.plan.optimize`): maximise the residents lifted with at
most ``N`` GPs; the greedy answer's gap to it is reported. The programme grows with
villages × sites (:data:`EXACT_MAX_TERMS`): on a district with the existing centres as
sites it takes seconds; with every village as a new site, ask for the greedy answer.

Villages that R8 cannot judge (unknown residents or staff) are left out of the count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp

from planning.plan.edits import Edit
from planning.plan.location import mip_solver
from planning.rules import fca
from planning.crs import WGS84
from planning.errors import InputError
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.region import Region
from planning.rules.r8_staff_access import PER_GP, check, reach
from planning.travel.access import Access

WHERE = ("existing", "new", "both")
#: largest exact programme (pairs of a village below the reference and a site reaching it)
EXACT_MAX_TERMS = 20_000


@dataclass
class StaffInstance:
    """The question for :func:`suggest_staff`.

    Attributes
    ----------
    villages : GeoDataFrame
        ``village_id``, ``name``, ``population`` (0 when unknown), ``access`` (GPs per
        10,000 within reach now; NaN when R8 cannot judge), region CRS.
    sites : GeoDataFrame
        ``id``, ``name``, ``existing`` (bool), ``facility_id`` (existing ones), region CRS.
    gain : scipy.sparse.csc_matrix, shape (n_villages, n_sites)
        GPs per 10,000 within reach that one more GP at the site adds to each village.
    target : float
        GPs per 10,000 (``R8.gps_per_10000``).
    """

    villages: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    gain: sp.csc_matrix
    target: float

    @property
    def judged(self) -> np.ndarray:
        """Villages R8 judges (their access is known)."""
        return np.isfinite(self.villages["access"].to_numpy(float))

    def at_or_above(self, access: np.ndarray) -> float:
        """Residents of judged villages at or above the target."""
        pop = self.villages["population"].to_numpy(float)
        return float(pop[self.judged & (access >= self.target)].sum())


def build_staff_instance(region: Region, *, where: str = "both", rulebook: Rulebook | None = None,
                         access: Access | None = None) -> StaffInstance:
    """Villages, candidate sites and the per-GP gains of R8 on ``region``.

    Parameters
    ----------
    region : Region
        Layers in a metric CRS (metres); sites come out in it.
    where : {"existing", "new", "both"}
        Existing facilities of ``R8.gp_kinds``, new sites at the villages, or both.
    rulebook : Rulebook, optional
        Defaults to the Tianjin rulebook (``R8.gp_minutes``: the catchment, minutes).
    access : Access, optional
        Reuse prepared engines.

    Returns
    -------
    StaffInstance
    """
    if where not in WHERE:
        raise InputError.at(f"where must be one of {', '.join(WHERE)}, not {where!r}")
    rulebook = rulebook or load_rulebook()
    access = access or Access(region)
    p = rulebook["R8"]
    result = check(region, rulebook, access)
    vil = region.villages
    pop = pd.to_numeric(vil["population"], errors="coerce").to_numpy(float)
    villages = gpd.GeoDataFrame({"village_id": vil["village_id"].to_numpy(), "name": vil["name"].to_numpy(),
                                 "population": np.nan_to_num(pop),
                                 "access": result.units["gps_per_10000"].to_numpy(float)},
                                geometry=vil.geometry.values, crs=vil.crs)
    villages.loc[~np.isfinite(pop), "access"] = np.nan
    gp = reach(region, access, rulebook, "gp")
    frames = []
    if where in ("existing", "both"):
        f = gp.facilities
        frames.append(gpd.GeoDataFrame({"id": f["facility_id"].astype(str).to_numpy(),
                                        "name": f["name"].astype(str).to_numpy(), "existing": True,
                                        "facility_id": f["facility_id"].astype(str).to_numpy()},
                                       geometry=f.geometry.values, crs=f.crs))
    if where in ("new", "both"):
        frames.append(gpd.GeoDataFrame({"id": ("village:" + vil["village_id"].astype(str)).to_numpy(),
                                        "name": vil["name"].astype(str).to_numpy(), "existing": False,
                                        "facility_id": None},
                                       geometry=vil.geometry.values, crs=vil.crs))
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=region.crs)
    cutoff = float(p["gp_minutes"]) * 60.0
    # existing sites keep their facility ids, so R8's own catchments are reused
    keyed = sites[["geometry"]].assign(facility_id=sites["id"].to_numpy())
    costs = access.catchment(p["gp_mode"], keyed, "time", cutoff)
    w = fca.weighted(costs, cutoff, p["decay"], p["band_weights"], p["gaussian_sigma_share"])
    served = w @ villages["population"].to_numpy(float)
    per_gp = np.divide(PER_GP, served, out=np.zeros_like(served), where=served > 0)
    gain = sp.csc_matrix(sp.diags(per_gp) @ w).T.tocsc()
    return StaffInstance(villages, sites, gain, float(p["gps_per_10000"]))


@dataclass
class StaffSuggestion:
    """Where ``n`` more GPs lift the most residents to the reference.

    Attributes
    ----------
    n : int
        GPs placed.
    method, solver : str
        ``"greedy"`` or ``"exact"``; the solver that produced ``sites``.
    seconds : float
    optimality_gap : float or None
        The greedy's relative shortfall against the exact answer, when both ran.
    sites : GeoDataFrame
        One row per site in the order first picked: ``rank``, ``id``, ``name``,
        ``existing``, ``facility_id``, ``gps`` (GPs placed there), ``newly_covered``
        (residents its GPs lifted to the reference), ``cumulative_covered``, ``lon``/``lat``.
    covered_before, total : float
        Residents at or above the reference now; residents of judged villages.
    curve : DataFrame
        ``k`` (GPs placed, 0 … n), ``covered`` (residents at or above), ``share``.
    """

    n: int
    method: str
    solver: str
    seconds: float
    optimality_gap: float | None
    sites: gpd.GeoDataFrame
    covered_before: float
    total: float
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_json(self) -> dict:
        """The summary JSON of ``python -m planning suggest --rule R8``."""
        return {"rule": "R8", "staff": self.n, "method": self.method, "solver": self.solver,
                "seconds": round(self.seconds, 4),
                "optimality_gap": None if self.optimality_gap is None else round(self.optimality_gap, 6),
                "covered_before": self.covered_before, "total": self.total,
                "sites": [{"id": str(r.id), "name": str(r.name), "existing": bool(r.existing),
                           "gps": int(r.gps), "lon": float(r.lon), "lat": float(r.lat),
                           "newly_covered": float(r.newly_covered),
                           "cumulative_covered": float(r.cumulative_covered)}
                          for r in self.sites.itertuples()],
                "curve": self.curve.to_dict("records")}

    def edits(self, kind: str = "community_health_station") -> list:
        """The suggestion as scenario edits: staff added to existing facilities, new
        facilities of ``kind`` opened with their GPs."""
        return [Edit("staff", facility_id=str(r.facility_id), value={"gps": int(r.gps)}) if r.existing
                else Edit("add", kind=kind, x=float(r.geometry.x), y=float(r.geometry.y),
                          value={"gps": int(r.gps)})
                for r in self.sites.itertuples()]


def greedy_staff(inst: StaffInstance, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Place ``n`` GPs, a few at a time (see the module docstring).

    Each step looks, for every site, at placing ``k = 1 … (GPs left)`` there: village
    ``i`` is lifted once ``k · gain_ic`` covers its shortfall, so the residents lifted
    by ``k`` GPs at a site are a running sum over ``k``. The step takes the site and
    ``k`` with the most residents lifted per GP (fewest GPs on ties); when no site
    lifts anyone with the GPs left, one GP goes where it closes most of the
    population-weighted shortfall.

    Returns
    -------
    picks : numpy.ndarray of int64, shape (n,)
        The site of each GP, in order (fewer when no site helps anyone any more).
    lifted : numpy.ndarray of float64
        Residents lifted to the reference by each GP (a batch's residents are counted at
        the GP that completes them).
    """
    g = inst.gain
    judged = inst.judged
    pop = np.where(judged, inst.villages["population"].to_numpy(float), 0.0)
    a = np.where(judged, inst.villages["access"].to_numpy(float), np.inf)
    t = inst.target
    n_sites = g.shape[1]
    col = np.repeat(np.arange(n_sites), np.diff(g.indptr))
    picks: list[int] = []
    lifted: list[float] = []
    while len(picks) < int(n):
        left = int(n) - len(picks)
        need = np.maximum(t - a, 0.0)[g.indices]
        p = pop[g.indices]
        with np.errstate(divide="ignore", invalid="ignore"):
            k_min = np.ceil(need / g.data - 1e-9)
        ok = (need > 0) & (p > 0) & (g.data > 0) & (k_min <= left)
        if ok.any():
            hist = np.zeros((n_sites, left + 1))
            np.add.at(hist, (col[ok], k_min[ok].astype(np.int64)), p[ok])
            cum = np.cumsum(hist, axis=1)[:, 1:]                 # lifted by k = 1 … left
            ratio = cum / np.arange(1, left + 1)
            c, k = np.unravel_index(np.argmax(ratio), ratio.shape)  # first: fewest GPs
            k = int(k) + 1
            steps = np.diff(np.r_[0.0, cum[c, :k]])
        else:
            close = np.bincount(col, p * np.minimum(g.data, need), minlength=n_sites)
            if not len(close) or close.max() <= 0:
                break
            c, k, steps = int(np.argmax(close)), 1, np.zeros(1)
        lo, hi = g.indptr[c], g.indptr[c + 1]
        a[g.indices[lo:hi]] += k * g.data[lo:hi]
        a[np.abs(a - t) <= 1e-9] = t                  # GPs that exactly close a gap lift it
        picks += [int(c)] * k
        lifted += [float(x) for x in steps]
    return np.array(picks, dtype=np.int64), np.array(lifted, dtype=float)


def exact_staff(inst: StaffInstance, n: int, time_limit_s: float = 120.0
                ) -> tuple[np.ndarray, float, str]:
    """The most residents ``n`` GPs can lift: a MIP solved by HiGHS (else CBC).

    max Σ P_i y_i  s.t.  Σ_c gain_ic · n_c ≥ (T − A_i) · y_i  (villages below T),
    Σ_c n_c ≤ n, n_c ≥ 0 integer, y_i binary.

    Returns
    -------
    gps : numpy.ndarray of int64, shape (n_sites,)
        GPs per site.
    lifted : float
        Residents lifted.
    solver : str
    """
    judged = inst.judged
    a = inst.villages["access"].to_numpy(float)
    pop = inst.villages["population"].to_numpy(float)
    below = np.flatnonzero(judged & (a < inst.target) & (pop > 0))
    g = inst.gain.tocsr()
    terms = int(g[below].nnz)
    if terms > EXACT_MAX_TERMS:
        raise InputError.at(f"the exact programme would have {terms:,} terms (limit "
                            f"{EXACT_MAX_TERMS:,}); use the greedy method, or existing "
                            "facilities only as sites")
    useful = np.unique(g[below].indices)
    prob = pulp.LpProblem("r8_staff", pulp.LpMaximize)
    x = {c: pulp.LpVariable(f"n_{c}", lowBound=0, upBound=n, cat="Integer") for c in useful}
    y = {i: pulp.LpVariable(f"y_{i}", cat="Binary") for i in below}
    prob += pulp.lpSum(pop[i] * y[i] for i in below)
    prob += pulp.lpSum(x.values()) <= n
    for i in below:
        lo, hi = g.indptr[i], g.indptr[i + 1]
        terms = [(x[c], v) for c, v in zip(g.indices[lo:hi], g.data[lo:hi]) if c in x]
        prob += pulp.LpAffineExpression(terms) >= (inst.target - a[i]) * y[i]
    solver, name = mip_solver(time_limit_s)
    prob.solve(solver)
    if pulp.LpStatus[prob.status] != "Optimal":
        raise RuntimeError(f"the MIP solver stopped with status {pulp.LpStatus[prob.status]}")
    gps = np.zeros(g.shape[1], dtype=np.int64)
    for c, v in x.items():
        gps[c] = int(round(v.value() or 0))
    return gps, float(sum(pop[i] for i in below if (y[i].value() or 0) > 0.5)), name


def suggest_staff(region: Region, n: int = 5, *, where: str = "both", method: str = "greedy",
                  rulebook: Rulebook | None = None, access: Access | None = None,
                  instance: StaffInstance | None = None) -> StaffSuggestion:
    """Where ``n`` more GPs lift the most residents to R8's reference.

    Parameters
    ----------
    region : Region
    n : int
        GPs to place (>= 1).
    where : {"existing", "new", "both"}
        See :func:`build_staff_instance`.
    method : {"greedy", "exact"}
        ``exact`` also solves the MIP and reports the greedy's gap; the sites are then
        the exact ones.
    rulebook, access : optional
        As for the rules; ``instance`` reuses a built :class:`StaffInstance`.

    Returns
    -------
    StaffSuggestion
    """
    if int(n) < 1:
        raise InputError.at(f"the number of GPs to place must be at least 1, got {n!r}")
    if method not in ("greedy", "exact"):
        raise InputError.at(f"method must be 'greedy' or 'exact', not {method!r}")
    inst = instance or build_staff_instance(region, where=where, rulebook=rulebook, access=access)
    t0 = time.perf_counter()
    picks, lifted = greedy_staff(inst, n)
    seconds = time.perf_counter() - t0
    before = inst.at_or_above(inst.villages["access"].to_numpy(float))
    total = float(inst.villages["population"].to_numpy(float)[inst.judged].sum())
    curve_cov = before + np.r_[0.0, np.cumsum(lifted)]
    curve_cov = np.r_[curve_cov, np.full(int(n) + 1 - len(curve_cov), curve_cov[-1])]
    curve = pd.DataFrame({"k": np.arange(int(n) + 1), "covered": curve_cov,
                          "share": curve_cov / total if total else np.nan})
    solver, gap = "greedy", None
    if method == "exact":
        t0 = time.perf_counter()
        gps, best, solver = exact_staff(inst, int(n))
        seconds += time.perf_counter() - t0
        greedy_lifted = float(lifted.sum())
        gap = (best - greedy_lifted) / best if best > 0 else 0.0
        order = [c for c in dict.fromkeys(picks.tolist()) if gps[c]] + \
            [c for c in np.flatnonzero(gps) if c not in set(picks.tolist())]
        sites = _site_rows(inst, [c for c in order for _ in range(gps[c])], None)
    else:
        sites = _site_rows(inst, picks.tolist(), lifted)
    return StaffSuggestion(int(n), method, solver, seconds, gap, sites, before, total, curve)


def _site_rows(inst: StaffInstance, picks: list[int], lifted: np.ndarray | None) -> gpd.GeoDataFrame:
    """One row per site in first-pick order, with its GPs and the residents they lifted."""
    order = list(dict.fromkeys(picks))
    count = pd.Series(picks).value_counts() if picks else pd.Series(dtype=int)
    if lifted is None:  # exact: credit each site with what it lifts added in this order
        a = inst.villages["access"].to_numpy(float).copy()
        pop = np.where(inst.judged, inst.villages["population"].to_numpy(float), 0.0)
        per_site = []
        for c in order:
            before = a < inst.target
            a = a + np.asarray(inst.gain[:, c].todense()).ravel() * count[c]
            per_site.append(float(pop[before & (a >= inst.target - 1e-12)].sum()))
    else:
        per_site = [float(lifted[np.asarray(picks) == c].sum()) for c in order]
    rows = inst.sites.iloc[order].copy().reset_index(drop=True)
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    rows["gps"] = [int(count[c]) for c in order]
    rows["newly_covered"] = per_site
    rows["cumulative_covered"] = np.cumsum(per_site)
    ll = rows.geometry.to_crs(WGS84)
    rows["lon"], rows["lat"] = ll.x.round(7), ll.y.round(7)
    return rows

