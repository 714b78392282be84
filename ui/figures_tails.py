"""Panels of the Tails page (tails.md §8): the data each panel plots (DataFrames built from the
engine) and its figure builder (DataFrame in, go.Figure out). No Streamlit here.

Panel grids (k family, beta' family, n family, pi family) are the spec's recommended grids
(§4), a project choice [A].
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.simulate import tails as sim
from engine.theory import tails as th
from ui.figures import add_hline, add_line, add_mc_points, base_figure, color

T_GRID = np.logspace(0, 9, 91)
"""10 points per decade (the spec asks for at least 4): the curves are smooth in log T."""
K_FAMILY = (10, 100, 1000, 10_000)
TOP_P_FAMILY = (0.8, 0.9, 0.95, 0.99)
TAU_FAMILY = (1.0, 0.9, 0.8, 0.7)
N_FAMILY = (0, 1, 2, 4, 8, 16)
PI_FAMILY = (0.0, 0.01, 0.05, 0.1, 0.5, 1.0)
MC_T_MAX_TOKENS = 300_000
"""The page simulates only T points whose truncated support stays below this many tokens."""


def _fmt(x: float) -> str:
    if x >= 1e4 and float(x).is_integer():
        e = int(round(math.log10(x)))
        if 10**e == x:
            return f"10^{e}"
    return f"{x:g}"


# ============================================================================= panel data
def effective_beta_ai(params: dict[str, Any]) -> float:
    """beta' = beta_ai / temperature (spec rule 1)."""
    return float(params.get("beta_ai") or params["beta"]) / float(params.get("temperature", 1.0))


def config_data(params: dict[str, Any], T: Sequence[float] = T_GRID) -> pd.DataFrame:
    """Panel 0: the full canonical curve E(T) for the user's configuration."""
    p = {k: v for k, v in params.items() if k != "T"}
    return th.curve(T=np.asarray(T, float), **p)


def clean_data(beta: float, T: Sequence[float] = T_GRID) -> pd.DataFrame:
    """The clean law E_clean(T) as a family member: columns curve = "clean", k = 0, then curve()'s."""
    clean = th.curve(beta=beta, T=np.asarray(T, float))
    clean.insert(0, "curve", "clean")
    clean.insert(1, "k", 0)
    return clean


def cut_data(beta: float, *, by: str = "k", values: Sequence[float] = K_FAMILY, beta_ai: float | None = None,
             T: Sequence[float] = T_GRID, clean: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel 2 (Theorem 2.1): curves for several cuts (k, or top-p mapped to k through Zipf(beta')),
    and one row per cut with its plateau zeta(beta,k+1)/zeta(beta) and knee T_knee. ``clean`` is
    :func:`clean_data` on the same T grid when the caller already has it."""
    bp = beta if beta_ai is None else beta_ai
    curves, marks = [], []
    for v in values:
        k = int(v) if by == "k" else int(th.k_from_top_p(v, bp)[0])
        label = f"k = {k}" if by == "k" else f"top-p = {v:g} (k = {k})"
        df = th.curve(beta=beta, T=np.asarray(T, float), k=k)
        df.insert(0, "curve", label)
        df.insert(1, "k", k)
        curves.append(df)
        marks.append({"curve": label, "k": k, "plateau": float(th.cut_plateau(beta, k)[()]),
                      "T_knee": float(th.knee_T(beta, k)[()])})
    clean = clean_data(beta, T) if clean is None else clean
    return pd.concat([clean] + curves, ignore_index=True), pd.DataFrame(marks)


def finite_T0_data(beta: float, T0_values: Sequence[int] = (1000, 10_000, 100_000), *,
                   T: Sequence[float] = T_GRID) -> pd.DataFrame:
    """Panel 3 (Corollary 2.2): a generator trained on T0 clean samples (relabel, n = 1), one curve
    per T0, with its floor E_clean(T0) as ``floor``."""
    parts = []
    for T0 in T0_values:
        df = th.curve(beta=beta, T=np.asarray(T, float), T0=int(T0), n=1, mechanism="relabel")
        df["floor"] = float(th.clean_error(T0, beta)[0])
        df.insert(0, "curve", f"T₀ = {_fmt(T0)}")
        df.insert(1, "T0", int(T0))
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def narrow_data(beta: float, *, by: str = "temperature", values: Sequence[float] = TAU_FAMILY,
                T: Sequence[float] = T_GRID) -> pd.DataFrame:
    """Panel 4 (§3.3): one curve per beta' (or per temperature, beta' = beta/tau) with the guide
    Gamma((beta-1)/beta')/(beta' zeta(beta)) (T/zeta(beta'))^-(beta-1)/beta'."""
    parts = []
    for v in values:
        bp = beta / v if by == "temperature" else float(v)
        kw = dict(temperature=v) if by == "temperature" else dict(beta_ai=bp)
        df = th.curve(beta=beta, T=np.asarray(T, float), **kw)
        df["guide"] = th.narrowed_guide(df["T"], beta, bp)
        target = -(beta - 1.0) / bp
        label = (f"τ = {v:g} (β′ = {bp:.3g})" if by == "temperature" else f"β′ = {bp:.3g}") + f": slope {target:.3f}"
        df.insert(0, "curve", label)
        df.insert(1, "beta_ai", bp)
        df["target_slope"] = target
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def mc_T_points(params: dict[str, Any], T: Sequence[float], max_tokens: int = MC_T_MAX_TOKENS) -> list[float]:
    """The T values at which the page's Monte Carlo stays cheap (truncated support <= max_tokens)."""
    bp = effective_beta_ai(params)
    cfg = th.make_config(beta=params["beta"], T=1.0, k=params.get("k", 0), top_p=params.get("top_p", 1.0),
                         beta_ai=params.get("beta_ai") or params["beta"], temperature=params.get("temperature", 1.0))
    k = float(cfg.k[0])
    T0 = float(params.get("T0", 0)) if params.get("n", 0) >= 1 else 0.0
    return [float(t) for t in T if sim.truncation_index(params["beta"], bp, k, float(t), T0) <= max_tokens]


def mc_data(params: dict[str, Any], T: Sequence[float], seeds: int, seed: int = 0) -> pd.DataFrame:
    """Monte Carlo at the given T values (same parameters), columns T, error_mean, error_se, ..."""
    p = {k: v for k, v in params.items() if k != "T"}
    if not len(T):
        return pd.DataFrame(columns=["T", "error_mean", "error_se", "plateau_mean", "plateau_se"])
    return sim.simulate(seeds=seeds, seed=seed, T=np.asarray(T, float), **p)


def family_mc(base: dict[str, Any], key: str, values: Sequence[Any], labels: Sequence[str], seeds: int, *,
               T_points: Sequence[float] = (1e1, 1e2, 1e3, 1e4, 1e5), max_tokens: int = 30_000) -> pd.DataFrame:
    """Monte Carlo for a family of curves (one parameter ``key`` varied): columns curve, value, T,
    error_mean, error_se, ... at the T points whose truncated support stays below ``max_tokens``."""
    parts = []
    for v, label in zip(values, labels):
        p = {**base, key: v}
        Ts = mc_T_points(p, T_points, max_tokens)
        if Ts:
            df = mc_data(p, Ts, seeds)
            df.insert(0, "curve", label)
            df.insert(1, "value", v)
            parts.append(df)
    if not parts:
        return pd.DataFrame(columns=["curve", "value", "T", "error_mean", "error_se", "plateau_mean", "plateau_se"])
    return pd.concat(parts, ignore_index=True)


def resample_plateau_by_n(beta: float, T0: int, n_values: Sequence[int], seeds: int, seed: int = 1,
                          T: float = 1e3) -> pd.DataFrame:
    """The resample mechanism's un-learned mass against n: simulation only (no closed form)."""
    return sim.simulate(seeds=seeds, seed=seed, beta=beta, T=T, T0=T0, n=list(n_values), mechanism="resample")


def generations_data(beta: float, T0: int, *, n_values: Sequence[int] = N_FAMILY, T: Sequence[float] = T_GRID,
                     C_prime: float | None = None) -> pd.DataFrame:
    """Panel 5 (§3.4): relabel (mechanism B) curves for several n, exact, with the paper's template
    C_beta T^-c + n C' T0^-c as ``template`` (C' = C_beta unless given) [A]."""
    Cb = float(th.clean_constant(beta))
    Cp = Cb if C_prime is None else C_prime
    c = 1.0 - 1.0 / beta
    parts = []
    for n in n_values:
        df = th.curve(beta=beta, T=np.asarray(T, float), T0=T0, n=n, mechanism="relabel")
        df["template"] = Cb * df["T"] ** (-c) + n * Cp * T0 ** (-c)
        df.insert(0, "curve", f"n = {n}")
        df.insert(1, "n", n)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def unlearned_data(beta: float, T0: int, *, n_values: Sequence[int] = tuple(range(0, 21)),
                   mc: pd.DataFrame | None = None) -> pd.DataFrame:
    """Companion of panel 5: the "un-learned" token mass (plateau at pi = 0) against n. Relabel is
    exact; the resample column is the simulation's plateau estimate when ``mc`` (swept over n)
    is given; ``template`` = n C_beta T0^-c."""
    df = th.curve(beta=beta, T=1e12, T0=T0, n=list(n_values), mechanism="relabel")[["n", "plateau"]]
    df = df.rename(columns={"plateau": "relabel"})
    df["template"] = df["n"] * th.clean_constant(beta) * T0 ** -(1.0 - 1.0 / beta)
    if mc is not None and len(mc):
        df = df.merge(mc[["n", "plateau_mean", "plateau_se"]].rename(
            columns={"plateau_mean": "resample_mean", "plateau_se": "resample_se"}), on="n", how="left")
    return df


def mixing_data(beta: float, k: int, *, pi_values: Sequence[float] = PI_FAMILY, T: Sequence[float] = T_GRID,
                guide_pi: float | None = None) -> pd.DataFrame:
    """Panel 6 (Theorem 3.2): cut-at-k AI data mixed with a fraction pi of clean data, one curve per
    pi, with the resumption guide E_clean(pi T) as ``clean_at_piT``: for every pi > 0, or only
    for ``guide_pi`` when given (the one the chart draws; NaN elsewhere, which saves the page
    five exact sums)."""
    parts = []
    Ta = np.asarray(T, float)
    for pi in pi_values:
        df = th.curve(beta=beta, T=Ta, k=k, p_synth=1.0 - pi)
        wanted = 0 < pi and (guide_pi is None or math.isclose(pi, guide_pi))
        df["clean_at_piT"] = th.clean_error(pi * Ta, beta) if wanted else np.nan
        df.insert(0, "curve", f"π = {pi:g}")
        df.insert(1, "pi", pi)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def mixing_phases(beta: float, k: int, pi: float) -> dict[str, float]:
    """The three phases of Theorem 3.2: knee T_knee, resumption T_knee/pi, the plateau and its
    width log10(1/pi) decades."""
    Tk = float(th.knee_T(beta, k)[()])
    return {"T_knee": Tk, "T_resume": Tk / pi if pi > 0 else math.inf,
            "plateau": float(th.cut_plateau(beta, k)[()]),
            "width_decades": math.log10(1.0 / pi) if pi > 0 else math.inf}


def gcd_data(max_g: int = 100, primes: Sequence[int] = (2, 5)) -> pd.DataFrame:
    """§5.1: P(gcd = g) = 6/(pi^2 g^2) for g <= max_g, and whether g is a product of ``primes``."""
    g = np.arange(1, max_g + 1)
    rest = g.copy()
    for p in primes:
        while True:
            div = rest % p == 0
            if not div.any():
                break
            rest = np.where(div, rest // p, rest)
    return pd.DataFrame({"g": g, "probability": th.gcd_outcome_probability(g), "learned": rest == 1})


# ============================================================================= figures
def _hline_log(fig: go.Figure, y: float, text: str, *, color_: str = "gray", dash: str = "dot") -> None:
    """A horizontal line on a log-y figure, its label placed in log10 units (plotly's own
    add_hline label lands off the line on log axes)."""
    if not (np.isfinite(y) and y > 0):
        return
    fig.add_hline(y=y, line=dict(color=color_, dash=dash, width=1.5))
    fig.add_annotation(x=0.01, xref="paper", y=math.log10(y), text=text, showarrow=False, xanchor="left",
                       yanchor="bottom", font=dict(color=color_, size=11))


def _vline_log(fig: go.Figure, x: float, text: str, *, color_: str = "gray", dash: str = "dash") -> None:
    """A vertical line on a log-x figure with its label in log10 units."""
    if not (np.isfinite(x) and x > 0):
        return
    fig.add_vline(x=x, line=dict(color=color_, dash=dash, width=1.2))
    fig.add_annotation(x=math.log10(x), y=1.0, yref="paper", text=text, showarrow=False, xanchor="left",
                       yanchor="top", font=dict(color=color_, size=11))


def fig_config(df: pd.DataFrame, T_mark: float, mc: pd.DataFrame | None = None, *, simulation_only: bool = False) -> go.Figure:
    """Panel 0: the user's configuration: exact E(T), its asymptotic guide, the plateau, MC points."""
    fig = base_figure("Your configuration: exact expected error against T", "training samples T", "test error E(T)",
                      logx=True, logy=True)
    if not simulation_only:
        add_line(fig, df["T"], df["error"], "exact E(T)", color_=color(0), width=3)
    add_line(fig, df["T"], df["asymptote"], "asymptotic guide [A]", color_="black", dash="dash", width=1.3)
    pl = df["plateau"].dropna()
    if len(pl) and pl.iloc[0] > 0:
        _hline_log(fig, float(pl.iloc[0]), f"plateau {pl.iloc[0]:.3g}")
    if mc is not None and len(mc):
        name = "simulation only (resample, no closed form)" if simulation_only else "Monte Carlo mean ± se"
        if simulation_only:
            add_line(fig, mc["T"], mc["error_mean"], name, color_=color(1), width=2, mode="lines+markers")
        add_mc_points(fig, mc["T"], mc["error_mean"], mc["error_se"],
                      "Monte Carlo (resample)" if simulation_only else name, color_=color(1), symbol="diamond")
    _vline_log(fig, T_mark, f"T = {_fmt(T_mark)}")
    return fig


def fig_cut(curves: pd.DataFrame, marks: pd.DataFrame, mc: pd.DataFrame | None = None) -> go.Figure:
    """Panel 2: clean vs cut curves; each cut's plateau (dotted) and knee (x marker)."""
    fig = base_figure("Tail cutting: the scaling law stops at a plateau (Thm 2.1)", "training samples T", "test error",
                      logx=True, logy=True)
    clean = curves[curves["curve"] == "clean"]
    add_line(fig, clean["T"], clean["error"], "clean", color_="black", width=3)
    add_line(fig, clean["T"], clean["asymptote"], "clean guide C_β T^-c", color_="gray", dash="dash", width=1.2)
    far = clean.iloc[-1]
    fig.add_annotation(x=math.log10(far["T"]), y=math.log10(far["error"]), text=f"slope −c = {far['slope']:.3f}",
                       showarrow=False, xanchor="right", yshift=-12, font=dict(size=11))
    _overlay_family(fig, mc, "clean", "black")
    Tlo, Thi = float(curves["T"].min()), float(curves["T"].max())
    for i, row in enumerate(marks.itertuples()):
        df = curves[curves["curve"] == row.curve]
        add_line(fig, df["T"], df["error"], row.curve, color_=color(i + 1), group=row.curve)
        _overlay_family(fig, mc, row.curve, color(i + 1))
        fig.add_trace(go.Scatter(x=[Tlo, Thi], y=[row.plateau, row.plateau], mode="lines", legendgroup=row.curve,
                                 name=f"plateau ζ(β,k+1)/ζ(β), k = {row.k}", showlegend=False,
                                 line=dict(color=color(i + 1), dash="dot", width=1),
                                 hovertemplate=f"plateau k={row.k}: %{{y:.4g}}<extra></extra>"))
        if Tlo <= row.T_knee <= Thi:
            fig.add_trace(go.Scatter(x=[row.T_knee], y=[row.plateau], mode="markers", legendgroup=row.curve,
                                     name=f"knee, k = {row.k}", showlegend=False,
                                     marker=dict(symbol="x", size=11, color=color(i + 1)),
                                     hovertemplate=f"knee T={row.T_knee:.3g}<extra></extra>"))
    return fig


def fig_finite_T0(df: pd.DataFrame, clean: pd.DataFrame, mc: pd.DataFrame | None = None) -> go.Figure:
    """Panel 3: curves for several T0 with their floors E_clean(T0) (dotted)."""
    fig = base_figure("Finite-T₀ generator: no better than a model trained on T₀ clean samples (Cor. 2.2)",
                      "training samples T", "test error", logx=True, logy=True)
    add_line(fig, clean["T"], clean["error"], "clean", color_="black", width=3)
    Tlo, Thi = float(df["T"].min()), float(df["T"].max())
    for i, (label, d) in enumerate(df.groupby("curve", sort=False)):
        add_line(fig, d["T"], d["error"], label, color_=color(i + 1), group=label)
        _overlay_family(fig, mc, label, color(i + 1))
        fl = float(d["floor"].iloc[0])
        fig.add_trace(go.Scatter(x=[Tlo, Thi], y=[fl, fl], mode="lines", legendgroup=label, showlegend=False,
                                 name=f"floor E_clean(T₀), {label}", line=dict(color=color(i + 1), dash="dot", width=1),
                                 hovertemplate=f"floor {label}: %{{y:.4g}}<extra></extra>"))
    return fig


def fig_narrow(df: pd.DataFrame, mc: pd.DataFrame | None = None) -> go.Figure:
    """Panel 4: straight but shallower lines; guides dashed; slopes in the legend."""
    fig = base_figure("Tail narrowing: straight lines with a smaller exponent (§3.3)", "training samples T",
                      "test error", logx=True, logy=True)
    for i, (label, d) in enumerate(df.groupby("curve", sort=False)):
        add_line(fig, d["T"], d["error"], label, color_=color(i), group=label)
        add_line(fig, d["T"], d["guide"], f"guide {label}", color_=color(i), dash="dash", width=1.1, group=label,
                 showlegend=False)
        _overlay_family(fig, mc, label, color(i))
        mid = d.iloc[len(d) * 2 // 3]
        fig.add_annotation(x=math.log10(mid["T"]), y=math.log10(mid["error"]), text=f"{mid['target_slope']:.3f}",
                           showarrow=False, yshift=10, font=dict(color=color(i), size=11))
    return fig


def fig_generations(df: pd.DataFrame, mechanism: str, mc: pd.DataFrame | None = None) -> go.Figure:
    """Panel 5: curves for several n. relabel: exact; resample: simulation only (labelled)."""
    title = ("Generations (relabel, exact): the plateau shifts up with n" if mechanism == "relabel" else
             "Generations (resample): simulation only, no closed form in the spec")
    fig = base_figure(title, "training samples T", "test error", logx=True, logy=True)
    for i, (label, d) in enumerate(df.groupby("curve", sort=False)):
        if mechanism == "relabel":
            add_line(fig, d["T"], d["error"], label, color_=color(i), group=label)
        add_line(fig, d["T"], d["template"], f"paper's template [P], {label}", color_=color(i), dash="dash",
                 width=1.0, group=label, showlegend=False)
        if mc is not None and len(mc) and "n" in mc:
            m = mc[mc["n"] == d["n"].iloc[0]]
            if len(m):
                tag = "simulation only" if mechanism == "resample" else "Monte Carlo"
                if mechanism == "resample":
                    add_line(fig, m["T"], m["error_mean"], f"{label} ({tag})", color_=color(i), group=label,
                             mode="lines+markers")
                add_mc_points(fig, m["T"], m["error_mean"], m["error_se"], f"{tag}, {label}", color_=color(i),
                              group=label, symbol="diamond")
    _template_legend(fig)
    return fig


def _overlay_family(fig: go.Figure, mc: pd.DataFrame | None, label: str, color_: str, group: str | None = None) -> None:
    """Monte Carlo points (mean ± se) of the curve ``label`` of a family, if simulated."""
    if mc is None or not len(mc) or "curve" not in mc:
        return
    m = mc[mc["curve"] == label]
    if len(m):
        add_mc_points(fig, m["T"], m["error_mean"], m["error_se"], f"Monte Carlo, {label}", color_=color_,
                      group=group or label, symbol="diamond")


def _template_legend(fig: go.Figure) -> None:
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="paper's template [P] (broken)",
                             line=dict(color="gray", dash="dash", width=1)))


def fig_unlearned(df: pd.DataFrame) -> go.Figure:
    """Companion of panel 5: the un-learned token mass against n."""
    fig = base_figure('"Un-learned" token mass (plateau) against n', "generations n", "p-mass never learned",
                      logy=True, height=360)
    pos = df[df["n"] >= 1]  # n = 0 loses nothing (0 on a log axis)
    add_line(fig, pos["n"], pos["relabel"], "relabel (exact)", color_=color(0), mode="lines+markers")
    add_line(fig, pos["n"], pos["template"], "paper's template n·C′T₀^-c [P]", color_="gray", dash="dash")
    if "resample_mean" in df and df["resample_mean"].notna().any():
        d = pos[pos["resample_mean"].notna()]
        add_mc_points(fig, d["n"], d["resample_mean"], d["resample_se"], "resample (simulation only)", color_=color(1))
    return fig


def fig_mixing(df: pd.DataFrame, phases: dict[str, float], highlight_pi: float, mc: pd.DataFrame | None = None) -> go.Figure:
    """Panel 6: grokking. The three phases are annotated for the highlighted pi."""
    fig = base_figure("Mixing clean data: plateau, then the descent comes back (Thm 3.2)", "training samples T",
                      "test error", logx=True, logy=True)
    for i, (label, d) in enumerate(df.groupby("curve", sort=False)):
        pi = float(d["pi"].iloc[0])
        width = 3 if math.isclose(pi, highlight_pi) else 1.6
        add_line(fig, d["T"], d["error"], label, color_=color(i), group=label, width=width)
        _overlay_family(fig, mc, label, color(i))
        if math.isclose(pi, highlight_pi) and 0 < pi < 1:
            late = d[d["T"] >= phases["T_knee"]]
            add_line(fig, late["T"], late["clean_at_piT"], f"E_clean(πT), π = {pi:g}", color_=color(i), dash="dash",
                     width=1.1, group=label)
    _hline_log(fig, phases["plateau"], "plateau ≈ k^-(β−1)")
    _vline_log(fig, phases["T_knee"], "(i)→(ii) knee")
    if math.isfinite(phases["T_resume"]):
        _vline_log(fig, phases["T_resume"], "(ii)→(iii) T_knee/π")
        Tk, Tr = phases["T_knee"], phases["T_resume"]
        y = math.log10(phases["plateau"])
        fig.add_annotation(x=math.log10(math.sqrt(Tk * Tr)), y=y, yshift=18, showarrow=False,
                           text=f"plateau width log₁₀(1/π) = {phases['width_decades']:.2f} decades")
        fig.add_annotation(x=math.log10(max(Tk / 30, 1.5)), y=y, yshift=60, showarrow=False, text="(i) clean law")
        fig.add_annotation(x=math.log10(Tr * 30), y=y, yshift=-30, showarrow=False, text="(iii) E_clean(πT)")
    return fig


def fig_slopes(frames: dict[str, pd.DataFrame], marks: dict[str, float]) -> go.Figure:
    """Panel 7: the local slope d log E / d log T of several curves; reference levels as lines."""
    fig = base_figure("Local slope d log E / d log T: watch the exponent change", "training samples T",
                      "local slope", logx=True)
    for i, (name, d) in enumerate(frames.items()):
        add_line(fig, d["T"], d["slope"], name, color_=color(i))
    for j, (text, y) in enumerate(marks.items()):
        add_hline(fig, y, text, dash="dot" if j else "dash")
    return fig


def fig_gcd(df: pd.DataFrame, accuracy: float) -> go.Figure:
    """Panel 8: P(gcd = g) ∝ g^-2, the learned set {2^a 5^b} highlighted."""
    fig = base_figure(f"GCD outcomes are Zipf(β = 2): knowing only 2^a·5^b gives {accuracy:.4f}",
                      "gcd g", "P(gcd = g)", logx=True, logy=True, height=360)
    for learned, name, col in ((True, "learned: g = 2^a·5^b", color(2)), (False, "tail: other g", color(1))):
        d = df[df["learned"] == learned]
        fig.add_trace(go.Scatter(x=d["g"], y=d["probability"], mode="markers", name=name,
                                 marker=dict(color=col, size=7),
                                 hovertemplate="g=%{x}<br>P=%{y:.4g}<extra></extra>"))
    return fig
