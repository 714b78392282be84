"""Collapse Explorer: entry point. Builds the navigation over pages/ and the shared sidebar."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.compare import start_run  # noqa: E402

st.set_page_config(page_title="Collapse Explorer", page_icon=":material/trending_down:", layout="wide")

# (file, title, icon); a page is listed once its file exists in pages/
PAGES = [
    ("app_pages/home.py", "Home", ":material/home:"),
    ("app_pages/regression.py", "Regression", ":material/show_chart:"),
    ("app_pages/mixing.py", "Mixing", ":material/blender:"),
    ("app_pages/tails.py", "Tails", ":material/stacked_line_chart:"),
    ("app_pages/verification.py", "Verification", ":material/verified:"),
    ("app_pages/runs.py", "Runs", ":material/play_circle:"),
]

pages = [st.Page(path, title=title, icon=icon, url_path=Path(path).stem) for path, title, icon in PAGES if (ROOT / path).exists()]
nav = st.navigation(pages)
start_run()
st.sidebar.caption("Collapse Explorer: the theory of model collapse, live, checked against simulation.")
nav.run()
