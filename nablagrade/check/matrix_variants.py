"""The derived truth's own variants, which name a wrong answer's mistake when it equals one.

- `transposed_factors`: the truth with one sub-expression transposed (``W_h^\\top`` for
  ``W_h``), where the result is still well typed and of the truth's shape;
- `terms`: the truth as a sum of terms, as derived (top level) or fully expanded (products
  distributed, ``h[t]`` replaced by its linear definition), for missing and sign-flipped terms;
- `shifted_ranges`: a sum over time with one bound moved by one;
- `with_term_dropped` / `with_term_negated`: the same edits inside an auxiliary definition
  (the adjoint ``delta`` of a BPTT gradient), evaluated in a modified system.

Variants are built with the engine's smart constructors; one rebuild rule per node type.
"""

from __future__ import annotations

import itertools

from nablagrade.derive.mexpr import (Add, Apply, Coef, Deriv, Diag, Hadamard, MExpr, Mul,
                                     SoftmaxAt, Sum, Transpose, Var, add, children, diag, had,
                                     is_scalar, mul, product_shape, scale, shift, summation,
                                     transpose)
from nablagrade.errors import DerivationError

MAX_TERMS = 40

_REBUILD = {
    Add: lambda e, k: add(*k),
    Mul: lambda e, k: mul(*k),
    Hadamard: lambda e, k: had(*k),
    Transpose: lambda e, k: transpose(k[0]),
    Diag: lambda e, k: diag(k[0]),
    Apply: lambda e, k: Apply(e.fn, k[0]),
    Sum: lambda e, k: summation(k[0], e.var, e.lo, e.hi),
}


def _kids(e: MExpr) -> tuple:
    # derivative symbols and softmax components are leaves here: they are not opened
    return () if isinstance(e, (Deriv, SoftmaxAt)) else children(e)


def paths(e: MExpr, prefix=()):
    """``(path, node)`` for every node; a path is the child numbers from the root."""
    yield prefix, e
    for number, kid in enumerate(_kids(e)):
        yield from paths(kid, prefix + (number,))


def replaced(e: MExpr, path: tuple, new: MExpr) -> MExpr:
    """``e`` with the node at ``path`` replaced by ``new`` (DerivationError if it no longer
    conforms)."""
    if not path:
        return new
    kids = list(_kids(e))
    kids[path[0]] = replaced(kids[path[0]], path[1:], new)
    return _REBUILD[type(e)](e, kids)


def well_typed(e: MExpr) -> bool:
    """Do the shapes fit everywhere (the engine's constructors do not all check)?"""
    try:
        return _typed(e)
    except DerivationError:
        return False


def _typed(e: MExpr) -> bool:
    kids = _kids(e)
    if not all(_typed(k) for k in kids):
        return False
    if isinstance(e, (Add, Hadamard)):
        return all(k.shape == kids[0].shape or _same(k.shape, kids[0].shape) for k in kids)
    if isinstance(e, Mul):
        product_shape(e.factors)
    if isinstance(e, Diag):
        return _same((e.v.shape[1],), (1,))
    return True


def _same(a, b) -> bool:
    from nablagrade.check.matrix_algebra import same

    return all(same(x, y) for x, y in zip(a, b))


def transposed_factors(e: MExpr):
    """``(label, variant)`` for each sub-expression that can be transposed in place."""
    seen = set()
    for path, node in sorted(paths(e), key=lambda p: _size(p[1])):  # smallest factor first
        if not path or is_scalar(node) or isinstance(node, Diag) or node in seen:
            continue
        try:
            variant = replaced(e, path, transpose(node))
        except DerivationError:  # a product that no longer conforms
            continue
        if variant == e or not well_typed(variant) or not _same(variant.shape, e.shape):
            continue
        seen.add(node)
        yield node, variant


def _size(e: MExpr) -> int:
    return 1 + sum(_size(k) for k in _kids(e))


def terms(e: MExpr, system=None) -> tuple:
    """The additive terms of ``e`` as derived; a sum with fixed bounds one term per value."""
    if isinstance(e, Sum) and e.lo.is_Integer and e.hi.is_Integer and e.hi - e.lo < 10:
        return tuple(shift(t, {e.var: v}) for v in range(int(e.lo), int(e.hi) + 1)
                     for t in terms(e.body))
    if isinstance(e, Sum):
        return tuple(summation(t, e.var, e.lo, e.hi) for t in terms(e.body))
    return e.terms if isinstance(e, Add) else (e,)


def expanded(e: MExpr, system=None, hadamard: bool = True) -> tuple:
    """The monomials of ``e``: products (and, with ``hadamard``, Hadamard products)
    distributed over sums, linear definitions of the current step opened; the top-level terms
    when that makes too many."""
    try:
        out = _expand(e, system, hadamard)
    except _TooMany:
        return terms(e)
    return tuple(out)


def grouped(e: MExpr, system=None) -> tuple:
    """Like `expanded`, keeping Hadamard products whole (``c \\odot (1 - c)``)."""
    return expanded(e, system, hadamard=False)


class _TooMany(Exception):
    pass


def _expand(e: MExpr, system, hadamard: bool) -> list:
    def inner(k):
        return _expand(k, system, hadamard)

    if isinstance(e, Add):
        out = [m for t in e.terms for m in inner(t)]
    elif isinstance(e, Mul) or isinstance(e, Hadamard) and hadamard:
        build = mul if isinstance(e, Mul) else had
        out = [_signed(build, combo) for combo in itertools.product(*map(inner, _kids(e)))]
    elif isinstance(e, (Transpose, Diag)):
        build = transpose if isinstance(e, Transpose) else diag
        out = [_signed(build, (m,)) for m in inner(_kids(e)[0])]
    elif isinstance(e, Sum):
        out = [_signed(lambda m: summation(m, e.var, e.lo, e.hi), (m,)) for m in inner(e.body)]
    elif isinstance(e, Var) and system is not None and _opens(e, system):
        out = inner(system.definition_at(e))
    else:
        out = [e]
    if len(out) > MAX_TERMS:
        raise _TooMany()
    return out


def _coefficient(m: MExpr):
    """``(c, rest)`` for a monomial ``c rest`` with a numeric coefficient ``c``."""
    first = m.factors[0] if isinstance(m, Mul) else None
    if isinstance(first, Coef) and not first.value.free_symbols:
        rest = m.factors[1:]
        return m.factors[0].value, rest[0] if len(rest) == 1 else Mul(tuple(rest))
    return 1, m


def _signed(build, parts) -> MExpr:
    """``build(*parts)`` with the numeric coefficients of the parts moved to the front."""
    coef, rest = 1, []
    for part in parts:
        c, r = _coefficient(part)
        coef, rest = coef * c, rest + [r]
    return scale(coef, build(*rest)) if coef != 1 else build(*rest)


def _opens(v: Var, system) -> bool:
    """``h[t]`` defined as a sum at the current step is opened (AttentionRNN's softmax mix)."""
    return v.index == system.time and isinstance(system.equations.get(v.name), Add)


def shifted_ranges(e: MExpr):
    """``(label, variant)`` with one bound of the outer sum moved by one."""
    if not isinstance(e, Sum):
        return
    for lo, hi, label in ((e.lo + 1, e.hi, "starts one later"), (e.lo - 1, e.hi,
                                                                     "starts one earlier"),
                          (e.lo, e.hi - 1, "stops one early"), (e.lo, e.hi + 1,
                                                                "goes one too far")):
        yield label, Sum(e.body, e.var, lo, hi)


def in_denominator_layout(e: MExpr) -> MExpr:
    """For display: ``e`` (numerator layout) transposed and written with denominator-layout
    derivative symbols (``dl/dh dh/dh`` becomes ``dh/dh dl/dh``). The symbols keep their
    numerator shapes, so the result is built without shape checks and only printed."""
    if isinstance(e, Deriv):
        return e
    if isinstance(e, Transpose):
        return _symbols_flipped(e.a)
    if is_scalar(e) or isinstance(e, Diag):
        return _symbols_flipped(e)
    if isinstance(e, Mul):  # scalars stay in front, as written
        scalars = [_symbols_flipped(f) for f in e.factors if is_scalar(f)]
        rest = [in_denominator_layout(f) for f in reversed(e.factors) if not is_scalar(f)]
        return Mul(tuple(scalars + rest))
    if isinstance(e, (Add, Hadamard, Sum)):
        return _RAW[type(e)](e, [in_denominator_layout(k) for k in _kids(e)])
    return transpose(_symbols_flipped(e))


_RAW = {
    Add: lambda e, k: Add(tuple(k)), Mul: lambda e, k: Mul(tuple(k)),
    Hadamard: lambda e, k: Hadamard(*k), Transpose: lambda e, k: Transpose(k[0]),
    Diag: lambda e, k: Diag(k[0]), Apply: lambda e, k: Apply(e.fn, k[0]),
    Sum: lambda e, k: Sum(k[0], e.var, e.lo, e.hi),
}


def _symbols_flipped(e: MExpr) -> MExpr:
    if isinstance(e, Deriv):
        return Transpose(e)
    kids = _kids(e)
    return _RAW[type(e)](e, [_symbols_flipped(k) for k in kids]) if kids else e


def with_term_dropped(e: MExpr):
    """``(term, e without it)`` for each term of ``e``."""
    for number, term in enumerate(terms(e)):
        rest = [t for i, t in enumerate(terms(e)) if i != number]
        if rest:
            yield term, add(*rest)


def with_term_negated(e: MExpr):
    """``(term, e with it negated)`` for each term of ``e``."""
    for number, term in enumerate(terms(e)):
        yield term, add(*[scale(-1, t) if i == number else t for i, t in enumerate(terms(e))])

