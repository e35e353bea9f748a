"""Random admissible instances for the symbols of a question, seeded by the question.

Integer parameters get an exhaustive small grid (every residue, the boundaries 0 and 1) plus
random values, within each parameter's declared ``min .. max`` and filtered by the problem's
constraints; reals get values of every kind: negative, inside (-1, 1), and large. The names a
statement defines (the engine's ``meta["names"]``: formulas in the parameters, such as a
convolution's output length O) are evaluated at them. Deterministic: the same seed gives the
same instances.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import sympy as sp

from nablagrade.check.backends import EXACT, Rat
from nablagrade.check.truth import compile_truth, symbol_key
from nablagrade.errors import DerivationError


class Point(dict):
    """One instance, readable as ``p["H"]`` and ``p.H`` (constraints use both)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def integer_instances(names: Sequence[str], seed: int, *, count: int = 600,
                      low: Mapping[str, int] | None = None, high: int = 12,
                      constraints=(), fixed: Mapping[str, int] | None = None) -> dict:
    """Columns ``{name: int64 array}`` of admissible integer instances: a small exhaustive grid
    first, then random points up to ``count``; only points meeting every constraint.

    The same question asks for the same instances for every answer: they are cached, and the
    arrays are read-only."""
    return dict(_integer_instances(tuple(names), seed, count, tuple(sorted((low or {}).items())),
                                   high, tuple(constraints), tuple(sorted((fixed or {}).items()))))


@lru_cache(maxsize=256)
def _integer_instances(names, seed, count, low, high, constraints, fixed):
    low, fixed = dict(low), dict(fixed)
    free = [n for n in names if n not in fixed]
    rng = np.random.default_rng(seed)
    grid_top = 3 if len(free) > 4 else 4
    grid = list(itertools.islice(itertools.product(
        *[range(low.get(n, 1), low.get(n, 1) + grid_top) for n in free]), 20_000))
    if len(grid) > count // 2:  # a spread-out half of the grid, not its first corner
        grid = [grid[i] for i in sorted(rng.choice(len(grid), count // 2, replace=False))]
    points = [dict(zip(free, values)) for values in grid]
    tries = 0
    while len(points) < count and tries < 50 * count:
        tries += 1
        points.append({n: int(rng.integers(low.get(n, 1), high + 1 + 3 * rng.integers(0, 4)))
                       for n in free})
    kept = []
    for p in points:
        point = Point({**p, **fixed})
        if all(c.holds(point) for c in constraints):
            kept.append(point)
    if not kept:
        raise DerivationError(f"no admissible instance of {', '.join(names)} meets the "
                              f"problem's constraints")
    columns = {n: np.array([p[n] for p in kept], dtype=np.int64) for n in names}
    for column in columns.values():
        column.setflags(write=False)
    return columns


def real_instances(names: Sequence[str], seed: int, *, count: int = 48,
                   positive: Sequence[str] = ()) -> dict:
    """Columns of real values mixing small, negative, (-1, 1) and large magnitudes."""
    rng = np.random.default_rng(seed)
    scales = np.array([0.3, 1.0, 2.5, 7.0])
    out = {}
    for n in names:
        values = rng.standard_normal(count) * scales[rng.integers(0, len(scales), count)]
        out[n] = np.abs(values) + 0.05 if n in positive else values
    return out


def parameter_instances(problem, names: Sequence[str], seed: int,
                        fixed: Mapping[str, int]) -> dict:
    """Columns of admissible values of the integer parameters ``names`` of ``problem``: each
    within its declared ``min .. max``, the other parameters ``fixed``, every constraint met."""
    params = {p.name: p for p in problem.params}
    low = {n: int(p.min) for n, p in params.items() if p.min is not None}
    columns = integer_instances(names, seed, constraints=problem.constraints, low=low,
                                fixed=fixed)
    capped = [n for n in names if params[n].max is not None]
    if not capped:
        return columns
    keep = np.logical_and.reduce([columns[n] <= params[n].max for n in capped])
    return {n: column[keep] for n, column in columns.items()}


def defined(names: Mapping[str, sp.Expr], values: Mapping[str, Any]) -> dict:
    """The names a statement defines (formulas in the parameters) at integer ``values`` of the
    parameters: ints, or int64 columns when the values are columns. A name whose parameters
    have no value is left out."""
    env = {k: Rat(v) for k, v in values.items()}
    out = {}
    for name, formula in names.items():
        formula = sp.sympify(formula, strict=True)
        if not {symbol_key(s) for s in formula.free_symbols} <= set(env):
            continue
        value = compile_truth(formula, EXACT)(env)
        if np.any(value.d != 1):
            raise DerivationError(f"the defined name {name} = {formula} is not an integer")
        out[name] = int(value.n) if np.ndim(value.n) == 0 else value.n
    return out


def other_sizes(problem, given: Mapping[str, Any], vary: Sequence[str], seed: int, *,
                names: Mapping[str, sp.Expr] | None = None,
                held: Sequence[str] = ()) -> Iterator[dict]:
    """The admissible parameter sets that differ from ``given`` only in ``vary``, in an order
    fixed by ``seed``. Each varies within its declared ``min .. max`` (``HIGH`` when it declares
    none); one at 0 or 1 stays (a size of 1 is an axis the engine may leave out, a change that
    is not just a size). The defined ``names`` stay sizes (at least 1), and those ``held`` keep
    their value. A set where a defined name rounds comes first."""
    integers = {n: v for n, v in given.items() if isinstance(v, int) and not isinstance(v, bool)}
    vary = tuple(sorted(n for n in set(vary) & set(integers) if integers[n] > 1))
    params, names = {p.name: p for p in problem.params}, dict(names or {})
    bounds = tuple((n, 1 if params[n].min is None else int(params[n].min),
                    max(integers[n], HIGH) if params[n].max is None else int(params[n].max))
                   for n in vary)
    fixed = tuple(sorted((n, v) for n, v in integers.items() if n not in vary))
    columns = _box(bounds, tuple(problem.constraints), fixed, seed) if vary else {}
    if not columns:
        return
    full = {**{n: np.full(len(columns[vary[0]]), v) for n, v in fixed}, **columns}
    keep = ~np.all([columns[n] == integers[n] for n in vary], axis=0)  # not the question's
    targets = defined({n: names[n] for n in held}, integers)
    for name, value in defined(names, full).items():
        keep &= value >= 1
        if name in targets:
            keep &= value == targets[name]
    rows = np.flatnonzero(keep)[np.random.default_rng(seed % 2 ** 63).permutation(keep.sum())]
    rounds = np.flatnonzero(_rounding(names, full)[rows])[:1]  # one first, where a name rounds
    for i in np.concatenate([rows[rounds], np.delete(rows, rounds)]):
        yield {**given, **{n: int(columns[n][i]) for n in vary}}


def _rounding(names: Mapping[str, sp.Expr], columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Where some defined name rounds: the argument of one of its floors (or ceilings) is not
    a whole number, so that an answer that forgets to round is wrong there."""
    env = {k: Rat(v) for k, v in columns.items()}
    out = np.zeros(len(next(iter(columns.values()))), dtype=bool)
    for formula in map(sp.sympify, names.values()):
        for rounded in formula.atoms(sp.floor, sp.ceiling):
            if {symbol_key(s) for s in rounded.free_symbols} <= set(env):
                out |= compile_truth(rounded.args[0], EXACT)(env).d != 1
    return out


HIGH = 12  # the largest value tried for an integer parameter that declares no maximum
BOX = 20_000  # points of the box of values enumerated; beyond, as many random ones


@lru_cache(maxsize=256)
def _box(bounds: tuple, constraints: tuple, fixed: tuple, seed: int) -> dict:
    """Columns of the admissible points of the box ``bounds`` ((name, low, high), ...)."""
    ranges = [range(low, high + 1) for _, low, high in bounds]
    if math.prod(map(len, ranges)) <= BOX:
        points = itertools.product(*ranges)
    else:
        rng = np.random.default_rng(seed % 2 ** 63)
        points = zip(*(rng.integers(r.start, r.stop, BOX) for r in ranges))
    names = [n for n, _, _ in bounds]
    kept = [p for p in (Point(zip(names, map(int, p)), **dict(fixed)) for p in points)
            if all(c.holds(p) for c in constraints)]
    return {n: np.array([p[n] for p in kept], dtype=np.int64) for n in names} if kept else {}
