"""Collecting like terms of a derived matrix expression, so it reads as on paper.

``diag(a) X + diag(b) X`` becomes ``diag(a + b) X``, and ``s u R + s' v R`` (column vectors
times a common row factor) becomes ``(s u + s' v) R``. Values never change; only the form.
"""

from __future__ import annotations

from nablagrade.derive.mexpr import Add, Diag, MExpr, Mul, add, diag, is_scalar, mul


def _split(term: MExpr):
    factors = term.factors if isinstance(term, Mul) else (term,)
    scalars = [f for f in factors if is_scalar(f)]
    rest = [f for f in factors if not is_scalar(f)]
    if len(rest) > 1 and isinstance(rest[0], Diag):
        return "diag", mul(*scalars, rest[0].v), tuple(rest[1:])
    if len(rest) > 1 and rest[0].shape[1] == 1 and rest[1].shape[0] == 1:
        return "col", mul(*scalars, rest[0]), tuple(rest[1:])
    return None, term, ()


def collect(e: MExpr) -> MExpr:
    """Group the terms of a sum that share their trailing factors."""
    if not isinstance(e, Add):
        return e
    groups: dict = {}
    for term in e.terms:
        kind, head, tail = _split(term)
        groups.setdefault((kind, tail) if kind else ("single", id(term)), []).append(head)
    terms = []
    for (kind, tail), heads in groups.items():
        if kind == "single":
            terms.extend(heads)
        elif kind == "diag":
            terms.append(mul(diag(add(*heads)), *tail))
        else:
            terms.append(mul(add(*heads), *tail))
    return add(*terms)
