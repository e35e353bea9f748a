"""Turn lark's parse failures into sentences a student understands, placed at the culprit.

Owns the readable names of the grammar's terminals and the few patterns worth a specific
message (an unknown command, ``\\frac`` with one argument, a formula that stops after an
operator). Everything else gets "unexpected X".
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from nablagrade.check.errors import ParseError

_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_TEXTLIKE = re.compile(r"\\(?:text|textrm|mathrm|operatorname\*?|mathit|mathsf|mbox)\s*\{[^{}]*\}")
_ENV = re.compile(r"\\(?:begin|end)\s*\{([^{}]*)\}")
_LAST_TOKEN = re.compile(r"(\\[A-Za-z]+|\\.|[^\s\\])\s*$")
_TWO_ARGS = re.compile(r"\\([dtc]?frac|[dt]?binom)\s*(?:\{[^{}]*\}|\S)\s*$")
_BIG_OP = re.compile(r"\\(sum|prod)(?:\s*[_^]\s*(?:\{[^{}]*\}|\S))*\s*$")
_BLACKBOARD = re.compile(r"\\mathbb\s*\{?\s*([A-Za-z])")

# terminals that can start an expression: their presence in "expected" means one was missing
_STARTS = {"NUMBER", "LETTER", "GREEK", "LPAR", "LBRACE", "FRAC", "SUM", "FUNC", "DIGIT"}
_NAMES = {
    "$END": "the end of the answer", "RPAR": "')'", "RBRACE": "'}'", "RSQB": "']'",
    "RSET": "'\\}'", "RFLOOR": "'\\rfloor'", "RCEIL": "'\\rceil'", "ABS_CLOSE": "'|'",
    "RVERT": "'\\right|'", "END_CASES": "'\\end{cases}'", "END_MATRIX": "the end of the matrix",
    "AMP": "'&'", "ROWSEP": "'\\\\'", "COMMA": "','", "REL": "'=' or a comparison",
    "LBRACE": "'{'",
}


def explain(error: UnexpectedInput, text: str, original: str) -> ParseError:
    """A ParseError for lark's ``error`` on the normalised ``text`` of ``original``."""
    if isinstance(error, UnexpectedCharacters):
        return ParseError(_characters(text, error.pos_in_stream), error.pos_in_stream, original)
    if isinstance(error, UnexpectedToken):
        message, pos = _token(error, text)
        return ParseError(message, pos, original)
    return ParseError("this answer cannot be read", getattr(error, "pos_in_stream", 0) or 0,
                      original)


def _characters(text: str, pos: int) -> str:
    textlike = _TEXTLIKE.match(text, pos)
    if textlike:
        return (f"cannot read '{textlike.group()}' here: text in a formula must be one word, "
                "a known function, or 'if' / 'otherwise' inside cases")
    blackboard = _BLACKBOARD.match(text, pos)
    if blackboard:
        return (f"'\\mathbb{{{blackboard.group(1)}}}' is not known: shapes are written "
                "\\mathbb{R}^{m \\times n}")
    env = _ENV.match(text, pos)
    if env:
        return f"the environment '{env.group(1)}' is not supported here"
    command = _COMMAND.match(text, pos)
    if command:
        return f"unknown command '{command.group()}'"
    return f"unexpected character '{text[pos]}'"


def _token(error: UnexpectedToken, text: str):
    token, expected = error.token, set(error.expected)
    if token.type == "$END":
        return _early_end(text, expected)
    pos, shown, last = token.start_pos, _shown(token), _last(text, token.start_pos)
    if token.type == "RBRACE" and last == "{":
        return "nothing inside the braces '{}'", pos - 1
    if expected & _STARTS and "MULOP" not in expected:     # right after an operator
        return f"expected an expression after '{last}', found {shown}", pos
    return f"unexpected {shown}", pos


def _early_end(text: str, expected):
    end = len(text.rstrip())
    last, head = _last(text, end), text[:end]
    for pattern, message in ((_TWO_ARGS, "\\{0} needs two arguments: \\{0}{{...}}{{...}}"),
                             (_BIG_OP, "\\{0} needs a body after its bounds: "
                                       "\\{0}_{{i=1}}^{{n}} x_i")):
        match = pattern.search(head)
        if match:
            return message.format(match.group(1)), match.start()
    if expected & _STARTS:
        return f"expected an expression after '{last}'", max(0, end - len(last))
    return f"the answer ends too early: expected {_describe(expected)}", max(0, end - 1)


def _last(text: str, end: int) -> str:
    match = _LAST_TOKEN.search(text[:end])
    return match.group(1) if match else ""


def _shown(token) -> str:
    if token.type == "QUADSEP":
        return "'\\quad'"
    if token.type == "ROWSEP":
        return "a line break '\\\\'"
    if token.type in ("COMMA", "SEMI", "TEXT_WHERE", "TEXT_AND"):
        return f"'{token.value.strip()}' (it separates statements here)"
    return f"'{token.value.strip()}'"


def _describe(expected) -> str:
    names = sorted({_NAMES[t] for t in expected if t in _NAMES})
    return " or ".join(names[:4]) if names else "more"
