"""Monte Carlo of the verification model against its theory (spec §5.2 tolerances):
|theory − mean| ≤ 4·se + allowance, allowance 0.003 for the centroid `acc` with core verifiers,
0 for keep_frac/purity/p_star/n_eff, 0.0005 for the linear verifier against acc_inf_feature
(d = 5, large N), 0.01 for ridge/logistic against acc_inf at N_eff/d ≥ 100."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

from engine.params import ParamError
from engine.simulate import verification as S
from engine.sweep import resolve_call
from engine.theory import verification as V

EXACT_COLS = ("keep_frac", "purity", "p_star", "n_eff")


def _check(theory_row, mc_row, col: str, allowance: float, theory_col: str | None = None) -> None:
    th = theory_row[theory_col or col]
    mean, se = mc_row[f"{col}_mean"], mc_row[f"{col}_se"]
    assert abs(th - mean) <= 4 * se + allowance, f"{col}: theory {th:.5f} vs MC {mean:.5f} ± {se:.5f}"


CORE_POINTS = [  # the §3.2 rows plus the other presets
    dict(p_err=0.3, verifier="none", N=1e3),
    dict(p_err=0.3, verifier="none", N=1e4),
    dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e3),
    dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e4),
    dict(p_err=0.3, verifier="random", keep_rate=0.5, N=1e3),
    dict(p_err=0.6, verifier="none", N=1e4),
    dict(p_err=0.6, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e4),
    dict(p_err=0.9, verifier="oracle", N=2e3),
    dict(p_err=0.45, verifier="noisy_oracle", flip=0.4, N=3e3, snr=2.0, d=50),
    dict(p_err=0.75, verifier="noisy_oracle", flip=0.2, N=5e3, snr=1.5, d=200),  # just below p* = 0.8
]


@pytest.mark.parametrize("kw", CORE_POINTS)
def test_reduced_sampler_matches_theory(kw):
    th = V.curve(**kw).iloc[0]
    mc = S.simulate(seeds=200, seed=3, **kw).iloc[0]
    _check(th, mc, "acc", 0.003)
    for col in EXACT_COLS:
        _check(th, mc, col, 0.0)


@pytest.mark.parametrize("kw, seeds", [
    (dict(p_err=0.3, verifier="none", N=1e3), 60),
    (dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=1e3), 60),
    (dict(p_err=0.3, verifier="custom", keep_correct=1, keep_wrong=0.2, N=4e3), 20),
    (dict(p_err=0.6, verifier="custom", keep_correct=1, keep_wrong=0.2, N=4e3), 20),
    (dict(p_err=0.3, verifier="random", keep_rate=0.5, N=1e3), 60),
    (dict(p_err=0.7, verifier="none", N=2e3), 40),
])
def test_feature_pipeline_matches_theory(kw, seeds):
    """The literal generate → flip → verify → train → exact-accuracy pipeline (d = 100)."""
    th = V.curve(**kw).iloc[0]
    mc = S.simulate(seeds=seeds, seed=1, sampler="features", **kw).iloc[0]
    assert mc.name == 0
    _check(th, mc, "acc", 0.003)
    for col in EXACT_COLS:
        _check(th, mc, col, 0.0)


LINEAR_POINTS = [
    dict(theta=30.0, tau=0.0, p_err=0.3),
    dict(theta=60.0, tau=0.3, p_err=0.8),  # past the mapped p*: the feature result does not collapse
    dict(theta=100.0, tau=-0.2, p_err=0.2),
]


@pytest.mark.parametrize("kw", LINEAR_POINTS)
def test_linear_verifier_matches_feature_formula(kw):
    """§2.5 against a 2M-sample Monte Carlo at d = 5 (allowance 0.0005)."""
    args = dict(verifier="linear", d=5, N=2e6, snr=1.0, **kw)
    th = V.curve(**args).iloc[0]
    mc = S.simulate(seeds=12, seed=2, **args).iloc[0]
    _check(th, mc, "acc", 0.0005, theory_col="acc_inf_feature")
    for col in ("keep_frac", "purity", "p_star"):
        _check(th, mc, col, 0.0)


def test_linear_verifier_feature_pipeline():
    args = dict(verifier="linear", d=5, N=2e5, snr=1.0, theta=45.0, tau=0.0, p_err=0.3)
    th = V.curve(**args).iloc[0]
    mc = S.simulate(seeds=8, seed=4, sampler="features", **args).iloc[0]
    _check(th, mc, "acc", 0.0005, theory_col="acc_inf_feature")
    for col in ("keep_frac", "purity", "p_star"):
        _check(th, mc, col, 0.0)


@pytest.mark.parametrize("learner", ["ridge", "logistic"])
@pytest.mark.parametrize("kw", [
    dict(verifier="noisy_oracle", flip=0.4, p_err=0.4),   # p < p* = 0.6: -> Bayes
    dict(verifier="noisy_oracle", flip=0.4, p_err=0.7),   # p > p*: -> 1 - Bayes
    dict(verifier="oracle", p_err=0.8),
])
def test_ridge_and_logistic_reach_the_limit(learner, kw):
    args = dict(d=10, N=5e4, snr=1.0, **kw)
    th = V.curve(**args).iloc[0]
    assert th["n_eff"] / 10 >= 100
    mc = S.simulate(seeds=6, seed=5, learner=learner, **args).iloc[0]
    _check(th, mc, "acc", 0.01, theory_col="acc_inf")


@pytest.mark.parametrize("kw", [
    dict(verifier="custom", keep_correct=0.9, keep_wrong=0.3, p_err=0.5, N=2e3, d=40),
    dict(verifier="linear", theta=50.0, tau=0.1, p_err=0.4, N=3e3, d=40),
])
def test_samplers_agree(kw):
    red = S.simulate(seeds=300, seed=6, sampler="reduced", **kw).iloc[0]
    feat = S.simulate(seeds=60, seed=6, sampler="features", **kw).iloc[0]
    for col in ("acc", "keep_frac", "purity", "n_eff"):
        gap = abs(red[f"{col}_mean"] - feat[f"{col}_mean"])
        assert gap <= 4 * math.hypot(red[f"{col}_se"], feat[f"{col}_se"]), col


def test_output_columns_sweep_and_attrs():
    df = S.simulate(seeds=5, N=[1e2, 1e3, 1e4], verifier="oracle")
    assert list(df.columns) == ["N"] + [f"{c}_{s}" for c in S.COLUMNS for s in ("mean", "se")]
    assert df["N"].tolist() == [1e2, 1e3, 1e4]
    assert df.attrs["sampler"] == "reduced" and df.attrs["learner"] == "centroid"
    assert S.simulate(seeds=2, learner="ridge", d=5, N=100).attrs["sampler"] == "features"


def test_deterministic_for_a_seed():
    kw = dict(seeds=4, verifier="linear", N=500, d=20, p_err=[0.2, 0.6])
    a, b = S.simulate(seed=11, **kw), S.simulate(seed=11, **kw)
    assert a.equals(b)
    c = S.simulate(seed=12, **kw)
    assert not np.allclose(a["acc_mean"], c["acc_mean"])
    f1 = S.simulate(seeds=3, seed=1, sampler="features", learner="logistic", d=8, N=300)
    f2 = S.simulate(seeds=3, seed=1, sampler="features", learner="logistic", d=8, N=300)
    assert f1.equals(f2)


def test_nothing_kept_gives_half():
    df = S.simulate(seeds=5, verifier="custom", keep_correct=0.0, keep_wrong=0.0, N=100)
    row = df.iloc[0]
    assert row["acc_mean"] == 0.5 and row["keep_frac_mean"] == 0 and row["n_eff_mean"] == 0
    feat = S.simulate(seeds=2, verifier="custom", keep_correct=0.0, keep_wrong=0.0, N=100, d=3,
                      sampler="features", learner="logistic").iloc[0]
    assert feat["acc_mean"] == 0.5


def test_oracle_approaches_bayes_at_high_error():
    row = S.simulate(seeds=100, seed=9, verifier="oracle", p_err=0.95, N=1e6, d=100).iloc[0]
    bayes = float(V.bayes_accuracy(1.0))
    assert abs(row["acc_mean"] - bayes) < 0.003  # n = 5e4 clean samples
    assert row["purity_mean"] == 1.0


# --------------------------------------------------------------------------- learners, directly
def _materialize(pt, key):
    xs, ys = [], []
    for ch in S.feature_chunks(pt, key):
        xs.append(ch.x[ch.keep].astype(float))
        ys.append(ch.y_gen[ch.keep].astype(float))
    return np.concatenate(xs), np.concatenate(ys)


def _pt(**kw):
    return S._point(resolve_call("verification", kw).params)


def test_logistic_newton_reaches_a_stationary_point():
    pt = _pt(d=6, N=400, p_err=0.2, verifier="noisy_oracle", flip=0.1, snr=1.5)
    lam = 1e-3
    w, counts = S.fit_logistic(pt, (0, 0, 0), lam)
    X, y = _materialize(pt, (0, 0, 0))
    assert len(y) == counts[1] + counts[3]
    t = y * (X @ w)
    grad = -(expit(-t) * y) @ X / len(y) + lam * w
    assert np.linalg.norm(grad) < 1e-8
    # and it is the minimiser: a perturbation increases the penalised loss
    def loss(v):
        return np.logaddexp(0, -y * (X @ v)).mean() + 0.5 * lam * v @ v
    rng = np.random.default_rng(0)
    assert all(loss(w + 1e-3 * rng.standard_normal(6)) > loss(w) for _ in range(5))


def test_logistic_streaming_equals_materialized(monkeypatch):
    pt = _pt(d=4, N=300, p_err=0.3, verifier="linear", theta=20.0)
    w_mem, _ = S.fit_logistic(pt, (1, 2, 3), 1e-4)
    monkeypatch.setattr(S, "_MATERIALIZE_FLOATS", 0)
    monkeypatch.setattr(S, "_CHUNK_FLOATS", 200)  # many chunks, replayed on every Newton pass
    w_stream, _ = S.fit_logistic(pt, (1, 2, 3), 1e-4)
    X, y = _materialize(pt, (1, 2, 3))
    assert X.shape[0] > 0
    t = y * (X @ w_stream)
    grad = -(expit(-t) * y) @ X / len(y) + 1e-4 * w_stream
    assert np.linalg.norm(grad) < 1e-8


def test_ridge_matches_closed_form():
    pt = _pt(d=7, N=250, p_err=0.25, verifier="random", keep_rate=0.6)
    w, counts = S.fit_ridge(pt, (5, 0, 1), 0.01)
    X, y = _materialize(pt, (5, 0, 1))
    n = len(y)
    expected = np.linalg.solve(X.T @ X + 0.01 * n * np.eye(7), X.T @ y)
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-12)


def test_centroid_matches_direct_mean_direction():
    pt = _pt(d=9, N=333, p_err=0.35, verifier="custom", keep_correct=0.8, keep_wrong=0.4)
    w, _ = S.fit_centroid(pt, (2, 2, 2))
    X, y = _materialize(pt, (2, 2, 2))
    np.testing.assert_allclose(w / np.linalg.norm(w), (y @ X) / np.linalg.norm(y @ X), atol=1e-12)


def test_exact_accuracy():
    assert S.exact_accuracy(np.array([1.0, 0.0]), 1.0) == pytest.approx(0.8413447460685429)
    assert S.exact_accuracy(np.array([0.0, 0.0]), 1.0) == 0.5
    assert S.exact_accuracy(np.array([-2.0, 0.0, 0.0]), 2.0) == pytest.approx(1 - 0.9772498680518208)


# --------------------------------------------------------------------------- audit
def test_audit_counts_and_estimate():
    c = S.audit(500, reps=400, seed=3, verifier="custom", keep_correct=0.9, keep_wrong=0.3, p_err=0.3)
    assert np.all(c["n_correct"] + c["n_wrong"] == 500)
    assert np.all(c["kept_correct"] <= c["n_correct"]) and np.all(c["kept_wrong"] <= c["n_wrong"])
    est = V.estimate_from_audit(c["n_correct"], c["kept_correct"], c["n_wrong"], c["kept_wrong"])
    truth = 0.9 / 1.2
    assert abs(np.mean(est["p_star_hat"]) - truth) < 4 * np.std(est["p_star_hat"]) / 20 + 0.002
    assert np.mean((est["p_star_lo"] <= truth) & (truth <= est["p_star_hi"])) >= 0.95


def test_audit_linear_verifier_rates():
    c = S.audit(20000, reps=5, seed=1, verifier="linear", theta=40.0, tau=0.2, snr=1.2, p_err=0.4)
    phi, psi = V.linear_verifier_rates(1.2, 40.0, 0.2)
    phi_hat = c["kept_correct"].sum() / c["n_correct"].sum()
    psi_hat = c["kept_wrong"].sum() / c["n_wrong"].sum()
    assert abs(phi_hat - phi) < 4 * math.sqrt(phi * (1 - phi) / c["n_correct"].sum())
    assert abs(psi_hat - psi) < 4 * math.sqrt(psi * (1 - psi) / c["n_wrong"].sum())


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    (dict(N=math.inf), "N = inf is invalid"),
    (dict(N=10.5), "N must be an integer"),
    (dict(learner="svm"), "learner = 'svm' is invalid"),
    (dict(sampler="reduced", learner="ridge"), "needs learner = centroid"),
    (dict(verifier="linear", d=1, theta=30.0), "needs d >= 2"),
    (dict(seeds=0), "seeds"),
    (dict(p_err=1.2), r"p_err = 1.2 is invalid: p_err must be a number in \[0, 1\]"),
    (dict(keep_wrong=-0.2, verifier="custom"), "keep_wrong"),
])
def test_invalid_input_rejected(kwargs, match):
    with pytest.raises(ParamError, match=match):
        S.simulate(**kwargs)


def test_audit_rejects_bad_size():
    with pytest.raises(ParamError, match="audit size k"):
        S.audit(0)
