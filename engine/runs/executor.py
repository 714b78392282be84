"""Executors: how a run's worker is started and stopped (DESIGN.md "Runs").

The launcher talks only to the small :class:`Executor` interface, so a cluster backend
can be added later without touching the pages or the tasks. :class:`LocalProcessExecutor`
starts ``python -m engine.runs.worker RUN_ID`` as a separate process in a new session
(its own process group) and cancels by killing that group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Protocol

from engine.runs.store import process_alive

REPO_ROOT = Path(__file__).resolve().parents[2]


class Executor(Protocol):
    """Starts and stops run workers."""

    def submit(self, run_id: str, root: Path) -> int:
        """Start the worker for ``run_id`` with the store at ``root``; return its pid."""
        ...

    def cancel(self, pid: int, timeout_s: float = 5.0) -> bool:
        """Stop the worker ``pid`` and everything it started; True when it is gone."""
        ...


class LocalProcessExecutor:
    """Workers as local processes, each the leader of its own process group."""

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable
        self._procs: dict[int, subprocess.Popen[bytes]] = {}

    def submit(self, run_id: str, root: Path) -> int:
        env = dict(os.environ)
        env["COLLAPSE_RUNS_DIR"] = str(Path(root).resolve())
        env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        proc = subprocess.Popen(
            [self.python, "-m", "engine.runs.worker", run_id],
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._procs[proc.pid] = proc
        self.reap()
        return proc.pid

    def reap(self) -> None:
        """Collect exit codes of finished children so they do not linger as zombies."""
        for pid, proc in list(self._procs.items()):
            if proc.poll() is not None:
                del self._procs[pid]

    def cancel(self, pid: int, timeout_s: float = 5.0) -> bool:
        """SIGTERM the worker's process group, then SIGKILL after ``timeout_s``."""
        if not _is_group_leader(pid):
            return not process_alive(pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            if self._wait_gone(pid, timeout_s):
                break
        self.reap()
        return not process_alive(pid)

    def _wait_gone(self, pid: int, timeout_s: float) -> bool:
        """Wait until ``pid`` has fully exited: reaped when it is our child, else gone from
        /proc or a zombie whose last thread has exited (a zombie group leader with live
        threads still holds its process group)."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            self.reap()
            if pid in self._procs:
                pass  # our child: done only once reaped
            elif _fully_exited(pid):
                return True
            time.sleep(0.05)
        return False


def _fully_exited(pid: int) -> bool:
    """True when ``pid`` is gone, or a zombie with no thread left (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return True
    # fields[0] is the state (stat field 3), fields[17] the thread count (stat field 20)
    return fields[0] in ("Z", "X") and int(fields[17]) <= 1


def _is_group_leader(pid: int) -> bool:
    """True when ``pid`` is alive and leads its own process group (as our workers do)."""
    try:
        return os.getpgid(pid) == pid
    except (ProcessLookupError, PermissionError):
        return False
