"""Matrix-expression nodes that answers need beyond the engine's own, each with its numeric rule.

Students write indices such as ``h[t-i]`` (not a unit-coefficient sum), families of names
(``v_i`` inside a sum over ``i``), Kronecker deltas, scalar quotients and powers, and
element-wise functions beyond sigmoid/tanh/exp. Each node is a frozen `MExpr` whose rule is
registered, right after it, with the engine's evaluator (`nablagrade.derive.numeric`), so that
an answer and the derived truth are evaluated the same way in the same `Env`. Sums, products,
total derivatives and recursive definitions are in `matrix_sequences`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from nablagrade.check.backends import FLOAT_FUNCTIONS
from nablagrade.derive import numeric
from nablagrade.derive.mexpr import ONE, MExpr, Var, children
from nablagrade.errors import DerivationError

rule = numeric.rule  # the engine's dispatch table of numeric rules
compiled = numeric.compiled


class NoBase(DerivationError):
    """A recursive definition that left the range where its base case could be reached."""


@dataclass(frozen=True)
class Lin:
    """An integer index ``const + sum coef * symbol`` over index and dimension symbols."""

    terms: tuple  # ((symbol, coef), ...)
    const: int

    @staticmethod
    def of(expr) -> "Lin":
        """The linear form of a sympy index; ValueError when it is not one."""
        expr = sp.expand(sp.sympify(expr, strict=True))
        const, terms = 0, []
        for term, coef in expr.as_coefficients_dict().items():
            if not coef.is_Integer or not (term == 1 or term.is_Symbol):
                raise ValueError(f"{expr}")
            if term == 1:
                const = int(coef)
            else:
                terms.append((term, int(coef)))
        return Lin(tuple(sorted(terms, key=lambda p: str(p[0]))), const)

    def value(self, env) -> int:
        total = self.const
        for symbol, coef in self.terms:
            bound = env.bindings.get(symbol)
            total += coef * (bound if bound is not None else env.dim(symbol))
        return total

    def coef(self, symbol) -> int:
        return dict(self.terms).get(symbol, 0)


class Node(MExpr):
    """Base of these nodes: ``parts()`` are the child expressions."""

    def parts(self) -> tuple:
        return ()


@dataclass(frozen=True)
class Element(Node):
    """``var`` at an index the engine's unit-coefficient rule does not read (``h[t-i]``)."""

    var: Var
    index: Lin

    @property
    def shape(self):
        return self.var.shape


@rule
def _(e: Element):
    return lambda env: env.var(e.var.at(e.index.value(env)))


@dataclass(frozen=True)
class Family(Node):
    """``v_i``: the member ``v_j`` of a family of names, ``j`` the value of ``index``."""

    label: str
    members: tuple  # ((j, MExpr), ...)
    index: Lin

    @property
    def shape(self):
        return self.members[0][1].shape

    def parts(self) -> tuple:
        return tuple(m for _, m in self.members)


@rule
def _(e: Family):
    table = {j: compiled(m) for j, m in e.members}

    def run(env):
        j = e.index.value(env)
        if j not in table:
            raise DerivationError(f"{e.label}_{j} is not defined")
        return table[j](env)
    return run


@dataclass(frozen=True)
class Kron(Node):
    """The Kronecker delta ``delta_{ij}`` of two indices: 1 or 0."""

    i: Lin
    j: Lin
    shape = (ONE, ONE)


@rule
def _(e: Kron):
    return lambda env: np.full((env.n, 1, 1), float(e.i.value(env) == e.j.value(env)))


@dataclass(frozen=True)
class Div(Node):
    """``a / b`` for a scalar (1 x 1) ``b``."""

    a: MExpr
    b: MExpr

    @property
    def shape(self):
        return self.a.shape

    def parts(self) -> tuple:
        return (self.a, self.b)


@rule
def _(e: Div):
    a, b = compiled(e.a), compiled(e.b)

    def run(env):
        with np.errstate(all="ignore"):
            return a(env) / b(env)
    return run


@dataclass(frozen=True)
class Power(Node):
    """``a`` raised element-wise to the scalar ``p``."""

    a: MExpr
    p: MExpr

    @property
    def shape(self):
        return self.a.shape

    def parts(self) -> tuple:
        return (self.a, self.p)


@rule
def _(e: Power):
    a, p = compiled(e.a), compiled(e.p)

    def run(env):
        with np.errstate(all="ignore"):
            return np.power(a(env), p(env))
    return run


@dataclass(frozen=True)
class Elementwise(Node):
    """A function of the scalar whitelist (`backends.FLOAT_FUNCTIONS`) applied entry-wise."""

    fn: str
    a: MExpr

    @property
    def shape(self):
        return self.a.shape

    def parts(self) -> tuple:
        return (self.a,)


@rule
def _(e: Elementwise):
    fn, a = FLOAT_FUNCTIONS[e.fn], compiled(e.a)

    def run(env):
        with np.errstate(all="ignore"):
            return np.asarray(fn(a(env)), dtype=float)
    return run


# ---- walking ----------------------------------------------------------------------------------

def kids(e: MExpr) -> tuple:
    """The child expressions of any node, the engine's and these."""
    return e.parts() if isinstance(e, Node) else children(e)


def nodes(e: MExpr):
    """Every node of ``e``, parents first (iteratively)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(kids(node))


def forget(e: MExpr) -> None:
    """Drop the compiled closures of ``e``'s nodes from the engine's cache: answers are built
    once per check, and keeping them would grow the cache without bound."""
    numeric.forget(nodes(e))
