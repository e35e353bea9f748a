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

    ``definitions`` has ``body(name) -> MExpr | None`` (the definition at time ``time``),
    ``time`` (that symbol) and ``base(name, index, dim) -> value | None`` (initial and final
    conditions such as ``h[0] = 0``). Views made by `rebind` share the memo.
    """

    def __init__(self, definitions, dims: dict, values: dict, n: int, bindings: dict | None = None):
        self.definitions = definitions
        self.dims = {sp.Symbol(str(k), integer=True, positive=True) if isinstance(k, str) else k: v
                     for k, v in dims.items()}
        self.values = dict(values)
        self.n = n
        self.bindings = dict(bindings or {})
        self._memo: dict = {}
        self._dim_cache: dict = {}

    @property
    def scratch(self) -> dict:
        """A memo shared by every view of this instance, for evaluators of new node types."""
        return self._memo

    def rebind(self, **symbols) -> "Env":
        """A view of this environment with index symbols bound to other values."""
        view = Env.__new__(Env)
        view.__dict__.update(self.__dict__)
        view.bindings = {**self.bindings, **symbols.get("bindings", {})}
        return view

    def dim(self, d) -> int:
        if isinstance(d, (int, sp.Integer)):
            return int(d)
        if d in self._dim_cache:
            return self._dim_cache[d]
        if isinstance(d, sp.Symbol) and d in self.dims:  # most dimensions: no subs needed
            self._dim_cache[d] = int(self.dims[d])
            return self._dim_cache[d]
        value = sp.sympify(d).subs(self.dims)
        if not value.is_Integer:
            raise DerivationError(f"dimension {d} has no value in this instance")
        self._dim_cache[d] = int(value)
        return int(value)

    def index(self, index) -> int | None:
        if index is None:
            return None
        syms, offset = affine(index)
        try:
            return sum(self.bindings[s] for s in syms) + offset
        except KeyError as err:
            raise DerivationError(f"index symbol {err.args[0]} is not bound") from None

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
        body = self.definitions.body(e.name) if e.index is not None else None
        if body is None:
            raise DerivationError(f"no value for {e.latex()} (index {key[1]})")
        # The definition is written at time t: evaluate it with t bound to the index.
        return evaluate(body, self.rebind(bindings={self.definitions.time: key[1]}))


_COMPILED: dict = {}
MAX_COMPILED = 100_000  # closures kept; past this the cache starts over (they are rebuilt)


def evaluate(e: MExpr, env: Env) -> np.ndarray:
    """The value of ``e`` in ``env``, (N, rows, cols); ``e`` is compiled once, then cached."""
    return compiled(e)(env)


def compiled(e: MExpr):
    """A numpy closure ``env -> array`` for ``e``, built once per expression."""
    entry = _COMPILED.get(id(e))
    if entry is None or entry[0] is not e:
        if len(_COMPILED) >= MAX_COMPILED:
            _COMPILED.clear()
        entry = (e, _compile(e))  # holding e keeps its id from being reused
        _COMPILED[id(e)] = entry
    return entry[1]


def forget(nodes) -> None:
    """Drop the closures of these nodes from the cache (expressions built once, e.g. answers)."""
    for node in nodes:
        entry = _COMPILED.get(id(node))
        if entry is not None and entry[0] is node:
            del _COMPILED[id(node)]


@singledispatch
def _compile(e: MExpr):
    raise DerivationError(f"cannot evaluate {type(e).__name__}")


rule = _compile.register  # register the numeric rule of a new node type: @rule def _(e: Node)


@_compile.register
def _(e: Var):
    return lambda env: env.var(e)


@_compile.register
def _(e: Zero):
    return lambda env: np.zeros((env.n, env.dim(e.rows), env.dim(e.cols)))


@_compile.register
def _(e: Ones):
    return lambda env: np.ones((env.n, env.dim(e.rows), 1))


@_compile.register
def _(e: Identity):
    def run(env):
        n = env.dim(e.n)
        return np.broadcast_to(np.eye(n), (env.n, n, n))
    return run


@_compile.register
def _(e: Coef):
    value = sp.sympify(e.value)
    if not value.free_symbols:
        constant = float(value)
        return lambda env: np.full((env.n, 1, 1), constant)

    def run(env):
        v = value.subs(env.dims)
        if v.free_symbols:
            raise DerivationError(f"coefficient {e.value} has no value in this instance")
        return np.full((env.n, 1, 1), float(v))
    return run


@_compile.register
def _(e: Add):
    terms = [compiled(t) for t in e.terms]

    def run(env):
        out = terms[0](env)
        for t in terms[1:]:
            out = out + t(env)
        return out
    return run


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A matrix product where it conforms, else a (1, 1) factor acts as a scalar."""
    if a.shape[-1] == b.shape[-2]:
        return a @ b
    if a.shape[-2:] == (1, 1) or b.shape[-2:] == (1, 1):
        return a * b
    raise DerivationError(f"shapes {a.shape[1:]} and {b.shape[1:]} do not conform")


@_compile.register
def _(e: Mul):
    factors = [compiled(f) for f in e.factors]

    def run(env):
        out = factors[0](env)
        for f in factors[1:]:
            out = matmul(out, f(env))
        return out
    return run


@_compile.register
def _(e: Hadamard):
    a, b = compiled(e.a), compiled(e.b)
    return lambda env: a(env) * b(env)


@_compile.register
def _(e: Transpose):
    a = compiled(e.a)
    return lambda env: np.swapaxes(a(env), -1, -2)


@_compile.register
def _(e: Diag):
    v = compiled(e.v)

    def run(env):
        value = v(env)
        return value * np.eye(value.shape[-2])  # (N, n, 1) * (n, n): row i scaled by v_i
    return run


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


ELEMENTWISE = {"sigmoid": sigmoid, "tanh": np.tanh, "exp": np.exp}


@_compile.register
def _(e: Apply):
    fn, a = ELEMENTWISE[e.fn], compiled(e.a)
    return lambda env: fn(a(env))


@_compile.register
def _(e: SoftmaxAt):
    logits, i = [compiled(w) for w in e.logits], e.i

    def run(env):
        z = np.concatenate([w(env) for w in logits], axis=-1)[:, 0, :]  # (N, k+1)
        weights = np.exp(z - z.max(axis=-1, keepdims=True))
        return (weights[:, i] / weights.sum(axis=-1))[:, None, None]
    return run


@_compile.register
def _(e: Deriv):
    def run(env):
        key = deriv_key(e.num, env.index(e.num.index), e.den, env.index(e.den.index))
        if key in env.values:
            return env.values[key]
        raise DerivationError(f"no value for the derivative {e.latex()}")
    return run


@_compile.register
def _(e: Sum):
    body, lo, hi = compiled(e.body), sp.sympify(e.lo), sp.sympify(e.hi)

    def run(env):
        first = env.dim(lo.subs(env.bindings))
        last = env.dim(hi.subs(env.bindings))
        out = np.zeros((env.n, env.dim(e.shape[0]), env.dim(e.shape[1])))
        for value in range(first, last + 1):
            out = out + body(env.rebind(bindings={e.var: value}))
        return out
    return run


def deriv_key(num: Var, num_index: int | None, den: Var, den_index: int | None) -> tuple:
    """The key under which a given derivative's value is stored in an `Env`."""
    return ("d", num.name, num_index, den.name, den_index)
