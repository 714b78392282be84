"""Runs: specs, the store, the launcher and the worker (DESIGN.md "Runs").

Public API: :func:`make_spec`, :class:`RunSpec`, :class:`RunStore`, :func:`launch`,
:func:`cancel`, :func:`wait`, :class:`LocalProcessExecutor`.
"""

from engine.runs.executor import Executor, LocalProcessExecutor
from engine.runs.launcher import Launched, cancel, launch, launch_spec, wait
from engine.runs.spec import TASKS, RunSpec, make_spec, parse_sets, task_model
from engine.runs.store import BrokenRun, RunInfo, RunStore

__all__ = ["Executor", "LocalProcessExecutor", "Launched", "cancel", "launch", "launch_spec", "wait",
           "TASKS", "RunSpec", "make_spec", "parse_sets", "task_model", "BrokenRun", "RunInfo", "RunStore"]
