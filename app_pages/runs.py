"""Runs page: real training runs (cached or launched here) on the theory's axes.

Lists every run of the store (``cached_runs/`` or ``$COLLAPSE_RUNS_DIR``), plots the
selected runs' metrics with the matching theory curve underneath, follows a live run
(progress, log tail, cancel) with ``st.fragment(run_every=...)``, and launches new runs
from a form generated from the task's parameter declarations. With
``COLLAPSE_READ_ONLY=1`` launching and cancelling are hidden; everything else works.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd
import streamlit as st

from engine.params import Param, ParamError
from engine.runs import TASKS, BrokenRun, RunInfo, RunStore, cancel, launch, task_model
from engine.runs.launcher import command_for
from engine.runs.spec import RunSpec
from engine.runs.store import ACTIVE
from engine.runs.views import metrics_frame, plot_spec, summary_frame, theory_for, theory_model
from ui.blocks import chart_block, show_error
from ui.figures_runs import metrics_figure, progress_figure

READ_ONLY = os.environ.get("COLLAPSE_READ_ONLY", "").strip().lower() not in ("", "0", "false", "no")
POLL_S = 2.0

TASK_NOTES = {
    "regression_chain": "The Regression page's fake-data chain with a linear model (gradient descent on the ridge "
                        "objective; its theory is drawn underneath) or a two-layer ReLU network (no theory).",
    "verification_classifier": "A logistic generator trained on a few real samples labels fresh Gaussian-mixture "
                               "inputs; a verifier selects; a logistic model is retrained. The dashed curves are the "
                               "core model's theory with p = 1 − generator accuracy, an approximation (the "
                               "generator's errors depend on x).",
    "digits_chain": "Kernel ridge / two-layer network chain on scikit-learn's digits (label mod 2 + noise).",
    "eigen_verify": "A small encoder–decoder transformer trained on real symmetric matrices (P1000 tokens) labels "
                    "fresh ones with their eigenvalues by beam search; a verifier (none, oracle, noisy oracle, "
                    "best-of-beam, self-verification, random) selects; a fresh model is retrained on the kept samples. "
                    "One curve per verifier; the line is the generator's accuracy. The verifier groups run separately "
                    "(same seed and sizes share the generator); the Verification page draws them together.",
    "gcd_collapse": "A small encoder–decoder transformer learns gcd(a, b) (base-B digits); generation j learns from "
                    "generation j−1's labels, optionally mixed with a clean fraction π. One curve per generation; "
                    "dashed: the accuracy ceiling if every GCD of the form 2^a·5^b were learned (0.8443 in base "
                    "10 or 1000). The Tails page draws each generation's learned-set ceiling.",
}

st.title("Runs: real retraining next to the theory")
st.markdown(
    "Each run is a real training loop (PyTorch, CPU or CUDA) started as a separate process: it keeps going if this "
    "tab closes, and this page picks it up again. A run is a pure function of its task, parameters and seed; the "
    "same spec launched twice is one run. Runs are stored as plain JSON files in the run store."
)
if READ_ONLY:
    st.info("Read-only mode: launching and cancelling runs are disabled on this server.")

store = RunStore()
items = store.list()
readable = [i for i in items if isinstance(i, RunInfo)]
broken = [i for i in items if isinstance(i, BrokenRun)]

# ----------------------------------------------------------------------------- table
st.subheader("All runs")
if not items:
    st.info(f"No runs yet in `{store.root}`.")
else:
    table = summary_frame(items)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"duration_s": st.column_config.NumberColumn("duration (s)", format="%.1f"),
                                "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0)})
    st.caption("`params` lists the parameters that differ between the runs of the same task.")
if broken:
    st.warning(f"{len(broken)} run folder(s) could not be read and are listed as corrupt:\n\n"
               + "\n".join(f"- `{b.task}/{b.run_id}`: {b.reason}" for b in broken))


def _label(info: RunInfo) -> str:
    seed = info.spec.get("seed")
    model = info.spec.get("params", {}).get("model")
    return f"{info.run_id} · {info.state} · seed {seed}" + (f" · {model}" if model else "")


# ----------------------------------------------------------------------------- plot
st.subheader("Compare runs")
tasks_present = [t for t in TASKS if any(i.task == t for i in readable)]
if tasks_present:
    task = st.selectbox("Task", tasks_present, key="plot_task")
    st.caption(TASK_NOTES.get(task, ""))
    of_task = [i for i in readable if i.task == task]
    by_label = {_label(i): i for i in of_task}
    default = [lab for lab, i in by_label.items() if i.state == "done"][:3]
    chosen = st.multiselect("Runs to plot", list(by_label), default=default, key="plot_runs")
    with_theory = st.toggle("Theory underneath", value=True, key="plot_theory",
                            help=f"The {theory_model(task) or '—'} theory at each run's parameters, where one exists.")
    if chosen:
        ps = plot_spec(task)
        runs = {lab.split(" · ")[0]: metrics_frame(store, by_label[lab]) for lab in chosen}
        theory = {lab.split(" · ")[0]: theory_for(by_label[lab]) for lab in chosen} if with_theory else {}
        try:
            fig = metrics_figure(runs, ps, theory)
            data = pd.concat([df.assign(run_id=rid) for rid, df in runs.items()], ignore_index=True)
            first = by_label[chosen[0]]
            chart_block(fig, data, f"runs-{task}", formulas=(),
                        explain="Points: mean ± standard error over the run's seeds. Dashed lines: theory at the "
                                "same parameters.",
                        params_json=json.dumps({rid: by_label[lab].spec for rid, lab in
                                                zip(runs, chosen, strict=True)}, indent=1),
                        command=first.spec.get("command") or command_for(RunSpec.from_dict(first.spec)))
        except Exception as exc:  # noqa: BLE001 - never a traceback on the page
            show_error(exc)
        if with_theory and all(v is None for v in theory.values()):
            st.caption("No theory curve for these runs.")
else:
    st.info("No readable runs to plot.")

# ----------------------------------------------------------------------------- one run, live
st.subheader("Follow a run")
if readable:
    order = sorted(readable, key=lambda i: (i.state not in ACTIVE, -(i.status.get("created_at") or 0)))
    labels = {f"{i.task} · {_label(i)}": i.run_id for i in order}
    picked = st.selectbox("Run", list(labels), key="follow_run")
    run_id = labels[picked]
    first_read = store.get(run_id)
    active = isinstance(first_read, RunInfo) and first_read.state in ACTIVE

    @st.fragment(run_every=POLL_S if active else None)
    def live_panel() -> None:
        info = store.get(run_id)
        if not isinstance(info, RunInfo):
            st.error(f"Run {run_id} is unreadable: {getattr(info, 'reason', 'missing')}")
            return
        if active and info.state not in ACTIVE:
            st.rerun()  # the run just ended: refresh the whole page (table, plots), stop polling
        st.progress(float(info.status.get("progress") or 0.0),
                    text=f"{info.state} · {info.status.get('message') or ''}")
        cols = st.columns(4)
        cols[0].metric("state", info.state)
        cols[1].metric("device", (info.status.get("device") or "—").split(" ")[0])
        dur = info.duration_s
        cols[2].metric("duration", "—" if dur is None else f"{dur:.1f} s")
        cols[3].metric("records", len(store.metrics(info.path)))
        if info.status.get("error"):
            st.error(info.status["error"])
        with st.expander("Log tail", expanded=info.state in ACTIVE):
            st.code(store.log_tail(info.path, 15) or "(empty)", language="text")
        if info.state in ACTIVE:
            st.plotly_chart(progress_figure(metrics_frame(store, info), plot_spec(info.task)), key="live-fig")
            if not READ_ONLY and st.button("Cancel this run", key="cancel", type="secondary"):
                cancel(run_id, store=store)
                st.rerun()
        with st.expander("Spec"):
            st.json(info.spec)

    live_panel()

# ----------------------------------------------------------------------------- launch
def _widget(p: Param, task: str) -> Any:
    key = f"launch-{task}-{p.key}"
    label = p.label + (" ⚠️" if p.assumed else "")
    help_text = p.help + (" (Not from the paper: a project assumption.)" if p.assumed else "")
    help_text += f" Domain: {p.domain_text()}."
    if p.kind == "enum":
        return st.selectbox(label, p.choices, index=p.choices.index(p.default), key=key, help=help_text)
    lo = None if p.lo is None or p.lo_open else p.lo
    hi = None if p.hi is None or p.hi_open else p.hi
    if p.kind == "int":
        return st.number_input(label, min_value=None if lo is None else int(lo),
                               max_value=None if hi is None else int(hi), value=int(p.default), step=1, key=key,
                               help=help_text)
    return st.number_input(label, min_value=None if lo is None else float(lo),
                           max_value=None if hi is None else float(hi), value=float(p.default), format="%g",
                           key=key, help=help_text)


if not READ_ONLY:
    st.subheader("Launch a run")
    ltask = st.selectbox("Task to launch", TASKS, key="launch_task")
    try:
        model = task_model(ltask)
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        model = None
    if model is not None:
        st.caption(TASK_NOTES.get(ltask, ""))
        with st.form(f"launch-form-{ltask}"):
            cols = st.columns(3)
            values: dict[str, Any] = {}
            for i, p in enumerate(model.params):
                with cols[i % 3]:
                    values[p.key] = _widget(p, ltask)
            seed = st.number_input("seed", min_value=0, max_value=2**31 - 1, value=0, step=1,
                                   key=f"launch-{ltask}-seed")
            submitted = st.form_submit_button("Launch")
        if submitted:
            try:
                res = launch(ltask, values, int(seed), store=store)
            except ParamError as exc:
                show_error(exc)
            except Exception as exc:  # noqa: BLE001
                show_error(exc)
            else:
                if res.started:
                    st.success(f"Started run {res.run_id}; pick it under “Follow a run”.")
                else:
                    st.info(f"This spec already has run {res.run_id} ({res.state}).")
