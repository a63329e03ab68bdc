"""Floating catchment areas: staff per resident within reach (2SFCA / E2SFCA).

The enhanced two-step floating catchment area method (E2SFCA; Luo & Qi 2009, *Health &
Place* 15:1100-1107) answers "how many doctors per resident can the people here reach?",
counting both the travel and the other residents who share the same doctors:

1. for each facility *j*: its staff divided by the distance-weighted residents within
   its catchment, ``R_j = S_j / Σ_k P_k · w(c_kj)`` over villages *k* with ``c_kj ≤ d₀``;
2. for each village *i*: the distance-weighted sum of those ratios within reach,
   ``A_i = Σ_j R_j · w(c_ij)`` over facilities with ``c_ij ≤ d₀``.

``A_i`` is staff per resident. Supply is conserved: ``Σ_i P_i · A_i = Σ_j S_j`` over the
facilities that reach anyone (``Σ_k P_k w(c_kj) > 0``), whatever the travel model, so the
population-weighted mean of ``A`` over a region equals its plain ratio (staff ÷
residents) when every facility reaches somebody.

Costs are the engine's (:meth:`planning.travel.access.Access.catchment`): sparse facility ×
village matrices holding exactly the pairs with cost ≤ the cutoff (**inclusive**,
explicit zeros kept), in seconds. The weight ``w`` is one of

* ``"bands"``: the catchment cut into equal time bands, each with its weight (Luo & Qi:
  0-10, 10-20, 20-30 min weighted 1.00, 0.68, 0.22); a cost exactly on a band's upper
  edge belongs to that band, like :func:`access.weights.step_fn` (``cost <= edge``);
* ``"gaussian"``: ``exp(-c² / (2σ²))`` with σ a share of the catchment, like
  :func:`access.weights.gaussian`;
* ``"none"``: 1 within the catchment (the plain 2SFCA).

PySAL ``access`` (``Access.enhanced_two_stage_fca``) computes the same numbers from cost
tables with pandas and is used as the reference in the tests; here the work is two
sparse matrix-vector products, so a scenario edit recomputes in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

DECAYS = ("bands", "gaussian", "none")


def band_edges(cutoff: float, n_bands: int) -> np.ndarray:
    """Upper edges of ``n_bands`` equal bands of ``[0, cutoff]`` (same unit as ``cutoff``);
    the last edge is ``cutoff`` itself."""
    edges = np.array([cutoff * (k + 1) / n_bands for k in range(n_bands)], dtype=float)
    edges[-1] = cutoff
    return edges


def decay(cost: np.ndarray, cutoff: float, kind: str = "bands",
          band_weights: tuple[float, ...] | list[float] = (1.0, 0.68, 0.22),
          sigma_share: float = 0.5) -> np.ndarray:
    """Distance-decay weight of each cost within the catchment.

    Parameters
    ----------
    cost : numpy.ndarray
        Travel costs, all ≤ ``cutoff`` (seconds, or any unit shared with ``cutoff``).
    cutoff : float
        The catchment, same unit.
    kind : {"bands", "gaussian", "none"}
        See the module docstring.
    band_weights : sequence of float
        Weights of equal bands from the facility outwards (``"bands"``).
    sigma_share : float
        σ of the Gaussian as a share of ``cutoff`` (``"gaussian"``).

    Returns
    -------
    numpy.ndarray of float64, like ``cost``
    """
    cost = np.asarray(cost, dtype=float)
    if kind == "none":
        return np.ones_like(cost)
    if kind == "gaussian":
        sigma = sigma_share * cutoff
        if not sigma > 0:
            raise ValueError("the Gaussian decay needs sigma_share > 0")
        return np.exp(-cost * cost / (2.0 * sigma ** 2))
    if kind == "bands":
        weights = np.asarray(band_weights, dtype=float)
        if len(weights) == 0:
            raise ValueError("band_weights must hold at least one weight")
        band = np.searchsorted(band_edges(cutoff, len(weights)), cost, side="left")
        return np.where(band < len(weights), weights[np.minimum(band, len(weights) - 1)], 0.0)
    raise ValueError(f"unknown decay {kind!r}; use one of {', '.join(DECAYS)}")


def weighted(catchment: sp.csr_matrix, cutoff: float, kind: str = "bands",
             band_weights=(1.0, 0.68, 0.22), sigma_share: float = 0.5) -> sp.csr_matrix:
    """The catchment's costs replaced by their decay weights (same sparsity pattern).

    ``catchment`` is facility × village, entries = costs ≤ ``cutoff`` (see :func:`decay`).
    """
    c = sp.csr_matrix(catchment, dtype=float, copy=True)
    c.data = decay(c.data, cutoff, kind, band_weights, sigma_share)
    return c


@dataclass
class FCA:
    """An E2SFCA result for one kind of staff.

    Attributes
    ----------
    access : numpy.ndarray of float64, shape (n_villages,)
        Staff per resident within reach, ``A_i`` (multiply by 10,000 for "per 10,000").
    ratio : numpy.ndarray of float64, shape (n_facilities,)
        Staff per weighted resident served, ``R_j`` (0 where the facility serves no one).
    served : numpy.ndarray of float64, shape (n_facilities,)
        Distance-weighted residents in each facility's catchment (the denominator).
    """

    access: np.ndarray
    ratio: np.ndarray
    served: np.ndarray

    @property
    def reaches_anyone(self) -> np.ndarray:
        """Facilities whose catchment holds weighted residents (their staff count)."""
        return self.served > 0


def e2sfca(weights: sp.csr_matrix, supply: np.ndarray, demand: np.ndarray) -> FCA:
    """Two sparse products: ratios per facility, then access per village.

    Parameters
    ----------
    weights : scipy.sparse matrix, shape (n_facilities, n_villages)
        Decay weights of the pairs within the catchment (:func:`weighted`).
    supply : array, shape (n_facilities,)
        Staff per facility (no NaN: the caller decides what unknown staff mean).
    demand : array, shape (n_villages,)
        Residents per village (no NaN).

    Returns
    -------
    FCA
    """
    w = sp.csr_matrix(weights)
    supply = np.asarray(supply, dtype=float)
    demand = np.asarray(demand, dtype=float)
    served = w @ demand
    ratio = np.divide(supply, served, out=np.zeros_like(served), where=served > 0)
    return FCA(access=w.T @ ratio, ratio=ratio, served=served)


def pattern(catchment: sp.csr_matrix) -> sp.csr_matrix:
    """1 for every pair within the catchment (zero costs are explicit entries), as floats."""
    return sp.csr_matrix((np.ones(catchment.nnz), catchment.indices, catchment.indptr),
                         shape=catchment.shape)


def reach_any(catchment: sp.csr_matrix, facilities: np.ndarray) -> np.ndarray:
    """Per village: is any of the flagged ``facilities`` (bool, per row) within reach?"""
    return (pattern(catchment).T @ np.asarray(facilities, dtype=float)) > 0
