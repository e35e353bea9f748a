"""Resolving powers, named functions, Kronecker deltas, sums and products of a matrix answer
(rules of the `Resolver`, by AST node type).

``e^{x}`` is ``exp``; a power of a scalar or vector is element-wise, of a square matrix the
matrix power; ``\\operatorname{diag}`` takes a vector; other functions of the scalar whitelist
apply entry-wise. A product of Jacobians over time is taken in chain order: the factor of the
latest time on the left (numerator layout), as the chain rule needs, whichever way the bounds
run; in denominator layout the other way round.
"""

from __future__ import annotations

import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.backends import FLOAT_FUNCTIONS
from nablagrade.check.matrix_algebra import Flex, is_one_by_one, quote, same, shape_text
from nablagrade.check.matrix_defs import IllTyped
from nablagrade.check.matrix_nodes import Elementwise, Kron, Lin, Power, nodes
from nablagrade.check.matrix_sequences import Big
from nablagrade.check.names import base_key
from nablagrade.derive.mexpr import Apply, Coef, Diag, MExpr, Var, mul, transpose

ENGINE_FUNCTIONS = ("sigmoid", "tanh", "exp")


def _pow(r, node: A.Pow, ctx):
    base, exponent = node.base, node.exponent
    if isinstance(base, A.Name) and base_key(base) == "e" and "e" not in r.scope.names:
        return Apply("exp", r.concrete(exponent, ctx))
    if isinstance(base, A.Name) and isinstance(exponent, A.Name) and base.sub is None:
        key = f"{base_key(base)}_{base_key(exponent)}"  # U^f for U_f
        if key in r.scope.names:
            return r.name(A.Name(key, pos=base.pos), ctx)
    value, p = r.expr(base, ctx), r.expr(exponent, ctx)
    if isinstance(p, Flex) and p.kind == "number":
        return _power(value, p.coef, node)
    value, p = r.concrete(base, ctx), r.concrete(exponent, ctx)
    if not is_one_by_one(p.shape):
        raise IllTyped(f"the exponent in {quote(node)} must be a scalar", node.pos)
    return Power(value, p)


def _power(value, p, node):
    if isinstance(value, Flex):
        raise IllTyped(f"cannot tell the size of {quote(node)}", node.pos)
    rows, cols = value.shape
    if is_one_by_one(value.shape) or sp.simplify(rows - cols) != 0:
        return Power(value, Coef(p))
    if p == int(p) and 1 <= int(p) <= 8:  # a square matrix: the matrix power
        return mul(*[value] * int(p))
    raise IllTyped(f"{quote(node)}: only small positive integer powers of a square matrix "
                   "are supported", node.pos)


def _call(r, node: A.Call, ctx):
    if len(node.args) != 1 or node.base is not None:
        raise IllTyped(f"{quote(node)}: expected one argument", node.pos)
    arg = r.concrete(node.args[0], ctx)
    if node.name == "diag":
        return _diag(arg, node)
    if node.name in ENGINE_FUNCTIONS:
        return Apply(node.name, arg)
    if node.name in FLOAT_FUNCTIONS and node.name not in ("floor", "ceil", "factorial"):
        return Elementwise(node.name, arg)
    raise IllTyped(f"\\operatorname{{{node.name}}} is not supported in a matrix answer",
                   node.pos)


def _diag(v: MExpr, node):
    rows, cols = v.shape
    if sp.simplify(cols - 1) == 0:
        return Diag(v)
    if sp.simplify(rows - 1) == 0:
        return Diag(transpose(v))
    raise IllTyped(f"{quote(node)}: diag takes a vector, not a {shape_text(v.shape)} matrix",
                   node.pos)


def _abs(r, node: A.Abs, ctx):
    return Elementwise("abs", r.concrete(node.arg, ctx))


def _sqrt(r, node: A.Sqrt, ctx):
    if node.root is not None:
        raise IllTyped(f"{quote(node)}: only square roots are supported", node.pos)
    return Elementwise("sqrt", r.concrete(node.radicand, ctx))


def _kronecker(r, node: A.Kronecker, ctx):
    i, j = r.index(node.i, ctx), r.index(node.j, ctx)
    if (i - j).is_Integer:
        return Flex("number", int(i == j))
    return Kron(r.lin(i, node), r.lin(j, node))


def _big(r, node, ctx):
    var, lo, hi = r.bounds(node, ctx)
    inner = ctx.binding(base_key(node.var), var)
    body = r.concrete(node.body, inner)
    product = isinstance(node, A.ProdOp)
    if product and not (is_one_by_one(body.shape) or same(*body.shape)):
        raise IllTyped(f"the factors of {quote(node)} are {shape_text(body.shape)}, but a "
                       "product over an index needs square matrices (put the product in "
                       "parentheses when other factors follow it)", node.pos)
    latest = product and _increasing(body, var)
    if product and r.layout == "denominator":
        latest = not latest
    return Big(body, var, lo, hi, product, latest)


def _increasing(body: MExpr, var) -> bool:
    """Does time run forward with ``var`` in ``body`` (then the chain puts late factors left)?"""
    for node in nodes(body):
        for index in _indices(node):
            coef = sp.expand(index).coeff(var) if not isinstance(index, Lin) else index.coef(var)
            if coef:
                return coef > 0
    return False


def _indices(node):
    if isinstance(node, Var) and node.index is not None:
        return (node.index,)
    return tuple(getattr(node, f) for f in ("index", "of") if isinstance(getattr(node, f, None),
                                                                     Lin))


FUNCTION_RULES = {A.Pow: _pow, A.Call: _call, A.Abs: _abs, A.Sqrt: _sqrt,
                  A.Kronecker: _kronecker, A.SumOp: _big, A.ProdOp: _big}
