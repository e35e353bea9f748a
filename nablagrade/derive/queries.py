"""Questions a recurrent problem asks of the engine, each deriving a recorded `Derivation`.

- `ShapeOf`: the dimension of a quantity (``\\mathbb{R}^{m}``) or of a derivative (numerator
  layout).
- `Jacobian`: a partial derivative between vectors of one time step (``dc[t]/dh[t-1]``).
- `BPTTGradient`: the gradient of the loss in a parameter matrix, by backpropagation through
  time (the adjoint recursion ``delta[t]``).
- `ThroughSuccessors`: the loss's total derivative in a state, through the states that read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from nablagrade.derive.collect import collect, fold_terms
from nablagrade.derive.jacobian import Ctx, differential, jacobian, _jacobian_apply
from nablagrade.derive.mexpr import (Add, Apply, Deriv, MExpr, Var, add, jacobian_shape, mul,
                                     summation, transpose, walk)
from nablagrade.derive.recurrence import LOSS, T, Recurrence
from nablagrade.derive.shapes import shape
from nablagrade.derive.solution import Derivation, Step


def jacobian_of_definition(system: Recurrence, of: Var, ctx: Ctx) -> MExpr:
    definition = system.definition_at(of)
    if isinstance(definition, Apply):
        return _jacobian_apply(definition, ctx, out=of)
    return jacobian(definition, ctx)


@dataclass(frozen=True)
class ShapeOf:
    """The shape of a quantity, or of the derivative ``d num / d den`` in numerator layout."""

    num: MExpr
    den: MExpr | None = None
    vector: bool = True  # write a column vector as R^{m}
    definition: MExpr | None = None  # shown as the reason for the shape
    reason: str = ""

    def derive(self) -> Derivation:
        if self.den is None:
            rows, cols = self.num.shape
            dims = (rows,) if self.vector and cols == 1 else (rows, cols)
            steps = ()
            if self.definition is not None:
                steps = (Step(self.num.latex(), self.definition.latex(),
                              self.reason or "the shape of its definition"),)
            elif self.reason:
                steps = (Step(self.num.latex(), "", self.reason),)
            return shape(dims, lhs=self.num.latex(), steps=steps,
                         field="R" if self.vector else None)
        dims = jacobian_shape(self.num, self.den)
        lhs = Deriv(self.num, self.den).latex()
        note = "numerator layout: rows follow the numerator"
        return shape(dims, lhs=lhs, steps=(Step(lhs, "", note),))


@dataclass(frozen=True)
class Jacobian:
    """``d of / d wrt`` for vectors of a recurrence, with ``wrt`` held as an independent input."""

    system: Recurrence
    of: Var
    wrt: Var

    def closed(self) -> MExpr:
        raw = jacobian_of_definition(self.system, self.of, Ctx(self.wrt, self.system))
        return fold_terms(collect(raw), self._linear_definitions)

    def _linear_definitions(self, combo: MExpr):
        """Quantities defined as sums, at the indices ``combo`` uses: candidates to fold."""
        indices = {v.index for v in walk(combo) if isinstance(v, Var) and v.index is not None}
        for name, body in self.system.equations.items():
            if isinstance(body, Add):
                for index in indices:
                    var = self.system.symbols[name].at(index)
                    yield var, self.system.definition_at(var)

    def derive(self) -> Derivation:
        lhs = Deriv(self.of, self.wrt).latex()
        definition = self.system.definition_at(self.of)
        steps = [Step(self.of.latex(), definition.latex(), "definition")]
        shallow = Ctx(self.wrt, self.system, shallow=True)
        first = jacobian_of_definition(self.system, self.of, shallow)
        steps.append(Step(lhs, first.latex(), "chain rule"))
        for symbol in shallow.placeholders:
            inner = Jacobian(self.system, symbol.num, self.wrt).derive()
            steps.extend(s for s in inner.steps[1:] if s not in steps)  # each result once
        final = self.closed()
        if shallow.placeholders:
            steps.append(Step(lhs, final.latex(), "substituting"))
        return Derivation(expr=final, latex=final.latex(), steps=tuple(steps), lhs=lhs,
                          meta={"system": self.system, "wrt": self.wrt, "of": self.of})


def state_lags(system: Recurrence, state: str) -> tuple[int, ...]:
    """The lags ``i`` at which ``state[t-i]`` enters the definition of ``state[t]``."""
    seen, lags, todo = set(), set(), [system.definition_at(system.symbols[state])]
    while todo:
        for node in walk(todo.pop()):
            if not isinstance(node, Var) or node.index is None:
                continue
            lag = sp.expand(T - node.index)
            if node.name == state and lag.is_Integer and lag > 0:
                lags.add(int(lag))
            elif system.definition(node) is not None and node.key() not in seen:
                seen.add(node.key())
                todo.append(system.definition(node))
    return tuple(sorted(lags))


@dataclass(frozen=True)
class BPTTGradient:
    """``d loss / d param`` when the loss depends on every state and its partials
    ``dl/dstate[t]`` are given: the sum over time of each step's direct contribution, weighted
    by the total derivative ``delta[t]`` of the loss in the state."""

    system: Recurrence
    param: Var
    state: str = "h"

    def _delta(self):
        h = self.system.symbols[self.state]
        delta = Var("delta", h.rows, 1, T, r"\delta")
        shown, closed = [Deriv(LOSS, h)], [transpose(Deriv(LOSS, h))]
        for lag in state_lags(self.system, self.state):
            later = h.at(T + lag)
            jac = Jacobian(self.system, later, h).closed()
            shown.append(mul(transpose(delta.at(T + lag)), Deriv(later, h)))
            closed.append(mul(transpose(jac), delta.at(T + lag)))
        return delta, add(*shown), add(*closed)

    def derive(self) -> Derivation:
        system, h = self.system, self.system.symbols[self.state]
        delta, shown, closed = self._delta()
        length = system.length
        full = system.with_extra(delta=closed).with_bases(
            delta=lambda index, dim: index > dim(length))
        pairs = differential(system.definition_at(h), self.param, Ctx(self.param, system))
        term = add(*[mul(r, transpose(delta), L) for L, r in pairs])
        grad = summation(term, T, 1, length)
        lhs = Deriv(LOSS, self.param).latex()
        where = (rf"{transpose(delta).latex()} = {shown.latex()}, \quad "
                 rf"{transpose(delta.at(length + 1)).latex()} = 0")
        direct = add(*[mul(L, Var("dW", self.param.rows, self.param.cols, None,
                                  rf"\mathrm{{d}}{self.param.latex()}"), r) for L, r in pairs])
        steps = (
            Step(r"\mathrm{d}" + h.latex(), direct.latex(),
                 rf"direct effect of ${self.param.latex()}$, with ${h.at(T - 1).latex()}$ fixed"),
            Step(where.split(" = ")[0], where.split(" = ", 1)[1],
                 "total derivative of the loss in the state, backwards in time"),
            Step(lhs, grad.latex(), r"$\mathrm{d}\ell = \sum_t \delta[t]^\top \mathrm{d}h[t]$,"
                 r" read off in numerator layout"),
        )
        return Derivation(expr=grad, latex=grad.latex(), steps=steps, lhs=lhs,
                          meta={"system": full, "where": where, "delta": closed})


@dataclass(frozen=True)
class ThroughSuccessors:
    """``dl/dstate[T0]`` when the loss reaches ``state[T0]`` only through the states that read
    it directly: the chain rule over those successors, with the given total derivatives
    ``dl/dstate[t]`` and direct ``dstate[t]/dstate[T0]`` for ``t > T0``."""

    system: Recurrence
    state: str = "h"
    at: sp.Symbol = sp.Symbol("T", integer=True)

    def derive(self) -> Derivation:
        h = self.system.symbols[self.state]
        lags = state_lags(self.system, self.state)
        i = sp.Symbol("i", integer=True, positive=True)
        base = h.at(self.at)
        later = h.at(self.at + i)
        term = mul(Deriv(LOSS, later), Deriv(later, base))
        if lags != tuple(range(1, len(lags) + 1)):
            raise NotImplementedError("successor lags with gaps")
        expr = summation(term, i, 1, len(lags))
        lhs = Deriv(LOSS, base).latex()
        steps = (Step(lhs, expr.latex(),
                      rf"${base.latex()}$ enters ${h.latex()}$ at lags "
                      + ", ".join(map(str, lags)) + "; chain rule over those states"),)
        return Derivation(expr=expr, latex=expr.latex(), steps=steps, lhs=lhs,
                          meta={"system": self.system, "lags": lags, "index": i})
