"""Matrix calculus in numerator layout: one small rule per node type.

`jacobian(e, ctx)` is d e / d ctx.wrt for a column vector (or scalar) ``e`` and a column-vector
variable ``wrt``: an ``rows(e) x rows(wrt)`` matrix. `differential(e, W, ctx)` is the
differential of ``e`` in a matrix variable ``W`` as a list of terms ``(L, r)`` meaning
``de = sum L dW r``; a scalar's gradient in numerator layout is then ``sum r (g L)``.

Defined quantities (``c[t]`` of a recurrence) are expanded through their definitions, or kept as
derivative symbols when ``ctx.shallow`` (the first step a solution sheet shows). States of a
recurrence other than ``wrt`` are independent variables: these are partial derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch

from nablagrade.derive.mexpr import (ONE, Add, Apply, Coef, Deriv, Diag, Hadamard, Identity,
                                     MExpr, Mul, Ones, SoftmaxAt, Sum, Transpose, Var, Zero,
                                     add, diag, had, is_scalar, jacobian_shape, mul, transpose)
from nablagrade.errors import DerivationError


@dataclass
class Ctx:
    """What a derivative is taken with respect to, in which system of definitions."""

    wrt: Var
    definitions: object  # has .definition(var) -> MExpr | None
    shallow: bool = False
    placeholders: list = field(default_factory=list)


def derivative_of_function(fn: str, arg: MExpr, out: MExpr) -> MExpr:
    """f'(arg) element-wise, written with the function's output ``out`` where it reads better."""
    if fn == "sigmoid":  # s' = s (1 - s)
        return had(out, Ones(out.shape[0]) - out)
    if fn == "tanh":  # tanh' = 1 - tanh^2
        return Ones(out.shape[0]) - had(out, out)
    if fn == "exp":
        return out
    raise DerivationError(f"no derivative rule for the element-wise function {fn}")


def depends(e: MExpr, wrt: Var, defs) -> bool:
    if isinstance(e, Var):
        if e.key() == wrt.key():
            return True
        definition = defs.definition(e)
        return definition is not None and depends(definition, wrt, defs)
    from nablagrade.derive.mexpr import children

    return any(depends(c, wrt, defs) for c in children(e))


def _zero(e: MExpr, ctx: Ctx) -> MExpr:
    return Zero(*jacobian_shape(e, ctx.wrt))


@singledispatch
def jacobian(e: MExpr, ctx: Ctx) -> MExpr:
    raise DerivationError(f"no Jacobian rule for {type(e).__name__}")


@jacobian.register(Zero)
@jacobian.register(Ones)
@jacobian.register(Identity)
@jacobian.register(Coef)
@jacobian.register(Deriv)
def _(e, ctx):
    return _zero(e, ctx)


@jacobian.register
def _(e: Var, ctx):
    # dv/dv = I; a defined quantity goes through its definition; anything else is held fixed.
    if e.key() == ctx.wrt.key():
        return Identity(e.rows)
    definition = ctx.definitions.definition(e)
    if definition is None or not depends(definition, ctx.wrt, ctx.definitions):
        return _zero(e, ctx)
    if ctx.shallow:
        symbol = Deriv(e, ctx.wrt)
        if symbol not in ctx.placeholders:
            ctx.placeholders.append(symbol)
        return symbol
    if isinstance(definition, Apply):
        return _jacobian_apply(definition, ctx, out=e)
    return jacobian(definition, ctx)


@jacobian.register
def _(e: Add, ctx):
    return add(*[jacobian(t, ctx) for t in e.terms])


@jacobian.register
def _(e: Hadamard, ctx):
    # d(a ⊙ b) = diag(b) da + diag(a) db
    return add(mul(diag(e.b), jacobian(e.a, ctx)), mul(diag(e.a), jacobian(e.b, ctx)))


@jacobian.register
def _(e: Transpose, ctx):
    # A row vector has the same numerator-layout Jacobian as its column.
    return jacobian(e.a, ctx)


@jacobian.register
def _(e: Apply, ctx):
    return _jacobian_apply(e, ctx, out=e)


def _jacobian_apply(e: Apply, ctx: Ctx, out: MExpr) -> MExpr:
    # d f(u) = diag(f'(u)) du
    inner = jacobian(e.a, ctx)
    if isinstance(inner, Zero):
        return inner
    return mul(diag(derivative_of_function(e.fn, e.a, out)), inner)


@jacobian.register
def _(e: SoftmaxAt, ctx):
    # d a_i = sum_j a_i (delta_ij - a_j) d w_j
    comps = ctx.definitions.softmax_components(e)
    terms = []
    for j, logit in enumerate(e.logits):
        dw = jacobian(logit, ctx)
        if isinstance(dw, Zero):
            continue
        a_i = comps[e.i]
        weight = mul(a_i, add(Coef(ONE), -comps[j])) if j == e.i else -mul(a_i, comps[j])
        terms.append(mul(weight, dw))
    return add(_zero(e, ctx), *terms)


@jacobian.register
def _(e: Diag, ctx):
    raise DerivationError("the derivative of a matrix-valued diag(.) is not a matrix")


@jacobian.register
def _(e: Sum, ctx):
    raise DerivationError("differentiate the terms of a sum over time one by one")


@jacobian.register
def _(e: Mul, ctx):
    # Product rule: one term per factor that depends on wrt.
    terms = [_product_term(e.factors, k, ctx) for k, f in enumerate(e.factors)
             if depends(f, ctx.wrt, ctx.definitions)]
    return add(_zero(e, ctx), *terms)


def _product_term(factors, k, ctx: Ctx) -> MExpr:
    f = factors[k]
    scalars = [g for i, g in enumerate(factors) if i != k and is_scalar(g)]
    before = [g for g in factors[:k] if not is_scalar(g)]
    after = [g for g in factors[k + 1:] if not is_scalar(g)]
    if is_scalar(f):  # d(s R) = R ds  (R a column vector or a scalar)
        return mul(*scalars, *before, *after, jacobian(f, ctx))
    if not after:  # A u: A du
        return mul(*scalars, *before, jacobian(f, ctx))
    rest = mul(*after)
    if isinstance(f, Transpose) and not before:  # u^T M = M^T u
        return mul(*scalars, transpose(rest), jacobian(f.a, ctx))
    if isinstance(f, Diag):  # A diag(u) s = A diag(s) u
        return mul(*scalars, *before, diag(rest), jacobian(f.v, ctx))
    raise DerivationError(f"cannot differentiate the product factor {f} in numerator layout")


# ---- differentials in a matrix variable -------------------------------------------------------

def differential(e: MExpr, W: Var, ctx: Ctx) -> list[tuple[MExpr, MExpr]]:
    """Terms (L, r) with de = sum L dW r, for a column vector or scalar ``e``."""
    if not depends(e, W, ctx.definitions):
        return []
    if isinstance(e, Var):
        definition = ctx.definitions.definition(e)
        if isinstance(definition, Apply):
            return _differential_apply(definition, W, ctx, out=e)
        return differential(definition, W, ctx)
    if isinstance(e, Add):
        return [pair for t in e.terms for pair in differential(t, W, ctx)]
    if isinstance(e, Hadamard):
        return (_premultiply(diag(e.b), differential(e.a, W, ctx))
                + _premultiply(diag(e.a), differential(e.b, W, ctx)))
    if isinstance(e, Apply):
        return _differential_apply(e, W, ctx, out=e)
    if isinstance(e, Mul):
        return [pair for k, f in enumerate(e.factors) if depends(f, W, ctx.definitions)
                for pair in _differential_factor(e.factors, k, W, ctx)]
    raise DerivationError(f"no differential rule for {type(e).__name__} in {W}")


def _differential_apply(e: Apply, W: Var, ctx: Ctx, out: MExpr):
    return _premultiply(diag(derivative_of_function(e.fn, e.a, out)), differential(e.a, W, ctx))


def _premultiply(A: MExpr, pairs):
    return [(mul(A, L), r) for L, r in pairs]


def _differential_factor(factors, k, W: Var, ctx: Ctx):
    f = factors[k]
    if isinstance(f, Var) and f.key() == W.key():  # A dW r
        before, after = factors[:k], factors[k + 1:]
        left = mul(*before) if before else Identity(W.rows)
        return [(left, mul(*after))]
    # Any other factor: its Jacobian-style product term, with du replaced by its differential.
    scalars = [g for i, g in enumerate(factors) if i != k and is_scalar(g)]
    before = [g for g in factors[:k] if not is_scalar(g)]
    after = [g for g in factors[k + 1:] if not is_scalar(g)]
    if is_scalar(f):
        left = mul(*scalars, *before, *after) if (scalars or before or after) else None
        inner = differential(f, W, ctx)
        return inner if left is None else _premultiply(left, inner)
    if not after:
        inner = differential(f, W, ctx)
        return _premultiply(mul(*scalars, *before), inner) if (scalars or before) else inner
    if isinstance(f, Diag):
        return _premultiply(mul(*scalars, *before, diag(mul(*after))), differential(f.v, W, ctx))
    raise DerivationError(f"cannot take the differential of the factor {f} in {W}")
