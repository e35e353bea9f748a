"""Exports for learning management systems: a Canvas gradebook import CSV and Gradescope's
autograder ``results.json``, one per student.

Canvas: the five identity columns (``Student, ID, SIS User ID, SIS Login ID, Section``), one
assignment column ``Title (canvas id)`` (a bare ``Title`` when the id is unknown: Canvas reads
any header without ``(number)`` as a new assignment named by the whole header), the
``Points Possible`` row second, then one row per student with the total. With a roster (a
Canvas gradebook export) identities are copied from it, matching our student id to
``SIS Login ID``, else ``SIS User ID``, else ``ID``; roster students without a submission keep
an empty score, and our students missing from the roster are reported (and still written, with
their id as ``SIS Login ID``, so that Canvas asks whom they are).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from nablagrade.errors import NablagradeError
from nablagrade.grade import feedback as F
from nablagrade.grade import present as P

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MATCH_BY = ("SIS Login ID", "SIS User ID", "ID")  # in this order
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it: its importer strips the row name
VISIBILITY = "after_published"  # a regrade's results show when the instructor publishes
_HEADER_ID = re.compile(r"^(?P<name>.*\S)\s+\((?P<id>\d+)\)$")


class RosterError(NablagradeError):
    """A roster file cannot be used: the message names the file and what is wrong."""

    exit_code = 4


@dataclass(frozen=True)
class CanvasExport:
    path: Path
    header: str  # the assignment column
    unmatched: tuple[str, ...]  # our students not in the roster


# ----- Canvas --------------------------------------------------------------------------------

def write_canvas(path: Path, assignment, totals: Mapping[str, float], *,
                 roster: Path | None = None, canvas_id: str | None = None) -> CanvasExport:
    """``canvas.csv``: one row per student (roster order, then ours not in it)."""
    people, columns = read_roster(roster) if roster is not None else ([], [])
    canvas_id = canvas_id or roster_assignment_id(columns, assignment.title)
    header = f"{assignment.title} ({canvas_id})" if canvas_id else assignment.title
    owner = match_roster(people, totals)  # roster row number -> our student
    rows = [[person.get(c, "") for c in IDENTITY]
            + [_score(totals[owner[n]]) if n in owner else ""]
            for n, person in enumerate(people)]
    placed = set(owner.values())
    unmatched = tuple(s for s in sorted(totals) if s not in placed)
    rows += [[s, "", "", s, "", _score(totals[s])] for s in unmatched]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*IDENTITY, header])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", _score(assignment.points)])
        writer.writerows([[P.csv_text(c) for c in row[:-1]] + row[-1:] for row in rows])
    return CanvasExport(Path(path), header, unmatched if roster is not None else ())


def read_roster(path: Path) -> tuple[list[dict], list[str]]:
    """The students of a Canvas gradebook export (rows as dicts) and its header."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            columns = [c.strip() for c in reader.fieldnames or []]
            rows = [{(k or "").strip(): v.strip() for k, v in row.items() if isinstance(v, str)}
                    for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise RosterError(f"{path}: the roster cannot be read: {err}") from None
    if not any(c in columns for c in MATCH_BY):
        raise RosterError(f"{path}: not a Canvas gradebook export: it has no column "
                          + " or ".join(repr(c) for c in MATCH_BY))
    return [row for row in rows if row.get("Student") != "Points Possible"
            and any(row.get(c) for c in (*MATCH_BY, "Student"))], columns


def roster_assignment_id(columns: Iterable[str], title: str) -> str | None:
    """The Canvas id of the roster's column for the assignment titled ``title``, if any."""
    for column in columns:
        match = _HEADER_ID.match(column)
        if match and match["name"].casefold() == title.strip().casefold():
            return match["id"]
    return None


def match_roster(people: list[dict], students: Iterable[str]) -> dict[int, str]:
    """Roster row number -> our student, for every student found: by ``SIS Login ID`` first,
    then ``SIS User ID``, then ``ID`` (case and outer spaces ignored); a row is taken once."""
    index = {key: {} for key in MATCH_BY}
    for number, person in enumerate(people):
        for key in MATCH_BY:
            value = person.get(key, "").casefold()
            if value:
                index[key].setdefault(value, number)
    owner, placed = {}, set()
    for key in MATCH_BY:  # every student's strongest match wins over anyone's weaker one
        for student in sorted(students):
            number = index[key].get(student.strip().casefold())
            if number is not None and number not in owner and student not in placed:
                owner[number] = student
                placed.add(student)
    return owner


def _score(value: float) -> str:
    return f"{value:.2f}"


# ----- Gradescope ----------------------------------------------------------------------------

def gradescope_results(f: F.Feedback) -> dict:
    """Gradescope's autograder ``results.json`` for one student's feedback."""
    tests = [{
        "score": r.points, "max_score": r.max_points,
        "status": "passed" if r.verdict == "correct" else "failed",
        "name": f"Question {r.question}", "number": r.question,
        "output": "\n".join(F.question_md(r, f, heading=False)).strip(),
        "output_format": "md", "visibility": VISIBILITY,
    } for r in f.results]
    summary = [f"Total: {P.number(f.total)} of {P.number(f.max_points)} points."]
    if f.problems:
        summary += ["", "Problems with your files:", ""]
        summary += [f"- {P.md_code(p.file)}: {P.message_md(p.message)}".replace("\n", "\n  ")
                    for p in f.problems]
    return {"score": f.total, "execution_time": 0, "output": "\n".join(summary),
            "output_format": "md", "visibility": VISIBILITY, "stdout_visibility": "hidden",
            "tests": tests}


def write_gradescope(folder: Path, feedbacks: Iterable[F.Feedback]) -> dict[str, Path]:
    """``<folder>/<student>/results.json`` for every feedback; what was written, by student."""
    written = {}
    for f in feedbacks:
        path = Path(folder) / P.safe_name(f.student) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(f), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written[f.student] = path
    return written
