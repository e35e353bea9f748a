"""Shapes as answers: a tuple of dimensions, its LaTeX, its JSON value, as a `Derivation`.

`shape` is the one builder of shape answers (output sizes of a convolution, the dimension of a
quantity or of a derivative in numerator layout): dims print as ``2 \\times 5``, grouped as
``3 \\times (1 \\times 5 \\times 3)``, optionally as a space ``\\mathbb{R}^{…}``.
`dim_latex` writes one dimension (a window count as
``\\left\\lfloor \\frac{…}{S} \\right\\rfloor + 1``); `dim_value` gives its JSON value.
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp

from nablagrade.derive.solution import Derivation, Step
from nablagrade.errors import DerivationError


def dim_value(d):
    """An integer for a concrete dimension, else its text (``"m"``)."""
    d = sp.sympify(d)
    return int(d) if d.is_Integer else str(d)


def dim_latex(dim) -> str:
    r"""LaTeX of a dimension; ``floor(a/b) + c`` as ``\left\lfloor \frac{a}{b} \right\rfloor + c``
    with the numerator as a size minus a kernel span."""
    dim = sp.sympify(dim)
    floors = [t for t in sp.Add.make_args(dim) if isinstance(t, sp.floor)]
    if len(floors) != 1:
        return sp.latex(dim)
    num, den = sp.fraction(sp.together(floors[0].args[0]))
    rest = dim - floors[0]
    text = r"\left\lfloor \frac{%s}{%s} \right\rfloor" % (_numerator_latex(num), sp.latex(den))
    return text + _signed([rest]) if rest != 0 else text


def _numerator_latex(num: sp.Expr) -> str:
    """Input extent first, then the kernel span collected (``- D(K - 1)``), then the constant."""
    terms = sp.Add.make_args(sp.expand(num))
    products = [t for t in terms if not t.is_number and sp.Poly(t).total_degree() > 1]
    shared = set.intersection(*(t.free_symbols for t in products)) if products else set()
    span = [t for t in terms if t.free_symbols & shared]
    extent = [t for t in terms if not t.is_number and t not in span]
    const = sum((t for t in terms if t.is_number), sp.Integer(0))
    parts = list(extent)
    if span:
        parts.append(-sp.factor_terms(-sp.Add(*span)))
    if const != 0 or not parts:
        parts.append(const)
    text = _signed(parts)
    return text[3:] if text.startswith(" + ") else "-" + text[3:]


def _signed(terms) -> str:
    """`` + a - b …``: each term with its sign in front."""
    return "".join(" - " + sp.latex(-t) if t.could_extract_minus_sign() else " + " + sp.latex(t)
                   for t in terms)


def _nest(items: Sequence[Any], groups: Sequence[int]) -> list:
    """Group a flat list: groups of one stay flat, larger groups become sub-lists."""
    out, at = [], 0
    for size in groups:
        chunk = list(items[at:at + size])
        out.append(chunk[0] if size == 1 else chunk)
        at += size
    return out


def shape(dims: Sequence[Any], *, groups: Sequence[int] | None = None, space: bool = False,
          field: str | None = None, steps: Sequence[Step] = (), lhs: str = "",
          meta=None) -> Derivation:
    r"""A shape answer: ``value`` ints (strings of the dims when symbolic), LaTeX ``2 \times 5``.

    ``groups`` splits the dims into factors (``(1, 3)``: ``3 \times (1 \times 5 \times 3)``, value
    ``[3, [1, 5, 3]]``). ``space=True`` (or ``field="R"``) writes ``\mathbb{R}^{…}`` and records
    ``meta["field"] = "R"`` (printed ``lhs \in …``). Each value is an int where the dim is
    concrete, else its text (``[2, "m"]``). A step with an empty right-hand side gets the shape's
    LaTeX. ``expr``
    mirrors ``value`` with sympy dims; ``meta["dims"]`` is the flat tuple.
    """
    dims = tuple(sp.sympify(d) for d in dims)
    groups = tuple(groups or (len(dims),))
    if sum(groups) != len(dims):
        raise DerivationError(f"shape groups {groups} do not cover {len(dims)} dims")
    field = field or ("R" if space else None)
    flat_value = [dim_value(d) for d in dims]
    texts = [dim_latex(d) if d.is_Atom or len(dims) == 1 else "(%s)" % dim_latex(d) for d in dims]
    factors = [" \\times ".join(g) if isinstance(g, list) else g for g in _nest(texts, groups)]
    if len(groups) > 1:
        factors = ["(%s)" % f if size > 1 else f for f, size in zip(factors, groups)]
    text = " \\times ".join(factors)
    latex = r"\mathbb{R}^{%s}" % text if space or field else text
    nested = _nest(flat_value, groups) if len(groups) > 1 else flat_value
    expr = _nest(dims, groups) if len(groups) > 1 else list(dims)
    return Derivation(expr=_tuplify(expr), latex=latex, value=nested,
                      steps=tuple(Step(s.lhs, s.rhs or latex, s.note) for s in steps), lhs=lhs,
                      meta={"dims": dims, "groups": groups, "field": field, **dict(meta or {})})


def _tuplify(items):
    return tuple(_tuplify(i) if isinstance(i, list) else i for i in items)
