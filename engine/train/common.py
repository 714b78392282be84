"""Helpers shared by the training tasks: device choice, seeded generators, statistics."""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from engine.params import ParamError


class Report(Protocol):
    """``report(record=None, progress=None, message=None)``: append a metrics record and/or
    update the run's progress in [0, 1] (see engine.runs.worker)."""

    def __call__(self, record: dict[str, Any] | None = None, progress: float | None = None,
                 message: str | None = None) -> None: ...


def null_report(record: dict[str, Any] | None = None, progress: float | None = None,
                message: str | None = None) -> None:
    """A report that drops everything (for direct calls and benchmarks)."""


def collect_report() -> tuple[list[dict[str, Any]], Callable[..., None]]:
    """A report that keeps the records in a list (for tests and notebooks)."""
    records: list[dict[str, Any]] = []

    def report(record: dict[str, Any] | None = None, progress: float | None = None,
               message: str | None = None) -> None:
        if record is not None:
            records.append(record)

    return records, report


def resolve_device(device: str | None) -> str:
    """``device`` if given, else ``cuda`` when available, else ``cpu``."""
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def configure_threads() -> int:
    """Set torch's intra-op threads from ``$COLLAPSE_TORCH_THREADS`` (default 1: the tasks'
    tensors are small and the machine is shared; spinning OpenMP threads on busy cores
    is several times slower than one thread). Returns the count."""
    import os

    import torch

    try:
        n = max(1, int(os.environ.get("COLLAPSE_TORCH_THREADS", "1")))
    except ValueError:
        n = 1
    torch.set_num_threads(n)
    return n


@contextmanager
def flush_denormals():
    """Flush subnormal floats to zero inside the block (converged GD iterates otherwise
    crawl through subnormal arithmetic, 10x slower); restores the default afterwards."""
    import torch

    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def torch_generator(seed: int, *salt: int):
    """A CPU torch.Generator seeded from (seed, *salt) through numpy's SeedSequence."""
    import torch

    state = np.random.SeedSequence([int(seed), *map(int, salt)]).generate_state(2, dtype=np.uint32)
    g = torch.Generator(device="cpu")
    g.manual_seed(int(state[0]) << 32 | int(state[1]))
    return g


def mean_se(samples: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and standard error (ddof=1; NaN for a single sample)."""
    x = np.asarray(samples, float)
    if x.size <= 1:
        return float(x.mean()), math.nan
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def log_grid(lo: float, hi: float, points: int, integer: bool = True) -> list[float]:
    """``points`` log-spaced values from lo to hi (rounded and de-duplicated for integers)."""
    if points == 1 or lo == hi:
        vals = [float(hi)]
    else:
        vals = list(np.geomspace(lo, hi, points))
    if integer:
        return sorted({int(round(v)) for v in vals})
    return [float(v) for v in vals]


def check_order(params: dict[str, Any], lo: str, hi: str) -> None:
    if params[lo] > params[hi]:
        raise ParamError(f"{lo} = {params[lo]} is invalid: {lo} must be <= {hi} (= {params[hi]})")


def check_budget(name: str, cost: float, cap: float, hint: str) -> None:
    """Reject a configuration whose work estimate exceeds the task's cap."""
    if cost > cap:
        raise ParamError(f"{name}: this configuration is too large ({cost:.2g} > {cap:.2g} units); {hint}")
