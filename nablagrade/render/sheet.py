"""Solution sheets and answer templates: an assignment (or one student's variant) turned into
the values the LaTeX templates lay out.

Questions of the same problem at the same parameters are grouped under one statement, as on
the seed sheets. Each question carries what was asked, the recorded derivation steps, the
boxed answer, its numeric value where it has one, and for text parts the reference answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nablagrade.assignments import Assignment, load
from nablagrade.derive import solve
from nablagrade.render.env import escape, render, text_with_math

RELATION = re.compile(r"^\s*(=|<|>|\\leq|\\geq|\\le\b|\\ge\b|\\in\b|\\approx|\\neq)")


@dataclass(frozen=True)
class Row:
    lhs: str
    relation: str  # "=", "\leq", ...
    rhs: str
    note: str  # LaTeX text


@dataclass(frozen=True)
class SheetQuestion:
    id: str
    points: str
    kind: str
    asks: str
    rows: tuple[Row, ...] = ()
    answer: str = ""  # LaTeX maths, boxed by the template
    value: str = ""  # LaTeX maths, e.g. "\approx 1.38629"
    reference: str = ""  # LaTeX text


@dataclass(frozen=True)
class Group:
    title: str
    statement: str
    params: str  # LaTeX text listing the parameters
    source: str
    questions: list = field(default_factory=list)
    figures: list = field(default_factory=list)


def _params_text(problem, given) -> str:
    shown = []
    for p in problem.params:
        value = given.get(p.name)
        if value is None:
            continue
        name = p.latex or (p.name if len(p.name) == 1 or "_" in p.name else rf"\mathrm{{{p.name}}}")
        shown.append(f"${name} = {_value_latex(value)}$")
    return ", ".join(shown)


def _value_latex(value) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        rows = r" \\ ".join(" & ".join(_num(v) for v in row) for row in value)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"
    if isinstance(value, tuple):
        return r"\left(" + ", ".join(_num(v) for v in value) + r"\right)"
    return _num(value)


def _num(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _rows(steps) -> tuple[Row, ...]:
    rows, previous = [], None
    for step in steps:
        match = RELATION.match(step.rhs)
        relation, rhs = (match.group(1), step.rhs[match.end():]) if match else ("=", step.rhs)
        note = text_with_math(step.note) if step.note and step.note != previous else ""
        previous = step.note  # a run of steps under one rule shows the rule once
        rows.append(Row(step.lhs, relation, rhs, note))
    return tuple(rows)


def _answer(kind: str, d) -> str:
    if not d.lhs:
        return d.latex
    relation = r"\in" if kind == "shape" and d.meta.get("field") else "="
    return f"{d.lhs} {relation} {d.latex}"


def _value(kind: str, d) -> str:
    if kind == "number" and isinstance(d.value, float):
        return rf"\approx {d.value:.6g}"
    return ""


def sheet_groups(assignment: Assignment) -> list[Group]:
    from nablagrade.problems import get_problem
    from nablagrade.render.figures_for import figures_for

    groups: list[Group] = []
    for q in assignment.questions:
        problem = get_problem(q.problem)
        part = problem.part(q.part)
        solution = solve(q.problem, q.params, parts=(q.part,))
        d = solution.parts[q.part]
        if not groups or (groups[-1].title, groups[-1].params) != (
                problem.title, _params_text(problem, solution.params)):
            groups.append(Group(problem.title, text_with_math(problem.statement),
                                _params_text(problem, solution.params), escape(problem.source),
                                figures=figures_for(problem, solution.params)))
        groups[-1].questions.append(SheetQuestion(
            id=q.id, points=_num(q.points), kind=part.kind, asks=text_with_math(part.asks),
            rows=_rows(d.steps) if part.kind != "text" else (),
            answer=_answer(part.kind, d) if part.kind != "text" else "",
            value=_value(part.kind, d),
            reference=text_with_math(part.reference) if part.kind == "text" else ""))
    return groups


def _context(assignment: Assignment, student: str | None) -> dict:
    return {"title": escape(assignment.title), "source": escape(assignment.source),
            "intro": text_with_math(assignment.intro), "layout": assignment.layout,
            "student": escape(student) if student else "", "points": _num(assignment.points)}


def sheet_source(name_or_path: str | Path, student: str | None = None) -> str:
    """The LaTeX source of the solution sheet (of one student's variant with ``student``)."""
    assignment = load(name_or_path).for_student(student)
    return render("sheet.tex", groups=sheet_groups(assignment), **_context(assignment, student))


def template_source(name_or_path: str | Path, student: str | None = None) -> str:
    """The LaTeX answer template: the questions and an empty answer environment for each."""
    assignment = load(name_or_path).for_student(student)
    return render("answers.tex", groups=sheet_groups(assignment),
                  **_context(assignment, student))


def publish(source: str, out: Path, *, pdf: bool) -> tuple[Path, Path | None, str]:
    """Write ``source`` as ``out`` (.tex) and, when ``pdf``, build it to ``out``'s .pdf.

    Returns (tex path, pdf path or None, a message for the user). Without a LaTeX engine the
    .tex is still written and the message says how to install one.
    """
    from nablagrade.render.build import INSTALL_HINT, build_pdf, engine

    tex = out.with_suffix(".tex")
    tex.parent.mkdir(parents=True, exist_ok=True)
    tex.write_text(source, encoding="utf-8")
    if not pdf:
        return tex, None, f"wrote {tex}"
    if engine() is None:
        return tex, None, (f"wrote {tex}; no LaTeX engine to build the PDF "
                           f"(install one: {INSTALL_HINT})")
    result = build_pdf(source, out.with_suffix(".pdf"), source_name=str(tex))
    return tex, result.pdf, f"wrote {tex} and {result.pdf} ({result.seconds:.1f} s)"
