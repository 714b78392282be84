"""Home page (AppTest): four story charts linking to their scenarios, the regime map in
both modes, and story commands that reproduce the charts' data."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine import presets as P
from engine.views import home as H

ROOT = Path(__file__).resolve().parents[2]
VER_MAP = "Verification: generator error × verifier p⋆"


@pytest.fixture(scope="module")
def home():
    at = AppTest.from_file(str(ROOT / "app_pages" / "home.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_four_story_charts_and_a_regime_map(home):
    charts = home.get("plotly_chart")
    assert len(charts) == 5
    heat = json.loads(charts[4].proto.spec)["data"]
    assert heat[0]["type"] == "heatmap"
    assert not home.error


def test_every_story_links_to_its_preset_url(home):
    links = [m.value for m in home.markdown if "this scenario" in m.value]
    assert len(links) == 4
    for page, slug in H.STORY_PRESET.items():
        q = P.query_string(page, P.get_preset(page, slug))
        assert any(f"](./{page}?{q})" in link for link in links), page


def test_verification_map_from_the_url():
    at = AppTest.from_file(str(ROOT / "app_pages" / "home.py"), default_timeout=120)
    at.query_params["map"] = VER_MAP
    at.query_params["map_N"] = "1e+06"  # the option as the widget writes it in the URL
    at.run()
    assert not at.exception
    assert at.select_slider(key="map_N").value == 1e6
    heat = json.loads(at.get("plotly_chart")[4].proto.spec)["data"]
    assert heat[0]["type"] == "heatmap" and "accuracy" in heat[0]["hovertemplate"]


def test_story_command_reproduces_the_chart_data(home):
    # the tails story: run the first command of its code block and compare with the chart's curve
    code = next(c.value for c in home.code if "engine curve tails" in c.value)
    first = [line for line in code.splitlines() if line.startswith("python")][0]
    args = shlex.split(first)
    out = subprocess.run([sys.executable, *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = pd.DataFrame(json.loads(out.stdout)["rows"])
    want = H.story("tails")
    want = want[want["curve"] == list(H.STORY_CURVES["tails"])[0]]
    assert len(rows) == len(want)
    pd.testing.assert_series_equal(rows["error"].reset_index(drop=True), want["error"].reset_index(drop=True),
                                   check_names=False, rtol=1e-5)
