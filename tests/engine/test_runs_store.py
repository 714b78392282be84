"""The run store and run specs (DESIGN.md "Runs"): ids, round trip, atomic writes,
corrupt directories, dead-run detection, one run per spec, validation before launch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.params import ParamError
from engine.runs import launch, make_spec
from engine.runs.spec import canonical_json
from engine.runs.store import BrokenRun, RunInfo, RunStore, atomic_write_json, read_jsonl


class FakeExecutor:
    """Records submissions and starts nothing."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, run_id: str, root: Path) -> int:
        self.submitted.append(run_id)
        return 0

    def cancel(self, pid: int, timeout_s: float = 5.0) -> bool:
        return True


@pytest.fixture()
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs")


def test_spec_id_is_hash_of_canonical_json() -> None:
    a = make_spec("regression_chain", {"d": 30, "lam": 0.01}, 3)
    b = make_spec("regression_chain", {"lam": "0.01", "d": "30"}, "3")
    assert a.run_id == b.run_id and len(a.run_id) == 16
    # defaults filled in: setting a parameter to its default is the same spec
    assert make_spec("regression_chain", {}, 0).run_id == make_spec("regression_chain", {"d": 20}, 0).run_id
    assert make_spec("regression_chain", {}, 1).run_id != make_spec("regression_chain", {}, 0).run_id
    text = canonical_json(a.to_dict())
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert '"seed":3' in text and '"task":"regression_chain"' in text


@pytest.mark.parametrize("task,overrides,seed,needle", [
    ("regression_chain", {"d": 0}, 0, "d"),
    ("regression_chain", {"steps": 10**9}, 0, "steps"),
    ("regression_chain", {"T_min": 900, "T_max": 100}, 0, "T_min"),
    ("regression_chain", {"bogus": 1}, 0, "bogus"),
    ("regression_chain", {}, -1, "seed"),
    ("regression_chain", {}, 1.5, "seed"),
    ("verification_classifier", {"p_err": 0.3}, 0, "p_err"),
    ("verification_classifier", {"flip": 2}, 0, "flip"),
    ("no_such_task", {}, 0, "no_such_task"),
])
def test_invalid_params_rejected_before_any_process_starts(store: RunStore, task, overrides, seed, needle) -> None:
    ex = FakeExecutor()
    with pytest.raises(ParamError, match=needle):
        launch(task, overrides, seed, store=store, executor=ex)
    assert ex.submitted == []
    assert not store.root.exists() or list(store.iter_dirs()) == []


def test_size_budget_is_enforced() -> None:
    with pytest.raises(ParamError, match="too large"):
        make_spec("regression_chain", {"model": "mlp", "width": 1024, "steps": 20000, "T_max": 5000,
                                       "T_points": 12, "seeds": 64, "n_max": 10}, 0)


def test_store_round_trip(store: RunStore) -> None:
    spec = make_spec("regression_chain", {"d": 10, "T0": 30}, 7)
    path = store.create(spec, command="python -m engine run regression_chain --set d=10 --set T0=30 --seed 7")
    assert path == store.root / "regression_chain" / spec.run_id
    w = store.metrics_writer(path)
    recs = [{"n": 0, "T": 40, "test_error_mean": 0.5}, {"n": 1, "T": 40, "test_error_mean": float("nan")}]
    for r in recs:
        w.write(r)
    w.close()
    store.update_status(path, state="done", progress=1.0, device="cpu")
    store.write_result(path, {"final": {"x": 1.25}})
    info = store.get(spec.run_id)
    assert isinstance(info, RunInfo)
    assert info.state == "done" and info.status["device"] == "cpu" and info.status["progress"] == 1.0
    assert info.spec["params"] == spec.params and info.spec["seed"] == 7
    assert info.spec["command"].startswith("python -m engine run regression_chain")
    assert info.result == {"final": {"x": 1.25}}
    assert store.metrics(path) == [recs[0], {"n": 1, "T": 40, "test_error_mean": None}]
    # plain JSON on disk, no pickle
    for name in ("spec.json", "status.json", "result.json"):
        json.loads((path / name).read_text())
    assert [p.name for p in path.iterdir() if p.name.startswith(".")] == []


def test_atomic_write_survives_a_crash_mid_write(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec("regression_chain", {}, 0)
    path = store.create(spec)
    store.update_status(path, state="running", pid=os.getpid(), progress=0.5)
    before = (path / "status.json").read_text()

    # 1) a writer that dies after writing half of the temp file: the old status stays
    real_dump = json.dump

    def half_dump(obj, fh, **kw):
        fh.write(json.dumps(obj)[:10])
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(json, "dump", half_dump)
    with pytest.raises(KeyboardInterrupt):
        store.update_status(path, progress=0.9)
    monkeypatch.setattr(json, "dump", real_dump)
    assert (path / "status.json").read_text() == before

    # 2) a process killed outright leaves its half-written temp file behind: ignored
    (path / ".tmp-status.json.abc123").write_text('{"state": "do')
    (path / ".tmp-result.json.zz").write_text('{"fin')
    info = store.get(spec.run_id)
    assert isinstance(info, RunInfo) and info.status["progress"] == 0.5 and info.result is None
    assert [i.run_id for i in store.list(check_alive=False)] == [spec.run_id]


def test_torn_last_metrics_line_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "metrics.jsonl"
    f.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "b"')
    assert read_jsonl(f) == [{"a": 1}, {"a": 2}]


def test_corrupt_run_dirs_are_listed_with_the_reason(store: RunStore) -> None:
    good = make_spec("regression_chain", {}, 0)
    store.create(good)
    bad = store.root / "regression_chain"
    (bad / "deadbeef00000001").mkdir()  # no spec.json
    (bad / "deadbeef00000002").mkdir()
    (bad / "deadbeef00000002" / "spec.json").write_text("{not json")
    (bad / "deadbeef00000003").mkdir()
    atomic_write_json(bad / "deadbeef00000003" / "spec.json", good.to_dict())  # hashes elsewhere
    other = make_spec("regression_chain", {}, 5)
    p4 = store.create(other)
    (p4 / "status.json").write_text('{"state": "exploded"}')
    p5 = bad / "deadbeef00000005"
    p5.mkdir()
    atomic_write_json(p5 / "spec.json", {"task": "regression_chain", "params": {"d": -3}, "seed": 0})
    items = {i.run_id: i for i in store.list()}
    assert isinstance(items[good.run_id], RunInfo)
    reasons = {k: v.reason for k, v in items.items() if isinstance(v, BrokenRun)}
    assert "spec.json is missing" in reasons["deadbeef00000001"]
    assert "not valid JSON" in reasons["deadbeef00000002"]
    assert "does not hash to this folder" in reasons["deadbeef00000003"]
    assert "unknown state" in reasons[other.run_id]
    assert "d = -3" in reasons["deadbeef00000005"]
    assert len(items) == 6


def test_dead_worker_is_marked_interrupted_and_keeps_metrics(store: RunStore) -> None:
    spec = make_spec("regression_chain", {}, 1)
    path = store.create(spec)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a pid that is certainly gone
    store.update_status(path, state="running", pid=proc.pid, started_at=1.0)
    w = store.metrics_writer(path)
    w.write({"n": 0, "T": 40, "test_error_mean": 0.1})
    w.close()
    info = store.get(spec.run_id)
    assert isinstance(info, RunInfo) and info.state == "failed"
    assert "interrupted" in info.status["error"]
    assert store.metrics(path) == [{"n": 0, "T": 40, "test_error_mean": 0.1}]
    # persisted, not only in memory
    assert json.loads((path / "status.json").read_text())["state"] == "failed"


def test_live_pid_that_is_not_a_worker_counts_as_dead(store: RunStore) -> None:
    spec = make_spec("regression_chain", {}, 2)
    path = store.create(spec)
    store.update_status(path, state="running", pid=os.getpid())  # pytest, not engine.runs.worker
    info = store.get(spec.run_id)
    assert isinstance(info, RunInfo) and info.state == "failed"


def test_same_spec_twice_gives_one_run(store: RunStore) -> None:
    ex = FakeExecutor()
    a = launch("regression_chain", {"d": 12}, 4, store=store, executor=ex)
    b = launch("regression_chain", {"d": "12"}, 4, store=store, executor=ex)
    assert a.started and not b.started and a.run_id == b.run_id
    assert ex.submitted == [a.run_id]
    assert [p.name for p in store.iter_dirs()] == [a.run_id]
    # a failed run is not restarted unless asked
    store.update_status(store.find(a.run_id), state="failed", error="boom")
    c = launch("regression_chain", {"d": 12}, 4, store=store, executor=ex)
    assert not c.started and c.state == "failed" and ex.submitted == [a.run_id]
    d = launch("regression_chain", {"d": 12}, 4, store=store, executor=ex, retry=True)
    assert d.started and ex.submitted == [a.run_id, a.run_id]
    assert json.loads((store.find(a.run_id) / "status.json").read_text())["state"] == "queued"


def test_read_only_store_reports_dead_runs_without_writing(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec("regression_chain", {}, 3)
    path = store.create(spec)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    store.update_status(path, state="running", pid=proc.pid)
    before = (path / "status.json").read_text()

    def refuse(*a, **k):
        raise PermissionError("read-only file system")

    monkeypatch.setattr("engine.runs.store.atomic_write_json", refuse)
    info = store.get(spec.run_id)
    assert info.state == "failed" and "interrupted" in info.status["error"]
    assert (path / "status.json").read_text() == before


def test_worker_records_progress_result_and_failure(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.runs import worker

    class FakeTask:
        @staticmethod
        def run(spec, report, device=None):
            report(record={"step": 1, "loss": 0.5}, progress=0.5, message="half way")
            if spec.seed == 1:
                raise RuntimeError("diverged")
            report(record={"step": 2, "loss": 0.25}, progress=1.0)
            return {"final": {"loss": 0.25}}

    monkeypatch.setattr(worker, "task_module", lambda task: FakeTask)
    ok = store.create(make_spec("regression_chain", {}, 0))
    assert worker.execute(store, ok) == 0
    info = store.get(ok.name)
    assert info.state == "done" and info.status["progress"] == 1.0 and info.result == {"final": {"loss": 0.25}}
    assert store.metrics(ok) == [{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.25}]
    bad = store.create(make_spec("regression_chain", {}, 1))
    log = worker.JsonLog(bad / "log.jsonl")
    assert worker.execute(store, bad, log) == 1
    log.close()
    info = store.get(bad.name, check_alive=False)
    assert info.state == "failed" and info.status["error"] == "RuntimeError: diverged" and info.result is None
    assert store.metrics(bad) == [{"step": 1, "loss": 0.5}]  # what arrived before the failure is kept
    assert "half way" in store.log_tail(bad) and "RuntimeError: diverged" in store.log_tail(bad)


def test_stamp_follows_the_run_files_of_a_task(store: RunStore) -> None:
    assert store.stamp() == 0.0
    path = store.create(make_spec("regression_chain", {}, 0))
    first = store.stamp("regression_chain")
    assert first > 0.0 and store.stamp() == first
    assert store.stamp("digits_chain") == 0.0  # another task's runs do not count
    os.utime(path / "status.json", (first + 10, first + 10))
    assert store.stamp("regression_chain") == pytest.approx(first + 10)
