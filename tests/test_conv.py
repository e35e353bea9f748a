"""Convolution problems, proved by independent routes: windows slid one by one, an explicit
strided cross-correlation loop, central finite differences, component-wise sympy derivatives,
and the official key's two mistakes told apart from the truth."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from nablagrade.derive import solve
from nablagrade.derive.index import Index, Input, TensorFormula, index
from nablagrade.derive.shapes import shape
from nablagrade.derive.window import window_count
from nablagrade.errors import ParamError, UnknownName


# --- oracles ---------------------------------------------------------------------------------

def slide(n: int, k: int, s: int, d: int) -> int:
    """Count windows by sliding one: start at every stride, keep it when all taps fit."""
    count = 0
    for start in range(1, n + 1, s):
        if all(start + d * t <= n for t in range(k)):
            count += 1
    return count


def correlate(x, W, S):
    """Strided 1-D cross-correlation, by slicing: x is (L, C), W is (F, C, K); out (F, O)."""
    F, C, K = W.shape
    rows = []
    for f in range(F):
        row, start = [], 0
        while start + K <= x.shape[0]:
            row.append((x[start:start + K, :].T * W[f]).sum())
            start += S
        rows.append(row)
    return np.array(rows)


def forward(x, W, S):
    """The layer's output in the problem's layout: a vector when F = 1, else F x O."""
    out = correlate(x, W, S)
    return out[0] if W.shape[0] == 1 else out


def central_jacobian(fn, at, h=1e-6):
    """d fn / d at by central differences, indexed [output…, input…]."""
    out = np.asarray(fn(at))
    jac = np.zeros(out.shape + at.shape)
    for pos in np.ndindex(at.shape):
        step = np.zeros_like(at)
        step[pos] = h
        jac[(...,) + pos] = (fn(at + step) - fn(at - step)) / (2 * h)
    return jac


SIZES = [  # (C, L, K, S, F), C != L so that a swapped layout shows
    (5, 7, 3, 2, 1), (7, 11, 3, 2, 1), (2, 5, 3, 2, 1), (3, 10, 4, 3, 1), (4, 9, 2, 1, 3),
    (2, 8, 1, 1, 1), (3, 6, 6, 2, 2), (1, 12, 5, 4, 2),
]


def instance(C, L, K, S, F, seed=0):
    rng = np.random.default_rng(seed)
    sol = solve("conv1d.backprop", dict(C=C, L=L, K=K, S=S, F=F))
    x, W = rng.normal(size=(L, C)), rng.normal(size=(F, C, K))
    g = rng.normal(size=sol.parts["out-expr"].expr.shape)
    return sol, x, W, g


# --- (a) output sizes ------------------------------------------------------------------------

def test_the_catalogue_instances():
    assert solve("conv.output-shape").parts["shape"].value == [2, 5]
    assert solve("conv.output-shape").parts["shape"].latex == r"2 \times 5"
    params = dict(H=32, W=30, KH=5, KW=3, S=3, P=2, D=2)
    assert solve("conv.output-shape", params).parts["shape"].value == [10, 10]
    assert solve("conv.output-shape", dict(params, F=8)).parts["shape"].value == [8, 10, 10]


def _configs(count, seed):
    rng = random.Random(seed)
    boundary = [(n, k, s, p, d) for n in (1, 2, 5, 9) for k in (1, 2, 3) for s in (1, 2)
                for p in (0, 1) for d in (1, 2)]
    drawn = [(rng.randint(1, 40), rng.randint(1, 8), rng.randint(1, 6), rng.randint(0, 3),
              rng.randint(1, 4)) for _ in range(count)]
    return [c for c in boundary + drawn if c[0] + 2 * c[3] >= c[4] * (c[1] - 1) + 1]


def test_window_count_agrees_with_sliding_thousands_of_windows():
    configs = _configs(3000, seed=1)
    assert len(configs) > 2000
    for n, k, s, p, d in configs:
        assert window_count(n + 2 * p, k, s, d).count == slide(n + 2 * p, k, s, d), (n, k, s, p, d)


def test_output_shape_agrees_with_sliding_in_both_axes():
    rng = random.Random(2)
    for _ in range(300):
        H, W, KH, KW = rng.randint(1, 30), rng.randint(1, 30), rng.randint(1, 6), rng.randint(1, 6)
        S, P, D = rng.randint(1, 5), rng.randint(0, 2), rng.randint(1, 3)
        strides = rng.choice([{}, {"SH": rng.randint(1, 4)}, {"SW": rng.randint(1, 4)}])
        if H + 2 * P < D * (KH - 1) + 1 or W + 2 * P < D * (KW - 1) + 1:
            continue
        value = solve("conv.output-shape", dict(H=H, W=W, KH=KH, KW=KW, S=S, P=P, D=D,
                                                **strides)).parts["shape"].value
        assert value == [slide(H + 2 * P, KH, strides.get("SH", S), D),
                         slide(W + 2 * P, KW, strides.get("SW", S), D)]


def test_the_general_formula_agrees_with_sliding_at_random_integers():
    part = solve("conv.output-shape-formula").parts["shape"]
    F, rows, cols = part.expr
    names = {s.name: s for d in part.expr for s in sp.sympify(d).free_symbols}
    assert set(names) == {"F", "H", "W", "K", "P", "S", "D"}
    rng = random.Random(3)
    checked = 0
    while checked < 400:
        v = dict(H=rng.randint(1, 50), W=rng.randint(1, 50), K=rng.randint(1, 7),
                 P=rng.randint(0, 4), S=rng.randint(1, 6), D=rng.randint(1, 4), F=rng.randint(1, 9))
        if min(v["H"], v["W"]) + 2 * v["P"] < v["D"] * (v["K"] - 1) + 1:
            continue
        at = {names[n]: val for n, val in v.items()}
        got = [int(d.subs(at)) for d in (F, rows, cols)]
        assert got == [v["F"], slide(v["H"] + 2 * v["P"], v["K"], v["S"], v["D"]),
                       slide(v["W"] + 2 * v["P"], v["K"], v["S"], v["D"])], v
        checked += 1


def test_the_general_formula_is_written_with_floors():
    part = solve("conv.output-shape-formula").parts["shape"]
    floor = r"\left\lfloor \frac{%s + 2 P - D \left(K - 1\right) - 1}{S} \right\rfloor + 1"
    assert part.latex == r"F \times (%s) \times (%s)" % (floor % "H", floor % "W")
    assert part.value[0] == "F" and all("floor" in v for v in part.value[1:])


def test_the_count_is_solved_from_the_last_tap():
    steps = window_count(11, 5, 4).steps
    assert steps[0].rhs == r"4 r + 1 \leq 11"  # S(r-1) + D(K-1) + 1 with S=4, K=5, D=1
    assert steps[1].rhs == r"\leq \frac{5}{2}"


def test_grouped_shapes():
    assert shape([3, 1, 5, 3], groups=(1, 3), space=True).latex == \
        r"\mathbb{R}^{3 \times (1 \times 5 \times 3)}"
    assert shape([2, 3, 2, 5, 3], groups=(2, 3)).value == [[2, 3], [2, 5, 3]]


# --- (b) the forward formula against a strided loop ------------------------------------------

@pytest.mark.parametrize("C, L, K, S, F", SIZES)
def test_out_expr_is_the_strided_cross_correlation(C, L, K, S, F):
    sol, x, W, _ = instance(C, L, K, S, F)
    out = sol.parts["out-expr"].expr.evaluate({"x": x, "W": W})
    np.testing.assert_allclose(out, forward(x, W, S), rtol=1e-12, atol=1e-12)
    assert sol.parts["out-shape"].value == list(out.shape)


def test_the_catalogue_forms():
    parts = solve("conv1d.backprop").parts
    assert parts["out-shape"].latex == r"\mathbb{R}^{3}"
    assert parts["out-expr"].latex == r"\sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r - 1) + i][k] W_{1,k,i}"
    assert parts["dfdW-shape"].value == [3, [1, 5, 3]]
    assert parts["dfdW-shape"].latex == r"\mathbb{R}^{3 \times (1 \times 5 \times 3)}"
    assert parts["dfdW-expr"].lhs.endswith("[r, f, k, i]")
    assert parts["dfdW-expr"].latex == "x[2(r - 1) + i][k]"
    assert parts["dfdx-shape"].value == [3, [5, 7]]
    assert parts["dfdx-expr"].lhs.endswith("[r, k, i]")
    assert parts["dfdx-expr"].latex == (r"\begin{cases} W_{1,k,i - 2(r - 1)} & \text{if } 1 \leq "
                                        r"i - 2(r - 1) \leq 3 \\ 0 & \text{otherwise} \end{cases}")
    assert parts["dldW-shape"].value == [1, 5, 3]
    assert parts["dldW-expr"].latex == r"\sum_{r=1}^{3} g[r] x[2(r - 1) + i][k]"
    assert parts["dldW-explain"].meta["reference"]


def test_the_derivation_records_the_delta_elimination():
    steps = solve("conv1d.backprop").parts["dfdW-expr"].steps
    assert r"\delta_{1,f}" in steps[0].rhs  # the summand's derivative, before elimination
    assert any(s.lhs == "f = 1" and "dropped" in s.note for s in steps)  # F = 1: always true
    chain = solve("conv1d.backprop").parts["dldW-expr"].steps[0]
    assert "chain rule" in chain.note and r"\sum_{r=1}^{3} g[r]" in chain.rhs


# --- (c), (d) derivatives against finite differences and explicit sympy ------------------------

@pytest.mark.parametrize("C, L, K, S, F", SIZES)
def test_dfdW_and_dfdx_are_the_finite_difference_jacobians(C, L, K, S, F):
    sol, x, W, _ = instance(C, L, K, S, F)
    dfdW = sol.parts["dfdW-expr"].expr.evaluate({"x": x, "W": W})
    np.testing.assert_allclose(dfdW, central_jacobian(lambda w: forward(x, w, S), W), atol=1e-7)
    dfdx = sol.parts["dfdx-expr"].expr.evaluate({"x": x, "W": W})
    by_x = central_jacobian(lambda v: forward(v, W, S), x)  # [..., position, channel]
    np.testing.assert_allclose(dfdx, np.swapaxes(by_x, -1, -2), atol=1e-7)  # [..., k, i]
    assert sol.parts["dfdW-shape"].meta["dims"] == dfdW.shape
    assert sol.parts["dfdx-shape"].meta["dims"] == dfdx.shape


@pytest.mark.parametrize("C, L, K, S, F", SIZES)
def test_dldW_is_the_finite_difference_gradient_of_the_contraction(C, L, K, S, F):
    sol, x, W, g = instance(C, L, K, S, F)
    dldW = sol.parts["dldW-expr"].expr.evaluate({"x": x, "W": W, "g": g})
    expected = central_jacobian(lambda w: np.sum(g * forward(x, w, S)), W)
    np.testing.assert_allclose(dldW, expected, atol=1e-7)
    assert list(dldW.shape) == sol.parts["dldW-shape"].value == list(W.shape)


def test_dfdx_is_the_componentwise_sympy_derivative():
    C, L, K, S = 5, 7, 3, 2
    xs = np.array([[sp.Symbol(f"x_{n}_{k}") for k in range(C)] for n in range(L)], dtype=object)
    Ws = np.array([[[sp.Symbol(f"W_{k}_{i}") for i in range(K)] for k in range(C)]], dtype=object)
    out = correlate(xs, Ws, S)[0]
    values = np.random.default_rng(4).normal(size=(1, C, K))
    at = {Ws[0, k, i]: values[0, k, i] for k in range(C) for i in range(K)}
    explicit = np.array([[[float(sp.diff(o, xs[i, k]).subs(at)) for i in range(L)]
                          for k in range(C)] for o in out])
    sol = solve("conv1d.backprop")
    dfdx = sol.parts["dfdx-expr"].expr.evaluate({"x": np.zeros((L, C)), "W": values})
    np.testing.assert_allclose(dfdx, explicit, atol=1e-12)
    assert np.count_nonzero(explicit) == 3 * C * K  # each output reads K positions of C channels


@settings(max_examples=25, deadline=None)
@given(C=st.integers(1, 4), extra=st.integers(0, 6), K=st.integers(1, 4), S=st.integers(1, 3),
       F=st.integers(1, 3))
def test_all_derivatives_at_random_sizes(C, extra, K, S, F):
    sol, x, W, g = instance(C, K + extra, K, S, F, seed=C + extra)
    np.testing.assert_allclose(sol.parts["out-expr"].expr.evaluate({"x": x, "W": W}),
                               forward(x, W, S), atol=1e-12)
    np.testing.assert_allclose(sol.parts["dldW-expr"].expr.evaluate({"x": x, "W": W, "g": g}),
                               central_jacobian(lambda w: np.sum(g * forward(x, w, S)), W),
                               atol=1e-7)


def test_symbolic_length_derives_once_and_evaluates_at_any_length():
    sol = solve("conv1d.backprop", {"L": None})
    (O,) = sol.parts["out-shape"].expr
    assert sol.parts["out-shape"].value == [str(O)]
    assert sol.parts["out-shape"].latex == \
        r"\mathbb{R}^{\left\lfloor \frac{L - 3}{2} \right\rfloor + 1}"
    for L in (3, 4, 9, 12):
        assert O.subs(sp.Symbol("L", integer=True, positive=True), L) == slide(L, 3, 2, 1)
        _, x, W, g = instance(5, L, 3, 2, 1, seed=L)
        dldW = sol.parts["dldW-expr"].expr.evaluate({"x": x, "W": W, "g": g}, {"L": L})
        np.testing.assert_allclose(
            dldW, central_jacobian(lambda w: np.sum(g * forward(x, w, 2)), W), atol=1e-7)


# --- (e) the official key's mistakes -----------------------------------------------------------

def test_the_keys_shape_is_the_derived_one_reversed():
    derived = solve("conv.output-shape").parts["shape"].value
    key = [5, 2]  # 000 §1.1a, official key
    assert key != derived
    assert key == derived[::-1]  # the dims swapped: W_out x H_out


def _key_dldW(sol, upper):
    """The derived dL/dW with its sum over r cut at ``upper`` (the key sums r = 1..2)."""
    formula = sol.parts["dldW-expr"].expr
    (r, lo, hi), = formula.body.limits
    return TensorFormula(formula.head, formula.free,
                         sp.Sum(formula.body.function, (r, lo, upper)), formula.inputs), hi


@pytest.mark.parametrize("C, L, O", [(5, 7, 3), (7, 11, 5)])
def test_the_keys_range_is_wrong_when_there_are_more_than_two_outputs(C, L, O):
    sol, x, W, g = instance(C, L, 3, 2, 1)
    key, upper = _key_dldW(sol, 2)
    assert upper == O
    truth = sol.parts["dldW-expr"].expr.evaluate({"x": x, "W": W, "g": g})
    wrong = key.evaluate({"x": x, "W": W, "g": g})
    assert not np.allclose(truth, wrong)
    missing = sum(g[r] * x[2 * r:2 * r + 3, :].T for r in range(2, O))  # the terms r = 3..O
    np.testing.assert_allclose(truth - wrong, missing[None], atol=1e-12)


def test_the_keys_range_is_right_when_there_are_two_outputs():
    sol, x, W, g = instance(2, 5, 3, 2, 1)
    key, upper = _key_dldW(sol, 2)
    assert upper == 2
    np.testing.assert_allclose(key.evaluate({"x": x, "W": W, "g": g}),
                               sol.parts["dldW-expr"].expr.evaluate({"x": x, "W": W, "g": g}))


# --- (f) bad parameters ------------------------------------------------------------------------

@pytest.mark.parametrize("problem, params, match", [
    ("conv.output-shape", dict(H=3, KH=5), r"parameter H, P, D, KH: the padded height"),
    ("conv.output-shape", dict(H=40, W=8, KW=3, D=4), r"parameter W, P, D, KW: the padded width"),
    ("conv.output-shape", dict(S=0), r"parameter S: must be at least 1"),
    ("conv.output-shape", dict(P=-1), r"parameter P: must be at least 0"),
    ("conv.output-shape", dict(H=2.5), r"parameter H: expected an integer"),
    ("conv.output-shape-formula", dict(H=2, K=4, P=0, D=1), r"parameter H, P, D, K"),
    ("conv1d.backprop", dict(L=2), r"parameter L, K: the input length L must be at least"),
    ("conv1d.backprop", dict(F=0), r"parameter F: must be at least 1"),
])
def test_bad_params_name_the_parameter(problem, params, match):
    with pytest.raises(ParamError, match=match):
        solve(problem, params)


def test_unknown_param_lists_the_valid_ones():
    with pytest.raises(UnknownName, match=r"unknown parameter 'Q'; valid parameters: C, F, K"):
        solve("conv1d.backprop", {"Q": 1})


def test_evaluate_checks_its_inputs():
    r, i = index("r"), index("i")
    x = Input("x", (4,))
    formula = TensorFormula("y", (Index(r, 1, 2),), sp.Sum(x.base[r + i - 1], (i, 1, 3)), (x,))
    np.testing.assert_allclose(formula.evaluate({"x": np.arange(1.0, 5.0)}), [6.0, 9.0])
    with pytest.raises(ValueError, match=r"input x: expected shape \(4,\), got \(3,\)"):
        formula.evaluate({"x": np.zeros(3)})
