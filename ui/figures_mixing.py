"""Figure builders of the Mixing page (mixing.md §10). DataFrames in, go.Figure out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_line, add_mc_points, add_vline, base_figure, color

SPLIT = (("total", "total", None, 3.0), ("bias", "bias", "dot", 2.0), ("variance", "variance", "dashdot", 2.0),
         ("synth", "ζ (synthetic term)", "dash", 2.0))
QUALITY_SYMBOLS = ("square", "diamond", "star", "x", "circle", "triangle-up")
"""Pareto markers by increasing c² (Fig. 1: squares = very high quality ... ; the mapping is [?])."""


def _fmt_p(q: float) -> str:
    return f"{q:g}"


def _finite_positive(values: pd.Series | np.ndarray) -> np.ndarray:
    """Values for a log axis: non-finite or non-positive entries become NaN (gaps)."""
    v = np.asarray(values, float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def fig_scaling(curves: pd.DataFrame, marks: pd.DataFrame, current: float, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 1: total error against T (log-log) for several p_synth (classical model, Theorem 1),
    each curve's floor as a dotted horizontal segment and its crossover n* as a marker."""
    fig = base_figure("Scaling in T with a synthetic fraction: the curves flatten at p₂²c²", "total samples T (= n)",
                      "test error", logx=True, logy=True, height=480)
    Tmin, Tmax = float(curves["T"].min()), float(curves["T"].max())
    for i, (q, df) in enumerate(curves.groupby("p_synth", sort=True)):
        clean = q == 0.0
        col = "black" if clean else color(i)
        name = "clean (p₂ = 0)" if clean else f"p₂ = {_fmt_p(q)}"
        if q == current and not clean:
            name += " (current)"
        add_line(fig, df["T"], _finite_positive(df["total"]), name, color_=col, group=f"p{q}",
                 width=3.5 if q == current else (2.5 if clean else 1.8))
        mk = marks[marks["p_synth"] == q]
        if len(mk) and not clean:
            floor = float(mk["floor_lam"].iloc[0])
            if np.isfinite(floor) and floor > 0:
                fig.add_trace(go.Scatter(x=[Tmin, Tmax], y=[floor, floor], mode="lines", name=f"floor, p₂ = {_fmt_p(q)}",
                                         legendgroup=f"p{q}", showlegend=False, line=dict(color=col, dash="dot", width=1),
                                         hovertemplate=f"floor p₂²·tr ΔΣ³(Σ+λ)⁻², p₂={_fmt_p(q)}: %{{y:.4g}}<extra></extra>"))
            xT, yT = float(mk["crossover_T"].iloc[0]), float(mk["crossover_error"].iloc[0])
            if np.isfinite(xT) and np.isfinite(yT) and yT > 0:
                fig.add_trace(go.Scatter(x=[xT], y=[yT], mode="markers", name=f"crossover n*, p₂ = {_fmt_p(q)}",
                                         legendgroup=f"p{q}", showlegend=False,
                                         marker=dict(symbol="x", size=11, color=col, line=dict(width=1, color="black")),
                                         hovertemplate=f"n* (p₂={_fmt_p(q)}) = %{{x:.3g}}<extra></extra>"))
        if mc is not None and len(mc) and q in set(mc["p_synth"]):
            m = mc[mc["p_synth"] == q]
            add_mc_points(fig, m["T"], m["total_mean"], m["total_se"], f"Monte Carlo, p₂ = {_fmt_p(q)}", color_=col,
                          group=f"p{q}")
    if len(marks) and "clean_floor_lam" in marks:
        clean_floor = float(marks["clean_floor_lam"].iloc[0])
        if np.isfinite(clean_floor) and clean_floor > 0:
            add_line(fig, [Tmin, Tmax], [clean_floor, clean_floor], "clean floor at this λ: λ²w₁ᵀΣ(Σ+λ)⁻²w₁",
                     color_="black", dash="dot", width=1)
    return fig


def fig_width(width: dict, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 2: error against the width m (log x) of the random-projections model, with the
    bias / variance / ζ split of the current parameters, comparison totals, m = T marked, the
    classical m → ∞ value as a dotted line and ψ = m/T on a secondary (top) axis."""
    curves, asym, vary, T = width["curves"], width["asymptote"], width["vary"], width["threshold"]
    sym = "p₂" if vary == "p_synth" else "c²"
    fig = base_figure("Error against model size m (random projections): the threshold m = T", "width m", "test error",
                      logx=True, logy=True, height=480)
    cur = curves[curves["curve"] == "current"]
    for i, (col, name, dash, w) in enumerate(SPLIT):
        add_line(fig, cur["m"], _finite_positive(cur[col]), f"{name} (current)", color_=color(i), dash=dash, width=w)
    comp = curves[curves["curve"] == "compare"]
    for j, (v, df) in enumerate(comp.groupby(vary, sort=True)):
        add_line(fig, df["m"], _finite_positive(df["total"]), f"total, {sym} = {_fmt_p(v)}", color_=color(4 + j), width=1.3)
    ms = cur["m"].to_numpy(float)
    if len(asym) and ms.size:
        y_inf = float(asym["total"].iloc[0])
        if np.isfinite(y_inf) and y_inf > 0:
            add_line(fig, [ms.min(), ms.max()], [y_inf, y_inf], "classical model, m → ∞ (current)", color_=color(0),
                     dash="dot", width=1.2)
    add_vline(fig, T, "m = T")
    if ms.size:
        lo, hi = np.log10(ms.min()), np.log10(ms.max())
        plo, phi = lo - np.log10(T), hi - np.log10(T)
        ticks = [10.0**k for k in range(int(np.floor(plo)), int(np.ceil(phi)) + 1) if plo <= k <= phi]
        fig.update_layout(
            xaxis=dict(range=[lo, hi]),
            xaxis2=dict(type="log", overlaying="x", side="top", range=[plo, phi], tickvals=ticks,
                        ticktext=[f"{t:g}" for t in ticks], title=dict(text="ψ = m/T", standoff=2), showgrid=False),
            margin=dict(t=90),
        )
        fig.add_trace(go.Scatter(x=ms / T, y=_finite_positive(cur["total"]), xaxis="x2", mode="lines", opacity=0,
                                 showlegend=False, hoverinfo="skip", name="ψ axis"))
    vals = _finite_positive(curves[["bias", "variance", "synth", "total"]].to_numpy().ravel())
    if np.isfinite(vals).any():
        # keep 5 decades below the largest value: a vanishing bias (m ≫ d) must not squash the chart
        top = float(np.nanmax(vals))
        bottom = max(float(np.nanmin(vals)), top * 1e-5)
        fig.update_yaxes(range=[np.log10(bottom) - 0.1, np.log10(top) + 0.1])
    if mc is not None and len(mc):
        add_mc_points(fig, mc["m"], mc["total_mean"], mc["total_se"], "Monte Carlo: total", color_=color(0))
        add_mc_points(fig, mc["m"], mc["synth_mean"].where(mc["synth_mean"] > 0), mc["synth_se"], "Monte Carlo: ζ",
                      color_=color(3), symbol="diamond")
    return fig


def fig_pareto(pareto: pd.DataFrame, mc: pd.DataFrame | None = None) -> go.Figure:
    """Chart 3 (Fig. 1): x = error with real data only, y = error with the mix at the same T, one
    point per width m coloured by ψ = m/T (log scale), one marker per c²; the diagonal y = x."""
    fig = base_figure("Pareto view: real data only vs the mix, at equal T (Fig. 1)", "error, real data only (p₂ = 0)",
                      "error, with the synthetic mix", logx=True, logy=True, height=500)
    psi = pareto["psi"].to_numpy(float)
    cmin, cmax = float(np.log10(psi.min())), float(np.log10(psi.max()))
    levels = sorted(pareto["c2"].unique())
    for k, c in enumerate(levels):
        df = pareto[pareto["c2"] == c]
        current = bool(df["current_c2"].iloc[0])
        name = f"c² = {_fmt_p(c)}" + (" (current)" if current else "")
        fig.add_trace(go.Scatter(
            x=_finite_positive(df["error_real_only"]), y=_finite_positive(df["error_mix"]), mode="markers+lines",
            name=name, line=dict(color="rgba(120,120,120,0.35)", width=1),
            marker=dict(symbol=QUALITY_SYMBOLS[k % len(QUALITY_SYMBOLS)], size=11 if current else 9,
                        color=np.log10(df["psi"].to_numpy(float)), colorscale="Viridis", cmin=cmin, cmax=cmax,
                        line=dict(width=1.5 if current else 0.5, color="black"),
                        colorbar=dict(title="log₁₀ ψ", x=1.0, len=0.6, y=0.3) if k == 0 else None,
                        showscale=k == 0),
            customdata=np.stack([df["m"], df["psi"]], axis=1),
            hovertemplate=f"{name}<br>m=%{{customdata[0]}} (ψ=%{{customdata[1]:.3g}})<br>real only=%{{x:.4g}}"
                          "<br>mix=%{y:.4g}<extra></extra>",
        ))
    xs = np.concatenate([_finite_positive(pareto["error_real_only"]), _finite_positive(pareto["error_mix"])])
    xs = xs[np.isfinite(xs)]
    if xs.size:
        lo, hi = float(xs.min()) / 1.2, float(xs.max()) * 1.2
        add_line(fig, [lo, hi], [lo, hi], "y = x (no collapse)", color_="gray", dash="dash", width=1.2)
    if mc is not None and len(mc):
        fig.add_trace(go.Scatter(
            x=mc["error_real_only_mean"], y=mc["error_mix_mean"], mode="markers", name="Monte Carlo (current c²)",
            marker=dict(symbol="circle-open", size=13, color="black", line=dict(width=2)),
            error_x=dict(type="data", array=list(np.nan_to_num(mc["error_real_only_se"].to_numpy(float))), thickness=1),
            error_y=dict(type="data", array=list(np.nan_to_num(mc["error_mix_se"].to_numpy(float))), thickness=1),
            hovertemplate="Monte Carlo<br>real only=%{x:.4g}<br>mix=%{y:.4g}<extra></extra>",
        ))
    fig.update_layout(legend=dict(x=1.12))
    return fig


def fig_weighted(weighted: dict) -> go.Figure:
    """Chart 4 (§10 item 4): the weighted-mixing working replacement (§4.1 [D]) against α,
    with α* and the floor α² c² marked."""
    df = weighted["curve"]
    fig = base_figure("Weighted mixing: the best weight discards the synthetic data", "weight α on synthetic samples",
                      "test error", logy=True, height=380)
    add_line(fig, df["alpha"], _finite_positive(df["error"]), "E(α) (§4.1 replacement, small φ)", color_=color(0), width=2.5)
    add_line(fig, df["alpha"], _finite_positive(df["floor"]), "floor α²c² (n → ∞)", color_="gray", dash="dot")
    a, e = weighted["alpha_star"], weighted["error_star"]
    if np.isfinite(a) and np.isfinite(e) and e > 0:
        approx = weighted.get("alpha_star_approx", float("nan"))
        label = f"minimum α* = {a:.3g}" + (f" (small-φ formula: {approx:.3g})" if np.isfinite(approx) else "")
        fig.add_trace(go.Scatter(x=[a], y=[e], mode="markers", name=label,
                                 marker=dict(symbol="star", size=14, color=color(1), line=dict(width=1, color="black")),
                                 hovertemplate="α*=%{x:.3g}<br>E=%{y:.4g}<extra></extra>"))
    return fig
