"""Builds the typed AST while lark parses: one callback per grammar rule, no parse tree.

The callbacks run as the LALR parser reduces, bottom up and without recursion, so a deep
formula cannot overflow the stack here. Each callback receives the rule's children: nodes,
lark tokens (brackets and operators, whose ``start_pos`` gives node positions) and ``None`` for
a missing optional part. What constructions mean lives in constructs.py and postfix.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from lark import Token

from nablagrade.check import ast as A
from nablagrade.check.errors import BuildError
from nablagrade.check.constructs import (
    binop, bound, bracket_list, call, decorate, fraction, head, nodes, pos_of, rels, relation,
    single, statement,
)
from nablagrade.check.postfix import Post, apply_postfixes
from nablagrade.check.words import MUL_OPS, REL_OPS, add_sign, decoration_of


@dataclass(frozen=True)
class _Bounds:
    """The bounds written on a \\sum or \\prod."""

    var: Optional[A.Name]
    lo: Optional[A.Node]
    hi: Optional[A.Node]


_OTHERWISE = object()


@dataclass(frozen=True)
class _Run:
    """Items that a function without parentheses starts: spliced into the juxtaposition."""

    items: tuple


class Builder:
    """The lark callbacks: method names are rule names or aliases in grammar.lark."""

    # ----- statements ---------------------------------------------------------------------------
    def start(self, children):
        return A.Answer(tuple(nodes(children)), pos=0)

    def statement(self, children):
        exprs, ops = nodes(children), [REL_OPS[r.value] for r in rels(children)]
        if not ops:
            return A.Value(exprs[0], pos=exprs[0].pos)
        return statement(exprs[0], exprs[1:], ops, exprs[0].pos)

    def continued(self, children):
        ops = [REL_OPS[r.value] for r in rels(children)]
        return statement(None, nodes(children), ops, pos_of(children[0]))

    # ----- operators ----------------------------------------------------------------------------
    def addition(self, children):
        terms, sign = [], None
        for child in children:
            if isinstance(child, Token):
                sign = child
            else:
                terms.append(add_sign(sign, child) if sign is not None else child)
                sign = None
        if len(terms) == 1:
            return terms[0]
        return A.Add(tuple(terms), pos=pos_of(children[0]))

    def binop(self, children):
        left, op, right = children
        return binop(MUL_OPS[op.value], left, right)

    def binop_signed(self, children):
        left, op, sign, right = children
        return binop(MUL_OPS[op.value], left, add_sign(sign, right))

    def juxt(self, children):
        items = [i for c in children for i in (c.items if isinstance(c, _Run) else (c,))]
        return items[0] if len(items) == 1 else A.Juxt(tuple(items), pos=items[0].pos)

    def lone_prefix(self, children):
        return self.juxt(children)

    def bare_call(self, children):
        """``\\sin x \\cos y``: the call, then the items up to the end of the product."""
        head, arg, *rest = children
        items = [call(head, (arg,))]
        for item in rest:
            if item is not None:
                items.extend(item.items if isinstance(item, _Run) else (item,))
        return _Run(tuple(items))

    def differential(self, children):
        return A.Differential(children[1], pos=pos_of(children[0]))

    def call_bare(self, children):
        head, arg = children
        return call(head, (arg,))

    # ----- big operators ------------------------------------------------------------------------
    def bigop(self, children):
        op, limits, body = children
        limits = limits or _Bounds(None, None, None)
        cls = A.SumOp if op.type == "SUM" else A.ProdOp
        return cls(limits.var, limits.lo, limits.hi, body, pos=op.start_pos)

    def limits_lo_hi(self, children):
        _, (var, lo), _, sup = children
        return _Bounds(var, lo, bound(sup))

    def limits_hi_lo(self, children):
        _, sup, _, (var, lo) = children
        return _Bounds(var, lo, bound(sup))

    def limits_hi(self, children):
        return _Bounds(None, None, bound(children[1]))

    def lower_eq(self, children):
        _, var, rel, lo, _ = children
        if REL_OPS[rel.value] != "=":
            raise BuildError("write the range of a sum as \\sum_{i=1}^{n}", rel.start_pos)
        return var, lo

    def lower_var(self, children):
        return nodes(children)[0], None

    def var(self, children):
        return single(children[0])

    # ----- items --------------------------------------------------------------------------------
    def postfixed(self, children):
        return apply_postfixes(children[0], children[1:])

    def paren_first(self, children):
        return apply_postfixes(children[0], children[1:])

    def brace_first(self, children):
        return apply_postfixes(children[1], children[3:])

    def paren_cont(self, children):
        inner, posts = children[0], children[1:]
        if posts and not isinstance(inner, A.Tuple):
            inner = A.Group(inner, pos=inner.pos)
        return apply_postfixes(inner, posts)

    def list_item(self, children):
        items = children[1]
        return apply_postfixes(bracket_list(items, pos_of(children[0])), children[3:])

    def paren(self, children):
        inner = children[1]
        if isinstance(inner, list):
            return inner[0] if len(inner) == 1 else A.Tuple(tuple(inner), pos=pos_of(children[0]))
        return inner

    def pelems(self, children):
        return nodes(children)

    def belems(self, children):
        return nodes(children)

    def belem(self, children):
        return relation(children)

    # ----- postfixes ----------------------------------------------------------------------------
    def post_sub(self, children):
        return Post("sub", single(children[1]), children[0].start_pos)

    def post_sup(self, children):
        return replace(children[1], pos=children[0].start_pos)

    def post_index(self, children):
        return Post("index", tuple(children[1]), children[0].start_pos)

    def post_prime(self, children):
        return Post("prime", len(children[0].value), children[0].start_pos)

    def post_bang(self, children):
        return Post("bang", None, children[0].start_pos)

    def sub(self, children):
        items = [single(c) for c in children if not isinstance(c, Token) or c.type not in
                 ("LBRACE", "RBRACE", "COMMA")]
        return items[0] if len(items) == 1 else A.Tuple(tuple(items), pos=items[0].pos)

    def sup_expr(self, children):
        exponent = [single(c) for c in children if not isinstance(c, Token)
                    or c.type not in ("LBRACE", "RBRACE")]
        return Post("sup", exponent[0], -1)

    def sup_signed(self, children):
        sign, arg = children
        return Post("sup", add_sign(sign, single(arg)), -1)

    def sup_mark(self, children):
        mark = [c for c in children if c.type in ("TOP", "PRIMECMD")][0]
        return Post("top" if mark.type == "TOP" else "prime", 1, -1)

    # ----- atoms --------------------------------------------------------------------------------
    def number(self, children):
        (tok,) = children
        text = tok.value.replace("\\%", "").strip().rstrip(".") or "0"
        return A.Number(text, percent="%" in tok.value, pos=tok.start_pos)

    def letter(self, children):
        return single(children[0])

    greek = textname = letter

    def dots(self, children):
        return A.Dots(pos=children[0].start_pos)

    def reals(self, children):
        return A.Shape((), "R", pos=children[0].start_pos)

    def decorated(self, children):
        tok, arg = children
        return decorate(single(arg), decoration_of(tok.value), tok.start_pos)

    def farg(self, children):
        return children[1]

    farg1 = farg

    def frac(self, children):
        tok, num, den = children
        return fraction(single(num), single(den), tok.start_pos)

    def binom(self, children):
        tok, n, k = children
        return A.Binom(single(n), single(k), pos=tok.start_pos)

    def sqrt(self, children):
        root = children[2] if len(children) == 5 else None
        return A.Sqrt(single(children[-1]), root, pos=children[0].start_pos)

    def floor(self, children):
        return A.Floor(children[1], pos=children[0].start_pos)

    def ceil(self, children):
        return A.Ceil(children[1], pos=children[0].start_pos)

    def abs(self, children):
        return A.Abs(children[1], pos=children[0].start_pos)

    def call(self, children):
        return call(children[0], tuple(children[2]))

    def func_head(self, children):
        func, _, sub, _, sup = children
        return head(func, sub, sup)

    def func_head_swapped(self, children):
        func, _, sup, _, sub = children
        return head(func, sub, sup)

    def cases(self, children):
        rows = tuple(c for c in children if isinstance(c, tuple))
        return A.Cases(rows, pos=pos_of(children[0]))

    def case_row(self, children):
        value, condition = nodes(children)[0], children[3]
        return (value, None if condition is _OTHERWISE else condition)

    def condition(self, children):
        parts = nodes(children)
        return parts[0] if len(parts) == 1 else A.And(tuple(parts), pos=parts[0].pos)

    def otherwise(self, children):
        return _OTHERWISE

    def relchain(self, children):
        return relation(children)

    def matrix(self, children):
        rows = tuple(c for c in children if isinstance(c, tuple))
        widths = {len(row) for row in rows}
        if len(widths) > 1:
            raise BuildError("the rows of this matrix have different lengths", pos_of(children[0]))
        return A.ArrayLit(rows, pos=pos_of(children[0]))

    def mrow(self, children):
        return tuple(nodes(children))
