"""Number backends for evaluating answers at many instances at once.

- `FLOAT`: numpy float64 arrays (one entry per instance); functions from a whitelist.
- `EXACT`: exact rationals as int64 numerator/denominator arrays (`Rat`), for integer formulas
  with floor and ceiling, where floats are wrong near 2^53. Anything irrational, or a value
  outgrowing int64, raises `Inexact` and the caller falls back to floats.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

LIMIT = 2 ** 31  # factors stay below this so that a product stays below 2^62


class Inexact(Exception):
    """The exact backend cannot represent this value."""


class Undefined(Exception):
    """Division by zero and the like in the exact backend."""


class Rat:
    """Vectors of exact rationals: ``n / d`` element-wise, ``d > 0``, reduced."""

    __slots__ = ("n", "d")

    def __init__(self, n, d=1):
        n = np.asarray(n, dtype=np.int64)
        d = np.broadcast_to(np.asarray(d, dtype=np.int64), n.shape) if np.ndim(d) == 0 else \
            np.asarray(d, dtype=np.int64)
        if np.any(d == 0):
            raise Undefined("division by zero")
        sign = np.where(d < 0, -1, 1)
        n, d = n * sign, d * sign
        g = np.gcd(n, d)
        g = np.where(g == 0, 1, g)
        self.n, self.d = n // g, d // g

    @staticmethod
    def lift(x) -> "Rat":
        if isinstance(x, Rat):
            return x
        if isinstance(x, (int, np.integer)):
            return Rat(int(x))
        if isinstance(x, Fraction):
            return Rat(x.numerator, x.denominator)
        raise Inexact(f"not exact: {x!r}")

    @staticmethod
    def _guard(*arrays):
        for a in arrays:
            if np.any(np.abs(a) >= LIMIT):
                raise Inexact("exact value too large for int64")

    def __add__(self, o):
        o = Rat.lift(o)
        Rat._guard(self.n, self.d, o.n, o.d)
        return Rat(self.n * o.d + o.n * self.d, self.d * o.d)

    __radd__ = __add__

    def __neg__(self):
        return Rat(-self.n, self.d)

    def __sub__(self, o):
        return self + (-Rat.lift(o))

    def __rsub__(self, o):
        return Rat.lift(o) + (-self)

    def __mul__(self, o):
        o = Rat.lift(o)
        Rat._guard(self.n, self.d, o.n, o.d)
        return Rat(self.n * o.n, self.d * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Rat.lift(o)
        if np.any(o.n == 0):
            raise Undefined("division by zero")
        Rat._guard(self.n, self.d, o.n, o.d)
        return Rat(self.n * o.d, self.d * o.n)

    def __rtruediv__(self, o):
        return Rat.lift(o) / self

    def __pow__(self, k):
        k = Rat.lift(k)
        if np.any(k.d != 1) or k.n.size and np.any(k.n != k.n.flat[0]):
            raise Inexact("a non-integer or varying exponent")
        e = int(k.n.flat[0]) if k.n.size else 0
        if abs(e) > 64:
            raise Inexact("exponent too large")
        base = self if e >= 0 else Rat(1) / self
        out = Rat(1)
        for _ in range(abs(e)):
            out = out * base
        return out

    def floor(self):
        return Rat(np.floor_divide(self.n, self.d))

    def ceil(self):
        return Rat(-np.floor_divide(-self.n, self.d))

    def abs(self):
        return Rat(np.abs(self.n), self.d)

    def as_float(self) -> np.ndarray:
        return self.n / self.d

    def equals(self, o) -> np.ndarray:
        o = Rat.lift(o)
        return (self.n == o.n) & (self.d == o.d)


def _gamma1(v: float) -> float:
    if not v >= 0:
        return np.nan
    return math.gamma(v + 1) if v < 171 else np.inf  # 171! overflows a float


def _factorial(x):
    return np.vectorize(_gamma1, otypes=[float])(x)


FLOAT_FUNCTIONS = {
    "log": np.log, "ln": np.log, "exp": np.exp, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos,
    "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "arsinh": np.arcsinh, "arcosh": np.arccosh, "artanh": np.arctanh,
    "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
    "sec": lambda x: 1 / np.cos(x), "csc": lambda x: 1 / np.sin(x), "cot": lambda x: 1 / np.tan(x),
    "sigmoid": lambda x: 0.5 * (1 + np.tanh(0.5 * x)), "floor": np.floor, "ceil": np.ceil,
    "abs": np.abs, "factorial": _factorial, "sgn": np.sign,
    "relu": lambda x: np.maximum(x, 0), "coth": lambda x: 1 / np.tanh(x),
}


class FloatBackend:
    name = "float"

    @staticmethod
    def const(value: Fraction):
        return float(value)

    @staticmethod
    def floor(x):
        return np.floor(x)

    @staticmethod
    def ceil(x):
        return np.ceil(x)

    @staticmethod
    def abs(x):
        return np.abs(x)

    @staticmethod
    def function(name: str, *args):
        if name in ("max", "min"):
            return np.maximum.reduce(np.broadcast_arrays(*args)) if name == "max" else \
                np.minimum.reduce(np.broadcast_arrays(*args))
        with np.errstate(all="ignore"):  # undefined values become nan/inf, judged later
            return FLOAT_FUNCTIONS[name](*args)

    @staticmethod
    def power(base, exponent):
        with np.errstate(all="ignore"):
            return np.power(np.asarray(base, dtype=float), exponent)


class ExactBackend:
    name = "exact"

    @staticmethod
    def const(value: Fraction):
        return Rat(value.numerator, value.denominator)

    @staticmethod
    def floor(x):
        return Rat.lift(x).floor()

    @staticmethod
    def ceil(x):
        return Rat.lift(x).ceil()

    @staticmethod
    def abs(x):
        return Rat.lift(x).abs()

    @staticmethod
    def function(name: str, *args):
        if name in ("max", "min") and args:
            out = Rat.lift(args[0])
            for a in map(Rat.lift, args[1:]):
                bigger = a.n * out.d > out.n * a.d
                pick = bigger if name == "max" else ~bigger & ~a.equals(out)
                out = Rat(np.where(pick, a.n, out.n), np.where(pick, a.d, out.d))
            return out
        if name in ("floor", "ceil", "abs"):
            return getattr(Rat.lift(args[0]), name)()
        raise Inexact(f"{name} is not exact")

    @staticmethod
    def power(base, exponent):
        return Rat.lift(base) ** exponent


FLOAT, EXACT = FloatBackend(), ExactBackend()
