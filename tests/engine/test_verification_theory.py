"""Theory of the verification model (shared/theory/verification.md): the §3.2 reference rows,
identities, limits and the §2.5 linear-verifier formula against an independent quadrature."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from engine.params import ParamError
from engine.theory import verification as V

COLUMNS = ["acc", "acc_inf", "bayes", "p_star", "keep_frac", "purity", "n_eff", "acc_inf_feature"]

# §3.2 test vectors: (canonical kwargs, expected π, c, p*, q_sel, acc_inf, acc_N, N_eff)
REFERENCE = [
    (dict(p_err=0.3, verifier="none", N=1e3), 1.000, 0.4000, 0.5000, 0.7000, 0.8413, 0.7836, 160.0),
    (dict(p_err=0.3, verifier="none", N=1e4), 1.000, 0.4000, 0.5000, 0.7000, 0.8413, 0.8340, 1600.0),
    (dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e3),
     0.760, 0.8421, 0.8333, 0.9211, 0.8413, 0.8208, 538.9),
    (dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e4),
     0.760, 0.8421, 0.8333, 0.9211, 0.8413, 0.8391, 5389.5),
    (dict(p_err=0.3, verifier="random", keep_rate=0.5, N=1e3), 0.500, 0.4000, 0.5000, 0.7000, 0.8413, 0.7475, 80.0),
    (dict(p_err=0.6, verifier="none", N=1e4), 1.000, -0.2000, 0.5000, 0.4000, 0.1587, 0.1855, 400.0),
    (dict(p_err=0.6, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e4),
     0.520, 0.5385, 0.8333, 0.7692, 0.8413, 0.8336, 1507.7),
]


@pytest.mark.parametrize("kwargs, pi, c, p_star, q_sel, acc_inf, acc_n, n_eff", REFERENCE)
def test_reference_rows(kwargs, pi, c, p_star, q_sel, acc_inf, acc_n, n_eff):
    row = V.details(d=100, snr=1.0, **kwargs).iloc[0]
    assert round(row["keep_frac"], 3) == pytest.approx(pi, abs=1e-12)
    assert round(row["c"], 4) == pytest.approx(c, abs=1e-12)
    assert round(row["p_star"], 4) == pytest.approx(p_star, abs=1e-12)
    assert round(row["purity"], 4) == pytest.approx(q_sel, abs=1e-12)
    assert round(row["acc_inf"], 4) == pytest.approx(acc_inf, abs=1e-12)
    assert round(row["acc"], 4) == pytest.approx(acc_n, abs=1e-12)
    assert round(row["n_eff"], 1) == pytest.approx(n_eff, abs=1e-9)
    assert round(row["bayes"], 4) == 0.8413


def test_bayes_reference_values():
    assert round(float(V.bayes_accuracy(1.0)), 4) == 0.8413
    assert round(float(V.bayes_accuracy(2.0)), 4) == 0.9772


def test_averaged_refinement_close_to_deterministic_on_test_vectors():
    """§2.3: the ξ-averaged form differs from the deterministic one by < 0.003 on §3.2."""
    for kwargs, *_ in REFERENCE:
        row = V.details(d=100, snr=1.0, **kwargs).iloc[0]
        assert abs(row["acc_avg"] - row["acc"]) < 0.003
        assert row["acc_avg"] != row["acc"]  # it is a genuinely different formula


def test_averaged_refinement_against_direct_quadrature():
    c, r, d, n = 0.4, 1.0, 100.0, 1000.0

    def integrand(xi: float) -> float:
        num = c * r * r + r * xi / math.sqrt(n)
        den = math.sqrt(c * c * r * r + 2 * c * r * xi / math.sqrt(n) + d / n)
        return stats.norm.cdf(num / den) * stats.norm.pdf(xi)

    expected, _ = integrate.quad(integrand, -9, 9)  # the spec's radicand stays > 0 here
    assert float(V.accuracy_finite_averaged(c, r, d, n)) == pytest.approx(expected, abs=1e-9)


def test_curve_columns_and_sweep_column_first():
    df = V.curve(N=[1e2, 1e3, 1e4])
    assert list(df.columns) == ["N", *COLUMNS]
    assert len(df) == 3
    single = V.curve()
    assert list(single.columns) == COLUMNS and len(single) == 1


def test_acc_increases_with_N_and_reaches_acc_inf():
    df = V.curve(verifier="custom", N=np.logspace(1, 8, 30))
    assert np.all(np.diff(df["acc"]) > 0)
    assert df["acc"].iloc[-1] == pytest.approx(df["acc_inf"].iloc[-1], abs=1e-4)
    inf_row = V.curve(verifier="custom", N=math.inf).iloc[0]
    assert inf_row["acc"] == inf_row["acc_inf"]
    assert math.isnan(inf_row["n_eff"])


def test_n_eff_identity_for_positive_c():
    """§2.3: for c > 0, acc = Φ(r / √(1 + d/(r² N_eff)))."""
    df = V.curve(verifier="noisy_oracle", flip=0.1, p_err=np.linspace(0.0, 0.85, 12), N=3e3, d=50, snr=1.5)
    expected = stats.norm.cdf(1.5 / np.sqrt(1 + 50 / (1.5**2 * df["n_eff"])))
    np.testing.assert_allclose(df["acc"], expected, atol=1e-12)


# --------------------------------------------------------------------------- limits (acceptance)
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_oracle_reaches_bayes_for_any_p_below_one(p):
    row = V.curve(verifier="oracle", p_err=p, N=math.inf, snr=1.3).iloc[0]
    assert row["acc_inf"] == pytest.approx(row["bayes"], abs=1e-15)
    assert row["p_star"] == 1.0
    big = V.curve(verifier="oracle", p_err=p, N=1e12, snr=1.3).iloc[0]
    assert big["acc"] == pytest.approx(big["bayes"], abs=1e-6)


def test_oracle_at_p_one_keeps_nothing():
    row = V.curve(verifier="oracle", p_err=1.0).iloc[0]
    assert row["keep_frac"] == 0 and row["n_eff"] == 0
    assert math.isnan(row["acc"]) and math.isnan(row["purity"]) and math.isnan(row["acc_inf"])


@pytest.mark.parametrize("p", [0.05, 0.3, 0.45, 0.55, 0.8])
def test_random_subsampling_never_helps(p):
    s = np.linspace(0.01, 1.0, 40)
    sub = V.curve(verifier="random", keep_rate=s, p_err=p, N=2e3)
    none = V.curve(verifier="none", p_err=p, N=2e3).iloc[0]
    assert np.all(sub["p_star"] == 0.5)
    assert np.all(sub["acc_inf"] == none["acc_inf"])  # same limit, same breakdown point
    if p < 0.5:
        assert np.all(sub["acc"] <= none["acc"] + 1e-15)  # less data, never better
    else:
        assert np.all(sub["acc"] < 0.5)  # collapsed whatever the rate
    np.testing.assert_allclose(sub["n_eff"], s * none["n_eff"], rtol=1e-12)


@pytest.mark.parametrize("verifier, extra", [
    ("none", {}), ("oracle", {}), ("noisy_oracle", {"flip": 0.3}), ("noisy_oracle", {"flip": 0.45}),
    ("random", {"keep_rate": 0.2}), ("custom", {"keep_correct": 0.6, "keep_wrong": 0.3}),
    ("custom", {"keep_correct": 0.9, "keep_wrong": 0.9}), ("linear", {"theta": 70, "tau": 0.5}),
])
def test_no_verifier_breaks_at_half(verifier, extra):
    """p* >= 1/2 whenever φ >= ψ, so at p = 1/2 every such verifier is at or below its breakdown."""
    row = V.details(verifier=verifier, p_err=0.5, N=math.inf, **extra).iloc[0]
    assert row["p_star"] >= 0.5
    assert row["acc_inf"] >= 0.5
    assert row["regime"] in ("optimal", "boundary")


def test_transition_at_p_star_and_sharpening():
    p = np.linspace(0.02, 0.98, 97)
    kw = dict(verifier="custom", keep_correct=1.0, keep_wrong=0.25, p_err=p)  # p* = 0.8
    inf = V.curve(N=math.inf, **kw)
    np.testing.assert_allclose(inf["acc_inf"][p < 0.8 - 1e-9], stats.norm.cdf(1.0), atol=1e-15)
    np.testing.assert_allclose(inf["acc_inf"][p > 0.8 + 1e-9], stats.norm.cdf(-1.0), atol=1e-15)
    at = V.curve(verifier="custom", keep_correct=1.0, keep_wrong=0.25, p_err=0.8, N=[1e3, math.inf])
    np.testing.assert_allclose(at["acc"], 0.5, atol=1e-12)
    # finite N: smooth, monotone decreasing in p, steeper around p* for larger N
    slopes = []
    for N in (1e3, 1e4, 1e5):
        acc = V.curve(N=N, **kw)["acc"].to_numpy()
        assert np.all(np.diff(acc) <= 1e-12)
        slopes.append(np.max(-np.diff(acc)))
    assert slopes[0] < slopes[1] < slopes[2]


def test_accuracy_monotone_in_p_star_and_crosses_half_at_p():
    rho = np.linspace(0.0, 1.0, 101)
    df = V.curve(verifier="noisy_oracle", flip=rho, p_err=0.3, N=1e4)
    order = np.argsort(df["p_star"].to_numpy())
    acc = df["acc"].to_numpy()[order]
    ps = df["p_star"].to_numpy()[order]
    assert np.all(np.diff(acc) >= -1e-12)
    assert np.all(acc[ps < 0.3 - 1e-9] < 0.5) and np.all(acc[ps > 0.3 + 1e-9] > 0.5)


def test_verifier_presets_map_to_phi_psi():
    df = V.details(verifier=list(V.VERIFIERS), flip=0.15, keep_rate=0.4, keep_correct=0.7, keep_wrong=0.1,
                   theta=40.0, tau=0.3, snr=2.0)
    m = 2.0 * math.cos(math.radians(40.0))
    expected = {
        "none": (1, 1), "oracle": (1, 0), "noisy_oracle": (0.85, 0.15), "random": (0.4, 0.4),
        "linear": (stats.norm.cdf(m - 0.3), stats.norm.cdf(-m - 0.3)), "custom": (0.7, 0.1),
    }
    for _, row in df.iterrows():
        phi, psi = expected[row["verifier"]]
        assert row["phi"] == pytest.approx(phi, abs=1e-14) and row["psi"] == pytest.approx(psi, abs=1e-14)
        assert row["p_star"] == pytest.approx(phi / (phi + psi), abs=1e-14)


def test_linear_tau_zero_p_star_is_verifier_accuracy():
    """§2.1: a linear verifier with τ = 0 has p* = Φ(r cos θ) and ψ = 1 − φ."""
    theta = np.array([0.0, 30.0, 60.0, 89.0])
    df = V.details(verifier="linear", theta=theta, tau=0.0, snr=1.7)
    np.testing.assert_allclose(df["p_star"], stats.norm.cdf(1.7 * np.cos(np.radians(theta))), atol=1e-14)
    np.testing.assert_allclose(df["phi"] + df["psi"], 1.0, atol=1e-14)


# --------------------------------------------------------------------------- §2.5 linear verifier
def _feature_accuracy_by_quadrature(p: float, r: float, theta: float, tau: float) -> float:
    """Independent check of §2.5: E[y'x q] by 1-D quadrature, Σ = I, μ = r e1, w = (cos θ, sin θ).

    With s = y'y (= +1 w.p. 1 − p, −1 w.p. p) and v = y·wᵀz ~ N(0, 1) independent of s:
    y'x = s μ + s (y z), the keep rule is s(m + v) > τ, and E[y z | v] = w v."""
    th = math.radians(theta)
    w = np.array([math.cos(th), math.sin(th)])
    mu = np.array([r, 0.0])
    m = float(w @ mu)
    total = np.zeros(2)
    for prob, s in ((1 - p, 1.0), (p, -1.0)):
        # y' = s·y; with v = y·u ~ N(0,1) (y independent of u): keep iff s(m + v) > τ;
        # y' x = s μ + s·(y z), and E[y z | v] = w v.
        keep = lambda v: 1.0 if s * (m + v) > tau else 0.0  # noqa: E731
        p_keep, _ = integrate.quad(lambda v: keep(v) * stats.norm.pdf(v), -12, 12, points=[s * tau - m], limit=200)
        e_v, _ = integrate.quad(lambda v: keep(v) * v * stats.norm.pdf(v), -12, 12, points=[s * tau - m], limit=200)
        total += prob * (s * mu * p_keep + s * w * e_v)
    return float(stats.norm.cdf(mu @ total / np.linalg.norm(total)))


@pytest.mark.parametrize("p, r, theta, tau", [
    (0.3, 1.0, 30.0, 0.0), (0.6, 1.0, 45.0, 0.2), (0.85, 2.0, 10.0, -0.5), (0.2, 1.5, 80.0, 1.0),
    (0.45, 0.7, 120.0, 0.0),
])
def test_linear_feature_formula_against_quadrature(p, r, theta, tau):
    got = float(V.accuracy_linear_feature(p, r, theta, tau))
    assert got == pytest.approx(_feature_accuracy_by_quadrature(p, r, theta, tau), abs=1e-7)


def test_linear_feature_equals_bayes_only_when_aligned():
    aligned = V.curve(verifier="linear", theta=0.0, tau=0.0, p_err=0.3, snr=1.0).iloc[0]
    assert aligned["acc_inf_feature"] == pytest.approx(aligned["bayes"], abs=1e-12)
    tilted = V.curve(verifier="linear", theta=45.0, tau=0.0, p_err=0.3, snr=1.0).iloc[0]
    assert tilted["acc_inf_feature"] < tilted["bayes"] - 1e-3


def test_linear_feature_has_no_sharp_flip_at_p_star():
    """§2.5 caveat: past p* the core model collapses, the feature-based result need not."""
    row = V.details(verifier="linear", theta=30.0, tau=0.0, p_err=0.9, N=math.inf).iloc[0]
    assert row["regime"] == "collapse" and row["acc_inf"] < 0.5
    assert row["acc_inf_feature"] > 0.5
    assert abs(row["acc_inf_feature"] - row["acc_inf"]) > V.FEATURE_GAP_WARN


def test_acc_inf_feature_null_for_other_verifiers():
    df = V.curve(verifier=["none", "oracle", "custom", "linear"])
    assert df["acc_inf_feature"].isna().tolist() == [True, True, True, False]


# --------------------------------------------------------------------------- degenerate cases
def test_degenerate_cases():
    nothing = V.curve(verifier="custom", keep_correct=0.0, keep_wrong=0.0).iloc[0]
    assert nothing["keep_frac"] == 0 and nothing["n_eff"] == 0
    assert math.isnan(nothing["p_star"]) and math.isnan(nothing["acc"]) and math.isnan(nothing["purity"])
    zero_signal = V.curve(verifier="none", p_err=0.5, N=1e3).iloc[0]
    assert zero_signal["acc"] == 0.5 and zero_signal["acc_inf"] == 0.5
    no_snr = V.curve(verifier="oracle", snr=0.0).iloc[0]
    assert no_snr["acc"] == 0.5 and no_snr["bayes"] == 0.5


def test_no_infinities_in_output():
    for kc, kw in ((0, 0), (0, 1), (1, 0), (1, 1)):
        for N in (1.0, math.inf):
            df = V.details(verifier="custom", keep_correct=kc, keep_wrong=kw, N=N, p_err=[0.0, 0.5, 1.0], snr=0.0)
            assert not np.isinf(df.select_dtypes("number").to_numpy()).any()


# --------------------------------------------------------------------------- invalid input
@pytest.mark.parametrize("key, value", [
    ("p_err", 1.5), ("p_err", -0.1), ("keep_correct", 1.2), ("keep_wrong", -0.01), ("flip", 2.0),
    ("keep_rate", 0.0), ("p_err", float("nan")),
])
def test_invalid_probabilities_rejected_with_clear_message(key, value):
    with pytest.raises(ParamError) as exc:
        V.curve(**{key: value})
    msg = str(exc.value)
    assert msg.startswith(f"{key} = ")
    assert ("[0, 1]" in msg) or (key == "keep_rate" and "(0, 1]" in msg)


def test_invalid_probability_in_sweep_rejected():
    with pytest.raises(ParamError, match="p_err"):
        V.curve(p_err=[0.1, 0.2, 1.01])


@pytest.mark.parametrize("fn, args, name", [
    (V.breakdown_point, (1.2, 0.1), "phi"),
    (V.keep_fraction, (0.2, 0.9, -0.5), "psi"),
    (V.purity, (np.array([0.1, 3.0]), 1.0, 0.0), "p_err"),
])
def test_direct_functions_reject_invalid_probabilities(fn, args, name):
    with pytest.raises(ParamError, match=rf"{name} = .* must be a probability in \[0, 1\]"):
        fn(*args)


def test_unknown_key_and_verifier_rejected():
    with pytest.raises(ParamError, match="unknown parameter"):
        V.curve(phi=0.3)
    with pytest.raises(ParamError, match="verifier"):
        V.curve(verifier="magic")


# --------------------------------------------------------------------------- audit estimation
def test_estimate_from_audit_point_values():
    est = V.estimate_from_audit(n_correct=700, kept_correct=630, n_wrong=300, kept_wrong=60)
    assert float(est["phi_hat"]) == pytest.approx(0.9)
    assert float(est["psi_hat"]) == pytest.approx(0.2)
    assert float(est["p_star_hat"]) == pytest.approx(0.9 / 1.1)
    assert est["p_star_lo"] < est["p_star_hat"] < est["p_star_hi"]


def test_estimate_from_audit_handles_zero_counts():
    est = V.estimate_from_audit(n_correct=50, kept_correct=50, n_wrong=20, kept_wrong=0)  # an oracle
    assert float(est["p_star_hat"]) == 1.0 and float(est["p_star_hi"]) == 1.0
    assert 0.5 < float(est["p_star_lo"]) < 1.0
    none_wrong = V.estimate_from_audit(n_correct=40, kept_correct=30, n_wrong=0, kept_wrong=0)
    assert math.isnan(float(none_wrong["p_star_hat"]))
    assert float(none_wrong["p_star_lo"]) <= 0.5 and float(none_wrong["p_star_hi"]) == 1.0


def test_estimate_interval_covers_truth():
    """Coverage of the 95 % interval over simulated audits (it is conservative by design)."""
    rng = np.random.default_rng(5)
    k, p, phi, psi = 200, 0.3, 0.8, 0.3
    n_wrong = rng.binomial(k, p, size=2000)
    n_correct = k - n_wrong
    est = V.estimate_from_audit(n_correct, rng.binomial(n_correct, phi), n_wrong, rng.binomial(n_wrong, psi))
    truth = phi / (phi + psi)
    coverage = np.mean((est["p_star_lo"] <= truth) & (truth <= est["p_star_hi"]))
    assert coverage >= 0.95
    width = np.mean(est["p_star_hi"] - est["p_star_lo"])
    assert width < 0.3


@pytest.mark.parametrize("args, name", [
    ((10, 11, 5, 1), "kept_correct"), ((10, 5, 5, 6), "kept_wrong"), ((-1, 0, 5, 1), "n_correct"),
    ((10, 2.5, 5, 1), "kept_correct"),
])
def test_estimate_from_audit_rejects_bad_counts(args, name):
    with pytest.raises(ParamError, match=name):
        V.estimate_from_audit(*args)


# --------------------------------------------------------------------------- page view
@pytest.mark.parametrize("overrides", [
    {}, {"verifier": "linear", "theta": 50.0, "tau": 0.4, "p_err": 0.7}, {"verifier": "custom", "N": math.inf},
    {"verifier": "noisy_oracle", "flip": 0.35, "N": 3e7, "d": 7, "snr": 2.0},
])
def test_theory_view_matches_curve_calls(overrides):
    from engine.params import get_model

    params = dict(get_model("verification").defaults(), **overrides)
    v = V.theory_view(params)
    for verifier, df in v["by_N"].groupby("verifier"):
        ref = V.curve(**{**params, "verifier": verifier, "N": df["N"].to_numpy()})
        for col in COLUMNS:
            np.testing.assert_allclose(df[col], ref[col], rtol=1e-13, atol=1e-15, equal_nan=True)
    assert v["by_N"]["N"].max() >= min(params["N"], 1e7)
    for N, df in v["by_p"].groupby("N"):
        ref = V.curve(**{**params, "N": N, "p_err": df["p_err"].to_numpy()})
        for col in COLUMNS:
            np.testing.assert_allclose(df[col], ref[col], rtol=1e-13, atol=1e-15, equal_nan=True)
    assert set(v["by_p"]["N"]) >= {1e3, 1e4, 1e5, math.inf, float(params["N"])}
    fam = v["by_pstar"][v["by_pstar"]["family"].str.startswith("noisy")]
    ref = V.curve(**{**params, "verifier": "noisy_oracle", "flip": 1.0 - fam["keep_correct"].to_numpy()})
    np.testing.assert_allclose(fam["acc"], ref["acc"], rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(fam["p_star"], fam["keep_correct"], atol=1e-14)
    row = V.details(**params).iloc[0]
    assert v["readout"]["acc"] == row["acc"] and v["readout"]["regime"] == row["regime"]
    assert v["refs"]["generator"] == pytest.approx(1 - params["p_err"])


def test_theory_view_rejects_invalid_values():
    with pytest.raises(ParamError, match="keep_rate"):
        V.theory_view({"keep_rate": 0.0})
