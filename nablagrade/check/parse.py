"""Read a student's LaTeX answer into the typed AST: the public entry point of this stage.

``parse_answer(text)`` checks the limits on the string, blanks what surrounds the maths
(normalise.py), runs the LALR parser built once from ``grammar.lark`` (the AST is built while
parsing, build.py), then checks the limits on the tree. Every failure is a :class:`ParseError`
(or its :class:`LimitError`) with a position in ``text`` and a sentence for the student.

>>> parse_answer(r"x_{t} + 1") == parse_answer("x_t+1")
True
>>> parse_answer(r"\\frac{a}")
Traceback (most recent call last):
...
nablagrade.check.errors.ParseError: \\frac needs two arguments: \\frac{...}{...} (line 1, column 1)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.lark import PostLex

from nablagrade.check.ast import Answer
from nablagrade.check.build import Builder
from nablagrade.check.errors import BuildError, LimitError, ParseError
from nablagrade.check.limits import Limits, check_text, check_tree
from nablagrade.check.messages import explain
from nablagrade.check.normalise import normalise

__all__ = ["parse_answer", "ParseError", "LimitError", "Limits"]

_OPENERS = {"LPAR", "LSQB", "LBRACE", "LSET", "LFLOOR", "LCEIL", "LVERT", "BEGIN_CASES",
            "BEGIN_MATRIX"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE", "RSET", "RFLOOR", "RCEIL", "RVERT", "END_CASES",
            "END_MATRIX"}
_CONTINUING = {"REL", "ADDOP", "MULOP"}
_OPERAND_ENDS = _CLOSERS | {"NUMBER", "DIGIT", "LETTER", "GREEK", "TEXTNAME", "INFTY", "DOTS",
                            "BBR", "ABS_CLOSE", "PRIME", "BANG", "TOP", "PRIMECMD"}


class _Postlex(PostLex):
    """Decides what a bare ``|``, ``\\quad`` and ``\\\\`` are, from the tokens around them.

    A ``|`` right after an operand closes the innermost ``|`` opened at the same bracket depth;
    any other ``|`` opens one (so ``|a| |b|`` and ``||x| - |y||`` read as meant). ``\\quad``
    after an operand outside all brackets separates statements; elsewhere it is space. A line
    break (``\\\\`` or a separating ``\\quad``) after ``=`` or an operator, or before a line that
    starts with ``+``, ``-`` or ``\\cdot``, continues the formula, as in a multi-line ``aligned``.
    """

    always_accept = ("VBAR", "QUAD", "ROWSEP")

    def process(self, stream):
        depth, previous, bars, pending = 0, None, [], None
        stream = iter(stream)
        while True:
            token, pending = pending or next(stream, None), None
            if token is None:
                return
            kind = token.type
            if kind == "VBAR":
                closes = previous in _OPERAND_ENDS and bars and bars[-1] == depth
                kind = "ABS_CLOSE" if closes else "ABS_OPEN"
                bars.pop() if closes else bars.append(depth)
                token = Token.new_borrow_pos(kind, token.value, token)
            elif kind == "QUAD":
                if depth or bars or previous not in _OPERAND_ENDS:
                    continue
                kind, token = "QUADSEP", Token.new_borrow_pos("QUADSEP", token.value, token)
            if kind in ("ROWSEP", "QUADSEP") and not depth and not bars:
                if previous in _CONTINUING:
                    continue
                pending = next((t for t in stream if t.type != "QUAD"), None)
                if pending is None or pending.type in _CONTINUING:
                    continue
            depth += (kind in _OPENERS) - (kind in _CLOSERS)
            previous = kind
            yield token


@lru_cache(maxsize=None)
def _parser() -> Lark:
    """The LALR parser, built once per process (about 0.2 s) from the packaged grammar."""
    grammar = resources.files("nablagrade.check").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", postlex=_Postlex(),
                transformer=Builder(), maybe_placeholders=True)


def parse_answer(text: str, *, limits: Limits = Limits()) -> Answer:
    """The statements of ``text``, or ParseError / LimitError saying where and why not."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text", 0, "")
    if len(text) > limits.max_length:
        raise LimitError(f"the answer is too long: {len(text)} characters "
                         f"(at most {limits.max_length})", limits.max_length, text)
    return _parse(text, limits)


@lru_cache(maxsize=4096)
def _parse(text: str, limits: Limits) -> Answer:
    clean = normalise(text)
    if not clean.strip():
        raise ParseError("the answer is empty", 0, text)
    check_text(clean, text, limits)
    try:
        answer = _parser().parse(clean)
    except UnexpectedInput as error:
        raise explain(error, clean, text) from None
    except BuildError as error:
        raise ParseError(error.message, error.pos, text) from None
    if not answer.statements:
        raise ParseError("the answer has no formula", 0, text)
    check_tree(answer, text, limits)
    return answer
