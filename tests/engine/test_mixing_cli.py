"""The command line for the mixing model: python -m engine curve|simulate mixing ... (mixing.md "Interfaces")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_curve_envelope_reference_values() -> None:
    """§7 table, p2 = 0.1 row, swept over T."""
    res = run("curve", "mixing", "--set", "d=100", "--set", "c2=1", "--set", "lam=0", "--set", "sigma=1",
              "--set", "sigma_synth=1", "--sweep", "T=200,1000,10000", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["model"] == "mixing"
    params = out["params"]
    assert params["T"] == [200, 1000, 10000] and params["p_synth"] == 0.1 and params["m"] == 0
    assert set(params) == {"d", "T", "p_synth", "c2", "lam", "sigma", "sigma_synth", "spectrum", "beta", "r",
                           "w1_norm", "m", "proj_var"}
    assert list(out["rows"][0]) == ["T", "kappa", "bias", "variance", "synth", "total"]
    assert [round(r["total"], 5) for r in out["rows"]] == [1.1, 0.13111, 0.02101]


def test_curve_single_row_theta_and_null_gap() -> None:
    res = run("curve", "mixing", "--set", "m=100", "--json")
    out = json.loads(res.stdout)
    assert len(out["rows"]) == 1 and list(out["rows"][0]) == ["theta", "bias", "variance", "synth", "total"]
    res = run("curve", "mixing", "--set", "d=100", "--set", "T=100", "--set", "lam=0", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"][0]["total"] is None  # n = d ridgeless: the interpolation peak


def test_curve_sweep_over_m_with_zero_has_both_scalars() -> None:
    res = run("curve", "mixing", "--sweep", "m=0,100,1000", "--json")
    rows = json.loads(res.stdout)["rows"]
    assert [r["m"] for r in rows] == [0, 100, 1000]
    assert rows[0]["theta"] is None and rows[0]["kappa"] > 0
    assert rows[1]["kappa"] is None and rows[1]["theta"] > 0


def test_simulate_envelope() -> None:
    res = run("simulate", "mixing", "--set", "d=30", "--set", "T=60", "--sweep", "p_synth=0,0.5",
              "--seeds", "4", "--seed", "2", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    rows = out["rows"]
    assert [r["p_synth"] for r in rows] == [0.0, 0.5]
    assert list(rows[0]) == ["p_synth", "total_mean", "total_se", "bias_mean", "bias_se", "variance_mean",
                             "variance_se", "synth_mean", "synth_se"]
    assert rows[1]["total_mean"] > rows[0]["total_mean"]
    again = json.loads(run("simulate", "mixing", "--set", "d=30", "--set", "T=60", "--sweep", "p_synth=0,0.5",
                           "--seeds", "4", "--seed", "2", "--json").stdout)
    assert again == out  # deterministic


@pytest.mark.parametrize("args,needle", [
    (("curve", "mixing", "--set", "p_synth=1.5"), "p_synth must be a number in [0, 1]"),
    (("curve", "mixing", "--set", "c2=-1"), "c2 must be a number >= 0"),
    (("curve", "mixing", "--set", "m=500", "--set", "T=500", "--set", "lam=0"), "interpolation threshold"),
    (("curve", "mixing", "--sweep", "m=100,500", "--set", "lam=0"), "interpolation threshold"),
    (("curve", "mixing", "--set", "proj_var=2/d"), "proj_var must be one of 1/d, 1/m"),
    (("curve", "mixing", "--set", "kappa=1"), "unknown parameter 'kappa'"),
    (("simulate", "mixing", "--set", "p_synth=-0.2", "--seeds", "2"), "p_synth"),
])
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...], needle: str) -> None:
    res = run(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr
