"""Sliding windows: how many windows of a kernel fit an input.

A window of a convolution reads, with stride S and dilation D, the (1-based) input positions
``S(r-1) + D(i-1) + 1`` for its taps ``i = 1..K``. This module owns that definition (`tap`) and
the derivation of the number of windows from it (`window_count`: the last tap must fall inside
the padded input; sympy solves that inequality for ``r``). Shape answers built from the counts
live in `nablagrade.derive.shapes`.

>>> window_count(11, 5, 4).count
2
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from nablagrade.derive.shapes import dim_latex
from nablagrade.derive.solution import Step
from nablagrade.errors import DerivationError

# Generic symbols: the inequality is solved once in these, then instantiated (fast for batches).
_N, _K, _S, _D = sp.symbols("N K S D", integer=True, positive=True)
_R = sp.Symbol("r", integer=True, positive=True)


def tap(r, i, stride=1, dilation=1) -> sp.Expr:
    """The input position read by tap ``i`` of window ``r`` (both 1-based)."""
    return stride * (r - 1) + dilation * (i - 1) + 1


@dataclass(frozen=True)
class WindowCount:
    """The number of windows along one axis, with the steps that derive it."""

    count: sp.Expr
    steps: tuple[Step, ...]
    latex: str


@lru_cache(maxsize=None)
def _solved() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Solve ``tap(r, K) <= N`` for r once, generically: (last tap, bound on r, count)."""
    last = tap(_R, _K, _S, _D)
    solved = sp.solve(last <= _N, _R)  # S > 0, so the direction of the inequality is kept
    bounds = [rel.rhs for rel in sp.And.make_args(solved)
              if isinstance(rel, sp.LessThan) and rel.lhs == _R]
    if len(bounds) != 1:
        raise DerivationError(f"window count: cannot read an upper bound on r from {solved}")
    bound = bounds[0]
    # Windows are r = 1..floor(bound); floor(b) = floor(b - 1) + 1 exposes the number of strides.
    count = sp.floor(sp.together(bound - 1)) + 1
    return last, bound, count


def window_count(length, kernel, stride=1, dilation=1, *,
                 label: str = r"n_{\mathrm{out}}") -> WindowCount:
    """How many windows of ``kernel`` taps fit a (padded) input of ``length`` positions.

    Arguments are ints or sympy expressions; the count is exact (an Integer when all are ints).
    Assumes at least one window fits (``length >= dilation*(kernel-1) + 1``). ``label`` is the
    LaTeX name of the count in the steps.
    """
    values = {_N: sp.sympify(length), _K: sp.sympify(kernel), _S: sp.sympify(stride),
              _D: sp.sympify(dilation)}
    last, bound, count = (e.subs(values) for e in _solved())
    steps = (
        Step(r"p_r(%s)" % sp.latex(values[_K]),
             r"%s \leq %s" % (sp.latex(last), sp.latex(values[_N])),
             "window r is valid when its last tap lies inside the input"),
        Step("r", r"\leq %s" % sp.latex(bound), "solved for r (the stride is positive)"),
        Step(label, r"\#\{r \in \mathbb{Z} : 1 \leq r \leq %s\} = %s"
             % (sp.latex(bound), dim_latex(count)), "count the valid windows"),
    )
    return WindowCount(count=count, steps=steps, latex=dim_latex(count))
