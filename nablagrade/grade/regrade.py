"""Regrading a class: read the answer files, grade every student against their own variant,
check each distinct (question variant, answer) once, reuse what the gradebook already knows,
record the run, and write grades, feedback, the class report and exports.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from nablagrade import __version__
from nablagrade.assignments import Assignment, load
from nablagrade.check.verdict import graded
from nablagrade.grade.model import Job, Result, normalise_answer
from nablagrade.problems.model import freeze_params

STORE_EVERY = 64  # verdicts written to the gradebook per transaction while a run goes on


@dataclass
class Summary:
    students: int = 0
    answers: int = 0
    distinct: int = 0
    checked: int = 0  # distinct checks actually run (not found in the gradebook)
    seconds: float = 0.0
    problems: list = field(default_factory=list)
    written: dict = field(default_factory=dict)
    run: int | None = None
    changes: list = field(default_factory=list)


def _job(assignment: Assignment, q, answer: str) -> Job:
    return Job(q.problem, q.part, freeze_params(q.params), normalise_answer(answer),
               assignment.layout)


def plan(assignment: Assignment, submissions) -> tuple[list, dict]:
    """Every (student, question) with its job (None: no answer), and the distinct jobs."""
    rows, jobs = [], {}
    for sub in submissions:
        variant = assignment.for_student(sub.student)
        for q in variant.questions:
            answer = sub.answers.get(q.id)
            job = _job(variant, q, answer) if answer is not None and answer.strip() else None
            if job is not None:
                jobs.setdefault(job.key, job)
            rows.append((sub.student, q, answer or "", job))
    return rows, jobs


def result_of(student: str, q, answer: str, verdict: dict | None) -> Result:
    """A graded result from the checker's verdict and the question's credit table."""
    params = freeze_params(q.params)
    if verdict is None:
        return Result(student, q.id, "missing", 0.0, 0.0, q.points, answer, params=params,
                      note="no answer")
    diagnoses = tuple((d["code"], d["message"]) for d in verdict.get("diagnoses", ()))
    outcome, score = verdict["verdict"], float(verdict.get("score", 0.0))
    if outcome in ("correct", "incorrect") and diagnoses:  # the question's own credit table
        from nablagrade.check.verdict import Diagnosis

        outcome, score = graded(tuple(Diagnosis(c, m) for c, m in diagnoses), q.credit)
    elif outcome == "correct":
        score = 1.0
    return Result(student, q.id, outcome, score, round(score * q.points, 6), q.points, answer,
                  verdict.get("answer", ""), verdict.get("expected", ""), diagnoses,
                  verdict.get("method", ""), int(verdict.get("instances", 0) or 0),
                  verdict.get("counterexample"), params)


def _progress(total: int):
    if not sys.stderr.isatty() or total < 50:
        return None
    start = time.monotonic()

    def show(done: int):
        width = 30
        filled = int(width * done / total)
        rate = done / max(time.monotonic() - start, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                         f"checks, {rate:.0f}/s")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def check_all(jobs: dict, gradebook, *, workers=None, scheduler=None) -> tuple[dict, int]:
    """Verdicts by job key: from the gradebook's cache, the rest checked (and stored as they
    finish, so a killed run keeps its work)."""
    from nablagrade.grade.pool import run_jobs

    verdicts = gradebook.cached(list(jobs), __version__) if gradebook else {}
    missing = [jobs[k] for k in jobs if k not in verdicts]
    pending = []
    for index, verdict in run_jobs(missing, workers=workers, scheduler=scheduler,
                                   progress=_progress(len(missing))):
        key = missing[index].key
        verdicts[key] = verdict
        pending.append((key, verdict))
        if gradebook and len(pending) >= STORE_EVERY:
            gradebook.store_checks(pending, __version__)
            pending = []
    if gradebook and pending:
        gradebook.store_checks(pending, __version__)
    return verdicts, len(missing)


def fingerprints(results) -> dict:
    """The value of each wrong answer, for grouping mistakes written differently: instances
    are seeded by the question, so answers equal everywhere fail first at the same instance,
    with the same value; the counterexample identifies the mistake's value."""
    import hashlib
    import json

    out = {}
    for r in results:
        if r.verdict == "incorrect" and r.counterexample is not None:
            text = json.dumps([r.question, r.params, r.counterexample], sort_keys=True, default=str)
            out[(r.student, r.question)] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def regrade(assignment_ref: str, paths: Iterable[str | Path], outdir: Path, *,
            workers: int | None = None, scheduler: str | None = None,
            gradebook_path: Path | None = None, show_solutions: bool = False,
            exports=(), roster: Path | None = None, pdf: bool = True) -> Summary:
    from nablagrade.grade.answers import read_answers
    from nablagrade.grade.gradebook import Gradebook
    from nablagrade.grade.outputs import write_outputs

    started = time.monotonic()
    assignment = load(assignment_ref)
    read = read_answers([Path(p) for p in paths], [q.id for q in assignment.questions])
    rows, jobs = plan(assignment, read.submissions)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    options = {"workers": workers, "scheduler": scheduler, "show_solutions": show_solutions,
               "exports": sorted(exports)}
    with Gradebook(gradebook_path or outdir / "gradebook.sqlite") as book:
        previous = book.previous_run(assignment.name)
        run = book.start_run(assignment.name, assignment.digest, __version__, options)
        verdicts, checked = check_all(jobs, book, workers=workers, scheduler=scheduler)
        results = [result_of(student, q, answer, verdicts[job.key] if job else None)
                   for student, q, answer, job in rows]
        book.store_results(run, results)
        book.store_problems(run, read.problems)
        book.finish_run(run)
        changes = book.changes(previous, run) if previous is not None else []
    written = write_outputs(outdir, assignment, results, list(read.problems),
                            changes=changes if previous is not None else None,
                            fingerprints=fingerprints(results),
                            show_solutions=show_solutions, exports=set(exports), roster=roster,
                            pdf=pdf)
    return Summary(len(read.submissions), sum(1 for r in rows if r[3]), len(jobs), checked,
                   time.monotonic() - started, list(read.problems), written, run, changes)
