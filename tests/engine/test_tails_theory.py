"""Tests of engine/theory/tails.py against shared/theory/tails.md: the reference tables of
§2, §3.1, §3.2 to their printed digits, the GCD numbers of §5.1, limits and identities, an
independent brute-force + quadrature reference, and the rejection of bad input."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import zeta

from engine.params import ParamError
from engine.theory import tails as th


def assert_printed(value: float, printed: str) -> None:
    """|value - printed| <= half a unit in the printed number's last digit."""
    d = Decimal(printed)
    half_ulp = 0.5 * 10.0 ** d.as_tuple().exponent
    assert abs(value - float(d)) <= half_ulp * (1 + 1e-9), f"{value!r} does not round to {printed}"


# ----------------------------------------------------------------------------- independent reference
def reference_error(beta, T, k=math.inf, beta_ai=None, pi=0.0, T0=0, n=0, N=200_000) -> float:
    """Spec rule 5 by a direct float64 sum over i <= N plus the midpoint-rule integral
    int_{N+1/2}^inf of the summand (adaptive QUADPACK in log x). Written independently of
    the engine (plain formulas, no Gregory corrections, other head size); needs k <= N or k = inf."""
    assert math.isinf(k) or k <= N
    bp = beta if beta_ai is None else beta_ai
    zb, zq = zeta(beta), zeta(bp)
    Qk = 1.0 if math.isinf(k) else float(np.sum(np.arange(1, int(k) + 1, dtype=float) ** -bp)) / zq

    def one_minus_g(x):
        p = x**-beta / zb
        q = np.where(x <= k, x**-bp / (zq * Qk), 0.0)
        s = pi * p + (1 - pi) * q
        with np.errstate(divide="ignore", invalid="ignore"):
            la = np.log1p(-s)  # -inf where a = 0
            lb = np.log1p(-pi * p)
            bT = np.exp(T * lb)
            K = (-np.expm1(T0 * np.log1p(-p))) ** n if (T0 > 0 and n > 0) else np.ones_like(p)
            # 1 - g = (1 - b^T) + K (b^T - a^T), both terms >= 0
            out = -np.expm1(T * lb) + K * bT * -np.expm1(T * (la - lb))
        return out, p

    head = 0.0
    for start in range(1, N + 1, 50_000):
        x = np.arange(start, min(start + 50_000, N + 1), dtype=float)
        omg, p = one_minus_g(x)
        head += float(np.sum(p * (1 - omg)))
    X = N + 0.5
    mass = X ** (1 - beta) / ((beta - 1) * zb)

    def integrand(u):
        x = math.exp(u)
        omg, p = one_minus_g(np.array([x]))
        return float(x * p[0] * omg[0])

    u0 = math.log(X)
    top = max(T, T0 if n > 0 else 0) * 10.0
    u1 = max(u0 + 5, math.log((top * 1e14 / zb) ** (1 / beta)))
    pts = [math.log(max(X, (s / zb) ** (1 / beta))) for s in (T, max(T0, 1), pi * T + 1)]
    pts = sorted({min(max(v, u0 + 1e-3), u1 - 1e-3) for v in pts})
    corr, _ = quad(integrand, u0, u1, points=pts, limit=400, epsabs=1e-13 * mass, epsrel=1e-10)
    return head + mass - corr


def engine_error(**kw) -> float:
    return float(th.curve(**kw)["error"].iloc[0])


# ----------------------------------------------------------------------------- spec tables
CLEAN_TABLE = {  # §2: beta: (C_beta, T=1e2..1e6)
    1.5: ("0.94156", ["0.20240", "0.094135", "0.043702", "0.020285", "0.0094156"]),
    2.0: ("0.69099", ["0.068840", "0.021843", "0.0069096", "0.0021851", "0.00069099"]),
    3.0: ("0.42452", ["0.019620", "0.0042428", "0.00091454", "0.00019704", "4.2452e-5"]),
}


@pytest.mark.parametrize("beta", sorted(CLEAN_TABLE))
def test_clean_table(beta):
    cb, row = CLEAN_TABLE[beta]
    assert_printed(float(th.clean_constant(beta)), cb)
    df = th.curve(beta=beta, T=[1e2, 1e3, 1e4, 1e5, 1e6])
    for value, printed in zip(df["error"], row):
        assert_printed(value, printed)


CUT_TABLE = [  # §3.1: beta, k, plateau, T = 1e2..1e7
    (1.5, 10, "0.2362", ["0.24519", "0.2362", "0.2362", "0.2362", "0.2362", "0.2362"]),
    (1.5, 100, "0.076368", ["0.19789", "0.098688", "0.076457", "0.076368", "0.076368", "0.076368"]),
    (1.5, 1000, "0.024204", ["0.20076", "0.093444", "0.044071", "0.025581", "0.024204", "0.024204"]),
    (1.5, 10_000, "0.0076557", ["0.20189", "0.093895", "0.043598", "0.020306", "0.010055", "0.0076679"]),
    (2.0, 10, "0.057854", ["0.076359", "0.057867", "0.057854", "0.057854", "0.057854", "0.057854"]),
    (2.0, 100, "0.006049", ["0.068644", "0.021897", "0.0079164", "0.0060501", "0.006049", "0.006049"]),
    (2.0, 1000, "6.0762e-4", ["0.06882", "0.021836", "0.0069088", "0.0021965", "7.9432e-4", "6.0773e-4"]),
    (2.0, 10_000, "6.079e-5", ["0.068838", "0.021842", "0.0069094", "0.002185", "6.9109e-4", "2.1971e-4"]),
]


@pytest.mark.parametrize("beta,k,plateau,row", CUT_TABLE)
def test_cut_table(beta, k, plateau, row):
    df = th.curve(beta=beta, k=k, T=[1e2, 1e3, 1e4, 1e5, 1e6, 1e7])
    assert_printed(float(df["plateau"].iloc[0]), plateau)
    assert_printed(float(th.cut_plateau(beta, k)), plateau)
    for value, printed in zip(df["error"], row):
        assert_printed(value, printed)


FINITE_T0_TABLE = [  # §3.2: beta, T0, T = 1e3..1e7, floor
    (2.0, 1000, ["0.02824", "0.02216", "0.02185", "0.02184", "0.02184"], "0.02184"),
    (2.0, 10_000, ["0.02216", "0.008933", "0.007011", "0.006913", "0.00691"], "0.00691"),
    (2.0, 100_000, ["0.02185", "0.007011", "0.002825", "0.002217", "0.002186"], "0.002185"),
    (1.5, 10_000, ["0.0955", "0.05272", "0.04434", "0.04373", "0.0437"], "0.0437"),
]


@pytest.mark.parametrize("beta,T0,row,floor", FINITE_T0_TABLE)
def test_finite_T0_table(beta, T0, row, floor):
    df = th.curve(beta=beta, T0=T0, n=1, mechanism="relabel", T=[1e3, 1e4, 1e5, 1e6, 1e7])
    for value, printed in zip(df["error"], row):
        assert_printed(value, printed)
    assert_printed(float(df["plateau"].iloc[0]), floor)
    # the floor is exactly E_clean(T0)
    assert df["plateau"].iloc[0] == pytest.approx(float(th.clean_error(T0, beta)[0]), rel=1e-10)


# ----------------------------------------------------------------------------- GCD bridge (§5.1)
def test_gcd_accuracy_from_definition():
    """sum over g = 2^a 5^b of 6/(pi^2 g^2), enumerated, = 0.8443; with 3: 0.9499; 2,3,5,7: 0.9697."""

    def enumerate_set(primes, top=10**40):
        vals = {1}
        for p in primes:
            new = set()
            for v in vals:
                w = v
                while w <= top:
                    new.add(w)
                    w *= p
            vals = new
        return vals

    for primes, printed in (((2, 5), "0.8443"), ((2, 3, 5), "0.9499"), ((2, 3, 5, 7), "0.9697")):
        direct = math.fsum(6 / (math.pi**2 * g * g) for g in enumerate_set(primes))
        assert_printed(direct, printed)
        assert th.gcd_accuracy(primes) == pytest.approx(direct, rel=1e-12)


def test_gcd_outcomes_are_zipf_2():
    for g, printed in ((1, "0.6079"), (2, "0.1520"), (5, "0.0243")):
        assert_printed(float(th.gcd_outcome_probability(g)), printed)
    rng = np.random.default_rng(7)
    a = rng.integers(1, 10**6 + 1, 400_000)
    b = rng.integers(1, 10**6 + 1, 400_000)
    g = np.gcd(a, b)
    for val in (1, 2, 5):
        hit = (g == val).mean()
        se = math.sqrt(hit * (1 - hit) / g.size)
        assert abs(hit - th.gcd_outcome_probability(val)) <= 4 * se


# ----------------------------------------------------------------------------- accuracy vs reference
REF_CASES = [
    dict(beta=1.2, T=1e9),
    dict(beta=1.2, T=3e4),
    dict(beta=2.0, T=1e9),
    dict(beta=4.0, T=1e9),
    dict(beta=1.2, T=1e8, k=3000),
    dict(beta=1.5, T=1e7, beta_ai=1.8),
    dict(beta=2.0, T=1e6, beta_ai=2.0, temperature=0.8),
    dict(beta=1.2, T=1e9, T0=10**6, n=3),
    dict(beta=2.0, T=1e5, T0=10**4, n=8, k=500),
    dict(beta=1.2, T=1e9, k=10_000, p_synth=0.99),
    dict(beta=1.5, T=1e8, beta_ai=2.5, p_synth=0.5, T0=10**5, n=2),
    dict(beta=1.2, T=1e9, temperature=0.9, T0=10**7, n=20),
    dict(beta=3.5, T=1e9, k=50_000, p_synth=0.5),
    dict(beta=1.2, T=5.0),
    dict(beta=1.3, T=2e8, beta_ai=1.3, temperature=0.5, p_synth=0.999),
]


@pytest.mark.parametrize("kw", REF_CASES, ids=[str(i) for i in range(len(REF_CASES))])
def test_exact_sum_matches_independent_reference(kw):
    beta_ai = kw.get("beta_ai", kw["beta"]) / kw.get("temperature", 1.0)
    ref = reference_error(
        kw["beta"], kw["T"], k=kw.get("k", math.inf) or math.inf, beta_ai=beta_ai,
        pi=1 - kw.get("p_synth", 1.0), T0=kw.get("T0", 0), n=kw.get("n", 0),
    )
    assert engine_error(**kw) == pytest.approx(ref, rel=1e-6)


def test_slope_is_the_log_derivative():
    T = np.array([1e2, 1e4, 1e6, 1e8])
    h = 1e-4
    for kw in (dict(beta=1.5), dict(beta=2.0, beta_ai=4.0), dict(beta=2.0, k=300), dict(beta=2.0, T0=10**4, n=2), dict(beta=2, k=100, p_synth=0.9)):
        df = th.curve(T=T, **kw)
        up = th.curve(T=T * math.exp(h), **kw)["error"].to_numpy()
        dn = th.curve(T=T * math.exp(-h), **kw)["error"].to_numpy()
        fd = (np.log(up) - np.log(dn)) / (2 * h)
        np.testing.assert_allclose(df["slope"].to_numpy(), fd, atol=1e-6)


# ----------------------------------------------------------------------------- limits and identities
def test_large_k_gives_clean():
    T = np.logspace(1, 7, 7)
    clean = th.curve(beta=2.0, T=T)["error"].to_numpy()
    cut = th.curve(beta=2.0, T=T, k=10**9)["error"].to_numpy()
    np.testing.assert_allclose(cut, clean, rtol=1e-6)
    # and the cut curve approaches the clean one as k grows
    gaps = [abs(th.curve(beta=2.0, T=1e5, k=k)["error"].iloc[0] / clean[4] - 1) for k in (100, 1000, 10_000, 100_000)]
    assert all(a > b for a, b in zip(gaps, gaps[1:]))


def test_beta_ai_equal_beta_gives_clean():
    T = np.logspace(0, 9, 10)
    clean = th.curve(beta=1.7, T=T)["error"].to_numpy()
    same = th.curve(beta=1.7, T=T, beta_ai=1.7, temperature=1.0)["error"].to_numpy()
    np.testing.assert_allclose(same, clean, rtol=1e-12)
    clean_direct = np.array([reference_error(1.7, t, N=50_000) for t in T[:4]])
    np.testing.assert_allclose(clean[:4], clean_direct, rtol=1e-8)


def test_p_synth_zero_gives_clean_whatever_the_ai_data():
    T = np.logspace(1, 8, 8)
    clean = th.curve(beta=2.0, T=T)["error"].to_numpy()
    for kw in (dict(k=10), dict(beta_ai=3.0), dict(T0=100, n=5), dict(top_p=0.8, temperature=0.5)):
        df = th.curve(beta=2.0, T=T, p_synth=0.0, **kw)
        np.testing.assert_allclose(df["error"].to_numpy(), clean, rtol=1e-12)
        assert np.all(df["plateau"] == 0)


def test_large_T_mixing_equals_clean_at_pi_T():
    for p_synth in (0.5, 0.9, 0.99):
        pi = 1 - p_synth
        T = np.array([1e9, 1e10])
        mix = th.curve(beta=2.0, k=100, p_synth=p_synth, T=T)["error"].to_numpy()
        clean = th.clean_error(pi * T, 2.0)
        np.testing.assert_allclose(mix, clean, rtol=1e-5)
    # three phases: plateau, then resumption; plateau width ~ log10(1/pi) decades
    T = np.logspace(2, 10, 81)
    df = th.curve(beta=2.0, k=100, p_synth=0.99, T=T)
    pl = th.cut_plateau(2.0, 100)
    on_plateau = np.abs(df["error"] / pl - 1) < 0.05
    assert on_plateau.any()
    assert df["slope"][on_plateau].abs().max() < 0.1
    assert df["slope"].iloc[-1] == pytest.approx(-0.5, abs=0.01)


def test_temperature_is_beta_over_tau_and_narrowing_slope():
    a = th.curve(beta=2.0, temperature=0.8, T=[1e3, 1e6])["error"].to_numpy()
    b = th.curve(beta=2.0, beta_ai=2.5, T=[1e3, 1e6])["error"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-13)
    # §3.3: local slopes equal -(beta-1)/beta' within 0.001 (the spec says over T = 1e2..1e7; at
    # T = 1e2 the exact slope for beta' = 4 is off by 0.015, checked by finite differences below,
    # so the claim is tested from T = 1e3); the constant is within 1e-6 at T = 1e6
    for bp in (2.5, 3.0, 4.0):
        df = th.curve(beta=2.0, beta_ai=bp, T=np.logspace(3, 7, 9))
        np.testing.assert_allclose(df["slope"], -(2.0 - 1) / bp, atol=1e-3)
        e6 = th.curve(beta=2.0, beta_ai=bp, T=1e6)
        assert e6["error"].iloc[0] == pytest.approx(float(th.narrowed_guide(1e6, 2.0, bp)), rel=1e-6)
        assert e6["asymptote"].iloc[0] == pytest.approx(float(th.narrowed_guide(1e6, 2.0, bp)), rel=1e-12)


def test_clean_slope_and_constant():
    for beta in (1.5, 2.0, 3.0):
        df = th.curve(beta=beta, T=[1e4, 1e6, 1e8])
        np.testing.assert_allclose(df["error"] / df["asymptote"], 1.0, rtol=1e-4)
        assert df["slope"].iloc[-1] == pytest.approx(-(1 - 1 / beta), abs=1e-3)


def test_top_p_maps_to_k():
    for beta, top_p in ((2.0, 0.9), (1.5, 0.95), (3.0, 0.99)):
        k = int(th.k_from_top_p(top_p, beta)[0])
        cum = np.cumsum(np.arange(1, k + 2, dtype=float) ** -beta) / zeta(beta)
        assert cum[k - 1] >= top_p and (k == 1 or cum[k - 2] < top_p)
        a = th.curve(beta=beta, top_p=top_p, T=[1e3, 1e6])
        b = th.curve(beta=beta, k=k, T=[1e3, 1e6])
        np.testing.assert_allclose(a["error"], b["error"], rtol=1e-13)
        # both active: the smaller index wins
        c = th.curve(beta=beta, top_p=top_p, k=k + 50, T=[1e3, 1e6])
        np.testing.assert_allclose(c["error"], b["error"], rtol=1e-13)
    # removed mass is about 1 - p_top
    assert float(th.cut_plateau(2.0, th.k_from_top_p(0.9, 2.0))[0]) == pytest.approx(0.1, abs=0.01)


def test_knee_is_where_clean_law_meets_plateau():
    for beta, k in ((1.5, 1000), (2.0, 100), (3.0, 50)):
        Tk = float(th.knee_T(beta, k))
        lhs = float(th.clean_guide(Tk, beta))
        rhs = k ** (1 - beta) / ((beta - 1) * zeta(beta))
        assert lhs == pytest.approx(rhs, rel=1e-12)


def test_generations_relabel_plateau_rises_with_n_and_tends_to_plateau():
    df = th.curve(beta=2.0, T0=10**4, T=1e12, n=[0, 1, 2, 4, 8, 16])
    pl = df["plateau"].to_numpy()
    assert pl[0] == 0 and np.all(np.diff(pl) > 0)
    np.testing.assert_allclose(df["error"].to_numpy()[1:], pl[1:], rtol=1e-4)
    # closed form of the plateau at pi = 0: sum_i p_i (1 - (1-(1-p_i)^T0)^n), checked by a direct sum
    i = np.arange(1, 2_000_001, dtype=float)
    p = i**-2.0 / zeta(2.0)
    direct = np.sum(p * (1 - (1 - (1 - p) ** 1e4) ** 4)) + zeta(2.0, 2_000_001) / zeta(2.0)
    assert pl[3] == pytest.approx(direct, rel=1e-6)


def test_asymptote_assembly():
    # p_synth = 0: the clean guide; cut with p_synth = 1: C_beta T^-c + plateau (table values)
    a0 = th.curve(beta=2.0, k=100, p_synth=0.0, T=1e4)["asymptote"].iloc[0]
    assert_printed(a0, "0.0069099")  # C_2 = 0.69099 at T = 1e4
    a1 = th.curve(beta=2.0, k=100, T=1e4)["asymptote"].iloc[0]
    assert a1 == pytest.approx(0.0069099 + 0.006049, abs=1e-6)
    a2 = th.curve(beta=2.0, T0=10**4, n=3, T=1e6)["asymptote"].iloc[0]
    assert a2 == pytest.approx(0.00069099 + 3 * 0.0069099, rel=1e-4)
    a3 = th.curve(beta=2.0, k=100, p_synth=0.9, T=1e8)["asymptote"].iloc[0]
    assert a3 == pytest.approx(0.69099e-4 + min(0.006049, 0.69099 / math.sqrt(1e7)), rel=1e-4)


def test_resample_has_no_closed_form():
    df = th.curve(beta=2.0, T0=10**4, n=2, mechanism="resample", T=[1e3, 1e5])
    assert df["error"].isna().all() and df["slope"].isna().all() and df["plateau"].isna().all()
    assert np.isfinite(df["asymptote"]).all()
    # without an active chain the resample mechanism is the same as relabel
    a = th.curve(beta=2.0, n=3, T0=0, mechanism="resample", T=1e4)["error"].iloc[0]
    assert a == pytest.approx(th.curve(beta=2.0, T=1e4)["error"].iloc[0], rel=1e-14)


def test_tail_acquisition():
    beta, k = 2.0, 100
    zb = zeta(beta)
    # T_tail = 0: the cut error
    e0 = th.tail_acquisition_error(beta, k, [1e4], 100, [0.0])
    assert e0[0] == pytest.approx(th.curve(beta=beta, k=k, T=1e4)["error"].iloc[0], rel=1e-10)
    # tail data starting too deep (k' > k): the gap can never be learned
    big = th.tail_acquisition_error(beta, k, [1e14], 1000, [1e14])
    gap = (zeta(beta, k + 1) - zeta(beta, 1001)) / zb
    assert big[0] == pytest.approx(gap, rel=1e-6)
    # a direct sum for a moderate case (beta = 3: the series converges fast)
    i = np.arange(1, 3_000_001, dtype=float)
    p = i**-3.0 / zeta(3.0)
    q = np.where(i <= 50, p, 0) / p[:50].sum()
    r = np.where(i > 50, p, 0) / p[50:].sum()
    direct = np.sum(p * (1 - q) ** 1e3 * (1 - r) ** 1e4) + zeta(3.0, 3_000_001) / zeta(3.0)
    got = th.tail_acquisition_error(3.0, 50, [1e3], 50, [1e4])[0]
    assert got == pytest.approx(direct, rel=1e-7)


def test_extra_guides():
    np.testing.assert_allclose(th.bigram_exponent([1.5, 2.0, 3.0]), [1 / 3, 0.5, 0.5])
    g = th.triplet_guide(1e4, 64, math.inf, 2.0)
    assert g == pytest.approx(1e4**-0.5 + 64**-0.25)
    assert th.triplet_guide(1e4, 64, 100, 2.0, storage="threshold") == pytest.approx(0.01 + 64.0**-1 + 0.01)


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw,word",
    [
        (dict(beta=1.0), "beta"),
        (dict(beta=0.5), "beta"),
        (dict(beta=2.0, beta_ai=1.5), "beta_ai"),
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.2), "top_p"),
        (dict(temperature=0.0), "temperature"),
        (dict(p_synth=1.5), "p_synth"),
        (dict(T=0.5), "T"),
        (dict(k=-1), "k"),
        (dict(k=2.5), "k"),
        (dict(n=-1), "n"),
        (dict(mechanism="copy"), "mechanism"),
        (dict(alpha=1), "alpha"),
    ],
)
def test_bad_input_rejected_with_clear_message(kw, word):
    with pytest.raises(ParamError) as exc:
        th.curve(**kw)
    assert word in str(exc.value)


def test_sweep_over_any_key_matches_pointwise():
    ks = [0, 5, 200, 3000]
    df = th.curve(beta=1.5, T=1e6, k=ks)
    assert list(df.columns) == ["k", "error", "asymptote", "slope", "plateau"]
    for kk, e in zip(ks, df["error"]):
        assert e == pytest.approx(th.curve(beta=1.5, T=1e6, k=kk)["error"].iloc[0], rel=1e-13)
    df = th.curve(beta=[1.3, 2.0, 3.5], T=1e5)
    for b, e in zip([1.3, 2.0, 3.5], df["error"]):
        assert e == pytest.approx(th.curve(beta=b, T=1e5)["error"].iloc[0], rel=1e-13)


def _random_cases(count: int, seed: int = 2024) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        kw = dict(beta=float(rng.uniform(1.2, 4.0)), T=float(10 ** rng.uniform(0, 9)))
        if rng.random() < 0.5:
            kw["k"] = int(10 ** rng.uniform(0, 5))
        if rng.random() < 0.5:
            kw["temperature"] = float(rng.uniform(0.3, 1.0))
        if rng.random() < 0.5:
            kw["T0"] = int(10 ** rng.uniform(1, 7))
            kw["n"] = int(rng.integers(1, 21))
        if rng.random() < 0.5:
            kw["p_synth"] = float(rng.choice([0.0, 0.5, 0.9, 0.99, 0.999]))
        cases.append(kw)
    return cases


@pytest.mark.parametrize("kw", _random_cases(12), ids=[str(i) for i in range(12)])
def test_random_configurations_match_reference(kw):
    """Seeded random points over the whole domain of the accuracy target (beta >= 1.2, T <= 1e9)."""
    beta_ai = kw["beta"] / kw.get("temperature", 1.0)
    ref = reference_error(kw["beta"], kw["T"], k=kw.get("k", math.inf), beta_ai=beta_ai,
                          pi=1 - kw.get("p_synth", 1.0), T0=kw.get("T0", 0), n=kw.get("n", 0))
    assert engine_error(**kw) == pytest.approx(ref, rel=1e-6)
