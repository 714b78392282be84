"""The scenario selector at the top of every theory page's sidebar (engine/presets.py).

Choosing a scenario sets every parameter widget of the page at once (through session
state, so the bound widgets write the new values to the URL), shows the scenario's story,
what it assumes, and a link that reproduces it in a fresh browser. When the current
values (from the widgets, or from the URL on a fresh load) equal a scenario, the selector
shows that scenario; otherwise it shows "Custom".
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine import presets as P
from engine.params import ParamError, get_model

CUSTOM = "Custom (current sliders)"
SELECT_KEY = "_preset_select"


def _current(page: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Current page values: session state first, then the URL (fresh load), else absent."""
    model = get_model(page)
    values: dict[str, Any] = {}
    for k in P.PAGE_KEYS[page]:
        if k in st.session_state:
            values[k] = st.session_state[k]
        elif k in st.query_params:
            try:
                values[k] = model.param(k).coerce(st.query_params.get(k))
            except ParamError:
                pass  # the widget reports the bad value and falls back to its default
    extras = {}
    for k in P.PAGE_EXTRAS[page]:
        if k in st.session_state:
            extras[k] = st.session_state[k]
        elif k in st.query_params:
            extras[k] = st.query_params.get(k)
    return values, extras


def apply_preset(page: str, slug: str) -> None:
    """Set every widget of ``page`` to the preset's values (callback of the selector)."""
    preset = P.get_preset(page, slug)
    for k, v in P.resolved(page, preset).items():
        st.session_state[k] = v
    for k, v in P.resolved_extras(page, preset).items():
        st.session_state[k] = v
    panel = P.resolved_panel(page, preset)
    if panel is not None:
        st.session_state[P.PANEL_KEY] = panel  # open the tab that tells the story


def _on_select(page: str) -> None:
    title = st.session_state.get(SELECT_KEY)
    for p in P.presets(page):
        if p.title == title:
            apply_preset(page, p.slug)
            return


def preset_selector(page: str, container: Any = None) -> P.Preset | None:
    """Render the selector (in the sidebar by default); returns the active preset or None."""
    box = container if container is not None else st.sidebar
    values, extras = _current(page)
    active = P.matching(page, values, extras)
    titles = [CUSTOM] + [p.title for p in P.presets(page)]
    # Show what the sliders currently are (set before the widget is created in this run).
    st.session_state[SELECT_KEY] = active.title if active else CUSTOM
    box.selectbox("Scenario", titles, key=SELECT_KEY, on_change=_on_select, args=(page,),
                  help="Named scenarios set every slider at once; each is a shareable link.")
    if active is not None:
        box.info(active.story, icon=":material/auto_stories:")
        if active.figure:
            box.caption(f"Reproduces the paper's {active.figure}." if not active.figure.startswith("theory")
                        else f"The spec's {active.figure} (recommended inputs).")
        if active.assumed:
            box.caption(f"⚠️ Not from the paper (project assumption): {active.assumed}")
        box.markdown(f"[Link to this scenario](./{page}?{P.query_string(page, active)})")
    return active


def sidebar_top(page: str) -> P.Preset | None:
    """The top of a theory page's sidebar: the scenario selector, then the "Parameters" header
    with its note that every slider is in the URL. Returns the active preset or None."""
    active = preset_selector(page)
    st.sidebar.header("Parameters")
    st.sidebar.caption("Every slider is in the URL: copy the address bar to share this view.")
    return active
