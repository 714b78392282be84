"""Figure builders of the Regression page (regression.md §12). DataFrames in, go.Figure out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_hline, add_line, add_mc_points, add_vline, base_figure, color

PARTS = (("total", "total", None), ("bias", "bias", "dot"), ("variance", "variance", "dashdot"), ("collapse", "collapse", "dash"))


def fig_error_vs_n(by_n: pd.DataFrame, null: float, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 1: test error against n with its bias / variance / collapse split."""
    fig = base_figure("Test error against the number of generations n", "generations n", "test error")
    for i, (col, name, dash) in enumerate(PARTS):
        add_line(fig, by_n["n"], by_n[col], name, color_=color(i), dash=dash, width=3 if col == "total" else 2)
    if "thm41_exact" in by_n and by_n["thm41_exact"].notna().any():
        add_line(fig, by_n["n"], by_n["thm41_exact"], "Thm 4.1 exact (λ→0)", color_="black", dash="longdash", width=1.5)
    add_hline(fig, null, "null predictor ‖w₀‖²_Σ")
    if mc is not None and len(mc):
        add_mc_points(fig, mc["n"], mc["total_mean"], mc["total_se"], "Monte Carlo: total", color_=color(0))
        add_mc_points(fig, mc["n"], mc["collapse_mean"], mc["collapse_se"], "Monte Carlo: collapse", color_=color(3),
                      symbol="diamond")
    return fig


def fig_u_shape(by_lam: pd.DataFrame, lam_opt: pd.DataFrame, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 2: the U-shape against λ (log x), one curve per n, optimal λ marked."""
    fig = base_figure("U-shape in λ: the optimal regularization grows with n", "ridge penalty λ", "test error",
                      logx=True, logy=True)
    for i, (k, df) in enumerate(by_lam.groupby("n", sort=True)):
        add_line(fig, df["lam"], df["total"], f"n = {k}", color_=color(i), group=f"n{k}")
        row = lam_opt[lam_opt["n"] == k]
        if len(row):
            fig.add_trace(go.Scatter(x=row["lam"], y=row["total"], mode="markers", name=f"optimal λ (n = {k})",
                                     legendgroup=f"n{k}", showlegend=False,
                                     marker=dict(symbol="star", size=13, color=color(i), line=dict(width=1, color="black")),
                                     hovertemplate="optimal λ=%{x:.3g}<br>error=%{y:.4g}<extra></extra>"))
        if mc is not None and len(mc) and k in set(mc["n"]):
            m = mc[mc["n"] == k]
            add_mc_points(fig, m["lam"], m["total_mean"], m["total_se"], f"Monte Carlo n = {k}", color_=color(i), group=f"n{k}")
    return fig


def fig_error_vs_T(by_T: pd.DataFrame, T0: int, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 3: error against T (log-log), one curve per n, Thm 4.1 broken lines and plateaus."""
    fig = base_figure("Error against T: the scaling law levels off at the collapse plateau", "downstream samples T",
                      "test error", logx=True, logy=True)
    for i, (k, df) in enumerate(by_T.groupby("n", sort=True)):
        add_line(fig, df["T"], df["total"], f"n = {k}", color_=color(i), group=f"n{k}")
        if df["thm41_exact"].notna().any():
            add_line(fig, df["T"], df["thm41_exact"], f"Thm 4.1 exact, n = {k}", color_=color(i), dash="dash", width=1.2,
                     group=f"n{k}", showlegend=i == 0)
        plateau = df["plateau"].iloc[0]
        if k > 0 and np.isfinite(plateau):
            fig.add_trace(go.Scatter(x=[df["T"].min(), df["T"].max()], y=[plateau, plateau], mode="lines",
                                     name=f"plateau nσ₀²d/(T₀−d−1), n = {k}", legendgroup=f"n{k}", showlegend=False,
                                     line=dict(color=color(i), dash="dot", width=1),
                                     hovertemplate=f"plateau n={k}: %{{y:.4g}}<extra></extra>"))
        if mc is not None and len(mc) and k in set(mc["n"]):
            m = mc[mc["n"] == k]
            add_mc_points(fig, m["T"], m["total_mean"], m["total_se"], f"Monte Carlo n = {k}", color_=color(i), group=f"n{k}")
    add_vline(fig, T0, "T = T₀")
    return fig


def slope_guide(T: np.ndarray, y: np.ndarray, slope: float, anchor_T: float) -> tuple[np.ndarray, np.ndarray]:
    """A straight log-log line of the given slope through the curve's value at ``anchor_T``."""
    T = np.asarray(T, float)
    y = np.asarray(y, float)
    i = int(np.argmin(np.abs(np.log(T) - np.log(anchor_T))))
    if not np.isfinite(y[i]) or y[i] <= 0:
        return T[:0], T[:0]
    return T, y[i] * (T / T[i]) ** slope


def fig_scaling(scaling: pd.DataFrame, T0: int, slopes: dict[str, float], n: int, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 4: scaling law against T on the power-law spectrum for the four λ rules, with slope guides."""
    fig = base_figure(f"Scaling law on the power-law spectrum (n = {n}): λ rules compared", "downstream samples T",
                      "test error", logx=True, logy=True)
    for i, (rule, df) in enumerate(scaling.groupby("lam_rule", sort=False)):
        add_line(fig, df["T"], df["total"], f"λ rule: {rule}", color_=color(i), group=rule)
        if mc is not None and len(mc) and rule in set(mc["lam_rule"]):
            m = mc[mc["lam_rule"] == rule]
            add_mc_points(fig, m["T"], m["total_mean"], m["total_se"], f"Monte Carlo: {rule}", color_=color(i), group=rule)
    crit = scaling[scaling["lam_rule"] == "critical"]
    corr = scaling[scaling["lam_rule"] == "corrected"]
    Tmax = float(crit["T"].max())
    guides = []
    if n >= 1 and len(crit):
        guides.append((crit, slopes["collapse"], f"guide: collapse slope +ℓ/β = {slopes['collapse']:+.2f} (Thm 5.1)", Tmax / 10))
    if len(crit):
        guides.append((crit, slopes["variance"], f"guide: variance slope −(1−ℓ/β) = {slopes['variance']:+.2f}", 30.0))
    if len(corr) and np.isfinite(slopes["corrected"]):
        guides.append((corr, slopes["corrected"], f"guide: corrected rate −(b−a)c = {slopes['corrected']:+.2f} (Cor. 5.2)", 100.0))
    for df, slope, name, anchor in guides:
        Tg = df["T"].to_numpy(float)
        keep = (Tg >= anchor / 10) & (Tg <= anchor * 10)
        x, y = slope_guide(Tg[keep], df["total"].to_numpy(float)[keep], slope, anchor)
        add_line(fig, x, y, name, color_="gray", dash="dot", width=1.2)
    add_vline(fig, T0, "T = T₀")
    return fig


def fig_overparam(over: pd.DataFrame, guides: pd.DataFrame, design: str, null: float, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 5: over-parameterized generators (T0 < d), one design."""
    title = {"dependent": "Dependent design X_m = X_0: a constant jump (Thm 4.5)",
             "independent": "Independent designs: exponential climb to the null error (Thm 4.6)"}[design]
    fig = base_figure(title, "generations n", "test error", height=380)
    df = over[over["design"] == design]
    add_line(fig, df["n"], df["total"], "theory (§6.4 engine)", color_=color(0), width=3)
    key = "thm45_dependent" if design == "dependent" else "thm46_independent"
    add_line(fig, guides["n"], guides[key], "Thm 4.5 guide" if design == "dependent" else "Thm 4.6 guide",
             color_="black", dash="dash", width=1.2)
    closed = f"closed_{design}"
    if closed in guides and guides[closed].notna().any():
        add_line(fig, guides["n"], guides[closed], "§6.3 exact closed form (λ = 0, noisy)", color_=color(2), dash="dot")
    add_hline(fig, null, "null predictor")
    if mc is not None and len(mc):
        m = mc[mc["design"] == design]
        add_mc_points(fig, m["n"], m["total_mean"], m["total_se"], "Monte Carlo", color_=color(0))
    return fig
