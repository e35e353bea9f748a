"""Scalar derivations with sympy: closed forms, their LaTeX and their numeric values."""

from __future__ import annotations

from typing import Iterable

import sympy as sp

from nablagrade.derive.solution import Derivation, Step


def latex(expr) -> str:
    """LaTeX of a sympy expression, in the notation of the sheets (``\\ln`` for log)."""
    return sp.latex(expr, ln_notation=True)


def numeric(expr):
    """A float for a closed expression, ``None`` when free symbols remain."""
    expr = sp.sympify(expr)
    if expr.free_symbols:
        return None
    return float(sp.N(expr, 30))


def formula(expr, *, lhs: str = "", steps: Iterable[Step] = (), meta=None) -> Derivation:
    """A scalar answer: ``expr`` in LaTeX, with its float value when it is closed."""
    return Derivation(expr=expr, latex=latex(expr), value=numeric(expr), steps=tuple(steps),
                      lhs=lhs, meta=dict(meta or {}))


def exact(value) -> sp.Expr:
    """An exact sympy number for a parameter value: integers stay integers, and a decimal is
    read as the short fraction it stands for (``0.95`` -> ``19/20``), not as its binary
    approximation, so exact arithmetic follows (threshold tests, then floats at the end)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int) or float(value).is_integer():
        return sp.Integer(int(value))
    return sp.nsimplify(sp.Float(value), rational=True)
