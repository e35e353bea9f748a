"""Shape parts: a written shape read into its dims and compared with the derived shape by exact
evaluation (rationals: a float floor is wrong near integers) at admissible integer instances.

Owns reading a shape however it is written (``5 \\times 2``, ``5x2``, ``(5, 2)``, ``R^{m}``,
``X \\in \\mathbb{R}^{3 \\times (1 \\times 5 \\times 3)}``: grouping is free), the writings the
catalogue also calls right (listed by the engine in ``meta["also"]``), and the diagnoses, each
the answer matching a variant of the truth (never a string match): ``layout-denominator`` (the
other layout), ``dims-swapped`` (a permutation), ``singleton-dropped`` (a size-1 dim left out),
``missing-floor`` (right once rounded, not always an integer), else ``shape-mismatch``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.api import Task, checks
from nablagrade.check.backends import EXACT, FLOAT, Inexact, Rat, Undefined
from nablagrade.check.instances import parameter_instances
from nablagrade.check.latex import to_latex
from nablagrade.check.names import name_key
from nablagrade.check.scalar import IllTyped, Scope, Unknown, compile_scalar
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.truth import compile_truth
from nablagrade.check.verdict import Counterexample, Diagnosis, Verdict, invalid
from nablagrade.derive.shapes import dim_latex
from nablagrade.errors import DerivationError

def dims_of(node: A.Node, known: frozenset = frozenset()) -> tuple:
    """The dimension nodes of a written shape, grouping flattened: ``3 \\times (1 \\times 5)``,
    ``\\mathbb{R}^{3} \\times \\mathbb{R}^{5}``, ``(3, 5)`` and ``3x5`` all give (3, 5).
    ``known`` holds the problem's names, so that a symbol ``x`` or ``R`` is not a separator."""
    if isinstance(node, A.Shape):
        return tuple(d for dim in node.dims for d in dims_of(dim, known))
    if isinstance(node, A.BinOp) and node.op == "times":
        return dims_of(node.left, known) + dims_of(node.right, known)
    if isinstance(node, (A.Tuple, A.ListLit)):
        return tuple(d for item in node.items for d in dims_of(item, known))
    if isinstance(node, A.Group):
        return dims_of(node.body, known)
    if (isinstance(node, A.Pow) and isinstance(node.base, A.Name) and node.base.base == "R"
            and node.base.sub is None and "R" not in known):  # R^{…} without \mathbb
        return dims_of(node.exponent, known)
    if isinstance(node, A.Juxt) and "x" not in known:
        return _split_at_x(node, known)
    return (node,)


def _split_at_x(node: A.Juxt, known) -> tuple:
    """``5x2`` reads as 5, x, 2 side by side: a plain ``x`` between factors is a times sign."""
    runs = [[]]
    for item in node.items:
        if isinstance(item, A.Name) and item.base == "x" and item.sub is None:
            runs.append([])
        else:
            runs[-1].append(item)
    if len(runs) == 1 or not all(runs):
        return (node,)
    parts = [r[0] if len(r) == 1 else A.Juxt(tuple(r), pos=r[0].pos) for r in runs]
    return tuple(d for part in parts for d in dims_of(part, known))


def dim_names(t: Task) -> dict:
    """Written key -> parameter name, for the integer parameters that have a value or a symbol
    (``K_H`` and ``KH`` both name KH); the names the statement defines (the engine's
    ``meta["names"]``, formulas in the parameters: ``O``) map to their dim at the parameters."""
    names = {}
    for param in t.problem.params:
        if param.kind in ("int", "dim") and t.params[param.name] is not None:
            names[param.name] = param.name
            if param.latex:
                names[param.latex.replace("{", "").replace("}", "").lstrip("\\")] = param.name
    for name, formula in t.truth.meta.get("names", {}).items():
        formula = sp.sympify(formula, strict=True)
        names[name] = formula.subs({s: t.params[s.name] for s in formula.free_symbols
                                    if s.name in t.params})
    return names


@dataclass(frozen=True)
class Space:
    """Exact values of the problem's names at the instances (one, when nothing symbolic is
    used), and the columns of the symbolic ones for counterexamples."""

    keys: frozenset
    env: dict
    size: int = 1
    columns: dict = field(default_factory=dict)

    def instance(self, i: int) -> dict:
        return {n: int(c[i]) for n, c in self.columns.items()}


def space_of(t: Task, names: dict, used: bool) -> Space:
    """Draw the integer instances (seeded by the question, meeting the constraints) when a
    symbol is ``used``; otherwise every concrete name at its value."""
    params = {n for n in names.values() if isinstance(n, str)}
    symbolic = sorted(n for n in params if t.params.is_symbolic(n)) if used else []
    fixed = {n: t.params[n] for n in params if not t.params.is_symbolic(n)}
    columns = parameter_instances(t.problem, symbolic, t.seed, fixed) if symbolic else {}
    if columns and not len(columns[symbolic[0]]):
        raise DerivationError(f"{t.problem.id}: no instance meets the constraints")
    values = {**{n: Rat(int(v)) for n, v in fixed.items()},
              **{n: Rat(c) for n, c in columns.items()}}
    env = {}
    for key, name in names.items():
        if isinstance(name, str) and name in values:
            env[key] = values[name]
        elif not isinstance(name, str) and {str(x) for x in name.free_symbols} <= set(values):
            env[key] = compile_truth(name, EXACT)(values)
    return Space(frozenset(names), env, len(columns[symbolic[0]]) if columns else 1, columns)


def spread(value, size: int):
    """A backend value spread over the instances: a Rat, or a float array on fallback."""
    if isinstance(value, Rat):
        return Rat(np.broadcast_to(value.n, (size,)), np.broadcast_to(value.d, (size,)))
    return np.broadcast_to(np.asarray(value, dtype=float), (size,))


def _written(node: A.Node, space: Space):
    """One written dim at the instances: exact, or floats where it is irrational (``\\sqrt``)."""
    scope = Scope(variables=space.keys)
    try:
        return spread(compile_scalar(node, scope, EXACT)(space.env), space.size)
    except (Inexact, Undefined):
        floats = {k: v.as_float() for k, v in space.env.items()}
        return spread(compile_scalar(node, scope, FLOAT)(floats), space.size)


def _same(a, b) -> np.ndarray:
    if isinstance(a, Rat) and isinstance(b, Rat):
        return a.equals(b)
    fa, fb = (v.as_float() if isinstance(v, Rat) else v for v in (a, b))
    with np.errstate(all="ignore"):
        return np.isclose(fa, fb, rtol=1e-12, atol=1e-9)


def _matches(got: tuple, form: tuple) -> bool:
    return len(got) == len(form) and all(np.all(_same(a, b)) for a, b in zip(got, form))


def _swapped(got: tuple, form: tuple) -> bool:
    """The same dims in another order: some permutation of ``got`` is ``form``."""
    return len(got) == len(form) <= 7 and any(
        _matches(tuple(got[i] for i in order), form)
        for order in itertools.permutations(range(len(got))))


def _dropped(got: tuple, form: tuple) -> bool:
    """``form`` with one of its size-1 dims left out."""
    return any(_matches(got, form[:i] + form[i + 1:]) for i, dim in enumerate(form)
               if isinstance(dim, Rat) and np.all(dim.equals(Rat(1))))


def _unfloored(got: tuple, form: tuple) -> bool:
    """Right once each dim is rounded (the same way at every instance), and some dim is not
    always an integer: the floor is missing. Rounding is judged exactly only."""
    def rounds(a, b):
        return isinstance(a, Rat) and (np.all(a.floor().equals(b)) or np.all(a.ceil().equals(b)))
    fractional = any(isinstance(a, Rat) and np.any(a.d != 1) for a in got)
    return len(got) == len(form) and fractional and all(
        np.all(_same(a, b)) or rounds(a, b) for a, b in zip(got, form))


def _forms(t: Task) -> tuple[list[tuple], list[tuple]]:
    """(the right writings, the other layout's) as tuples of sympy dims. The denominator
    layout of a derivative's shape puts the variable's dims first (output | variable groups
    swapped); of a scalar's derivative by a matrix, it is the transpose."""
    dims, groups = tuple(t.truth.meta["dims"]), tuple(t.truth.meta["groups"])
    right = [dims] + ([(dims[0], sp.Integer(1))] if len(dims) == 1 else [])  # a column vector
    right += [tuple(sp.sympify(d, strict=True) for d in form) for form in t.truth.meta.get("also", ())]
    layout = [dims[groups[0]:] + dims[:groups[0]]] if len(groups) == 2 else \
        [dims[::-1]] if getattr(t.query, "den", None) is not None and len(dims) == 2 else []
    return (layout, [dims]) if t.layout == "denominator" and layout else (right, layout)


def _diagnose(t: Task, got: tuple, right: list, layout: list) -> str | None:
    """The first reading that fits, in order of credit: None when right."""
    if any(_matches(got, f) for f in right):
        return None
    if any(_matches(got, f) for f in layout):
        return "layout-denominator" if t.layout == "numerator" else "dims-swapped"
    for test, code in ((_swapped, "dims-swapped"), (_dropped, "singleton-dropped"),
                       (_unfloored, "missing-floor")):
        if any(test(got, f) for f in right):
            return code
    return "shape-mismatch"


MESSAGES = {  # pinned by the tests: part of the contract with students (maths in $...$)
    "dims-swapped": "The dimensions are right but in another order: ${got}$ instead of ${expected}$.",
    "singleton-dropped": "Right apart from a dimension of size 1 left out: ${got}$ instead of "
                         "${expected}$.",
    "missing-floor": "Right except that the floor (integer division) is missing: ${got}$ is not "
                     "always a whole number.",
    "layout-denominator": "This is the shape in denominator layout (${got}$); in numerator "
                          "layout it is ${expected}$.",
    "shape-mismatch": "The shape ${got}$ differs from the expected shape ${expected}$.",
}


def _dims_latex(nodes) -> str:
    return " \\times ".join(to_latex(n) if isinstance(n, (A.Number, A.Name)) else
                            f"({to_latex(n)})" for n in nodes) or r"\mathbb{R}\ \text{(a scalar)}"


def plain(value, i: int):
    """Instance ``i`` of a value as a JSON number: an int when whole."""
    if isinstance(value, Rat):
        v = Fraction(int(value.n[i]), int(value.d[i]))
        return int(v) if v.denominator == 1 else float(v)
    v = float(value[i])
    return int(v) if v.is_integer() and abs(v) < 2**53 else v  # beyond, a float is not exact


def _counterexample(space: Space, got: tuple, truth: tuple) -> Counterexample:
    """An instance where the written dims differ from the truth's, with both: the smallest
    with distinct values (``m = n = 1`` shows nothing about a transpose)."""
    differs = [i for i in range(space.size)
               if len(got) != len(truth)
               or any(not _same(a, b)[i] for a, b in zip(got, truth))] or [0]
    i = min(differs, key=lambda j: (-len(set(space.instance(j).values())),
                                    sum(space.instance(j).values()), j))
    return Counterexample(space.instance(i), [plain(d, i) for d in truth],
                          [plain(d, i) for d in got])


def _evaluate(t: Task, names: dict, nodes: tuple, right: list, layout: list):
    """The written dims and every form at the instances; drawn only when a symbol is used."""
    symbolic = {k for k, n in names.items() if not isinstance(n, str) and n.free_symbols
                or isinstance(n, str) and t.params.is_symbolic(n)}
    used = any(d.free_symbols for form in right + layout for d in form) or any(
        isinstance(n, A.Name) and name_key(n) in symbolic for d in nodes for n, _ in A.walk(d))
    space = space_of(t, names, used)

    def values(form):
        return tuple(spread(compile_truth(d, EXACT)(space.env), space.size) for d in form)
    got = tuple(_written(n, space) for n in nodes)
    return space, got, [values(f) for f in right], [values(f) for f in layout]


@checks("shape")
def check_shape(t: Task, tree: A.Answer) -> Verdict:
    """A shape part: right in any legitimate writing, else the closest diagnosed variant."""
    try:
        picked = pick(tree, "shape")
    except NoStatement as err:
        return invalid("not-a-value", str(err))
    names = dim_names(t)
    nodes, shown = dims_of(picked.expr, frozenset(names)), to_latex(picked.expr)
    right, layout = _forms(t)
    try:
        space, got, right_values, layout_values = _evaluate(t, names, nodes, right, layout)
    except Unknown as err:
        known = ", ".join(sorted(names))
        return invalid("unknown-symbol", f"{err.name} is not defined in this problem (it knows "
                                         f"{known}).", err.pos, answer=shown)
    except IllTyped as err:
        return invalid("ill-typed", f"a dimension cannot be evaluated: {err.message}", err.pos,
                       answer=shown)
    method, count = ("sampled", space.size) if space.columns else ("exact", 0)
    code = _diagnose(t, got, right_values, layout_values)
    if code is None:
        return Verdict("correct", 1.0, (), answer=shown, method=method, instances=count)
    expected = t.truth.latex if right[0] == tuple(t.truth.meta["dims"]) else \
        " \\times ".join(dim_latex(d) for d in right[0])
    message = MESSAGES[code].format(got=_dims_latex(nodes), expected=expected)
    return Verdict("incorrect", 0.0, (Diagnosis(code, message),), expected=expected,
                   answer=shown, counterexample=_counterexample(space, got, right_values[0]),
                   method=method, instances=count)
