"""Start the app on a loopback port and drive it with Debian's Chromium (Playwright, sync API).

Shared by the browser tests (tests/e2e/), ``scripts/screenshot.py`` and
``bench/bench_speed_budget.py``:

- :class:`AppServer` runs ``streamlit run app.py`` (or another script) in its own process group on a free
  127.0.0.1 port (retrying with a new port if another process took it first), waits until
  ``/_stcore/health`` answers, and kills the whole group on exit.
- :func:`launch_chromium` starts /usr/bin/chromium headless with the project's four flags,
  and fails with a clear message when it is not installed.
- :func:`wait_ready` waits until a page has drawn its plotly charts and the script run is over.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE_ORDER = ("home", "regression", "mixing", "tails", "verification", "runs")
THEORY_PAGES = ("regression", "mixing", "tails", "verification")

ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
"""What an uncaught exception (st.exception) and st.error render in Streamlit 1.67."""
RUNNING_SELECTOR = '[data-testid="stApp"]:not([data-test-script-state="notRunning"])'
"""Matches while a script run is in progress (or not begun): the app root's script state, which
Streamlit keeps up to date even where the toolbar's 'Running' widget is hidden (toolbarMode minimal)."""
CHART_SELECTOR = ".js-plotly-plot"


def app_pages() -> list[str]:
    """Url paths of the pages app.py lists whose files exist (the home page once it lands)."""
    import ast

    tree = ast.parse((ROOT / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            entries = ast.literal_eval(node.value)
            return [Path(path).stem for path, *_ in entries if (ROOT / path).exists()]
    raise RuntimeError("app.py has no PAGES list")


def page_url(base: str, name: str, query: str = "") -> str:
    """URL of page ``name``: the landing page (the first one app.py lists) at "/"."""
    path = "" if app_pages()[:1] == [name] else name
    return f"{base}/{path}" + (f"?{query}" if query else "")


def free_port() -> int:
    """A port the OS reports free on 127.0.0.1 right now (chosen by the kernel, so two
    concurrent runs do not pick the same one; a race is handled by AppServer's retry)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``with AppServer() as app: app.url`` - the app on a free loopback port, stopped on exit."""

    def __init__(self, python: str | None = None, timeout: float = 120.0, env: dict[str, str] | None = None,
                 script: str = "app.py"):
        self.script = script
        self.python = python or str(ROOT / ".venv" / "bin" / "python")
        if not Path(self.python).exists():
            self.python = sys.executable
        self.timeout = timeout
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log = ROOT / "tests" / "e2e" / "artifacts" / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        last = ""
        for _ in range(3):
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [self.python, "-m", "streamlit", "run", self.script, "--server.port", str(self.port),
                     "--server.address", "127.0.0.1", "--server.headless", "true",
                     "--browser.gatherUsageStats", "false"],
                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                        if r.status == 200 and self.proc.poll() is None:
                            return self
                except OSError:
                    time.sleep(0.3)
            last = f"exit status {self.proc.poll()}" if self.proc.poll() is not None else "no answer"
            self.stop()  # port taken by another run, or a failed start: try another port
        raise RuntimeError(f"the app did not start ({last}); see {self.log}")

    def stop(self) -> None:
        """Terminate the server's whole process group (SIGTERM, then SIGKILL)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.proc = None

    def __enter__(self) -> "AppServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def launch_chromium(pw: Any) -> Any:
    """Debian's Chromium, headless, with exactly the project's flags. Raises (never skips)
    when it is missing: CI installs it (.ci/run)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium "
                           "(apt-get install -y --no-install-recommends chromium), as .ci/run does")
    return pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def wait_ready(page: Any, charts: int = 1, timeout: float = 90_000) -> None:
    """Wait until ``page`` shows at least ``charts`` drawn plotly charts, the sidebar nav, and
    no script run in progress (the status widget gone for a moment)."""
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n", arg=charts, timeout=timeout)
    wait_idle(page, timeout)


def wait_idle(page: Any, timeout: float = 90_000, quiet_ms: int = 400) -> None:
    """Wait until no script run is in progress: the running indicator absent for ``quiet_ms``."""
    page.evaluate("window.__idleSince = undefined")
    page.wait_for_function(
        """([sel, quiet]) => {
            const busy = document.querySelector(sel) !== null;
            const now = performance.now();
            if (busy || window.__idleSince === undefined) { window.__idleSince = busy ? undefined : now; return false; }
            return now - window.__idleSince >= quiet;
        }""", arg=[RUNNING_SELECTOR, quiet_ms], timeout=timeout, polling=100)


_PLAIN = """const plain = a => {
    if (a && ArrayBuffer.isView(a)) return Array.from(a);
    if (a && typeof a.bdata === 'string') {  // numpy arrays travel as {dtype, bdata: base64}
        const bin = atob(a.bdata), bytes = new Uint8Array(bin.length);
        for (let j = 0; j < bin.length; j++) bytes[j] = bin.charCodeAt(j);
        const T = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                   u2: Uint16Array, i1: Int8Array, u1: Uint8Array}[a.dtype];
        return T ? Array.from(new T(bytes.buffer)) : a;
    }
    return a; };"""
"""JS: a trace's x or y as a plain array (plotly keeps numpy data as base64 typed arrays)."""

_SIGNATURE = """i => { const el = document.querySelectorAll('.js-plotly-plot')[i];
    """ + _PLAIN + """
    return el && el.data ? JSON.stringify(el.data.map(t => [t.name, plain(t.x), plain(t.y)])) : null; }"""


def figure_signature(page: Any, index: int = 0) -> str | None:
    """The traces (name, x, y) of the ``index``-th plotly chart as a JSON string made in the page."""
    return page.evaluate(_SIGNATURE, index)


def wait_figure_change(page: Any, before: str | None, index: int = 0, timeout: float = 60_000) -> None:
    """Wait until the ``index``-th chart's traces differ from ``before`` (a figure_signature)."""
    page.wait_for_function(f"([i, before]) => ({_SIGNATURE})(i) !== before", arg=[index, before], timeout=timeout)


def figure_data(page: Any, index: int = 0) -> Any:
    """The data (traces) of the ``index``-th plotly chart on the page, as JSON-able values (numeric
    arrays travel as typed arrays; they come back as plain lists)."""
    return page.evaluate(
        """i => { const el = document.querySelectorAll('.js-plotly-plot')[i];
                  """ + _PLAIN + """
                  return el ? JSON.parse(JSON.stringify(el.data.map(t => ({x: plain(t.x), y: plain(t.y), name: t.name}))))
                            : null; }""",
        index)
