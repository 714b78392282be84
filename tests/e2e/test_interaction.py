"""Driving the Regression page like a user: a slider moved by keyboard changes the chart and
the URL, choosing a scenario writes its values to the URL, and "Download CSV" delivers the
chart's data with the right header."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from engine import presets as P
from engine.params import get_model
from engine.views import regression as view
from tests.e2e.harness import (ERROR_SELECTOR, figure_data, figure_signature, page_url, wait_figure_change, wait_idle,
                               wait_ready)

PAGE = "regression"


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _trace(data: list[dict], name: str) -> dict:
    return next(t for t in data if t["name"] == name)


def test_keyboard_slider_changes_chart_and_url(app, page):
    """σ₀ by keyboard: the collapse term of chart 1 is n·σ₀²·ρ, so it scales by (σ₀'/σ₀)²."""
    page.goto(page_url(app.url, PAGE))
    wait_ready(page)
    before, sig = figure_data(page, 0), figure_signature(page, 0)
    assert "sigma0" not in _query(page.url)
    p = get_model(PAGE).param("sigma0")
    # the slider's thumb: a range input (implicit ARIA role "slider") labelled like the widget
    thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="generator noise σ₀"]')
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).has('sigma0')")
    moved = float(_query(page.url)["sigma0"])
    assert p.default < moved < p.default + 0.1
    wait_figure_change(page, sig)
    wait_idle(page)
    after, sig = figure_data(page, 0), figure_signature(page, 0)
    assert after != before
    c0, c1 = _trace(before, "collapse")["y"], _trace(after, "collapse")["y"]
    assert c0[0] == c1[0] == 0  # n = 0: no collapse
    assert abs(c1[1] / c0[1] - (moved / p.default) ** 2) < 1e-9
    # End jumps to the slider's maximum
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function("m => Number(new URLSearchParams(location.search).get('sigma0')) === m",
                           arg=float(p.slider_hi))
    wait_figure_change(page, sig)
    wait_idle(page)
    c2 = _trace(figure_data(page, 0), "collapse")["y"]
    assert abs(c2[1] / c0[1] - (p.slider_hi / p.default) ** 2) < 1e-9
    assert page.locator(ERROR_SELECTOR).count() == 0


@pytest.mark.parametrize("slug", ["fig1b", "fig2a"])  # fig2a sets sigma0 = 0, the slider's minimum
def test_choosing_a_scenario_writes_its_values_to_the_url(app, browser, page, slug):
    """The address bar after choosing a scenario holds its values, and opened in a fresh
    browser it shows the same scenario (the link users copy reproduces it)."""
    preset = P.get_preset(PAGE, slug)
    page.goto(page_url(app.url, PAGE))
    wait_ready(page)
    box = page.get_by_role("combobox", name="Scenario")
    box.click()
    page.get_by_role("option", name=preset.title, exact=True).click()
    want, default = P.resolved(PAGE, preset), P.resolved(PAGE)
    changed = {k: v for k, v in want.items() if not P.same_value(v, default[k])}
    assert len(changed) >= 3
    page.wait_for_function("keys => keys.every(k => new URLSearchParams(location.search).has(k))",
                           arg=sorted(changed))
    wait_idle(page)
    query, model = _query(page.url), get_model(PAGE)
    for k, v in changed.items():
        assert P.same_value(model.param(k).coerce(query[k]), v), (k, query[k], v)
    assert box.input_value() == preset.title
    assert page.locator(ERROR_SELECTOR).count() == 0

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.goto(page.url)
        wait_ready(other)
        assert other.get_by_role("combobox", name="Scenario").input_value() == preset.title
    finally:
        fresh.close()


def test_download_csv_has_the_chart_columns(app, page, tmp_path):
    page.goto(page_url(app.url, PAGE))
    wait_ready(page)
    page.get_by_role("button", name="Export: CSV, JSON, command").first.click()  # the chart's export popover
    button = page.get_by_role("button", name="Download CSV").first
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "regression-error-vs-n.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "n" and "total" in header
    assert header == list(view.theory_view(get_model(PAGE).defaults())["by_n"].columns)
    ns = [int(float(line.split(",")[0])) for line in lines[1:]]
    assert ns == list(range(len(ns))) and len(ns) >= 2  # one row per generation 0, 1, 2, ...
