"""AppTests of the Verification page (app_pages/verification.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest_util import option_value, run_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "verification.py")


def _run(query: dict | None = None) -> AppTest:
    return run_page(PAGE, query)


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def _text(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_renders_with_defaults():
    at = _run()
    assert not at.error
    assert "[R] Reconstructed theory" in _text(at.warning)
    labels = [m.label for m in at.metric]
    for needle in ("φ (keep correct)", "ψ (keep wrong)", "kept π", "purity q_sel", "signal c", "p⋆", "regime",
                   "N_eff", "acc at N", "acc N → ∞", "Bayes Φ(r)", "p̂⋆"):
        assert needle in labels
    assert len(_charts(at)) == 4  # three theory charts and the audit chart
    regime = next(m for m in at.metric if m.label == "regime")
    assert regime.value == "optimal"  # p = 0.3 < p* = 0.5 without verification
    assert len(at.get("download_button")) >= 4


def test_monte_carlo_overlay():
    at = _run({"N": "1000"})
    at.toggle(key="mc").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert len(_charts(at)) == 4


def test_monte_carlo_with_logistic_learner_and_skips():
    at = _run({"mc": "true", "mc_learner": "logistic", "mc_seeds": "4", "d": "20"})
    assert not at.error
    assert "skipped" in _text(at.info)


def test_bad_url_value_shows_error_and_uses_default():
    at = _run({"p_err": "1.5"})
    errors = _text(at.error)
    assert "p_err" in errors and "[0, 1]" in errors
    assert at.slider(key="p_err").value == pytest.approx(0.3)


@pytest.mark.parametrize("verifier", ["oracle", "noisy_oracle", "random", "custom"])
def test_every_preset_renders(verifier):
    at = _run({"verifier": verifier})
    assert not at.error
    assert at.selectbox(key="verifier").value == verifier


def test_linear_verifier_warns_about_feature_gap():
    at = _run({"verifier": "linear", "p_err": "0.9", "theta": "30"})
    assert "no sharp flip" in _text(at.warning)
    assert any("feature-based" in m.label for m in at.metric)
    assert "collapse" in next(m for m in at.metric if m.label == "regime").value


def test_infinite_N_and_monte_carlo():
    at = _run({"N": "inf", "mc": "true", "mc_seeds": "4"})
    assert not at.error
    assert "N = ∞" in _text(at.info)


def test_linear_verifier_in_one_dimension_monte_carlo_is_refused_cleanly():
    at = _run({"verifier": "linear", "d": "1", "mc": "true", "mc_seeds": "4"})
    assert "Monte Carlo unavailable" in _text(at.warning)


def test_audit_counts_entered_by_hand():
    at = _run()
    at.radio(key="audit_mode").set_value("Enter my audit counts").run()
    assert not at.exception
    assert "p = 0.3 is below the whole interval" in _text(at.success)
    at.number_input(key="audit_kc").set_value(800).run()  # more kept than audited
    assert "kept_correct" in _text(at.error)


def _slider_cases() -> list[tuple[str, str, object, object]]:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["mc"] = "true"  # enables the Monte Carlo widgets too
    at.query_params["mc_seeds"] = "4"
    at.run()
    cases = [("slider", s.key, s.min, s.max) for s in at.slider if not s.disabled]
    cases += [("select_slider", s.key, s.options[0], s.options[-1]) for s in at.select_slider if not s.disabled]
    return cases


SLIDERS = _slider_cases()


def test_slider_discovery_found_the_parameters():
    keys = {c[1] for c in SLIDERS}
    assert {"keep_correct", "keep_wrong", "flip", "keep_rate", "theta", "tau", "p_err", "snr", "N", "d"} <= keys


@pytest.mark.parametrize("kind, key, lo, hi", SLIDERS, ids=[c[1] for c in SLIDERS])
def test_every_slider_at_its_bounds(kind, key, lo, hi):
    query = {"verifier": "linear"}  # shows the linear verifier's readouts and warning paths too
    if key == "mc_seeds":
        query["mc"] = "true"
    at = _run(query)
    for value in (lo, hi):
        widget = at.slider(key=key) if kind == "slider" else at.select_slider(key=key)
        widget.set_value(value if kind == "slider" else option_value(value)).run()
        assert not at.exception, f"{key}={value}: {[e.value for e in at.exception]}"


def test_training_runs_overlay_matches_the_shipped_run():
    import json

    at = AppTest.from_file(PAGE, default_timeout=240)
    for k, v in {"runs": "true", "d": "20", "snr": "1.5"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name", "") for t in fig["data"]]
    assert any(n.startswith("training run, verifier") for n in names), names
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.query_params["runs"] = "true"
    at.run()
    assert any("No cached training run matches" in c.value for c in at.caption)


def _eigen_names(fig_json: dict) -> list[str]:
    return [t.get("name", "") for t in fig_json["data"] if t.get("name", "").startswith("eigen run: ")]


def test_eigen_runs_overlay_on_the_pstar_chart_and_their_own_section():
    import json

    at = _run({"runs": "true"})
    assert not at.error
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 5  # three theory charts, the audit chart, the eigen runs' chart
    pstar = charts[2]
    assert "none" in " ".join(_eigen_names(pstar)) and "oracle" in " ".join(_eigen_names(pstar))
    assert any(t.get("name") == "eigen generator (trained on real data)" for t in pstar["data"])
    by_N = charts[4]
    assert {"eigen run: none", "eigen run: oracle"} <= set(_eigen_names(by_N))
    assert any("Eigenvalue transformer runs" in h.value for h in at.subheader)
    assert any(c.value.startswith("Outcome at this size:") for c in at.caption)


def test_eigen_runs_absent_store_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_RUNS_DIR", str(tmp_path / "empty"))
    at = _run({"runs": "true"})
    assert any("No finished eigen_verify run" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 4
