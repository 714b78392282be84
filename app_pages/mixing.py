"""Mixing page: Strong Model Collapse (Dohmatob, Feng, Subramonian, Kempe, ICLR 2025)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from engine.params import ParamError
from engine.simulate import mixing as sim
from engine.theory import mixing as view
from ui import figures_mixing as F
from ui.blocks import assumed_note, chart_block, compute_or_stop, gap_note
from ui.exports import chart_exports, py_params, python_command
from ui.compare import pin_controls
from ui.presets import sidebar_top
from ui.widgets import mc_controls, param_inputs

MODEL = "mixing"


def fmt(x: float, digits: int = 3) -> str:
    """A number for a metric; 'n/a' where the formula does not cover the setting."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}"


st.title("Mixing: strong model collapse from a fraction of synthetic data")
st.markdown(
    "A ridge model is trained on **T** samples, a fraction **p₂** of which are synthetic: their labels come from a "
    "shifted ground truth w₂* = w₁* + δ whose quality is c² = E‖δ‖²_Σ. The test error on real data follows the "
    "clean scaling law and then **flattens at a floor ≈ p₂²c²** that no amount of extra data removes, even at 1% or "
    "0.1% synthetic data. In the random-projections model of width m, larger models **amplify** the collapse below "
    "the interpolation threshold m = T and **mitigate** it above, without curing it. "
    "*Dohmatob, Feng, Subramonian, Kempe: Strong Model Collapse (ICLR 2025), arXiv 2410.04840.*"
)

with st.sidebar:
    sidebar_top(MODEL)
    st.subheader("Synthetic data")
    mix = param_inputs(MODEL, ["p_synth", "c2"])
    st.subheader("Sizes")
    sizes = param_inputs(MODEL, ["d", "T", "m"])
    if sizes["m"] > 0 and sizes["T"] > 0:
        st.caption(f"ψ = m/T = **{sizes['m'] / sizes['T']:.3g}** (random projections, §1.4)")
    else:
        st.caption("m = 0: the classical linear model (Theorem 1).")
    st.subheader("Regularization and noise")
    reg = param_inputs(MODEL, ["lam", "sigma", "sigma_synth"])
    st.subheader("Data and projection")
    data = param_inputs(MODEL, ["spectrum", "beta", "r", "w1_norm", "proj_var"])
    st.divider()
    vary = st.radio("Width chart: compare curves over", ["p_synth", "c2"], key="vary", bind="query-params",
                    horizontal=True, help="Extra total-error curves in chart 2, for several synthetic fractions or qualities.")
    mc_on, mc_seeds = mc_controls(
        "Simulate exactly the same model (§8) and draw mean ± standard error over seeds.",
        [3, 5, 10, 20], 5)

params = {**mix, **sizes, **reg, **data}
pin_controls(MODEL, params)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_view(items: tuple, vary_key: str) -> dict:
    return view.theory_view(dict(items), vary_key)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_mc(items: tuple, chart: str, seeds: int) -> pd.DataFrame:
    return sim.mc_view(dict(items), chart, seeds=seeds)


items = tuple(sorted(params.items()))
v = compute_or_stop(cached_view, items, vary if vary in ("p_synth", "c2") else "p_synth")

p = v["params"]
ro = v["readouts"]

# ------------------------------------------------------------------ readouts (§10 item 5)
cols = st.columns(5)
cols[0].metric("floor p₂²c²", fmt(ro["floor"]), help="Large-T floor of ζ as λ → 0 (§2.4).")
cols[1].metric("floor at this λ", fmt(ro["floor_lam"]), help="p₂²·tr ΔΣ³(Σ+λ)⁻² (§2.4).")
cols[2].metric("crossover n*", fmt(ro["n_star"]),
               help="Isotropic: σ²d/(p₂²c²) (§2.4). Power law: where the clean curve meets the floor, "
                    "(A/floor)^(1/γ) with a local power-law fit (§2.5, derived).")
cols[3].metric("σ² = p₁σ₁² + p₂σ₂²", fmt(ro["sigma2"]))
cols[4].metric("E_mix/E_clean", fmt(ro["ratio_mix_clean"]),
               help="Mix vs real data only, same total T, same model (m, λ).")

st.subheader("What are the synthetic samples worth?")
worth = pd.DataFrame({
    "training set": [f"mix: {int(ro['n1'])} real + {int(ro['n2'])} synthetic",
                     f"real only, n₁ = {int(ro['n1'])} (synthetic samples dropped)",
                     f"real only, T = {int(p['T'])} (synthetic replaced by real)"],
    "test error": [ro["error_mix"], ro["error_real_n1"], ro["error_real_same_T"]],
})
c1, c2 = st.columns([3, 2])
c1.dataframe(worth, hide_index=True, width="stretch")
with c2:
    st.metric("equivalent real sample size", fmt(ro["equivalent_T"], 4),
              help="The smallest real-only sample size whose error (same λ and m) is at most the mix's error.")
    st.metric("one synthetic sample is worth (real samples)", fmt(ro["worth_per_synthetic"]),
              help="(equivalent size − n₁)/n₂: 1 = as good as real data, 0 = useless, < 0 = harmful.")
if not math.isfinite(ro["error_mix"]):
    st.info("The current setting is not covered by the formulas (λ = 0 at T = d is the interpolation peak of the "
            "classical model, where the error is infinite): the readouts show n/a. Set λ > 0 or move T away from d.")
if math.isfinite(ro["worth_per_synthetic"]) and ro["worth_per_synthetic"] < 0:
    st.caption("Negative: the mix is worse than training on fewer real samples. Near the interpolation peak "
               "(T ≈ d or m ≈ T with small λ) every extra sample can hurt; raise λ or T to see the scaling regime.")
assumed_note("the 'equivalent real sample size' and 'worth per synthetic sample' readouts are defined for this "
             "project (the paper compares the mix with the real-only baselines of §8 step 5).")

# ------------------------------------------------------------------ Monte Carlo
mc_ok, mc_why = sim.mc_available(p)
if mc_on and not mc_ok:
    st.warning(mc_why)
mc: dict[str, pd.DataFrame] = {}
if mc_on and mc_ok:
    bar = st.progress(0.0, text="Running the Monte Carlo simulation…")
    for i, chart in enumerate(sim.MC_CHARTS):
        try:
            mc[chart] = cached_mc(items, chart, int(mc_seeds))
        except (ParamError, ValueError, MemoryError) as exc:
            st.warning(f"Monte Carlo for the {chart} chart was skipped: {exc}")
        bar.progress((i + 1) / len(sim.MC_CHARTS), text=f"Monte Carlo: {i + 1}/{len(sim.MC_CHARTS)} charts")
    bar.empty()

# ------------------------------------------------------------------ 1. scaling in T
st.subheader("1. Scaling in T with a synthetic fraction (Corollary 1, Theorem 1)")
sc = v["scaling"]
chart_block(
    F.fig_scaling(sc["curves"], sc["marks"], float(p["p_synth"]), mc.get("scaling")),
    sc["curves"].merge(sc["marks"], on="p_synth", how="left"), "mixing error vs T",
    [r"E_{test} \simeq B + V + \zeta,\quad \kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/n,\quad u = \frac{\mathrm{df}_2(\kappa)}{n-\mathrm{df}_2(\kappa)}",
     r"B = (1+u)\,\kappa^2\sum_j \frac{a_j\ell_j}{(\ell_j+\kappa)^2},\qquad V = \sigma^2 u,\qquad \sigma^2 = p_1\sigma_1^2 + p_2\sigma_2^2",
     r"\zeta = p_2^2(1+p_1u)\,\mathrm{tr}\,\Delta\Sigma^3(\Sigma+\kappa)^{-2} + p_2\,u\,\mathrm{tr}\,\Delta\Sigma(p_1\Sigma+\kappa)^2(\Sigma+\kappa)^{-2}\quad(\text{Eq. 9–10})",
     r"\Sigma=I,\ \lambda\to0:\ E_{test} \simeq \sigma^2\frac{\phi}{1-\phi} + \Big(p_2^2 + p_2p_1\frac{\phi}{1-\phi}\Big)c^2\quad(\text{Eq. 11}),\qquad n^* = \frac{\sigma^2 d}{p_2^2c^2}",
     r"\text{floor: } \lim_{n\to\infty}\zeta = p_2^2\,\mathrm{tr}\,\Delta\Sigma^3(\Sigma+\lambda)^{-2} \to p_2^2c^2\ (\lambda\to0)"],
    note="Classical linear model (m = 0) for every curve. Dotted segments: each curve's ζ floor at the current λ "
         "(the total levels off at that floor plus the black dotted clean floor); "
         "× marks: the crossover n* (isotropic: σ²d/(p₂²c²); power law: where the clean curve meets the floor, §2.5 [D]).",
    **chart_exports(MODEL, p, "error vs T", "T", sorted(set(sc["curves"]["T"].tolist())), "p_synth",
                    list(sc["marks"]["p_synth"]), m=0,
                    note="one command per p_synth curve (m = 0); the floor and crossover columns come from "
                         "engine.theory.mixing.scaling_view"),
)
gap_note(int(sc["curves"]["total"].isna().sum()), "λ = 0 at T = d is the interpolation peak of the classical model.")

# ------------------------------------------------------------------ 2. error vs width
st.subheader("2. Error against model size m: amplification below m = T, mitigation above (Figs. 2, 4)")
wd = v["width"]
chart_block(
    F.fig_width(wd, mc.get("width")), wd["curves"], "mixing error vs width",
    [r"\frac{\lambda}{s^2} = \theta\,(m - \mathrm{df}_1(\theta))\,(1 - \mathrm{df}_1(\theta)/n),\quad \theta > \theta_0",
     r"\omega = \frac{\mathrm{df}_1-\mathrm{df}_2}{m-\mathrm{df}_2},\quad \mathrm{DF}_2 = \mathrm{df}_2 + \frac{(\mathrm{df}_1-\mathrm{df}_2)^2}{m-\mathrm{df}_2},\quad u = \frac{\mathrm{DF}_2}{n-\mathrm{DF}_2}",
     r"B = (1+u)\Big[\theta^2\sum_j\frac{a_j\ell_j}{(\ell_j+\theta)^2} + \theta\omega\sum_j\frac{a_j\ell_j^2}{(\ell_j+\theta)^2}\Big],\quad V = \sigma^2u",
     r"\zeta = p_2^2(1+p_1u)\,[T_3 + \theta\omega T_2] + p_2u\Big[\sum_j\frac{\delta_j\ell_j(p_1\ell_j+\theta)^2}{(\ell_j+\theta)^2} + \theta\omega p_2^2T_2\Big]"],
    note=("Solid: total; dotted: bias; dash-dot: variance; dashed: ζ (current parameters). Thin lines: the total for other "
          + ("synthetic fractions." if wd["vary"] == "p_synth" else "synthetic qualities c².")
          + " Horizontal line: the classical model as m → ∞ ("
          + ("ridgeless, since s² = 1/d makes the effective ridge λd/m vanish)." if p["proj_var"] == "1/d" else "ridge λ, since s² = 1/m).")
          + (" d > T: as λ → 0 the error peaks at m = T (double descent); a larger λ (or λd with s² = 1/d) smooths the peak."
             if wd["peak_expected"] else " d ≤ T: no peak at m = T (§3.4): as λ → 0 the error is flat once m ≥ d.")),
    **chart_exports(MODEL, p, "error vs width", "m", sorted(set(wd["curves"]["m"].tolist())), wd["vary"],
                    list(dict.fromkeys(wd["curves"][wd["vary"]].tolist())),
                    note="one command per curve; the first is the current parameters"),
)
if p["lam"] == 0:
    st.info("λ = 0: the random-projections formulas are evaluated at λ = 10⁻⁸ (§3.3), and m = T itself is left out "
            "(the interpolation threshold, where the error is infinite).")
gap_note(int(wd["curves"]["total"].isna().sum()), "interpolation threshold.")
assumed_note("the random-projections formulas (§3.3) are a deterministic equivalent derived for this project and checked "
             "by Monte Carlo; the paper's Definition 2 / Theorem 2 are not reproduced. The projection variance s² "
             f"(now {p['proj_var']}) is unknown in the paper.")

# ------------------------------------------------------------------ 3. Pareto
st.subheader("3. Pareto view: real data only vs the mix at equal T (Fig. 1)")
chart_block(
    F.fig_pareto(v["pareto"], mc.get("pareto")), v["pareto"], "mixing pareto",
    [r"x = E_{test}(p_2 = 0,\ m),\qquad y = E_{test}(p_2,\ c^2,\ m),\qquad \psi = m/n",
     r"y - x = \zeta + (\sigma^2 - \sigma_1^2)\,u \quad(\text{same } \theta,\ u \text{ for both})"],
    note="One point per width m (colour: log₁₀ ψ), one marker per quality c². With σ₁ = σ₂ the c² = 0 points lie on the "
         "diagonal; lower quality lifts the points above it, most near ψ = 1.",
    **chart_exports(MODEL, p, "pareto", "m", sorted(set(v["pareto"]["m"].tolist())),
                    curves=[(f"error_mix (column total) for c2 = {q:g}", {"c2": q})
                            for q in dict.fromkeys(v["pareto"]["c2"].tolist())]
                    + [("error_real_only (column total): real data only, p_synth = 0", {"p_synth": 0.0})],
                    note="y = total of the c2 curve, x = total with p_synth = 0, at the same m"),
)
assumed_note("Fig. 1's marker-to-quality mapping (squares, diamonds, stars) is taken as increasing c²; the paper's λ, σ, "
             "‖w₁*‖ and m grid are unknown, so this view uses the current sliders.")

# ------------------------------------------------------------------ 4. weighted mixing
st.subheader("4. Mitigation by weighting the synthetic samples (§5.1)")
wt = v["weighted"]
if 0 < p["p_synth"] < 1:
    chart_block(
        F.fig_weighted(wt), wt["curve"], "mixing weighted mixing",
        [r"E_{test} \approx \alpha^2c^2 + \phi\Big[\frac{(1-\alpha)^2\sigma_1^2}{p_1} + \frac{\alpha^2\sigma_2^2}{p_2} + c^2\alpha^2\Big(\frac{(1-\alpha)^2}{p_1p_2} + 2(1-\alpha)\Big(\frac{1-\alpha}{p_1} - \frac{\alpha}{p_2}\Big)\Big)\Big]",
         r"\alpha^* \approx \frac{\phi\,\sigma_1^2}{p_1c^2} \to 0\quad(n\to\infty)"],
        note=f"Weights (1−α)/p₁ on real and α/p₂ on synthetic samples; α = p₂ is plain mixing. φ = d/T = {wt['phi']:.3g}.",
        **chart_exports(MODEL, p, "weighted mixing", command=python_command(
            "from engine.theory import mixing as M; "
            f"p = M.resolve_params({py_params(MODEL, p)}); "
            'print(M.weighted_view(p)["curve"].to_csv(index=False))',
            "weighted mixing (§4.1 working replacement) is not an output of curve(), so no single "
            "`python -m engine curve` call reproduces it; this prints the chart's data")),
    )
    if wt["phi"] > 0.2:
        st.warning("This formula is a small-φ expansion (φ = d/T ≪ 1, Σ = I, λ → 0); at the current φ it is only indicative.")
    assumed_note("the paper's Corollary 2 (Eq. 17–18) is internally inconsistent (§4.1); this is the working replacement "
                 "derived for this project (Monte-Carlo checked), isotropic Σ only.")
else:
    st.caption("Weighted mixing needs both real and synthetic samples (0 < p₂ < 1).")

with st.expander("What is assumed here (not from the paper)"):
    st.markdown(
        "- **c² normalization** (§1.3): c² := tr ΣΔ = E‖w₂* − w₁*‖²_Σ with Δ = (c²/d)Σ⁻¹ (the Fig. 1 convention); the "
        "paper's Definition 1 reads (1/d)·tr ΣΔ, which would not give the stated floor ([?]).\n"
        "- **Loss normalization** 1/n with +λ‖w‖² (§1.2, [?]).\n"
        "- **Ground truth and spectrum** (§ 'Spectrum and ground truth', [A]): isotropic ‖w₁*‖ = `w1_norm` in a random "
        "direction; power law ℓ_j = j^-β with a_j = ‖w₁*‖²·j^-δ, δ = 1 + β(2r − 1).\n"
        "- The defaults λ = 10⁻⁴, σ₁ = σ₂ = 0.5, ‖w₁*‖ = 1, c² = 0.5 are project choices ([A]).\n"
        "- **Random projections** (§3.3, [D]): the deterministic equivalent is derived for this project; s² is [?]; "
        "λ = 0 is evaluated at 10⁻⁸ ([A]).\n"
        "- **Weighted mixing** (§4.1, [D]) and the **power-law crossover** (§2.5, [D]) are derived for this project.\n"
        "- Monte Carlo split columns (bias, variance, ζ) use the estimators of §8 ([A])."
    )
