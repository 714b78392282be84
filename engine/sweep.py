"""Shared plumbing for theory and simulation functions: validate keyword arguments through
the registry, find the (at most one) swept key, broadcast everything to the sweep length,
and assemble the output DataFrame (sweep column first; ±inf turned into NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from engine.params import ParamError, get_model


@dataclass(frozen=True)
class Call:
    """A validated call: resolved parameters, the sweep key (or None) and its length P."""

    model: str
    params: dict[str, Any]
    sweep: str | None
    P: int

    def array(self, key: str, dtype: type = float) -> np.ndarray:
        """Parameter ``key`` as an array of shape (P,)."""
        v = self.params[key]
        arr = np.asarray(v, dtype=dtype).reshape(-1)
        return np.broadcast_to(arr, (self.P,)).copy() if arr.size == 1 else arr

    def values(self, key: str) -> list[Any]:
        """Parameter ``key`` as a list of length P (for enums)."""
        v = self.params[key]
        if isinstance(v, (list, tuple, np.ndarray)):
            return list(v)
        return [v] * self.P

    def scalar(self, key: str) -> Any:
        """A parameter that must not be swept."""
        if key == self.sweep:
            raise ParamError(f"{key} cannot be swept for this output")
        return self.params[key]

    def frame(self, columns: Mapping[str, Any]) -> pd.DataFrame:
        """One row per sweep value: the sweep column (if any) then ``columns``."""
        data: dict[str, Any] = {}
        if self.sweep is not None:
            data[self.sweep] = list(self.params[self.sweep])
        for name, col in columns.items():
            arr = np.asarray(col)
            if arr.dtype.kind in "fc":
                arr = np.where(np.isfinite(arr), arr, np.nan)
            data[name] = np.broadcast_to(arr, (self.P,)) if arr.ndim == 0 or arr.size == 1 else arr
        return pd.DataFrame(data)


def _is_sweep(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, str)


def resolve_call(model: str, kwargs: Mapping[str, Any]) -> Call:
    """Validate ``kwargs`` for ``model``; at most one of them may be a list/array (the sweep).

    Raises:
        ParamError: unknown key, out-of-domain value, more than one swept key.
    """
    spec = get_model(model)
    swept = [k for k, v in kwargs.items() if _is_sweep(v)]
    if len(swept) > 1:
        raise ParamError(f"only one parameter may be swept at a time; got {', '.join(swept)}")
    sweep = swept[0] if swept else None
    params = spec.resolve(kwargs, sweep=sweep)
    P = len(params[sweep]) if sweep else 1
    return Call(model=model, params=params, sweep=sweep, P=P)


def stats_columns(samples: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Turn per-seed samples, each of shape (P, S), into ``<col>_mean`` and ``<col>_se`` arrays.

    The standard error is the sample standard deviation over seeds divided by sqrt(S);
    with S = 1 it is NaN (unknown).
    """
    out: dict[str, np.ndarray] = {}
    for name, x in samples.items():
        x = np.asarray(x, float)
        S = x.shape[-1]
        out[f"{name}_mean"] = x.mean(axis=-1)
        out[f"{name}_se"] = x.std(axis=-1, ddof=1) / np.sqrt(S) if S > 1 else np.full(x.shape[:-1], np.nan)
    return out
