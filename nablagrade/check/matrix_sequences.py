"""Nodes over a sequence index, each with its numeric rule: sums and ordered products with
bounds evaluated at the instance (`Big`), total derivatives between states through the
recurrence (`TotalJac`), and recursive definitions with base cases (`Piecewise`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nablagrade.check.matrix_nodes import Lin, NoBase, Node, compiled, rule
from nablagrade.derive import numeric
from nablagrade.derive.mexpr import MExpr, Var
from nablagrade.errors import DerivationError

MAX_TERMS = 2_000  # iterations of one sum or product at one instance


def _zeros(env, shape):
    return np.zeros((env.n, env.dim(shape[0]), env.dim(shape[1])))


def _identity(env, shape):
    rows = env.dim(shape[0])
    return np.broadcast_to(np.eye(rows), (env.n, rows, rows))


@dataclass(frozen=True)
class Big(Node):
    """``\\sum`` or ``\\prod`` over ``var = lo..hi``; a product of matrices is taken in chain
    order when ``latest_first`` (the factor of the largest ``var`` on the left)."""

    body: MExpr
    var: Any
    lo: Lin
    hi: Lin
    product: bool = False
    latest_first: bool = False

    @property
    def shape(self):
        return self.body.shape

    def parts(self) -> tuple:
        return (self.body,)


@rule
def _(e: Big):
    body = compiled(e.body)

    def run(env):
        first, last = e.lo.value(env), e.hi.value(env)
        if last - first + 1 > MAX_TERMS:
            raise DerivationError(f"a sum or product of {last - first + 1} terms is too long")
        parts = [body(env.rebind(bindings={e.var: v})) for v in range(first, last + 1)]
        if not e.product:
            return sum(parts[1:], parts[0]) if parts else _zeros(env, e.shape)
        if e.latest_first:
            parts.reverse()
        out = parts[0] if parts else _identity(env, e.shape)
        for p in parts[1:]:
            out = numeric.matmul(out, p)
        return out
    return run


@dataclass(frozen=True)
class TotalJac(Node):
    """``d state[of] / d state[wrt]`` through the recurrence: the identity when equal, zero when
    ``of < wrt`` or ``of`` is an initial state (``<= 0``, a constant), else ``sum over lags
    J_lag(of) D(of - lag, wrt)`` with the step Jacobians ``steps`` (written at ``time``)."""

    state: Var
    of: Lin
    wrt: Lin
    steps: tuple  # ((lag, MExpr at time), ...)
    time: Any

    @property
    def shape(self):
        return (self.state.rows, self.state.rows)


@rule
def _(e: TotalJac):
    steps = tuple((lag, compiled(J)) for lag, J in e.steps)

    def total(env, s: int, t: int):
        key = ("~D", e.state.name, s, t)
        memo = env.scratch  # shared by every view of the instance
        if key not in memo:
            rows = env.dim(e.state.rows)
            out = _identity(env, e.shape) if s == t else np.zeros((env.n, rows, rows))
            if s > t and s > 0:
                out = sum((J(env.rebind(bindings={e.time: s})) @ total(env, s - lag, t)
                           for lag, J in steps if s - lag >= t), np.zeros_like(out))
            memo[key] = out
        return memo[key]

    return lambda env: total(env, e.of.value(env), e.wrt.value(env))


@dataclass(frozen=True)
class Piecewise(Node):
    """A recursive definition at the bound ``time``: a base case where the index matches one,
    else ``general``; outside ``span`` the recursion can no longer reach a base case."""

    name: str
    general: MExpr
    bases: tuple  # ((Lin, MExpr), ...)
    time: Any
    span: tuple  # (Lin, Lin)

    @property
    def shape(self):
        return self.general.shape

    def parts(self) -> tuple:
        return (self.general, *(v for _, v in self.bases))


@rule
def _(e: Piecewise):
    general = compiled(e.general)
    bases = tuple((at, compiled(v)) for at, v in e.bases)

    def run(env):
        index = env.bindings[e.time]
        for at, value in bases:
            if at.value(env) == index:
                return value(env)
        low, high = (bound.value(env) for bound in e.span)
        if not low <= index <= high:
            raise NoBase(f"the recursion for {e.name} never reaches its base case")
        return general(env)
    return run
