"""Theory of *Model Collapse Demystified: The Case of Regression* (shared/theory/regression.md).

Public API:
    curve(**params)                 canonical output columns kappa, bias, variance, collapse, total
    effective_lambda(...)           the λ rules fixed / adaptive / critical / corrected (§7)
    power_law_constants(beta, r)    δ, r̲, c, ℓ_crit (§7.1)
    ell_star(...)                   Corollary 5.2's corrected exponent (§7.4)
    thm41_exact / thm41_asymptotic  Theorem 4.1 guides (§3)
    overparam_guides(...)           Theorems 4.5 / 4.6 guides (§6.1)
    overparam_noisy_closed_form     the exact isotropic closed forms of §6.3
    general_engine(...)             the engine of §6.4 (any diagonal Σ, any T0, ridge downstream)
    scaling_guides(...)             Theorem 5.1 / Corollary 5.2 slopes (§7.3-7.4)

Everything is vectorised over the sweep: no Python loop over sweep points or eigenvalues.
A regime the formulas do not cover is NaN (null in JSON), never ±inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import spectra
from engine.spectra import Spectrum
from engine.sweep import Call, resolve_call

OUTPUT_COLUMNS = ("kappa", "bias", "variance", "collapse", "total")

# the generator factor of Eq. (19): "exact" uses T0 - d - 1 (canonical, §5 implementation tip),
# "paper" the paper's T0 - d (the Corollary 4.4 table of §10).
GENERATOR_FACTORS = ("exact", "paper")


# --------------------------------------------------------------------------- constants (§7.1)
def power_law_constants(beta: Any, r: Any) -> dict[str, np.ndarray]:
    """δ = 1 + β(2r − 1), r̲ = min(r, 1), c = 2βr̲/(2βr̲ + 1), ℓ_crit = β/(2βr̲ + 1) (§7.1)."""
    beta = np.asarray(beta, float)
    r = np.asarray(r, float)
    r_under = np.minimum(r, 1.0)
    two_br = 2.0 * beta * r_under
    return {
        "delta": 1.0 + beta * (2.0 * r - 1.0),
        "r_under": r_under,
        "c": two_br / (two_br + 1.0),
        "ell_crit": beta / (two_br + 1.0),
        "two_beta_r": two_br,
    }


def ell_star(beta: Any, r: Any, T: Any, T0: Any, a: float = 0.0) -> np.ndarray:
    """Corollary 5.2: ℓ⋆ = min((b − a) ℓ_crit, β) with b = log T0 / log T (§7.4; a = 0 is [A]).

    Undefined (NaN) at T = 1, where b is; use :func:`effective_lambda` for the λ itself.
    """
    T = np.asarray(T, float)
    T0 = np.asarray(T0, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.log(T0) / np.log(T)
    ec = power_law_constants(beta, r)["ell_crit"]
    out = np.minimum((b - a) * ec, np.asarray(beta, float))
    return np.where(T > 1, out, np.nan)


def effective_lambda(lam_rule: Any, lam: Any, T: Any, T0: Any, ell: Any, beta: Any, r: Any) -> np.ndarray:
    """λ from the rule (canonical parameters, "Setting λ"):

    fixed: λ = lam; adaptive: λ = T^{-ℓ}; critical: λ = T^{-ℓ_crit};
    corrected: λ = max(T0^{-ℓ_crit}, T^{-β}) (Cor. 5.2 with a = 0, the form defined at T = 1).
    ``lam_rule`` may be a string or a sequence of strings (one per point).
    """
    T = np.asarray(T, float)
    T0 = np.asarray(T0, float)
    lam, ell, beta, r = (np.asarray(v, float) for v in (lam, ell, beta, r))
    ec = power_law_constants(beta, r)["ell_crit"]
    rules = {
        "fixed": lambda: lam * np.ones_like(T),
        "adaptive": lambda: T ** (-ell),
        "critical": lambda: T ** (-ec),
        "corrected": lambda: np.maximum(T0 ** (-ec), T ** (-beta)),
    }
    if isinstance(lam_rule, str):
        return np.asarray(rules[lam_rule](), float)
    rule_arr = np.asarray(list(lam_rule))
    out = np.zeros(np.broadcast_shapes(T.shape, rule_arr.shape, lam.shape))
    for name, fn in rules.items():
        mask = rule_arr == name
        if mask.any():
            out = np.where(mask, np.broadcast_to(fn(), out.shape), out)
    return out


# --------------------------------------------------------------------------- clean ridge (Prop. 4.2)
def _clean_terms(kap: np.ndarray, T: np.ndarray, sigma: np.ndarray, spec: Spectrum) -> dict[str, np.ndarray]:
    """κ-dependent traces and the clean Bias and Var of Proposition 4.2 (§4)."""
    k = kap.reshape(-1, 1)
    ratio = spec.eig / (spec.eig + k)  # λ/(λ+κ)
    df1 = spec.tr(ratio)
    df2 = spec.tr(ratio * ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1.0 - df2 / T
        ok = denom > 1e-12
        bias_num = kap**2 * spec.quad(spec.eig / (spec.eig + k) ** 2)
        bias = np.where(ok, bias_num / np.where(ok, denom, 1.0), np.nan)
        var = np.where(ok, sigma**2 * df2 / np.where(ok, T - df2, 1.0), np.nan)
    return {"df1": df1, "df2": df2, "bias": bias, "variance": var, "ok": ok}


# --------------------------------------------------------------------------- Eq. (19)
def rho_eq19(kap: np.ndarray, T: np.ndarray, T0: np.ndarray, d: np.ndarray, df1: np.ndarray, df2: np.ndarray,
             generator_factor: str = "exact") -> np.ndarray:
    """ρ of Corollary 4.4 / Eq. (19) in its trace form (§5, "useful identity"):

    ρ = df2(κ) (T + d − 2 df1(κ)) / ((T − df2(κ)) (T0 − d − 1)),

    with T0 − d in place of T0 − d − 1 when ``generator_factor == "paper"``. NaN where the
    generator factor is not positive (T0 ∈ {d, d+1} for "exact").
    """
    gen = T0 - d - (1.0 if generator_factor == "exact" else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = df2 * (T + d - 2.0 * df1) / ((T - df2) * gen)
    return np.where((gen > 0) & (T - df2 > 0), out, np.nan)


# --------------------------------------------------------------------------- §6.4 general engine
def general_engine(kap: np.ndarray, T: np.ndarray, T0: np.ndarray, n: np.ndarray, sigma: np.ndarray,
                   sigma0: np.ndarray, design: Any, spec: Spectrum) -> np.ndarray:
    """Expected test error from the general engine of §6.4 (any diagonal Σ, any T0, ridge downstream).

    Vectorised over points (shape (P,)); the loop is over generations only (up to max n).
    ``design`` is "independent"/"dependent" or a sequence of those, one per point.
    Returns NaN where a formula does not apply (T0 ∈ {d, d+1}, or 1 − df2/T ≤ 0).

    Quantities shared by all points (the spectrum, and κ0 when every point has the same T0)
    stay of shape (1, K); only κ-dependent ones are (P, K).
    """
    P = kap.shape[0]
    eig = spec.eig
    k = kap.reshape(-1, 1)
    d = np.broadcast_to(spec.d, (P,))
    ratio = eig / (eig + k)
    D2 = spec.tr(ratio * ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1.0 - D2 / T
        ok = denom > 1e-12
        safe = np.where(ok, denom, 1.0).reshape(-1, 1)
        # downstream operator D = Σ − 2κΣ(Σ+κ)^{-1} + κ²Σ(Σ+κ)^{-2}/(1 − D2/T)
        Dop = eig - 2.0 * k * ratio + (k * ratio) ** 2 / eig / safe
    lin = eig * ratio  # Σ²(Σ+κ)^{-1}, applied to E[ŵ]

    # generator moments: κ0 = κ(0, T0) for T0 < d (df1(κ0) = T0), one solve per distinct T0
    over = T0 < d
    any_over, all_over = bool(over.any()), bool(over.all())
    if any_over:
        if spec.eig.shape[0] == 1:
            uniq, inv = np.unique(np.where(over, T0, np.min(T0[over])).astype(float), return_inverse=True)
            k0u = spectra.kappa(np.zeros(uniq.size), uniq, spec)
            k0 = k0u[inv.reshape(-1)].reshape(-1, 1) if uniq.size > 1 else k0u.reshape(1, 1)
        else:
            k0 = spectra.kappa(np.zeros(P), np.where(over, T0, 1).astype(float), spec).reshape(-1, 1)
        s_over = eig / (eig + k0)
        g = s_over / (eig + k0)
        with np.errstate(divide="ignore", invalid="ignore"):
            gen_over = 1.0 / (T0 - spec.tr(s_over * s_over))
    if not all_over:
        inv_eig = 1.0 / eig
        with np.errstate(divide="ignore", invalid="ignore"):
            gen_under = 1.0 / (T0 - d - 1.0)
    over_col = over.reshape(-1, 1)

    def noise(M: np.ndarray) -> np.ndarray:  # N(M)
        if all_over:
            return spec.tr(M * g) * gen_over
        under_val = spec.tr(M * inv_eig) * gen_under
        return np.where(over, spec.tr(M * g) * gen_over, under_val) if any_over else under_val

    def phi(M: np.ndarray) -> np.ndarray:  # Φ(M)
        if not any_over:
            return M
        over_val = s_over**2 * M + (k0**2) * g * (spec.tr(M * g) * gen_over).reshape(-1, 1)
        return over_val if all_over else np.where(over_col, over_val, M)

    dep = np.asarray([design] * P if isinstance(design, str) else list(design)) == "dependent"
    n = n.astype(int)
    s2 = sigma0**2
    s = (s_over if all_over else np.where(over_col, s_over, 1.0)) if any_over else np.ones((1, 1))
    quad = np.zeros(P)
    cross = np.zeros(P)
    if (~dep).any():
        # independent design: iterate the recursion, freezing each point once its n is reached
        M = Dop
        acc = np.zeros(P)
        for step in range(int(n[~dep].max(initial=0))):
            live = step < n
            acc = acc + np.where(live, s2 * noise(M), 0.0)
            M = np.where(live.reshape(-1, 1), phi(M), M)
        quad = spec.quad(M) + acc
        cross = spec.quad(lin * s ** n.reshape(-1, 1))
    if dep.any():
        # dependent design: E[ŵᵀMŵ] = cᵀΦ(M)c + nσ0²N(M), E[ŵ] = s c, for n ≥ 1
        q_dep = np.where(n >= 1, spec.quad(phi(Dop)) + n * s2 * noise(Dop), spec.quad(Dop))
        c_dep = np.where(n >= 1, spec.quad(lin * s), spec.quad(lin))
        quad = np.where(dep, q_dep, quad)
        cross = np.where(dep, c_dep, cross)
    var = sigma**2 * D2 / (T - D2)
    total = quad - 2.0 * cross + spec.w0_sigma_norm2 + var
    bad = ~ok | ((~over) & (T0 - d - 1.0 <= 0) & (n >= 1))
    return np.where(bad, np.nan, total)


# --------------------------------------------------------------------------- the canonical curve
def _spectrum_for(call: Call) -> Spectrum:
    p = call.params
    spec_keys = {"d", "spectrum", "beta", "r", "w0_norm"}
    if call.sweep in spec_keys:
        return spectra.make_spectrum(
            p["spectrum"] if call.sweep != "spectrum" else list(p["spectrum"]),
            call.array("d"), call.array("beta"), call.array("r"), call.array("w0_norm"),
        )
    return spectra.make_spectrum(p["spectrum"], p["d"], p["beta"], p["r"], p["w0_norm"])


def curve(*, generator_factor: str = "exact", **kwargs: Any) -> pd.DataFrame:
    """Canonical theory curve: columns kappa, bias, variance, collapse, total (one row per sweep value).

    ``total`` (the "How total is computed" rules of the spec):
      - n = 0: Bias + Var (Prop. 4.2);
      - T0 ≥ d + 2: Bias + Var + nσ0²ρ, ρ from Eq. (19) with T0 − d − 1 (or the paper's T0 − d
        when ``generator_factor="paper"``, which is defined from T0 ≥ d + 1);
      - T0 < d: the general engine of §6.4 for the chosen design;
      - not covered (NaN): T0 ∈ {d, d + 1} (exact factor), λ = 0 with T = d.

    Args:
        generator_factor: "exact" (canonical) or "paper" (non-canonical, for the §10 table).
        **kwargs: canonical keys of the regression model; at most one may be a list/array.
    """
    if generator_factor not in GENERATOR_FACTORS:
        raise ValueError(f"generator_factor must be one of {GENERATOR_FACTORS}")
    call = resolve_call("regression", kwargs)
    cols = compute(call, generator_factor=generator_factor)
    return call.frame({c: cols[c] for c in OUTPUT_COLUMNS})


def compute(call: Call, generator_factor: str = "exact") -> dict[str, np.ndarray]:
    """All theory quantities for a resolved call (the columns plus λ_eff and helpers)."""
    P = call.P
    T = call.array("T")
    T0 = call.array("T0")
    n = call.array("n", int)
    sigma = call.array("sigma")
    sigma0 = call.array("sigma0")
    spec = _spectrum_for(call)
    d = np.broadcast_to(spec.d, (P,)).astype(float)
    rules = call.values("lam_rule") if call.sweep == "lam_rule" else call.params["lam_rule"]
    lam = effective_lambda(rules, call.array("lam"), T, T0, call.array("ell"), call.array("beta"), call.array("r"))
    lam = np.broadcast_to(lam, (P,)).astype(float)

    # κ once per distinct (λ, T, spectrum row): many sweeps (e.g. over n) share it
    if spec.eig.shape[0] == 1:
        key = np.stack([lam, T], axis=1)
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        kap = spectra.kappa(uniq[:, 0], uniq[:, 1], spec)[inv.reshape(-1)]
    else:
        kap = spectra.kappa(lam, T, spec)
    clean = _clean_terms(kap, T, sigma, spec)
    bias, var, df1, df2 = clean["bias"], clean["variance"], clean["df1"], clean["df2"]
    # λ = 0 at T = d: the interpolation peak (not covered)
    peak = (lam == 0) & (T == d)
    bias = np.where(peak, np.nan, bias)
    var = np.where(peak, np.nan, var)

    designs = call.values("design") if call.sweep == "design" else call.params["design"]
    rho = rho_eq19(kap, T, T0, d, df1, df2, generator_factor)
    under_total = bias + var + n * sigma0**2 * rho
    gen_min = d + (2.0 if generator_factor == "exact" else 1.0)
    total = np.where(n == 0, bias + var, np.nan)
    total = np.where((n >= 1) & (T0 >= gen_min), under_total, total)
    over = (n >= 1) & (T0 < d)
    if over.any():
        eng = general_engine(kap, T, T0, n, sigma, sigma0, designs, spec)
        total = np.where(over, eng, total)
    total = np.where(peak, np.nan, total)
    collapse = total - (bias + var)
    return {
        "kappa": kap, "bias": bias, "variance": var, "collapse": collapse, "total": total,
        "lam_eff": lam, "rho": rho, "null": np.broadcast_to(spec.w0_sigma_norm2, (P,)),
        "d": d,
    }


# --------------------------------------------------------------------------- guides
def thm41_exact(d: Any, T: Any, T0: Any, n: Any, sigma: Any, sigma0: Any) -> np.ndarray:
    """Theorem 4.1, exact finite-sample form (§3): σ²d/(T−d−1) + nσ0²d/(T0−d−1).

    Valid for any Σ when T ≥ d + 2, T0 ≥ d + 2 and λ = 0; NaN elsewhere.
    """
    d, T, T0, n, sigma, sigma0 = (np.asarray(v, float) for v in (d, T, T0, n, sigma, sigma0))
    with np.errstate(divide="ignore", invalid="ignore"):
        val = sigma**2 * d / (T - d - 1.0) + n * sigma0**2 * d / (T0 - d - 1.0)
    ok = (T >= d + 2) & ((T0 >= d + 2) | (n == 0))
    return np.where(ok, val, np.nan)


def thm41_asymptotic(d: Any, T: Any, T0: Any, n: Any, sigma: Any, sigma0: Any) -> np.ndarray:
    """Theorem 4.1 as stated: σ²φ/(1−φ) + nσ0²φ0/(1−φ0), φ = d/T, φ0 = d/T0 (§3)."""
    d, T, T0, n, sigma, sigma0 = (np.asarray(v, float) for v in (d, T, T0, n, sigma, sigma0))
    phi, phi0 = d / T, d / T0
    with np.errstate(divide="ignore", invalid="ignore"):
        val = sigma**2 * phi / (1 - phi) + n * sigma0**2 * phi0 / (1 - phi0)
    return np.where((phi < 1) & ((phi0 < 1) | (n == 0)), val, np.nan)


def overparam_guides(d: Any, T0: Any, n: Any, w0_norm2: Any) -> dict[str, np.ndarray]:
    """Theorems 4.5 and 4.6 (§6.1), noiseless isotropic generators, λ → 0⁺, T > d:

    dependent:   ΔBias = (1 − 1/φ0)‖w0‖² for every n ≥ 1;
    independent: ΔBias = (1 − η)‖w0‖², η = min(1/φ0, 1)^n.
    """
    d, T0, n, w2 = (np.asarray(v, float) for v in (d, T0, n, w0_norm2))
    phi0 = d / T0
    q = np.minimum(1.0 / phi0, 1.0)
    dep = np.where(n >= 1, (1.0 - q) * w2, 0.0)
    indep = (1.0 - q**n) * w2
    return {"dependent": dep, "independent": indep}


def overparam_noisy_closed_form(d: Any, T: Any, T0: Any, n: Any, sigma: Any, sigma0: Any, w0_norm: Any) -> dict[str, np.ndarray]:
    """Exact isotropic closed forms of §6.3 (σ0 > 0, T0 < d − 1, λ = 0, T > d + 1):

    independent: (1 − qⁿ)‖w0‖² + c_gen (1 − qⁿ)/(1 − q) + σ²d/(T − d − 1);
    dependent:   (1 − q)‖w0‖² + n c_gen + σ²d/(T − d − 1)   (n ≥ 1),
    with q = T0/d and c_gen = σ0² T0/(d − T0 − 1).
    """
    d, T, T0, n, sigma, sigma0, w = (np.asarray(v, float) for v in (d, T, T0, n, sigma, sigma0, w0_norm))
    q = T0 / d
    with np.errstate(divide="ignore", invalid="ignore"):
        cgen = sigma0**2 * T0 / (d - T0 - 1.0)
        clean = sigma**2 * d / (T - d - 1.0)
    ok = (T0 < d - 1) & (T > d + 1)
    indep = (1 - q**n) * w**2 + cgen * (1 - q**n) / (1 - q) + clean
    dep = np.where(n >= 1, (1 - q) * w**2 + n * cgen, 0.0) + clean
    return {"independent": np.where(ok, indep, np.nan), "dependent": np.where(ok, dep, np.nan)}


def scaling_guides(beta: Any, r: Any, ell: Any, T0: Any, T: Any, a: float = 0.0) -> dict[str, np.ndarray]:
    """Asymptotic log-log slopes (§7.2-7.4; the paper gives no constants, so these are slopes only):

    bias −2ℓr̲, variance −(1 − ℓ/β), collapse +ℓ/β (T > d), corrected rate −(b − a)c with
    b = log T0/log T.
    """
    k = power_law_constants(beta, r)
    beta = np.asarray(beta, float)
    ell = np.asarray(ell, float)
    T = np.asarray(T, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.log(np.asarray(T0, float)) / np.log(T)
    return {
        "bias": -2.0 * ell * k["r_under"],
        "variance": -(1.0 - ell / beta),
        "collapse": ell / beta,
        "corrected": -(b - a) * k["c"],
    }
