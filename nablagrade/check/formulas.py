"""Formulas in a problem's symbols, and the checker of ``formula`` parts.

Owns the problem's named values (`problem_values`, `truth_value`: parameters and the engine's
evaluated nodes as exact rationals), an answer's own definitions (``y = w t, t = u_3 + s``:
`compile_picked` evaluates them in the order they need), the instances formulas are compared at
(`real_columns`, `integer_columns`), and the ``formula`` checker: the answer against the truth
at seeded random reals (free.agree), a sympy certificate when cheap, and the diagnoses
``sign-error`` and ``missing-term``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from nablagrade.check import ast as A, free, numbers
from nablagrade.check.api import Task, checks, task
from nablagrade.check.backends import FLOAT
from nablagrade.check.latex import to_latex
from nablagrade.check.names import name_key
from nablagrade.check.scalar import IllTyped, Scope, Unknown, compile_scalar
from nablagrade.check.statements import NoStatement, pick
from nablagrade.check.truth import compile_truth, symbol_key
from nablagrade.check.verdict import Counterexample, Diagnosis, Verdict, invalid
from nablagrade.derive.scalar import exact, latex

MAX_TERMS = 24      # additive terms of the truth tried for missing-term / sign-error
exact = lru_cache(maxsize=4096)(exact)   # nsimplify is slow; the same values recur


# ----- the problem's values ---------------------------------------------------------------------

def _entry(name: str):
    """``"x(1)"`` -> ``("x", 1)``, an entry of a sequence; ``\\beta`` -> ``beta``,
    ``T_{h}`` -> ``T_h``, the key of a scalar."""
    match = re.fullmatch(r"(.+)\((\d+)\)", name)
    return (match[1], int(match[2])) if match else re.sub(r"[\\{}\s]", "", name)


@dataclass(frozen=True)
class Values:
    """Named values of a question as exact rationals: scalars by key, sequence entries by
    ``(base, index)``; ``symbols`` maps the engine's symbols to the same values."""

    named: dict
    symbols: dict

    def scope(self, variables=()) -> Scope:
        return Scope(variables=frozenset(k for k in self.named if isinstance(k, str))
                     | frozenset(variables),
                     sequences=frozenset(k[0] for k in self.named if isinstance(k, tuple)))

    def env(self, backend) -> dict:
        """The values in ``backend``: sympy rationals (SYMPY), mpf (MP) or floats."""
        if backend is numbers.SYMPY:
            return dict(self.named)
        return {k: backend.const(Fraction(int(v.p), int(v.q))) if backend is numbers.MP
                else float(v) for k, v in self.named.items()}

    def unknown(self, name: str, variables=()) -> str:
        scope = self.scope(variables)
        known = sorted(scope.variables) + sorted(f"{base}(t)" for base in scope.sequences)
        return (f"'{name}' is not a symbol of this part; you may use "
                f"{', '.join(known) or 'numbers only'}.")


def problem_values(t: Task) -> Values:
    """Scalar and list parameters (by their LaTeX names) and the engine's evaluated nodes
    (``meta["at"]``: ``V(3)``, ``I(2)``, ...) as exact rationals."""
    named = {}
    for param in t.problem.params:
        value = t.params.get(param.name)
        if param.kind in ("int", "real") and isinstance(value, (int, float)):
            named[_entry(param.latex or param.name)] = exact(value)
        elif param.kind == "list" and value is not None:
            named.update({(param.name, i): exact(v) for i, v in enumerate(value, 1)})
    named.update({_entry(k): exact(v) for k, v in t.truth.meta.get("at", {}).items()})
    symbols = {s: named[_entry(str(s))] for s in getattr(t.truth.expr, "free_symbols", ())
               if _entry(str(s)) in named}
    return Values(named, symbols)


def truth_value(t: Task, values: Values) -> sp.Expr:
    """A number part's value, exact: the engine's closed form at the problem's exact values
    (the engine's float when they do not reproduce it)."""
    expr = sp.sympify(t.truth.expr, strict=True).xreplace(values.symbols)
    if expr.free_symbols or (t.truth.value is not None and not math.isclose(
            float(sp.N(expr, 20)), t.truth.value, rel_tol=1e-9, abs_tol=1e-300)):
        return exact(t.truth.value)
    return expr


# ----- an answer's own definitions --------------------------------------------------------------

def _names(node) -> set:
    return {name_key(n) for n, _ in A.walk(node) if isinstance(n, A.Name)}


def _order(definitions) -> list:
    """The definitions ``(key, lhs, rhs)`` in an order where each comes after those it uses."""
    pending = {key: rhs for key, _, rhs in definitions}
    if len(pending) < len(definitions):
        raise IllTyped("a name is defined twice in the answer")
    order = []
    while pending:
        ready = [k for k, rhs in pending.items() if not _names(rhs) & set(pending)]
        if not ready:
            raise IllTyped(f"the definitions of {', '.join(sorted(pending))} use each other "
                           "and never reach a value")
        order += [(k, pending.pop(k)) for k in ready]
    return order


def _constants(scope: Scope, backend) -> tuple:
    """``e`` and ``pi`` exact (SYMPY) or at 100 digits (MP): the compiler's own are floats."""
    if backend not in (numbers.SYMPY, numbers.MP):
        return scope, {}
    names = {"e", "pi"} - scope.variables
    table = {"e": sp.E, "pi": sp.pi} if backend is numbers.SYMPY else \
        {"e": backend.ctx.e, "pi": backend.ctx.pi}
    return replace(scope, variables=scope.variables | names), {n: table[n] for n in names}


def compile_picked(picked, scope: Scope, backend):
    """``env -> value`` for the picked statement, its definitions evaluated first."""
    scope, constants = _constants(scope, backend)
    steps = _order(picked.definitions)
    scope = replace(scope, variables=scope.variables | {k for k, _ in steps})
    steps = [(k, compile_scalar(rhs, scope, backend)) for k, rhs in steps]
    main = compile_scalar(picked.expr, scope, backend)

    def run(env):
        env = {**constants, **env}
        try:
            for key, fn in steps:
                env[key] = fn(env)
            return main(env)
        except KeyError as err:         # a function the backend has no rule for
            raise IllTyped(f"'{err.args[0]}' cannot be evaluated here") from None
    return run


# ----- instances --------------------------------------------------------------------------------

KINKS = (A.Floor, A.Ceil, A.Abs, A.Cases, A.Iverson, A.Kronecker, A.Factorial, A.Binom)


def kinked(*pickeds) -> bool:
    """Does floor, ceiling, abs, max or the like appear (probe integers and -1, 0, 1)?"""
    return any(isinstance(n, KINKS) or isinstance(n, A.Call) and n.name in
               ("max", "min", "sgn", "relu", "floor", "ceil", "abs")
               for p in pickeds for n, _ in A.walk(p.expr))


def real_columns(names, seed: int, *, integer=(), positive=(), kinked=False) -> tuple[dict, int]:
    """Instances of every kind: -1, 0, 1 (a grid of them, integers and half-integers too where
    the formula has kinks), then random values inside (-1, 1), around 1, negative and large,
    rounded to 3 digits so that a counterexample can be retyped. Integer symbols get integers,
    positive ones absolute values (0 -> 1/2, or 1)."""
    rng, k = np.random.default_rng(seed), len(names)
    probes = np.array([[-1.0] * k, [0.0] * k, [1.0] * k])
    if kinked:
        m = min(k, 3)
        grid = np.array(np.meshgrid(*[[-1.0, 0.0, 1.0]] * m)).reshape(m, -1).T
        probes = np.vstack([np.hstack([grid, rng.choice([-1.0, 0.0, 1.0], (len(grid), k - m))]),
                            rng.integers(-4, 5, (16, k)), rng.integers(-4, 4, (8, k)) + 0.5])
    size = (16, k)
    randoms = np.vstack([rng.uniform(-1, 1, size),
                         rng.standard_normal(size) * rng.choice([0.3, 1.0, 2.5, 7.0], size),
                         -np.exp(rng.uniform(np.log(0.05), np.log(50), size)),
                         rng.choice([-1, 1], size) * 10 ** rng.uniform(1, 3, size)])
    randoms = np.array([float(f"{v:.3g}") for v in randoms.ravel()]).reshape(randoms.shape)
    table, columns = np.vstack([probes, randoms]), {}
    for j, name in enumerate(names):
        column = table[:, j].copy()
        if name in integer:
            column[len(probes):] = rng.integers(-6, 13, len(randoms))
            column = np.round(column)
        if name in positive:
            column = np.abs(column)
            column[column == 0] = 1 if name in integer else 0.5
        columns[name] = column.astype(np.int64) if name in integer else column
    return columns, len(table)


def integer_columns(names, seed: int, *, positive=()) -> tuple[dict, int]:
    """Every combination of small integers (1..6 where positive, else -3..3) for up to three
    symbols, then random integers up to 30."""
    rng = np.random.default_rng(seed)
    ranges = [range(1, 7) if n in positive else range(-3, 4) for n in names]
    grid = np.array(np.meshgrid(*ranges[:3])).reshape(min(len(names), 3), -1).T
    grid = np.column_stack([grid, *[rng.integers(r.start, r.stop, len(grid)) for r in ranges[3:]]])
    randoms = np.column_stack([rng.integers(1, 31, 100) if n in positive else
                               rng.integers(-30, 31, 100) for n in names])
    table = np.vstack([grid, randoms]).astype(np.int64)
    return {n: table[:, j] for j, n in enumerate(names)}, len(table)


# ----- formula parts ----------------------------------------------------------------------------

@checks("formula")
def check_formula(t: Task, tree: A.Answer) -> Verdict:
    """A formula part: equal to the truth as a function of the problem's symbols (and of the
    intermediates the part declares in ``meta["definitions"]``)."""
    written, values = to_latex(tree), problem_values(t)
    truth = sp.sympify(t.truth.expr, strict=True)
    definitions = {k: sp.sympify(v, strict=True)
                   for k, v in t.truth.meta.get("definitions", {}).items()}
    leaves = sorted(_siblings(t) | {symbol_key(s) for s in truth.free_symbols}
                    | {symbol_key(s) for e in definitions.values() for s in e.free_symbols})
    definitions = {k: v for k, v in definitions.items() if k not in leaves}
    try:
        picked = pick(tree, "formula")
        answer = _answer(picked, values, leaves, definitions)
        truth_side = lambda backend: compile_truth(truth, backend)  # noqa: E731
        kinks = kinked(picked) or truth.has(sp.Abs, sp.floor, sp.ceiling, sp.Max, sp.Min)
        columns, n = real_columns(leaves, t.seed, kinked=kinks)
        outcome = free.agree(answer, truth_side, columns, n, total=True)
    except NoStatement as err:
        return invalid("not-a-value", f"{str(err).capitalize()}.", answer=written)
    except Unknown as err:
        message = values.unknown(err.name, [*leaves, *definitions])
        return invalid("unknown-symbol", message, err.pos, answer=written)
    except IllTyped as err:
        return invalid("ill-typed", err.message, err.pos, answer=written)
    if outcome.agree:
        symbols = {symbol_key(s): s for s in truth.free_symbols}
        env = {k: symbols.get(k, sp.Symbol(k, real=True)) for k in leaves}
        proof = free.certify(numbers.symbolic(answer, env), truth)
        return Verdict("correct", 1.0, answer=written, method="symbolic" if proof else "sampled",
                       instances=outcome.compared)
    counter = Counterexample(outcome.instance, *map(numbers.shown, outcome.values[::-1]))
    diagnosis = _diagnose(answer, truth, columns, n)
    return Verdict("incorrect", 0.0, (diagnosis,) if diagnosis else (), answer=written,
                   counterexample=counter, method="sampled", instances=outcome.compared)


def _siblings(t: Task) -> set:
    """The symbols of the problem's other formula parts: an answer may use any of them."""
    parts = [p.id for p in t.problem.parts if p.kind == "formula" and p.id != t.part.id]
    return {symbol_key(s) for p in parts for s in sp.sympify(
        task(t.problem.id, p, t.params.given, t.layout).truth.expr, strict=True).free_symbols}


def _answer(picked, values: Values, leaves, definitions) -> free.Build:
    """The answer as a formula: the problem's fixed values and declared intermediates bound;
    ``u_1, u_2`` also read as a sequence (``\\sum_i w^{4-i} u_i``)."""
    indexed = {k: (m[1], int(m[2])) for k in leaves if (m := re.fullmatch(r"(.+)_(\d+)", k))}
    scope = replace(values.scope([*leaves, *definitions]), sequences=values.scope().sequences
                    | {base for base, _ in indexed.values() if base not in leaves})

    def build(backend):
        main = compile_picked(picked, scope, backend)
        steps = [(k, compile_truth(expr, backend)) for k, expr in definitions.items()]
        fixed = {k: v for k, v in values.env(backend).items() if k not in leaves}

        def run(env):
            env = {**fixed, **env, **{pair: env[k] for k, pair in indexed.items()}}
            for key, fn in steps:
                env[key] = fn(env)
            return main(env)
        return run
    build(FLOAT)                      # unknown symbols and ill-typed constructs show here
    return build


def _terms(truth: sp.Expr) -> list:
    expanded = sp.expand(truth) if sp.count_ops(truth) <= free.MAX_OPS else truth
    terms = list(dict.fromkeys(sp.Add.make_args(truth) + sp.Add.make_args(expanded)))
    return terms[:MAX_TERMS] if len(terms) > 1 else []


def _diagnose(answer: free.Build, truth: sp.Expr, columns: dict, n: int) -> Diagnosis | None:
    """``sign-error`` (the negative, or one term's sign flipped) or ``missing-term``, when the
    answer equals that variant of the truth at every instance where it is defined."""
    got = free.floats(answer, columns, n)
    defined = np.isfinite(got)
    if defined.sum() < 3:
        return None
    candidates = [(-truth, "sign-error", "Your answer is the negative of the right one: "
                                         "check the sign.")]
    for term in _terms(truth):
        tex = latex(term)
        candidates += [(truth - term, "missing-term", f"Your answer is missing the term ${tex}$."),
                       (truth - 2 * term, "sign-error",
                        f"Your answer has the wrong sign on the term ${tex}$.")]
    for variant, code, message in candidates:
        want = free.floats(lambda backend, e=variant: compile_truth(e, backend), columns, n)
        with np.errstate(all="ignore"):
            if np.all(np.abs(got - want)[defined] <= 1e-9 * np.maximum(
                    np.abs(got), np.abs(want))[defined] + 1e-300):
                return Diagnosis(code, message)
    return None
