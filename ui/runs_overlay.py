"""Cached training runs on a theory page's chart (the theory pages call these two functions).

    pts = cached_points("regression", {"d": 20, "T0": 60, "lam": 1e-3, "sigma0": 0.2})
    add_cached_points(fig, pts[pts["group"] == "1"], x_key="T")

``cached_points`` is cached with st.cache_data on a hashable form of its arguments and the
store's modification stamp, so new runs show up without a restart.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine.runs.store import RunStore
from engine.runs.views import overlay_points


@st.cache_data(max_entries=32, show_spinner=False)
def _cached(model: str, filters: tuple[tuple[str, Any], ...], task: str | None, root: str,
            stamp: float) -> pd.DataFrame:
    return overlay_points(model, dict(filters), task=task, store=RunStore(root))


def cached_points(model: str, filters: Mapping[str, Any] | None = None, task: str | None = None,
                  root: str | None = None) -> pd.DataFrame:
    """Points of finished cached runs mapped to the theory page ``model`` (optionally only
    of ``task``) having every key of ``filters`` with an equal value; see
    engine.runs.views.overlay_points for the columns."""
    store = RunStore(root)
    key = tuple(sorted((k, v) for k, v in (filters or {}).items()))
    return _cached(model, key, task, str(store.root), store.stamp())


def add_cached_points(fig: go.Figure, points: pd.DataFrame, *, x_key: str | None = None,
                      name: str = "training run", color_: str | None = None) -> go.Figure:
    """Add run points (mean ± se) to ``fig``: one trace per (run, group), hollow diamonds,
    so they read apart from theory lines and Monte Carlo dots."""
    if points is None or points.empty:
        return fig
    pts = points if x_key is None else points[points["x_key"] == x_key]
    for (run_id, group), part in pts.groupby(["run_id", "group"], sort=False):
        part = part.sort_values("x")
        gkey = part["group_key"].iloc[0]
        label = f"{name} {gkey}={group}" if gkey else name
        fig.add_trace(go.Scatter(
            x=part["x"].tolist(), y=part["mean"].tolist(), name=label, mode="markers",
            legendgroup=f"run-{run_id}",
            marker=dict(symbol="diamond-open", size=10, color=color_, line=dict(width=2)),
            error_y=dict(type="data", array=part["se"].fillna(0).tolist(), visible=True, thickness=1),
            hovertemplate=(f"{label}<br>run {run_id} ({part['task'].iloc[0]})<br>x=%{{x:.4g}}<br>"
                           "mean=%{y:.4g} ± %{error_y.array:.2g}<extra></extra>"),
        ))
    return fig
