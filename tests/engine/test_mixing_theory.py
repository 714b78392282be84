"""Theory of Strong Model Collapse (engine.theory.mixing) against shared/theory/mixing.md:
reference values (§7), closed forms (§2.3, §3.4), limits (§2.4, §3.3) and identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from engine import spectra
from engine.params import ParamError
from engine.theory import mixing as M

# §7 reference table (Corollary 1, Eq. 11): Σ = I, λ -> 0, σ² = 1, c² = 1, d = 100.
REF_T = (200, 1000, 10_000, 100_000, 1_000_000)
REF_TABLE = {
    0.0: ("1.000", "0.11111", "0.010101", "0.0010010", "0.00010001"),
    0.001: ("1.001", "0.11122", "0.010112", "0.0010030", "0.00010111"),
    0.01: ("1.010", "0.11231", "0.010301", "0.0011109", "0.00020100"),
    0.02: ("1.020", "0.11369", "0.010699", "0.0014206", "0.00050197"),
    0.05: ("1.050", "0.11889", "0.013081", "0.0035485", "0.0026048"),
    0.1: ("1.100", "0.13111", "0.021010", "0.011091", "0.010109"),
    0.2: ("1.200", "0.16889", "0.051717", "0.041161", "0.040116"),
    0.5: ("1.500", "0.38889", "0.26263", "0.25125", "0.25013"),
}


def _printed_tol(text: str) -> float:
    """Half a unit of the last printed digit."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


@pytest.mark.parametrize("p2", sorted(REF_TABLE))
def test_reference_table_theorem1_isotropic_ridgeless(p2: float) -> None:
    df = M.curve(T=list(REF_T), d=100, p_synth=p2, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0)
    assert list(df.columns) == ["T", "kappa", "bias", "variance", "synth", "total"]
    for got, text in zip(df["total"], REF_TABLE[p2]):
        assert abs(got - float(text)) <= _printed_tol(text), (p2, got, text)


@pytest.mark.parametrize("p2", sorted(REF_TABLE))
def test_reference_table_corollary1_closed_form(p2: float) -> None:
    got = M.corollary1(np.array(REF_T, float), 100, p2, 1.0, 1.0)
    for g, text in zip(got, REF_TABLE[p2]):
        assert abs(g - float(text)) <= _printed_tol(text)


def test_monte_carlo_reference_formula_column() -> None:
    """The 'formula' column of the §7 Monte Carlo table (d = 200)."""
    for T, p2, text in ((400, 0.1, "1.1000"), (1000, 0.2, "0.3300"), (4000, 0.05, "0.05763")):
        tot = M.curve(T=T, d=200, p_synth=p2, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0)["total"].iloc[0]
        assert abs(tot - float(text)) <= _printed_tol(text)


def test_noise_enters_only_through_the_mixture() -> None:
    """§2.2 step 2: only σ² = p1 σ1² + p2 σ2² enters."""
    a = M.curve(d=150, T=400, p_synth=0.3, sigma=0.2, sigma_synth=1.0, lam=0.01)
    s2 = 0.7 * 0.04 + 0.3 * 1.0
    b = M.curve(d=150, T=400, p_synth=0.3, sigma=math.sqrt(s2), sigma_synth=math.sqrt(s2), lam=0.01)
    assert np.allclose(a[["bias", "variance", "synth", "total"]], b[["bias", "variance", "synth", "total"]], rtol=1e-12)


# ---------------------------------------------------------------- independent clean ridge (for limits)
def _kappa_brentq(lam: float, T: float, eig: np.ndarray) -> float:
    if lam == 0 and T >= eig.size:
        return 0.0
    g = lambda k: k - lam - k * np.sum(eig / (eig + k)) / T  # noqa: E731
    return brentq(g, max(lam, 1e-300) if lam > 0 else 1e-14, lam + eig.sum() / T + 1.0, xtol=1e-15, rtol=1e-14)


def _clean_ridge(lam: float, T: float, eig: np.ndarray, a: np.ndarray, sigma2: float) -> float:
    """Standard ridge bias-variance (Δ = 0): (κ² Σ a ℓ/(ℓ+κ)² + σ² df2/n)/(1 - df2/n)."""
    k = _kappa_brentq(lam, T, eig)
    df2 = np.sum((eig / (eig + k)) ** 2)
    bias = k**2 * np.sum(a * eig / (eig + k) ** 2)
    return (bias + sigma2 * df2 / T) / (1.0 - df2 / T)


def _power(d: int, beta: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    j = np.arange(1, d + 1, dtype=float)
    delta = 1.0 + beta * (2 * r - 1)
    return j**-beta, j**-delta


@pytest.mark.parametrize("kind", ["p0", "c0"])
@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
@pytest.mark.parametrize("T,lam", [(80, 1e-3), (400, 0.05), (250, 0.0)])
def test_no_shift_gives_clean_ridge(kind: str, spectrum: str, T: int, lam: float) -> None:
    d, beta, r, w1 = 200, 1.7, 0.6, 1.3
    p2, c2 = (0.0, 0.8) if kind == "p0" else (0.25, 0.0)
    s1, s2 = 0.4, 0.9
    df = M.curve(d=d, T=T, p_synth=p2, c2=c2, lam=lam, sigma=s1, sigma_synth=s2, spectrum=spectrum,
                 beta=beta, r=r, w1_norm=w1)
    row = df.iloc[0]
    if spectrum == "isotropic":
        eig, a = np.ones(d), np.full(d, w1**2 / d)
    else:
        eig, a = _power(d, beta, r)
        a = w1**2 * a
    sigma2 = (1 - p2) * s1**2 + p2 * s2**2
    expected = _clean_ridge(lam, T, eig, a, sigma2)
    assert row["synth"] == 0.0
    assert row["total"] == pytest.approx(expected, rel=1e-9)
    assert row["kappa"] == pytest.approx(_kappa_brentq(lam, T, eig), rel=1e-9, abs=1e-14)


def test_interpolation_peak_of_the_classical_model_is_null() -> None:
    df = M.curve(d=100, T=[50, 100, 200], lam=0.0)
    assert np.isnan(df["total"].iloc[1]) and np.isnan(df["variance"].iloc[1])
    assert np.isfinite(df["total"].iloc[[0, 2]]).all()


# ---------------------------------------------------------------- floor (§2.4)
@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
def test_floor_as_T_to_infinity(spectrum: str) -> None:
    p2, c2 = 0.05, 0.7
    df = M.curve(d=300, T=[10**8, 10**9], p_synth=p2, c2=c2, lam=0.0, spectrum=spectrum)
    assert np.allclose(df["synth"], p2**2 * c2, rtol=1e-4, atol=0)  # ridgeless: floor p2² c² (+ O(d/n))
    assert abs(df["synth"].iloc[1] - df["synth"].iloc[0]) < 1e-4 * p2**2 * c2  # independent of T
    # fixed λ: ζ -> p2² tr ΔΣ³(Σ+λ)^{-2} and E -> λ² w1ᵀΣ(Σ+λ)^{-2}w1
    lam = 0.01
    df = M.curve(d=300, T=10**9, p_synth=p2, c2=c2, lam=lam, spectrum=spectrum)
    spec = M.mixing_spectrum(spectrum, 300, 2.0, 0.375)
    eig, _ = spectra.dense(spec)
    expected = p2**2 * (c2 / 300) * np.sum(eig**2 / (eig + lam) ** 2)
    assert df["synth"].iloc[0] == pytest.approx(expected, rel=1e-5)
    assert M.large_T_floor(p2, c2, lam, spec)[0] == pytest.approx(expected, rel=1e-12)
    clean = M.large_T_clean_floor(lam, 1.0, spec)[0]
    assert df["bias"].iloc[0] == pytest.approx(clean, rel=1e-5)


def test_floor_at_lambda_zero_is_p2_squared_c2() -> None:
    spec = M.mixing_spectrum("power", 500, 2.5, 0.5)
    assert M.large_T_floor([0.01, 0.001], 1.0, 0.0, spec) == pytest.approx([1e-4, 1e-6], rel=1e-12)


def test_crossover_isotropic() -> None:
    """§2.4 example: σ² = 1, d = 100, c² = 1, p2 = 0.01 -> n* = 10⁶."""
    assert M.crossover_isotropic(100, 0.01, 1.0, 1.0) == pytest.approx(1e6)
    assert np.isnan(M.crossover_isotropic(100, 0.0, 1.0, 1.0))


def test_crossover_from_clean_curve_matches_the_exact_intersection() -> None:
    """Isotropic ridgeless clean error σ²d/(n-d) meets the floor f at n = d + σ² d/f."""
    grid = np.unique(np.geomspace(10, 1e8, 400).astype(int))
    clean = M.curve(T=grid, d=100, p_synth=0.0, lam=0.0, sigma=1.0, sigma_synth=1.0)["total"].to_numpy()
    floors = np.array([1e-2, 1e-4, 2.5e-5])
    got = M.crossover_T(grid, clean, floors)
    assert got == pytest.approx(100 + 100 / floors, rel=2e-3)
    assert np.isnan(M.crossover_T(grid, clean, [1e-12]))[0]


def test_equivalent_real_samples() -> None:
    grid = np.unique(np.geomspace(10, 1e7, 600).astype(int))
    clean = M.curve(T=grid, d=100, p_synth=0.0, lam=0.0, sigma=1.0, sigma_synth=1.0)["total"].to_numpy()
    e_mix = M.curve(T=2000, d=100, p_synth=0.1, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0)["total"].iloc[0]
    # clean σ² d/(n - d) = E  <=>  n = d + σ² d/E
    assert M.equivalent_real_samples(e_mix, grid, clean) == pytest.approx(100 + 100 / e_mix, rel=2e-3)
    assert math.isnan(M.equivalent_real_samples(1e-9, grid, clean))


# ---------------------------------------------------------------- random projections (§3.3, §3.4)
def _theta_brentq(lam: float, T: float, m: float, s2: float, eig: np.ndarray) -> float:
    df1 = lambda t: np.sum(eig / (eig + t))  # noqa: E731
    k0 = min(m, T)
    t0 = 0.0 if k0 >= eig.size else brentq(lambda t: df1(t) - k0, 1e-14, 1e6, xtol=1e-16, rtol=1e-15)
    f = lambda t: t * (m - df1(t)) * (1 - df1(t) / T) - lam / s2  # noqa: E731
    return brentq(f, t0 * (1 + 1e-14) + 1e-300, 1e8, xtol=1e-18, rtol=1e-14)


@pytest.mark.parametrize("m", [20, 150, 299, 301, 450, 2000])
@pytest.mark.parametrize("lam", [1e-6, 1e-2, 3.0])
def test_theta_matches_scalar_root(m: int, lam: float) -> None:
    d, T = 400, 300
    spec = M.mixing_spectrum("power", d, 1.5, 0.5)
    eig, _ = spectra.dense(spec)
    for s2 in (1 / d, 1 / m):
        got = M.theta(lam, T, m, s2, spec)[0]
        assert got == pytest.approx(_theta_brentq(lam, T, m, s2, eig), rel=1e-8)


def test_theta_vectorised_equals_pointwise() -> None:
    spec = M.mixing_spectrum("power", 300, 2.0, 0.4)
    ms = np.array([10, 100, 250, 299, 301, 600, 5000])
    vec = M.theta(1e-3, 300, ms, 1 / 300, spec)
    one = np.array([M.theta(1e-3, 300, m, 1 / 300, spec)[0] for m in ms])
    assert np.allclose(vec, one, rtol=1e-12)


@pytest.mark.parametrize("m", [50, 200, 420])
def test_isotropic_closed_form_below_threshold(m: int) -> None:
    """§3.4: Σ = I, Δ = (c²/d) I, m < n < d, λ -> 0."""
    d, n, p2, c2, sig, r = 600, 500, 0.1, 0.5, 0.5, 1.2
    p1, q, u = 1 - p2, m / d, m / (n - m)
    B = r**2 * (1 - m / d) * n / (n - m)
    V = sig**2 * u
    Z = c2 * (p2**2 * (1 + p1 * u) * q + p2 * u * (1 - 2 * q * p2 + q * p2**2))
    row = M.curve(d=d, T=n, m=m, lam=0.0, p_synth=p2, c2=c2, sigma=sig, sigma_synth=sig, w1_norm=r).iloc[0]
    assert row["bias"] == pytest.approx(B, rel=1e-5)
    assert row["variance"] == pytest.approx(V, rel=1e-5)
    assert row["synth"] == pytest.approx(Z, rel=1e-5)
    assert row["total"] == pytest.approx(B + V + Z, rel=1e-5)


def test_m_equals_d_recovers_corollary1() -> None:
    """§3.3 consistency: m = d, isotropic, λ -> 0 gives Eq. 11."""
    for n, p2 in ((400, 0.1), (1000, 0.3)):
        tot = M.curve(d=100, T=n, m=100, lam=0.0, p_synth=p2, c2=1.0, sigma=1.0, sigma_synth=1.0)["total"].iloc[0]
        assert tot == pytest.approx(M.corollary1(n, 100, p2, 1.0, 1.0), rel=2e-3)


@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
def test_m_to_infinity_recovers_classical(spectrum: str) -> None:
    base = dict(d=200, T=150, p_synth=0.2, c2=0.8, sigma=0.5, sigma_synth=0.7, spectrum=spectrum, beta=1.8, r=0.5)
    cols = ["bias", "variance", "synth", "total"]
    big = 10**8
    # s² = 1/m: classical ridge with the same λ
    rp = M.curve(m=big, proj_var="1/m", lam=0.05, **base)
    cl = M.curve(m=0, lam=0.05, **base)
    assert np.allclose(rp[cols].to_numpy(), cl[cols].to_numpy(), rtol=1e-5)
    assert rp["theta"].iloc[0] == pytest.approx(cl["kappa"].iloc[0], rel=1e-5)
    # s² = 1/d: effective ridge λ d/m in w-space ...
    rp = M.curve(m=big, proj_var="1/d", lam=0.05, **base)
    cl = M.curve(m=0, lam=0.05 * 200 / big, **base)
    assert np.allclose(rp[cols].to_numpy(), cl[cols].to_numpy(), rtol=1e-4)
    # ... which tends to 0: the ridgeless classical model
    rp = M.curve(m=10**12, proj_var="1/d", lam=0.05, **base)
    cl = M.curve(m=0, lam=0.0, **base)
    assert np.allclose(rp[cols].to_numpy(), cl[cols].to_numpy(), rtol=1e-3)


def test_double_descent_and_amplification_when_d_exceeds_n() -> None:
    """§3.4, d > n: ζ grows with m below m = n, shrinks above, and stays above the classical
    ridgeless ζ; the total peaks at the threshold."""
    d, n = 600, 500
    below = np.array([50, 100, 200, 300, 400, 480])
    above = np.array([520, 700, 1000, 3000, 10000, 100000])
    kw = dict(d=d, T=n, lam=0.0, p_synth=0.1, c2=0.5)
    lo = M.curve(m=below, **kw)
    hi = M.curve(m=above, **kw)
    assert np.all(np.diff(lo["synth"]) > 0)
    assert np.all(np.diff(hi["synth"]) < 0)
    classical = M.curve(m=0, **kw).iloc[0]
    assert np.all(hi["synth"] > classical["synth"])
    assert hi["total"].iloc[-1] == pytest.approx(classical["total"], rel=1e-2)
    peak = max(lo["total"].iloc[-1], hi["total"].iloc[0])
    assert peak > 5 * max(lo["total"].iloc[0], hi["total"].iloc[-1])


def test_no_peak_when_d_below_n() -> None:
    """§3.4, d < n: at λ -> 0 the error is flat (= OLS) once m ≥ d."""
    kw = dict(d=150, T=500, lam=0.0, p_synth=0.2, c2=1.0)
    tot = M.curve(m=[150, 300, 499, 501, 1000, 5000], **kw)["total"].to_numpy()
    ols = M.curve(m=0, **kw)["total"].iloc[0]
    assert np.allclose(tot, ols, rtol=2e-3)


def test_omega_nonnegative_and_synth_lower_bound() -> None:
    """§3.3: ω ≥ 0, so the first term of ζ ≥ p2² tr ΔΣ³(Σ+θ)^{-2}; then ζ ≥ that bound."""
    spec = M.mixing_spectrum("power", 400, 2.0, 0.5)
    ms = np.array([5, 50, 200, 350, 450, 1000])
    out = M.evaluate(spec=spec, T=400, p_synth=0.3, c2=1.0, lam=1e-3, sigma=0.5, sigma_synth=0.5,
                     w1_norm=1.0, m=ms, s2=1 / 400)
    assert np.all(out["omega"] >= 0)
    bound = M.large_T_floor(0.3, 1.0, out["theta"], spec)
    assert np.all(out["synth"] >= bound)


# ---------------------------------------------------------------- weighted mixing (§4.1)
def test_weighted_mixing_at_alpha_p2_is_corollary1_to_first_order() -> None:
    p2, c2, s1, s2, d, T = 0.3, 1.0, 1.0, 0.5, 100, 10_000
    got = M.weighted_mixing(p2, p2, c2, s1, s2, d, T)
    phi = d / T
    sigma2 = (1 - p2) * s1**2 + p2 * s2**2
    assert got == pytest.approx(sigma2 * phi + (p2**2 + p2 * (1 - p2) * phi) * c2, rel=1e-12)


def test_weighted_mixing_alpha_star_and_floor() -> None:
    p2, c2, s1, s2, d = 0.3, 1.0, 1.0, 1.0, 100
    alphas = np.linspace(0, 1, 200_001)
    for T in (10**5, 10**6):
        E = M.weighted_mixing(alphas, p2, c2, s1, s2, d, T)
        a_num = alphas[np.argmin(E)]
        a_star = M.weighted_alpha_star(p2, c2, s1, d, T)
        assert a_num == pytest.approx(a_star, rel=0.1)
    # any fixed α floors at α² c² as n -> ∞
    assert M.weighted_mixing(0.3, p2, c2, s1, s2, d, 10**12) == pytest.approx(0.09 * c2, rel=1e-6)
    assert np.isnan(M.weighted_mixing(0.3, 0.0, c2, s1, s2, d, 1000))


# ---------------------------------------------------------------- columns and validation
def test_columns_follow_m() -> None:
    assert list(M.curve(m=0).columns) == ["kappa", "bias", "variance", "synth", "total"]
    assert list(M.curve(m=100).columns) == ["theta", "bias", "variance", "synth", "total"]
    df = M.curve(m=[0, 100])
    assert list(df.columns) == ["m", "kappa", "theta", "bias", "variance", "synth", "total"]
    assert np.isnan(df["theta"].iloc[0]) and np.isnan(df["kappa"].iloc[1])
    assert np.isfinite(df[["bias", "variance", "synth", "total"]].to_numpy()).all()


def test_sweep_over_spectrum_and_d() -> None:
    df = M.curve(spectrum=["isotropic", "power"], d=200, T=300)
    iso = M.curve(spectrum="isotropic", d=200, T=300)
    pw = M.curve(spectrum="power", d=200, T=300)
    assert df["total"].iloc[0] == pytest.approx(iso["total"].iloc[0], rel=1e-12)
    assert df["total"].iloc[1] == pytest.approx(pw["total"].iloc[0], rel=1e-12)
    dd = M.curve(d=[50, 400], T=300, spectrum="power", m=100)
    for i, d in enumerate((50, 400)):
        assert dd["total"].iloc[i] == pytest.approx(M.curve(d=d, T=300, spectrum="power", m=100)["total"].iloc[0], rel=1e-10)


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(p_synth=1.5), "p_synth"),
        (dict(p_synth=-0.1), "p_synth"),
        (dict(c2=-1.0), "c2"),
        (dict(m=500, T=500, lam=0.0), "interpolation threshold"),
        (dict(m=[100, 500], T=500, lam=0.0), "interpolation threshold"),
        (dict(proj_var="1/k"), "proj_var"),
    ],
)
def test_bad_input_raises_clear_message(kwargs: dict, needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        M.curve(**kwargs)


def test_full_synthetic_and_edge_values_are_finite() -> None:
    df = M.curve(p_synth=[0.0, 1.0], m=0, T=800, d=200, lam=1e-3)
    assert np.isfinite(df.drop(columns="p_synth").to_numpy()).all()
    df = M.curve(m=[1, 10_000], T=10, d=10, lam=0.0)
    assert np.isfinite(df.drop(columns="m").to_numpy()).all()


# ---------------------------------------------------------------- page views (§10)
def test_readouts_match_the_baselines_and_closed_forms() -> None:
    """Isotropic ridgeless, T > d: E_clean(n) = σ² d/(n - d), so the equivalent real sample size is
    d + σ² d/E_mix and a synthetic sample is worth (n_eq - n1)/n2 real ones."""
    p = M.resolve_params(dict(d=100, T=2000, p_synth=0.1, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0))
    ro = M.readouts(p)
    e_mix = M.corollary1(2000, 100, 0.1, 1.0, 1.0)
    assert ro["error_mix"] == pytest.approx(e_mix, rel=1e-12)
    assert ro["error_real_same_T"] == pytest.approx(100 / 1900, rel=1e-12)
    assert ro["error_real_n1"] == pytest.approx(100 / 1700, rel=1e-12)
    assert ro["floor"] == pytest.approx(0.01)
    assert ro["n_star"] == pytest.approx(100 / 0.01)
    assert ro["ratio_mix_clean"] == pytest.approx(e_mix / (100 / 1900), rel=1e-12)
    n_eq = 100 + 100 / e_mix
    assert ro["equivalent_T"] == pytest.approx(n_eq, rel=2e-3)
    assert ro["worth_per_synthetic"] == pytest.approx((n_eq - 1800) / 200, abs=0.05)
    assert ro["worth_per_synthetic"] < 0  # at this T and c² the synthetic samples hurt


def test_theory_view_shapes_and_gaps() -> None:
    p = {"d": 100, "T": 300, "lam": 0.0, "m": 0}
    v = M.theory_view(p)
    sc = v["scaling"]["curves"]
    assert set(sc["p_synth"]) == set(M.SCALING_FRACTIONS)
    assert sc.loc[sc["T"] == 100, "total"].isna().all() and sc.loc[sc["T"] != 100, "total"].notna().all()
    wd = v["width"]["curves"]
    assert 300 not in set(wd["m"])  # m = T left out at λ = 0
    assert wd["total"].notna().all()
    assert (wd["psi"] == wd["m"] / 300).all()
    pa = v["pareto"]
    assert set(pa["c2"]) == set(M.PARETO_QUALITIES) and pa["error_mix"].notna().all()
    with pytest.raises(ParamError, match="interpolation threshold"):
        M.theory_view({"m": 300, "T": 300, "lam": 0.0})
    with pytest.raises(ValueError, match="vary"):
        M.width_view(M.resolve_params({}), vary="sigma")


def test_scaling_view_crossover_power_law_lies_on_the_clean_curve() -> None:
    p = M.resolve_params(dict(spectrum="power", lam=1e-6, c2=1.0, p_synth=0.2))
    sc = M.scaling_view(p)
    mk = sc["marks"].set_index("p_synth")
    clean = sc["curves"][sc["curves"]["p_synth"] == 0.0]
    n_star = mk.loc[0.2, "crossover_T"]
    assert np.isfinite(n_star)
    # the clean error at n* equals the floor (log-log interpolation of the clean curve)
    e_at = np.exp(np.interp(np.log(n_star), np.log(clean["T"]), np.log(clean["total"])))
    assert e_at == pytest.approx(mk.loc[0.2, "floor_lam"], rel=1e-6)
