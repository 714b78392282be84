"""Start the app on a loopback port and save a screenshot of each page to docs/ (headless Chromium).

    .venv/bin/python scripts/screenshot.py [page ...]
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(pages: list[str]) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1900})
            for name in pages:
                page.goto(f"http://127.0.0.1:{port}/{name}", wait_until="networkidle")
                page.wait_for_selector(".js-plotly-plot", timeout=90_000)
                page.wait_for_function("document.querySelectorAll('[data-testid=\"stSidebarNav\"] a').length > 0")
                time.sleep(3.0)
                out = ROOT / "docs" / f"screenshot-{name}.png"
                page.screenshot(path=str(out), full_page=False)
                print(out)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main(sys.argv[1:] or ["regression"])
