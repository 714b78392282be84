"""Monte Carlo (engine.simulate.mixing) against the theory (engine.theory.mixing).

Tolerance (mixing.md §8): |theory - mean| <= 4 se + allowance, with allowance 3% of the
theory value for the classical model (d >= 200) and 5% for random projections at
|m - n| >= 0.2 n; plus 1e-12 absolute for values that are exactly 0 in theory (roundoff).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.simulate import mixing as S
from engine.theory import mixing as M

SEEDS = 30
COLS = ("total", "bias", "variance", "synth")

# (id, kwargs, allowance): >= 8 points; classical isotropic (Corollary 1 / §7 MC table), classical ridge
# with unequal noises (n < d, dual path), random projections below and above m = n (both s²),
# power-law spectra (classical, and random projections on both sides of the threshold).
CASES = [
    ("cor1_n400", dict(d=200, T=400, p_synth=0.1, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0), 0.03),
    ("cor1_n1000", dict(d=200, T=1000, p_synth=0.2, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0), 0.03),
    ("cor1_n4000", dict(d=200, T=4000, p_synth=0.05, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0), 0.03),
    ("ridge_dual", dict(d=300, T=200, p_synth=0.3, c2=1.0, lam=1e-3, sigma=0.5, sigma_synth=0.8), 0.03),
    ("rp_below", dict(d=300, T=200, m=100, p_synth=0.3, c2=1.0, lam=1e-3, sigma=0.5), 0.05),
    ("rp_above", dict(d=300, T=200, m=400, p_synth=0.3, c2=1.0, lam=1e-3, sigma=0.5), 0.05),
    ("rp_above_1m", dict(d=300, T=200, m=400, p_synth=0.3, c2=1.0, lam=1e-2, sigma=0.5, proj_var="1/m"), 0.05),
    ("power_ridge", dict(d=200, T=300, spectrum="power", p_synth=0.2, c2=1.0, lam=1e-3, sigma=0.3), 0.03),
    ("power_rp_below", dict(d=200, T=150, spectrum="power", m=60, p_synth=0.2, c2=1.0, lam=1e-3, sigma=0.3), 0.05),
    ("power_rp_above", dict(d=200, T=150, spectrum="power", m=400, p_synth=0.2, c2=1.0, lam=1e-3, sigma=0.3), 0.05),
]


@pytest.mark.parametrize("name,kwargs,allowance", CASES, ids=[c[0] for c in CASES])
def test_theory_within_tolerance_of_monte_carlo(name: str, kwargs: dict, allowance: float) -> None:
    theory = M.curve(**kwargs).iloc[0]
    mc = S.simulate(seeds=SEEDS, seed=7, **kwargs).iloc[0]
    for col in COLS:
        th, mean, se = theory[col], mc[f"{col}_mean"], mc[f"{col}_se"]
        assert np.isfinite(mean) and np.isfinite(se) and se >= 0
        assert abs(th - mean) <= 4 * se + allowance * abs(th) + 1e-12, (name, col, th, mean, se)


def test_floor_shows_in_monte_carlo_at_large_T() -> None:
    """At n = 50 d the mix sits near p2² c² + clean error, far above the clean error (§2.4)."""
    kw = dict(d=40, T=2000, c2=1.0, lam=0.0, sigma=1.0, sigma_synth=1.0)
    mix = S.simulate(seeds=SEEDS, seed=3, p_synth=0.3, **kw).iloc[0]
    clean = S.simulate(seeds=SEEDS, seed=3, p_synth=0.0, **kw).iloc[0]
    assert mix["total_mean"] > 3 * clean["total_mean"]
    th = M.curve(p_synth=0.3, **kw)["total"].iloc[0]
    assert abs(th - mix["total_mean"]) <= 4 * mix["total_se"] + 0.03 * th
    assert abs(clean["synth_mean"]) <= 4 * clean["synth_se"]  # no synthetic rows: ζ = 0 in expectation


def test_simulate_columns_and_sweep() -> None:
    df = S.simulate(seeds=3, seed=0, d=30, T=[20, 60], m=0, lam=1e-2)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["T"] + [f"{c}_{s}" for c in COLS for s in ("mean", "se")]
    assert df["T"].tolist() == [20, 60]
    assert np.isfinite(df.drop(columns="T").to_numpy()).all()


def test_deterministic_for_a_seed() -> None:
    kw = dict(d=30, T=25, m=40, p_synth=0.2, seeds=4)
    a = S.simulate(seed=11, **kw)
    b = S.simulate(seed=11, **kw)
    c = S.simulate(seed=12, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["total_mean"], c["total_mean"])


def test_single_seed_gives_unknown_se() -> None:
    """seeds = 1 gives NaN se (unknown), never a crash."""
    df = S.simulate(seeds=1, seed=0, d=20, T=50)
    assert np.isnan(df["total_se"].iloc[0]) and np.isfinite(df["total_mean"].iloc[0])


def test_interpolation_peak_is_null_and_bad_input_raises() -> None:
    df = S.simulate(seeds=2, seed=0, d=20, T=20, lam=0.0)
    assert np.isnan(df["total_mean"].iloc[0])
    from engine.params import ParamError

    with pytest.raises(ParamError, match="p_synth"):
        S.simulate(seeds=2, p_synth=2.0)
    with pytest.raises(ParamError, match="interpolation threshold"):
        S.simulate(seeds=2, m=50, T=50, lam=0.0)


def test_seed_chunks_cover_every_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny memory budget every seed is its own batch (both paths); results stay valid."""
    monkeypatch.setattr(S, "_MAX_FLOATS", 1)
    for kw in (dict(d=20, T=60), dict(d=20, T=15, m=30)):
        df = S.simulate(seeds=5, seed=1, **kw)
        assert np.isfinite(df.to_numpy()).all()
        th = M.curve(**kw)["total"].iloc[0]
        assert abs(df["total_mean"].iloc[0] - th) <= 5 * df["total_se"].iloc[0] + 0.25 * th
