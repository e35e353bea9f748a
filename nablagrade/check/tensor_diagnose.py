"""What is wrong with a tensor answer: the truth's own variants, tried in turn, and one small
counterexample.

Every diagnosis is a *value* test, never a look at the text: the engine's formula is changed the
way a student might err (negated; the kernel reversed; a sum's range cut to a sub-range; one
term of a sum or of an addition left out or negated), evaluated at the same inputs, and
compared with the answer. The first variant that matches names the mistake.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import sympy as sp

from nablagrade.check.tensor_grid import Instance, close
from nablagrade.check.tensor_read import describe_read
from nablagrade.check.verdict import Counterexample, Diagnosis
from nablagrade.derive.index import TensorFormula
from nablagrade.derive.index_latex import formula_latex

KERNEL = "W"  # the tensor a convolution slides (its last axis: the taps)
MAX_VALUES = 16  # longest sum whose values are tried one by one


def diagnose(got: np.ndarray, inst: Instance) -> Diagnosis | None:
    """The first variant of the truth that equals ``got``, as a diagnosis."""
    for code, message, value in variants(inst):
        if close(got, value):
            return Diagnosis(code, message)
    return None


def variants(inst: Instance) -> Iterator[tuple]:
    q, truth = inst.question, inst.truth
    yield ("sign-error", "Your answer is the negative of the expected one: a sign is wrong.",
           -truth)
    yield from _flipped(inst)
    formula = q.formula
    for s in [e for e in sp.preorder_traversal(formula.body) if isinstance(e, sp.Sum)]:
        for j in range(len(s.limits)):
            yield from _sum_variants(inst, s, j)
    for a in [e for e in sp.preorder_traversal(formula.body) if isinstance(e, sp.Add)]:
        for term in a.args:
            shown = formula_latex(term, formula.inputs, [i.symbol for i in formula.free])
            yield ("missing-term", f"Your answer misses the term ${shown}$.",
                   _with(inst, formula.body.xreplace({a: a - term})))
            yield ("sign-error", f"The term ${shown}$ has the wrong sign.",
                   _with(inst, formula.body.xreplace({a: a - 2 * term})))


def _flipped(inst: Instance):
    q = inst.question
    if KERNEL not in inst.arrays or q.shapes[KERNEL][-1] < 2:
        return
    text = ("Your kernel is reversed: that is a true convolution, where tap i meets "
            "W_{f,k,K+1-i}; the layer computes a cross-correlation, where tap i of the window "
            "(x[S(r-1)+i]) meets W_{f,k,i}.")
    flipped = {**inst.arrays, KERNEL: inst.arrays[KERNEL][..., ::-1]}
    yield "flipped", text, q.formula.evaluate(flipped)
    if q.wrt == KERNEL:
        yield "flipped", text, inst.truth[..., ::-1]


def _sum_variants(inst: Instance, s: sp.Sum, j: int):
    """A sum over a sub-range (wrong-range), without one of its values (missing-term), or with
    one value negated (sign-error), from the contribution of each value of its variable."""
    v, lo, hi = s.limits[j]
    if not (lo.is_Integer and hi.is_Integer) or not 1 <= int(hi) - int(lo) + 1 <= MAX_VALUES:
        return
    lo, hi = int(lo), int(hi)
    parts = {}
    for value in range(lo, hi + 1):
        limits = list(s.limits)
        limits[j] = (v, value, value)
        parts[value] = _with(inst, inst.question.formula.body.xreplace(
            {s: sp.Sum(s.function, *limits)}))
    name = sp.latex(v)
    for a in range(lo, hi + 1):
        for b in range(a, hi + 1):
            if (a, b) != (lo, hi):
                yield ("wrong-range", f"The sum over {name} must run over {name} = {lo}, ..., "
                       f"{hi}; your answer is the sum over {name} = {a}, ..., {b} only.",
                       sum(parts[t] for t in range(a, b + 1)))
    for value in range(lo + 1, hi):
        yield ("missing-term", f"Your sum over {name} misses the term {name} = {value}.",
               inst.truth - parts[value])
    for value in range(lo, hi + 1):
        yield ("sign-error", f"The term {name} = {value} of the sum over {name} has the wrong "
               f"sign.", inst.truth - 2 * parts[value])


def _with(inst: Instance, body) -> np.ndarray:
    f = inst.question.formula
    return TensorFormula(f.head, f.free, body, f.inputs, f.groups).evaluate(inst.arrays)


# --- messages ------------------------------------------------------------------------------

def miss_text(misses, point, shape, styles) -> str:
    """The first read outside a tensor at grid ``point``: ``W_{1,1,5}``. A read inside sums
    has the sums' axes in front of the grid's."""
    for name, whole, bad in misses:
        lead = max(bad.ndim - len(shape), 0)
        target = np.broadcast_shapes(bad.shape, (1,) * lead + tuple(shape))
        at = np.broadcast_to(bad, target)[(Ellipsis,) + tuple(point)]
        if at.any():
            first = tuple(np.argwhere(at)[0])
            values = [np.broadcast_to(w, target)[(Ellipsis,) + tuple(point)][first]
                      for w in whole]
            return describe_read(name, styles.get(name, "brackets"), values)
    return None


def out_of_range(misses, got_grid_point, shape, q, where: dict) -> Diagnosis | None:
    read = miss_text(misses, got_grid_point, shape, q.styles)
    if read is None:
        return None
    sizes = ", ".join(f"{n}: {' x '.join(map(str, s))}" for n, s in q.shapes.items())
    at = ", ".join(f"{k} = {v}" for k, v in where.items())
    return Diagnosis("out-of-range", f"At {at} your answer reads {read}, which does not exist "
                     f"({sizes}, indices from 1). Guard it with a condition (a case "
                     f"'0 otherwise', or an Iverson bracket), or fix the index or the range.")


def counterexample(q, point: tuple, names: tuple, expected, got, arrays) -> Counterexample:
    """One instance: the parameters, the index, the inputs (small integers), both values."""
    instance = {"params": dict(q.given),
                "index": {n: int(p) + 1 for n, p in zip(names, point)}}
    instance.update({n: np.asarray(a).astype(int).tolist() for n, a in arrays.items()})
    return Counterexample(instance, _plain(expected), _plain(got))


def _plain(value):
    value = float(value)
    if not np.isfinite(value):
        return "undefined"
    return int(value) if value.is_integer() else round(value, 6)
