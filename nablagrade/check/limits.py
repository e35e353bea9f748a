"""Bounds on what a student's answer may be, checked before anything is built or evaluated.

Owns :class:`Limits` and the two checks: :func:`check_text` on the (normalised) string before
parsing — length, literal digits, bracket balance and nesting — and :func:`check_tree` on the
AST before any evaluation — node count, tree depth, literal exponents, factorials, binomials.
A tower like ``10^{10^{10}}`` passes: it is only a tree here; evaluation has its own bounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nablagrade.check import ast as A
from nablagrade.check.errors import LimitError, ParseError


@dataclass(frozen=True)
class Limits:
    max_length: int = 4096          # characters in the answer
    max_nesting: int = 60           # brackets, braces, environments inside each other
    max_nodes: int = 2000           # nodes of the syntax tree
    max_tree_depth: int = 100       # levels of the tree (a 200-term sum is one level); keeps
    #                                 every recursive walk of a tree far from Python's limit
    max_digits: int = 30            # digits in one number
    max_exponent: int = 10_000      # a literal exponent
    max_factorial: int = 1_000      # a literal n in n! or \binom{n}{k}


_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_TWO_POINTS = re.compile(r"\d*\.\d+\.\d")
_BRACKET = re.compile(r"""
    \\(?:left|right)\s*\.                                  # invisible delimiters: ignored
  | \\begin\s*\{\s*(?P<begin>[^{}]*?)\s*\}
  | \\end\s*\{\s*(?P<end>[^{}]*?)\s*\}
  | (?P<cmd>\\(?:[lr]floor|[lr]ceil|[lr]brace|[lr]brack)(?![A-Za-z]))
  | \\[A-Za-z]+ | \\\\
  | (?P<sym>\\[{}] | [{}()\[\]⌊⌋⌈⌉])
""", re.X)

# kind, opens? for every bracket spelling
_KINDS = {
    "{": ("brace", True), "}": ("brace", False), "(": ("parenthesis", True),
    ")": ("parenthesis", False), "[": ("bracket", True), "]": ("bracket", False),
    "\\{": ("set brace", True), "\\}": ("set brace", False), "\\lbrace": ("set brace", True),
    "\\rbrace": ("set brace", False), "\\lbrack": ("bracket", True), "\\rbrack": ("bracket", False),
    "\\lfloor": ("floor", True), "\\rfloor": ("floor", False), "⌊": ("floor", True),
    "⌋": ("floor", False), "\\lceil": ("ceiling", True), "\\rceil": ("ceiling", False),
    "⌈": ("ceiling", True), "⌉": ("ceiling", False),
}


def check_text(text: str, original: str, limits: Limits) -> None:
    """Raise LimitError or ParseError for what can be seen in the string alone."""
    for match in _NUMBER.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if digits > limits.max_digits:
            raise LimitError(f"a number with {digits} digits is too long "
                             f"(at most {limits.max_digits})", match.start(), original)
    two_points = _TWO_POINTS.search(text)
    if two_points:
        raise ParseError("a number with two decimal points", two_points.start(), original)
    _check_brackets(text, original, limits)


def _check_brackets(text: str, original: str, limits: Limits) -> None:
    stack: list = []                    # (kind, spelling, position)
    for match in _BRACKET.finditer(text):
        opened = _bracket(match)
        if opened is None:
            continue
        kind, opens, spelling = opened
        if opens:
            stack.append((kind, spelling, match.start()))
            if len(stack) > limits.max_nesting:
                raise LimitError(f"brackets are nested more than {limits.max_nesting} deep",
                                 match.start(), original)
        else:
            _close(stack, kind, spelling, match.start(), original)
    if stack:
        kind, spelling, pos = stack[-1]
        raise ParseError(f"'{spelling}' is never closed: a {kind} was opened and not closed",
                         pos, original)


def _bracket(match):
    if match.group("begin") is not None:
        return "environment " + match.group("begin"), True, f"\\begin{{{match.group('begin')}}}"
    if match.group("end") is not None:
        return "environment " + match.group("end"), False, f"\\end{{{match.group('end')}}}"
    spelling = match.group("cmd") or match.group("sym")
    if spelling is None:
        return None
    kind, opens = _KINDS[spelling]
    return kind, opens, spelling


def _close(stack, kind, spelling, pos, original):
    if not stack:
        raise ParseError(f"unexpected '{spelling}' — a {kind} was closed that was never opened",
                         pos, original)
    open_kind, open_spelling, open_pos = stack.pop()
    if open_kind != kind:
        raise ParseError(f"'{spelling}' does not match the '{open_spelling}' it closes",
                         pos, original)


def check_tree(answer: A.Answer, original: str, limits: Limits) -> None:
    """Raise LimitError when the tree is too big or a literal is too large to evaluate safely."""
    count = 0
    for node, depth in A.walk(answer):
        count += 1
        if count > limits.max_nodes:
            raise LimitError(f"the answer is too long: more than {limits.max_nodes} parts",
                             0, original)
        if depth > limits.max_tree_depth:
            raise LimitError("the formula is nested too deeply to be read", node.pos, original)
        _check_literals(node, original, limits)


def _check_literals(node, original, limits):
    if isinstance(node, A.Pow):
        size = _literal(node.exponent)
        if size is not None and size > limits.max_exponent:
            raise LimitError(f"the exponent {size} is too large (at most {limits.max_exponent})",
                             node.exponent.pos, original)
    elif isinstance(node, (A.Factorial, A.Binom)):
        size = _literal(node.operand if isinstance(node, A.Factorial) else node.n)
        if size is not None and size > limits.max_factorial:
            raise LimitError(f"{size} is too large for a factorial or binomial "
                             f"(at most {limits.max_factorial})", node.pos, original)


def _literal(node):
    """|value| of a literal number (possibly negated), else None."""
    while isinstance(node, A.Neg):
        node = node.operand
    return abs(node.value) if isinstance(node, A.Number) else None
