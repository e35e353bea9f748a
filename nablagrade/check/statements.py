"""Picking, among the statements of an answer, the one the part asks for, and the definitions
of auxiliary names it uses (``where a_t = ...``).

A shape part takes a membership (``X \\in \\mathbb{R}^{3 \\times 5}``) or a bare value
(``5 \\times 2``). Any other part takes the equation or value that is not a definition: an
equation whose left-hand side is a name another statement uses is a definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from nablagrade.check import ast as A
from nablagrade.check.names import head_key


@dataclass(frozen=True)
class Picked:
    """The statement asked for: its expression, its left-hand side (or None), and the
    definitions ``{key: (lhs, rhs)}`` of auxiliary names, in the order written."""

    expr: A.Node
    lhs: A.Node | None
    definitions: tuple


class NoStatement(Exception):
    """No statement of the answer is of the kind asked for."""


def _uses(node: A.Node) -> set[str]:
    keys = set()
    for sub, _ in A.walk(node):
        key = head_key(sub)
        if key:
            keys.add(key)
    return keys


def _parts(statement):
    """(lhs, rhs) of an equation-like statement; the last of ``a = b = c``."""
    if isinstance(statement, (A.Equation, A.Definition)):
        return statement.lhs, statement.rhs
    if isinstance(statement, A.Value):
        return None, statement.expr
    return None


def pick(answer: A.Answer, kind: str) -> Picked:
    statements = answer.statements
    if kind == "shape":
        for s in statements:
            if isinstance(s, A.Membership):
                return Picked(s.shape, s.lhs, ())
        for s in statements:
            if isinstance(s, A.Value):
                return Picked(s.expr, None, ())
            if isinstance(s, A.Equation) and s.rhs is not None:
                return Picked(s.rhs, s.lhs, ())
        raise NoStatement("no shape is given (write e.g. 5 \\times 2 or X \\in \\mathbb{R}^{3})")
    pairs = [(s, _parts(s)) for s in statements if _parts(s) is not None]
    if not pairs:
        raise NoStatement("no value or equation is given")
    if len(pairs) == 1:
        _, (lhs, rhs) = pairs[0]
        return Picked(rhs, lhs, ())
    used_elsewhere = [set().union(*(_uses(p[1][1]) for p in pairs if p is not pair))
                      for pair in pairs]
    definitions, main = [], None
    for pair, used in zip(pairs, used_elsewhere):
        lhs, rhs = pair[1]
        key = head_key(lhs) if lhs is not None else None
        if key and key in used and not isinstance(pair[0], A.Value):
            definitions.append((key, lhs, rhs))
        elif main is None:
            main = pair[1]
    if main is None:  # every statement defines something another uses: the first is asked
        main = pairs[0][1]
        definitions = definitions[1:]
    return Picked(main[1], main[0], tuple(definitions))
