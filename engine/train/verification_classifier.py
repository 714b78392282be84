"""Task ``verification_classifier``: generate, verify, retrain on a Gaussian mixture.

Setup (shared/theory/verification.md §1, §5.2; the paper's simulation parameters are [U]):
- data: y = ±1 with probability 1/2, x | y ~ N(yμ, I_d), ‖μ‖ = ``snr``;
- generator: a logistic-regression classifier (no intercept, ridge ``gen_l2``) trained on
  ``n_real`` real samples; it labels N fresh inputs with sign(w_genᵀx), so its errors
  depend on x (unlike the label-noise channel of the core theory, §3.3);
- verifiers (§1.3): ``none`` keeps all; ``oracle`` keeps correct labels; ``noisy_oracle``
  flips the oracle's decision with probability ``flip``; ``random`` keeps with probability
  ``keep_rate``; ``linear`` keeps iff y'·wᵀx > ``tau`` with w at angle ``theta`` to μ;
- retraining: logistic regression (ridge ``l2``) fitted by Newton's method on the kept
  samples (nested prefixes of one synthesized pool for the N grid);
- accuracy: exact, Φ(μᵀŵ/‖ŵ‖) (§1.4); the generator's accuracy is recorded the same way,
  with the measured φ̂, ψ̂, p̂* = φ̂/(φ̂+ψ̂) and kept fraction per verifier (§2.1).
One metrics record per (verifier, N) cell, averaged over the batched seeds.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from engine.params import Param
from engine.train.common import (Report, check_budget, check_order, configure_threads, log_grid, mean_se,
                                 null_report, resolve_device, torch_generator)

THEORY_MODEL = "verification"
PLOT = {"x": "N", "y": "acc_mean", "se": "acc_se", "group": "verifier", "theory_y": "acc",
        "xlabel": "synthesized samples N", "ylabel": "accuracy", "logx": True, "logy": False,
        "title": "Accuracy of the retrained model vs N, one curve per verifier",
        "hline": "generator_acc_mean"}
"""How engine.runs.views and the Runs page draw this task's metrics (and its theory frame)."""
VERIFIERS = ("none", "oracle", "noisy_oracle", "random", "linear")

PARAMS: tuple[Param, ...] = (
    Param("d", "dimension", "d", "int", 20, lo=1, hi=500, ui_lo=1, ui_hi=500, log=True, help="Input dimension d."),
    Param("snr", "SNR ‖μ‖", "r", "float", 1.5, lo=0, hi=5, help="Norm of the class mean."),
    Param("n_real", "real samples", "n_0", "int", 20, lo=2, hi=10000, ui_hi=2000, log=True,
          help="Real samples the generator is trained on.", assumed=True),
    Param("gen_l2", "generator ridge", "", "float", 1e-2, lo=0, hi=100, lo_open=True, ui_lo=1e-4, ui_hi=10,
          log=True, help="Ridge penalty of the generator's logistic regression.", assumed=True),
    Param("N_min", "smallest N", "N", "int", 100, lo=10, hi=200000, log=True, help="Smallest synthesized-set size."),
    Param("N_max", "largest N", "N", "int", 10000, lo=10, hi=200000, log=True, help="Largest synthesized-set size."),
    Param("N_points", "N grid points", "", "int", 5, lo=1, hi=12, help="Log-spaced N values."),
    Param("flip", "noisy-oracle flip ρ", r"\rho", "float", 0.2, lo=0, hi=1, help="Decision-flip probability.",
          assumed=True),
    Param("keep_rate", "random keep rate s", "s", "float", 0.5, lo=0, hi=1, lo_open=True, ui_lo=0.01,
          help="Keep probability of random selection.", assumed=True),
    Param("theta", "linear verifier angle θ (deg)", r"\theta", "float", 30.0, lo=0, hi=180,
          help="Angle between the linear verifier's direction and μ.", assumed=True),
    Param("tau", "linear verifier threshold τ", r"\tau", "float", 0.0, lo=-10, hi=10, ui_lo=-3, ui_hi=3,
          help="Threshold of the linear verifier.", assumed=True),
    Param("l2", "retraining ridge", "", "float", 1e-3, lo=0, hi=100, lo_open=True, ui_lo=1e-5, ui_hi=1, log=True,
          help="Ridge penalty of the retrained logistic regression.", assumed=True),
    Param("newton_steps", "Newton steps", "", "int", 20, lo=1, hi=200, help="Newton iterations per fit."),
    Param("seeds", "seeds", "S", "int", 8, lo=1, hi=64, help="Independent repetitions, batched."),
)

WORK_CAP = 3e11


def work_estimate(p: dict[str, Any]) -> float:
    """Rough multiply-adds: Newton fits over the N grid, all verifiers, all seeds."""
    grid_sum = sum(log_grid(p["N_min"], p["N_max"], p["N_points"]))
    return p["seeds"] * len(VERIFIERS) * p["newton_steps"] * grid_sum * (p["d"] ** 2 + p["d"])


def check(p: dict[str, Any]) -> None:
    check_order(p, "N_min", "N_max")
    check_budget("verification_classifier", work_estimate(p), WORK_CAP,
                 "lower N_max, seeds, d, newton_steps or N_points")


def N_grid(p: dict[str, Any]) -> list[int]:
    return [int(v) for v in log_grid(p["N_min"], p["N_max"], p["N_points"])]


def fit_logistic(X, y, mask, l2: float, steps: int):
    """Ridge logistic regression without intercept by Newton's method, batched over axis 0.

    Minimizes (1/n_s) Σ_i m_i log(1 + exp(−y_i xᵢᵀw)) + (l2/2)‖w‖², n_s = Σ_i m_i.
    X (S, N, d), y (S, N) in {−1, +1}, mask (S, N) in {0, 1}. Seeds with nothing kept get w = 0."""
    import torch

    S, N, d = X.shape
    n = mask.sum(dim=1).clamp_min(1.0)  # (S,)
    w = torch.zeros(S, d, dtype=X.dtype, device=X.device)
    eye = torch.eye(d, dtype=X.dtype, device=X.device)
    for _ in range(steps):
        margin = y * (X @ w.unsqueeze(-1)).squeeze(-1)
        s = torch.sigmoid(-margin)  # (S, N)
        grad = -(X.transpose(1, 2) @ (mask * y * s).unsqueeze(-1)).squeeze(-1) / n[:, None] + l2 * w
        h = mask * s * (1 - s) / n[:, None]
        H = X.transpose(1, 2) @ (X * h.unsqueeze(-1)) + l2 * eye
        w = w - torch.linalg.solve(H, grad.unsqueeze(-1)).squeeze(-1)
    return w * (mask.sum(dim=1) > 0).unsqueeze(-1)


def exact_accuracy(w, mu) -> "Any":
    """Φ(μᵀŵ/‖ŵ‖) per seed (§1.4); 1/2 for ŵ = 0 [A]."""
    import torch

    norm = w.norm(dim=1)
    z = (w * mu).sum(dim=1) / norm.clamp_min(1e-300)
    acc = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    return torch.where(norm > 0, acc, torch.full_like(acc, 0.5))


def keep_masks(p: dict[str, Any], X, y_true, y_gen, mu, g) -> dict[str, Any]:
    """Keep indicators (S, N) of every verifier (§1.3)."""
    import torch

    S, N, d = X.shape
    dt = X.dtype
    correct = (y_gen == y_true).to(dt)
    u = torch.rand(S, N, generator=g, dtype=dt).to(X.device)
    u2 = torch.rand(S, N, generator=g, dtype=dt).to(X.device)
    flip = (u < p["flip"]).to(dt)
    # linear verifier direction: angle theta to mu, in a random plane
    mu_hat = mu / mu.norm(dim=1, keepdim=True).clamp_min(1e-300)
    z = torch.randn(S, d, generator=g, dtype=dt).to(X.device)
    z = z - (z * mu_hat).sum(dim=1, keepdim=True) * mu_hat
    z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-300)
    th = math.radians(p["theta"])
    wv = math.cos(th) * mu_hat + (math.sin(th) * z if d > 1 else 0.0)
    lin = ((y_gen * (X @ wv.unsqueeze(-1)).squeeze(-1)) > p["tau"]).to(dt)
    return {
        "none": torch.ones_like(correct),
        "oracle": correct,
        "noisy_oracle": correct * (1 - flip) + (1 - correct) * flip,
        "random": (u2 < p["keep_rate"]).to(dt),
        "linear": lin,
    }


def accuracies(p: dict[str, Any], S: int, seed: int, device: str = "cpu",
               on_cell: Callable[[str, int, np.ndarray, dict[str, np.ndarray]], None] | None = None):
    """Per-seed results: generator accuracy (S,), and for every verifier and N the
    retrained accuracy, kept fraction, φ̂, ψ̂ (each (S, len(N grid))).
    ``on_cell(verifier, N, generator accuracies, {acc, keep_frac, phi, psi} per seed)`` is
    called as soon as a cell is done."""
    import torch

    dt = torch.float64
    g = torch_generator(seed, 3)
    d, Ns = p["d"], N_grid(p)
    mu = torch.randn(S, d, generator=g, dtype=dt)
    mu = (mu / mu.norm(dim=1, keepdim=True) * p["snr"]).to(device)

    def sample(n: int):
        y = torch.where(torch.rand(S, n, generator=g, dtype=dt) < 0.5, -1.0, 1.0).to(dt).to(device)
        x = y.unsqueeze(-1) * mu.unsqueeze(1) + torch.randn(S, n, d, generator=g, dtype=dt).to(device)
        return x, y

    Xr, yr = sample(p["n_real"])
    w_gen = fit_logistic(Xr, yr, torch.ones_like(yr), p["gen_l2"], p["newton_steps"])
    gen_acc = exact_accuracy(w_gen, mu).cpu().numpy()
    X, y = sample(Ns[-1])
    y_gen = torch.sign(X @ w_gen.unsqueeze(-1)).squeeze(-1)
    y_gen = torch.where(y_gen == 0, torch.ones_like(y_gen), y_gen)
    masks = keep_masks(p, X, y, y_gen, mu, g)
    correct = (y_gen == y).to(dt)
    out: dict[str, dict[str, np.ndarray]] = {}
    for v in VERIFIERS:
        res = {k: np.zeros((S, len(Ns))) for k in ("acc", "keep_frac", "phi", "psi")}
        for j, N in enumerate(Ns):
            m = masks[v][:, :N]
            c = correct[:, :N]
            w = fit_logistic(X[:, :N], y_gen[:, :N], m, p["l2"], p["newton_steps"])
            res["acc"][:, j] = exact_accuracy(w, mu).cpu().numpy()
            res["keep_frac"][:, j] = m.mean(dim=1).cpu().numpy()
            nc, nw = c.sum(dim=1), (1 - c).sum(dim=1)
            res["phi"][:, j] = torch.where(nc > 0, (m * c).sum(dim=1) / nc.clamp_min(1), torch.nan).cpu().numpy()
            res["psi"][:, j] = torch.where(nw > 0, (m * (1 - c)).sum(dim=1) / nw.clamp_min(1),
                                           torch.nan).cpu().numpy()
            if on_cell is not None:
                on_cell(v, N, gen_acc, {k: a[:, j] for k, a in res.items()})
        out[v] = res
    return gen_acc, out


def _nanmean_se(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    return mean_se(x)


def run(spec, report: Report = null_report, device: str | None = None) -> dict[str, Any]:
    """Run the task; one metrics record per (verifier, N)."""

    p = dict(spec.params)
    device = resolve_device(device)
    configure_threads()
    t0 = time.time()
    Ns = N_grid(p)
    total = len(VERIFIERS) * len(Ns)
    done = [0]

    def on_cell(v: str, N: int, gen_acc: np.ndarray, r: dict[str, np.ndarray]) -> None:
        gmean, gse = mean_se(gen_acc)
        acc_m, acc_se = mean_se(r["acc"])
        phi, _ = _nanmean_se(r["phi"])
        psi, _ = _nanmean_se(r["psi"])
        done[0] += 1
        report(record={
            "verifier": v, "N": N, "acc_mean": acc_m, "acc_se": acc_se,
            "keep_frac_mean": float(r["keep_frac"].mean()),
            "phi_hat": phi, "psi_hat": psi,
            "p_star_hat": phi / (phi + psi) if phi + psi > 0 else math.nan,
            "generator_acc_mean": gmean, "generator_acc_se": gse, "elapsed_s": time.time() - t0,
        }, progress=done[0] / total, message=f"{v} N={N}: acc {acc_m:.4f}")

    gen_acc, out = accuracies(p, p["seeds"], spec.seed, device, on_cell)
    gmean, gse = mean_se(gen_acc)
    final: dict[str, float] = {"generator_acc": gmean}
    for v in VERIFIERS:
        final[f"acc_{v}_N{Ns[-1]}"] = float(out[v]["acc"][:, -1].mean())
    return {"final": final, "N_grid": Ns, "generator_acc_mean": gmean, "generator_acc_se": gse,
            "device": device, "elapsed_s": time.time() - t0}


def theory_frame(params: dict[str, Any], generator_acc: float | None = None) -> "Any | None":
    """The core-model theory (engine.theory.verification.curve) for each verifier with
    p_err = 1 − generator accuracy: an approximation [A], since this generator's errors
    depend on x (verification.md §3.3). Columns verifier, N, acc. None if unavailable."""
    if generator_acc is None:
        return None
    try:
        from engine.theory.verification import curve
    except ImportError:
        return None
    import pandas as pd

    Ns = np.geomspace(params["N_min"], params["N_max"], 40)
    frames = []
    for v in VERIFIERS:
        df = curve(d=params["d"], snr=params["snr"], p_err=float(min(max(1 - generator_acc, 0.0), 1.0)), N=Ns,
                   verifier=v, flip=params["flip"], keep_rate=params["keep_rate"], theta=params["theta"],
                   tau=params["tau"])
        frames.append(pd.DataFrame({"verifier": v, "N": Ns, "acc": df["acc"].to_numpy()}))
    return pd.concat(frames, ignore_index=True)
