"""Figure builders and panel data of the Tails page: right traces, log axes, the spec's
reference values where a panel shows them, and the labels the spec asks for."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import zeta

from ui import figures_tails as F
from ui.figures import trace_names


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_t_grid_holds_the_table_points():
    for t in (1e2, 1e3, 1e4, 1e5, 1e6, 1e7):
        assert np.isclose(F.T_GRID, t, rtol=1e-12).any()


def test_config_figure_exact_guide_and_mc_points():
    params = dict(beta=2.0, k=100, p_synth=0.9)
    df = F.config_data(params)
    mc = F.mc_data(params, [1e2, 1e3], seeds=5)
    fig = F.fig_config(df, 1e4, mc)
    names = trace_names(fig)
    assert names[0] == "exact E(T)" and "asymptotic guide [A]" in names
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    mc_tr = _trace(fig, "Monte Carlo mean ± se")
    assert list(mc_tr.x) == [1e2, 1e3] and mc_tr.error_y.array is not None
    # the exact curve at T = 1e2 for clean beta = 2 is the §2 table value 0.068840
    clean = F.config_data(dict(beta=2.0))
    y = np.asarray(_trace(F.fig_config(clean, 1e4), "exact E(T)").y)
    i = int(np.argmin(np.abs(np.log(F.T_GRID / 1e2))))
    assert round(y[i], 6) == 0.068840


def test_config_figure_resample_is_simulation_only():
    params = dict(beta=2.0, T0=1000, n=2, mechanism="resample")
    df = F.config_data(params)
    assert df["error"].isna().all()
    mc = F.mc_data(params, [1e2, 1e3], seeds=4)
    fig = F.fig_config(df, 1e3, mc, simulation_only=True)
    names = trace_names(fig)
    assert "exact E(T)" not in names
    assert any("simulation only" in n for n in names)


def test_cut_panel_plateaus_and_knees():
    curves, marks = F.cut_data(2.0, by="k", values=(100, 1000))
    assert list(marks["k"]) == [100, 1000]
    # §3.1 table plateaus
    assert round(marks["plateau"].iloc[0], 6) == 0.006049
    assert float(f"{marks['plateau'].iloc[1]:.5g}") == 6.0762e-4
    fig = F.fig_cut(curves, marks)
    names = trace_names(fig)
    assert names[:2] == ["clean", "clean guide C_β T^-c"]
    assert "k = 100" in names and "knee, k = 100" in names
    pl = _trace(fig, "plateau ζ(β,k+1)/ζ(β), k = 100")
    assert pl.y[0] == pytest.approx(0.006049, abs=5e-7)
    knee = _trace(fig, "knee, k = 100")
    # the knee is where C_beta T^-c meets k^(1-beta)/((beta-1) zeta(beta))
    assert 0.69099 * knee.x[0] ** -0.5 == pytest.approx(100.0**-1 / zeta(2.0), rel=1e-4)


def test_top_p_cut_panel_maps_to_k():
    curves, marks = F.cut_data(2.0, by="top-p", values=(0.9,), beta_ai=2.0)
    k = int(marks["k"].iloc[0])
    assert "top-p = 0.9" in marks["curve"].iloc[0]
    assert marks["plateau"].iloc[0] <= 0.1 < float(zeta(2.0, k) / zeta(2.0))


def test_finite_T0_panel_floors_are_the_spec_table():
    fd = F.finite_T0_data(2.0)
    floors = fd.groupby("T0")["floor"].first()
    assert [f"{floors[t]:.4g}" for t in (1000, 10_000, 100_000)] == ["0.02184", "0.00691", "0.002185"]
    d = fd[fd["T0"] == 10_000]
    i = int(np.argmin(np.abs(np.log(d["T"].to_numpy() / 1e5))))
    assert round(d["error"].iloc[i], 6) == 0.007011  # §3.2 table, T0 = 1e4, T = 1e5
    clean = F.config_data(dict(beta=2.0))
    fig = F.fig_finite_T0(fd, clean)
    assert {"clean", "T₀ = 1000", "T₀ = 10^4", "T₀ = 10^5"} <= set(trace_names(fig))
    assert _trace(fig, "floor E_clean(T₀), T₀ = 10^4").y[0] == pytest.approx(0.00691, abs=5e-6)


def test_cut_panel_annotates_the_clean_slope():
    curves, marks = F.cut_data(2.0, by="k", values=(100,))
    texts = [a.text for a in F.fig_cut(curves, marks).layout.annotations]
    assert texts == ["slope −c = -0.500"]


def test_narrow_panel_slopes_and_guides():
    df = F.narrow_data(2.0, by="temperature", values=(1.0, 0.8))
    fig = F.fig_narrow(df)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["-0.500", "-0.400"]
    assert any("β′ = 2.5" in n for n in trace_names(fig))
    d = df[df["beta_ai"] == 2.5]
    big = d[d["T"] >= 1e3]
    np.testing.assert_allclose(big["slope"], -0.4, atol=1e-3)
    np.testing.assert_allclose(d[d["T"] >= 1e6]["error"] / d[d["T"] >= 1e6]["guide"], 1.0, rtol=1e-5)


def test_generations_panel_and_unlearned_mass():
    gd = F.generations_data(2.0, 10_000, n_values=(0, 1, 4))
    fig = F.fig_generations(gd, "relabel")
    assert {"n = 0", "n = 1", "n = 4"} <= set(trace_names(fig))
    ul = F.unlearned_data(2.0, 10_000, n_values=(0, 1, 2, 4))
    # §3.2: the n = 1 plateau is E_clean(T0) = 0.00691 at T0 = 1e4
    assert round(ul["relabel"].iloc[1], 5) == 0.00691
    assert np.all(np.diff(ul["relabel"]) > 0)
    fig_u = F.fig_unlearned(ul)
    assert "relabel (exact)" in trace_names(fig_u)
    # resample: no exact lines, only the template and simulation points (labelled)
    mc = F.mc_data(dict(beta=2.0, T0=1000, n=1, mechanism="resample"), [1e2, 1e3], seeds=4).assign(n=1)
    fig_r = F.fig_generations(F.generations_data(2.0, 1000, n_values=(1,)), "resample", mc)
    names = trace_names(fig_r)
    assert "n = 1" not in names and any("simulation only" in n for n in names)
    by_n = F.resample_plateau_by_n(2.0, 1000, (0, 2), seeds=4)
    ul_r = F.unlearned_data(2.0, 1000, n_values=(0, 2), mc=by_n)
    assert "resample (simulation only)" in trace_names(F.fig_unlearned(ul_r))


def test_mixing_panel_three_phases():
    md = F.mixing_data(2.0, 100, pi_values=(0.0, 0.01, 1.0))
    ph = F.mixing_phases(2.0, 100, 0.01)
    assert ph["width_decades"] == pytest.approx(2.0)
    assert ph["T_resume"] == pytest.approx(100 * ph["T_knee"])
    fig = F.fig_mixing(md, ph, 0.01)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "2.00 decades" in texts and "(i) clean law" in texts and "(iii) E_clean(πT)" in texts
    assert "E_clean(πT), π = 0.01" in trace_names(fig)
    # far right, the pi = 0.01 curve runs along E_clean(pi T)
    d = md[md["pi"] == 0.01]
    np.testing.assert_allclose(d["error"].iloc[-1], d["clean_at_piT"].iloc[-1], rtol=1e-4)
    # the page computes the guide for the highlighted pi only: the same numbers there, NaN elsewhere
    only = F.mixing_data(2.0, 100, pi_values=(0.0, 0.01, 1.0), guide_pi=0.01)
    np.testing.assert_array_equal(only.loc[only["pi"] == 0.01, "clean_at_piT"], d["clean_at_piT"])
    assert only.loc[only["pi"] != 0.01, "clean_at_piT"].isna().all()
    assert md.loc[md["pi"] == 1.0, "clean_at_piT"].notna().all()


def test_slope_panel_and_gcd_panel():
    clean = F.config_data(dict(beta=2.0))
    fig = F.fig_slopes({"clean": clean}, {"−c": -0.5, "0": 0.0})
    assert trace_names(fig) == ["clean"] and len(fig.layout.shapes) == 2
    g = F.gcd_data(100)
    learned = list(g[g["learned"]]["g"])
    assert learned[:8] == [1, 2, 4, 5, 8, 10, 16, 20]
    assert g[g["learned"]]["probability"].sum() < 0.8443
    assert F.gcd_data(10_000)[lambda d: d["learned"]]["probability"].sum() == pytest.approx(0.8443, abs=1e-4)
    fig = F.fig_gcd(g, 0.8443)
    assert "0.8443" in fig.layout.title.text and fig.layout.xaxis.type == "log"


def test_mc_points_filtered_by_support_size():
    # truncated supports: beta = 1.1 -> 4111, 270471, 1.2e9 tokens; beta = 3 -> 64, 203, 4366
    assert F.mc_T_points(dict(beta=1.1), [1e2, 1e4, 1e8]) == [1e2, 1e4]
    assert F.mc_T_points(dict(beta=1.1), [1e2, 1e4, 1e8], max_tokens=100_000) == [1e2]
    assert F.mc_T_points(dict(beta=3.0), [1e2, 1e4, 1e8]) == [1e2, 1e4, 1e8]


def test_family_monte_carlo_overlay_agrees_with_the_curves():
    curves, marks = F.cut_data(2.0, by="k", values=(100, 1000))
    mc = F.family_mc({"beta": 2.0}, "k", [0, 100, 1000], ["clean", "k = 100", "k = 1000"], seeds=40,
                     T_points=(1e2, 1e3))
    assert set(mc["curve"]) == {"clean", "k = 100", "k = 1000"}
    assert (mc["error_se"] > 0).all()
    fig = F.fig_cut(curves, marks, mc)
    tr = _trace(fig, "Monte Carlo, k = 100")
    assert tr.error_y.array is not None and list(tr.x) == [1e2, 1e3]
    for row in mc.itertuples():
        d = curves[curves["curve"] == row.curve]
        exact = float(np.interp(np.log(row.T), np.log(d["T"]), d["error"]))
        assert abs(exact - row.error_mean) <= 4 * row.error_se + 1e-9
