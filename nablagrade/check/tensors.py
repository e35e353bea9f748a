"""The checker of ``tensor`` parts: an answer in index notation, right when every component
equals the engine's formula for random inputs.

Read (tensor_read) -> compile (tensor_eval) -> evaluate on the whole index grid at random
inputs, at the question's parameters and, when the answer is written with the parameters'
symbols (C, L, K, S, O), at a few other admissible ones that vary exactly those symbols
(tensor_grid) -> diagnose a wrong answer by the truth's own variants (tensor_diagnose).

Readings are tried in order: as written (1-based, the problem's layout of x and W, the free
indices in the left-hand side's order or a legitimately equivalent one); then 0-based indices
(``index-base``), other axis orders of an input tensor or of the free indices
(``index-order``); both keep the verdict correct with a note. A read outside a tensor that no
false condition guards is an error (``out-of-range``).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.api import checks, task as task_of
from nablagrade.check.instances import other_sizes
from nablagrade.check.latex import to_latex
from nablagrade.check.scalar import IllTyped, Unknown
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.tensor_diagnose import counterexample, diagnose, out_of_range
from nablagrade.check.tensor_eval import compile_tensor
from nablagrade.check.tensor_grid import (Answer, Reading, align, close, free_axes, grid,
                                          instance, layouts_to_try, maps, question,
                                          shadowed)
from nablagrade.check.tensor_read import Unreadable, glossary, lhs_axes
from nablagrade.check.verdict import Diagnosis, Verdict, invalid
from nablagrade.errors import UsageError

DRAWS = 2  # random inputs at the question's parameters (the answer is multilinear in them)
VARIANT_COUNT = 3


@checks("tensor")
def check_tensor(task, tree: A.Answer) -> Verdict:
    q = question(task)
    try:
        picked = pick(tree, "tensor")
        shown = to_latex(picked.expr) if picked.lhs is None else \
            f"{to_latex(picked.lhs)} = {to_latex(picked.expr)}"
        declared = lhs_axes(picked.lhs, q.symbols)
        compiled = compile_tensor(picked.expr, shadowed(q.symbols, declared))
        answer = Answer(compiled, free_axes(compiled, declared, q), declared is not None,
                        _numbers(picked.expr))
        _check_names(answer, q)
        verdict = _judge(answer, q)
    except NoStatement as err:
        return invalid("not-a-value", str(err), expected=q.expected)
    except Unknown as err:
        return invalid("unknown-symbol", f"${err.name}$ is not defined in this problem "
                       f"(it knows {_known(q)}).", err.pos, expected=q.expected)
    except IllTyped as err:
        return invalid("ill-typed", err.message, err.pos, expected=q.expected)
    except Unreadable as err:
        if err.code == "shape-mismatch":
            return Verdict("incorrect", 0.0, (Diagnosis(err.code, err.message),),
                           expected=q.expected, answer=shown, method="exact")
        return invalid(err.code, err.message, err.pos, expected=q.expected)
    return replace(verdict, answer=shown, expected=q.expected)


def _numbers(node) -> frozenset:
    return frozenset(int(n.value) for n, _ in A.walk(node)
                     if isinstance(n, A.Number) and n.value.denominator == 1)


def _known(q) -> str:
    tensors = ", ".join(sorted(q.symbols.tensors))
    return f"the tensors {tensors} and the sizes {', '.join(sorted(q.symbols.params))}"


def _check_names(answer: Answer, q) -> None:
    axes = {a.name for a in answer.axes if a.name}
    for key, (in_index, plain, pos) in answer.compiled.unknown:
        if key in axes:
            continue
        if in_index and plain and answer.declared:
            raise Unreadable("shape-mismatch", f"{key} is used as an index, but it is neither an "
                             f"index of the left-hand side [{_axes(answer)}] nor the variable "
                             f"of a sum around it: is a sum over {key} missing?", pos)
        raise Unknown(key, pos)
    if len(answer.axes) > len(q.sizes) or not maps(answer, q):
        raise Unreadable("shape-mismatch", f"Your answer has the free indices [{_axes(answer)}]"
                         f", but the expected tensor is {_shape(q)} with indices "
                         f"[{', '.join(q.names)}].")


def _axes(answer) -> str:
    return ", ".join(a.show() for a in answer.axes)


def _shape(q) -> str:
    return " x ".join(map(str, q.sizes))


# --- judging -------------------------------------------------------------------------------

def _judge(answer: Answer, q) -> Verdict:
    insts = [instance(q, d) for d in range(DRAWS)] + [
        instance(v, 0) for v in _variant_questions(answer, q)]
    search = _Search(answer, insts)
    for reading, notes in _readings(answer, q):
        if search.holds(reading):
            # With notes, the credit table decides (index-base, index-order: still correct).
            return Verdict("correct", 1.0, tuple(notes), method="sampled", instances=len(insts))
    return _wrong(answer, q, search, len(insts))


class _Search:
    """Grids of the answer, cached per (instance, base, layouts) within one check."""

    def __init__(self, answer, insts):
        self.answer, self.insts, self.cache = answer, insts, {}

    def grid(self, k, base, layouts, pad=False):
        key = (k, base, layouts, pad)
        if key not in self.cache:
            self.cache[key] = grid(self.answer, self.insts[k], base, layouts, pad)
        return self.cache[key]

    def aligned(self, k, reading, pad=False):
        values, _ = self.grid(k, reading.base, reading.layouts, pad)
        return align(values, self.answer.axes, reading, self.insts[k].question.sizes)

    def holds(self, reading) -> bool:
        return all(close(self.aligned(k, reading), inst.truth)
                   for k, inst in enumerate(self.insts))

    def first_failure(self, reading) -> int:
        return next(k for k, inst in enumerate(self.insts)
                    if not close(self.aligned(k, reading), inst.truth))


def _readings(answer: Answer, q):
    """(reading, notes) in order: as written first, then with notes."""
    options = maps(answer, q)
    for base in (1, 0):
        for layouts in layouts_to_try(answer, q):
            for amap, legit in options:
                notes = []
                if base == 0:
                    notes.append(_base_note(answer))
                if layouts:
                    notes.append(_layout_note(layouts, q))
                if not legit:
                    notes.append(_order_note(answer, amap, q))
                yield Reading(base, layouts, amap), notes


def _base_note(answer) -> Diagnosis:
    names = ", ".join(a.name for a in answer.axes if a.name) or "the indices"
    return Diagnosis("index-base", f"Right with 0-based indices ({names} and the tensors' "
                     f"indices start at 0); the problem counts from 1 (x[1] is the first "
                     f"position, W_{{1,1,1}} the first weight).")


def _layout_note(layouts, q) -> Diagnosis:
    words = glossary(q.formula.inputs)
    parts = []
    for name, perm in layouts:
        axes = words.get(name, tuple(f"axis {d + 1}" for d in range(len(perm))))
        mine = ", ".join(axes[d] for d in perm)
        parts.append(f"you index {name} as ({mine}); the problem's {name} is indexed "
                     f"({', '.join(axes)})")
    return Diagnosis("index-order", "Right with the axes of a tensor in another order: "
                     + "; ".join(parts) + ".")


def _order_note(answer, amap, q) -> Diagnosis:
    if answer.declared and len(answer.axes) < len(q.sizes):
        dropped = [q.names[t] for t in range(len(q.sizes)) if t not in amap]
        return Diagnosis("singleton-dropped", f"Right apart from the index {', '.join(dropped)}"
                         f" of size 1, left out: the expected tensor is {_shape(q)}, indexed "
                         f"[{', '.join(q.names)}].")
    theirs = ", ".join(q.names[t] for t in amap)
    return Diagnosis("index-order", f"Right with the free indices in another order: your "
                     f"[{_axes(answer)}] are the expected [{theirs}]; the expected order is "
                     f"[{', '.join(q.names)}].")


def _variant_questions(answer: Answer, q) -> list:
    """The question at other parameters that change only the symbols the answer uses: a
    literal in the answer (the 3 of K, or of O) stays right, so every name the statement
    defines that the answer does not use (O) is held too. A defined name the answer uses
    varies with the parameters it is defined from that the answer does not write as a number.
    Only sizes change: the free indices and the tensors' ranks stay. Chosen by the question's
    seed: the same for every answer."""
    values, defines, used = dict(q.values), dict(q.defines), set(answer.compiled.params)
    vary = set(used)
    for name in used & set(defines):
        vary |= {str(s) for s in defines[name].free_symbols
                 if values.get(str(s)) not in answer.numbers}
    held = [n for n in defines if n not in used]
    problem = task_of(q.problem, q.part, dict(q.given), q.layout).problem
    chosen = []
    candidates = other_sizes(problem, dict(q.given), sorted(vary), q.seed, names=defines,
                             held=held)
    for given in itertools.islice(candidates, 4 * VARIANT_COUNT):  # each costs a derivation
        try:
            other = question(task_of(q.problem, q.part, given, q.layout))
        except UsageError:
            continue
        if (other.names, other.symbols) == (q.names, q.symbols) and _apart(other, q):
            chosen.append(other)
        if len(chosen) == VARIANT_COUNT:
            break
    return chosen


def _apart(other, q) -> bool:
    """The axes of each tensor that differ in size in the question differ in ``other`` too:
    where two coincide, an answer that swaps them would read as right."""
    return not any(shape[i] != shape[j] and other.shapes[name][i] == other.shapes[name][j]
                   for name, shape in q.shapes.items()
                   for i, j in itertools.combinations(range(len(shape)), 2))


# --- a wrong answer ------------------------------------------------------------------------

def _wrong(answer: Answer, q, search: _Search, count: int) -> Verdict:
    primary = next((Reading(1, (), amap) for amap, legit in maps(answer, q) if legit), None)
    if primary is None:  # a declared order that leaves out an index: read it in order
        primary = Reading(1, (), maps(answer, q)[0][0])
    k = search.first_failure(primary)
    inst = search.insts[k]
    got = search.aligned(k, primary)
    if got is None:
        return Verdict("incorrect", 0.0, (Diagnosis("shape-mismatch", _fixed_note(answer, q)),),
                       method="sampled", instances=count)
    diagnoses = []
    if not np.all(np.isfinite(got)):
        diagnoses += _out_of_range(answer, search, k, primary, got)
        got = search.aligned(k, primary, pad=True)
    found = None if close(got, inst.truth) else diagnose(got, inst)
    diagnoses += [found] if found else []
    if inst.question is not q:  # right as written, wrong once the symbols take other values
        changed = ", ".join(f"{n} = {v}" for n, v in inst.question.given
                            if dict(q.given).get(n) != v)
        diagnoses = [Diagnosis(d.code, f"Right at the question's sizes, but not as a formula in "
                               f"them: with {changed}, {d.message[0].lower()}{d.message[1:]}")
                     for d in diagnoses]
    example = _counterexample(answer, inst.question, primary)
    return Verdict("incorrect", 0.0, tuple(diagnoses), counterexample=example,
                   method="sampled", instances=count)


def _fixed_note(answer, q) -> str:
    fixed = ", ".join(f"{a.const}" for a in answer.axes if a.const is not None)
    return (f"Your left-hand side fixes an index to {fixed}, but the expected tensor is "
            f"{_shape(q)} with indices [{', '.join(q.names)}], each from 1.")


def _out_of_range(answer, search, k, reading, got) -> list:
    """The diagnosis of a read outside a tensor (none when the value is undefined otherwise,
    e.g. a division by zero: the counterexample shows it)."""
    inst = search.insts[k]
    where = tuple(np.argwhere(~np.isfinite(got))[0])
    values, misses = search.grid(k, reading.base, reading.layouts)
    point = _grid_point(answer, reading, where)
    names = _names(answer, reading, inst.question)
    found = out_of_range(misses, point, values.shape, inst.question,
                         {n: int(p) + 1 for n, p in zip(names, where)})
    return [found] if found else []


def _grid_point(answer, reading, where) -> tuple:
    """The superset-grid position of a component of the aligned tensor."""
    return tuple(0 if a.const is not None else where[reading.amap[j]]
                 for j, a in enumerate(answer.axes))


def _names(answer, reading, q) -> tuple:
    """A name per truth index: the answer's where it has one, else the truth's."""
    mine = {reading.amap[j]: a.name for j, a in enumerate(answer.axes) if a.name}
    return tuple(mine.get(t, q.names[t]) for t in range(len(q.sizes)))


def _counterexample(answer, q, reading):
    """The first differing component with small integer inputs (a few tries), else None."""
    for draw in range(4):
        inst = instance(q, draw, integers=True)
        values, _ = grid(answer, inst, reading.base, reading.layouts)
        got = align(values, answer.axes, reading, q.sizes)
        if got is None:
            return None
        differs = ~np.isclose(got, inst.truth, rtol=1e-9, atol=1e-9) | ~np.isfinite(got)
        if differs.any():
            where = tuple(np.argwhere(differs)[0])
            return counterexample(q, where, _names(answer, reading, q), inst.truth[where],
                                  got[where], inst.arrays)
    return None
