"""Every page of app.py (the home page included once its file exists) loads in Chromium
without an error element and draws at least one plotly chart; a screenshot of each is saved
to tests/e2e/artifacts/ (ignored by git)."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ERROR_SELECTOR, app_pages, page_url, wait_ready

PAGES = app_pages()


def test_app_lists_the_theory_pages():
    assert {"regression", "mixing", "tails", "verification", "runs"} <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_error_and_draws_a_chart(app, page, artifacts, name):
    page.goto(page_url(app.url, name))
    wait_ready(page)
    errors = page.locator(ERROR_SELECTOR)
    assert errors.count() == 0, [errors.nth(i).inner_text() for i in range(errors.count())]
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1
    # the sidebar navigation lists every page
    nav = page.locator('[data-testid="stSidebarNav"] a')
    assert nav.count() == len(PAGES)
    page.screenshot(path=str(artifacts / f"{name}.png"))
    assert (artifacts / f"{name}.png").stat().st_size > 10_000
