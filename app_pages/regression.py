"""Regression page: Model Collapse Demystified (Dohmatob, Feng, Kempe, NeurIPS 2024)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.views import regression as view
from ui import figures_regression as F
from ui.blocks import assumed_note, chart_block, compute_or_stop, gap_note
from ui.exports import chart_exports
from ui.compare import pin_controls
from ui.presets import sidebar_top
from ui.widgets import mc_controls, param_inputs

MODEL = "regression"

st.title("Regression: retraining on synthetic labels")
st.markdown(
    "A ridge model is trained on labels produced by a chain of **n** earlier models, each an OLS (or "
    "minimum-norm) fit to the previous one's noisy labels. Every generation adds label noise σ₀² that the "
    "next model learns as if it were signal, so the test error picks up a **collapse term** nσ₀²ρ that grows "
    "linearly in n and does not vanish as the downstream sample size T grows: the scaling law flattens. "
    "*Dohmatob, Feng, Kempe: Model Collapse Demystified: The Case of Regression (NeurIPS 2024).*"
)

with st.sidebar:
    sidebar_top(MODEL)
    st.subheader("Sizes")
    sizes = param_inputs(MODEL, ["d", "T", "T0", "n"])
    st.subheader("Regularization")
    reg = param_inputs(MODEL, ["lam_rule", "lam", "ell"])
    st.subheader("Noise")
    noise = param_inputs(MODEL, ["sigma", "sigma0"])
    st.subheader("Data")
    data = param_inputs(MODEL, ["spectrum", "beta", "r", "w0_norm", "design"])
    st.divider()
    mc_on, mc_seeds = mc_controls(
        "Simulate exactly the same model (§9) and draw mean ± standard error over seeds.",
        [4, 8, 16, 32], 8)
    runs_on = st.toggle("Overlay training runs", key="runs", bind="query-params",
                        help="Cached regression_chain runs (gradient-descent training, see the Runs page) whose "
                             "d, T₀, λ, σ, σ₀ and spectrum equal the current values, on chart 3.")

params = {**sizes, **reg, **noise, **data}
pin_controls(MODEL, params)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_view(items: tuple) -> dict:
    return view.theory_view(dict(items))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_mc(items: tuple, chart: str, seeds: int) -> object:
    return view.mc_view(dict(items), chart, seeds=seeds)


v = compute_or_stop(cached_view, tuple(sorted(params.items())))

consts = v["constants"]
cols = st.columns(6)
cols[0].metric("effective λ", f"{v['lam_eff']:.3g}")
cols[1].metric("κ(λ, T)", f"{v['by_n']['kappa'].iloc[0]:.3g}")
cols[2].metric("ℓ_crit", f"{consts['ell_crit']:.3g}", help="β/(2βr̲+1) (§7.1): a power-law notion, computed from β and r.")
cols[3].metric("c", f"{consts['c']:.3g}", help="Clean rate T^-c = 2βr̲/(2βr̲+1) (§7.1).")
cols[4].metric("δ", f"{consts['delta']:.3g}", help="Source condition c_j = j^-δ/2, δ = 1 + β(2r−1).")
cols[5].metric("ℓ⋆", "n/a" if not np.isfinite(consts["ell_star"]) else f"{consts['ell_star']:.3g}",
               help="Corollary 5.2 with a = 0 (assumed): min(b·ℓ_crit, β), b = log T₀/log T.")

regime = []
if params["T0"] < params["d"]:
    regime.append("T₀ < d: **over-parameterized generators**; the total uses the general engine of §6.4 "
                  "(derived for this project and checked by Monte Carlo, not in the paper).")
if params["T0"] in (params["d"], params["d"] + 1) and params["n"] > 0:
    regime.append("T₀ ∈ {d, d+1}: the generator factor 1/(T₀−d−1) is infinite; those points are gaps.")
if v["lam_eff"] == 0 and params["T"] == params["d"]:
    regime.append("λ = 0 at T = d is the interpolation peak (1 − df₂/T = 0): not covered, shown as a gap.")
if params["lam_rule"] in ("critical", "corrected") and params["spectrum"] == "isotropic":
    regime.append("ℓ_crit is a power-law notion: the critical and corrected rules use β and r even on the isotropic spectrum.")
for line in regime:
    st.info(line)

mc_ok, mc_why = view.mc_available(params)
if mc_on and not mc_ok:
    st.warning(mc_why)
mc: dict[str, object] = {}
if mc_on and mc_ok:
    charts = ("by_n", "by_lam", "by_T", "scaling", "overparam")
    bar = st.progress(0.0, text="Running the Monte Carlo simulation…")
    for i, chart in enumerate(charts):
        mc[chart] = cached_mc(tuple(sorted(params.items())), chart, int(mc_seeds))
        bar.progress((i + 1) / len(charts), text=f"Monte Carlo: {i + 1}/{len(charts)} charts")
    bar.empty()



def export(chart: str, sweep: str, values, per: str | None = None, per_values=(), **fixed) -> dict:
    """Parameters JSON and the command(s) reproducing one chart's theory data (ui.exports.chart_exports)."""
    return chart_exports(MODEL, params, chart, sweep, values, per, per_values, **fixed)


def grid(values) -> list:
    return [float(x) if isinstance(x, float) else int(x) for x in np.unique(np.asarray(values))]


by_n = v["by_n"]
st.subheader("1. Test error against the number of generations")
chart_block(
    F.fig_error_vs_n(by_n, v["null"], mc.get("by_n")), by_n, "regression error vs n",
    [r"E_{test} \simeq Bias + Var + n\,\sigma_0^2\,\rho", r"\rho = \frac{\mathrm{df}_2(\kappa)\,(T + d - 2\,\mathrm{df}_1(\kappa))}{(T-\mathrm{df}_2(\kappa))\,(T_0-d-1)}\quad(T_0\ge d+2,\ \text{Eq. 19})",
     r"Bias \simeq \frac{\kappa^2 w_0^\top\Sigma(\Sigma+\kappa I)^{-2}w_0}{1-\mathrm{df}_2(\kappa)/T},\qquad Var \simeq \frac{\sigma^2\,\mathrm{df}_2(\kappa)}{T-\mathrm{df}_2(\kappa)}",
     r"\text{Thm 4.1 (exact, }\lambda=0):\ \frac{\sigma^2 d}{T-d-1} + n\,\frac{\sigma_0^2 d}{T_0-d-1}"],
    note="The collapse part is linear in n when T₀ ≥ d. The broken line (Thm 4.1) appears when the effective λ ≤ 10⁻³.",
    **export("error vs n", "n", grid(by_n["n"])),
)
gap_note(int(by_n["total"].isna().sum()), "T₀ ∈ {d, d+1} or λ = 0 at T = d.")

st.subheader("2. The U-shape in λ (Fig. 1 left)")
chart_block(F.fig_u_shape(v["by_lam"], v["lam_opt"], mc.get("by_lam")), v["by_lam"], "regression u-shape in lambda",
            [r"\kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/T", r"E_{test}(\lambda) = Bias(\lambda) + Var(\lambda) + n\sigma_0^2\rho(\lambda)"],
            note="Stars mark each curve's optimal λ; the optimum moves right as n grows (the minimum is flat).",
            **export("u-shape", "lam", grid(v["by_lam"]["lam"]), "n",
                     grid(v["by_lam"]["n"]), lam_rule="fixed"))

st.subheader("3. Error against T at the current λ rule (Fig. 1a right)")
fig_T = F.fig_error_vs_T(v["by_T"], params["T0"], mc.get("by_T"))
if runs_on:
    from ui.runs_overlay import add_cached_points, cached_points

    keys = ("d", "T0", "lam", "sigma", "sigma0", "spectrum")
    run_pts = cached_points(MODEL, {k: params[k] for k in keys}, task="regression_chain")
    run_pts = run_pts[run_pts["x_key"] == "T"] if len(run_pts) else run_pts
    if params["lam_rule"] != "fixed" or run_pts.empty:
        st.caption("No cached training run matches the current d, T₀, λ, σ, σ₀ and spectrum with the fixed λ rule "
                   "(the shipped run uses the defaults: d=300, T₀=600, λ=10⁻³, σ=0.1, σ₀=0.2). Launch one on the Runs page.")
    else:
        add_cached_points(fig_T, run_pts, x_key="T", name="training run (gradient descent)")
        st.caption(f"Training runs: {run_pts['run_id'].nunique()} cached run(s), hollow diamonds (mean ± se over seeds).")
chart_block(fig_T, v["by_T"], "regression error vs T",
            [r"\lim_{T\to\infty} E_{test} = n\,\sigma_0^2\,\frac{d}{T_0-d-1}\quad(\lambda\to 0)"],
            note="Dotted horizontal lines: the plateau nσ₀²d/(T₀−d−1) (≈ nσ₀²φ₀/(1−φ₀)). Broken lines: Thm 4.1 exact.",
            **export("error vs T", "T", grid(v["by_T"]["T"]), "n", grid(v["by_T"]["n"])))

st.subheader("4. Scaling law on the power-law spectrum (Fig. 1b right, Fig. 4)")
chart_block(F.fig_scaling(v["scaling"], params["T0"], v["slopes"], params["n"], mc.get("scaling")), v["scaling"],
            "regression scaling law",
            [r"\lambda_k = k^{-\beta},\ c_j = j^{-\delta/2},\ \delta = 1+\beta(2r-1)",
             r"\text{critical: } \lambda = T^{-\ell_{crit}},\ \ell_{crit} = \frac{\beta}{2\beta\underline r+1};\quad \text{corrected: } \lambda = \max(T_0^{-\ell_{crit}}, T^{-\beta})",
             r"E \asymp \max(\sigma^2, T^{1-2\underline r\ell-\ell/\beta})\,T^{-(1-\ell/\beta)} + \frac{n\sigma_0^2}{1-\phi_0}\max(T/T_0,\phi_0)\,T^{-(1-\ell/\beta)}\ \ (\text{Thm 5.1})"],
            note="Grey dotted lines are the paper's asymptotic slopes, anchored to the exact curve (the paper gives no constants). "
                 "With the critical rule the error grows with T for n ≥ 1; the corrected rule levels off.",
            **export("scaling law", "T", grid(v["scaling"]["T"]), "lam_rule", view.RULES, spectrum="power"))
assumed_note("the corrected rule uses a = 0 (a constant number of generations) in Corollary 5.2.")

st.subheader("5. Over-parameterized generators, T₀ < d (Fig. 2)")
if params["T0"] >= params["d"]:
    st.caption(f"The current T₀ ≥ d, so this chart uses T₀ = d/2 = {v['overparam_T0']} as in Fig. 2.")
c1, c2 = st.columns(2)
with c1:
    chart_block(F.fig_overparam(v["overparam"], v["overparam_guides"], "dependent", v["null"], mc.get("overparam")),
                v["overparam"][v["overparam"]["design"] == "dependent"], "regression overparam dependent",
                [r"\Delta Bias \simeq (1 - 1/\phi_0)\,\lVert w_0\rVert^2\ \ (n\ge 1)"],
                **export("overparam dependent", "n", list(range(11)), T0=v["overparam_T0"], design="dependent"))
with c2:
    chart_block(F.fig_overparam(v["overparam"], v["overparam_guides"], "independent", v["null"], mc.get("overparam")),
                v["overparam"][v["overparam"]["design"] == "independent"], "regression overparam independent",
                [r"\Delta Bias \simeq (1 - \phi_0^{-n})\,\lVert w_0\rVert^2"],
                **export("overparam independent", "n", list(range(11)), T0=v["overparam_T0"], design="independent"))

with st.expander("What is assumed here (not from the paper)"):
    st.markdown(
        "- The ground truth: isotropic ‖w₀‖ = `w0_norm` in a random direction; power law c_j = j^-δ/2 (§8, [A]).\n"
        "- The Figure 1a noise σ = 0.1 is inferred from Fig. 2's caption ([A]).\n"
        "- The canonical total uses the exact generator factor T₀ − d − 1 instead of the paper's T₀ − d ([D]).\n"
        "- The corrected λ rule takes a = 0 in Corollary 5.2 ([A]).\n"
        "- The over-parameterized engine (§6.4) and the §6.2 recursion are derived for this project ([D]).\n"
        "- Monte Carlo split columns follow the definitions of Theorem F.1 ([A])."
    )
