"""Naming the mistake of a wrong matrix answer by the truth variant it equals.

Tried in order, each by evaluation at the question's instances (never by comparing strings):
the whole truth transposed or the answer read in the other layout (``layout-denominator``); a
different shape (``shape-mismatch``); the negated truth (``sign-error``); one factor transposed
(``transpose-error``); the truth minus some of its terms, or with one term negated
(``missing-term``, ``sign-error``: a least-squares fit of the difference on the truth's terms,
accepted only with integer coefficients and no residual); the same edits inside an auxiliary
definition (the adjoint ``delta``); a sum over a shifted range (``wrong-range``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nablagrade.check.matrix_algebra import same_shape, shape_text
from nablagrade.check.matrix_eval import EvalError, agree, truth_expr, values_of
from nablagrade.check.matrix_variants import (expanded, grouped, shifted_ranges, terms,
                                              transposed_factors, with_term_dropped,
                                              with_term_negated)
from nablagrade.check.verdict import Diagnosis


def diagnose(t, scope, smp, got: list, shape, other_reading: Callable) -> tuple:
    """The diagnoses of a wrong answer with values ``got`` and symbolic ``shape``."""
    with np.errstate(all="ignore"):  # huge or non-finite answers are simply not matched
        return _diagnose(t, scope, smp, got, shape, other_reading)


def _diagnose(t, scope, smp, got: list, shape, other_reading: Callable) -> tuple:
    expr = truth_expr(t)
    flipped = [np.swapaxes(w, 1, 2) for w in smp.truth]
    if agree(got, flipped) or _agrees(other_reading, flipped):
        return (_layout(t, expr),)
    if not same_shape(shape, expr.shape):
        return (Diagnosis("shape-mismatch", f"Your answer is a {shape_text(shape)} matrix, but "
                          f"${t.truth.lhs}$ is {shape_text(expr.shape)}."),)
    if agree(got, [-w for w in smp.truth]):
        return (Diagnosis("sign-error", "Your answer is the negative of the expected one: "
                          "check the signs."),)
    for finder in (_transposed, _terms, _definitions, _ranges):
        found = finder(t, scope, smp, got, expr)
        if found is not None:
            return (found,)
    return ()


def _agrees(reading: Callable, want: list) -> bool:
    try:
        values = reading()
    except EvalError:
        return False
    return values is not None and agree(values, want)


def _values(expr, scope, smp, system=None):
    try:
        return values_of(expr, scope, smp, system=system)
    except EvalError:
        return None


def _layout(t, expr) -> Diagnosis:
    if t.layout == "numerator":
        text = ("Your answer is the transpose of the expected one: it is right in denominator "
                f"layout, but this question uses numerator layout (${t.truth.lhs}$ is "
                f"{shape_text(expr.shape)}).")
    else:
        text = ("Your answer is the transpose of the expected one: it is right in numerator "
                "layout, but this question uses denominator layout.")
    return Diagnosis("layout-denominator", text)


def _transposed(t, scope, smp, got, expr):
    for node, variant in transposed_factors(expr):
        values = _values(variant, scope, smp)
        if values is not None and agree(got, values):
            name = node.latex()
            return Diagnosis("transpose-error", "One factor is transposed: your answer equals "
                             f"the expected one with $({name})^\\top$ in place of ${name}$.")
    return None


def _terms(t, scope, smp, got, expr):
    for split in (terms, grouped, expanded):
        parts = split(expr, scope.system)
        columns = [_values(p, scope, smp) for p in parts]
        if len(parts) < 1 or any(c is None for c in columns):
            continue
        weights = _fit(got, smp.truth, columns)
        if weights is None:
            continue
        missing = [p for p, w in zip(parts, weights) if w == 1]
        flipped = [p for p, w in zip(parts, weights) if w == 2]
        if missing and not flipped:
            return Diagnosis("missing-term", _missing_text(missing))
        if len(flipped) == 1 and not missing:
            return Diagnosis("sign-error", "One term has the wrong sign: "
                             f"${flipped[0].latex()}$.")
    return None


def _missing_text(missing) -> str:
    listed = " and ".join(f"${m.latex()}$" for m in missing)
    if len(missing) == 1:
        return f"A term is missing: your answer equals the expected one without {listed}."
    return f"Terms are missing: your answer equals the expected one without {listed}."


def _fit(got, want, columns):
    """Integer weights ``w`` with ``want - got = sum w_j column_j``, or None."""
    residual = np.concatenate([(w - g).ravel() for g, w in zip(got, want)])
    matrix = np.stack([np.concatenate([v.ravel() for v in col]) for col in columns], axis=1)
    if not np.all(np.isfinite(residual)) or not np.any(residual):
        return None
    weights = np.linalg.lstsq(matrix, residual, rcond=None)[0]
    rounded = np.round(weights)
    if not np.allclose(weights, rounded, atol=1e-6) or not np.any(rounded):
        return None
    error = np.linalg.norm(matrix @ rounded - residual)
    if error > 1e-7 * (1.0 + np.linalg.norm(residual)):
        return None
    return [int(w) for w in rounded]


def _definitions(t, scope, smp, got, expr):
    """Mistakes inside the auxiliary definitions the truth uses (BPTT's ``delta``)."""
    system = scope.system
    for name, body in system.extra.items():
        edits = [("transpose-error", node, v) for node, v in transposed_factors(body)]
        edits += [("missing-term", term, v) for term, v in with_term_dropped(body)]
        edits += [("sign-error", term, v) for term, v in with_term_negated(body)]
        for code, node, variant in edits:
            values = _values(expr, scope, smp, system.with_extra(**{name: variant}))
            if values is not None and agree(got, values):
                return Diagnosis(code, _definition_text(code, name, node))
    return None


def _definition_text(code: str, name: str, node) -> str:
    symbol = "\\" + name if name in ("delta",) else name
    if code == "transpose-error":
        return (f"In the recursion for ${symbol}$ one factor is transposed: ${node.latex()}$ "
                "should be transposed the other way.")
    if code == "missing-term":
        return (f"A term is missing in the recursion for ${symbol}$: the term that reads "
                f"${node.latex()}$ in the expected one.")
    return (f"A term of the recursion for ${symbol}$ has the wrong sign: the term that reads "
            f"${node.latex()}$ in the expected one.")


def _ranges(t, scope, smp, got, expr):
    for label, variant in shifted_ranges(expr):
        values = _values(variant, scope, smp)
        if values is not None and agree(got, values):
            return Diagnosis("wrong-range", f"The sum over the wrong range: your answer equals "
                             f"the expected one except that the sum {label}.")
    return None
