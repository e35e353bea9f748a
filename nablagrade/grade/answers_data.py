"""Answers as data: a JSON file of one student, a CSV of many (an LMS quiz export).

Values are taken as written, outer whitespace trimmed, with one exception: a value is one
formula or a few sentences, not a LaTeX document, so a bare ``%`` in it means per cent (``25%``
typed in a quiz) and is read as ``\\%`` (the checker, like TeX, reads a bare ``%`` as the start
of a comment).
"""

from __future__ import annotations

import csv
import io
import json
import re

from nablagrade.grade.answers_record import Found
from nablagrade.grade.model import FileProblem

JSON_FORM = '{"student": "ab1234", "answers": {"1.1a": "2 \\\\times 5", ...}}'
BARE_PERCENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
# A single backslash before b, f, n, r, t is a JSON escape: "\times" is a tab and "imes".
SWALLOWED = {"\b": "b", "\f": "f", "\t": "t", "\r": "r", "\n": "n"}
NEWLINE_MACROS = {"nabla", "neq", "nu", "not", "neg", "norm", "newline"}


def as_text(value: str) -> str:
    """A data value as answer text: trimmed, a bare % read as per cent."""
    return BARE_PERCENT.sub(r"\1\\%", value.strip())


def swallowed(value: str) -> str | None:
    """The LaTeX command a single backslash turned into a JSON escape, if one did."""
    for match in re.finditer(r"[\b\f\t\r\n]([A-Za-z]*)", value):
        command = SWALLOWED[match.group()[0]] + match.group(1)
        if match.group()[0] != "\n" or command in NEWLINE_MACROS:
            return command
    return None


def read_json(text: str, file: str, stem: str) -> tuple[list[Found], list[FileProblem]]:
    """``{"student": ..., "answers": {...}}``; without "student", the file's stem. Other
    top-level keys (a name, an email) are ignored."""
    data, repeated, problem = _parse_json(text, file)
    if problem is not None:
        return [], [problem]
    student = data.get("student", stem)
    if not isinstance(student, str):
        return [], [FileProblem(file, "key student", f"must be a string, got "
                                                     f"{_kind(student)}; the file is not read")]
    student = student.strip()
    problems = [FileProblem(file, f'key "{key}"', "appears twice; the first is kept", student)
                for key in repeated]
    answers, places = {}, {}
    for qid, value in data["answers"].items():
        place = places.setdefault(qid.strip(), f'answers["{qid}"]')
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(FileProblem(file, place, f"must be a string (LaTeX), got "
                                                     f"{_kind(value)}; the answer is not read",
                                        student))
        elif value.strip():
            answers.setdefault(qid.strip(), as_text(value))
            command = swallowed(value)
            if command:
                problems.append(FileProblem(
                    file, place, f"a single backslash made \"\\{command}\" a JSON escape "
                    f"(\"\\{command[0]}\" is a control character); write \"\\\\{command}\"; "
                    "the answer is kept as read", student))
    where = "key student" if "student" in data else ""
    return [Found(student, "", answers, places, where)], problems


def _parse_json(text: str, file: str):
    """(the object, keys given twice, None) or (None, [], the problem)."""
    repeated: list[str] = []

    def first_wins(pairs):
        out = {}
        for key, value in pairs:
            if key in out:
                repeated.append(key)
            else:
                out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=first_wins)
    except json.JSONDecodeError as err:
        return None, [], FileProblem(file, f"line {err.lineno}, column {err.colno}",
                                     f"not valid JSON: {err.msg}; the file is not read")
    except RecursionError:
        return None, [], FileProblem(file, "", "not valid JSON: nested too deeply; the file "
                                               "is not read")
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return None, [], FileProblem(file, "", f"not an answer file: expected {JSON_FORM}; "
                                               "the file is not read")
    return data, repeated, None


def _kind(value) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list",
             dict: "an object", type(None): "null"}
    return f"{names.get(type(value), type(value).__name__)} {json.dumps(value)[:40]}"


def read_csv(text: str, file: str, stem: str) -> tuple[list[Found], list[FileProblem]]:
    """One row per student; the header ``student,1.1a,1.1b,...``; blank cells are no answer.
    Places are row numbers (1: the header), as a spreadsheet shows them."""
    rows = csv.reader(io.StringIO(text, newline=""))
    found, problems = [], []
    try:
        header = next(rows, None)
        if header is None or not header or header[0].strip().lower() != "student":
            return [], [FileProblem(file, "row 1", "the first column must be 'student' (header "
                                                   "student,1.1a,1.1b,...); the file is not read")]
        columns, problems = _columns(header, file)
        for number, row in enumerate(rows, start=2):
            entry = _row(row, number, columns, len(header), file, problems)
            if entry is not None:
                found.append(entry)
    except csv.Error as err:
        problems.append(FileProblem(file, f"line {rows.line_num}", f"not valid CSV: {err}; the "
                                                                  "rest of the file is not read"))
    return found, problems


def _columns(header: list[str], file: str) -> tuple[dict[int, str], list[FileProblem]]:
    """Column index -> question id, and the problems of the header."""
    columns, seen, problems = {}, {}, []
    for index, name in enumerate(header[1:], start=1):
        qid = name.strip()
        place = f"row 1, column {index + 1}"
        if not qid:
            problems.append(FileProblem(file, place, "no question id in the header; the column "
                                                     "is not read"))
        elif qid in seen:
            problems.append(FileProblem(file, place, f"question {qid} again (first in column "
                                                     f"{seen[qid] + 1}); the first is kept"))
        else:
            columns[index], seen[qid] = qid, index
    return columns, problems


def _row(row, number, columns, width, file, problems) -> Found | None:
    if not any(cell.strip() for cell in row):
        return None  # blank lines between rows mean nothing
    student = row[0].strip()
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        problems.append(FileProblem(file, f"row {number}", f"{len(row)} cells, the header has "
                                                           f"{width}; the extra cells are not read",
                                    student or None))
    answers, places = {}, {}
    for index, qid in columns.items():
        value = row[index].strip() if index < len(row) else ""
        places[qid] = f"row 1, column {index + 1}"
        if value:
            answers[qid] = as_text(value)
    return Found(student, f"row {number}", answers, places, f"row {number}", places_shared=True)
