"""Task ``regression_chain``: the Regression page's fake-data chain with trained models.

Setup (shared/theory/regression.md §1, §8, §9): x ~ N(0, Σ) with Σ = I (isotropic) or
diag(k^-β) (power law, ground truth c_j = j^-δ/2); generator m relabels fresh inputs
X_m (T0 rows) with its own predictions plus N(0, σ0²) noise and is refitted; the
downstream model is trained on T samples labelled by generator n plus N(0, σ²) noise;
its test error is measured on clean data.

Models (``model``):
- ``linear``: full-batch gradient descent on the ridge objective
  ‖Xw − y‖²/T + λ‖w‖² (generators: λ = 0, i.e. least squares, started at 0 so that GD
  converges to the minimum-norm solution when T0 < d, as the pseudo-inverse of §1). The
  gradient uses the sufficient statistics X^T X / T and X^T y / T, the step is 1/L with
  L = λ_max(X^T X / T) + λ. Test error is exact: ‖ŵ − w0‖²_Σ (§9 step 4).
- ``mlp``: a two-layer ReLU network f(x) = aᵀ relu(Wx + b), trained by full-batch gradient
  descent on the mean squared error plus λ·(‖W‖² + ‖a‖²)/2 (generators and downstream
  alike). Test error: mean of (f(x) − x^T w0)² over ``test_size`` clean inputs.

One chain per seed is run to ``n_max`` and branched at every n (§9 step 5: each cell is
unbiased; cells are correlated). All seeds are batched in one tensor. One metrics record
per (n, T) cell. The linear case is compared with ``engine.theory.regression.curve``.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from engine.params import Param
from engine.train.common import (Report, check_budget, check_order, configure_threads, flush_denormals, log_grid,
                                 mean_se, null_report, resolve_device, torch_generator)

THEORY_MODEL = "regression"
PLOT = {"x": "T", "y": "test_error_mean", "se": "test_error_se", "group": "n", "theory_y": "total",
        "xlabel": "downstream samples T", "ylabel": "test error", "logx": True, "logy": True,
        "title": "Test error vs T, one curve per generation n"}
"""How engine.runs.views and the Runs page draw this task's metrics (and its theory frame)."""

PARAMS: tuple[Param, ...] = (
    Param("model", "model", "", "enum", "linear", choices=("linear", "mlp"),
          help="linear: ridge model trained by gradient descent; mlp: two-layer ReLU network."),
    Param("d", "dimension", "d", "int", 20, lo=1, hi=300, ui_lo=2, ui_hi=300, log=True, help="Input dimension d."),
    Param("T0", "generator samples", "T_0", "int", 60, lo=1, hi=5000, ui_lo=2, ui_hi=5000, log=True,
          help="Training samples of every generator."),
    Param("n_max", "max generations", "n", "int", 3, lo=0, hi=10, help="Generations n = 0..n_max are evaluated."),
    Param("T_min", "smallest T", "T", "int", 40, lo=1, hi=5000, ui_lo=2, log=True,
          help="Smallest downstream sample size."),
    Param("T_max", "largest T", "T", "int", 640, lo=1, hi=5000, ui_lo=2, log=True,
          help="Largest downstream sample size."),
    Param("T_points", "T grid points", "", "int", 5, lo=1, hi=12, help="Log-spaced T values from T_min to T_max."),
    Param("lam", "ridge penalty λ", r"\lambda", "float", 1e-3, lo=0, hi=100, ui_lo=0, ui_hi=10, log=True,
          help="Downstream ridge penalty (weight decay for the MLP)."),
    Param("sigma", "label noise σ", r"\sigma", "float", 0.1, lo=0, hi=5, ui_hi=2,
          help="Label-noise std of the downstream data."),
    Param("sigma0", "generator noise σ₀", r"\sigma_0", "float", 0.2, lo=0, hi=5, ui_hi=2,
          help="Label-noise std added by every generator."),
    Param("spectrum", "spectrum", "", "enum", "isotropic", choices=("isotropic", "power"),
          help="isotropic: Σ = I; power: λ_k = k^-β, c_j = j^-δ/2.", assumed=True),
    Param("beta", "capacity exponent β", r"\beta", "float", 2.0, lo=1, hi=4, lo_open=True, ui_lo=1.05,
          help="Power-law spectrum exponent."),
    Param("r", "source exponent r", "r", "float", 0.375, lo=0, hi=2, lo_open=True, ui_lo=0.05,
          help="Source exponent of the ground truth."),
    Param("w0_norm", "‖w₀‖", r"\lVert w_0\rVert", "float", 1.0, lo=0, hi=5,
          help="Norm of the ground truth (isotropic only).", assumed=True),
    Param("width", "MLP width", "k", "int", 64, lo=1, hi=1024, ui_lo=4, log=True, help="Hidden width of the MLP."),
    Param("steps", "GD steps", "", "int", 1500, lo=1, hi=20000, ui_lo=10, log=True,
          help="Full-batch gradient-descent iterations per fit (at most)."),
    Param("tol", "linear GD tolerance", "", "float", 1e-10, lo=0, hi=1e-2, ui_lo=0, ui_hi=1e-4,
          help="The linear model stops when ‖gradient‖/‖Xᵀy/T‖ < tol for every seed (0 = run all steps)."),
    Param("lr", "MLP learning rate", "", "float", 0.1, lo=0, hi=10, lo_open=True, ui_lo=1e-3, ui_hi=1, log=True,
          help="Step size of the MLP's gradient descent (the linear model uses 1/L)."),
    Param("test_size", "MLP test inputs", "", "int", 2000, lo=10, hi=20000, log=True,
          help="Clean test inputs for the MLP's error (the linear error is exact)."),
    Param("seeds", "seeds", "S", "int", 8, lo=1, hi=64, help="Independent chains, batched in one tensor."),
)

WORK_CAP = 1.5e12  # rough multiply-add count cap per launch (about a minute or two on one core)


def work_estimate(p: dict[str, Any]) -> float:
    """Rough multiply-adds of one launch (used to bound the sizes)."""
    cells = (p["n_max"] + 1) * p["T_points"]
    if p["model"] == "linear":
        per_fit = p["steps"] * p["d"] ** 2 + p["T_max"] * p["d"] ** 2
        return p["seeds"] * (cells + p["n_max"]) * per_fit
    per_fit = p["steps"] * 3 * max(p["T_max"], p["T0"]) * p["width"] * (p["d"] + 1)
    return p["seeds"] * (cells + p["n_max"]) * per_fit


def check(p: dict[str, Any]) -> None:
    """Cross-parameter rules: T_min <= T_max, and a bounded amount of work."""
    check_order(p, "T_min", "T_max")
    check_budget("regression_chain", work_estimate(p), WORK_CAP,
                 "lower steps, seeds, T_max, width or T_points")


def T_grid(p: dict[str, Any]) -> list[int]:
    return [int(t) for t in log_grid(p["T_min"], p["T_max"], p["T_points"], integer=True)]


# ----------------------------------------------------------------------------- problem
def problem(p: dict[str, Any], S: int, g, dtype=None):
    """Eigenvalues of Σ (d,) and ground truths w0 (S, d) in eigen-coordinates (§ "Spectrum")."""
    import torch

    dtype = dtype or torch.float64
    d = p["d"]
    if p["spectrum"] == "isotropic":
        eig = torch.ones(d, dtype=dtype)
        w0 = torch.randn(S, d, generator=g, dtype=dtype)
        w0 = w0 / w0.norm(dim=1, keepdim=True) * p["w0_norm"]
    else:
        k = torch.arange(1, d + 1, dtype=dtype)
        eig = k ** (-p["beta"])
        delta = 1 + p["beta"] * (2 * p["r"] - 1)
        w0 = (k ** (-delta / 2)).expand(S, d).clone()
    return eig, w0


def draw_x(S: int, T: int, eig, g):
    import torch

    return torch.randn(S, T, eig.shape[0], generator=g, dtype=eig.dtype) * eig.sqrt()


# ----------------------------------------------------------------------------- linear
def fit_linear_gd(X, y, lam: float, steps: int, tol: float = 0.0):
    """Full-batch GD on ‖Xw − y‖²/T + λ‖w‖², batched over the leading axis; starts at 0.
    Stops early once the relative gradient norm is below ``tol`` for every seed (checked
    every 50 steps).

    Returns (w, relative gradient norm at the end)."""
    import torch

    S, T, d = X.shape
    A = X.transpose(1, 2) @ X / T  # (S, d, d)
    b = (X.transpose(1, 2) @ y.unsqueeze(-1)).squeeze(-1) / T  # (S, d)
    L = torch.linalg.eigvalsh(A)[:, -1] + lam  # (S,)
    eta = (1.0 / L).unsqueeze(-1)
    w = torch.zeros_like(b)
    bnorm = b.norm(dim=1).clamp_min(1e-300)
    for step in range(steps):
        grad = (A @ w.unsqueeze(-1)).squeeze(-1) - b + lam * w
        if tol > 0 and step % 50 == 0 and (grad.norm(dim=1) / bnorm).max().item() < tol:
            break
        w = w - eta * grad
    grad = (A @ w.unsqueeze(-1)).squeeze(-1) - b + lam * w
    rel = (grad.norm(dim=1) / bnorm).max().item()
    return w, rel


CellCallback = Callable[[int, int, np.ndarray], None]


def _no_cell(n: int, T: int, errs: np.ndarray) -> None:
    """Default cell callback: nothing."""


def linear_errors(p: dict[str, Any], S: int, seed: int, device: str, on_cell: CellCallback = _no_cell,
                  salt: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """Test errors of the linear chain, shape (S, n_max+1, len(T grid)); plus diagnostics.
    ``on_cell(n, T, errors of the S seeds)`` is called as soon as a cell is done."""
    import torch

    g = torch_generator(seed, 1, salt)
    Ts = T_grid(p)
    eig, w0 = problem(p, S, g)
    eig, w0 = eig.to(device), w0.to(device)
    sq = eig.sqrt()
    worst = 0.0
    ws = [w0]
    for _ in range(p["n_max"]):  # generator chain, least squares by GD
        X = (torch.randn(S, p["T0"], p["d"], generator=g, dtype=eig.dtype).to(device)) * sq
        y = (X @ ws[-1].unsqueeze(-1)).squeeze(-1) + p["sigma0"] * torch.randn(S, p["T0"], generator=g,
                                                                               dtype=eig.dtype).to(device)
        w, rel = fit_linear_gd(X, y, 0.0, p["steps"], p["tol"])
        worst = max(worst, rel)
        ws.append(w)
    out = np.zeros((S, p["n_max"] + 1, len(Ts)))
    for j, T in enumerate(Ts):
        X = torch.randn(S, T, p["d"], generator=g, dtype=eig.dtype).to(device) * sq
        noise = p["sigma"] * torch.randn(S, T, generator=g, dtype=eig.dtype).to(device)
        for n, wn in enumerate(ws):  # the same downstream inputs for every n (branching)
            y = (X @ wn.unsqueeze(-1)).squeeze(-1) + noise
            w, rel = fit_linear_gd(X, y, p["lam"], p["steps"], p["tol"])
            worst = max(worst, rel)
            err = (((w - w0) ** 2) * eig).sum(dim=1)
            out[:, n, j] = err.cpu().numpy()
            on_cell(n, T, out[:, n, j])
    return out, {"gd_rel_grad_max": worst}


# ----------------------------------------------------------------------------- MLP
class _BatchedMLP:
    """S independent two-layer ReLU networks f(x) = aᵀ relu(Wx + b) (leading axis = seed)."""

    def __init__(self, S: int, d: int, width: int, g, device: str, dtype) -> None:
        import torch

        self.W = (torch.randn(S, width, d, generator=g, dtype=dtype) / math.sqrt(d)).to(device).requires_grad_()
        self.b = torch.zeros(S, width, dtype=dtype, device=device).requires_grad_()
        self.a = (torch.randn(S, width, generator=g, dtype=dtype) / math.sqrt(width)).to(device).requires_grad_()

    def params(self):
        return [self.W, self.b, self.a]

    def __call__(self, X):
        import torch

        h = torch.relu(torch.baddbmm(self.b.unsqueeze(1), X, self.W.transpose(1, 2)))  # (S, T, k)
        return (h @ self.a.unsqueeze(-1)).squeeze(-1)


def fit_mlp_gd(X, y, p: dict[str, Any], lam: float, g):
    """Full-batch GD on mean (f(x) − y)² + λ(‖W‖² + ‖a‖²)/2 for S networks at once."""
    import torch

    S, T, d = X.shape
    net = _BatchedMLP(S, d, p["width"], g, X.device, X.dtype)
    opt = torch.optim.SGD(net.params(), lr=p["lr"])
    for _ in range(p["steps"]):
        opt.zero_grad()
        loss = ((net(X) - y) ** 2).mean(dim=1).sum()
        if lam > 0:
            loss = loss + 0.5 * lam * ((net.W ** 2).sum() + (net.a ** 2).sum())
        loss.backward()
        opt.step()
    for t in net.params():
        t.requires_grad_(False)
    return net


def mlp_errors(p: dict[str, Any], S: int, seed: int, device: str, on_cell: CellCallback = _no_cell,
               salt: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """Test errors of the MLP chain, shape (S, n_max+1, len(T grid))."""
    import torch

    dtype = torch.float32
    g = torch_generator(seed, 2, salt)
    Ts = T_grid(p)
    eig, w0 = problem(p, S, g, dtype=dtype)
    eig, w0 = eig.to(device), w0.to(device)
    sq = eig.sqrt()
    truth = lambda X: (X @ w0.unsqueeze(-1)).squeeze(-1)  # noqa: E731
    fs = [truth]
    for _ in range(p["n_max"]):
        X = torch.randn(S, p["T0"], p["d"], generator=g, dtype=dtype).to(device) * sq
        with torch.no_grad():
            y = fs[-1](X) + p["sigma0"] * torch.randn(S, p["T0"], generator=g, dtype=dtype).to(device)
        fs.append(fit_mlp_gd(X, y, p, 0.0, g))
    Xt = torch.randn(S, p["test_size"], p["d"], generator=g, dtype=dtype).to(device) * sq
    yt = truth(Xt)
    out = np.zeros((S, p["n_max"] + 1, len(Ts)))
    for j, T in enumerate(Ts):
        X = torch.randn(S, T, p["d"], generator=g, dtype=dtype).to(device) * sq
        noise = p["sigma"] * torch.randn(S, T, generator=g, dtype=dtype).to(device)
        for n, fn in enumerate(fs):
            with torch.no_grad():
                y = fn(X) + noise
            net = fit_mlp_gd(X, y, p, p["lam"], g)
            with torch.no_grad():
                out[:, n, j] = ((net(Xt) - yt) ** 2).mean(dim=1).cpu().numpy()
            on_cell(n, T, out[:, n, j])
    return out, {}


# ----------------------------------------------------------------------------- task entry
def errors(p: dict[str, Any], S: int, seed: int, device: str = "cpu", on_cell: CellCallback = _no_cell,
           salt: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """Per-seed test errors (S, n_max+1, len(T grid)) for ``p['model']``."""
    fn = linear_errors if p["model"] == "linear" else mlp_errors
    with flush_denormals():
        return fn(p, S, seed, device, on_cell, salt)


def run(spec, report: Report = null_report, device: str | None = None) -> dict[str, Any]:
    """Run the task for ``spec`` (an engine.runs.RunSpec); one metrics record per (n, T)."""

    p = dict(spec.params)
    device = resolve_device(device)
    configure_threads()
    t0 = time.time()
    Ts = T_grid(p)
    total = (p["n_max"] + 1) * len(Ts)
    done = [0]

    def on_cell(n: int, T: int, vals: np.ndarray) -> None:
        mean, se = mean_se(vals)
        done[0] += 1
        report(record={"model": p["model"], "n": n, "T": T, "test_error_mean": mean, "test_error_se": se,
                       "test_error_seeds": [float(v) for v in vals], "elapsed_s": time.time() - t0},
               progress=done[0] / total, message=f"{p['model']} n={n} T={T}: error {mean:.4g}")

    errs, diag = errors(p, p["seeds"], spec.seed, device, on_cell)
    final = {f"err_n{n}_T{Ts[-1]}": float(errs[:, n, -1].mean()) for n in range(p["n_max"] + 1)}
    return {"final": final, "T_grid": Ts, "device": device, "elapsed_s": time.time() - t0, **diag}


def theory_frame(params: dict[str, Any]) -> "Any | None":
    """The matching theory curve (engine.theory.regression.curve) for the linear model:
    columns n, T, total; None for the MLP (no theory) or when the theory module is absent."""
    if params.get("model") != "linear":
        return None
    try:
        from engine.theory.regression import curve
    except ImportError:
        return None
    import pandas as pd

    Ts = np.unique(np.round(np.geomspace(params["T_min"], params["T_max"], 40)).astype(int))
    frames = []
    for n in range(params["n_max"] + 1):
        df = curve(d=params["d"], T=Ts, T0=params["T0"], n=n, lam=params["lam"], lam_rule="fixed",
                   sigma=params["sigma"], sigma0=params["sigma0"], spectrum=params["spectrum"],
                   beta=params["beta"], r=params["r"], w0_norm=params["w0_norm"])
        frames.append(pd.DataFrame({"n": n, "T": df["T"].to_numpy(), "total": df["total"].to_numpy()}))
    return pd.concat(frames, ignore_index=True)
