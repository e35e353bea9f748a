"""Array and sequence parts: entries compared one by one with the derived array, exactly for
numbers, at random reals for formulas. Owns reading an array however written (``[2, -1, 3]``,
``(2, -1, 3)``, ``2, -1, 3``, ``w_1 = 2, …``, a ``bmatrix`` row or column, ``[[1, 2], [3, 4]]``,
``^\\top``), the names entries may use, and the diagnoses, each a variant of the truth the answer
matches: the known mistakes the engine derives with the problem (``meta["variants"]``, such as
``flipped``: the answer with the kernel reversed), ``sign-error``, ``dims-swapped`` (the
transpose, not square), ``shape-mismatch``; else the first wrong entry is the counterexample."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.api import Task, checks, task
from nablagrade.check.backends import EXACT, FLOAT, Inexact, Rat, Undefined
from nablagrade.check.instances import real_instances
from nablagrade.check.latex import to_latex
from nablagrade.check.numbers import read_decimal
from nablagrade.check.scalar import IllTyped, Scope, Unknown, compile_scalar
from nablagrade.check.shapes import plain, spread
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.truth import compile_truth, symbol_key
from nablagrade.check.verdict import Counterexample, Diagnosis, Verdict, invalid


@dataclass(frozen=True)
class Grid:
    """Entries in row-major order with their shape: ``(n,)`` or ``(rows, cols)``."""

    shape: tuple
    cells: tuple

    def transposed(self) -> "Grid":
        if len(self.shape) == 1:
            return self
        rows = zip(*[iter(self.cells)] * self.shape[1])
        return Grid(self.shape[::-1], tuple(c for column in zip(*rows) for c in column))


def grid_of(node: A.Node) -> Grid:
    """The entries of a written array; a lone formula is a list of one."""
    if isinstance(node, A.Group):
        return grid_of(node.body)
    if isinstance(node, A.Transpose):
        return grid_of(node.target).transposed()
    if isinstance(node, A.Neg) and isinstance(node.operand, (A.ArrayLit, A.ListLit, A.Tuple)):
        inner = grid_of(node.operand)
        return Grid(inner.shape, tuple(A.Neg(c, pos=c.pos) for c in inner.cells))
    if isinstance(node, A.ArrayLit):
        rows = node.rows
    elif isinstance(node, (A.ListLit, A.Tuple)):
        if not all(isinstance(i, (A.ListLit, A.Tuple)) for i in node.items):
            return Grid((len(node.items),), tuple(node.items))
        rows = [i.items for i in node.items]
    else:
        return Grid((1,), (node,))
    if len({len(r) for r in rows}) != 1:
        raise IllTyped("the rows of the array have different lengths", node.pos)
    return Grid((len(rows), len(rows[0])), tuple(c for r in rows for c in r))


def _indexed(lhs) -> tuple | None:
    """``w_1``, ``w[1]``, ``y(1)``: (base, 1); None for any other left-hand side."""
    if isinstance(lhs, A.Name):
        base, index = lhs, lhs.sub
    elif isinstance(lhs, A.Index) and len(lhs.indices) == 1:
        base, index = lhs.target, lhs.indices[0]
    elif isinstance(lhs, A.Juxt) and len(lhs.items) == 2:
        base, index = lhs.items
    else:
        return None
    if isinstance(base, A.Name) and isinstance(index, A.Number) and index.text.isdigit():
        return base.base, int(index.text)
    return None


def _entries(tree: A.Answer, kind: str) -> tuple[Grid, tuple, str]:
    """(grid, definitions, LaTeX as understood): one entry per statement (``0, 0, 1`` or
    ``y(1) = 0, y(2) = 0, …``), or one array in the statement the part asks for."""
    st = tree.statements
    if len(st) > 1 and all(isinstance(s, A.Value) for s in st):
        return Grid((len(st),), tuple(s.expr for s in st)), (), to_latex(tree)
    keys = [_indexed(s.lhs) if isinstance(s, A.Equation) else None for s in st]
    if len(st) > 1 and None not in keys and len({k[0] for k in keys}) == 1 \
            and sorted(k[1] for k in keys) == list(range(1, len(st) + 1)):
        cells = tuple(s.rhs for _, s in sorted(zip(keys, st), key=lambda pair: pair[0][1]))
        return Grid((len(st),), cells), (), to_latex(tree)
    picked = pick(tree, kind)
    return grid_of(picked.expr), picked.definitions, to_latex(picked.expr)


def truth_grid(expr) -> Grid:
    return Grid(tuple(expr.shape), tuple(expr)) if isinstance(expr, sp.MatrixBase) else \
        Grid((len(expr),), tuple(expr))


@dataclass(frozen=True)
class Names:
    """What entries are evaluated with: nothing (exactly) for arrays of numbers, else random
    reals for the ``leaves``, with the intermediates and partials computed from them."""

    scope: Scope = field(default_factory=Scope)
    env: dict = field(default_factory=dict)
    exact: bool = True
    size: int = 1
    leaves: tuple = ()


def _free(expr) -> set:
    return set().union(*map(_free, expr)) if isinstance(expr, (tuple, list)) else \
        set(expr.free_symbols if isinstance(expr, sp.Basic) else ())


def entry_names(t: Task, truth: Grid) -> Names:
    """The leaves get random reals; the symbols of the problem's other formula parts and of the
    part's known mistakes too, so that an answer mentioning them is wrong, not unreadable.
    ``w_1`` is also ``w[1]``. The part's ``meta["definitions"]`` (intermediates) and
    ``meta["partials"]`` (derivatives keyed (numerator, denominator)) are computed from the
    leaves."""
    symbols = _free(truth.cells)
    if not symbols:
        return Names()
    definitions = {str(k): v for k, v in t.truth.meta.get("definitions", {}).items()}
    symbols |= _free([task(t.problem.id, p.id, t.params.given, t.layout).truth.expr
                      for p in t.problem.parts if p.kind in ("array", "sequence", "formula")])
    symbols |= _free(list(t.truth.meta.get("variants", {}).values()))
    leaves = tuple(sorted({symbol_key(s) for s in symbols | _free(list(definitions.values()))}
                          - set(definitions)))
    env = dict(real_instances(leaves, t.seed))
    env.update({name: compile_truth(expr, FLOAT)(env) for name, expr in definitions.items()})
    partials = t.truth.meta.get("partials", {})
    env.update({"d%s/d%s" % pair: compile_truth(e, FLOAT)(env) for pair, e in partials.items()})
    elements = {key: m.groups() for key in leaves if (m := re.match(r"^([A-Za-z]+)_(\d+)$", key))}
    env.update({(base, int(i)): env[key] for key, (base, i) in elements.items()})
    scope = Scope(variables=frozenset(leaves) | frozenset(definitions),
                  sequences=frozenset(base for base, _ in elements.values()),
                  derivatives={pair: "d%s/d%s" % pair for pair in partials})
    return Names(scope, env, False, len(env[leaves[0]]), leaves)


def _value(node: A.Node, names: Names):
    """An entry at the instances: exact where it can be (``\\sqrt`` cannot), else floats."""
    if names.exact:
        try:
            return spread(compile_scalar(node, names.scope, EXACT)(names.env), names.size)
        except (Inexact, Undefined):
            pass
    floats = {k: v.as_float() if isinstance(v, Rat) else v for k, v in names.env.items()}
    return spread(compile_scalar(node, names.scope, FLOAT)(floats), names.size)


def _define(definitions: tuple, names: Names) -> Names:
    """The answer's own auxiliary names (``where a = …``), in the order written."""
    for key, lhs, rhs in definitions:
        if not isinstance(lhs, A.Name):
            raise IllTyped(f"only a plain name can be defined here, not {to_latex(lhs)}", lhs.pos)
        names = replace(names, env={**names.env, key: _value(rhs, names)},
                        scope=replace(names.scope, variables=names.scope.variables | {key}))
    return names


def _rounded(node: A.Node, want: Rat) -> bool:
    """A decimal right by rule 3 of answers.md: within 1e-6 of the truth, or the truth rounded
    to the digits given when it has at least 3 significant digits."""
    decimal = read_decimal(node)
    return decimal is not None and want.n.size == 1 and \
        decimal.judge(Fraction(int(want.n[0]), int(want.d[0]))) == "close"


def _agree(answer: Grid, got: tuple, want: tuple, scale: float) -> list:
    """Per entry, per instance: is the answer's entry the truth's? Formulas to a tight tolerance,
    decimals for numbers by rule 3 (see `_rounded`)."""
    out = []
    for node, g, w in zip(answer.cells, got, want):
        if isinstance(g, Rat) and isinstance(w, Rat):
            out.append(g.equals(w) | _rounded(node, w))
            continue
        fg, fw = (v.as_float() if isinstance(v, Rat) else v for v in (g, w))
        with np.errstate(all="ignore"):
            out.append(np.isclose(fg, fw, rtol=1e-6 if isinstance(w, Rat) else 1e-9,
                                  atol=1e-9 * scale))
    return out


def _counterexample(names: Names, shape, agree: list, got: tuple, want: tuple):
    """The first wrong entry (1-based), at the first instance where it is wrong, with both."""
    k = next(k for k, ok in enumerate(agree) if not np.all(ok))
    i = int(np.argmin(agree[k]))
    entry = str(k + 1) if len(shape) == 1 else f"({k // shape[1] + 1}, {k % shape[1] + 1})"
    instance = {"entry": entry, **{x: round(float(names.env[x][i]), 6) for x in names.leaves}}
    return Counterexample(instance, plain(want[k], i), plain(got[k], i))


MESSAGES = {  # pinned by the tests: part of the contract with students
    "flipped": "The kernel is flipped (a true convolution); here convolution is cross-correlation.",
    "sign-error": "Every entry has the wrong sign.",
    "dims-swapped": "The entries are right but transposed: {got} instead of {expected}.",
    "shape-mismatch": "The answer is {got}; the expected array is {expected}.",
}


def _shape_text(shape: tuple) -> str:
    return f"a list of {shape[0]}" if len(shape) == 1 else f"a {shape[0]} \\times {shape[1]} array"


def _variants(t: Task, truth: Grid) -> list:
    """(code, grid): the readings of a wrong answer, in the truth's shape or transposed: the
    known mistakes the engine derived (``meta["variants"]``), then the sign, the transpose."""
    out = [(code, truth_grid(e)) for code, e in t.truth.meta.get("variants", {}).items()]
    out.append(("sign-error", Grid(truth.shape, tuple(-c for c in truth.cells))))
    if len(truth.shape) == 2 and truth.shape[0] != truth.shape[1]:
        out.append(("dims-swapped", truth.transposed()))
    return out


def _judge(t: Task, answer: Grid, names: Names) -> tuple[str | None, Counterexample | None]:
    """(diagnosis code or None, counterexample); (None, None) when right."""
    truth = truth_grid(t.truth.expr)
    if len(truth.shape) == 1 and len(answer.shape) == 2 and 1 in answer.shape:
        answer = Grid((len(answer.cells),), answer.cells)  # a row or a column is a list

    def values(grid):
        backend = EXACT if names.exact else FLOAT
        return tuple(spread(compile_truth(c, backend)(names.env), names.size) for c in grid.cells)
    got, want = tuple(_value(c, names) for c in answer.cells), values(truth)
    scale = max([1.0] + [float(np.nanmax(np.abs(w.as_float() if isinstance(w, Rat) else w)))
                         for w in want])
    cx = Counterexample({}, list(truth.shape), list(answer.shape))
    if answer.shape == truth.shape:
        agree = _agree(answer, got, want, scale)
        if all(np.all(ok) for ok in agree):
            return None, None
        cx = _counterexample(names, truth.shape, agree, got, want)
    for code, variant in _variants(t, truth):
        if variant.shape == answer.shape and all(
                np.all(ok) for ok in _agree(answer, got, values(variant), scale)):
            return code, cx
    return ("shape-mismatch" if answer.shape != truth.shape else None), cx


@checks("array")
@checks("sequence")
def check_array(t: Task, tree: A.Answer) -> Verdict:
    """An array or sequence part: exact for numbers, sampled at random reals for formulas."""
    try:
        answer, definitions, shown = _entries(tree, t.part.kind)
        names = _define(definitions, entry_names(t, truth_grid(t.truth.expr)))
        code, cx = _judge(t, answer, names)
    except NoStatement as err:
        return invalid("not-a-value", str(err), answer=to_latex(tree))
    except Unknown as err:
        return invalid("unknown-symbol", f"{err.name} is not defined in this problem.", err.pos,
                       answer=to_latex(tree))
    except IllTyped as err:
        return invalid("ill-typed", err.message, err.pos, answer=to_latex(tree))
    method, count = ("exact", 0) if names.exact else ("sampled", names.size)
    if cx is None:
        return Verdict("correct", 1.0, (), answer=shown, method=method, instances=count)
    diagnoses = () if code is None else (Diagnosis(code, MESSAGES[code].format(
        got=_shape_text(answer.shape), expected=_shape_text(truth_grid(t.truth.expr).shape))),)
    return Verdict("incorrect", 0.0, diagnoses, answer=shown, counterexample=cx, method=method,
                   instances=count)
