"""The records batch grading passes between its stages: what was read from the answer files,
what went wrong with them, and one graded result per (student, question).

All are frozen and plain (strings, numbers, tuples), so they pickle to worker processes and
serialise to JSON and SQLite unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class FileProblem:
    """Something wrong with an answer file, named by file and place (``line 12``, ``row 4``)."""

    file: str
    place: str
    message: str
    student: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Submission:
    """One student's answers, by question id, as written (raw LaTeX or text)."""

    student: str
    answers: Mapping[str, str]
    file: str


@dataclass(frozen=True)
class Read:
    """What reading the answer files gave: the submissions and every problem found."""

    submissions: tuple[Submission, ...]
    problems: tuple[FileProblem, ...] = ()


@dataclass(frozen=True)
class Job:
    """One distinct check: a question variant and a normalised answer."""

    problem: str
    part: str
    params: tuple  # sorted (name, value) pairs: hashable
    answer: str  # normalised
    layout: str = "numerator"

    @property
    def key(self) -> str:
        import hashlib
        import json

        text = json.dumps([self.problem, self.part, self.params, self.answer, self.layout],
                          default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Result:
    """A student's graded answer to one question.

    ``score`` is the fraction in [0, 1] before credit rules of the question are applied by the
    checker; ``points`` what it earns; ``verdict`` is correct / incorrect / invalid / manual /
    missing (no answer).
    """

    student: str
    question: str
    verdict: str
    score: float
    points: float
    max_points: float
    answer: str = ""  # as written
    understood: str = ""  # the answer as the checker read it (LaTeX)
    expected: str = ""
    diagnoses: tuple = ()  # ((code, message), ...)
    method: str = ""
    instances: int = 0
    counterexample: Any = None
    params: tuple = ()  # the student's variant, sorted (name, value) pairs
    note: str = ""

    def to_json(self) -> dict:
        out = {name: getattr(self, name) for name in RESULT_FIELDS}  # asdict deep-copies: slow
        out["diagnoses"] = [{"code": c, "message": m} for c, m in self.diagnoses]
        out["params"] = dict(self.params)
        return out


RESULT_FIELDS = tuple(Result.__dataclass_fields__)


def normalise_answer(text: str) -> str:
    """The form under which equal answers are checked once: outer whitespace trimmed and runs
    of whitespace folded (LaTeX does not see the difference)."""
    return " ".join(str(text).split())

