r"""Answers in a LaTeX document: ``\begin{answer}{ID} ... \end{answer}`` and ``\studentid{...}``.

A tolerant walk of the whole document lets one unclosed brace swallow everything after it
(notes/parsing.md: 3 of 65 answers found). So the document is first scanned token by token
(tolerant; comments, ``\verb`` and verbatim environments skipped) for every answer start and
end, and each answer is then parsed on its own, strictly, up to its own ``\end{answer}``: a
broken answer is named by id and line, and the others are still read.

The answer text is the environment's body as written, comments removed the way TeX removes them
(the ``%``, the rest of the line and the next line's indentation), outer whitespace trimmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pylatexenc import latexwalker as lw
from pylatexenc.macrospec import EnvironmentSpec, MacroSpec

from nablagrade.grade.answers_record import Found, Lines
from nablagrade.grade.model import FileProblem

VERBATIM = {"verbatim", "verbatim*", "Verbatim", "Verbatim*", "lstlisting", "minted", "comment"}
DEFINERS = {"newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", "def",
            "gdef", "edef", "xdef", "let", "NewDocumentCommand", "RenewDocumentCommand"}
# Primitives that read or write files or run programs when a document is compiled: worth a
# warning to whoever might compile a student's file by hand (nablagrade never compiles it).
RISKY = {"input": "reads a file", "include": "reads a file", "openin": "reads a file",
         "read": "reads a file", "openout": "writes a file",
         "write": "writes a file or runs commands (\\write18)",
         "ShellEscape": "runs commands", "directlua": "runs Lua code"}
MAX_BRACED = 200  # a question id or a student id: longer ones are reported as unusable
# The strict parse costs about 7 microseconds a character (a 90 KB answer: 0.7 s); bodies
# larger than this are far beyond the checker's 4096-character limit and are not parsed.
MAX_PARSED = 64 * 1024
NEXT = re.compile(r"[\\%]")  # every token the scan needs starts with one of these


def _context():
    db = lw.get_default_latex_context_db()
    db.add_context_category("nablagrade-answers", prepend=True,
                            macros=[MacroSpec("studentid", "{")],
                            environments=[EnvironmentSpec("answer", "{")])
    return db


CONTEXT = _context()


@dataclass(frozen=True)
class Mark:
    """What the scan found: an answer's begin or end, a ``\\studentid``, a risky primitive."""

    kind: str  # "begin" | "end" | "studentid" | "risky"
    pos: int
    end: int
    name: str = ""
    written: str = ""  # how a risky primitive is written: \input, \begin{input}


def read_tex(text: str, file: str, stem: str) -> tuple[list[Found], list[FileProblem]]:
    lines = Lines(text)
    marks, comments, scanned = scan(text)
    trouble = [(lines.line(pos), message) for pos, message in scanned]
    student, student_line, id_trouble = _student(text, marks, stem, lines)
    trouble += id_trouble
    answers, places = {}, {}
    for qid, body, line in _answers(text, marks, comments, lines, trouble):
        if qid in answers:
            trouble.append((line, f"answer {qid} again (first at {places[qid]}); "
                                  "the first one is kept"))
        elif body:  # an empty answer environment is no answer
            answers[qid], places[qid] = body, f"line {line}"
        else:
            places.setdefault(qid, f"line {line}")
    for mark in marks:
        if mark.kind == "risky":
            trouble.append((lines.line(mark.pos),
                            f"{mark.written} {RISKY[mark.name]} when the file is compiled: do not "
                            "compile this file outside a sandbox (nablagrade only reads it)"))
    trouble.sort(key=lambda t: t[0])
    problems = [FileProblem(file, f"line {line}", message, student) for line, message in trouble]
    place = f"line {student_line}" if student_line else ""
    return [Found(student, "", answers, places, place)], problems


def scan(text: str) -> tuple[list[Mark], list[tuple[int, int]], list[tuple[int, str]]]:
    """Marks, comment spans and (offset, message) troubles of a whole document."""
    walker = lw.LatexWalker(text, latex_context=CONTEXT, tolerant_parsing=True)
    marks, comments, trouble = [], [], []
    pos, prev = 0, None
    while (hit := NEXT.search(text, pos)) is not None:
        try:
            tok = walker.get_token(hit.start(), environments=True)
        except lw.LatexWalkerEndOfStream:
            break
        except lw.LatexWalkerError:
            pos = hit.start() + 1
            continue
        end = tok.pos + tok.len
        if tok.tok == "comment":
            comments.append((tok.pos, end))
        elif tok.tok == "macro" and tok.arg == "verb":
            end = _verb_end(text, end)
        elif tok.tok == "begin_environment" and tok.arg in RISKY:  # \begin{input}{...}
            marks.append(Mark("risky", tok.pos, end, tok.arg, f"\\begin{{{tok.arg}}}"))
        elif tok.tok == "begin_environment" and tok.arg in VERBATIM:
            end = _verbatim_end(text, tok.arg, end)
            if end is None:
                trouble.append((tok.pos, f"\\begin{{{tok.arg}}} is not closed: nothing after "
                                         "it is read"))
                break
        elif tok.tok in ("begin_environment", "end_environment") and tok.arg == "answer":
            marks.append(Mark("begin" if tok.tok == "begin_environment" else "end", tok.pos, end))
        elif tok.tok == "macro" and tok.arg == "studentid" and not _defined(text, prev, tok):
            marks.append(Mark("studentid", tok.pos, end))
        elif tok.tok == "macro" and tok.arg in RISKY:
            marks.append(Mark("risky", tok.pos, end, tok.arg, f"\\{tok.arg}"))
        prev = tok if tok.tok == "macro" else prev
        pos = max(end, hit.start() + 1)
    return marks, comments, trouble


def _verb_end(text: str, pos: int) -> int:
    """The end of ``\\verb|...|`` whose delimiter is at ``pos`` (after an optional ``*``)."""
    if text.startswith("*", pos):
        pos += 1
    if pos >= len(text):
        return pos
    close = text.find(text[pos], pos + 1)
    newline = text.find("\n", pos + 1)
    if close == -1 or -1 < newline < close:  # TeX: "\verb ended by end of line"
        return pos + 1
    return close + 1


def _verbatim_end(text: str, name: str, pos: int) -> int | None:
    found = re.compile(r"\\end\s*\{" + re.escape(name) + r"\}").search(text, pos)
    return found.end() if found else None


def _defined(text: str, prev, tok) -> bool:
    """Whether this ``\\studentid`` is the name in a definition (``\\newcommand{\\studentid}``)."""
    return (prev is not None and prev.arg in DEFINERS
            and not text[prev.pos + prev.len:tok.pos].strip(" \t\n*{"))


def _braced(text: str, pos: int) -> tuple[str | None, int]:
    """The short one-line ``{...}`` argument at ``pos`` (blanks skipped) and where it ends."""
    head = text[pos:pos + MAX_BRACED]
    start = pos + len(head) - len(head.lstrip())
    if not text.startswith("{", start):
        return None, pos
    close = text.find("}", start + 1, start + 2 + MAX_BRACED)
    inner = text[start + 1:close]
    if close == -1 or any(ch in inner for ch in "{\\\n%"):
        return None, pos
    return inner.strip(), close + 1


def _student(text: str, marks: list[Mark], stem: str, lines: Lines):
    """(student id, its line or 0 for the file name, troubles)."""
    student, line, trouble = None, 0, []
    for mark in (m for m in marks if m.kind == "studentid"):
        value, _ = _braced(text, mark.end)
        here = lines.line(mark.pos)
        if value is None:
            trouble.append((here, "\\studentid without a one-line id in braces: write "
                                  "\\studentid{ab1234}; the file is read under "
                                  + (f"\\studentid{{{student}}}" if student else "its name")))
        elif value and student is None:
            student, line = value, here
        elif value and value != student:
            trouble.append((here, f"\\studentid{{{value}}} differs from \\studentid{{{student}}} "
                                  f"at line {line}; the first is used"))
    return (stem, 0, trouble) if student is None else (student, line, trouble)


def _answers(text, marks, comments, lines, trouble):
    """(question id, body, line) for every readable answer; troubles appended."""
    begins = [m for m in marks if m.kind == "begin"]
    ends = [m for m in marks if m.kind == "end"]
    used = set()
    for i, begin in enumerate(begins):
        limit = begins[i + 1].pos if i + 1 < len(begins) else len(text)
        end = next((e for e in ends if begin.end <= e.pos < limit), None)
        used.add(end)
        line = lines.line(begin.pos)
        qid, after = _braced(text, begin.end)
        if not qid:
            trouble.append((line, "\\begin{answer} without its question id in braces "
                                  "(\\begin{answer}{1.1a}); the answer is not read"))
        elif end is None:
            before = "the next answer" if i + 1 < len(begins) else "the end of the file"
            trouble.append((line, f"answer {qid}: \\begin{{answer}}{{{qid}}} is not closed: no "
                                  f"\\end{{answer}} before {before}; the answer is not read"))
        else:
            broken = _latex_trouble(text, begin, end, lines)
            if broken:
                trouble.append((broken[0], f"answer {qid}: {broken[1]}; the answer is kept as "
                                           "written"))
            yield qid, _without(text, after, end.pos, comments).strip(), line
    for end in ends:
        if end not in used:
            trouble.append((lines.line(end.pos), "\\end{answer} without its \\begin{answer}"))


def _without(text: str, start: int, stop: int, comments) -> str:
    """``text[start:stop]`` without the comments in it."""
    out, pos = [], start
    for c_start, c_end in comments:
        if c_end <= start or c_start >= stop:
            continue
        out.append(text[pos:max(c_start, pos)])
        pos = min(c_end, stop)
    out.append(text[pos:stop])
    return "".join(out)


def _latex_trouble(text: str, begin: Mark, end: Mark, lines: Lines) -> tuple[int, str] | None:
    """(line, message) of the first LaTeX error in one answer environment, or None."""
    if end.end - begin.pos > MAX_PARSED:
        return None
    fragment = text[begin.pos:end.end]
    if _balanced(fragment):  # the common case: no error to locate, skip the slow parse
        return None
    walker = lw.LatexWalker(fragment, latex_context=CONTEXT, tolerant_parsing=False)
    try:
        walker.get_latex_nodes(pos=0, read_max_nodes=1)
    except lw.LatexWalkerParseError as err:
        inner = [c for c in err.open_contexts if c[1] != 0]  # 0: the answer environment
        if inner:  # innermost first; a missing } makes a later $ or \] look unclosed too
            what, pos = next((c for c in inner if c[0] == "open brace"
                              or c[0].startswith("arguments of")), inner[0])[:2]
            return lines.line(begin.pos + pos), f"{_plain(what)} is not closed"
        where = lines.line(begin.pos + (err.pos or 0))
        return where, "a } without its {" if "closing brace" in err.msg else err.msg
    except lw.LatexWalkerError as err:
        return lines.line(begin.pos), str(err)
    return None


_ESCAPED = re.compile(r"\\[\\{}$%]")


def _balanced(fragment: str) -> bool:
    """Braces, inline maths and environments all closed: nothing for the strict parse to find
    (a construct it would still refuse is reported later by the checker's own parser)."""
    plain = _ESCAPED.sub("", fragment)
    depth = 0
    for ch in plain:
        depth += ch == "{"
        depth -= ch == "}"
        if depth < 0:
            return False
    return (depth == 0 and plain.count("$") % 2 == 0
            and plain.count("\\[") == plain.count("\\]")
            and plain.count("\\(") == plain.count("\\)")
            and plain.count("\\begin") == plain.count("\\end"))


def _plain(what: str) -> str:
    r"""pylatexenc's name of an open block in LaTeX terms: ``arguments of macro "frac"`` ->
    ``a { in the arguments of \frac``."""
    if what == "open brace":
        return "a {"
    macro = re.fullmatch(r'arguments of macro "(.+)"', what)
    if macro:
        return f"a {{ in the arguments of \\{macro.group(1)}"
    env = re.fullmatch(r'begin environment "(.+)"', what)
    if env:
        return f"\\begin{{{env.group(1)}}}"
    math = re.fullmatch(r'math mode "(.+)"', what)
    if math:
        return f"the math mode opened by {math.group(1)}"
    return what
