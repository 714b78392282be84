"""The parameter registry: every canonical parameter of every model, declared once.

Sliders, URL state, command-line parsing, validation and run specs are all generated
from these declarations. The keys, domains and defaults are those of the theory specs
(``shared/theory/<model>.md``, section "Canonical parameters and outputs").

A :class:`Param` knows its *domain* (what the mathematics accepts; anything outside is
rejected with a :class:`ParamError` naming the parameter and its domain) and its *UI
range* (the slider's span, a subset of the domain). A value that is in the domain but
outside the UI range (for example from a URL or the command line) is still accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np


class ParamError(ValueError):
    """A parameter value outside its domain, or an unknown parameter key."""


@dataclass(frozen=True)
class Param:
    """One canonical parameter.

    Attributes:
        key: canonical key from the spec (used in Python, URLs and the CLI).
        label: short human label.
        symbol: LaTeX symbol (without dollars).
        kind: ``"int"``, ``"float"`` or ``"enum"``.
        default: default value (``None`` means "derived from other parameters").
        lo, hi: domain bounds (``None`` = unbounded); ``lo_open``/``hi_open`` make them strict.
        choices: allowed values for enums.
        ui_lo, ui_hi: slider span (defaults to the domain bounds).
        log: draw the slider on a log scale (a grid of 1-2-5 values per decade).
        help: one or two sentences shown as the widget's help.
        ref: where it comes from in the paper/spec.
        assumed: True when the spec tags it [A]/[U]/[?]: the UI labels it "not from the paper".
        allow_inf: accept ``inf`` (written ``"inf"`` in JSON), e.g. N = infinity.
    """

    key: str
    label: str
    symbol: str
    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    ui_lo: float | None = None
    ui_hi: float | None = None
    log: bool = False
    help: str = ""
    ref: str = ""
    assumed: bool = False
    allow_inf: bool = False

    # ----------------------------------------------------------------- domain
    def domain_text(self) -> str:
        """The domain in words, e.g. ``"an integer >= 1"`` or ``"one of fixed, adaptive"``."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        noun = "an integer" if self.kind == "int" else "a number"
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            left = "(" if self.lo_open else "["
            right = ")" if self.hi_open else "]"
            text = f"{noun} in {left}{_fmt(lo)}, {_fmt(hi)}{right}"
        elif lo is not None:
            text = f"{noun} {'>' if self.lo_open else '>='} {_fmt(lo)}"
        elif hi is not None:
            text = f"{noun} {'<' if self.hi_open else '<='} {_fmt(hi)}"
        else:
            text = f"{noun} (any finite value)"
        if self.allow_inf:
            text += ", or inf"
        return text

    def _fail(self, value: Any, why: str = "") -> ParamError:
        extra = f" ({why})" if why else ""
        return ParamError(f"{self.key} = {value!r} is invalid{extra}: {self.key} must be {self.domain_text()}")

    def coerce(self, value: Any) -> Any:
        """Parse (if a string) and validate one scalar value; return it in its Python type."""
        if self.kind == "enum":
            text = str(value).strip()
            if text not in self.choices:
                raise self._fail(value)
            return text
        if isinstance(value, str):
            text = value.strip()
            if self.allow_inf and text.lower() in {"inf", "infinity", "+inf"}:
                return math.inf
            try:
                num = float(text)
            except ValueError:
                raise self._fail(value, "not a number") from None
        elif isinstance(value, (bool, np.bool_)):
            raise self._fail(value, "not a number")
        else:
            try:
                num = float(value)
            except (TypeError, ValueError):
                raise self._fail(value, "not a number") from None
        if math.isnan(num):
            raise self._fail(value, "NaN")
        if math.isinf(num):
            if self.allow_inf and num > 0:
                return math.inf
            raise self._fail(value, "not finite")
        if self.lo is not None and (num < self.lo or (self.lo_open and num == self.lo)):
            raise self._fail(value)
        if self.hi is not None and (num > self.hi or (self.hi_open and num == self.hi)):
            raise self._fail(value)
        if self.kind == "int":
            if num != round(num):
                raise self._fail(value, "not an integer")
            return int(round(num))
        return float(num)

    def coerce_many(self, values: Iterable[Any]) -> np.ndarray | list[str]:
        """Validate a sweep; returns a numpy array (or a list for enums)."""
        out = [self.coerce(v) for v in values]
        if not out:
            raise ParamError(f"{self.key}: the sweep is empty")
        if self.kind == "enum":
            return out
        return np.asarray(out, dtype=float if self.kind == "float" or self.allow_inf else np.int64)

    # ----------------------------------------------------------------- UI
    @property
    def slider_lo(self) -> float:
        if self.ui_lo is not None:
            return self.ui_lo
        if self.lo is None:
            raise ValueError(f"{self.key}: no slider minimum")
        return self.lo

    @property
    def slider_hi(self) -> float:
        if self.ui_hi is not None:
            return self.ui_hi
        if self.hi is None:
            raise ValueError(f"{self.key}: no slider maximum")
        return self.hi

    def log_grid(self) -> list[float]:
        """Slider options for a log-scale parameter: 1, 2, 5 per decade within the UI span,
        plus the span ends and the default (so the default is always selectable)."""
        lo, hi = self.slider_lo, self.slider_hi
        vals: set[float] = {float(lo), float(hi)}
        if self.default is not None and lo <= self.default <= hi:
            vals.add(float(self.default))
        pos_lo = lo if lo > 0 else None
        if pos_lo is not None or hi > 0:
            start = math.floor(math.log10(pos_lo if pos_lo else min(hi, 1e-6))) - 1
            for e in range(start, math.ceil(math.log10(hi)) + 1):
                for m in (1.0, 2.0, 5.0):
                    v = float(f"{m}e{e}")
                    if lo <= v <= hi:
                        vals.add(v)
        grid = sorted(vals)
        if self.kind == "int":
            grid = sorted({int(round(v)) for v in grid})
        return grid


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e6:
        return str(int(x))
    return f"{x:g}"


@dataclass(frozen=True)
class Model:
    """The canonical parameters of one theory model (one page)."""

    name: str
    params: tuple[Param, ...]
    check: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False)
    """Cross-parameter rule: raises ParamError for a combination no formula accepts."""
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False)
    """Fills derived defaults (e.g. ``beta_ai`` = ``beta``) after validation."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.params)

    def param(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
                return p
        raise ParamError(
            f"unknown parameter {key!r} for model {self.name!r}; known: {', '.join(self.keys)}"
        )

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self.params}

    def resolve(self, overrides: Mapping[str, Any] | None = None, sweep: str | None = None) -> dict[str, Any]:
        """Defaults filled in, every value validated; ``sweep`` names a key whose value is a list.

        Raises:
            ParamError: unknown key, value out of domain, or an invalid combination.
        """
        overrides = dict(overrides or {})
        out = self.defaults()
        for key, value in overrides.items():
            p = self.param(key)
            if key == sweep:
                out[key] = p.coerce_many(value)
            elif value is None and p.default is None:
                out[key] = None
            else:
                out[key] = p.coerce(value)
        if self.derive is not None:
            out = self.derive(out)
        if self.check is not None:
            self.check(out)
        return out


MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    MODELS[model.name] = model
    return model


def get_model(name: str) -> Model:
    try:
        return MODELS[name]
    except KeyError:
        raise ParamError(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}") from None


def _sweep_values(params: Mapping[str, Any], key: str) -> list[Any]:
    v = params[key]
    if isinstance(v, (list, tuple, np.ndarray)):
        return list(np.atleast_1d(v))
    return [v]


# =============================================================================
# regression: Model Collapse Demystified (shared/theory/regression.md)
# =============================================================================
REGRESSION = register(
    Model(
        name="regression",
        params=(
            Param("d", "dimension", "d", "int", 300, lo=1, ui_lo=10, ui_hi=10_000, log=True,
                  help="Input dimension d.", ref="§1"),
            Param("T", "downstream samples", "T", "int", 1000, lo=1, ui_lo=10, ui_hi=1_000_000, log=True,
                  help="Training samples of the downstream ridge model.", ref="§1"),
            Param("T0", "generator samples", "T_0", "int", 600, lo=1, ui_lo=10, ui_hi=100_000, log=True,
                  help="Training samples of every generator in the chain. T0 < d means "
                       "over-parameterized generators (minimum-norm interpolators).", ref="§1"),
            Param("n", "generations", "n", "int", 1, lo=0, ui_lo=0, ui_hi=50,
                  help="Number of synthetic generations before the downstream model; 0 = clean data.",
                  ref="§1"),
            Param("lam", "ridge penalty λ", r"\lambda", "float", 1e-3, lo=0, ui_lo=0, ui_hi=100, log=True,
                  help="Downstream ridge penalty (used when the λ rule is 'fixed').", ref="Eq. 7"),
            Param("lam_rule", "λ rule", "", "enum", "fixed",
                  choices=("fixed", "adaptive", "critical", "corrected"),
                  help="fixed: λ = lam; adaptive: λ = T^-ℓ; critical: λ = T^-ℓ_crit; "
                       "corrected: λ = max(T0^-ℓ_crit, T^-β) (Cor. 5.2 with a = 0, an assumption).",
                  ref="§7"),
            Param("ell", "exponent ℓ", r"\ell", "float", 0.8, lo=0, ui_lo=0, ui_hi=3,
                  help="Exponent of the adaptive rule λ = T^-ℓ.", ref="§7.2"),
            Param("sigma", "label noise σ", r"\sigma", "float", 0.1, lo=0, ui_lo=0, ui_hi=2,
                  help="Label-noise std of the downstream training data.", ref="§1"),
            Param("sigma0", "generator noise σ₀", r"\sigma_0", "float", 0.2, lo=0, ui_lo=0, ui_hi=2,
                  help="Label-noise std added by every generator.", ref="§1"),
            Param("spectrum", "spectrum", "", "enum", "isotropic", choices=("isotropic", "power"),
                  help="isotropic: Σ = I. power: λ_k = k^-β with source condition c_j = j^-δ/2.",
                  ref="§8", assumed=True),
            Param("beta", "capacity exponent β", r"\beta", "float", 2.0, lo=1, lo_open=True,
                  ui_lo=1.05, ui_hi=4, help="Power-law spectrum λ_k = k^-β.", ref="§7.1"),
            Param("r", "source exponent r", "r", "float", 0.375, lo=0, lo_open=True, ui_lo=0.05, ui_hi=2,
                  help="Source condition: ground-truth coordinates c_j = j^-δ/2, δ = 1 + β(2r − 1).",
                  ref="§7.1"),
            Param("design", "generator design", "", "enum", "independent",
                  choices=("independent", "dependent"),
                  help="independent: fresh X_m per generation; dependent: X_m = X_0 (Fig. 2a).",
                  ref="§1, Sec. 4.5"),
            Param("w0_norm", "‖w₀‖", r"\lVert w_0\rVert", "float", 1.0, lo=0, ui_lo=0, ui_hi=5,
                  help="Norm of the ground truth (isotropic spectrum only).", ref="§8",
                  assumed=True),
        ),
    )
)


# =============================================================================
# mixing: Strong Model Collapse (shared/theory/mixing.md)
# =============================================================================
def _check_mixing(p: dict[str, Any]) -> None:
    # m = T exactly with lam = 0 is the interpolation threshold of the random-projections model.
    for m, T, lam in _broadcast(p, "m", "T", "lam"):
        if m > 0 and m == T and lam == 0:
            raise ParamError(
                "m = T with lam = 0 is the interpolation threshold of the random-projections "
                "model, where the error is infinite: set lam > 0 or move m away from T"
            )


MIXING = register(
    Model(
        name="mixing",
        params=(
            Param("d", "dimension", "d", "int", 600, lo=1, ui_lo=10, ui_hi=10_000, log=True,
                  help="Input dimension d.", ref="§1"),
            Param("T", "total samples", "n", "int", 500, lo=1, ui_lo=10, ui_hi=1_000_000, log=True,
                  help="Total training samples n = n1 + n2 (real + synthetic).", ref="§1"),
            Param("p_synth", "synthetic fraction", "p_2", "float", 0.1, lo=0, hi=1,
                  help="Fraction of the training set that is synthetic.", ref="§1"),
            Param("c2", "synthetic quality c²", "c^2", "float", 0.5, lo=0, ui_lo=0, ui_hi=5,
                  help="Expected squared Σ-norm of the label shift of synthetic data (smaller is better).",
                  ref="§1.3", assumed=True),
            Param("lam", "ridge penalty λ", r"\lambda", "float", 1e-4, lo=0, ui_lo=0, ui_hi=100, log=True,
                  help="Ridge penalty (loss normalized by 1/n).", ref="§1.2"),
            Param("sigma", "real label noise σ₁", r"\sigma_1", "float", 0.5, lo=0, ui_lo=0, ui_hi=2,
                  help="Label-noise std of real samples.", ref="§1", assumed=True),
            Param("sigma_synth", "synthetic label noise σ₂", r"\sigma_2", "float", 0.5, lo=0, ui_lo=0,
                  ui_hi=2, help="Label-noise std of synthetic samples.", ref="§1", assumed=True),
            Param("spectrum", "spectrum", "", "enum", "isotropic", choices=("isotropic", "power"),
                  help="isotropic: Σ = I. power: ℓ_j = j^-β.", ref="§2.5", assumed=True),
            Param("beta", "spectrum exponent β", r"\beta", "float", 2.0, lo=1, lo_open=True, ui_lo=1.05,
                  ui_hi=4, help="Power-law spectrum ℓ_j = j^-β.", ref="§2.5"),
            Param("r", "source exponent r", "r", "float", 0.375, lo=0, lo_open=True, ui_lo=0.05, ui_hi=2,
                  help="Source exponent of the real ground truth.", ref="§2.5"),
            Param("w1_norm", "‖w₁*‖", r"\lVert w_1^*\rVert", "float", 1.0, lo=0, ui_lo=0, ui_hi=5,
                  help="Scale of the real ground truth.", ref="§1", assumed=True),
            Param("m", "model width m", "m", "int", 0, lo=0, ui_lo=0, ui_hi=10_000, log=True,
                  help="Width of the random-projections model; 0 = the classical linear model. "
                       "ψ = m/T; m = T is the interpolation threshold.",
                  ref="§1.4, §3"),
            Param("proj_var", "projection variance", "s^2", "enum", "1/d", choices=("1/d", "1/m"),
                  help="Entry variance of the random projection S.", ref="§3", assumed=True),
        ),
        check=_check_mixing,
    )
)


# =============================================================================
# tails: A Tale of Tails (shared/theory/tails.md)
# =============================================================================
def _derive_tails(p: dict[str, Any]) -> dict[str, Any]:
    if p.get("beta_ai") is None:
        p = dict(p)
        p["beta_ai"] = p["beta"]
    return p


def _check_tails(p: dict[str, Any]) -> None:
    for beta, beta_ai in _broadcast(p, "beta", "beta_ai"):
        if beta_ai < beta:
            raise ParamError(
                f"beta_ai = {beta_ai:g} is invalid: beta_ai must be >= beta (= {beta:g}); "
                "AI data can only narrow the tail"
            )


TAILS = register(
    Model(
        name="tails",
        params=(
            Param("beta", "Zipf exponent β", r"\beta", "float", 2.0, lo=1, lo_open=True, ui_lo=1.1, ui_hi=4,
                  help="Zipf exponent of the true (test) distribution p_i ∝ i^-β.", ref="§1"),
            Param("T", "training samples", "T", "float", 1e4, lo=1, ui_lo=1, ui_hi=1e9, log=True,
                  help="Training samples of the evaluated model.", ref="§1"),
            Param("k", "tail cut k", "k", "int", 0, lo=0, ui_lo=0, ui_hi=10_000, log=True,
                  help="AI data contains only tokens i ≤ k; 0 = no cut.", ref="§1.3"),
            Param("top_p", "top-p", "p_{top}", "float", 1.0, lo=0, hi=1, lo_open=True, ui_lo=0.5,
                  ui_hi=1, help="Top-p sampling threshold; 1 = none.", ref="§1.3"),
            Param("beta_ai", "AI Zipf exponent β′", r"\beta'", "float", None, lo=1, lo_open=True,
                  ui_lo=1.1, ui_hi=8, help="Zipf exponent of the AI data (tail narrowing); "
                  "defaults to β (no narrowing).", ref="§1.3"),
            Param("temperature", "temperature τ", r"\tau", "float", 1.0, lo=0, hi=1, lo_open=True,
                  ui_lo=0.1, ui_hi=1, help="Sampling temperature of the AI model; β′ = β/τ.", ref="§1.3"),
            Param("T0", "generator samples T₀", "T_0", "int", 0, lo=0, ui_lo=0, ui_hi=10_000_000, log=True,
                  help="Samples used to train the generator; 0 = unlimited.", ref="§3.2"),
            Param("n", "generations", "n", "int", 0, lo=0, ui_lo=0, ui_hi=20,
                  help="Number of generations of recursive AI data.", ref="§3.4"),
            Param("mechanism", "mechanism", "", "enum", "relabel", choices=("relabel", "resample"),
                  help="How generations recurse (§3.4). 'resample' has no closed form: simulation only.",
                  ref="§3.4"),
            Param("p_synth", "AI fraction", r"1-\pi", "float", 1.0, lo=0, hi=1,
                  help="Fraction of AI data in the training stream.", ref="§3.6"),
        ),
        check=_check_tails,
        derive=_derive_tails,
    )
)


# =============================================================================
# verification: Beyond Model Collapse (shared/theory/verification.md)
# =============================================================================
VERIFICATION = register(
    Model(
        name="verification",
        params=(
            Param("d", "dimension", "d", "int", 100, lo=1, ui_lo=1, ui_hi=10_000, log=True,
                  help="Input dimension d.", ref="§1"),
            Param("snr", "SNR ‖μ‖", "r", "float", 1.0, lo=0, ui_lo=0, ui_hi=5,
                  help="Signal-to-noise ratio: the norm of the class mean.", ref="§1"),
            Param("p_err", "generator error p", "p", "float", 0.3, lo=0, hi=1,
                  help="Generator's label-error (flip) rate.", ref="§1"),
            Param("N", "synthesized samples N", "N", "float", 1e4, lo=1, ui_lo=10, ui_hi=1e7, log=True,
                  allow_inf=True, help="Synthesized samples before selection; inf = the infinite-N limit.",
                  ref="§1"),
            Param("verifier", "verifier", "", "enum", "none",
                  choices=("none", "oracle", "noisy_oracle", "random", "linear", "custom"),
                  help="Which verifier selects the synthesized data.", ref="§1.3"),
            Param("keep_correct", "keep correct φ", r"\phi", "float", 1.0, lo=0, hi=1,
                  help="Probability of keeping a correctly labelled sample (custom verifier).", ref="§1.3"),
            Param("keep_wrong", "keep wrong ψ", r"\psi", "float", 0.2, lo=0, hi=1,
                  help="Probability of keeping a wrongly labelled sample (custom verifier).", ref="§1.3"),
            Param("flip", "decision flip ρ", r"\rho", "float", 0.2, lo=0, hi=1,
                  help="Decision-flip probability of the noisy oracle.", ref="§1.3", assumed=True),
            Param("keep_rate", "keep rate s", "s", "float", 0.5, lo=0, hi=1, lo_open=True, ui_lo=0.01,
                  help="Keep probability of random subsampling.", ref="§1.3", assumed=True),
            Param("theta", "verifier angle θ (deg)", r"\theta", "float", 30.0, lo=0, hi=180,
                  help="Angle between the linear verifier's direction and μ.", ref="§2.5", assumed=True),
            Param("tau", "verifier threshold τ", r"\tau", "float", 0.0, ui_lo=-3, ui_hi=3,
                  help="Threshold of the linear verifier.", ref="§2.5", assumed=True),
        ),
    )
)


def _broadcast(p: Mapping[str, Any], *keys: str) -> Iterable[tuple[Any, ...]]:
    """Yield the combinations of ``keys`` present in a resolved dict (a sweep key is a list)."""
    cols = [_sweep_values(p, k) for k in keys]
    n = max(len(c) for c in cols)
    for i in range(n):
        yield tuple(c[i] if len(c) > 1 else c[0] for c in cols)
