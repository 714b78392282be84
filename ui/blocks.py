"""Page building blocks: a chart with its CSV download and formula expander, notes and errors."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine.params import ParamError

T = TypeVar("T")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def csv_bytes(data: pd.DataFrame) -> bytes:
    return data.to_csv(index=False).encode("utf-8")


def chart_block(fig: go.Figure, data: pd.DataFrame, name: str, formulas: str | Iterable[str] = (),
                note: str | None = None, explain: str | None = None, params_json: str | None = None,
                command: str | None = None) -> None:
    """Draw ``fig``, a CSV download of ``data``, optionally its parameters as JSON and the command
    that reproduces it, and an expander with the formula(s) (LaTeX). When the page has a pinned
    view (ui.compare), the pinned curves are drawn underneath as grey ghost traces."""
    from ui.compare import add_ghosts, remember

    remember(slug(name), fig)
    add_ghosts(slug(name), fig)
    st.plotly_chart(fig, width="stretch", key=f"fig-{slug(name)}", config={"displaylogo": False,
                    "toImageButtonOptions": {"format": "png", "filename": slug(name)}})
    if note:
        st.caption(note)
    # One "Export" popover per chart (its content is drawn only when opened: three elements fewer
    # per chart for the browser to render on load, and a calmer page).
    cols = st.columns([1, 3])
    with cols[0].popover("Export: CSV, JSON, command", icon=":material/download:", width="stretch"):
        st.download_button("Download CSV", csv_bytes(data), file_name=f"{slug(name)}.csv", mime="text/csv",
                           key=f"csv-{slug(name)}", width="stretch", on_click="ignore")
        if params_json:
            st.download_button("Parameters JSON", params_json.encode("utf-8"), file_name=f"{slug(name)}.json",
                               mime="application/json", key=f"json-{slug(name)}", width="stretch", on_click="ignore")
        if command:
            st.caption("Reproduce from the command line")
            st.code(command, language="bash")
    with cols[-1].expander("Formula behind this chart"):
        if explain:
            st.markdown(explain)
        for f in [formulas] if isinstance(formulas, str) else formulas:
            st.latex(f)


def compute_or_stop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, or show the error (bad parameters or a numerical failure) and stop the
    page: a user never sees a traceback."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - show_error tells ParamError apart
        show_error(exc)
        st.stop()


def assumed_note(text: str) -> None:
    """Label something that is a project assumption, not from the paper."""
    st.caption(f"⚠️ Not from the paper (project assumption): {text}")


def show_error(exc: Exception | str) -> None:
    """A clear message instead of a traceback."""
    msg = str(exc)
    if isinstance(exc, ParamError) or isinstance(exc, str):
        st.error(f"Invalid parameters: {msg}")
    else:
        st.error(f"Could not compute this view: {msg}")


def gap_note(count: int, why: str) -> None:
    if count:
        st.info(f"{count} point(s) are outside what the formulas cover and are left as gaps: {why}")
