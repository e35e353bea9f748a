"""Typed matrix expressions: the nodes the matrix-calculus rules work on.

Every node is a frozen value with a ``shape`` (rows, cols) whose entries are sympy integers or
dimension symbols; column vectors are ``(n, 1)``, row vectors ``(1, n)`` and scalars ``(1, 1)``.
A ``(1, 1)`` factor in a product acts as a scalar where the product would not conform, as it
does on paper (``a_1[t] v_1[t]``). Sequence elements carry an index in the time symbol
(``h[t-1]``). Build expressions with the smart constructors (`add`, `mul`, `had`, `T`, `diag`,
`apply`), which drop zeros and identities so that derivatives come out in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from nablagrade.errors import DerivationError

ONE = sp.Integer(1)


class MExpr:
    """Base of matrix expressions. Operators build nodes through the smart constructors."""

    shape: tuple

    def __add__(self, other):
        return add(self, other)

    def __sub__(self, other):
        return add(self, scale(-1, other))

    def __rsub__(self, other):
        return add(other, scale(-1, self))

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __matmul__(self, other):
        return mul(self, other)

    def __neg__(self):
        return scale(-1, self)

    @property
    def T(self):
        return transpose(self)

    def latex(self) -> str:
        from nablagrade.derive.mlatex import to_latex

        return to_latex(self)

    def __str__(self):
        return self.latex()


def _dims_equal(a, b) -> bool:
    return sp.expand(sp.sympify(a) - sp.sympify(b)) == 0


def is_scalar(e: MExpr) -> bool:
    return _dims_equal(e.shape[0], 1) and _dims_equal(e.shape[1], 1)


@dataclass(frozen=True)
class Var(MExpr):
    """A named quantity; ``index`` (a sympy expression in the time symbol) makes it a sequence
    element. ``tex`` is its LaTeX base name (``W_h``, ``\\delta``)."""

    name: str
    rows: Any
    cols: Any = ONE
    index: Any = None
    tex: str = ""

    @property
    def shape(self):
        return (self.rows, self.cols)

    def at(self, index) -> "Var":
        return Var(self.name, self.rows, self.cols, sp.sympify(index), self.tex)

    def key(self):
        return (self.name, self.index)


@dataclass(frozen=True)
class Zero(MExpr):
    rows: Any
    cols: Any

    @property
    def shape(self):
        return (self.rows, self.cols)


@dataclass(frozen=True)
class Ones(MExpr):
    """The all-ones column vector (``\\mathbf{1}``)."""

    rows: Any

    @property
    def shape(self):
        return (self.rows, ONE)


@dataclass(frozen=True)
class Identity(MExpr):
    n: Any

    @property
    def shape(self):
        return (self.n, self.n)


@dataclass(frozen=True)
class Coef(MExpr):
    """A scalar constant or scalar expression of parameters (a sympy expression)."""

    value: Any

    shape = (ONE, ONE)


@dataclass(frozen=True)
class Add(MExpr):
    terms: tuple

    @property
    def shape(self):
        return self.terms[0].shape


@dataclass(frozen=True)
class Mul(MExpr):
    """A product: matrix products, with (1, 1) factors acting as scalars where needed."""

    factors: tuple

    @property
    def shape(self):
        return product_shape(self.factors)


@dataclass(frozen=True)
class Hadamard(MExpr):
    a: MExpr
    b: MExpr

    @property
    def shape(self):
        return self.a.shape


@dataclass(frozen=True)
class Transpose(MExpr):
    a: MExpr

    @property
    def shape(self):
        return (self.a.shape[1], self.a.shape[0])


@dataclass(frozen=True)
class Diag(MExpr):
    """``diag(v)``: the square matrix with the column vector ``v`` on its diagonal."""

    v: MExpr

    @property
    def shape(self):
        return (self.v.shape[0], self.v.shape[0])


@dataclass(frozen=True)
class Apply(MExpr):
    """An element-wise function (``sigmoid``, ``tanh``, ``exp``) applied to ``a``."""

    fn: str
    a: MExpr

    @property
    def shape(self):
        return self.a.shape


@dataclass(frozen=True)
class SoftmaxAt(MExpr):
    """Component ``i`` (0-based) of the softmax of the scalar logits ``logits``."""

    i: int
    logits: tuple

    shape = (ONE, ONE)


@dataclass(frozen=True)
class Deriv(MExpr):
    """A derivative written as a symbol: a given input (``dl/dh[t]``), or a named Jacobian in
    a derivation step. Shape in numerator layout."""

    num: MExpr
    den: MExpr

    @property
    def shape(self):
        return jacobian_shape(self.num, self.den)


@dataclass(frozen=True)
class Sum(MExpr):
    """``\\sum_{var=lo}^{hi} body`` over an integer symbol (time, or a lag)."""

    body: MExpr
    var: Any
    lo: Any
    hi: Any

    @property
    def shape(self):
        return self.body.shape


def jacobian_shape(num: MExpr, den: MExpr) -> tuple:
    """Numerator layout: d(a-vector)/d(b-vector) is a x b; d(scalar)/d(m x n matrix) is n x m."""
    rows, cols = num.shape
    if _dims_equal(cols, 1) and _dims_equal(den.shape[1], 1):
        return (rows, den.shape[0])
    if is_scalar(num):
        return (den.shape[1], den.shape[0])
    if _dims_equal(rows, 1) and _dims_equal(den.shape[1], 1):  # a row vector: same as its column
        return (cols, den.shape[0])
    raise DerivationError(f"no numerator-layout matrix for d({num})/d({den})")


def product_shape(factors) -> tuple:
    shape = None
    for f in factors:
        if shape is None:
            shape = f.shape
        elif _dims_equal(shape[1], f.shape[0]):
            shape = (shape[0], f.shape[1])
        elif _dims_equal(shape[0], 1) and _dims_equal(shape[1], 1):
            shape = f.shape
        elif not is_scalar(f):
            raise DerivationError(f"product of shapes {shape} and {f.shape} does not conform")
    return shape


# ---- smart constructors ---------------------------------------------------------------------

def lift(x) -> MExpr:
    """A python/sympy number becomes a `Coef`."""
    return x if isinstance(x, MExpr) else Coef(sp.sympify(x))


def add(*terms) -> MExpr:
    flat = []
    for t in map(lift, terms):
        flat.extend(t.terms if isinstance(t, Add) else (t,))
    shape = flat[0].shape
    kept = [t for t in flat if not isinstance(t, Zero)]
    if not kept:
        return Zero(*shape)
    return kept[0] if len(kept) == 1 else Add(tuple(kept))


def mul(*factors) -> MExpr:
    flat = []
    for f in map(lift, factors):
        flat.extend(f.factors if isinstance(f, Mul) else (f,))
    shape = product_shape(flat)
    if any(isinstance(f, Zero) for f in flat) or any(
            isinstance(f, Coef) and f.value == 0 for f in flat):
        return Zero(*shape)
    coef = sp.Mul(*[f.value for f in flat if isinstance(f, Coef)])
    rest = [f for f in flat if not isinstance(f, (Coef, Identity))]
    if not rest:
        return Identity(shape[0]) if coef == 1 and not is_scalar_shape(shape) else Coef(coef)
    if coef != 1:
        rest.insert(0, Coef(coef))
    return rest[0] if len(rest) == 1 else Mul(tuple(rest))


def is_scalar_shape(shape) -> bool:
    return _dims_equal(shape[0], 1) and _dims_equal(shape[1], 1)


def scale(c, e) -> MExpr:
    return mul(Coef(sp.sympify(c)), e)


def had(a, b) -> MExpr:
    a, b = lift(a), lift(b)
    if isinstance(a, Zero) or isinstance(b, Zero):
        return Zero(*a.shape)
    return Hadamard(a, b)


def transpose(a) -> MExpr:
    if isinstance(a, Transpose):
        return a.a
    if isinstance(a, (Coef, Identity)):
        return a
    if isinstance(a, Zero):
        return Zero(a.cols, a.rows)
    if isinstance(a, Diag):
        return a
    if isinstance(a, Mul):
        return mul(*[transpose(f) for f in reversed(a.factors)])
    if isinstance(a, Add):
        return add(*[transpose(t) for t in a.terms])
    return Transpose(a)


def diag(v) -> MExpr:
    return Zero(v.shape[0], v.shape[0]) if isinstance(v, Zero) else Diag(v)


def apply(fn: str, a) -> MExpr:
    return Apply(fn, a)


def summation(body, var, lo, hi) -> MExpr:
    return body if isinstance(body, Zero) else Sum(body, var, sp.sympify(lo), sp.sympify(hi))


def walk(e: MExpr):
    """Every node of ``e``, parents first."""
    yield e
    for child in children(e):
        yield from walk(child)


def children(e: MExpr) -> tuple:
    if isinstance(e, Add):
        return e.terms
    if isinstance(e, Mul):
        return e.factors
    if isinstance(e, Hadamard):
        return (e.a, e.b)
    if isinstance(e, (Transpose, Apply)):
        return (e.a,)
    if isinstance(e, Diag):
        return (e.v,)
    if isinstance(e, SoftmaxAt):
        return e.logits
    if isinstance(e, Sum):
        return (e.body,)
    if isinstance(e, Deriv):
        return (e.num, e.den)
    return ()


def shift(e: MExpr, mapping: dict) -> MExpr:
    """Substitute index symbols (``{t: t + 1}``) in every sequence element of ``e``."""
    if isinstance(e, Var):
        return e if e.index is None else e.at(sp.sympify(e.index).subs(mapping))
    if isinstance(e, Add):
        return add(*[shift(t, mapping) for t in e.terms])
    if isinstance(e, Mul):
        return mul(*[shift(f, mapping) for f in e.factors])
    if isinstance(e, Hadamard):
        return had(shift(e.a, mapping), shift(e.b, mapping))
    if isinstance(e, Transpose):
        return transpose(shift(e.a, mapping))
    if isinstance(e, Diag):
        return diag(shift(e.v, mapping))
    if isinstance(e, Apply):
        return Apply(e.fn, shift(e.a, mapping))
    if isinstance(e, SoftmaxAt):
        return SoftmaxAt(e.i, tuple(shift(w, mapping) for w in e.logits))
    if isinstance(e, Deriv):
        return Deriv(shift(e.num, mapping), shift(e.den, mapping))
    if isinstance(e, Sum):
        inner = {k: v for k, v in mapping.items() if k != e.var}
        return Sum(shift(e.body, inner), e.var, sp.sympify(e.lo).subs(inner),
                   sp.sympify(e.hi).subs(inner))
    return e
