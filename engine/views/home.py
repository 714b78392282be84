"""What the home page draws, computed headlessly (issue 8): one story chart per paper, each
at the parameters of a named scenario (engine/presets.py), and two regime maps.

- ``story_*()``: long DataFrames (one row per point, a ``curve`` column) for the small
  multiples; each uses its preset's resolved values, so the home chart and the linked page
  show the same model.
- ``regime_mixing(c2, sigma)``: over (synthetic fraction p₂, total samples n), the ratio of
  the test error with the mix to the error with real data only at the same n (mixing.md
  Theorem 1). A ratio that keeps growing with n is strong collapse.
- ``regime_verification(N, snr, d)``: over (generator error p, noisy-oracle p⋆ = 1 − ρ), the
  retrained model's accuracy at N (verification.md §2.3); it falls below 1/2 (the model
  learns the wrong class) exactly where p > p⋆.
Every function is vectorised over its sweep; a whole view takes a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import presets as P
from engine.theory import mixing as mixing_theory
from engine.theory import regression as regression_theory
from engine.theory import tails as tails_theory
from engine.theory import verification as verification_theory

STORY_PRESET = {"regression": "fig1a", "mixing": "strong-1pct", "tails": "grokking", "verification": "breakdown"}
"""The scenario each home chart shows and links to."""

REGIME_P_SYNTH = np.geomspace(1e-3, 0.5, 30)
REGIME_T = np.unique(np.geomspace(100, 1e7, 41).astype(int))
REGIME_P_ERR = np.linspace(0.0, 0.95, 39)
REGIME_P_STAR = np.linspace(0.05, 1.0, 39)


STORY_CURVES: dict[str, dict[str, dict]] = {
    "regression": {f"n = {n}": {"n": n} for n in (0, 1, 2, 5, 10)},
    "mixing": {"real only": {"p_synth": 0.0}, "1% synthetic": {"p_synth": 0.01}, "10% synthetic": {"p_synth": 0.1}},
    "tails": {"clean": {"k": 0, "p_synth": 1.0}, "AI data cut at k = 100": {"p_synth": 1.0},
              "90% AI + 10% clean": {}},
    "verification": {"oracle (p = 0.3)": {"verifier": "oracle", "p_err": 0.3},
                     "noisy verifier p⋆ = 0.65 (p = 0.3)": {"verifier": "noisy_oracle", "flip": 0.35, "p_err": 0.3},
                     "no verifier (p = 0.3)": {"verifier": "none", "p_err": 0.3},
                     "noisy verifier p⋆ = 0.55 (p = 0.6)": {}},
}
"""Each story chart's curves: name -> changes to the story preset's values."""

STORY_GENERATOR_ACC = 1.0 - 0.3
"""The verification story's generator line: accuracy 1 − p of the p = 0.3 generator."""

STORY_X: dict[str, tuple[str, np.ndarray, str]] = {
    "regression": ("T", np.unique(np.geomspace(10, 1e5, 60).astype(int)), "total"),
    "mixing": ("T", np.unique(np.geomspace(100, 1e7, 60).astype(int)), "total"),
    "tails": ("T", np.geomspace(10, 1e8, 60), "error"),
    "verification": ("N", np.geomspace(10, 1e7, 60), "acc"),
}
"""Each story chart's x key, grid and plotted column."""

_THEORY = {"regression": regression_theory, "mixing": mixing_theory, "tails": tails_theory,
           "verification": verification_theory}


def story_params(page: str) -> dict:
    """The resolved values of the page's story preset."""
    return P.resolved(page, P.get_preset(page, STORY_PRESET[page]))


def story_overrides(page: str, curve: str) -> dict:
    return dict(STORY_CURVES[page][curve])


def story(page: str) -> pd.DataFrame:
    """Long frame (x, y, curve) of the page's story chart, one theory call per curve,
    vectorised over the x grid."""
    base = story_params(page)
    x, grid, y = STORY_X[page]
    parts = []
    for name, over in STORY_CURVES[page].items():
        df = _THEORY[page].curve(**{**base, **over, x: grid})[[x, y]]
        parts.append(df.assign(curve=name))
    return pd.concat(parts, ignore_index=True)


def story_regression() -> pd.DataFrame:
    """Figure 1a: test error against T, one curve per generation count n."""
    return story("regression")


def story_mixing() -> pd.DataFrame:
    """Strong collapse: error against the total sample size n for p₂ = 0, 1%, 10%."""
    return story("mixing")


def story_tails() -> pd.DataFrame:
    """Tails: the clean Hutter law, a tail cut at k = 100, and grokking with 10% clean data."""
    return story("tails")


def story_verification() -> pd.DataFrame:
    """Accuracy against N: oracle, a good noisy verifier, no verifier (p = 0.3), and a noisy
    verifier below the breakdown point (p = 0.6 > p⋆ = 0.55)."""
    return story("verification")


def regime_mixing(c2: float = 0.5, sigma: float = 0.5) -> pd.DataFrame:
    """Long frame p_synth, T, total, real_only, ratio over REGIME_P_SYNTH × REGIME_T.

    Isotropic Σ, d = 600 and λ = 10⁻⁴ (the page defaults); σ₁ = σ₂ = ``sigma``."""
    base = {"d": 600, "lam": 1e-4, "c2": c2, "sigma": sigma, "sigma_synth": sigma}
    real = mixing_theory.curve(**base, p_synth=0.0, T=REGIME_T)["total"].to_numpy()
    rows = []
    for p in REGIME_P_SYNTH:
        tot = mixing_theory.curve(**base, p_synth=float(p), T=REGIME_T)["total"].to_numpy()
        rows.append(pd.DataFrame({"p_synth": p, "T": REGIME_T, "total": tot, "real_only": real, "ratio": tot / real}))
    return pd.concat(rows, ignore_index=True)


def regime_verification(N: float = 1e4, snr: float = 1.0, d: int = 100) -> pd.DataFrame:
    """Long frame p_err, p_star, acc, generator (= 1 − p) over REGIME_P_ERR × REGIME_P_STAR,
    for the noisy oracle (flip ρ = 1 − p⋆)."""
    flips = 1.0 - REGIME_P_STAR
    rows = []
    for p in REGIME_P_ERR:
        df = verification_theory.curve(verifier="noisy_oracle", flip=flips, p_err=float(p), N=N, snr=snr, d=d)
        rows.append(pd.DataFrame({"p_err": p, "p_star": REGIME_P_STAR, "acc": df["acc"].to_numpy(),
                                  "generator": 1.0 - p}))
    return pd.concat(rows, ignore_index=True)
