"""Shared plotly helpers: every figure builder takes DataFrames and returns a go.Figure
(SVG traces, hover with exact values), so it is testable without a browser."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def base_figure(title: str, xlabel: str, ylabel: str, *, logx: bool = False, logy: bool = False, height: int = 420) -> go.Figure:
    # No plotly template: st.plotly_chart draws with Streamlit's theme, and copying a named
    # template into every figure was the largest cost of building a page (≈ 10 ms a figure).
    return go.Figure(layout=dict(
        title=dict(text=title, x=0.0, xanchor="left"),
        xaxis=dict(title=dict(text=xlabel), type="log" if logx else "linear", showgrid=True),
        yaxis=dict(title=dict(text=ylabel), type="log" if logy else "linear", showgrid=True),
        height=height, hovermode="closest",
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
        margin=dict(l=60, r=20, t=50, b=50),
    ))


def add_line(fig: go.Figure, x: Sequence[float], y: Sequence[float], name: str, *, color_: str | None = None,
             dash: str | None = None, width: float = 2.0, group: str | None = None, showlegend: bool = True,
             hover_fmt: str = ".4g", mode: str = "lines") -> go.Figure:
    """A theory line; NaN values become gaps (connectgaps=False), never spikes."""
    y_arr = np.asarray(y, float)
    y_arr = np.where(np.isfinite(y_arr), y_arr, np.nan)
    fig.add_trace(go.Scatter(
        x=np.asarray(x), y=y_arr, name=name, mode=mode, connectgaps=False, legendgroup=group, showlegend=showlegend,
        line=dict(color=color_, dash=dash, width=width),
        hovertemplate=f"{name}<br>x=%{{x:{hover_fmt}}}<br>y=%{{y:{hover_fmt}}}<extra></extra>",
    ))
    return fig


def add_mc_points(fig: go.Figure, x: Sequence[float], mean: Sequence[float], se: Sequence[float], name: str, *,
                  color_: str | None = None, group: str | None = None, symbol: str = "circle") -> go.Figure:
    """Monte Carlo points: mean ± standard error as error bars."""
    fig.add_trace(go.Scatter(
        x=np.asarray(x), y=np.asarray(mean, float), name=name, mode="markers", legendgroup=group,
        marker=dict(color=color_, size=8, symbol=symbol, line=dict(width=1, color="white")),
        error_y=dict(type="data", array=np.nan_to_num(np.asarray(se, float)), visible=True, thickness=1.2),
        hovertemplate=f"{name}<br>x=%{{x:.4g}}<br>mean=%{{y:.4g}} ± %{{error_y.array:.2g}}<extra></extra>",
    ))
    return fig


def add_hline(fig: go.Figure, y: float, text: str, *, color_: str = "gray", dash: str = "dot") -> go.Figure:
    if np.isfinite(y):
        fig.add_hline(y=y, line=dict(color=color_, dash=dash, width=1.5), annotation_text=text,
                      annotation_position="top left")
    return fig


def add_vline(fig: go.Figure, x: float, text: str, *, color_: str = "gray", dash: str = "dash") -> go.Figure:
    if np.isfinite(x):
        fig.add_vline(x=x, line=dict(color=color_, dash=dash, width=1.2), annotation_text=text,
                      annotation_position="top right")
    return fig


def trace_names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def long_frame(frames: dict[str, pd.DataFrame], label: str) -> pd.DataFrame:
    """Stack several curves' frames into one CSV-ready frame with a ``label`` column."""
    parts = []
    for name, df in frames.items():
        part = df.copy()
        part.insert(0, label, name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
