"""The shared transformer (engine/train/seq2seq.py): it learns a copy task on CPU, greedy
decoding equals the best beam when the model is confident, decoding masks after EOS, and
PAD in the source does not change the output."""

import pytest

import torch

from engine.train.seq2seq import (Seq2Seq, Seq2SeqConfig, beam_search, greedy_decode, make_optimizer, pad_batch,
                                  sample_decode, teacher_forcing_loss, train_step)
from engine.train.tokenizers import EOS, PAD, Vocab, decode_int, encode_int, int_tokens


def _copy_batch(gen, vocab, n):
    xs = torch.randint(0, 1000, (n,), generator=gen).tolist()
    src = pad_batch([vocab.encode(encode_int(x, 10)) for x in xs])
    tgt = pad_batch([vocab.encode(encode_int(x, 10)) + [EOS] for x in xs])
    return xs, src, tgt


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    vocab = Vocab(int_tokens(10))
    model = Seq2Seq(Seq2SeqConfig(len(vocab), d_model=64, n_heads=4, enc_layers=1, dec_layers=1, max_len=16))
    opt = make_optimizer(model, 2e-3)
    gen = torch.Generator().manual_seed(1)
    _, src0, tgt0 = _copy_batch(gen, vocab, 64)
    before = float(teacher_forcing_loss(model, src0, tgt0).detach())
    for _ in range(250):
        _, src, tgt = _copy_batch(gen, vocab, 64)
        train_step(model, opt, src, tgt)
    after = float(teacher_forcing_loss(model, src0, tgt0).detach())
    return vocab, model, before, after


def test_training_lowers_the_loss(trained):
    _, _, before, after = trained
    assert after < 0.2 * before


def test_greedy_decoding_solves_the_copy_task_and_matches_beam(trained):
    vocab, model, _, _ = trained
    xs, src, _ = _copy_batch(torch.Generator().manual_seed(7), vocab, 100)
    ids, logp = greedy_decode(model, src, 8)
    got = [decode_int(vocab.decode(r.tolist()), 10) for r in ids]
    assert sum(g == x for g, x in zip(got, xs)) >= 95
    assert (logp <= 0).all()
    bids, scores = beam_search(model, src, 4, 8)
    assert bids.shape[:2] == (100, 4)
    assert (scores[:, :-1] >= scores[:, 1:] - 1e-5).all()  # best first
    # the greedy path is a beam candidate, so the best beam scores at least as high
    assert (scores[:, 0] >= logp - 1e-4).all()
    # after EOS only PAD follows
    for row in ids.tolist():
        if EOS in row:
            assert all(t == PAD for t in row[row.index(EOS) + 1:])


def test_sampling_with_tiny_top_p_is_greedy(trained):
    vocab, model, _, _ = trained
    _, src, _ = _copy_batch(torch.Generator().manual_seed(8), vocab, 50)
    g_ids, _ = greedy_decode(model, src, 8)
    s_ids, _ = sample_decode(model, src, 8, temperature=1.0, top_p=1e-6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(g_ids, s_ids)


def test_source_padding_does_not_change_the_output(trained):
    vocab, model, _, _ = trained
    src = pad_batch([vocab.encode(encode_int(5, 10))])
    padded = torch.cat([src, torch.full((1, 5), PAD)], dim=1)
    model.eval()
    tgt_in = torch.tensor([[1, vocab.id("+")]])
    with torch.no_grad():
        a = model(src, tgt_in)
        b = model(padded, tgt_in)
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
