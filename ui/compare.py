"""Compare: pin the current view, change sliders, see both (issue 8).

``pin_controls(page, params)`` (sidebar) offers "Pin the current curves" and "Unpin", and,
while a pin exists, a table of the parameters that differ between the pinned view and the
current one. Every ``ui.blocks.chart_block`` call records its figure as the page's latest
(``remember``) and, when the page has a pin, draws the pinned figure's lines underneath as
grey "ghost" traces (``add_ghosts``). State lives in ``st.session_state`` only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import presets as P
from ui.widgets import fmt_value

_LAST = "_compare_last"      # {page: {chart slug: line traces}} of the latest run
_PIN = "_compare_pin"        # {page: {"params": dict, "figs": {slug: line traces}}}
_PAGE = "_compare_page"      # the page being drawn in this run
GHOST = dict(color="rgba(120,120,120,0.55)", dash="dot", width=2)


def start_run() -> None:
    """Forget which page the previous run drew (app.py calls this before every page run), so
    a page without pin controls neither records nor ghosts its charts."""
    st.session_state.pop(_PAGE, None)


def _pins() -> dict[str, Any]:
    return st.session_state.setdefault(_PIN, {})


def _pin(page: str, params: dict[str, Any]) -> None:
    figs = st.session_state.get(_LAST, {}).get(page, {})
    _pins()[page] = {"params": dict(params), "figs": dict(figs)}


def _unpin(page: str) -> None:
    _pins().pop(page, None)


def diff_frame(page: str, pinned: dict[str, Any], current: dict[str, Any]) -> pd.DataFrame:
    """Parameters that differ: columns parameter, pinned, current."""
    keys = [k for k in P.differing(page, pinned, current)]
    return pd.DataFrame({"parameter": keys, "pinned": [fmt_value(pinned.get(k)) for k in keys],
                         "current": [fmt_value(current.get(k)) for k in keys]})


def pin_controls(page: str, params: dict[str, Any], container: Any = None) -> dict[str, Any] | None:
    """Pin / unpin buttons and the table of differing parameters; returns the pin or None."""
    st.session_state[_PAGE] = page
    box = container if container is not None else st.sidebar
    pin = _pins().get(page)
    cols = box.columns(2)
    cols[0].button("Pin curves", key="_pin_btn", on_click=_pin, args=(page, params), icon=":material/push_pin:",
                   help="Keep the current curves as grey ghost traces; then change sliders to compare.",
                   width="stretch")
    cols[1].button("Unpin", key="_unpin_btn", on_click=_unpin, args=(page,), disabled=pin is None,
                   width="stretch")
    if pin is not None:
        diff = diff_frame(page, pin["params"], params)
        if diff.empty:
            box.caption("Pinned: the current view. Change a slider to compare (pinned = grey dotted lines).")
        else:
            box.caption("Pinned view (grey dotted lines) differs from the current one in:")
            box.dataframe(diff, hide_index=True, width="stretch")
    return pin


def _lines(fig: go.Figure) -> list[tuple]:
    """The figure's line traces as (x, y, name, xaxis, yaxis); plotly returns x and y as
    tuples, so this keeps references, not copies."""
    return [(tr.x, tr.y, tr.name, tr.xaxis, tr.yaxis) for tr in fig.data
            if getattr(tr, "type", None) == "scatter" and "lines" in (tr.mode or "lines")]


def remember(name: str, fig: go.Figure) -> None:
    """Record chart ``name``'s current lines as this page's latest (before ghosts are added)."""
    page = st.session_state.get(_PAGE)
    if page is None:
        return
    st.session_state.setdefault(_LAST, {}).setdefault(page, {})[name] = _lines(fig)


def add_ghosts(name: str, fig: go.Figure) -> int:
    """Draw the pinned figure's line traces for chart ``name`` under ``fig``; returns how many."""
    page = st.session_state.get(_PAGE)
    pin = _pins().get(page) if page else None
    if pin is None or name not in pin["figs"]:
        return 0
    ghosts = [go.Scatter(x=x, y=y, mode="lines", line=GHOST, name="pinned view", legendgroup="pinned",
                         showlegend=i == 0, xaxis=xa, yaxis=ya,
                         hovertemplate=f"pinned: {tname or ''}<br>x=%{{x:.4g}}<br>y=%{{y:.4g}}<extra></extra>")
              for i, (x, y, tname, xa, ya) in enumerate(pin["figs"][name])]
    if ghosts:
        fig.add_traces(ghosts)
        # draw the ghosts underneath the current traces
        fig.data = tuple(fig.data[-len(ghosts):]) + tuple(fig.data[:-len(ghosts)])
    return len(ghosts)
