"""What the names of a matrix answer may mean: the symbol table of a question, read once from
its derived truth and its recurrence.

A `Scope` holds the problem's quantities (sequences at time ``t``, parameters), the families
behind numbered names (``v_0, v_1, v_2`` for ``v_i``), the integer parameters usable in indices
and bounds (``K``, ``k``, ``n``, ``m``), the index symbols (``t``; ``T`` where the question has
one), aliases (``\\alpha_1`` for ``a_1``), the derivatives the question gives as inputs, the
derivative it asks for (which an answer may not use), and the step Jacobians of each state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from nablagrade.derive.mexpr import Deriv, MExpr, Var, walk
from nablagrade.derive.queries import BPTTGradient, Jacobian, ThroughSuccessors, state_lags
from nablagrade.derive.recurrence import LOSS, T

_NUMBERED = re.compile(r"^(.+)_(\d+)$")
LOSS_NAMES = ("ell", "l", "L", "mathcal L")


@dataclass(frozen=True)
class Asked:
    """The derivative a part asks for: ``num``/``den`` names, and the index offset
    ``num - den`` (Jacobians) or the denominator's index (loss derivatives)."""

    num: str
    den: str
    offset: Any = None
    den_index: Any = None
    lhs: str = ""


@dataclass(frozen=True)
class Scope:
    system: Any  # Recurrence (the truth's, with its auxiliary definitions)
    time: sp.Symbol
    at: sp.Symbol | None
    names: Mapping[str, Var]
    families: Mapping[str, Mapping[int, str]]
    numbers: Mapping[str, Any]
    aliases: Mapping[str, str]
    givens: frozenset  # {(num name, den name)}
    asked: Asked
    kind: str  # "jacobian" | "bptt" | "successors"
    length: Any
    tex: Mapping[str, str] = field(default_factory=dict)
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def is_sequence(self, key: str) -> bool:
        var = self.names.get(key)
        return var is not None and var.index is not None

    def alias(self, key: str) -> str:
        """``alpha_1`` -> ``a_1``, ``alpha`` -> ``a``."""
        match = _NUMBERED.match(key)
        if match and match.group(1) in self.aliases:
            return f"{self.aliases[match.group(1)]}_{match.group(2)}"
        return self.aliases.get(key, key)

    @property
    def states(self) -> frozenset:
        return self.system.states

    def step_jacobians(self, state: str) -> tuple:
        """``((lag, d state[t] / d state[t - lag]), ...)`` for the lags the state is read at."""
        key = ("steps", state)
        if key not in self.memo:
            self.memo[key] = tuple((lag, self.jacobian(state, state, lag))
                                   for lag in state_lags(self.system, state))
        return self.memo[key]

    def jacobian(self, of: str, wrt: str, lag: int) -> MExpr:
        """``d of[t] / d wrt[t - lag]`` written at time ``t`` (partial: other states held)."""
        key = ("jacobian", of, wrt, lag)
        if key not in self.memo:
            a, b = self.system.symbols[of], self.system.symbols[wrt]
            self.memo[key] = Jacobian(self.system, a, b.at(T - lag)).closed()
        return self.memo[key]


def _extra_vars(system, truth_expr: MExpr) -> dict:
    """The auxiliary quantities (``delta``) as the truth writes them."""
    found = {}
    for node in walk(truth_expr):
        if isinstance(node, Var) and node.name in system.extra and node.index is not None:
            found[node.name] = node.at(T)
    return found


def _givens(system, truth_expr: MExpr) -> frozenset:
    bodies = [truth_expr, *system.extra.values()]
    return frozenset((n.num.name, n.den.name) for body in bodies for n in walk(body)
                     if isinstance(n, Deriv))


def _families(names) -> dict:
    out: dict = {}
    for key in names:
        match = _NUMBERED.match(key)
        if match:
            out.setdefault(match.group(1), {})[int(match.group(2))] = key
    return out


def _asked(query, truth) -> tuple[Asked, str, Any]:
    if isinstance(query, Jacobian):
        offset = sp.expand(query.of.index - query.wrt.index)
        return Asked(query.of.name, query.wrt.name, offset, None, truth.lhs), "jacobian", None
    if isinstance(query, BPTTGradient):
        return Asked(LOSS.name, query.param.name, None, None, truth.lhs), "bptt", None
    if isinstance(query, ThroughSuccessors):
        return (Asked(LOSS.name, query.state, None, query.at, truth.lhs), "successors",
                query.at)
    raise TypeError(f"no matrix checking for {type(query).__name__} questions")


def _tex(symbols) -> dict:
    return {var.tex: key for key, var in symbols.items()
            if var.tex and var.tex not in (key, "\\" + key)}


_SCOPES: dict = {}


def cached_scope(t) -> Scope:
    """`scope_of`, once per task object (tasks are themselves cached by the API)."""
    entry = _SCOPES.get(id(t))
    if entry is None or entry[0] is not t:
        if len(_SCOPES) > 256:
            _SCOPES.clear()
        entry = _SCOPES[id(t)] = (t, scope_of(t))
    return entry[1]


def scope_of(t) -> Scope:
    """The symbol table of a task (`nablagrade.check.api.Task`)."""
    system = t.truth.meta["system"]
    asked, kind, at = _asked(t.query, t.truth)
    names = {**{v.name: v for v in system.params}, **dict(system.symbols),
             **_extra_vars(system, t.truth.expr)}
    numbers = {k: v for k, v in t.params.items() if isinstance(v, (int, sp.Symbol))}
    return Scope(system=system, time=T, at=at, names=names, families=_families(names),
                 numbers=numbers, aliases=dict(t.problem.aliases),
                 givens=_givens(system, t.truth.expr), asked=asked, kind=kind,
                 length=system.length, tex=_tex({**system.symbols,
                                                 **{v.name: v for v in system.params}}))
