"""κ solver and degrees of freedom against regression.md §4 and §10."""
import numpy as np
import pytest

from engine import spectra


KAPPA_TABLE = [  # (φ, λ, κ) from regression.md §10
    (0.3, 0.1, 0.135890),
    (0.3, 1e-3, 0.001428),
    (2.0, 0.0, 1.000000),
    (2.0, 0.1, 1.184429),
    (0.5, 1.0, 1.280776),
]


def _ungrouped_identity(d):
    """Σ = I written as d separate groups: exercises the generic Newton path."""
    return spectra.Spectrum(np.ones((1, d)), np.ones((1, d)), np.full((1, d), 1.0 / d))


@pytest.mark.parametrize("grouped", [True, False])
def test_kappa_reference_table(grouped):
    d = 300
    phi, lam, ref = map(np.array, zip(*KAPPA_TABLE))
    spec = spectra.isotropic(d) if grouped else _ungrouped_identity(d)
    got = spectra.kappa(lam, d / phi, spec)
    np.testing.assert_allclose(got, ref, atol=5e-7)


def test_kappa_closed_form_matches_generic_solver_on_a_grid():
    lam = np.logspace(-6, 2, 40)
    phi = np.linspace(0.05, 4.0, 40)
    d = 200
    got = spectra.kappa(lam, d / phi, _ungrouped_identity(d))
    np.testing.assert_allclose(got, spectra.kappa_isotropic(lam, phi), rtol=1e-9, atol=1e-14)


def test_kappa_solves_fixed_point_for_power_law_including_lambda_zero():
    spec = spectra.power_law(1000, 2.0, 0.375)
    lam = np.array([0.0, 0.0, 1e-8, 1e-3, 0.5, 0.0])
    T = np.array([10.0, 999.0, 1000.0, 50.0, 5.0, 1000.0])
    k = spectra.kappa(lam, T, spec)
    d1 = spectra.df(k, spec, 1)
    # κ − λ = κ df1(κ)/T
    np.testing.assert_allclose(k - lam, k * d1 / T, rtol=1e-10, atol=1e-300)
    assert k[-1] == 0.0  # λ = 0 with T ≥ d
    assert np.all(k[:2] > 0)  # λ = 0 with T < d: κ0 > 0 with df1(κ0) = T
    np.testing.assert_allclose(d1[:2], T[:2], rtol=1e-9)


def test_kappa_at_interpolation_threshold_and_large_d():
    # T = d exactly with tiny λ: the root exists and is small; no NaN, no inf
    spec = spectra.power_law(100_000, 1.5, 0.5)
    k = spectra.kappa(np.array([0.0, 1e-12, 1e-3]), np.array([100_000.0, 100_000.0, 300.0]), spec)
    assert np.all(np.isfinite(k))
    assert k[0] == 0.0 and 0 < k[1] < 1e-3
    d1 = spectra.df(k[2:], spec)
    np.testing.assert_allclose(k[2] - 1e-3, k[2] * d1 / 300.0, rtol=1e-9)


def test_kappa_derivative_lemma_I2():
    # ∂κ/∂λ = 1/(1 − df2(κ)/T) (Lemma I.2), checked by central differences
    spec = spectra.power_law(500, 2.0, 0.375)
    lam, T, h = 0.01, 200.0, 1e-7
    kp, km, k0 = spectra.kappa(np.array([lam + h, lam - h, lam]), np.full(3, T), spec)
    numeric = (kp - km) / (2 * h)
    analytic = 1.0 / (1.0 - spectra.df(np.array([k0]), spec, 2)[0] / T)
    assert numeric == pytest.approx(analytic, rel=1e-5)


def test_power_law_source_condition_norm():
    # (β, r) = (2, 0.375): c_j = j^-0.25 and ‖w0‖_Σ² = 1.3414 at d = 300 (regression.md, spectrum section)
    spec = spectra.power_law(300, 2.0, 0.375)
    assert spec.w0_sigma_norm2[0] == pytest.approx(1.3414, abs=5e-5)
    assert spectra.source_delta(2.0, 0.375) == pytest.approx(0.5)


def test_padded_rows_match_individual_spectra():
    both = spectra.power_law(np.array([50, 80]), 2.0, 0.5)
    for i, d in enumerate((50, 80)):
        one = spectra.power_law(d, 2.0, 0.5)
        assert spectra.df(np.array([0.01]), spectra.Spectrum(both.eig[i:i + 1], both.mult[i:i + 1], both.c2[i:i + 1]))[0] == \
            pytest.approx(spectra.df(np.array([0.01]), one)[0], rel=1e-12)
