"""Task gcd_collapse (tails.md §5): data, encoding, labelling of generations, mixing, learned set
and ceiling, a training step, parameter validation, a tiny run through the run store."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.params import ParamError
from engine.runs import RunStore, make_spec
from engine.runs import worker
from engine.train import gcd_collapse as gc
from engine.train.tokenizers import Vocab, decode_int, encode_int, int_tokens

TINY = {"M": 1000, "examples": 1000, "batch": 250, "eval_every": 500, "test_size": 100, "per_gcd": 5,
        "generations": 1}


def test_gcd_of_uniform_pairs_follows_6_over_pi2_k2() -> None:
    # §5.1: P(1) = 0.6079, P(2) = 0.1520, P(5) = 0.0243 (printed to 4 digits: allowance 5e-5;
    # M = 1e6 moves them by < 1e-5)
    n = 400_000
    _, _, g = gc.sample_pairs(np.random.default_rng(0), n, 10**6)
    for k, p in ((1, 0.6079), (2, 0.1520), (5, 0.0243)):
        freq = float(np.mean(g == k))
        assert abs(freq - p) <= 4 * math.sqrt(p * (1 - p) / n) + 5e-5, (k, freq, p)


def test_sampled_operands_are_in_range() -> None:
    a, b, g = gc.sample_pairs(np.random.default_rng(1), 50_000, 37)
    assert a.min() == 1 and b.min() == 1 and a.max() == 37 and b.max() == 37
    assert np.array_equal(g, np.array([math.gcd(int(x), int(y)) for x, y in zip(a, b)]))


def test_uniform_gcd_test_set_is_uniform_and_correct() -> None:
    M, per = 10**6, 30
    a, b, g = gc.uniform_gcd_pairs(np.random.default_rng(2), per, M)
    assert a.shape == b.shape == g.shape == (100 * per,)
    assert np.array_equal(np.bincount(g, minlength=101)[1:], np.full(100, per))
    assert all(math.gcd(int(x), int(y)) == int(k) for x, y, k in zip(a, b, g))
    assert a.min() >= 1 and b.min() >= 1 and a.max() <= M and b.max() <= M
    # the cofactors spread over {1..M/k}: for k = 1 the operands are not confined to small values
    assert np.median(a[g == 1]) > M / 10


def test_codec_matches_the_tokenizer_and_round_trips() -> None:
    rng = np.random.default_rng(3)
    for base in (10, 1000, 7):
        codec = gc.IntCodec(base)
        vocab = Vocab(int_tokens(base))
        for n in [1, base - 1, base, base**2 + 1, *rng.integers(1, 10**6, size=50).tolist()]:
            assert codec.ids(n) == vocab.encode(encode_int(n, base))
            assert decode_int(vocab.decode(codec.ids(n) + [2]), base) == n
    codec = gc.IntCodec(1000)
    assert codec.ids(1024) == Vocab(int_tokens(1000)).encode(["+", "1", "24"])
    src = codec.source([1024], [16])[0]
    assert src == codec.ids(1024) + codec.ids(16)
    plus, d5 = codec.plus, int(codec.digit_id[5])
    # a digit first (no sign), a lone sign, a sign in the middle: malformed
    assert codec.values([[d5, 2], [plus, 2], [plus, d5, plus, 2], [plus, d5, 2, 0]]) == [None, None, None, 5]


def test_batch_labels_come_from_the_previous_model_and_mix_clean_data() -> None:
    def stub(a: np.ndarray, b: np.ndarray) -> list:
        return [int(x % 7) + 1 for x in a]  # a fake "previous generation"

    n, pi = 20_000, 0.3
    batch = gc.make_batch(np.random.default_rng(4), n, 10**6, pi, stub)
    clean = batch["clean"]
    assert len(batch["a"]) == n and batch["n_invalid"] == 0 and batch["n_ai"] == n - clean.sum()
    assert np.array_equal(batch["label"][~clean], batch["a"][~clean] % 7 + 1)
    assert np.array_equal(batch["label"][clean], np.gcd(batch["a"], batch["b"])[clean])
    assert abs(clean.mean() - pi) <= 4 * math.sqrt(pi * (1 - pi) / n)
    wrong = int((batch["a"][~clean] % 7 + 1 != np.gcd(batch["a"], batch["b"])[~clean]).sum())
    assert batch["n_ai_wrong"] == wrong
    # π = 0: every label is the stub's; generation 0 (no labeller): every label is true
    b0 = gc.make_batch(np.random.default_rng(5), 500, 10**6, 0.0, stub)
    assert not b0["clean"].any() and np.array_equal(b0["label"], b0["a"] % 7 + 1)
    g0 = gc.make_batch(np.random.default_rng(5), 500, 10**6, 0.5, None)
    assert g0["clean"].all() and np.array_equal(g0["label"], np.gcd(g0["a"], g0["b"])) and g0["n_ai"] == 0


def test_invalid_ai_labels_are_dropped_and_counted() -> None:
    def stub(a: np.ndarray, b: np.ndarray) -> list:
        return [None if x % 3 == 0 else (0 if x % 3 == 1 else 4) for x in a]

    batch = gc.make_batch(np.random.default_rng(6), 900, 10**6, 0.0, stub)
    assert len(batch["a"]) == int(batch["n_ai"]) - int(batch["n_invalid"])
    assert batch["n_ai"] == 900 and batch["n_invalid"] > 0
    assert (batch["label"] == 4).all() and (batch["a"] % 3 == 2).all()
    # split into training batches of 100 drawn inputs: each keeps its own valid rows, in order
    parts = list(gc.batches_of(batch, 900, 100))
    assert [n for _, n in parts] == [100] * 9
    assert np.array_equal(np.concatenate([b["a"] for b, _ in parts]), batch["a"])
    assert [len(b["a"]) for b, _ in parts] == [int(np.sum((batch["index"] >= s) & (batch["index"] < s + 100)))
                                              for s in range(0, 900, 100)]


def test_learned_set_and_ceiling_against_hand_values() -> None:
    acc = np.full(100, 0.2)
    acc[[0, 1, 3, 4]] = [1.0, 0.95, 0.9, 0.92]  # GCDs 1, 2, 4, 5
    acc[6] = np.nan  # no test pair of GCD 7
    learned = gc.learned_set(acc, 0.9)
    assert learned == [1, 2, 4, 5]
    assert math.isclose(gc.ceiling(learned), (6 / math.pi**2) * (1 + 1 / 4 + 1 / 16 + 1 / 25), rel_tol=1e-12)
    assert gc.learned_set(acc, 0.93) == [1, 2]
    assert gc.ceiling([]) == 0.0
    pred = [1, 2, None, 4, 3, 3]
    g = np.array([1, 2, 2, 3, 3, 3])
    by = gc.per_gcd_accuracy(pred, g, max_gcd=4)
    assert by[0] == 1.0 and by[1] == 0.5 and math.isclose(by[2], 2 / 3) and np.isnan(by[3])
    w = gc.weighted_accuracy([1.0, 0.5])
    assert math.isclose(w, (6 / math.pi**2) * (1 + 0.5 / 4), rel_tol=1e-12)


def test_theory_line_is_the_base_divisor_ceiling() -> None:
    # §5.1: 2^a 5^b -> 0.8443 (base 10 or 1000); with 3 as well (base 30) -> 0.9499
    for base, want in ((1000, 0.8443), (10, 0.8443), (30, 0.9499)):
        th = gc.theory_frame({"base": base, "examples": 5000})
        assert list(th["examples"]) == [0.0, 5000.0]
        assert abs(th["ceiling"].iloc[0] - want) < 5e-5 and th["ceiling"].nunique() == 1
    assert gc.base_primes(1000) == (2, 5) and gc.base_primes(30) == (2, 3, 5) and gc.base_primes(7) == (7,)
    assert gc.n_digits(10**6, 1000) == 3 and gc.n_digits(999, 1000) == 1 and gc.n_digits(10**6, 10) == 7


@pytest.mark.parametrize("size", ["cpu", "gpu"])
def test_a_few_training_steps_lower_the_loss(size: str) -> None:
    """Both model sizes; the gpu one (Charton's 4 + 4 layers, d 256) also trains here, on the CPU."""
    import torch

    from engine.train.seq2seq import pad_batch, teacher_forcing_loss

    p = make_spec("gcd_collapse", {"M": 10**6, "base": 1000, "size": size}, 0).params
    model = gc.new_model(p, 0, 0, "cpu")
    want = gc.SIZES[size]
    assert model.cfg.d_model == want["d_model"]
    assert len(model.encoder.layers) == want["enc_layers"] and len(model.decoder.layers) == want["dec_layers"]
    from engine.train.seq2seq import make_optimizer

    opt = make_optimizer(model, 3e-3)
    codec = gc.IntCodec(1000)
    batch = gc.make_batch(np.random.default_rng(7), 64, 10**6, 0.0, None)
    src = pad_batch(codec.source(batch["a"], batch["b"]))
    tgt = pad_batch(codec.target(batch["label"]))
    with torch.no_grad():
        before = float(teacher_forcing_loss(model, src, tgt))
    for _ in range(10):
        gc.train_on_batch(model, opt, codec, batch, "cpu")
    with torch.no_grad():
        after = float(teacher_forcing_loss(model, src, tgt))
    assert after < 0.8 * before, (before, after)


def test_generation_j_is_labelled_by_generation_j_minus_1(monkeypatch) -> None:
    created, used = [], []
    real_new, real_lab = gc.new_model, gc.model_labeller

    def new_model(*args, **kw):
        created.append(real_new(*args, **kw))
        return created[-1]

    def labeller(model, *args, **kw):
        if "generator" in kw:  # the training labeller (evaluation decodes greedily without one)
            used.append(model)
        return real_lab(model, *args, **kw)

    monkeypatch.setattr(gc, "new_model", new_model)
    monkeypatch.setattr(gc, "model_labeller", labeller)
    spec = make_spec("gcd_collapse", {**TINY, "generations": 2}, 0)
    records = []
    gc.run(spec, lambda record=None, progress=None, message=None: records.append(record) if record else None,
           device="cpu")
    # generation 1's AI labels come from generation 0, generation 2's from generation 1
    assert len(created) == 3 and len(used) == 2
    assert used[0] is created[0] and used[1] is created[1]
    gens = [r["generation"] for r in records]
    assert gens == [0, 0, 1, 1, 2, 2]
    assert all(r["ai_labels"] == 0 for r in records if r["generation"] == 0)
    assert all(r["ai_labels"] > 0 for r in records if r["generation"] > 0)


def test_parameter_validation() -> None:
    with pytest.raises(ParamError, match="label_mode"):
        make_spec("gcd_collapse", {"label_mode": "beam"}, 0)
    with pytest.raises(ParamError, match="clean_frac"):
        make_spec("gcd_collapse", {"clean_frac": 1.5}, 0)
    with pytest.raises(ParamError, match="base"):
        make_spec("gcd_collapse", {"base": 1000, "M": 500}, 0)
    with pytest.raises(ParamError, match="too large"):
        make_spec("gcd_collapse", {"examples": 10**8, "generations": 10}, 0)
    with pytest.raises(ParamError, match="base"):
        make_spec("gcd_collapse", {"base": 1}, 0)
    spec = make_spec("gcd_collapse", {}, 0)
    assert spec.params["base"] == 1000 and spec.params["size"] == "cpu" and spec.params["clean_frac"] == 0.0


def test_tiny_run_through_the_run_store(tmp_path) -> None:
    store = RunStore(tmp_path / "runs")
    spec = make_spec("gcd_collapse", {**TINY, "clean_frac": 0.5, "label_mode": "sample", "top_p": 0.9}, 3)
    path = store.create(spec)
    assert worker.execute(store, path) == 0
    info = store.get(spec.run_id)
    assert info.state == "done"
    recs = store.metrics(path)
    assert [(r["generation"], r["examples"]) for r in recs] == [(0, 500), (0, 1000), (1, 500), (1, 1000)]
    for r in recs:
        assert 0.0 <= r["acc"] <= 1.0 and len(r["acc_by_gcd"]) == 100 and r["n_learned"] == len(r["learned"])
        assert math.isclose(r["ceiling"], sum(6 / math.pi**2 / k**2 for k in r["learned"]), rel_tol=1e-12)
        assert r["examples_per_s"] > 0 and r["elapsed_s"] > 0
    g1 = [r for r in recs if r["generation"] == 1][-1]
    assert g1["ai_labels"] + g1["clean_labels"] == 1000
    assert abs(g1["clean_labels"] / 1000 - 0.5) <= 4 * math.sqrt(0.25 / 1000)
    res = info.result
    assert [g["generation"] for g in res["per_generation"]] == [0, 1]
    assert set(res["final"]) == {f"{k}_gen{j}" for k in ("acc", "learned", "ceiling") for j in (0, 1)}
    assert res["device"] == "cpu" and res["train_examples_per_s"] > 0
