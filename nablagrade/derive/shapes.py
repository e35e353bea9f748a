"""Shapes as answers: a tuple of dimensions, its LaTeX and its JSON value."""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.solution import Derivation, Step


def dim_value(d):
    """An integer for a concrete dimension, else its text (``"m"``)."""
    d = sp.sympify(d)
    return int(d) if d.is_Integer else str(d)


def shape_latex(dims, field: str | None = None) -> str:
    body = r" \times ".join(sp.latex(sp.sympify(d)) for d in dims)
    return rf"\mathbb{{R}}^{{{body}}}" if field else body


def shape_derivation(dims, *, lhs: str = "", field: str | None = None, steps=()) -> Derivation:
    dims = tuple(sp.sympify(d) for d in dims)
    steps = tuple(Step(s.lhs, s.rhs or shape_latex(dims, field), s.note) for s in steps)
    return Derivation(expr=dims, latex=shape_latex(dims, field),
                      value=[dim_value(d) for d in dims], steps=steps, lhs=lhs,
                      meta={"field": field})
