"""Scalar formulas from the answer's AST: compiled once into closures, evaluated at many
instances at once in a number backend (floats, or exact rationals).

A `Scope` says what names mean: scalar variables, sequences (``x[1]``, ``x_1``, ``x(1)``,
``V(t)``), derivative symbols standing for known values, and functions applied by
juxtaposition (``\\sigma(z)``). Juxtaposition is a product unless the name on its left is a
sequence or a function. Nothing the student wrote is ever executed: every construct maps to a
fixed operation of the backend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.backends import EXACT, Inexact, Rat
from nablagrade.check.names import base_key, name_key

MAX_TERMS = 10_000  # iterations of all sums and products in one evaluation
APPLIED = {"sigma": "sigmoid", "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh"}


class Unknown(Exception):
    """A name the problem does not define."""

    def __init__(self, name: str, pos: int = -1):
        super().__init__(name, pos)
        self.name, self.pos = name, pos


class IllTyped(Exception):
    """A construct that has no scalar value here (a matrix, a shape, ``\\pm``)."""

    def __init__(self, message: str, pos: int = -1):
        super().__init__(message, pos)
        self.message, self.pos = message, pos


@dataclass(frozen=True)
class Scope:
    """The names of a scalar formula: ``variables`` (keys), ``sequences`` (bases),
    ``derivatives`` ((numerator key, denominator key) -> env key), ``functions`` (names applied
    by juxtaposition, from `APPLIED`)."""

    variables: frozenset = frozenset()
    sequences: frozenset = frozenset()
    derivatives: Mapping = field(default_factory=dict)
    functions: frozenset = frozenset({"sigma"})

    def knows(self, key: str) -> bool:
        return key in self.variables


Fn = Callable[[dict], Any]


def compile_scalar(node: A.Node, scope: Scope, backend, bound: frozenset = frozenset()) -> Fn:
    """A closure ``env -> value`` for ``node``; ``env`` maps variable keys and
    ``(sequence, index)`` pairs to values, and the sum variables in ``bound`` to integers."""
    rule = RULES.get(type(node))
    if rule is None:
        raise IllTyped(f"{_what(node)} has no scalar value here", node.pos)
    return rule(node, scope, backend, bound)


def _what(node) -> str:
    return {A.ArrayLit: "a matrix", A.ListLit: "a list", A.Tuple: "a tuple", A.Shape: "a shape",
            A.PlusMinus: r"\pm", A.Dots: r"an ellipsis \dots"}.get(type(node), type(node).__name__)


def _sub(node, scope, backend, bound):
    return compile_scalar(node, scope, backend, bound)


def _number(node: A.Number, scope, backend, bound):
    value = backend.const(node.value)
    return lambda env: value


def _element(base: str, index: A.Node, scope, backend, bound, pos) -> Fn:
    at = compile_scalar(index, scope, EXACT if backend is EXACT else backend, bound)

    def run(env):
        i = _integer(at(env), "an index")
        key = (base, i)
        if key not in env:
            raise IllTyped(f"{base} has no entry {i}", pos)
        return env[key]
    return run


def _integer(value, what: str) -> int:
    """A value that must be one integer across all instances (an index, a sum bound)."""
    if isinstance(value, Rat):
        if np.any(value.d != 1) or value.n.size and np.any(value.n != value.n.flat[0]):
            raise IllTyped(f"{what} must be an integer")
        return int(value.n.flat[0]) if value.n.size else 0
    arr = np.asarray(value, dtype=float)
    first = float(arr.flat[0]) if arr.size else 0.0
    if not np.all(arr == first) or not float(first).is_integer():
        raise IllTyped(f"{what} must be an integer")
    return int(first)


def _name(node: A.Name, scope: Scope, backend, bound):
    key = name_key(node)
    if key in bound:
        return lambda env: env[key]
    if scope.knows(key):
        return lambda env: env[key]
    base = base_key(node)
    if node.sub is not None and base in scope.sequences:
        return _element(base, node.sub, scope, backend, bound, node.pos)
    if key == "pi":
        return _constant(math.pi, backend)
    if key == "e":
        return _constant(math.e, backend)
    if node.decorations == ("bold",) and key == "1":
        return lambda env: backend.const(Fraction(1))
    raise Unknown(key, node.pos)


def _constant(value: float, backend):
    if backend is EXACT:
        def run(env):
            raise Inexact("an irrational constant")
        return run
    return lambda env: value


def _index(node: A.Index, scope, backend, bound):
    target = node.target
    if isinstance(target, A.Name) and base_key(target) in scope.sequences and len(node.indices) == 1:
        return _element(base_key(target), node.indices[0], scope, backend, bound, node.pos)
    raise IllTyped("indexing here is not a scalar", node.pos)


def _juxt(node: A.Juxt, scope, backend, bound):
    items, fns, i = node.items, [], 0
    while i < len(items):
        item = items[i]
        if isinstance(item, A.Name) and i + 1 < len(items) and item.sub is None \
                and not item.primes:  # V'(1) is not V(1)
            key = base_key(item)
            if key in scope.sequences and not scope.knows(key):
                fns.append(_element(key, _unwrap(items[i + 1]), scope, backend, bound, item.pos))
                i += 2
                continue
            if key in scope.functions and key in APPLIED:
                arg = _sub(_unwrap(items[i + 1]), scope, backend, bound)
                fns.append(lambda env, f=APPLIED[key], a=arg: backend.function(f, a(env)))
                i += 2
                continue
        fns.append(_sub(item, scope, backend, bound))
        i += 1
    return _product(fns)


def _unwrap(node):
    return node.body if isinstance(node, A.Group) else node


def _product(fns):
    def run(env):
        out = fns[0](env)
        for f in fns[1:]:
            out = out * f(env)
        return out
    return run


def _add(node: A.Add, scope, backend, bound):
    terms = [_sub(t, scope, backend, bound) for t in node.terms]

    def run(env):
        out = terms[0](env)
        for t in terms[1:]:
            out = out + t(env)
        return out
    return run


def _neg(node: A.Neg, scope, backend, bound):
    operand = _sub(node.operand, scope, backend, bound)
    return lambda env: -operand(env)


def _binop(node: A.BinOp, scope, backend, bound):
    left, right = _sub(node.left, scope, backend, bound), _sub(node.right, scope, backend, bound)
    if node.op == "/":
        return lambda env: _divide(left(env), right(env))
    return lambda env: left(env) * right(env)


def _divide(a, b):
    if isinstance(a, Rat) or isinstance(b, Rat):
        return Rat.lift(a) / b
    with np.errstate(all="ignore"):
        return np.true_divide(a, b)


def _frac(node: A.Frac, scope, backend, bound):
    num, den = _sub(node.num, scope, backend, bound), _sub(node.den, scope, backend, bound)
    return lambda env: _divide(num(env), den(env))


def _pow(node: A.Pow, scope, backend, bound):
    base, exponent = _sub(node.base, scope, backend, bound), _sub(node.exponent, scope, backend, bound)
    return lambda env: backend.power(base(env), exponent(env))


def _unary(kind: str):
    def rule(node, scope, backend, bound):
        arg = _sub(node.arg, scope, backend, bound)
        op = getattr(backend, kind)
        return lambda env: op(arg(env))
    return rule


def _sqrt(node: A.Sqrt, scope, backend, bound):
    rad = _sub(node.radicand, scope, backend, bound)
    root = _sub(node.root, scope, backend, bound) if node.root is not None else None
    if backend is EXACT:
        def run(env):
            raise Inexact("a root")
        return run
    if root is None:
        return lambda env: backend.function("sqrt", rad(env))
    return lambda env: _real_root(rad(env), root(env))


def _real_root(x, n):
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    odd = (np.mod(n, 2) == 1)
    with np.errstate(all="ignore"):
        return np.where(odd & (x < 0), -np.power(-x, 1 / n), np.power(x, 1 / n))


def _call(node: A.Call, scope, backend, bound):
    args = [_sub(a, scope, backend, bound) for a in node.args]
    name = {"ln": "log", "softargmax": "softmax"}.get(node.name, node.name)
    if name in ("softmax", "diag"):
        raise IllTyped(f"\\operatorname{{{name}}} has no scalar value here", node.pos)
    if node.base is not None:  # \log_b x
        base = _sub(node.base, scope, backend, bound)
        return lambda env: _divide(backend.function("log", args[0](env)),
                                   backend.function("log", base(env)))
    return lambda env: backend.function(name, *(a(env) for a in args))


def _factorial(node: A.Factorial, scope, backend, bound):
    arg = _sub(node.operand, scope, backend, bound)
    return lambda env: backend.function("factorial", arg(env))


def _binom(node: A.Binom, scope, backend, bound):
    n, k = _sub(node.n, scope, backend, bound), _sub(node.k, scope, backend, bound)

    def run(env):
        nv, kv = np.asarray(n(env), dtype=float), np.asarray(k(env), dtype=float)
        fact = backend.function
        return fact("factorial", nv) / (fact("factorial", kv) * fact("factorial", nv - kv))
    return run


def _big(node, scope, backend, bound):
    """Sums and products with integer bounds; the variable is bound to each integer."""
    if node.var is None or node.lo is None or node.hi is None:
        raise IllTyped("a sum or product needs its variable and both bounds", node.pos)
    var = name_key(node.var)
    lo = _sub(node.lo, scope, EXACT if backend is EXACT else backend, bound)
    hi = _sub(node.hi, scope, EXACT if backend is EXACT else backend, bound)
    body = _sub(node.body, scope, backend, bound | {var})
    is_sum = isinstance(node, A.SumOp)

    def run(env):
        first, last = _integer(lo(env), "a lower bound"), _integer(hi(env), "an upper bound")
        if last - first + 1 > MAX_TERMS:
            raise IllTyped(f"a {'sum' if is_sum else 'product'} of {last - first + 1} terms is "
                           f"too long to evaluate", node.pos)
        out = backend.const(Fraction(0 if is_sum else 1))
        for v in range(first, last + 1):
            term = body({**env, var: backend.const(Fraction(v))})
            out = out + term if is_sum else out * term
        return out
    return run


def _group(node: A.Group, scope, backend, bound):
    return _sub(node.body, scope, backend, bound)


def _transpose(node: A.Transpose, scope, backend, bound):
    return _sub(node.target, scope, backend, bound)  # a scalar is its own transpose


def _derivative(node: A.Derivative, scope: Scope, backend, bound):
    from nablagrade.check.latex import to_latex

    key = (to_latex(node.num), to_latex(node.den))
    if key in scope.derivatives:
        env_key = scope.derivatives[key]
        return lambda env: env[env_key]
    raise Unknown(r"\frac{\partial %s}{\partial %s}" % key, node.pos)


def _kronecker(node: A.Kronecker, scope, backend, bound):
    i, j = _sub(node.i, scope, backend, bound), _sub(node.j, scope, backend, bound)
    return lambda env: _where(_equal(i(env), j(env)), 1, 0, backend)


def _equal(a, b):
    if isinstance(a, Rat) or isinstance(b, Rat):
        return Rat.lift(a).equals(b)
    return np.asarray(a) == np.asarray(b)


def _where(cond, yes, no, backend):
    if backend is EXACT:
        y, n = Rat.lift(yes), Rat.lift(no)
        cond = np.broadcast_to(cond, np.broadcast_shapes(np.shape(cond), y.n.shape, n.n.shape))
        return Rat(np.where(cond, y.n, n.n), np.where(cond, y.d, n.d))
    return np.where(cond, yes, no).astype(float)


def compile_condition(node, scope, backend, bound) -> Fn:
    if isinstance(node, A.And):
        parts = [compile_condition(p, scope, backend, bound) for p in node.parts]
        return lambda env: np.logical_and.reduce([p(env) for p in parts])
    if isinstance(node, A.Relation):
        operands = [_sub(o, scope, backend, bound) for o in node.operands]
        ops = node.ops

        def run(env):
            values = [o(env) for o in operands]
            out = True
            for a, op, b in zip(values, ops, values[1:]):
                out = out & _compare(a, op, b)
            return np.asarray(out)
        return run
    raise IllTyped("a condition must be a comparison such as 1 \\le i \\le 3", node.pos)


def _compare(a, op, b):
    if isinstance(a, Rat) or isinstance(b, Rat):
        a, b = Rat.lift(a), Rat.lift(b)
        left, right = a.n * b.d, b.n * a.d
    else:
        left, right = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "=": left == right, "!=": left != right}.get(op, left == right)


def _iverson(node: A.Iverson, scope, backend, bound):
    cond = compile_condition(node.condition, scope, backend, bound)
    return lambda env: _where(cond(env), 1, 0, backend)


def _cases(node: A.Cases, scope, backend, bound):
    branches = [(_sub(v, scope, backend, bound),
                 compile_condition(c, scope, backend, bound) if c is not None else None)
                for v, c in node.branches]

    def run(env):
        out = 0  # no branch applies: zero, as "0 otherwise" says
        for value, cond in reversed(branches):
            v = value(env)
            out = v if cond is None else _where(cond(env), v, out, backend)
        return out
    return run


def _not_a_value(node, scope, backend, bound):
    raise IllTyped(f"{_what(node)} is not a value", node.pos)


RULES = {
    A.Number: _number, A.Name: _name, A.Index: _index, A.Juxt: _juxt, A.Add: _add,
    A.Neg: _neg, A.BinOp: _binop, A.Frac: _frac, A.Pow: _pow, A.Floor: _unary("floor"),
    A.Ceil: _unary("ceil"), A.Abs: _unary("abs"), A.Sqrt: _sqrt, A.Call: _call,
    A.Factorial: _factorial, A.Binom: _binom, A.SumOp: _big, A.ProdOp: _big, A.Group: _group,
    A.Transpose: _transpose, A.Derivative: _derivative, A.Kronecker: _kronecker,
    A.Iverson: _iverson, A.Cases: _cases, A.PlusMinus: _not_a_value, A.Dots: _not_a_value,
}
