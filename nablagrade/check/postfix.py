"""What the postfixes of an item mean: ``_`` subscripts, ``^`` powers and transposes, ``[..]``
indexing, primes and factorials, applied left to right to the item they follow.

The notation decides here, not in the grammar: ``x^T`` and ``x^{\\top}`` are transposes,
``\\delta_{ij}`` is a Kronecker delta, ``\\mathbb{R}^{m \\times n}`` a shape, ``a_j [j \\le 3]`` a
product with an Iverson bracket, ``x^2_t`` the same as ``x_t^2``, and a subscript on anything
but a name (``\\operatorname{softmax}(w)_i``) the same as an index in square brackets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nablagrade.check import ast as A
from nablagrade.check.errors import BuildError


@dataclass(frozen=True)
class Post:
    """One postfix: kind ``sub`` | ``sup`` | ``top`` | ``prime`` | ``index`` | ``bang``."""

    kind: str
    arg: Any
    pos: int


_T = A.Name("T")


def apply_postfixes(target, posts):
    for number, post in enumerate(posts):
        target = _APPLY[post.kind](target, post)
        if isinstance(target, A.Juxt) and number + 1 < len(posts):     # after an Iverson bracket
            raise BuildError("put parentheses around a product with an Iverson bracket "
                             "before adding ^, _ or [ ]", posts[number + 1].pos)
    return target


def _sub(target, post):
    if isinstance(target, (A.Pow, A.Transpose)):
        inner = target.base if isinstance(target, A.Pow) else target.target
        if isinstance(inner, A.Name) and inner.sub is None:
            field = "base" if isinstance(target, A.Pow) else "target"
            return replace(target, **{field: _sub(inner, post)})
    if not isinstance(target, A.Name):          # softmax(w)_i, x[t]_k: a component
        indices = post.arg.items if isinstance(post.arg, A.Tuple) else (post.arg,)
        return A.Index(target, indices, pos=target.pos)
    if target.sub is not None:
        raise BuildError("a second subscript: write x_{a,b} for two indices", post.pos)
    kronecker = _kronecker(target, post.arg)
    return kronecker if kronecker is not None else replace(target, sub=post.arg)


def _kronecker(name, sub):
    if name.base != "\\delta" or name.decorations or name.primes:
        return None
    simple = (A.Name, A.Number)
    if isinstance(sub, A.Tuple) and len(sub.items) == 2 or (
            isinstance(sub, A.Juxt) and len(sub.items) == 2
            and all(isinstance(item, simple) for item in sub.items)):     # \delta_{ij}
        return A.Kronecker(sub.items[0], sub.items[1], pos=name.pos)
    return None


def _sup(target, post):
    exponent = post.arg
    if isinstance(target, A.Shape):
        if target.dims:
            raise BuildError("a second exponent on a shape", post.pos)
        return replace(target, dims=dims_of(exponent))
    if exponent == _T:
        return A.Transpose(target, pos=target.pos)
    return A.Pow(target, exponent, pos=target.pos)


def _top(target, post):
    return A.Transpose(target, pos=target.pos)


def _prime(target, post):
    if not isinstance(target, A.Name):
        raise BuildError("a prime (') can only follow a name, as in \\sigma'(z)", post.pos)
    return replace(target, primes=target.primes + post.arg)


def _index(target, post):
    conditions = [i for i in post.arg if isinstance(i, (A.Relation, A.And))]
    if not conditions:
        return A.Index(target, post.arg, pos=target.pos)
    if len(post.arg) > 1:
        raise BuildError("a condition in square brackets must stand alone: [1 \\le j \\le 3]",
                         conditions[0].pos)
    target = _ungroup(target)           # (a+b)[i \le 3]: a product, not an application
    return A.Juxt((target, A.Iverson(conditions[0], pos=post.pos)), pos=target.pos)


_CHAIN = A.POSTFIX_TARGET


def _ungroup(node):
    """``node`` without the Group at the root of its postfix chain (walked without recursion)."""
    chain = []
    while type(node) in _CHAIN:
        chain.append(node)
        node = getattr(node, _CHAIN[type(node)])
    if not isinstance(node, A.Group):
        return chain[0] if chain else node
    node = node.body
    for outer in reversed(chain):
        node = replace(outer, **{_CHAIN[type(outer)]: node})
    return node


def _bang(target, post):
    return A.Factorial(target, pos=target.pos)


_APPLY = {"sub": _sub, "sup": _sup, "top": _top, "prime": _prime, "index": _index,
          "bang": _bang}


def dims_of(exponent) -> tuple:
    """The top-level factors of ``a \\times b \\times (c \\times d)``: ``(a, b, c \\times d)``."""
    dims = []
    while isinstance(exponent, A.BinOp) and exponent.op == "times":
        dims.append(exponent.right)
        exponent = exponent.left
    dims.append(exponent)
    return tuple(reversed(dims))


def as_shape(node):
    """The right side of ``\\in``: ``R^{..}`` (a plain R) reads as ``\\mathbb{R}^{..}``."""
    if isinstance(node, A.Name) and node == A.Name("R"):
        return A.Shape((), "R", pos=node.pos)
    if isinstance(node, A.Pow) and node.base == A.Name("R"):
        return A.Shape(dims_of(node.exponent), "R", pos=node.pos)
    return node
