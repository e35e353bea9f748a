"""Resolving a matrix answer's syntax tree into the engine's typed matrix expressions.

One rule per node type (`RULES`). Names go through the question's `Scope` (``x_t``, ``x[t]``
and ``x_{t}`` are ``x`` at ``t``; ``W_h`` a parameter; ``v_i`` a member of the family ``v_0..``
picked by ``i``) and through the answer's own definitions (`Plan`): a plain or non-recursive
definition is inlined at its index, a recursive one becomes a lazily evaluated sequence with its
base cases. Juxtaposition is a product, except a declared function (``\\sigma``, ``\\sigma'``)
applied to the item after it. Shapes are checked on the way (`matrix_algebra`); derivative
symbols are `matrix_derivs`' business. Nothing the student wrote is ever executed.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.backends import FLOAT
from nablagrade.check.latex import to_latex
from nablagrade.check.matrix_algebra import (Flex, add_all, fit, hadamard, is_one_by_one,
                                             multiply, quote, shape_text)
from nablagrade.check.matrix_defs import IllTyped, Plan, Unknown, tex
from nablagrade.check.matrix_functions import FUNCTION_RULES
from nablagrade.check.matrix_index import Ctx, IndexMixin
from nablagrade.check.matrix_nodes import Div, Family
from nablagrade.check.matrix_recursion import DefinitionsMixin
from nablagrade.check.names import base_key, name_key
from nablagrade.check.scalar import IllTyped as ScalarIllTyped
from nablagrade.check.scalar import Scope as ScalarScope
from nablagrade.check.scalar import Unknown as ScalarUnknown
from nablagrade.check.scalar import compile_scalar
from nablagrade.derive.mexpr import ONE, Apply, MExpr, add, had, mul, scale, transpose

FUNCTIONS = {"sigma": "sigmoid"}  # names applied by juxtaposition: \sigma(z), \sigma'(z)
CONSTANTS = {"e": sp.E, "pi": sp.pi}


class Resolver(IndexMixin, DefinitionsMixin):
    """Resolves the answer's parts in one `Scope`, one `Plan` and one layout."""

    def __init__(self, scope, plan: Plan | None = None, layout: str = "numerator"):
        self.scope, self.plan, self.layout = scope, plan or Plan(A.Number("0"), False), layout
        self.lazy: dict = {}  # answer name -> Var of its recursive definition
        self.bodies: dict = {}  # "~name" -> its Piecewise definition

    def expr(self, node: A.Node, ctx: Ctx):
        """The value of ``node``: an `MExpr`, or a `Flex` constant still without a size."""
        constant = _constant(node)
        if constant is not None:
            return Flex("number", constant)
        rule = RULES.get(type(node))
        if rule is None:
            raise IllTyped(f"{_what(node)} cannot be part of a matrix answer", node.pos)
        return rule(self, node, ctx)

    def concrete(self, node: A.Node, ctx: Ctx, shape=None) -> MExpr:
        value = self.expr(node, ctx)
        if isinstance(value, Flex):
            return fit(value, shape or (ONE, ONE), node)
        return value

    def apply(self, fn: A.Name, arg: A.Node, ctx: Ctx) -> MExpr:
        """``\\sigma(z)`` (element-wise sigmoid) or ``\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))``."""
        z = self.concrete(arg.body if isinstance(arg, A.Group) else arg, ctx)
        s = Apply("sigmoid", z)
        if fn.primes == 0:
            return s
        if fn.primes == 1:
            return add(s, scale(-1, mul(s, s) if is_one_by_one(z.shape) else had(s, s)))
        raise IllTyped(f"{quote(fn)}: only the first derivative of sigma is supported", fn.pos)

    # ---- names ---------------------------------------------------------------------------
    def name(self, node: A.Name, ctx: Ctx, index: A.Node | None = None):
        """A name, with the index written after it in brackets if any: the answer's own
        definitions first, then the problem's quantities, families, constants."""
        scope, defs = self.scope, self.plan.defs
        node = self.untex(node)
        full, base = scope.alias(name_key(node)), scope.alias(base_key(node))
        if node.sub is not None and name_key(node) == base_key(node):
            full = None  # the subscript is an expression (h_{t-1}): an index, not a label
        if full in defs:
            return self.defined(full, index, ctx, node)
        if node.sub is not None and base in defs and not isinstance(node.sub, A.Tuple):
            return self.defined(base, self.sub_index(node, index), ctx, node)
        if full in scope.names:
            return self.problem_name(full, index, ctx, node)
        if node.sub is not None and scope.is_sequence(base):
            return self.problem_name(base, self.sub_index(node, index), ctx, node)
        if node.sub is not None and base in scope.families:
            return self.family(base, node, index, ctx)
        return self.special(full, node, index, ctx)

    def untex(self, node: A.Name) -> A.Name:
        """``\\tilde{C}_t`` -> the name the problem writes as ``\\tilde{C}``."""
        if not node.decorations:
            return node
        plain = A.Name(node.base, None, node.decorations)
        key = self.scope.tex.get(to_latex(plain))
        if key is not None:
            return A.Name(key, node.sub, (), node.primes, pos=node.pos)
        if set(node.decorations) - {"bold"}:  # \hat{W}_h is not W_h
            raise Unknown(f"{quote(node)} is not defined in this problem", node.pos)
        return A.Name(node.base, node.sub, (), node.primes, pos=node.pos)

    def sub_index(self, node: A.Name, index):
        if index is not None:
            raise IllTyped(f"{quote(node)} has two indices", node.pos)
        return node.sub

    def problem_name(self, key: str, index, ctx: Ctx, src) -> MExpr:
        """A quantity of the problem: a parameter, or a sequence at its index (else ``t``)."""
        var = self.scope.names[key]
        if var.index is None:
            if index is not None:
                raise IllTyped(f"{quote(src)}: {tex(key)} is not a sequence; it takes no index",
                               src.pos)
            return var
        return self.place(var, self.at(index, ctx), src)

    def family(self, base: str, node: A.Name, index, ctx: Ctx) -> MExpr:
        """``v_i``: the member of ``v_0, v_1, ...`` that the bound index ``i`` picks."""
        which = self.index(node.sub, ctx)
        if which.is_Integer:
            raise Unknown(f"{base}_{which} is not defined in this problem", node.pos)
        time = self.at(index, ctx)
        picked = []
        for j, key in sorted(self.scope.families[base].items()):
            var = self.scope.names[key]
            picked.append((j, var if var.index is None else self.place(var, time, node)))
        return Family(base, tuple(picked), self.lin(which, node))

    def special(self, key: str, node: A.Name, index, ctx: Ctx):
        """``I``, ``e``, ``\\pi``, integer parameters; else why the name has no value here."""
        if index is not None:
            raise Unknown(f"{quote(A.Index(node, (index,)))} is not defined in this problem",
                          node.pos)
        if key == "I":
            return Flex("identity")
        if key in CONSTANTS:
            return Flex("number", CONSTANTS[key])
        if key in self.scope.numbers:
            return Flex("number", self.scope.numbers[key])
        if key in ctx.bound or key in ("t", "T"):
            raise IllTyped(f"{tex(key)} is an index; it has no value in a matrix formula", node.pos)
        if key in ("ell", "mathcal L"):
            raise IllTyped("the loss itself is not given; only the derivatives the question "
                           "gives may appear", node.pos)
        if base_key(node) in FUNCTIONS:
            raise IllTyped(f"{quote(node)} needs an argument in parentheses", node.pos)
        raise Unknown(f"{quote(node)} is not defined in this problem", node.pos)


_FOLDABLE = (A.Frac, A.Call, A.Pow, A.Sqrt, A.BinOp, A.Juxt, A.Add, A.Neg)


def _constant(node: A.Node):
    """The value of a sub-formula made of numbers and functions only (``\\cos(0)``)."""
    if not isinstance(node, _FOLDABLE):
        return None
    for sub, _ in A.walk(node):
        if not isinstance(sub, (A.Number, A.Name, A.Group) + _FOLDABLE):
            return None
        if isinstance(sub, A.Name) and base_key(sub) not in CONSTANTS:
            return None
        if isinstance(sub, A.Number) and sub.bold:
            return None
    try:
        with np.errstate(all="ignore"):  # \ln(-1) is not a number: no constant
            value = float(compile_scalar(node, ScalarScope(), FLOAT)({}))
    except (ScalarIllTyped, ScalarUnknown, KeyError, TypeError, ValueError, ArithmeticError):
        return None
    return sp.Float(value) if math.isfinite(value) else None


def _what(node) -> str:
    return {A.ArrayLit: "a matrix of entries", A.ListLit: "a list", A.Tuple: "a tuple",
            A.Shape: "a shape", A.PlusMinus: r"\pm", A.Dots: "an ellipsis",
            A.Cases: "a case distinction", A.Iverson: "an Iverson bracket",
            A.Relation: "a comparison", A.Floor: "a floor", A.Ceil: "a ceiling",
            A.Factorial: "a factorial", A.Binom: "a binomial coefficient",
            A.Differential: "a lone differential"}.get(type(node), type(node).__name__)


# ---- one rule per node type -------------------------------------------------------------------

def _number(r, node: A.Number, ctx):
    value = sp.Rational(node.value.numerator, node.value.denominator)
    return Flex("ones", value) if node.bold else Flex("number", value)


def _name(r, node: A.Name, ctx):
    return r.name(node, ctx)


def _index(r, node: A.Index, ctx):
    target = node.target
    if isinstance(target, A.Group):
        target = target.body
    if isinstance(target, A.Name) and len(node.indices) == 1:
        return r.name(target, ctx, node.indices[0])
    raise IllTyped(f"{quote(node)}: only a sequence takes an index, as in h[t-1]", node.pos)


def _juxt(r, node: A.Juxt, ctx):
    items, parts, i = node.items, [], 0
    while i < len(items):
        item = items[i]
        if _function(item) and i + 1 < len(items):
            parts.append((r.apply(item, items[i + 1], ctx), A.Juxt((item, items[i + 1]),
                                                                  pos=item.pos)))
            i += 2
            continue
        parts.append((r.expr(item, ctx), item))
        i += 1
    return multiply(parts, node)


def _function(item) -> bool:
    return isinstance(item, A.Name) and item.sub is None and base_key(item) in FUNCTIONS


def _add(r, node: A.Add, ctx):
    return add_all([(r.expr(t, ctx), t) for t in node.terms], node)


def _neg(r, node: A.Neg, ctx):
    value = r.expr(node.operand, ctx)
    return value.scaled(-1) if isinstance(value, Flex) else scale(-1, value)


def _binop(r, node: A.BinOp, ctx):
    left, right = r.expr(node.left, ctx), r.expr(node.right, ctx)
    if node.op == "hadamard":
        return hadamard(left, node.left, right, node.right, node)
    if node.op == "/":
        return _divide(left, right, node)
    return multiply([(left, node.left), (right, node.right)], node)


def _divide(num, den, node):
    if isinstance(den, Flex) and den.kind == "number":
        if den.coef == 0:
            raise IllTyped(f"division by zero in {quote(node)}", node.pos)
        return num.scaled(1 / den.coef) if isinstance(num, Flex) else scale(1 / den.coef, num)
    if isinstance(den, Flex) or not is_one_by_one(den.shape):
        raise IllTyped(f"{quote(node)}: one can only divide by a scalar, not by a "
                       f"{shape_text(den.shape if not isinstance(den, Flex) else (1, 1))} "
                       "matrix", node.pos)
    return Div(fit(num, (ONE, ONE), node), den)


def _frac(r, node: A.Frac, ctx):
    return _divide(r.expr(node.num, ctx), r.expr(node.den, ctx), node)


def _transpose(r, node: A.Transpose, ctx):
    value = r.expr(node.target, ctx)
    return value.transposed() if isinstance(value, Flex) else transpose(value)


def _group(r, node: A.Group, ctx):
    return r.expr(node.body, ctx)


def _derivative(r, node: A.Derivative, ctx):
    from nablagrade.check.matrix_derivs import derivative  # derivatives resolve their parts

    return derivative(r, node, ctx)


RULES = {
    **FUNCTION_RULES,
    A.Number: _number, A.Name: _name, A.Index: _index, A.Juxt: _juxt, A.Add: _add,
    A.Neg: _neg, A.BinOp: _binop, A.Frac: _frac, A.Transpose: _transpose,
    A.Group: _group, A.Derivative: _derivative,
}
