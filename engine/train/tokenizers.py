"""Token vocabularies for the transformer tasks (no torch here).

- Integers in base B as a sign token and base-B digits, most significant first (Charton's
  GCD encoding, tails.md §5.1): in base 1000, 1024 -> ``+ 1 24``.
- P1000 floats (verification.md §4.1): three tokens per number, a sign, a mantissa 100..999
  (0 for zero) and an exponent ``E<e>``; value = sign · mantissa · 10^e, so three
  significant digits. Matrices are prefixed by ``V<rows> V<cols>``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

SPECIALS: tuple[str, ...] = ("<pad>", "<bos>", "<eos>")
PAD, BOS, EOS = 0, 1, 2
EXP_MIN, EXP_MAX = -100, 100


class Vocab:
    """Specials at ids 0..2, then ``tokens`` in order (each token once)."""

    def __init__(self, tokens: Sequence[str]):
        self.itos: list[str] = list(SPECIALS)
        for t in tokens:
            if t not in self.itos:
                self.itos.append(t)
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def id(self, tok: str) -> int:
        return self.stoi[tok]

    def tok(self, idx: int) -> str:
        return self.itos[idx]

    def encode(self, toks: Sequence[str]) -> list[int]:
        """Token strings -> ids (KeyError on an unknown token)."""
        return [self.stoi[t] for t in toks]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Ids -> token strings; stops at EOS, skips PAD and BOS, drops out-of-range ids' text
        as ``<unk>`` so a malformed sequence stays visibly malformed."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i in (PAD, BOS):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else "<unk>")
        return out


# ----------------------------------------------------------------------------- integers, base B
def int_tokens(base: int) -> list[str]:
    """``+``, ``-`` and the digit tokens "0".."B-1"."""
    if base < 2:
        raise ValueError(f"base must be >= 2, got {base}")
    return ["+", "-", *(str(d) for d in range(base))]


def encode_int(n: int, base: int) -> list[str]:
    """Sign, then base-B digits, most significant first (0 -> ``+ 0``)."""
    n = int(n)
    sign = "-" if n < 0 else "+"
    n = abs(n)
    digits = []
    while True:
        digits.append(str(n % base))
        n //= base
        if n == 0:
            break
    return [sign, *reversed(digits)]


def decode_int(tokens: Sequence[str], base: int) -> int | None:
    """Inverse of :func:`encode_int`; None unless the tokens are a sign then >= 1 digit token."""
    if len(tokens) < 2 or tokens[0] not in ("+", "-"):
        return None
    value = 0
    for t in tokens[1:]:
        if not t.isdigit() or int(t) >= base:
            return None
        value = value * base + int(t)
    return -value if tokens[0] == "-" else value


# ----------------------------------------------------------------------------- P1000 floats
def p1000_tokens() -> list[str]:
    """``+``, ``-``, mantissas "0".."999" and exponents "E-100".."E100"."""
    return ["+", "-", *(str(m) for m in range(1000)), *(f"E{e}" for e in range(EXP_MIN, EXP_MAX + 1))]


def encode_float(x: float) -> list[str]:
    """Three tokens: sign, mantissa (3 significant digits, rounded half to even), exponent.

    Exponents outside [-100, 100] are clipped (a magnitude below 1e-98 encodes as zero)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot encode {x!r}")
    sign = "-" if x < 0 else "+"
    a = abs(x)
    if a == 0.0:
        return [sign, "0", "E0"]
    e = math.floor(math.log10(a)) - 2
    m = round(a / 10.0 ** e)
    if m >= 1000:  # rounding carried into a 4th digit, or log10 was off by one
        e += 1
        m = round(a / 10.0 ** e)
    elif m < 100:
        e -= 1
        m = round(a / 10.0 ** e)
    if e > EXP_MAX:
        e, m = EXP_MAX, 999
    if e < EXP_MIN:
        return [sign, "0", "E0"]
    return [sign, str(int(m)), f"E{e}"]


def decode_float(tokens: Sequence[str]) -> float | None:
    """Inverse of :func:`encode_float`; None if malformed."""
    if len(tokens) != 3:
        return None
    s, m, e = tokens
    if s not in ("+", "-") or not m.isdigit() or int(m) > 999 or not e.startswith("E"):
        return None
    try:
        exp = int(e[1:])
    except ValueError:
        return None
    if not EXP_MIN <= exp <= EXP_MAX:
        return None
    value = int(m) * 10.0 ** exp if exp >= 0 else int(m) / 10.0 ** -exp  # division: correctly rounded
    return -value if s == "-" else value


def dim_tokens(max_dim: int) -> list[str]:
    """Dimension tokens "V1".."V<max_dim>"."""
    return [f"V{i}" for i in range(1, max_dim + 1)]


def encode_matrix(a: np.ndarray) -> list[str]:
    """``V<rows> V<cols>`` then three P1000 tokens per entry, row-major (a vector is 1 column)."""
    a = np.asarray(a, float)
    if a.ndim == 1:
        a = a[:, None]
    out = [f"V{a.shape[0]}", f"V{a.shape[1]}"]
    for x in a.ravel():
        out.extend(encode_float(float(x)))
    return out


def decode_matrix(tokens: Sequence[str]) -> np.ndarray | None:
    """Inverse of :func:`encode_matrix`; None if malformed (wrong length, bad token)."""
    if len(tokens) < 2 or not all(t.startswith("V") and t[1:].isdigit() for t in tokens[:2]):
        return None
    r, c = int(tokens[0][1:]), int(tokens[1][1:])
    body = tokens[2:]
    if r < 1 or c < 1 or len(body) != 3 * r * c:
        return None
    vals = []
    for i in range(r * c):
        v = decode_float(body[3 * i: 3 * i + 3])
        if v is None:
            return None
        vals.append(v)
    return np.array(vals, float).reshape(r, c)
