"""Regression page: URL state, bad URL values, gaps and the Monte Carlo overlay (AppTest)."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.apptest_util import run_page

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "regression.py")


def run(query: dict | None = None) -> AppTest:
    return run_page(PAGE, query)


def test_url_values_set_the_widgets():
    at = run({"n": "7", "lam": "0.05", "spectrum": "power", "T": "2000"})
    assert at.slider(key="n").value == 7
    assert at.select_slider(key="lam").value == 0.05
    assert at.selectbox(key="spectrum").value == "power"
    assert at.select_slider(key="T").value == 2000
    assert not at.error


def test_bad_url_value_shows_message_and_falls_back_to_default():
    at = run({"lam": "-3", "d": "abc"})
    messages = " ".join(e.value for e in at.error)
    assert "lam" in messages and ">= 0" in messages
    assert "d = 'abc'" in messages
    assert at.select_slider(key="lam").value == 1e-3
    assert at.select_slider(key="d").value == 300


def test_uncovered_regime_is_a_gap_with_a_note():
    at = run({"T0": "300"})  # T0 = d: generator factor infinite
    infos = " ".join(i.value for i in at.info)
    assert "T₀ ∈ {d, d+1}" in infos and "gaps" in infos


def test_monte_carlo_overlay_draws_error_bars():
    at = run({"d": "20", "T": "100", "T0": "50", "mc": "true", "mc_seeds": "4"})
    assert at.toggle(key="mc").value is True
    charts = at.get("plotly_chart")
    import json
    fig = json.loads(charts[0].proto.spec)
    mc = [t for t in fig["data"] if t.get("name", "").startswith("Monte Carlo")]
    assert mc and all("error_y" in t for t in mc)


def test_monte_carlo_refused_for_large_d():
    at = run({"d": "5000", "mc": "true"})
    assert any("limited to d" in w.value for w in at.warning)


def test_each_chart_exports_json_and_a_command_that_reproduces_its_data():
    import json
    import shlex
    import subprocess
    import sys

    at = run({"n": "3", "lam": "0.1"})
    codes = [c.value for c in at.code]
    assert len(codes) >= 6
    first = codes[0].splitlines()[0]
    assert first.startswith("python -m engine curve regression") and "--sweep n=" in first and "--set lam=0.1" in first
    args = shlex.split(first)[1:]
    root = Path(PAGE).parents[1]
    out = subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=120)
    rows = json.loads(out.stdout)["rows"]
    # the command reproduces the chart: Fig. 1a table at λ = 0.1 gives 0.0217, 0.0530, 0.0842 for n = 0, 1, 2
    assert [round(r["total"], 4) for r in rows[:3]] == [0.0217, 0.0530, 0.0842]
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Download CSV") >= 6 and labels.count("Parameters JSON") >= 6


def test_training_runs_overlay_draws_the_shipped_figure_1a_run():
    import json

    at = run({"runs": "true"})
    fig = json.loads(at.get("plotly_chart")[2].proto.spec)
    runs = [t for t in fig["data"] if t.get("name", "").startswith("training run")]
    assert runs, [t.get("name") for t in fig["data"]]
    # off-default parameters: no match, and the page says so
    at = run({"runs": "true", "lam": "0.1"})
    fig = json.loads(at.get("plotly_chart")[2].proto.spec)
    assert not [t for t in fig["data"] if t.get("name", "").startswith("training run")]
    assert any("No cached training run matches" in c.value for c in at.caption)
