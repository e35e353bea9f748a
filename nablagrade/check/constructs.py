"""What the constructions of the grammar mean, beyond their shape: statements (an equation, a
definition, a membership in a shape), fractions that are
derivatives (``\\frac{\\partial a}{\\partial b}``, ``dy/dw``), function calls through the whitelist
(``\\sin^{-1}`` is ``arcsin``, ``\\operatorname{floor}`` a Floor), square-bracket lists that are
Iverson brackets, and accents on names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from lark import Token

from nablagrade.check import ast as A
from nablagrade.check.errors import BuildError
from nablagrade.check.postfix import Post, apply_postfixes, as_shape
from nablagrade.check.words import FUNCTIONS, INVERSES, REL_OPS, greek_base

_WORD = re.compile(r"[A-Za-z]+(?=\s*\}?\s*$)")


@dataclass(frozen=True)
class Head:
    """A function name with the sub- and superscript written on it (``\\log_2``, ``\\sin^{-1}``)."""

    name: str
    sub: Optional[A.Node]
    sup: Optional[Post]
    pos: int


def pos_of(item) -> int:
    """Start offset of a token or node."""
    return item.start_pos if isinstance(item, Token) else item.pos


def single(item):
    """A one-token argument (``\\frac12``, ``x_t``, ``e^x``) as a node; nodes pass through."""
    if not isinstance(item, Token):
        return item
    if item.type == "DIGIT":
        return A.Number(item.value, pos=item.start_pos)
    if item.type == "LETTER":
        return A.Name(item.value, pos=item.start_pos)
    if item.type == "TEXTNAME":
        return A.Name(_WORD.search(item.value).group(), pos=item.start_pos)
    return A.Name(greek_base(item.value), pos=item.start_pos)     # GREEK, INFTY


def nodes(children) -> list:
    return [c for c in children if isinstance(c, A.Node)]


def rels(children) -> list:
    return [c for c in children if isinstance(c, Token) and c.type == "REL"]


def relation(children):
    """``a \\le b \\le c`` as a Relation; a lone expression as itself."""
    exprs, ops = nodes(children), rels(children)
    if not ops:
        return exprs[0]
    return A.Relation(tuple(exprs), tuple(REL_OPS[r.value] for r in ops), pos=exprs[0].pos)


def statement(lhs, rhs_list, ops, pos):
    """What ``lhs op rhs op ...`` states: a membership, a definition, an equation or a relation."""
    if ops == ["in"]:
        return A.Membership(lhs, as_shape(rhs_list[0]), pos=pos)
    if lhs is not None and ops == ["def"]:
        return A.Definition(lhs, rhs_list[0], pos=pos)
    if all(op in ("=", "def", "approx") for op in ops):
        op = "approx" if "approx" in ops else "def" if "def" in ops else "="
        return A.Equation(lhs, rhs_list[-1], op, tuple(rhs_list[:-1]), pos=pos)
    if lhs is None:
        raise BuildError("a statement cannot start with a comparison", pos)
    return A.Relation((lhs, *rhs_list), tuple(ops), pos=pos)


def binop(op: str, left, right):
    if op == "/":
        derivative = _derivative(left, right, left.pos)
        if derivative is not None:
            return derivative
    return A.BinOp(op, left, right, pos=left.pos)


def fraction(num, den, pos):
    return _derivative(num, den, pos) or A.Frac(num, den, pos=pos)


def _derivative(num, den, pos):
    """``\\partial a / \\partial b`` and ``d a / d b`` as a Derivative, else None."""
    if isinstance(num, A.Differential) and isinstance(den, A.Differential):
        return A.Derivative(num.body, den.body, True, pos=pos)
    top, bottom = _after_d(num), _after_d(den)
    if top is not None and bottom is not None:
        return A.Derivative(top, bottom, False, pos=pos)
    return None


def _after_d(node):
    if not (isinstance(node, A.Juxt) and node.items[0] == A.Name("d")):
        return None
    rest = node.items[1:]
    return rest[0] if len(rest) == 1 else A.Juxt(rest, pos=rest[0].pos)


def bound(sup: Optional[Post]):
    if sup is None:
        return None
    if sup.kind != "sup":
        raise BuildError("the upper bound of a sum must be a value", sup.pos)
    return sup.arg


def bracket_list(items, pos):
    """``[a, b]`` is a list; ``[i \\le 3]`` an Iverson bracket; ``[\\begin{array}..]`` the array."""
    conditions = [i for i in items if isinstance(i, (A.Relation, A.And))]
    if conditions:
        if len(items) > 1:
            raise BuildError("a condition in square brackets must stand alone: [1 \\le j \\le 3]",
                             conditions[0].pos)
        return A.Iverson(items[0], pos=pos)
    if len(items) == 1 and isinstance(items[0], A.ArrayLit):
        return items[0]
    return A.ListLit(tuple(items), pos=pos)


def decorate(node, decoration: str, pos: int):
    if isinstance(node, A.Name):
        marks = tuple(sorted(set(node.decorations) | {decoration}))
        return replace(node, decorations=marks)
    if isinstance(node, A.Number) and decoration == "bold":
        return replace(node, bold=True)
    raise BuildError("this accent or font can only mark a name (like \\mathbf{x}), "
                     "not a whole expression", pos)


def head(func: Token, sub, sup) -> Head:
    word = re.search(r"([A-Za-z]+)\s*\}?\s*$", func.value).group(1).lower()
    return Head(FUNCTIONS[word], single(sub) if sub is not None else None, sup, func.start_pos)


def call(head: Head, args: tuple):
    name, pos = head.name, head.pos
    sup = head.sup
    if sup is not None and sup.kind == "sup" and name in INVERSES and sup.arg == _MINUS_ONE:
        name, sup = INVERSES[name], None
    if head.sub is not None and name != "log":
        raise BuildError(f"\\{name} cannot take a subscript", pos)
    node = _special(name, args, head.sub, pos)
    return apply_postfixes(node, [sup]) if sup is not None else node


_MINUS_ONE = A.Neg(A.Number("1"))
_ONE_ARG = {"floor": A.Floor, "ceil": A.Ceil, "abs": A.Abs, "sqrt": A.Sqrt}


def _special(name, args, base, pos):
    if name in _ONE_ARG:
        if len(args) != 1:
            raise BuildError(f"{name} takes one argument, not {len(args)}", pos)
        return _ONE_ARG[name](args[0], pos=pos)
    return A.Call(name, tuple(args), base, pos=pos)
