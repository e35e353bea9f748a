"""Sums, products, conditions, cases, Kronecker deltas and Iverson brackets of a tensor answer
(rules of the compiler in `nablagrade.check.tensor_eval`, which hands each rule a context whose
``compile`` compiles a sub-node).

A sum (product) evaluates its body once, over a new *leading* array axis holding every value of
its variable: the free indices' axes stay last, so values that do not depend on the variable
still broadcast. Bounds that depend on a free index or an outer sum become a mask. Conditions
are lazy: a branch whose condition is false at a point does not contribute there.
"""

from __future__ import annotations

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.names import base_key
from nablagrade.check.scalar import IllTyped

BUDGET = 5_000_000  # array elements all the sums of one evaluation may span


def big(node, ctx):
    """A sum (product) over a new leading array axis holding every value of its variable;
    values outside bounds that depend on other indices are masked out."""
    if node.var is None or node.lo is None or node.hi is None:
        raise IllTyped("a sum needs its variable and both bounds, e.g. \\sum_{k=1}^{5}", node.pos)
    var, is_sum = base_key(node.var), isinstance(node, A.SumOp)
    lo, hi = ctx.indexing().compile(node.lo), ctx.indexing().compile(node.hi)
    body = ctx.binding(var).compile(node.body)
    unit = 0.0 if is_sum else 1.0

    def run(env):
        low, high = _bound(lo(env), node.pos), _bound(hi(env), node.pos)
        first, last = int(np.min(low)), int(np.max(high))
        if last < first:
            return unit
        env.budget[0] -= (last - first + 1) * env.cells
        if env.budget[0] < 0:
            raise IllTyped("the sums are too long to evaluate", node.pos)
        values = np.arange(first, last + 1).reshape((-1,) + (1,) * env.ndim)
        mask = (low <= values) & (values <= high)
        term = np.where(mask, body(env.bind(var, values)), unit)
        return term.sum(axis=0) if is_sum else term.prod(axis=0)
    return run


def _bound(value, pos):
    value = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(value)) or np.any(value != np.rint(value)):
        raise IllTyped("the bounds of a sum must be integers", pos)
    return value.astype(np.int64) if value.ndim else int(value)


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "=": np.equal, "!=": np.not_equal}


def _condition(node, ctx):
    while isinstance(node, A.Group):
        node = node.body
    if isinstance(node, A.And):
        parts = [_condition(p, ctx) for p in node.parts]
        return lambda env: np.logical_and.reduce([np.asarray(p(env)) for p in parts])
    if isinstance(node, A.Relation) and all(op in _COMPARE for op in node.ops):
        operands = [ctx.indexing().compile(o) for o in node.operands]
        ops = [_COMPARE[op] for op in node.ops]

        def run(env):
            values = [o(env) for o in operands]
            out = True
            for a, op, b in zip(values, ops, values[1:]):
                out = out & op(a, b)
            return np.asarray(out)
        return run
    raise IllTyped("a condition must be a comparison such as 1 \\le i \\le 3", node.pos)


def cases(node: A.Cases, ctx):
    branches = [(ctx.compile(v), None if c is None else _condition(c, ctx))
                for v, c in node.branches]

    def run(env):
        out = 0.0  # no branch applies: 0, as "0 otherwise" says
        for value, cond in reversed(branches):
            out = value(env) if cond is None else np.where(cond(env), value(env), out)
        return out
    return run


def kronecker(node: A.Kronecker, ctx):
    i, j = ctx.indexing().compile(node.i), ctx.indexing().compile(node.j)
    return lambda env: np.equal(i(env), j(env)).astype(float)


def iverson(node: A.Iverson, ctx):
    cond = _condition(node.condition, ctx)
    return lambda env: np.asarray(cond(env)).astype(float)
