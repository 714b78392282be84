"""Task verification_classifier (verification.md §1, §2.1, §5.2): the short configuration
runs end to end; identities of the verifiers and of the exact accuracy hold."""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.runs import make_spec
from engine.train import verification_classifier as vc
from engine.train.common import collect_report


def test_short_configuration_end_to_end() -> None:
    spec = make_spec("verification_classifier", {"d": 10, "snr": 1.5, "N_min": 200, "N_max": 2000, "N_points": 2,
                                                 "seeds": 4, "keep_rate": 0.3}, 0)
    records, report = collect_report()
    result = vc.run(spec, report, device="cpu")
    assert [(r["verifier"], r["N"]) for r in records] == [(v, N) for v in vc.VERIFIERS for N in (200, 2000)]
    bayes = 0.5 * (1 + math.erf(1.5 / math.sqrt(2)))  # Φ(r)
    gen = result["generator_acc_mean"]
    assert 0.5 < gen <= bayes
    by = {(r["verifier"], r["N"]): r for r in records}
    for r in records:
        assert 0 <= r["acc_mean"] <= bayes + 1e-12  # no linear classifier beats Bayes
        assert r["generator_acc_mean"] == gen
    # identities of the verifiers (§1.3): none keeps all, the oracle keeps exactly the correct labels
    assert by[("none", 2000)]["keep_frac_mean"] == 1.0 and by[("none", 2000)]["p_star_hat"] == 0.5
    assert by[("oracle", 2000)]["phi_hat"] == 1.0 and by[("oracle", 2000)]["psi_hat"] == 0.0
    assert abs(by[("oracle", 2000)]["keep_frac_mean"] - gen) < 0.05  # kept fraction = label accuracy
    assert abs(by[("random", 2000)]["keep_frac_mean"] - 0.3) < 0.03
    assert abs(by[("noisy_oracle", 2000)]["p_star_hat"] - 0.8) < 0.05  # p* = 1 − ρ
    # pruning wrong labels helps: the oracle-verified model beats the unverified one
    assert by[("oracle", 2000)]["acc_mean"] > by[("none", 2000)]["acc_mean"]
    assert set(result["final"]) == {"generator_acc"} | {f"acc_{v}_N2000" for v in vc.VERIFIERS}


def test_logistic_newton_matches_the_stationarity_condition() -> None:
    g = torch.Generator().manual_seed(1)
    X = torch.randn(2, 300, 5, generator=g, dtype=torch.float64)
    y = torch.where(torch.rand(2, 300, generator=g, dtype=torch.float64) < 0.5, -1.0, 1.0).double()
    mask = (torch.rand(2, 300, generator=g, dtype=torch.float64) < 0.7).double()
    w = vc.fit_logistic(X, y, mask, 0.01, 30)
    s = torch.sigmoid(-y * (X @ w.unsqueeze(-1)).squeeze(-1))
    grad = -(X.transpose(1, 2) @ (mask * y * s).unsqueeze(-1)).squeeze(-1) / mask.sum(1, keepdim=True) + 0.01 * w
    assert grad.abs().max().item() < 1e-10
    # nothing kept: w = 0, accuracy 1/2 [A]
    w0 = vc.fit_logistic(X, y, torch.zeros_like(mask), 0.01, 3)
    assert torch.all(w0 == 0)
    mu = torch.tensor([[1.0, 0, 0, 0, 0]] * 2, dtype=torch.float64)
    assert torch.all(vc.exact_accuracy(w0, mu) == 0.5)


def test_exact_accuracy_is_phi_of_the_cosine() -> None:
    mu = torch.tensor([[2.0, 0.0]], dtype=torch.float64)
    w = torch.tensor([[1.0, 1.0]], dtype=torch.float64)  # 45 degrees: Φ(2 cos 45°) = Φ(√2)
    acc = vc.exact_accuracy(w, mu).item()
    assert abs(acc - 0.5 * (1 + math.erf(1.0))) < 1e-12
    assert abs(vc.exact_accuracy(mu, mu).item() - 0.5 * (1 + math.erf(2 / math.sqrt(2)))) < 1e-12
    assert np.isclose(vc.exact_accuracy(-w, mu).item(), 1 - acc)
