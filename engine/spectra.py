"""Covariance spectra, degrees of freedom and the effective-regularization solvers.

Spectra are stored *grouped*: a vector of distinct eigenvalues, the multiplicity of each,
and the ground-truth energy ``sum c_j^2`` in each group. The isotropic spectrum is one
group of multiplicity d, so every trace over it costs O(1) whatever d is; a power law
with d distinct eigenvalues costs O(d). Arrays are 2-D, ``(B, K)``: B = 1 when every
sweep point shares the spectrum, B = P when the sweep changes it (rows are padded with
multiplicity-0 groups to a common width K).

Formulas: ``shared/theory/regression.md`` §4 (df_m, the kappa fixed point of Eq. 9, its
isotropic closed form Eqs. 10-11) and §7.1 (source condition, delta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spectrum:
    """Grouped diagonal covariance with a ground truth in eigen-coordinates.

    Attributes:
        eig: (B, K) distinct eigenvalues (padding groups hold 1.0 with mult 0).
        mult: (B, K) multiplicity of each eigenvalue.
        c2: (B, K) sum of squared ground-truth coordinates c_j^2 over each group.
    """

    eig: np.ndarray
    mult: np.ndarray
    c2: np.ndarray

    @property
    def d(self) -> np.ndarray:
        """Dimension per row, shape (B,)."""
        return self.mult.sum(axis=-1)

    @property
    def trace(self) -> np.ndarray:
        """tr Σ per row, shape (B,)."""
        return (self.mult * self.eig).sum(axis=-1)

    @property
    def w0_sigma_norm2(self) -> np.ndarray:
        """‖w0‖_Σ² = Σ_j c_j² λ_j: the null predictor's error, shape (B,)."""
        return (self.c2 * self.eig).sum(axis=-1)

    @property
    def w0_norm2(self) -> np.ndarray:
        """‖w0‖² (Euclidean), shape (B,)."""
        return self.c2.sum(axis=-1)

    def tr(self, f: np.ndarray) -> np.ndarray:
        """tr f(Σ) for f given per group, shape (P, K) -> (P,)."""
        return _wsum(f, self.mult)

    def quad(self, f: np.ndarray) -> np.ndarray:
        """w0ᵀ f(Σ) w0 = Σ_j c_j² f(λ_j), shape (P, K) -> (P,)."""
        return _wsum(f, self.c2)


def _wsum(f: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row sums of f * w without forming the product (einsum; faster here than a threaded BLAS gemv)."""
    f = np.asarray(f, float)
    if w.shape[0] == 1:
        return np.einsum("pk,k->p", np.atleast_2d(f), w[0])
    return np.einsum("pk,pk->p", np.broadcast_to(f, w.shape), w)


def source_delta(beta: np.ndarray | float, r: np.ndarray | float) -> np.ndarray:
    """δ = 1 + β(2r − 1) of the source condition c_j = j^{-δ/2} (regression.md §7.1)."""
    return 1.0 + np.asarray(beta, float) * (2.0 * np.asarray(r, float) - 1.0)


def isotropic(d: np.ndarray | int, w0_norm: np.ndarray | float = 1.0) -> Spectrum:
    """Σ = I_d with ‖w0‖ = w0_norm: a single group (shape (B, 1))."""
    d_arr, w_arr = np.broadcast_arrays(np.atleast_1d(np.asarray(d, float)), np.atleast_1d(np.asarray(w0_norm, float)))
    B = d_arr.shape[0]
    return Spectrum(
        eig=np.ones((B, 1)),
        mult=d_arr.reshape(B, 1).copy(),
        c2=(w_arr**2).reshape(B, 1).copy(),
    )


def power_law(d: np.ndarray | int, beta: np.ndarray | float, r: np.ndarray | float, scale: np.ndarray | float = 1.0) -> Spectrum:
    """λ_k = k^{-β}, k = 1..d, with c_j = scale · j^{-δ/2}, δ = 1 + β(2r − 1).

    Rows with different d are padded to max(d) with multiplicity 0.
    """
    d_arr, b_arr, r_arr, s_arr = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, float)) for v in (d, beta, r, scale))
    )
    K = int(d_arr.max())
    k = np.arange(1, K + 1, dtype=float)
    logk = np.log(k)[None, :]
    eig = np.exp(-b_arr[:, None] * logk)
    delta = source_delta(b_arr, r_arr)[:, None]
    c2 = (s_arr[:, None] ** 2) * np.exp(-delta * logk)
    mult = (k[None, :] <= d_arr[:, None]).astype(float)
    c2 = c2 * mult
    eig = np.where(mult > 0, eig, 1.0)
    return Spectrum(eig=eig, mult=mult, c2=c2)


def df(t: np.ndarray, spec: Spectrum, m: int = 1) -> np.ndarray:
    """df_m(t) = tr Σ^m (Σ + t I)^{-m} (regression.md §4), vectorised over t of shape (P,)."""
    t = np.asarray(t, float).reshape(-1, 1)
    ratio = spec.eig / (spec.eig + t)
    return spec.tr(ratio**m)


def df12(t: np.ndarray, spec: Spectrum) -> tuple[np.ndarray, np.ndarray]:
    """(df_1(t), df_2(t)) in one pass."""
    t = np.asarray(t, float).reshape(-1, 1)
    ratio = spec.eig / (spec.eig + t)
    return spec.tr(ratio), spec.tr(ratio * ratio)


def _take(spec: Spectrum, idx: np.ndarray) -> Spectrum:
    if spec.eig.shape[0] == 1:
        return spec
    return Spectrum(spec.eig[idx], spec.mult[idx], spec.c2[idx])


def kappa(lam: np.ndarray | float, T: np.ndarray | float, spec: Spectrum, *, tol: float = 1e-13, max_iter: int = 200) -> np.ndarray:
    """Effective regularization κ(λ, T): the root of κ − λ = κ df_1(κ)/T (Eq. 9).

    Vectorised over the sweep (λ and T broadcast to shape (P,); the spectrum has B = 1 or
    B = P rows). Method: Newton on h(κ) = κ − λ − κ df_1(κ)/T, started at the upper
    bracket λ + tr Σ/T where h ≥ 0. h is convex and increasing beyond its largest root
    (h' = 1 − df_2/T), so the iterates decrease monotonically onto the root: no step
    can overshoot, and the method is robust at λ = 0 and near T = d.

    Special cases: λ = 0 with T ≥ d gives κ = 0 exactly; λ = 0 with T < d gives
    κ_0 > 0 with df_1(κ_0) = T.
    """
    lam = np.asarray(lam, float)
    T = np.asarray(T, float)
    P = max(lam.size, T.size, spec.eig.shape[0])
    lam = np.broadcast_to(lam.reshape(-1), (P,)) if lam.size in (1, P) else lam
    T = np.broadcast_to(T.reshape(-1), (P,)) if T.size in (1, P) else T
    d = np.broadcast_to(spec.d, (P,))
    trace = np.broadcast_to(spec.trace, (P,))
    out = np.zeros(P)
    if spec.eig.shape[1] == 1:
        # single group: closed form of the quadratic (isotropic Eqs. 10-11, scaled by the eigenvalue)
        e = np.broadcast_to(spec.eig[:, 0], (P,))
        phi = d / T
        # κ² + κ(e − λ − e φ) − λ e = 0  (from κ − λ = κ d e/((e + κ) T))
        bq = e - lam - e * phi
        out = 0.5 * (-bq + np.sqrt(bq * bq + 4.0 * lam * e))
        zero = (lam == 0) & (T >= d)
        out = np.where(zero, 0.0, out)
        return out
    todo = ~((lam == 0) & (T >= d))
    idx = np.nonzero(todo)[0]
    if idx.size == 0:
        return out
    lam_a, T_a = lam[idx], T[idx]
    sub = _take(spec, idx)
    k = lam_a + trace[idx] / T_a
    active = np.arange(idx.size)
    for _ in range(max_iter):
        s = _take(sub, active)
        kk = k[active]
        d1, d2 = df12(kk, s)
        h = kk - lam_a[active] - kk * d1 / T_a[active]
        hp = 1.0 - d2 / T_a[active]
        step = h / hp
        new = kk - step
        new = np.where(new < lam_a[active], lam_a[active], new)
        k[active] = new
        done = np.abs(step) <= tol * np.maximum(new, 1e-300)
        active = active[~done]
        if active.size == 0:
            break
    out[idx] = k
    return out


def kappa_isotropic(lam: np.ndarray | float, phi: np.ndarray | float) -> np.ndarray:
    """Isotropic closed form κ = ½(λ + φ̄ + sqrt((λ + φ̄)² + 4λ)), φ̄ = φ − 1 (Eqs. 10-11)."""
    lam = np.asarray(lam, float)
    pb = np.asarray(phi, float) - 1.0
    return 0.5 * (lam + pb + np.sqrt((lam + pb) ** 2 + 4.0 * lam))


def make_spectrum(spectrum: str | list[str] | np.ndarray, d, beta, r, w0_norm=1.0) -> Spectrum:
    """Build the spectrum of the canonical keys (regression.md "Spectrum and ground truth").

    ``isotropic``: Σ = I, ‖w0‖ = w0_norm. ``power``: λ_k = k^{-β}, c_j = j^{-δ/2}
    (w0_norm ignored). A list of spectrum names (a sweep over ``spectrum``) gives one row each.
    """
    if isinstance(spectrum, str):
        if spectrum == "isotropic":
            return isotropic(d, w0_norm)
        if spectrum == "power":
            return power_law(d, beta, r)
        raise ValueError(f"unknown spectrum {spectrum!r}")
    names = list(spectrum)
    P = len(names)
    d_a, b_a, r_a, w_a = (np.broadcast_to(np.atleast_1d(np.asarray(v, float)), (P,)) for v in (d, beta, r, w0_norm))
    rows = [make_spectrum(nm, d_a[i], b_a[i], r_a[i], w_a[i]) for i, nm in enumerate(names)]
    K = max(s.eig.shape[1] for s in rows)
    eig = np.ones((P, K))
    mult = np.zeros((P, K))
    c2 = np.zeros((P, K))
    for i, s in enumerate(rows):
        w = s.eig.shape[1]
        eig[i, :w], mult[i, :w], c2[i, :w] = s.eig[0], s.mult[0], s.c2[0]
    return Spectrum(eig, mult, c2)


def draw_ground_truth(rng: np.random.Generator, S: int, coords: np.ndarray, random_direction: bool,
                      norm: float) -> np.ndarray:
    """S ground-truth vectors, shape (S, d), for a batch of simulation seeds.

    ``random_direction``: each seed gets a uniformly random direction scaled to ``norm``
    (the isotropic convention of the specs: only the norm enters the theory). Otherwise
    every seed gets the fixed eigen-coordinates ``coords`` (the power-law source condition).
    """
    d = coords.shape[-1]
    if random_direction:
        v = rng.standard_normal((S, d))
        return v / np.linalg.norm(v, axis=1, keepdims=True) * norm
    return np.broadcast_to(coords, (S, d)).copy()


def dense(spec: Spectrum, row: int = 0, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expand one row to per-coordinate arrays (λ_j, c_j) for simulation.

    Groups of multiplicity > 1 (isotropic) get a uniformly random direction with the
    group's energy when ``rng`` is given, else equal coordinates.
    """
    r_ = min(row, spec.eig.shape[0] - 1)
    lam_list, c_list = [], []
    for e, m, c2 in zip(spec.eig[r_], spec.mult[r_], spec.c2[r_]):
        m = int(round(m))
        if m == 0:
            continue
        if m == 1:
            lam_list.append(np.array([e]))
            c_list.append(np.array([np.sqrt(c2)]))
            continue
        if rng is None:
            v = np.full(m, 1.0 / np.sqrt(m))
        else:
            v = rng.standard_normal(m)
            v /= np.linalg.norm(v)
        lam_list.append(np.full(m, e))
        c_list.append(np.sqrt(c2) * v)
    return np.concatenate(lam_list), np.concatenate(c_list)
