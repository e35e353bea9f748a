"""Errors of reading an answer, worded for the student, with the place they occur.

A :class:`ParseError` is immutable like a frozen dataclass: its fields are its ``args``
(message, position, text), so it also pickles (answers are graded in worker processes). It
knows the line and column of the position and draws the line with a caret under the column.
"""

from __future__ import annotations

from nablagrade.errors import NablagradeError


class ParseError(NablagradeError):
    """The answer cannot be read: ``message`` says why, ``position`` where (0-based offset)."""

    exit_code = 3

    def __init__(self, message: str, position: int = 0, text: str = ""):
        super().__init__(message, max(0, min(position, len(text)) if text else position), text)

    message = property(lambda self: self.args[0], doc="why, in words for the student")
    position = property(lambda self: self.args[1], doc="offset in the original answer")
    text = property(lambda self: self.args[2], doc="the original answer")

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.position) + 1

    @property
    def column(self) -> int:
        return self.position - (self.text.rfind("\n", 0, self.position) + 1) + 1

    def __str__(self) -> str:
        if not self.text:
            return self.message
        return f"{self.message} (line {self.line}, column {self.column})"

    def caret(self) -> str:
        """The offending line, and a ``^`` under the column."""
        line = self.text.split("\n")[self.line - 1]
        return f"{line}\n{' ' * (self.column - 1)}^"


class LimitError(ParseError):
    """The answer is too large or too deeply nested to be read safely."""


class BuildError(Exception):
    """Internal: a construct that parses but means nothing; parse.py turns it into ParseError."""

    def __init__(self, message: str, pos: int):
        super().__init__(message, pos)
        self.message, self.pos = message, pos
