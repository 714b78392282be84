"""Named scenarios ("presets") for every theory page (issue 8), with no Streamlit here.

A preset sets every slider of a page at once: the keys it names take its values, every
other key of the page takes its registry default (derived defaults such as β′ = β
included). Layout choices that are widgets but not parameters (for example which radio
the Tails page uses to cut the tail) are ``extras``. A preset is a URL: its query string
names its values explicitly, so opening it in a fresh browser reproduces it exactly.

Where a preset reproduces a paper figure, ``figure`` names it and ``assumed`` says what the
spec marks as inferred or a project choice ([A]); pages show both next to the selector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlencode

from engine.params import ParamError, get_model

PAGE_KEYS: dict[str, tuple[str, ...]] = {
    "regression": ("d", "T", "T0", "n", "lam_rule", "lam", "ell", "sigma", "sigma0", "spectrum", "beta", "r",
                   "w0_norm", "design"),
    "mixing": ("p_synth", "c2", "d", "T", "m", "lam", "sigma", "sigma_synth", "spectrum", "beta", "r", "w1_norm",
               "proj_var"),
    "tails": ("beta", "T", "k", "top_p", "temperature", "beta_ai", "T0", "n", "mechanism", "p_synth"),
    "verification": ("verifier", "keep_correct", "keep_wrong", "flip", "keep_rate", "theta", "tau", "p_err", "N",
                     "snr", "d"),
}
"""The registry keys each page shows as widgets (a preset sets all of them)."""

PAGE_EXTRAS: dict[str, dict[str, Any]] = {
    "regression": {},
    "mixing": {"vary": "p_synth"},
    "tails": {"cut_by": "k", "narrow_by": "temperature"},
    "verification": {},
}
"""Layout widgets (not parameters) a preset may set, with the page's defaults."""

PANEL_KEY = "panel"
"""URL / session-state key of a page's panel tabs."""
PAGE_PANELS: dict[str, tuple[str, ...]] = {
    "tails": ("Tail cutting", "Finite generator", "Narrowing", "Generations", "Mixing", "Local slope",
              "GCD bridge and runs"),
}
"""Pages whose charts sit in lazily drawn tabs (only the open tab computes): the tab labels,
the first one open by default."""


@dataclass(frozen=True)
class Preset:
    """One named scenario of a page."""

    slug: str
    title: str
    story: str
    values: Mapping[str, Any] = field(default_factory=dict)
    extras: Mapping[str, Any] = field(default_factory=dict)
    figure: str | None = None
    assumed: str | None = None
    panel: str | None = None
    """The page's panel (tab) that tells this story, opened with the preset; not part of
    matching (a tab is a view, not a value). Only pages in PAGE_PANELS have panels."""


_FIG1A = {"d": 300, "T0": 600, "sigma0": 0.2, "sigma": 0.1, "T": 1000, "lam": 1e-3, "spectrum": "isotropic"}
_FIG1B = {"d": 300, "T0": 600, "sigma0": 1.0, "sigma": 1.0, "T": 10_000, "spectrum": "power", "beta": 2.0, "r": 0.375}
_FIG2 = {"d": 300, "T0": 150, "sigma0": 0.0, "sigma": 0.1, "T": 1000, "lam": 1e-4, "spectrum": "isotropic", "n": 3}

PRESETS: dict[str, tuple[Preset, ...]] = {
    "regression": (
        Preset("fig1a", "Reproduce Figure 1a (isotropic)",
               "d = 300, T₀ = 600, σ₀ = 0.2, n = 5. The collapse term grows linearly in n and does not vanish "
               "as T grows: the error levels off at ≈ 0.04·n (chart 3), and the optimal λ moves right with n "
               "(chart 2).",
               {**_FIG1A, "n": 5}, figure="Figure 1a",
               assumed="σ = 0.1 is inferred from the caption; ‖w₀‖ = 1 and the exact factor T₀ − d − 1 are project "
                       "choices."),
        Preset("fig1b", "Reproduce Figure 1b (power law, critical λ)",
               "Power-law spectrum (β, r) = (2, 0.375), λ = T^-ℓcrit with ℓcrit = 0.8. Optimal on clean data, but "
               "with n ≥ 1 generation the error grows with T (chart 4).",
               {**_FIG1B, "lam_rule": "critical", "n": 1}, figure="Figure 1b",
               assumed="the normalisation λ_k = k^-2 and the ground truth c_j = j^-δ/2 are project choices."),
        Preset("fig1b-corrected", "Figure 1b with the corrected λ rule",
               "Same setup as Figure 1b, with the paper's corrected λ = max(T₀^-ℓcrit, T^-β): the error no longer "
               "grows with T, it levels off (chart 4).",
               {**_FIG1B, "lam_rule": "corrected", "n": 1}, figure="Figure 1b",
               assumed="a = 0 (a constant number of generations) in Corollary 5.2."),
        Preset("fig2a", "Reproduce Figure 2a (T₀ < d, dependent design)",
               "Noiseless over-parameterized generators (T₀ = d/2) reusing the same inputs: one constant jump of "
               "(1 − 1/φ₀)‖w₀‖² = 0.5 for every n ≥ 1 (chart 5, left).",
               {**_FIG2, "design": "dependent"}, figure="Figure 2a",
               assumed="σ = 0.1 and ‖w₀‖ = 1 as in Figure 1a."),
        Preset("fig2b", "Reproduce Figure 2b (T₀ < d, independent design)",
               "Fresh inputs per generation: the bias climbs as (1 − 2^-n)‖w₀‖² toward the null error (chart 5, "
               "right).",
               {**_FIG2, "design": "independent"}, figure="Figure 2b",
               assumed="σ = 0.1 and ‖w₀‖ = 1 as in Figure 1a."),
        Preset("strong-collapse", "Strong collapse: 20 generations",
               "Figure 1a's setup after 20 generations: at small λ the error is ≈ 0.81, close to the null error 1 "
               "(reached at n ≈ 25), whatever the amount of clean downstream data.",
               {**_FIG1A, "n": 20, "lam": 1e-4}),
        Preset("regularize", "Regularization fights collapse (n = 10, λ = 0.2)",
               "At n = 10 the optimal ridge is λ ≈ 0.27, not the clean optimum 0.003: a larger λ trades bias for a "
               "smaller collapse term (chart 2).",
               {**_FIG1A, "n": 10, "lam": 0.2}),
        Preset("clean", "Clean data (n = 0)",
               "The baseline: no synthetic generation, the error keeps falling with T.",
               {**_FIG1A, "n": 0}),
    ),
    "mixing": (
        Preset("fig1-left", "Reproduce Figure 1, leftmost panel (p₂ = 0.1)",
               "d = 600, n = 500 with 50 synthetic samples. The Pareto view: synthetic data of quality c² > 0 "
               "lifts the error above the real-only diagonal, most near the interpolation threshold ψ = m/n = 1.",
               {"d": 600, "T": 500, "p_synth": 0.1, "spectrum": "isotropic"}, figure="Figure 1 (left panel)",
               assumed="λ = 10⁻⁴, σ₁ = σ₂ = 0.5, ‖w₁‖ = 1 and c² = 0.5 are project choices (unknown in the paper)."),
        Preset("strong-1pct", "Strong collapse at 1% synthetic data",
               "Only 1% of the training set is synthetic, yet beyond n ≈ 10⁵ the error stops improving: it "
               "levels off at the floor p₂²c² = 5·10⁻⁵ (chart 1) while real-only data keeps improving, so "
               "scaling up cannot undo the damage.",
               {"p_synth": 0.01, "c2": 0.5, "sigma": 0.1, "sigma_synth": 0.1, "T": 1_000_000}),
        Preset("fig4-width", "Figure 4: collapse against model width",
               "Width m on the random-projections model, curves by quality c²: below the interpolation threshold "
               "m = n larger models amplify collapse; above it they mitigate it without curing it.",
               {"m": 1000, "lam": 1e-4}, extras={"vary": "c2"}, figure="Figure 4",
               assumed="the paper's p₂, c² and width grids are unknown; λ = 10⁻⁴ is a project choice."),
        Preset("high-quality", "High-quality synthetic data (c² = 0.1)",
               "Better synthetic data lowers the floor but does not remove it.",
               {"c2": 0.1, "p_synth": 0.1}),
        Preset("real-only", "Real data only (p₂ = 0)",
               "The clean reference: with no synthetic samples the error decreases without a floor.",
               {"p_synth": 0.0}),
        Preset("power-law", "Power-law spectrum",
               "The same mixture on a power-law covariance ℓ_j = j^-2: the floor persists.",
               {"spectrum": "power", "beta": 2.0, "r": 0.375}),
    ),
    "tails": (
        Preset("clean", "Clean Hutter law",
               "No AI data: the error falls as T^-(1−1/β) = T^-0.5 for β = 2.",
               {"beta": 2.0, "T": 1e4}),
        Preset("cut-k100", "Tail cutting at k = 100: loss of scaling",
               "AI data holds only the 100 most frequent tokens: the error follows the clean law until T ≈ k^β, "
               "then stays flat at ζ(β, k+1)/ζ(β).",
               {"k": 100, "T": 1e5}, extras={"cut_by": "k"}, figure="theory figure: tail cutting", panel="Tail cutting",
               assumed="the paper's k and T grids are unknown; these are the spec's recommended inputs."),
        Preset("top-p", "Top-p 0.9 sampling",
               "Nucleus sampling at p = 0.9 cuts the tail where the head's mass reaches 0.9.",
               {"top_p": 0.9, "T": 1e5}, extras={"cut_by": "top-p"}, panel="Tail cutting"),
        Preset("finite-T0", "Generator trained on T₀ = 10⁴ samples",
               "A finitely trained generator cuts the tail at the tokens it has seen: the floor is the clean "
               "error at T₀.",
               {"T0": 10_000, "T": 1e6}, figure="theory figure: finite-T₀ cut", panel="Finite generator",
               assumed="the spec's recommended T₀ grid."),
        Preset("narrow-tau08", "Tail narrowing at temperature 0.8",
               "Lower temperature narrows the tail, β′ = β/τ: the error keeps falling, with the shallower slope "
               "−(β−1)/β′.",
               {"temperature": 0.8}, extras={"narrow_by": "temperature"}, figure="theory figure: tail narrowing",
               panel="Narrowing",
               assumed="the spec's recommended τ grid."),
        Preset("generations", "Collapse over 4 generations",
               "Each generation of a T₀ = 10⁴ generator relabels the data: the curves shift upward with n "
               "(the shifted scaling law).",
               {"T0": 10_000, "n": 4, "T": 1e6}, figure="theory figure: generations", panel="Generations",
               assumed="mechanism 'relabel' with the spec's recommended T₀ and n."),
        Preset("grokking", "Grokking with clean data (π = 0.1)",
               "Mixing 10% clean data into cut AI data (k = 100): the error plateaus, then resumes its descent "
               "along the clean law at πT.",
               {"k": 100, "p_synth": 0.9, "T": 1e7}, extras={"cut_by": "k"}, figure="theory figure: grokking / mixing",
               panel="Mixing",
               assumed="the spec's recommended k and π grid."),
    ),
    "verification": (
        Preset("tv-none", "Test vector: no verification (row 1)",
               "d = 100, r = 1, p = 0.3, N = 10³ without a verifier: 0.7836 (spec §3.2, row 1).",
               {"verifier": "none", "p_err": 0.3, "N": 1e3, "snr": 1.0, "d": 100}),
        Preset("tv-custom", "Test vector: verifier φ = 1, ψ = 0.2 (row 3)",
               "A verifier keeping every correct label and 20% of the wrong ones: p⋆ = 0.83 > p, accuracy 0.8208 "
               "at N = 10³ (spec §3.2, row 3).",
               {"verifier": "custom", "keep_correct": 1.0, "keep_wrong": 0.2, "p_err": 0.3, "N": 1e3, "snr": 1.0,
                "d": 100}),
        Preset("breakdown", "Verifier breakdown (p > p⋆)",
               "A noisy oracle flipping 45% of its decisions has p⋆ = 0.55; with a generator error p = 0.6 above it, "
               "more synthesized data drives the retrained model toward the wrong class.",
               {"verifier": "noisy_oracle", "flip": 0.45, "p_err": 0.6, "N": 1e5}),
        Preset("noisy-065", "Noisy verifier at p⋆ = 0.65 (the paper's crossover)",
               "A noisy oracle with flip ρ = 0.35 (p⋆ = 0.65): the paper reports its eigenvalue models crossing the "
               "generator near this verifier quality.",
               {"verifier": "noisy_oracle", "flip": 0.35, "p_err": 0.3, "N": 1e4},
               assumed="the theory is reconstructed [R]; the crossover p⋆ ≈ 0.65 is the paper's experimental value."),
        Preset("oracle", "Oracle verification",
               "The oracle keeps exactly the correct labels: accuracy rises to the Bayes level Φ(r).",
               {"verifier": "oracle", "p_err": 0.3, "N": 1e5}),
        Preset("random", "Random subsampling is no cure (row 5)",
               "Keeping half the data at random changes nothing but the sample size: 0.7475 at N = 10³ "
               "(spec §3.2, row 5).",
               {"verifier": "random", "keep_rate": 0.5, "p_err": 0.3, "N": 1e3, "snr": 1.0, "d": 100}),
        Preset("infinite-N", "Infinite data: the sharp transition",
               "N = ∞: accuracy is Φ(r) when p < p⋆ and 1 − Φ(r) when p > p⋆.",
               {"verifier": "custom", "keep_correct": 1.0, "keep_wrong": 0.2, "p_err": 0.3, "N": math.inf}),
    ),
}


def pages() -> tuple[str, ...]:
    return tuple(PRESETS)


def presets(page: str) -> tuple[Preset, ...]:
    if page not in PRESETS:
        raise ParamError(f"unknown page {page!r}; known: {', '.join(PRESETS)}")
    return PRESETS[page]


def get_preset(page: str, slug: str) -> Preset:
    for p in presets(page):
        if p.slug == slug:
            return p
    raise ParamError(f"unknown preset {slug!r} for page {page!r}; known: {', '.join(p.slug for p in presets(page))}")


def resolved(page: str, preset: Preset | None = None) -> dict[str, Any]:
    """Every page key's value under ``preset`` (registry defaults elsewhere; derived
    defaults filled in), validated by the registry. ``preset=None`` gives the defaults."""
    model = get_model(page)
    raw = {k: v for k, v in (preset.values if preset else {}).items()}
    unknown = set(raw) - set(PAGE_KEYS[page])
    if unknown:
        raise ParamError(f"preset {preset.slug!r} sets {sorted(unknown)}, not on the {page} page")
    full = model.resolve(raw)
    return {k: full[k] for k in PAGE_KEYS[page]}


def resolved_extras(page: str, preset: Preset | None = None) -> dict[str, Any]:
    """Every layout extra of the page under ``preset`` (page defaults elsewhere)."""
    out = dict(PAGE_EXTRAS[page])
    for k, v in (preset.extras if preset else {}).items():
        if k not in out:
            raise ParamError(f"preset {preset.slug!r} sets the extra {k!r}, not on the {page} page")
        out[k] = v
    return out


def resolved_panel(page: str, preset: Preset | None = None) -> str | None:
    """The panel (tab label) ``preset`` opens, or None (the page keeps its open tab).

    Raises:
        ParamError: the preset names a panel the page does not have.
    """
    if preset is None or preset.panel is None:
        return None
    if preset.panel not in PAGE_PANELS.get(page, ()):
        raise ParamError(f"preset {preset.slug!r} opens the panel {preset.panel!r}, not on the {page} page "
                         f"(panels: {', '.join(PAGE_PANELS.get(page, ())) or 'none'})")
    return preset.panel


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return str(int(value)) if value.is_integer() and abs(value) < 1e7 else f"{value:g}"
    return str(value)


def query_string(page: str, preset: Preset) -> str:
    """The preset's URL query (without '?'): its explicit values and extras. Opening
    ``/<page>?<query>`` fresh gives :func:`resolved` (the other keys default)."""
    items = {**{k: _text(v) for k, v in preset.values.items()}, **{k: _text(v) for k, v in preset.extras.items()}}
    panel = resolved_panel(page, preset)
    if panel is not None:
        items[PANEL_KEY] = panel
    return urlencode(items, safe="/")


def same_value(a: Any, b: Any) -> bool:
    """Equal values (floats with a relative tolerance of 1e-9; inf equals inf)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if math.isinf(a) or math.isinf(b):
            return a == b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-15)
    return a == b


def matching(page: str, current: Mapping[str, Any], current_extras: Mapping[str, Any] | None = None) -> Preset | None:
    """The first preset whose resolved values (and extras) equal ``current`` (a partial
    mapping of page keys; missing keys take their defaults), or None."""
    try:
        cur = get_model(page).resolve({k: v for k, v in current.items() if k in PAGE_KEYS[page] and v is not None})
    except ParamError:
        return None
    ext = {**PAGE_EXTRAS[page], **{k: v for k, v in (current_extras or {}).items() if k in PAGE_EXTRAS[page]}}
    for p in presets(page):
        want = resolved(page, p)
        if all(same_value(cur[k], want[k]) for k in PAGE_KEYS[page]) and \
                all(ext[k] == v for k, v in resolved_extras(page, p).items()):
            return p
    return None


def differing(page: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Page keys whose values differ between two parameter mappings (for the compare table)."""
    return [k for k in PAGE_KEYS[page] if not same_value(a.get(k), b.get(k))]
