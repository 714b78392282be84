"""Everything the Regression page draws, computed headlessly (regression.md §12).

``theory_view(params)`` returns one DataFrame per chart; ``mc_view(params, chart, seeds)``
the Monte Carlo points for a chart. The page only renders these; the benchmark times them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import spectra
from engine.params import get_model
from engine.simulate.regression import simulate
from engine.theory import regression as R

U_SHAPE_NS = (0, 1, 2, 5, 10, 20)
T_CURVE_NS = (0, 1, 2, 5, 10)
RULES = ("fixed", "adaptive", "critical", "corrected")
MC_MAX_D = 1000  # the simulator costs O(d³) per stage
NEAR_ZERO_LAMBDA = 1e-3  # Thm 4.1 is drawn when the effective λ is at most this


def _with(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(params)
    out.update(changes)
    return out


def int_log_grid(lo: float, hi: float, num: int) -> np.ndarray:
    """Integer grid, log-spaced from lo to hi (unique values)."""
    return np.unique(np.round(np.logspace(np.log10(max(lo, 1)), np.log10(max(hi, lo, 1)), num)).astype(int))


def n_grid(n: int) -> np.ndarray:
    return np.arange(0, max(10, min(2 * n, 50)) + 1)


def lam_grid(lam: float) -> np.ndarray:
    lo, hi = 1e-4, 10.0
    if lam > 0:
        lo, hi = min(lo, lam / 3), max(hi, lam * 3)
    return np.logspace(np.log10(lo), np.log10(hi), 61)


def T_grid(params: dict[str, Any]) -> np.ndarray:
    return int_log_grid(10, max(1e6, params["T"] * 3), 61)


def overparam_T0(params: dict[str, Any]) -> int:
    """T0 used by the over-parameterized chart: the current T0 if T0 < d, else d/2 (Fig. 2)."""
    return int(params["T0"]) if params["T0"] < params["d"] else max(1, int(params["d"]) // 2)


def theory_view(params: dict[str, Any]) -> dict[str, Any]:
    """All theory curves of the page for resolved canonical ``params``."""
    p = get_model("regression").resolve(params)
    d, T, T0, n = p["d"], p["T"], p["T0"], p["n"]
    out: dict[str, Any] = {}

    # 1. error against n
    ns = n_grid(n)
    by_n = R.curve(**_with(p, n=ns))
    lam_eff = float(R.effective_lambda(p["lam_rule"], p["lam"], T, T0, p["ell"], p["beta"], p["r"]))
    by_n["lam_eff"] = lam_eff
    if lam_eff <= NEAR_ZERO_LAMBDA:
        by_n["thm41_exact"] = R.thm41_exact(d, T, T0, ns, p["sigma"], p["sigma0"])
    out["by_n"] = by_n
    out["lam_eff"] = lam_eff
    spec = spectra.make_spectrum(p["spectrum"], d, p["beta"], p["r"], p["w0_norm"])
    out["null"] = float(spec.w0_sigma_norm2[0])  # the null predictor's error ‖w0‖²_Σ

    # 2. U-shape against λ at fixed T (rule forced to fixed)
    lams = lam_grid(p["lam"])
    u_frames = []
    for k in sorted(set(U_SHAPE_NS) | {n}):
        df = R.curve(**_with(p, lam_rule="fixed", lam=lams, n=k))
        df.insert(0, "n", k)
        u_frames.append(df)
    u = pd.concat(u_frames, ignore_index=True)
    out["by_lam"] = u
    best = u.loc[u.groupby("n")["total"].idxmin().dropna().astype(int), ["n", "lam", "total"]]
    out["lam_opt"] = best.reset_index(drop=True)

    # 3. error against T at the current λ rule
    Ts = T_grid(p)
    t_frames = []
    for k in sorted(set(T_CURVE_NS) | {n}):
        df = R.curve(**_with(p, T=Ts, n=k))
        df.insert(0, "n", k)
        lam_T = R.effective_lambda(p["lam_rule"], p["lam"], df["T"].to_numpy(float), T0, p["ell"], p["beta"], p["r"])
        df["thm41_exact"] = np.where(lam_T <= NEAR_ZERO_LAMBDA, R.thm41_exact(d, df["T"], T0, k, p["sigma"], p["sigma0"]), np.nan)
        df["plateau"] = k * p["sigma0"] ** 2 * d / (T0 - d - 1) if T0 >= d + 2 else np.nan
        t_frames.append(df)
    out["by_T"] = pd.concat(t_frames, ignore_index=True)

    # 4. scaling law on the power-law spectrum, the four λ rules
    Ts_pl = int_log_grid(10, 1e6, 61)
    s_frames = []
    for rule in RULES:
        df = R.curve(**_with(p, spectrum="power", lam_rule=rule, T=Ts_pl))
        df.insert(0, "lam_rule", rule)
        df["lam_eff"] = R.effective_lambda(rule, p["lam"], df["T"].to_numpy(float), T0, p["ell"], p["beta"], p["r"])
        s_frames.append(df)
    out["scaling"] = pd.concat(s_frames, ignore_index=True)
    const = R.power_law_constants(p["beta"], p["r"])
    out["constants"] = {
        "ell_crit": float(const["ell_crit"]), "c": float(const["c"]), "delta": float(const["delta"]),
        "r_under": float(const["r_under"]),
        "ell_star": float(R.ell_star(p["beta"], p["r"], T, T0)) if T > 1 else float("nan"),
    }
    out["slopes"] = {k: float(v) for k, v in R.scaling_guides(p["beta"], p["r"], p["ell"], T0, T).items()}

    # 5. over-parameterized generators (T0 < d): both designs
    T0o = overparam_T0(p)
    ns_o = np.arange(0, 11)
    frames = []
    for design in ("dependent", "independent"):
        df = R.curve(**_with(p, T0=T0o, design=design, n=ns_o))
        df.insert(0, "design", design)
        frames.append(df)
    over = pd.concat(frames, ignore_index=True)
    g = R.overparam_guides(d, T0o, ns_o, float(spec.w0_norm2[0]))
    guides = pd.DataFrame({"n": ns_o, "thm45_dependent": g["dependent"], "thm46_independent": g["independent"]})
    clean_ols = p["sigma"] ** 2 * d / (T - d - 1) if T > d + 1 else np.nan
    guides["thm45_dependent"] += clean_ols
    guides["thm46_independent"] += clean_ols
    if p["spectrum"] == "isotropic" and p["sigma0"] > 0:
        cf = R.overparam_noisy_closed_form(d, T, T0o, ns_o, p["sigma"], p["sigma0"], p["w0_norm"])
        guides["closed_dependent"] = cf["dependent"]
        guides["closed_independent"] = cf["independent"]
    out["overparam"] = over
    out["overparam_guides"] = guides
    out["overparam_T0"] = T0o
    return out


def mc_available(params: dict[str, Any]) -> tuple[bool, str]:
    if params["d"] > MC_MAX_D:
        return False, f"The Monte Carlo overlay is limited to d ≤ {MC_MAX_D} (it costs O(d³) per stage)."
    return True, ""


def mc_view(params: dict[str, Any], chart: str, seeds: int = 8, seed: int = 0) -> pd.DataFrame:
    """Monte Carlo points (mean ± se) for one chart, on a coarse subset of its x values."""
    p = get_model("regression").resolve(params)
    if chart == "by_n":
        ns = n_grid(p["n"])
        pick = np.unique(np.linspace(0, ns[-1], 6).round().astype(int))
        return simulate(seeds=seeds, seed=seed, **_with(p, n=pick))
    if chart == "by_lam":
        lams = lam_grid(p["lam"])[::12]
        frames = []
        for k in (0, 2, 10):
            df = simulate(seeds=seeds, seed=seed, **_with(p, lam_rule="fixed", lam=lams, n=k))
            df.insert(0, "n", k)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)
    if chart == "by_T":
        Ts = int_log_grid(max(20, p["d"] // 5), 1e5, 6)
        frames = []
        for k in (0, 2, 10):
            df = simulate(seeds=seeds, seed=seed, **_with(p, T=Ts, n=k))
            df.insert(0, "n", k)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)
    if chart == "overparam":
        frames = []
        for design in ("dependent", "independent"):
            df = simulate(seeds=seeds, seed=seed, **_with(p, T0=overparam_T0(p), design=design, n=np.array([0, 1, 2, 4, 7, 10])))
            df.insert(0, "design", design)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)
    if chart == "scaling":
        Ts = int_log_grid(30, 1e5, 5)
        frames = []
        for rule in ("critical", "corrected"):
            df = simulate(seeds=seeds, seed=seed, **_with(p, spectrum="power", lam_rule=rule, T=Ts))
            df.insert(0, "lam_rule", rule)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)
    raise ValueError(f"unknown chart {chart!r}")
