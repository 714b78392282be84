"""Helpers shared by the AppTest suites."""
from __future__ import annotations

import math
from typing import Any


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
