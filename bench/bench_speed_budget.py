"""Speed budget of the app (issue 8, item 6): server-side time from a widget change to the
figures being ready, for every theory page's default view and each of its presets, theory
only and with the Monte Carlo overlay; and the time to first render of every page in Chromium.

Server side (streamlit.testing.v1.AppTest, the page script run in-process):
  run_ms       wall time of ``at.run()`` after choosing the preset in the Scenario select (or,
               for "default", the first run of a fresh AppTest), with ``st.cache_data.clear()``
               just before, so the number is the compute, not a cache hit. It includes the
               page script, the figure building and AppTest's own overhead (serialising the
               elements, the script thread).
  compute_ms   the part of run_ms spent inside the page's ``st.cache_data`` functions (the
               engine calls: theory views, Monte Carlo), measured by wrapping ``st.cache_data``.
  The same two numbers with the ``mc`` toggle on (Monte Carlo overlay): mc_run_ms, mc_compute_ms.
  Target (the baseline of the ratio column): theory only < 100 ms for every preset. The verdict
  is given for compute_ms (the engine's share) and for run_ms (what a user waits for on the server).

Browser (Playwright, Debian's Chromium, a fresh context per page, the app on a loopback port):
  first render = navigation start to the first plotly chart drawn with no script run in progress.
  cold: the first visit of the page on a freshly started server (empty cache); warm: a second
  fresh context (new session, server cache warm). Target < 2000 ms.

Baselines (the "plain baseline" of the ratios): bench/baseline_app.py, the simplest Streamlit
page with one Plotly chart, run under AppTest (AppTest's own cost per run) and in Chromium (what
Streamlit + Plotly.js cost on this machine before any Collapse Explorer code).

Timings are wall clock on a shared machine: compare ratios, re-run when the machine is busy.

    .venv/bin/python bench/bench_speed_budget.py [--pages regression,tails] [--no-mc] [--no-browser]
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from engine import presets as P  # noqa: E402

THEORY_TARGET_MS = 100.0
RENDER_TARGET_MS = 2000.0


class _TimedCacheData:
    """Stands in for ``st.cache_data``: caches as usual and adds the wall time spent inside the
    (outermost) cached functions on a cache miss to ``self.seconds``."""

    def __init__(self, real: Any):
        self.real = real
        self.seconds = 0.0
        self._depth = threading.local()

    def __call__(self, func: Callable | None = None, **kwargs: Any) -> Any:
        def decorate(f: Callable) -> Callable:
            @functools.wraps(f)
            def timed(*args: Any, **kw: Any) -> Any:
                if getattr(self._depth, "n", 0):
                    return f(*args, **kw)
                self._depth.n = 1
                t = time.perf_counter()
                try:
                    return f(*args, **kw)
                finally:
                    self.seconds += time.perf_counter() - t
                    self._depth.n = 0
            return self.real(timed, **kwargs)
        return decorate(func) if func is not None else decorate

    def clear(self) -> None:
        self.real.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


CACHE = _TimedCacheData(streamlit.cache_data)
streamlit.cache_data = CACHE  # the page scripts look up st.cache_data when they run


def _timed_run(at: AppTest) -> tuple[float, float]:
    """(run ms, cached-compute ms) of one ``at.run()`` with an empty cache."""
    CACHE.clear()
    CACHE.seconds = 0.0
    t = time.perf_counter()
    at.run()
    run = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")
    if not at.get("plotly_chart"):
        raise RuntimeError("the page drew no chart")
    return 1e3 * run, 1e3 * CACHE.seconds


def _new_app(page: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=600)


def server_side(page: str, with_mc: bool) -> list[dict[str, Any]]:
    """One row per case (the default view, then each preset) of ``page``."""
    rows = []
    warm = _new_app(page)
    warm.run()  # imports and first-run costs are not part of a widget change
    cases: list[P.Preset | None] = [None, *P.presets(page)]
    for preset in cases:
        at = _new_app(page)
        if preset is None:
            run, comp = _timed_run(at)
        else:
            at.run()
            at.selectbox(key="_preset_select").select(preset.title)
            run, comp = _timed_run(at)
            assert at.selectbox(key="_preset_select").value == preset.title
        row = {"page": page, "preset": preset.slug if preset else "default", "run": run, "compute": comp}
        if with_mc:
            at.toggle(key="mc").set_value(True)
            row["mc_run"], row["mc_compute"] = _timed_run(at)
        rows.append(row)
    return rows


BASELINE_APP = "bench/baseline_app.py"
"""The plain baseline: the simplest Streamlit page with one Plotly chart (no Collapse Explorer code)."""


def baseline_server_ms(repeats: int = 3) -> tuple[float, float]:
    """AppTest wall times of the baseline app: (the first run of a fresh AppTest, a rerun), the
    best of ``repeats``: AppTest's own cost, to read the "default" rows (a fresh AppTest) and
    the preset rows (a rerun) against."""
    first, rerun = [], []
    for _ in range(repeats):
        at = AppTest.from_file(str(ROOT / BASELINE_APP), default_timeout=120)
        t = time.perf_counter()
        at.run()
        first.append(1e3 * (time.perf_counter() - t))
        t = time.perf_counter()
        at.run()
        rerun.append(1e3 * (time.perf_counter() - t))
    return min(first), min(rerun)


def _first_render(url_of: Callable[[str, str], str], names: list[str], script: str = "app.py",
                  ) -> dict[str, tuple[float, float]]:
    """{name: (cold ms, warm ms)}: navigation start to the first chart drawn with no script running."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHART_SELECTOR, RUNNING_SELECTOR, AppServer, launch_chromium

    ready = """([chart, busy]) => {
        const svg = document.querySelector(chart + ' .main-svg');
        const shown = svg && svg.getBoundingClientRect().height > 0;
        return shown && document.querySelector(busy) === null ? performance.now() : false; }"""
    out: dict[str, list[float]] = {p: [] for p in names}
    with AppServer(script=script) as app, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for _ in ("cold", "warm"):
            for name in names:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.goto(url_of(app.url, name), wait_until="commit")
                handle = page.wait_for_function(ready, arg=[CHART_SELECTOR, RUNNING_SELECTOR], polling="raf",
                                                timeout=120_000)
                out[name].append(float(handle.json_value()))
                context.close()
        browser.close()
    return {p: (v[0], v[1]) for p, v in out.items()}


def browser_first_render(pages: list[str]) -> dict[str, tuple[float, float]]:
    """{page: (cold ms, warm ms)} for the app's pages, and the baseline app as "baseline"."""
    from tests.e2e.harness import page_url

    out = _first_render(lambda base, name: f"{base}/", ["baseline"], script=BASELINE_APP)
    out.update(_first_render(page_url, pages))
    return out


def _verdict(ms: float, target: float) -> str:
    return "ok" if ms < target else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default=",".join(P.pages()), help="comma-separated theory pages")
    ap.add_argument("--no-mc", action="store_true", help="skip the Monte Carlo overlay column")
    ap.add_argument("--no-browser", action="store_true", help="skip the browser first-render table")
    args = ap.parse_args()
    pages = [p for p in args.pages.split(",") if p]

    rows = [r for page in pages for r in server_side(page, not args.no_mc)]
    print("Server side: widget change -> figures ready (AppTest, cache cleared before each run)")
    print(f"target: theory only < {THEORY_TARGET_MS:.0f} ms; ratio = time / target")
    hdr = (f"{'page':13s} {'preset':16s} {'compute ms':>10s} {'ratio':>6s} {'verdict':>7s} {'run ms':>8s} {'ratio':>6s} "
           f"{'verdict':>7s} {'MC compute ms':>13s} {'MC run ms':>9s}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        mc = (f"{r['mc_compute']:13.0f} {r['mc_run']:9.0f}") if "mc_run" in r else f"{'-':>13s} {'-':>9s}"
        print(f"{r['page']:13s} {r['preset']:16s} {r['compute']:10.1f} {r['compute'] / THEORY_TARGET_MS:6.2f} "
              f"{_verdict(r['compute'], THEORY_TARGET_MS):>7s} {r['run']:8.0f} {r['run'] / THEORY_TARGET_MS:6.2f} "
              f"{_verdict(r['run'], THEORY_TARGET_MS):>7s} {mc}")
    missed = [f"{r['page']}/{r['preset']}" for r in rows if r["compute"] >= THEORY_TARGET_MS]
    print(f"theory compute over target: {', '.join(missed) if missed else 'none'}")
    missed = [f"{r['page']}/{r['preset']}" for r in rows if r["run"] >= THEORY_TARGET_MS]
    print(f"theory run (script + figures + AppTest) over target: {len(missed)} of {len(rows)}")
    b_first, b_rerun = baseline_server_ms()
    print(f"baseline {BASELINE_APP} (one Plotly chart) under AppTest: first run of a fresh AppTest {b_first:.0f} ms "
          f"(the 'default' rows are such runs), a rerun {b_rerun:.0f} ms (the preset rows)")

    if not args.no_browser:
        from tests.e2e.harness import app_pages

        render = browser_first_render(app_pages())
        print()
        print("Browser: navigation start -> first plotly chart drawn, no script running (Chromium, fresh context)")
        print(f"target < {RENDER_TARGET_MS:.0f} ms; ratio = time / target; x base = time / the baseline app's "
              f"(the plainest Streamlit page with one Plotly chart, {BASELINE_APP})")
        hdr = (f"{'page':13s} {'cold ms':>8s} {'ratio':>6s} {'x base':>6s} {'verdict':>7s} {'warm ms':>8s} {'ratio':>6s} "
               f"{'x base':>6s} {'verdict':>7s}")
        print(hdr)
        print("-" * len(hdr))
        b_cold, b_warm = render["baseline"]
        for name, (cold, warm) in render.items():
            print(f"{name:13s} {cold:8.0f} {cold / RENDER_TARGET_MS:6.2f} {cold / b_cold:6.2f} "
                  f"{_verdict(cold, RENDER_TARGET_MS):>7s} {warm:8.0f} {warm / RENDER_TARGET_MS:6.2f} "
                  f"{warm / b_warm:6.2f} {_verdict(warm, RENDER_TARGET_MS):>7s}")


if __name__ == "__main__":
    main()
