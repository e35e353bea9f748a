"""Strip what surrounds the maths, keeping every offset: blanked characters become spaces.

Owns the few things a grammar rule cannot do cleanly: math delimiters (``$``, ``$$``, ``\\(``,
``\\[``), display wrappers (``equation``, ``align``, ``aligned``, ... and their ``&`` alignment
marks, while ``&`` inside ``cases`` or a matrix is kept), comments, and trailing punctuation.
The result has the length of the input, so a position in it is a position in what the student
typed.
"""

from __future__ import annotations

import re

WRAPPERS = frozenset(
    f"{name}{star}"
    for name in ("equation", "align", "aligned", "alignat", "alignedat", "gather", "gathered",
                 "split", "multline", "eqnarray", "flalign", "displaymath", "math")
    for star in ("", "*"))

_TOKEN = re.compile(r"""
    (?P<keep>\\\\)                                        # a line break: kept
  | (?P<delim>\\[()\[\]] | \$\$? )                        # math delimiters
  | \\begin\s*\{\s*(?P<alignat>alignat\*?|alignedat)\s*\}\s*\{[^{}]*\}   # with its argument
  | \\begin\s*\{\s*(?P<begin>[A-Za-z*]+)\s*\}
  | \\end\s*\{\s*(?P<end>[A-Za-z*]+)\s*\}
  | (?P<comment>%[^\n]*)
  | (?P<escape>\\.)                                       # \%, \&, \{ ...: kept
  | (?P<amp>&)
""", re.X | re.S)

_TRAILING = re.compile(r"(?<!\\)[.,;](?=\s*$)|(?<!\\)\.(?=\s*\\\\)")


def normalise(text: str) -> str:
    """``text`` with delimiters, wrappers, alignment marks, comments, final punctuation blanked."""
    chars = list(text)
    envs: list = []
    for match in _TOKEN.finditer(text):
        if _blank_match(match, envs):
            chars[match.start():match.end()] = " " * (match.end() - match.start())
    out = "".join(chars)
    while True:
        cleaned = _TRAILING.sub(" ", out)
        if cleaned == out:
            return out
        out = cleaned


def _blank_match(match, envs: list) -> bool:
    kind = match.lastgroup
    if kind in ("delim", "comment"):
        return True
    if kind in ("begin", "alignat"):
        envs.append(match.group(kind))
        return match.group(kind) in WRAPPERS
    if kind == "end":
        name = match.group("end")
        if envs and envs[-1] == name:
            envs.pop()
        return name in WRAPPERS
    if kind == "amp":
        return not envs or envs[-1] in WRAPPERS
    return False
