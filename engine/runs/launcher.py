"""The launcher: validate a spec, create its run in the store, start its worker through an
executor, and cancel runs (DESIGN.md "Runs").

Validation happens before anything is written or started. The same spec launched twice
gives one run: an existing queued/running/done run is returned as is; a failed or
cancelled one is started again only with ``retry=True``.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from typing import Any, Mapping

from engine.runs.executor import Executor, LocalProcessExecutor
from engine.runs.spec import RunSpec, make_spec
from engine.runs.store import ACTIVE, BrokenRun, RunInfo, RunStore

_DEFAULT_EXECUTOR: Executor | None = None


def default_executor() -> Executor:
    global _DEFAULT_EXECUTOR
    if _DEFAULT_EXECUTOR is None:
        _DEFAULT_EXECUTOR = LocalProcessExecutor()
    return _DEFAULT_EXECUTOR


def command_for(spec: RunSpec) -> str:
    """The CLI command that makes this run (recorded in spec.json)."""
    parts = ["python", "-m", "engine", "run", spec.task]
    for key, value in sorted(spec.params.items()):
        parts += ["--set", f"{key}={value}"]
    parts += ["--seed", str(spec.seed)]
    return " ".join(shlex.quote(p) for p in parts)


@dataclass
class Launched:
    """What :func:`launch` did: the run id, and whether a new worker was started."""

    run_id: str
    started: bool
    state: str


def launch(task: str, overrides: Mapping[str, Any] | None = None, seed: Any = 0, *,
           store: RunStore | None = None, executor: Executor | None = None,
           retry: bool = False) -> Launched:
    """Validate, create and start a run. Raises ParamError before anything happens on bad input."""
    spec = make_spec(task, overrides, seed)
    return launch_spec(spec, store=store, executor=executor, retry=retry)


def launch_spec(spec: RunSpec, *, store: RunStore | None = None, executor: Executor | None = None,
                retry: bool = False) -> Launched:
    store = store or RunStore()
    executor = executor or default_executor()
    existing = store.get(spec.run_id)
    if isinstance(existing, RunInfo):
        if existing.state in ACTIVE or existing.state == "done":
            return Launched(spec.run_id, False, existing.state)
        if not retry:
            return Launched(spec.run_id, False, existing.state)
        store.reset(existing.path)
    elif isinstance(existing, BrokenRun):
        raise RuntimeError(f"run {spec.run_id} exists but is unreadable: {existing.reason}")
    store.create(spec, command=command_for(spec))
    executor.submit(spec.run_id, store.root)  # the worker records its own pid in status.json
    return Launched(spec.run_id, True, "queued")


def cancel(run_id: str, *, store: RunStore | None = None, executor: Executor | None = None) -> str:
    """Kill the run's process group and mark it cancelled; returns the final state."""
    store = store or RunStore()
    executor = executor or default_executor()
    info = store.get(run_id, check_alive=False)
    if info is None:
        raise KeyError(f"no run {run_id!r}")
    if isinstance(info, BrokenRun):
        raise RuntimeError(f"run {run_id} is unreadable: {info.reason}")
    if info.state not in ACTIVE:
        return info.state
    pid = info.status.get("pid")
    if pid is not None:
        executor.cancel(int(pid))
    store.update_status(info.path, state="cancelled", finished_at=time.time(), error="cancelled by the user")
    return "cancelled"


def wait(run_id: str, *, store: RunStore | None = None, timeout_s: float | None = None,
         poll_s: float = 0.2, on_poll=None) -> RunInfo | BrokenRun | None:
    """Poll until the run leaves queued/running (or ``timeout_s``); returns the last read."""
    store = store or RunStore()
    start = time.time()
    while True:
        info = store.get(run_id)
        if on_poll is not None and info is not None:
            on_poll(info)
        if not isinstance(info, RunInfo) or info.state not in ACTIVE:
            return info
        if timeout_s is not None and time.time() - start > timeout_s:
            return info
        time.sleep(poll_s)
