"""Numeric evaluation of matrix expressions, batched over random instances with numpy.

Values are arrays of shape ``(N, rows, cols)``: ``N`` instances evaluated at once. An `Env` holds
the concrete dimensions, the values of inputs (parameters, input sequences, given derivatives)
and evaluates defined quantities lazily through their definitions, memoised, so a forward
recurrence (``h[t]`` from ``h[t-1]``) and a backward one (``delta[t]`` from ``delta[t+1]``) are
computed in whatever order an expression needs. Overriding a value (``h[2]``) and evaluating
again is how the finite-difference oracles perturb a quantity.
"""

from __future__ import annotations

from functools import lru_cache, singledispatch

import numpy as np
import sympy as sp

from nablagrade.derive.mexpr import (Add, Apply, Coef, Deriv, Diag, Hadamard, Identity, MExpr,
                                     Mul, Ones, SoftmaxAt, Sum, Transpose, Var, Zero)
from nablagrade.errors import DerivationError

MAX_RECURSION = 10_000


@lru_cache(maxsize=4096)
def affine(index) -> tuple:
    """An index ``t + i + c`` as ((t, i), c): index symbols with unit coefficients plus a constant."""
    index = sp.expand(sp.sympify(index))
    syms = tuple(sorted(index.free_symbols, key=str))
    offset = index.subs({s: 0 for s in syms})
    if not offset.is_Integer or any(index.coeff(s) != 1 for s in syms):
        raise DerivationError(f"index {index} is not a sum of index symbols and a constant")
    return syms, int(offset)


class Env:
    """Concrete dimensions, input values and lazily evaluated definitions.

    ``definitions`` has ``definition(var) -> MExpr | None`` and ``base(name, index) -> value |
    None`` (initial and final conditions such as ``h[0] = 0``).
    """

    def __init__(self, definitions, dims: dict, values: dict, n: int, bindings: dict | None = None):
        self.definitions = definitions
        self.dims = {sp.Symbol(str(k), integer=True, positive=True) if isinstance(k, str) else k: v
                     for k, v in dims.items()}
        self.values = dict(values)
        self.n = n
        self.bindings = dict(bindings or {})
        self._memo: dict = {}

    def with_values(self, **changes) -> "Env":
        return Env(self.definitions, self.dims, {**self.values, **changes["values"]}, self.n,
                   self.bindings)

    def dim(self, d) -> int:
        value = sp.sympify(d).subs(self.dims)
        if not value.is_Integer:
            raise DerivationError(f"dimension {d} has no value in this instance")
        return int(value)

    def index(self, index) -> int | None:
        if index is None:
            return None
        syms, offset = affine(index)
        missing = [s for s in syms if s not in self.bindings]
        if missing:
            raise DerivationError(f"index symbol {missing[0]} is not bound")
        return sum(self.bindings[s] for s in syms) + offset

    def var(self, e: Var) -> np.ndarray:
        key = (e.name, self.index(e.index))
        if key in self.values:
            return self.values[key]
        if key not in self._memo:
            if len(self._memo) > MAX_RECURSION:
                raise DerivationError("recursion too deep while evaluating definitions")
            self._memo[key] = self._define(e, key)
        return self._memo[key]

    def _define(self, e: Var, key) -> np.ndarray:
        base = self.definitions.base(*key, self.dim)
        if base is not None:
            return np.broadcast_to(base, (self.n, self.dim(e.rows), self.dim(e.cols)))
        if self.definitions.definition_at(e) is None:
            raise DerivationError(f"no value for {e.latex()} (index {key[1]})")
        # Evaluate the definition at the concrete index: bind its time symbol to it.
        concrete = e.at(key[1]) if e.index is not None else e
        return evaluate(self.definitions.definition_at(concrete), self)


@singledispatch
def evaluate(e: MExpr, env: Env) -> np.ndarray:
    raise DerivationError(f"cannot evaluate {type(e).__name__}")


@evaluate.register
def _(e: Var, env):
    return env.var(e)


@evaluate.register
def _(e: Zero, env):
    return np.zeros((env.n, env.dim(e.rows), env.dim(e.cols)))


@evaluate.register
def _(e: Ones, env):
    return np.ones((env.n, env.dim(e.rows), 1))


@evaluate.register
def _(e: Identity, env):
    return np.broadcast_to(np.eye(env.dim(e.n)), (env.n, env.dim(e.n), env.dim(e.n)))


@evaluate.register
def _(e: Coef, env):
    value = sp.sympify(e.value).subs(env.dims)
    if value.free_symbols:
        raise DerivationError(f"coefficient {e.value} has no value in this instance")
    return np.full((env.n, 1, 1), float(value))


@evaluate.register
def _(e: Add, env):
    out = evaluate(e.terms[0], env)
    for t in e.terms[1:]:
        out = out + evaluate(t, env)
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A matrix product where it conforms, else a (1, 1) factor acts as a scalar."""
    if a.shape[-1] == b.shape[-2]:
        return a @ b
    if a.shape[-2:] == (1, 1) or b.shape[-2:] == (1, 1):
        return a * b
    raise DerivationError(f"shapes {a.shape[1:]} and {b.shape[1:]} do not conform")


@evaluate.register
def _(e: Mul, env):
    out = evaluate(e.factors[0], env)
    for f in e.factors[1:]:
        out = matmul(out, evaluate(f, env))
    return out


@evaluate.register
def _(e: Hadamard, env):
    return evaluate(e.a, env) * evaluate(e.b, env)


@evaluate.register
def _(e: Transpose, env):
    return np.swapaxes(evaluate(e.a, env), -1, -2)


@evaluate.register
def _(e: Diag, env):
    v = evaluate(e.v, env)
    return v * np.eye(v.shape[-2])  # (N, n, 1) * (n, n): column i scaled by v_i on the diagonal


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


ELEMENTWISE = {"sigmoid": sigmoid, "tanh": np.tanh, "exp": np.exp}


@evaluate.register
def _(e: Apply, env):
    return ELEMENTWISE[e.fn](evaluate(e.a, env))


@evaluate.register
def _(e: SoftmaxAt, env):
    logits = np.concatenate([evaluate(w, env) for w in e.logits], axis=-1)[:, 0, :]  # (N, k+1)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (weights[:, e.i] / weights.sum(axis=-1))[:, None, None]


@evaluate.register
def _(e: Deriv, env):
    key = ("d", e.num.name, env.index(e.num.index), e.den.name, env.index(e.den.index))
    if key in env.values:
        return env.values[key]
    raise DerivationError(f"no value for the derivative {e.latex()}")


@evaluate.register
def _(e: Sum, env):
    lo, hi = env.dim(sp.sympify(e.lo).subs(env.bindings)), env.dim(sp.sympify(e.hi).subs(env.bindings))
    out = None
    for value in range(lo, hi + 1):
        inner = Env.__new__(Env)
        inner.__dict__.update(env.__dict__)
        inner.bindings = {**env.bindings, e.var: value}
        term = evaluate(e.body, inner)
        out = term if out is None else out + term
    if out is None:
        return np.zeros((env.n, env.dim(e.shape[0]), env.dim(e.shape[1])))
    return out


def deriv_key(num: Var, num_index: int | None, den: Var, den_index: int | None) -> tuple:
    """The key under which a given derivative's value is stored in an `Env`."""
    return ("d", num.name, num_index, den.name, den_index)
