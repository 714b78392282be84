"""Benchmark of the Verification page (issue 5).

    .venv/bin/python bench/bench_verification.py [--repeat 5] [--N 1000000] [--d 100] [--trials 2]

1. **Default view**: ``engine.theory.verification.theory_view`` at the registry defaults (every
   chart of the page, no Monte Carlo) against a plain per-point baseline that evaluates the same
   closed forms with ``math`` in a Python loop. Target: under 50 ms.
2. **Monte Carlo throughput** at N = 10⁶, d = 100 (synthesized samples per second, i.e.
   N × trials / time) against a plain per-trial loop (one trial at a time: draw the full N × d
   float64 design, flip, verify, keep, centroid, exact accuracy), for
   - the ``features`` sampler (the same literal pipeline, chunked, float32 for N ≥ 10⁶),
   - the ``reduced`` sampler (exact in distribution: O(1) per trial for the core verifiers,
     3 random numbers per sample for the linear verifier; see engine/simulate/verification.py).
   The mean accuracies are printed next to each other as a sanity check.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.params import get_model  # noqa: E402
from engine.simulate import verification as S  # noqa: E402
from engine.theory import verification as V  # noqa: E402


# ----------------------------------------------------------------------------- default view
def _Phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def point_scalar(*, d: float, snr: float, p: float, N: float, phi: float, psi: float) -> float:
    """acc (§2.3) at one point with scalar math (the plain baseline)."""
    pi = (1 - p) * phi + p * psi
    if pi <= 0:
        return float("nan")
    c = ((1 - p) * phi - p * psi) / pi
    if math.isinf(N):
        return _Phi(math.copysign(1.0, c) * snr) if c != 0 else 0.5
    n = N * pi
    den = math.sqrt(c * c * snr * snr + d / n)
    return _Phi(c * snr * snr / den) if den > 0 else 0.5


def baseline_view(p: dict, v: dict) -> list[float]:
    """Every theory point of the page's view, one scalar evaluation at a time."""
    out = []
    for _, row in v["by_N"].iterrows():
        phi, psi = (float(x) for x in V.verifier_rates(row["verifier"], keep_correct=p["keep_correct"],
                                                       keep_wrong=p["keep_wrong"], flip=p["flip"],
                                                       keep_rate=p["keep_rate"], theta=p["theta"], tau=p["tau"],
                                                       snr=p["snr"]))
        out.append(point_scalar(d=p["d"], snr=p["snr"], p=p["p_err"], N=row["N"], phi=phi, psi=psi))
    phi, psi = (float(x) for x in V.verifier_rates(p["verifier"], keep_correct=p["keep_correct"],
                                                   keep_wrong=p["keep_wrong"], flip=p["flip"], keep_rate=p["keep_rate"],
                                                   theta=p["theta"], tau=p["tau"], snr=p["snr"]))
    for _, row in v["by_p"].iterrows():
        out.append(point_scalar(d=p["d"], snr=p["snr"], p=row["p_err"], N=row["N"], phi=phi, psi=psi))
    for _, row in v["by_pstar"].iterrows():
        fam = row["family"]
        ps = row["p_star"]
        f_phi, f_psi = (ps, 1 - ps) if fam.startswith("noisy") else (1.0, (1 - ps) / ps if ps > 0 else 0.0)
        out.append(point_scalar(d=p["d"], snr=p["snr"], p=p["p_err"], N=p["N"], phi=f_phi, psi=f_psi))
    return out


def view_values(v: dict) -> np.ndarray:
    return np.concatenate([v["by_N"]["acc"], v["by_p"]["acc"], v["by_pstar"]["acc"]])


def best_of(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ----------------------------------------------------------------------------- MC baseline
def plain_trial(rng: np.random.Generator, *, N: int, d: int, snr: float, p: float, phi: float, psi: float,
                linear: tuple[float, float, float] | None = None) -> float:
    """One trial, written plainly: full N × d float64 design, then select, then centroid."""
    y = rng.choice(np.array([-1.0, 1.0]), size=N)
    mu = np.zeros(d)
    mu[0] = snr
    X = y[:, None] * mu + rng.standard_normal((N, d))
    wrong = rng.random(N) < p
    y_gen = np.where(wrong, -y, y)
    if linear is None:
        keep = rng.random(N) < np.where(wrong, psi, phi)
    else:
        cos_t, sin_t, tau = linear
        w = np.zeros(d)
        w[0], w[1] = cos_t, sin_t
        keep = y_gen * (X @ w) > tau
    if not keep.any():
        return 0.5
    w_hat = (y_gen[keep][:, None] * X[keep]).mean(axis=0)
    return _Phi(float(mu @ w_hat) / float(np.linalg.norm(w_hat)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--N", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--trials", type=int, default=2, help="trials for the per-trial baseline and the features sampler")
    ap.add_argument("--reduced-trials", type=int, default=2000, help="trials for the O(1) reduced core sampler")
    args = ap.parse_args()

    # 1. default view
    p = get_model("verification").resolve({})
    V.theory_view(p)  # warm-up
    v = V.theory_view(p)
    t_vec = best_of(lambda: V.theory_view(p), args.repeat)
    t0 = time.perf_counter()
    ref = np.array(baseline_view(p, v))
    t_base = time.perf_counter() - t0
    vals = view_values(v)
    ok = np.isfinite(ref) & np.isfinite(vals)
    diff = float(np.max(np.abs(vals[ok] - ref[ok])))
    print(f"Verification page default view (d={p['d']}, r={p['snr']}, p={p['p_err']}, N={p['N']:g}, "
          f"verifier={p['verifier']}; best of {args.repeat})")
    hdr = f"{'what':34s} {'points':>7s} {'vectorised ms':>14s} {'per-point ms':>13s} {'ratio':>8s} {'max |diff|':>11s}"
    print(hdr)
    print("-" * len(hdr))
    print(f"{'theory_view (3 charts + readouts)':34s} {len(ref):7d} {1e3 * t_vec:14.2f} {1e3 * t_base:13.1f} "
          f"{t_base / t_vec:7.1f}x {diff:11.1e}")
    print(f"target < 50 ms: {'met' if t_vec < 0.05 else 'NOT met'}")
    print()

    # 2. Monte Carlo throughput
    N, d = args.N, args.d
    core = dict(verifier="custom", keep_correct=1.0, keep_wrong=0.2, p_err=0.3, snr=1.0)
    lin = dict(verifier="linear", theta=30.0, tau=0.0, p_err=0.3, snr=1.0)
    phi_l, psi_l = (float(x) for x in V.linear_verifier_rates(1.0, 30.0, 0.0))
    rows = []

    def plain(kind: str, trials: int) -> tuple[float, float]:
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        if kind == "core":
            accs = [plain_trial(rng, N=N, d=d, snr=1.0, p=0.3, phi=1.0, psi=0.2) for _ in range(trials)]
        else:
            accs = [plain_trial(rng, N=N, d=d, snr=1.0, p=0.3, phi=phi_l, psi=psi_l,
                                linear=(math.cos(math.radians(30)), math.sin(math.radians(30)), 0.0))
                    for _ in range(trials)]
        return time.perf_counter() - t0, float(np.mean(accs))

    def engine(kw: dict, trials: int, sampler: str) -> tuple[float, float]:
        t0 = time.perf_counter()
        df = S.simulate(seeds=trials, seed=0, sampler=sampler, N=N, d=d, **kw)
        return time.perf_counter() - t0, float(df["acc_mean"].iloc[0])

    for kind, kw in (("core (custom φ=1, ψ=0.2)", core), ("linear (θ=30°, τ=0)", lin)):
        tb, ab = plain("core" if kw is core else "linear", args.trials)
        rate_b = N * args.trials / tb
        rows.append((kind, "plain per-trial loop (float64)", args.trials, tb, rate_b, 1.0, ab))
        tf, af = engine(kw, args.trials, "features")
        rows.append((kind, "features sampler (chunked, f32)", args.trials, tf, N * args.trials / tf,
                     (N * args.trials / tf) / rate_b, af))
        trials = args.reduced_trials if kw is core else args.trials * 2
        tr, ar = engine(kw, trials, "reduced")
        rows.append((kind, "reduced sampler (exact)", trials, tr, N * trials / tr, (N * trials / tr) / rate_b, ar))

    theory_core = float(V.curve(N=N, d=d, **core)["acc"].iloc[0])
    theory_lin = float(V.curve(N=N, d=d, **lin)["acc_inf_feature"].iloc[0])
    print(f"Monte Carlo throughput, N = {N:,}, d = {d} (synthesized samples per second = N x trials / time)")
    hdr = f"{'verifier':26s} {'method':32s} {'trials':>7s} {'time s':>8s} {'samples/s':>11s} {'ratio':>9s} {'mean acc':>9s}"
    print(hdr)
    print("-" * len(hdr))
    for kind, method, trials, t, rate, ratio, acc in rows:
        print(f"{kind:26s} {method:32s} {trials:7d} {t:8.2f} {rate:11.3g} {ratio:8.1f}x {acc:9.4f}")
    print(f"theory: core acc(N) = {theory_core:.4f}; linear acc_inf_feature = {theory_lin:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
