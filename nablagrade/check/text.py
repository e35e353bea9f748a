"""Text parts: prose answers graded by the part's keyword rubric, or left for a person.

Each rubric entry is a group of alternative keywords of which one must appear (case and accents
ignored). All groups found: correct. Otherwise the verdict is ``manual``: the answer is kept for
manual grading with the groups that were not found, never marked wrong by a keyword count.
"""

from __future__ import annotations

import unicodedata

from nablagrade.check.api import Task
from nablagrade.check.verdict import Diagnosis, Verdict


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def check_text(t: Task, answer: str) -> Verdict:
    rubric = t.part.rubric
    reference = t.part.reference
    if not rubric:
        return Verdict("manual", 0.0, (Diagnosis("manual", "No rubric: graded by a person."),),
                       expected=reference, answer=answer, method="manual")
    plain = _plain(answer)
    missing = [group for group in rubric if not any(_plain(k) in plain for k in group)]
    if not missing:
        return Verdict("correct", 1.0, (), expected=reference, answer=answer, method="rubric",
                       instances=len(rubric))
    names = "; ".join(" or ".join(repr(k) for k in group) for group in missing)
    message = f"Left for manual grading: the rubric did not find {names}."
    return Verdict("manual", 0.0, (Diagnosis("manual", message),), expected=reference,
                   answer=answer, method="rubric", instances=len(rubric))
