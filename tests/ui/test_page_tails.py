"""Tails page under AppTest: defaults, Monte Carlo overlay, resample labelled as simulation,
bad URL values, the alternative-mode sliders (top-p, beta') at their bounds, the GCD bridge."""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine import presets as P
from tests.ui.apptest_util import run_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "tails.py")


def run(query: dict | None = None) -> AppTest:
    return run_page(PAGE, query)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def names(fig: dict) -> list[str]:
    return [t.get("name", "") for t in fig["data"]]


PANELS = P.PAGE_PANELS["tails"]
PANEL_CHARTS = {  # the chart titles each tab draws (besides "Your configuration", always on top)
    "Tail cutting": ("Tail cutting",),
    "Finite generator": ("Finite-T₀ generator",),
    "Narrowing": ("Tail narrowing",),
    "Generations": ("Generations", "Un-learned"),
    "Mixing": ("Mixing clean data",),
    "Local slope": ("Local slope",),
    "GCD bridge and runs": ("GCD outcomes", "GCD transformer", "Over generations"),
}


def titles(at: AppTest) -> list[str]:
    return [f["layout"]["title"]["text"] for f in figures(at)]


def test_panels_are_lazy_tabs_and_each_tab_draws_its_charts_only():
    assert tuple(PANEL_CHARTS) == PANELS
    for panel, wanted in PANEL_CHARTS.items():
        at = run({"panel": panel})
        assert not at.error, panel
        got = titles(at)
        assert got[0].startswith("Your configuration"), panel
        for needle in wanted:
            assert any(needle.lower() in t.lower() for t in got), (panel, needle)
        others = [n for p, ns in PANEL_CHARTS.items() if p != panel for n in ns]
        # only the open tab computes and draws: no other panel's chart is on the page
        assert not [t for t in got for n in others if t.lower().startswith(n.lower())], (panel, got)
        labels = [b.label for b in at.get("download_button")]
        assert labels.count("Download CSV") == labels.count("Parameters JSON") == len(got)  # every chart exports both
        assert [t.label for t in at.tabs] == list(PANELS)


def test_defaults_open_the_first_tab_and_show_the_clean_law():
    at = run()
    got = titles(at)
    assert len(got) == 2 and "tail cutting" in got[1].lower()
    # default: clean law at T = 1e4: E = 0.0069096 (spec §2 table)
    metric = next(m for m in at.metric if m.label == "E(T) exact")
    assert metric.value == "0.00691"
    at = run({"panel": "GCD bridge and runs"})
    assert "0.8443" in " ".join(titles(at))


def test_choosing_a_scenario_opens_the_tab_that_tells_its_story():
    at = run()
    for preset in P.presets("tails"):
        at.selectbox(key="_preset_select").select(preset.title).run()
        assert not at.exception, preset.slug
        if preset.panel is not None:
            assert at.session_state[P.PANEL_KEY] == preset.panel
            assert any(PANEL_CHARTS[preset.panel][0].lower() in t.lower() for t in titles(at)), preset.slug


def test_monte_carlo_overlay_has_error_bars():
    at = run({"mc": "true", "mc_seeds": "5", "k": "100", "p_synth": "0.9"})
    fig = figures(at)[0]
    mc = [t for t in fig["data"] if t.get("name", "").startswith("Monte Carlo")]
    assert mc and all("error_y" in t for t in mc)


def test_resample_is_drawn_from_simulation_and_labelled():
    at = run({"mechanism": "resample", "n": "2", "T0": "1000", "panel": "Generations"})
    figs = figures(at)
    assert any("simulation only" in n for n in names(figs[0]))
    assert "exact E(T)" not in names(figs[0])
    gen = next(f for f in figs if f["layout"]["title"]["text"].startswith("Generations"))
    assert "simulation only" in gen["layout"]["title"]["text"]
    assert next(m for m in at.metric if m.label == "E(T) exact").value == "simulation only"


def test_bad_url_values_show_errors_and_fall_back():
    at = run({"beta": "1", "top_p": "2", "cut_by": "top-p"})
    msgs = " ".join(e.value for e in at.error)
    assert "beta must be a number > 1" in msgs and "top_p" in msgs
    assert at.slider(key="beta").value == 2.0


def test_top_p_and_beta_prime_sliders_at_their_bounds():
    at = run({"cut_by": "top-p", "narrow_by": "β′"})
    for key in ("top_p", "beta_ai"):
        s = at.slider(key=key)
        for value in (s.min, s.max):
            at.slider(key=key).set_value(value).run()
            assert not at.exception, (key, value, [e.value for e in at.exception])


def test_beta_prime_below_beta_is_raised_with_a_warning():
    at = run({"narrow_by": "β′", "beta": "3", "beta_ai": "2"})
    assert any("only narrow the tail" in w.value for w in at.warning)
    assert not at.error


def _shipped_gcd_runs() -> list[dict]:
    """The shipped gcd_collapse runs that finished (read straight from the store's JSON files)."""
    out = []
    for d in sorted((ROOT / "cached_runs" / "gcd_collapse").glob("*/")):
        status = json.loads((d / "status.json").read_text())
        if status.get("state") == "done":
            out.append({**json.loads((d / "spec.json").read_text()), "run_id": d.name})
    return out


def test_gcd_runs_section_draws_the_shipped_runs():
    shipped = _shipped_gcd_runs()
    assert len(shipped) >= 2  # a run without clean data and one with clean data mixed in
    assert {s["params"]["clean_frac"] for s in shipped} >= {0.0} and max(s["params"]["clean_frac"] for s in shipped) > 0
    at = run({"panel": "GCD bridge and runs"})
    assert not at.error
    figs = {f["layout"]["title"]["text"]: f for f in figures(at)}
    acc = next(f for t, f in figs.items() if t.startswith("GCD transformer"))
    first = min(shipped, key=lambda s: (s["params"]["clean_frac"], s["run_id"]))  # the selectbox's first run
    assert len(acc["data"]) == 2 * (first["params"]["generations"] + 1)  # accuracy and ceiling per generation
    assert any(n.endswith("learned-set ceiling") for n in names(acc))
    over = next(f for t, f in figs.items() if t.startswith("Over generations"))
    assert len(over["data"]) == 2 * len(shipped)  # accuracy and ceiling per run
    text = " ".join(m.value for m in at.markdown)
    assert "What the shipped runs show" in text and text.count("over generations 0–") == len(shipped)
    # the check on the shipped runs without clean data, as the page states it from their numbers
    lines = [m.value for m in at.markdown if "What the shipped runs show" in m.value][0].split("\n- ")[1:]
    assert len(lines) == len(shipped)
    no_clean = [ln for ln in lines if ln.startswith("**π = 0 clean")]
    assert no_clean and all("non-increasing over generations (within" in ln for ln in no_clean)
    # a sampled-label run is shipped, and its accuracy falls by more than 2 standard errors (un-learning)
    assert any(s["params"].get("label_mode") == "sample" for s in shipped)
    sampled = next(ln for ln in lines if "sampled" in ln)
    drop, se = (float(x) for x in re.search(r"last minus first generation ([-+0-9.]+) \(± ([0-9.]+)\)", sampled).groups())
    assert drop < -2 * se, sampled
