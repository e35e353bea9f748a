"""What changed between two runs of a class: every (student, question) whose points differ,
with the reason, derived from the stored answers, variants, points and the runs' engine
versions and assignment hashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from nablagrade.grade.model import Result, normalise_answer


@dataclass(frozen=True)
class Change:
    """A (student, question) whose points differ between two runs, and why.

    Scores and points are None on the side where the result does not exist (``new``,
    ``removed``).
    """

    student: str
    question: str
    old_score: float | None
    old_points: float | None
    new_score: float | None
    new_points: float | None
    why: str


def compare(old: Mapping[tuple, Result], new: Mapping[tuple, Result], old_run, new_run) -> list[Change]:
    """The changes from the results ``old`` to ``new`` ((student, question) -> Result) of two
    runs (records with ``engine_version`` and ``digest``)."""
    out = []
    for pair in sorted(old.keys() | new.keys()):
        before, after = old.get(pair), new.get(pair)
        if before is not None and after is not None and _same(before.points, after.points):
            continue
        out.append(Change(*pair, *_score_points(before), *_score_points(after),
                          why=_why(before, after, old_run, new_run)))
    return out


def _why(before: Result | None, after: Result | None, old, new) -> str:
    """The reasons the points of one (student, question) changed, most direct first."""
    if before is None:
        return "new"
    if after is None:
        return "removed"
    reasons = []
    if normalise_answer(before.answer) != normalise_answer(after.answer):
        reasons.append("answer changed")
    if not _same(before.max_points, after.max_points) or before.params != after.params:
        reasons.append("question changed (points/credit/params)")
    if old.engine_version != new.engine_version:
        reasons.append("engine version changed")
    if not reasons and old.digest != new.digest:
        # same answer, variant and points: what else changed in the assignment is its credit
        reasons.append("question changed (points/credit/params)")
    return "; ".join(reasons) or "verdict changed"


def _score_points(result: Result | None) -> tuple[float | None, float | None]:
    return (None, None) if result is None else (result.score, result.points)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
