"""Exports: the parameters of a chart as JSON, and the command line that reproduces its data."""

from __future__ import annotations

import json
import math
import shlex
from typing import Any, Sequence

import numpy as np

from engine.params import ParamError, get_model


def _text(value: Any) -> str:
    """A value as the CLI reads it back exactly: floats round-trip (shortest repr), whole floats as integers."""
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isinf(f):
            return "inf"
        if f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        return repr(f)
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def cli_command(model: str, params: dict[str, Any], sweep_key: str | None = None,
                sweep_values: Sequence[Any] | None = None, kind: str = "curve") -> str:
    """``python -m engine curve MODEL --set K=V ... [--sweep K=v1,...] --json`` for non-default values."""
    spec = get_model(model)
    parts = ["python", "-m", "engine", kind, model]
    for p in spec.params:
        if p.key == sweep_key or p.key not in params:
            continue
        value = params[p.key]
        if value is None or value == p.default:
            continue
        parts += ["--set", f"{p.key}={_text(value)}"]
    if sweep_key is not None and sweep_values is not None:
        parts += ["--sweep", f"{sweep_key}=" + ",".join(_text(v) for v in sweep_values)]
    parts.append("--json")
    return " ".join(shlex.quote(x) for x in parts)


def params_json(model: str, params: dict[str, Any], **extra: Any) -> str:
    """The chart's parameters (every canonical key, resolved) as pretty JSON."""
    payload = {"model": model, "params": {k: (_text(v) if isinstance(v, float) and math.isinf(v) else v)
                                          for k, v in params.items()}}
    payload.update(extra)
    return json.dumps(payload, indent=2, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


def _py(value: Any) -> str:
    """A Python literal for a parameter value (double-quoted strings, so it fits in a single-quoted shell word)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isinf(f):
            return 'float("inf")' if f > 0 else 'float("-inf")'
        return repr(f)
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_py(v) for v in list(value)) + "]"
    return repr(value)


def non_defaults(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``params`` that differ from the registry defaults, in registry order."""
    spec = get_model(model)
    return {p.key: params[p.key] for p in spec.params
            if p.key in params and params[p.key] is not None and params[p.key] != p.default}


def py_params(model: str, params: dict[str, Any]) -> str:
    """``params`` (non-default entries) as a Python dict literal, e.g. ``{"beta": 2.5, "k": 100}``."""
    return "{" + ", ".join(f"{json.dumps(k)}: {_py(v)}" for k, v in non_defaults(model, params).items()) + "}"


def python_command(code: str, reason: str) -> str:
    """A ``# reason`` comment line and ``python -c '<code>'`` for data that no single ``curve`` call gives."""
    return f"# {reason}\npython -c {shlex.quote(code)}"


def resolved(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every canonical key of ``model``: ``params`` over the defaults, derived keys filled in."""
    try:
        return get_model(model).resolve({k: v for k, v in params.items() if k in get_model(model).keys})
    except ParamError:
        return {**get_model(model).defaults(), **params}


def chart_exports(model: str, params: dict[str, Any], chart: str, sweep: str | None = None,
                  values: Sequence[Any] | None = None, per: str | None = None, per_values: Sequence[Any] = (), *,
                  keep: Sequence[str] | None = None, curves: Sequence[tuple[str, dict[str, Any]]] | None = None,
                  command: str | None = None, note: str | None = None, extra_lines: Sequence[str] = (),
                  **fixed: Any) -> dict[str, str]:
    """The ``params_json`` and ``command`` arguments of ``ui.blocks.chart_block`` for one chart.

    The chart's parameters are ``params`` (the page's values; only the keys in ``keep`` when the
    chart fixes every other key at its default) updated with ``fixed``. The command is one
    ``python -m engine curve`` line per curve of the chart, each sweeping ``sweep`` over ``values``:
    one line for a single curve, one per value of ``per`` for a family, or one per ``(label,
    overrides)`` of ``curves`` (each preceded by ``# label``) for a family whose curves differ in
    several keys (a list-valued override is that line's own sweep). ``command`` replaces the generated lines (e.g. a :func:`python_command` for data
    that no ``curve`` call gives); ``extra_lines`` are appended (e.g. the Monte Carlo overlay's
    :func:`simulate_command`). The JSON holds every canonical key (resolved), the chart name, the
    sweep and the family.
    """
    base = {k: params[k] for k in keep if k in params} if keep is not None else dict(params)
    base.update(fixed)
    if command is None:
        if curves is not None:
            lines: list[str] = []
            for label, over in curves:
                own = [k for k, x in over.items() if isinstance(x, (list, tuple, np.ndarray))]
                key, vals = (own[0], over[own[0]]) if own else (sweep, values)
                lines += [f"# {label}", cli_command(model, {**base, **over}, key, vals)]
        elif per is None:
            lines = [cli_command(model, base, sweep, values)]
        else:
            lines = [cli_command(model, {**base, per: x}, sweep, values) for x in per_values]
        command = "\n".join(lines)
    if extra_lines:
        command = "\n".join([command, *extra_lines])
    extra: dict[str, Any] = {"chart": chart}
    if sweep is not None:
        extra["sweep"] = sweep
        extra["sweep_values"] = list(values) if values is not None else None
    if per is not None:
        extra["family"] = {per: list(per_values)}
    if curves is not None:
        extra["curves"] = [{"label": label, **{k: (list(x) if isinstance(x, (tuple, np.ndarray)) else x)
                                               for k, x in over.items()}} for label, over in curves]
    if note:
        extra["note"] = note
    from engine.__main__ import jsonable  # inf -> "inf", numpy -> Python: strict JSON

    return {"params_json": params_json(model, resolved(model, base), **jsonable(extra)), "command": command}


def simulate_command(model: str, params: dict[str, Any], sweep_key: str | None, sweep_values: Sequence[Any] | None,
                     seeds: int, seed: int = 0) -> str:
    """``python -m engine simulate MODEL ... --json --seeds S --seed B``: a Monte Carlo run of the engine."""
    return f"{cli_command(model, params, sweep_key, sweep_values, kind='simulate')} --seeds {int(seeds)} --seed {int(seed)}"
