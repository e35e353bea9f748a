"""One student's feedback: per question the verdict, the points, the answer as understood, the
diagnoses and (after the deadline) the expected answer; the total; the problems with the
student's files. As Markdown, and as LaTeX for a PDF (template ``feedback.tex``).

Everything the student wrote goes through `nablagrade.grade.present`: maths re-printed from
its AST, text escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from nablagrade.grade import present as P
from nablagrade.grade.model import FileProblem, Result
from nablagrade.render.env import escape, render, text_with_math

VERDICTS = {
    "correct": "correct",
    "incorrect": "incorrect",
    "invalid": "could not be read",
    "manual": "left for grading by a person",
    "missing": "no answer",
}


@dataclass(frozen=True)
class Feedback:
    """What a student's feedback says, before it is laid out."""

    student: str
    title: str
    results: tuple[Result, ...]  # in assignment order
    problems: tuple[FileProblem, ...]
    total: float
    max_points: float
    prose: frozenset[str]  # ids of questions answered in words
    show_solutions: bool = False


def feedback_for(student: str, assignment, results: Iterable[Result],
                 problems: Iterable[FileProblem], *, show_solutions: bool = False,
                 prose: frozenset[str] | None = None) -> Feedback:
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    mine = sorted((r for r in results if r.student == student),
                  key=lambda r: (order.get(r.question, len(order)), r.question))
    return Feedback(student, assignment.title, tuple(mine),
                    tuple(p for p in problems if p.student == student),
                    sum(r.points for r in mine), assignment.points,
                    P.prose_questions(assignment) if prose is None else prose, show_solutions)


def verdict_word(result: Result) -> str:
    word = VERDICTS.get(result.verdict, result.verdict)
    if result.verdict == "incorrect" and result.points > 0:
        return "partly correct"
    return word


def _shown(result: Result) -> str:
    return result.understood or result.answer


# ----- Markdown ------------------------------------------------------------------------------

def as_markdown(f: Feedback) -> str:
    lines = [f"# Feedback: {P.md_text(f.title)}", "",
             f"Student: {P.md_code(f.student)}", "",
             f"**Total: {P.number(f.total)} of {P.number(f.max_points)} points**", ""]
    lines += ["| Question | Verdict | Points |", "|---|---|---|"]
    lines += [f"| {P.md_text(r.question)} | {verdict_word(r)} | {P.number(r.points)} of "
              f"{P.number(r.max_points)} |" for r in f.results]
    for r in f.results:
        lines += ["", *question_md(r, f)]
    if f.problems:
        lines += ["", "## Problems with your files", ""]
        lines += [f"- {P.md_code(p.file)}{', ' + P.md_text(p.place) if p.place else ''}: "
                  f"{P.message_md(p.message)}".replace("\n", "\n  ") for p in f.problems]
    return "\n".join(lines) + "\n"


def question_md(r: Result, f: Feedback, *, heading: bool = True) -> list[str]:
    """The Markdown lines of one question of the feedback (its heading optional)."""
    prose = r.question in f.prose
    out = [f"## Question {P.md_text(r.question)}: {verdict_word(r)} "
           f"({P.number(r.points)} of {P.number(r.max_points)})", ""] if heading else \
        [f"{verdict_word(r).capitalize()}: {P.number(r.points)} of {P.number(r.max_points)} "
         "points.", ""]
    if r.verdict != "missing" and _shown(r).strip():
        shown = P.answer_md(_shown(r), prose=prose)
        out += [f"{_answer_label(r, prose)}:", "", shown, ""] if prose else \
            [f"{_answer_label(r, prose)}: {shown}", ""]
    notes = [m for _, m in r.diagnoses] + ([r.note] if r.note else [])
    out += [f"- {P.message_md(m)}".replace("\n", "\n  ") for m in notes] + ([""] if notes else [])
    if f.show_solutions and r.expected:
        expected = P.expected_md(r.expected, prose=prose)
        out += ["Expected:", "", expected, ""] if prose else [f"Expected: {expected}", ""]
    return out[:-1] if out[-1] == "" else out


def _answer_label(r: Result, prose: bool) -> str:
    if prose:
        return "Your answer"
    if P.reprinted(_shown(r)) is None:
        return "Your answer, as written (it could not be read)"
    return "Your answer, as understood"


# ----- LaTeX ---------------------------------------------------------------------------------

def as_latex(f: Feedback) -> str:
    """The LaTeX source of the feedback PDF."""
    questions = [_question_tex(r, f) for r in f.results]
    problems = [f"{escape(p.file)}{', ' + escape(p.place) if p.place else ''}: "
                f"{P.message_latex(p.message)}" for p in f.problems]
    return render("feedback.tex", title=text_with_math(f.title), student=escape(f.student),
                  total=P.number(f.total), max=P.number(f.max_points), questions=questions,
                  problems=problems)


def _question_tex(r: Result, f: Feedback) -> dict:
    prose = r.question in f.prose
    shown = _shown(r) if r.verdict != "missing" else ""
    notes = [P.message_latex(m) for _, m in r.diagnoses] + ([P.message_latex(r.note)]
                                                           if r.note else [])
    return {
        "id": escape(r.question), "prose": prose, "verdict": escape(verdict_word(r)),
        "points": P.number(r.points), "max": P.number(r.max_points),
        "label": escape(_answer_label(r, prose)) if shown.strip() else "",
        "answer": P.answer_latex(shown, prose=prose) if shown.strip() else "",
        "notes": notes,
        "expected": (P.expected_latex(r.expected, prose=prose)
                     if f.show_solutions and r.expected else ""),
    }
