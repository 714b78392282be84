"""Theory of *Strong Model Collapse* (shared/theory/mixing.md).

Public API:
    curve(**params)                  canonical output columns kappa/theta, bias, variance, synth, total
    evaluate(...)                    the same numbers from broadcast arrays (no validation; used by curve)
    mixing_spectrum(...)             Σ and the unit-norm real ground truth of the canonical keys
    theta(...)                       the random-projections fixed point of §3.3 step 1 (vectorised)
    corollary1(...)                  the isotropic closed form, Eq. 11 (§2.3)
    large_T_floor(...)               the T -> infinity floor p2^2 tr ΔΣ^3(Σ+λ)^-2 (§2.4), -> p2^2 c^2 as λ -> 0
    crossover_T(...)                 n* where the clean error meets the floor (§2.4 isotropic, §2.5 power law)
    weighted_mixing(...)             the working replacement for weighted single-step mixing (§4.1) and α*
    equivalent_real_samples(...)     "what a synthetic sample is worth" (§10 item 5) [A]

Conventions (all from the spec): c² := tr ΣΔ with Δ = (c²/d) Σ^{-1} (§1.3), so that in
eigen-coordinates δ_j = c²/(d ℓ_j); the loss is normalized by 1/n (§1.2); the key ``T`` is the
paper's n. Every trace is written in terms of r_j = ℓ_j/(ℓ_j + t), which keeps the formulas
finite at t = 0 and for tiny eigenvalues:

    κ² Σ a_j ℓ_j/(ℓ_j+κ)²           = Σ a_j ℓ_j (1 - r_j)²
    θ Σ a_j ℓ_j²/(ℓ_j+θ)²            = Σ a_j ℓ_j r_j (1 - r_j)
    Σ δ_j ℓ_j³/(ℓ_j+t)²              = (c²/d) Σ r_j²
    θ Σ δ_j ℓ_j²/(ℓ_j+θ)²            = (c²/d) Σ r_j (1 - r_j)
    Σ δ_j ℓ_j (p1 ℓ_j + t)²/(ℓ_j+t)² = (c²/d) Σ (1 - p2 r_j)²

Everything is vectorised over the sweep: no Python loop over sweep points or eigenvalues.
A setting a formula does not cover is NaN (null in JSON), never ±inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import spectra
from engine.spectra import Spectrum
from engine.sweep import Call, resolve_call

OUTPUT_COLUMNS = ("bias", "variance", "synth", "total")

LAMBDA_FLOOR = 1e-8
"""λ used by the random-projections model when λ is below it (§3.3, "Canonical parameters") [A]."""


# --------------------------------------------------------------------------- spectrum
def mixing_spectrum(spectrum: Any, d: Any, beta: Any, r: Any) -> Spectrum:
    """Σ and the ground truth with unit scale ("Spectrum and ground truth" [A]).

    isotropic: ℓ_j = 1, a_j = 1/d (only the norm matters); power: ℓ_j = j^{-β},
    a_j = j^{-δ}, δ = 1 + β(2r − 1). Multiply every ``quad`` by ``w1_norm**2``.
    """
    return spectra.make_spectrum(spectrum, d, beta, r, 1.0)


def _ratio(t: np.ndarray, spec: Spectrum) -> np.ndarray:
    """r_j = ℓ_j/(ℓ_j + t), shape (P, K)."""
    t = np.asarray(t, float).reshape(-1, 1)
    return spec.eig / (spec.eig + t)


def _traces(t: np.ndarray, spec: Spectrum) -> dict[str, np.ndarray]:
    """The four spectral sums every formula needs, at the solved scalar t (κ or θ), shape (P,):
    df1 = Σ r, df2 = Σ r², q_bias = Σ a ℓ (1-r)², q_proj = Σ a ℓ r (1-r).

    With one shared spectrum the sums are computed once per distinct t (curves that differ only
    in p_synth, c², σ or ‖w1‖ share their κ)."""
    t = np.asarray(t, float)
    if spec.eig.shape[0] == 1:
        tu, inv = np.unique(t, return_inverse=True)
        inv = inv.reshape(-1)
    else:
        tu, inv = t, np.arange(t.size)
    r = _ratio(tu, spec)
    one_r = 1.0 - r
    out = {"df1": spec.tr(r), "df2": spec.tr(r * r), "q_bias": spec.quad(spec.eig * one_r**2),
           "q_proj": spec.quad(spec.eig * r * one_r)}
    return {k: v[inv] for k, v in out.items()}


def _broadcast(P: int, *arrays: Any) -> list[np.ndarray]:
    return [np.broadcast_to(np.asarray(a, float).reshape(-1), (P,)).astype(float) for a in arrays]


# --------------------------------------------------------------------------- θ fixed point
def theta(lam: Any, T: Any, m: Any, s2: Any, spec: Spectrum, *, tol: float = 1e-13, max_iter: int = 200) -> np.ndarray:
    """θ of the random-projections model (§3.3 step 1): the root θ > θ0 of

        f(θ) = θ (m − df_1(θ)) (1 − df_1(θ)/n) − λ/s²,

    with θ0 = 0 when min(m, n) ≥ rank Σ, else df_1(θ0) = min(m, n) (θ0 is the ridgeless κ of
    sample size min(m, n), from :func:`engine.spectra.kappa`). Vectorised over the sweep.

    Method: bracketed Newton. f < 0 on (0, θ0] and f is increasing beyond θ0; with
    df_1(θ) ≤ tr Σ/θ the bracket top θ_hi = max(2 tr Σ/n, (2λ/s² + tr Σ)/m) satisfies f ≥ 0.
    A Newton step leaving the bracket is replaced by bisection. f' uses
    df_1'(θ) = −(df_1 − df_2)/θ.

    λ must be > 0 (callers apply :data:`LAMBDA_FLOOR`); m must be > 0.
    """
    lam, T, m, s2 = (np.asarray(v, float).reshape(-1) for v in (lam, T, m, s2))
    P = max(lam.size, T.size, m.size, s2.size, spec.eig.shape[0])
    lam, T, m, s2 = _broadcast(P, lam, T, m, s2)
    L = lam / s2
    trace = np.broadcast_to(spec.trace, (P,))
    lo = spectra.kappa(np.zeros(P), np.minimum(m, T), spec)
    hi = np.maximum(2.0 * trace / T, (2.0 * L + trace) / m)
    hi = np.maximum(hi, lo * (1.0 + 1e-12) + 1e-300)
    x = hi.copy()
    active = np.arange(P)
    multi_row = spec.eig.shape[0] > 1
    for _ in range(max_iter):
        sub = Spectrum(spec.eig[active], spec.mult[active], spec.c2[active]) if multi_row else spec
        xa, Ta, ma = x[active], T[active], m[active]
        d1, d2 = spectra.df12(xa, sub)
        g1 = 1.0 - d1 / Ta
        g2 = ma - d1
        f = xa * g2 * g1 - L[active]
        fp = g2 * g1 + (d1 - d2) * (g1 + g2 / Ta)
        neg = f < 0
        lo[active] = np.where(neg, xa, lo[active])
        hi[active] = np.where(neg, hi[active], xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - f / fp
        la, ha = lo[active], hi[active]
        inside = np.isfinite(newton) & (newton >= la) & (newton <= ha)
        mid = np.where(la > 0, np.sqrt(la * ha), 0.5 * (la + ha))
        new = np.where(f == 0, xa, np.where(inside, newton, mid))
        x[active] = new
        done = (np.abs(new - xa) <= tol * new) | ((ha - la) <= tol * ha) | (f == 0)
        active = active[~done]
        if active.size == 0:
            break
    return x


# --------------------------------------------------------------------------- Theorem 1 / §3.3
def evaluate(
    *,
    spec: Spectrum,
    T: Any,
    p_synth: Any,
    c2: Any,
    lam: Any,
    sigma: Any,
    sigma_synth: Any,
    w1_norm: Any,
    m: Any,
    s2: Any,
) -> dict[str, np.ndarray]:
    """Bias, variance, ζ and total for broadcast arrays (no validation).

    ``m`` = 0 rows use Theorem 1 (§2.2) with κ from :func:`engine.spectra.kappa`; ``m`` > 0 rows use
    the deterministic equivalent of §3.3 with θ from :func:`theta` and λ floored at
    :data:`LAMBDA_FLOOR`. ``s2`` is the projection entry variance (ignored where m = 0).

    Returns a dict with keys ``kappa`` (NaN where m > 0), ``theta`` (NaN where m = 0), ``u``,
    ``omega``, ``bias``, ``variance``, ``synth``, ``total``; every array has shape (P,).
    """
    T, p2, c2, lam, s1, s2n, w1, m, s2 = (np.asarray(v, float).reshape(-1) for v in
                                          (T, p_synth, c2, lam, sigma, sigma_synth, w1_norm, m, s2))
    P = max(a.size for a in (T, p2, c2, lam, s1, s2n, w1, m, s2))
    P = max(P, spec.eig.shape[0])
    T, p2, c2, lam, s1, s2n, w1, m, s2 = _broadcast(P, T, p2, c2, lam, s1, s2n, w1, m, s2)
    d = np.broadcast_to(spec.d, (P,)).astype(float)
    p1 = 1.0 - p2
    noise2 = p1 * s1**2 + p2 * s2n**2  # σ² = p1 σ1² + p2 σ2² (§2.2 step 2)

    proj = m > 0
    t = np.zeros(P)
    kap = np.full(P, np.nan)
    th = np.full(P, np.nan)
    shared = spec.eig.shape[0] == 1  # one spectrum for all points: solve and trace unique values only
    if np.any(~proj):
        sel = np.nonzero(~proj)[0]
        if shared:
            key, inv = np.unique(np.stack([lam[sel], T[sel]]), axis=1, return_inverse=True)
            k = spectra.kappa(key[0], key[1], spec)[inv.reshape(-1)]
        else:
            k = spectra.kappa(lam, T, spec)[sel]
        kap[sel] = k
        t[sel] = k
    if np.any(proj):
        sel = np.nonzero(proj)[0]
        lam_p = np.maximum(lam[sel], LAMBDA_FLOOR)
        if shared:
            key, inv = np.unique(np.stack([lam_p, T[sel], m[sel], s2[sel]]), axis=1, return_inverse=True)
            th_sel = theta(key[0], key[1], key[2], key[3], spec)[inv.reshape(-1)]
        else:
            th_all = theta(np.maximum(lam, LAMBDA_FLOOR), T, np.where(proj, m, 1.0), s2, spec)
            th_sel = th_all[sel]
        th[sel] = th_sel
        t[sel] = th_sel

    tr = _traces(t, spec)
    df1, df2 = tr["df1"], tr["df2"]
    with np.errstate(divide="ignore", invalid="ignore"):
        # §3.3 step 2 (ω = 0, DF2 = df2 for the classical model)
        m_minus = np.where(proj, m - df2, 1.0)
        omega = np.where(proj, (df1 - df2) / m_minus, 0.0)
        omega = np.where(proj & (m_minus <= 0), np.nan, omega)
        DF2 = df2 + omega * (df1 - df2)
        gap = T - DF2
        u = np.where(gap > 0, DF2 / gap, np.inf)
        # bias: (1 + u) E_pop (§2.2 step 3, §3.3 step 3)
        e_pop = w1**2 * (tr["q_bias"] + omega * tr["q_proj"])
        bias = (1.0 + u) * e_pop
        variance = noise2 * u
        # ζ (Eq. 9-10, §3.3 step 5); Σ (1 - p2 r_j)² = d - 2 p2 df1 + p2² df2
        scale = c2 / d
        t3 = df2
        t2 = df1 - df2
        cross = d - 2.0 * p2 * df1 + p2**2 * df2
        synth = scale * (p2**2 * (1.0 + p1 * u) * (t3 + omega * t2) + p2 * u * (cross + omega * p2**2 * t2))
        # u = ∞ (interpolation threshold) multiplies zero terms when p2 = 0 or c² = 0: still undefined
        synth = np.where(np.isfinite(u), synth, np.nan)
        bias = np.where(np.isfinite(u), bias, np.nan)
        variance = np.where(np.isfinite(u), variance, np.nan)
        total = bias + variance + synth
    return {"kappa": kap, "theta": th, "u": u, "omega": omega,
            "bias": bias, "variance": variance, "synth": synth, "total": total}


def projection_variance(proj_var: Any, d: Any, m: Any) -> np.ndarray:
    """s² from the enum ``proj_var`` ('1/d' or '1/m') per point [?] (§1.4, §9 item 2)."""
    d = np.asarray(d, float)
    m = np.asarray(m, float)
    names = np.asarray(proj_var, dtype=object).reshape(-1)
    P = max(names.size, d.size, m.size)
    names = np.broadcast_to(names, (P,))
    d, m = _broadcast(P, d, m)
    bad = ~np.isin(names, ["1/d", "1/m"])
    if np.any(bad):
        raise ValueError(f"unknown proj_var {names[bad][0]!r}")
    return np.where(names == "1/m", 1.0 / np.maximum(m, 1.0), 1.0 / d)


def _evaluate_call(call: Call) -> dict[str, np.ndarray]:
    # the spectrum keys as scalars unless swept: one shared spectrum row (B = 1) for every point
    spec_args = [call.values(k) if k == call.sweep and k == "spectrum" else
                 (call.array(k) if k == call.sweep else call.params[k]) for k in ("spectrum", "d", "beta", "r")]
    spec = mixing_spectrum(*spec_args)
    m = call.array("m")
    s2 = projection_variance(call.values("proj_var"), call.array("d"), m)
    return evaluate(spec=spec, T=call.array("T"), p_synth=call.array("p_synth"), c2=call.array("c2"),
                    lam=call.array("lam"), sigma=call.array("sigma"), sigma_synth=call.array("sigma_synth"),
                    w1_norm=call.array("w1_norm"), m=m, s2=s2)


def curve(**kwargs: Any) -> pd.DataFrame:
    """Expected test error of ridge on a real/synthetic mix (Theorem 1 §2.2; §3.3 for m > 0).

    Keyword arguments are the canonical keys of the ``mixing`` model; at most one may be a
    list/array (the sweep). Columns: the sweep key (if any), then ``kappa`` (m = 0) and/or
    ``theta`` (m > 0), then ``bias``, ``variance``, ``synth``, ``total``. Both scalar columns
    appear only in a sweep over ``m`` that mixes 0 and positive values (the inapplicable one is
    NaN). λ = 0 with m = 0 and T = d, and any other interpolation threshold, gives NaN.

    Raises:
        ParamError: unknown key, out-of-domain value, m = T with lam = 0.
    """
    call = resolve_call("mixing", kwargs)
    out = _evaluate_call(call)
    m = call.array("m")
    cols: dict[str, np.ndarray] = {}
    if np.any(m == 0):
        cols["kappa"] = out["kappa"]
    if np.any(m > 0):
        cols["theta"] = out["theta"]
    for name in OUTPUT_COLUMNS:
        cols[name] = out[name]
    return call.frame(cols)


# --------------------------------------------------------------------------- closed forms and readouts
def corollary1(T: Any, d: Any, p_synth: Any, c2: Any, sigma2: Any) -> np.ndarray:
    """Eq. 11 (§2.3): σ² φ/(1−φ) + (p2² + p2 p1 φ/(1−φ)) c², φ = d/n < 1; NaN for φ ≥ 1."""
    T, d, p2, c2, sigma2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (T, d, p_synth, c2, sigma2)))
    phi = d / T
    with np.errstate(divide="ignore", invalid="ignore"):
        g = phi / (1.0 - phi)
        out = sigma2 * g + (p2**2 + p2 * (1.0 - p2) * g) * c2
    return np.where(phi < 1.0, out, np.nan)


def large_T_floor(p_synth: Any, c2: Any, lam: Any, spec: Spectrum) -> np.ndarray:
    """T → ∞ limit of ζ at fixed λ (§2.4): p2² tr ΔΣ³(Σ+λ)^{-2} = p2² (c²/d) Σ r_j(λ)².

    Equals p2² c² at λ = 0. Shape (P,) broadcast over p_synth, c2, lam and the spectrum rows.
    """
    p2, c2, lam = (np.asarray(v, float).reshape(-1) for v in (p_synth, c2, lam))
    P = max(p2.size, c2.size, lam.size, spec.eig.shape[0])
    p2, c2, lam = _broadcast(P, p2, c2, lam)
    r = _ratio(lam, spec)
    d = np.broadcast_to(spec.d, (P,))
    return p2**2 * c2 / d * spec.tr(r * r)


def large_T_clean_floor(lam: Any, w1_norm: Any, spec: Spectrum) -> np.ndarray:
    """T → ∞ limit of the clean error at fixed λ (§2.4): λ² w1ᵀΣ(Σ+λ)^{-2} w1."""
    lam, w1 = (np.asarray(v, float).reshape(-1) for v in (lam, w1_norm))
    P = max(lam.size, w1.size, spec.eig.shape[0])
    lam, w1 = _broadcast(P, lam, w1)
    r = _ratio(lam, spec)
    return w1**2 * spec.quad(spec.eig * (1.0 - r) ** 2)


def crossover_isotropic(d: Any, p_synth: Any, c2: Any, sigma2: Any) -> np.ndarray:
    """n* = σ² d/(p2² c²) (§2.4): where the clean error σ² d/n meets the floor; NaN if the floor is 0."""
    d, p2, c2, sigma2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (d, p_synth, c2, sigma2)))
    floor = p2**2 * c2
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sigma2 * d / floor
    return np.where(floor > 0, out, np.nan)


def crossover_T(T_grid: np.ndarray, clean_total: np.ndarray, floor: Any) -> np.ndarray:
    """n* ≈ (A/floor)^{1/γ} of §2.5 [D]: the first T of a (log-spaced) grid where the clean curve
    falls below the floor, refined by a local power law A T^{-γ} through the two bracketing grid
    points (log-log linear interpolation). NaN where the clean curve never reaches the floor.

    Args:
        T_grid: (N,) increasing sample sizes. clean_total: (N,) clean error on that grid.
        floor: scalar or (F,) floors; returns shape (F,).
    """
    T_grid = np.asarray(T_grid, float)
    E = np.asarray(clean_total, float)
    floor = np.atleast_1d(np.asarray(floor, float))
    ok = np.isfinite(E) & (E > 0)
    Tg, Eg = T_grid[ok], E[ok]
    out = np.full(floor.shape, np.nan)
    if Tg.size < 2:
        return out
    below = Eg[None, :] <= floor[:, None]
    # first index after which the curve stays below the floor (skips a double-descent dip)
    stays = np.flip(np.cumprod(np.flip(below, axis=1), axis=1), axis=1).astype(bool)
    has = stays.any(axis=1) & (floor > 0)
    first = np.argmax(stays, axis=1)
    i1 = np.clip(first, 1, Tg.size - 1)
    i0 = i1 - 1
    lx0, lx1 = np.log(Tg[i0]), np.log(Tg[i1])
    ly0, ly1 = np.log(Eg[i0]), np.log(Eg[i1])
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (np.log(np.where(floor > 0, floor, 1.0)) - ly0) / (ly1 - ly0)
        est = np.exp(lx0 + np.clip(frac, 0.0, 1.0) * (lx1 - lx0))
    est = np.where(first == 0, np.nan, est)  # already below at the grid start: not resolved
    return np.where(has, est, np.nan)


def weighted_mixing(alpha: Any, p_synth: Any, c2: Any, sigma: Any, sigma_synth: Any, d: Any, T: Any) -> np.ndarray:
    """Working replacement for weighted single-step mixing (§4.1) [D]: Σ = I, λ → 0, small φ = d/n,

    E ≈ α² c² + φ [ (1−α)² σ1²/p1 + α² σ2²/p2 + c² α² ((1−α)²/(p1 p2) + 2(1−α)((1−α)/p1 − α/p2)) ].

    Needs 0 < p2 < 1 (NaN otherwise). At α = p2 it reduces to Corollary 1 to first order in φ.
    """
    a, p2, c2, s1, s2, d, T = np.broadcast_arrays(*(np.asarray(v, float) for v in
                                                     (alpha, p_synth, c2, sigma, sigma_synth, d, T)))
    p1 = 1.0 - p2
    phi = d / T
    ok = (p2 > 0) & (p2 < 1)
    p1s = np.where(ok, p1, 1.0)
    p2s = np.where(ok, p2, 1.0)
    b = 1.0 - a
    bracket = (b**2 * s1**2 / p1s + a**2 * s2**2 / p2s
               + c2 * a**2 * (b**2 / (p1s * p2s) + 2.0 * b * (b / p1s - a / p2s)))
    return np.where(ok, a**2 * c2 + phi * bracket, np.nan)


def weighted_alpha_star(p_synth: Any, c2: Any, sigma: Any, d: Any, T: Any) -> np.ndarray:
    """α* ≈ φ σ1²/(p1 c²), clipped to [0, 1] (§4.1 working replacement) [D]; NaN when c² = 0."""
    p2, c2, s1, d, T = np.broadcast_arrays(*(np.asarray(v, float) for v in (p_synth, c2, sigma, d, T)))
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (d / T) * s1**2 / (p1 * c2)
    return np.where((c2 > 0) & (p1 > 0), np.clip(a, 0.0, 1.0), np.nan)


def equivalent_real_samples(E_mix: float, T_grid: np.ndarray, clean_total: np.ndarray) -> float:
    """Smallest real-only sample size whose clean error (same λ, same model) is ≤ E_mix [A].

    The clean curve is given on an increasing grid; the crossing is refined by log-log
    interpolation between the bracketing grid points. NaN when the clean curve never gets that
    low on the grid; the grid start when it is already lower there.
    """
    T_grid = np.asarray(T_grid, float)
    E = np.asarray(clean_total, float)
    if not np.isfinite(E_mix):
        return float("nan")
    ok = np.isfinite(E) & (E <= E_mix)
    if not ok.any():
        return float("nan")
    i = int(np.argmax(ok))
    if i == 0:
        return float(T_grid[0])
    j = i - 1
    if not np.isfinite(E[j]) or E[j] <= 0 or E[i] <= 0 or E_mix <= 0:
        return float(T_grid[i])
    frac = (np.log(E_mix) - np.log(E[j])) / (np.log(E[i]) - np.log(E[j]))
    return float(np.exp(np.log(T_grid[j]) + np.clip(frac, 0.0, 1.0) * (np.log(T_grid[i]) - np.log(T_grid[j]))))


# =========================================================================== page views (§10)
# Everything the Mixing page draws, computed headlessly: one vectorised ``evaluate`` call per chart
# (all curves of a chart stacked into one sweep). The page only renders these; bench/ times them.
SCALING_FRACTIONS = (0.0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""p_synth values of the scaling-in-T chart (§10 item 1)."""
WIDTH_VARY = {"p_synth": (0.0, 0.01, 0.1, 0.5), "c2": (0.0, 0.1, 0.5, 1.0)}
"""Comparison curves of the error-vs-width chart (§10 item 2)."""
PARETO_QUALITIES = (0.0, 0.1, 0.5, 1.0)
"""c² levels of the Pareto view (Fig. 1 markers; the marker-to-value mapping is [?])."""


def int_log_grid(lo: float, hi: float, num: int) -> np.ndarray:
    """Integer grid, log-spaced from lo to hi (unique values, at least 1)."""
    lo = max(float(lo), 1.0)
    hi = max(float(hi), lo)
    return np.unique(np.round(np.logspace(np.log10(lo), np.log10(hi), num)).astype(np.int64))


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """Validate the page's scalar parameters (raises ParamError with a clear message)."""
    from engine.params import get_model

    return get_model("mixing").resolve(params)


def _grid_eval(p: dict[str, Any], **arrays: Any) -> dict[str, np.ndarray]:
    """``evaluate`` at the scalar parameters ``p`` with some keys replaced by equal-length arrays."""
    spec = mixing_spectrum(p["spectrum"], p["d"], p["beta"], p["r"])
    vals = {k: np.asarray(arrays.get(k, p[k]), float) for k in
            ("T", "p_synth", "c2", "lam", "sigma", "sigma_synth", "w1_norm", "m")}
    s2 = projection_variance(p["proj_var"], p["d"], vals["m"])
    return evaluate(spec=spec, s2=s2, **vals)


def scaling_T_grid(p: dict[str, Any], num: int = 91) -> np.ndarray:
    """T grid of the scaling chart: 10 .. max(1e9, 3 T), plus the current T and T = d (where the
    ridgeless classical model has its interpolation peak: a gap when λ = 0)."""
    grid = int_log_grid(10, max(1e9, 3 * p["T"]), num)
    return np.unique(np.concatenate([grid, np.array([int(p["T"]), int(p["d"])], np.int64)]))


def scaling_view(p: dict[str, Any], fractions: tuple[float, ...] = SCALING_FRACTIONS) -> dict[str, pd.DataFrame]:
    """Chart 1 (§10 item 1): classical-model error against T for several p_synth (Theorem 1),
    with each curve's floor (§2.4) and crossover n* (§2.4 isotropic; §2.5 power law [D]).

    Returns ``curves`` (p_synth, T, kappa, bias, variance, synth, total) and ``marks`` (p_synth,
    sigma2, floor (= p2² c², λ → 0), floor_lam (fixed λ), clean_floor_lam, crossover_T, crossover_error).
    """
    fr = np.array(sorted(set(fractions) | {float(p["p_synth"])}), float)
    Ts = scaling_T_grid(p).astype(float)
    F, N = fr.size, Ts.size
    out = _grid_eval(p, T=np.tile(Ts, F), p_synth=np.repeat(fr, N), m=np.zeros(F * N))
    curves = pd.DataFrame({"p_synth": np.repeat(fr, N), "T": np.tile(Ts, F).astype(np.int64), "kappa": out["kappa"],
                           "bias": out["bias"], "variance": out["variance"], "synth": out["synth"], "total": out["total"]})
    for col in ("bias", "variance", "synth", "total"):
        curves[col] = curves[col].where(np.isfinite(curves[col]))
    spec = mixing_spectrum(p["spectrum"], p["d"], p["beta"], p["r"])
    sigma2 = (1 - fr) * p["sigma"] ** 2 + fr * p["sigma_synth"] ** 2
    floor0 = fr**2 * p["c2"]
    floor_lam = large_T_floor(fr, p["c2"], p["lam"], spec)
    clean_floor = float(large_T_clean_floor(p["lam"], p["w1_norm"], spec)[0])
    if p["spectrum"] == "isotropic":
        cross = crossover_isotropic(p["d"], fr, p["c2"], sigma2)
    else:
        clean = curves.loc[curves["p_synth"] == 0.0, "total"].to_numpy()
        cross = crossover_T(Ts, clean, floor_lam)
    total = out["total"].reshape(F, N)
    with np.errstate(invalid="ignore"):
        cross_err = np.array([np.exp(np.interp(np.log(c), np.log(Ts), np.log(np.where(total[i] > 0, total[i], np.nan))))
                              if np.isfinite(c) and Ts[0] <= c <= Ts[-1] else np.nan for i, c in enumerate(cross)])
    marks = pd.DataFrame({"p_synth": fr, "sigma2": sigma2, "floor": floor0, "floor_lam": floor_lam,
                          "clean_floor_lam": clean_floor, "crossover_T": cross, "crossover_error": cross_err})
    return {"curves": curves, "marks": marks}


def width_m_grid(p: dict[str, Any], num: int = 71) -> np.ndarray:
    """m grid of the width chart: 1 .. max(100 T, 10 d) with extra points around m = T
    (m = T itself only when λ > 0) and the current m."""
    T = int(p["T"])
    base = int_log_grid(1, min(max(100 * T, 10 * p["d"]), 10**7), num)
    near = np.round(T * np.array([0.8, 0.9, 0.95, 0.98, 1.02, 1.05, 1.1, 1.25])).astype(np.int64)
    extra = [T] if p["lam"] > 0 else []
    if p["m"] > 0:
        extra.append(int(p["m"]))
    grid = np.unique(np.concatenate([base, near, np.array(extra, np.int64)]))
    grid = grid[grid >= 1]
    if p["lam"] == 0:
        grid = grid[grid != T]
    return grid


def width_view(p: dict[str, Any], vary: str = "p_synth") -> dict[str, Any]:
    """Chart 2 (§10 item 2): random-projections error against the width m (§3.3), the current
    parameters with the bias / variance / ζ split plus comparison curves over ``vary``
    (p_synth or c2); the classical m → ∞ asymptote (ridgeless for s² = 1/d, ridge λ for s² = 1/m).
    """
    if vary not in WIDTH_VARY:
        raise ValueError(f"vary must be one of {', '.join(WIDTH_VARY)}")
    ms = width_m_grid(p).astype(float)
    values = [float(p[vary])] + [v for v in WIDTH_VARY[vary] if v != float(p[vary])]
    V, N = len(values), ms.size
    arr = {vary: np.repeat(values, N), "m": np.tile(ms, V)}
    out = _grid_eval(p, **arr)
    curves = pd.DataFrame({
        "curve": np.repeat(["current"] + ["compare"] * (V - 1), N),
        "p_synth": out_col(p, arr, "p_synth"), "c2": out_col(p, arr, "c2"),
        "m": np.tile(ms, V).astype(np.int64), "psi": np.tile(ms, V) / p["T"], "theta": out["theta"],
        "bias": out["bias"], "variance": out["variance"], "synth": out["synth"], "total": out["total"],
    })
    for col in ("bias", "variance", "synth", "total"):
        curves[col] = curves[col].where(np.isfinite(curves[col]))
    lam_inf = 0.0 if p["proj_var"] == "1/d" else p["lam"]
    asym = _grid_eval(p, **{vary: np.array(values), "m": np.zeros(V), "lam": np.full(V, lam_inf)})
    asymptote = pd.DataFrame({vary: values, "lam": lam_inf, "bias": asym["bias"], "variance": asym["variance"],
                              "synth": asym["synth"], "total": asym["total"]})
    return {"curves": curves, "asymptote": asymptote, "vary": vary, "threshold": int(p["T"]),
            "peak_expected": bool(p["d"] > p["T"])}


def out_col(p: dict[str, Any], arrays: dict[str, np.ndarray], key: str) -> np.ndarray:
    """The value of ``key`` per row of a stacked grid (the array if swept, else the scalar)."""
    n = len(next(iter(arrays.values())))
    return np.asarray(arrays[key], float) if key in arrays else np.full(n, float(p[key]))


def pareto_m_grid(p: dict[str, Any], num: int = 25) -> np.ndarray:
    """m grid of the Pareto view: ψ = m/T from 1/20 to 20 (through the threshold ψ = 1)."""
    T = int(p["T"])
    grid = int_log_grid(max(1, T / 20), 20 * T, num)
    if p["lam"] == 0:
        grid = grid[grid != T]
    return grid


def pareto_view(p: dict[str, Any], qualities: tuple[float, ...] = PARETO_QUALITIES) -> pd.DataFrame:
    """Chart 3 (§10 item 3, Fig. 1): per width m, x = error with real data only (p_synth = 0),
    y = error with the mix at the same total T, for each c² level; ψ = m/T colours the points."""
    ms = pareto_m_grid(p).astype(float)
    qs = list(dict.fromkeys([float(q) for q in qualities] + [float(p["c2"])]))
    Q, N = len(qs), ms.size
    mix = _grid_eval(p, c2=np.repeat(qs, N), m=np.tile(ms, Q))
    real = _grid_eval(p, p_synth=np.zeros(N), m=ms)
    x = np.tile(real["total"], Q)
    df = pd.DataFrame({"c2": np.repeat(qs, N), "m": np.tile(ms, Q).astype(np.int64), "psi": np.tile(ms, Q) / p["T"],
                       "error_real_only": x, "error_mix": mix["total"], "synth": mix["synth"]})
    df["current_c2"] = df["c2"] == float(p["c2"])
    for col in ("error_real_only", "error_mix", "synth"):
        df[col] = df[col].where(np.isfinite(df[col]))
    return df


def equivalent_T_grid(p: dict[str, Any], num: int = 241) -> np.ndarray:
    return int_log_grid(1, max(1e9, 10 * p["T"]), num)


def readouts(p: dict[str, Any], scaling_marks: pd.DataFrame | None = None) -> dict[str, float]:
    """§10 item 5: floor, n*, σ², E_mix/E_clean, and "what the synthetic samples are worth".

    Baselines (§8 step 5): real data only at the same total T, and real data only at n1 = p1 T
    (the synthetic samples dropped). ``equivalent_T`` is the smallest real-only sample size whose
    error (same λ, same m) is at most E_mix [A]; ``worth_per_synthetic`` = (equivalent_T - n1)/n2.
    """
    T = int(p["T"])
    p2 = float(p["p_synth"])
    n1 = int(round((1 - p2) * T))
    n2 = T - n1
    cur = _grid_eval(p)
    clean = _grid_eval(p, p_synth=np.zeros(1))
    e_mix, e_clean = float(cur["total"][0]), float(clean["total"][0])
    if n1 >= 1 and not (p["m"] > 0 and p["m"] == n1 and p["lam"] == 0):
        e_n1 = float(_grid_eval(p, p_synth=np.zeros(1), T=np.array([float(n1)]))["total"][0])
    else:
        e_n1 = float("nan")
    grid = equivalent_T_grid(p).astype(float)
    if p["m"] > 0 and p["lam"] == 0:
        grid = grid[grid != p["m"]]
    clean_grid = _grid_eval(p, p_synth=np.zeros(grid.size), T=grid)["total"]
    n_eq = equivalent_real_samples(e_mix, grid, clean_grid)
    spec = mixing_spectrum(p["spectrum"], p["d"], p["beta"], p["r"])
    sigma2 = (1 - p2) * p["sigma"] ** 2 + p2 * p["sigma_synth"] ** 2
    if scaling_marks is not None and (scaling_marks["p_synth"] == p2).any():
        n_star = float(scaling_marks.loc[scaling_marks["p_synth"] == p2, "crossover_T"].iloc[0])
    elif p["spectrum"] == "isotropic":
        n_star = float(crossover_isotropic(p["d"], p2, p["c2"], sigma2))
    else:
        n_star = float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = e_mix / e_clean if e_clean > 0 else float("nan")
        worth = (n_eq - n1) / n2 if n2 > 0 and np.isfinite(n_eq) else float("nan")
    return {
        "floor": p2**2 * p["c2"],
        "floor_lam": float(large_T_floor(p2, p["c2"], p["lam"], spec)[0]),
        "n_star": n_star,
        "sigma2": sigma2,
        "error_mix": e_mix,
        "error_real_same_T": e_clean,
        "error_real_n1": e_n1,
        "ratio_mix_clean": float(ratio),
        "n1": float(n1),
        "n2": float(n2),
        "equivalent_T": n_eq,
        "worth_per_synthetic": float(worth),
    }


def weighted_view(p: dict[str, Any], num: int = 101) -> dict[str, Any]:
    """§10 item 4: the weighted-mixing working replacement (§4.1, [D]) against α, with its minimizer
    α* (grid argmin of the formula; ``alpha_star_approx`` is the small-φ formula φσ1²/(p1c²)) and
    the floor α² c². Isotropic, λ → 0, small φ = d/T: the page says so."""
    alphas = np.linspace(0.0, 1.0, num)
    args = (p["p_synth"], p["c2"], p["sigma"], p["sigma_synth"], p["d"], p["T"])
    E = weighted_mixing(alphas, *args)
    fine = np.linspace(0.0, 1.0, 10_001)
    E_fine = weighted_mixing(fine, *args)
    if np.isfinite(E_fine).any():
        i = int(np.nanargmin(E_fine))
        a_star, e_star = float(fine[i]), float(E_fine[i])
    else:
        a_star = e_star = float("nan")
    approx = float(weighted_alpha_star(p["p_synth"], p["c2"], p["sigma"], p["d"], p["T"]))
    df = pd.DataFrame({"alpha": alphas, "error": E, "floor": alphas**2 * p["c2"]})
    return {"curve": df, "alpha_star": a_star, "error_star": e_star, "alpha_star_approx": approx,
            "phi": p["d"] / p["T"]}


def theory_view(params: dict[str, Any], vary: str = "p_synth") -> dict[str, Any]:
    """All theory data of the Mixing page for the canonical ``params`` (validated here)."""
    p = resolve_params(params)
    scaling = scaling_view(p)
    return {
        "params": p,
        "scaling": scaling,
        "width": width_view(p, vary),
        "pareto": pareto_view(p),
        "readouts": readouts(p, scaling["marks"]),
        "weighted": weighted_view(p),
    }
