"""Helpers shared by the AppTest suites."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

PAGES_DIR = Path(__file__).resolve().parents[2] / "app_pages"


def option_value(text: Any) -> Any:
    """AppTest exposes select_slider options formatted (as ui.widgets.fmt_value writes them);
    map one back to the underlying value: "inf" -> inf, "300" -> 300, "0.001" -> 0.001."""
    if text == "inf":
        return math.inf
    try:
        f = float(text)
    except (TypeError, ValueError):
        return text
    return int(f) if f.is_integer() and "." not in str(text) and "e" not in str(text) else f


def run_page(page: str, query: dict | None = None, timeout: float = 240) -> AppTest:
    """Run ``app_pages/<page>.py`` (or a path) once with the URL query ``query``; fail on an exception."""
    path = page if page.endswith(".py") else str(PAGES_DIR / f"{page}.py")
    at = AppTest.from_file(path, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
