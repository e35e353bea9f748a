"""Auditing an instructor's answer key: every answer in it checked against the engine's truth
at the assignment's own parameters; each one that is not right is listed with its diagnosis and
the right answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nablagrade.assignments import load
from nablagrade.errors import NablagradeError
from nablagrade.grade.model import Result


class KeyError_(NablagradeError):
    """The key file cannot be used (unreadable, or not exactly one answer sheet)."""

    exit_code = 4


@dataclass(frozen=True)
class Audit:
    results: tuple[Result, ...]  # one per question the key answers
    unanswered: tuple[str, ...]  # questions the key leaves blank
    problems: tuple  # FileProblems of the key file

    @property
    def findings(self) -> tuple[Result, ...]:
        """The key's answers that are not right (wrong, partly right, unreadable)."""
        return tuple(r for r in self.results if r.verdict != "correct" or r.score < 1.0)


def audit(assignment_ref: str, key: Path) -> Audit:
    from nablagrade.grade.answers import read_answers
    from nablagrade.grade.pool import run_job
    from nablagrade.grade.regrade import _job, result_of

    assignment = load(assignment_ref)
    read = read_answers([Path(key)], [q.id for q in assignment.questions])
    if len(read.submissions) != 1:
        found = len(read.submissions)
        details = "; ".join(str(p) for p in read.problems)
        raise KeyError_(f"{key}: expected one answer sheet, found {found}"
                        + (f" ({details})" if details else ""))
    answers = read.submissions[0].answers
    results, blank = [], []
    for q in assignment.questions:  # the questions as written: no student variant
        answer = answers.get(q.id)
        if answer is None or not answer.strip():
            blank.append(q.id)
            continue
        results.append(result_of("key", q, answer, run_job(_job(assignment, q, answer))))
    return Audit(tuple(results), tuple(blank), read.problems)
