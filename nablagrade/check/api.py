"""Checking one answer: parse, pick the statement asked for, hand it to the checker of the
part's kind, apply the credit table.

Kind checkers register with `@checks(kind)`; each receives a `Task` (the problem, part, resolved
parameters, derived truth, layout and seed: frozen, and cached per question) and the parsed
`Answer`, and returns a `Verdict` whose score the API sets from the diagnoses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from nablagrade.check import ast as A
from nablagrade.check.errors import ParseError
from nablagrade.check.parse import parse_answer
from nablagrade.check.verdict import Diagnosis, Verdict, graded, invalid
from nablagrade.errors import DerivationError

CHECKERS: dict[str, Callable] = {}


def checks(kind: str):
    def register(fn):
        CHECKERS[kind] = fn
        return fn
    return register


@dataclass(frozen=True)
class Task:
    """What an answer is checked against (one question variant)."""

    problem: Any  # nablagrade.problems.model.Problem
    part: Any  # Part
    params: Any  # Params
    truth: Any  # Derivation
    query: Any  # the engine query that derived the truth (None for text parts)
    layout: str = "numerator"
    seed: int = 0


def seed_of(*items) -> int:
    """A seed fixed by the question: the same problem, part and params give the same instances."""
    text = json.dumps(items, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


@lru_cache(maxsize=512)
def _task(problem_id: str, part_id: str, params: tuple, layout: str) -> Task:
    from nablagrade.problems import get_problem

    problem = get_problem(problem_id)
    part = problem.part(part_id)
    resolved = problem.resolve(dict(params))
    queries = problem.build(resolved)
    query = queries.get(part.id)
    truth = query.derive() if query is not None else None
    seed = seed_of(problem.id, part.id, resolved.given, layout)
    return Task(problem, part, resolved, truth, query, layout, seed)


def task(problem_id: str, part_id: str, params: Mapping | None = None,
         layout: str = "numerator") -> Task:
    """The (cached) task of a question; unknown names raise `UnknownName`, bad values
    `ParamError` (usage errors, not verdicts)."""
    from nablagrade.problems.model import freeze_params

    return _task(problem_id, part_id, freeze_params(params), layout)


def parse_error_verdict(err: ParseError, expected: str = "") -> Verdict:
    message = f"{err.message} (line {err.line}, column {err.column}):\n{err.caret()}"
    return invalid("limit" if type(err).__name__ == "LimitError" else "parse-error", message,
                   err.position, expected=expected)


TIME_LIMIT = 2.0  # seconds of wall clock per answer


def check(problem_id: str, part_id: str, answer: str, params: Mapping | None = None, *,
          layout: str = "numerator", credit: Mapping[str, float] | None = None,
          time_limit: float = TIME_LIMIT) -> Verdict:
    """Check ``answer`` (the student's LaTeX) for one part of one problem."""
    from nablagrade.check.deadline import Timeout, deadline

    t = task(problem_id, part_id, params, layout)
    expected = t.truth.latex if t.truth is not None else t.part.reference
    about = (t.problem.id, t.part.id, t.params.given)
    if not answer or not answer.strip():
        return invalid("no-answer", "The answer is empty.", expected=expected).about(*about)
    if t.part.kind == "text":
        from nablagrade.check.text import check_text

        return check_text(t, answer).about(*about)
    try:
        with deadline(time_limit):
            tree = parse_answer(answer)
            return judge(t, tree, credit)
    except ParseError as err:
        return parse_error_verdict(err, expected).about(*about)
    except Timeout:
        message = f"Checking this answer took longer than {time_limit:g} s; simplify it."
        return invalid("limit", message, expected=expected).about(*about)


def judge(t: Task, tree: A.Answer, credit: Mapping[str, float] | None = None) -> Verdict:
    """The verdict of a parsed answer; the kind checker decides, the credit table scores."""
    checker = CHECKERS.get(t.part.kind)
    if checker is None:
        raise DerivationError(f"no checker for {t.part.kind} parts yet")
    with np.errstate(all="ignore"):  # overflow and undefined values are judged, not warned
        verdict = checker(t, tree)
    if not verdict.expected and t.truth is not None:
        verdict = replace(verdict, expected=t.truth.latex)
    return score(verdict, credit).about(t.problem.id, t.part.id, t.params.given)


def score(verdict: Verdict, credit: Mapping[str, float] | None) -> Verdict:
    if verdict.verdict == "invalid":
        return replace(verdict, score=0.0)
    if verdict.verdict == "correct" and not verdict.diagnoses:
        return replace(verdict, score=1.0)
    outcome, points = graded(verdict.diagnoses, credit)
    return replace(verdict, verdict=outcome, score=points)


def note(code: str, message: str) -> Diagnosis:
    return Diagnosis(code, message)
