"""Home page: what model collapse is, one live chart per paper, and a regime map (issue 8)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine import presets as P
from engine.views import home as H
from ui import figures_home as F
from ui.blocks import chart_block
from ui.exports import cli_command

st.title("Collapse Explorer")
st.markdown(
    "**Model collapse** is what happens when models are trained on data that other models produced. Each "
    "generation learns the previous one's mistakes as if they were facts and loses the rare cases (the *tails*) "
    "that the generator never reproduced. The symptom is not an immediate failure but a **broken scaling law**: "
    "more data stops helping. The four papers below make this precise, each in a model simple enough to solve "
    "exactly, and show what helps: regularization, clean data, and verifying synthetic data before training on it. "
    "Every curve here is computed live from the theory; each page checks it against a Monte Carlo simulation of the "
    "same model and against real retraining runs."
)

STORIES = {
    "regression": ("Regression", "Each generation adds label noise that the next model learns as signal: the error "
                   "levels off at ≈ 0.04·n instead of falling with T.", H.story_regression, F.fig_story_regression),
    "mixing": ("Mixing", "Even 1% synthetic data stops the error from falling: a floor that more data cannot remove.",
               H.story_mixing, F.fig_story_mixing),
    "tails": ("Tails", "AI data without its tail makes the error plateau; mixing in 10% clean data brings the descent "
              "back after a long plateau (grokking).", H.story_tails, F.fig_story_tails),
    "verification": ("Verification", "Verified synthetic data can beat its generator; without verification, or "
                     "with a verifier past its breakdown point, it cannot.", H.story_verification,
                     lambda df: F.fig_story_verification(df, H.STORY_GENERATOR_ACC)),
}


@st.cache_data(max_entries=8, show_spinner=False)
def cached_story(page: str) -> pd.DataFrame:
    return STORIES[page][2]()


@st.cache_data(max_entries=16, show_spinner=False)
def cached_regime_mixing(c2: float, sigma: float) -> pd.DataFrame:
    return H.regime_mixing(c2, sigma)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_regime_verification(N: float) -> pd.DataFrame:
    return H.regime_verification(N)


def story_commands(page: str, df: pd.DataFrame) -> str:
    """One `python -m engine curve` line per curve of a story chart."""
    preset = P.get_preset(page, H.STORY_PRESET[page])
    base = P.resolved(page, preset)
    x = "N" if page == "verification" else "T"
    lines = []
    for name, part in df.groupby("curve", sort=False):
        over = H.story_overrides(page, str(name))
        values = [f"{v:.6g}" for v in part[x]]
        lines.append(f"# {name}\n" + cli_command(page, {**base, **over}, x, values))
    return "\n".join(lines)


st.subheader("Four papers, four ways to collapse")
cols = st.columns(2)
for i, (page, (title, story, _, fig_fn)) in enumerate(STORIES.items()):
    with cols[i % 2]:
        df = cached_story(page)
        preset = P.get_preset(page, H.STORY_PRESET[page])
        fig = fig_fn(df)
        st.markdown(f"**{title}.** {story}")
        chart_block(fig, df, f"home {page}", [], command=story_commands(page, df),
                    explain=f"The scenario *{preset.title}* of the {title} page.")
        st.markdown(f"[Open the {title} page with this scenario →](./{page}?{P.query_string(page, preset)})")

st.subheader("Regime map: where does training collapse?")
which = st.radio("Map", ["Mixing: synthetic fraction × samples", "Verification: generator error × verifier p⋆"],
                 key="map", bind="query-params", horizontal=True)
if which.startswith("Mixing"):
    c1, c2_col = st.columns(2)
    c2 = c1.select_slider("synthetic quality c²", options=[0.05, 0.1, 0.2, 0.5, 1.0, 2.0], value=0.5, key="map_c2",
                          bind="query-params", help="Squared Σ-norm of the synthetic label shift (mixing.md §1.3).")
    sigma = c2_col.select_slider("label noise σ", options=[0.1, 0.2, 0.5, 1.0], value=0.5, key="map_sigma",
                                 bind="query-params")
    reg = cached_regime_mixing(float(c2), float(sigma))
    chart_block(F.fig_regime_mixing(reg), reg, "home regime mixing",
                [r"\text{ratio}(p_2, n) = \frac{E_{test}(\text{mix with } p_2)}{E_{test}(p_2 = 0)}\ \text{at the same } n"],
                note="Dark = the synthetic samples make the model much worse than real data alone. For every p₂ > 0 "
                     "the ratio keeps growing with n: the error with the mix stops at a floor while real data keeps "
                     "improving (strong collapse). Dashed: the error doubled.",
                explain="Theorem 1 of *Strong Model Collapse* on the isotropic model, d = 600, λ = 10⁻⁴, "
                        "σ₁ = σ₂ = σ (the Mixing page's defaults).")
else:
    N = st.select_slider("synthesized samples N", options=[1e2, 1e3, 1e4, 1e5, 1e6, 1e7], value=1e4, key="map_N",
                         bind="query-params", format_func=lambda v: f"{v:.0e}")
    reg = cached_regime_verification(float(N))
    chart_block(F.fig_regime_verification(reg), reg, "home regime verification",
                [r"\mathrm{acc}(N) \approx \Phi\!\left(\frac{c\,r^2}{\sqrt{c^2 r^2 + d/(N\pi)}}\right),\quad "
                 r"c > 0 \iff p < p^\star"],
                note="Red: the retrained model learns the wrong class. It happens exactly below the dashed line, "
                     "where the generator's error p exceeds the verifier's breakdown point p⋆; larger N only "
                     "sharpens the boundary. A noisy oracle (flip ρ, p⋆ = 1 − ρ), d = 100, ‖μ‖ = 1.",
                explain="The reconstructed theory of *Beyond Model Collapse* (verification.md §2.3) [R].")

st.divider()
st.caption("Pages: Regression, Mixing, Tails and Verification draw each paper's theory with Monte Carlo and run "
           "overlays; Runs lists the cached retraining runs and launches new ones. Every page has named scenarios "
           "(the Scenario menu) and a pin-to-compare button.")
