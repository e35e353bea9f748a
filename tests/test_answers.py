r"""Reading answer files: .tex (answer environments, \studentid), .json, .csv and directories.

Every problem is a FileProblem naming file and place (checked like pytest's match=, on
``str(problem)``); one bad answer or file never stops the others. The pylatexenc traps of
notes/parsing.md are pinned: comments, \verb and verbatim, an unclosed brace that would swallow
the rest of the document, an unclosed environment. The last tests read examples/class.
"""

import os
import re
from pathlib import Path

import pytest

from nablagrade.assignments import load
from nablagrade.grade.answers import MAX_FILE_BYTES, read_answers
from nablagrade.grade.model import Read, Submission

IDS = [q.id for q in load("cnn-rnn-theory").questions]
CLASS = Path(__file__).resolve().parent.parent / "examples" / "class"


def write(folder: Path, name: str, content) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read(folder: Path, name: str, content, ids=IDS) -> Read:
    return read_answers([write(folder, name, content)], ids)


def answers(result: Read) -> dict:
    return {s.student: dict(s.answers) for s in result.submissions}


def problems(result: Read) -> list[str]:
    return [str(p) for p in result.problems]


def assert_problem(result: Read, pattern: str):
    """Exactly one problem matches ``pattern`` (a regex searched in "file: place: message")."""
    hits = [p for p in problems(result) if re.search(pattern, p)]
    assert len(hits) == 1, f"{pattern!r} not found once in {problems(result)}"


def short(value):
    """A readable test id for long table cells (a 2 MB file, a 140 KB cell)."""
    if isinstance(value, (str, bytes)) and len(value) > 60:
        return repr(value[:40]) + f"...({len(value)})"
    return None


def doc(*body: str, preamble: str = "") -> str:
    return ("\\documentclass{article}\n" + preamble + "\\begin{document}\n" + "\n".join(body)
            + "\n\\end{document}\n")


def env(qid: str, body: str) -> str:
    return f"\\begin{{answer}}{{{qid}}}\n{body}\n\\end{{answer}}"


# ---- .tex -----------------------------------------------------------------------------------

TEX_READS = [  # (body lines, expected answers)
    ([env("1.1a", r"$2 \times 5$")], {"1.1a": r"$2 \times 5$"}),
    ([env(" 1.1a ", "(2, 5)")], {"1.1a": "(2, 5)"}),
    ([env("1.1a", "2 \\times 5 % rows by columns\n  + 0")], {"1.1a": r"2 \times 5 + 0"}),
    ([env("1.1a", "2 \\times% tight\n   5")], {"1.1a": r"2 \times5"}),
    ([env("1.1a", r"25\% of $x$")], {"1.1a": r"25\% of $x$"}),
    ([env("1.3-spikes", r"clip: \verb|clip_grad_norm_(p, 1) % 100%| ok")],
     {"1.3-spikes": r"clip: \verb|clip_grad_norm_(p, 1) % 100%| ok"}),
    ([env("1.1a", ""), env("1.1b", "   "), env("1.2.1b", "% only a comment")], {}),
    (["% " + env("1.1a", "5 x 2").replace("\n", " "), env("1.1b", "F")], {"1.1b": "F"}),
    (["\\verb|\\begin{answer}{1.1a} 5 \\end{answer}|", env("1.1b", "F")], {"1.1b": "F"}),
    (["\\begin{verbatim}", env("1.1a", "5"), "\\end{verbatim}", env("1.1b", "F")],
     {"1.1b": "F"}),
    (["\\begin{comment}", env("1.1a", "5"), "\\end{comment}"], {}),
    ([env("1.2.2e", "\\[\n  a_1[t] V_1 \\\\\n  + 0\n\\]")],
     {"1.2.2e": "\\[\n  a_1[t] V_1 \\\\\n  + 0\n\\]"}),
    ([env("1.1c-iii", "\\begin{cases} W & \\text{if } i \\le 3 \\\\ 0 & \\text{otherwise}"
                      "\\end{cases}")],
     {"1.1c-iii": r"\begin{cases} W & \text{if } i \le 3 \\ 0 & \text{otherwise}\end{cases}"}),
]


@pytest.mark.parametrize("body, expected", TEX_READS)
def test_tex_answers_are_the_bodies_as_written_without_comments(tmp_path, body, expected):
    result = read(tmp_path, "ab1234.tex", doc(*body))
    assert answers(result) == {"ab1234": expected}
    assert problems(result) == []


TEMPLATE_PREAMBLE = ("\\newcommand{\\studentid}[1]{\\def\\thestudentid{#1}}\n"
                     "\\newenvironment{answer}[1]{}{}\n")


@pytest.mark.parametrize("preamble, body, student", [
    ("", [], "ab1234"),  # the file's stem
    (TEMPLATE_PREAMBLE + "\\studentid{}\n", [], "ab1234"),  # the template's empty default
    (TEMPLATE_PREAMBLE + "\\studentid{cd2345}\n", [], "cd2345"),
    (TEMPLATE_PREAMBLE, ["\\studentid{ cd2345 }"], "cd2345"),
    (TEMPLATE_PREAMBLE, ["% \\studentid{cd2345}"], "ab1234"),
    ("\\newcommand*{\\studentid}[1]{}\n\\providecommand\\studentid[1]{}\n", [], "ab1234"),
])
def test_tex_student_id_from_studentid_else_the_file_name(tmp_path, preamble, body, student):
    result = read(tmp_path, "ab1234.tex", doc(*body, env("1.1a", "1"), preamble=preamble))
    assert [s.student for s in result.submissions] == [student]
    assert problems(result) == []


TEX_PROBLEMS = [  # (body lines, pattern of the one problem, expected answers)
    ([env("1.1a", r"\frac{a}{b"), env("1.1b", "F")],
     r"ab1234\.tex: line 4: answer 1\.1a: a \{ in the arguments of \\frac is not closed; "
     r"the answer is kept as written", {"1.1a": r"\frac{a}{b", "1.1b": "F"}),
    ([env("1.1a", "x^{2 +\n 1"), env("1.1b", "F")],
     r"line 4: answer 1\.1a: a \{ is not closed", {"1.1a": "x^{2 +\n 1", "1.1b": "F"}),
    ([env("1.1a", "$x + 1"), env("1.1b", "F")],
     r"line 4: answer 1\.1a: the math mode opened by \$ is not closed",
     {"1.1a": "$x + 1", "1.1b": "F"}),
    ([env("1.1a", "a}"), env("1.1b", "F")],
     r"line 4: answer 1\.1a: a \} without its \{; the answer is kept",
     {"1.1a": "a}", "1.1b": "F"}),
    ([env("1.1a", "\\begin{cases} a"), env("1.1b", "F")],
     r"line 4: answer 1\.1a: \\begin\{cases\} is not closed",
     {"1.1a": "\\begin{cases} a", "1.1b": "F"}),
    (["\\begin{answer}{1.1a}\n5", env("1.1b", "F")],
     r"ab1234\.tex: line 3: answer 1\.1a: \\begin\{answer\}\{1\.1a\} is not closed: no "
     r"\\end\{answer\} before the next answer; the answer is not read", {"1.1b": "F"}),
    ([env("1.1b", "F"), "\\begin{answer}{1.1a}\n5"],
     r"line 6: answer 1\.1a: .* before the end of the file; the answer is not read",
     {"1.1b": "F"}),
    (["\\begin{answer}\n5\n\\end{answer}", env("1.1b", "F")],
     r"line 3: \\begin\{answer\} without its question id in braces", {"1.1b": "F"}),
    (["\\begin{answer}[1.1a]\n5\n\\end{answer}"], r"line 3: \\begin\{answer\} without", {}),
    ([env("1.1a", "5"), env("1.1a", "6")],
     r"line 6: answer 1\.1a again \(first at line 3\); the first one is kept", {"1.1a": "5"}),
    ([env("1.1a", "5"), "\\end{answer}"], r"line 6: \\end\{answer\} without its \\begin",
     {"1.1a": "5"}),
    ([env("1.1a", "5"), env("1.9", "7")],
     r"line 6: unknown question id '1\.9'; this answer is not read", {"1.1a": "5"}),
    ([env("1.1A", "5")], r"unknown question id '1\.1A' \(did you mean 1\.1a\?\)", {}),
    ([env("1.1c-iv-explanation", "5")], r"\(did you mean 1\.1c-iv-explain\?\)", {}),
    ([env("1.1a", "5"), "\\begin{verbatim}", env("1.1b", "F")],
     r"line 6: \\begin\{verbatim\} is not closed: nothing after it is read", {"1.1a": "5"}),
    ([env("1.1a", r"\input{/etc/passwd}")],
     r"line 4: \\input reads a file when the file is compiled: do not compile this file "
     r"outside a sandbox", {"1.1a": r"\input{/etc/passwd}"}),
    ([env("1.1a", r"\immediate\write18{rm -rf ~}")], r"line 4: \\write writes a file or runs",
     {"1.1a": r"\immediate\write18{rm -rf ~}"}),
    ([env("1.1a", r"\begin{input}{/etc/passwd}\end{input}")],
     r"line 4: \\begin\{input\} reads a file", {"1.1a": r"\begin{input}{/etc/passwd}\end{input}"}),
]


@pytest.mark.parametrize("body, pattern, expected", TEX_PROBLEMS, ids=short)
def test_tex_problems_are_named_by_line_and_the_other_answers_kept(tmp_path, body, pattern,
                                                                    expected):
    result = read(tmp_path, "ab1234.tex", doc(*body))
    assert_problem(result, pattern)
    assert len(result.problems) == 1, problems(result)
    assert answers(result) == {"ab1234": expected}


def test_an_unclosed_brace_does_not_swallow_the_answers_after_it(tmp_path):
    # notes/parsing.md: a tolerant walk of the whole document found 3 of 65 answers
    body = [env(f"q{i}", r"\frac{a}{b" if i in (3, 40) else f"x_{{{i}}}") for i in range(65)]
    result = read(tmp_path, "ab1234.tex", doc(*body), ids=None)
    got = answers(result)["ab1234"]
    assert len(got) == 65 and got["q64"] == "x_{64}" and got["q3"] == r"\frac{a}{b"
    assert [p.place for p in result.problems] == ["line 13", "line 124"]
    assert all("is not closed" in p.message for p in result.problems)


def test_a_missing_end_is_reported_and_the_rest_still_read(tmp_path):
    body = [env(f"q{i}", str(i)) for i in range(10)]
    body[4] = body[4].replace("\\end{answer}", "")
    result = read(tmp_path, "ab1234.tex", doc(*body), ids=None)
    assert set(answers(result)["ab1234"]) == {f"q{i}" for i in range(10)} - {"q4"}
    assert_problem(result, r"line 15: answer q4: \\begin\{answer\}\{q4\} is not closed")


@pytest.mark.parametrize("setting, pattern", [
    ("\\studentid{Jane Doe}", r"line 3: student id 'Jane Doe' is not usable \(1 to 64 letters"),
    ("\\studentid{../../etc/x}", r"line 3: student id '\.\./\.\./etc/x' is not usable"),
    ("\\studentid{" + "a" * 65 + "}", r"line 3: student id 'a{65}' is not usable"),
])
def test_tex_unusable_studentid_is_reported_and_the_file_not_read(tmp_path, setting, pattern):
    result = read(tmp_path, "ab1234.tex", doc(setting, env("1.1a", "5")))
    assert result.submissions == ()
    assert_problem(result, r"ab1234\.tex: " + pattern)


def test_tex_studentid_without_braces_falls_back_to_the_file_name(tmp_path):
    result = read(tmp_path, "ab1234.tex", doc("\\studentid cd2345", env("1.1a", "5")))
    assert answers(result) == {"ab1234": {"1.1a": "5"}}
    assert_problem(result, r"ab1234\.tex: line 3: \\studentid without a one-line id in braces: "
                           r"write \\studentid\{ab1234\}; the file is read under its name")


def test_tex_conflicting_studentids_keep_the_first(tmp_path):
    result = read(tmp_path, "x.tex", doc("\\studentid{ab1234}", "\\studentid{cd2345}",
                                         "\\studentid{ab1234}"))
    assert [s.student for s in result.submissions] == ["ab1234"]
    assert_problem(result, r"x\.tex: line 4: \\studentid\{cd2345\} differs from "
                           r"\\studentid\{ab1234\} at line 3; the first is used")


def test_tex_file_name_that_is_not_an_id(tmp_path):
    result = read(tmp_path, "Jane Doe (1).tex", doc(env("1.1a", "5")))
    assert result.submissions == ()
    assert_problem(result, r"Jane Doe \(1\)\.tex: the file name 'Jane Doe \(1\)' is not a usable "
                           r"student id .*: rename the file or set \\studentid\{\.\.\.\} in it")


def test_tex_crlf_and_bom(tmp_path):
    text = doc(env("1.1a", "2 \\times 5 % c\n  + 0")).replace("\n", "\r\n")
    result = read(tmp_path, "ab1234.tex", b"\xef\xbb\xbf" + text.encode())
    assert answers(result) == {"ab1234": {"1.1a": r"2 \times 5 + 0"}}


def test_the_template_reads_as_no_answers(tmp_path):
    from nablagrade.render.sheet import template_source

    result = read(tmp_path, "ab1234.tex", template_source("cnn-rnn-theory", "ab1234"))
    assert result == Read((Submission("ab1234", {}, str(tmp_path / "ab1234.tex")),), ())
    blank = read(tmp_path, "cd2345.tex", template_source("cnn-rnn-theory"))
    assert answers(blank) == {"cd2345": {}} and blank.problems == ()


def test_a_long_answer_is_kept_for_the_checker_to_refuse(tmp_path):
    huge = " + ".join(f"x_{{{i}}}" for i in range(10_000))
    result = read(tmp_path, "ab1234.tex", doc(env("1.1a", huge)))
    assert answers(result)["ab1234"]["1.1a"] == huge and result.problems == ()


# ---- .json ----------------------------------------------------------------------------------

JSON_READS = [  # (text, expected answers by student)
    ('{"student": "ab1234", "answers": {"1.1a": "2 \\\\times 5", "1.1b": " F "}}',
     {"ab1234": {"1.1a": r"2 \times 5", "1.1b": "F"}}),
    ('{"answers": {"1.1a": "5"}}', {"cd2345": {"1.1a": "5"}}),  # no student: the file name
    ('{"student": "ab1234", "answers": {"1.1a": null, "1.1b": "", "1.2.1b": "  "}}',
     {"ab1234": {}}),
    ('{"student": "ab1234", "name": "A. B.", "answers": {"1.3-accuracy": "25%"}}',
     {"ab1234": {"1.3-accuracy": r"25\%"}}),
    ('{"student": "ab1234", "answers": {"1.3-accuracy": "25\\\\%"}}',
     {"ab1234": {"1.3-accuracy": r"25\%"}}),
]


@pytest.mark.parametrize("text, expected", JSON_READS)
def test_json_reads(tmp_path, text, expected):
    result = read(tmp_path, "cd2345.json", text)
    assert answers(result) == expected
    assert problems(result) == []


JSON_PROBLEMS = [  # (text, pattern, expected answers)
    ('{"student": "ab1234",\n "answers": {"1.1a": "\\ln 4"}}',
     r"cd2345\.json: line 2, column 23: not valid JSON: Invalid \\escape; the file is not read",
     {}),
    ('{"student": "ab1234", "answers": {"1.1a": "5",}}', r"line 1, column 47: not valid JSON", {}),
    ("[1, 2]", r"cd2345\.json: not an answer file: expected \{\"student\"", {}),
    ('{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}", r"nested too deeply", {}),
    ('{"student": "ab1234", "answers": ["5"]}', r"cd2345\.json: not an answer file", {}),
    ('{"student": 1234, "answers": {}}',
     r"cd2345\.json: key student: must be a string, got a number 1234", {}),
    ('{"student": "", "answers": {}}', r"cd2345\.json: key student: no student id; not read", {}),
    ('{"student": "a/b", "answers": {}}', r"key student: student id 'a/b' is not usable", {}),
    ('{"student": "ab1234", "answers": {"1.1a": [2, 5], "1.1b": "F"}}',
     r'cd2345\.json: answers\["1\.1a"\]: must be a string \(LaTeX\), got a list \[2, 5\]; the '
     r'answer is not read', {"ab1234": {"1.1b": "F"}}),
    ('{"student": "ab1234", "answers": {"1.3-loss": 1.386, "1.1b": "F"}}',
     r'answers\["1\.3-loss"\]: must be a string \(LaTeX\), got a number 1\.386',
     {"ab1234": {"1.1b": "F"}}),
    ('{"student": "ab1234", "answers": {"1.1a": true}}', r"got true/false true", {"ab1234": {}}),
    ('{"student": "ab1234", "answers": {"1.1a": "5", "1.1a": "6"}}',
     r'cd2345\.json: key "1\.1a": appears twice; the first is kept', {"ab1234": {"1.1a": "5"}}),
    ('{"student": "ab1234", "answers": {"1.1a": "2 \\times 5"}}',
     r'answers\["1\.1a"\]: a single backslash made "\\times" a JSON escape \("\\t" is a control '
     r'character\); write "\\\\times"', {"ab1234": {"1.1a": "2 \times 5"}}),
    ('{"student": "ab1234", "answers": {"1.3-accuracy": "\\frac{1}{4}"}}',
     r'answers\["1\.3-accuracy"\]: a single backslash made "\\frac"',
     {"ab1234": {"1.3-accuracy": "rac{1}{4}"}}),
    ('{"student": "ab1234", "answers": {"1.2.2e": "x \\nabla"}}', r'made "\\nabla"',
     {"ab1234": {"1.2.2e": "x \nabla"}}),
    ('{"student": "ab1234", "answers": {"1.9": "5", "1.1a": "6"}}',
     r'cd2345\.json: answers\["1\.9"\]: unknown question id', {"ab1234": {"1.1a": "6"}}),
]


@pytest.mark.parametrize("text, pattern, expected", JSON_PROBLEMS, ids=short)
def test_json_problems(tmp_path, text, pattern, expected):
    result = read(tmp_path, "cd2345.json", text)
    assert_problem(result, pattern)
    assert len(result.problems) == 1, problems(result)
    assert answers(result) == expected


def test_json_prose_with_newlines_is_not_a_swallowed_escape(tmp_path):
    result = read(tmp_path, "ab1234.json",
                  '{"answers": {"1.3-spikes": "Exploding gradients.\\nFix: clipping."}}')
    assert result.problems == ()


# ---- .csv -----------------------------------------------------------------------------------

CSV_HEADER = "student,1.1a,1.2.1b,1.3-spikes\n"
CSV_READS = [  # (text after the header, expected)
    ('ab1234,2x5,m,clip\ncd2345,"(2, 5)",,\n',
     {"ab1234": {"1.1a": "2x5", "1.2.1b": "m", "1.3-spikes": "clip"},
      "cd2345": {"1.1a": "(2, 5)"}}),
    ('ab1234, 2 x 5 ,m,"Exploding, so clip;\nthe loss ""spikes"""\n',
     {"ab1234": {"1.1a": "2 x 5", "1.2.1b": "m",
                 "1.3-spikes": 'Exploding, so clip;\nthe loss "spikes"'}}),
    ("ab1234,5\n\n,,,\ncd2345,6\n", {"ab1234": {"1.1a": "5"}, "cd2345": {"1.1a": "6"}}),
    ("ab1234,25%\n", {"ab1234": {"1.1a": r"25\%"}}),
]


@pytest.mark.parametrize("rows, expected", CSV_READS)
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_reads(tmp_path, rows, expected, bom):
    result = read(tmp_path, "quiz.csv", bom + (CSV_HEADER + rows).replace("\n", "\r\n").encode())
    assert answers(result) == expected
    assert problems(result) == []


CSV_PROBLEMS = [  # (text, pattern, expected)
    ("name,1.1a\nab1234,5\n", r"quiz\.csv: row 1: the first column must be 'student'", {}),
    ("", r"quiz\.csv: row 1: the first column must be 'student'", {}),
    ("student,1.1a\nab1234,5\n,6\n", r"quiz\.csv: row 3: no student id; not read",
     {"ab1234": {"1.1a": "5"}}),
    ("student,1.1a\nab1234,5\ncd 2345,6\n", r"row 3: student id 'cd 2345' is not usable",
     {"ab1234": {"1.1a": "5"}}),
    ("student,1.1a\nab1234,5,,x\n", r"row 2: 4 cells, the header has 2; the extra cells are not",
     {"ab1234": {"1.1a": "5"}}),
    ("student,1.1a,1.1a\nab1234,5,6\n",
     r"row 1, column 3: question 1\.1a again \(first in column 2\); the first is kept",
     {"ab1234": {"1.1a": "5"}}),
    ("student,1.1a,,1.1b\nab1234,5,,F\n", r"row 1, column 3: no question id in the header",
     {"ab1234": {"1.1a": "5", "1.1b": "F"}}),
    ("student,1.1a,1.9\nab1234,5,x\ncd2345,6,\nef3456,7,y\n",
     r"quiz\.csv: row 1, column 3: unknown question id '1\.9'; this answer is not read",
     {"ab1234": {"1.1a": "5"}, "cd2345": {"1.1a": "6"}, "ef3456": {"1.1a": "7"}}),
    ("student,1.1a\nab1234,5\nAB1234,6\n",
     r"quiz\.csv: row 3: student AB1234 again, already read from .*quiz\.csv: row 2; the "
     r"first is kept, this one is not read", {"ab1234": {"1.1a": "5"}}),
    ("student,1.1a\nab1234,5\ncd2345," + "x" * 140_000 + "\nef3456,7\n",
     r"quiz\.csv: line 3: not valid CSV: field larger than field limit .*; the rest of the "
     r"file is not read", {"ab1234": {"1.1a": "5"}}),
]


@pytest.mark.parametrize("text, pattern, expected", CSV_PROBLEMS, ids=short)
def test_csv_problems(tmp_path, text, pattern, expected):
    result = read(tmp_path, "quiz.csv", text)
    assert_problem(result, pattern)
    assert len(result.problems) == 1, problems(result)
    assert answers(result) == expected


# ---- files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content, pattern", [
    ("Oui : le réseau\n".encode("latin-1"),
     r"x\.tex: line 1: not UTF-8: byte 0xE9 cannot be decoded \('é' in Latin-1/Windows-1252, "
     r"the likely encoding\); save the file as UTF-8; not read"),
    (b"ok\n\x93quoted\x94\n", r"x\.tex: line 2: not UTF-8: byte 0x93 cannot be decoded \('\u201c'"),
    ("\\begin{answer}{1.1a} 5 \\end{answer}".encode("utf-16"),
     r"x\.tex: not UTF-8 but UTF-16 .*; save it as UTF-8"),
    (b"\\begin{answer}{1.1a} 5 \\end{answer}\n\x00\x01",
     r"x\.tex: line 2: contains NUL bytes: not a text file"),
    (b"%" * (MAX_FILE_BYTES + 1), r"x\.tex: larger than 2 MB, the limit for an answer file"),
], ids=["latin-1", "windows-1252", "utf-16", "nul-bytes", "over-2-MB"])
def test_unreadable_contents_are_reported_not_read(tmp_path, content, pattern):
    result = read(tmp_path, "x.tex", content)
    assert result.submissions == ()
    assert_problem(result, pattern)


def test_a_file_at_the_size_limit_is_read(tmp_path):
    text = doc(env("1.1a", "5"))
    content = text.encode() + b" " * (MAX_FILE_BYTES - len(text.encode()))
    assert answers(read(tmp_path, "ab1234.tex", content)) == {"ab1234": {"1.1a": "5"}}


def test_missing_odd_and_unreadable_paths(tmp_path):
    (tmp_path / "dangling.tex").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "pipe.json")
    paths = [tmp_path / "absent.tex", tmp_path / "dangling.tex", tmp_path / "pipe.json",
             write(tmp_path, "notes.txt", "x"), write(tmp_path, "ab1234.tex", env("1.1a", "5"))]
    result = read_answers(paths, IDS)
    assert answers(result) == {"ab1234": {"1.1a": "5"}}
    assert problems(result) == [
        f"{tmp_path}/absent.tex: cannot be read: No such file or directory",
        f"{tmp_path}/dangling.tex: cannot be read: No such file or directory",
        f"{tmp_path}/pipe.json: not a regular file; not read",
        f"{tmp_path}/notes.txt: not an answer file (.tex, .json or .csv); not read",
    ]


def test_a_directory_is_its_answer_files_sorted_recursive_hidden_skipped(tmp_path):
    write(tmp_path, "b/zz0001.tex", env("1.1a", "1"))
    write(tmp_path, "ab0002.JSON", '{"answers": {"1.1a": "2"}}')
    write(tmp_path, "quiz.csv", "student,1.1a\ncd0003,3\n")
    write(tmp_path, ".hidden/ef0004.tex", env("1.1a", "4"))
    write(tmp_path, ".ef0005.tex", env("1.1a", "5"))
    write(tmp_path, "b/zz0001.pdf", b"%PDF")  # built from zz0001.tex: silent
    write(tmp_path, "b/zz0001.synctex.gz", b"")
    write(tmp_path, "gh0006.aux", "")  # LaTeX by-product: silent
    write(tmp_path, "ij0007.docx", b"PK")  # a submission in another format: reported
    result = read_answers([tmp_path], IDS)
    assert [(s.student, s.file) for s in result.submissions] == [
        ("ab0002", f"{tmp_path}/ab0002.JSON"), ("cd0003", f"{tmp_path}/quiz.csv"),
        ("zz0001", f"{tmp_path}/b/zz0001.tex")]
    assert problems(result) == [
        f"{tmp_path}/ij0007.docx: not an answer file (.tex, .json or .csv): ignored"]


def test_a_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path, "ab1234.tex", env("1.1a", "5"))
    result = read_answers([tmp_path, path, str(path)], IDS)
    assert len(result.submissions) == 1 and result.problems == ()


def test_the_same_student_twice_keeps_the_first_and_names_both(tmp_path):
    first = write(tmp_path, "ab1234.tex", env("1.1a", "5"))
    second = write(tmp_path, "late.json", '{"student": "AB1234", "answers": {"1.1a": "6"}}')
    result = read_answers([first, second], IDS)
    assert answers(result) == {"ab1234": {"1.1a": "5"}}
    assert_problem(result, r"late\.json: key student: student AB1234 again, already read from "
                           r".*ab1234\.tex; the first is kept, this one is not read")
    reverse = read_answers([second, first], IDS)
    assert answers(reverse) == {"AB1234": {"1.1a": "6"}}


def test_problems_name_their_student_when_the_id_is_usable(tmp_path):
    write(tmp_path, "ab1234.tex", doc(env("1.1a", "5"), env("1.9", "6")))
    write(tmp_path, "cd2345.json", "{")
    write(tmp_path, "ef3456.tex", "réseau\n".encode("latin-1"))
    write(tmp_path, "quiz.csv", "student,1.1a,1.9\nAB1234,5,6\ngh7890,5,6,7\n")
    write(tmp_path, "Jane Doe.tex", doc(env("1.1a", "{")))
    write(tmp_path, "ij9012.tex", doc("\\studentid{J D}", env("1.1a", "{")))
    result = read_answers([tmp_path], IDS)
    got = [(Path(p.file).name, p.place, p.student) for p in result.problems]
    assert got == [
        ("Jane Doe.tex", "line 4", None), ("Jane Doe.tex", "", None),  # unusable file name
        ("ab1234.tex", "line 6", "ab1234"),  # unknown question id
        ("cd2345.json", "line 1, column 2", "cd2345"),  # unreadable: the file's stem
        ("ef3456.tex", "line 1", "ef3456"),
        ("ij9012.tex", "line 5", None), ("ij9012.tex", "line 3", None),  # unusable \\studentid
        ("quiz.csv", "row 3", "gh7890"),  # extra cells
        ("quiz.csv", "row 2", "ab1234"),  # a duplicate: the kept student's problem
        ("quiz.csv", "row 1, column 3", None),  # the header: nobody's
    ]


def test_without_question_ids_every_id_is_kept(tmp_path):
    result = read(tmp_path, "ab1234.tex", env("anything-goes", "5"), ids=None)
    assert answers(result) == {"ab1234": {"anything-goes": "5"}} and result.problems == ()


def test_nothing_to_read():
    assert read_answers([]) == Read((), ())


def test_submissions_are_sorted_by_student_and_reading_is_deterministic(tmp_path):
    for name in ("zz9999.tex", "Ab1234.tex", "ab1235.tex", "mm5555.tex"):
        write(tmp_path, name, env("1.1a", name))
    files = sorted(tmp_path.iterdir())
    one = read_answers(files, IDS)
    assert [s.student for s in one.submissions] == ["Ab1234", "ab1235", "mm5555", "zz9999"]
    assert read_answers(list(reversed(files)), IDS) == one == read_answers([tmp_path], IDS)


def test_results_pickle_for_worker_processes(tmp_path):
    import pickle

    result = read(tmp_path, "ab1234.tex", doc(env("1.1a", "5"), env("9", "1")))
    assert pickle.loads(pickle.dumps(result)) == result


# ---- examples/class -------------------------------------------------------------------------

CLASS_PROBLEMS = [  # (file, place, message pattern): every problem the sample class has
    ("ab1234_v2.tex", "line 25", r"student ab1234 again, already read from .*/ab1234\.tex"),
    ("ak1122.json", 'answers["1.1a"]', r'made "\\times" a JSON escape'),
    ("ak1122.json", 'answers["1.3-accuracy"]', r'made "\\frac" a JSON escape'),
    ("bm3344.json", 'answers["1.1a"]', r"must be a string \(LaTeX\), got a list \[5, 8\]"),
    ("bm3344.json", 'answers["1.3-loss"]', r"must be a string \(LaTeX\), got a number 2\.303"),
    ("cn5566.json", "line 5, column 18", r"not valid JSON: Invalid \\escape"),
    ("dp7788.json", 'key "1.2.1b"', r"appears twice; the first is kept"),
    ("dp7788.json", 'answers["1.4"]', r"unknown question id '1\.4'"),
    ("nm0246.tex", "line 21", r"unknown question id '1\.2\.2 e' \(did you mean 1\.2\.2e\?\)"),
    ("quiz-export.csv", "row 6", r"no student id"),
    ("quiz-export.csv", "row 7", r"student GH4567 again, already read from .*/gh4567\.tex"),
    ("rq2469.tex", "line 56", r"answer 1\.1b: a \{ in the arguments of \\frac is not closed"),
    ("rq2469.tex", "line 148", r"answer 1\.2\.1c-dh: .* is not closed: no \\end\{answer\}"),
    ("ts3570.tex", "line 47", r"\\input reads a file"),
    ("ts3570.tex", "line 56", r"\\write writes a file or runs commands"),
    ("ts3570.tex", "line 74", r"\\begin\{input\} reads a file"),
    ("xw5792.tex", "line 170", r"not UTF-8: byte 0xE9"),
]


@pytest.fixture(scope="module")
def sample_class() -> Read:
    return read_answers([CLASS], IDS)


def test_the_sample_class_reads_as_documented(sample_class):
    students = [s.student for s in sample_class.submissions]
    assert len(os.listdir(CLASS)) == 34
    assert len(students) == 34  # 28 .tex - 2, 5 .json - 1, 6 CSV rows - 2
    assert students == sorted(students, key=str.casefold)
    assert {"eq9900", "fr2211", "gs4433", "ht6655"} <= set(students)
    assert not {"xw5792", "cn5566", "GH4567"} & set(students)
    got = [(Path(p.file).name, p.place, p.message) for p in sample_class.problems]
    assert len(got) == len(CLASS_PROBLEMS), "\n".join(map(str, got))
    for (file, place, message), (name, where, pattern) in zip(got, CLASS_PROBLEMS):
        assert (file, place) == (name, where) and re.search(pattern, message), (file, message)


def test_the_sample_class_answers(sample_class):
    by_student = {s.student: s for s in sample_class.submissions}
    assert len(by_student["ab1234"].answers) == 25  # the first of the two ab1234 files
    assert by_student["ab1234"].file.endswith("ab1234.tex")
    assert by_student["mn7890"].answers.keys() == {"1.1a", "1.1c-i-shape", "1.2.1b"}
    assert by_student["lk9135"].answers["1.1a"] == r"$13 \times 10$"  # id from the file name
    assert "1.2.1c-dh" not in by_student["rq2469"].answers  # the unclosed environment
    assert len(by_student["rq2469"].answers) == 24
    assert len(by_student["vu4681"].answers["1.1c-iv"]) > 100_000  # kept: the checker refuses
    assert by_student["st0123"].answers["1.1a"] == r"$4 \times 4$"  # comments removed
    assert by_student["fr2211"].answers["1.3-accuracy"] == r"25\%"
    assert by_student["eq9900"].answers["1.3-spikes"].count("\n") == 1
