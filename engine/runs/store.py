"""The run store: ``<root>/<task>/<id>/`` with plain JSON/JSONL files (DESIGN.md "Runs").

Files of one run:
- ``spec.json``    the spec (task, params, seed) plus the command that made it;
- ``status.json``  state (queued/running/done/failed/cancelled), pid, device, progress, error;
- ``metrics.jsonl`` one JSON record per line, appended and flushed per record;
- ``result.json``  the final summary written by the task.

Whole-file writes are atomic: a temp file in the same folder, flushed and fsynced, then
``os.replace``. Readers never look at temp files, so a crash mid-write leaves the previous
version. A partial last line of ``metrics.jsonl`` (a crash mid-append) is skipped.
No pickle anywhere.

The root is ``$COLLAPSE_RUNS_DIR`` if set, else ``cached_runs/`` at the repository root.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from engine.params import ParamError
from engine.runs.spec import TASKS, RunSpec

ENV_ROOT = "COLLAPSE_RUNS_DIR"
STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")
TMP_PREFIX = ".tmp-"


def default_root() -> Path:
    """``$COLLAPSE_RUNS_DIR`` or ``<repo>/cached_runs``."""
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "cached_runs"


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (temp file + fsync + os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """All complete records of a JSONL file; a torn (partial) last line is skipped."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return []
    out: list[dict[str, Any]] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:  # torn last line: the writer died mid-append
                break
            raise
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _json_safe(value: Any) -> Any:
    """NaN/inf -> None; numpy scalars -> Python (metrics must be strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


@dataclass
class RunInfo:
    """One readable run directory."""

    run_id: str
    task: str
    path: Path
    spec: dict[str, Any]
    status: dict[str, Any]
    result: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        return str(self.status.get("state", "queued"))

    @property
    def duration_s(self) -> float | None:
        start, end = self.status.get("started_at"), self.status.get("finished_at")
        if start is None:
            return None
        return float((end if end is not None else time.time()) - start)


@dataclass
class BrokenRun:
    """A run directory that cannot be read, with the reason (shown, never raised)."""

    path: Path
    reason: str
    task: str = ""
    run_id: str = ""
    state: str = field(default="corrupt")


class RunStore:
    """The run store rooted at ``root`` (see module docstring)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    # ------------------------------------------------------------ paths
    def run_dir(self, task: str, run_id: str) -> Path:
        return self.root / task / run_id

    def find(self, run_id: str) -> Path | None:
        """The directory of ``run_id`` (any task), or None."""
        if not run_id or "/" in run_id or run_id.startswith("."):
            return None
        for task in TASKS:
            p = self.root / task / run_id
            if p.is_dir():
                return p
        return None

    # ------------------------------------------------------------ writes
    def create(self, spec: RunSpec, command: str = "") -> Path:
        """Make the run directory with spec.json and a queued status (idempotent)."""
        d = self.run_dir(spec.task, spec.run_id)
        d.mkdir(parents=True, exist_ok=True)
        data = spec.to_dict()
        data["id"] = spec.run_id
        data["command"] = command
        data["created_at"] = time.time()
        if not (d / "spec.json").exists():
            atomic_write_json(d / "spec.json", data)
        if not (d / "status.json").exists():
            self.write_status(d, {"state": "queued", "progress": 0.0, "created_at": time.time()})
        return d

    def reset(self, path: Path) -> None:
        """Forget a finished run's outputs (used to relaunch a failed/cancelled run)."""
        for name in ("metrics.jsonl", "result.json", "log.jsonl"):
            try:
                (path / name).unlink()
            except FileNotFoundError:
                pass
        self.write_status(path, {"state": "queued", "progress": 0.0, "created_at": time.time()})

    def write_status(self, path: Path, status: dict[str, Any]) -> None:
        atomic_write_json(Path(path) / "status.json", _json_safe(status))

    def update_status(self, path: Path, **changes: Any) -> dict[str, Any]:
        """Read-modify-write status.json (atomic replace)."""
        try:
            status = read_json(Path(path) / "status.json")
            if not isinstance(status, dict):
                status = {}
        except (OSError, json.JSONDecodeError):
            status = {}
        status.update(changes)
        status["updated_at"] = time.time()
        self.write_status(path, status)
        return status

    def write_result(self, path: Path, result: dict[str, Any]) -> None:
        atomic_write_json(Path(path) / "result.json", _json_safe(result))

    @staticmethod
    def metrics_writer(path: Path) -> "MetricsWriter":
        return MetricsWriter(Path(path) / "metrics.jsonl")

    # ------------------------------------------------------------ reads
    def read(self, path: Path) -> RunInfo | BrokenRun:
        """Read one run directory; any problem gives a BrokenRun with the reason."""
        path = Path(path)
        task, run_id = path.parent.name, path.name
        try:
            spec = read_json(path / "spec.json")
        except FileNotFoundError:
            return BrokenRun(path, "spec.json is missing", task, run_id)
        except (OSError, UnicodeDecodeError) as exc:
            return BrokenRun(path, f"spec.json is unreadable: {exc}", task, run_id)
        except json.JSONDecodeError as exc:
            return BrokenRun(path, f"spec.json is not valid JSON: {exc}", task, run_id)
        try:
            RunSpec.from_dict(spec)  # the stored values must still be valid
            stored = RunSpec(task=str(spec["task"]), params=dict(spec.get("params") or {}),
                             seed=int(spec.get("seed", 0)))
            stored_id = stored.run_id  # the id hashes the spec as stored (a later default does not move it)
        except ParamError as exc:
            return BrokenRun(path, f"spec.json is invalid: {exc}", task, run_id)
        except Exception as exc:  # noqa: BLE001 - a broken file must never break a listing
            return BrokenRun(path, f"spec.json is invalid: {type(exc).__name__}: {exc}", task, run_id)
        if stored.task != task or stored_id != run_id:
            return BrokenRun(path, f"spec.json does not hash to this folder (expected {stored.task}/{stored_id})",
                             task, run_id)
        try:
            status = read_json(path / "status.json")
            if not isinstance(status, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return BrokenRun(path, "status.json is missing", task, run_id)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            return BrokenRun(path, f"status.json is unreadable: {exc}", task, run_id)
        if status.get("state") not in STATES:
            return BrokenRun(path, f"status.json has an unknown state {status.get('state')!r}", task, run_id)
        result = None
        if (path / "result.json").exists():
            try:
                result = read_json(path / "result.json")
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                return BrokenRun(path, f"result.json is unreadable: {exc}", task, run_id)
        return RunInfo(run_id=run_id, task=task, path=path, spec=spec, status=status, result=result)

    def iter_dirs(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for task_dir in sorted(self.root.iterdir()):
            if not task_dir.is_dir() or task_dir.name.startswith("."):
                continue
            for run_dir in sorted(task_dir.iterdir()):
                if run_dir.is_dir() and not run_dir.name.startswith("."):
                    yield run_dir

    def list(self, check_alive: bool = True) -> list[RunInfo | BrokenRun]:
        """Every run directory, readable or not; dead active runs are marked interrupted."""
        out: list[RunInfo | BrokenRun] = []
        for d in self.iter_dirs():
            item = self.read(d)
            if check_alive and isinstance(item, RunInfo):
                item = self.check_alive(item)
            out.append(item)
        return out

    def get(self, run_id: str, check_alive: bool = True) -> RunInfo | BrokenRun | None:
        d = self.find(run_id)
        if d is None:
            return None
        item = self.read(d)
        if check_alive and isinstance(item, RunInfo):
            item = self.check_alive(item)
        return item

    def stamp(self, task: str | None = None) -> float:
        """Latest modification time of the run files (status, metrics, result) of every run,
        or of ``task``'s runs: a cache key that changes when a run is added, progresses or ends."""
        base = self.root if task is None else self.root / task
        latest = 0.0
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                if f in ("status.json", "metrics.jsonl", "result.json"):
                    try:
                        latest = max(latest, os.stat(os.path.join(dirpath, f)).st_mtime)
                    except OSError:
                        pass
        return latest

    def metrics(self, path: Path) -> list[dict[str, Any]]:
        try:
            return read_jsonl(Path(path) / "metrics.jsonl")
        except (OSError, ValueError):
            return []

    def log_tail(self, path: Path, lines: int = 20) -> str:
        """The last ``lines`` messages of log.jsonl as text."""
        try:
            recs = read_jsonl(Path(path) / "log.jsonl")
        except (OSError, ValueError):
            return ""
        return "\n".join(str(r.get("msg", "")) for r in recs[-lines:])

    # ------------------------------------------------------------ liveness
    def check_alive(self, info: RunInfo) -> RunInfo:
        """An active run whose worker process is gone is marked failed ("interrupted")."""
        if info.state not in ACTIVE:
            return info
        pid = info.status.get("pid")
        if pid is None:
            # queued and never picked up: interrupted only if the launcher gave up long ago
            created = info.status.get("created_at") or 0
            if time.time() - float(created) < 60:
                return info
        elif process_alive(int(pid)) and _is_worker(int(pid)):
            return info
        changes = {"state": "failed", "error": "interrupted: the worker process died", "finished_at": time.time()}
        try:
            info.status = self.update_status(info.path, **changes)
        except OSError:  # a read-only store (public demo): report it, change nothing on disk
            info.status = {**info.status, **changes}
        return info


def process_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie (Linux: /proc/<pid>/stat; else os.kill(pid, 0))."""
    if pid <= 0:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc").is_dir():
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        state = text.rsplit(")", 1)[-1].split()[0] if ")" in text else "?"
        return state not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_worker(pid: int) -> bool:
    """False when /proc shows that ``pid`` was reused by a process that is not a run worker."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc, or no permission: trust the pid
    return b"engine.runs.worker" in cmd


class MetricsWriter:
    """Appends one JSON line per record and flushes it (os.fsync optional, off by default)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(_json_safe(record), sort_keys=True, allow_nan=False) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
