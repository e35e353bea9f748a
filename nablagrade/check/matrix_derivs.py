"""Derivative symbols in a matrix answer, and what each stands for.

- one the answer defines (``\\frac{\\partial c[t]}{\\partial h[t-1]} = ...``): its definition,
  at the indices written;
- the asked quantity itself: not allowed (`Circular`);
- one the question gives (``\\frac{\\partial \\ell}{\\partial h[t]}``, AttentionRNN's direct
  ``\\frac{\\partial h[t]}{\\partial h[T]}``): an input, random at each instance;
- between two states of a one-state recurrence, ``\\frac{\\partial h[s]}{\\partial h[t]}``: the
  total derivative through the recurrence (the product of step Jacobians; ``I`` for ``s = t``);
- any other derivative of the problem's quantities: its true value, derived by the engine
  (a partial derivative: the other states held fixed), also of an expression
  (``\\frac{\\partial (a_1[t] v_1[t])}{\\partial h[t-1]}``).

In denominator layout each symbol stands for the transpose of its numerator-layout value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.matrix_algebra import Flex, quote, same
from nablagrade.check.matrix_defs import Circular, IllTyped, Unknown
from nablagrade.check.matrix_index import Ctx
from nablagrade.check.matrix_nodes import Family, Lin, nodes
from nablagrade.check.matrix_sequences import TotalJac
from nablagrade.check.matrix_scope import LOSS_NAMES
from nablagrade.check.names import base_key, name_key
from nablagrade.derive import mexpr
from nablagrade.derive.mexpr import Deriv, Identity, Var, Zero, shift, transpose
from nablagrade.derive.recurrence import LOSS
from nablagrade.errors import DerivationError

@dataclass(frozen=True)
class Ref:
    """A quantity named in a derivative: ``key`` (``"l"`` for the loss), its `Var`, its
    index; for ``a_i`` with a bound ``i``, ``family`` is the index picking the member."""

    key: str
    var: Var | None = None
    index: Any = None
    family: Any = None


def refer(r, node: A.Node, ctx: Ctx) -> Ref | None:
    """The quantity ``node`` names, or None when it is an expression."""
    index = None
    while isinstance(node, A.Group):
        node = node.body
    if isinstance(node, A.Index) and isinstance(node.target, A.Name) and len(node.indices) == 1:
        node, index = node.target, node.indices[0]
    if not isinstance(node, A.Name):
        return None
    scope = r.scope
    node = r.untex(node)
    full, base = scope.alias(name_key(node)), scope.alias(base_key(node))
    if node.sub is not None and name_key(node) == base_key(node):
        full = None  # h_{t-1}: the subscript is an index
    if full in LOSS_NAMES and full not in scope.names:
        return Ref(LOSS.name)
    if full in scope.names:
        var = scope.names[full]
        return Ref(full, var, None if var.index is None else r.at(index, ctx))
    if node.sub is not None and index is not None and full is None:
        raise IllTyped(f"{quote(node)} has two indices", node.pos)
    if node.sub is not None and scope.is_sequence(base):
        return Ref(base, scope.names[base], r.index(node.sub, ctx))
    if node.sub is not None and base in scope.families:
        return Ref(base, None, r.at(index, ctx), r.index(node.sub, ctx))
    if full in r.plan.defs or base in r.plan.defs:
        raise IllTyped(f"{quote(node)}: derivatives of names defined in the answer are not "
                       "supported; write them with the problem's quantities", node.pos)
    raise Unknown(f"{quote(node)} is not defined in this problem", node.pos)


def derivative(r, node: A.Derivative, ctx: Ctx):
    """The value a derivative symbol stands for (see the module docstring)."""
    num, den = refer(r, node.num, ctx), refer(r, node.den, ctx)
    if den is None or den.key == LOSS.name or den.family is not None:
        raise IllTyped(f"{quote(node)}: differentiate by a quantity of the problem, such as "
                       "h[t-1]", node.pos)
    if num is not None and num.family is not None:
        return _family(r, num, den, node, ctx)
    value = _defined(r, num, den, ctx) if num is not None else None
    if value is not None:
        return value
    refuse_asked(r.scope, num, den, node)
    if num is None:
        value = _of_expression(r, node, den, ctx)
    elif num.key == LOSS.name:
        value = _given_loss(r, den, node)
    else:
        value = _between(r, num, den, node)
    return transpose(value) if r.layout == "denominator" else value


def _family(r, num: Ref, den: Ref, node, ctx):
    members = []
    for j, key in sorted(r.scope.families[num.key].items()):
        var = r.scope.names[key]
        one = Ref(key, var, None if var.index is None else num.index)
        refuse_asked(r.scope, one, den, node)
        value = _between(r, one, den, node)
        members.append((j, transpose(value) if r.layout == "denominator" else value))
    return Family(f"d{num.key}", tuple(members), r.lin(num.family, node))


def _defined(r, num: Ref, den: Ref, ctx: Ctx):
    """The answer's own definition of this derivative symbol, at these indices, if any."""
    for d in r.plan.derivs:
        free = {n for n, _ in _index_names(d.num) + _index_names(d.den)
                if n not in r.scope.numbers and n not in ("t", "T")}
        local = Ctx({n: sp.Symbol(n, integer=True) for n in free})
        dnum, dden = refer(r, d.num, local), refer(r, d.den, local)
        if dnum is None or dden is None or (dnum.key, dden.key) != (num.key, den.key):
            continue
        written, used = _anchor(dnum, dden), _anchor(num, den)
        if not same(_offset(dnum, dden), _offset(num, den)):
            continue
        variables = [s for s in sp.sympify(written, strict=True).free_symbols
                     if s in local.bound.values() or s == r.scope.time]
        if not variables and not same(written, used):
            continue
        # written = v + c (unit coefficient): v = used - c
        subst = {variables[0]: sp.expand(used - (written - variables[0]))} if variables else {}
        key = f"d{num.key}/d{den.key}"
        if key in ctx.stack:
            raise Circular(f"the derivative {key} is defined in terms of itself", d.pos)
        value = r.expr(d.rhs, Ctx(local.bound, subst, ctx.stack + (key,)))
        if not d.transposed:
            return value
        return value.transposed() if isinstance(value, Flex) else transpose(value)
    return None


def _index_names(node):
    return [(base_key(n), n) for n, _ in A.walk(node)
            if isinstance(n, A.Name) and n.sub is None and len(base_key(n)) == 1]


def _anchor(num: Ref, den: Ref):
    return num.index if num.index is not None else den.index


def _offset(num: Ref, den: Ref):
    if num.index is None or den.index is None:
        return 0
    return sp.expand(num.index - den.index)


def refuse_asked(scope, num: Ref | None, den: Ref, node) -> None:
    """`Circular` when ``num``/``den`` name the derivative the part asks for."""
    asked = scope.asked
    if num is None or (num.key, den.key) != (asked.num, asked.den):
        return
    if asked.offset is not None:
        hit = num.index is not None and den.index is not None and \
            same(num.index - den.index, asked.offset)
    else:
        hit = asked.den_index is None or den.index is not None and \
            same(den.index, asked.den_index)
    if hit:
        raise Circular(f"{quote(node)} is the quantity asked for: the answer must express it "
                       "with other quantities", node.pos)


def _given_loss(r, den: Ref, node):
    if (LOSS.name, den.key) not in r.scope.givens or den.index is None:
        raise Unknown(f"{quote(node)} is not given in this question", node.pos)
    return Deriv(LOSS, _engine_place(r, den, node))


def _engine_place(r, ref: Ref, node) -> Var:
    placed = r.place(ref.var, ref.index, node)
    if not isinstance(placed, Var):
        raise IllTyped(f"{quote(node)}: write the index of a given derivative as a sum such "
                       "as T+i", node.pos)
    return placed


def _between(r, num: Ref, den: Ref, node):
    scope = r.scope
    if num.index is None or den.index is None:
        raise IllTyped(f"{quote(node)} is a derivative of or by a matrix, a third-order tensor; "
                       "write the answer with matrices and vectors", node.pos)
    if (num.key, den.key) in scope.givens:
        if scope.at is None or not same(den.index, scope.at):
            raise Unknown(f"{quote(node)} is not given: the question gives the derivatives "
                          f"by h[T] only", node.pos)
        return Deriv(_engine_place(r, num, node), _engine_place(r, den, node))
    offset = sp.expand(num.index - den.index)
    if num.key == den.key and num.key in scope.states and len(scope.states) == 1:
        return _through_states(r, num, den, offset, node)
    if not offset.is_Integer:
        raise IllTyped(f"{quote(node)}: the indices must be a fixed distance apart", node.pos)
    if num.key not in scope.system.symbols or den.key not in scope.system.symbols:
        raise IllTyped(f"{quote(node)} is not a derivative this question knows", node.pos)
    try:
        J = scope.jacobian(num.key, den.key, int(offset))
    except DerivationError as err:
        raise IllTyped(f"{quote(node)}: {err}", node.pos) from None
    return shift(J, {scope.time: num.index})


def _through_states(r, num: Ref, den: Ref, offset, node):
    """The total derivative of a state by an earlier one: a chain of step Jacobians."""
    scope, rows = r.scope, num.var.rows
    steps = scope.step_jacobians(num.key)
    if offset.is_Integer and offset <= 0:
        return Identity(rows) if offset == 0 else Zero(rows, rows)
    return TotalJac(num.var, r.lin(num.index, node), r.lin(den.index, node), steps,
                    scope.time)


def _of_expression(r, node: A.Derivative, den: Ref, ctx: Ctx):
    from nablagrade.derive.jacobian import Ctx as Wrt
    from nablagrade.derive.jacobian import jacobian

    expr = r.concrete(node.num, ctx)
    if den.index is None:
        raise IllTyped(f"{quote(node)} is a derivative by a matrix, a third-order tensor",
                       node.pos)
    if any(type(n).__module__ != mexpr.__name__ for n in nodes(expr)):
        raise IllTyped(f"{quote(node)}: cannot differentiate this expression; write it with "
                       "the problem's quantities", node.pos)
    try:
        return jacobian(expr, Wrt(_engine_place(r, den, node), scope_system(r)))
    except DerivationError as err:
        raise IllTyped(f"{quote(node)}: {err}", node.pos) from None


def scope_system(r):
    return r.scope.system


__all__ = ["derivative", "refer", "Ref", "Lin"]
