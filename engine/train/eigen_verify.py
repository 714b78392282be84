"""Task ``eigen_verify``: the Verification paper's eigenvalue experiment at a size that runs
here (shared/theory/verification.md §4.1 and §5.3).

Default size [A]: n = 2 and τ = 0.1 with a 2+1-layer, dim-64 model, so that the whole run
finishes in under 10 minutes on two shared CPU cores (measured: with n = 3 this model reaches
about 1% accuracy at τ = 0.05 after 100 s of training). ``--set size=gpu n=5 tau=0.05`` and
larger steps/N give the spec's GPU configuration.

- Data (§4.1): symmetric n×n matrices M = tril(a) + tril(a, −1)ᵀ with a_ij ~ U[−10, 10];
  labels are the eigenvalues (``numpy.linalg.eigvalsh``) sorted in decreasing order. Inputs
  and outputs use the P1000 encoding of engine.train.tokenizers (``V<n> V<n>`` + 3 tokens per
  entry; the label is the column vector ``V<n> V1`` + 3 tokens per eigenvalue).
- Correctness (§4.1, the 0-1 metric): Σ|ŷ − y| / Σ|y| < ``tau``; an undecodable output is wrong.
- Generator (§5.3.2): the shared encoder–decoder transformer (engine.train.seq2seq) trained on
  ``n_real`` real examples for ``gen_steps`` steps.
- Synthesis (§5.3.3): ``N_max`` fresh matrices labelled by beam search of width ``beam``
  (every candidate kept); the top-1 answer is the "no verification" label.
- Verifiers (§5.3.4): ``none``; ``oracle`` (keep iff the top-1 answer is correct);
  ``noisy_oracle_<ρ>`` (the oracle's decision flipped with probability ρ, p⋆ = 1 − ρ);
  ``best_of_beam`` (the smallest-error candidate, kept iff it is correct); ``self_verify``
  (keep iff the top-1 beam log-probability is at least the ``self_quantile`` quantile of
  the pool's scores); ``random`` (uniform subsample of exactly the kept count of the
  ``random_match`` verifier, per N). φ̂, ψ̂, p̂⋆ (§2.1) are measured on the first N pool
  items with eigvalsh as ground truth. "Correct" refers to the label the verifier passes
  on: the top-1 answer for every verifier except best-of-beam, whose label is its chosen
  candidate (so best-of-beam has φ̂ = 1, ψ̂ = 0 by construction) [A].
- Retraining (§5.3.5): for every verifier and every N of the grid (N = synthesized samples
  *before* selection, as in §1.4; the model trains on the kept ones, nested prefixes of one
  pool), a fresh model of the same size and the same initialisation is trained for
  ``retrain_steps`` steps (the same compute for every N). Accuracy: greedy decoding on
  ``n_test`` held-out real matrices; the generator is measured the same way (the reference line).
One metrics record per generator evaluation (phase ``generator``) and per (verifier, N) cell.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from engine.params import Param, ParamError
from engine.train.common import (Report, check_budget, check_order, configure_threads, log_grid, null_report,
                                 resolve_device, torch_generator)

THEORY_MODEL = "verification"
PLOT = {"x": "N", "y": "acc", "se": "acc_se", "group": "verifier",
        "xlabel": "synthesized samples N (before selection)", "ylabel": "test accuracy (rel. L1 error < τ)",
        "logx": True, "logy": False, "title": "Eigenvalues: retrained accuracy vs N, one curve per verifier",
        "hline": "generator_acc"}
"""How engine.runs.views and the Runs page draw this task's metrics (cells only: generator
records have no N)."""

ENTRY_MAX = 10.0
"""Matrix entries are U[−ENTRY_MAX, ENTRY_MAX] (§4.1)."""

SIZES: dict[str, dict[str, int]] = {
    "cpu": {"d_model": 64, "n_heads": 4, "enc_layers": 2, "dec_layers": 1},
    "gpu": {"d_model": 256, "n_heads": 8, "enc_layers": 4, "dec_layers": 1},
}
"""Model sizes (§5.3.2: GPU 4+1 layers, dim 256, 8 heads; CPU 2+1 layers, dim 128 in the spec,
64 here to fit the 10-minute budget on two shared cores [A])."""

VERIFIER_SETS: dict[str, tuple[str, ...]] = {
    "all": ("none", "oracle", "noisy", "best_of_beam", "self_verify", "random"),
    "baseline": ("none", "oracle", "random"),
    "beam": ("best_of_beam", "self_verify"),
    "noisy": ("noisy",),
    "core": ("none", "oracle", "best_of_beam", "self_verify", "random"),
}
"""Verifier groups (``noisy`` expands to one noisy oracle per flip rate). Runs that differ only
in the verifier group (and the verifier settings) share the generator and the pool, so their
cells can be read together (see :func:`generator_key`)."""

PARAMS: tuple[Param, ...] = (
    Param("size", "model size", "", "enum", "cpu", choices=tuple(SIZES),
          help="cpu: 2+1 layers, dim 64, 4 heads; gpu: 4+1 layers, dim 256, 8 heads (bf16 autocast on CUDA).",
          assumed=True),
    Param("n", "matrix size n", "n", "int", 2, lo=2, hi=8,
          help="n×n symmetric matrices (the paper: 5; the spec's CPU size 3 does not train in minutes here).",
          assumed=True),
    Param("tau", "tolerance τ", r"\tau", "float", 0.1, lo=0, hi=1, lo_open=True, ui_lo=0.005, ui_hi=0.5, log=True,
          help="Correct iff Σ|ŷ−y|/Σ|y| < τ (LAWT: 0.05, default 0.1; the paper's value is unknown).", assumed=True),
    Param("n_real", "real examples n₀", "n_0", "int", 5000, lo=16, hi=1_000_000, ui_lo=100, ui_hi=200_000, log=True,
          help="Real (matrix, eigenvalues) pairs the generator is trained on (the paper: 200k).", assumed=True),
    Param("gen_steps", "generator steps", "", "int", 1500, lo=1, hi=1_000_000, ui_hi=100_000, log=True,
          help="Training steps of the generator.", assumed=True),
    Param("retrain_steps", "retraining steps", "", "int", 800, lo=1, hi=1_000_000, ui_hi=100_000, log=True,
          help="Training steps of every retrained model (the same compute for every N).", assumed=True),
    Param("batch", "batch size", "", "int", 64, lo=1, hi=4096, log=True, help="Examples per training step."),
    Param("lr", "learning rate", "", "float", 2e-3, lo=0, hi=1, lo_open=True, ui_lo=1e-5, ui_hi=1e-2, log=True,
          help="Adam step size (linear warm-up over 10% of the steps, then cosine to 10%).", assumed=True),
    Param("beam", "beam width B", "B", "int", 4, lo=1, hi=16,
          help="Beam width of the synthesis (1 = greedy); every candidate is kept.", assumed=True),
    Param("N_min", "smallest N", "N", "int", 2000, lo=10, hi=10_000_000, log=True,
          help="Smallest synthesized-set size (before selection)."),
    Param("N_max", "largest N", "N", "int", 16000, lo=10, hi=10_000_000, log=True,
          help="Largest synthesized-set size = the synthesized pool."),
    Param("N_points", "N grid points", "", "int", 2, lo=1, hi=12, help="Log-spaced N values."),
    Param("n_test", "test matrices", "", "int", 1000, lo=10, hi=100_000, log=True,
          help="Held-out real matrices for every accuracy."),
    Param("verifiers", "verifiers", "", "enum", "baseline", choices=tuple(VERIFIER_SETS),
          help="all: none, oracle, noisy oracles, best-of-beam, self-verification, random; baseline: none, oracle, "
               "random; beam: best-of-beam, self-verification; noisy: the noisy oracles; core: all but the noisy "
               "oracles. Runs with the same seed and sizes share the generator, so the groups add up."),
    Param("flip_lo", "smallest flip ρ", r"\rho", "float", 0.1, lo=0, hi=1,
          help="Noisy oracles flip the oracle's decision with probability ρ (p⋆ = 1 − ρ).", assumed=True),
    Param("flip_hi", "largest flip ρ", r"\rho", "float", 0.5, lo=0, hi=1, help="Largest flip rate.", assumed=True),
    Param("flip_points", "flip rates", "", "int", 3, lo=1, hi=8, help="Evenly spaced flip rates from lo to hi."),
    Param("self_quantile", "self-verification quantile", "q", "float", 0.5, lo=0, hi=1, hi_open=True,
          help="Keep iff the beam log-probability is at least this quantile of the pool's scores "
               "(0.5 keeps the more confident half).", assumed=True),
    Param("random_match", "random matches", "", "enum", "oracle", choices=("oracle", "best_of_beam", "self_verify"),
          help="Random subsampling keeps as many samples as this verifier (per N).", assumed=True),
    Param("eval_every", "log every (steps)", "", "int", 250, lo=1, hi=100_000, log=True,
          help="Generator training: a loss/accuracy record every this many steps."),
)

WORK_CAP = 2e15
"""Training FLOPs cap (about 2 hours on one CPU thread, minutes on a GPU)."""


# ----------------------------------------------------------------------------- configuration
def flips(p: dict[str, Any]) -> list[float]:
    """The noisy oracles' flip rates ρ: ``flip_points`` evenly spaced values in [flip_lo, flip_hi]."""
    if p["flip_points"] == 1 or p["flip_lo"] == p["flip_hi"]:
        return [float(p["flip_hi"])]
    return [round(float(v), 6) for v in np.linspace(p["flip_lo"], p["flip_hi"], p["flip_points"])]


def verifier_names(p: dict[str, Any]) -> list[str]:
    """The run's verifiers in order (``noisy`` expanded to ``noisy_oracle_<ρ>``)."""
    out: list[str] = []
    for v in VERIFIER_SETS[p["verifiers"]]:
        out.extend([f"noisy_oracle_{r:g}" for r in flips(p)] if v == "noisy" else [v])
    return out


def N_grid(p: dict[str, Any]) -> list[int]:
    return [int(v) for v in log_grid(p["N_min"], p["N_max"], p["N_points"])]


def model_config(p: dict[str, Any], vocab_size: int):
    from engine.train.seq2seq import Seq2SeqConfig

    return Seq2SeqConfig(vocab_size=vocab_size, max_len=max(src_len(p["n"]), tgt_len(p["n"])) + 1,
                         **SIZES[p["size"]])


def src_len(n: int) -> int:
    """Input tokens: V<n> V<n> + 3 per entry."""
    return 2 + 3 * n * n


def tgt_len(n: int) -> int:
    """Output tokens with EOS: V<n> V1 + 3 per eigenvalue + EOS."""
    return 3 + 3 * n


def _flops_per_example(p: dict[str, Any]) -> float:
    """Training FLOPs per example (engine.train.seq2seq.flops_per_token × target length), without torch."""
    s = SIZES[p["size"]]
    d, f, S, L, V = s["d_model"], 4 * s["d_model"], src_len(p["n"]), tgt_len(p["n"]), 1000 + 201 + 2 + 3 + 8
    enc = S * (8 * d * d + 4 * d * f + 4 * S * d)
    dec = L * (16 * d * d + 4 * d * f + 4 * (L + S) * d)
    return 3.0 * (s["enc_layers"] * enc + s["dec_layers"] * dec + L * 2 * d * V)


def work_estimate(p: dict[str, Any]) -> float:
    """Training FLOPs of one launch (generator + every retraining) plus decoding (≈ forward passes)."""
    cells = len(verifier_names(p)) * len(N_grid(p))
    train = (p["gen_steps"] + cells * p["retrain_steps"]) * p["batch"]
    decode = (p["N_max"] * p["beam"] + (1 + cells) * p["n_test"]) * tgt_len(p["n"]) / 3  # incremental decoding
    return _flops_per_example(p) * (train + decode)


def check(p: dict[str, Any]) -> None:
    check_order(p, "N_min", "N_max")
    check_order(p, "flip_lo", "flip_hi")
    if "random" in VERIFIER_SETS[p["verifiers"]] and p["random_match"] not in VERIFIER_SETS[p["verifiers"]]:
        # e.g. baseline (none, oracle, random) with random_match = self_verify
        raise ParamError(f"random_match = {p['random_match']!r} is invalid: it must be one of the run's verifiers "
                         f"({', '.join(VERIFIER_SETS[p['verifiers']])})")
    check_budget("eigen_verify", work_estimate(p), WORK_CAP,
                 "lower gen_steps, retrain_steps, batch, N_points, N_max or the verifier set")


# ----------------------------------------------------------------------------- data (§4.1)
def sample_matrices(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """k symmetric n×n matrices M = tril(a) + tril(a, −1)ᵀ, a_ij ~ U[−10, 10] (§4.1)."""
    a = rng.uniform(-ENTRY_MAX, ENTRY_MAX, size=(k, n, n))
    return np.tril(a) + np.swapaxes(np.tril(a, -1), 1, 2)


def eigenvalues(M: np.ndarray) -> np.ndarray:
    """Eigenvalues of each symmetric matrix, sorted in decreasing order (k, n)."""
    return np.linalg.eigvalsh(M)[..., ::-1].copy()


def make_vocab(n: int):
    """P1000 tokens and dimension tokens V1..V<n>."""
    from engine.train.tokenizers import Vocab, dim_tokens, p1000_tokens

    return Vocab([*p1000_tokens(), *dim_tokens(max(n, 1))])


def encode_inputs(vocab, M: np.ndarray) -> list[list[int]]:
    from engine.train.tokenizers import encode_matrix

    return [vocab.encode(encode_matrix(m)) for m in M]


def encode_labels(vocab, lam: np.ndarray) -> list[list[int]]:
    """Eigenvalue vectors as ``V<n> V1`` + 3 tokens each, then EOS."""
    from engine.train.tokenizers import EOS, encode_matrix

    return [vocab.encode(encode_matrix(np.asarray(v)[:, None])) + [EOS] for v in lam]


def decode_labels(vocab, ids: np.ndarray | Sequence[Sequence[int]], n: int) -> np.ndarray:
    """Generated ids (k, L) -> eigenvalue vectors (k, n); a row is NaN when the output does not
    decode to an n×1 P1000 vector."""
    from engine.train.tokenizers import decode_matrix

    ids = np.asarray(ids)
    out = np.full((ids.shape[0], n), np.nan)
    for i, row in enumerate(ids.tolist()):
        m = decode_matrix(vocab.decode(row))
        if m is not None and m.shape == (n, 1):
            out[i] = m[:, 0]
    return out


def rel_error(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Relative L1 error Σ|ŷ − y| / Σ|y| over the last axis (§4.1); inf where ŷ is undecodable."""
    pred, true = np.asarray(pred, float), np.asarray(true, float)
    num = np.abs(pred - true).sum(-1)
    den = np.abs(true).sum(-1)
    err = num / np.where(den > 0, den, np.nan)
    return np.where(np.isfinite(err), err, np.inf)


# ----------------------------------------------------------------------------- verifiers (§5.3.4)
def oracle_keep(correct: np.ndarray) -> np.ndarray:
    """The oracle keeps exactly the correct samples."""
    return np.asarray(correct, bool).copy()


def noisy_oracle_keep(correct: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """The oracle's decision flipped independently with probability ρ (φ = 1 − ρ, ψ = ρ)."""
    correct = np.asarray(correct, bool)
    return correct ^ (rng.random(correct.shape) < rho)


def best_of_beam(errors: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the candidate with the smallest error (first on ties) and whether it is
    within τ. errors (k, B) -> (keep (k,), choice (k,))."""
    errors = np.asarray(errors, float)
    choice = np.argmin(np.where(np.isnan(errors), np.inf, errors), axis=1)
    best = errors[np.arange(errors.shape[0]), choice]
    return best < tau, choice


def quantile_threshold(scores: np.ndarray, q: float) -> float:
    """The q-quantile of the (finite) scores (numpy's linear interpolation)."""
    s = np.asarray(scores, float)
    s = s[np.isfinite(s)]
    return float(np.quantile(s, q)) if s.size else math.inf


def self_verify_keep(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Keep iff the generator's own score (beam log-probability) is at least the threshold."""
    return np.asarray(scores, float) >= threshold


def random_matched(N: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform random subset of exactly ``count`` of N samples, as a boolean mask (N,)."""
    keep = np.zeros(N, bool)
    keep[rng.choice(N, size=min(max(int(count), 0), N), replace=False)] = True
    return keep


def audit(keep: np.ndarray, correct: np.ndarray) -> dict[str, float]:
    """φ̂ = #(kept ∧ correct)/#correct, ψ̂ = #(kept ∧ wrong)/#wrong, p̂⋆ = φ̂/(φ̂+ψ̂) (§2.1),
    the kept count and the purity of the kept set (NaN where a denominator is 0)."""
    keep, correct = np.asarray(keep, bool), np.asarray(correct, bool)
    nc, nw = int(correct.sum()), int((~correct).sum())
    kc, kw = int((keep & correct).sum()), int((keep & ~correct).sum())
    phi = kc / nc if nc else math.nan
    psi = kw / nw if nw else math.nan
    s = phi + psi
    return {"phi_hat": phi, "psi_hat": psi, "p_star_hat": phi / s if s > 0 else math.nan, "kept": kc + kw,
            "purity": kc / (kc + kw) if kc + kw else math.nan, "pool_acc": nc / (nc + nw) if nc + nw else math.nan}


def verifier_decisions(p: dict[str, Any], errors: np.ndarray, scores: np.ndarray,
                       rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """For every verifier except ``random``: keep mask (P,), chosen candidate (P,) and whether
    that candidate is correct (P,), on the whole pool. errors, scores: (P, B), best first."""
    tau = p["tau"]
    top_correct = errors[:, 0] < tau
    zeros = np.zeros(errors.shape[0], int)
    out: dict[str, dict[str, np.ndarray]] = {}
    for v in verifier_names(p):
        if v == "none":
            out[v] = {"keep": np.ones_like(top_correct), "choice": zeros, "correct": top_correct}
        elif v == "oracle":
            out[v] = {"keep": oracle_keep(top_correct), "choice": zeros, "correct": top_correct}
        elif v.startswith("noisy_oracle_"):
            rho = float(v.rsplit("_", 1)[1])
            out[v] = {"keep": noisy_oracle_keep(top_correct, rho, rng), "choice": zeros, "correct": top_correct}
        elif v == "best_of_beam":
            keep, choice = best_of_beam(errors, tau)
            out[v] = {"keep": keep, "choice": choice,
                      "correct": errors[np.arange(errors.shape[0]), choice] < tau}
        elif v == "self_verify":
            thr = quantile_threshold(scores[:, 0], p["self_quantile"])
            out[v] = {"keep": self_verify_keep(scores[:, 0], thr), "choice": zeros, "correct": top_correct}
    return out


# ----------------------------------------------------------------------------- torch parts
def build_model(p: dict[str, Any], vocab_size: int, seed: int, salt: int, device: str):
    """A fresh Seq2Seq of the run's size, initialised from (seed, salt)."""
    import torch

    from engine.train.seq2seq import Seq2Seq

    state = torch.random.get_rng_state()
    torch.manual_seed(int(np.random.SeedSequence([seed, salt]).generate_state(1)[0]))
    model = Seq2Seq(model_config(p, vocab_size))
    torch.random.set_rng_state(state)
    numeric_init(model, make_vocab(p["n"]))
    return model.to(device)


def numeric_init(model, vocab) -> None:
    """Initialise the mantissa tokens' embeddings (and the matching output rows) with smooth
    features of the mantissa's value v = m/1000: sin and cos of π·k·v/8 for k = 1..d/2 [A].
    Nearby mantissas then start with similar vectors; with random embeddings this small model
    barely learns in a CPU budget (measured: about 5% accuracy instead of about 40% at n = 2,
    τ = 0.1 after 1,200 steps)."""
    import torch

    d = model.cfg.d_model
    half = d // 2
    k = torch.arange(1, half + 1, dtype=torch.float32)
    ids = torch.tensor([vocab.id(str(m)) for m in range(1000)])
    v = torch.arange(1000, dtype=torch.float32)[:, None] / 1000.0
    ang = math.pi * k[None, :] * v / 8.0
    feats = torch.cat([torch.sin(ang), torch.cos(ang)], dim=1)
    if feats.shape[1] < d:
        feats = torch.cat([feats, torch.zeros(1000, d - feats.shape[1])], dim=1)
    with torch.no_grad():
        model.tok.weight[ids] = feats
        model.head.weight[ids] = feats / math.sqrt(d)


def lr_at(step: int, steps: int, lr: float) -> float:
    """Linear warm-up over 10% of the steps, then cosine decay to lr/10 [A]."""
    warm = max(1, steps // 10)
    if step < warm:
        return lr * (step + 1) / warm
    t = (step - warm) / max(1, steps - warm)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def train(model, src, tgt, steps: int, batch: int, lr: float, g,
          on_step: Callable[[int, float], None] | None = None) -> list[float]:
    """``steps`` Adam steps on random minibatches (with replacement) of (src, tgt) (LongTensors
    on the model's device); returns the loss of every step."""
    import torch

    from engine.train.seq2seq import make_optimizer, train_step

    opt = make_optimizer(model, lr)
    losses = []
    k = src.shape[0]
    for s in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(s, steps, lr)
        idx = torch.randint(0, k, (min(batch, k) if k < batch else batch,), generator=g).to(src.device)
        losses.append(train_step(model, opt, src[idx], tgt[idx]))
        if on_step is not None:
            on_step(s + 1, losses[-1])
    return losses


def decode_errors(model, vocab, src, lam: np.ndarray, n: int, chunk: int = 512) -> np.ndarray:
    """Greedy-decode ``src`` and return the relative error of every output (inf if undecodable)."""
    from engine.train.seq2seq import greedy_decode

    errs = []
    for i in range(0, src.shape[0], chunk):
        ids, _ = greedy_decode(model, src[i:i + chunk], tgt_len(n))
        errs.append(rel_error(decode_labels(vocab, ids.cpu().numpy(), n), lam[i:i + chunk]))
    return np.concatenate(errs) if errs else np.zeros(0)


def accuracy(model, vocab, src, lam: np.ndarray, n: int, tau: float) -> float:
    """Fraction of test matrices whose greedy output is within τ (§4.1)."""
    return float(np.mean(decode_errors(model, vocab, src, lam, n) < tau))


def synthesize(model, vocab, src, lam: np.ndarray, n: int, beam: int, chunk: int = 256):
    """Beam-search labels of the pool: candidate ids (P, B, L), scores (P, B) (summed
    log-probabilities, best first) and relative errors against eigvalsh (P, B)."""
    import torch

    from engine.train.seq2seq import beam_search, greedy_decode

    L = tgt_len(n)
    ids_all, sc_all = [], []
    for i in range(0, src.shape[0], chunk):
        if beam == 1:
            ids, sc = greedy_decode(model, src[i:i + chunk], L)
            ids, sc = ids[:, None, :], sc[:, None]
        else:
            ids, sc = beam_search(model, src[i:i + chunk], beam, L)
        pad = torch.zeros(ids.shape[0], ids.shape[1], L, dtype=torch.long, device=ids.device)
        pad[:, :, :ids.shape[2]] = ids[:, :, :L]
        ids_all.append(pad.cpu())
        sc_all.append(sc.float().cpu())
    ids = torch.cat(ids_all).numpy()
    scores = torch.cat(sc_all).numpy()
    P, B, _ = ids.shape
    errors = rel_error(decode_labels(vocab, ids.reshape(P * B, L), n).reshape(P, B, n), lam[:, None, :])
    return ids, scores, errors


def label_rows(ids: np.ndarray) -> list[list[int]]:
    """Generated rows (k, L) as training targets: cut after the first EOS (EOS appended if
    the output never ended)."""
    from engine.train.tokenizers import EOS, PAD

    out = []
    for row in ids.tolist():
        seq = []
        for t in row:
            if t == PAD:
                continue
            seq.append(t)
            if t == EOS:
                break
        if not seq or seq[-1] != EOS:
            seq.append(EOS)
        out.append(seq)
    return out


# ----------------------------------------------------------------------------- the run
def _rng(seed: int, *salt: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), *map(int, salt)]))


def _binom_se(acc: float, n: int) -> float:
    return math.sqrt(max(acc * (1 - acc), 0.0) / max(n, 1))


def run(spec, report: Report = null_report, device: str | None = None) -> dict[str, Any]:
    """Generator → synthesis → verifiers → retraining on the N grid (see the module docstring)."""
    import torch

    from engine.train.seq2seq import pad_batch

    p = dict(spec.params)
    device = resolve_device(device)
    configure_threads()
    t0 = time.time()
    n, tau, seed = p["n"], p["tau"], int(spec.seed)
    vocab = make_vocab(n)
    Ns, names = N_grid(p), verifier_names(p)
    total_steps = p["gen_steps"] + len(names) * len(Ns) * p["retrain_steps"]
    steps_done = [0]
    timing = {"train_s": 0.0, "examples": 0}

    def progress() -> float:
        return min(0.99, steps_done[0] / max(total_steps, 1))

    # data: independent streams, so changing N_max or n_test leaves the other sets unchanged
    M_real = sample_matrices(_rng(seed, 1), p["n_real"], n)
    M_test = sample_matrices(_rng(seed, 2), p["n_test"], n)
    M_pool = sample_matrices(_rng(seed, 3), p["N_max"], n)
    lam_real, lam_test, lam_pool = eigenvalues(M_real), eigenvalues(M_test), eigenvalues(M_pool)

    def tensor(rows: list[list[int]]):
        return pad_batch(rows, device=device)

    src_real, tgt_real = tensor(encode_inputs(vocab, M_real)), tensor(encode_labels(vocab, lam_real))
    src_test, src_pool = tensor(encode_inputs(vocab, M_test)), tensor(encode_inputs(vocab, M_pool))
    n_val = min(500, p["n_test"])

    # ---- generator
    gen = build_model(p, len(vocab), seed, 10, device)
    recent: list[float] = []

    def on_gen_step(step: int, loss: float) -> None:
        steps_done[0] += 1
        recent.append(loss)
        if step % p["eval_every"] == 0 or step == p["gen_steps"]:
            val = accuracy(gen, vocab, src_test[:n_val], lam_test[:n_val], n, tau)
            report(record={"phase": "generator", "step": step, "examples": step * p["batch"],
                           "loss": float(np.mean(recent)), "val_acc": val, "elapsed_s": time.time() - t0},
                   progress=progress(), message=f"generator step {step}: loss {np.mean(recent):.3f}, acc {val:.3f}")
            recent.clear()

    ts = time.time()
    train(gen, src_real, tgt_real, p["gen_steps"], p["batch"], p["lr"], torch_generator(seed, 11), on_gen_step)
    timing["train_s"] += time.time() - ts
    timing["examples"] += p["gen_steps"] * p["batch"]
    gen_err = decode_errors(gen, vocab, src_test, lam_test, n)
    gen_acc = float(np.mean(gen_err < tau))
    gen_se = _binom_se(gen_acc, p["n_test"])

    # ---- synthesis and verifiers
    report(message="synthesizing the pool by beam search", progress=progress())
    ts = time.time()
    ids, scores, errors = synthesize(gen, vocab, src_pool, lam_pool, n, p["beam"])
    synth_s = time.time() - ts
    decisions = verifier_decisions(p, errors, scores, _rng(seed, 4))
    top_correct = errors[:, 0] < tau
    clipped = int(np.sum(np.abs(lam_pool) >= 1e3))  # §5.3.8: exponents clip only far beyond |λ| ~ 50

    results: dict[str, dict[str, Any]] = {}
    for vi, v in enumerate(names):
        for N in Ns:
            if v == "random":
                count = int(decisions[p["random_match"]]["keep"][:N].sum())
                keep = random_matched(N, count, _rng(seed, 5, N))
                choice, correct = np.zeros(N, int), top_correct[:N]
            else:
                d = decisions[v]
                keep, choice, correct = d["keep"][:N], d["choice"][:N], d["correct"][:N]
            a = audit(keep, correct)
            idx = np.flatnonzero(keep)
            model = build_model(p, len(vocab), seed, 20, device)  # the same initialisation for every cell
            first_loss = last_loss = math.nan
            if idx.size:
                tgt = tensor(label_rows(ids[idx, choice[idx]]))
                ts = time.time()

                def on_step(step: int, loss: float) -> None:
                    steps_done[0] += 1
                    if step % max(1, p["retrain_steps"] // 20) == 0:
                        report(progress=progress(), message=f"{v} N={N}: step {step}, loss {loss:.3f}")

                losses = train(model, src_pool[torch.as_tensor(idx, device=device)], tgt, p["retrain_steps"],
                               p["batch"], p["lr"], torch_generator(seed, 12, N), on_step)
                timing["train_s"] += time.time() - ts
                timing["examples"] += p["retrain_steps"] * p["batch"]
                first_loss, last_loss = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
            else:
                steps_done[0] += p["retrain_steps"]
            acc = accuracy(model, vocab, src_test, lam_test, n, tau)
            rec = {"phase": "cell", "verifier": v, "N": N, "acc": acc, "acc_se": _binom_se(acc, p["n_test"]),
                   "kept": a["kept"], "keep_frac": a["kept"] / N, "phi_hat": a["phi_hat"], "psi_hat": a["psi_hat"],
                   "p_star_hat": a["p_star_hat"], "purity": a["purity"], "pool_acc": a["pool_acc"],
                   "first_loss": first_loss, "last_loss": last_loss,
                   "generator_acc": gen_acc, "generator_acc_se": gen_se, "elapsed_s": time.time() - t0}
            if v.startswith("noisy_oracle_"):
                rec["flip"] = float(v.rsplit("_", 1)[1])
            report(record=rec, progress=progress(), message=f"{v} N={N}: acc {acc:.3f} (generator {gen_acc:.3f})")
            results[v] = rec

    elapsed = time.time() - t0
    cfg = model_config(p, len(vocab))
    from engine.train.seq2seq import flops_per_token

    thr = timing["examples"] / max(timing["train_s"], 1e-9)
    flops = flops_per_token(cfg, src_len(n), tgt_len(n)) * tgt_len(n) * thr
    final: dict[str, float] = {"generator_acc": gen_acc}
    for v, r in results.items():
        final[f"acc_{v}_N{Ns[-1]}"] = r["acc"]
        final[f"p_star_{v}"] = r["p_star_hat"]
    return {
        "final": final, "generator_acc": gen_acc, "generator_acc_se": gen_se,
        "generator_test_median_error": float(np.median(gen_err)),
        "pool_top1_acc": float(top_correct.mean()), "pool_best_of_beam_acc": float((errors.min(axis=1) < tau).mean()),
        "N_grid": Ns, "verifiers": names,
        "per_verifier": {v: {k: r[k] for k in ("acc", "acc_se", "kept", "phi_hat", "psi_hat", "p_star_hat",
                                                 "purity")} for v, r in results.items()},
        "device": device, "model": cfg.to_dict(), "throughput_examples_per_s": thr, "model_flops_per_s": flops,
        "synthesis_s": synth_s, "train_s": timing["train_s"], "clipped_exponents": clipped, "elapsed_s": elapsed,
    }


# ----------------------------------------------------------------------------- reading runs (pages)
def cells_frame(store=None) -> "Any":
    """The (verifier, N) records of every finished eigen_verify run in the store, with run_id,
    seed and the run's parameters as columns (empty frame if none)."""
    import pandas as pd

    from engine.runs.store import RunInfo, RunStore

    store = store or RunStore()
    frames = []
    for it in store.list():
        if not isinstance(it, RunInfo) or it.task != "eigen_verify" or it.state != "done":
            continue
        recs = [r for r in store.metrics(it.path) if r.get("phase") == "cell"]
        if not recs:
            continue
        df = pd.DataFrame(recs)
        df["run_id"] = it.run_id
        df["seed"] = it.spec.get("seed")
        df["device"] = it.status.get("device") or (it.result or {}).get("device", "")
        params = dict(it.spec.get("params", {}))
        for k, val in params.items():
            df[k] = val
        df["config"] = generator_key({**params, "seed": it.spec.get("seed")})
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", "config", "verifier", "N", "acc", "acc_se", "kept", "p_star_hat",
                                     "generator_acc"])
    return pd.concat(frames, ignore_index=True)


GENERATOR_KEYS = ("size", "n", "tau", "n_real", "gen_steps", "retrain_steps", "batch", "lr", "beam", "N_min", "N_max",
                  "N_points", "n_test", "seed")
"""Parameters that fix the generator, the pool and the retraining: runs equal on these differ
only in their verifiers and can be drawn together."""


def generator_key(row: Any) -> str:
    """A short text naming a run's generator/pool configuration (see GENERATOR_KEYS)."""
    return ", ".join(f"{k}={row[k]}" for k in GENERATOR_KEYS if k in row)


def one_config(cells, config: str | None = None) -> "Any":
    """The cells of one generator configuration (default: the one with the most cells), one
    row per (verifier, N) (the first run wins on duplicates)."""
    if cells is None or len(cells) == 0:
        return cells
    if config is None or config not in set(cells["config"]):
        config = configs(cells)[0]
    part = cells[cells["config"] == config]
    return part.drop_duplicates(["verifier", "N"], keep="first").reset_index(drop=True)


def configs(cells) -> list[str]:
    """Generator configurations present, the one with the most cells first."""
    if cells is None or len(cells) == 0:
        return []
    return [str(c) for c in cells["config"].value_counts(sort=True).index]


def final_points(cells) -> "Any":
    """Per (run, verifier): the record at the run's largest N (accuracy vs p̂⋆ chart)."""
    if cells is None or len(cells) == 0:
        return cells
    idx = cells.groupby(["run_id", "verifier"], sort=False)["N"].idxmax()
    return cells.loc[idx.to_numpy()].reset_index(drop=True)


def store_stamp(root: str | Path | None = None) -> float:
    """Cache key of the eigen_verify runs (engine.runs.store.RunStore.stamp)."""
    from engine.runs.store import RunStore

    return RunStore(root).stamp("eigen_verify")
