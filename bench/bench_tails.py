"""Benchmark of engine/theory/tails.py (issue 4): a 200-point T sweep (T = 1 .. 1e9) per
mechanism, against the plain baseline, a brute-force sum over 10^7 tokens per point.

Columns:
  fast_ms      median wall time of one 200-point `curve` call (the target is < 50 ms)
  brute_s      the brute-force 1e7-token sum for 200 points (timed on a few points, scaled)
  speedup      brute_s / fast
  err_fast     max relative error of `curve` against the high-precision reference
  err_brute    max relative error of the brute-force sum against the same reference

The reference ("long float64 sum", independent code): the exact sum over i <= 2e6 in float64
plus the tail as the midpoint-rule integral int_{N+1/2}^inf (p - p(1-g)) dx, with the
p-integral in closed form and the rest by adaptive QUADPACK in log x (rel. tol 1e-11). It is
evaluated on every `--ref-every`-th point of the sweep (default every 10th: 20 points).

Run:  .venv/bin/python bench/bench_tails.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import quad
from scipy.special import zeta

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.theory import tails as th  # noqa: E402

MECHANISMS = {
    "clean beta=2": dict(beta=2.0),
    "clean beta=1.2": dict(beta=1.2),
    "cut k=100": dict(beta=2.0, k=100),
    "top-p 0.9, beta=1.5": dict(beta=1.5, top_p=0.9),
    "narrow beta'=3": dict(beta=2.0, beta_ai=3.0),
    "temperature 0.8, beta=1.2": dict(beta=1.2, temperature=0.8),
    "relabel n=4, T0=1e4": dict(beta=2.0, T0=10_000, n=4),
    "mixing k=100, pi=0.01": dict(beta=2.0, k=100, p_synth=0.99),
    "all: beta=1.5 k=1e4 tau=.9 T0=1e5 n=3 pi=.1": dict(beta=1.5, k=10_000, temperature=0.9, T0=100_000, n=3, p_synth=0.9),
}


def _params(kw: dict) -> dict:
    beta = kw["beta"]
    bp = kw.get("beta_ai", beta) / kw.get("temperature", 1.0)
    k = kw.get("k", 0) or math.inf
    if kw.get("top_p", 1.0) < 1.0:
        k = min(k, float(th.k_from_top_p(kw["top_p"], bp)[0]))
    return dict(beta=beta, bp=bp, k=k, pi=1 - kw.get("p_synth", 1.0), T0=kw.get("T0", 0), n=kw.get("n", 0))


def _one_minus_g(x: np.ndarray, T: float, beta, bp, k, pi, T0, n, zb, zq, Qk):
    p = x**-beta / zb
    q = np.where(x <= k, x**-bp / (zq * Qk), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        la = np.log1p(-(pi * p + (1 - pi) * q))
        lb = np.log1p(-pi * p)
        bT = np.exp(T * lb)
        K = (-np.expm1(T0 * np.log1p(-p))) ** n if (T0 > 0 and n > 0) else np.ones_like(p)
        omg = -np.expm1(T * lb) + K * bT * -np.expm1(T * (la - lb))
    return omg, p


def _norms(beta, bp, k):
    zb, zq = float(zeta(beta)), float(zeta(bp))
    Qk = 1.0 if math.isinf(k) else 1.0 - float(zeta(bp, k + 1.0)) / zq
    return zb, zq, Qk


def brute_force(T: float, N: int = 10_000_000, chunk: int = 2_000_000, **pp) -> float:
    """Plain sum over i <= N; the mass beyond N counted as never seen."""
    zb, zq, Qk = _norms(pp["beta"], pp["bp"], pp["k"])
    total = 0.0
    for s in range(1, N + 1, chunk):
        x = np.arange(s, min(s + chunk, N + 1), dtype=float)
        omg, p = _one_minus_g(x, T, **pp, zb=zb, zq=zq, Qk=Qk)
        total += float(np.sum(p * (1 - omg)))
    return total + float(zeta(pp["beta"], N + 1.0)) / zb


def reference(T: float, N: int = 2_000_000, **pp) -> float:
    """Long float64 sum + midpoint-rule quadrature tail (see module docstring)."""
    beta = pp["beta"]
    if not math.isinf(pp["k"]) and pp["k"] > N:
        N = int(pp["k"]) + 1
    zb, zq, Qk = _norms(beta, pp["bp"], pp["k"])
    head = brute_force(T, N=N, **pp) - float(zeta(beta, N + 1.0)) / zb
    X = N + 0.5
    mass = X ** (1 - beta) / ((beta - 1) * zb)

    def f(u: float) -> float:
        x = math.exp(u)
        omg, p = _one_minus_g(np.array([x]), T, **pp, zb=zb, zq=zq, Qk=Qk)
        return float(x * p[0] * omg[0])

    u0 = math.log(X)
    top = max(T, pp["T0"]) * 10.0
    u1 = max(u0 + 5, math.log((top * 1e14 / zb) ** (1 / beta)))
    pts = sorted({min(max(math.log(max(X, (s / zb) ** (1 / beta))), u0 + 1e-3), u1 - 1e-3)
                  for s in (T, max(pp["T0"], 1), pp["pi"] * T + 1)})
    corr, _ = quad(f, u0, u1, points=pts, limit=500, epsabs=1e-14 * mass, epsrel=1e-11)
    return head + mass - corr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer reference and brute-force points")
    ap.add_argument("--ref-every", type=int, default=10)
    ap.add_argument("--brute-points", type=int, default=3)
    args = ap.parse_args()
    ref_every = 40 if args.quick else args.ref_every
    brute_pts = 1 if args.quick else args.brute_points

    T = np.logspace(0, 9, 200)
    print(f"200-point sweep, T = 1 .. 1e9; reference on every {ref_every}th point; "
          f"brute force timed on {brute_pts} points and scaled to 200")
    head = f"{'mechanism':46s} {'fast_ms':>8s} {'brute_s':>9s} {'speedup':>9s} {'err_fast':>9s} {'err_brute':>9s}"
    print(head)
    print("-" * len(head))
    worst = 0.0
    for name, kw in MECHANISMS.items():
        th.curve(T=T, **kw)  # warm-up
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            df = th.curve(T=T, **kw)
            times.append(time.perf_counter() - t0)
        fast = statistics.median(times)
        pp = _params(kw)
        idx = list(range(0, 200, ref_every)) + [199]
        ref = np.array([reference(T[i], **pp) for i in idx])
        err_fast = float(np.max(np.abs(df["error"].to_numpy()[idx] / ref - 1)))
        bidx = np.linspace(0, 199, brute_pts).round().astype(int)
        t0 = time.perf_counter()
        brute = np.array([brute_force(T[i], **pp) for i in bidx])
        brute_s = (time.perf_counter() - t0) / len(bidx) * 200
        bref = np.array([reference(T[i], **pp) for i in bidx])
        err_brute = float(np.max(np.abs(brute / bref - 1)))
        worst = max(worst, err_fast)
        print(f"{name:46s} {fast * 1e3:8.1f} {brute_s:9.1f} {brute_s / fast:9.0f} {err_fast:9.1e} {err_brute:9.1e}")
    print(f"\nmax relative error of the engine against the reference: {worst:.1e} (target 1e-6)")


if __name__ == "__main__":
    main()
