"""A preset's URL opened in a fresh browser context reproduces the preset: the Scenario
select shows its title, every sidebar widget of a page key (and every layout extra)
shows the preset's value, and the preset's tab (Tails) is the open one. Two presets per theory page, each page with one that moves a
select_slider (a log-scale or ∞-capable parameter) off its default."""

from __future__ import annotations

import pytest

from engine import presets as P
from engine.params import get_model
from tests.e2e.harness import ERROR_SELECTOR, page_url, wait_ready
from tests.e2e.widgets import sidebar_widgets, widget_label
from ui.widgets import fmt_value

CHOSEN = {
    "regression": ("fig1a", "fig2a"),
    "mixing": ("fig4-width", "strong-1pct"),
    "tails": ("cut-k100", "narrow-tau08"),
    "verification": ("infinite-N", "breakdown"),
}
EXTRA_LABELS = {"vary": "Width chart: compare curves over", "cut_by": "cut the tail by",
                "narrow_by": "narrow the tail by"}
CASES = [(page, slug) for page, slugs in CHOSEN.items() for slug in slugs]


def _select_sliders_off_default(page: str, slug: str) -> list[str]:
    model = get_model(page)
    want, default = P.resolved(page, P.get_preset(page, slug)), P.resolved(page)
    return [k for k in want if (model.param(k).log or model.param(k).allow_inf)
            and not P.same_value(want[k], default[k])]


def test_chosen_presets_cover_every_page_and_a_select_slider_off_default():
    assert set(CHOSEN) == set(P.pages())
    for page, slugs in CHOSEN.items():
        assert any(_select_sliders_off_default(page, s) for s in slugs), page


@pytest.mark.parametrize(("name", "slug"), CASES)
def test_preset_url_opened_fresh_shows_the_preset(app, page, name, slug):
    preset = P.get_preset(name, slug)
    page.goto(page_url(app.url, name, P.query_string(name, preset)))
    wait_ready(page)  # charts come after the sidebar in the script: the sidebar is complete
    assert page.locator(ERROR_SELECTOR).count() == 0
    assert page.get_by_role("combobox", name="Scenario").input_value() == preset.title

    shown = sidebar_widgets(page)
    want = P.resolved(name, preset)
    compared = []
    for key, value in want.items():
        w = shown.get(widget_label(name, key))
        if w is None:
            continue  # not shown in this layout (e.g. top-p while cutting by k)
        assert w["shown"] == fmt_value(value), (key, w, value)
        if w["kind"] == "slider" and w["valuetext"] is not None:  # select_slider: the thumb's aria text
            assert w["valuetext"] == fmt_value(value), (key, w, value)
        compared.append(key)
    assert len(compared) >= 4, (compared, sorted(shown))
    # every value the preset names explicitly and the layout shows was compared
    assert set(preset.values) & set(compared), compared
    for key in _select_sliders_off_default(name, slug):
        assert key in compared, (key, sorted(shown))
    for key, value in P.resolved_extras(name, preset).items():
        assert shown[EXTRA_LABELS[key]]["shown"] == value, (key, shown[EXTRA_LABELS[key]])
    if preset.panel is not None:  # the tab that tells the story is the open one
        selected = page.locator('[role="tab"][aria-selected="true"]')
        assert selected.count() == 1 and selected.inner_text().strip() == preset.panel
