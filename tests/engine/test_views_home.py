"""Home page data (engine/views/home.py): the story charts show what their captions claim,
and the regime maps mark collapse where the theory says it is."""

import numpy as np
import pytest
from scipy.special import zeta
from scipy.stats import norm

from engine import presets as P
from engine.views import home as H


def test_story_charts_use_their_presets_and_have_every_curve():
    for page in ("regression", "mixing", "tails", "verification"):
        df = H.story(page)
        assert list(df["curve"].unique()) == list(H.STORY_CURVES[page])
        x, grid, y = H.STORY_X[page]
        assert df.groupby("curve")[x].count().eq(len(grid)).all()
        assert np.isfinite(df[y]).all()
        assert H.story_params(page) == P.resolved(page, P.get_preset(page, H.STORY_PRESET[page]))


def test_regression_story_levels_off_at_004_n():
    # regression.md §8: the error levels off at n·σ0²·d/(T0−d−1) ≈ 0.04 n (λ = 1e-3, T = 1e5)
    df = H.story("regression")
    for n in (1, 2, 5, 10):
        last = df[df["curve"] == f"n = {n}"]["total"].iloc[-1]
        assert last == pytest.approx(n * 0.04 * 300 / 299, rel=0.03)
    clean = df[df["curve"] == "n = 0"]["total"].to_numpy()
    assert clean[-1] < 0.01 * clean[0]


def test_mixing_story_floor_and_real_data_keeps_falling():
    df = H.story("mixing")
    real = df[df["curve"] == "real only"]["total"].to_numpy()
    one = df[df["curve"] == "1% synthetic"]["total"].to_numpy()
    assert real[-1] < 1e-3 * real[0]
    assert one[-1] == pytest.approx(0.01**2 * 0.5, rel=0.05)  # floor p2^2 c^2
    assert (one >= real * (1 - 1e-12)).all()


def test_tails_story_plateau_and_grokking():
    df = H.story("tails")
    cut = df[df["curve"] == "AI data cut at k = 100"]["error"].to_numpy()
    mix = df[df["curve"] == "90% AI + 10% clean"]["error"].to_numpy()
    clean = df[df["curve"] == "clean"]["error"].to_numpy()
    assert cut[-1] == pytest.approx(zeta(2, 101) / zeta(2), rel=1e-3)
    assert mix[-1] < 0.5 * cut[-1]  # the descent resumes with clean data
    # (at small T the head-heavy AI data helps slightly: only compare once the tail matters)
    T = df[df["curve"] == "clean"]["T"].to_numpy()
    assert (clean[T >= 1e3] < mix[T >= 1e3]).all()


def test_verification_story_orders_the_verifiers():
    df = H.story("verification")
    final = df.groupby("curve")["acc"].last()
    assert final["oracle (p = 0.3)"] == pytest.approx(norm.cdf(1.0), abs=2e-3)
    assert final["noisy verifier p⋆ = 0.65 (p = 0.3)"] > H.STORY_GENERATOR_ACC
    assert final["noisy verifier p⋆ = 0.55 (p = 0.6)"] < 0.5


def test_regime_mixing_ratio_grows_with_n_for_every_fraction():
    df = H.regime_mixing(0.5, 0.5)
    assert len(df) == len(H.REGIME_P_SYNTH) * len(H.REGIME_T)
    assert (df["ratio"] >= 1 - 1e-9).all()
    for p, part in df.groupby("p_synth"):
        r = part.sort_values("T")["ratio"].to_numpy()
        assert r[-1] > r[0]  # strong collapse: it gets worse relative to real data as n grows
    small = df[(df["p_synth"] == H.REGIME_P_SYNTH[0]) & (df["T"] == H.REGIME_T[0])]["ratio"].iloc[0]
    assert small == pytest.approx(1.0, abs=0.02)
    # better synthetic data (smaller c2) gives a smaller ratio everywhere
    good = H.regime_mixing(0.1, 0.5)
    assert (good["ratio"].to_numpy() <= df["ratio"].to_numpy() + 1e-12).all()


def test_regime_verification_collapses_exactly_where_p_exceeds_p_star():
    df = H.regime_verification(1e4)
    away = (df["p_err"] - df["p_star"]).abs() > 0.03
    learns_wrong = df["acc"] < 0.5
    assert (learns_wrong[away] == (df["p_err"] > df["p_star"])[away]).all()
    big = H.regime_verification(1e7)
    good = big[(big["p_star"] > big["p_err"] + 0.1)]
    assert np.allclose(good["acc"], norm.cdf(1.0), atol=5e-3)
