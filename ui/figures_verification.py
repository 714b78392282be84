"""Figure builders of the Verification page (verification.md §5.1 plots, §6). DataFrames in,
go.Figure out; the Monte Carlo overlay is optional (``mc`` = a ``mc_view`` frame or None)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_hline, add_line, add_mc_points, add_vline, base_figure, color

VERIFIER_ORDER = ("none", "oracle", "noisy_oracle", "random", "linear", "custom")


def _vcolor(verifier: str) -> str:
    return color(VERIFIER_ORDER.index(verifier))


def _n_label(N: float) -> str:
    return "N = ∞" if not math.isfinite(N) else f"N = {N:,.0f}"


def fig_acc_vs_N(by_N: pd.DataFrame, refs: dict[str, float], mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 1 (§6.1, V5): accuracy against N (log x) for every verifier preset, with reference
    lines at the Bayes accuracy Φ(r), the worst 1 − Φ(r) and the generator's label accuracy
    1 − p [A]. For the linear verifier the exact feature-based limit (§2.5) is a dotted line."""
    fig = base_figure("Accuracy against the number of synthesized samples", "synthesized samples N (before selection)",
                      "test accuracy of the retrained model", logx=True)
    for v, df in by_N.groupby("verifier", sort=False):
        cur = bool(df["current"].iloc[0])
        label = str(df["label"].iloc[0]) + (" ← current" if cur else "")
        add_line(fig, df["N"], df["acc"], label, color_=_vcolor(v), width=4 if cur else 2, group=v)
        if v == "linear" and df["acc_inf_feature"].notna().any():
            lim = float(df["acc_inf_feature"].iloc[0])
            add_line(fig, [df["N"].min(), df["N"].max()], [lim, lim], "linear: exact feature-based limit (§2.5) [R]",
                     color_=_vcolor(v), dash="dot", width=1.5, group=v)
    add_hline(fig, refs["bayes"], "Bayes Φ(r)", color_="black", dash="dash")
    add_hline(fig, refs["worst"], "worst 1 − Φ(r)", color_="gray", dash="dot")
    add_hline(fig, refs["generator"], "generator label accuracy 1 − p [A]", color_="#8c564b", dash="dashdot")
    if mc is not None and len(mc):
        for v, m in mc.groupby("verifier", sort=False):
            add_mc_points(fig, m["N"], m["acc_mean"], m["acc_se"], f"Monte Carlo: {v}", color_=_vcolor(str(v)), group=str(v))
    fig.update_yaxes(range=[min(0.0, refs["worst"] - 0.02), 1.0])
    return fig


def fig_acc_vs_p(by_p: pd.DataFrame, p_star: float, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 2 (§6.2): accuracy against the generator error p at several N; the transition at p⋆
    is smooth at finite N and sharpens as N grows (sharp at N = ∞). For the linear verifier the
    exact feature-based limit (§2.5, no sharp flip) is added as a dotted line."""
    fig = base_figure("Accuracy against the generator's error rate p: the transition at p⋆",
                      "generator label-error rate p", "test accuracy")
    for i, (N, df) in enumerate(by_p.groupby("N", sort=True)):
        cur = bool(df["current"].iloc[0])
        name = _n_label(float(N)) + (" (current)" if cur else "")
        add_line(fig, df["p_err"], df["acc"], name, color_=color(i), width=3.5 if cur else 2, group=f"N{N}",
                 dash="dash" if not math.isfinite(float(N)) else None)
        if mc is not None and len(mc) and "N" in mc and float(N) in set(mc["N"].astype(float)):
            m = mc[mc["N"].astype(float) == float(N)]
            add_mc_points(fig, m["p_err"], m["acc_mean"], m["acc_se"], f"Monte Carlo {_n_label(float(N))}",
                          color_=color(i), group=f"N{N}")
    feat = by_p[~np.isfinite(by_p["N"].astype(float))] if "acc_inf_feature" in by_p else by_p.iloc[:0]
    if len(feat) and feat["acc_inf_feature"].notna().any():
        add_line(fig, feat["p_err"], feat["acc_inf_feature"], "linear: exact feature-based limit N = ∞ (§2.5) [R]",
                 color_="black", dash="dot", width=1.5)
    add_vline(fig, p_star, f"p⋆ = {p_star:.3g}" if np.isfinite(p_star) else "", color_="black")
    add_hline(fig, 0.5, "chance 1/2", color_="gray", dash="dot")
    return fig


def fig_acc_vs_pstar(by_pstar: pd.DataFrame, p: float, current: dict[str, Any],
                     mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 3 (§6.3): accuracy against p⋆ at the current p and N, for two verifier families; it
    crosses 1/2 at p⋆ = p. The current verifier is a star."""
    fig = base_figure("Accuracy against the breakdown point p⋆ (fixed p and N)", "breakdown point p⋆ = φ/(φ+ψ)",
                      "test accuracy")
    for i, (fam, df) in enumerate(by_pstar.groupby("family", sort=False)):
        d = df.sort_values("p_star")
        add_line(fig, d["p_star"], d["acc"], str(fam), color_=color(i), group=str(fam))
        if mc is not None and len(mc) and "family" in mc and fam in set(mc["family"]):
            m = mc[mc["family"] == fam]
            add_mc_points(fig, m["p_star_true"], m["acc_mean"], m["acc_se"], f"Monte Carlo: {fam}", color_=color(i),
                          group=str(fam))
    ps, acc = float(current.get("p_star", np.nan)), float(current.get("acc", np.nan))
    if np.isfinite(ps) and np.isfinite(acc):
        fig.add_trace(go.Scatter(x=[ps], y=[acc], mode="markers", name="current verifier",
                                 marker=dict(symbol="star", size=16, color="black"),
                                 hovertemplate="current verifier<br>p⋆=%{x:.4g}<br>acc=%{y:.4g}<extra></extra>"))
    add_vline(fig, p, f"p⋆ = p = {p:.3g}", color_="black")
    add_hline(fig, 0.5, "chance 1/2", color_="gray", dash="dot")
    fig.update_xaxes(range=[0, 1])
    return fig


def fig_audit(audit: pd.DataFrame, p_star_true: float | None, p: float, level: float = 0.95) -> go.Figure:
    """Measure-your-verifier chart (§6.5): p̂⋆ with its confidence interval against the audit
    size k (log x), the true p⋆ (when known) and the generator's error rate p."""
    fig = base_figure(f"Estimated breakdown point from an audit of k samples ({level:.0%} interval)",
                      "audited samples k", "estimated p⋆", logx=True)
    if len(audit):
        est = audit["p_star_hat"].to_numpy(float)
        lo = audit["p_star_lo"].to_numpy(float)
        hi = audit["p_star_hi"].to_numpy(float)
        fig.add_trace(go.Scatter(
            x=list(audit["k"]), y=list(est), mode="markers", name="p̂⋆ with interval",
            marker=dict(size=[14 if c else 8 for c in audit.get("current", [False] * len(audit))], color=color(0)),
            error_y=dict(type="data", symmetric=False, array=list(np.nan_to_num(hi - est)),
                         arrayminus=list(np.nan_to_num(est - lo)), visible=True, thickness=1.5),
            customdata=np.stack([lo, hi], axis=1),
            hovertemplate="k=%{x}<br>p̂⋆=%{y:.4f}<br>interval [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<extra></extra>",
        ))
    if p_star_true is not None and np.isfinite(p_star_true):
        add_hline(fig, float(p_star_true), f"true p⋆ = {p_star_true:.3g}", color_="black", dash="dash")
    add_hline(fig, p, f"generator error p = {p:.3g}", color_="#d62728", dash="dot")
    fig.update_yaxes(range=[0, 1.02])
    return fig
