"""A regrade's outputs, written into one directory (formats: spec/interface.md).

- ``grades.csv``: ``student``, one column per question id (points), ``total``, ``max``;
- ``results.json``: the assignment, every result (`Result.to_json`), the file problems;
- ``feedback/<student>.md`` (and ``.tex`` + ``.pdf`` with ``pdf``): `nablagrade.grade.feedback`;
- ``changes.csv`` when the changes since the previous run are given;
- ``report.md`` (and ``report.pdf``): `nablagrade.grade.report`;
- on request ``canvas.csv`` and ``gradescope/<student>/results.json``:
  `nablagrade.grade.exports`;
- ``pdf-failures.txt`` when a PDF could not be built (the others are built all the same).

File names made from student ids go through `present.safe_name`.
"""

from __future__ import annotations

import csv
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Iterable, Mapping

from nablagrade.check.verdict import jsonable
from nablagrade.errors import NablagradeError, UsageError
from nablagrade.grade import exports as X
from nablagrade.grade import feedback as F
from nablagrade.grade import present as P
from nablagrade.grade import report as R
from nablagrade.grade.model import FileProblem, Result
from nablagrade.problems.model import freeze_params
from nablagrade.render.build import INSTALL_HINT, build_pdf, engine

EXPORTS = ("canvas", "gradescope")
PDF_WORKERS = min(4, os.cpu_count() or 1)  # each build is a TeX process of its own
CHANGE_FIELDS = ("student", "question", "old_points", "new_points", "why")


def write_outputs(outdir: Path, assignment, results: Iterable[Result],
                  problems: Iterable[FileProblem], *, changes: Iterable[Any] | None = None,
                  fingerprints: Mapping[tuple[str, str], str] | None = None,
                  show_solutions: bool = False, exports: Iterable[str] = (),
                  roster: Path | None = None, pdf: bool = False,
                  canvas_id: str | None = None) -> dict[str, Path]:
    """Write every output of a regrade into ``outdir``; what was written, by name relative
    to ``outdir`` (``"grades.csv"``, ``"feedback/ab12.md"``, ...)."""
    exports = set(exports)
    if exports - set(EXPORTS):
        raise UsageError(f"unknown export {sorted(exports - set(EXPORTS))[0]!r}; "
                         f"exports: {', '.join(EXPORTS)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    results, problems = list(results), list(problems)
    students = class_list(results, problems)
    paths = [write_grades(outdir / "grades.csv", assignment, results, students),
             write_results(outdir / "results.json", assignment, results, problems, students)]
    prose = P.prose_questions(assignment)
    feedbacks = [F.feedback_for(s, assignment, results, problems, prose=prose,
                                show_solutions=show_solutions) for s in students]
    paths += [_write_text(outdir / "feedback" / f"{P.safe_name(f.student)}.md",
                          F.as_markdown(f)) for f in feedbacks]
    if changes is not None:
        paths.append(write_changes(outdir / "changes.csv", assignment, changes))
    exported, notes = _exports(outdir, assignment, feedbacks, exports, roster, canvas_id)
    summary = R.summarise(assignment, results, problems, fingerprints=fingerprints,
                          students=students, notes=notes)
    paths += [*exported, _write_text(outdir / "report.md", R.as_markdown(summary))]
    if pdf:
        sources = {outdir / "feedback" / f"{P.safe_name(f.student)}.tex": F.as_latex(f)
                   for f in feedbacks}
        sources[outdir / "report.tex"] = R.as_latex(summary)
        paths += _pdfs(outdir, sources)
    return {path.relative_to(outdir).as_posix(): path for path in paths}


def _exports(outdir: Path, assignment, feedbacks: list[F.Feedback], exports: set[str],
             roster: Path | None, canvas_id: str | None) -> tuple[list[Path], list[str]]:
    """The LMS exports asked for: what was written, and notes for the report."""
    paths, notes = [], []
    if "canvas" in exports:
        totals = {f.student: f.total for f in feedbacks}
        export = X.write_canvas(outdir / "canvas.csv", assignment, totals, roster=roster,
                                canvas_id=canvas_id)
        paths.append(export.path)
        if export.unmatched:
            notes.append(f"Canvas: {len(export.unmatched)} students are not in the roster "
                         f"{roster}: {', '.join(export.unmatched)}")
    if "gradescope" in exports:
        paths += X.write_gradescope(outdir / "gradescope", feedbacks).values()
    return paths, notes


def _pdfs(outdir: Path, sources: Mapping[Path, str]) -> list[Path]:
    """Build the PDFs; failures go to ``pdf-failures.txt``. The files written."""
    built, failures = build_pdfs(sources)
    paths = [*sources, *built]
    if failures:
        paths.append(_write_text(outdir / "pdf-failures.txt", "".join(
            f"{_name(tex, outdir)}: {message}\n" for tex, message in failures)))
    return paths


def class_list(results: Iterable[Result], problems: Iterable[FileProblem]) -> list[str]:
    """Every student with a result or a file problem, sorted."""
    return sorted({r.student for r in results} | {p.student for p in problems if p.student})


# ----- grades.csv, results.json, changes.csv -------------------------------------------------

def write_grades(path: Path, assignment, results: Iterable[Result],
                 students: Iterable[str]) -> Path:
    points = {(r.student, r.question): r.points for r in results}
    ids = [q.id for q in assignment.questions]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", *ids, "total", "max"])
        for s in students:
            earned = [points.get((s, q)) for q in ids]
            writer.writerow([P.csv_text(s), *(P.number(e) for e in earned),
                             P.number(sum(e for e in earned if e is not None)),
                             P.number(assignment.points)])
    return Path(path)


def write_results(path: Path, assignment, results: Iterable[Result],
                  problems: Iterable[FileProblem], students: Iterable[str]) -> Path:
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    ranked = sorted(results, key=lambda r: (r.student, order.get(r.question, len(order))))
    data = {
        "assignment": {"name": assignment.name, "title": assignment.title,
                       "digest": assignment.digest, "points": assignment.points,
                       "questions": [{"id": q.id, "problem": q.problem, "part": q.part,
                                      "points": q.points} for q in assignment.questions]},
        "students": list(students),
        "results": [jsonable(r.to_json()) for r in ranked],
        "problems": [asdict(p) for p in problems],
    }
    # one result per line: readable, diffable, and quick to write for a large class
    lines = ",\n  ".join(json.dumps(r, ensure_ascii=False) for r in data.pop("results"))
    head = json.dumps(data, ensure_ascii=False)[:-1]
    return _write_text(path, f'{head}, "results": [\n  {lines}\n]}}\n')


def read_results(data: Mapping) -> tuple[list[Result], list[FileProblem]]:
    """The results and file problems of a ``results.json`` (as loaded by `json.load`)."""
    names = {f.name for f in fields(Result)}
    results = []
    for item in data.get("results", []):
        item = {k: v for k, v in item.items() if k in names}
        item["diagnoses"] = tuple((d["code"], d["message"]) for d in item.get("diagnoses", []))
        item["params"] = freeze_params(item.get("params") or {})
        results.append(Result(**item))
    return results, [FileProblem(**p) for p in data.get("problems", [])]


def write_changes(path: Path, assignment, changes: Iterable[Any]) -> Path:
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    rows = sorted((tuple(_field(c, name) for name in CHANGE_FIELDS) for c in changes),
                  key=lambda row: (str(row[0]), order.get(row[1], len(order)), str(row[1])))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CHANGE_FIELDS)
        writer.writerows([P.csv_text(s), P.csv_text(q), P.number(old), P.number(new),
                          P.csv_text(why)] for s, q, old, new, why in rows)
    return Path(path)


def _name(path: Path | None, outdir: Path) -> str:
    return "all" if path is None else path.relative_to(outdir).as_posix()


def _field(change, name: str):
    return change.get(name) if isinstance(change, Mapping) else getattr(change, name, None)


def _write_text(path: Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ----- PDFs ----------------------------------------------------------------------------------

def build_pdfs(sources: Mapping[Path, str]) -> tuple[list[Path], list[tuple[Path | None, str]]]:
    """Write each LaTeX source to its path and build the PDF beside it; one failure does not
    stop the others. The PDFs built, and (source, first error) for each that failed."""
    for tex, source in sources.items():
        _write_text(tex, source)
    if engine() is None:  # one line says it all; the .tex sources stay for later
        return [], [(None, f"no PDFs: no LaTeX engine (pdflatex) found; to install one: "
                           f"{INSTALL_HINT}")]
    with ThreadPoolExecutor(PDF_WORKERS) as pool:
        outcomes = list(pool.map(_build_one, sources.items()))
    built = [pdf for pdf, _ in outcomes if pdf is not None]
    failed = [(tex, error) for (tex, _), (_, error) in zip(sources.items(), outcomes) if error]
    return built, failed


def _build_one(item: tuple[Path, str]) -> tuple[Path | None, str]:
    tex, source = item
    try:
        return build_pdf(source, tex.with_suffix(".pdf"), source_name=tex.name).pdf, ""
    except NablagradeError as err:
        return None, str(err).splitlines()[0] if str(err) else type(err).__name__
