"""Checking ``matrix`` parts: Jacobians and gradients of recurrent cells (``rnn.gated``,
``rnn.attention``, ``rnn.lstm``).

parse -> `plan` the statements (the asked one, the answer's definitions) -> resolve into the
engine's typed matrix expressions (`matrix_resolve`, shapes checked) -> evaluate at the
question's seeded random instances (`matrix_eval`) -> compare with the derived truth; a wrong
answer is named by the truth variant it equals (`matrix_diagnose`). An answer that cannot be
resolved is ``invalid`` with the reason (``ill-typed``, ``unknown-symbol``, ...).

>>> import nablagrade.check.kinds
>>> from nablagrade.check.api import check
>>> check("rnn.gated", "dc-dh", r"\\operatorname{diag}(c_t \\odot (1 - c_t)) W_h").verdict
'correct'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.api import Task, checks
from nablagrade.check.latex import to_latex
from nablagrade.check.matrix_algebra import settle
from nablagrade.check.matrix_defs import AnswerError, Circular, plan
from nablagrade.check.matrix_derivs import refer, refuse_asked
from nablagrade.check.matrix_diagnose import diagnose
from nablagrade.check.matrix_eval import (EvalError, agree, close, sample, truth_expr,
                                          values_of)
from nablagrade.check.matrix_index import Ctx
from nablagrade.check.matrix_resolve import Resolver
from nablagrade.check.matrix_scope import cached_scope
from nablagrade.check.matrix_variants import in_denominator_layout
from nablagrade.check.verdict import Counterexample, Verdict, invalid
from nablagrade.derive.mexpr import Deriv, MExpr, add, mul, transpose
from nablagrade.derive.queries import state_lags
from nablagrade.derive.recurrence import LOSS, T
from nablagrade.errors import DerivationError

OTHER = {"numerator": "denominator", "denominator": "numerator"}


@dataclass(frozen=True)
class Reading:
    """An answer resolved in one layout: its expression, its recursive definitions (for the
    evaluation `Overlay`) and its symbolic shape."""

    expr: MExpr
    bodies: dict

    @property
    def shape(self):
        return self.expr.shape


def read(t: Task, scope, tree: A.Answer, layout: str) -> Reading:
    """Resolve ``tree``: pick the asked statement, its definitions, derivative symbols read in
    ``layout``; `AnswerError` when it cannot be resolved."""
    resolver = Resolver(scope, None, layout)
    resolver.plan = plan(tree, lambda d: _is_asked(resolver, d), set(scope.numbers),
                         lambda key: scope.alias(key) in scope.names)
    value = settle(resolver.expr(resolver.plan.main, Ctx()), truth_expr(t).shape)
    if resolver.plan.transposed:
        value = transpose(value)
    return Reading(value, dict(resolver.bodies))


def _is_asked(resolver, d: A.Derivative) -> bool:
    try:
        num, den = refer(resolver, d.num, Ctx()), refer(resolver, d.den, Ctx())
        if den is not None:
            refuse_asked(resolver.scope, num, den, d)
    except Circular:
        return True
    except AnswerError:
        return False
    return False


def expected_latex(t: Task) -> str:
    """The truth as the student should write it in the task's layout, with its ``where``."""
    where = t.truth.meta.get("where")
    if t.layout == "numerator":
        text = t.truth.latex
    else:
        text = in_denominator_layout(t.truth.expr).latex()
        where = where and _denominator_where(t)
    return f"{text}, \\quad \\text{{where }} {where}" if where else text


def _denominator_where(t: Task) -> str:
    """BPTT's adjoint recursion written in denominator layout."""
    system, state = t.truth.meta["system"], t.query.state
    h, delta = system.symbols[state], cached_scope(t).names["delta"]
    later = [mul(Deriv(h.at(T + lag), h), delta.at(T + lag)) for lag in state_lags(system, state)]
    body = add(Deriv(LOSS, h), *later)
    return (f"{delta.latex()} = {body.latex()}, \\quad "
            f"{delta.at(system.length + 1).latex()} = 0")


@checks("matrix")
def check_matrix(t: Task, tree: A.Answer) -> Verdict:
    """Correct when the answer equals the truth at every instance; else the mistake named."""
    scope = cached_scope(t)
    answer, expected = to_latex(tree), expected_latex(t)
    smp = sample(t, scope)
    try:
        reading = read(t, scope, tree, t.layout)
    except AnswerError as err:
        return _unreadable(t, scope, tree, smp, err, answer, expected)
    except (DerivationError, RecursionError) as err:  # the engine could not follow it
        return invalid("not-a-value", sentence(f"Your answer cannot be evaluated: {err}"),
                       answer=answer, expected=expected)
    try:
        got = values_of(reading.expr, scope, smp, reading.bodies)
    except EvalError as err:
        return invalid(err.code, sentence(f"Your answer has no value at some instances: "
                                          f"{err.message}"), answer=answer, expected=expected)
    if agree(got, smp.truth):
        return Verdict("correct", 1.0, (), expected, answer, None, "sampled", smp.count)
    found = diagnose(t, scope, smp, got, reading.shape,
                     lambda: _other_values(t, scope, tree, smp))
    return Verdict("incorrect", 0.0, found, expected, answer, counterexample(smp, got),
                   "sampled", smp.count)


def _other_values(t, scope, tree, smp):
    """The answer's values with its derivative symbols read in the other layout."""
    if not any(isinstance(n, A.Derivative) for n, _ in A.walk(tree)):
        return None
    try:
        reading = read(t, scope, tree, OTHER[t.layout])
    except AnswerError:
        return None
    return values_of(reading.expr, scope, smp, reading.bodies)


def _unreadable(t, scope, tree, smp, err: AnswerError, answer, expected) -> Verdict:
    """An answer that does not resolve may still be right in the other layout
    (``\\sum dh/dh \\, dl/dh``); otherwise it is invalid with the reason."""
    try:
        other = _other_values(t, scope, tree, smp) if err.code == "ill-typed" else None
    except EvalError:
        other = None
    flipped = [np.swapaxes(w, 1, 2) for w in smp.truth]
    if other is not None and agree(other, flipped):
        found = diagnose(t, scope, smp, other, flipped[0].shape[1:], lambda: None)
        return Verdict("incorrect", 0.0, found, expected, answer,
                       counterexample(smp, other), "sampled", smp.count)
    return invalid(err.code, sentence(err.message), err.pos if err.pos >= 0 else None,
                   answer=answer, expected=expected)


def sentence(text: str) -> str:
    """A message as a sentence: capitalised (unless it starts with maths), with a full stop."""
    text = text[0].upper() + text[1:] if text and text[0].isalpha() else text
    return text if text.endswith(".") else text + "."


def counterexample(smp, got) -> Counterexample | None:
    """The first instance (smallest dimensions first) where the answer differs, one draw."""
    for inst, g, w in zip(smp.instances, got, smp.truth):
        if close(g, w):
            continue
        draw = next((k for k in range(len(w)) if g.shape != w.shape
                     or not np.allclose(g[k], w[k], rtol=1e-8, atol=1e-8)), 0)
        return Counterexample(dict(inst.label), _small(w[draw]), _small(g[draw]))
    return None


def _small(value: np.ndarray) -> list:
    return np.round(np.asarray(value, dtype=float), 4).tolist()

