"""Verification of derived matrix answers against central finite differences.

The oracle evaluates only the forward equations (never a derivative rule): it perturbs one
input entry at a time, re-evaluates, and compares the difference quotient with the derived
expression evaluated at the same random instance. Partial derivatives hold every other state
the definition reads at its value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nablagrade.derive.mexpr import Var, walk
from nablagrade.derive.numeric import Env, deriv_key, evaluate
from nablagrade.derive.queries import BPTTGradient, Jacobian
from nablagrade.derive.recurrence import LOSS, T, Recurrence

EPS = 1e-6


@dataclass(frozen=True)
class Check:
    """The outcome of one numeric verification."""

    method: str
    instances: int
    max_error: float
    ok: bool


def perturbed(env: Env, changes: dict) -> Env:
    return Env(env.definitions, env.dims, {**env.values, **changes}, env.n, env.bindings)


def states_read(system: Recurrence, of: Var, env: Env) -> list[Var]:
    """The states (at concrete indices) that the definition of ``of`` reads, directly or
    through intermediate quantities of the same step."""
    found, todo, seen = {}, [system.definition_at(of)], set()
    while todo:
        for node in walk(todo.pop()):
            if not isinstance(node, Var) or node.index is None:
                continue
            if node.name in system.states:
                found[(node.name, env.index(node.index))] = node
            elif system.definition(node) is not None and node.key() not in seen:
                seen.add(node.key())
                todo.append(system.definition(node))
    return list(found.values())


def fd_jacobian(env: Env, of: Var, wrt: Var, hold=()) -> np.ndarray:
    """d of / d wrt, (N, rows(of), rows(wrt)), by central differences."""
    key = (wrt.name, env.index(wrt.index))
    pinned = {(v.name, env.index(v.index)): env.var(v) for v in hold}
    pinned.pop(key, None)
    base = env.var(wrt)
    columns = []
    for j in range(base.shape[1]):
        step = np.zeros_like(base)
        step[:, j, 0] = EPS
        plus = perturbed(env, {**pinned, key: base + step}).var(of)
        minus = perturbed(env, {**pinned, key: base - step}).var(of)
        columns.append((plus - minus) / (2 * EPS))
    return np.concatenate(columns, axis=-1)


def loss_value(env: Env, state: Var, times) -> np.ndarray:
    """l = sum_t g[t] h[t], with g[t] the given row vectors dl/dh[t]."""
    total = 0.0
    for s in times:
        g = env.values[deriv_key(LOSS, None, state, s)]
        total = total + (g @ env.var(state.at(s)))[:, 0, 0]
    return total


def fd_gradient(env: Env, param: Var, state: Var, times) -> np.ndarray:
    """dl/dparam in numerator layout, (N, cols, rows), by central differences of the loss."""
    key, base = (param.name, None), env.values[(param.name, None)]
    grad = np.zeros_like(base)
    for i in range(base.shape[1]):
        for j in range(base.shape[2]):
            step = np.zeros_like(base)
            step[:, i, j] = EPS
            up = loss_value(perturbed(env, {key: base + step}), state, times)
            down = loss_value(perturbed(env, {key: base - step}), state, times)
            grad[:, i, j] = (up - down) / (2 * EPS)
    return np.swapaxes(grad, 1, 2)


def instance(system: Recurrence, dims: dict, t: int, seed: int, n: int = 3,
             loss_times=(), state: str = "h") -> Env:
    """A random instance at time ``t``; ``loss_times`` get given row vectors dl/dstate[s]."""
    rng = np.random.default_rng(seed)
    env = system.instance(dims, n, rng, bindings={T: t})
    h = system.symbols[state]
    values = dict(env.values)
    for s in loss_times:
        values[deriv_key(LOSS, None, h, s)] = rng.standard_normal((n, 1, env.dim(h.rows)))
    return Env(system, dims, values, n, {T: t})


def _compare(got: np.ndarray, want: np.ndarray, method: str, n: int) -> Check:
    err = float(np.max(np.abs(got - want) / (1.0 + np.abs(want)))) if got.shape == want.shape \
        else float("inf")
    return Check(method, n, err, err < 1e-5)


def verify_jacobian(query: Jacobian, expr, dims: dict, times, seed: int = 0) -> Check:
    checks = []
    for t in times:
        env = instance(query.system, dims, t, seed + t)
        of = query.of
        hold = states_read(query.system, of, env)
        want = fd_jacobian(env, of, query.wrt, hold)
        checks.append(_compare(evaluate(expr, env), want, "finite differences", env.n))
    worst = max(checks, key=lambda c: c.max_error)
    return Check(worst.method, sum(c.instances for c in checks), worst.max_error,
                 all(c.ok for c in checks))


def verify_bptt(query: BPTTGradient, derivation, dims: dict, seed: int = 0) -> Check:
    system = derivation.meta["system"]
    env0 = Env(system, dims, {}, 1)
    times = range(1, env0.dim(system.length) + 1)
    env = instance(system, dims, 1, seed, loss_times=times, state=query.state)
    want = fd_gradient(env, query.param, system.symbols[query.state], times)
    return _compare(evaluate(derivation.expr, env), want, "finite differences", env.n)


def verify(query, derivation, dims: dict, seed: int = 0) -> Check | None:
    """Verify one derived part numerically; None where no numeric oracle applies here."""
    if isinstance(query, Jacobian):
        length = Env(query.system, dims, {}, 1).dim(query.system.length)
        return verify_jacobian(query, derivation.expr, dims, sorted({1, 2, length}), seed)
    if isinstance(query, BPTTGradient):
        return verify_bptt(query, derivation, dims, seed)
    return None
