"""The jinja2 environment for LaTeX templates, and escaping text into LaTeX.

Delimiters that LaTeX never uses (``\\VAR{}``, ``\\BLOCK{}``, ``\\#{}``), ``StrictUndefined`` so a
missing value is an error rather than an empty string, templates shipped as package data.
Maths is made in Python; templates only lay out. Text from outside (titles, notes, student
text) goes through `escape`, a total table: nothing in it can act as a LaTeX command.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from pylatexenc.latexencode import unicode_to_latex

SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
           "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}"}


def escape(text: str) -> str:
    """Plain text into LaTeX: every special character and every non-ASCII one made safe."""
    out = "".join(SPECIAL.get(ch, ch) for ch in str(text))
    return unicode_to_latex(out, non_ascii_only=True, unknown_char_warning=False)


def text_with_math(text: str) -> str:
    """Our own text (statements, notes): prose escaped, ``$...$`` kept as maths."""
    parts = re.split(r"(\$[^$]*\$)", str(text))
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1 else escape(p)
                   for p in parts)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nablagrade", "templates"),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix="%%", line_comment_prefix="%#",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["e"] = escape
    env.filters["tm"] = text_with_math
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
