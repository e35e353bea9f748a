r"""Reading students' answer files into submissions: `read_answers`.

Formats (the interface spec, "Answer files"): ``.tex`` (`answers_tex`), ``.json`` and ``.csv``
(`answers_data`); a directory stands for the answer files in it and its sub-directories.

Every problem with a file is a `FileProblem` naming the file and the place, and the batch goes
on. The rules, in one place:

- a file over 2 MB, not UTF-8 (a BOM is fine), unreadable or not a regular file: reported, not
  read;
- a directory: every ``.tex``, ``.json`` and ``.csv`` in it and in its sub-directories, in sorted
  order; hidden files and directories (``.name``) are skipped; LaTeX by-products (``.aux``,
  ``.log``, ...) and files that share their name with an answer file (``ab1234.pdf`` beside
  ``ab1234.tex``) are ignored silently; any other file is reported as ignored (a student who
  handed in only a PDF or a Word file shows up);
- a file reached twice (named and inside a named directory) is read once;
- student ids are 1 to 64 letters, digits and ``. _ @ + -``, starting with a letter or digit (they
  name feedback files); other ids are reported and their answers not read;
- the same student twice (ids compared ignoring case, as file systems and LMSs do): the first
  one read is kept, the later one reported with both places;
- an unknown question id (when ``question_ids`` is given): reported where it is written, the
  other answers kept;
- an empty answer is no answer: dropped, not reported (the template has an empty environment for
  every question, and grading notes "no answer" anyway);
- a long answer is kept as written: the checker reports its limits;
- a problem names its student (`FileProblem.student`: grading gives them a row and shows it in
  their feedback) when the id is usable: the entry's student, the kept one for a duplicate, none
  for a CSV's header, and the file's stem for a .tex or .json file that could not be read.

Submissions come sorted by student id; problems in the order the files were read.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Collection, Iterable

from nablagrade.grade.answers_data import read_csv, read_json
from nablagrade.grade.answers_record import Found
from nablagrade.grade.answers_tex import read_tex
from nablagrade.grade.model import FileProblem, Read, Submission

MAX_FILE_BYTES = 2 * 1024 * 1024
READERS = {".tex": read_tex, ".json": read_json, ".csv": read_csv}
BYPRODUCTS = (".aux", ".log", ".out", ".toc", ".fls", ".fdb_latexmk", ".synctex.gz", ".bbl",
              ".blg", ".nav", ".snm", ".xdv", ".dvi", ".bak", "~")
STUDENT_ID = re.compile(r"[^\W_][\w.@+-]{0,63}")
ID_RULE = "1 to 64 letters, digits and . _ @ + -, starting with a letter or digit"


def read_answers(paths: Iterable[Path | str],
                 question_ids: Collection[str] | None = None) -> Read:
    """The submissions in ``paths`` (files or directories) and every problem found.

    ``question_ids``: the assignment's ids; answers to others are reported and left out.
    """
    known = None if question_ids is None else frozenset(question_ids)
    problems: list[FileProblem] = []
    kept: dict[str, tuple[Submission, str]] = {}  # casefolded id -> (submission, where read)
    for path in _answer_files(paths, problems):
        for found in _read_file(path, problems):
            _admit(found, str(path), known, kept, problems)
    submissions = sorted((sub for sub, _ in kept.values()),
                         key=lambda sub: (sub.student.casefold(), sub.student))
    return Read(tuple(submissions), _unique(problems))


def _unique(problems: list[FileProblem]) -> tuple[FileProblem, ...]:
    """Each (file, place, message) once: a CSV's unknown column is one problem, not one a row."""
    seen = {}
    for problem in problems:
        seen.setdefault((problem.file, problem.place, problem.message), problem)
    return tuple(seen.values())


def _answer_files(paths: Iterable[Path | str], problems: list[FileProblem]):
    seen = set()
    for path in map(Path, paths):
        for file in (_directory(path, problems) if path.is_dir() else [path]):
            identity = os.path.realpath(file)
            if identity not in seen:
                seen.add(identity)
                yield file


def _directory(root: Path, problems: list[FileProblem]) -> list[Path]:
    """The answer files under ``root``, sorted; other files reported or ignored (see above)."""
    def unreadable(err: OSError):
        problems.append(FileProblem(str(err.filename), "", f"cannot be read: {err.strerror}"))

    files = []
    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = sorted(n for n in names if not n.startswith("."))
        answers = [n for n in names if Path(n).suffix.lower() in READERS]
        bases = {n.split(".", 1)[0] for n in answers}
        files += [Path(folder, n) for n in answers]
        for name in names:
            if (name not in answers and name.split(".", 1)[0] not in bases
                    and not name.lower().endswith(BYPRODUCTS)):
                problems.append(FileProblem(str(Path(folder, name)), "",
                                            "not an answer file (.tex, .json or .csv): ignored"))
    return sorted(files, key=lambda f: f.relative_to(root).parts)


def _read_file(path: Path, problems: list[FileProblem]) -> list[Found]:
    before = len(problems)
    found = _found(path, problems)
    _attribute(path, problems, before)
    return found


def _found(path: Path, problems: list[FileProblem]) -> list[Found]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        problems.append(FileProblem(str(path), "", "not an answer file (.tex, .json or .csv); "
                                                   "not read"))
        return []
    text = _text(path, problems)
    if text is None:
        return []
    found, more = reader(text, str(path), path.stem)
    problems.extend(more)
    return found


def _attribute(path: Path, problems: list[FileProblem], start: int) -> None:
    """Name the student of each problem of one file (grading lists them, with a row and the
    problem in their feedback): never an unusable id; a .tex or .json file that could not be
    read belongs to its stem, the id it would have had without a \\studentid."""
    single = path.suffix.lower() in (".tex", ".json") and path.is_file()
    owner = path.stem if single and STUDENT_ID.fullmatch(path.stem) else None
    for index in range(start, len(problems)):
        problem = problems[index]
        if problem.student is None and owner:
            problems[index] = replace(problem, student=owner)
        elif problem.student is not None and not STUDENT_ID.fullmatch(problem.student):
            problems[index] = replace(problem, student=None)


def _text(path: Path, problems: list[FileProblem]) -> str | None:
    """The file's text, or None with the reason reported."""
    file = str(path)
    try:
        if path.exists() and not path.is_file():
            problems.append(FileProblem(file, "", "not a regular file; not read"))
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        problems.append(FileProblem(file, "", f"cannot be read: {err.strerror or err}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(FileProblem(file, "", f"larger than {MAX_FILE_BYTES // 2**20} MB, the "
                                              "limit for an answer file; not read"))
        return None
    text, place, why = decode(data)
    if text is None:
        problems.append(FileProblem(file, place, why))
    return text


def decode(data: bytes) -> tuple[str | None, str, str]:
    """(text, "", "") for UTF-8 (with or without a BOM; CRLF read as LF); else (None, place,
    why)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "", "not UTF-8 but UTF-16 (\"Unicode\" in some editors); save it as UTF-8"
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        return None, f"line {line}", "contains NUL bytes: not a text file; not read"
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n"), "", ""
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        byte = data[err.start]
        guess = data[err.start:err.start + 1].decode("cp1252", errors="replace")
        return None, f"line {line}", (f"not UTF-8: byte 0x{byte:02X} cannot be decoded ('{guess}' "
                                      "in Latin-1/Windows-1252, the likely encoding); save the "
                                      "file as UTF-8; not read")


def _admit(found: Found, file: str, known, kept: dict, problems: list[FileProblem]) -> None:
    """Apply the batch rules to one entry: usable id, not seen before, known question ids."""
    student = found.student
    if not STUDENT_ID.fullmatch(student):
        problems.append(FileProblem(file, found.student_place or found.place,
                                    _bad_id(student, found)))
        return
    where = f"{file}: {found.place}" if found.place else file
    first = kept.get(student.casefold())
    if first is not None:  # the kept student's problem: their feedback says a file was ignored
        problems.append(FileProblem(file, found.place or found.student_place,
                                    f"student {student} again, already read from {first[1]}; "
                                    "the first is kept, this one is not read", first[0].student))
        return
    for qid, place in found.places.items():
        if known is not None and qid not in known:
            problems.append(FileProblem(file, place, _unknown(qid, known),
                                        None if found.places_shared else student))
    answers = {qid: text for qid, text in found.answers.items() if known is None or qid in known}
    kept[student.casefold()] = (Submission(student, answers, file), where)


def _bad_id(student: str, found: Found) -> str:
    if not student:
        return "no student id; not read"
    if not found.student_place:
        return (f"the file name {student[:80]!r} is not a usable student id ({ID_RULE}): rename "
                "the file or set \\studentid{...} in it; not read")
    return f"student id {student[:80]!r} is not usable ({ID_RULE}); not read"


def _unknown(qid: str, known: frozenset) -> str:
    near = [q for q in known if q.casefold() == qid.casefold()] or \
        difflib.get_close_matches(qid, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return f"unknown question id {qid!r}{hint}; this answer is not read"
