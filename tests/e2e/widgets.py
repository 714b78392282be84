"""Reading the sidebar's widgets from the DOM (Streamlit 1.67): label -> displayed value."""

from __future__ import annotations

from typing import Any

from engine.params import get_model

_READ = """() => {
  const out = {};
  const label = el => { const l = el.querySelector('[data-testid="stWidgetLabel"]'); return l ? l.innerText.trim() : ''; };
  for (const el of document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSlider"]')) {
    const input = el.querySelector('input[type="range"]');
    const thumb = el.querySelector('[data-testid="stSliderThumbValue"]');
    out[label(el)] = {kind: 'slider', shown: thumb ? thumb.innerText.trim() : null,
                      valuetext: input ? input.getAttribute('aria-valuetext') : null,
                      value: input ? input.value : null};
  }
  for (const el of document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSelectbox"]')) {
    const input = el.querySelector('input[role="combobox"]');
    out[label(el)] = {kind: 'select', shown: input ? input.value : null};
  }
  for (const el of document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stRadio"]')) {
    const checked = el.querySelector('input[type="radio"]:checked');
    const opt = checked ? checked.closest('label') : null;
    out[label(el)] = {kind: 'radio', shown: opt ? opt.innerText.trim() : null};
  }
  return out;
}"""


def sidebar_widgets(page: Any) -> dict[str, dict]:
    """{label: {"kind", "shown" (the text the user sees), ...}} of every slider, select and radio
    in the sidebar."""
    return page.evaluate(_READ)


def widget_label(model: str, key: str) -> str:
    """The label ui.widgets gives the widget of ``key`` (registry label, ⚠️ when assumed)."""
    p = get_model(model).param(key)
    return p.label + (" ⚠️" if p.assumed else "")
