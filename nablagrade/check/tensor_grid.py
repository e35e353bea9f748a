"""The question side of a tensor check, and how an answer's grid is laid against the truth.

A `Question` is one tensor part at concrete parameters: the engine's formula (the oracle), the
names an answer may use, the truth's free indices and sizes, and the orders of those indices
that are legitimately the same tensor. An `Instance` is the question with random inputs and the
truth's value there. A `Reading` says how to read an answer: index base, a layout (axis order)
for each input tensor, and which truth index each of the answer's free indices is.

The answer is evaluated once per (base, layouts) on a *superset grid*: every free index runs
over ``base .. base + M - 1`` with M the largest size of the truth; each candidate order of the
indices is then a slice and a transpose of that one array, not a new evaluation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import numpy as np

from nablagrade.check.api import task as task_of
from nablagrade.check.instances import defined
from nablagrade.check.parse import parse_answer
from nablagrade.check.tensor_eval import Compiled, Env, evaluate
from nablagrade.check.tensor_read import Axis, Symbols, derivative_of
from nablagrade.errors import DerivationError

RTOL = 1e-9
SUPERSET = 2_000_000  # elements of the superset grid; larger: each index over its own range


@dataclass(frozen=True)
class Question:
    problem: str
    part: str
    layout: str
    given: tuple  # the parameters as (name, value) pairs
    values: tuple  # every integer symbol an answer may use, (name, value)
    defines: tuple  # the names the statement defines, (name, formula in the parameters)
    formula: object  # the engine's TensorFormula at these parameters
    symbols: Symbols
    names: tuple  # the truth's free indices
    sizes: tuple
    natural: tuple  # further legitimate orders of the truth's indices (tuples of axes)
    wrt: str | None  # the input a derivative part differentiates by
    seed: int
    expected: str  # lhs = rhs, LaTeX

    @property
    def shapes(self) -> dict:
        return {inp.name: tuple(int(d) for d in inp.shape) for inp in self.formula.inputs}

    @property
    def styles(self) -> dict:
        return {inp.name: inp.style for inp in self.formula.inputs}


def question(task) -> Question:
    given = tuple(sorted(task.params.given.items()))
    return _question(task.problem.id, task.part.id, given, task.layout)


@lru_cache(maxsize=256)
def _question(problem: str, part: str, given: tuple, layout: str) -> Question:
    t = task_of(problem, part, dict(given), layout)
    concrete = t.truth.expr  # the truth of concrete parameters: every size is a number
    if any(not d.is_Integer for i in concrete.free for d in (i.lo, i.hi)):
        raise DerivationError(f"{problem} {part}: give every size a value to check a tensor")
    values = {k: v for k, v in dict(t.params).items() if isinstance(v, int)}
    defines = dict(t.truth.meta.get("names", {}))
    values.update(defined(defines, values))
    sizes = tuple(int(i.size) for i in concrete.free)
    if any(int(i.lo) != 1 for i in concrete.free):
        raise DerivationError(f"{problem} {part}: tensor checks expect indices from 1")
    shapes = {inp.name: tuple(int(d) for d in inp.shape) for inp in concrete.inputs}
    ranks = tuple((n, len(s), len(s) - _leading_ones(s)) for n, s in shapes.items())
    symbols = Symbols(ranks, frozenset(values), "g" if "g" in shapes else None)
    wrt = derivative_of(parse_answer(concrete.head))  # the engine's head, never the student's
    return Question(problem, part, layout, given, tuple(sorted(values.items())),
                    tuple(sorted(defines.items())), concrete, symbols,
                    tuple(i.symbol.name for i in concrete.free), sizes,
                    _natural(sizes, shapes.get(wrt)), wrt if wrt in shapes else None, t.seed,
                    f"{t.truth.lhs} = {t.truth.latex}")


def _leading_ones(shape) -> int:
    count = 0
    while count < len(shape) - 1 and shape[count] == 1:
        count += 1
    return count


def _natural(sizes, shape) -> tuple:
    """The order putting a derivative's trailing indices in the variable's own axis order
    (``[r, position, channel]`` for d f / d x, whose truth is ``[r, k, i]``): equally right,
    when the sizes say unambiguously which index is which."""
    if not shape or len(set(shape)) != len(shape) or len(shape) > len(sizes):
        return ()
    head, tail = len(sizes) - len(shape), list(sizes[len(sizes) - len(shape):])
    if sorted(tail) != sorted(shape):
        return ()
    order = tuple(range(head)) + tuple(head + tail.index(n) for n in shape)
    return () if order == tuple(range(len(sizes))) else (order,)


# --- instances -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Instance:
    question: Question
    arrays: Mapping  # input name -> array, in the problem's layout
    truth: np.ndarray
    draw: int


def instance(q: Question, draw: int, integers: bool = False) -> Instance:
    rng = np.random.default_rng([q.seed % 2 ** 63, draw, int(integers)])
    arrays = {}
    for name, shape in q.shapes.items():
        arrays[name] = (rng.integers(-3, 4, size=shape).astype(float) if integers
                        else rng.standard_normal(shape) * rng.choice([0.5, 1.0, 3.0]))
    return Instance(q, arrays, q.formula.evaluate(arrays), draw)


# --- readings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    base: int = 1
    layouts: tuple = ()  # ((input name, axis permutation), ...) for inputs read transposed
    amap: tuple = ()  # truth axis of each of the answer's free indices

    def perm(self, name: str):
        return dict(self.layouts).get(name)


@dataclass(frozen=True)
class Answer:
    compiled: Compiled
    axes: tuple  # Axis per free index of the answer, in the answer's order
    declared: bool  # the order comes from a left-hand side
    numbers: frozenset = frozenset()  # the integers written in the answer


def grid(answer: Answer, inst: Instance, base: int, layouts: tuple, pad=False):
    """The answer on the superset grid, and the reads that fell outside a tensor."""
    q = inst.question
    size = max(q.sizes, default=1)
    if size ** len(answer.axes) > SUPERSET:  # then only the order as written can be read
        extent = [q.sizes[j] if j < len(q.sizes) else 1 for j in range(len(answer.axes))]
    else:
        extent = [size] * len(answer.axes)
    shape = tuple(1 if a.const is not None else n for a, n in zip(answer.axes, extent))
    values = dict(q.values)
    for j, a in enumerate(answer.axes):
        if a.name is not None:
            axis = [1] * len(shape)
            axis[j] = shape[j]
            values[a.name] = (base + np.arange(shape[j])).reshape(axis)
    perms = dict(layouts)
    arrays = {n: np.transpose(v, perms[n]) if n in perms else v for n, v in inst.arrays.items()}
    env = Env(arrays, values, base, pad, ndim=len(shape), cells=int(np.prod(shape)))
    return evaluate(answer.compiled, env, shape), env.misses


def align(values: np.ndarray, axes: tuple, reading: Reading, sizes: tuple):
    """The answer's grid as a tensor in the truth's shape under ``reading``, or None."""
    index = []
    for j, a in enumerate(axes):
        n = sizes[reading.amap[j]]
        if (a.const is not None and (n != 1 or a.const != reading.base)) or n > values.shape[j]:
            return None
        index.append(slice(None) if a.const is not None else slice(0, n))
    part = values[tuple(index)]
    order = sorted(range(len(axes)), key=lambda j: reading.amap[j])
    part = np.transpose(part, order)
    assigned = set(reading.amap)
    shape = [sizes[t] if t in assigned else 1 for t in range(len(sizes))]
    return np.broadcast_to(part.reshape(shape), sizes)


def shadowed(symbols: Symbols, axes) -> Symbols:
    """The symbols with the parameters a left-hand side uses as free indices taken away."""
    names = {a.name for a in axes or () if a.name}
    if not names & symbols.params:
        return symbols
    return Symbols(symbols.ranks, symbols.params - names, symbols.upstream)


def close(got, expected) -> bool:
    if got is None or got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return bool(np.all(np.abs(got - expected) <= RTOL * scale))


def maps(answer: Answer, q: Question):
    """Every assignment of the answer's free indices to the truth's, legitimate ones first:
    ``(amap, legit)``. A declared order may leave out only indices of size 1."""
    n_s, n_t = len(answer.axes), len(q.sizes)
    legit = _legit(answer, q)
    out = [(m, True) for m in legit]
    for amap in itertools.permutations(range(n_t), n_s):
        missing = set(range(n_t)) - set(amap)
        if amap in legit or (answer.declared and any(q.sizes[t] != 1 for t in missing)):
            continue
        out.append((amap, False))
    return out


def _legit(answer: Answer, q: Question) -> list:
    n_s, n_t = len(answer.axes), len(q.sizes)
    if answer.declared:
        return [m for m in (tuple(range(n_t)),) + q.natural if n_s == n_t]
    names = [a.name for a in answer.axes]
    out = []
    for amap in itertools.permutations(range(n_t), n_s):
        if all(q.names[t] == n for t, n in zip(amap, names) if n in q.names):
            out.append(amap)
    return out


def layouts_to_try(answer: Answer, q: Question) -> list:
    """Axis orders of the tensors the answer reads: the problem's first."""
    options = []
    for name in sorted(answer.compiled.reads):
        rank = len(q.shapes[name])
        perms = [p for p in itertools.permutations(range(rank)) if rank > 1]
        options.append([(name, p) for p in perms[1:]] + [None])
    combos = []
    for choice in itertools.product(*options):
        combos.append(tuple(c for c in choice if c is not None))
    return sorted(combos, key=len)


def free_axes(compiled: Compiled, declared, q: Question) -> tuple:
    """The answer's free indices: the declared ones, or the letters it uses as indices that no
    sum binds (truth names first, in the truth's order)."""
    if declared is not None:
        return declared
    used = [k for k, (in_index, plain, _) in compiled.unknown if in_index and plain]
    ordered = [n for n in q.names if n in used] + [n for n in used if n not in q.names]
    return tuple(Axis(name=n) for n in ordered)
