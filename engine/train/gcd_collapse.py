"""Task ``gcd_collapse``: the Tale of Tails arithmetic experiment at a size that runs here
(shared/theory/tails.md §5; the tail-cut, generations and mixing theory of §3.1, §3.4, §3.6).

- Data (§5.1): a, b uniform in {1, …, M} (M = 10⁶ in Charton's setup; smaller M allowed),
  label gcd(a, b). Integers in base B (1000 or 10, any 2 ≤ B ≤ 1000 accepted) as a sign token
  then base-B digits (engine.train.tokenizers); input = enc(a) + enc(b), output = enc(gcd).
  P(gcd = k) → 6/(π²k²): a Zipf law with β = 2.
- Test sets: ``test_size`` natural pairs (same distribution as training), and a set with the
  GCD uniform on 1..100: for each k, ``per_gcd`` pairs (k·a′, k·b′) with (a′, b′) uniform
  among the coprime pairs of {1, …, ⌊M/k⌋}² (rejection sampling), so k·max(a′, b′) ≤ M and
  gcd = k exactly. Both sets are fixed per seed and shared by all generations.
- Model: the shared encoder–decoder (engine.train.seq2seq), size ``cpu`` (d 64, 4 heads,
  2 encoder + 1 decoder layers) or ``gpu`` (Charton's 4 + 4 layers, d 256, 8 heads), Adam,
  clipping at 5, bf16 autocast on CUDA; each generation is a fresh model trained from scratch.
- Generations (§5.2 [P]): generation 0 trains on true labels; generation j trains on fresh
  inputs labelled by generation j−1 (greedy decoding, or sampling with ``temperature`` and
  ``top_p``). An AI label that does not decode to an integer ≥ 1 is dropped from the batch
  and counted (``ai_invalid``). Mixing (§3.6): in generations ≥ 1 each example is clean
  (true label) with probability ``clean_frac`` = π, else AI-labelled.
- Metrics (§5.2): accuracy on the natural test set, accuracy per GCD 1..100, the learned set
  (per-GCD accuracy ≥ ``threshold`` [A]: Charton's threshold is unknown) and its ceiling
  Σ_{k learned} 6/(π²k²) (§5.1: a model that knows 𝒟 is right exactly on gcd ∈ 𝒟).
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Sequence

import numpy as np

from engine.params import Param, ParamError
from engine.train.common import Report, check_budget, configure_threads, null_report, resolve_device

THEORY_MODEL = "tails"
MAX_GCD = 100
ZETA2_INV = 6.0 / math.pi**2
PLOT = {"x": "examples", "y": "acc", "se": "acc_se", "group": "generation", "theory_y": "ceiling",
        "xlabel": "training examples seen (per generation)", "ylabel": "accuracy (natural distribution)",
        "logx": False, "logy": False,
        "title": "GCD: accuracy vs examples, one curve per generation (dashed: 2^a·5^b-type ceiling)"}
"""How engine.runs.views and the Runs page draw this task's metrics (and its theory frame)."""

SIZES: dict[str, dict[str, int]] = {
    "cpu": {"d_model": 64, "n_heads": 4, "enc_layers": 2, "dec_layers": 1},
    "gpu": {"d_model": 256, "n_heads": 8, "enc_layers": 4, "dec_layers": 4},
}
"""Model presets: ``gpu`` is Charton's reference GCD model (§5.1); ``cpu`` a small one [A]."""

PARAMS: tuple[Param, ...] = (
    Param("M", "operand bound M", "M", "int", 1_000_000, lo=100, hi=10**9, log=True,
          help="a, b uniform in {1, …, M} (10⁶ in Charton's setup)."),
    Param("base", "encoding base B", "B", "int", 1000, lo=2, hi=1000,
          help="Integers as a sign and base-B digits (1000 or 10 in the papers)."),
    Param("size", "model size", "", "enum", "cpu", choices=("cpu", "gpu"),
          help="cpu: d 64, 2 encoder + 1 decoder layers; gpu: Charton's 4 + 4 layers, d 256, 8 heads."),
    Param("generations", "generations n", "n", "int", 3, lo=0, hi=10,
          help="Generations 0..n are trained; generation j ≥ 1 learns from generation j−1's labels."),
    Param("examples", "examples per generation", "T", "int", 200_000, lo=1000, hi=10**9, log=True,
          help="Fresh training examples of every generation (Charton's epoch is 300,000)."),
    Param("batch", "batch size", "", "int", 128, lo=1, hi=4096, log=True, help="Examples per step (32 in §5.1)."),
    Param("lr", "learning rate", "", "float", 3e-3, lo=0, hi=1, lo_open=True, ui_lo=1e-5, ui_hi=1e-2, log=True,
          help="Adam step size (1e-4 in Charton's 4+4-layer setup; 3e-3 lets the cpu model leave the "
               "always-1 plateau within 10⁵ examples).", assumed=True),
    Param("label_mode", "AI labels", "", "enum", "greedy", choices=("greedy", "sample"),
          help="How generation j−1 labels generation j's inputs: greedy decoding or sampling.", assumed=True),
    Param("temperature", "sampling temperature τ", r"\tau", "float", 1.0, lo=0, hi=10, lo_open=True,
          ui_lo=0.1, ui_hi=2, help="Softmax temperature of sampled labels (label_mode = sample).", assumed=True),
    Param("top_p", "sampling top-p", "p", "float", 1.0, lo=0, hi=1, lo_open=True, ui_lo=0.5,
          help="Nucleus truncation of sampled labels (label_mode = sample).", assumed=True),
    Param("clean_frac", "clean fraction π", r"\pi", "float", 0.0, lo=0, hi=1,
          help="Generations ≥ 1: each example keeps its true label with probability π (§3.6 mixing)."),
    Param("threshold", "learned threshold", "", "float", 0.9, lo=0, hi=1, lo_open=True,
          help="A GCD counts as learned when its test accuracy reaches this ([A]: Charton's is unknown).",
          assumed=True),
    Param("eval_every", "evaluate every", "", "int", 40_000, lo=100, hi=10**8, log=True,
          help="Examples between evaluations."),
    Param("test_size", "natural test pairs", "", "int", 2000, lo=100, hi=100_000, log=True,
          help="Test pairs drawn like the training inputs."),
    Param("per_gcd", "test pairs per GCD", "", "int", 40, lo=5, hi=1000, log=True,
          help="Test pairs for each GCD 1..100 (10,000 in all at 100)."),
)

LABEL_BLOCK = 4096
"""Fresh inputs drawn and AI-labelled per decoding call (then split into training batches)."""

WORK_CAP = {"cpu": 2e14, "gpu": 5e16}
"""Rough FLOPs cap per launch (the cpu default is ≈ 1.8e13)."""


# ----------------------------------------------------------------------------- sizes
def n_digits(M: int, base: int) -> int:
    """Base-B digits of M (the longest operand)."""
    d, n = 1, int(M)
    while n >= base:
        n //= base
        d += 1
    return d


def model_config(p: dict[str, Any]):
    """The Seq2SeqConfig of a run (imports torch)."""
    from engine.train.seq2seq import Seq2SeqConfig
    from engine.train.tokenizers import int_tokens

    nd = n_digits(p["M"], p["base"])
    return Seq2SeqConfig(vocab_size=3 + len(int_tokens(p["base"])), max_len=2 * (nd + 1) + 2, **SIZES[p["size"]])


def work_estimate(p: dict[str, Any]) -> float:
    """Rough training FLOPs of a launch: 3 × forward per example for training, plus one
    forward per label and per test example per evaluation (decoding is ≈ a forward)."""
    nd = n_digits(p["M"], p["base"])
    d = SIZES[p["size"]]["d_model"]
    L = SIZES[p["size"]]["enc_layers"] + 2 * SIZES[p["size"]]["dec_layers"]
    V = p["base"] + 5
    fwd = 2 * (2 * (nd + 1) + nd + 2) * (12 * d * d * L) + 2 * (nd + 2) * d * V
    gens = p["generations"] + 1
    evals = gens * (p["examples"] / p["eval_every"] + 1) * (p["test_size"] + MAX_GCD * p["per_gcd"])
    return fwd * (3 * gens * p["examples"] + p["generations"] * p["examples"] + evals)


def check(p: dict[str, Any]) -> None:
    if p["base"] > p["M"]:
        raise ParamError(f"base = {p['base']} is invalid: base must be <= M (= {p['M']})")
    if MAX_GCD > p["M"]:
        raise ParamError(f"M = {p['M']} is invalid: M must be >= {MAX_GCD} (the uniform-GCD test set)")
    check_budget("gcd_collapse", work_estimate(p), WORK_CAP[p["size"]],
                 "lower examples, generations, test_size or per_gcd (or use size = cpu)")


# ----------------------------------------------------------------------------- data (§5.1)
def sample_pairs(rng: np.random.Generator, n: int, M: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n pairs (a, b) uniform in {1, …, M}² and their gcd (int64 arrays)."""
    a = rng.integers(1, M + 1, size=n, dtype=np.int64)
    b = rng.integers(1, M + 1, size=n, dtype=np.int64)
    return a, b, np.gcd(a, b)


def uniform_gcd_pairs(rng: np.random.Generator, per_gcd: int, M: int,
                      max_gcd: int = MAX_GCD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_gcd`` pairs for each GCD k = 1..max_gcd: (k·a′, k·b′) with (a′, b′) uniform among
    coprime pairs of {1, …, ⌊M/k⌋}² (rejection: draw, keep the coprime ones). Sorted by k."""
    A, B, G = [], [], []
    for k in range(1, max_gcd + 1):
        m = M // k
        got_a: list[np.ndarray] = []
        got_b: list[np.ndarray] = []
        have = 0
        while have < per_gcd:
            x = rng.integers(1, m + 1, size=2 * per_gcd + 8, dtype=np.int64)
            y = rng.integers(1, m + 1, size=2 * per_gcd + 8, dtype=np.int64)
            keep = np.gcd(x, y) == 1
            got_a.append(x[keep])
            got_b.append(y[keep])
            have += int(keep.sum())
        A.append(k * np.concatenate(got_a)[:per_gcd])
        B.append(k * np.concatenate(got_b)[:per_gcd])
        G.append(np.full(per_gcd, k, dtype=np.int64))
    return np.concatenate(A), np.concatenate(B), np.concatenate(G)


class IntCodec:
    """Integers <-> token ids in base B (tokenizers' sign + digits encoding, fast path)."""

    def __init__(self, base: int):
        from engine.train.tokenizers import EOS, Vocab, int_tokens

        self.base = base
        self.vocab = Vocab(int_tokens(base))
        self.plus = self.vocab.id("+")
        self.digit_id = np.array([self.vocab.id(str(d)) for d in range(base)], dtype=np.int64)
        self.eos = EOS

    def ids(self, n: int) -> list[int]:
        """Ids of encode_int(n, base) for n >= 0."""
        n = int(n)
        out = []
        while True:
            out.append(int(self.digit_id[n % self.base]))
            n //= self.base
            if n == 0:
                break
        out.append(self.plus)
        return out[::-1]

    def source(self, a: Sequence[int], b: Sequence[int]) -> list[list[int]]:
        """enc(a) + enc(b) per pair."""
        return [self.ids(x) + self.ids(y) for x, y in zip(a, b)]

    def target(self, g: Sequence[int]) -> list[list[int]]:
        """enc(g) + EOS per label."""
        return [self.ids(x) + [self.eos] for x in g]

    def values(self, ids) -> list[int | None]:
        """Decoded integers of generated id rows (None when malformed)."""
        from engine.train.tokenizers import decode_int

        rows = ids.tolist() if hasattr(ids, "tolist") else ids
        return [decode_int(self.vocab.decode(r), self.base) for r in rows]


# ----------------------------------------------------------------------------- learned set (§5.1-5.2)
def per_gcd_accuracy(pred: Sequence[int | None], g: np.ndarray, max_gcd: int = MAX_GCD) -> np.ndarray:
    """Accuracy for each GCD 1..max_gcd (NaN where the set has no pair of that GCD)."""
    ok = np.array([p is not None and p == t for p, t in zip(pred, g.tolist())], dtype=float)
    out = np.full(max_gcd, np.nan)
    for k in range(1, max_gcd + 1):
        sel = g == k
        if sel.any():
            out[k - 1] = ok[sel].mean()
    return out


def learned_set(acc_by_gcd: Sequence[float], threshold: float) -> list[int]:
    """GCDs k (1-based positions) whose accuracy is at least ``threshold``."""
    return [k + 1 for k, v in enumerate(acc_by_gcd) if np.isfinite(v) and v >= threshold]


def ceiling(learned: Sequence[int]) -> float:
    """Σ_{k ∈ learned} 6/(π²k²): natural-distribution accuracy of a model right exactly on
    ``learned`` (§5.1)."""
    return float(sum(ZETA2_INV / (k * k) for k in learned))


def weighted_accuracy(acc_by_gcd: Sequence[float]) -> float:
    """Σ_k acc_k 6/(π²k²) over k ≤ 100: the natural accuracy implied by the per-GCD profile."""
    acc = np.nan_to_num(np.asarray(acc_by_gcd, float))
    k = np.arange(1, acc.size + 1)
    return float((acc * ZETA2_INV / k**2).sum())


def base_primes(base: int) -> tuple[int, ...]:
    """Prime factors of the base (2, 5 for 10 and 1000)."""
    out, n, q = [], base, 2
    while q * q <= n:
        if n % q == 0:
            out.append(q)
            while n % q == 0:
                n //= q
        q += 1
    if n > 1:
        out.append(n)
    return tuple(out)


def theory_frame(params: dict[str, Any]):
    """The ceiling of a model that has learned every GCD made of the base's primes
    (2^a·5^b: 0.8443 for base 10 or 1000; §5.1) as a flat line over the examples axis."""
    import pandas as pd

    from engine.theory.tails import gcd_accuracy

    c = gcd_accuracy(base_primes(int(params["base"])))
    return pd.DataFrame({"examples": [0.0, float(params["examples"])], "ceiling": [c, c]})


# ----------------------------------------------------------------------------- batches
Labeller = Callable[[np.ndarray, np.ndarray], list]
"""(a, b) -> predicted gcd per pair (int, or None when the output does not decode)."""


def make_batch(rng: np.random.Generator, n: int, M: int, clean_frac: float,
               labeller: Labeller | None) -> dict[str, np.ndarray]:
    """One training batch of fresh inputs (§5.2): true labels when ``labeller`` is None
    (generation 0); else each example keeps its true label with probability ``clean_frac``
    and the others get ``labeller``'s output. Invalid AI labels (None or < 1) are dropped.

    Returns a, b, label (kept rows), clean (bool, kept rows), true (gcd, kept rows), index
    (positions of the kept rows in the draw) and n_ai, n_invalid, n_ai_wrong (counts over the
    whole draw)."""
    a, b, g = sample_pairs(rng, n, M)
    if labeller is None:
        clean = np.ones(n, bool)
    else:
        clean = rng.random(n) < clean_frac
    label = g.copy()
    valid = np.ones(n, bool)
    ai = np.flatnonzero(~clean)
    n_wrong = 0
    if ai.size:
        pred = labeller(a[ai], b[ai])
        for j, v in zip(ai, pred):
            if v is None or v < 1:
                valid[j] = False
            else:
                label[j] = v
        n_wrong = int((label[ai] != g[ai]).sum())  # invalid rows keep label == g: counted apart
    return {"a": a[valid], "b": b[valid], "label": label[valid], "clean": clean[valid], "true": g[valid],
            "index": np.flatnonzero(valid),
            "n_ai": np.int64(ai.size), "n_invalid": np.int64((~valid).sum()), "n_ai_wrong": np.int64(n_wrong)}


def batches_of(block: dict[str, np.ndarray], drawn: int, batch: int):
    """Split a labelled block of ``drawn`` fresh inputs into training batches of ``batch`` drawn
    inputs each (dropped rows leave a batch short); yields (rows, number drawn)."""
    keys = ("a", "b", "label", "clean", "true")
    for s in range(0, drawn, batch):
        lo, hi = np.searchsorted(block["index"], [s, min(s + batch, drawn)])
        yield {k: block[k][lo:hi] for k in keys}, min(batch, drawn - s)


def model_labeller(model, codec: IntCodec, device: str, p: dict[str, Any], generator=None,
                   chunk: int = 2048) -> Labeller:
    """Labels from a trained model: greedy decoding, or sampling with temperature / top-p."""
    from engine.train.seq2seq import greedy_decode, pad_batch, sample_decode

    max_len = n_digits(p["M"], p["base"]) + 2

    def label(a: np.ndarray, b: np.ndarray) -> list:
        out: list = []
        for s in range(0, len(a), chunk):
            src = pad_batch(codec.source(a[s:s + chunk], b[s:s + chunk]), device=device)
            if p["label_mode"] == "greedy":
                ids, _ = greedy_decode(model, src, max_len)
            else:
                ids, _ = sample_decode(model, src, max_len, p["temperature"], p["top_p"], generator=generator)
            out.extend(codec.values(ids.cpu()))
        return out

    return label


# ----------------------------------------------------------------------------- training
def _rng(seed: int, *salt: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), *map(int, salt)]))


def new_model(p: dict[str, Any], seed: int, generation: int, device: str):
    import torch

    from engine.train.seq2seq import Seq2Seq

    torch.manual_seed(int(np.random.SeedSequence([int(seed), 77, generation]).generate_state(1)[0]))
    return Seq2Seq(model_config(p)).to(device)


def train_on_batch(model, opt, codec: IntCodec, batch: dict[str, np.ndarray], device: str) -> float:
    """One optimizer step on a batch (teacher forcing, clip 5); returns the loss."""
    from engine.train.seq2seq import pad_batch, train_step

    src = pad_batch(codec.source(batch["a"], batch["b"]), device=device)
    tgt = pad_batch(codec.target(batch["label"]), device=device)
    return train_step(model, opt, src, tgt, clip=5.0)


def evaluate(model, codec: IntCodec, device: str, p: dict[str, Any], tests: dict[str, np.ndarray],
             chunk: int = 2048) -> dict[str, Any]:
    """Greedy predictions on both test sets: natural accuracy (± binomial se), per-GCD
    accuracy, learned set and its ceiling."""
    lab = model_labeller(model, codec, device, {**p, "label_mode": "greedy"}, chunk=chunk)
    nat = lab(tests["a"], tests["b"])
    acc = float(np.mean([v is not None and v == t for v, t in zip(nat, tests["g"].tolist())]))
    uni = lab(tests["ua"], tests["ub"])
    by_gcd = per_gcd_accuracy(uni, tests["ug"])
    learned = learned_set(by_gcd, p["threshold"])
    n = len(nat)
    return {"acc": acc, "acc_se": math.sqrt(max(acc * (1 - acc), 1e-12) / n),
            "acc_by_gcd": [float(v) for v in by_gcd], "acc_uniform": float(np.nanmean(by_gcd)),
            "learned": learned, "n_learned": len(learned), "ceiling": ceiling(learned),
            "acc_weighted": weighted_accuracy(by_gcd)}


def build_test_sets(p: dict[str, Any], seed: int) -> dict[str, np.ndarray]:
    a, b, g = sample_pairs(_rng(seed, 1), p["test_size"], p["M"])
    ua, ub, ug = uniform_gcd_pairs(_rng(seed, 2), p["per_gcd"], p["M"])
    return {"a": a, "b": b, "g": g, "ua": ua, "ub": ub, "ug": ug}


def run(spec, report: Report = null_report, device: str | None = None) -> dict[str, Any]:
    """Train generations 0..n; a metrics record every ``eval_every`` examples and at the end
    of each generation."""
    import torch

    from engine.train.seq2seq import flops_per_token, make_optimizer, n_params

    p = dict(spec.params)
    device = resolve_device(device)
    threads = configure_threads()
    codec = IntCodec(p["base"])
    tests = build_test_sets(p, spec.seed)
    cfg = model_config(p)
    nd = n_digits(p["M"], p["base"])
    fpt = flops_per_token(cfg, 2 * (nd + 1), nd + 2)
    gens, T = p["generations"] + 1, p["examples"]
    block = p["batch"] * max(1, LABEL_BLOCK // p["batch"])
    t0 = time.time()
    train_time = 0.0
    total_seen = 0
    prev = None
    per_gen: list[dict[str, Any]] = []
    for gen in range(gens):
        model = new_model(p, spec.seed, gen, device)
        opt = make_optimizer(model, p["lr"])
        rng = _rng(spec.seed, 10, gen)
        sample_gen = torch.Generator(device="cpu")
        sample_gen.manual_seed(int(np.random.SeedSequence([spec.seed, 11, gen]).generate_state(1)[0]))
        labeller = None if prev is None else model_labeller(prev, codec, device, p, generator=sample_gen)
        seen, next_eval = 0, min(p["eval_every"], T)
        losses: list[float] = []
        counts = {"n_ai": 0, "n_invalid": 0, "n_ai_wrong": 0, "n_clean": 0}
        gen_t0 = time.time()
        pending = iter(())
        while seen < T:
            ts = time.time()
            nxt = next(pending, None)
            if nxt is None:  # draw and label a block of inputs at once (one decoding call per block)
                drawn = min(block, T - seen)
                blk = make_batch(rng, drawn, p["M"], p["clean_frac"], labeller)
                for k in ("n_ai", "n_invalid", "n_ai_wrong"):
                    counts[k] += int(blk[k])
                counts["n_clean"] += int(blk["clean"].sum()) if labeller is not None else 0
                pending = batches_of(blk, drawn, p["batch"])
                nxt = next(pending)
            batch, n = nxt
            if len(batch["a"]):
                losses.append(train_on_batch(model, opt, codec, batch, device))
            train_time += time.time() - ts
            seen += n
            total_seen += n
            if seen >= next_eval:
                next_eval = min(next_eval + p["eval_every"], T)
                ev = evaluate(model, codec, device, p, tests)
                elapsed = time.time() - t0
                n_ai = max(counts["n_ai"], 1)
                rec = {"generation": gen, "curve": f"generation {gen}", "examples": seen,
                       "examples_total": total_seen, "loss": float(np.mean(losses)) if losses else math.nan,
                       **ev, "ai_labels": counts["n_ai"], "clean_labels": counts["n_clean"],
                       "ai_invalid_frac": counts["n_invalid"] / n_ai if counts["n_ai"] else 0.0,
                       "ai_wrong_frac": counts["n_ai_wrong"] / n_ai if counts["n_ai"] else 0.0,
                       "clean_frac": p["clean_frac"], "elapsed_s": elapsed,
                       "examples_per_s": seen / max(time.time() - gen_t0, 1e-9)}
                losses = []
                report(record=rec, progress=total_seen / (gens * T),
                       message=f"gen {gen} · {seen}/{T}: acc {ev['acc']:.3f}, learned {ev['n_learned']}, "
                               f"ceiling {ev['ceiling']:.3f}")
        per_gen.append({"generation": gen, "acc": rec["acc"], "acc_se": rec["acc_se"], "n_learned": rec["n_learned"],
                        "learned": rec["learned"], "ceiling": rec["ceiling"], "acc_weighted": rec["acc_weighted"],
                        "ai_wrong_frac": rec["ai_wrong_frac"], "ai_invalid_frac": rec["ai_invalid_frac"],
                        "seconds": time.time() - gen_t0})
        prev = model
    elapsed = time.time() - t0
    final = {f"acc_gen{r['generation']}": r["acc"] for r in per_gen}
    final.update({f"learned_gen{r['generation']}": r["n_learned"] for r in per_gen})
    final.update({f"ceiling_gen{r['generation']}": r["ceiling"] for r in per_gen})
    eps = total_seen / max(train_time, 1e-9)
    return {"final": final, "per_generation": per_gen, "device": device, "threads": threads,
            "elapsed_s": elapsed, "train_examples_per_s": eps, "model": cfg.to_dict(),
            "n_params": n_params(prev) if prev is not None else 0,
            "train_flops_per_s": eps * fpt * (nd + 2)}
