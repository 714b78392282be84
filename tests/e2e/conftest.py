"""Fixtures of the browser tests: the app on a free loopback port for the whole session, and
Debian's Chromium (headless). Chromium missing is an error, never a skip: CI installs it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.harness import AppServer, launch_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Screenshots and the server log of a test run (ignored by git)."""


@pytest.fixture(scope="session")
def app() -> Iterator[AppServer]:
    """The app started once for all browser tests; its process group is killed at the end,
    also when a test fails. Read-only mode: no test can launch a training run."""
    server = AppServer(env={"COLLAPSE_READ_ONLY": "1"})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(app: AppServer):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = launch_chromium(pw)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies, no session) and page, downloads accepted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(45_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
