"""Checking students' answers. Stage 1: read LaTeX into a typed AST (``parse_answer``) and write
it back (``to_latex``); later stages resolve symbols, evaluate and compare."""

from nablagrade.check.errors import LimitError, ParseError
from nablagrade.check.latex import to_latex
from nablagrade.check.limits import Limits
from nablagrade.check.parse import parse_answer

__all__ = ["parse_answer", "to_latex", "ParseError", "LimitError", "Limits"]
