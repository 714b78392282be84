"""Figures of the eigen_verify training runs on the Verification page (verification.md §5.3.6):
accuracy vs N per verifier with the generator's accuracy as a horizontal line, and final
accuracy vs the measured p̂⋆ added to the theory's p⋆ chart. DataFrame in, plotly Figure out.

The input is engine.train.eigen_verify.cells_frame (one row per run, verifier and N; columns
verifier, N, acc, acc_se, p_star_hat, kept, generator_acc)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import add_hline, base_figure, color

GENERATOR_NAME = "eigen generator (trained on real data)"
"""Legend/annotation text of the generator's accuracy line."""


def verifier_label(v: str) -> str:
    """Readable verifier name: noisy_oracle_0.2 -> noisy oracle ρ=0.2."""
    if v.startswith("noisy_oracle_"):
        return f"noisy oracle ρ={v.rsplit('_', 1)[1]}"
    return v.replace("_", "-") if v in ("best_of_beam",) else v.replace("_", " ")


def _order(verifiers) -> list[str]:
    pref = ["none", "oracle", "best_of_beam", "self_verify", "random"]
    vs = list(dict.fromkeys(str(v) for v in verifiers))
    return sorted(vs, key=lambda v: (pref.index(v) if v in pref else len(pref), v))


def _generator_acc(cells: pd.DataFrame) -> float:
    if cells is None or cells.empty or "generator_acc" not in cells:
        return math.nan
    g = pd.to_numeric(cells["generator_acc"], errors="coerce").dropna()
    return float(g.iloc[0]) if len(g) else math.nan


def fig_eigen_acc_vs_N(cells: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Retrained model's test accuracy vs N (synthesized samples before selection), one
    line per verifier (± binomial standard error), and the generator's accuracy (dashed)."""
    fig = base_figure(title or "Eigenvalue transformer: retrained accuracy vs N per verifier",
                      "synthesized samples N (before selection)", "test accuracy (rel. L1 error < τ)", logx=True)
    if cells is None or cells.empty:
        return fig
    for i, v in enumerate(_order(cells["verifier"])):
        part = cells[cells["verifier"] == v].sort_values("N")
        label = verifier_label(v)
        fig.add_trace(go.Scatter(
            x=part["N"].astype(float).tolist(), y=part["acc"].astype(float).tolist(), name=f"eigen run: {label}",
            mode="lines+markers", line=dict(color=color(i), width=1.5), marker=dict(color=color(i), size=8),
            error_y=dict(type="data", array=part["acc_se"].fillna(0).astype(float).tolist(), visible=True,
                         thickness=1),
            customdata=np.stack([part["kept"].astype(float), part["p_star_hat"].astype(float)], axis=1),
            hovertemplate=(f"{label}<br>N=%{{x}}<br>acc=%{{y:.3f}} ± %{{error_y.array:.3f}}<br>"
                           "kept=%{customdata[0]}<br>p̂⋆=%{customdata[1]:.3f}<extra></extra>"),
        ))
    g = _generator_acc(cells)
    if np.isfinite(g):
        add_hline(fig, g, f"generator {g:.3f}", color_="black", dash="dash")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=GENERATOR_NAME,
                                 line=dict(color="black", dash="dash")))
    return fig


def add_eigen_pstar_points(fig: go.Figure, finals: pd.DataFrame) -> go.Figure:
    """Add the eigen runs' final accuracy (largest N) against each verifier's measured p̂⋆ to a
    p⋆ chart (hollow squares, one per verifier) and the eigen generator's accuracy (dash-dot)."""
    if finals is None or finals.empty:
        return fig
    pts = finals[np.isfinite(pd.to_numeric(finals["p_star_hat"], errors="coerce").astype(float))]
    for i, v in enumerate(_order(pts["verifier"])):
        part = pts[pts["verifier"] == v]
        label = verifier_label(v)
        fig.add_trace(go.Scatter(
            x=part["p_star_hat"].astype(float).tolist(), y=part["acc"].astype(float).tolist(),
            name=f"eigen run: {label}", mode="markers", legendgroup="eigen-runs",
            marker=dict(symbol="square-open", size=11, color=color(i), line=dict(width=2)),
            error_y=dict(type="data", array=part["acc_se"].fillna(0).astype(float).tolist(), visible=True,
                         thickness=1),
            customdata=part["N"].astype(float).tolist(),
            hovertemplate=(f"eigen run: {label}<br>p̂⋆=%{{x:.3f}}<br>acc=%{{y:.3f}}<br>N=%{{customdata}}"
                           "<extra></extra>"),
        ))
    g = _generator_acc(finals)
    if np.isfinite(g):
        add_hline(fig, g, f"eigen generator {g:.3f}", color_="#444444", dash="dashdot")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=GENERATOR_NAME, legendgroup="eigen-runs",
                                 line=dict(color="#444444", dash="dashdot")))
    return fig


def outcome_text(cells: pd.DataFrame) -> str:
    """One honest sentence per acceptance check (verification.md §5.3.7) at the largest N:
    no verification vs the generator, and the oracle vs no verification."""
    if cells is None or cells.empty:
        return "No eigen_verify run is available."
    N = int(cells["N"].max())
    at = cells[cells["N"] == N].drop_duplicates("verifier").set_index("verifier")
    g = _generator_acc(cells)
    parts = [f"At N = {N:,} the generator scores {g:.3f}."]
    if "none" in at.index:
        a = float(at.loc["none", "acc"])
        verdict = "at or below" if a <= g else "**above**"
        parts.append(f"Without verification the retrained model scores {a:.3f}, {verdict} the generator"
                     + ("" if a <= g else " (the collapse the paper reports does not show at this size)") + ".")
    if "oracle" in at.index and "none" in at.index:
        o, a = float(at.loc["oracle", "acc"]), float(at.loc["none", "acc"])
        se = math.hypot(float(at.loc["oracle", "acc_se"]), float(at.loc["none", "acc_se"]))
        if o > a:
            parts.append(f"With the oracle it scores {o:.3f}, above no verification by {o - a:.3f} "
                         f"({(o - a) / se:.1f} standard errors)." if se > 0 else
                         f"With the oracle it scores {o:.3f}, above no verification.")
        else:
            parts.append(f"With the oracle it scores {o:.3f}, **not above** no verification ({a:.3f}): the expected "
                         "benefit of verification does not show at this size.")
        if o > g:
            parts.append("The oracle-verified model beats the generator.")
        for n_small in sorted(set(int(x) for x in cells["N"]) - {N}):
            sm = cells[cells["N"] == n_small].drop_duplicates("verifier").set_index("verifier")
            if {"oracle", "none"} <= set(sm.index) and float(sm.loc["oracle", "acc"]) < float(sm.loc["none", "acc"]):
                parts.append(f"At N = {n_small:,} the oracle ({int(sm.loc['oracle', 'kept']):,} kept) is below no "
                             f"verification ({float(sm.loc['oracle', 'acc']):.3f} vs {float(sm.loc['none', 'acc']):.3f}).")
    if {"gen_steps", "retrain_steps"} <= set(cells.columns):
        gs, rs = int(cells["gen_steps"].iloc[0]), int(cells["retrain_steps"].iloc[0])
        if rs < gs:
            parts.append(f"The retrained models train for {rs:,} steps against the generator's {gs:,}, so part of "
                         "the gap to the generator is compute, not data quality.")
    return " ".join(parts)
