"""Shape-checked sums and products of resolved answer parts, with constants that take their size
from where they stand.

A written number, ``\\mathbf{1}`` and ``I`` have no size of their own: `Flex` keeps them until a
neighbour decides (``1 - c[t]`` is the all-ones vector of ``c``'s length, ``I`` in
``I - \\operatorname{diag}(c)`` the identity of that size, a number in a product a scalar). A sum
or product whose shapes do not fit raises `IllTyped` naming both operands, their shapes and
where they stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.latex import to_latex
from nablagrade.check.matrix_defs import IllTyped
from nablagrade.derive.mexpr import (ONE, Coef, Identity, MExpr, Ones, Zero, add, had, mul,
                                     scale, transpose)


def number(x) -> sp.Expr:
    """A coefficient or dimension as sympy: numbers and sympy objects only, never text."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, bool) or isinstance(x, str):
        raise TypeError(f"not a number: {x!r}")
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, float):
        return sp.Float(x)
    raise TypeError(f"not a number: {x!r}")


@dataclass(frozen=True)
class Flex:
    """A constant without a size yet: ``number`` (``coef``), ``ones`` (``coef`` times
    ``\\mathbf{1}``, a row when ``row``) or ``identity`` (``coef`` times ``I``)."""

    kind: str
    coef: object = 1
    row: bool = False

    def scaled(self, c) -> "Flex":
        return Flex(self.kind, number(c) * self.coef, self.row)

    def transposed(self) -> "Flex":
        return Flex(self.kind, self.coef, not self.row if self.kind == "ones" else self.row)


def same(a, b) -> bool:
    return sp.expand(number(a) - number(b)) == 0


def same_shape(a: tuple, b: tuple) -> bool:
    return same(a[0], b[0]) and same(a[1], b[1])


def is_one_by_one(shape) -> bool:
    return same(shape[0], 1) and same(shape[1], 1)


def shape_text(shape) -> str:
    return f"{sp.sstr(shape[0])} × {sp.sstr(shape[1])}"


def quote(node: A.Node) -> str:
    """A node as inline maths for a message."""
    return f"${to_latex(node)}$"


def fit(x, shape, where: A.Node | None = None) -> MExpr:
    """``x`` as an expression of ``shape`` (a `Flex` gets that size)."""
    if not isinstance(x, Flex):
        return x
    rows, cols = shape
    c = number(x.coef)
    if x.kind == "number" and c == 0:
        return Zero(rows, cols)
    if is_one_by_one(shape) and x.kind == "number":
        return Coef(c)
    if x.kind in ("number", "ones") and same(cols, 1) and not x.row:
        return scale(c, Ones(rows))
    if x.kind in ("number", "ones") and same(rows, 1) and (x.row or x.kind == "number"):
        return transpose(scale(c, Ones(cols)))
    if x.kind == "identity" and same(rows, cols):
        return scale(c, Identity(rows))
    what = {"number": f"the number {sp.sstr(c)}", "ones": "the all-ones vector",
            "identity": "I"}[x.kind]
    hint = "; write I for the identity matrix" if x.kind == "number" else ""
    raise IllTyped(f"{what} cannot stand where a {shape_text(shape)} matrix is expected"
                   f"{_at(where)}{hint}", where.pos if where is not None else -1)


def _at(where) -> str:
    return f" (in {quote(where)})" if where is not None else ""


def settle(x, shape) -> MExpr:
    """A whole answer: a lone constant takes the expected shape where it can, else 1 x 1."""
    if not isinstance(x, Flex):
        return x
    try:
        return fit(x, shape)
    except IllTyped:
        return fit(x, (ONE, ONE)) if x.kind == "number" else _raise_alone(x)


def _raise_alone(x: Flex):
    raise IllTyped("the size of 1 or I alone cannot be told; write the matrix it stands for")


def add_all(parts: list, node: A.Node):
    """The sum of ``[(value, source node), ...]``; constants take the common shape."""
    concrete = [(v, s) for v, s in parts if not isinstance(v, Flex)]
    if not concrete:
        kinds = {v.kind for v, _ in parts}
        if len(kinds) == 1:
            return Flex(kinds.pop(), sum(number(v.coef) for v, _ in parts),
                        parts[0][0].row)
        raise IllTyped(f"cannot tell the size of the sum {quote(node)}", node.pos)
    first, first_src = concrete[0]
    for value, src in concrete[1:]:
        if not same_shape(value.shape, first.shape):
            raise IllTyped(f"cannot add {quote(first_src)} ({shape_text(first.shape)}) and "
                           f"{quote(src)} ({shape_text(value.shape)}) in {quote(node)}",
                           src.pos)
    return add(*[fit(v, first.shape, s) for v, s in parts])


def _ones_length(parts, k):
    """The length of a ``\\mathbf{1}`` in a product, from the factor it multiplies."""
    value = parts[k][0]
    neighbours = parts[:k][::-1] if not value.row else parts[k + 1:]
    for other, _ in neighbours:
        if isinstance(other, Flex):
            continue
        if is_one_by_one(other.shape):
            continue
        return other.shape[1] if not value.row else other.shape[0]
    raise IllTyped(f"cannot tell the length of the all-ones vector in {quote(parts[k][1])}",
                   parts[k][1].pos)


def _joined(sources) -> str:
    return "$" + " ".join(to_latex(s) for s in sources) + "$"


def multiply(parts: list, node: A.Node):
    """The product of ``[(value, source node), ...]`` left to right, shapes checked."""
    coef, kinds, out, sources = sp.Integer(1), set(), None, []
    for k, (value, src) in enumerate(parts):
        if isinstance(value, Flex) and value.kind != "ones":
            coef, kinds = coef * number(value.coef), kinds | {value.kind}
            continue
        if isinstance(value, Flex):
            value = fit(value, (1, _ones_length(parts, k)) if value.row
                        else (_ones_length(parts, k), 1), src)
        if out is not None and not (same(out.shape[1], value.shape[0])
                                    or is_one_by_one(out.shape) or is_one_by_one(value.shape)):
            raise IllTyped(
                f"cannot multiply {_joined(sources)} ({shape_text(out.shape)}) by {quote(src)} "
                f"({shape_text(value.shape)}) in {quote(node)}: the inner dimensions "
                f"{sp.sstr(out.shape[1])} and {sp.sstr(value.shape[0])} differ", src.pos)
        out = value if out is None else mul(out, value)
        sources.append(src)
    if out is None:
        return Flex("identity" if "identity" in kinds else "number", coef)
    return out if coef == 1 else scale(coef, out)


def hadamard(a, a_src, b, b_src, node: A.Node):
    """``a \\odot b``: equal shapes; a scalar or a number scales; ``\\mathbf{1}`` is neutral."""
    for x, y in ((a, b), (b, a)):
        if isinstance(x, Flex) and x.kind in ("number", "ones"):
            return y.scaled(x.coef) if isinstance(y, Flex) and y.kind != "identity" \
                else multiply([(Flex("number", x.coef), node), (y, node)], node)
    if isinstance(a, Flex) or isinstance(b, Flex):
        raise IllTyped(f"I in a Hadamard product ({quote(node)}) is not supported; "
                       "use \\operatorname{diag}", node.pos)
    if is_one_by_one(a.shape) or is_one_by_one(b.shape):
        return mul(a, b)
    if not same_shape(a.shape, b.shape):
        raise IllTyped(f"the Hadamard product of {quote(a_src)} ({shape_text(a.shape)}) and "
                       f"{quote(b_src)} ({shape_text(b.shape)}) needs equal shapes",
                       node.pos)
    return had(a, b)
