"""Monte Carlo of engine/simulate/tails.py against the exact sums of engine/theory/tails.py
(spec §7: |exact - mean| <= 4 standard errors, no extra allowance), plus the resample
mechanism against an independent exact expectation at n = 1, determinism and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import zeta
from scipy.stats import binom

from engine.params import ParamError
from engine.simulate import tails as sm
from engine.theory import tails as th

MC_POINTS = [
    dict(beta=2.0, T=1e3),  # clean
    dict(beta=1.5, T=1e4, k=100),  # tail cut
    dict(beta=2.0, T=200, top_p=0.95),  # top-p cut
    dict(beta=2.0, T=1e4, beta_ai=3.0),  # narrowing
    dict(beta=2.0, T=1e4, temperature=0.7),  # narrowing via temperature
    dict(beta=2.0, T=1e4, T0=1000, n=1),  # finite-T0 generator
    dict(beta=2.0, T=1e4, T0=1000, n=4),  # relabel generations
    dict(beta=2.0, T=1e5, k=30, p_synth=0.99),  # mixing / grokking
    dict(beta=1.5, T=1e4, T0=3000, n=2, p_synth=0.5),  # everything mixed
    dict(beta=3.0, T=1e3, k=20, beta_ai=3.5, T0=500, n=3),  # cut + narrowing + chain
]


@pytest.mark.parametrize("kw", MC_POINTS, ids=[str(i) for i in range(len(MC_POINTS))])
def test_theory_within_4_se_of_monte_carlo(kw):
    mc = sm.simulate(seeds=200, seed=11, **kw)
    ex = th.curve(**kw)
    for col in ("error", "plateau"):
        mean, se, exact = mc[f"{col}_mean"].iloc[0], mc[f"{col}_se"].iloc[0], ex[col].iloc[0]
        assert abs(exact - mean) <= 4 * se + 1e-12 * exact, (col, exact, mean, se)
    assert mc["error_se"].iloc[0] > 0 or ex["error"].iloc[0] == pytest.approx(mc["error_mean"].iloc[0], rel=1e-12)


def test_sweep_within_4_se():
    T = [1e2, 1e3, 1e4]
    mc = sm.simulate(seeds=200, seed=3, beta=2.0, k=50, p_synth=0.9, T=T)
    ex = th.curve(beta=2.0, k=50, p_synth=0.9, T=T)
    assert list(mc.columns) == ["T", "error_mean", "error_se", "plateau_mean", "plateau_se"]
    assert np.all(np.abs(ex["error"] - mc["error_mean"]) <= 4 * mc["error_se"])


def test_resample_n1_matches_its_exact_expectation():
    """Mechanism A with one generation: gen-1 = counts/T0 with counts_i ~ Binomial(T0, p_i)
    (marginally), so P(i unseen) = E[(1 - c_i/T0)^T] exactly."""
    beta, T0, T = 2.0, 200, 2000
    mc = sm.simulate(seeds=400, seed=5, beta=beta, T=T, T0=T0, n=1, mechanism="resample")
    N = 100_000
    i = np.arange(1, N + 1, dtype=float)
    p = i**-beta / zeta(beta)
    c = np.arange(T0 + 1)
    pmf = binom.pmf(c[None, :], T0, p[:, None])  # (N, T0+1)
    unseen = pmf @ (1 - c / T0) ** T
    exact = float(np.sum(p * unseen) + zeta(beta, N + 1) / zeta(beta))
    assert abs(exact - mc["error_mean"].iloc[0]) <= 4 * mc["error_se"].iloc[0]
    # plateau: the p-mass outside the support of generation 1, E = sum p_i (1 - p_i)^T0 = E_clean(T0)
    plateau_exact = float(th.clean_error(T0, beta)[0])
    assert abs(plateau_exact - mc["plateau_mean"].iloc[0]) <= 4 * mc["plateau_se"].iloc[0]


def test_resample_loses_more_with_generations():
    mc = sm.simulate(seeds=100, seed=2, beta=2.0, T=1e4, T0=1000, n=[1, 4, 16], mechanism="resample")
    pl = mc["plateau_mean"].to_numpy()
    assert pl[0] < pl[1] < pl[2]
    clean = th.curve(beta=2.0, T=1e4)["error"].iloc[0]
    assert np.all(mc["error_mean"] > clean)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a = sm.simulate(seeds=5, seed=9, beta=2.0, T=1e3, k=100)
    b = sm.simulate(seeds=5, seed=9, beta=2.0, T=1e3, k=100)
    c = sm.simulate(seeds=5, seed=10, beta=2.0, T=1e3, k=100)
    assert a.equals(b)
    assert not a.equals(c)


def test_truncation_bias_below_1e_3():
    """Counting the truncated mass as never seen biases E by less than 1e-3 relative (§7.5)."""
    for beta, T in ((1.5, 1e4), (2.0, 1e5), (3.0, 1e3)):
        N = sm.truncation_index(beta, beta, math.inf, T)
        i = np.arange(1, N + 1, dtype=float)
        p = i**-beta / zeta(beta)
        truncated = float(np.sum(p * np.exp(T * np.log1p(-p))) + zeta(beta, N + 1) / zeta(beta))
        exact = float(th.clean_error(T, beta)[0])
        assert 0 <= truncated - exact <= 1e-3 * exact


def test_validation():
    with pytest.raises(ParamError, match="beta"):
        sm.simulate(seeds=2, beta=0.9, T=100)
    with pytest.raises(ParamError, match="seeds"):
        sm.simulate(seeds=0, beta=2.0, T=100)
    with pytest.raises(ParamError, match="lower T"):
        sm.simulate(seeds=2, beta=1.1, T=1e9)


def test_single_token_ai_support_is_handled():
    """k = 1 (or a top-p that keeps one token) puts all AI mass on token 1: q_1 = 1 exactly."""
    for kw in (dict(beta=4.0, top_p=0.5), dict(beta=2.0, k=1, T0=1000, n=2, mechanism="resample"),
               dict(beta=2.0, beta_ai=8.0, top_p=0.5)):
        mc = sm.simulate(seeds=3, T=100, **kw)
        expected = float(th.cut_plateau(kw["beta"], 1))  # everything but token 1 is never learned
        assert mc["error_mean"].iloc[0] == pytest.approx(expected, rel=1e-9)
