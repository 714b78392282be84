"""The browser-test harness itself (no browser started): a missing Chromium is a clear failure,
the page list follows app.py, the landing page is served at "/"."""

from __future__ import annotations

import pytest

from tests.e2e import harness


def test_missing_chromium_fails_with_an_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(harness, "CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(RuntimeError, match="apt-get install -y --no-install-recommends chromium"):
        harness.launch_chromium(object())


def test_flags_are_the_projects_four():
    assert harness.FLAGS == ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_pages_follow_app_py_and_landing_page_is_root():
    pages = harness.app_pages()
    assert pages[0] in ("home", "regression")
    assert harness.page_url("http://h", pages[0]) == "http://h/"
    assert harness.page_url("http://h", "tails", "k=5") == "http://h/tails?k=5"


def test_free_ports_differ_between_calls():
    assert len({harness.free_port() for _ in range(5)}) >= 4
