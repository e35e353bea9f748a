"""What one answer-file reader hands back before the batch rules (usable student ids, known
question ids, duplicates) are applied in `nablagrade.grade.answers`."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Found:
    """One student's answers as a reader found them.

    ``student`` is None when the file does not name the student (the file's stem is used);
    ``place`` is where the entry is (``""`` for a whole file, ``row 4`` in a CSV);
    ``places`` where each answer's question id is written (for "unknown question id").
    Empty answers are already left out: an empty answer is no answer.
    """

    student: str | None
    place: str
    answers: Mapping[str, str] = field(default_factory=dict)
    places: Mapping[str, str] = field(default_factory=dict)
    student_place: str = ""  # where the id is set: "line 3" (\studentid), "row 4"; "" = file name
    places_shared: bool = False  # CSV: ``places`` are header columns, not this student's own


class Lines:
    """Line numbers (1-based) of offsets in a text."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect_right(self.starts, offset)
