"""Figure builders of the eigen_verify runs (ui/figures_eigen_runs.py), without a browser."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from ui import figures_eigen_runs as F


def _cells(none_big: float = 0.30, oracle_big: float = 0.45) -> pd.DataFrame:
    rows = []
    for v, accs, ps in (("none", (0.20, none_big), 0.5), ("oracle", (0.25, oracle_big), 1.0),
                        ("noisy_oracle_0.3", (0.22, 0.35), 0.7), ("random", (0.15, 0.28), float("nan"))):
        for N, a in zip((1000, 8000), accs):
            rows.append({"run_id": "r1", "verifier": v, "N": N, "acc": a, "acc_se": 0.01, "kept": N // 2,
                         "p_star_hat": ps, "generator_acc": 0.40})
    return pd.DataFrame(rows)


def test_acc_vs_N_has_one_trace_per_verifier_and_the_generator_line() -> None:
    fig = F.fig_eigen_acc_vs_N(_cells())
    names = [t.name for t in fig.data]
    assert names[:4] == ["eigen run: none", "eigen run: oracle", "eigen run: random", "eigen run: noisy oracle ρ=0.3"]
    assert F.GENERATOR_NAME in names
    oracle = next(t for t in fig.data if t.name == "eigen run: oracle")
    assert list(oracle.x) == [1000.0, 8000.0] and list(oracle.y) == [0.25, 0.45]
    assert fig.layout.xaxis.type == "log"
    hlines = [s for s in fig.layout.shapes if s.type == "line" and s.y0 == s.y1]
    assert [s.y0 for s in hlines] == [0.40]


def test_acc_vs_N_empty_frame_gives_an_empty_figure() -> None:
    fig = F.fig_eigen_acc_vs_N(pd.DataFrame(columns=["verifier", "N", "acc", "acc_se"]))
    assert isinstance(fig, go.Figure) and len(fig.data) == 0


def test_pstar_points_skip_undefined_pstar_and_add_the_generator_line() -> None:
    cells = _cells()
    finals = cells[cells["N"] == 8000]
    fig = go.Figure()
    F.add_eigen_pstar_points(fig, finals)
    pts = {t.name: (t.x[0], t.y[0]) for t in fig.data if t.x and t.x[0] is not None}
    assert pts == {"eigen run: none": (0.5, 0.30), "eigen run: oracle": (1.0, 0.45),
                   "eigen run: noisy oracle ρ=0.3": (0.7, 0.35)}  # random has no p̂⋆ here
    assert any(s.y0 == 0.40 for s in fig.layout.shapes)
    assert F.add_eigen_pstar_points(go.Figure(), finals.iloc[0:0]).data == ()


def test_outcome_text_is_honest_in_both_directions() -> None:
    good = F.outcome_text(_cells(none_big=0.30, oracle_big=0.45))
    assert "at or below the generator" in good and "above no verification by 0.150" in good
    assert "beats the generator" in good
    bad = F.outcome_text(_cells(none_big=0.50, oracle_big=0.35))
    assert "**above** the generator" in bad and "**not above** no verification" in bad
    assert "beats the generator" not in bad
    assert F.outcome_text(pd.DataFrame()) == "No eigen_verify run is available."
    assert "At N = 1,000" not in good  # the oracle (0.25) is above none (0.20) at the small N too
    small = _cells()
    small.loc[(small["verifier"] == "oracle") & (small["N"] == 1000), "acc"] = 0.10
    assert "At N = 1,000 the oracle (500 kept) is below no verification (0.100 vs 0.200)" in F.outcome_text(small)
    steps = _cells().assign(gen_steps=1500, retrain_steps=800)
    assert "800 steps against the generator's 1,500" in F.outcome_text(steps)
    assert "steps against" not in F.outcome_text(_cells().assign(gen_steps=800, retrain_steps=800))


@pytest.mark.parametrize("raw, label", [("noisy_oracle_0.35", "noisy oracle ρ=0.35"), ("best_of_beam", "best-of-beam"),
                                        ("self_verify", "self verify"), ("none", "none")])
def test_verifier_labels(raw: str, label: str) -> None:
    assert F.verifier_label(raw) == label


def test_generator_line_absent_without_generator_accuracy() -> None:
    cells = _cells().assign(generator_acc=math.nan)
    fig = F.fig_eigen_acc_vs_N(cells)
    assert F.GENERATOR_NAME not in [t.name for t in fig.data]
