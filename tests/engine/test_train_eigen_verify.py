"""Task eigen_verify (verification.md §2.1, §4.1, §5.3): data, P1000 labels, the verifiers on
hand-built batches, the audit φ̂/ψ̂/p̂⋆, one training step, parameter validation, and a tiny
run end to end through engine.runs with a store in tmp_path."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.params import ParamError
from engine.runs import RunInfo, RunStore, make_spec
from engine.runs.worker import execute
from engine.train import eigen_verify as ev
from engine.train.tokenizers import EOS, PAD


# ----------------------------------------------------------------------------- data (§4.1)
def test_matrices_are_symmetric_uniform_and_eigenvalues_match_numpy() -> None:
    rng = np.random.default_rng(0)
    M = ev.sample_matrices(rng, 20000, 3)
    assert M.shape == (20000, 3, 3)
    assert np.array_equal(M, np.swapaxes(M, 1, 2))
    assert M.min() >= -10 and M.max() <= 10
    # the six free entries are U[-10, 10]: mean 0, variance 100/3, and uncorrelated
    free = M[:, np.triu_indices(3)[0], np.triu_indices(3)[1]]
    assert np.all(np.abs(free.mean(axis=0)) < 4 * math.sqrt(100 / 3 / 20000))
    assert np.all(np.abs(free.var(axis=0) - 100 / 3) < 1.0)
    assert abs(np.corrcoef(free[:, 0], free[:, 1])[0, 1]) < 0.03
    lam = ev.eigenvalues(M)
    ref = np.sort(np.linalg.eigvalsh(M), axis=1)[:, ::-1]
    np.testing.assert_allclose(lam, ref, rtol=0, atol=1e-10)
    assert np.all(np.diff(lam, axis=1) <= 0)  # decreasing
    np.testing.assert_allclose(lam.sum(1), np.trace(M, axis1=1, axis2=2), atol=1e-9)
    np.testing.assert_allclose(lam.prod(1), np.linalg.det(M), rtol=1e-8, atol=1e-8)


def test_hand_matrix() -> None:
    M = np.array([[[2.0, 1.0], [1.0, 2.0]]])
    np.testing.assert_allclose(ev.eigenvalues(M), [[3.0, 1.0]], atol=1e-12)


def test_p1000_labels_round_trip_to_three_significant_digits() -> None:
    vocab = ev.make_vocab(5)
    rng = np.random.default_rng(1)
    lam = ev.eigenvalues(ev.sample_matrices(rng, 2000, 5))
    rows = ev.encode_labels(vocab, lam)
    assert all(len(r) == ev.tgt_len(5) and r[-1] == EOS for r in rows)
    back = ev.decode_labels(vocab, rows, 5)
    assert np.all(np.isfinite(back))
    assert np.all(np.abs(back - lam) <= 0.005 * np.abs(lam) + 1e-12)  # 3 significant digits, rounded
    # the input encoding: V3 V3 + 3 tokens per entry
    src = ev.encode_inputs(vocab, ev.sample_matrices(rng, 4, 3))
    assert all(len(s) == ev.src_len(3) == 29 for s in src)
    assert vocab.decode(src[0][:2]) == ["V3", "V3"]


def test_relative_error_and_undecodable_outputs() -> None:
    true = np.array([[3.0, -1.0], [2.0, 2.0]])
    pred = np.array([[3.1, -1.1], [np.nan, 2.0]])
    err = ev.rel_error(pred, true)
    assert err[0] == pytest.approx(0.2 / 4.0)
    assert err[1] == math.inf  # undecodable counts as wrong
    vocab = ev.make_vocab(3)
    bad = [[vocab.id("V2"), vocab.id("V1"), vocab.id("+"), EOS, PAD]]  # truncated vector
    assert np.all(np.isnan(ev.decode_labels(vocab, bad, 2)))
    wrong_shape = ev.encode_labels(vocab, np.array([[1.0, 2.0, 3.0]]))  # a 3-vector for n = 2
    assert np.all(np.isnan(ev.decode_labels(vocab, wrong_shape, 2)))


def test_label_rows_cut_after_eos() -> None:
    rows = np.array([[7, 8, EOS, PAD, PAD], [7, 8, 9, 10, 11]])
    assert ev.label_rows(rows) == [[7, 8, EOS], [7, 8, 9, 10, 11, EOS]]


# ----------------------------------------------------------------------------- verifiers (§5.3.4)
def test_oracle_keeps_exactly_the_correct_ones() -> None:
    correct = np.array([True, False, True, True, False])
    assert ev.oracle_keep(correct).tolist() == [True, False, True, True, False]


def test_noisy_oracle_flips_at_rate_rho() -> None:
    n, rho = 200_000, 0.3
    correct = np.random.default_rng(2).random(n) < 0.4
    keep = ev.noisy_oracle_keep(correct, rho, np.random.default_rng(3))
    flipped = keep != correct
    tol = 4 * math.sqrt(rho * (1 - rho) / n)
    assert abs(flipped.mean() - rho) < tol
    a = ev.audit(keep, correct)  # φ = 1 − ρ, ψ = ρ, p* = 1 − ρ
    assert abs(a["phi_hat"] - (1 - rho)) < 4 * math.sqrt(rho * (1 - rho) / correct.sum())
    assert abs(a["psi_hat"] - rho) < 4 * math.sqrt(rho * (1 - rho) / (~correct).sum())
    assert abs(a["p_star_hat"] - (1 - rho)) < 0.01
    assert np.array_equal(ev.noisy_oracle_keep(correct, 0.0, np.random.default_rng(0)), correct)
    assert np.array_equal(ev.noisy_oracle_keep(correct, 1.0, np.random.default_rng(0)), ~correct)


def test_best_of_beam_picks_the_smallest_error_and_rejects_when_none_is_within_tau() -> None:
    errors = np.array([
        [0.30, 0.02, 0.08, np.inf],  # best is candidate 1, within τ
        [0.20, 0.15, 0.12, 0.11],  # best is candidate 3, not within τ = 0.05
        [0.01, 0.01, 0.50, 0.04],  # tie: the first (the top-1) wins
        [np.inf, np.inf, np.inf, 0.049],  # only the last decodes
        [np.inf, np.inf, np.inf, np.inf],  # nothing decodes
    ])
    keep, choice = ev.best_of_beam(errors, 0.05)
    assert choice.tolist()[:4] == [1, 3, 0, 3]
    assert keep.tolist() == [True, False, True, True, False]


def test_self_verification_keeps_by_the_score_quantile() -> None:
    scores = np.array([-0.5, -3.0, -1.0, -0.1, -2.0, -4.0, -0.2, -1.5])
    thr = ev.quantile_threshold(scores, 0.5)  # median of the 8 scores: (−1.0 − 1.5)/2
    assert thr == pytest.approx(-1.25)
    assert ev.self_verify_keep(scores, thr).tolist() == [True, False, True, True, False, False, True, False]
    assert ev.self_verify_keep(scores, ev.quantile_threshold(scores, 0.0)).all()  # q = 0 keeps all


def test_random_subsampling_keeps_the_matched_count() -> None:
    keep = ev.random_matched(1000, 237, np.random.default_rng(4))
    assert keep.shape == (1000,) and keep.sum() == 237
    keep2 = ev.random_matched(1000, 237, np.random.default_rng(5))
    assert keep2.sum() == 237 and not np.array_equal(keep, keep2)
    assert ev.random_matched(10, 0, np.random.default_rng(0)).sum() == 0
    assert ev.random_matched(10, 10, np.random.default_rng(0)).all()


def test_audit_against_hand_counts() -> None:
    keep = np.array([1, 1, 0, 0, 1, 0, 1], bool)
    correct = np.array([1, 1, 1, 1, 0, 0, 0], bool)
    a = ev.audit(keep, correct)  # 2 of 4 correct kept, 2 of 3 wrong kept
    assert a["phi_hat"] == pytest.approx(0.5)
    assert a["psi_hat"] == pytest.approx(2 / 3)
    assert a["p_star_hat"] == pytest.approx(0.5 / (0.5 + 2 / 3))  # = 3/7
    assert a["p_star_hat"] == pytest.approx(3 / 7)
    assert a["kept"] == 4 and a["purity"] == pytest.approx(0.5) and a["pool_acc"] == pytest.approx(4 / 7)
    oracle = ev.audit(correct, correct)
    assert (oracle["phi_hat"], oracle["psi_hat"], oracle["p_star_hat"]) == (1.0, 0.0, 1.0)
    none = ev.audit(np.ones(7, bool), correct)
    assert none["p_star_hat"] == 0.5
    allright = ev.audit(np.ones(3, bool), np.ones(3, bool))  # no wrong samples: ψ̂ undefined
    assert math.isnan(allright["psi_hat"]) and allright["phi_hat"] == 1.0


def test_verifier_decisions_on_a_hand_built_pool() -> None:
    p = dict(make_spec("eigen_verify", {"verifiers": "all", "tau": 0.05, "flip_points": 1,
                                                              "flip_hi": 0.0, "flip_lo": 0.0,
                                                              "self_quantile": 0.5}).params)
    errors = np.array([[0.01, 0.2], [0.3, 0.04], [0.2, 0.3], [0.02, 0.01]])
    scores = np.array([[-0.1, -2.0], [-3.0, -4.0], [-1.0, -1.5], [-0.5, -0.6]])
    d = ev.verifier_decisions(p, errors, scores, np.random.default_rng(0))
    assert d["none"]["keep"].all()
    assert d["oracle"]["keep"].tolist() == [True, False, False, True]
    assert d["noisy_oracle_0"]["keep"].tolist() == [True, False, False, True]  # ρ = 0 is the oracle
    assert d["best_of_beam"]["keep"].tolist() == [True, True, False, True]
    assert d["best_of_beam"]["choice"].tolist() == [0, 1, 0, 1]
    assert d["best_of_beam"]["correct"].tolist() == [True, True, False, True]
    assert d["self_verify"]["keep"].tolist() == [True, False, False, True]  # median of the top-1 scores = −0.75
    assert ev.audit(d["best_of_beam"]["keep"], d["best_of_beam"]["correct"])["p_star_hat"] == 1.0


# ----------------------------------------------------------------------------- training
def test_one_training_step_lowers_the_loss() -> None:
    from engine.train.seq2seq import pad_batch, teacher_forcing_loss

    p = dict(make_spec("eigen_verify", {}).params)
    vocab = ev.make_vocab(p["n"])
    rng = np.random.default_rng(6)
    M = ev.sample_matrices(rng, 32, p["n"])
    src = pad_batch(ev.encode_inputs(vocab, M))
    tgt = pad_batch(ev.encode_labels(vocab, ev.eigenvalues(M)))
    model = ev.build_model(p, len(vocab), 0, 20, "cpu")
    with torch.no_grad():
        before = float(teacher_forcing_loss(model, src, tgt))
    ev.train(model, src, tgt, steps=3, batch=32, lr=1e-3, g=torch.Generator().manual_seed(0))
    with torch.no_grad():
        after = float(teacher_forcing_loss(model, src, tgt))
    assert after < before
    # the same (seed, salt) gives the same initialisation
    a, b = ev.build_model(p, len(vocab), 0, 20, "cpu"), ev.build_model(p, len(vocab), 0, 20, "cpu")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_numeric_init_makes_nearby_mantissas_similar() -> None:
    p = dict(make_spec("eigen_verify", {}).params)
    vocab = ev.make_vocab(p["n"])
    model = ev.build_model(p, len(vocab), 0, 20, "cpu")
    E = model.tok.weight.detach()

    def dist(a: int, b: int) -> float:
        return float((E[vocab.id(str(a))] - E[vocab.id(str(b))]).norm())

    assert dist(500, 501) < 0.2 * dist(500, 900)
    assert dist(500, 501) < 0.2 * dist(500, 100)
    # sin/cos pairs: every mantissa row has squared norm d/2 (feature k: sin² + cos² = 1)
    assert float(E[vocab.id("123")].pow(2).sum()) == pytest.approx(p_d := model.cfg.d_model / 2, rel=1e-5)
    assert p_d == 32


def test_learning_rate_schedule() -> None:
    lrs = [ev.lr_at(s, 100, 1.0) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.1, abs=0.01)
    assert all(x >= y for x, y in zip(lrs[9:], lrs[10:]))


# ----------------------------------------------------------------------------- parameters
def test_parameter_validation() -> None:
    with pytest.raises(ParamError, match="N_min"):
        make_spec("eigen_verify", {"N_min": 5000, "N_max": 1000})
    with pytest.raises(ParamError, match="flip_lo"):
        make_spec("eigen_verify", {"flip_lo": 0.6, "flip_hi": 0.4})
    with pytest.raises(ParamError, match="tau"):
        make_spec("eigen_verify", {"tau": 0.0})
    with pytest.raises(ParamError, match="verifiers"):
        make_spec("eigen_verify", {"verifiers": "everything"})
    with pytest.raises(ParamError, match="random_match"):
        make_spec("eigen_verify", {"random_match": "none"})
    with pytest.raises(ParamError, match="random_match"):  # random must match a verifier of the same run
        make_spec("eigen_verify", {"random_match": "self_verify", "verifiers": "baseline"})
    make_spec("eigen_verify", {"random_match": "self_verify", "verifiers": "core"})
    with pytest.raises(ParamError, match="too large"):
        make_spec("eigen_verify", {"size": "gpu", "n": 8, "retrain_steps": 100_000, "N_points": 12,
                                   "verifiers": "all"})
    p = dict(make_spec("eigen_verify", {"verifiers": "all", "flip_lo": 0.1, "flip_hi": 0.5,
                                        "flip_points": 3}).params)
    assert ev.verifier_names(p) == ["none", "oracle", "noisy_oracle_0.1", "noisy_oracle_0.3", "noisy_oracle_0.5",
                                    "best_of_beam", "self_verify", "random"]
    default = dict(make_spec("eigen_verify", {}).params)
    assert ev.work_estimate(default) < ev.WORK_CAP / 10  # the default CPU run is far below the cap


# ----------------------------------------------------------------------------- end to end
def test_tiny_run_end_to_end_through_the_store(tmp_path) -> None:
    store = RunStore(tmp_path / "runs")
    spec = make_spec("eigen_verify", {"gen_steps": 40, "retrain_steps": 5, "N_min": 60, "N_max": 120,
                                      "n_test": 60, "n_real": 200, "eval_every": 20, "batch": 32, "tau": 0.5,
                                      "verifiers": "all", "flip_points": 1, "flip_hi": 0.3}, 0)
    path = store.create(spec)
    assert execute(store, path) == 0
    info = store.get(spec.run_id)
    assert isinstance(info, RunInfo) and info.state == "done"
    recs = store.metrics(info.path)
    gen = [r for r in recs if r["phase"] == "generator"]
    cells = [r for r in recs if r["phase"] == "cell"]
    assert [r["step"] for r in gen] == [20, 40] and gen[0]["examples"] == 640
    names = ["none", "oracle", "noisy_oracle_0.3", "best_of_beam", "self_verify", "random"]
    assert [(r["verifier"], r["N"]) for r in cells] == [(v, N) for v in names for N in (60, 120)]
    by = {(r["verifier"], r["N"]): r for r in cells}
    assert by[("none", 120)]["kept"] == 120 and by[("none", 120)]["keep_frac"] == 1.0
    for N in (60, 120):
        assert by[("random", N)]["kept"] == by[("oracle", N)]["kept"]  # matched count
        o = by[("oracle", N)]
        assert o["kept"] == round(o["pool_acc"] * N)  # the oracle keeps exactly the correct top-1 answers
        for v in names:
            assert 0.0 <= by[(v, N)]["acc"] <= 1.0
    res = info.result
    assert 0.0 <= res["generator_acc"] <= 1.0 and res["device"] == "cpu"
    assert res["throughput_examples_per_s"] > 0
    assert set(res["per_verifier"]) == set(names)
    assert all(r["generator_acc"] == res["generator_acc"] for r in cells)
    # the page helpers read the run back
    frame = ev.cells_frame(store)
    assert len(frame) == len(cells) and set(frame["run_id"]) == {spec.run_id}
    fin = ev.final_points(frame)
    assert sorted(fin["verifier"]) == sorted(names) and set(fin["N"]) == {120}
    assert ev.store_stamp(store.root) > 0
