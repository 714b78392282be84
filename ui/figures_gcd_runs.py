"""Figure builders for the gcd_collapse runs on the Tails page (tails.md §5, §3.4, §3.6).

DataFrame in, plotly Figure out (no Streamlit). :func:`runs_frame` reads the run store into
one long frame (one row per metrics record); :func:`generation_summary` keeps each
generation's last record; the figures draw accuracy vs examples per generation with the
learned-set ceilings as the plateau (§5.1), and accuracy / ceiling over generations (the
un-learning of §3.4; a clean fraction π > 0 is the mixing of §3.6).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.runs.store import RunInfo, RunStore
from ui.figures import add_hline, base_figure, color

TASK = "gcd_collapse"
COLUMNS = ["run_id", "run", "clean_frac", "label_mode", "base", "M", "generation", "examples", "acc", "acc_se",
           "ceiling", "n_learned", "learned", "acc_weighted", "ai_wrong_frac", "device"]


def run_label(params: dict[str, Any]) -> str:
    """Short label of a run: clean fraction and labelling."""
    mode = params.get("label_mode", "greedy")
    if mode == "sample":
        mode = f"sampled τ={params.get('temperature', 1.0):g}, top-p={params.get('top_p', 1.0):g}"
    else:
        mode = "greedy labels"
    return f"π = {params.get('clean_frac', 0.0):g} clean, {mode}"


def store_stamp(root: str) -> float:
    """Cache key of the task's runs (engine.runs.store.RunStore.stamp)."""
    return RunStore(root).stamp(TASK)


def runs_frame(store: RunStore) -> pd.DataFrame:
    """Every finished gcd_collapse run's metrics records, one row each (COLUMNS)."""
    rows = []
    for info in store.list(check_alive=False):
        if not isinstance(info, RunInfo) or info.task != TASK or info.state != "done":
            continue
        params = info.spec.get("params", {})
        device = (info.result or {}).get("device") or info.status.get("device") or ""
        for r in store.metrics(info.path):
            rows.append({"run_id": info.run_id, "run": run_label(params), "clean_frac": params.get("clean_frac"),
                         "label_mode": params.get("label_mode"), "base": params.get("base"), "M": params.get("M"),
                         "generation": r.get("generation"), "examples": r.get("examples"), "acc": r.get("acc"),
                         "acc_se": r.get("acc_se"), "ceiling": r.get("ceiling"), "n_learned": r.get("n_learned"),
                         "learned": " ".join(str(k) for k in r.get("learned", [])),
                         "acc_weighted": r.get("acc_weighted"), "ai_wrong_frac": r.get("ai_wrong_frac"),
                         "device": device})
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values(["clean_frac", "run_id", "generation", "examples"], ignore_index=True) if len(df) else df


def run_exports(store: RunStore, run_ids: list[str]) -> dict[str, str]:
    """``params_json`` (the runs' specs by id) and ``command`` (the CLI line that makes each run)
    for ``ui.blocks.chart_block``."""
    from engine.runs.launcher import command_for
    from engine.runs.spec import RunSpec

    specs, lines = {}, []
    for rid in run_ids:
        info = store.get(rid, check_alive=False)
        if not isinstance(info, RunInfo):
            continue
        specs[rid] = info.spec
        lines += [f"# run {rid}", info.spec.get("command") or command_for(RunSpec.from_dict(info.spec))]
    return {"params_json": json.dumps(specs, indent=1), "command": "\n".join(lines)}


def generation_summary(df: pd.DataFrame) -> pd.DataFrame:
    """The last record of each (run, generation): final accuracy, ceiling and learned set."""
    if df.empty:
        return df.copy()
    idx = df.groupby(["run_id", "generation"])["examples"].idxmax()
    return df.loc[idx].sort_values(["clean_frac", "run_id", "generation"], ignore_index=True)


def fig_accuracy_vs_examples(df: pd.DataFrame, theory_ceiling: float | None = None,
                             title: str = "GCD runs: accuracy vs examples, one colour per generation") -> go.Figure:
    """Accuracy (± se) against examples seen, one solid curve per generation, and the
    learned-set ceiling Σ_{k∈𝒟} 6/(π²k²) of the same generation as a dotted line (§5.1);
    ``theory_ceiling`` (e.g. 0.8443 for 2^a·5^b) as a gray dashed line."""
    fig = base_figure(title, "training examples seen (per generation)", "accuracy (natural distribution)")
    for gen, part in df.groupby("generation", sort=True):
        part = part.sort_values("examples")
        c = color(int(gen))
        hover = [f"learned: {s or '∅'}" for s in part["learned"]]
        fig.add_trace(go.Scatter(
            x=part["examples"].tolist(), y=part["acc"].tolist(), name=f"generation {gen}: accuracy",
            mode="lines+markers", legendgroup=f"g{gen}", line=dict(color=c, width=2), marker=dict(color=c, size=7),
            error_y=dict(type="data", array=part["acc_se"].fillna(0).tolist(), visible=True, thickness=1),
            customdata=hover,
            hovertemplate=(f"generation {gen}<br>examples=%{{x:,}}<br>accuracy=%{{y:.4f}} ± %{{error_y.array:.2g}}"
                           "<br>%{customdata}<extra></extra>")))
        fig.add_trace(go.Scatter(
            x=part["examples"].tolist(), y=part["ceiling"].tolist(), name=f"generation {gen}: learned-set ceiling",
            mode="lines", legendgroup=f"g{gen}", line=dict(color=c, width=1.5, dash="dot", shape="hv"),
            customdata=[f"{n} GCDs learned" for n in part["n_learned"]],
            hovertemplate=f"generation {gen}<br>examples=%{{x:,}}<br>ceiling=%{{y:.4f}}<br>%{{customdata}}<extra></extra>"))
    if theory_ceiling is not None:
        add_hline(fig, theory_ceiling, f"ceiling if 𝒟 = all 2^a·5^b: {theory_ceiling:.4f}", dash="dash")
    fig.update_yaxes(range=[0.0, 1.0])
    return fig


def fig_generations(summary: pd.DataFrame, theory_ceiling: float | None = None) -> go.Figure:
    """Final accuracy (solid) and learned-set ceiling (dotted) against the generation, one
    colour per run (un-learning without clean data, §3.4; mixing with π > 0, §3.6)."""
    fig = base_figure("Over generations: final accuracy (solid) and learned-set ceiling (dotted)",
                      "generation", "accuracy (natural distribution)")
    for i, (run_id, part) in enumerate(summary.groupby("run_id", sort=False)):
        part = part.sort_values("generation")
        c = color(i)
        name = part["run"].iloc[0]
        fig.add_trace(go.Scatter(
            x=part["generation"].tolist(), y=part["acc"].tolist(), name=f"{name}: accuracy", mode="lines+markers",
            legendgroup=run_id, line=dict(color=c, width=2), marker=dict(color=c, size=8),
            error_y=dict(type="data", array=part["acc_se"].fillna(0).tolist(), visible=True, thickness=1),
            customdata=[f"{n} learned: {s or '∅'}" for n, s in zip(part["n_learned"], part["learned"])],
            hovertemplate=(f"{name}<br>generation %{{x}}<br>accuracy=%{{y:.4f}}<br>%{{customdata}}"
                           f"<br>run {run_id}<extra></extra>")))
        fig.add_trace(go.Scatter(
            x=part["generation"].tolist(), y=part["ceiling"].tolist(), name=f"{name}: ceiling", mode="lines+markers",
            legendgroup=run_id, line=dict(color=c, width=1.5, dash="dot"), marker=dict(color=c, size=6, symbol="x"),
            hovertemplate=f"{name}<br>generation %{{x}}<br>ceiling=%{{y:.4f}}<extra></extra>"))
    if theory_ceiling is not None:
        add_hline(fig, theory_ceiling, f"2^a·5^b ceiling {theory_ceiling:.4f}", dash="dash")
    fig.update_xaxes(dtick=1)
    return fig


def describe(summary: pd.DataFrame, slack_se: float = 2.0) -> list[str]:
    """One sentence per run saying what it shows, computed from the numbers (honest either way):
    the accuracy per generation, whether it is non-increasing (within ``slack_se`` standard
    errors), and whether every final accuracy is at or below its learned-set ceiling."""
    lines = []
    for _run_id, part in summary.groupby("run_id", sort=False):
        part = part.sort_values("generation")
        acc, se, ceil = (part[c].to_numpy(float) for c in ("acc", "acc_se", "ceiling"))
        steps = " → ".join(f"{a:.3f}" for a in acc)
        learned = " → ".join(str(int(n)) for n in part["n_learned"])
        tol = slack_se * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
        monotone = bool(np.all(np.diff(acc) <= tol)) if len(acc) > 1 else True
        above = [int(g) for g, a, s, c in zip(part["generation"], acc, se, ceil) if a > c + slack_se * s]
        text = (f"**{part['run'].iloc[0]}**: accuracy {steps} over generations {int(part['generation'].min())}–"
                f"{int(part['generation'].max())}, GCDs learned {learned}; ")
        text += (f"non-increasing over generations (within {slack_se:g} standard errors)" if monotone
                 else "**not** non-increasing over generations")
        if len(acc) > 1:
            text += f", last minus first generation {acc[-1] - acc[0]:+.3f} (± {np.hypot(se[0], se[-1]):.3f})"
        text += (", every generation at or below its learned-set ceiling." if not above else
                 f"; above its learned-set ceiling in generation(s) {', '.join(map(str, above))} (partly known GCDs "
                 "below the 90% threshold still add correct answers).")
        lines.append(text)
    return lines
