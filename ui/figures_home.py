"""Figures of the home page: four small story charts and two regime maps (DataFrame in,
go.Figure out; data from engine/views/home.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_line, base_figure, color

SMALL = 330


def _story(df: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str, *, logy: bool = True) -> go.Figure:
    fig = base_figure(title, xlabel, ylabel, logx=True, logy=logy, height=SMALL)
    for i, (name, part) in enumerate(df.groupby("curve", sort=False)):
        add_line(fig, part[x], part[y], str(name), color_=color(i))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.25, x=0.0, xanchor="left", font=dict(size=10)),
                      margin=dict(l=50, r=10, t=40, b=40), title_font=dict(size=14))
    return fig


def fig_story_regression(df: pd.DataFrame) -> go.Figure:
    return _story(df, "T", "total", "Regression: error stops falling with T", "downstream samples T", "test error")


def fig_story_mixing(df: pd.DataFrame) -> go.Figure:
    return _story(df, "T", "total", "Mixing: 1% synthetic data sets a floor", "total samples n", "test error")


def fig_story_tails(df: pd.DataFrame) -> go.Figure:
    return _story(df, "T", "error", "Tails: a cut tail plateaus; clean data groks", "training samples T", "test error")


def fig_story_verification(df: pd.DataFrame, generator_acc: float) -> go.Figure:
    fig = _story(df, "N", "acc", "Verification: a good verifier beats the generator", "synthesized samples N",
                 "accuracy", logy=False)
    fig.add_hline(y=generator_acc, line=dict(color="gray", dash="dot", width=1.5),
                  annotation_text="generator (1 − p, p = 0.3)", annotation_position="bottom right")
    return fig


def fig_regime_mixing(df: pd.DataFrame) -> go.Figure:
    """log₁₀(error with the mix / error with real data only) over (n, p₂)."""
    ps = np.sort(df["p_synth"].unique())
    Ts = np.sort(df["T"].unique())
    z = df.pivot(index="p_synth", columns="T", values="ratio").loc[ps, Ts].to_numpy()
    fig = base_figure("Mixing regime map: how much worse than real data only", "total samples n",
                      "synthetic fraction p₂", logx=True, logy=True, height=420)
    fig.add_trace(go.Heatmap(
        x=Ts, y=ps, z=np.log10(z), colorscale="Reds", zmin=0, colorbar=dict(title="log₁₀ ratio"),
        customdata=z, hovertemplate="n=%{x:.3g}<br>p₂=%{y:.3g}<br>error ratio=%{customdata:.3g}<extra></extra>"))
    fig.add_trace(go.Contour(
        x=Ts, y=ps, z=np.log10(z), contours=dict(start=np.log10(2), end=np.log10(2), size=1, coloring="none",
                                                 showlabels=False),
        line=dict(color="black", dash="dash", width=1.5), showscale=False, name="error doubled", hoverinfo="skip",
        showlegend=True))
    fig.update_layout(legend=dict(orientation="h", y=-0.2, x=0))
    return fig


def fig_regime_verification(df: pd.DataFrame) -> go.Figure:
    """Retrained accuracy over (generator error p, verifier p⋆), with the breakdown line p = p⋆."""
    ps = np.sort(df["p_err"].unique())
    stars = np.sort(df["p_star"].unique())
    z = df.pivot(index="p_star", columns="p_err", values="acc").loc[stars, ps].to_numpy()
    fig = base_figure("Verification regime map: accuracy of the retrained model", "generator error p",
                      "verifier breakdown point p⋆", height=420)
    fig.add_trace(go.Heatmap(
        x=ps, y=stars, z=z, colorscale="RdBu", zmid=0.5, colorbar=dict(title="accuracy"),
        hovertemplate="p=%{x:.3g}<br>p⋆=%{y:.3g}<br>accuracy=%{z:.3f}<extra></extra>"))
    lo, hi = max(ps.min(), stars.min()), min(ps.max(), stars.max())
    add_line(fig, [lo, hi], [lo, hi], "breakdown p = p⋆ (collapse below this line)", color_="black", dash="dash")
    fig.update_layout(legend=dict(orientation="h", y=-0.2, x=0))
    return fig
