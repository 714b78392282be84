"""Figure builders of the Verification page, tested without a browser."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from engine.params import get_model
from engine.simulate import verification as sim
from engine.theory import verification as theory
from ui import figures_verification as F


@pytest.fixture(scope="module")
def view():
    params = get_model("verification").defaults()
    params.update(verifier="linear", N=1e4, p_err=0.3)
    return theory.theory_view(params)


def _names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def _hline_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_acc_vs_N_has_every_verifier_and_reference_lines(view):
    fig = F.fig_acc_vs_N(view["by_N"], view["refs"])
    names = _names(fig)
    for v in theory.VERIFIERS:
        assert any(n.startswith(theory.verifier_label(v, view["params"])) for n in names), v
    assert sum("← current" in n for n in names) == 1 and any(n.startswith("linear") and "current" in n for n in names)
    assert any("feature-based limit" in n for n in names)  # §2.5 line for the linear verifier
    texts = _hline_texts(fig)
    assert any("Bayes" in t for t in texts) and any("worst" in t for t in texts) and any("1 − p" in t for t in texts)
    assert fig.layout.xaxis.type == "log"
    ys = [s.y0 for s in fig.layout.shapes if s.y0 == s.y1]
    assert pytest.approx(view["refs"]["bayes"]) in ys and pytest.approx(0.7) in ys  # generator 1 − p


def test_acc_vs_N_lines_carry_the_theory_values(view):
    fig = F.fig_acc_vs_N(view["by_N"], view["refs"])
    oracle = next(t for t in fig.data if t.name.startswith("oracle"))
    expected = theory.curve(**{**view["params"], "verifier": "oracle", "N": np.asarray(oracle.x)})["acc"]
    np.testing.assert_allclose(np.asarray(oracle.y, float), expected, rtol=1e-12)


def test_acc_vs_p_one_line_per_N_and_vline_at_p_star(view):
    fig = F.fig_acc_vs_p(view["by_p"], view["readout"]["p_star"])
    names = _names(fig)
    for label in ("N = 1,000", "N = 10,000 (current)", "N = 100,000", "N = ∞"):
        assert label in names
    xs = [s.x0 for s in fig.layout.shapes if s.x0 == s.x1]
    assert pytest.approx(view["readout"]["p_star"]) in xs


def test_acc_vs_p_sharpens_with_N():
    params = dict(get_model("verification").defaults(), verifier="custom")
    v = theory.theory_view(params)
    fig = F.fig_acc_vs_p(v["by_p"], v["readout"]["p_star"])
    slopes = {}
    for t in fig.data:
        if t.name in ("N = 1,000", "N = 100,000"):
            y = np.asarray(t.y, float)
            slopes[t.name] = np.nanmax(-np.diff(y) / np.diff(np.asarray(t.x, float)))
    assert slopes["N = 100,000"] > slopes["N = 1,000"]


def test_acc_vs_pstar_marks_current_and_crossing(view):
    fig = F.fig_acc_vs_pstar(view["by_pstar"], 0.3, view["readout"])
    names = _names(fig)
    assert "current verifier" in names and len([n for n in names if "noisy oracle" in n or "perfect" in n]) == 2
    star = next(t for t in fig.data if t.name == "current verifier")
    assert star.x[0] == pytest.approx(view["readout"]["p_star"])
    xs = [s.x0 for s in fig.layout.shapes if s.x0 == s.x1]
    assert 0.3 in xs


def test_mc_overlay_adds_error_bar_points():
    params = dict(get_model("verification").defaults(), N=1e3)
    v = theory.theory_view(params)
    mc_n = sim.mc_view(params, "by_N", seeds=4)["data"]
    fig = F.fig_acc_vs_N(v["by_N"], v["refs"], mc_n)
    mc_traces = [t for t in fig.data if t.name.startswith("Monte Carlo")]
    assert len(mc_traces) == 6
    assert all(t.mode == "markers" and t.error_y.array is not None for t in mc_traces)
    mc_p = sim.mc_view(params, "by_p", seeds=4)["data"]
    fig_p = F.fig_acc_vs_p(v["by_p"], v["readout"]["p_star"], mc_p)
    assert sum(t.name.startswith("Monte Carlo") for t in fig_p.data) == 3
    mc_s = sim.mc_view(params, "by_pstar", seeds=4)["data"]
    fig_s = F.fig_acc_vs_pstar(v["by_pstar"], 0.3, v["readout"], mc_s)
    pts = next(t for t in fig_s.data if t.name.startswith("Monte Carlo"))
    np.testing.assert_allclose(np.asarray(pts.x, float), mc_s["p_star_true"])


def test_audit_figure_error_bars_match_interval():
    df = sim.audit_view(dict(verifier="noisy_oracle"), 300, seed=1)
    fig = F.fig_audit(df, 0.8, 0.3)
    tr = fig.data[0]
    np.testing.assert_allclose(np.asarray(tr.y) + np.asarray(tr.error_y.array), df["p_star_hi"], atol=1e-12)
    np.testing.assert_allclose(np.asarray(tr.y) - np.asarray(tr.error_y.arrayminus), df["p_star_lo"], atol=1e-12)
    texts = _hline_texts(fig)
    assert any("true p⋆" in t for t in texts) and any("generator error" in t for t in texts)
    unknown = F.fig_audit(df, None, 0.3)
    assert not any("true p⋆" in t for t in _hline_texts(unknown))


def test_figures_survive_degenerate_inputs():
    params = dict(get_model("verification").defaults(), verifier="custom", keep_correct=0.0, keep_wrong=0.0,
                  N=math.inf)
    v = theory.theory_view(params)
    for fig in (F.fig_acc_vs_N(v["by_N"], v["refs"]), F.fig_acc_vs_p(v["by_p"], v["readout"]["p_star"]),
                F.fig_acc_vs_pstar(v["by_pstar"], 0.3, v["readout"])):
        assert isinstance(fig, go.Figure)
        for t in fig.data:
            y = np.asarray(t.y, float)
            assert not np.isinf(y).any()


def test_acc_vs_p_linear_adds_feature_limit(view):
    fig = F.fig_acc_vs_p(view["by_p"], view["readout"]["p_star"])
    line = next(t for t in fig.data if "feature-based" in t.name)
    ref = theory.accuracy_linear_feature(np.asarray(line.x, float), 1.0, 30.0, 0.0)
    np.testing.assert_allclose(np.asarray(line.y, float), ref, rtol=1e-12)
    plain = theory.theory_view(dict(get_model("verification").defaults()))
    fig2 = F.fig_acc_vs_p(plain["by_p"], plain["readout"]["p_star"])
    assert not any("feature-based" in t.name for t in fig2.data)
