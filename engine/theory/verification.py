"""Theory of *Beyond Model Collapse: Scaling Up with Synthesized Data Requires Verification*
(Feng, Dohmatob, Yang, Charton, Kempe; spec ``shared/theory/verification.md``).

The whole theory is reconstructed for this project ([R] in the spec): a Gaussian mixture
x | y ~ N(y·μ, I_d), a generator that flips labels with probability p, a verifier that keeps
a correct sample with probability φ and a wrong one with probability ψ, and a linear
(centroid) classifier retrained on the kept samples.

Public API:
    curve(**params)                      canonical output columns (+ ``acc_inf_feature``)
    details(**params)                    the same plus φ, ψ, c, the averaged finite-N accuracy,
                                         the regime and the alternative criterion q_sel > 1/2
    verifier_rates(...)                  verifier preset -> (φ, ψ) (§1.3 table)
    keep_fraction, purity, effective_signal, breakdown_point, effective_samples   (§2.1)
    bayes_accuracy, accuracy_infinite                                              (§1.1, §2.2)
    accuracy_finite, accuracy_finite_averaged                                      (§2.3)
    linear_verifier_rates, accuracy_linear_feature                                 (§1.3, §2.5)
    estimate_from_audit(...)             φ̂, ψ̂, p̂⋆ from an audited batch with a confidence
                                         interval (§2.1; the interval is a project choice [A])

Everything is vectorised (numpy broadcasting): no Python loop over sweep points. A value a
formula does not cover is NaN (null in JSON), never ±inf.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from engine.params import ParamError
from engine.sweep import resolve_call

MODEL = "verification"

OUTPUT_COLUMNS = ("acc", "acc_inf", "bayes", "p_star", "keep_frac", "purity", "n_eff")
"""The spec's output columns, in order; ``curve`` appends ``acc_inf_feature``."""

VERIFIERS = ("none", "oracle", "noisy_oracle", "random", "linear", "custom")

FEATURE_GAP_WARN = 0.005
"""[A] The page warns when |acc_inf_feature - acc_inf| exceeds this (spec, output columns)."""

_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()  # expectation over ξ ~ N(0, 1)


# --------------------------------------------------------------------------- validation
def check_probability(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float array after checking every entry lies in [0, 1].

    Raises:
        ParamError: a clear message naming the quantity, e.g. ``phi = 1.2 is invalid: phi
            must be a probability in [0, 1]``.
    """
    arr = np.asarray(value, dtype=float)
    bad = ~((arr >= 0.0) & (arr <= 1.0))  # also catches NaN
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else float(arr)
        raise ParamError(f"{name} = {first!r} is invalid: {name} must be a probability in [0, 1]")
    return arr


def _phi(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF Φ."""
    return ndtr(x)


def _pdf(x: np.ndarray) -> np.ndarray:
    """Standard normal density ϕ."""
    return np.exp(-0.5 * np.square(x)) / np.sqrt(2.0 * np.pi)


# --------------------------------------------------------------------------- §1.3 verifiers
def linear_verifier_rates(snr: Any, theta: Any, tau: Any) -> tuple[np.ndarray, np.ndarray]:
    """Linear verifier (keep iff y'·wᵀx > τ) mapped to (φ, ψ) = (Φ(m − τ), Φ(−m − τ)),
    m = r·cos θ, θ in degrees (§1.3) [R]."""
    m = np.asarray(snr, float) * np.cos(np.deg2rad(np.asarray(theta, float)))
    tau = np.asarray(tau, float)
    return _phi(m - tau), _phi(-m - tau)


def verifier_rates(
    verifier: str | Sequence[str],
    *,
    keep_correct: Any = 1.0,
    keep_wrong: Any = 0.2,
    flip: Any = 0.2,
    keep_rate: Any = 0.5,
    theta: Any = 30.0,
    tau: Any = 0.0,
    snr: Any = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Verifier preset -> (φ, ψ), the table of §1.3 (vectorised; ``verifier`` may be a list).

    none: (1, 1); oracle: (1, 0); noisy_oracle: (1 − ρ, ρ); random: (s, s);
    linear: (Φ(m − τ), Φ(−m − τ)); custom: (keep_correct, keep_wrong).
    """
    names = np.atleast_1d(np.asarray(verifier, dtype=object))
    unknown = sorted({str(v) for v in names} - set(VERIFIERS))
    if unknown:
        raise ParamError(f"verifier = {unknown[0]!r} is invalid: verifier must be one of {', '.join(VERIFIERS)}")
    rho = check_probability("flip", flip)
    s = check_probability("keep_rate", keep_rate)
    kc = check_probability("keep_correct", keep_correct)
    kw = check_probability("keep_wrong", keep_wrong)
    lin_phi, lin_psi = linear_verifier_rates(snr, theta, tau)
    shape = np.broadcast_shapes(names.shape, rho.shape, s.shape, kc.shape, kw.shape, lin_phi.shape)
    names = np.broadcast_to(names, shape)
    conds = [names == v for v in VERIFIERS]
    one, zero = np.ones(shape), np.zeros(shape)
    bc = lambda a: np.broadcast_to(a, shape)  # noqa: E731
    phi = np.select(conds, [one, one, bc(1.0 - rho), bc(s), bc(lin_phi), bc(kc)])
    psi = np.select(conds, [one, zero, bc(rho), bc(s), bc(lin_psi), bc(kw)])
    if np.ndim(verifier) == 0 and phi.ndim == 1 and phi.size == 1:
        return phi.reshape(()), psi.reshape(())
    return phi, psi


# --------------------------------------------------------------------------- §2.1 derived quantities
def keep_fraction(p: Any, phi: Any, psi: Any) -> np.ndarray:
    """π = (1 − p)φ + pψ: the fraction of synthesized samples kept (§1.4, §2.1)."""
    p, phi, psi = check_probability("p_err", p), check_probability("phi", phi), check_probability("psi", psi)
    return (1.0 - p) * phi + p * psi


def purity(p: Any, phi: Any, psi: Any) -> np.ndarray:
    """q_sel = (1 − p)φ/π: fraction of kept samples that are correct (§2.1); NaN when π = 0."""
    pi = keep_fraction(p, phi, psi)
    good = (1.0 - np.asarray(p, float)) * np.asarray(phi, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pi > 0, good / np.where(pi > 0, pi, 1.0), np.nan)


def effective_signal(p: Any, phi: Any, psi: Any) -> np.ndarray:
    """c = ((1 − p)φ − pψ)/π = 2·q_sel − 1 = E[ε | kept] (§2.1); NaN when π = 0."""
    pi = keep_fraction(p, phi, psi)
    p, phi, psi = (np.asarray(a, float) for a in (p, phi, psi))
    num = (1.0 - p) * phi - p * psi
    num = np.where(np.abs(num) <= 1e-12 * pi, 0.0, num)  # p = p* up to rounding: exactly no signal
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pi > 0, num / np.where(pi > 0, pi, 1.0), np.nan)


def breakdown_point(phi: Any, psi: Any) -> np.ndarray:
    """p⋆ = φ/(φ + ψ) (§2.1, statement (a) of the ambiguity); NaN when φ + ψ = 0."""
    phi, psi = check_probability("phi", phi), check_probability("psi", psi)
    tot = phi + psi
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tot > 0, phi / np.where(tot > 0, tot, 1.0), np.nan)


def effective_samples(N: Any, p: Any, phi: Any, psi: Any) -> np.ndarray:
    """N_eff = N·π·c² = N((1 − p)φ − pψ)²/π (§2.1, §2.3); 0 when π = 0, NaN when N = ∞."""
    N = np.asarray(N, float)
    pi = keep_fraction(p, phi, psi)
    p, phi, psi = (np.asarray(a, float) for a in (p, phi, psi))
    diff = (1.0 - p) * phi - p * psi
    num = np.square(np.where(np.abs(diff) <= 1e-12 * pi, 0.0, diff))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_sample = np.where(pi > 0, num / np.where(pi > 0, pi, 1.0), 0.0)
        out = N * per_sample
    return np.where(np.isinf(N), np.nan, out)


# --------------------------------------------------------------------------- §1.1, §2.2 accuracies
def bayes_accuracy(snr: Any) -> np.ndarray:
    """Bayes-optimal accuracy Φ(r), Σ = I (§1.1)."""
    return _phi(np.asarray(snr, float))


def accuracy_infinite(c: Any, snr: Any) -> np.ndarray:
    """N → ∞ accuracy of the core model, Φ(sign(c)·r) (§2.2); 1/2 at c = 0, NaN where c is."""
    c = np.asarray(c, float)
    return np.where(np.isnan(c), np.nan, _phi(np.sign(np.nan_to_num(c)) * np.asarray(snr, float)))


def accuracy_finite(c: Any, snr: Any, d: Any, n: Any) -> np.ndarray:
    """Deterministic-equivalent accuracy of the centroid learner with n kept samples (§2.3):

        acc(N) ≈ Φ( c·r² / √(c²r² + d/n) ),  n = N·π.

    n = ∞ gives the limit Φ(sign(c)·r); c = 0 gives 1/2; NaN where c is NaN or n = 0.
    """
    c, r, d, n = (np.asarray(a, float) for a in (c, snr, d, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = np.where(np.isinf(n), 0.0, d / n)
        den = np.sqrt(np.square(c * r) + noise)
        z = np.where(den > 0, c * r * r / np.where(den > 0, den, 1.0), 0.0)
    out = _phi(z)
    return np.where(np.isnan(c) | ~(n > 0), np.nan, out)


def accuracy_finite_averaged(c: Any, snr: Any, d: Any, n: Any) -> np.ndarray:
    """The averaged refinement of §2.3: E_ξ Φ( (c r² + rξ/√n) / √(c²r² + 2crξ/√n + d/n) ),
    ξ ~ N(0, 1), computed with 80-node Gauss-Hermite quadrature (c̄ is set to c).

    Equals :func:`accuracy_finite` at n = ∞; NaN where c is NaN or n = 0.
    """
    c, r, d, n = np.broadcast_arrays(*(np.asarray(a, float) for a in (c, snr, d, n)))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sqrt_n = np.where(np.isinf(n), 0.0, 1.0 / np.sqrt(n))[..., None]
        noise = np.where(np.isinf(n), 0.0, d / n)[..., None]
        cc, rr = c[..., None], r[..., None]
        xi = _GH_NODES
        num = cc * rr * rr + rr * xi * inv_sqrt_n
        den2 = np.square(cc * rr) + 2.0 * cc * rr * xi * inv_sqrt_n + noise
        # the spec's radicand drops ξ²/n and can turn negative far in the tails (weight < 1e-20):
        # clamp it to a tiny positive value so Φ(z) follows the sign of the numerator there.
        den = np.sqrt(np.maximum(den2, 1e-300))
        z = np.where(num == 0, 0.0, num / den)
    out = (_phi(z) * _GH_WEIGHTS).sum(axis=-1)
    return np.where(np.isnan(c) | ~(n > 0), np.nan, out)


# --------------------------------------------------------------------------- §2.5 linear verifier
def accuracy_linear_feature(p: Any, snr: Any, theta: Any, tau: Any) -> np.ndarray:
    """Exact population (N → ∞) accuracy of the centroid learner behind the feature-based
    linear verifier (§2.5) [R, derived for this project]:

        E[y'x·q] = a·μ + b·w,  a = (1−p)Φ(m−τ) − pΦ(−m−τ),  b = (1−p)ϕ(m−τ) + pϕ(m+τ),
        acc_∞ = Φ( (a r² + b m) / √(a²r² + 2abm + b²) ),  m = r cos θ.

    Caveat: the verifier's decision uses the same noise the learner sees, so there is no
    sharp flip at p = p⋆; this equals Bayes only when w ∥ μ. 1/2 where ŵ → 0.
    """
    p = check_probability("p_err", p)
    r = np.asarray(snr, float)
    m = r * np.cos(np.deg2rad(np.asarray(theta, float)))
    tau = np.asarray(tau, float)
    a = (1.0 - p) * _phi(m - tau) - p * _phi(-m - tau)
    b = (1.0 - p) * _pdf(m - tau) + p * _pdf(m + tau)
    num = a * r * r + b * m
    den2 = np.square(a * r) + 2.0 * a * b * m + np.square(b)
    den = np.sqrt(np.maximum(den2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(den > 1e-300, num / np.where(den > 1e-300, den, 1.0), 0.0)
    return _phi(z)


# --------------------------------------------------------------------------- curves
def quantities(*, d: Any, snr: Any, p_err: Any, N: Any, phi: Any, psi: Any, linear: Any = False,
               theta: Any = 0.0, tau: Any = 0.0, averaged: bool = True) -> dict[str, np.ndarray]:
    """Every quantity of the live calculator (§5.1) on broadcast arrays of inputs.

    ``linear`` marks the entries that use the linear verifier (they get ``acc_inf_feature``,
    §2.5, from ``theta`` and ``tau``; NaN elsewhere). ``averaged`` adds ``acc_avg`` (§2.3).
    """
    arrs = np.broadcast_arrays(*(np.asarray(a, float) for a in (d, snr, p_err, N, phi, psi, theta, tau)),
                               np.asarray(linear, bool))
    d, snr, p, N, phi, psi, theta, tau, linear = arrs
    pi = keep_fraction(p, phi, psi)
    c = effective_signal(p, phi, psi)
    with np.errstate(invalid="ignore"):
        n = N * pi  # ∞·0 = NaN: nothing kept, acc is NaN anyway
    feature = np.full(p.shape, np.nan)
    if np.any(linear):
        feature = np.where(linear & (pi > 0), accuracy_linear_feature(p, snr, theta, tau), np.nan)
    out = {
        "phi": phi,
        "psi": psi,
        "c": c,
        "acc": accuracy_finite(c, snr, d, n),
        "acc_inf": accuracy_infinite(c, snr),
        "bayes": bayes_accuracy(snr),
        "p_star": breakdown_point(phi, psi),
        "keep_frac": pi,
        "purity": purity(p, phi, psi),
        "n_eff": effective_samples(N, p, phi, psi),
        "acc_inf_feature": feature,
        "p_err": p,
    }
    if averaged:
        out["acc_avg"] = accuracy_finite_averaged(c, snr, d, n)
    return out


def _core(call, averaged: bool = True) -> dict[str, np.ndarray]:
    """All quantities of the live calculator (§5.1) for a resolved call, shape (P,)."""
    verifier = call.values("verifier")
    snr = call.array("snr")
    theta, tau = call.array("theta"), call.array("tau")
    phi, psi = verifier_rates(
        verifier,
        keep_correct=call.array("keep_correct"),
        keep_wrong=call.array("keep_wrong"),
        flip=call.array("flip"),
        keep_rate=call.array("keep_rate"),
        theta=theta,
        tau=tau,
        snr=snr,
    )
    return quantities(d=call.array("d"), snr=snr, p_err=call.array("p_err"), N=call.array("N"), phi=phi, psi=psi,
                      linear=np.asarray([v == "linear" for v in verifier]), theta=theta, tau=tau, averaged=averaged)


def curve(**kwargs: Any) -> pd.DataFrame:
    """Canonical theory curve of the verification model (spec, "Output columns").

    Any one canonical key may be a list/array (the sweep). Returns one row per sweep value:
    the sweep column, then ``acc, acc_inf, bayes, p_star, keep_frac, purity, n_eff`` and the
    extra ``acc_inf_feature`` (§2.5; NaN unless ``verifier = linear``).

    Raises:
        ParamError: unknown key or a value outside its domain (e.g. ``p_err = 1.5``).
    """
    call = resolve_call(MODEL, kwargs)
    q = _core(call, averaged=False)
    return call.frame({k: q[k] for k in (*OUTPUT_COLUMNS, "acc_inf_feature")})


def details(**kwargs: Any) -> pd.DataFrame:
    """The live-calculator readouts of §5.1 / §6.4: the ``curve`` columns plus ``phi``,
    ``psi``, ``c``, ``acc_avg`` (averaged refinement of §2.3), ``regime`` ("optimal" if
    p < p⋆, "collapse" if p > p⋆, "boundary" at p = p⋆; statement (a) of §2.1) and
    ``purity_above_half`` (statement (b): q_sel > 1/2)."""
    call = resolve_call(MODEL, kwargs)
    q = _core(call)
    p, ps = q["p_err"], q["p_star"]
    regime = np.where(np.isnan(ps), "undefined", np.where(p < ps, "optimal", np.where(p > ps, "collapse", "boundary")))
    cols = {k: q[k] for k in (*OUTPUT_COLUMNS, "acc_inf_feature", "phi", "psi", "c", "acc_avg")}
    cols["regime"] = regime
    cols["purity_above_half"] = np.where(np.isnan(q["purity"]), False, q["purity"] > 0.5)
    return call.frame(cols)


# --------------------------------------------------------------------------- §2.1 estimation
def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion k/n (n > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        phat = k / n
        den = 1.0 + z * z / n
        centre = (phat + z * z / (2.0 * n)) / den
        half = z * np.sqrt(phat * (1.0 - phat) / n + z * z / (4.0 * n * n)) / den
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def estimate_from_audit(
    n_correct: Any,
    kept_correct: Any,
    n_wrong: Any,
    kept_wrong: Any,
    level: float = 0.95,
) -> dict[str, np.ndarray]:
    """φ̂, ψ̂ and p̂⋆ = φ̂/(φ̂ + ψ̂) from an audited batch (§2.1), with a confidence interval.

    Args:
        n_correct, kept_correct: audited samples whose generated label is correct, and how
            many of them the verifier kept.
        n_wrong, kept_wrong: the same for wrongly labelled samples.
        level: confidence level of the interval for p⋆.

    Returns:
        dict of arrays: ``phi_hat``, ``psi_hat``, ``p_star_hat``, ``p_star_lo``, ``p_star_hi``
        and the Wilson intervals ``phi_lo/phi_hi``, ``psi_lo/psi_hi``.

    The interval [A, a project choice]: Wilson intervals for φ and ψ at level 1 − α/2 each
    (Bonferroni), mapped through the monotone p⋆(φ, ψ) (increasing in φ, decreasing in ψ):
    [p⋆(φ_lo, ψ_hi), p⋆(φ_hi, ψ_lo)]. It is conservative and stays valid when a count is 0.
    A group with no audited samples gives NaN for its rate and the full range [0, 1].

    Raises:
        ParamError: negative or non-integer counts, kept > audited, level not in (0, 1).
    """
    arrs = []
    for name, v in (("n_correct", n_correct), ("kept_correct", kept_correct),
                    ("n_wrong", n_wrong), ("kept_wrong", kept_wrong)):
        a = np.asarray(v, float)
        if np.any(~np.isfinite(a)) or np.any(a < 0) or np.any(a != np.round(a)):
            raise ParamError(f"{name} = {v!r} is invalid: {name} must be a count (an integer >= 0)")
        arrs.append(a)
    nc, kc, nw, kw = np.broadcast_arrays(*arrs)
    if np.any(kc > nc):
        raise ParamError("kept_correct is invalid: kept_correct must be <= n_correct")
    if np.any(kw > nw):
        raise ParamError("kept_wrong is invalid: kept_wrong must be <= n_wrong")
    if not 0.0 < float(level) < 1.0:
        raise ParamError(f"level = {level!r} is invalid: level must be in (0, 1)")
    z = float(ndtri(1.0 - (1.0 - float(level)) / 4.0))  # two-sided, Bonferroni over φ and ψ
    with np.errstate(divide="ignore", invalid="ignore"):
        phi_hat = np.where(nc > 0, kc / np.where(nc > 0, nc, 1.0), np.nan)
        psi_hat = np.where(nw > 0, kw / np.where(nw > 0, nw, 1.0), np.nan)
    phi_lo, phi_hi = _wilson(kc, np.where(nc > 0, nc, 1.0), z)
    psi_lo, psi_hi = _wilson(kw, np.where(nw > 0, nw, 1.0), z)
    phi_lo, phi_hi = np.where(nc > 0, phi_lo, 0.0), np.where(nc > 0, phi_hi, 1.0)
    psi_lo, psi_hi = np.where(nw > 0, psi_lo, 0.0), np.where(nw > 0, psi_hi, 1.0)

    def ratio(a: np.ndarray, b: np.ndarray, empty: float) -> np.ndarray:
        tot = a + b
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(tot > 0, a / np.where(tot > 0, tot, 1.0), empty)

    both = np.isfinite(phi_hat) & np.isfinite(psi_hat)
    p_hat = np.where(both, ratio(np.nan_to_num(phi_hat), np.nan_to_num(psi_hat), np.nan), np.nan)
    return {
        "phi_hat": phi_hat,
        "psi_hat": psi_hat,
        "p_star_hat": p_hat,
        "p_star_lo": ratio(phi_lo, psi_hi, 0.0),
        "p_star_hi": ratio(phi_hi, psi_lo, 1.0),
        "phi_lo": phi_lo,
        "phi_hi": phi_hi,
        "psi_lo": psi_lo,
        "psi_hi": psi_hi,
    }


# --------------------------------------------------------------------------- page view (§5.1, §6)
N_GRID = np.logspace(1, 7, 61)
"""N axis of the accuracy-against-N chart (§5.1 plots)."""
P_CURVE_NS = (1e3, 1e4, 1e5, math.inf)
"""The N values of the accuracy-against-p chart (§5.1: N ∈ {1e3, 1e4, 1e5, ∞})."""
P_GRID = np.linspace(0.0, 1.0, 201)
PSTAR_GRID = np.linspace(0.0, 1.0, 101)


def _finite(x: np.ndarray) -> np.ndarray:
    """±inf -> NaN (never ±inf in an output frame)."""
    x = np.asarray(x, float)
    return np.where(np.isfinite(x), x, np.nan)


def verifier_label(verifier: str, params: dict[str, Any]) -> str:
    """Legend text of a verifier preset with its own parameters."""
    g = lambda k: f"{float(params[k]):g}"  # noqa: E731
    return {
        "none": "none (no verification)",
        "oracle": "oracle",
        "noisy_oracle": f"noisy oracle (ρ = {g('flip')})",
        "random": f"random subsampling (s = {g('keep_rate')})",
        "linear": f"linear (θ = {g('theta')}°, τ = {g('tau')})",
        "custom": f"custom (φ = {g('keep_correct')}, ψ = {g('keep_wrong')})",
    }[verifier]


def theory_view(params: dict[str, Any]) -> dict[str, Any]:
    """Everything the Verification page draws from the theory, computed headlessly (§5.1, §6).

    Args:
        params: the canonical parameters (scalars; defaults filled in for missing keys).

    Returns:
        ``readout``: a dict of the live-calculator readouts for the current verifier
        (:func:`details` row); ``refs``: the reference accuracies (Bayes Φ(r), worst 1 − Φ(r),
        generator label accuracy 1 − p [A]); ``by_N``: accuracy against N for every verifier
        preset (long frame with ``verifier``, ``label``, ``current``); ``by_p``: accuracy
        against p at N ∈ {1e3, 1e4, 1e5, ∞} and the current N; ``by_pstar``: accuracy against p⋆
        at the current p and N for two verifier families (noisy oracle ψ = 1 − φ, and perfect
        recall φ = 1 with ψ in [0, 1]).
    """
    call = resolve_call(MODEL, params)
    if call.sweep is not None:
        raise ParamError(f"{call.sweep} cannot be swept in the page view")
    base = dict(call.params)
    readout = details(**base).iloc[0].to_dict()
    bayes = float(readout["bayes"])
    refs = {"bayes": bayes, "worst": 1.0 - bayes, "generator": 1.0 - float(base["p_err"])}
    N_cur = float(base["N"])

    shared = dict(d=base["d"], snr=base["snr"], theta=base["theta"], tau=base["tau"], averaged=False)
    cols = (*OUTPUT_COLUMNS, "acc_inf_feature")

    # chart 1: every preset (rows) × the N grid (columns), in one vectorised evaluation
    grid = N_GRID
    if math.isfinite(N_cur) and N_cur > grid[-1]:
        grid = np.logspace(1, math.log10(N_cur), N_GRID.size)
    names = np.asarray(VERIFIERS, dtype=object)
    phi, psi = verifier_rates(names, **{k: base[k] for k in ("keep_correct", "keep_wrong", "flip", "keep_rate",
                                                              "theta", "tau", "snr")})
    q = quantities(p_err=base["p_err"], N=grid[None, :], phi=phi[:, None], psi=psi[:, None],
                   linear=(names == "linear")[:, None], **shared)
    by_N = pd.DataFrame({
        "verifier": np.repeat(names, grid.size),
        "label": np.repeat([verifier_label(v, base) for v in VERIFIERS], grid.size),
        "N": np.tile(grid, names.size),
        **{k: _finite(q[k]).ravel() for k in cols},
        "current": np.repeat(names == base["verifier"], grid.size),
    })

    # chart 2: the current verifier, N values (rows) × p grid (columns)
    Ns = np.asarray(sorted(set(P_CURVE_NS) | {N_cur}), float)
    extra = [float(readout["p_star"])] if np.isfinite(readout["p_star"]) else []
    p_grid = np.unique(np.concatenate([P_GRID, extra]))
    q = quantities(p_err=p_grid[None, :], N=Ns[:, None], phi=readout["phi"], psi=readout["psi"],
                   linear=base["verifier"] == "linear", **shared)
    by_p = pd.DataFrame({
        "N": np.repeat(Ns, p_grid.size),
        "p_err": np.tile(p_grid, Ns.size),
        **{k: _finite(q[k]).ravel() for k in cols},
        "current": np.repeat(Ns == N_cur, p_grid.size),
    })

    # chart 3: two verifier families at the current p and N
    fam_phi = np.concatenate([PSTAR_GRID, np.ones(PSTAR_GRID.size)])
    fam_psi = np.concatenate([1.0 - PSTAR_GRID, np.linspace(0.0, 1.0, PSTAR_GRID.size)])
    q = quantities(p_err=base["p_err"], N=N_cur, phi=fam_phi, psi=fam_psi, **shared)
    by_pstar = pd.DataFrame({
        "family": np.repeat(["noisy oracle (ψ = 1 − φ)", "perfect recall (φ = 1, ψ ∈ [0, 1])"], PSTAR_GRID.size),
        "keep_correct": fam_phi,
        "keep_wrong": fam_psi,
        **{k: _finite(q[k]) for k in cols},
    })
    return {"readout": readout, "refs": refs, "by_N": by_N, "by_p": by_p, "by_pstar": by_pstar,
            "params": base}
