"""A small encoder–decoder transformer for the tasks ``gcd_collapse`` and ``eigen_verify``
(the sequence-to-sequence models of Charton's GCD and linear-algebra work: tails.md §5.1,
verification.md §4.1), with teacher-forcing loss, greedy decoding and beam search.

Pre-LayerNorm blocks, learned positions, no dropout; PAD (id 0) is masked in attention and
in the loss. torch is imported here, so task modules import this lazily (inside ``run``).
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from engine.train.tokenizers import BOS, EOS, PAD


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes of the model (``max_len`` bounds both the source and the target length)."""

    vocab_size: int
    d_model: int = 128
    n_heads: int = 4
    enc_layers: int = 2
    dec_layers: int = 1
    ffn_mult: int = 4
    max_len: int = 128

    def to_dict(self) -> dict:
        return asdict(self)


class Seq2Seq(nn.Module):
    """``model(src (B,S), tgt_in (B,L)) -> logits (B,L,V)``; tgt_in starts with BOS."""

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        if cfg.d_model % cfg.n_heads:
            raise ValueError(f"d_model = {cfg.d_model} must be a multiple of n_heads = {cfg.n_heads}")
        self.cfg = cfg
        d = cfg.d_model
        self.tok = nn.Embedding(cfg.vocab_size, d, padding_idx=PAD)
        self.pos_src = nn.Embedding(cfg.max_len, d)
        self.pos_tgt = nn.Embedding(cfg.max_len + 1, d)
        enc = nn.TransformerEncoderLayer(d, cfg.n_heads, cfg.ffn_mult * d, dropout=0.0, batch_first=True,
                                         norm_first=True)
        dec = nn.TransformerDecoderLayer(d, cfg.n_heads, cfg.ffn_mult * d, dropout=0.0, batch_first=True,
                                         norm_first=True)
        self.encoder = nn.TransformerEncoder(enc, cfg.enc_layers, norm=nn.LayerNorm(d), enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(dec, cfg.dec_layers, norm=nn.LayerNorm(d))
        self.head = nn.Linear(d, cfg.vocab_size)
        self.scale = math.sqrt(d)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Memory (B,S,d) and the source padding mask (B,S), True at PAD."""
        pos = torch.arange(src.shape[1], device=src.device)
        mask = src == PAD
        x = self.tok(src) * self.scale + self.pos_src(pos)
        return self.encoder(x, src_key_padding_mask=mask), mask

    def decode(self, memory: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Logits (B,L,V) for decoder input ``tgt_in`` (causal)."""
        L = tgt_in.shape[1]
        pos = torch.arange(L, device=tgt_in.device)
        y = self.tok(tgt_in) * self.scale + self.pos_tgt(pos)
        causal = torch.triu(torch.ones(L, L, dtype=torch.bool, device=tgt_in.device), diagonal=1)
        h = self.decoder(y, memory, tgt_mask=causal, tgt_key_padding_mask=tgt_in == PAD,
                         memory_key_padding_mask=src_mask)
        return self.head(h)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, mask = self.encode(src)
        return self.decode(memory, mask, tgt_in)


def pad_batch(seqs: Sequence[Sequence[int]], pad: int = PAD, device: str | torch.device = "cpu") -> torch.Tensor:
    """Right-pad integer sequences to one LongTensor (B, max length)."""
    L = max((len(s) for s in seqs), default=0)
    out = torch.full((len(seqs), max(L, 1)), pad, dtype=torch.long)
    for i, s in enumerate(seqs):
        if len(s):
            out[i, :len(s)] = torch.as_tensor(list(s), dtype=torch.long)
    return out.to(device)


def _autocast(device: torch.device):
    """bf16 autocast on CUDA, nothing on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def teacher_forcing_loss(model: Seq2Seq, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Mean token cross-entropy over non-PAD target positions; ``tgt`` has no BOS and ends
    with EOS (then PAD). The decoder input is BOS + tgt[:, :-1]."""
    bos = torch.full((tgt.shape[0], 1), BOS, dtype=torch.long, device=tgt.device)
    tgt_in = torch.cat([bos, tgt[:, :-1]], dim=1)
    with _autocast(tgt.device):
        logits = model(src, tgt_in)
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=PAD)


def make_optimizer(model: nn.Module, lr: float = 1e-4) -> torch.optim.Adam:
    """Adam (Charton's setup: lr 1e-4, no weight decay)."""
    return torch.optim.Adam(model.parameters(), lr=lr)


def train_step(model: Seq2Seq, opt: torch.optim.Optimizer, src: torch.Tensor, tgt: torch.Tensor,
               clip: float = 5.0) -> float:
    """One teacher-forced step with gradient clipping at ``clip``; returns the loss."""
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = teacher_forcing_loss(model, src, tgt)
    loss.backward()
    if clip:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return float(loss.detach())


def _decode(model: Seq2Seq, src: torch.Tensor, max_len: int,
            choose: Callable[[torch.Tensor], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Auto-regressive decoding, one token per step chosen by ``choose(log_probs (B, V)) -> ids (B,)``.

    Returns ids (B, L ≤ max_len) without BOS, the first EOS kept and PAD after it, and the
    sum of the chosen tokens' model log-probabilities (B,) up to and including EOS."""
    model.eval()
    B = src.shape[0]
    with torch.no_grad(), _autocast(src.device):
        memory, mask = model.encode(src)
        seq = torch.full((B, 1), BOS, dtype=torch.long, device=src.device)
        logp = torch.zeros(B, device=src.device)
        done = torch.zeros(B, dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            lp = model.decode(memory, mask, seq)[:, -1].float().log_softmax(-1)
            nxt = torch.where(done, torch.full((B,), PAD, dtype=torch.long, device=src.device), choose(lp))
            logp += torch.where(done, torch.zeros_like(logp), lp.gather(1, nxt[:, None]).squeeze(1))
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            done |= nxt == EOS
            if bool(done.all()):
                break
    return seq[:, 1:], logp


def greedy_decode(model: Seq2Seq, src: torch.Tensor, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy decoding (the most likely token at every step); layout as in :func:`_decode`."""
    return _decode(model, src, max_len, lambda lp: lp.argmax(-1))


def sample_decode(model: Seq2Seq, src: torch.Tensor, max_len: int, temperature: float = 1.0,
                  top_p: float = 1.0, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Ancestral sampling with temperature and nucleus (top-p) truncation (tails.md §1.3).

    Same return layout as :func:`greedy_decode`; the log-probabilities are those of the
    untruncated, untempered model."""

    def choose(lp: torch.Tensor) -> torch.Tensor:
        probs = (lp / max(temperature, 1e-6)).softmax(-1)
        if top_p < 1.0:
            sp, idx = probs.sort(-1, descending=True)
            keep = sp.cumsum(-1) - sp < top_p  # smallest prefix whose mass reaches top_p
            probs = torch.zeros_like(probs).scatter(1, idx, sp * keep)
        return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(lp.device)

    return _decode(model, src, max_len, choose)


@torch.no_grad()
def beam_search(model: Seq2Seq, src: torch.Tensor, beam: int, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Beam search of width ``beam`` (scores are summed log-probabilities, no length penalty).

    Returns ids (B, beam, L) without BOS (PAD after EOS) and scores (B, beam), best first.
    A hypothesis that has emitted EOS is frozen: it keeps its score and extends with PAD."""
    model.eval()
    B, dev = src.shape[0], src.device
    V = model.cfg.vocab_size
    with _autocast(dev):
        memory, mask = model.encode(src)
        memory = memory.repeat_interleave(beam, 0)
        mask = mask.repeat_interleave(beam, 0)
        seq = torch.full((B * beam, 1), BOS, dtype=torch.long, device=dev)
        score = torch.full((B, beam), -math.inf, device=dev)
        score[:, 0] = 0.0  # one live hypothesis at the start
        done = torch.zeros(B * beam, dtype=torch.bool, device=dev)
        for _ in range(max_len):
            lp = model.decode(memory, mask, seq)[:, -1].float().log_softmax(-1)  # (B*beam, V)
            frozen = torch.full_like(lp, -math.inf)
            frozen[:, PAD] = 0.0
            lp = torch.where(done[:, None], frozen, lp)
            cand = (score.reshape(-1, 1) + lp).reshape(B, beam * V)
            top, idx = cand.topk(beam, dim=1)
            parent = idx // V + torch.arange(B, device=dev)[:, None] * beam
            tok = idx % V
            seq = torch.cat([seq[parent.reshape(-1)], tok.reshape(-1, 1)], dim=1)
            done = done[parent.reshape(-1)] | (tok.reshape(-1) == EOS)
            score = top
            if bool(done.all()):
                break
    return seq[:, 1:].reshape(B, beam, -1), score


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flops_per_token(cfg: Seq2SeqConfig, src_len: int, tgt_len: int) -> float:
    """Approximate training FLOPs per target token (forward + backward = 3 × forward; each
    matrix multiply-add counts 2 FLOPs; attention scores included), for throughput and
    model-FLOP-utilisation reports."""
    d, f = cfg.d_model, cfg.ffn_mult * cfg.d_model
    enc_layer = src_len * (2 * 4 * d * d + 2 * 2 * d * f + 2 * 2 * src_len * d)
    dec_layer = tgt_len * (2 * 4 * d * d + 2 * 4 * d * d + 2 * 2 * d * f + 2 * 2 * (tgt_len + src_len) * d)
    head = tgt_len * 2 * d * cfg.vocab_size
    fwd = cfg.enc_layers * enc_layer + cfg.dec_layers * dec_layer + head
    return 3.0 * fwd / max(tgt_len, 1)
