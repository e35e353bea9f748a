"""Which statement of a matrix answer is the answer, and what the others define.

An answer may name the asked quantity on its left (``\\frac{\\partial \\ell}{\\partial W_x} =``),
continue it over aligned lines (``&= ...``), and define auxiliary names: plain ones
(``z = W_c x[t] + W_h h[t-1]``), sequences over an index (``a_t = ...``, ``\\delta[t]^\\top =
...``) with base cases (``\\delta[K+1] = 0``), and derivative symbols
(``\\frac{\\partial c[t]}{\\partial h[t-1]} = ...``), which then mean what the answer says. A name
defined twice is an error; so is a recursion without a base case (found by the resolver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from nablagrade.check import ast as A
from nablagrade.check.names import base_key, name_key

_NUMBERED = re.compile(r"^(.+)_(\d+)$")


GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi "
                   "rho sigma tau upsilon phi chi psi omega ell Gamma Delta Theta Lambda Xi Pi "
                   "Sigma Upsilon Phi Psi Omega".split())


def tex(key: str) -> str:
    """A symbol-table key as inline maths: ``delta`` -> ``$\\delta$``, ``W_h`` -> ``$W_h$``."""
    base, sep, sub = key.partition("_")
    return f"${chr(92) + base if base in GREEK else base}{sep}{sub}$"


class AnswerError(Exception):
    """An answer that cannot be evaluated: ``code`` for the verdict, a sentence, a position."""

    code = "not-a-value"

    def __init__(self, message: str, pos: int = -1):
        super().__init__(message, pos)
        self.message, self.pos = message, pos


class Unknown(AnswerError):
    code = "unknown-symbol"


class IllTyped(AnswerError):
    code = "ill-typed"


class BadDefinition(AnswerError):
    code = "bad-definition"


class Circular(AnswerError):
    code = "circular"


@dataclass(frozen=True)
class Def:
    """``key[index] = rhs`` (``index`` None for a plain name); ``var`` names the index variable
    of a general definition (None for a base case)."""

    key: str
    index: A.Node | None
    var: str | None
    transposed: bool
    rhs: A.Node
    pos: int


@dataclass(frozen=True)
class DerivDef:
    """``\\frac{\\partial num}{\\partial den} = rhs``."""

    num: A.Node
    den: A.Node
    transposed: bool
    rhs: A.Node
    pos: int


@dataclass(frozen=True)
class Group:
    """Everything an answer defines under one key."""

    plain: Def | None = None
    general: Def | None = None
    bases: tuple = ()


@dataclass(frozen=True)
class Plan:
    """The asked expression (``main``) and what the other statements define."""

    main: A.Node
    transposed: bool  # the left-hand side was the asked quantity transposed
    defs: Mapping[str, Group] = field(default_factory=dict)
    derivs: tuple = ()


def strip(lhs: A.Node) -> tuple[A.Node, bool]:
    """``lhs`` without parentheses and transposes, and whether it was transposed."""
    transposed = False
    while isinstance(lhs, (A.Group, A.Transpose)):
        transposed ^= isinstance(lhs, A.Transpose)
        lhs = lhs.body if isinstance(lhs, A.Group) else lhs.target
    return lhs, transposed


def _names_in(node: A.Node) -> list[str]:
    return [base_key(n) for n, _ in A.walk(node) if isinstance(n, A.Name)]


def _index_def(key, index, numbers, transposed, rhs, pos) -> Def:
    free = sorted({n for n in _names_in(index) if n not in numbers})
    if len(free) > 1:
        raise BadDefinition(f"the definition of {tex(key)} has more than one index variable "
                            f"({', '.join(free)})", pos)
    return Def(key, index, free[0] if free else None, transposed, rhs, pos)


def classify(lhs: A.Node, rhs: A.Node, numbers, known) -> Def | DerivDef | None:
    """What ``lhs = rhs`` defines; None when the left side names nothing."""
    target, transposed = strip(lhs)
    pos = lhs.pos
    if isinstance(target, A.Derivative):
        return DerivDef(target.num, target.den, transposed, rhs, pos)
    if isinstance(target, A.Index) and isinstance(target.target, A.Name) \
            and len(target.indices) == 1:
        return _index_def(name_key(target.target), target.indices[0], numbers, transposed,
                          rhs, pos)
    if not isinstance(target, A.Name):
        return None
    key = name_key(target)
    label = key != base_key(target)  # a_1, W_h: the subscript is part of the name
    if target.sub is None or label and (known(key) or isinstance(target.sub, A.Number)):
        return Def(key, None, None, transposed, rhs, pos)
    return _index_def(base_key(target), target.sub, numbers, transposed, rhs, pos)


def _continued(statements, start: int) -> A.Node:
    """The last of the aligned continuations (``&= ...``) after statement ``start``."""
    first = statements[start]
    rhs = first.expr if isinstance(first, A.Value) else first.rhs
    for s in statements[start + 1:]:
        if not (isinstance(s, A.Equation) and s.lhs is None):
            break
        rhs = s.rhs
    return rhs


def _equations(answer: A.Answer):
    for number, s in enumerate(answer.statements):
        if isinstance(s, (A.Equation, A.Definition)) and s.lhs is not None:
            yield number, s


def plan(answer: A.Answer, is_asked: Callable[[A.Node], bool], numbers, known) -> Plan:
    """Split ``answer`` into the asked expression and the definitions it uses."""
    statements = answer.statements
    main, main_at, transposed = None, None, False
    for number, s in _equations(answer):
        target, flipped = strip(s.lhs)
        if isinstance(target, A.Derivative) and is_asked(target):
            main, main_at, transposed = _continued(statements, number), number, flipped
            break
    if main is None:
        values = [n for n, s in enumerate(statements) if isinstance(s, A.Value)
                  or isinstance(s, A.Equation) and s.lhs is None]
        if values:
            main_at = values[0]
            main = _continued(statements, main_at)
    candidates = [(n, s) for n, s in _equations(answer) if n != main_at]
    if main is None:
        main_at, main = _unused(candidates)
        candidates = [(n, s) for n, s in candidates if n != main_at]
    if main is None:
        raise AnswerError("no value or equation is given", 0)
    return _collect(main, transposed, candidates, numbers, known)


def _unused(candidates):
    """The first equation whose left side no other statement uses: the answer itself."""
    for number, s in candidates:
        used = set()
        for other_number, other in candidates:
            if other_number != number:
                used.update(_names_in(other.rhs))
        if not (set(_names_in(s.lhs)) & used):
            return number, s.rhs
    return (candidates[0][0], candidates[0][1].rhs) if candidates else (None, None)


def _collect(main, transposed, candidates, numbers, known) -> Plan:
    groups: dict = {}
    derivs = []
    for _, s in candidates:
        item = classify(s.lhs, s.rhs, numbers, known)
        if isinstance(item, DerivDef):
            derivs.append(item)
        elif isinstance(item, Def):
            _add(groups, item)
    _number_bases(groups)
    return Plan(main, transposed, groups, tuple(derivs))


def _add(groups: dict, d: Def) -> None:
    group = groups.get(d.key, Group())
    if d.index is None:
        slot = "plain"
    elif d.var is not None:
        slot = "general"
    else:
        if any(b.index == d.index for b in group.bases):
            raise BadDefinition(f"{tex(d.key)} is defined twice at the same index", d.pos)
        groups[d.key] = Group(group.plain, group.general, group.bases + (d,))
        return
    if getattr(group, slot) is not None:
        raise BadDefinition(f"{tex(d.key)} is defined twice", d.pos)
    groups[d.key] = Group(**{**group.__dict__, slot: d})


def _number_bases(groups: dict) -> None:
    """``z_1 = ...`` next to ``z_t = ...`` is the base case of ``z`` at 1."""
    for key in list(groups):
        match = _NUMBERED.match(key)
        plain = groups[key].plain
        if match and plain is not None and match.group(1) in groups \
                and groups[match.group(1)].general is not None:
            base = Def(match.group(1), A.Number(match.group(2)), None, plain.transposed,
                       plain.rhs, plain.pos)
            del groups[key]
            _add(groups, base)
