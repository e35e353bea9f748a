"""Whether two scalar formulas are equal: by sampling, and by a sympy certificate when cheap.

Owns `agree` (floats at every instance; 100-digit mpmath where floats disagree, overflow or are
undefined, and at spot instances against underflow and cancellation), `agree_exactly` (integer
formulas in exact rationals), `certify` (``simplify(a - b) == 0`` under a time budget, not tried
on large expressions) and `compare`, the free comparison of ``nablagrade check --expected``,
whose instances are seeded by the two strings compared.
"""

from __future__ import annotations

import signal
import threading
import time
from functools import lru_cache
from typing import Any, Callable, NamedTuple

import numpy as np
import sympy as sp

from nablagrade.check import ast as A, formulas, numbers
from nablagrade.check.api import parse_error_verdict, seed_of
from nablagrade.check.backends import EXACT, FLOAT, Inexact, Rat
from nablagrade.check.errors import ParseError
from nablagrade.check.latex import to_latex
from nablagrade.check.names import name_key
from nablagrade.check.parse import parse_answer
from nablagrade.check.scalar import IllTyped, Scope, Unknown
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.verdict import Counterexample, Verdict, invalid
from nablagrade.errors import UsageError

BUDGET = 0.2                 # seconds for one sympy certificate
MAX_OPS, MAX_POWER = 400, 64  # larger expressions, or higher powers, get no certificate
RELATIVE = 1e-9              # floats this close agree; anything else is decided at 100 digits
SPOTS = 8                    # instances always decided at 100 digits
ONE_BY_ONE = 64              # instances evaluated one at a time when a batch cannot be


# ----- the certificate --------------------------------------------------------------------------

class _OutOfTime(BaseException):
    """Raised by our timer; a BaseException, so that no ``except Exception`` in sympy eats it."""


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``, or None when it takes longer than ``seconds``, fails, or cannot be timed
    (outside the main thread, or when an outer deadline would fire first)."""
    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outer = signal.getitimer(signal.ITIMER_REAL)[0] if timed else 0
    if not timed or outer and outer <= seconds * 2:
        return None
    armed, start = [True], time.monotonic()

    def ring(signum, frame):
        if armed[0]:
            raise _OutOfTime()
    previous = signal.signal(signal.SIGALRM, ring)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return work()
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except (_OutOfTime, Exception):
        return None
    finally:
        signal.signal(signal.SIGALRM, previous)
        if outer:   # give the outer deadline back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


def _zero(difference: sp.Expr) -> bool:
    if sp.expand(difference) == 0:
        return True
    # simplify never proves floor identities (parsing.md) and would spend the whole budget
    if difference.has(sp.floor, sp.ceiling):
        return False
    if difference.has(sp.sinh, sp.cosh, sp.tanh, sp.coth) and \
            sp.simplify(difference.rewrite(sp.exp)) == 0:
        return True
    return sp.simplify(difference) == 0


@lru_cache(maxsize=None)
def _warm() -> bool:
    """sympy imports parts of simplify on first use: do that once, not on the clock."""
    return sp.simplify(sp.sin(sp.Symbol("x")) ** 2 + sp.cos(sp.Symbol("x")) ** 2) == 1


def certify(a: sp.Expr | None, b: sp.Expr | None, seconds: float | None = None) -> bool:
    """A proof that ``a == b``: their difference simplifies to 0 within ``seconds``
    (default `BUDGET`)."""
    if a is None or b is None:
        return False
    difference = a - b
    if difference == 0:
        return True
    if sp.count_ops(difference) > MAX_OPS or any(
            p.exp.is_Number and abs(p.exp) > MAX_POWER for p in difference.atoms(sp.Pow)):
        return False
    _warm()
    return within(seconds or BUDGET, lambda: _zero(difference)) is True


# ----- sides and agreement ----------------------------------------------------------------------

Build = Callable[[Any], Callable[[dict], Any]]   # backend -> (instance -> value): a formula


class Outcome(NamedTuple):
    """``agree`` at ``compared`` instances, or the first instance where they differ."""
    agree: bool
    compared: int
    instance: dict | None = None
    values: tuple = ()


def _point(columns: dict, i: int, backend) -> dict:
    if backend is FLOAT:
        return {k: np.asarray(v[i:i + 1], dtype=float) for k, v in columns.items()}
    return {k: backend.ctx.mpf(v[i].item()) for k, v in columns.items()}


def _value(fn, env, *, batch: bool = False):
    """A value, or None where the formula is undefined (for a batch: also when its instances
    cannot be taken together, as a sum whose bound varies between them)."""
    with np.errstate(all="ignore"):
        try:
            return fn(env)
        except (IllTyped, *numbers.UNDEFINED) if batch else numbers.UNDEFINED:
            return None


def floats(build: Build, columns: dict, n: int) -> np.ndarray:
    """Float values at every instance (NaN where undefined)."""
    fn = build(FLOAT)
    values = _value(fn, {k: np.asarray(v, dtype=float) for k, v in columns.items()}, batch=True)
    if values is not None:
        return np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    out = np.full(n, np.nan)
    for i in range(min(n, ONE_BY_ONE)):
        value = _value(fn, _point(columns, i, FLOAT))
        out[i] = np.nan if value is None else np.asarray(value, dtype=float).ravel()[0]
    return out


def _instance(columns: dict, i: int) -> dict:
    return {k: v[i].item() for k, v in columns.items()}


def _precise(fn, columns: dict, i: int):
    """The value at 100 digits; infinity when too large to evaluate, None when undefined."""
    with np.errstate(all="ignore"):
        try:
            return numbers.MP.real(fn(_point(columns, i, numbers.MP)))
        except numbers.TooLarge:
            return numbers.MP.ctx.inf
        except numbers.UNDEFINED:
            return None


def agree(a: Build, b: Build, columns: dict, n: int, *, total: bool = False) -> Outcome:
    """Do ``a`` and ``b`` agree at every instance where both are defined? With ``total``,
    ``a`` must also be defined wherever ``b`` is (at generic instances)."""
    fa, fb = floats(a, columns, n), floats(b, columns, n)
    with np.errstate(all="ignore"):
        close = np.isfinite(fa) & np.isfinite(fb) & (
            np.abs(fa - fb) <= RELATIVE * np.maximum(np.abs(fa), np.abs(fb)))
    spots = set(np.linspace(0, n - 1, min(SPOTS, n)).astype(int).tolist())
    compared = int(close.sum()) - sum(1 for i in spots if close[i])
    pa, pb = a(numbers.MP), b(numbers.MP)
    for i in (i for i in range(n) if not close[i] or i in spots):
        va, vb = _precise(pa, columns, i), _precise(pb, columns, i)
        # a gap in a at a probe (an integer or a half-integer) may be removable: not counted
        if vb is not None and va is None and total and not any(
                float(2 * v).is_integer() for v in _instance(columns, i).values()):
            return Outcome(False, compared + 1, _instance(columns, i), (None, vb))
        if va is None or vb is None or va == vb == numbers.MP.ctx.inf:
            continue
        compared += 1
        if not numbers.mp_close(va, vb):
            return Outcome(False, compared, _instance(columns, i), (va, vb))
    return Outcome(True, compared)


def agree_exactly(a: Build, b: Build, columns: dict, n: int) -> Outcome:
    """Integer instances in exact rationals (floats are wrong near 2^53), all at once; raises
    `Inexact` when a formula leaves the rationals or cannot take every instance at once."""
    env = {k: Rat(np.asarray(v, dtype=np.int64)) for k, v in columns.items()}
    va, vb = (_value(build(EXACT), env, batch=True) for build in (a, b))
    if va is None or vb is None:
        raise Inexact("not at every instance at once")
    va, vb = Rat.lift(va), Rat.lift(vb)
    same = np.broadcast_to(va.equals(vb), (n,))
    if same.all():
        return Outcome(True, n)
    i = int(np.argmin(same))
    return Outcome(False, i + 1, _instance(columns, i), tuple(
        sp.Rational(int(np.broadcast_to(v.n, (n,))[i]), int(np.broadcast_to(v.d, (n,))[i]))
        for v in (va, vb)))


# ----- free comparison --------------------------------------------------------------------------

class ExpectedError(UsageError):
    """The expected formula of a free comparison cannot be read (the instructor's input)."""


def _read(text: str, *, expected: bool):
    try:
        return pick(parse_answer(text), "formula")
    except (ParseError, NoStatement) as err:
        if expected:
            raise ExpectedError(f"the expected formula cannot be read: {err}") from None
        raise


def _symbols(picked) -> set:
    """The free names of a picked formula and its definitions (not sum variables, ``e``,
    ``\\pi``, nor the names it defines)."""
    found, bound = set(), {key for key, _, _ in picked.definitions}
    stack = [picked.expr, *(rhs for _, _, rhs in picked.definitions)]
    while stack:
        node = stack.pop()
        if isinstance(node, A.Name):
            found.add(name_key(node))
        elif not isinstance(node, A.Derivative):
            if isinstance(node, (A.SumOp, A.ProdOp)) and node.var is not None:
                bound.add(name_key(node.var))
            stack.extend(A.children(node))
    return {k for k in found - bound - {"e", "pi", "infty"} if not k.isdigit()}


def _problem(err) -> str:
    return f"'{err.name}' has no value here (a derivative, or an unknown function)" \
        if isinstance(err, Unknown) else err.message


def compare(expected_latex: str, answer_latex: str, *, integer=(), positive=()) -> Verdict:
    """Are two scalar formulas equal wherever both are defined and real? Symbols are real
    unless named in ``integer`` / ``positive``; ``method`` says how it was decided."""
    expected = _read(expected_latex, expected=True)
    try:
        answer = _read(answer_latex, expected=False)
    except ParseError as err:
        return parse_error_verdict(err, to_latex(expected.expr))
    except NoStatement as err:
        return invalid("not-a-value", f"{str(err).capitalize()}.", expected=to_latex(expected.expr))
    shown = {"expected": to_latex(expected.expr), "answer": to_latex(answer.expr)}
    names = sorted(_symbols(expected) | _symbols(answer))
    scope = Scope(variables=frozenset(names))
    try:
        formulas.compile_picked(expected, scope, FLOAT)
    except (Unknown, IllTyped) as err:
        raise ExpectedError(f"the expected formula: {_problem(err)}") from None
    seed = seed_of("free", expected_latex, answer_latex, sorted(integer), sorted(positive))
    sides = [lambda backend, p=p: formulas.compile_picked(p, scope, backend)
             for p in (expected, answer)]
    kinked = formulas.kinked(expected, answer)
    try:
        verdict = _decide(*sides, names, set(integer), set(positive), seed, kinked)
    except (Unknown, IllTyped) as err:
        code = "unknown-symbol" if isinstance(err, Unknown) else "ill-typed"
        return invalid(code, _problem(err), err.pos, **shown)
    return Verdict(**{**verdict.__dict__, **shown})


def _decide(expected: Build, answer: Build, names, integer, positive, seed, kinked) -> Verdict:
    if not names:
        try:
            values = [numbers.closed_value(build) for build in (answer, expected)]
        except numbers.UNDEFINED:
            return invalid("not-a-value", "A value is undefined (or too large to evaluate).")
        return numbers.value_verdict(*values)
    outcome = None
    if set(names) <= integer:
        columns, n = formulas.integer_columns(names, seed, positive=positive)
        try:
            outcome = agree_exactly(expected, answer, columns, n)
        except Inexact:
            pass
    if outcome is None:
        columns, n = formulas.real_columns(names, seed, integer=integer, positive=positive,
                                           kinked=kinked)
        outcome = agree(expected, answer, columns, n)
    if not outcome.agree:
        counter = Counterexample(outcome.instance, *(numbers.shown(v) for v in outcome.values))
        return Verdict("incorrect", 0.0, counterexample=counter, method="sampled",
                       instances=outcome.compared)
    if outcome.compared < 3:
        return invalid("not-a-value", "The two formulas are never both defined and real at the "
                       "instances tried: there is nothing to compare.")
    symbols = {n: sp.Symbol(n, real=True, **({"integer": True} if n in integer else {}),
                            **({"positive": True} if n in positive else {})) for n in names}
    proof = certify(*(numbers.symbolic(build, symbols) for build in (expected, answer)))
    return Verdict("correct", 1.0, method="symbolic" if proof else "sampled",
                   instances=outcome.compared)
