"""Run specs: a task name, its validated parameters and a seed (DESIGN.md "Runs").

A run is a pure function of its spec. The run id is the first 16 hex digits of the SHA-256
of the spec's canonical JSON (sorted keys, no whitespace, floats as ``repr``), so the same
task + parameters + seed always maps to the same id, and therefore to one run.

Task parameters are declared with :class:`engine.params.Param` in each task module
(``engine.train.<task>.PARAMS``) and validated here, before any process starts.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Mapping

from engine.params import Model, Param, ParamError

TASKS: tuple[str, ...] = ("regression_chain", "verification_classifier", "digits_chain", "gcd_collapse", "eigen_verify")
"""Task names; each is a module ``engine.train.<task>`` with PARAMS, run(spec, report)."""

SEED_MAX = 2**31 - 1


def task_module(task: str) -> ModuleType:
    """Import ``engine.train.<task>`` (cheap: task modules import torch only inside run)."""
    if task not in TASKS:
        raise ParamError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    return importlib.import_module(f"engine.train.{task}")


def task_model(task: str) -> Model:
    """The task's parameters as an (unregistered) :class:`engine.params.Model`."""
    mod = task_module(task)
    params: tuple[Param, ...] = tuple(mod.PARAMS)
    return Model(name=task, params=params, check=getattr(mod, "check", None))


def canonical_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, compact separators, ASCII, no NaN (raises on NaN/inf)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _plain(value: Any) -> Any:
    """Python scalars only (ints stay ints, floats stay floats); inf is not allowed in a spec."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    f = float(value)
    if not math.isfinite(f):
        raise ParamError(f"non-finite value {value!r} is not allowed in a run spec")
    return f


@dataclass(frozen=True)
class RunSpec:
    """task + fully resolved parameters (defaults filled in) + seed."""

    task: str
    params: dict[str, Any] = field(hash=False)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "params": dict(self.params), "seed": int(self.seed)}

    @property
    def run_id(self) -> str:
        """First 16 hex digits of sha256(canonical JSON of {task, params, seed})."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunSpec":
        """Re-validate a spec read from disk (unknown keys or bad values raise ParamError)."""
        if not isinstance(data, Mapping) or "task" not in data:
            raise ParamError("a run spec needs a 'task'")
        return make_spec(str(data["task"]), data.get("params") or {}, data.get("seed", 0))


def make_spec(task: str, overrides: Mapping[str, Any] | None = None, seed: Any = 0) -> RunSpec:
    """Validate ``overrides`` against the task's declared parameters; return the spec.

    Raises:
        ParamError: unknown task or key, value outside its domain, bad combination, bad seed.
    """
    model = task_model(task)
    resolved = model.resolve(dict(overrides or {}))
    try:
        s = float(seed)
    except (TypeError, ValueError):
        raise ParamError(f"seed = {seed!r} is invalid: seed must be an integer in [0, {SEED_MAX}]") from None
    if isinstance(seed, bool) or not math.isfinite(s) or s != int(s) or not 0 <= s <= SEED_MAX:
        raise ParamError(f"seed = {seed!r} is invalid: seed must be an integer in [0, {SEED_MAX}]")
    return RunSpec(task=task, params={k: _plain(v) for k, v in resolved.items()}, seed=int(s))


def parse_sets(task: str, sets: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["K=V", ...]`` -> validated overrides (used by the CLI and the page)."""
    model = task_model(task)
    out: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise ParamError(f"--set expects KEY=VALUE, got {item!r}")
        key, value = (s.strip() for s in item.split("=", 1))
        out[key] = model.param(key).coerce(value)
    return out
