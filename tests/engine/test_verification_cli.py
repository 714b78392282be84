"""Command line of the verification model (spec, Interfaces (b)), run as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = {"d", "snr", "p_err", "N", "verifier", "keep_correct", "keep_wrong", "flip", "keep_rate", "theta", "tau"}
CURVE_COLS = ["acc", "acc_inf", "bayes", "p_star", "keep_frac", "purity", "n_eff", "acc_inf_feature"]
SIM_COLS = [f"{c}_{s}" for c in ("acc", "keep_frac", "purity", "p_star", "n_eff") for s in ("mean", "se")]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_curve_sweep_json_envelope():
    out = run("curve", "verification", "--set", "verifier=custom", "--set", "keep_wrong=0.2",
              "--sweep", "N=1000,10000,inf", "--json")
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    assert env["model"] == "verification"
    assert set(env["params"]) == CANONICAL
    assert env["params"]["N"] == [1000.0, 10000.0, "inf"]
    assert env["params"]["verifier"] == "custom" and env["params"]["d"] == 100
    rows = env["rows"]
    assert [list(r) for r in rows] == [["N", *CURVE_COLS]] * 3
    assert [round(r["acc"], 4) for r in rows] == [0.8208, 0.8391, 0.8413]  # §3.2 rows 3-4, and acc_inf
    assert rows[2]["N"] == "inf" and rows[2]["n_eff"] is None  # N = ∞ gives null n_eff
    assert all(r["acc_inf_feature"] is None for r in rows)


def test_curve_single_row_has_no_sweep_column_and_nulls():
    out = run("curve", "verification", "--set", "verifier=custom", "--set", "keep_correct=0",
              "--set", "keep_wrong=0", "--json")
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    (row,) = env["rows"]
    assert list(row) == CURVE_COLS
    assert row["p_star"] is None and row["acc"] is None and row["purity"] is None and row["n_eff"] == 0


def test_curve_linear_verifier_reports_feature_limit():
    out = run("curve", "verification", "--set", "verifier=linear", "--set", "theta=30", "--set", "N=inf", "--json")
    env = json.loads(out.stdout)
    row = env["rows"][0]
    assert round(row["p_star"], 4) == round(0.8067618, 4)  # Φ(cos 30°)
    assert 0.5 < row["acc_inf_feature"] < row["bayes"]
    assert env["params"]["N"] == "inf"


def test_simulate_json_envelope_with_learner():
    out = run("simulate", "verification", "--set", "d=10", "--set", "N=2000", "--sweep", "p_err=0.2,0.7",
              "--seeds", "4", "--seed", "3", "--learner", "logistic", "--json")
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    assert env["model"] == "verification" and set(env["params"]) == CANONICAL
    assert [list(r) for r in env["rows"]] == [["p_err", *SIM_COLS]] * 2
    first, second = env["rows"]
    assert first["acc_mean"] > 0.5 > second["acc_mean"]  # p* = 1/2 without verification
    again = run("simulate", "verification", "--set", "d=10", "--set", "N=2000", "--sweep", "p_err=0.2,0.7",
                "--seeds", "4", "--seed", "3", "--learner", "logistic", "--json")
    assert json.loads(again.stdout) == env  # seeded


def test_simulate_default_learner_and_table_output():
    out = run("simulate", "verification", "--set", "verifier=oracle", "--seeds", "3")
    assert out.returncode == 0, out.stderr
    assert "acc_mean" in out.stdout and "p_star_se" in out.stdout


@pytest.mark.parametrize("args, needle", [
    (("curve", "verification", "--set", "phi=0.3"), "unknown parameter 'phi'"),
    (("curve", "verification", "--set", "p_err=1.5"), "p_err"),
    (("curve", "verification", "--set", "keep_wrong=-0.1"), "keep_wrong"),
    (("curve", "verification", "--set", "verifier=magic"), "verifier"),
    (("curve", "verification", "--sweep", "p_err=0.1,2"), "p_err"),
    (("simulate", "verification", "--set", "N=inf", "--seeds", "2"), "N = inf is invalid"),
    (("simulate", "verification", "--seeds", "2", "--learner", "svm"), "learner = 'svm' is invalid"),
    (("simulate", "verification", "--seeds", "0"), "--seeds"),
])
def test_bad_input_exits_2_with_message(args, needle):
    out = run(*args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
