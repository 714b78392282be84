"""The command line: python -m engine curve|simulate regression ..."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_curve_json_envelope_with_sweep():
    res = run("curve", "regression", "--set", "lam=0.1", "--sweep", "n=0,1,10", "--set", "generator_factor=1", "--json")
    # generator_factor is not a canonical key: rejected
    assert res.returncode == 2 and "generator_factor" in res.stderr
    res = run("curve", "regression", "--set", "lam=0.1", "--sweep", "n=0,1,10", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["model"] == "regression"
    assert out["params"]["lam"] == 0.1 and out["params"]["d"] == 300 and out["params"]["n"] == [0, 1, 10]
    assert [r["n"] for r in out["rows"]] == [0, 1, 10]
    assert list(out["rows"][0]) == ["n", "kappa", "bias", "variance", "collapse", "total"]
    # Fig. 1a table at λ = 0.1: 0.0217, 0.0530, 0.3345
    assert [round(r["total"], 4) for r in out["rows"]] == [0.0217, 0.0530, 0.3345]


def test_curve_without_sweep_has_single_row_and_null_for_gaps():
    res = run("curve", "regression", "--set", "T0=300", "--json")
    out = json.loads(res.stdout)
    assert len(out["rows"]) == 1 and "T0" not in out["rows"][0]
    assert out["rows"][0]["total"] is None  # T0 = d is not covered


def test_simulate_json():
    res = run("simulate", "regression", "--set", "d=20", "--set", "T=80", "--set", "T0=40", "--sweep", "n=0,2",
              "--seeds", "4", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    assert [r["n"] for r in rows] == [0, 2]
    assert {"total_mean", "total_se", "bias_mean", "variance_se", "collapse_mean"} <= set(rows[0])
    assert rows[1]["total_mean"] > rows[0]["total_mean"]


@pytest.mark.parametrize("args,needle", [
    (("curve", "regression", "--set", "dd=3"), "unknown parameter 'dd'"),
    (("curve", "regression", "--set", "lam=-1"), "lam must be a number >= 0"),
    (("curve", "regression", "--set", "d=2.5"), "d must be an integer >= 1"),
    (("curve", "regression", "--set", "spectrum=flat"), "spectrum must be one of isotropic, power"),
    (("curve", "regression", "--sweep", "beta=2,1"), "beta must be a number > 1"),
    (("curve", "nosuchmodel"), "unknown model"),
    (("simulate", "regression", "--seeds", "0"), "--seeds"),
])
def test_bad_input_exits_2_with_one_line(args, needle):
    res = run(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
