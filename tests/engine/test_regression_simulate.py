"""Theory vs Monte Carlo for the regression model (regression.md §9 tolerance):
|theory − mean| ≤ 4 se + allowance, allowance = 0 for the exact results (Thm 4.1, Thms 4.5-4.6
isotropic) and 3% of the theory value for the random-matrix formulas at d ≥ 100."""
import numpy as np
import pytest

from engine.simulate.regression import simulate
from engine.theory import regression as R

COLS = ("total", "bias", "variance", "collapse")

RMT_POINTS = [  # d ≥ 100, at least 20% away from T = d and T0 = d
    dict(spectrum="isotropic", d=100, T=400, T0=200, lam=0.01, n=3),
    dict(spectrum="power", d=100, T=400, T0=200, lam=0.3, n=3, sigma=1.0, sigma0=1.0),
    dict(spectrum="isotropic", d=100, T=50, T0=200, lam=0.01, n=3),
    dict(spectrum="power", d=100, T=50, T0=200, lam=0.3, n=0, sigma=1.0),
    dict(spectrum="isotropic", d=100, T=400, T0=50, lam=0.01, n=2, sigma0=0.3, design="independent"),
    dict(spectrum="isotropic", d=100, T=400, T0=50, lam=0.01, n=2, sigma0=0.3, design="dependent"),
    dict(spectrum="power", d=100, T=60, T0=40, lam=0.1, n=3, design="dependent"),
    dict(spectrum="power", d=100, T=60, T0=40, lam=0.1, n=3, design="independent"),
    dict(spectrum="power", d=120, T=2000, T0=300, lam_rule="critical", n=2, sigma=1.0, sigma0=1.0),
]


@pytest.mark.parametrize("point", RMT_POINTS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_random_matrix_theory_matches_monte_carlo(point):
    th = R.curve(**point).iloc[0]
    mc = simulate(seeds=150, seed=7, **point).iloc[0]
    for col in COLS:
        tol = 4 * mc[f"{col}_se"] + 0.03 * abs(th[col])
        assert abs(th[col] - mc[f"{col}_mean"]) <= tol, (col, th[col], mc[f"{col}_mean"], mc[f"{col}_se"])


@pytest.mark.parametrize("spectrum", ["isotropic", "power"])
def test_theorem_4_1_exact_matches_monte_carlo_without_allowance(spectrum):
    # §10: d=50, T0=100, T=200, σ=0.5, σ0=0.3, λ = 0 (the exact value holds for any Σ)
    n = [0, 1, 3, 5]
    mc = simulate(seeds=400, seed=3, spectrum=spectrum, d=50, T=200, T0=100, sigma=0.5, sigma0=0.3, lam=0.0, n=n)
    exact = R.thm41_exact(50, 200, 100, np.array(n), 0.5, 0.3)
    assert np.all(np.abs(mc["total_mean"] - exact) <= 4 * mc["total_se"])
    # the exact variance is σ²d/(T−d−1) and the OLS bias is 0
    np.testing.assert_allclose(mc["variance_mean"], 0.25 * 50 / 149, rtol=0.02)
    np.testing.assert_allclose(mc["bias_mean"], 0.0, atol=1e-18)


def test_theorems_4_5_and_4_6_isotropic_noiseless_generators():
    # Fig. 2 setup: d=300, T0=150, σ0=0, σ=0.1, λ → 0, T=1000; exact in expectation for isotropic designs
    n = [1, 2, 3]
    clean = 0.01 * 300 / (1000 - 300 - 1)
    for design, ref in (("dependent", [0.5, 0.5, 0.5]), ("independent", [0.5, 0.75, 0.875])):
        mc = simulate(seeds=40, seed=11, d=300, T=1000, T0=150, sigma0=0.0, sigma=0.1, lam=0.0, n=n, design=design)
        assert np.all(np.abs(mc["total_mean"] - (np.array(ref) + clean)) <= 4 * mc["total_se"]), design


def test_simulation_is_deterministic_for_a_seed():
    kw = dict(d=40, T=100, T0=30, n=2, lam=0.05, seeds=5)
    a, b, c = simulate(seed=1, **kw), simulate(seed=1, **kw), simulate(seed=2, **kw)
    assert a.equals(b)
    assert not np.allclose(a["total_mean"], c["total_mean"])


def test_simulation_columns_and_sweep():
    out = simulate(seeds=3, d=30, T=[20, 60], T0=40, n=1)
    assert list(out.columns) == ["T"] + [f"{c}_{s}" for c in COLS for s in ("mean", "se")]
    assert list(out["T"]) == [20, 60]
    np.testing.assert_allclose(out["collapse_mean"],
                               out["total_mean"] - out["bias_mean"] - out["variance_mean"], rtol=1e-9, atol=1e-12)
