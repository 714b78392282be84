"""Tokenizer round trips (issue 7): integers exactly in base 10 and 1000, P1000 floats to
three significant digits, matrices, and malformed input decoding to None."""

import math

import numpy as np
import pytest

from engine.train.tokenizers import (BOS, EOS, PAD, Vocab, decode_float, decode_int, decode_matrix, dim_tokens,
                                     encode_float, encode_int, encode_matrix, int_tokens, p1000_tokens)


@pytest.mark.parametrize("base", [10, 1000])
def test_integers_round_trip_exactly(base):
    rng = np.random.default_rng(0)
    values = [0, 1, base - 1, base, base + 1, 10**6, -7, -(10**6)] + [int(v) for v in rng.integers(-10**9, 10**9, 500)]
    vocab = Vocab(int_tokens(base))
    for v in values:
        toks = encode_int(v, base)
        assert decode_int(toks, base) == v
        assert decode_int(vocab.decode(vocab.encode(toks) + [EOS, PAD]), base) == v


def test_integer_encoding_matches_charton_example():
    # tails.md §5.1: in base 1000, 1024 -> "+ 1 24" and 16 -> "+ 16"
    assert encode_int(1024, 1000) == ["+", "1", "24"]
    assert encode_int(16, 1000) == ["+", "16"]
    assert encode_int(1024, 10) == ["+", "1", "0", "2", "4"]


@pytest.mark.parametrize("toks", [[], ["+"], ["1", "2"], ["+", "x"], ["+", "1000"], ["*", "3"]])
def test_malformed_integers_decode_to_none(toks):
    assert decode_int(toks, 1000) is None


def test_p1000_round_trip_three_significant_digits():
    rng = np.random.default_rng(1)
    xs = np.concatenate([rng.uniform(-50, 50, 2000), 10.0 ** rng.uniform(-30, 30, 500), [9.995, 999.5, -0.001, 1.0]])
    for x in xs:
        toks = encode_float(x)
        assert len(toks) == 3
        m = int(toks[1])
        assert 100 <= m <= 999
        y = decode_float(toks)
        assert math.copysign(1, y) == math.copysign(1, x)
        # three significant digits: |y - x| <= half a unit in the third digit of |x| (plus float slack)
        assert abs(y - x) <= 0.5 * 10 ** (math.floor(math.log10(abs(x))) - 2) * (1 + 1e-9) + 1e-12 * abs(x)


def test_p1000_exact_values_and_zero():
    assert encode_float(0.0) == ["+", "0", "E0"] and decode_float(["+", "0", "E0"]) == 0.0
    assert encode_float(-3.14159) == ["-", "314", "E-2"]
    assert decode_float(["-", "314", "E-2"]) == -3.14
    assert encode_float(1000.0) == ["+", "100", "E1"]
    assert decode_float(["+", "123", "E3"]) == 123000.0


@pytest.mark.parametrize("toks", [["+", "12"], ["+", "1000", "E0"], ["+", "12", "X3"], ["?", "123", "E0"],
                                  ["+", "123", "E101"]])
def test_malformed_floats_decode_to_none(toks):
    assert decode_float(toks) is None


def test_matrix_round_trip_and_layout():
    rng = np.random.default_rng(2)
    a = rng.uniform(-10, 10, (5, 5))
    a = np.tril(a) + np.tril(a, -1).T
    toks = encode_matrix(a)
    assert len(toks) == 2 + 25 * 3 and toks[:2] == ["V5", "V5"]  # verification.md §4.1: 77 input tokens
    back = decode_matrix(toks)
    assert back.shape == (5, 5)
    np.testing.assert_allclose(back, a, rtol=5e-3)
    ev = np.sort(np.linalg.eigvalsh(a))[::-1]
    vt = encode_matrix(ev)
    assert len(vt) == 17 and vt[:2] == ["V5", "V1"]
    np.testing.assert_allclose(decode_matrix(vt)[:, 0], ev, rtol=5e-3)
    vocab = Vocab(p1000_tokens() + dim_tokens(5))
    assert decode_matrix(vocab.decode(vocab.encode(vt))) is not None
    assert decode_matrix(toks[:-1]) is None
    assert decode_matrix(["V2"]) is None


def test_vocab_specials_and_decode_stops_at_eos():
    v = Vocab(["a", "b", "a"])
    assert len(v) == 5 and v.id("a") == 3 and v.tok(4) == "b"
    assert v.decode([BOS, 3, PAD, 4, EOS, 3]) == ["a", "b"]
