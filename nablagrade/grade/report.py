"""The instructor's report of a regrade: per question the score distribution and the most
common wrong answers, the problems with the answer files, and the distribution of totals.

Wrong answers are grouped by (question, diagnosis codes, value fingerprint): the same mistake
written two ways is one group. The grader supplies the fingerprints (a hash of the answer's
values at the question's instances); without one, an answer's fingerprint is its LaTeX as
re-printed from the parsed AST, whitespace folded.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from nablagrade.grade import present as P
from nablagrade.grade.model import FileProblem, Result
from nablagrade.render.env import escape, render, text_with_math

WRONG = ("incorrect", "invalid")
SHOWN_GROUPS = 5  # wrong answers listed per question
BAR = 40  # characters of the longest histogram bar
_STEPS = (0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


@dataclass(frozen=True)
class Group:
    """Wrong answers to one question that are the same mistake."""

    question: str
    codes: tuple[str, ...]
    fingerprint: str
    students: tuple[str, ...]
    representative: Result  # the most common way the mistake was written

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass(frozen=True)
class QuestionStats:
    question: str
    max_points: float
    points: tuple[tuple[float, int], ...]  # (points earned, students), ascending
    verdicts: tuple[tuple[str, int], ...]
    mean: float
    share_correct: float
    groups: tuple[Group, ...]  # most common first


@dataclass(frozen=True)
class Report:
    title: str
    max_points: float
    questions: tuple[QuestionStats, ...]
    totals: tuple[tuple[str, float], ...]  # (student, total) by student
    problem_kinds: tuple[tuple[str, int, str], ...]  # (kind, count, an example), most first
    prose: frozenset[str]
    notes: tuple[str, ...] = ()  # our own remarks (exports, PDF failures), plain text


def summarise(assignment, results: Iterable[Result], problems: Iterable[FileProblem], *,
              fingerprints: Mapping[tuple[str, str], str] | None = None,
              students: Sequence[str] | None = None, notes: Sequence[str] = ()) -> Report:
    results = list(results)
    by_question = defaultdict(list)
    for r in results:
        by_question[r.question].append(r)
    questions = tuple(_stats(q.id, q.points, by_question.get(q.id, []), fingerprints or {})
                      for q in assignment.questions)
    students = sorted(set(students or ()) | {r.student for r in results})
    totals = {s: 0.0 for s in students}
    for r in results:
        totals[r.student] += r.points
    return Report(assignment.title, assignment.points, questions, tuple(sorted(totals.items())),
                  problem_kinds(problems), P.prose_questions(assignment), tuple(notes))


def _stats(qid: str, max_points: float, results: list[Result], fingerprints) -> QuestionStats:
    n = len(results)
    points = Counter(round(r.points, 6) for r in results)
    verdicts = Counter(r.verdict for r in results)
    return QuestionStats(
        qid, max_points, tuple(sorted(points.items())), tuple(sorted(verdicts.items())),
        sum(r.points for r in results) / n if n else 0.0,
        verdicts["correct"] / n if n else 0.0,
        wrong_groups([r for r in results if r.verdict in WRONG], fingerprints))


def wrong_groups(results: Iterable[Result],
                 fingerprints: Mapping[tuple[str, str], str] | None = None) -> tuple[Group, ...]:
    """Group wrong results by (question, diagnosis codes, fingerprint), largest first."""
    fingerprints = fingerprints or {}
    groups = defaultdict(list)
    for r in sorted(results, key=lambda r: r.student):
        fingerprint = (fingerprints.get((r.student, r.question))
                       or P.fingerprint_text(r.understood, r.answer))
        codes = tuple(sorted({code for code, _ in r.diagnoses}))
        groups[(r.question, codes, fingerprint)].append(r)
    made = [Group(q, codes, fp, tuple(r.student for r in members), _representative(members))
            for (q, codes, fp), members in groups.items()]
    return tuple(sorted(made, key=lambda g: (-g.count, g.question, g.codes, g.fingerprint)))


def _representative(members: list[Result]) -> Result:
    written = Counter(" ".join((r.understood or r.answer).split()) for r in members)
    best = max(written.values())
    for r in members:  # members are in student order: ties go to the first student
        if written[" ".join((r.understood or r.answer).split())] == best:
            return r
    raise AssertionError("a group is never empty")


def problem_kinds(problems: Iterable[FileProblem]) -> tuple[tuple[str, int, str], ...]:
    """File problems counted by kind: the message with its quoted names and numbers blanked."""
    counts, examples = Counter(), {}
    for p in problems:
        kind = re.sub(r"\d+(\.\d+)?", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", p.message))
        counts[kind] += 1
        examples.setdefault(kind, str(p))
    return tuple((k, c, examples[k]) for k, c in sorted(counts.items(), key=lambda kc: -kc[1]))


def histogram(totals: Sequence[float], max_points: float) -> list[tuple[str, int]]:
    """Totals in about ten bins of a round width: (label, students) from 0 to the maximum."""
    top = max([max_points, *totals, 0])
    width = next((s for s in _STEPS if top / s <= 12), None)
    width = width or 10 ** math.ceil(math.log10(top / 12))
    bins = max(1, math.ceil(top / width - 1e-9))
    counts = [0] * bins
    for t in totals:
        counts[min(bins - 1, max(0, int(t / width + 1e-9)))] += 1
    return [(f"{P.number(i * width)}-{P.number(min(top, (i + 1) * width))}", c)
            for i, c in enumerate(counts)]


# ----- Markdown ------------------------------------------------------------------------------

def as_markdown(report: Report) -> str:
    totals = [t for _, t in report.totals]
    lines = [f"# Report: {P.md_text(report.title)}", "",
             f"{len(totals)} students; mean total {P.number(_mean(totals))} of "
             f"{P.number(report.max_points)} points.", "", "## Totals", "", "```text"]
    bins = histogram(totals, report.max_points)
    widest, most = max(len(label) for label, _ in bins), max(c for _, c in bins) or 1
    lines += [f"{label:>{widest}} | {'#' * math.ceil(BAR * c / most) if c else '':<{BAR}} {c}"
              for label, c in bins]
    lines += ["```"]
    for q in report.questions:
        lines += ["", *_question_md(q, q.question in report.prose)]
    if report.problem_kinds:
        lines += ["", "## Problems with answer files", "", "| Count | Kind | Example |",
                  "|---:|---|---|"]
        lines += [f"| {c} | {P.md_text(kind)} | {P.md_text(example)} |"
                  for kind, c, example in report.problem_kinds]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {P.md_text(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _question_md(q: QuestionStats, prose: bool) -> list[str]:
    out = [f"## Question {P.md_text(q.question)} ({_points(q.max_points)})", ""]
    if not q.verdicts:
        return out + ["No results."]
    out += [f"Mean {P.number(q.mean)}; correct {_percent(q.share_correct)}; "
            + ", ".join(f"{v} {c}" for v, c in q.verdicts), "",
            "| Points | Students |", "|---:|---:|"]
    out += [f"| {P.number(p)} | {c} |" for p, c in q.points]
    if q.groups:
        out += ["", f"Most common wrong answers ({len(q.groups)} distinct):", ""]
        for g in q.groups[:SHOWN_GROUPS]:
            r = g.representative
            out += [f"{_count(g.count)} {P.answer_md(r.understood or r.answer, prose=prose)}"
                    f" ({', '.join(g.codes) or 'no diagnosis'})"]
            out += [f"  - {P.message_md(m)}".replace("\n", "\n    ") for _, m in r.diagnoses]
    return out


def _count(n: int) -> str:
    return f"- **{n}** {'student' if n == 1 else 'students'}:"


def _points(value: float) -> str:
    return f"{P.number(value)} {'point' if value == 1 else 'points'}"


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# ----- LaTeX ---------------------------------------------------------------------------------

def as_latex(report: Report) -> str:
    totals = [t for _, t in report.totals]
    bins = histogram(totals, report.max_points)
    return render(
        "report.tex", title=text_with_math(report.title), students=len(totals),
        mean=P.number(_mean(totals)), max=P.number(report.max_points),
        bins=[{"x": i, "label": escape(label), "count": c} for i, (label, c) in enumerate(bins)],
        questions=[_question_tex(q, q.question in report.prose) for q in report.questions],
        problems=[{"kind": escape(k), "count": c, "example": escape(e)}
                  for k, c, e in report.problem_kinds],
        notes=[escape(n) for n in report.notes])


def _question_tex(q: QuestionStats, prose: bool) -> dict:
    return {
        "id": escape(q.question), "max": P.number(q.max_points), "mean": P.number(q.mean),
        "answered": bool(q.verdicts),
        "correct": escape(_percent(q.share_correct)),
        "verdicts": escape(", ".join(f"{v} {c}" for v, c in q.verdicts)),
        "points": [{"points": P.number(p), "count": c} for p, c in q.points],
        "distinct": len(q.groups),
        "groups": [{"count": g.count, "codes": escape(", ".join(g.codes) or "no diagnosis"),
                    "answer": P.answer_latex(g.representative.understood
                                             or g.representative.answer, prose=prose),
                    "messages": [P.message_latex(m) for _, m in g.representative.diagnoses]}
                   for g in q.groups[:SHOWN_GROUPS]],
    }
