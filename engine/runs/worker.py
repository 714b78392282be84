"""The worker process: ``python -m engine.runs.worker RUN_ID`` (DESIGN.md "Runs").

Runs one task in its own process (its own session / process group, so cancelling kills
the whole group). It waits for a free slot (at most ``$COLLAPSE_MAX_RUNS`` runs at once,
enforced with ``fcntl`` locks on ``<tmp>/collapse-run-slots-<hash of root>/<i>.lock``,
released by the kernel when the process dies), then calls ``engine.train.<task>.run(spec, report)``. Every ``report``
call appends one record to ``metrics.jsonl`` (flushed) and updates the progress in
``status.json``. The return value of ``run`` becomes ``result.json``. Errors are written to
``status.json`` (state failed, error text) and to ``log.jsonl`` (one {"t", "msg"} per line).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable

from engine.runs.spec import RunSpec, task_module
from engine.runs.store import RunStore, read_json

ENV_MAX = "COLLAPSE_MAX_RUNS"
DEFAULT_MAX_RUNS = 2

Report = Callable[..., None]


def max_runs() -> int:
    """The cap on concurrently running runs (``$COLLAPSE_MAX_RUNS``, default 2, at least 1)."""
    try:
        return max(1, int(os.environ.get(ENV_MAX, DEFAULT_MAX_RUNS)))
    except ValueError:
        return DEFAULT_MAX_RUNS


def acquire_slot(root: Path, poll_s: float = 0.5, on_wait: Callable[[], None] | None = None) -> IO[bytes]:
    """Block until one of the ``max_runs()`` slot locks is free; return its open file (keep it open)."""
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:12]
    slots = Path(tempfile.gettempdir()) / f"collapse-run-slots-{key}"
    slots.mkdir(parents=True, exist_ok=True)
    while True:
        for i in range(max_runs()):
            fh = open(slots / f"{i}.lock", "ab")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            return fh
        if on_wait is not None:
            on_wait()
        time.sleep(poll_s)


def pick_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({torch.get_num_threads()} threads)"


class JsonLog:
    """Appends {"t": time, "msg": text} lines to log.jsonl, flushed per line."""

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "a", encoding="utf-8")

    def write(self, msg: str) -> None:
        self._fh.write(json.dumps({"t": time.time(), "msg": msg.rstrip("\n")}) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def execute(store: RunStore, path: Path, log: JsonLog | None = None) -> int:
    """Run the task of the run at ``path`` to completion; returns a process exit code."""
    spec_data = read_json(path / "spec.json")
    spec = RunSpec.from_dict(spec_data)
    store.update_status(path, state="queued", pid=os.getpid(), progress=0.0)
    slot = acquire_slot(store.root)
    try:
        from engine.train.common import configure_threads

        configure_threads()
        device = pick_device()
        store.update_status(path, state="running", pid=os.getpid(), device=device_name(device),
                            started_at=time.time(), finished_at=None, error=None, progress=0.0)
        writer = store.metrics_writer(path)
        last = [0.0]

        def report(record: dict[str, Any] | None = None, progress: float | None = None,
                   message: str | None = None) -> None:
            """Append ``record`` to metrics.jsonl; update progress (throttled to 4 writes/s)."""
            if record is not None:
                writer.write(record)
            if message and log is not None:
                log.write(message)
            now = time.time()
            if progress is not None and (now - last[0] > 0.25 or progress >= 1.0):
                last[0] = now
                store.update_status(path, progress=float(min(max(progress, 0.0), 1.0)),
                                    message=message)

        try:
            result = task_module(spec.task).run(spec, report, device=device)
        except Exception as exc:  # noqa: BLE001 - recorded in status.json
            tb = traceback.format_exc()
            if log is not None:
                log.write(tb)
            store.update_status(path, state="failed", error=f"{type(exc).__name__}: {exc}",
                                finished_at=time.time())
            return 1
        finally:
            writer.close()
        store.write_result(path, result or {})
        store.update_status(path, state="done", progress=1.0, finished_at=time.time(), message="done")
        return 0
    finally:
        slot.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m engine.runs.worker RUN_ID", file=sys.stderr)
        return 2
    store = RunStore()
    path = store.find(argv[0])
    if path is None:
        print(f"error: no run {argv[0]!r} under {store.root}", file=sys.stderr)
        return 2
    log = JsonLog(path / "log.jsonl")
    try:
        log.write(f"worker pid {os.getpid()} started")
        return execute(store, path, log)
    finally:
        log.close()


if __name__ == "__main__":
    sys.exit(main())
