"""Exact and high-precision values of scalar answers, and the checker of ``number`` parts.

Owns two backends for `scalar.compile_scalar` beyond floats and int64 rationals: `SYMPY`
(exact: ``2\\ln 2`` stays a logarithm; with symbols it builds sympy certificates) and `MP`
(mpmath at 100 digits, where floats overflow or cancel); closed values compared exactly; rule 3
of answers.md for decimals; the ``number`` checker. Nothing the student wrote is executed: each
construct maps to a fixed sympy or mpmath operation, and huge numbers are refused before built.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

# free and formulas build on the backends below; each module uses the others' names only
# inside functions, so importing the modules (not names) keeps the cycle harmless.
from nablagrade.check import ast as A, formulas, free
from nablagrade.check.api import Task, checks
from nablagrade.check.backends import Inexact, Undefined
from nablagrade.check.latex import to_latex
from nablagrade.check.scalar import IllTyped, Unknown
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.verdict import Counterexample, Diagnosis, Verdict, invalid

MAX_BITS = 100_000          # exact numbers beyond this many bits are not built (sympy)
MAX_MAGNITUDE = 2.0 ** 40   # nor beyond 2^(2^40) at 100 digits (mpmath)
MIN_DIGITS = 3              # significant digits a decimal needs (answers.md rule 3)
RELATIVE = Fraction(1, 10**6)  # any decimal this close to the truth passes

# our function name -> its name in sympy and in mpmath
NAMES = {**{n: (n, n) for n in "log exp sqrt sin cos tan cot sec csc sinh cosh tanh coth floor "
            "factorial".split()},
         **{f"arc{f}": (f"a{f}",) * 2 for f in "sin cos tan sinh cosh tanh".split()},
         **{f"ar{f}": (f"a{f}",) * 2 for f in "sinh cosh tanh".split()},
         "ceil": ("ceiling", "ceil"), "abs": ("Abs", "fabs"), "sgn": ("sign", "sign")}


class SympyBackend:
    """Exact sympy values; a number too large to build raises `Inexact`."""

    name = "sympy"
    EXTRA = {"sigmoid": lambda x: 1 / (1 + sp.exp(-x)), "max": sp.Max, "min": sp.Min,
             "relu": lambda x: sp.Max(x, 0)}
    floor, ceil, abs = staticmethod(sp.floor), staticmethod(sp.ceiling), staticmethod(sp.Abs)
    const = staticmethod(lambda value: sp.Rational(value.numerator, value.denominator))

    def function(self, name: str, *args):
        args = [sp.sympify(a, strict=True) for a in args]
        fn = self.EXTRA.get(name) or (getattr(sp, NAMES[name][0]) if name in NAMES else None)
        if fn is None or name in ("factorial", "exp", "sinh", "cosh") and _huge(args[0], 1):
            raise Inexact(f"no exact {name} here (unknown, or too large to build)")
        return fn(*args)

    @staticmethod
    def power(base, exponent):
        base, exponent = sp.sympify(base, strict=True), sp.sympify(exponent, strict=True)
        if base.is_number and base not in (0, 1, -1) and _huge(exponent, sp.log(abs(base), 2)):
            raise Inexact("a power too large to build exactly")
        return sp.Pow(base, exponent)


def _huge(x: sp.Expr, scale) -> bool:
    """Is the number ``x * scale`` beyond MAX_BITS (a result of that many bits)?"""
    if not (x.is_number and getattr(scale, "is_number", True)):
        return False
    size = sp.N(abs(x) * abs(scale), 15)
    return not size.is_Number or size > MAX_BITS


class TooLarge(Undefined):
    """A value beyond 2^(2^40): certainly not a value a part asks for."""


def _via(name: str):
    return lambda self, x: self.function(name, x)


class MpBackend:
    """mpmath numbers in a private context; a complex or infinite result is `Undefined`."""

    name = "mp"

    def __init__(self, dps: int):
        self.ctx = c = mpmath.MPContext()
        c.dps = dps
        self.functions = {**{ours: getattr(c, theirs) for ours, (_, theirs) in NAMES.items()},
                          "sigmoid": lambda x: 1 / (1 + c.exp(-x)), "relu": lambda x: max(x, 0),
                          "max": lambda *a: max(a), "min": lambda *a: min(a)}

    def const(self, value: Fraction):
        return self.ctx.mpf(value.numerator) / value.denominator

    def real(self, value):
        """``value`` as a finite real mpf, else `Undefined` (log of a negative, a pole)."""
        value = self.ctx.convert(value.item() if isinstance(value, (np.ndarray, np.generic))
                                 else value)
        if isinstance(value, self.ctx.mpc) and value.imag == 0:
            value = value.real
        if isinstance(value, self.ctx.mpc) or not self.ctx.isfinite(value):
            raise Undefined("not a finite real number")
        return value

    floor, ceil, abs = _via("floor"), _via("ceil"), _via("abs")

    def function(self, name: str, *args):
        args = [self.real(a) for a in args]
        if name in ("exp", "sinh", "cosh", "factorial") and abs(args[0]) > MAX_MAGNITUDE:
            raise TooLarge("too large to evaluate")
        try:
            return self.real(self.functions[name](*args))
        except (ValueError, ZeroDivisionError) as error:   # poles: gamma(-1), cot(0)
            raise Undefined(str(error)) from None

    def power(self, base, exponent):
        base, exponent = self.real(base), self.real(exponent)
        if base not in (0, 1, -1) and abs(exponent * self.ctx.log(abs(base), 2)) > MAX_MAGNITUDE:
            raise TooLarge("too large to evaluate")
        return self.real(self.ctx.power(base, exponent))


SYMPY, MP = SympyBackend(), MpBackend(100)
TOLERANCE = mpmath.mpf(10) ** -70   # equal at MP's precision: relative, or absolute near 0
UNDEFINED = (Undefined, ZeroDivisionError, OverflowError, ValueError, TypeError)


def mp_close(a, b) -> bool:
    """Equal as far as 100-digit arithmetic can tell (an infinity equals nothing)."""
    return bool(MP.ctx.isfinite(a) and MP.ctx.isfinite(b)
                and abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1))


def same_number(got, truth) -> tuple[bool, str]:
    """Are two closed values equal, and how is it known: ``exact``, ``symbolic`` (a sympy
    proof) or ``sampled`` (agreement to 70 digits, no proof)? Either may be an mpf."""
    if not (isinstance(got, sp.Basic) and isinstance(truth, sp.Basic)):
        got, truth = (MP.ctx.mpf(str(sp.N(v, 110))) if isinstance(v, sp.Basic) else v
                      for v in (got, truth))
        return mp_close(got, truth), "sampled" if mp_close(got, truth) else "exact"
    if got.is_Rational and truth.is_Rational or got - truth == 0:
        return got == truth, "exact"
    size, scale = abs(sp.N(got - truth, 80)), abs(sp.N(truth, 80))
    if not (size.is_Number and scale.is_Number) or size > TOLERANCE * max(scale, 1):
        return False, "exact"           # evalf bounds its error: a clear difference is proven
    return True, "symbolic" if free.certify(got, truth) else "sampled"


def closed_value(build, env=lambda backend: {}):
    """The exact value of a closed formula (``build(backend)`` compiles it), at 100 digits
    when too large to build exactly; `Undefined` when it has no real value."""
    try:
        value = sp.sympify(build(SYMPY)(env(SYMPY)), strict=True)
    except Inexact:
        return MP.real(build(MP)(env(MP)))
    number = sp.N(value, 30)
    if value.free_symbols or not number.is_finite or not number.is_real:
        raise Undefined("no real value")
    return value


def symbolic(build, env: dict) -> sp.Expr | None:
    """A formula as a sympy expression of the symbols in ``env`` (None if it has none)."""
    try:
        return sp.sympify(build(SYMPY)(env), strict=True)
    except (Inexact, IllTyped, KeyError, sp.SympifyError, *UNDEFINED):
        return None


def shown(value):
    """A value for a counterexample: a float, or text when it does not fit in one."""
    if value is None:
        return "undefined"
    with contextlib.suppress(TypeError, OverflowError):
        if math.isfinite(number := float(value)):
            return number
    return str(sp.N(value, 6)) if isinstance(value, sp.Basic) else mpmath.nstr(value, 6)


# ----- decimals (answers.md rule 3) -------------------------------------------------------------

@dataclass(frozen=True)
class Decimal:
    """A decimal as written: its exact value, a unit in its last digit, its significant digits."""

    value: Fraction
    quantum: Fraction
    digits: int

    def judge(self, truth: Fraction) -> str:
        """``close`` (the truth rounded to the digits given, or within 1e-6), ``few`` (fewer
        than 3 significant digits, within one unit of the last: the sheet's ``0.12``), ``near``
        (3 or more, off by less than one unit: truncated or misrounded) or ``wrong``."""
        error, half = abs(self.value - truth), self.quantum / 2
        if error <= RELATIVE * abs(truth) or error <= half and self.digits >= MIN_DIGITS:
            return "close"
        if error < self.quantum:
            return "few" if self.digits < MIN_DIGITS else "near"
        return "wrong"


def read_decimal(node: A.Node) -> Decimal | None:
    """The decimal an answer is, if it is one: ``0.1247``, ``-0.0725``, ``12.5\\%``,
    ``5.1 \\times 10^{-2}``; None for anything else (integers are exact forms)."""
    if isinstance(node, A.Neg):
        inner = read_decimal(node.operand)
        return Decimal(-inner.value, inner.quantum, inner.digits) if inner else None
    if isinstance(node, A.Number) and "." in node.text:
        places = len(node.text.partition(".")[2])
        digits = len(node.text.replace(".", "").lstrip("0")) or places
        scale = Fraction(1, 100) if node.percent else Fraction(1)
        return Decimal(node.value, Fraction(1, 10**places) * scale, digits)
    if isinstance(node, A.BinOp) and node.op in ("times", "*"):
        mantissa, power = read_decimal(node.left), _power_of_ten(node.right)
        if mantissa is not None and power is not None:
            return Decimal(mantissa.value * power, mantissa.quantum * power, mantissa.digits)
    return None


def _power_of_ten(node) -> Fraction | None:
    if not (isinstance(node, A.Pow) and node.base == A.Number("10")):
        return None
    exponent, sign = (node.exponent.operand, -1) if isinstance(node.exponent, A.Neg) else \
        (node.exponent, 1)
    if isinstance(exponent, A.Number) and exponent.text.isdigit() and int(exponent.text) <= 300:
        return Fraction(10) ** (sign * int(exponent.text))
    return None


# ----- number parts -----------------------------------------------------------------------------

SIGN = Diagnosis("sign-error", "Your answer is the negative of the right value: check the sign.")
FEW = ("{} has {} significant digit{}: give at least 3. A decimal is right when it is the exact "
       "value rounded to the digits given.")
ROUNDING = ("{} is not the exact value rounded to the digits you give: round the last digit "
            "instead of cutting the number off.")


@checks("number")
def check_number(t: Task, tree: A.Answer) -> Verdict:
    """A number part: a decimal by rule 3, anything else (``\\ln 4``, ``1/4``, a formula in the
    problem's symbols at the problem's values) compared exactly."""
    written, values = to_latex(tree), formulas.problem_values(t)
    try:
        picked = pick(tree, "number")
        truth = formulas.truth_value(t, values)
        decimal = None if picked.definitions else read_decimal(picked.expr)
        if decimal is not None:
            return _decimal_verdict(decimal, truth, written)
        got = closed_value(lambda b: formulas.compile_picked(picked, values.scope(), b),
                           values.env)
    except NoStatement as err:
        return invalid("not-a-value", f"{str(err).capitalize()}.", answer=written)
    except Unknown as err:
        return invalid("unknown-symbol", values.unknown(err.name), err.pos, answer=written)
    except IllTyped as err:
        return invalid("ill-typed", err.message, err.pos, answer=written)
    except TooLarge:                    # beyond 2^(2^40): not the value asked for
        return _verdict(False, written, "exact", (), Counterexample({}, shown(truth), "huge"))
    except UNDEFINED:
        return invalid("not-a-value", "Your answer has no real value: it divides by zero or "
                       "takes a logarithm or root of a negative number.", answer=written)
    return value_verdict(got, truth, written)


def _verdict(ok: bool, written: str, method: str, diagnoses=(), counter=None) -> Verdict:
    return Verdict("correct" if ok else "incorrect", float(ok), tuple(diagnoses), answer=written,
                   counterexample=counter, method=method,
                   instances=1 if method == "sampled" else 0)


def value_verdict(got, truth, written: str = "") -> Verdict:
    """Two closed values: equal, the negative (``sign-error``), or different."""
    equal, method = same_number(got, truth)
    if equal:
        return _verdict(True, written, method)
    counter = Counterexample({}, shown(truth), shown(got))
    sign = (SIGN,) if truth != 0 and same_number(got, -truth)[0] else ()
    return _verdict(False, written, method, sign, counter)


def _decimal_verdict(decimal: Decimal, truth, written: str) -> Verdict:
    exact_truth = Fraction(int(truth.p), int(truth.q)) if truth.is_Rational else \
        Fraction(str(sp.N(truth, 60)))          # 60 digits: rounding can never tie
    outcome = decimal.judge(exact_truth)
    counter = Counterexample({}, shown(truth), float(decimal.value))
    if outcome == "close":
        return _verdict(True, written, "exact")
    if outcome == "few":
        few = FEW.format(written, decimal.digits, "" if decimal.digits == 1 else "s")
        return _verdict(False, written, "exact", (Diagnosis("too-few-digits", few),), counter)
    if exact_truth and decimal.judge(-exact_truth) in ("close", "few"):
        return _verdict(False, written, "exact", (SIGN,), counter)
    rounding = (Diagnosis("rounding", ROUNDING.format(written)),) if outcome == "near" else ()
    return _verdict(False, written, "exact", rounding, counter)
