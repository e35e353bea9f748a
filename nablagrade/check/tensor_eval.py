"""Evaluating a tensor answer over a whole grid of free indices at once.

``compile_tensor(node, symbols)`` turns the answer's AST into a closure ``Env -> array``, once
(cached). Free indices are numpy arrays along their own axis of the grid, so one call gives
every component; a sum adds an array axis for its variable (tensor_cases). Nothing the student
wrote is executed: each node type maps to a fixed operation.

Undefined values. A read outside a tensor (``x[0]``, ``W_{1,k,4}``) or at a non-integer index
is NaN, a poison that spreads through arithmetic. Conditions are *lazy*: a ``cases`` branch
whose condition is false at a point does not contribute there (``np.where``), and a Kronecker
delta or Iverson bracket that is 0 is a strong zero (Knuth): it zeroes its product even when
another factor is undefined. So ``[1 \\le i-2(r-1) \\le 3] W_{1,k,i-2(r-1)}`` is defined
everywhere, while ``W_{1,k,i-2(r-1)}`` alone is undefined where the tap falls outside W, and
the checker calls that an error. ``Env.pad`` reads zeros instead (used only to diagnose).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.backends import FLOAT
from nablagrade.check.latex import to_latex
from nablagrade.check.names import name_key
from nablagrade.check.scalar import IllTyped, Unknown
from nablagrade.check.tensor_cases import BUDGET, big, cases, iverson, kronecker
from nablagrade.check.tensor_read import Symbols, tensor_ref

CONSTANTS = {"pi": np.pi, "e": np.e}
CALLS = ("exp", "log", "sqrt", "abs", "floor", "ceil", "max", "min", "sin", "cos", "tanh")


class Env:
    """Values for one evaluation: tensors (already in the layout being tried), integer values of
    free indices, parameters and sum variables, the index base (1, or 0 to test 0-based
    answers), and the reads that fell outside a tensor (for messages). Every free index and
    sum variable has its own array axis: ``ndim`` of them so far (a sum adds a leading one)."""

    __slots__ = ("arrays", "values", "base", "pad", "misses", "budget", "ndim", "cells")

    def __init__(self, arrays, values, base=1, pad=False, misses=None, budget=None, ndim=0,
                 cells=1):
        self.arrays, self.values, self.base, self.pad = arrays, values, base, pad
        self.misses = [] if misses is None else misses
        self.budget = [BUDGET] if budget is None else budget  # elements left for sums
        self.ndim, self.cells = ndim, cells  # axes so far, and the elements they span

    def bind(self, name, value) -> "Env":
        return Env(self.arrays, {**self.values, name: value}, self.base, self.pad, self.misses,
                   self.budget, self.ndim + 1, self.cells * len(value))


@dataclass(frozen=True)
class Compiled:
    """The closure, and what compiling found: names the symbols do not define (key ->
    (used inside an index, a plain letter, position)), parameters used, tensors read."""

    run: Callable[[Env], Any]
    unknown: tuple = ()
    params: frozenset = frozenset()
    reads: frozenset = frozenset()


@dataclass
class _Found:
    unknown: dict = field(default_factory=dict)
    params: set = field(default_factory=set)
    reads: set = field(default_factory=set)


@dataclass(frozen=True)
class _Ctx:
    symbols: Symbols
    found: Any
    bound: frozenset = frozenset()
    in_index: bool = False

    def indexing(self) -> "_Ctx":
        return _Ctx(self.symbols, self.found, self.bound, True)

    def binding(self, var: str) -> "_Ctx":
        return _Ctx(self.symbols, self.found, self.bound | {var}, self.in_index)

    def compile(self, node):
        return _compile(node, self)


def compile_tensor(node: A.Node, symbols: Symbols) -> Compiled:
    """Compile once per check (not cached across answers: equal trees may sit at other
    positions of another answer, and messages point at positions); raises `Unknown` (a derivative or function the problem does not define)
    or `IllTyped` (a construct with no value here). Unknown plain names are reported in
    ``unknown`` and read from ``Env.values``: the checker decides whether they are free."""
    found = _Found()
    run = _compile(node, _Ctx(symbols, found))
    return Compiled(run, tuple(sorted(found.unknown.items())), frozenset(found.params),
                    frozenset(found.reads))


def evaluate(compiled: Compiled, env: Env, shape: tuple) -> np.ndarray:
    """Every component on the grid ``shape`` (NaN where undefined)."""
    with np.errstate(all="ignore"):
        value = np.asarray(compiled.run(env), dtype=float)
    return np.broadcast_to(value, shape)


def _compile(node, ctx: _Ctx):
    rule = _RULES.get(type(node))
    if rule is None:
        raise IllTyped(f"{_what(node)} has no value in an index formula", node.pos)
    return rule(node, ctx)


def _what(node) -> str:
    return {A.ArrayLit: "a matrix", A.ListLit: "a list", A.Tuple: "a tuple", A.Shape: "a shape",
            A.PlusMinus: r"\pm", A.Dots: r"an ellipsis \dots", A.Relation: "a comparison"
            }.get(type(node), type(node).__name__)


# --- names and tensor reads ----------------------------------------------------------------

def _name(node: A.Name, ctx: _Ctx):
    if tensor_ref(node, ctx.symbols) is not None:
        return _read(node, ctx)
    key = name_key(node)
    if key in ctx.bound:
        return lambda env: env.values[key]
    if key in ctx.symbols.params:
        ctx.found.params.add(key)
        return lambda env: env.values[key]
    if key in CONSTANTS and key not in ctx.found.unknown:
        value = CONSTANTS[key]
        return lambda env: value
    plain = node.sub is None and not node.primes and not node.decorations
    seen = ctx.found.unknown.get(key, (False, plain, node.pos))
    ctx.found.unknown[key] = (seen[0] or ctx.in_index, plain, seen[2])
    return lambda env: env.values[key]


def _reference(node, ctx: _Ctx):
    if tensor_ref(node, ctx.symbols) is not None:
        return _read(node, ctx)
    raise Unknown(to_latex(node), node.pos)


def _read(node, ctx: _Ctx):
    name, indices = tensor_ref(node, ctx.symbols)
    ctx.found.reads.add(name)
    if not indices:
        raise IllTyped(f"{name} is a tensor: read one entry, with its indices", node.pos)
    fns = [_compile(i, ctx.indexing()) for i in indices]

    def run(env):
        array = _fit(env.arrays[name], len(fns), name, node.pos)
        return _gather(name, array, [f(env) for f in fns], env)
    return run


def _fit(array, count, name, pos):
    """``array`` read with ``count`` indices; leading axes of size 1 may be left out."""
    drop = array.ndim - count
    if drop < 0 or any(n != 1 for n in array.shape[:max(drop, 0)]):
        raise IllTyped(f"{name} has {array.ndim} indices ({' x '.join(map(str, array.shape))})"
                       f", not {count}", pos)
    return array.reshape(array.shape[drop:]) if drop else array


def _gather(name, array, values, env: Env):
    values = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
    ok, where = np.ones(values[0].shape, dtype=bool), []
    for v, n in zip(values, array.shape):
        local = v - env.base
        ok &= (local >= 0) & (local <= n - 1) & (local == np.floor(local))  # NaN: not ok
        where.append(local)
    if ok.all():
        return array[tuple(w.astype(np.intp) for w in where)]
    out = array[tuple(np.where(ok, w, 0).astype(np.intp) for w in where)]
    if len(env.misses) < 64:
        env.misses.append((name, [w + env.base for w in where], ~ok))
    return np.where(ok, out, 0.0 if env.pad else np.nan)


# --- arithmetic ----------------------------------------------------------------------------

_STRONG = (A.Kronecker, A.Iverson)


def _strong(node) -> bool:
    while isinstance(node, A.Group):
        node = node.body
    return isinstance(node, _STRONG)


def _product_of(nodes, ctx: _Ctx):
    fns, strong = [_compile(n, ctx) for n in nodes], [_strong(n) for n in nodes]

    def run(env):
        values = [f(env) for f in fns]
        out = values[0]
        for v in values[1:]:
            out = out * v
        zero = [np.asarray(v) == 0 for v, s in zip(values, strong) if s]
        return np.where(np.logical_or.reduce(zero), 0.0, out) if zero else out
    return run


def _juxt(node: A.Juxt, ctx):
    return _product_of(node.items, ctx)


def _binop(node: A.BinOp, ctx):
    if node.op == "/":
        num, den = _compile(node.left, ctx), _compile(node.right, ctx)
        return lambda env: np.true_divide(num(env), den(env))
    return _product_of((node.left, node.right), ctx)


def _frac(node: A.Frac, ctx):
    num, den = _compile(node.num, ctx), _compile(node.den, ctx)
    return lambda env: np.true_divide(num(env), den(env))


def _add(node: A.Add, ctx):
    terms = [_compile(t, ctx) for t in node.terms]

    def run(env):
        out = terms[0](env)
        for t in terms[1:]:
            out = out + t(env)
        return out
    return run


def _neg(node: A.Neg, ctx):
    operand = _compile(node.operand, ctx)
    return lambda env: -operand(env)


def _pow(node: A.Pow, ctx):
    base, exponent = _compile(node.base, ctx), _compile(node.exponent, ctx)
    return lambda env: np.power(np.asarray(base(env), dtype=float), exponent(env))


def _through(node, ctx):  # a group, or a transpose of a scalar component
    return _compile(node.body if isinstance(node, A.Group) else node.target, ctx)


def _number(node: A.Number, ctx):
    value = float(node.value)
    return lambda env: value


def _unary(op):
    def rule(node, ctx):
        if isinstance(node, A.Sqrt) and node.root is not None:
            raise IllTyped("a root other than the square root has no value here", node.pos)
        arg = _compile(node.radicand if isinstance(node, A.Sqrt) else node.arg, ctx)
        return lambda env: op(arg(env))
    return rule


def _call(node: A.Call, ctx):
    if node.name not in CALLS or node.base is not None:
        raise Unknown(f"\\operatorname{{{node.name}}}", node.pos)
    args = [_compile(a, ctx) for a in node.args]
    return lambda env: FLOAT.function(node.name, *(np.asarray(a(env), float) for a in args))


_RULES = {
    A.Number: _number, A.Name: _name, A.Index: _reference, A.Derivative: _reference,
    A.Juxt: _juxt, A.BinOp: _binop, A.Frac: _frac, A.Add: _add, A.Neg: _neg, A.Pow: _pow,
    A.Group: _through, A.Transpose: _through, A.Floor: _unary(np.floor),
    A.Ceil: _unary(np.ceil), A.Abs: _unary(np.abs), A.Sqrt: _unary(np.sqrt), A.Call: _call,
    A.SumOp: big, A.ProdOp: big, A.Cases: cases, A.Kronecker: kronecker, A.Iverson: iverson,
}
