r"""How grading outputs show what came from students, in LaTeX and in Markdown.

Owns the one rule of every output: student text is never pasted as markup. An answer is
re-printed from its parsed AST (`to_latex(parse_answer(...))`), which can only produce the
constructs the grammar knows; what does not parse is shown as escaped text. Diagnosis
messages are untrusted too (a parse error quotes the answer), so their ``$...$`` pieces are
re-printed from the AST the same way and the rest is escaped. Only our own texts (the
expected answer, an assignment's title) are placed as they are.

>>> answer_latex(r"\input{/etc/passwd}")
'\\texttt{\\textbackslash{}input\\{/etc/passwd\\}}'
>>> reprinted("a+b^T")
'a + b^{\\top}'
"""

from __future__ import annotations

from functools import lru_cache

import hashlib
import re

from nablagrade.check.latex import to_latex
from nablagrade.check.parse import parse_answer
from nablagrade.errors import NablagradeError
from nablagrade.render.env import escape, text_with_math

MAX_SHOWN = 400  # characters of an unreadable answer worth showing back
_MATH = re.compile(r"(\$[^$\n]+\$)")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~&#!])")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@lru_cache(maxsize=8192)
def reprinted(text: str) -> str | None:
    """``text`` parsed and printed back as LaTeX, or None when it does not parse (cached: a
    class writes the same answers many times)."""
    if not text or not text.strip():
        return None
    try:
        return to_latex(parse_answer(text))
    except Exception:  # display is best effort: whatever fails here is shown as text instead
        return None


def fingerprint_text(understood: str, answer: str) -> str:
    """The form under which two answers count as written alike (no value at hand)."""
    printed = reprinted(understood) or reprinted(answer)
    if printed is not None:
        return "latex:" + " ".join(printed.split())
    return "text:" + " ".join((understood or answer).split())


def safe_name(student: str) -> str:
    """A file name for ``student``: no path separators, no leading dot, no clashes.

    An id that had to be changed gets a hash of the original, so ``a/b`` and ``a_b`` stay
    apart (``a_b`` is safe as it is; ``a/b`` becomes ``a_b-<hash>``).
    """
    name = _SAFE_NAME.sub("_", str(student))[:80]
    name = re.sub(r"^\.", "_", name) or "_"
    if name == student:
        return name
    return f"{name}-{hashlib.sha256(str(student).encode()).hexdigest()[:8]}"


# ----- LaTeX ---------------------------------------------------------------------------------

def answer_latex(text: str, *, prose: bool = False) -> str:
    """A student's answer as LaTeX: maths from its AST; prose or unreadable text escaped."""
    if prose:
        return prose_latex(text)
    printed = reprinted(text)
    if printed is not None:
        return rf"\adjustbox{{max width=\linewidth}}{{$\displaystyle {printed}$}}"
    return r"\texttt{" + escape(_clip(text)) + "}"


def prose_latex(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", str(text))]
    return r"\par ".join(escape(p) for p in paragraphs if p)


def message_latex(message: str) -> str:
    """A diagnosis message: the first line as text with maths, the rest (a parse error's
    quoted line and caret) as monospaced lines, spaces kept."""
    first, *rest = str(message).split("\n")
    head = _pieces(first, _math_latex, escape)
    if not rest:
        return head
    lines = ["~".join(escape(word) for word in line.split(" ")) for line in rest]
    # \mbox{}: a line break needs a line to end, even after an empty first line
    return (head or r"\mbox{}") + "".join(r"\\\texttt{" + line + "}" for line in lines)


def expected_latex(expected: str, *, prose: bool = False) -> str:
    """Our own expected answer: maths placed as it is, a reference text with its maths."""
    if prose:
        return text_with_math(expected)
    return rf"\adjustbox{{max width=\linewidth}}{{$\displaystyle {expected}$}}"


def _math_latex(printed: str) -> str:
    return f"${printed}$"


# ----- Markdown ------------------------------------------------------------------------------

def md_text(text: str) -> str:
    """Text for Markdown: one line, every character that could start markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text)))


def md_code(text: str) -> str:
    """An inline code span holding ``text`` whatever backticks it contains."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def md_block(text: str) -> str:
    """A fenced code block holding ``text`` (lines kept)."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def answer_md(text: str, *, prose: bool = False) -> str:
    if prose:
        return "\n".join("> " + md_text(p) for p in re.split(r"\n\s*\n", str(text)) if p.strip())
    printed = reprinted(text)
    return f"${printed}$" if printed is not None else md_code(_clip(text))


def message_md(message: str) -> str:
    first, *rest = str(message).split("\n")
    head = _pieces(first, _math_latex, md_text)
    return head if not rest else head + "\n\n" + md_block("\n".join(rest))


def expected_md(expected: str, *, prose: bool = False) -> str:
    if prose:
        return _pieces(expected, _math_latex, md_text, trusted=True)
    return f"${' '.join(expected.split())}$"


# ----- shared --------------------------------------------------------------------------------

def _pieces(text: str, math, plain, *, trusted: bool = False) -> str:
    """``text`` with its ``$...$`` pieces as maths (re-printed from the AST unless ``trusted``)
    and everything else through ``plain``."""
    out = []
    for piece in _MATH.split(str(text)):
        if _MATH.fullmatch(piece):
            printed = piece[1:-1] if trusted else reprinted(piece[1:-1])
            if printed is not None:
                out.append(math(printed))
                continue
        out.append(plain(piece) if piece else "")
    return "".join(out)


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " [...]"


def number(value) -> str:
    """Points as people write them: ``1``, ``0.5``, ``37.25``."""
    if value is None or value == "":
        return ""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def prose_questions(assignment) -> frozenset[str]:
    """The ids of the questions answered in words (text parts): shown as prose, not maths."""
    from nablagrade.problems import get_problem

    ids = set()
    for q in assignment.questions:
        try:
            if get_problem(q.problem).part(q.part).kind == "text":
                ids.add(q.id)
        except NablagradeError:  # an unknown problem is the grader's to report, not ours
            continue
    return frozenset(ids)


def csv_text(value) -> str:
    """A text cell for a CSV file that people open in spreadsheets: a cell that would start a
    formula (``=``, ``+``, ``-``, ``@``) gets a leading ``'``; numbers are left alone.

    Student ids come from the students' own files (``\\studentid{...}``), so this matters.
    """
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
