"""Widgets generated from the parameter registry and bound to the URL.

Every widget uses ``bind="query-params"`` with the canonical key as both the widget key
and the query-parameter name, so any page state is a shareable link. Before the widgets
are created, the URL's values are validated against the registry: a bad value is reported
with ``st.error`` (naming the parameter and its domain) and the default is used instead;
Streamlit on its own would drop it silently. A valid value outside the slider's span or
off its grid is kept: the slider's span (or option list) is extended to hold it.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import streamlit as st

from engine.params import Param, ParamError, get_model


def fmt_value(value: Any) -> str:
    """Compact text of a parameter value, as shown on sliders and written in URLs."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, (int,)) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e7):
        return str(int(value))
    return f"{value:g}"


def _url_value(p: Param) -> tuple[Any | None, str | None]:
    """(validated value, error message) for ``p``'s query parameter; (None, None) if absent."""
    if p.key not in st.query_params:
        return None, None
    raw = st.query_params.get(p.key)
    try:
        return p.coerce(raw), None
    except ParamError as exc:
        return None, f"Ignored the link's value for **{p.label}**: {exc}. Using the default {fmt_value(p.default)}."


def _session_value(p: Param) -> Any | None:
    """The widget's value in session state when it is a valid value of ``p`` (else None)."""
    if p.key not in st.session_state:
        return None
    try:
        return p.coerce(st.session_state[p.key])
    except (ParamError, TypeError, ValueError):
        return None


def _options(p: Param, extra: Any | None) -> list[Any]:
    if p.kind == "enum":
        return list(p.choices)
    grid = p.log_grid()
    if p.allow_inf:
        grid = grid + [math.inf]
    if extra is not None and extra not in grid:
        grid = sorted(grid + [extra])
    return grid


def param_widget(p: Param, container: Any = None, *, default: Any = None, label_suffix: str = "") -> Any:
    """Render one bound widget for ``p``; returns its current value.

    ``default`` overrides the registry default (e.g. a derived default such as beta_ai = beta).
    """
    box = container if container is not None else st.sidebar
    url_val, err = _url_value(p)
    if err:
        box.error(err)
    base = p.default if default is None else default
    label = p.label + (" ⚠️" if p.assumed else "") + label_suffix
    help_text = p.help + (" (Not from the paper: a project assumption.)" if p.assumed else "")
    if p.ref:
        help_text += f" [{p.ref}]"
    common: dict[str, Any] = dict(key=p.key, help=help_text, bind="query-params")
    if url_val is not None and p.key not in st.session_state and fmt_value(url_val) != st.query_params.get(p.key):
        # a valid value written differently in the link (e.g. 0.0010): set it programmatically
        st.session_state[p.key] = url_val
    # Always pass the registry default: Streamlit leaves a bound widget's value out of the URL
    # when it equals the widget's default, so without it a value set through session state (a
    # preset) equal to the slider's minimum would be dropped from the link. Streamlit's log
    # line about a default plus a session-state value is off in .streamlit/config.toml.
    if p.kind == "enum":
        opts = list(p.choices)
        common["index"] = opts.index(base)
        return box.selectbox(label, opts, **common)
    if p.log or p.allow_inf:
        opts = _options(p, url_val if url_val is not None else base)
        for extra in (base, _session_value(p)):
            if extra is not None and extra not in opts:
                opts = sorted(opts + [extra]) if p.kind != "enum" else opts
        # a value set programmatically (a preset, the compare panel) may be off the slider's grid
        common["value"] = base
        return box.select_slider(label, options=opts, format_func=fmt_value, **common)
    lo, hi = p.slider_lo, p.slider_hi
    for extra in (url_val, _session_value(p)):
        if extra is not None:
            lo, hi = min(lo, extra), max(hi, extra)
    if p.kind == "int":
        common["value"] = int(base)
        return box.slider(label, min_value=int(lo), max_value=int(hi), step=1, **common)
    common["value"] = float(base)
    return box.slider(label, min_value=float(lo), max_value=float(hi), step=_float_step(lo, hi), format="%g", **common)


def _float_step(lo: float, hi: float) -> float:
    span = hi - lo
    if span <= 0:
        return 0.01
    return float(f"{10 ** math.floor(math.log10(span / 100)):g}")


def param_inputs(model: str, keys: Iterable[str], container: Any = None, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Render bound widgets for ``keys`` of ``model`` (in that order) and return their values."""
    spec = get_model(model)
    defaults = defaults or {}
    return {k: param_widget(spec.param(k), container, default=defaults.get(k)) for k in keys}


def validate(model: str, values: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Resolve widget values through the registry; (params, None) or (None, message)."""
    try:
        return get_model(model).resolve(values), None
    except ParamError as exc:
        return None, str(exc)


def mc_controls(help_text: str, seed_options: list[int], default_seeds: int) -> tuple[bool, int]:
    """The Monte Carlo overlay toggle and its seed count (both in the URL: ``mc``, ``mc_seeds``)."""
    on = st.toggle("Overlay Monte Carlo", key="mc", bind="query-params", help=help_text)
    seeds = st.select_slider("Monte Carlo seeds", options=seed_options, value=default_seeds, key="mc_seeds",
                             bind="query-params", disabled=not on)
    return on, int(seeds)
