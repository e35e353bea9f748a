"""Assignments: a TOML file of questions (problem, part, points, params, credit, randomize),
validated with messages that name the file, the question and the field; the built-in ones
reproduce the seed sheets; per-student variants come from a hash, never from stored seeds.

>>> a = load("cnn-rnn-theory")
>>> a.question("1.1a").params["S"]
4
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from nablagrade.errors import NablagradeError, UsageError

LAYOUTS = ("numerator", "denominator")
QUESTION_FIELDS = {"id", "problem", "part", "points", "params", "credit", "randomize", "title"}
TOP_FIELDS = {"title", "conventions", "question", "source", "intro"}
MAX_VARIANT_TRIES = 200


class AssignmentError(NablagradeError):
    """An assignment file is not valid: the message names the file, question and field."""

    exit_code = 4


@dataclass(frozen=True)
class Question:
    id: str
    problem: str
    part: str
    points: float = 1.0
    params: Mapping[str, Any] = field(default_factory=dict)
    credit: Mapping[str, float] = field(default_factory=dict)
    randomize: Mapping[str, tuple] = field(default_factory=dict)
    title: str = ""


@dataclass(frozen=True)
class Assignment:
    name: str  # the built-in name or the file's stem
    title: str
    questions: tuple[Question, ...]
    layout: str = "numerator"
    index_base: int = 1
    source: str = ""
    intro: str = ""
    digest: str = ""  # hash of the file's text: a changed assignment is a new one

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise UsageError(f"{self.name}: no question {qid!r}; questions: "
                         + ", ".join(q.id for q in self.questions))

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def for_student(self, student: str | None) -> "Assignment":
        """The student's variant: every ``randomize`` range drawn from a hash of
        (assignment, question, student id). ``None``: the assignment as written."""
        if student is None:
            return self
        return replace(self, questions=tuple(variant(self, q, student) for q in self.questions))


def builtin_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir()
                  if p.name.endswith(".toml"))


def load(name_or_path: str | Path) -> Assignment:
    """A built-in assignment by name, or an assignment file by path."""
    path = Path(name_or_path)
    if str(name_or_path) in builtin_names():
        text = resources.files(__name__).joinpath(f"{name_or_path}.toml").read_text("utf-8")
        return parse(text, str(name_or_path), f"{name_or_path}.toml")
    if not path.exists():
        raise UsageError(f"no assignment {str(name_or_path)!r}: not a file, and not a built-in "
                         f"one ({', '.join(builtin_names())})")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AssignmentError(f"{path}: cannot be read: {err}") from None
    return parse(text, path.stem, str(path))


def parse(text: str, name: str, where: str) -> Assignment:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AssignmentError(f"{where}: not valid TOML: {err}") from None
    _no_unknown(data, TOP_FIELDS, where)
    conventions = data.get("conventions", {})
    layout = conventions.get("layout", "numerator")
    if layout not in LAYOUTS:
        raise AssignmentError(f"{where}: conventions.layout must be one of {LAYOUTS}, got {layout!r}")
    raw = data.get("question")
    if not isinstance(raw, list) or not raw:
        raise AssignmentError(f"{where}: no [[question]] tables")
    questions = tuple(_question(q, i, where) for i, q in enumerate(raw, 1))
    seen = set()
    for q in questions:
        if q.id in seen:
            raise AssignmentError(f"{where}: question {q.id}: the id is used twice")
        seen.add(q.id)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Assignment(name, str(data.get("title", name)), questions, layout,
                      int(conventions.get("index_base", 1)), str(data.get("source", "")),
                      str(data.get("intro", "")), digest)


def _no_unknown(table: Mapping, allowed: set, where: str):
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise AssignmentError(f"{where}: unknown field {unknown[0]!r}; fields: {', '.join(sorted(allowed))}")


def _question(raw: Any, number: int, where: str) -> Question:
    from nablagrade.problems import get_problem

    label = f"{where}: question {raw.get('id', number) if isinstance(raw, dict) else number}"
    if not isinstance(raw, dict):
        raise AssignmentError(f"{label}: must be a table")
    _no_unknown(raw, QUESTION_FIELDS, label)
    for key in ("id", "problem", "part"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            raise AssignmentError(f"{label}: field {key!r} is missing or not a string")
    try:
        problem = get_problem(raw["problem"])
        problem.part(raw["part"])
        params = dict(raw.get("params", {}))
        problem.resolve(params)
    except NablagradeError as err:
        raise AssignmentError(f"{label}: {err}") from None
    points = raw.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise AssignmentError(f"{label}: field 'points' must be a number >= 0, got {points!r}")
    credit = raw.get("credit", {})
    if not isinstance(credit, dict) or any(not isinstance(v, (int, float)) or not 0 <= v <= 1
                                           for v in credit.values()):
        raise AssignmentError(f"{label}: field 'credit' maps diagnosis codes to numbers in [0, 1]")
    randomize = {}
    for name, bounds in raw.get("randomize", {}).items():
        try:
            problem.param(name)
        except NablagradeError as err:
            raise AssignmentError(f"{label}: field 'randomize': {err}") from None
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) for b in bounds) or bounds[0] > bounds[1]):
            raise AssignmentError(f"{label}: field 'randomize': {name} must be [low, high], "
                                  f"got {bounds!r}")
        randomize[name] = tuple(bounds)
    return Question(raw["id"], raw["problem"], raw["part"], float(points), params,
                    dict(credit), randomize, str(raw.get("title", "")))


def variant(assignment: Assignment, q: Question, student: str) -> Question:
    """The question with its ``randomize`` ranges drawn for ``student``; parameter sets the
    problem rejects (a kernel larger than the input, ...) are drawn again, deterministically."""
    if not q.randomize:
        return q
    from nablagrade.derive import solve

    last = None
    for attempt in range(MAX_VARIANT_TRIES):
        params = {**q.params, **_draw(assignment.name, q, student, attempt)}
        try:
            solve(q.problem, params, parts=(q.part,))
            return replace(q, params=params)
        except NablagradeError as err:
            last = err
    raise AssignmentError(f"{assignment.name}: question {q.id}: no admissible variant for "
                          f"student {student!r} in {MAX_VARIANT_TRIES} draws from "
                          f"{json.dumps(q.randomize)}: {last}")


def _draw(name: str, q: Question, student: str, attempt: int) -> dict:
    out = {}
    for param, (low, high) in sorted(q.randomize.items()):
        key = json.dumps([name, q.id, student, param, attempt]).encode()
        unit = int.from_bytes(hashlib.sha256(key).digest()[:8], "little")
        if isinstance(low, int) and isinstance(high, int):
            out[param] = low + unit % (high - low + 1)
        else:
            out[param] = round(low + (high - low) * unit / 2 ** 64, 3)
    return out
