"""Figure builders of the Regression page: right traces, right axes, gaps kept as gaps."""
import numpy as np

from engine.params import get_model
from engine.views import regression as view
from ui import figures_regression as F
from ui.figures import trace_names


def _view(**changes):
    p = get_model("regression").defaults()
    p.update(changes)
    return view.theory_view(p)


def test_error_vs_n_has_split_null_and_theorem_4_1():
    v = _view()
    fig = F.fig_error_vs_n(v["by_n"], v["null"])
    names = trace_names(fig)
    assert names[:4] == ["total", "bias", "variance", "collapse"]
    assert "Thm 4.1 exact (λ→0)" in names  # default λ = 1e-3 is "near zero"
    # Thm 4.1 exact line equals the spec's formula at T=1000: 0.004292 + 0.040134 n
    thm = next(t for t in fig.data if t.name.startswith("Thm 4.1"))
    np.testing.assert_allclose(np.array(thm.y[:3]), 0.004292 + 0.040134 * np.arange(3), atol=2e-6)
    no_thm = F.fig_error_vs_n(_view(lam=0.5)["by_n"], 1.0)
    assert "Thm 4.1 exact (λ→0)" not in trace_names(no_thm)


def test_u_shape_is_log_log_with_optimum_markers_moving_right():
    v = _view()
    fig = F.fig_u_shape(v["by_lam"], v["lam_opt"])
    assert fig.layout.xaxis.type == "log"
    lam_opt = v["lam_opt"].set_index("n")["lam"]
    assert lam_opt[20] > lam_opt[5] > lam_opt[0]


def test_gaps_are_not_spikes():
    v = _view(T0=300)  # T0 = d
    fig = F.fig_error_vs_n(v["by_n"], v["null"])
    total = next(t for t in fig.data if t.name == "total")
    y = np.array(total.y, dtype=float)
    assert np.isnan(y[1:]).all() and np.isfinite(y[0])
    assert total.connectgaps is False


def test_scaling_chart_has_four_rules_guides_and_T0_marker():
    v = _view(n=1)
    fig = F.fig_scaling(v["scaling"], 600, v["slopes"], 1)
    names = trace_names(fig)
    for rule in ("fixed", "adaptive", "critical", "corrected"):
        assert f"λ rule: {rule}" in names
    assert any(n.startswith("guide: collapse slope") for n in names)
    assert any(s.x0 == 600 for s in fig.layout.shapes)


def test_slope_guide_passes_through_anchor():
    T = np.logspace(1, 5, 9)
    y = 3 * T**-0.5
    x, g = F.slope_guide(T, y, -0.5, 1000.0)
    np.testing.assert_allclose(g, y, rtol=1e-12)
