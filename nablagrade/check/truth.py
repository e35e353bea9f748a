"""The derived truth (a sympy expression made by the engine) compiled onto the same number
backends as answers, so that both are evaluated at the same instances the same way.

Only the engine's own expressions come here, never the student's: a fixed table maps sympy
node types to backend operations.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from nablagrade.check.backends import Inexact

FUNCTIONS = {sp.log: "log", sp.exp: "exp", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
             sp.tanh: "tanh", sp.sinh: "sinh", sp.cosh: "cosh", sp.sqrt: "sqrt"}


def symbol_key(symbol: sp.Symbol) -> str:
    """The answer-side key of an engine symbol: ``u_{1}`` and ``u_1`` are ``u_1``."""
    return str(symbol).replace("{", "").replace("}", "").replace("\\", "")


@lru_cache(maxsize=2048)
def compile_truth(expr: sp.Expr, backend):
    """A closure ``env -> value`` for an engine expression; env keys as `symbol_key`."""
    return _compile(sp.sympify(expr, strict=True), backend)


def _compile(e, backend):
    if e.is_Integer or e.is_Rational:
        value = backend.const(Fraction(int(e.p), int(e.q)))
        return lambda env: value
    if e.is_Float:
        if backend.name == "exact":
            value = backend.const(Fraction(str(e)))
        else:
            value = float(e)
        return lambda env: value
    if e is sp.pi or e is sp.E:
        if backend.name == "exact":
            raise Inexact("irrational constant")
        value = float(e)
        return lambda env: value
    if e.is_Symbol:
        key = symbol_key(e)
        return lambda env: env[key]
    args = [_compile(a, backend) for a in e.args]
    if e.is_Add:
        return lambda env: _fold(args, env, lambda a, b: a + b)
    if e.is_Mul:
        return lambda env: _fold(args, env, lambda a, b: a * b)
    if e.is_Pow:
        return lambda env: backend.power(args[0](env), args[1](env))
    if isinstance(e, sp.floor):
        return lambda env: backend.floor(args[0](env))
    if isinstance(e, sp.ceiling):
        return lambda env: backend.ceil(args[0](env))
    if isinstance(e, sp.Abs):
        return lambda env: backend.abs(args[0](env))
    if isinstance(e, (sp.Max, sp.Min)):
        name = "max" if isinstance(e, sp.Max) else "min"
        return lambda env: backend.function(name, *(a(env) for a in args))
    for fn, name in FUNCTIONS.items():
        if isinstance(e, fn):
            return lambda env: backend.function(name, *(a(env) for a in args))
    raise Inexact(f"no numeric rule for {type(e).__name__}")


def _fold(fns, env, op):
    out = fns[0](env)
    for f in fns[1:]:
        out = op(out, f(env))
    return out


def as_float(value) -> np.ndarray:
    """A backend value as a float array."""
    from nablagrade.check.backends import Rat

    return value.as_float() if isinstance(value, Rat) else np.asarray(value, dtype=float)
