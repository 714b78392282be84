"""Start the app on a loopback port and save a screenshot of each page to docs/ (headless Chromium).

    .venv/bin/python scripts/screenshot.py [page ...]      (make screenshot)

Without arguments it shoots the Regression page, the one the README shows
(``make screenshot SHOTS="home regression"`` for others). The server and browser helpers are shared with the browser tests (tests/e2e/harness.py).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import AppServer, app_pages, launch_chromium, page_url, wait_ready  # noqa: E402


def main(pages: list[str]) -> None:
    with AppServer() as app, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1500, "height": 1900})
        for name in pages:
            page.goto(page_url(app.url, name), wait_until="networkidle")
            wait_ready(page)
            page.wait_for_function("document.querySelectorAll('[data-testid=\"stSidebarNav\"] a').length > 0")
            time.sleep(1.0)  # let plotly finish its transitions
            out = ROOT / "docs" / f"screenshot-{name}.png"
            page.screenshot(path=str(out), full_page=False)
            print(out)
        browser.close()


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(app_pages())
    if unknown:
        sys.exit(f"unknown page(s) {sorted(unknown)}; app.py lists {app_pages()}")
    main(sys.argv[1:] or ["regression"])
