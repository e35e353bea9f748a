"""Indices of a matrix answer: ``t-1``, ``T+i``, ``K+1``, ``2(r-1)+i`` as sympy expressions over
the index symbols in scope, and the bounds of sums and products.

`Ctx` carries what is in scope while resolving: the bound index variables (sum variables, the
variable of a definition) and the substitution of a definition's variable by the index it is
used at (``a_t`` used as ``a_{t+1}``). Bare sequence names stand at the time ``t`` of the
question, substituted likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.matrix_algebra import quote
from nablagrade.check.matrix_defs import IllTyped, Unknown, tex
from nablagrade.check.matrix_nodes import Element, Lin
from nablagrade.check.names import base_key
from nablagrade.derive.mexpr import MExpr, Var

MAX_OFFSET = 1_000  # a larger constant in an index or bound is not a sequence position here


@dataclass(frozen=True)
class Ctx:
    bound: Mapping = field(default_factory=dict)  # variable name -> sympy symbol
    subst: Mapping = field(default_factory=dict)  # symbol -> index expression
    stack: tuple = ()  # names being inlined (a cycle is an error)

    def binding(self, name: str, symbol) -> "Ctx":
        """This context with ``name`` bound to ``symbol`` (no longer substituted)."""
        subst = {k: v for k, v in self.subst.items() if k != symbol}
        return Ctx({**self.bound, name: symbol}, subst, self.stack)


class IndexMixin:
    """Index arithmetic for the `Resolver` (needs ``self.scope``)."""

    def symbol(self, name: str):
        if name == "t":
            return self.scope.time
        if name == "T" and self.scope.at is not None:
            return self.scope.at
        return sp.Symbol(name, integer=True)

    def index(self, node: A.Node, ctx: Ctx):
        """The sympy value of an index expression, substitutions applied."""
        value = sp.sympify(self._raw_index(node, ctx), strict=True)
        return value.subs(ctx.subst, simultaneous=True) if ctx.subst else value

    def at(self, node: A.Node | None, ctx: Ctx):
        """The index written, or the question's time ``t`` when none is."""
        if node is None:
            return ctx.subst.get(self.scope.time, self.scope.time)
        return self.index(node, ctx)

    def _raw_index(self, node: A.Node, ctx: Ctx):
        if isinstance(node, A.Number):
            if node.value.denominator != 1 or node.percent:
                raise IllTyped(f"the index {quote(node)} is not a whole number", node.pos)
            return sp.Integer(node.value.numerator)
        if isinstance(node, A.Name) and node.sub is None:
            return self._index_name(base_key(node), node, ctx)
        if isinstance(node, A.Group):
            return self._raw_index(node.body, ctx)
        if isinstance(node, A.Add):
            return sp.Add(*[self._raw_index(t, ctx) for t in node.terms])
        if isinstance(node, A.Neg):
            return -self._raw_index(node.operand, ctx)
        if isinstance(node, A.Juxt):
            return sp.Mul(*[self._raw_index(t, ctx) for t in node.items])
        if isinstance(node, A.BinOp) and node.op in ("*", "times"):
            return self._raw_index(node.left, ctx) * self._raw_index(node.right, ctx)
        raise IllTyped(f"the index {quote(node)} must be a whole-number expression such as t-1",
                       node.pos)

    def _index_name(self, key: str, node, ctx: Ctx):
        if key in ctx.bound:
            return ctx.bound[key]
        if key == "t" or key == "T" and self.scope.at is not None:
            return self.symbol(key)
        if key in self.scope.numbers:
            return sp.sympify(self.scope.numbers[key], strict=True)
        raise Unknown(f"the index {tex(key)} (in {quote(node)}) is not defined here", node.pos)

    def lin(self, expr, src: A.Node) -> Lin:
        """The `Lin` form of an index, or `IllTyped` naming it."""
        try:
            form = Lin.of(expr)
        except ValueError:
            raise IllTyped(f"the index {sp.sstr(expr)} is not a whole-number linear expression",
                           src.pos) from None
        if abs(form.const) > MAX_OFFSET:
            raise IllTyped(f"the index {sp.sstr(expr)} is out of range", src.pos)
        return form

    def place(self, var: Var, index, src: A.Node) -> MExpr:
        """``var`` at ``index``: an engine element, or an `Element` for other coefficients."""
        form = self.lin(index, src)
        if all(c == 1 for _, c in form.terms):
            return var.at(index)
        return Element(var, form)

    def bounds(self, node, ctx: Ctx):
        """The variable symbol and the `Lin` bounds of a sum or product."""
        if node.var is None:
            raise IllTyped("a sum or product needs its variable, as in \\sum_{i=1}^{k}",
                           node.pos)
        name = base_key(node.var)
        symbol = self.symbol(name)
        if node.lo is None or node.hi is None:
            lo, hi = self._family_range(node, name)
        else:
            lo, hi = self.index(node.lo, ctx), self.index(node.hi, ctx)
        return symbol, self.lin(lo, node), self.lin(hi, node)

    def _family_range(self, node, name: str):
        """``\\sum_i a_i v_i``: ``i`` over the numbers of the families it picks from."""
        numbers = set()
        for sub, _ in A.walk(node.body):
            if isinstance(sub, A.Name) and isinstance(sub.sub, A.Name) \
                    and base_key(sub.sub) == name:
                family = self.scope.families.get(self.scope.alias(base_key(sub)))
                numbers.update(family or ())
        if not numbers:
            raise IllTyped(f"write the bounds of this sum or product, as in "
                           f"\\sum_{{{name}=1}}^{{k}}", node.pos)
        return sp.Integer(min(numbers)), sp.Integer(max(numbers))
