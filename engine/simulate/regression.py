"""Monte Carlo twin of engine.theory.regression (shared/theory/regression.md §9).

For each sweep point and each seed: build the generator chain, fit the downstream ridge
model, and evaluate the exact test error ‖ŵ − w0‖_Σ² (no test set). Seeds are batched
(stacked matrices); the loop is over sweep points and generations only.

Paths:
- *Wishart fast path* (exact, §9 step 6) for a stage with ≥ d samples: X enters only through
  W = XᵀX ~ Wishart_d(T, Σ) and XᵀE ~ N(0, s²W), so the cost is O(d³) whatever T is.
  W is drawn with the Bartlett decomposition W = (LA)(LA)ᵀ, L = Σ^{1/2}, and then
  XᵀE = s·(LA)z exactly.
- *Generic path* for a stage with fewer samples than d: explicit Gaussian X, minimum-norm
  generators X⁺ = Xᵀ(XXᵀ)⁻¹, and the dual form of ridge downstream.

Estimators of the split columns follow Theorem F.1 (§9 "Estimators"): bias = ‖Σ̂Rw0 − w0‖_Σ²,
variance = σ² tr(ΣR²Σ̂)/T, total = ‖ŵ − w0‖_Σ², collapse = total − bias − variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import spectra
from engine.sweep import resolve_call, stats_columns
from engine.theory.regression import effective_lambda

COLUMNS = ("total", "bias", "variance", "collapse")
_MAX_FLOATS = 40_000_000  # chunk seeds so one stacked design stays below ~320 MB


def _bartlett(rng: np.random.Generator, S: int, d: int, dof: int, sqrt_eig: np.ndarray) -> np.ndarray:
    """S lower-triangular factors F = L·A with W = F Fᵀ ~ Wishart_d(dof, Σ), Σ = diag(sqrt_eig²)."""
    A = np.tril(rng.standard_normal((S, d, d)), k=-1)
    chi = np.sqrt(rng.chisquare(dof - np.arange(d), size=(S, d)))
    idx = np.arange(d)
    A[:, idx, idx] = chi
    return sqrt_eig[None, :, None] * A


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.solve(A, b[..., None])[..., 0]


def _generator_step(rng, w: np.ndarray, T0: int, sigma0: float, sqrt_eig: np.ndarray, fixed: dict | None) -> np.ndarray:
    """One generation ŵ_{m+1} = X⁺(Xŵ_m + σ0 ε) for S seeds at once (w: (S, d)).

    ``fixed`` holds the reused design in the dependent case ({"F": ...} or {"X": ...}).
    """
    S, d = w.shape
    if T0 >= d:
        F = fixed["F"] if fixed is not None else _bartlett(rng, S, d, T0, sqrt_eig)
        # XᵀE = σ0 F z; OLS: ŵ + W⁻¹XᵀE = ŵ + F⁻ᵀ(σ0 z) since W = F Fᵀ
        z = rng.standard_normal((S, d))
        # solve Fᵀ u = σ0 z (F lower-triangular => Fᵀ upper)
        u = np.linalg.solve(np.swapaxes(F, 1, 2), (sigma0 * z)[..., None])[..., 0]
        return w + u
    X = fixed["X"] if fixed is not None else rng.standard_normal((S, T0, d)) * sqrt_eig
    y = np.einsum("std,sd->st", X, w) + sigma0 * rng.standard_normal((S, T0))
    G = X @ np.swapaxes(X, 1, 2)
    return np.einsum("std,st->sd", X, _solve(G, y))


def simulate_point(rng: np.random.Generator, *, d: int, T: int, T0: int, n: int, lam: float, sigma: float,
                   sigma0: float, spectrum: str, beta: float, r: float, design: str, w0_norm: float,
                   seeds: int) -> dict[str, np.ndarray]:
    """Per-seed samples (arrays of length ``seeds``) of total, bias, variance, collapse at one point."""
    spec = spectra.make_spectrum(spectrum, d, beta, r, w0_norm)
    eig, c = spectra.dense(spec)
    sqrt_eig = np.sqrt(eig)
    per_seed = max(T0 * d if T0 < d else d * d, T * d if T < d else d * d, 1)
    chunk = max(1, min(seeds, _MAX_FLOATS // per_seed))
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("total", "bias", "variance")}
    done = 0
    while done < seeds:
        S = min(chunk, seeds - done)
        w0 = spectra.draw_ground_truth(rng, S, c, spectrum == "isotropic", w0_norm)
        w = w0.copy()
        fixed = None
        if design == "dependent" and n >= 1:
            fixed = {"F": _bartlett(rng, S, d, T0, sqrt_eig)} if T0 >= d else {"X": rng.standard_normal((S, T0, d)) * sqrt_eig}
        for _ in range(n):
            w = _generator_step(rng, w, T0, sigma0, sqrt_eig, fixed)
        res = _downstream(rng, w, w0, T, lam, sigma, eig)
        for k in out:
            out[k].append(res[k])
        done += S
    samples = {k: np.concatenate(v) for k, v in out.items()}
    samples["collapse"] = samples["total"] - samples["bias"] - samples["variance"]
    return samples


def _downstream(rng: np.random.Generator, w_n: np.ndarray, w0: np.ndarray, T: int, lam: float, sigma: float,
                eig: np.ndarray) -> dict[str, np.ndarray]:
    """Fit the downstream ridge model for S seeds (w_n, w0: (S, d)); per-seed total, bias, variance.

    T ≥ d: Wishart fast path, R = (W/T + λI)⁻¹. T < d: dual form ŵ = Xᵀ(XXᵀ + λT)⁻¹y (the
    minimum-norm interpolator at λ = 0), RXᵀ/T = Xᵀ(XXᵀ + λT)⁻¹, so
    tr(ΣR²Σ̂)/T = ‖Σ^{1/2}XᵀK⁻¹‖_F² with K = XXᵀ + λT.
    """
    S, d = w_n.shape
    sqrt_eig = np.sqrt(eig)
    if T >= d:
        F = _bartlett(rng, S, d, T, sqrt_eig)
        W = F @ np.swapaxes(F, 1, 2)
        g = sigma * np.einsum("sij,sj->si", F, rng.standard_normal((S, d)))
        A = W / T + lam * np.eye(d)
        Ainv = np.linalg.inv(A)
        w_hat = np.einsum("sij,sj->si", Ainv, (np.einsum("sij,sj->si", W, w_n) + g) / T)
        sh_r_w0 = np.einsum("sij,sj->si", W / T, np.einsum("sij,sj->si", Ainv, w0))
        M = Ainv @ (W / T) @ Ainv
        var = sigma**2 * np.einsum("i,sii->s", eig, M) / T
    else:
        X = rng.standard_normal((S, T, d)) * sqrt_eig
        y = np.einsum("std,sd->st", X, w_n) + sigma * rng.standard_normal((S, T))
        K = X @ np.swapaxes(X, 1, 2) + lam * T * np.eye(T)
        w_hat = np.einsum("std,st->sd", X, _solve(K, y))
        sh_r_w0 = np.einsum("std,st->sd", X, _solve(K, np.einsum("std,sd->st", X, w0)))
        B = np.linalg.solve(K, X)
        var = sigma**2 * np.einsum("std,d,std->s", B, eig, B)
    err = w_hat - w0
    b = sh_r_w0 - w0
    return {
        "total": np.einsum("sd,d,sd->s", err, eig, err),
        "bias": np.einsum("sd,d,sd->s", b, eig, b),
        "variance": var,
    }


def simulate(*, seeds: int = 10, seed: int = 0, **kwargs: Any) -> pd.DataFrame:
    """Monte Carlo estimate of the canonical columns: ``<col>_mean`` and ``<col>_se`` for
    total, bias, variance, collapse (κ has no Monte Carlo counterpart).

    Args:
        seeds: number of independent repetitions S (≥ 2 for a standard error).
        seed: base seed; point i uses ``numpy.random.default_rng([seed, i])``.
        **kwargs: canonical keys of the regression model; at most one may be a list/array.
    """
    if int(seeds) < 1:
        raise ValueError("seeds must be >= 1")
    call = resolve_call("regression", kwargs)
    T = call.array("T", int)
    T0 = call.array("T0", int)
    lam = effective_lambda(
        call.values("lam_rule") if call.sweep == "lam_rule" else call.params["lam_rule"],
        call.array("lam"), T.astype(float), T0.astype(float), call.array("ell"), call.array("beta"), call.array("r"),
    )
    lam = np.broadcast_to(lam, (call.P,))
    keys = ("d", "n", "sigma", "sigma0", "beta", "r", "w0_norm")
    arrays = {k: call.array(k) for k in keys}
    enums = {k: call.values(k) for k in ("spectrum", "design")}
    samples: dict[str, list[np.ndarray]] = {k: [] for k in COLUMNS}
    for i in range(call.P):
        rng = np.random.default_rng([int(seed), i])
        res = simulate_point(
            rng, d=int(arrays["d"][i]), T=int(T[i]), T0=int(T0[i]), n=int(arrays["n"][i]), lam=float(lam[i]),
            sigma=float(arrays["sigma"][i]), sigma0=float(arrays["sigma0"][i]), spectrum=enums["spectrum"][i],
            beta=float(arrays["beta"][i]), r=float(arrays["r"][i]), design=enums["design"][i],
            w0_norm=float(arrays["w0_norm"][i]), seeds=int(seeds),
        )
        for k in COLUMNS:
            samples[k].append(res[k])
    stats = stats_columns({k: np.stack(v) for k, v in samples.items()})
    ordered = {}
    for k in COLUMNS:
        ordered[f"{k}_mean"] = stats[f"{k}_mean"]
        ordered[f"{k}_se"] = stats[f"{k}_se"]
    return call.frame(ordered)
