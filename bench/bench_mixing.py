"""Benchmark: the Mixing page's default view (engine.theory.mixing.theory_view) against a
per-point scalar-solver baseline (scipy brentq for κ or θ at every point, then the same
formulas with numpy sums over the d eigenvalues).

    .venv/bin/python bench/bench_mixing.py [--repeat 5] [--spectrum isotropic|power]

Prints a table: per chart, the number of points, the vectorised time, the baseline time, the
ratio (baseline / vectorised) and the largest relative difference between the two (a check
that they compute the same numbers). Target (issue 3): the default view under 100 ms,
including the random-projections sweep over m.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import spectra  # noqa: E402
from engine.params import get_model  # noqa: E402
from engine.theory import mixing as M  # noqa: E402


# ----------------------------------------------------------------------------- scalar baseline
def _df1(t: float, eig: np.ndarray) -> float:
    return float(np.sum(eig / (eig + t)))


def kappa_scalar(lam: float, T: float, eig: np.ndarray) -> float:
    """κ by brentq on κ − λ − κ df1(κ)/T over [λ, λ + tr Σ/T] (§2.2 "Solving for κ")."""
    d = eig.size
    if lam == 0 and T >= d:
        return 0.0
    if lam == 0:
        return brentq(lambda k: _df1(k, eig) - T, 1e-300, eig.sum() / T + eig.max() * d / T + 1.0, xtol=1e-300, rtol=1e-14)
    return brentq(lambda k: k - lam - k * _df1(k, eig) / T, lam, lam + eig.sum() / T, xtol=1e-300, rtol=1e-14)


def theta_scalar(lam: float, T: float, m: float, s2: float, eig: np.ndarray) -> float:
    """θ by brentq on θ(m − df1)(1 − df1/T) − λ/s² over (θ0, θ_hi] (§3.3 step 1)."""
    k0 = min(m, T)
    t0 = 0.0 if k0 >= eig.size else kappa_scalar(0.0, k0, eig)
    L = lam / s2
    hi = max(2 * eig.sum() / T, (2 * L + eig.sum()) / m)
    f = lambda t: t * (m - _df1(t, eig)) * (1 - _df1(t, eig) / T) - L  # noqa: E731
    return brentq(f, t0 * (1 + 1e-15) + 1e-300, hi, xtol=1e-300, rtol=1e-14)


def point_scalar(eig: np.ndarray, a: np.ndarray, *, T: float, p2: float, c2: float, lam: float, s1: float, s2n: float,
                 w1: float, m: float, s2: float) -> float:
    """Total error at one point (Theorem 1 / §3.3) with scalar solvers."""
    d = eig.size
    p1 = 1 - p2
    if m > 0:
        lam = max(lam, M.LAMBDA_FLOOR)
        t = theta_scalar(lam, T, m, s2, eig)
    else:
        t = kappa_scalar(lam, T, eig)
    r = eig / (eig + t)
    df1, df2 = r.sum(), (r * r).sum()
    omega = (df1 - df2) / (m - df2) if m > 0 else 0.0
    DF2 = df2 + omega * (df1 - df2)
    if T - DF2 <= 0:
        return float("nan")
    u = DF2 / (T - DF2)
    e_pop = w1**2 * (np.sum(a * eig * (1 - r) ** 2) + omega * np.sum(a * eig * r * (1 - r)))
    sc = c2 / d
    zeta = sc * (p2**2 * (1 + p1 * u) * (np.sum(r * r) + omega * np.sum(r * (1 - r)))
                 + p2 * u * (np.sum((1 - p2 * r) ** 2) + omega * p2**2 * np.sum(r * (1 - r))))
    sigma2 = p1 * s1**2 + p2 * s2n**2
    return float((1 + u) * e_pop + sigma2 * u + zeta)


def baseline_view(p: dict, points: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    spec = M.mixing_spectrum(p["spectrum"], p["d"], p["beta"], p["r"])
    eig, c = spectra.dense(spec)
    a = c**2
    out = {}
    for chart, pts in points.items():
        out[chart] = np.array([point_scalar(eig, a, **pt) for pt in pts])
    return out


def view_points(p: dict, v: dict) -> tuple[dict[str, list[dict]], dict[str, np.ndarray]]:
    """The (point parameters, vectorised totals) of every chart of the view."""
    base = dict(T=float(p["T"]), p2=p["p_synth"], c2=p["c2"], lam=p["lam"], s1=p["sigma"], s2n=p["sigma_synth"],
                w1=p["w1_norm"], m=float(p["m"]))

    def s2_of(m: float) -> float:
        return 1.0 / m if p["proj_var"] == "1/m" and m > 0 else 1.0 / p["d"]

    pts: dict[str, list[dict]] = {}
    vec: dict[str, np.ndarray] = {}
    sc = v["scaling"]["curves"]
    pts["scaling (T sweep, 8 p_synth)"] = [dict(base, T=float(T), p2=float(q), m=0.0, s2=s2_of(0)) for q, T in zip(sc["p_synth"], sc["T"])]
    vec["scaling (T sweep, 8 p_synth)"] = sc["total"].to_numpy()
    wc = v["width"]["curves"]
    pts["width (m sweep, random proj.)"] = [dict(base, p2=float(q), c2=float(c), m=float(m), s2=s2_of(m))
                                            for q, c, m in zip(wc["p_synth"], wc["c2"], wc["m"])]
    vec["width (m sweep, random proj.)"] = wc["total"].to_numpy()
    pa = v["pareto"]
    pts["pareto (m sweep x c2)"] = [dict(base, c2=float(c), m=float(m), s2=s2_of(m)) for c, m in zip(pa["c2"], pa["m"])]
    vec["pareto (m sweep x c2)"] = pa["error_mix"].to_numpy()
    grid = M.equivalent_T_grid(p).astype(float)
    if p["m"] > 0 and p["lam"] == 0:
        grid = grid[grid != p["m"]]
    pts["readouts (real-only T grid)"] = [dict(base, T=float(T), p2=0.0, s2=s2_of(p["m"])) for T in grid]
    vec["readouts (real-only T grid)"] = M._grid_eval(p, p_synth=np.zeros(grid.size), T=grid)["total"]
    return pts, vec


def time_it(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def chart_timers(p: dict) -> dict[str, callable]:
    return {
        "scaling (T sweep, 8 p_synth)": lambda: M.scaling_view(p),
        "width (m sweep, random proj.)": lambda: M.width_view(p),
        "pareto (m sweep x c2)": lambda: M.pareto_view(p),
        "readouts (real-only T grid)": lambda: M.readouts(p),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--spectrum", default="isotropic", choices=["isotropic", "power"])
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    overrides = {"spectrum": args.spectrum}
    for item in args.set:
        k, val = item.split("=", 1)
        overrides[k] = val
    p = get_model("mixing").resolve(overrides)
    M.theory_view(p)  # warm-up (imports, BLAS)
    v = M.theory_view(p)
    pts, vec = view_points(p, v)
    print(f"Mixing page default view: d={p['d']} T={p['T']} spectrum={p['spectrum']} lam={p['lam']:g} "
          f"m={p['m']} proj_var={p['proj_var']} (best of {args.repeat})")
    hdr = f"{'chart':32s} {'points':>7s} {'vectorised ms':>14s} {'brentq/point ms':>16s} {'ratio':>8s} {'max rel diff':>13s}"
    print(hdr)
    print("-" * len(hdr))
    timers = chart_timers(p)
    tot_v = tot_b = 0.0
    n_tot = 0
    for chart, plist in pts.items():
        tv = time_it(timers[chart], args.repeat)
        tb = time_it(lambda: [point_scalar(*_ea(p), **pt) for pt in plist], 1)
        ref = np.array([point_scalar(*_ea(p), **pt) for pt in plist])
        ok = np.isfinite(ref) & np.isfinite(vec[chart])
        rel = float(np.max(np.abs(vec[chart][ok] - ref[ok]) / np.abs(ref[ok]))) if ok.any() else float("nan")
        print(f"{chart:32s} {len(plist):7d} {1e3 * tv:14.2f} {1e3 * tb:16.1f} {tb / tv:8.0f}x {rel:13.1e}")
        tot_v += tv
        tot_b += tb
        n_tot += len(plist)
    full = time_it(lambda: M.theory_view(p), args.repeat)
    print("-" * len(hdr))
    print(f"{'sum of charts':32s} {n_tot:7d} {1e3 * tot_v:14.2f} {1e3 * tot_b:16.1f} {tot_b / tot_v:8.0f}x")
    print(f"{'full theory_view (page default)':32s} {'':7s} {1e3 * full:14.2f} {'':16s} {tot_b / full:8.0f}x")
    print(f"target < 100 ms: {'met' if full < 0.1 else 'NOT met'}")
    return 0


_EA_CACHE: dict = {}


def _ea(p: dict) -> tuple[np.ndarray, np.ndarray]:
    key = (p["spectrum"], p["d"], p["beta"], p["r"])
    if key not in _EA_CACHE:
        eig, c = spectra.dense(M.mixing_spectrum(*key))
        _EA_CACHE[key] = (eig, c**2)
    return _EA_CACHE[key]


if __name__ == "__main__":
    sys.exit(main())
