"""The launcher with real worker processes: end to end, kill mid-run, cancel, the cap."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from engine.runs import LocalProcessExecutor, RunInfo, RunStore, cancel, launch, wait
from engine.runs.store import process_alive

# a linear chain of 12 fits of 20000 GD steps each (tol = 0: no early stop): seconds per fit
SLOW = {"d": 100, "T0": 200, "n_max": 0, "T_min": 200, "T_max": 5000, "T_points": 12, "steps": 20000, "tol": 0.0,
        "seeds": 2}
# the same with 5000 steps per fit: the first record comes soon, eleven fits are left after it
QUICK_FIRST = dict(SLOW, steps=5000)


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(tmp_path / "runs"))
    store = RunStore(tmp_path / "runs")
    ex = LocalProcessExecutor()
    started: list[str] = []
    yield store, ex, started
    for run_id in started:  # never leave a worker behind
        try:
            cancel(run_id, store=store, executor=ex)
        except Exception:  # noqa: BLE001
            pass


def _until(pred, timeout: float = 60.0, poll: float = 0.1):
    end = time.time() + timeout
    while time.time() < end:
        value = pred()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError("condition not met in time")


def test_short_run_end_to_end(env) -> None:
    store, ex, started = env
    res = launch("regression_chain", {"steps": 200, "seeds": 2, "T_points": 3}, 0, store=store, executor=ex)
    started.append(res.run_id)
    assert res.started
    info = wait(res.run_id, store=store, timeout_s=60)
    assert isinstance(info, RunInfo) and info.state == "done", info
    assert info.status["device"].startswith(("cpu", "cuda")) and info.status["progress"] == 1.0
    assert len(store.metrics(info.path)) == 4 * 3
    assert set(info.result["final"]) == {f"err_n{n}_T640" for n in range(4)}
    assert "started" in store.log_tail(info.path)


def test_killed_worker_keeps_metrics_and_is_marked_interrupted(env) -> None:
    store, ex, started = env
    res = launch("regression_chain", QUICK_FIRST, 0, store=store, executor=ex)
    started.append(res.run_id)
    path = store.find(res.run_id)
    _until(lambda: len(store.metrics(path)) >= 1)
    pid = store.get(res.run_id).status["pid"]
    os.kill(pid, signal.SIGKILL)
    _until(lambda: ex.reap() or not process_alive(pid), timeout=10)
    info = store.get(res.run_id)
    assert info.state == "failed" and "interrupted" in info.status["error"]
    kept = store.metrics(path)
    assert 1 <= len(kept) < 12 and kept[0]["T"] == 200 and kept[0]["test_error_mean"] > 0


def test_cancel_stops_the_process_group(env) -> None:
    store, ex, started = env
    res = launch("regression_chain", SLOW, 1, store=store, executor=ex)
    started.append(res.run_id)
    _until(lambda: store.get(res.run_id).state == "running")
    pid = store.get(res.run_id).status["pid"]
    assert os.getpgid(pid) == pid  # the worker leads its own group
    assert cancel(res.run_id, store=store, executor=ex) == "cancelled"
    assert not process_alive(pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # nothing is left in the group
    info = store.get(res.run_id)
    assert info.state == "cancelled"


def test_concurrency_cap_queues_the_second_run(env, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ex, started = env
    monkeypatch.setenv("COLLAPSE_MAX_RUNS", "1")
    a = launch("regression_chain", SLOW, 2, store=store, executor=ex)
    started.append(a.run_id)
    _until(lambda: store.get(a.run_id).state == "running")
    b = launch("regression_chain", SLOW, 3, store=store, executor=ex)
    started.append(b.run_id)
    _until(lambda: store.get(b.run_id).status.get("pid"))  # the worker of b is up ...
    time.sleep(1.5)
    assert store.get(b.run_id).state == "queued"  # ... and waits for the slot
    cancel(a.run_id, store=store, executor=ex)
    _until(lambda: store.get(b.run_id).state == "running", timeout=30)
    assert cancel(b.run_id, store=store, executor=ex) == "cancelled"
