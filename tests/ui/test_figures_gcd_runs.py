"""Figure builders of the gcd_collapse runs (Tails page §8): traces, ceilings, the generated captions,
and the store reader on a hand-built run store."""

from __future__ import annotations

import pandas as pd

from engine.runs import RunStore, make_spec
from ui import figures_gcd_runs as F
from ui.figures import trace_names


def _frame() -> pd.DataFrame:
    rows = []
    # run A (no clean data): accuracy falls over generations; run B (π = 0.1): it does not
    for run_id, pi, accs, ceils in (("a" * 16, 0.0, [[0.70, 0.80], [0.75, 0.78], [0.70, 0.70]],
                                     [[0.76, 0.80], [0.76, 0.78], [0.608, 0.76]]),
                                    ("b" * 16, 0.1, [[0.70, 0.80], [0.72, 0.812]], [[0.76, 0.80], [0.76, 0.80]])):
        for g, (acc_g, ceil_g) in enumerate(zip(accs, ceils)):
            for x, a, c in zip((500, 1000), acc_g, ceil_g):
                rows.append({"run_id": run_id, "run": F.run_label({"clean_frac": pi}), "clean_frac": pi,
                             "label_mode": "greedy", "base": 1000, "M": 10**6, "generation": g, "examples": x,
                             "acc": a, "acc_se": 0.005, "ceiling": c, "n_learned": 3, "learned": "1 2 4",
                             "acc_weighted": a, "ai_wrong_frac": 0.1, "device": "cpu"})
    return pd.DataFrame(rows, columns=F.COLUMNS)


def test_accuracy_vs_examples_has_a_curve_and_a_ceiling_per_generation() -> None:
    df = _frame()
    run_a = df[df["run_id"] == "a" * 16]
    fig = F.fig_accuracy_vs_examples(run_a, 0.8443)
    assert trace_names(fig) == [f"generation {g}: {kind}" for g in range(3)
                                for kind in ("accuracy", "learned-set ceiling")]
    assert list(fig.data[0].y) == [0.70, 0.80] and list(fig.data[5].y) == [0.608, 0.76]
    assert fig.data[1].line.dash == "dot" and fig.data[0].line.color == fig.data[1].line.color
    assert any(s.y0 == 0.8443 for s in fig.layout.shapes)


def test_summary_and_generation_figure() -> None:
    summary = F.generation_summary(_frame())
    assert len(summary) == 5 and (summary["examples"] == 1000).all()
    fig = F.fig_generations(summary, 0.8443)
    assert len(fig.data) == 4  # accuracy + ceiling per run
    first = fig.data[0]
    assert list(first.x) == [0, 1, 2] and list(first.y) == [0.80, 0.78, 0.70]


def test_captions_state_what_the_numbers_show() -> None:
    lines = F.describe(F.generation_summary(_frame()))
    assert len(lines) == 2
    assert "0.800 → 0.780 → 0.700" in lines[0] and "non-increasing" in lines[0] and "**not**" not in lines[0]
    assert "at or below its learned-set ceiling" in lines[0] and "last minus first generation -0.100" in lines[0]
    # run B rises by 0.012 < 2·√2·se: within the slack, but 0.812 is above its ceiling 0.80 + 2 se
    assert "**not**" not in lines[1] and "above its learned-set ceiling in generation(s) 1" in lines[1]
    rising = _frame()
    rising.loc[(rising["run_id"] == "b" * 16) & (rising["generation"] == 1), "acc"] = 0.9
    assert "**not** non-increasing" in F.describe(F.generation_summary(rising))[1]


def test_runs_frame_reads_finished_runs_only(tmp_path) -> None:
    store = RunStore(tmp_path / "runs")
    spec = make_spec("gcd_collapse", {"clean_frac": 0.1}, 0)
    path = store.create(spec)
    w = store.metrics_writer(path)
    for g in (0, 1):
        w.write({"generation": g, "examples": 1000, "acc": 0.7, "acc_se": 0.01, "ceiling": 0.76, "n_learned": 2,
                 "learned": [1, 2], "acc_weighted": 0.7, "ai_wrong_frac": 0.0})
    w.close()
    assert F.runs_frame(store).empty  # still queued
    store.write_result(path, {"device": "cpu"})
    store.update_status(path, state="done")
    df = F.runs_frame(store)
    assert list(df["generation"]) == [0, 1] and (df["learned"] == "1 2").all()
    assert (df["run"] == "π = 0.1 clean, greedy labels").all() and (df["device"] == "cpu").all()
    assert F.store_stamp(str(store.root)) > 0


def test_run_exports_hold_the_specs_and_the_cli_commands(tmp_path) -> None:
    import json

    store = RunStore(tmp_path / "runs")
    spec = make_spec("gcd_collapse", {"clean_frac": 0.1, "generations": 2}, 5)
    store.create(spec)
    out = F.run_exports(store, [spec.run_id, "0" * 16])
    assert list(json.loads(out["params_json"])) == [spec.run_id]
    assert json.loads(out["params_json"])[spec.run_id]["params"]["clean_frac"] == 0.1
    lines = out["command"].splitlines()
    assert lines[0] == f"# run {spec.run_id}" and lines[1].startswith("python -m engine run gcd_collapse")
    assert "--set clean_frac=0.1" in lines[1] and "--seed 5" in lines[1]
