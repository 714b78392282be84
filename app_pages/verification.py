"""Verification page: Beyond Model Collapse (Feng, Dohmatob, Yang, Charton, Kempe, ICLR 2025)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from engine.params import ParamError
from engine.simulate import verification as sim
from engine.theory import verification as theory
from ui import figures_verification as F
from ui.blocks import assumed_note, chart_block, compute_or_stop, csv_bytes, show_error
from ui.exports import chart_exports, py_params, python_command
from ui.compare import pin_controls
from ui.presets import sidebar_top
from ui.widgets import mc_controls, param_inputs

MODEL = "verification"

st.title("Verification: selecting synthesized data prevents collapse")
st.markdown(
    "A linear classifier is retrained on **N** synthesized samples whose labels a generator got wrong with "
    "probability **p**. Before training, a verifier keeps a correct sample with probability **φ** and a wrong one "
    "with probability **ψ**. The **breakdown point p⋆ = φ/(φ+ψ)** separates two regimes: for p < p⋆ the retrained "
    "model tends to the Bayes-optimal accuracy as N grows, for p > p⋆ it collapses. At finite N the transition is "
    "smooth and sharpens with N. *Feng, Dohmatob, Yang, Charton, Kempe: Beyond Model Collapse: Scaling Up with "
    "Synthesized Data Requires Verification (ICLR 2025).*"
)
st.warning(
    "**[R] Reconstructed theory.** The formulas on this page (Gaussian mixture, label-flip generator, (φ, ψ) "
    "verifier, centroid learner) were reconstructed and derived for this project from what is known about the "
    "paper and checked by Monte Carlo; they are not confirmed against the paper's text. Notation and exact "
    "statements may differ.", icon="⚠️",
)

with st.sidebar:
    sidebar_top(MODEL)
    st.subheader("Verifier")
    chosen = param_inputs(MODEL, ["verifier"])
    st.caption("The current verifier drives the readouts and charts 2-3; chart 1 draws every preset with the "
               "parameters below.")
    st.markdown("**custom (φ, ψ)**")
    custom = param_inputs(MODEL, ["keep_correct", "keep_wrong"])
    st.markdown("**noisy oracle** (φ = 1 − ρ, ψ = ρ)")
    noisy = param_inputs(MODEL, ["flip"])
    st.markdown("**random subsampling** (φ = ψ = s)")
    rand = param_inputs(MODEL, ["keep_rate"])
    st.markdown("**linear verifier** [R] (keep iff y′·wᵀx > τ)")
    linear = param_inputs(MODEL, ["theta", "tau"])
    st.subheader("Generator and data")
    data = param_inputs(MODEL, ["p_err", "N", "snr", "d"])
    st.divider()
    mc_on, mc_seeds = mc_controls(
        "Simulate the same model (§5.2: generate → flip → verify → train → exact accuracy) "
        "and draw mean ± standard error over seeds.",
        [4, 8, 16, 32, 64], 16)
    mc_learner = st.selectbox("Monte Carlo learner", sim.LEARNERS, key="mc_learner", bind="query-params",
                              disabled=not mc_on,
                              help="The closed forms are for the centroid learner; ridge and logistic share its "
                                   "N → ∞ limit (§2.2). Ridge λ = 1e-3·n and logistic penalty 1e-4 are [A].")

    runs_on = st.toggle("Overlay training runs", key="runs", bind="query-params",
                        help="Cached verification_classifier runs (a real logistic generator and retrained model, see "
                             "the Runs page) whose d and SNR equal the current values, on chart 1; the eigenvalue "
                             "transformer runs (eigen_verify) on chart 3 and in section 5.")

params = {**chosen, **custom, **noisy, **rand, **linear, **data}
pin_controls(MODEL, params)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_view(items: tuple) -> dict:
    return theory.theory_view(dict(items))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_mc(items: tuple, chart: str, seeds: int, learner: str) -> dict:
    return sim.mc_view(dict(items), chart, seeds=seeds, learner=learner)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_audit(items: tuple, k: int, seed: int, level: float) -> pd.DataFrame:
    return sim.audit_view(dict(items), k, seed=seed, level=level)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_eigen_cells(root: str, stamp: float) -> pd.DataFrame:
    from engine.runs.store import RunStore
    from engine.train.eigen_verify import cells_frame

    return cells_frame(RunStore(root))


key = tuple(sorted(params.items()))
v = compute_or_stop(cached_view, key)

r = v["readout"]
p = float(params["p_err"])


def fmt(x: float, digits: int = 4) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


# ----------------------------------------------------------------------------- readouts (§6.4)
st.subheader(f"Current verifier: {theory.verifier_label(params['verifier'], v['params'])}")
c = st.columns(6)
c[0].metric("φ (keep correct)", fmt(r["phi"]))
c[1].metric("ψ (keep wrong)", fmt(r["psi"]))
c[2].metric("kept π", fmt(r["keep_frac"]), help="π = (1−p)φ + pψ (§2.1)")
c[3].metric("purity q_sel", fmt(r["purity"]), help="q_sel = (1−p)φ/π: fraction of kept samples that are correct")
c[4].metric("signal c", fmt(r["c"]), help="c = ((1−p)φ − pψ)/π = 2q_sel − 1")
c[5].metric("p⋆", fmt(r["p_star"]), help="breakdown point p⋆ = φ/(φ+ψ) (§2.1, statement (a))")
c = st.columns(6)
c[0].metric("regime", r["regime"], help="optimal if p < p⋆, collapse if p > p⋆, boundary at p = p⋆ (§2.2)")
c[1].metric("N_eff", fmt(r["n_eff"], 5), help="N_eff = Nπc²: effective number of clean samples (§2.3); n/a at N = ∞")
c[2].metric("acc at N", fmt(r["acc"]), help="deterministic finite-N form of §2.3")
c[3].metric("acc N → ∞", fmt(r["acc_inf"]), help="Φ(sign(c)·r) (§2.2)")
c[4].metric("Bayes Φ(r)", fmt(r["bayes"]))
c[5].metric("acc averaged", fmt(r["acc_avg"]), help="E_ξ form of §2.3 (differs from the deterministic form "
            "by < 0.003 on the test vectors)")
st.caption(
    f"Statement (b) of the p⋆ ambiguity (§2.1): purity q_sel > 1/2 is **{'true' if r['purity_above_half'] else 'false'}** "
    "(equivalent to p < p⋆ when φ + ψ > 0). [U] The paper's exact definition of p⋆ is not confirmed: "
    "this page calls φ/(φ+ψ) 'p⋆'."
)
if params["verifier"] == "linear":
    feat = float(r["acc_inf_feature"])
    st.metric("linear verifier: exact feature-based limit (§2.5) [R]", fmt(feat))
    if np.isfinite(feat) and abs(feat - float(r["acc_inf"])) > theory.FEATURE_GAP_WARN:
        st.warning(
            f"The linear verifier's decision uses the same Gaussian noise the learner sees, so the (φ, ψ) mapping of "
            f"§1.3 is only approximate: its exact N → ∞ accuracy is {feat:.4f}, not {float(r['acc_inf']):.4f} "
            f"(difference > {theory.FEATURE_GAP_WARN}). There is no sharp flip at p⋆ for this verifier."
        )
    assumed_note("how the paper maps its linear verifier to (φ, ψ) is unknown; Φ(m − τ), Φ(−m − τ) with "
                 "m = r·cos θ is this project's reconstruction [R].")
if not math.isfinite(float(params["N"])):
    st.info("N = ∞: the charts show the infinite-sample limit; the Monte Carlo needs a finite N.")

# ----------------------------------------------------------------------------- Monte Carlo
mc: dict[str, pd.DataFrame | None] = {}
if mc_on:
    skipped = 0
    bar = st.progress(0.0, text="Running the Monte Carlo simulation…")
    for i, chart in enumerate(sim.MC_CHARTS):
        try:
            res = cached_mc(key, chart, int(mc_seeds), str(mc_learner))
        except ParamError as exc:
            st.warning(f"Monte Carlo unavailable for these parameters: {exc}")
            break
        mc[chart] = res["data"]
        skipped += int(res["skipped"])
        bar.progress((i + 1) / len(sim.MC_CHARTS), text=f"Monte Carlo: {i + 1}/{len(sim.MC_CHARTS)} charts")
    bar.empty()
    if skipped:
        st.info(f"{skipped} Monte Carlo point(s) were skipped: too expensive for a live overlay (N = ∞, or "
                "N·d·seeds too large for the chosen learner). Use `python -m engine simulate verification ...`.")

# ----------------------------------------------------------------------------- chart 1
st.subheader("1. Accuracy against N for several verifiers")
fig_N = F.fig_acc_vs_N(v["by_N"], v["refs"], mc.get("by_N"))
if runs_on:
    from ui.runs_overlay import add_cached_points, cached_points

    run_pts = cached_points(MODEL, {"d": params["d"], "snr": params["snr"]}, task="verification_classifier")
    if run_pts.empty:
        st.caption("No cached training run matches the current d and SNR (the shipped run uses d = 20, SNR = 1.5). "
                   "Launch one on the Runs page.")
    else:
        add_cached_points(fig_N, run_pts, x_key="N", name="training run, verifier")
        st.caption("Training runs (hollow diamonds): a logistic generator trained on a few real samples labels N inputs; "
                   "its errors depend on x, so the (φ, ψ) theory curves are only a guide for them.")
chart_block(
    fig_N, v["by_N"], "verification accuracy vs N",
    [r"\mathrm{acc}(N) \approx \Phi\!\left(\frac{c\,r^2}{\sqrt{c^2 r^2 + d/n}}\right),\quad n = N\pi,\ "
     r"\pi = (1-p)\varphi + p\psi,\ c = \frac{(1-p)\varphi - p\psi}{\pi}",
     r"\text{for } c>0:\ \mathrm{acc}(N) = \Phi\!\left(r\Big/\sqrt{1 + d/(r^2 N_{eff})}\right),\quad N_{eff} = N\pi c^2",
     r"\mathrm{acc}_\infty = \Phi(\mathrm{sign}(c)\, r)"],
    note="Curves for p < p⋆ rise to the Bayes line; for p > p⋆ they fall toward 1 − Φ(r). Monte Carlo uses the "
         "exact feature-based linear verifier, so its points follow the dotted line, not the (φ, ψ) curve.",
    explain="All verifier presets at the current p, r, d (§2.3, §2.4; the theory is [R]).",
    **chart_exports(MODEL, params, "accuracy vs N", "N", sorted(set(v["by_N"]["N"].tolist())), "verifier",
                    list(dict.fromkeys(v["by_N"]["verifier"].tolist())), note="one command per verifier preset"),
)
assumed_note("the generator line 1 − p compares a label-noise channel that sees y with a classifier; in this "
             "model 1 − p may exceed Φ(r). The real-generator comparison belongs to the experiments (§4).")

# ----------------------------------------------------------------------------- chart 2
st.subheader("2. Accuracy against the generator error p: the transition at p⋆ sharpens with N")
chart_block(
    F.fig_acc_vs_p(v["by_p"], float(r["p_star"]), mc.get("by_p")), v["by_p"], "verification accuracy vs p",
    [r"p^\star = \frac{\varphi}{\varphi + \psi}:\quad c > 0 \iff p < p^\star",
     r"\mathrm{acc}(N) \approx \Phi\!\left(\frac{c\,r^2}{\sqrt{c^2 r^2 + d/(N\pi)}}\right) \xrightarrow[N\to\infty]{} "
     r"\Phi(\mathrm{sign}(c)\,r)"],
    note="At finite N the accuracy passes continuously through 1/2 at p = p⋆; N = ∞ (dashed) is the sharp limit. "
         "For the linear verifier the Monte Carlo follows the exact feature-based result (dotted), not the (φ, ψ) "
         "curves: its decision shares the learner's noise (§2.5).",
    **chart_exports(MODEL, params, "accuracy vs p", "p_err", sorted(set(v["by_p"]["p_err"].tolist())), "N",
                    sorted(set(v["by_p"]["N"].tolist())), note="one command per N"),
)

# ----------------------------------------------------------------------------- chart 3
st.subheader("3. Accuracy against the breakdown point p⋆")
fig_ps = F.fig_acc_vs_pstar(v["by_pstar"], p, r, mc.get("by_pstar"))
eigen_cells = None
if runs_on:  # eigen_verify runs: final accuracy vs measured p̂⋆ (verification.md §5.3.6)
    from engine.train import eigen_verify as EV
    from ui import figures_eigen_runs as FE

    from engine.runs.store import default_root

    eigen_all = cached_eigen_cells(str(default_root()), EV.store_stamp())
    eigen_cfgs = EV.configs(eigen_all)
    if eigen_cfgs:
        eigen_cfg = (st.sidebar.selectbox("Eigen run configuration", eigen_cfgs, key="eigen_cfg")
                     if len(eigen_cfgs) > 1 else eigen_cfgs[0])
        eigen_cells = EV.one_config(eigen_all, eigen_cfg)
        FE.add_eigen_pstar_points(fig_ps, EV.final_points(eigen_cells))
        st.caption("Hollow squares: eigenvalue transformer runs (section 5), the retrained model's accuracy at the "
                   "largest N against each verifier's measured p̂⋆, with the eigen generator's accuracy (dash-dot). "
                   "Their accuracy is a 0-1 metric on eigenvalues, not the Gaussian-mixture accuracy of the lines.")
    else:
        st.caption("No finished eigen_verify run in the run store. Launch one on the Runs page.")
chart_block(
    fig_ps, v["by_pstar"], "verification accuracy vs p-star",
    [r"\text{noisy oracle: } \varphi = 1-\rho,\ \psi = \rho,\ p^\star = 1-\rho;\quad "
     r"\text{perfect recall: } \varphi = 1,\ p^\star = 1/(1+\psi)",
     r"\mathrm{acc}\ \text{crosses}\ 1/2\ \text{at}\ p^\star = p"],
    note="At fixed p and N the accuracy increases with p⋆ and crosses 1/2 where p⋆ = p. The star is the current "
         "verifier.",
    **chart_exports(MODEL, params, "accuracy vs p-star", curves=[
        ("noisy oracle: flip ρ = ψ (keep_wrong column), φ = 1 − ρ",
         {"verifier": "noisy_oracle", "flip": v["by_pstar"]["keep_wrong"].iloc[:theory.PSTAR_GRID.size].tolist()}),
        ("perfect recall: custom verifier, φ = 1, ψ = keep_wrong",
         {"verifier": "custom", "keep_correct": 1.0,
          "keep_wrong": v["by_pstar"]["keep_wrong"].iloc[theory.PSTAR_GRID.size:].tolist()})]),
)

# ----------------------------------------------------------------------------- measure your verifier (§6.5)
st.subheader("4. Measure your verifier: estimate p⋆ from an audit")
st.markdown(
    "Audit a batch of synthesized samples against the ground truth: count the correct and wrong ones and how many "
    "of each the verifier kept. Then φ̂ = kept correct / correct, ψ̂ = kept wrong / wrong and p̂⋆ = φ̂/(φ̂+ψ̂) (§2.1)."
)
mode = st.radio("Audit data", ["Simulate an audit of the current verifier", "Enter my audit counts"],
                key="audit_mode", horizontal=True)
level = st.select_slider("Confidence level", options=[0.8, 0.9, 0.95, 0.99], value=0.95, key="audit_level")
if mode.startswith("Simulate"):
    a1, a2 = st.columns(2)
    k = int(a1.number_input("audit size k", min_value=1, max_value=1_000_000, value=300, step=50, key="audit_k"))
    seed = int(a2.number_input("audit seed", min_value=0, max_value=10_000, value=0, step=1, key="audit_seed"))
    try:
        audit_df = cached_audit(key, k, seed, float(level))
    except ParamError as exc:
        show_error(exc)
        audit_df = None
    if audit_df is not None:
        row = audit_df[audit_df["current"]].iloc[0]
        true_ps = float(r["p_star"])
        est = {c_: np.asarray(row[c_]) for c_ in ("phi_hat", "psi_hat", "p_star_hat", "p_star_lo", "p_star_hi")}
        counts = (int(row["n_correct"]), int(row["kept_correct"]), int(row["n_wrong"]), int(row["kept_wrong"]))
else:
    a = st.columns(4)
    counts = (int(a[0].number_input("correct samples", min_value=0, value=700, step=1, key="audit_nc")),
              int(a[1].number_input("… of which kept", min_value=0, value=630, step=1, key="audit_kc")),
              int(a[2].number_input("wrong samples", min_value=0, value=300, step=1, key="audit_nw")),
              int(a[3].number_input("… of which kept", min_value=0, value=60, step=1, key="audit_kw")))
    true_ps = None
    audit_df = None
    try:
        est = theory.estimate_from_audit(*counts, level=float(level))
        audit_df = pd.DataFrame([{"k": counts[0] + counts[2], "n_correct": counts[0], "kept_correct": counts[1],
                                  "n_wrong": counts[2], "kept_wrong": counts[3],
                                  **{c_: float(np.asarray(est[c_])) for c_ in
                                     ("phi_hat", "psi_hat", "p_star_hat", "p_star_lo", "p_star_hi")},
                                  "current": True}])
    except ParamError as exc:
        show_error(exc)
if audit_df is not None:
    ps_hat, lo, hi = (float(np.asarray(est[c_])) for c_ in ("p_star_hat", "p_star_lo", "p_star_hi"))
    m = st.columns(6)
    m[0].metric("φ̂", fmt(float(np.asarray(est["phi_hat"]))))
    m[1].metric("ψ̂", fmt(float(np.asarray(est["psi_hat"]))))
    m[2].metric("p̂⋆", fmt(ps_hat))
    m[3].metric("lower", f"{lo:.3f}", help=f"{level:.0%} confidence interval for p⋆ [A]")
    m[4].metric("upper", f"{hi:.3f}", help=f"{level:.0%} confidence interval for p⋆ [A]")
    m[5].metric("true p⋆", fmt(true_ps) if true_ps is not None else "unknown")
    if p < lo:
        st.success(f"p = {p:g} is below the whole interval: the audit supports the optimal regime (p < p⋆).")
    elif p > hi:
        st.error(f"p = {p:g} is above the whole interval: with this verifier the retrained model collapses (p > p⋆).")
    else:
        st.info(f"p = {p:g} lies inside the interval: audit more samples to decide the regime.")
    chart_block(
        F.fig_audit(audit_df, true_ps, p, float(level)), audit_df, "verification audit estimate",
        [r"\hat\varphi = \frac{\#(\text{kept} \wedge \text{correct})}{\#\text{correct}},\quad "
         r"\hat\psi = \frac{\#(\text{kept} \wedge \text{wrong})}{\#\text{wrong}},\quad \hat p^\star = "
         r"\frac{\hat\varphi}{\hat\varphi + \hat\psi}",
         r"[\,p^\star(\varphi_{lo}, \psi_{hi}),\ p^\star(\varphi_{hi}, \psi_{lo})\,]\ \text{(Wilson intervals at } "
         r"1-\alpha/2 \text{ each)}"],
        note="The simulated mode draws one independent audit per size k (larger marker: your k), so the intervals "
             "shrink like 1/√k around the true p⋆.",
        **chart_exports(MODEL, params, "audit estimate", command=python_command(
            "from engine.simulate.verification import audit_view; "
            f"print(audit_view({py_params(MODEL, params)}, {k}, seed={seed}, level={float(level)!r}).to_csv(index=False))"
            if mode.startswith("Simulate") else
            "from engine.theory.verification import estimate_from_audit; "
            f"print(estimate_from_audit({', '.join(str(x) for x in counts)}, level={float(level)!r}))",
            "an audit (simulated counts, or your counts) is not an output of curve(), so no curve call reproduces "
            "it; this prints the chart's data"), note="audit estimate (§2.1, §6.5)"),
    )
    assumed_note("the confidence interval (Wilson intervals for φ and ψ, Bonferroni-combined and mapped through "
                 "the monotone p⋆(φ, ψ)) is a project choice; it is conservative.")

# ----------------------------------------------------------------------------- eigen runs (§5.3)
if runs_on:
    st.subheader("5. Eigenvalue transformer runs: accuracy vs N per verifier")
    if eigen_cells is None or eigen_cells.empty:
        st.caption("No finished eigen_verify run in the run store. Launch one on the Runs page.")
    else:
        row0 = eigen_cells.iloc[0]
        st.markdown(
            f"A transformer generator trained on n₀ = {int(row0['n_real']):,} real {int(row0['n'])}×{int(row0['n'])} "
            f"symmetric matrices labels N fresh ones by beam search; each verifier selects; a fresh model of the same "
            f"size is retrained on the kept samples for a fixed number of steps. Correct means relative L1 error "
            f"< τ = {float(row0['tau']):g} (§4.1, §5.3)."
        )
        chart_block(
            FE.fig_eigen_acc_vs_N(eigen_cells), eigen_cells, "eigen_verify accuracy vs N",
            [r"\text{correct} \iff \frac{\sum_i |\hat\lambda_i - \lambda_i|}{\sum_i |\lambda_i|} < \tau",
             r"\hat\varphi = \frac{\#(\text{kept} \wedge \text{correct})}{\#\text{correct}},\quad "
             r"\hat\psi = \frac{\#(\text{kept} \wedge \text{wrong})}{\#\text{wrong}},\quad "
             r"\hat p^\star = \frac{\hat\varphi}{\hat\varphi + \hat\psi}"],
            note="N counts synthesized samples before selection; the kept count is in the hover and the CSV. "
                 "Error bars: binomial standard error of the test accuracy.",
        )
        st.caption("Outcome at this size: " + FE.outcome_text(eigen_cells))
        size = EV.SIZES.get(str(row0["size"]), {})
        assumed_note(f"the configuration (n = {int(row0['n'])}, τ = {float(row0['tau']):g}, a "
                     f"{size.get('enc_layers')}+{size.get('dec_layers')}-layer dim-{size.get('d_model')} model, "
                     f"device {row0.get('device', '?')}) is this project's choice (the CPU size fits a 10-minute "
                     "budget); the paper "
                     "used 5×5 matrices, a 200k-example generator and up to 10M synthesized samples. Best-of-beam's "
                     "φ̂, ψ̂ refer to its chosen candidate (p̂⋆ = 1 by construction); the self-verification "
                     "quantile and the random-subsampling match are [A].")

st.download_button("Download the readouts (CSV)", csv_bytes(pd.DataFrame([r])), file_name="verification-readouts.csv",
                   mime="text/csv", key="csv-readouts")

with st.expander("What is reconstructed or assumed here (not from the paper)"):
    st.markdown(
        "- **[R]** The whole theory: the (φ, ψ) verifier model, p⋆ = φ/(φ+ψ), the sharp transition (§2.2), the "
        "finite-N formula and N_eff (§2.3), and the exact feature-based linear-verifier result (§2.5).\n"
        "- **[U]** The paper's exact definition of p⋆: statement (a) p < φ/(φ+ψ) and statement (b) q_sel > 1/2 are "
        "both shown; the empirical threshold p⋆ ≳ 0.65 of the eigenvalue experiment is not the theoretical boundary.\n"
        "- **[R]/[U]** The linear verifier's mapping Φ(m − τ), Φ(−m − τ); how the paper maps it is unknown.\n"
        "- **[A]** The verifier presets' default parameters, the generator line 1 − p, an empty kept set counting "
        "as accuracy 1/2 in the Monte Carlo, the ridge and logistic penalties, the audit interval, and the 0.005 "
        "threshold for the linear-verifier warning."
    )
