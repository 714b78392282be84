"""Monte Carlo twin of engine/theory/tails.py (shared/theory/tails.md §7 "Monte Carlo").

One run draws the training stream of the evaluated model as token counts and scores the
Hutter learner on the clean Zipf(beta) test distribution:

* the support is truncated at N tokens, chosen so that max(T, T0) * max_i(p_i, q_i) <= 1e-3
  beyond N: the truncated mass is counted as never learned, which biases the mean error by
  less than 1e-3 relative (§7 step 5);
* T draws split into Binomial(T, pi) clean draws (Multinomial over p) and AI draws
  (Multinomial over q, or over the resampled generation-n distribution);
* generator chains (§7 step 2), only with n >= 1 and T0 > 0:
  - ``relabel`` (mechanism B): a token keeps its label iff it appears in each of n
    independent samples of T0 draws from p (support intersection);
  - ``resample`` (mechanism A): generation j is the empirical distribution of T0 draws from
    generation j-1, starting from q; labels stay correct;
* a token is learned iff it has a clean draw, or an AI draw and is still known (§7 step 3);
* the plateau estimate (§7 step 4): with pi = 0, the p-mass of tokens outside the AI support
  or unknown to the chain (plus the truncated mass); 0 with pi > 0.

Counts are exact multinomials (no Poisson shortcut), so the only bias is the truncation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import zeta

from engine.params import ParamError
from engine.sweep import resolve_call, stats_columns
from engine.theory.tails import TailsConfig, make_config

N_MAX = 2_000_000
"""Largest truncated support a run may use (memory and time guard)."""
_BIAS = 1e-3
_CHUNK = 20_000_000  # max seeds x tokens held at once


def truncation_index(beta: float, beta_ai: float, k: float, T: float, T0: float = 0.0) -> int:
    """Smallest N with max(T, T0) * max(p_N, q_N) <= 1e-3 (at least 64, and at least the cut k
    when that is smaller than the bound would need). q_i <= M p_i with M = zeta(beta)/(zeta(beta') Q'_k)."""
    zb = float(zeta(beta))
    zq = float(zeta(beta_ai))
    Qk = 1.0 if math.isinf(k) else 1.0 - float(zeta(beta_ai, k + 1.0)) / zq
    M = max(1.0, zb / (zq * Qk))
    scale = max(T, T0, 1.0) * M
    N = math.ceil((scale / (_BIAS * zb)) ** (1.0 / beta))
    return max(64, N)


def _point_config(cfg: TailsConfig, idx: int) -> dict[str, float]:
    return {f: float(getattr(cfg, f)[idx]) for f in ("beta", "beta_ai", "k", "pi", "T", "T0", "n")} | {
        "chain": bool(cfg.chain[idx])
    }


def _simulate_point(c: dict[str, float], mechanism: str, seeds: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Errors and plateau estimates of ``seeds`` independent runs at one parameter point."""
    beta, bp, k, pi = c["beta"], c["beta_ai"], c["k"], c["pi"]
    T = int(round(c["T"]))
    T0 = int(round(c["T0"])) if c["chain"] else 0
    n = int(round(c["n"])) if c["chain"] else 0
    N = truncation_index(beta, bp, k, T, T0)
    if N > N_MAX:
        raise ParamError(
            f"the simulation would need {N} tokens (more than {N_MAX}) at T = {T:g}, beta = {beta:g}: "
            "lower T or T0, or raise beta"
        )
    i = np.arange(1, N + 1, dtype=float)
    zb = float(zeta(beta))
    p = i**-beta / zb
    p_rem = float(zeta(beta, N + 1.0)) / zb
    # truncated mass that is unreachable as T -> inf: beyond the cut, and with a chain all of it
    # (there K_i <= (T0 p_i)^n is negligible)
    beyond_cut = float(zeta(beta, max(float(N), k) + 1.0)) / zb if math.isfinite(k) else 0.0
    p_rem_plateau = p_rem if n >= 1 else beyond_cut
    zq = float(zeta(bp))
    Qk = 1.0 if math.isinf(k) else 1.0 - float(zeta(bp, k + 1.0)) / zq
    q = np.where(i <= k, i**-bp, 0.0) / (zq * Qk)
    # multinomial pvals: the N tokens, then an overflow category (i > N) taking the rest;
    # rounding may push a sum (e.g. q_1 = 1 for k = 1) a hair above 1, which numpy rejects
    p = p / max(1.0, float(p.sum()))
    q = np.minimum(q / max(1.0, float(q.sum())), 1.0)
    p_vals = np.append(p, 0.0)
    q_vals = np.append(q, 0.0)
    q_support = q > 0

    errors = np.empty(seeds)
    plateaus = np.empty(seeds)
    chunk = max(1, min(seeds, _CHUNK // (N + 1)))
    for s0 in range(0, seeds, chunk):
        S = min(chunk, seeds - s0)
        n_clean = rng.binomial(T, pi, size=S) if pi > 0 else np.zeros(S, dtype=np.int64)
        n_ai = T - n_clean
        clean = rng.multinomial(n_clean, p_vals)[:, :N] > 0
        known = np.ones((S, N), dtype=bool)
        ai_vals = np.broadcast_to(q_vals, (S, N + 1))
        if n >= 1 and mechanism == "relabel":
            for _ in range(n):
                known &= rng.multinomial(np.full(S, T0), p_vals)[:, :N] > 0
        elif n >= 1 and mechanism == "resample":
            gen = ai_vals
            for _ in range(n):
                counts = rng.multinomial(np.full(S, T0), gen)
                gen = counts / float(T0)
                gen[:, -1] = 0.0  # the overflow never comes back (pvals' last entry is implied)
            ai_vals = gen
        ai = rng.multinomial(n_ai, ai_vals)[:, :N] > 0
        learned = clean | (ai & known)
        errors[s0 : s0 + S] = (p[None, :] * ~learned).sum(axis=1) + p_rem
        if pi > 0:
            plateaus[s0 : s0 + S] = 0.0
        else:
            reachable = (ai_vals[:, :N] > 0) & known & q_support[None, :]
            plateaus[s0 : s0 + S] = (p[None, :] * ~reachable).sum(axis=1) + p_rem_plateau
    return errors, plateaus


def simulate(*, seeds: int = 10, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Monte Carlo of the spec (§7 "Monte Carlo"): the canonical keys (one may be swept) plus
    ``seeds`` independent runs per point; returns error_mean, error_se, plateau_mean, plateau_se.

    Deterministic for a given ``seed``: point j uses SeedSequence([seed, j]).
    """
    if int(seeds) < 1:
        raise ParamError(f"seeds = {seeds!r} is invalid: seeds must be an integer >= 1")
    call = resolve_call("tails", kwargs)
    cfg = make_config(
        beta=call.array("beta"), T=call.array("T"), k=call.array("k"), top_p=call.array("top_p"),
        beta_ai=call.array("beta_ai"), temperature=call.array("temperature"), T0=call.array("T0"),
        n=call.array("n"), p_synth=call.array("p_synth"),
    )
    mechanisms = call.values("mechanism")
    err = np.empty((call.P, int(seeds)))
    pla = np.empty((call.P, int(seeds)))
    for j in range(call.P):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), j]))
        err[j], pla[j] = _simulate_point(_point_config(cfg, j), mechanisms[j], int(seeds), rng)
    return call.frame(stats_columns({"error": err, "plateau": pla}))
