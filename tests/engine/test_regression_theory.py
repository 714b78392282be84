"""Regression theory against regression.md: reference tables (§8, §10), identities and limits."""
import numpy as np
import pytest

from engine import spectra
from engine.params import ParamError
from engine.sweep import resolve_call
from engine.theory import regression as R

# Figure 1a left panel (§8): Cor. 4.4 at d=300, T=1000, T0=600, σ=0.1, σ0=0.2, ‖w0‖=1, exact factor.
FIG1A = {
    1e-4: [0.0043, 0.0444, 0.0845, 0.2049, 0.4055, 0.8067],
    1e-2: [0.0044, 0.0434, 0.0824, 0.1995, 0.3946, 0.7848],
    1e-1: [0.0217, 0.0530, 0.0842, 0.1781, 0.3345, 0.6473],
    1.0: [0.3092, 0.3186, 0.3280, 0.3561, 0.4031, 0.4969],
    10.0: [0.8324, 0.8328, 0.8332, 0.8344, 0.8364, 0.8403],
}
NS = [0, 1, 2, 5, 10, 20]


@pytest.mark.parametrize("lam", sorted(FIG1A))
def test_figure_1a_table(lam):
    got = R.curve(lam=lam, n=NS)["total"].to_numpy()
    np.testing.assert_allclose(got, FIG1A[lam], atol=5e-5)


def test_figure_1a_minima_over_lambda():
    lam = np.logspace(-4, 1, 2001)
    mins = [R.curve(lam=lam, n=n)["total"].min() for n in NS]
    np.testing.assert_allclose(mins, [0.0043, 0.0430, 0.0795, 0.1776, 0.3080, 0.4826], atol=5e-5)
    argmins = [lam[R.curve(lam=lam, n=n)["total"].to_numpy().argmin()] for n in NS]
    # the arg-min is flat: check loosely (factor 1.6) and that it moves right with n
    for got, ref in zip(argmins, [0.003, 0.023, 0.046, 0.12, 0.27, 0.66]):
        assert ref / 1.6 < got < ref * 1.6
    assert np.all(np.diff(argmins) > 0)


def test_corollary_4_4_table_with_paper_denominator():
    lam = [1e-3, 0.1, 1.0]
    df0 = R.curve(lam=lam, n=0, generator_factor="paper")
    np.testing.assert_allclose(df0["kappa"], [0.001428, 0.135890, 1.161187], atol=5e-7)
    np.testing.assert_allclose(df0["bias"], [0.000003, 0.018648, 0.308497], atol=5e-7)
    np.testing.assert_allclose(df0["variance"], [0.004268, 0.003030, 0.000686], atol=5e-7)
    call = resolve_call("regression", {"lam": lam, "n": 1})
    rho = R.compute(call, generator_factor="paper")["rho"]
    np.testing.assert_allclose(rho, [0.997152, 0.779382, 0.233914], atol=5e-7)
    np.testing.assert_allclose(df0["total"], [0.004271, 0.021678, 0.309183], atol=5e-7)
    for n, ref in ((1, [0.044157, 0.052853, 0.318540]), (10, [0.403132, 0.333430, 0.402749])):
        np.testing.assert_allclose(R.curve(lam=lam, n=n, generator_factor="paper")["total"], ref, atol=5e-7)


def test_isotropic_rho_special_case():
    # ρ ≃ φ0/(1−φ0) · 1/(1+κ)² · (1 + φκ²/((1+κ)² − φ)) with the paper factor (§5)
    d, T, T0 = 300, 1000, 600
    lam = np.array([1e-3, 0.05, 0.7, 3.0])
    call = resolve_call("regression", {"lam": lam, "n": 1, "d": d, "T": T, "T0": T0})
    out = R.compute(call, generator_factor="paper")
    k = out["kappa"]
    phi, phi0 = d / T, d / T0
    ref = phi0 / (1 - phi0) / (1 + k) ** 2 * (1 + phi * k**2 / ((1 + k) ** 2 - phi))
    np.testing.assert_allclose(out["rho"], ref, rtol=1e-10)


def test_theorem_4_1_exact_reference():
    # §10: d=50, T0=100, T=200, σ=0.5, σ0=0.3
    got = R.thm41_exact(50, 200, 100, np.array([0, 1, 3, 5]), 0.5, 0.3)
    np.testing.assert_allclose(got, [0.08389, 0.17573, 0.35940, 0.54308], atol=5e-6)
    asym = R.thm41_asymptotic(50, 200, 100, np.array([0, 1, 3, 5]), 0.5, 0.3)
    np.testing.assert_allclose(asym, [0.0833, 0.1733, 0.3533, 0.5333], atol=5e-5)
    # §8: at T = 1000 (Fig. 1a setup), E = 0.004292 + 0.040134 n
    np.testing.assert_allclose(R.thm41_exact(300, 1000, 600, np.array([0, 1, 2, 5, 10]), 0.1, 0.2),
                               [0.004292, 0.044426, 0.084559, 0.204961, 0.405630], atol=5e-7)


@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
def test_lambda_to_zero_recovers_theorem_4_1_collapse_term(spectrum):
    # λ → 0 with T > d: the collapse term becomes nσ0²d/(T0−d−1) exactly (canonical factor)
    d, T, T0 = 100, 400, 250
    out = R.curve(spectrum=spectrum, d=d, T=T, T0=T0, lam=1e-10, n=[1, 4], sigma0=0.3)
    np.testing.assert_allclose(out["collapse"], np.array([1, 4]) * 0.09 * d / (T0 - d - 1), rtol=1e-6)


@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
def test_n_zero_is_clean_ridge_error(spectrum):
    out = R.curve(spectrum=spectrum, n=0, lam=[1e-3, 0.1, 2.0], T0=50)
    np.testing.assert_allclose(out["total"], out["bias"] + out["variance"], rtol=1e-14)
    np.testing.assert_array_equal(out["collapse"], 0.0)


@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
@pytest.mark.parametrize("design", ["independent", "dependent"])
def test_general_engine_equals_eq19_for_underparameterized_generators(spectrum, design):
    call = resolve_call("regression", {"spectrum": spectrum, "d": 120, "T": [60, 300, 5000], "T0": 400,
                                       "lam": 0.02, "n": 3, "design": design})
    out = R.compute(call)
    spec = spectra.make_spectrum(spectrum, 120, 2.0, 0.375, 1.0)
    eng = R.general_engine(out["kappa"], call.array("T"), call.array("T0"), call.array("n", int),
                           call.array("sigma"), call.array("sigma0"), design, spec)
    np.testing.assert_allclose(eng, out["total"], rtol=1e-10)


def test_general_engine_at_n_zero_reduces_to_bias():
    call = resolve_call("regression", {"spectrum": "power", "T": [50, 500], "lam": 0.01, "n": 0, "T0": 40})
    out = R.compute(call)
    spec = spectra.power_law(300, 2.0, 0.375)
    eng = R.general_engine(out["kappa"], call.array("T"), call.array("T0"), call.array("n", int),
                           call.array("sigma"), call.array("sigma0"), "independent", spec)
    np.testing.assert_allclose(eng, out["bias"] + out["variance"], rtol=1e-10)


def test_dependent_and_independent_designs():
    kw = dict(d=300, T=1000, T0=150, lam=1e-9, sigma0=0.0, sigma=0.1, n=[1, 2, 3, 5])
    dep = R.curve(design="dependent", **kw)["total"].to_numpy()
    ind = R.curve(design="independent", **kw)["total"].to_numpy()
    clean = 0.01 * 300 / (1000 - 300)
    # Fig. 2: dependent jumps by (1 − 1/φ0)‖w0‖² = 0.5 for every n; independent climbs as 1 − 2^-n
    np.testing.assert_allclose(dep - clean, 0.5, atol=2e-3)
    np.testing.assert_allclose(ind - clean, [0.5, 0.75, 0.875, 0.96875], atol=2e-3)
    # with T0 ≥ d both designs agree
    kw2 = dict(d=100, T=500, T0=300, lam=0.01, n=[1, 4])
    np.testing.assert_allclose(R.curve(design="dependent", **kw2)["total"], R.curve(design="independent", **kw2)["total"])


def test_overparameterized_noisy_engine_close_to_exact_closed_forms():
    # §6.3 exact closed forms vs the asymptotic engine (agree to O(1/d))
    n = np.array([1, 2, 5, 10])
    for design in ("independent", "dependent"):
        eng = R.curve(d=400, T=2000, T0=150, lam=0.0, sigma0=0.2, n=list(n), design=design)["total"].to_numpy()
        exact = R.overparam_noisy_closed_form(400, 2000, 150, n, 0.1, 0.2, 1.0)[design]
        np.testing.assert_allclose(eng, exact, rtol=5e-3)


def test_gaps_instead_of_inf():
    # T0 ∈ {d, d+1} is not covered; λ = 0 at T = d is the interpolation peak
    out = R.curve(T0=[300, 301, 302], n=1)
    assert np.isnan(out["total"][0]) and np.isnan(out["total"][1]) and np.isfinite(out["total"][2])
    peak = R.curve(lam=0.0, T=300, n=0)
    assert peak[["bias", "variance", "total"]].isna().all(axis=None)
    # but T = d with λ > 0 is fine, and n = 0 ignores T0
    assert np.isfinite(R.curve(lam=0.01, T=300, n=2)["total"][0])
    assert np.isfinite(R.curve(T0=300, n=0)["total"][0])


def test_lambda_rules_and_constants():
    k = R.power_law_constants(np.array([2.0, 1.65, 1.2, 2.0]), np.array([0.375, 0.097, 0.15, 1.5]))
    np.testing.assert_allclose(k["ell_crit"], [0.8, 1.2499, 0.8824, 0.4], atol=5e-5)
    np.testing.assert_allclose(k["c"], [0.6, 0.2425, 0.2647, 0.8], atol=5e-5)
    np.testing.assert_allclose(k["delta"], [0.5, -0.330, 0.16, 5.0], atol=5e-4)
    T = np.array([1.0, 100.0, 1e4])
    assert np.allclose(R.effective_lambda("adaptive", 0, T, 600, 0.5, 2, 0.375), T**-0.5)
    assert np.allclose(R.effective_lambda("critical", 0, T, 600, 0.5, 2, 0.375), T**-0.8)
    corr = R.effective_lambda("corrected", 0, T, 600, 0.5, 2, 0.375)
    assert np.allclose(corr, np.maximum(600**-0.8, T**-2.0))
    assert corr[-1] == pytest.approx(0.0060, abs=5e-5)  # T0^-0.8 ≈ 0.0060 (§8 Fig. 1b)
    # Cor. 5.2: b = 1 -> 0.8; b = 0.5 -> 0.4 (a = 0)
    np.testing.assert_allclose(R.ell_star(2.0, 0.375, np.array([1e4, 1e4]), np.array([1e4, 100.0])), [0.8, 0.4])
    assert np.isnan(R.ell_star(2.0, 0.375, 1.0, 600.0))


def test_critical_rule_error_grows_with_T_for_n_ge_1_and_corrected_levels_off():
    T = np.round(np.logspace(3, 6, 13))
    kw = dict(spectrum="power", d=300, T0=600, sigma=1.0, sigma0=1.0, n=1, T=list(T))
    crit = R.curve(lam_rule="critical", **kw)["total"].to_numpy()
    corr = R.curve(lam_rule="corrected", **kw)["total"].to_numpy()
    assert crit[-1] > crit.min() * 1.2  # U-shape: grows at large T
    assert np.all(np.diff(corr) <= 1e-12)  # non-increasing
    assert corr[-1] < crit[-1]


def test_validation_errors_name_the_parameter():
    with pytest.raises(ParamError, match="lam.*>= 0"):
        R.curve(lam=-1)
    with pytest.raises(ParamError, match="beta"):
        R.curve(beta=1.0)
    with pytest.raises(ParamError, match="only one parameter"):
        R.curve(lam=[0.1, 1], n=[1, 2])
    with pytest.raises(ParamError, match="lam_rule"):
        R.curve(lam_rule="magic")


def test_sweeps_over_spectrum_keys_match_pointwise():
    ds = [50, 120, 400]
    swept = R.curve(spectrum="power", d=ds, n=2, T0=30, lam=0.05)
    for i, d in enumerate(ds):
        one = R.curve(spectrum="power", d=d, n=2, T0=30, lam=0.05)
        np.testing.assert_allclose(swept.iloc[i][list(R.OUTPUT_COLUMNS)].to_numpy(float),
                                   one.iloc[0][list(R.OUTPUT_COLUMNS)].to_numpy(float), rtol=1e-9)
    mixed = R.curve(spectrum=["isotropic", "power"], n=1)
    assert mixed["total"][0] == pytest.approx(R.curve(n=1)["total"][0], rel=1e-12)
    assert mixed["total"][1] == pytest.approx(R.curve(n=1, spectrum="power")["total"][0], rel=1e-12)


def test_slope_check_of_exact_formula_section_7_7():
    # d=4000, T0=8000, (β,r)=(2,0.375), σ=σ0=1, n=1, λ=T^-ℓ: local slopes near T=1e5
    T = np.array([8e4, 1.25e5])
    for ell in (0.4, 0.8):
        out = R.curve(spectrum="power", d=4000, T0=8000, sigma=1, sigma0=1, n=1, lam_rule="adaptive", ell=ell, T=list(T))
        slope = lambda col: np.diff(np.log(out[col].to_numpy()))[0] / np.diff(np.log(T))[0]
        assert slope("bias") == pytest.approx(-2 * ell * 0.375, abs=0.05)
        assert slope("variance") == pytest.approx(-(1 - ell / 2), abs=0.05)
        assert slope("collapse") == pytest.approx(ell / 2, abs=0.05)
