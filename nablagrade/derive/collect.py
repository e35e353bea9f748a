"""Collecting like terms of a derived matrix expression, so it reads as on paper.

``diag(a) X + diag(b) X`` becomes ``diag(a + b) X``, and ``s u R + s' v R`` (column vectors
times a common row factor) becomes ``(s u + s' v) R``. Values never change; only the form.
"""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.mexpr import Add, Coef, Diag, MExpr, Mul, Var, add, diag, is_scalar, mul


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


# ---- folding a linear definition back into its name -----------------------------------------

def _to_sympy(e: MExpr, table: dict):
    """A column combination of scalar and vector quantities as a commutative sympy expression
    (each quantity a symbol); None where ``e`` has other structure."""
    if isinstance(e, Var):
        table.setdefault(e, sp.Symbol(f"q{len(table)}"))
        return table[e]
    if isinstance(e, Coef):
        return sp.sympify(e.value)
    if isinstance(e, Add):
        parts = [_to_sympy(t, table) for t in e.terms]
        return None if any(p is None for p in parts) else sp.Add(*parts)
    if isinstance(e, Mul):
        parts = [_to_sympy(f, table) for f in e.factors]
        return None if any(p is None for p in parts) else sp.Mul(*parts)
    return None


def _from_sympy(x, back: dict) -> MExpr:
    if x in back:
        return back[x]
    if x.is_Number:
        return Coef(x)
    if x.is_Add:
        return add(*[_from_sympy(a, back) for a in x.args])
    if x.is_Pow and x.exp.is_Integer and x.exp > 0:
        return mul(*[_from_sympy(x.base, back)] * int(x.exp))
    if x.is_Mul:
        factors = [_from_sympy(a, back) for a in x.args]
        # scalars first, the (one) vector last, as on paper: a_1 (v_1 - h)
        return mul(*sorted(factors, key=lambda f: not is_scalar(f)))
    raise ValueError(f"cannot rebuild {x}")


def fold(e: MExpr, candidates) -> MExpr:
    """Rewrite a column combination ``sum s_i u_i`` as ``R + c y`` where ``y = sum a_i u_i`` is
    one of ``candidates`` (pairs (name, definition)) and that shortens it; then factor."""
    table: dict = {}
    combo = _to_sympy(e, table)
    if combo is None or not isinstance(e, Add):
        return e
    vectors = [s for v, s in table.items() if not is_scalar(v)]
    for name, definition in candidates:
        defined = _to_sympy(definition, table)
        if defined is None:
            continue
        for v in vectors:
            alpha = sp.expand(defined).coeff(v)
            if alpha == 0:
                continue
            c = sp.cancel(sp.expand(combo).coeff(v) / alpha)
            rest = sp.expand(combo - c * defined)
            if sum(1 for s in vectors if rest.coeff(s) != 0) < sum(
                    1 for s in vectors if sp.expand(combo).coeff(s) != 0):
                y = table.setdefault(name, sp.Symbol(f"q{len(table)}"))
                back = {s: v for v, s in table.items()}
                return _from_sympy(sp.factor(rest + c * y), back)
    return e


def fold_terms(e: MExpr, candidates_for) -> MExpr:
    """Apply `fold` to the leading column combination of each term of ``e``."""
    terms = e.terms if isinstance(e, Add) else (e,)
    out = []
    for term in terms:
        factors = term.factors if isinstance(term, Mul) else (term,)
        if factors and isinstance(factors[0], Add) and factors[0].shape[1] == 1:
            head = fold(factors[0], candidates_for(factors[0]))
            term = mul(head, *factors[1:])
        out.append(term)
    return add(*out)
