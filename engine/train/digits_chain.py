"""Task ``digits_chain``: the paper's kernel/MNIST experiment at a size that runs here
(shared/theory/regression.md §8 "Figure 4" and "Figures 5 and 6", §9 step 7), on
scikit-learn's bundled ``load_digits`` (1797 images of 8×8 pixels; no download).

- Inputs: pixels scaled to [0, 1]. Regression target: (label mod 2); training labels add
  Gaussian noise. A per-seed random split keeps ``test_size`` images for testing, the rest
  is the pool every training set is drawn from (without replacement).
- Generators (``model``): kernel ridge regression ĉ = (G + λ₀T₀I)⁻¹y (``kernel`` RBF
  exp(−γ‖x−x'‖²) or polynomial (1 + γxᵀx')⁵ [A: parameterization and γ]) with ridge
  ``gen_lam`` [A], or a two-layer ReLU network trained by full-batch GD. Generator m+1 is
  fitted on T₀ fresh pool inputs labelled f_m(x) + N(0, σ₀²); f_0 is the clean target.
- Downstream: the same model on T pool inputs labelled f_n(x) + N(0, σ²), with
  λ = T^−ℓ_crit (``critical``) and the corrected λ = max(T₀^−ℓ_crit, T^−β) (``corrected``,
  Cor. 5.2 with a = 0 [A]); ℓ_crit = β/(2βr̲ + 1) from (β, r) [A: the paper's MNIST values
  from Cui et al.; digits' own exponents are unknown]. For the network, λ is its weight decay.
- Test error: mean of (f̂(x) − (label mod 2))² on the clean test images.
One metrics record per (rule, n, T), averaged over the batched seeds.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from engine.params import Param, ParamError
from engine.train.common import (Report, check_budget, check_order, configure_threads, flush_denormals, log_grid,
                                 mean_se, null_report, resolve_device, torch_generator)

THEORY_MODEL = "regression"
RULES = ("critical", "corrected")
N_IMAGES = 1797
PLOT = {"x": "T", "y": "test_error_mean", "se": "test_error_se", "group": "curve", "theory_y": "total",
        "xlabel": "downstream samples T", "ylabel": "test error (clean labels)", "logx": True, "logy": True,
        "title": "Digits: test error vs T, one curve per (λ rule, n)", "vline": "T0"}
"""How engine.runs.views and the Runs page draw this task's metrics."""

PARAMS: tuple[Param, ...] = (
    Param("model", "model", "", "enum", "krr", choices=("krr", "mlp"),
          help="krr: kernel ridge regression; mlp: two-layer ReLU network trained by gradient descent."),
    Param("kernel", "kernel", "", "enum", "rbf", choices=("rbf", "poly"),
          help="rbf: exp(−γ‖x−x'‖²); poly: (1 + γxᵀx')⁵.", assumed=True),
    Param("gamma", "kernel γ", r"\gamma", "float", 0.02, lo=0, hi=10, lo_open=True, ui_lo=1e-4, ui_hi=1, log=True,
          help="Kernel bandwidth on pixels scaled to [0, 1].", assumed=True),
    Param("T0", "generator samples", "T_0", "int", 200, lo=2, hi=1200, log=True,
          help="Training samples of every generator.", assumed=True),
    Param("gen_lam", "generator ridge λ₀", r"\lambda_0", "float", 1e-3, lo=0, hi=10, ui_hi=1, log=True,
          help="Ridge of the generators (weight decay for the network).", assumed=True),
    Param("n_max", "max generations", "n", "int", 2, lo=0, hi=6, help="Generations n = 0..n_max are evaluated."),
    Param("T_min", "smallest T", "T", "int", 10, lo=2, hi=1200, log=True, help="Smallest downstream sample size."),
    Param("T_max", "largest T", "T", "int", 1000, lo=2, hi=1200, log=True, help="Largest downstream sample size."),
    Param("T_points", "T grid points", "", "int", 6, lo=1, hi=12, help="Log-spaced T values."),
    Param("sigma", "label noise σ", r"\sigma", "float", 1.0, lo=0, hi=5,
          help="Noise std of downstream labels (σ² = 1 in the paper)."),
    Param("sigma0", "generator noise σ₀", r"\sigma_0", "float", 1.0, lo=0, hi=5,
          help="Noise std added by every generator (σ₀² = 1 in the paper)."),
    Param("beta", "capacity exponent β", r"\beta", "float", 1.65, lo=1, hi=4, lo_open=True,
          help="β of the λ rules (the paper's RBF value on MNIST).", assumed=True),
    Param("r", "source exponent r", "r", "float", 0.097, lo=0, hi=2, lo_open=True, ui_lo=0.01,
          help="r of the λ rules (the paper's RBF value on MNIST).", assumed=True),
    Param("test_size", "test images", "", "int", 397, lo=50, hi=597, help="Held-out clean test images."),
    Param("width", "network width", "k", "int", 128, lo=1, hi=1024, log=True, help="Hidden width (mlp)."),
    Param("steps", "network GD steps", "", "int", 500, lo=1, hi=5000, log=True, help="GD steps per fit (mlp)."),
    Param("lr", "network learning rate", "", "float", 0.2, lo=0, hi=10, lo_open=True, ui_lo=1e-3, ui_hi=2, log=True,
          help="GD step size (mlp)."),
    Param("seeds", "seeds", "S", "int", 4, lo=1, hi=32,
          help="Independent repetitions (splits, subsets, noise), batched."),
)

WORK_CAP = 1.5e12


def pool_size(p: dict[str, Any]) -> int:
    return N_IMAGES - p["test_size"]


def work_estimate(p: dict[str, Any]) -> float:
    """Rough multiply-adds of one launch."""
    Ts = log_grid(p["T_min"], p["T_max"], p["T_points"])
    fits = len(RULES) * (p["n_max"] + 1)
    if p["model"] == "krr":
        return p["seeds"] * (fits * sum(T ** 3 / 3 + T * p["test_size"] for T in Ts)
                             + p["n_max"] * (p["T0"] ** 3 + p["T0"] * pool_size(p)))
    per = p["steps"] * 3 * 65 * p["width"]
    return p["seeds"] * per * (fits * sum(Ts) + p["n_max"] * p["T0"])


def check(p: dict[str, Any]) -> None:
    check_order(p, "T_min", "T_max")
    pool = pool_size(p)
    for key in ("T_max", "T0"):
        if p[key] > pool:
            raise ParamError(f"{key} = {p[key]} is invalid: {key} must be <= the pool of {pool} images "
                             f"(1797 − test_size)")
    check_budget("digits_chain", work_estimate(p), WORK_CAP, "lower T_max, seeds, steps, width or n_max")


def T_grid(p: dict[str, Any]) -> list[int]:
    return [int(t) for t in log_grid(p["T_min"], p["T_max"], p["T_points"])]


def load_data() -> tuple[np.ndarray, np.ndarray]:
    """Digits pixels scaled to [0, 1] (1797, 64) and the clean target label mod 2."""
    from sklearn.datasets import load_digits

    ds = load_digits()
    return (ds.data / 16.0).astype(np.float64), (ds.target % 2).astype(np.float64)


def kernel(A, B, kind: str, gamma: float):
    """RBF exp(−γ‖a−b‖²) or polynomial (1 + γaᵀb)⁵ between the rows of A and B."""
    import torch

    if kind == "rbf":
        return torch.exp(-gamma * torch.cdist(A, B).pow(2))
    return (1.0 + gamma * A @ B.transpose(-1, -2)).pow(5)


def lambdas(p: dict[str, Any], T: int) -> dict[str, float]:
    """The downstream λ of each rule at T (engine.theory.regression.effective_lambda)."""
    from engine.theory.regression import effective_lambda

    return {rule: float(effective_lambda(rule, 0.0, T, p["T0"], 0.0, p["beta"], p["r"])) for rule in RULES}


def errors(p: dict[str, Any], S: int, seed: int, device: str = "cpu",
           on_cell: Callable[[str, int, int, np.ndarray], None] | None = None) -> np.ndarray:
    """Test errors (S, len(RULES), n_max+1, len(T grid)); ``on_cell(rule, n, T, errors)`` per cell."""
    with flush_denormals():
        return _errors(p, S, seed, device, on_cell)


def _errors(p: dict[str, Any], S: int, seed: int, device: str,
            on_cell: Callable[[str, int, int, np.ndarray], None] | None) -> np.ndarray:
    import torch

    dt = torch.float64 if p["model"] == "krr" else torch.float32
    g = torch_generator(seed, 4)
    X_all, y_all = load_data()
    X_all = torch.tensor(X_all, dtype=dt)
    y_all = torch.tensor(y_all, dtype=dt)
    perm = torch.stack([torch.randperm(N_IMAGES, generator=g) for _ in range(S)])  # per-seed split
    q = p["test_size"]
    test_idx, pool_idx = perm[:, :q], perm[:, q:]
    P = pool_idx.shape[1]
    out = np.zeros((S, len(RULES), p["n_max"] + 1, len(T_grid(p))))

    # Kernel matrices over all images once; per seed the pool/test views are gathered.
    if p["model"] == "krr":
        K = kernel(X_all, X_all, p["kernel"], p["gamma"]).to(device)
    pool_idx_d, test_idx_d = pool_idx.to(device), test_idx.to(device)
    target_test = y_all.to(device)[test_idx_d]  # (S, Q)

    def sub(n_take: int):
        """(S, n_take) positions in the pool, without replacement, per seed."""
        return torch.stack([torch.randperm(P, generator=g)[:n_take] for _ in range(S)]).to(device)

    def fit(pos, y, lam):
        """Fit on pool positions ``pos``; return predictions on the pool (S, P) and the test set (S, Q)."""
        if p["model"] == "krr":
            img = pool_idx_d.gather(1, pos)  # image ids (S, T)
            G = K[img.unsqueeze(-1), img.unsqueeze(-2)]
            T = pos.shape[1]
            eye = torch.eye(T, dtype=dt, device=device)
            c = torch.linalg.solve(G + lam * T * eye, y.unsqueeze(-1)).squeeze(-1)
            Kp = K[pool_idx_d.unsqueeze(-1), img.unsqueeze(-2)]  # (S, P, T)
            Kq = K[test_idx_d.unsqueeze(-1), img.unsqueeze(-2)]  # (S, Q, T)
            return (Kp @ c.unsqueeze(-1)).squeeze(-1), (Kq @ c.unsqueeze(-1)).squeeze(-1)
        from engine.train.regression_chain import fit_mlp_gd

        Xd = X_all.to(device)
        net = fit_mlp_gd(Xd[pool_idx_d.gather(1, pos)], y, p, lam, g)
        with torch.no_grad():
            return net(Xd[pool_idx_d]), net(Xd[test_idx_d])

    # generator chain: f_m on the whole pool, per seed
    f_pool = [y_all.to(device)[pool_idx_d]]  # f_0 = clean target
    for _ in range(p["n_max"]):
        pos = sub(p["T0"])
        y = f_pool[-1].gather(1, pos) + p["sigma0"] * torch.randn(S, p["T0"], generator=g, dtype=dt).to(device)
        fp, _ = fit(pos, y, p["gen_lam"])
        f_pool.append(fp)
    for j, T in enumerate(T_grid(p)):
        pos = sub(T)
        noise = p["sigma"] * torch.randn(S, T, generator=g, dtype=dt).to(device)
        lams = lambdas(p, T)
        for n, fp in enumerate(f_pool):
            y = fp.gather(1, pos) + noise
            for k, rule in enumerate(RULES):
                _, pred = fit(pos, y, lams[rule])
                err = ((pred - target_test) ** 2).mean(dim=1).cpu().numpy()
                out[:, k, n, j] = err
                if on_cell is not None:
                    on_cell(rule, n, T, err)
    return out


def run(spec, report: Report = null_report, device: str | None = None) -> dict[str, Any]:
    """Run the task; one metrics record per (λ rule, n, T)."""
    p = dict(spec.params)
    device = resolve_device(device)
    configure_threads()
    t0 = time.time()
    Ts = T_grid(p)
    total = len(RULES) * (p["n_max"] + 1) * len(Ts)
    done = [0]

    def on_cell(rule: str, n: int, T: int, vals: np.ndarray) -> None:
        mean, se = mean_se(vals)
        done[0] += 1
        report(record={"model": p["model"], "rule": rule, "n": n, "curve": f"{rule} n={n}", "T": T,
                       "lam": lambdas(p, T)[rule], "T0": p["T0"], "test_error_mean": mean, "test_error_se": se,
                       "test_error_seeds": [float(v) for v in vals], "elapsed_s": time.time() - t0},
               progress=done[0] / total, message=f"{rule} n={n} T={T}: error {mean:.4g}")

    errs = errors(p, p["seeds"], spec.seed, device, on_cell)
    final = {f"err_{rule}_n{n}_T{Ts[-1]}": float(errs[:, k, n, -1].mean())
             for k, rule in enumerate(RULES) for n in range(p["n_max"] + 1)}
    return {"final": final, "T_grid": Ts, "device": device, "elapsed_s": time.time() - t0}
