"""Monte Carlo twin of engine.theory.verification (shared/theory/verification.md §5.2).

One trial: sample N pairs (y, x) from the mixture x | y ~ N(yμ, I_d), flip each label with
probability p, let the verifier keep or drop each sample, fit the learner on the kept set
and evaluate the exact accuracy Φ(μᵀŵ/‖ŵ‖). If nothing is kept, ŵ = 0 and the trial's
accuracy is 1/2 [A]. From the same trial: φ̂ = #(kept ∧ correct)/#correct,
ψ̂ = #(kept ∧ wrong)/#wrong, p̂⋆ = φ̂/(φ̂ + ψ̂) (§2.1), keep_frac = n/N, purity = #(kept ∧
correct)/n and n_eff = N·π̂·ĉ² = (#kept correct − #kept wrong)²/n.

Because Σ = I is rotation invariant we take μ = r·e₁ and, for the linear verifier,
w = cos θ·e₁ + sin θ·e₂.

Samplers (all exact in distribution; they differ in cost):

* ``features``: the literal pipeline. Every sample's d features are drawn (in chunks, float32
  for N ≥ 10⁶ as §5.2 suggests, accumulation in float64). Any learner, any verifier.
* ``reduced`` (centroid learner only): the centroid ŵ = (1/n)Σ_kept y'x only needs
  Σ_kept y'x. Write y'x = ε(μ + y z) with ε = y'y and v = y z ~ N(0, I_d) independent of ε.
  The verifier decision depends on (ε, and for the linear verifier the two coordinates of v
  in span{μ, w}); the remaining coordinates of Σ_kept εv are, given the kept set, a sum of n
  independent N(0, 1) draws, i.e. N(0, n) each, so their squared norm is n·χ²_{d−k}.
  - core verifiers (q depends on ε only): the counts are drawn as binomials and the μ
    coordinate as (k_c − k_w)·r + √n·g: O(1) work per trial, whatever N and d;
  - linear verifier: ε and the two in-span coordinates are drawn per sample (3 numbers per
    sample instead of d + 2): O(N) work per trial, independent of d.
* ``auto`` (default): ``reduced`` for the centroid learner, ``features`` otherwise.

Learners (§1.4): ``centroid`` ŵ = (1/n)Σ y'x; ``ridge`` ŵ = (XᵀX + λ_r n I)⁻¹Xᵀy'
(λ_r = ``ridge_lam`` = 1e-3 [A]); ``logistic`` regression without intercept, penalty
(λ_l/2)‖w‖² on the mean log-loss (λ_l = ``logistic_lam`` = 1e-4 [A], keeps separable sets
finite), fitted by Newton's method (IRLS) with backtracking.

Seeding: sweep point i uses SeedSequence([seed, i]); in the ``features`` sampler trial j's
chunk c uses SeedSequence([seed, i, j, c]), so chunks can be regenerated identically (the
logistic learner streams its Newton passes that way when the kept set is too large to hold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from engine.params import ParamError
from engine.sweep import resolve_call, stats_columns
from engine.theory.verification import check_probability, verifier_rates

COLUMNS = ("acc", "keep_frac", "purity", "p_star", "n_eff")
LEARNERS = ("centroid", "ridge", "logistic")
SAMPLERS = ("auto", "features", "reduced")

_CHUNK_FLOATS = 1 << 22  # ~4M numbers per chunk (32 MB in float64)
_MATERIALIZE_FLOATS = 20_000_000  # logistic: keep the kept design in memory below this size
_FLOAT32_FROM_N = 1_000_000


# --------------------------------------------------------------------------- point description
@dataclass(frozen=True)
class Point:
    """One resolved sweep point of the verification model (scalars)."""

    d: int
    snr: float
    p_err: float
    N: int
    verifier: str
    phi: float
    psi: float
    theta: float
    tau: float

    @property
    def is_linear(self) -> bool:
        return self.verifier == "linear"

    @property
    def w(self) -> tuple[float, float]:
        """Linear verifier direction (cos θ, sin θ) in the (e₁, e₂) plane."""
        th = math.radians(self.theta)
        return math.cos(th), math.sin(th)


def _point(params: dict[str, Any]) -> Point:
    N = float(params["N"])
    if math.isinf(N):
        raise ParamError("N = inf is invalid for simulate: the Monte Carlo needs a finite N (an integer >= 1)")
    if N != round(N):
        raise ParamError(f"N = {N!r} is invalid for simulate: N must be an integer >= 1")
    phi, psi = verifier_rates(
        params["verifier"], keep_correct=params["keep_correct"], keep_wrong=params["keep_wrong"],
        flip=params["flip"], keep_rate=params["keep_rate"], theta=params["theta"], tau=params["tau"],
        snr=params["snr"],
    )
    pt = Point(d=int(params["d"]), snr=float(params["snr"]), p_err=float(params["p_err"]), N=int(round(N)),
               verifier=str(params["verifier"]), phi=float(phi), psi=float(psi),
               theta=float(params["theta"]), tau=float(params["tau"]))
    if pt.is_linear and pt.d == 1 and abs(pt.w[1]) > 1e-12:
        raise ParamError(
            f"theta = {pt.theta:g} is invalid with d = 1: a linear verifier at an angle to μ needs d >= 2 "
            "(use theta = 0 or 180)"
        )
    return pt


# --------------------------------------------------------------------------- per-trial bookkeeping
@dataclass
class Trials:
    """Per-trial results for S trials: accuracy and the audit counts."""

    acc: np.ndarray
    n_correct: np.ndarray
    kept_correct: np.ndarray
    n_wrong: np.ndarray
    kept_wrong: np.ndarray

    def samples(self, N: int) -> dict[str, np.ndarray]:
        """The spec's simulate columns per trial (before mean/se): acc, keep_frac, purity,
        p_star (φ̂/(φ̂+ψ̂)), n_eff ((k_c − k_w)²/n)."""
        kc, kw = self.kept_correct.astype(float), self.kept_wrong.astype(float)
        nc, nw = self.n_correct.astype(float), self.n_wrong.astype(float)
        n = kc + kw
        with np.errstate(divide="ignore", invalid="ignore"):
            purity = np.where(n > 0, kc / np.where(n > 0, n, 1.0), np.nan)
            phi_hat = np.where(nc > 0, kc / np.where(nc > 0, nc, 1.0), np.nan)
            psi_hat = np.where(nw > 0, kw / np.where(nw > 0, nw, 1.0), np.nan)
            tot = phi_hat + psi_hat
            p_star = np.where(tot > 0, phi_hat / np.where(tot > 0, tot, 1.0), np.nan)
            n_eff = np.where(n > 0, np.square(kc - kw) / np.where(n > 0, n, 1.0), 0.0)
        return {"acc": self.acc, "keep_frac": n / N, "purity": purity, "p_star": p_star, "n_eff": n_eff}


def exact_accuracy(w: np.ndarray, snr: float) -> np.ndarray:
    """Φ(μᵀŵ/‖ŵ‖) with μ = r·e₁ (§1.4), along the last axis; 1/2 when ŵ = 0 [A]."""
    w = np.asarray(w, float)
    norm = np.linalg.norm(w, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(norm > 0, snr * w[..., 0] / np.where(norm > 0, norm, 1.0), 0.0)
    return ndtr(z)


# --------------------------------------------------------------------------- reduced sampler
def _reduced_core(pt: Point, rng: np.random.Generator, S: int) -> Trials:
    """Centroid learner, verifier depending on correctness only: O(1) per trial (exact)."""
    n_wrong = rng.binomial(pt.N, pt.p_err, size=S)
    n_correct = pt.N - n_wrong
    kc = rng.binomial(n_correct, pt.phi)
    kw = rng.binomial(n_wrong, pt.psi)
    n = kc + kw
    u1 = (kc - kw) * pt.snr + np.sqrt(n) * rng.standard_normal(S)
    rest = n * rng.chisquare(pt.d - 1, size=S) if pt.d > 1 else np.zeros(S)
    norm = np.sqrt(u1 * u1 + rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where((n > 0) & (norm > 0), pt.snr * u1 / np.where(norm > 0, norm, 1.0), 0.0)
    return Trials(ndtr(z), n_correct, kc, n_wrong, kw)


def _reduced_linear(pt: Point, rng: np.random.Generator, S: int) -> Trials:
    """Centroid learner behind the feature-based linear verifier: per sample the correctness
    sign ε and the two coordinates of v = y z in span{e₁, e₂}; the other d − 2 coordinates of
    the kept sum enter through n·χ²_{d−2} (exact)."""
    cos_t, sin_t = pt.w
    k = 2 if pt.d >= 2 else 1
    m = pt.snr * cos_t
    u = np.zeros((S, k))
    counts = np.zeros((4, S), dtype=np.int64)  # n_correct, kept_correct, n_wrong, kept_wrong
    rows = max(1, _CHUNK_FLOATS // (3 * S))
    dtype = np.float32 if pt.N >= _FLOAT32_FROM_N else np.float64
    done = 0
    while done < pt.N:
        M = min(rows, pt.N - done)
        done += M
        wrong = rng.random((S, M), dtype=dtype) < pt.p_err
        eps = np.where(wrong, -1.0, 1.0).astype(dtype)
        v1 = rng.standard_normal((S, M), dtype=dtype)
        margin = m + cos_t * v1
        if k == 2:
            v2 = rng.standard_normal((S, M), dtype=dtype)
            margin = margin + sin_t * v2
        keep = eps * margin > pt.tau
        a = np.where(keep, eps, 0.0).astype(dtype)  # ε on kept samples, 0 elsewhere
        u[:, 0] += (a * (pt.snr + v1)).sum(axis=1, dtype=np.float64)
        if k == 2:
            u[:, 1] += (a * v2).sum(axis=1, dtype=np.float64)
        counts[0] += M - wrong.sum(axis=1)
        counts[1] += (keep & ~wrong).sum(axis=1)
        counts[2] += wrong.sum(axis=1)
        counts[3] += (keep & wrong).sum(axis=1)
    n = counts[1] + counts[3]
    rest = n * rng.chisquare(pt.d - k, size=S) if pt.d > k else np.zeros(S)
    norm = np.sqrt(np.square(u).sum(axis=1) + rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where((n > 0) & (norm > 0), pt.snr * u[:, 0] / np.where(norm > 0, norm, 1.0), 0.0)
    return Trials(ndtr(z), counts[0], counts[1], counts[2], counts[3])


# --------------------------------------------------------------------------- features sampler
@dataclass
class Chunk:
    """One chunk of synthesized data: features, generated labels, correctness, keep decision."""

    x: np.ndarray  # (M, d)
    y_gen: np.ndarray  # (M,) ±1, the generator's label y'
    wrong: np.ndarray  # (M,) bool
    keep: np.ndarray  # (M,) bool


def feature_chunks(pt: Point, key: tuple[int, ...]) -> Iterator[Chunk]:
    """Generate → flip → verify, chunk by chunk (§5.2 step 1). Deterministic in ``key``:
    chunk c uses SeedSequence([*key, c]), so the stream can be replayed identically."""
    dtype = np.float32 if pt.N >= _FLOAT32_FROM_N else np.float64
    rows = max(1, _CHUNK_FLOATS // max(pt.d, 1))
    cos_t, sin_t = pt.w
    done, c = 0, 0
    while done < pt.N:
        M = min(rows, pt.N - done)
        rng = np.random.default_rng(np.random.SeedSequence([*key, c]))
        y = np.where(rng.random(M) < 0.5, -1.0, 1.0).astype(dtype)
        x = rng.standard_normal((M, pt.d), dtype=dtype)
        x[:, 0] += y * dtype(pt.snr)
        wrong = rng.random(M) < pt.p_err
        y_gen = np.where(wrong, -y, y).astype(dtype)
        if pt.is_linear:
            proj = cos_t * x[:, 0] + (sin_t * x[:, 1] if pt.d >= 2 else 0.0)
            keep = y_gen * proj > pt.tau
        else:
            keep = rng.random(M) < np.where(wrong, pt.psi, pt.phi)
        yield Chunk(x, y_gen, wrong, keep)
        done += M
        c += 1


def _counts(chunks: Iterator[Chunk], on_chunk: Callable[[Chunk], None]) -> np.ndarray:
    counts = np.zeros(4, dtype=np.int64)
    for ch in chunks:
        counts += (int((~ch.wrong).sum()), int((ch.keep & ~ch.wrong).sum()),
                   int(ch.wrong.sum()), int((ch.keep & ch.wrong).sum()))
        on_chunk(ch)
    return counts


def fit_centroid(pt: Point, key: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """ŵ = (1/n) Σ_kept y'x (the 1/n does not change the direction); returns (ŵ, counts)."""
    acc = np.zeros(pt.d)

    def add(ch: Chunk) -> None:
        a = np.where(ch.keep, ch.y_gen, 0).astype(ch.x.dtype)
        acc[:] += (a @ ch.x).astype(np.float64)

    counts = _counts(feature_chunks(pt, key), add)
    return acc, counts


def fit_ridge(pt: Point, key: tuple[int, ...], lam: float) -> tuple[np.ndarray, np.ndarray]:
    """ŵ = (XᵀX + λ n I)⁻¹ Xᵀy' on the kept samples; 0 when nothing is kept."""
    G = np.zeros((pt.d, pt.d))
    b = np.zeros(pt.d)

    def add(ch: Chunk) -> None:
        xk = ch.x[ch.keep]
        G[:] += (xk.T @ xk).astype(np.float64)
        b[:] += (ch.y_gen[ch.keep] @ xk).astype(np.float64)

    counts = _counts(feature_chunks(pt, key), add)
    n = counts[1] + counts[3]
    if n == 0:
        return np.zeros(pt.d), counts
    return np.linalg.solve(G + lam * n * np.eye(pt.d), b), counts


def fit_logistic(pt: Point, key: tuple[int, ...], lam: float, max_iter: int = 50,
                 tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic regression without intercept by Newton's method (IRLS):

        L(w) = (1/n) Σ log(1 + exp(−y'ᵢ wᵀxᵢ)) + (λ/2)‖w‖²,
        g = −(1/n) Σ σ(−tᵢ) y'ᵢ xᵢ + λw,  H = (1/n) Σ σ(tᵢ)σ(−tᵢ) xᵢxᵢᵀ + λI,  tᵢ = y'ᵢ wᵀxᵢ,

    with backtracking on L. The kept design is held in memory when small enough, otherwise
    each pass replays the seeded chunk stream.
    """
    held: list[tuple[np.ndarray, np.ndarray]] = []
    materialize = pt.N * pt.d <= _MATERIALIZE_FLOATS

    def hold(ch: Chunk) -> None:
        if materialize:
            held.append((ch.x[ch.keep].astype(np.float64), ch.y_gen[ch.keep].astype(np.float64)))

    counts = _counts(feature_chunks(pt, key), hold)
    n = int(counts[1] + counts[3])
    if n == 0:
        return np.zeros(pt.d), counts

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if materialize:
            yield from held
        else:
            for ch in feature_chunks(pt, key):
                yield ch.x[ch.keep].astype(np.float64), ch.y_gen[ch.keep].astype(np.float64)

    def loss(w: np.ndarray) -> float:
        total = sum(float(np.logaddexp(0.0, -(yk * (xk @ w))).sum()) for xk, yk in batches())
        return total / n + 0.5 * lam * float(w @ w)

    w = np.zeros(pt.d)
    current = loss(w)
    for _ in range(max_iter):
        g = lam * w
        H = lam * np.eye(pt.d)
        for xk, yk in batches():
            t = yk * (xk @ w)
            s_neg = expit(-t)  # σ(−t)
            g -= (s_neg * yk) @ xk / n
            H += (xk.T * (s_neg * (1.0 - s_neg))) @ xk / n
        step = np.linalg.solve(H, g)
        decrement = float(g @ step)
        if decrement / 2.0 <= tol:
            break
        t_step = 1.0
        while True:
            cand = w - t_step * step
            new = loss(cand)
            if new <= current - 0.25 * t_step * decrement or t_step < 1e-8:
                break
            t_step *= 0.5
        w, current = cand, new
    return w, counts


def _features(pt: Point, key: tuple[int, ...], S: int, learner: str, ridge_lam: float,
              logistic_lam: float) -> Trials:
    acc = np.empty(S)
    counts = np.zeros((4, S), dtype=np.int64)
    for j in range(S):
        k = (*key, j)
        if learner == "centroid":
            w, cnt = fit_centroid(pt, k)
        elif learner == "ridge":
            w, cnt = fit_ridge(pt, k, ridge_lam)
        else:
            w, cnt = fit_logistic(pt, k, logistic_lam)
        acc[j] = exact_accuracy(w, pt.snr)
        counts[:, j] = cnt
    return Trials(acc, counts[0], counts[1], counts[2], counts[3])


# --------------------------------------------------------------------------- public API
def _check_options(seeds: int, learner: str, sampler: str, ridge_lam: float, logistic_lam: float) -> str:
    if isinstance(seeds, bool) or int(seeds) != seeds or seeds < 1:
        raise ParamError(f"seeds = {seeds!r} is invalid: seeds must be an integer >= 1")
    if learner not in LEARNERS:
        raise ParamError(f"learner = {learner!r} is invalid: learner must be one of {', '.join(LEARNERS)}")
    if sampler not in SAMPLERS:
        raise ParamError(f"sampler = {sampler!r} is invalid: sampler must be one of {', '.join(SAMPLERS)}")
    if sampler == "reduced" and learner != "centroid":
        raise ParamError(f"sampler = 'reduced' is invalid with learner = {learner!r}: it needs learner = centroid")
    for name, lam in (("ridge_lam", ridge_lam), ("logistic_lam", logistic_lam)):
        if not (lam >= 0 and math.isfinite(lam)):
            raise ParamError(f"{name} = {lam!r} is invalid: {name} must be a number >= 0")
    if sampler == "auto":
        return "reduced" if learner == "centroid" else "features"
    return sampler


def simulate_trials(point: Point, *, seeds: int, key: tuple[int, ...], learner: str = "centroid",
                    sampler: str = "reduced", ridge_lam: float = 1e-3, logistic_lam: float = 1e-4) -> Trials:
    """Run ``seeds`` independent trials at one point (§5.2 step 1)."""
    if sampler == "reduced":
        rng = np.random.default_rng(np.random.SeedSequence(list(key)))
        return (_reduced_linear if point.is_linear else _reduced_core)(point, rng, seeds)
    return _features(point, key, seeds, learner, ridge_lam, logistic_lam)


def simulate(*, seeds: int = 10, seed: int = 0, learner: str = "centroid", sampler: str = "auto",
             ridge_lam: float = 1e-3, logistic_lam: float = 1e-4, **kwargs: Any) -> pd.DataFrame:
    """Monte Carlo of the verification model (§5.2) at the canonical parameters ``kwargs``
    (any one may be swept), ``seeds`` independent trials per point.

    Returns one row per sweep value: the sweep column, then ``acc_mean, acc_se, keep_frac_mean,
    keep_frac_se, purity_mean, purity_se, p_star_mean, p_star_se, n_eff_mean, n_eff_se``
    (mean and standard error over trials; a quantity undefined in some trial, e.g. p̂⋆ with
    no wrong sample, is NaN). ``df.attrs`` records the learner and the sampler used.

    Raises:
        ParamError: invalid canonical values, N = inf, bad learner/sampler/seeds.
    """
    used = _check_options(seeds, learner, sampler, ridge_lam, logistic_lam)
    call = resolve_call("verification", kwargs)
    keys = ("d", "snr", "p_err", "N", "verifier", "keep_correct", "keep_wrong", "flip", "keep_rate", "theta", "tau")
    cols = {k: (call.values(k) if k == "verifier" else call.array(k)) for k in keys}
    per_point: list[dict[str, np.ndarray]] = []
    for i in range(call.P):
        pt = _point({k: cols[k][i] for k in keys})
        trials = simulate_trials(pt, seeds=int(seeds), key=(int(seed), i), learner=learner, sampler=used,
                                 ridge_lam=ridge_lam, logistic_lam=logistic_lam)
        per_point.append(trials.samples(pt.N))
    samples = {c: np.stack([pp[c] for pp in per_point]) for c in COLUMNS}
    frame = call.frame(stats_columns(samples))
    frame.attrs.update({"learner": learner, "sampler": used, "seeds": int(seeds), "seed": int(seed)})
    return frame


def audit(k: int, *, reps: int = 1, seed: int = 0, **kwargs: Any) -> dict[str, np.ndarray]:
    """Audit ``k`` synthesized samples against the ground truth (§2.1 "Estimation from data"):
    return the counts ``n_correct, kept_correct, n_wrong, kept_wrong`` (arrays of length
    ``reps``, independent audits) for the verifier given by the canonical ``kwargs``
    (not swept). Feed them to :func:`engine.theory.verification.estimate_from_audit`.
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ParamError(f"k = {k!r} is invalid: the audit size k must be an integer >= 1")
    if isinstance(reps, bool) or int(reps) != reps or reps < 1:
        raise ParamError(f"reps = {reps!r} is invalid: reps must be an integer >= 1")
    call = resolve_call("verification", kwargs)
    if call.sweep is not None:
        raise ParamError(f"{call.sweep} cannot be swept for an audit")
    params = dict(call.params, N=int(k))
    pt = _point(params)
    check_probability("p_err", pt.p_err)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    trials = (_reduced_linear if pt.is_linear else _reduced_core)(pt, rng, int(reps))
    return {"n_correct": trials.n_correct, "kept_correct": trials.kept_correct,
            "n_wrong": trials.n_wrong, "kept_wrong": trials.kept_wrong}


# --------------------------------------------------------------------------- page Monte Carlo overlay (§6)
MC_N_GRID = (1e2, 1e3, 1e4, 1e5, 1e6)
MC_P_NS = (1e3, 1e4, 1e5)
MC_P_GRID = np.round(np.linspace(0.05, 0.95, 10), 4)
MC_PSTAR_GRID = np.round(np.linspace(0.05, 0.95, 10), 4)
MC_BUDGET = 10_000_000
"""[A] Largest cost (random numbers drawn, roughly) a live overlay chart may spend on one point."""
MC_CHARTS = ("by_N", "by_p", "by_pstar")


def point_cost(params: dict[str, Any], seeds: int, learner: str = "centroid") -> float:
    """Rough cost of one simulated point: 0 for the O(1) reduced core sampler, 3·N·seeds for the
    reduced linear sampler, N·d·seeds·(1 + d/10) for ridge (×10 for logistic's Newton passes)."""
    N, d = float(params["N"]), float(params["d"])
    if not math.isfinite(N):
        return math.inf
    if learner == "centroid":
        return 3.0 * N * seeds if params["verifier"] == "linear" else 0.0
    cost = N * d * seeds * (1.0 + d / 10.0)
    return cost * 10.0 if learner == "logistic" else cost  # about ten Newton passes


def mc_view(params: dict[str, Any], chart: str, seeds: int = 16, seed: int = 0,
            learner: str = "centroid") -> dict[str, Any]:
    """Monte Carlo points for one chart of the Verification page (§6: mean ± se over seeds).

    ``chart``: ``by_N`` (every verifier preset at N ∈ MC_N_GRID), ``by_p`` (current verifier,
    N ∈ MC_P_NS, p ∈ MC_P_GRID) or ``by_pstar`` (noisy-oracle family, p⋆ ∈ MC_PSTAR_GRID, at
    the current p and N). Points costing more than :data:`MC_BUDGET` are skipped.

    Returns:
        ``{"data": DataFrame, "skipped": int}``; the frame has a group column (``verifier``,
        ``N`` or ``family``), the swept key and the simulate columns (``p_star_true`` on
        ``by_pstar``: the family's exact p⋆).
    """
    if chart not in MC_CHARTS:
        raise ParamError(f"chart = {chart!r} is invalid: chart must be one of {', '.join(MC_CHARTS)}")
    base = dict(resolve_call("verification", params).params)
    frames: list[pd.DataFrame] = []
    skipped = 0

    def run(group: str, value: Any, sweep_key: str, values: Sequence[float], **changes: Any) -> None:
        nonlocal skipped
        keep = [v for v in values if point_cost({**base, **changes, sweep_key: v}, seeds, learner) <= MC_BUDGET]
        skipped += len(values) - len(keep)
        if not keep:
            return
        df = simulate(seeds=seeds, seed=seed, learner=learner, **{**base, **changes, sweep_key: np.asarray(keep)})
        df.insert(0, group, value)
        frames.append(df)

    if chart == "by_N":
        for v in ("none", "oracle", "noisy_oracle", "random", "linear", "custom"):
            run("verifier", v, "N", MC_N_GRID, verifier=v)
    elif chart == "by_p":
        for N in MC_P_NS:
            run("N", N, "p_err", list(MC_P_GRID), N=N)
    else:
        run("family", "noisy oracle (ψ = 1 − φ)", "flip", list(1.0 - MC_PSTAR_GRID), verifier="noisy_oracle")
        if frames:
            frames[-1]["p_star_true"] = 1.0 - frames[-1]["flip"]
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return {"data": data, "skipped": skipped}


AUDIT_KS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def audit_view(params: dict[str, Any], k: int, seed: int = 0, level: float = 0.95,
               ks: Sequence[int] = AUDIT_KS) -> pd.DataFrame:
    """Simulated audits of the current verifier (§2.1 "Estimation from data", §6.5): one audit
    per size in ``ks`` plus ``k`` itself, each with φ̂, ψ̂, p̂⋆ and its confidence interval
    (:func:`engine.theory.verification.estimate_from_audit`). Columns: ``k``, the four
    counts, ``phi_hat``, ``psi_hat``, ``p_star_hat``, ``p_star_lo``, ``p_star_hi``, ``current``.
    """
    from engine.theory.verification import estimate_from_audit

    sizes = sorted(set(int(x) for x in ks) | {int(k)})
    rows = []
    for i, size in enumerate(sizes):
        counts = audit(size, reps=1, seed=int(seed) * 1000 + i, **params)
        est = estimate_from_audit(counts["n_correct"], counts["kept_correct"], counts["n_wrong"],
                                  counts["kept_wrong"], level=level)
        row = {"k": size, **{c: int(v[0]) for c, v in counts.items()}}
        row.update({c: float(np.asarray(est[c]).reshape(-1)[0]) for c in
                    ("phi_hat", "psi_hat", "p_star_hat", "p_star_lo", "p_star_hi")})
        row["current"] = size == int(k)
        rows.append(row)
    return pd.DataFrame(rows)
