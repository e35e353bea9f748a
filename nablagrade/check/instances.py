"""Random admissible instances for the symbols of a question, seeded by the question.

Integer parameters get an exhaustive small grid (every residue, the boundaries 0 and 1) plus
random values, filtered by the problem's constraints; reals get values of every kind: negative,
inside (-1, 1), and large. Deterministic: the same seed gives the same instances.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np


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
        from nablagrade.errors import DerivationError

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
