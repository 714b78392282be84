"""Benchmark: all theory curves of the Regression page's default view.

Compares the vectorised κ solver (engine.spectra.kappa) with a plain baseline that solves
κ point by point with scipy.optimize.brentq, for d = 300 and d = 10^4 (power-law and
isotropic spectra). Targets (issue 2): < 50 ms at d = 300 and < 200 ms at d = 10^4.

    .venv/bin/python bench/bench_regression.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
from scipy.optimize import brentq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import spectra  # noqa: E402
from engine.params import get_model  # noqa: E402
from engine.views import regression as view  # noqa: E402

_vectorised = spectra.kappa


def kappa_brentq(lam, T, spec, **_):
    """Baseline: one scalar root-find per point (regression.md §4 solver recipe)."""
    lam = np.atleast_1d(np.asarray(lam, float))
    T = np.atleast_1d(np.asarray(T, float))
    P = max(lam.size, T.size, spec.eig.shape[0])
    lam, T = np.broadcast_to(lam, (P,)), np.broadcast_to(T, (P,))
    out = np.zeros(P)
    for i in range(P):
        row = min(i, spec.eig.shape[0] - 1)
        eig, mult = spec.eig[row], spec.mult[row]
        d, tr = mult.sum(), (mult * eig).sum()
        if lam[i] == 0 and T[i] >= d:
            continue
        df1 = lambda k: float((mult * eig / (eig + k)).sum())  # noqa: E731
        if lam[i] == 0:
            out[i] = brentq(lambda k: df1(k) - T[i], 1e-300, tr / T[i] + 1.0, xtol=1e-300, rtol=1e-13)
        else:
            h = lambda k: k - lam[i] - k * df1(k) / T[i]  # noqa: E731
            out[i] = brentq(h, lam[i], lam[i] + tr / T[i], xtol=1e-300, rtol=1e-13)
    return out


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    rows = []
    for d, spectrum in ((300, "isotropic"), (300, "power"), (10_000, "isotropic"), (10_000, "power")):
        p = get_model("regression").defaults()
        p.update(d=d, spectrum=spectrum)
        fast = timed(lambda: view.theory_view(p), 5)
        with mock.patch.object(spectra, "kappa", kappa_brentq):
            slow = timed(lambda: view.theory_view(p), 1)
        check = view.theory_view(p)
        with mock.patch.object(spectra, "kappa", kappa_brentq):
            base = view.theory_view(p)
        err = float(np.nanmax(np.abs(check["scaling"]["total"] - base["scaling"]["total"]) / base["scaling"]["total"]))
        target = 0.050 if d == 300 else 0.200
        rows.append((d, spectrum, fast * 1e3, slow * 1e3, slow / fast, err, "yes" if fast < target else "NO", target * 1e3))
    print("Regression page, default view (all theory curves: 5 charts, ~700 points)")
    print(f"{'d':>6} {'spectrum':>9} {'vectorised ms':>14} {'brentq loop ms':>15} {'ratio':>7} {'max rel diff':>13} {'< target':>9}")
    for d, s, f, b, r, e, ok, tgt in rows:
        print(f"{d:>6} {s:>9} {f:>14.1f} {b:>15.1f} {r:>7.1f} {e:>13.1e} {ok:>5} ({tgt:.0f} ms)")


if __name__ == "__main__":
    main()
