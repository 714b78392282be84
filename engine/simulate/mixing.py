"""Monte Carlo twin of engine.theory.mixing (shared/theory/mixing.md §8).

For each sweep point and each seed: draw the real ground truth w1, a fresh label shift
δ ~ N(0, (c²/d) Σ^{-1}), a design with n1 = round(p1 n) real rows and n - n1 synthetic rows,
fit ridge (1/n-normalized loss) on the mix, and score exactly (no test set):

    total    = (ŵ - w1)ᵀ Σ (ŵ - w1)
    bias     = ‖A X w1 - w1‖²_Σ                 (noise-free, shift-free labels)
    variance = tr(Σ A D Aᵀ),  D = diag(σ1² real rows, σ2² synthetic rows)
    synth    = total - bias - variance

where A is the linear map from labels to ŵ (§8 "Estimators for the split columns" [A]).
Seeds are batched (stacked matrices); the loop runs over sweep points only.

Paths (all exact, §8 step 3):
- *Gram path* (linear model, n ≥ d): X enters only through W_k = X_kᵀX_k and X_kᵀε_k
  ~ N(0, σ_k² W_k) given W_k. With a factor F_k (W_k = F_k F_kᵀ: a Bartlett factor of
  Wishart_d(n_k, Σ) when n_k ≥ d, else X_kᵀ itself) everything costs O(d³) whatever n is.
- *Explicit path* (linear model with n < d, and random projections): features Φ = X or
  Φ = X S; primal solve when dim Φ ≤ n, dual solve otherwise; λ = 0 is the minimum-norm fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import spectra
from engine.sweep import resolve_call, stats_columns
from engine.theory.mixing import LAMBDA_FLOOR, int_log_grid, resolve_params

COLUMNS = ("total", "bias", "variance", "synth")
_MAX_FLOATS = 30_000_000  # chunk seeds so the stacked matrices of one batch stay below ~240 MB


def _bartlett(rng: np.random.Generator, S: int, d: int, dof: int, sqrt_eig: np.ndarray) -> np.ndarray:
    """S factors F = Σ^{1/2} A with F Fᵀ ~ Wishart_d(dof, Σ) (Bartlett decomposition), dof ≥ d."""
    A = np.tril(rng.standard_normal((S, d, d)), k=-1)
    idx = np.arange(d)
    A[:, idx, idx] = np.sqrt(rng.chisquare(dof - idx, size=(S, d)))
    return sqrt_eig[None, :, None] * A


def _factor(rng: np.random.Generator, S: int, n_k: int, d: int, sqrt_eig: np.ndarray) -> np.ndarray:
    """(S, d, q) factor of X_kᵀX_k for n_k Gaussian rows: Bartlett when n_k ≥ d, else X_kᵀ."""
    if n_k >= d:
        return _bartlett(rng, S, d, n_k, sqrt_eig)
    X = rng.standard_normal((S, n_k, d)) * sqrt_eig
    return np.swapaxes(X, 1, 2)


def _gram_path(rng, S: int, d: int, n1: int, n2: int, lam: float, s1: float, s2: float,
               eig: np.ndarray, w1: np.ndarray, delta: np.ndarray) -> dict[str, np.ndarray]:
    """Linear model with n = n1 + n2 ≥ d, in d-space (see the module docstring)."""
    n = n1 + n2
    sqrt_eig = np.sqrt(eig)
    F1 = _factor(rng, S, n1, d, sqrt_eig)
    F2 = _factor(rng, S, n2, d, sqrt_eig)
    W1 = F1 @ np.swapaxes(F1, 1, 2)
    W2 = F2 @ np.swapaxes(F2, 1, 2)
    W = W1 + W2
    z1 = rng.standard_normal((S, F1.shape[2]))
    z2 = rng.standard_normal((S, F2.shape[2]))
    noise = s1 * np.einsum("sij,sj->si", F1, z1) + s2 * np.einsum("sij,sj->si", F2, z2)
    clean = np.einsum("sij,sj->si", W, w1)
    shift = np.einsum("sij,sj->si", W2, delta)
    R = np.linalg.inv(W / n + lam * np.eye(d))  # (Xᵀ X/n + λ I)^{-1}
    w_hat = np.einsum("sij,sj->si", R, (clean + shift + noise) / n)
    w_bias = np.einsum("sij,sj->si", R, clean / n)
    Wsig = s1**2 * W1 + s2**2 * W2
    M = R @ Wsig @ R / n**2  # A D Aᵀ
    variance = np.einsum("i,sii->s", eig, M)
    return {
        "total": ((w_hat - w1) ** 2 * eig).sum(axis=1),
        "bias": ((w_bias - w1) ** 2 * eig).sum(axis=1),
        "variance": variance,
    }


def _label_map(Phi: np.ndarray, lam: float) -> np.ndarray:
    """A_Φ of shape (S, p, n): ŵ_Φ = A_Φ y for ridge on features Φ (S, n, p), loss normalized by 1/n.

    Primal (Φᵀ Φ/n + λ I)^{-1} Φᵀ/n when p ≤ n, dual Φᵀ (Φ Φᵀ/n + λ I)^{-1}/n otherwise; at λ = 0
    both are the minimum-norm (pseudo-inverse) solution when Φ has full rank.
    """
    S, n, p = Phi.shape
    PhiT = np.swapaxes(Phi, 1, 2)
    if p <= n:
        G = PhiT @ Phi / n + lam * np.eye(p)
        return np.linalg.solve(G, PhiT / n)
    K = Phi @ PhiT / n + lam * np.eye(n)
    return np.swapaxes(np.linalg.solve(K, Phi / n), 1, 2)  # K symmetric: (K^{-1}Φ)ᵀ = ΦᵀK^{-1}


def _explicit_path(rng, S: int, d: int, n1: int, n2: int, lam: float, s1: float, s2: float,
                   eig: np.ndarray, w1: np.ndarray, delta: np.ndarray, m: int, s2_proj: float) -> dict[str, np.ndarray]:
    """Explicit Gaussian design; random projections when m > 0 (§8 steps 2-4)."""
    n = n1 + n2
    X = rng.standard_normal((S, n, d)) * np.sqrt(eig)
    if m > 0:
        lam = max(lam, LAMBDA_FLOOR)  # as the theory (§3.3): also keeps rank-deficient Gram matrices solvable
        Sm = rng.standard_normal((S, d, m)) * np.sqrt(s2_proj)
        A = Sm @ _label_map(X @ Sm, lam)
    else:
        A = _label_map(X, lam)
    clean = np.einsum("snd,sd->sn", X, w1)
    shift = np.einsum("snd,sd->sn", X[:, n1:, :], delta)
    sig = np.concatenate([np.full(n1, s1), np.full(n2, s2)])
    y = clean + sig * rng.standard_normal((S, n))
    y[:, n1:] += shift
    w_hat = np.einsum("sdn,sn->sd", A, y)
    w_bias = np.einsum("sdn,sn->sd", A, clean)
    variance = np.einsum("d,sdn,n->s", eig, A * A, sig**2)
    return {
        "total": ((w_hat - w1) ** 2 * eig).sum(axis=1),
        "bias": ((w_bias - w1) ** 2 * eig).sum(axis=1),
        "variance": variance,
    }


def simulate_point(rng: np.random.Generator, *, d: int, T: int, p_synth: float, c2: float, lam: float,
                   sigma: float, sigma_synth: float, spectrum: str, beta: float, r: float, w1_norm: float,
                   m: int, proj_var: str, seeds: int) -> dict[str, np.ndarray]:
    """Per-seed samples (arrays of length ``seeds``) of total, bias, variance, synth at one point."""
    spec = spectra.make_spectrum(spectrum, d, beta, r, 1.0)
    eig, c = spectra.dense(spec)
    n = int(T)
    n1 = int(round((1.0 - p_synth) * n))
    n2 = n - n1
    s2_proj = 1.0 / m if proj_var == "1/m" and m > 0 else 1.0 / d
    gram = m == 0 and n >= d
    if m == 0 and n == d and lam == 0:  # interpolation peak: infinite expectation (theory is null)
        return {k: np.full(seeds, np.nan) for k in COLUMNS}
    if gram:
        per_seed = 4 * d * d + d * min(n, d)
    else:
        p = m if m > 0 else d
        per_seed = 2 * n * d + n * p + d * p + 2 * d * n + n * n + p * p
    chunk = max(1, min(seeds, _MAX_FLOATS // max(per_seed, 1)))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("total", "bias", "variance")}
    done = 0
    while done < seeds:
        S = min(chunk, seeds - done)
        w1 = spectra.draw_ground_truth(rng, S, w1_norm * c, spectrum == "isotropic", w1_norm)
        delta = rng.standard_normal((S, d)) * np.sqrt(c2 / (d * eig))  # δ ~ N(0, (c²/d) Σ^{-1})
        if gram:
            res = _gram_path(rng, S, d, n1, n2, lam, sigma, sigma_synth, eig, w1, delta)
        else:
            res = _explicit_path(rng, S, d, n1, n2, lam, sigma, sigma_synth, eig, w1, delta, m, s2_proj)
        for k in parts:
            parts[k].append(res[k])
        done += S
    out = {k: np.concatenate(v) for k, v in parts.items()}
    out["synth"] = out["total"] - out["bias"] - out["variance"]
    return out


def simulate(*, seeds: int = 10, seed: int = 0, **kwargs: Any) -> pd.DataFrame:
    """Monte Carlo estimate of the mixing model's test error and its split (§8).

    Same keyword arguments as :func:`engine.theory.mixing.curve` (at most one swept), plus
    ``seeds`` (independent repetitions) and ``seed`` (base seed; point i uses
    SeedSequence([seed, i])). Returns the sweep column (if any) and ``<col>_mean``, ``<col>_se``
    for total, bias, variance, synth.
    """
    if int(seeds) < 1:
        raise ValueError("seeds must be >= 1")
    call = resolve_call("mixing", kwargs)
    keys = ("d", "T", "p_synth", "c2", "lam", "sigma", "sigma_synth", "beta", "r", "w1_norm", "m")
    arrays = {k: call.array(k) for k in keys}
    spectra_names = call.values("spectrum")
    proj = call.values("proj_var")
    samples = {k: np.empty((call.P, int(seeds))) for k in COLUMNS}
    for i in range(call.P):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), i]))
        pt = simulate_point(
            rng,
            d=int(arrays["d"][i]), T=int(arrays["T"][i]), p_synth=float(arrays["p_synth"][i]),
            c2=float(arrays["c2"][i]), lam=float(arrays["lam"][i]), sigma=float(arrays["sigma"][i]),
            sigma_synth=float(arrays["sigma_synth"][i]), spectrum=spectra_names[i],
            beta=float(arrays["beta"][i]), r=float(arrays["r"][i]), w1_norm=float(arrays["w1_norm"][i]),
            m=int(arrays["m"][i]), proj_var=proj[i], seeds=int(seeds),
        )
        for k in COLUMNS:
            samples[k][i] = pt[k]
    return call.frame(stats_columns(samples))


# =========================================================================== page overlay (§10)
MC_MAX_D = 1000
"""The overlay simulates d-dimensional designs: O(d³) (linear) or O(n d m) (projections) per seed."""
MC_MAX_WIDTH = 20_000
MC_CHARTS = ("scaling", "width", "pareto")


def mc_available(params: dict[str, Any]) -> tuple[bool, str]:
    """Whether the Monte Carlo overlay is affordable at these parameters (and why not)."""
    if params["d"] > MC_MAX_D:
        return False, f"The Monte Carlo overlay is limited to d ≤ {MC_MAX_D} (its cost grows like d³ per seed)."
    return True, ""


def _with(p: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(p)
    out.update(changes)
    return out


def mc_width_points(p: dict[str, Any]) -> np.ndarray:
    """Widths simulated for the width chart: ψ ∈ {0.2, 0.5, 0.8, 1.25, 2, 5} (at least 20% from m = T)."""
    T = int(p["T"])
    ms = np.unique(np.round(T * np.array([0.2, 0.5, 0.8, 1.25, 2.0, 5.0])).astype(int))
    ms = ms[(ms >= 1) & (ms <= MC_MAX_WIDTH) & (ms != T)]
    return ms


def mc_view(params: dict[str, Any], chart: str, seeds: int = 5, seed: int = 0) -> pd.DataFrame:
    """Monte Carlo points (mean ± se) for one chart of the Mixing page, on a coarse subset of its x values.

    ``scaling``: the classical model at 5 values of T, for p_synth = 0 and the current p_synth;
    ``width``: the current parameters at the widths of :func:`mc_width_points`;
    ``pareto``: real-only and mix (current c²) at ψ ∈ {0.5, 1.25, 2}.
    """
    p = resolve_params(params)
    T = int(p["T"])
    if chart == "scaling":
        Ts = int_log_grid(max(20, p["d"] // 4), max(8 * p["d"], 4 * T, 2000), 4)
        Ts = Ts[~((Ts == p["d"]) & (p["lam"] == 0))]
        frames = []
        for q in sorted({0.0, float(p["p_synth"])}):
            df = simulate(seeds=seeds, seed=seed, **_with(p, T=Ts, p_synth=q, m=0))
            df.insert(0, "p_synth", q)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)
    if chart == "width":
        ms = mc_width_points(p)
        df = simulate(seeds=seeds, seed=seed, **_with(p, m=ms))
        df.insert(1, "psi", df["m"] / T)
        return df
    if chart == "pareto":
        ms = mc_width_points(p)
        ms = ms[np.isin(np.round(ms / T, 2), [0.5, 1.25, 2.0])] if ms.size >= 5 else ms
        real = simulate(seeds=seeds, seed=seed, **_with(p, m=ms, p_synth=0.0))
        frames = []
        for c in [float(p["c2"])]:
            mix = simulate(seeds=seeds, seed=seed + 1, **_with(p, m=ms, c2=c))
            frames.append(pd.DataFrame({
                "c2": c, "m": ms, "psi": ms / T,
                "error_real_only_mean": real["total_mean"], "error_real_only_se": real["total_se"],
                "error_mix_mean": mix["total_mean"], "error_mix_se": mix["total_se"],
            }))
        return pd.concat(frames, ignore_index=True)
    raise ValueError(f"unknown chart {chart!r}; known: {', '.join(MC_CHARTS)}")
