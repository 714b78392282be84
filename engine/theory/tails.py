"""Theory of *A Tale of Tails* (shared/theory/tails.md): a memorizing (Hutter) model on
Zipf-distributed data, trained on AI-generated data that cuts or narrows the tail.

Everything here is an *exact* expected test error over the infinite Zipf support,

    E(T) = sum_i p_i [K_i a_i^T + (1 - K_i) b_i^T]          (spec, "How the parameters combine", 5)

computed to ~1e-10 relative accuracy (checked against an independent long float64 sum
with a QUADPACK tail in the tests and in bench/bench_tails.py) by a split of the series
(§7 steps 1-3), with every step vectorised over the sweep:

* an exact head  sum_{i < A + H} (H = ``HEAD`` terms, vectorised over the sweep);
* the rest written as  mass - sum_i p_i D_i  with the p-mass from Hurwitz zeta
  remainders and the decaying complement D_i = 1 - g_i summed by Gregory's
  end-corrected trapezoid rule (the discrete Euler-Maclaurin formula with finite
  differences instead of derivatives) plus a composite Gauss-Legendre integral in
  u = log x, with fine panels only in the zone where the summand switches from
  "learned" to the power-law tail (around T p_i ~ 1, T q_i ~ 1, T0 p_i ~ 1) and a few
  wide panels on either side.  (1 - q)^T is always exp(T log1p(-q)).

Public functions: :func:`curve` (canonical keys -> DataFrame), :func:`expected_error`
(the same numbers as arrays), the asymptotic guides (:func:`clean_constant`,
:func:`clean_guide`, :func:`narrowed_guide`, :func:`asymptote`), :func:`cut_plateau`,
:func:`knee_T`, :func:`k_from_top_p`, and the extra functions without canonical keys:
:func:`tail_acquisition_error` (§3.5), :func:`gcd_outcome_probability` and
:func:`gcd_accuracy` (§5.1), :func:`bigram_exponent` (§3.7), :func:`triplet_guide` (§3.8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from scipy.special import gamma, zeta

from engine.params import ParamError
from engine.sweep import resolve_call

# ----------------------------------------------------------------------------- numerics
HEAD = 128
"""Exact head terms of every series segment."""
_GREGORY = (1.0 / 12, 1.0 / 24, 19.0 / 720, 3.0 / 160, 863.0 / 60480, 275.0 / 24192)
"""Gregory end-correction coefficients G_1..G_6 (orders of the finite differences)."""
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)
_PANEL_WIDTH = 0.5
"""Width (in u = log x) of one Gauss-Legendre panel."""
_TAIL_REL = 1e-11
"""The integral stops where the decaying complement is below this fraction of p."""
_SHORT = 16
_ZONE_WIDTH = 0.5
"""Panel width inside the transition zone, in units of 1/gamma."""
_OUTER_PANELS = 8
"""Panels on each smooth side of the transition zone."""


def _hurwitz(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    """zeta(s, a) = sum_{i>=0} (i + a)^-s, with zeta(s, inf) = 0."""
    s = np.asarray(s, float)
    a = np.asarray(a, float)
    out = np.zeros(np.broadcast(s, a).shape)
    fin = np.broadcast_to(np.isfinite(a), out.shape)
    sb, ab = np.broadcast_arrays(s, a)
    out[fin] = zeta(sb[fin], ab[fin])
    return out


SeriesFn = Callable[[np.ndarray, np.ndarray, str], np.ndarray]
"""fn(x, rows, part) -> array of shape (n_out, len(rows), m): with part = "V" the summand,
with part = "W" its decaying complement, V = c * p(x) - W with the constants ``c`` of
:func:`_series`. ``rows`` selects the sweep points the call is about."""


def _series(
    fn: SeriesFn,
    beta: np.ndarray,
    A: np.ndarray,
    B: np.ndarray,
    xmax: np.ndarray,
    mass_coeff: Iterable[float],
    zone: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """sum_{i=A}^{B} V_j(i) for every output j and sweep point (spec §7 steps 1-3).

    The first ``HEAD`` terms are summed exactly. The rest is
    c_j * sum p_i - sum W_j(i): the p-mass by Hurwitz zeta remainders, sum W by Gregory's
    formula  sum_{i=a}^{b} W_i = int_a^b W + (W_a + W_b)/2 + sum_m G_m (nabla^m W_b +
    (-1)^m Delta^m W_a)  with the integral by composite Gauss-Legendre in u = log x on
    [a, min(b, xmax)].

    Args:
        fn: the summand (see :data:`SeriesFn`).
        beta: Zipf exponent of p (shape (P,)).
        A, B: first and last index (B may be inf); B < A gives an empty sum.
        xmax: beyond this x the complement W is negligible (shape (P,)).
        mass_coeff: c_j per output.
        zone: optional (u_lo, u_hi, gamma), arrays (P,): W changes character only inside
            [u_lo, u_hi] (u = log x), on the scale 1/gamma. Outside it W is a smooth,
            near power law and gets a few wide panels (``_OUTER_PANELS``); inside, panels of
            width ``_ZONE_WIDTH``/gamma. Without it, uniform panels of ``_PANEL_WIDTH``.
    Returns:
        array (n_out, P).
    """
    c = np.asarray(list(mass_coeff), float)[:, None]
    P = beta.shape[0]
    A = np.asarray(A, float)
    B = np.asarray(B, float)
    zb = zeta(beta, 1.0)
    allrows = np.arange(P)

    # exact head: i = A .. A+H-1 (masked by i <= B)
    j = np.arange(HEAD, dtype=float)
    x = A[:, None] + j[None, :]
    inside = x <= B[:, None]
    V = fn(np.where(inside, x, A[:, None]), allrows, "V")
    total = np.where(inside[None], V, 0.0).sum(axis=-1)

    a = A + HEAD  # start of the smooth remainder
    rest = B >= a
    if not rest.any():
        return total
    short = rest & (B - a < _SHORT - 1)
    long_ = rest & ~short
    if short.any():
        rows = np.flatnonzero(short)
        x = a[rows, None] + np.arange(_SHORT, dtype=float)[None, :]
        inside = x <= B[rows, None]
        V = fn(np.where(inside, x, a[rows, None]), rows, "V")
        total[:, rows] += np.where(inside[None], V, 0.0).sum(axis=-1)
    if not long_.any():
        return total
    rows = np.flatnonzero(long_)
    ar, br = a[rows], B[rows]
    # p-mass of the remainder [a, b]
    mass = (_hurwitz(beta[rows], ar) - _hurwitz(beta[rows], br + 1.0)) / zb[rows]
    # one evaluation of W: Gregory points at a (forward), at b (backward, finite b), and the
    # quadrature nodes in u = log x on [log a, log min(b, xmax)]
    m = len(_GREGORY)
    fin = np.isfinite(br)
    xa = ar[:, None] + np.arange(m + 1, dtype=float)[None, :]
    xb = np.maximum(np.where(fin, br, ar + m)[:, None] - np.arange(m, -1, -1, dtype=float)[None, :], ar[:, None])
    ua = np.log(ar)
    ub = np.log(np.maximum(np.minimum(br, xmax[rows]), ar))
    u, wts = _nodes(ua, ub, None if zone is None else tuple(z[rows] for z in zone))
    xs = np.exp(u)
    Wall = fn(np.concatenate([xa, xb, xs], axis=1), rows, "W")
    Wa, Wb, Wq = Wall[..., : m + 1], Wall[..., m + 1 : 2 * m + 2], Wall[..., 2 * m + 2 :]
    corr = 0.5 * Wa[..., 0]
    diff = Wa
    for order, g in enumerate(_GREGORY, start=1):
        diff = np.diff(diff, axis=-1)
        corr = corr + (-1) ** order * g * diff[..., 0]
    cb = 0.5 * Wb[..., -1]
    diff = Wb
    for g in _GREGORY:
        diff = np.diff(diff, axis=-1)
        cb = cb + g * diff[..., -1]
    corr = corr + np.where(fin[None, :], cb, 0.0)
    integral = (Wq * (xs * wts)[None]).sum(axis=-1)
    total[:, rows] += c * mass[None, :] - (integral + corr)
    return total


def _gl_piece(lo: np.ndarray, hi: np.ndarray, npan: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights on [lo, hi] per row (npan equal panels)."""
    h = (hi - lo) / npan
    t = (np.arange(npan)[:, None] + 0.5 * (_NODES[None, :] + 1.0)).reshape(-1)
    w = np.tile(0.5 * _WEIGHTS, npan)
    return lo[:, None] + h[:, None] * t[None, :], h[:, None] * w[None, :]


def _nodes(ua: np.ndarray, ub: np.ndarray, zone: tuple[np.ndarray, np.ndarray, np.ndarray] | None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes u (R, M) and weights (R, M) on [ua, ub] (see :func:`_series`)."""
    if zone is None:
        npan = max(1, int(np.ceil((ub - ua).max() / _PANEL_WIDTH)))
        return _gl_piece(ua, ub, npan)
    zlo, zhi, gam = zone
    lo = np.clip(zlo, ua, ub)
    hi = np.clip(zhi, lo, ub)
    n_mid = max(1, int(np.ceil(((hi - lo) * gam / _ZONE_WIDTH).max())))
    parts = [_gl_piece(ua, lo, _OUTER_PANELS), _gl_piece(lo, hi, n_mid), _gl_piece(hi, ub, _OUTER_PANELS)]
    return np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts], axis=1)


# ----------------------------------------------------------------------------- model
@dataclass(frozen=True)
class TailsConfig:
    """One fully resolved configuration per sweep point (arrays of shape (P,)); spec
    "How the parameters combine" rules 1-5."""

    beta: np.ndarray
    beta_ai: np.ndarray  # the effective AI exponent beta' = beta_ai / temperature
    k: np.ndarray  # effective cut index, inf = no cut
    pi: np.ndarray  # clean fraction 1 - p_synth
    T: np.ndarray
    T0: np.ndarray
    n: np.ndarray
    chain: np.ndarray  # generator chain active (n >= 1 and T0 > 0)

    @property
    def P(self) -> int:
        return self.beta.shape[0]

    @property
    def log_zb(self) -> np.ndarray:
        return np.log(zeta(self.beta, 1.0))

    @property
    def log_norm_q(self) -> np.ndarray:
        """log(zeta(beta') * Q'_k): the normalisation of the (cut) AI distribution q."""
        zq = zeta(self.beta_ai, 1.0)
        Qk = 1.0 - _hurwitz(self.beta_ai, self.k + 1.0) / zq
        return np.log(zq) + np.log(Qk)


def k_from_top_p(top_p: np.ndarray | float, beta_ai: np.ndarray | float) -> np.ndarray:
    """k(p_top) = min{k : Q'_k >= p_top} for Zipf(beta') (spec §1.3 and rule 2); inf for p_top = 1.

    Vectorised bisection on the integer k with Hurwitz-zeta tail masses; capped at 2^62.
    """
    top_p, beta_ai = np.broadcast_arrays(np.asarray(top_p, float), np.asarray(beta_ai, float))
    top_p = top_p.reshape(-1)
    beta_ai = beta_ai.reshape(-1)
    zq = zeta(beta_ai, 1.0)
    allowed = 1.0 - top_p  # allowed tail mass: zeta(b', k+1)/zeta(b') <= 1 - p_top

    def ok(k: np.ndarray) -> np.ndarray:
        return zeta(beta_ai, k + 1.0) / zq <= allowed

    if np.all(top_p >= 1.0):
        return np.full_like(top_p, np.inf)
    lo = np.zeros_like(top_p)  # ok(lo) is false (Q'_0 = 0 < p_top)
    hi = np.full_like(top_p, 2.0**62)
    for _ in range(70):
        mid = np.floor((lo + hi) / 2)
        good = ok(mid)
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
        if np.all(hi - lo <= 1):
            break
    return np.where(top_p >= 1.0, np.inf, hi)


def make_config(
    beta, T, k=0, top_p=1.0, beta_ai=None, temperature=1.0, T0=0, n=0, p_synth=1.0
) -> TailsConfig:
    """Resolve the combination rules 1-4 of the spec into a :class:`TailsConfig` (arrays)."""
    arrs = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (beta, T, k, top_p, beta if beta_ai is None else beta_ai,
                                          temperature, T0, n, p_synth))
    )
    beta, T, k, top_p, beta_ai, temperature, T0, n, p_synth = (np.atleast_1d(a).astype(float).copy() for a in arrs)
    betap = beta_ai / temperature
    k_eff = np.where(k > 0, k, np.inf)
    k_top = k_from_top_p(top_p, betap)
    k_eff = np.minimum(k_eff, k_top)
    chain = (n >= 1) & (T0 > 0)
    return TailsConfig(beta=beta, beta_ai=betap, k=k_eff, pi=1.0 - p_synth, T=T, T0=T0, n=n, chain=chain)


def _canonical_fn(cfg: TailsConfig, qon: bool, with_plateau: bool) -> SeriesFn:
    """The summands of the canonical formula on a segment where q is on (i <= k) or off.

    Outputs: 0 = p g (error), 1 = p dg/dT (derivative) and, if ``with_plateau``,
    2 = p (1 - K 1[q > 0]) (plateau at pi = 0). The complement W is p (1 - g) = p D with
    D = (1 - b^T) + K b^T (1 - (a/b)^T) (no cancellation), -p dg, and p K 1[q > 0].
    """
    lzb, lzq = cfg.log_zb, cfg.log_norm_q
    n_out = 3 if with_plateau else 2

    def fn(x: np.ndarray, rows: np.ndarray, part: str) -> np.ndarray:
        T = cfg.T[rows, None]
        pi = cfg.pi[rows, None]
        lx = np.log(x)
        p = np.exp(-cfg.beta[rows, None] * lx - lzb[rows, None])
        chain_rows = cfg.chain[rows]
        any_chain = bool(chain_rows.any())
        any_pi = bool((cfg.pi[rows] > 0).any())
        out = np.empty((n_out,) + p.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            lb = np.log1p(-pi * p) if any_pi else np.zeros_like(p)
            if qon:
                q = np.exp(-cfg.beta_ai[rows, None] * lx - lzq[rows, None])
                ld = np.log1p(-(1.0 - pi) * q / (1.0 - pi * p)) if any_pi else np.log1p(-q)  # log(a/b)
            else:
                ld = np.zeros_like(p)
            la = lb + ld
            aT = np.exp(T * la)
            a_term = np.where(aT > 0, aT * la, 0.0)  # a^T ln a, 0 where a = 0
            if any_chain:
                chain = chain_rows[:, None]
                lK = cfg.n[rows, None] * np.log(-np.expm1(cfg.T0[rows, None] * np.log1p(-p)))
                K = np.where(chain, np.exp(lK), 1.0)
                omK = np.where(chain, -np.expm1(lK), 0.0)
                bT = np.exp(T * lb) if any_pi else np.ones_like(p)
                dg = K * a_term + omK * bT * lb
            else:
                dg = a_term
            if part == "V":
                out[0] = p * (K * aT + omK * bT) if any_chain else p * aT
                out[1] = p * dg
                if with_plateau:
                    out[2] = p * omK if (qon and any_chain) else (np.zeros_like(p) if qon else p)
            else:
                if any_chain:
                    D = (-np.expm1(T * lb) if any_pi else 0.0) + K * bT * -np.expm1(T * ld)
                else:
                    D = -np.expm1(T * la)
                out[0] = p * D
                out[1] = -p * dg
                if with_plateau:
                    out[2] = p * K if (qon and any_chain) else (p if qon else 0.0)
        return out

    return fn


def _xmax(beta: np.ndarray, log_zb: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """x with scale * p(x) = _TAIL_REL, i.e. where the complement W/p <= scale*p is negligible."""
    return np.exp((np.log(np.maximum(scale, 1.0)) - np.log(_TAIL_REL) - log_zb) / beta)


def _transition_zone(cfg: TailsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the summand changes character, in u = log x: around x_j = r_j^(1/gamma_j) for the
    rates r_j x^-gamma_j of the formula (pi T p, (1-pi) T q, T0 p), from r x^-gamma = 40 + log(n+1)
    (everything learned) to r x^-gamma = e^-3 (power-law tail)."""
    lzb = cfg.log_zb
    with np.errstate(divide="ignore"):
        rates = [
            (np.log(cfg.pi * cfg.T) - lzb, cfg.beta, cfg.pi > 0, np.zeros_like(cfg.T)),
            (np.log((1.0 - cfg.pi) * cfg.T) - cfg.log_norm_q, cfg.beta_ai, cfg.pi < 1, np.zeros_like(cfg.T)),
            (np.log(np.maximum(cfg.T0, 1.0)) - lzb, cfg.beta, cfg.chain, np.log1p(cfg.n)),
        ]
    head_end = math.log(HEAD)
    lo = np.full(cfg.P, np.inf)
    hi = np.full(cfg.P, -np.inf)
    gam = cfg.beta.copy()
    for lr, g, on, extra in rates:
        u = lr / g
        lo_j = u - np.log(40.0 + extra) / g
        hi_j = u + 3.0 / g
        lo = np.where(on, np.minimum(lo, lo_j), lo)
        hi = np.where(on, np.maximum(hi, hi_j), hi)
        gam = np.where(on & (hi_j > head_end), np.maximum(gam, g), gam)
    return lo, hi, gam


def expected_error(cfg: TailsConfig) -> dict[str, np.ndarray]:
    """Exact E(T), dE/dT and the pi = 0 plateau for every point of ``cfg`` (spec rule 5,
    output columns ``error``, ``slope``, ``plateau``). Arrays of shape (P,)."""
    P = cfg.P
    beta = cfg.beta
    lzb = cfg.log_zb
    one = np.ones(P)
    # q(x) <= M p(x) for x >= 1 since beta' >= beta
    M = np.maximum(1.0, np.exp(lzb - cfg.log_norm_q))
    scale = np.maximum(cfg.T, np.where(cfg.chain, cfg.T0, 0.0)) * M
    xmax = _xmax(beta, lzb, scale)
    cut = np.isfinite(cfg.k)
    zone = _transition_zone(cfg)
    # segment 1: [1, k] (or [1, inf)) with q on
    with_pl = bool(cfg.chain.any())
    coeffs = (1.0, 0.0, 1.0) if with_pl else (1.0, 0.0)
    s1 = _series(_canonical_fn(cfg, True, with_pl), beta, one, cfg.k, xmax, coeffs, zone)
    # segment 2: [k+1, inf) with q off (only with a cut)
    s2 = np.zeros_like(s1)
    if cut.any():
        A2 = np.where(cut, cfg.k + 1.0, 1.0)
        B2 = np.where(cut, np.inf, 0.0)
        s2 = _series(_canonical_fn(cfg, False, with_pl), beta, A2, B2, xmax, coeffs, zone)
    tot = s1 + s2
    error = tot[0]
    derr = tot[1]
    plateau_chain = tot[2] if with_pl else np.zeros(P)
    cut_mass = _hurwitz(beta, cfg.k + 1.0) / np.exp(lzb)
    plateau0 = np.where(cfg.chain, plateau_chain, cut_mass)
    plateau = np.where(cfg.pi > 0, 0.0, plateau0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = cfg.T * derr / error
    return {"error": error, "derivative": derr, "slope": slope, "plateau": plateau}


# ----------------------------------------------------------------------------- guides
def clean_constant(beta: np.ndarray | float) -> np.ndarray:
    """C_beta = Gamma(1 - 1/beta) zeta(beta)^(-1/beta) / beta (spec §2)."""
    beta = np.asarray(beta, float)
    return gamma(1.0 - 1.0 / beta) * zeta(beta, 1.0) ** (-1.0 / beta) / beta


def clean_guide(T, beta) -> np.ndarray:
    """C_beta T^-c with c = 1 - 1/beta (spec §2)."""
    beta = np.asarray(beta, float)
    return clean_constant(beta) * np.asarray(T, float) ** (-(1.0 - 1.0 / beta))


def narrowed_guide(T, beta, beta_ai) -> np.ndarray:
    """Gamma((beta-1)/beta') / (beta' zeta(beta)) (T/zeta(beta'))^(-(beta-1)/beta') (spec §3.3)."""
    beta = np.asarray(beta, float)
    bp = np.asarray(beta_ai, float)
    e = (beta - 1.0) / bp
    return gamma(e) / (bp * zeta(beta, 1.0)) * (np.asarray(T, float) / zeta(bp, 1.0)) ** (-e)


def cut_plateau(beta, k) -> np.ndarray:
    """zeta(beta, k+1) / zeta(beta): the p-mass beyond the cut (spec §3.1); 0 for k = inf."""
    beta = np.asarray(beta, float)
    return _hurwitz(beta, np.asarray(k, float) + 1.0) / zeta(beta, 1.0)


def knee_T(beta, k) -> np.ndarray:
    """T_knee = [C_beta (beta-1) zeta(beta)]^(beta/(beta-1)) k^beta (spec §3.1)."""
    beta = np.asarray(beta, float)
    base = clean_constant(beta) * (beta - 1.0) * zeta(beta, 1.0)
    return base ** (beta / (beta - 1.0)) * np.asarray(k, float) ** beta


def asymptote(cfg: TailsConfig) -> np.ndarray:
    """The assembled asymptotic guide of the spec's output list (`asymptote` column) [A]."""
    c = 1.0 - 1.0 / cfg.beta
    Cb = clean_constant(cfg.beta)
    clean = Cb * cfg.T ** (-c)
    synth_only = cfg.pi == 0
    narrowed = cfg.beta_ai > cfg.beta
    base = np.where(narrowed & synth_only, narrowed_guide(cfg.T, cfg.beta, cfg.beta_ai), clean)
    cut = np.isfinite(cfg.k)
    pl = cut_plateau(cfg.beta, cfg.k)
    with np.errstate(divide="ignore"):
        mixed = np.minimum(pl, Cb * (cfg.pi * cfg.T) ** (-c))
    g_cut = np.where(cut, np.where(synth_only, pl, mixed), 0.0)
    with np.errstate(divide="ignore"):
        g_gen = np.where(cfg.chain, cfg.n * Cb * np.maximum(cfg.T0, 1.0) ** (-c), 0.0)
    return np.where(cfg.pi >= 1.0, clean, base + g_cut + g_gen)


# ----------------------------------------------------------------------------- canonical API
def curve(**kwargs) -> pd.DataFrame:
    """The canonical theory function of the spec ("Interfaces" (a)): columns error, asymptote,
    slope, plateau; one row per sweep value. ``mechanism = resample`` with an active chain has
    no closed form: error, slope and plateau are NaN there (the asymptote is still given).

    Raises:
        ParamError: unknown key or a value outside its domain (e.g. beta <= 1).
    """
    call = resolve_call("tails", kwargs)
    cfg = make_config(
        beta=call.array("beta"), T=call.array("T"), k=call.array("k"), top_p=call.array("top_p"),
        beta_ai=call.array("beta_ai"), temperature=call.array("temperature"), T0=call.array("T0"),
        n=call.array("n"), p_synth=call.array("p_synth"),
    )
    res = expected_error(cfg)
    no_closed_form = np.array([m == "resample" for m in call.values("mechanism")]) & cfg.chain
    nan = np.nan
    return call.frame(
        {
            "error": np.where(no_closed_form, nan, res["error"]),
            "asymptote": asymptote(cfg),
            "slope": np.where(no_closed_form, nan, res["slope"]),
            "plateau": np.where(no_closed_form, nan, res["plateau"]),
        }
    )


def clean_error(T, beta) -> np.ndarray:
    """E_clean(T) = sum_i p_i (1 - p_i)^T exactly (spec §2), vectorised over T and beta."""
    cfg = make_config(beta=beta, T=T)
    return expected_error(cfg)["error"]


# ----------------------------------------------------------------------------- §3.5
def tail_acquisition_error(beta: float, k: int, T_ai, k_tail: int, T_tail) -> np.ndarray:
    """E = sum_i p_i (1 - q_i)^T_AI (1 - r_i)^T_tail (spec §3.5): T_AI samples cut at k plus
    T_tail clean samples from the tail only, r_i ∝ p_i 1[i > k_tail]. Vectorised over
    T_ai and T_tail (broadcast); beta, k, k_tail scalars.
    """
    if not beta > 1:
        raise ParamError(f"beta = {beta!r} is invalid: beta must be a number > 1")
    if int(k) < 1 or int(k_tail) < 0:
        raise ParamError("k must be an integer >= 1 and k_tail an integer >= 0")
    T_ai, T_tail = np.broadcast_arrays(np.atleast_1d(np.asarray(T_ai, float)),
                                       np.atleast_1d(np.asarray(T_tail, float)))
    T_ai, T_tail = T_ai.reshape(-1).copy(), T_tail.reshape(-1).copy()
    P = T_ai.shape[0]
    b = np.full(P, float(beta))
    zb = float(zeta(beta, 1.0))
    lzb = np.log(zb)
    lPk = np.log(1.0 - zeta(beta, k + 1.0) / zb)  # q_i = p_i / P_k on i <= k
    lRk = np.log(zeta(beta, k_tail + 1.0) / zb)  # r_i = p_i / R on i > k_tail

    def make(q_on: bool, r_on: bool) -> SeriesFn:
        def fn(x: np.ndarray, rows: np.ndarray, part: str) -> np.ndarray:
            lp = -beta * np.log(x) - lzb
            p = np.exp(lp)
            expo = np.zeros_like(p)
            if q_on:
                expo = expo + T_ai[rows, None] * np.log1p(-np.exp(lp - lPk))
            if r_on:
                expo = expo + T_tail[rows, None] * np.log1p(-np.exp(lp - lRk))
            return (p * np.exp(expo))[None] if part == "V" else (p * -np.expm1(expo))[None]

        return fn

    cuts = sorted({int(k), int(k_tail)})
    edges = [1] + [c + 1 for c in cuts] + [np.inf]
    total = np.zeros(P)
    scale = np.full(P, max(T_ai.max(), T_tail.max()) * max(1.0, 1.0 / np.exp(lPk), 1.0 / np.exp(lRk)))
    xmax = _xmax(b, np.full(P, lzb), scale)
    for lo, hi_next in zip(edges[:-1], edges[1:]):
        hi = hi_next - 1 if np.isfinite(hi_next) else np.inf
        if hi < lo:
            continue
        fn = make(q_on=hi <= k, r_on=lo > k_tail)
        total += _series(fn, b, np.full(P, float(lo)), np.full(P, float(hi)), xmax, (1.0,))[0]
    return total


def tail_acquisition_reach(T_tail, k, beta) -> np.ndarray:
    """i* ≈ (T_tail k^(beta-1))^(1/beta): how far tail data starting at k' = k is learned (§3.5)."""
    beta = np.asarray(beta, float)
    return (np.asarray(T_tail, float) * np.asarray(k, float) ** (beta - 1.0)) ** (1.0 / beta)


# ----------------------------------------------------------------------------- §5.1 GCD bridge
def gcd_outcome_probability(g) -> np.ndarray:
    """P(gcd(a, b) = g) -> 6 / (pi^2 g^2) = 1/(zeta(2) g^2): Zipf with beta = 2 (spec §5.1)."""
    g = np.asarray(g, float)
    return 6.0 / (np.pi**2 * g**2)


def gcd_accuracy(primes: Iterable[int] = (2, 5)) -> float:
    """Natural-distribution accuracy of a model whose learned set is all products of ``primes``:
    sum_{g in D} 6/(pi^2 g^2) = (6/pi^2) prod_p 1/(1 - p^-2) (spec §5.1; 0.8443 for {2, 5})."""
    out = 6.0 / np.pi**2
    for p in primes:
        if int(p) < 2:
            raise ParamError(f"primes must be integers >= 2; got {p!r}")
        out /= 1.0 - float(p) ** -2
    return float(out)


# ----------------------------------------------------------------------------- §3.7-3.8 guides
def bigram_exponent(beta) -> np.ndarray:
    """Clean Hutter++ bigram rate exponent c' = min(1 - 1/beta, 1/2) (spec §3.7) [P]."""
    beta = np.asarray(beta, float)
    return np.minimum(1.0 - 1.0 / beta, 0.5)


def triplet_guide(T, d, k, beta, storage: str = "frequency", rho: float = 1.0) -> np.ndarray:
    """Triplet law guide T^-c + d^-c_q + k^-(beta-1) (spec §3.8) [P]; k = inf for no cut.

    storage: "frequency" (c_q = c/2), "power" (q(i) = p(i)^rho: c_q = (beta-1)/(2 beta rho)),
    "threshold" (c_q = beta - 1, up to logs).
    """
    beta = np.asarray(beta, float)
    c = 1.0 - 1.0 / beta
    if storage == "frequency":
        cq = c / 2
    elif storage == "power":
        cq = (beta - 1.0) / (2.0 * beta * rho)
    elif storage == "threshold":
        cq = beta - 1.0
    else:
        raise ParamError(f"storage = {storage!r} is invalid: one of frequency, power, threshold")
    kk = np.asarray(k, float)
    with np.errstate(divide="ignore"):
        cut = np.where(np.isfinite(kk), kk ** -(beta - 1.0), 0.0)
    return np.asarray(T, float) ** -c + np.asarray(d, float) ** -cq + cut
