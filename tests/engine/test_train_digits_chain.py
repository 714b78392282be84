"""Task digits_chain (regression.md §8 Figure 4, §9 step 7) on scikit-learn's digits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.params import ParamError
from engine.runs import make_spec
from engine.train import digits_chain as dc
from engine.train.common import collect_report


def test_lambda_rules() -> None:
    p = make_spec("digits_chain", {"beta": 2.0, "r": 0.375, "T0": 100}, 0).params  # ℓ_crit = 0.8 (§8 Fig. 1b)
    lam = dc.lambdas(p, 1000)
    assert math.isclose(lam["critical"], 1000 ** -0.8, rel_tol=1e-12)
    assert math.isclose(lam["corrected"], max(100 ** -0.8, 1000 ** -2.0), rel_tol=1e-12)


def test_sizes_are_bounded_by_the_pool() -> None:
    # the largest test set leaves a pool of 1200 images: T and T0 are capped there
    assert dc.pool_size(make_spec("digits_chain", {"test_size": 597}, 0).params) == 1200
    with pytest.raises(ParamError, match="T_max"):
        make_spec("digits_chain", {"T_max": 1201}, 0)
    with pytest.raises(ParamError, match="too large"):
        make_spec("digits_chain", {"model": "mlp", "width": 1024, "steps": 5000, "T_max": 1200, "seeds": 32}, 0)
    with pytest.raises(ParamError, match="T_min"):
        make_spec("digits_chain", {"T_min": 500, "T_max": 100}, 0)


def test_kernels() -> None:
    A = torch.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=torch.float64)
    K = dc.kernel(A, A, "rbf", 0.5)
    assert torch.allclose(K, torch.tensor([[1.0, math.exp(-2.5)], [math.exp(-2.5), 1.0]], dtype=torch.float64))
    P = dc.kernel(A, A, "poly", 0.1)
    assert torch.allclose(P, torch.tensor([[1.0, 1.0], [1.0, 1.5 ** 5]], dtype=torch.float64))


def test_krr_short_configuration_end_to_end() -> None:
    spec = make_spec("digits_chain", {"n_max": 1, "T_min": 20, "T_max": 400, "T_points": 2, "seeds": 2,
                                      "sigma": 0.5, "sigma0": 0.5}, 0)
    records, report = collect_report()
    result = dc.run(spec, report, device="cpu")
    cells = [(r["rule"], r["n"], r["T"]) for r in records]
    assert cells == [(rule, n, T) for T in (20, 400) for n in (0, 1) for rule in dc.RULES]
    by = {(r["rule"], r["n"], r["T"]): r["test_error_mean"] for r in records}
    assert all(np.isfinite(v) and v > 0 for v in by.values())
    # clean data, more samples: better than predicting the mean label (error 1/4 for a balanced 0/1 target)
    assert by[("critical", 0, 400)] < 0.2 and by[("critical", 0, 400)] < by[("critical", 0, 20)]
    # one generation of noisy fake labels hurts at large T
    assert by[("critical", 1, 400)] > by[("critical", 0, 400)]
    assert set(result["final"]) == {f"err_{rule}_n{n}_T400" for rule in dc.RULES for n in (0, 1)}


def test_mlp_short_configuration_end_to_end() -> None:
    spec = make_spec("digits_chain", {"model": "mlp", "n_max": 1, "T_min": 50, "T_max": 50, "T_points": 1,
                                      "seeds": 2, "steps": 50, "width": 32}, 1)
    records, report = collect_report()
    dc.run(spec, report, device="cpu")
    assert len(records) == 2 * 2 and all(np.isfinite(r["test_error_mean"]) for r in records)
