"""AppTests of the Runs page (app_pages/runs.py) and the overlay helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine.runs import RunStore
from engine.runs.store import RunInfo
from ui.figures_runs import metrics_figure
from ui.runs_overlay import add_cached_points, cached_points

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "runs.py")
SHIPPED = ROOT / "cached_runs"


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


@pytest.fixture()
def copy_of_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "runs"
    shutil.copytree(SHIPPED, root)
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(root))
    return root


def test_renders_with_the_shipped_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLLAPSE_RUNS_DIR", raising=False)
    monkeypatch.delenv("COLLAPSE_READ_ONLY", raising=False)
    shipped = [i for i in RunStore(SHIPPED).list(check_alive=False)]
    assert shipped and all(isinstance(i, RunInfo) and i.state == "done" for i in shipped)
    at = _page()
    assert not at.exception
    assert len(at.dataframe) >= 1 and len(at.dataframe[0].value) == len(shipped)
    assert at.selectbox(key="plot_task").value == "regression_chain"
    assert at.multiselect(key="plot_runs").value  # done runs preselected and plotted
    assert "Launch a run" in _texts(at)
    # every task present can be plotted without an exception
    for task in at.selectbox(key="plot_task").options:
        at.selectbox(key="plot_task").set_value(task).run()
        assert not at.exception


def test_read_only_mode_hides_launch_and_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLLAPSE_RUNS_DIR", raising=False)
    monkeypatch.setenv("COLLAPSE_READ_ONLY", "1")
    at = _page()
    assert not at.exception
    assert "Launch a run" not in _texts(at)
    assert [b for b in at.button if b.label in ("Launch", "Cancel this run")] == []
    assert "Read-only mode" in _texts(at)
    assert len(at.dataframe) >= 1  # everything else still works


def test_corrupt_run_is_listed_and_does_not_break_the_page(copy_of_shipped: Path) -> None:
    bad = copy_of_shipped / "regression_chain" / "00000000deadbeef"
    bad.mkdir()
    (bad / "spec.json").write_text("{truncated")
    at = _page()
    assert not at.exception
    assert "00000000deadbeef" in _texts(at) and "not valid JSON" in _texts(at)
    states = list(at.dataframe[0].value["state"])
    assert "corrupt" in states


def test_launch_form_starts_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("COLLAPSE_READ_ONLY", raising=False)
    at = _page()
    assert not at.exception
    at.selectbox(key="launch_task").set_value("regression_chain").run()
    at.number_input(key="launch-regression_chain-steps").set_value(50)
    at.number_input(key="launch-regression_chain-seeds").set_value(1)
    at.number_input(key="launch-regression_chain-T_points").set_value(1)
    at.button[[b.label for b in at.button].index("Launch")].click().run()
    assert not at.exception
    assert any("Started run" in s.value for s in at.success)
    from engine.runs import wait

    (run_dir,) = list(RunStore(tmp_path / "runs").iter_dirs())
    info = wait(run_dir.name, store=RunStore(tmp_path / "runs"), timeout_s=90)
    assert info.state == "done" and info.spec["params"]["steps"] == 50


def test_overlay_points_for_the_regression_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLLAPSE_RUNS_DIR", raising=False)
    pts = cached_points("regression", {"d": 20, "T0": 60, "model": "linear"})
    assert not pts.empty and set(pts["task"]) == {"regression_chain"}
    assert set(pts["x_key"]) == {"T"} and (pts["model"] == "linear").all()
    assert cached_points("regression", {"d": 999}).empty
    fig = go.Figure()
    add_cached_points(fig, pts, x_key="T")
    groups = pts.groupby(["run_id", "group"]).ngroups
    assert len(fig.data) == groups and fig.data[0].marker.symbol == "diamond-open"
    # the shipped Figure 1a run (d = 300, T0 = 600, λ = 1e-3, σ = 0.1, σ0 = 0.2) matches the Regression page defaults
    fig1a = cached_points("regression", {"d": 300, "T0": 600, "lam": 1e-3, "sigma": 0.1, "sigma0": 0.2,
                                         "spectrum": "isotropic", "w0_norm": 1.0, "model": "linear"})
    assert sorted(set(fig1a["group"])) == ["0", "1", "2", "3"] and fig1a["x"].max() == 5000
    # strict keys: a filter key the task does not have matches no run
    assert cached_points("regression", {"kernel": "rbf"}, task="regression_chain").empty
    assert set(cached_points("regression", {"kernel": "rbf"})["task"]) == {"digits_chain"}
    ver = cached_points("verification", {"snr": 1.5})
    assert set(ver["group"]) == {"none", "oracle", "noisy_oracle", "random", "linear"}


def test_metrics_figure_draws_points_and_theory() -> None:
    import pandas as pd

    runs = {"a": pd.DataFrame({"T": [10, 20, 10, 20], "n": [0, 0, 1, 1], "m": [1.0, 0.5, 2.0, 1.5],
                               "s": [0.1, 0.1, 0.2, 0.2]})}
    theory = {"a": pd.DataFrame({"T": [10, 15, 20, 10, 15, 20], "n": [0, 0, 0, 1, 1, 1],
                                 "total": [1, 0.7, 0.5, 2, 1.7, 1.5]})}
    plot = {"x": "T", "y": "m", "se": "s", "group": "n", "theory_y": "total", "logx": True}
    fig = metrics_figure(runs, plot, theory)
    names = [t.name for t in fig.data]
    assert names == ["theory n=0", "theory n=1", "n=0", "n=1"]
    assert list(fig.data[2].y) == [1.0, 0.5] and list(fig.data[3].error_y.array) == [0.2, 0.2]
    assert fig.data[0].line.dash == "dash"


def test_follow_and_cancel_a_live_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.runs import LocalProcessExecutor, cancel, launch
    from engine.runs.store import process_alive

    root = tmp_path / "runs"
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(root))
    monkeypatch.delenv("COLLAPSE_READ_ONLY", raising=False)
    store = RunStore(root)
    slow = {"d": 100, "T0": 200, "n_max": 0, "T_min": 200, "T_max": 5000, "T_points": 12, "steps": 20000,
            "tol": 0.0, "seeds": 2}
    res = launch("regression_chain", slow, 0, store=store, executor=LocalProcessExecutor())
    try:
        import time

        end = time.time() + 60
        while store.get(res.run_id).state != "running" and time.time() < end:
            time.sleep(0.1)
        pid = store.get(res.run_id).status["pid"]
        at = _page()
        assert not at.exception
        assert res.run_id in at.selectbox(key="follow_run").value  # the live run is picked first
        assert at.button(key="cancel").label == "Cancel this run"
        at.button(key="cancel").click().run()
        assert not at.exception
        assert store.get(res.run_id).state == "cancelled"
        end = time.time() + 10
        while process_alive(pid) and time.time() < end:
            time.sleep(0.05)
        assert not process_alive(pid)
    finally:
        cancel(res.run_id, store=store)


def test_launch_form_rejects_invalid_combination(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("COLLAPSE_READ_ONLY", raising=False)
    at = _page()
    at.selectbox(key="launch_task").set_value("regression_chain").run()
    at.number_input(key="launch-regression_chain-T_min").set_value(1000)  # > T_max = 640
    at.button[[b.label for b in at.button].index("Launch")].click().run()
    assert not at.exception
    assert any("T_min" in e.value and "T_max" in e.value for e in at.error)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("spec.json"))
