"""Exports: the parameters of a chart as JSON, and the command line that reproduces its data."""

from __future__ import annotations

import json
import math
import shlex
from typing import Any, Sequence

from engine.params import get_model


def _text(value: Any) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:g}"
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
