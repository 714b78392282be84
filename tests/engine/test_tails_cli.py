"""The command line for the tails model: python -m engine curve|simulate tails ... (spec "Interfaces" (b))."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_curve_sweep_envelope_matches_spec_tables():
    res = run("curve", "tails", "--set", "k=100", "--sweep", "T=100,1e4,1e6", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["model"] == "tails"
    params = out["params"]
    assert set(params) == {"beta", "T", "k", "top_p", "beta_ai", "temperature", "T0", "n", "mechanism", "p_synth"}
    assert params["beta_ai"] == 2.0 and params["k"] == 100 and params["T"] == [100.0, 1e4, 1e6]
    rows = out["rows"]
    assert [list(r) for r in rows][0] == ["T", "error", "asymptote", "slope", "plateau"]
    # §3.1 table, beta = 2, k = 100: 0.068644, 0.0079164, 0.006049
    assert [round(r["error"], 7) for r in rows] == [0.0686442, 0.0079164, 0.006049]
    assert all(abs(r["plateau"] - 0.006049) < 5e-7 for r in rows)


def test_curve_single_row_and_resample_nulls():
    res = run("curve", "tails", "--set", "n=2", "--set", "T0=1000", "--set", "mechanism=resample", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert len(out["rows"]) == 1 and "T" not in out["rows"][0]
    row = out["rows"][0]
    assert row["error"] is None and row["slope"] is None and row["plateau"] is None
    assert row["asymptote"] > 0


def test_beta_ai_resolved_from_temperature_and_beta():
    res = run("curve", "tails", "--set", "beta=1.5", "--set", "temperature=0.5", "--json")
    out = json.loads(res.stdout)
    assert out["params"]["beta_ai"] == 1.5 and out["params"]["temperature"] == 0.5


def test_simulate_envelope():
    res = run("simulate", "tails", "--set", "k=50", "--set", "p_synth=0.9", "--sweep", "T=100,1000",
              "--seeds", "20", "--seed", "4", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    rows = out["rows"]
    assert [r["T"] for r in rows] == [100.0, 1000.0]
    assert list(rows[0]) == ["T", "error_mean", "error_se", "plateau_mean", "plateau_se"]
    assert rows[1]["error_mean"] < rows[0]["error_mean"]
    again = json.loads(run("simulate", "tails", "--set", "k=50", "--set", "p_synth=0.9", "--sweep", "T=100,1000",
                           "--seeds", "20", "--seed", "4", "--json").stdout)
    assert again == out


@pytest.mark.parametrize(
    "args,needle",
    [
        (("curve", "tails", "--set", "beta=1"), "beta must be a number > 1"),
        (("curve", "tails", "--set", "betta=2"), "unknown parameter 'betta'"),
        (("curve", "tails", "--set", "beta_ai=1.5"), "beta_ai must be >= beta"),
        (("curve", "tails", "--set", "top_p=0"), "top_p must be a number in (0, 1]"),
        (("curve", "tails", "--set", "mechanism=copy"), "mechanism must be one of relabel, resample"),
        (("curve", "tails", "--sweep", "k=10,2.5"), "k must be an integer >= 0"),
        (("simulate", "tails", "--set", "p_synth=-0.1", "--seeds", "3"), "p_synth must be a number in [0, 1]"),
        (("simulate", "tails", "--set", "beta=1.1", "--set", "T=1e9", "--seeds", "2"), "lower T"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, needle):
    res = run(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
