"""Figure builders for the Runs page (DataFrame in, plotly Figure out; no Streamlit)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_hline, add_line, add_mc_points, add_vline, base_figure, color


def _groups(df: pd.DataFrame, key: str | None) -> list[Any]:
    if not key or key not in df:
        return [None]
    return list(dict.fromkeys(df[key].tolist()))


def metrics_figure(runs: Mapping[str, pd.DataFrame], plot: Mapping[str, Any],
                   theory: Mapping[str, pd.DataFrame | None] | None = None) -> go.Figure:
    """Selected runs' metrics (mean ± se points, one colour per group) with the matching
    theory curves drawn underneath as lines.

    Args:
        runs: label -> metrics DataFrame (columns plot["x"], plot["y"], plot["se"], plot["group"]).
        plot: the task's PLOT mapping (engine.runs.views.plot_spec).
        theory: label -> theory DataFrame (columns plot["x"], plot["group"], plot["theory_y"]) or None.
    """
    fig = base_figure(plot.get("title", "metrics"), plot.get("xlabel", plot.get("x", "x")),
                      plot.get("ylabel", plot.get("y", "y")), logx=bool(plot.get("logx")),
                      logy=bool(plot.get("logy")))
    x, y, se, gkey = plot.get("x"), plot.get("y"), plot.get("se"), plot.get("group")
    # records without the plotted x (e.g. a task's generator-training progress) are not points
    runs = {label: (df[pd.to_numeric(df[x], errors="coerce").notna()] if x in df else df.iloc[0:0])
            for label, df in runs.items()}
    groups: list[Any] = []
    for df in runs.values():
        for g in _groups(df, gkey):
            if g not in groups:
                groups.append(g)
    cidx = {g: i for i, g in enumerate(groups)}
    multi = len(runs) > 1
    symbols = ["circle", "diamond", "square", "triangle-up", "x", "star"]
    for label, th in (theory or {}).items():
        if th is None or th.empty:
            continue
        for g in _groups(th, gkey):
            part = th if g is None else th[th[gkey] == g]
            name = f"theory {gkey}={g}" if g is not None else "theory"
            add_line(fig, part[x].to_numpy(float), part[plot["theory_y"]].to_numpy(float),
                     name + (f" ({label})" if multi else ""), color_=color(cidx.get(g, 0)), dash="dash")
    for r, (label, df) in enumerate(runs.items()):
        if df.empty or x not in df or y not in df:
            continue
        for g in _groups(df, gkey):
            part = df if g is None else df[df[gkey] == g]
            part = part.sort_values(x)
            name = (f"{gkey}={g}" if g is not None else "run") + (f" ({label})" if multi else "")
            sev = part[se].to_numpy(float) if se in part else np.zeros(len(part))
            add_mc_points(fig, part[x].to_numpy(float), part[y].to_numpy(float), sev, name,
                          color_=color(cidx.get(g, 0)))
            fig.data[-1].marker.symbol = symbols[r % len(symbols)]
            fig.data[-1].mode = "lines+markers"
            fig.data[-1].line.width = 1
        vkey = plot.get("vline")
        if vkey and vkey in df and df[vkey].notna().any():
            add_vline(fig, float(df[vkey].dropna().iloc[0]), f"{vkey} ({label})" if multi else vkey)
        hkey = plot.get("hline")
        if hkey and hkey in df and df[hkey].notna().any():
            add_hline(fig, float(df[hkey].dropna().iloc[0]), f"generator ({label})" if multi else "generator")
    return fig


def progress_figure(metrics: pd.DataFrame, plot: Mapping[str, Any]) -> go.Figure:
    """The metric of a live run against its record index (what has arrived so far)."""
    fig = base_figure("records so far", "record", plot.get("ylabel", "value"), logy=bool(plot.get("logy")))
    if not metrics.empty and plot.get("y") in metrics:
        add_line(fig, np.arange(1, len(metrics) + 1), metrics[plot["y"]].to_numpy(float), plot.get("y", "y"))
        fig.data[-1].mode = "lines+markers"
    return fig
