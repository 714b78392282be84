"""Figure builders of the Mixing page, tested without a browser (DataFrame in, go.Figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.params import get_model
from engine.theory import mixing as M
from ui import figures_mixing as F


@pytest.fixture(scope="module")
def view() -> dict:
    return M.theory_view(get_model("mixing").defaults())


def _names(fig) -> list[str]:
    return [t.name for t in fig.data]


def _finite_or_nan(values) -> bool:
    arr = np.array([np.nan if v is None else v for v in values], float)
    return not np.isinf(arr).any()


def test_scaling_one_curve_per_fraction_with_floors_and_crossovers(view: dict) -> None:
    sc = view["scaling"]
    fig = F.fig_scaling(sc["curves"], sc["marks"], 0.1)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    names = _names(fig)
    lines = [n for n in names if n.startswith("p₂ =") or n == "clean (p₂ = 0)"]
    assert len(lines) == len(M.SCALING_FRACTIONS)
    clean_floor = next(t for t in fig.data if t.name.startswith("clean floor"))
    assert clean_floor.y[0] == pytest.approx(1e-4**2 / (1 + 1e-4) ** 2, rel=1e-9)  # λ²‖w1‖²/(1+λ)², Σ = I
    assert "p₂ = 0.1 (current)" in names
    # floors: one dotted segment per positive fraction, at p2² tr ΔΣ³(Σ+λ)^{-2}
    floors = {t.name: t.y[0] for t in fig.data if t.name.startswith("floor")}
    assert len(floors) == len(M.SCALING_FRACTIONS) - 1
    assert floors["floor, p₂ = 0.01"] == pytest.approx(1e-4 * 0.5, rel=1e-3)
    cross = {t.name: t.x[0] for t in fig.data if t.name.startswith("crossover")}
    assert cross["crossover n*, p₂ = 0.1"] == pytest.approx(0.25 * 600 / (0.01 * 0.5))
    for t in fig.data:
        assert _finite_or_nan(t.y)


def test_scaling_gap_at_interpolation_peak_and_mc_overlay() -> None:
    p = get_model("mixing").resolve({"d": 100, "lam": 0.0})
    sc = M.scaling_view(p)
    at_d = sc["curves"].loc[sc["curves"]["T"] == 100, "total"]
    assert len(at_d) == len(M.SCALING_FRACTIONS) and at_d.isna().all()
    mc = pd.DataFrame({"p_synth": [0.0, 0.1], "T": [200, 200], "total_mean": [0.5, 0.6], "total_se": [0.01, 0.02]})
    fig = F.fig_scaling(sc["curves"], sc["marks"], 0.1, mc)
    mc_traces = [t for t in fig.data if t.name.startswith("Monte Carlo")]
    assert len(mc_traces) == 2 and all(t.error_y.array is not None for t in mc_traces)
    clean = next(t for t in fig.data if t.name == "clean (p₂ = 0)")
    y = np.array([np.nan if v is None else v for v in clean.y], float)
    assert np.isnan(y[list(clean.x).index(100)])  # a gap, not a spike


def test_width_split_threshold_asymptote_and_psi_axis(view: dict) -> None:
    wd = view["width"]
    fig = F.fig_width(wd)
    names = _names(fig)
    for part in ("total (current)", "bias (current)", "variance (current)", "ζ (synthetic term) (current)"):
        assert part in names
    assert sum(n.startswith("total, p₂ =") for n in names) == len(M.WIDTH_VARY["p_synth"]) - 1
    asym = next(t for t in fig.data if t.name.startswith("classical model"))
    assert asym.y[0] == pytest.approx(wd["asymptote"]["total"].iloc[0])
    assert any(s.type == "line" and s.x0 == 500 for s in fig.layout.shapes)  # m = T marked
    assert fig.layout.xaxis2.overlaying == "x" and fig.layout.xaxis2.type == "log"
    assert 1.0 in fig.layout.xaxis2.tickvals
    # the top axis is the bottom one divided by T
    assert fig.layout.xaxis2.range[0] == pytest.approx(fig.layout.xaxis.range[0] - np.log10(500))


def test_width_vary_c2_and_mc(view: dict) -> None:
    p = view["params"]
    wd = M.width_view(p, vary="c2")
    mc = pd.DataFrame({"m": [100, 1000], "total_mean": [1.0, 2.0], "total_se": [0.1, 0.1],
                       "synth_mean": [0.01, -0.02], "synth_se": [0.01, 0.01]})
    fig = F.fig_width(wd, mc)
    assert sum(n.startswith("total, c² =") for n in _names(fig)) == len(M.WIDTH_VARY["c2"]) - 1
    zeta_mc = next(t for t in fig.data if t.name == "Monte Carlo: ζ")
    assert zeta_mc.y[1] is None or np.isnan(zeta_mc.y[1])  # a negative ζ estimate cannot sit on a log axis


def test_pareto_markers_colour_and_diagonal(view: dict) -> None:
    pa = view["pareto"]
    fig = F.fig_pareto(pa)
    groups = [t for t in fig.data if t.name.startswith("c² =")]
    assert len(groups) == len(M.PARETO_QUALITIES)
    assert len({t.marker.symbol for t in groups}) == len(groups)
    assert groups[0].marker.showscale and not groups[1].marker.showscale
    diag = next(t for t in fig.data if t.name.startswith("y = x"))
    assert list(diag.x) == list(diag.y)
    # c² = 0 with σ1 = σ2: points on the diagonal
    zero = pa[pa["c2"] == 0.0]
    assert np.allclose(zero["error_mix"], zero["error_real_only"], rtol=1e-12)
    mc = pd.DataFrame({"error_real_only_mean": [1.0], "error_real_only_se": [0.1], "error_mix_mean": [1.2],
                       "error_mix_se": [0.1]})
    fig = F.fig_pareto(pa, mc)
    t = fig.data[-1]
    assert t.name.startswith("Monte Carlo") and t.error_x.array is not None and t.error_y.array is not None


def test_weighted_star_at_minimum(view: dict) -> None:
    p = get_model("mixing").resolve({"d": 100, "T": 100_000, "p_synth": 0.3, "c2": 1.0, "sigma": 1.0, "sigma_synth": 1.0})
    wt = M.weighted_view(p)
    fig = F.fig_weighted(wt)
    star = next(t for t in fig.data if t.name.startswith("minimum"))
    assert star.y[0] <= np.nanmin(wt["curve"]["error"]) + 1e-15
    assert star.x[0] == pytest.approx(wt["alpha_star_approx"], rel=0.1)
    floor = next(t for t in fig.data if t.name.startswith("floor"))
    assert floor.y[-1] == pytest.approx(1.0)  # α = 1: α² c²
