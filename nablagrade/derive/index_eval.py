"""Numbers for index notation: a `TensorFormula` compiled into numpy operations.

This module owns numeric evaluation: every index becomes one broadcast axis (free indices
first, then one per summation), the body is compiled once per formula and per set of concrete
dimensions (`instantiated`, cached), and `TensorFormula.evaluate` in `nablagrade.derive.index`
applies the result to arrays. It reads formulas through their attributes only, so it does not
import `nablagrade.derive.index` at run time.
"""

from __future__ import annotations

from functools import lru_cache, singledispatch
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from nablagrade.errors import DerivationError

if TYPE_CHECKING:
    from nablagrade.derive.index import TensorFormula


class _Axes:
    """Axis numbers: free indices first, then one new axis per summation (names may repeat)."""

    def __init__(self, free):
        self.known, self.n = {i.symbol for i in free}, len(free)

    def new(self, v):
        self.known.add(v)
        self.n += 1
        return self.n - 1


@lru_cache(maxsize=256)
def instantiated(formula: TensorFormula, params: tuple):
    """The formula at concrete dimensions, and its compiled evaluator (once per params)."""
    concrete = formula._instantiate(dict(params))
    return concrete, _compiled(concrete)


def _compiled(formula: TensorFormula):
    axes = _Axes(formula.free)
    run = _compile(formula.body, axes)
    sizes = tuple(int(i.size) for i in formula.free)

    def evaluate(arrays):
        ndim = axes.n
        env = {"ndim": ndim, **arrays}
        for n, i in enumerate(formula.free):
            env[i.symbol] = _along(np.arange(int(i.lo), int(i.hi) + 1), n, ndim)
        value = np.asarray(run(env), dtype=float)
        value = value.reshape(value.shape + (1,) * (ndim - value.ndim)) if value.ndim else value
        return np.broadcast_to(value, sizes + (1,) * (ndim - len(sizes))).reshape(sizes).copy()

    return evaluate


def _along(values, axis, ndim):
    shape = [1] * ndim
    shape[axis] = len(values)
    return values.reshape(shape)


@singledispatch
def _compile(e, axes):
    raise DerivationError(f"cannot evaluate {type(e).__name__}: {e}")


@_compile.register(sp.Number)
def _(e, axes):
    value = int(e) if e.is_Integer else float(e)
    return lambda env: value


@_compile.register(sp.Symbol)
def _(e, axes):
    if e not in axes.known:
        raise DerivationError(f"cannot evaluate: {e} has no value")
    return lambda env: env[e]


@_compile.register(sp.Add)
@_compile.register(sp.Mul)
def _(e, axes):
    parts, join = [_compile(a, axes) for a in e.args], np.add if e.is_Add else np.multiply
    return lambda env: _reduce_all(join, [p(env) for p in parts])


def _reduce_all(join, values):
    out = values[0]
    for v in values[1:]:
        out = join(out, v)
    return out


@_compile.register(sp.Pow)
def _(e, axes):
    base, power = _compile(e.base, axes), _compile(e.exp, axes)
    return lambda env: np.power(np.asarray(base(env), dtype=float), power(env))


@_compile.register(sp.Indexed)
def _(e, axes):
    name, idx = str(e.base.label), [_compile(a, axes) for a in e.indices]

    def take(env):
        array = env[name]
        # Clipping is safe: an index out of range only occurs in a branch a condition discards.
        where = tuple(np.clip(np.asarray(f(env), dtype=np.int64) - 1, 0, n - 1)
                      for f, n in zip(idx, array.shape))
        return array[where]
    return take


@_compile.register(sp.Sum)
def _(e, axes):
    limits = [(v, axes.new(v), _compile(lo, axes), _compile(hi, axes)) for v, lo, hi in e.limits]
    body = _compile(e.function, axes)

    def total(env):
        env, mask = dict(env), True
        for v, axis, lo, hi in reversed(limits):  # outer first: inner bounds may use them
            low, high = np.asarray(lo(env)), np.asarray(hi(env))
            env[v] = _along(np.arange(low.min(), high.max() + 1), axis, env["ndim"])
            mask = mask & (env[v] >= low) & (env[v] <= high)
        return np.sum(np.where(mask, body(env), 0.0), axis=tuple(a for _, a, _, _ in limits),
                      keepdims=True)
    return total


@_compile.register(sp.Piecewise)
def _(e, axes):
    branches = [(_compile(v, axes), _compile(c, axes)) for v, c in e.args]

    def select(env):
        out = 0.0
        for value, cond in reversed(branches):
            out = np.where(cond(env), value(env), out)
        return out
    return select


_OPS = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater,
        "==": np.equal, "!=": np.not_equal}


@_compile.register(sp.core.relational.Relational)
def _(e, axes):
    lhs, rhs, op = _compile(e.lhs, axes), _compile(e.rhs, axes), _OPS[e.rel_op]
    return lambda env: op(lhs(env), rhs(env))


@_compile.register(sp.And)
@_compile.register(sp.Or)
def _(e, axes):
    parts = [_compile(a, axes) for a in e.args]
    join = np.logical_and if isinstance(e, sp.And) else np.logical_or
    return lambda env: _reduce_all(join, [p(env) for p in parts])


@_compile.register(sp.logic.boolalg.BooleanAtom)
def _(e, axes):
    value = bool(e)
    return lambda env: value


@_compile.register(sp.KroneckerDelta)
def _(e, axes):
    a, b = (_compile(x, axes) for x in e.args[:2])
    return lambda env: np.equal(a(env), b(env)).astype(float)


@_compile.register(sp.floor)
@_compile.register(sp.ceiling)
def _(e, axes):
    arg, op = _compile(e.args[0], axes), np.floor if isinstance(e, sp.floor) else np.ceil
    return lambda env: op(arg(env)).astype(np.int64)
