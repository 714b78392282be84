"""Tables of runs for the Runs page, the CLI and the theory-page overlays (no Streamlit).

- :func:`summary_frame`: one row per run (readable or not): task, state, the parameters
  that differ between the listed runs of a task, device, duration, final metrics.
- :func:`metrics_frame`: a run's metrics.jsonl as a DataFrame.
- :func:`plot_spec` / :func:`theory_for`: how a task's metrics are drawn, and the matching
  theory curve (from the task module's ``PLOT`` and ``theory_frame``).
- :func:`overlay_points`: cached-run points for a theory page, filtered by parameters.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import pandas as pd

from engine.runs.spec import TASKS, task_module
from engine.runs.store import BrokenRun, RunInfo, RunStore


def plot_spec(task: str) -> dict[str, Any]:
    """The task's ``PLOT`` mapping (x, y, se, group, theory_y, labels, log axes)."""
    return dict(getattr(task_module(task), "PLOT", {}))


def theory_model(task: str) -> str | None:
    """The theory page (model name) a task maps to, or None."""
    return getattr(task_module(task), "THEORY_MODEL", None)


def differing_params(infos: Iterable[RunInfo]) -> list[str]:
    """Parameter keys (and ``seed``) whose values differ between the given runs."""
    infos = list(infos)
    if len(infos) < 2:
        return []
    keys: set[str] = set()
    for i in infos:
        keys |= set(i.spec.get("params", {}))
    out = [k for k in sorted(keys) if len({repr(i.spec.get("params", {}).get(k)) for i in infos}) > 1]
    if len({i.spec.get("seed") for i in infos}) > 1:
        out.append("seed")
    return out


def _final(info: RunInfo) -> dict[str, Any]:
    final = (info.result or {}).get("final") or {}
    return {k: v for k, v in final.items() if isinstance(v, (int, float)) or v is None}


def summary_frame(items: Iterable[RunInfo | BrokenRun]) -> pd.DataFrame:
    """One row per run: id, task, state, differing params (as text), device, duration, final metrics."""
    items = list(items)
    by_task: dict[str, list[RunInfo]] = {}
    for it in items:
        if isinstance(it, RunInfo):
            by_task.setdefault(it.task, []).append(it)
    diff = {t: differing_params(v) for t, v in by_task.items()}
    rows = []
    for it in items:
        if isinstance(it, BrokenRun):
            rows.append({"id": it.run_id, "task": it.task, "state": "corrupt", "params": "", "device": "",
                         "duration_s": math.nan, "progress": math.nan, "final": "", "error": it.reason})
            continue
        params = it.spec.get("params", {})
        keys = diff.get(it.task, [])
        ptxt = ", ".join(f"{k}={it.spec.get('seed') if k == 'seed' else params.get(k)}" for k in keys)
        final = _final(it)
        ftxt = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in final.items())
        dur = it.duration_s
        rows.append({"id": it.run_id, "task": it.task, "state": it.state, "params": ptxt,
                     "device": it.status.get("device") or "", "duration_s": math.nan if dur is None else dur,
                     "progress": float(it.status.get("progress") or 0.0), "final": ftxt,
                     "error": it.status.get("error") or ""})
    return pd.DataFrame(rows, columns=["id", "task", "state", "params", "device", "duration_s", "progress",
                                       "final", "error"])


def metrics_frame(store: RunStore, info: RunInfo) -> pd.DataFrame:
    """The run's metrics records as a DataFrame (list-valued fields dropped)."""
    recs = store.metrics(info.path)
    rows = [{k: v for k, v in r.items() if not isinstance(v, (list, dict))} for r in recs]
    return pd.DataFrame(rows)


def theory_for(info: RunInfo) -> pd.DataFrame | None:
    """The matching theory curve for a run (task module's ``theory_frame``), or None."""
    mod = task_module(info.task)
    fn = getattr(mod, "theory_frame", None)
    if fn is None:
        return None
    params = info.spec.get("params", {})
    try:
        if info.task == "verification_classifier":
            gen = (info.result or {}).get("generator_acc_mean")
            return fn(params, generator_acc=gen)
        return fn(params)
    except Exception:  # noqa: BLE001 - a theory that cannot be drawn is left out, never breaks a page
        return None


def overlay_points(model: str, filters: Mapping[str, Any] | None = None, *, task: str | None = None,
                   store: RunStore | None = None) -> pd.DataFrame:
    """Cached-run points for the theory page ``model``.

    Every finished run of a task mapped to ``model`` (or only of ``task``) that has every
    key of ``filters`` with an equal value (floats compared with a relative tolerance of
    1e-9; a run without one of the keys does not match) contributes its metrics.
    Columns: task, run_id, seed, group (the value of the task's group key, e.g. n or
    verifier, as text), group_key, x_key, x, mean, se, then the run's parameters.
    """
    store = store or RunStore()
    filters = dict(filters or {})
    frames = []
    for it in store.list():
        if not isinstance(it, RunInfo) or it.state != "done" or it.task not in TASKS:
            continue
        if theory_model(it.task) != model or (task is not None and it.task != task):
            continue
        params = it.spec.get("params", {})
        if not all(k in params and _match(params[k], v) for k, v in filters.items()):
            continue
        ps = plot_spec(it.task)
        m = metrics_frame(store, it)
        if m.empty or ps.get("x") not in m:
            continue
        df = pd.DataFrame({
            "task": it.task, "run_id": it.run_id, "seed": it.spec.get("seed"),
            "group": m[ps["group"]].astype(str) if ps.get("group") in m else "",
            "group_key": ps.get("group", ""), "x_key": ps["x"], "x": m[ps["x"]].astype(float),
            "mean": m[ps["y"]].astype(float), "se": m[ps["se"]].astype(float),
        })
        for k, v in params.items():
            df[k] = v
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["task", "run_id", "seed", "group", "group_key", "x_key", "x", "mean", "se"])
    return pd.concat(frames, ignore_index=True)


def _match(have: Any, want: Any) -> bool:
    if isinstance(have, (int, float)) and isinstance(want, (int, float)) and not isinstance(have, bool):
        return math.isclose(float(have), float(want), rel_tol=1e-9, abs_tol=1e-12)
    return str(have) == str(want)
