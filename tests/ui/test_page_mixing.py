"""The Mixing page under AppTest: defaults, Monte Carlo overlay, bad URL values, edge settings."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "mixing.py")
TIMEOUT = 120


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at


def _charts(at: AppTest) -> list:
    return list(at.get("plotly_chart"))


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_renders_with_defaults() -> None:
    at = _run()
    assert not at.exception, [e.value for e in at.exception]
    assert not _errors(at)
    assert len(_charts(at)) == 4  # scaling, width, pareto, weighted
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Download CSV") == 4 and labels.count("Parameters JSON") == 4  # every chart exports both
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["floor p₂²c²"] == "0.005"  # 0.1² · 0.5
    assert metrics["crossover n*"] == "3e+04"  # σ² d/(p₂² c²) = 0.25 · 600/0.005
    assert metrics["one synthetic sample is worth (real samples)"] == "-8.98"  # (1 - 450)/50: near the peak
    assert metrics["E_mix/E_clean"] == "1.16"
    assert any("Not from the paper" in c.value for c in at.caption)
    assert not any("Monte Carlo" in c.proto.spec for c in _charts(at))


def test_monte_carlo_overlay() -> None:
    at = _run({"d": "60", "T": "80", "mc": "true", "mc_seeds": "20"})
    assert not at.exception, [e.value for e in at.exception]
    assert not _errors(at)
    charts = _charts(at)
    assert [("Monte Carlo" in c.proto.spec) for c in charts[:3]] == [True, True, True]


def test_monte_carlo_refused_for_large_d() -> None:
    at = _run({"d": "2000", "mc": "true"})
    assert not at.exception
    assert any("limited to d" in w.value for w in at.warning)
    assert len(_charts(at)) == 4


def test_bad_url_value_shows_error_and_uses_default() -> None:
    for query, needle in (({"p_synth": "1.5"}, "p_synth"), ({"c2": "-1"}, "c2"), ({"T": "abc"}, "T")):
        at = _run(query)
        assert not at.exception, query
        errs = _errors(at)
        assert errs and needle in errs[0], (query, errs)
        assert len(_charts(at)) == 4  # rendered with the default instead


def test_interpolation_threshold_gives_a_clear_message() -> None:
    at = _run({"m": "500", "T": "500", "lam": "0"})
    assert not at.exception
    errs = _errors(at)
    assert errs and "interpolation threshold" in errs[0]
    assert not _charts(at)  # no chart with silent NaN


def test_random_projections_power_spectrum_and_edges() -> None:
    at = _run({"spectrum": "power", "m": "300", "proj_var": "1/m", "vary": "c2"})
    assert not at.exception and not _errors(at)
    assert any("ψ = m/T" in c.value for c in at.sidebar.caption)
    assert len(_charts(at)) == 4
    # all-synthetic data, perfect quality, ridgeless at T = d: gaps and n/a, never a traceback
    at = _run({"p_synth": "1", "c2": "0", "lam": "0", "T": "600"})
    assert not at.exception and not _errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["crossover n*"] == "n/a"
    assert any("left as gaps" in i.value for i in at.info)
