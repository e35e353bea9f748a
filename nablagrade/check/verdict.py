"""Verdicts: what the checker answers, and the diagnosis codes with their default credit.

A verdict is ``correct``, ``incorrect`` or ``invalid`` (could not be read), a score in [0, 1],
diagnoses (a code and a sentence for the student), the expected answer and the answer as
understood (LaTeX), a counterexample when wrong, and how it was decided (``method``: ``exact``,
``symbolic`` — a proof — or ``sampled``, with the number of instances).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

# Default credit per diagnosis (spec/answers.md). A diagnosis whose credit is 1.0 keeps the
# verdict correct (with a note); others make it incorrect with that partial score.
DEFAULT_CREDIT = {
    "index-base": 1.0,
    "index-order": 1.0,
    "dims-swapped": 0.5,
    "layout-denominator": 0.5,
    "singleton-dropped": 0.5,
}
CODES = (
    "dims-swapped", "singleton-dropped", "missing-floor", "layout-denominator", "transpose-error",
    "index-base", "index-order", "wrong-range", "missing-term", "sign-error", "flipped",
    "shape-mismatch", "ill-typed", "unknown-symbol", "parse-error", "not-simplified",
    "not-a-value", "too-few-digits", "rounding", "no-answer", "limit", "out-of-range", "circular",
    "bad-definition",
)
INVALID_CODES = ("parse-error", "ill-typed", "unknown-symbol", "not-a-value", "no-answer", "limit",
                 "circular", "bad-definition")


@dataclass(frozen=True)
class Diagnosis:
    code: str
    message: str
    position: int | None = None  # offset in the answer, for parse errors

    def to_json(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.position is not None:
            out["position"] = self.position
        return out


@dataclass(frozen=True)
class Counterexample:
    """One instance where the answer and the truth differ, with both values."""

    instance: Mapping[str, Any]
    expected: Any
    got: Any

    def to_json(self) -> dict:
        return {"instance": jsonable(dict(self.instance)), "expected": jsonable(self.expected),
                "got": jsonable(self.got)}


def jsonable(value):
    """Plain JSON: numpy values as numbers and lists, non-finite numbers as words."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and value != value:
        return "undefined"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


@dataclass(frozen=True)
class Verdict:
    verdict: str  # correct | incorrect | invalid
    score: float
    diagnoses: tuple[Diagnosis, ...] = ()
    expected: str = ""
    answer: str = ""
    counterexample: Counterexample | None = None
    method: str = "exact"
    instances: int = 0
    problem: str | None = None
    part: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnoses)

    def to_json(self) -> dict:
        out = {}
        if self.problem is not None:
            out.update(problem=self.problem, part=self.part, params=dict(self.params))
        out.update(verdict=self.verdict, score=self.score,
                   diagnoses=[d.to_json() for d in self.diagnoses], expected=self.expected,
                   answer=self.answer,
                   counterexample=self.counterexample.to_json() if self.counterexample else None,
                   method=self.method, instances=self.instances)
        return out

    def about(self, problem: str | None, part: str | None, params) -> "Verdict":
        return replace(self, problem=problem, part=part, params=dict(params or {}))


def invalid(code: str, message: str, position: int | None = None, answer: str = "",
            expected: str = "") -> Verdict:
    return Verdict("invalid", 0.0, (Diagnosis(code, message, position),), expected=expected,
                   answer=answer, method="exact", instances=0)


def graded(diagnoses: tuple[Diagnosis, ...], credit: Mapping[str, float] | None = None) -> tuple[str, float]:
    """Verdict and score for a wrong-but-diagnosed answer, from the credit table.

    With no diagnosis, or diagnoses worth nothing, the answer is incorrect with score 0. Notes
    worth full credit (``index-base``) keep the verdict correct, but never hide a penalty: when
    mistakes are diagnosed, the lowest credit among them counts (each names a mistake the
    answer makes; together they do not earn more than the worst alone).
    """
    table = {**DEFAULT_CREDIT, **dict(credit or {})}
    credits = [float(table.get(d.code, 0.0)) for d in diagnoses]
    penalties = [c for c in credits if c < 1.0]
    points = min(penalties) if penalties else (1.0 if credits else 0.0)
    return ("correct" if points >= 1.0 else "incorrect"), points
