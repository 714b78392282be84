"""Presets and compare on the pages (AppTest): choosing each scenario sets every widget to
its values without an error; opening a scenario's URL fresh gives the same widgets and
shows the scenario; pinning draws ghost traces and lists the parameters that differ."""

import json
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from engine import presets as P

PAGES = P.pages()
KINDS = ("slider", "select_slider", "selectbox", "radio")


def _widget_values(at) -> dict:
    return {w.key: w.value for kind in KINDS for w in getattr(at, kind) if w.key}


def _check(at, page, preset):
    vals = _widget_values(at)
    want = P.resolved(page, preset)
    shown = [k for k in want if k in vals]
    assert len(shown) >= 4
    bad = {k: (vals[k], want[k]) for k in shown if not P.same_value(vals[k], want[k])}
    assert not bad, bad
    for k, v in P.resolved_extras(page, preset).items():
        assert vals[k] == v
    assert at.selectbox(key="_preset_select").value == preset.title
    assert not at.exception
    assert not [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_preset_selected_sets_every_widget(page):
    at = AppTest.from_file(f"../../app_pages/{page}.py", default_timeout=120)
    at.run()
    for preset in P.presets(page):
        at.selectbox(key="_preset_select").select(preset.title).run()
        _check(at, page, preset)
        # the story is shown and the share link is the preset's query
        assert any(preset.story == i.value for i in at.info)
        assert any(P.query_string(page, preset) in m.value for m in at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_preset_url_opened_fresh_reproduces_it(page):
    for preset in P.presets(page):
        at = AppTest.from_file(f"../../app_pages/{page}.py", default_timeout=120)
        at.query_params.update(dict(parse_qsl(P.query_string(page, preset))))
        at.run()
        _check(at, page, preset)


def test_moving_a_slider_leaves_the_scenario():
    at = AppTest.from_file("../../app_pages/regression.py", default_timeout=120)
    at.query_params.update(dict(parse_qsl(P.query_string("regression", P.get_preset("regression", "fig1a")))))
    at.run()
    at.slider(key="n").set_value(6).run()
    assert at.selectbox(key="_preset_select").value.startswith("Custom")
    assert not at.exception


def _trace_names(at, i=0):
    return [t.get("name") for t in json.loads(at.get("plotly_chart")[i].proto.spec)["data"]]


def test_pin_draws_ghosts_and_lists_differences():
    at = AppTest.from_file("../../app_pages/regression.py", default_timeout=120)
    at.run()
    n_before = len(_trace_names(at, 2))
    assert "pinned view" not in _trace_names(at, 2)
    at.button(key="_pin_btn").click().run()
    at.slider(key="sigma0").set_value(0.5).run()
    names = _trace_names(at, 2)
    ghosts = names.count("pinned view")
    assert ghosts >= 1 and names[:ghosts] == ["pinned view"] * ghosts  # underneath
    assert len(names) >= n_before + ghosts - 1
    diff = at.sidebar.dataframe[0].value
    assert list(diff["parameter"]) == ["sigma0"]
    assert list(diff["pinned"]) == ["0.2"] and list(diff["current"]) == ["0.5"]
    # the ghost is the pinned curve: its y values equal the pre-change figure's first line
    at.button(key="_unpin_btn").click().run()
    assert "pinned view" not in _trace_names(at, 2)
    assert not at.exception


def test_ghost_values_are_the_pinned_curve():
    at = AppTest.from_file("../../app_pages/tails.py", default_timeout=120)
    at.run()
    before = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    first_line = next(t for t in before if "lines" in t.get("mode", "lines"))
    at.button(key="_pin_btn").click().run()
    at.slider(key="beta").set_value(3.0).run()
    after = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    ghost = after[0]
    assert ghost["name"] == "pinned view"
    assert ghost["y"] == first_line["y"]
    assert after[len([t for t in after if t.get("name") == "pinned view"])]["y"] != first_line["y"]


def test_pin_on_one_tails_tab_then_open_another():
    """A pin taken on one tab ghosts that tab's charts only; another tab draws without ghosts
    (its charts were not on screen when pinned) until the user pins there; back on the first tab
    the ghosts are still there."""
    at = AppTest.from_file("../../app_pages/tails.py", default_timeout=120)
    at.run()
    at.button(key="_pin_btn").click().run()
    at.slider(key="beta").set_value(3.0).run()
    at.session_state["panel"] = "Mixing"
    at.run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    mixing = next(s for s in specs if s["layout"]["title"]["text"].startswith("Mixing clean data"))
    assert "pinned view" not in [t.get("name") for t in mixing["data"]]
    assert "pinned view" in [t.get("name") for t in specs[0]["data"]]  # the configuration chart keeps its ghost
    at.session_state["panel"] = "Tail cutting"
    at.run()
    cut = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
               if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Tail cutting"))
    assert "pinned view" in [t.get("name") for t in cut["data"]]
