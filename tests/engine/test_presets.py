"""Presets (engine/presets.py): every scenario is valid, is a URL that reproduces it, is
recognised from its values, and the numbers its story quotes are what the theory gives."""

import math
from urllib.parse import parse_qsl

import numpy as np
import pytest

from engine import presets as P
from engine.params import ParamError, get_model
from engine.theory import regression as reg
from engine.theory import verification as ver

ALL = [(page, p) for page in P.pages() for p in P.presets(page)]


def test_every_theory_page_has_presets_and_figure_presets_say_what_is_assumed():
    assert set(P.pages()) == {"regression", "mixing", "tails", "verification"}
    for page in P.pages():
        ps = P.presets(page)
        assert len(ps) >= 5
        assert len({p.slug for p in ps}) == len(ps) and len({p.title for p in ps}) == len(ps)
    # the spec gives the setups of Regression Figs 1a, 1b, 2a, 2b and Mixing Fig 1: each has a preset
    figs = {p.figure for page in P.pages() for p in P.presets(page) if p.figure}
    assert {"Figure 1a", "Figure 1b", "Figure 2a", "Figure 2b", "Figure 1 (left panel)"} <= figs
    for page, p in ALL:
        if p.figure:
            assert p.assumed, f"{page}/{p.slug} reproduces a figure but does not say what is assumed"


@pytest.mark.parametrize("page,preset", ALL, ids=[f"{pg}-{p.slug}" for pg, p in ALL])
def test_preset_resolves_and_its_url_reproduces_it(page, preset):
    full = P.resolved(page, preset)
    assert set(full) == set(P.PAGE_KEYS[page])
    for k, v in preset.values.items():
        assert P.same_value(full[k], v)
    # the URL: parse it back the way the widgets do (registry coerce), missing keys default
    model = get_model(page)
    query = dict(parse_qsl(P.query_string(page, preset)))
    from_url = {k: model.param(k).coerce(v) for k, v in query.items() if k in P.PAGE_KEYS[page]}
    again = P.resolved(page, P.Preset("url", "url", "", from_url))
    assert all(P.same_value(again[k], full[k]) for k in full), (again, full)
    extras = {k: v for k, v in query.items() if k in P.PAGE_EXTRAS[page]}
    assert extras == {k: str(v) for k, v in preset.extras.items()}
    # recognised from its own values (first match wins, so a duplicate preset would fail here)
    assert P.matching(page, from_url, extras) is preset
    # the tab that tells the story travels in the URL; it is a view, so matching ignores it
    assert query.get(P.PANEL_KEY) == preset.panel
    if preset.panel is not None:
        assert preset.panel in P.PAGE_PANELS[page]


def test_matching_is_none_when_a_value_differs_and_differing_lists_keys():
    p = P.get_preset("regression", "fig1a")
    vals = dict(P.resolved("regression", p))
    vals["n"] = 6
    assert P.matching("regression", vals) is None
    assert P.differing("regression", P.resolved("regression", p), vals) == ["n"]
    assert P.matching("regression", {**vals, "n": 5}) is p


def test_bad_presets_and_lookups_are_rejected():
    with pytest.raises(ParamError, match="unknown preset"):
        P.get_preset("regression", "nope")
    with pytest.raises(ParamError, match="unknown page"):
        P.presets("runs")
    with pytest.raises(ParamError, match="not on the tails page"):
        P.resolved("tails", P.Preset("x", "x", "", {"lam": 1.0}))
    with pytest.raises(ParamError):
        P.resolved("regression", P.Preset("x", "x", "", {"d": -3}))
    with pytest.raises(ParamError, match="not on the tails page"):
        P.query_string("tails", P.Preset("x", "x", "", {"k": 10}, panel="Nope"))
    with pytest.raises(ParamError, match="panels: none"):
        P.resolved_panel("mixing", P.Preset("x", "x", "", {}, panel="Mixing"))


def test_tails_story_presets_open_their_tab():
    panels = {p.slug: p.panel for p in P.presets("tails")}
    assert panels["grokking"] == "Mixing" and panels["generations"] == "Generations"
    assert panels["cut-k100"] == panels["top-p"] == "Tail cutting"
    assert "panel=Mixing" in P.query_string("tails", P.get_preset("tails", "grokking"))


# ----------------------------------------------------------------------------- the stories' numbers
def _curve(page, preset, **over):
    import importlib

    return importlib.import_module(f"engine.theory.{page}").curve(**{**P.resolved(page, P.get_preset(page, preset)),
                                                                     **over})


def test_regression_strong_collapse_story_value():
    # spec §8 Fig 1a table: lam = 1e-4, n = 20 -> 0.8067; null error 1 reached near n = 25
    row = _curve("regression", "strong-collapse")
    assert row["total"].iloc[0] == pytest.approx(0.8067, abs=6e-5)
    at25 = reg.curve(**{**P.resolved("regression", P.get_preset("regression", "strong-collapse")), "n": 25})
    assert at25["total"].iloc[0] == pytest.approx(1.0, abs=0.03)


def test_regression_fig2_story_jumps():
    # Fig 2a: a constant jump of 0.5 for n >= 1 (dependent); Fig 2b: 1 - 2^-n (independent); T > d at lam -> 0
    base = P.resolved("regression", P.get_preset("regression", "fig2a"))
    dep = reg.curve(**{**base, "n": np.array([1, 2, 3])})
    ind = reg.curve(**{**P.resolved("regression", P.get_preset("regression", "fig2b")), "n": np.array([1, 2, 3])})
    var = 0.01 * 300 / (1000 - 301)
    np.testing.assert_allclose(dep["total"], 0.5 + var, atol=0.01)
    np.testing.assert_allclose(ind["total"], [0.5 + var, 0.75 + var, 0.875 + var], atol=0.02)


def test_regression_regularize_story_optimum_near_027():
    base = P.resolved("regression", P.get_preset("regression", "regularize"))
    lams = np.geomspace(0.01, 10, 200)
    tot = reg.curve(**{**base, "lam": lams})["total"].to_numpy()
    assert 0.15 < lams[np.argmin(tot)] < 0.45  # spec: optimum about 0.27 at n = 10 (flat minimum)


@pytest.mark.parametrize("slug,expected", [("tv-none", 0.7836), ("tv-custom", 0.8208), ("random", 0.7475)])
def test_verification_test_vector_presets(slug, expected):
    out = ver.curve(**P.resolved("verification", P.get_preset("verification", slug)))
    assert out["acc"].iloc[0] == pytest.approx(expected, abs=6e-5)


def test_verification_breakdown_story_p_above_p_star():
    out = ver.curve(**P.resolved("verification", P.get_preset("verification", "breakdown")))
    assert out["p_star"].iloc[0] == pytest.approx(0.55)
    assert out["acc"].iloc[0] < 0.5  # learns the wrong class
    ok = ver.curve(**P.resolved("verification", P.get_preset("verification", "oracle")))
    assert ok["acc"].iloc[0] > 0.83


def test_tails_cut_story_plateau():
    # k = 100, beta = 2: flat at zeta(2, 101)/zeta(2) once T >> k^beta
    from scipy.special import zeta

    T = np.array([1e8])
    out = _curve("tails", "cut-k100", T=T)
    assert out.iloc[0, 1:].notna().any()
    plateau = zeta(2, 101) / zeta(2)
    assert out["error"].iloc[0] == pytest.approx(plateau, rel=1e-3)


def test_mixing_strong_collapse_story_floor():
    # 1% synthetic data: from T = 1e6 to 1e7 the error barely moves (floor p2^2 c^2 = 5e-5), real-only data
    # falls tenfold
    mix = _curve("mixing", "strong-1pct", T=np.array([1_000_000, 10_000_000]))["total"].to_numpy()
    clean = _curve("mixing", "strong-1pct", T=np.array([1_000_000, 10_000_000]), p_synth=0.0)["total"].to_numpy()
    assert mix[1] > 0.7 * mix[0] and mix[1] == pytest.approx(5e-5, rel=0.05)
    assert clean[1] < 0.15 * clean[0]
