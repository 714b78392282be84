"""Every page renders under AppTest, with defaults and with every slider at its minimum and maximum."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest_util import option_value

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))
TIMEOUT = 180


def _run(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at


def _no_failure(at: AppTest, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_defaults(page):
    at = _run(page)
    _no_failure(at, page)
    assert not at.error, f"{page}: {[e.value for e in at.error]}"


def _slider_cases():
    cases = []
    for page in PAGES:
        at = _run(page)
        # disabled widgets cannot be moved by a user (nor by AppTest); pages test them enabled
        for s in at.slider:
            if not s.disabled:
                cases.append((page, "slider", s.key, s.min, s.max))
        for s in at.select_slider:
            if not s.disabled:
                cases.append((page, "select_slider", s.key, s.options[0], s.options[-1]))
    return cases


CASES = _slider_cases()


@pytest.mark.parametrize("page,kind,key,lo,hi", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_every_slider_at_its_bounds(page, kind, key, lo, hi):
    at = _run(page)
    for value in (lo, hi):
        widget = at.slider(key=key) if kind == "slider" else at.select_slider(key=key)
        widget.set_value(value if kind == "slider" else option_value(value)).run()
        _no_failure(at, f"{page} {key}={value}")


def test_app_entry_point_renders_navigation_and_default_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    _no_failure(at, "app.py")
    assert at.title and at.title[0].value  # the default page rendered through st.navigation
