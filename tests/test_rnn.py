"""Proofs of the recurrent problems: every derived Jacobian and gradient against central finite
differences of the forward equations alone (no derivative rule is used by the oracle), at
several dimensions with m != n and several time steps."""

import numpy as np
import pytest
import sympy as sp

from nablagrade.derive import solve, solve_part
from nablagrade.derive.mexpr import Deriv, Diag, Hadamard, Ones, Var, mul
from nablagrade.derive.numeric import Env, deriv_key, evaluate
from nablagrade.derive.recurrence import LOSS, T
from nablagrade.derive.verify import fd_jacobian, instance, loss_value, perturbed, verify
from nablagrade.problems import get_problem

DIMS = [dict(n=2, m=3, K=4), dict(n=4, m=2, K=3), dict(n=3, m=5, K=5)]
N = 3  # instances evaluated at once


def loss(env, times):
    return loss_value(env, env.definitions.symbols["h"], times)


@pytest.mark.parametrize("dims", DIMS)
@pytest.mark.parametrize("part, of, wrt", [("dc-dh", "c", ("h", -1)), ("dh-dh", "h", ("h", -1))])
def test_gated_jacobians_match_finite_differences(dims, part, of, wrt):
    d = solve_part("rnn.gated", part, dims)
    system = d.meta["system"]
    for t in (1, 2, dims["K"]):
        env = instance(system, dims, t, seed=t)
        got = evaluate(d.expr, env)
        of_var = system.symbols[of]
        wrt_var = system.symbols[wrt[0]].at(T + wrt[1])
        want = fd_jacobian(env, of_var, wrt_var)
        assert got.shape == (N, dims["m"], dims["m"])
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dims", DIMS)
def test_gated_bptt_gradient_matches_finite_differences(dims):
    d = solve_part("rnn.gated", "dl-dWx", dims)
    system = d.meta["system"]
    K = dims["K"]
    env = instance(system, dims, 1, seed=7, loss_times=range(1, K + 1))
    got = evaluate(d.expr, env)  # numerator layout: n x m
    W = ("W_x", None)
    base = env.values[W]
    want = np.zeros((N, dims["m"], dims["n"]))
    for i in range(dims["m"]):
        for j in range(dims["n"]):
            step = np.zeros_like(base)
            step[:, i, j] = 1e-6
            up = loss(perturbed(env, {W: base + step}), range(1, K + 1))
            down = loss(perturbed(env, {W: base - step}), range(1, K + 1))
            want[:, i, j] = (up - down) / 2e-6
    assert got.shape == (N, dims["n"], dims["m"])
    np.testing.assert_allclose(got, np.swapaxes(want, 1, 2), rtol=1e-5, atol=1e-7)


def test_gated_shapes_follow_numerator_layout():
    s = solve("rnn.gated", dict(n=2, m=3, K=4))
    assert s.parts["c-shape"].value == [3]
    assert s.parts["dl-dWx-shape"].value == [2, 3]  # n x m
    symbolic = solve("rnn.gated")
    assert symbolic.parts["dl-dWx-shape"].value == ["n", "m"]
    assert symbolic.parts["dl-dWx-shape"].latex == r"n \times m"


def test_official_key_transpose_is_told_apart():
    """000's key writes diag(c ⊙ (1 - c)) W_h^T; at random instances it is not the truth."""
    dims = dict(n=2, m=3, K=3)
    d = solve_part("rnn.gated", "dc-dh", dims)
    system = d.meta["system"]
    c = system.symbols["c"]
    W_h = system.params[1]
    key = mul(Diag(Hadamard(c, Ones(3) - c)), W_h.T)
    env = instance(system, dims, 2, seed=3)
    assert not np.allclose(evaluate(key, env), evaluate(d.expr, env))
    right = mul(Diag(Hadamard(c, Ones(3) - c)), W_h)
    np.testing.assert_allclose(evaluate(right, env), evaluate(d.expr, env))
    # and the finite-difference verifier rejects the key's form outright
    query = get_problem("rnn.gated").build(get_problem("rnn.gated").resolve(dims))["dc-dh"]
    from nablagrade.derive.verify import verify_jacobian
    assert not verify_jacobian(query, key, dims, [1, 2, 3]).ok
    assert verify_jacobian(query, right, dims, [1, 2, 3]).ok


@pytest.mark.parametrize("dims", [dict(n=3, m=2, K=4), dict(n=2, m=4, K=3)])
def test_lstm_jacobians_match_finite_differences(dims):
    s = solve("rnn.lstm", dims)
    system = s.parts["dC-dC"].meta["system"]
    C, h = system.symbols["C"], system.symbols["h"]
    for t in (1, 3):
        env = instance(system, dims, t, seed=11 + t)
        # dC[t]/dC[t-1] with h[t-1] held fixed (it is an independent state)
        want = fd_jacobian(env, C, C.at(T - 1), hold=(h.at(T - 1),))
        np.testing.assert_allclose(evaluate(s.parts["dC-dC"].expr, env), want, rtol=1e-6, atol=1e-8)
        want = fd_jacobian(env, h, C)
        np.testing.assert_allclose(evaluate(s.parts["dh-dC"].expr, env), want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("k, dims", [(2, dict(n=3, K=5)), (2, dict(n=2, K=4)), (3, dict(n=2, K=6)),
                                     (1, dict(n=4, K=3))])
def test_attention_dh_dh_matches_finite_differences(k, dims):
    d = solve_part("rnn.attention", "dh-dh", dict(k=k, **dims))
    system = d.meta["system"]
    h = system.symbols["h"]
    held = tuple(h.at(T - i) for i in range(2, k + 1))
    for t in (2, dims["K"]):
        env = instance(system, dict(k=k, **dims), t, seed=t + 5 * k)
        want = fd_jacobian(env, h, h.at(T - 1), hold=held)
        np.testing.assert_allclose(evaluate(d.expr, env), want, rtol=1e-5, atol=1e-8)


def test_attention_catalogue_closed_form_agrees():
    """The catalogue's a_1 V_1 + a_1 (v_1 - h[t]) (q_1^T K_1 + k_1^T Q_1), evaluated directly."""
    dims = dict(k=2, n=3, K=4)
    d = solve_part("rnn.attention", "dh-dh", dims)
    system = d.meta["system"]
    s = system.symbols
    V1, Q1, K1 = (next(p for p in system.params if p.name == nm) for nm in ("V_1", "Q_1", "K_1"))
    closed = mul(s["a_1"], V1) + mul(s["a_1"], s["v_1"] - s["h"],
                                     mul(s["q_1"].T, K1) + mul(s["k_1"].T, Q1))
    dropped = mul(s["a_1"], V1)  # the softmax cross-terms left out: missing-term
    env = instance(system, dims, 3, seed=1)
    np.testing.assert_allclose(evaluate(closed, env), evaluate(d.expr, env), rtol=1e-10)
    assert not np.allclose(evaluate(dropped, env), evaluate(d.expr, env))


def test_attention_dl_dhT_is_the_chain_rule_through_successors():
    """Total dl/dh[T0] by finite differences equals the derived sum, fed with the total
    dl/dh[t] and direct dh[t]/dh[T0] (both measured by finite differences)."""
    k, n, K, T0 = 2, 3, 6, 3
    d = solve_part("rnn.attention", "dl-dhT", dict(k=k, n=n, K=K))
    system = d.meta["system"]
    h = system.symbols["h"]
    times = range(T0 + 1, K + 1)
    env = instance(system, dict(k=k, n=n, K=K), T0, seed=2, loss_times=times)

    def total(at):
        key, base = ("h", at), env.var(h.at(at))
        grads = []
        for j in range(n):
            step = np.zeros_like(base)
            step[:, j, 0] = 1e-6
            grads.append((loss(perturbed(env, {key: base + step}), times)
                          - loss(perturbed(env, {key: base - step}), times)) / 2e-6)
        return np.stack(grads, axis=-1)[:, None, :]

    values = dict(env.values)
    for i in range(1, k + 1):
        values[deriv_key(LOSS, None, h, T0 + i)] = total(T0 + i)
        between = tuple(h.at(T0 + j) for j in range(1, i))
        direct = fd_jacobian(Env(system, env.dims, env.values, N, {T: T0 + i}), h,
                             h.at(T - i), hold=between)
        values[deriv_key(h, T0 + i, h, T0)] = direct
    feed = Env(system, env.dims, values, N, {sp.Symbol("T", integer=True): T0})
    np.testing.assert_allclose(evaluate(d.expr, feed), total(T0), rtol=1e-5, atol=1e-8)
    reversed_order = mul(Deriv(h.at(T0 + 1), h.at(T0)), Deriv(LOSS, h.at(T0 + 1)).T)
    assert reversed_order.shape == (n, 1)  # the denominator-layout reading is a column


def test_attention_softmax_has_k_plus_one_weights():
    assert solve_part("rnn.attention", "a-shape", dict(k=4)).value == [5]
    assert solve_part("rnn.attention", "a-shape").latex == r"\mathbb{R}^{3}"


@pytest.mark.parametrize("problem_id, dims", [
    ("rnn.gated", dict(n=2, m=3, K=4)), ("rnn.gated", dict(n=5, m=2, K=2)),
    ("rnn.lstm", dict(n=2, m=3, K=3)), ("rnn.attention", dict(k=2, n=3, K=4)),
    ("rnn.attention", dict(k=3, n=2, K=5)),
])
def test_library_verifier_proves_every_matrix_part(problem_id, dims):
    problem = get_problem(problem_id)
    queries = problem.build(problem.resolve(dims))
    solution = solve(problem_id, dims)
    checked = 0
    for part_id, query in queries.items():
        check = verify(query, solution.parts[part_id], dims)
        if check is not None:
            assert check.ok, (part_id, check)
            checked += 1
    assert checked >= 1
