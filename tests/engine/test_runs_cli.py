"""python -m engine run TASK ... and python -m engine runs list|show|cancel (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def cli(tmp_path: Path):
    env = dict(os.environ, COLLAPSE_RUNS_DIR=str(tmp_path / "runs"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=240)

    return run, tmp_path / "runs"


def test_run_list_show_and_rerun(cli) -> None:
    run, root = cli
    args = ("run", "regression_chain", "--set", "steps=200", "--set", "T_points=2", "--set", "n_max=1",
            "--set", "seeds=2", "--seed", "5")
    res = run(*args)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["state"] == "done" and out["task"] == "regression_chain"
    path = Path(out["path"])
    assert path.parent.parent == root
    spec = json.loads((path / "spec.json").read_text())
    assert spec["seed"] == 5 and spec["params"]["steps"] == 200
    assert spec["command"].startswith("python -m engine run regression_chain") and "--seed 5" in spec["command"]
    lines = (path / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2 * 2 and all(json.loads(x)["test_error_mean"] > 0 for x in lines)
    assert "%" in res.stderr  # progress was printed

    again = run(*args)  # same spec: the existing run, no new work
    assert again.returncode == 0 and "exists: done" in again.stderr
    assert json.loads(again.stdout)["id"] == out["id"]

    listed = json.loads(run("runs", "list", "--json").stdout)
    assert [(r["id"], r["state"]) for r in listed] == [(out["id"], "done")]
    shown = json.loads(run("runs", "show", out["id"], "--json").stdout)
    assert shown["metrics"] == 4 and shown["spec"]["params"]["n_max"] == 1
    res = run("runs", "cancel", out["id"])  # nothing to cancel: reports the state
    assert res.returncode == 0 and res.stdout.strip() == f"{out['id']} done"


@pytest.mark.parametrize("args,needle", [
    (("run", "regression_chain", "--set", "d=0"), "d = '0' is invalid"),
    (("run", "regression_chain", "--set", "nokey=1"), "unknown parameter 'nokey'"),
    (("run", "regression_chain", "--set", "d"), "KEY=VALUE"),
    (("run", "regression_chain", "--seed", "x"), "seed"),
    (("run", "no_such_task"), "unknown task"),
    (("runs", "show", "0123456789abcdef"), "no run"),
    (("runs", "cancel", "0123456789abcdef"), "no run"),
])
def test_bad_input_exits_2_with_one_line(cli, args, needle) -> None:
    run, root = cli
    res = run(*args)
    assert res.returncode == 2
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not root.exists() or not any(root.rglob("spec.json"))
