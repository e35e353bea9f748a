"""The command line: parse options, call one library function, print.

Exit codes (spec/interface.md): 0 success, 1 incorrect answer, 2 usage error, 3 invalid answer,
4 bad input files.
"""

from __future__ import annotations

import json
import sys

import click

from nablagrade import __version__
from nablagrade.errors import NablagradeError, UsageError


class Command(click.Command):
    """Turns nablagrade's own errors into click's output and exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as err:
            raise click.UsageError(str(err), ctx) from None
        except NablagradeError as err:
            click.echo(f"Error: {err}", err=True)
            ctx.exit(err.exit_code)


class Group(click.Group):
    command_class = Command


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nablagrade")
def main():
    """Derive, verify, typeset and grade the mathematics of backpropagation."""


def parse_params(pairs) -> dict:
    """``-p NAME=VALUE`` options into a dict of decoded values (integers, decimals, JSON)."""
    from nablagrade.problems.model import parse_value

    params = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-p")
        try:
            params[name.strip()] = parse_value(text)
        except ValueError as err:
            raise click.BadParameter(f"{name.strip()}: {err}", param_hint="-p") from None
    return params


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(as_json):
    """List the problems (with their parts and parameters) and the built-in assignments."""
    from nablagrade.assignments import builtin_names, load
    from nablagrade.problems import all_problems

    problems = all_problems()
    assignments = [load(name) for name in builtin_names()]
    if as_json:
        click.echo(json.dumps({"problems": [problem_json(p) for p in problems],
                               "assignments": [{"name": a.name, "title": a.title,
                                                "questions": len(a.questions), "points": a.points}
                                               for a in assignments]}, indent=2))
        return
    click.echo("Assignments (built in):")
    for a in assignments:
        click.echo(f"  {a.name:<20} {a.title}  ({len(a.questions)} questions, {a.points:g} points)")
    click.echo("\nProblems:")
    for p in problems:
        params = ", ".join(f"{q.name}={q.default}" if q.default is not None else q.name
                           for q in p.params)
        click.echo(f"{p.id}  [{p.priority}]  {p.title}" + (f"  ({params})" if params else ""))
        for part in p.parts:
            click.echo(f"    {part.id:<16} {part.kind}")


def problem_json(p) -> dict:
    return {
        "id": p.id, "title": p.title, "priority": p.priority, "source": p.source,
        "params": [{"name": q.name, "kind": q.kind, "default": q.default, "doc": q.doc}
                   for q in p.params],
        "parts": [{"id": part.id, "kind": part.kind, "asks": part.asks} for part in p.parts],
    }


@main.command()
@click.argument("problem", required=False)
@click.option("--all", "every", is_flag=True, help="Solve every problem at its defaults.")
@click.option("--part", "part", default=None, help="Only this part.")
@click.option("-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter (integer, decimal or JSON list); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--steps/--no-steps", default=False, help="Show the derivation steps.")
def solve(problem, every, part, params, as_json, steps):
    """Derive the answers of PROBLEM (see `nablagrade list`), or of every problem (--all)."""
    from nablagrade.derive import solve as derive_solution
    from nablagrade.problems import all_problems

    if every == bool(problem):
        raise click.UsageError("give either a PROBLEM or --all")
    if every and (part or params):
        raise click.UsageError("--all solves every problem at its defaults: no --part or -p")
    ids = [p.id for p in all_problems()] if every else [problem]
    solutions = [derive_solution(pid, parse_params(params), (part,) if part else None)
                 for pid in ids]
    if as_json:
        data = [s.to_json() for s in solutions]
        click.echo(json.dumps(data if every else data[0], indent=2))
        return
    click.echo("\n\n".join(format_solution(s, steps) for s in solutions))


def format_solution(solution, steps: bool) -> str:
    given = ", ".join(f"{k}={v}" for k, v in solution.params.items() if v is not None)
    lines = [f"{solution.problem}" + (f"  ({given})" if given else "")]
    for pid, d in solution.parts.items():
        kind = solution.kinds.get(pid, "")
        lines.append(f"\n  {pid} [{kind}]")
        if kind == "text":
            lines.append(f"    {d.meta.get('reference', '')}")
            continue
        if steps:
            lines.extend(f"    {s.lhs} = {s.rhs}" + (f"    ({s.note})" if s.note else "")
                         for s in d.steps)
        relation = r" \in " if kind == "shape" and d.meta.get("field") else " = "
        if not (steps and d.steps and d.steps[-1].rhs == d.latex):
            lines.append(f"    {d.lhs + relation if d.lhs else ''}{d.latex}")
        if d.value is not None:
            lines.append(f"    value: {json.dumps(d.value)}")
    return "\n".join(lines)


def _output(assignment: str, student: str | None, out: str | None, suffix: str):
    from pathlib import Path

    if out:
        return Path(out)
    stem = Path(assignment).stem + (f"-{student}" if student else "") + suffix
    return Path(stem + ".pdf")


@main.command()
@click.argument("assignment")
@click.option("-o", "out", default=None, metavar="OUT.pdf|OUT.tex",
              help="Where to write (default: ASSIGNMENT[-ID]-solutions.pdf); .tex: no PDF.")
@click.option("--student", default=None, metavar="ID", help="That student's variant.")
def sheet(assignment, out, student):
    """Render the solution sheet of ASSIGNMENT (a file, or a built-in name: see `list`)."""
    from nablagrade.render.build import engine
    from nablagrade.render.sheet import publish, sheet_source

    path = _output(assignment, student, out, "-solutions")
    wants_pdf = path.suffix.lower() != ".tex"
    tex, pdf, message = publish(sheet_source(assignment, student), path, pdf=wants_pdf)
    click.echo(message, err=pdf is None and wants_pdf)
    if wants_pdf and pdf is None and out and engine() is None:
        sys.exit(1)  # a PDF was asked for by name and none could be built


@main.command()
@click.argument("assignment")
@click.option("-o", "out", default=None, metavar="OUT.tex",
              help="Where to write (default: ASSIGNMENT[-ID]-answers.tex).")
@click.option("--student", default=None, metavar="ID", help="That student's variant.")
def template(assignment, out, student):
    """Write an answer template for ASSIGNMENT: the questions, an empty answer for each."""
    from pathlib import Path

    from nablagrade.render.sheet import publish, template_source

    path = Path(out) if out else _output(assignment, student, None, "-answers").with_suffix(".tex")
    _, _, message = publish(template_source(assignment, student), path, pdf=False)
    click.echo(message)


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "outdir", default="grades", show_default=True, type=click.Path(),
              help="Output directory.")
@click.option("--jobs", "workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: all cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A Dask scheduler (tcp://host:8786) instead of local processes.")
@click.option("--gradebook", "gradebook", type=click.Path(), default=None,
              help="The SQLite gradebook (default: OUTDIR/gradebook.sqlite).")
@click.option("--export", "exports", default="", metavar="canvas,gradescope",
              help="LMS exports to write.")
@click.option("--roster", type=click.Path(exists=True), default=None,
              help="A Canvas gradebook export to copy student identities from.")
@click.option("--show-solutions", is_flag=True, help="Put the expected answers in the feedback.")
@click.option("--no-pdf", is_flag=True, help="Markdown feedback and report only.")
def regrade(assignment, submissions, outdir, workers, scheduler, gradebook, exports, roster,
            show_solutions, no_pdf):
    """Grade a class: SUBMISSION files (.tex, .json, .csv) or directories of them."""
    from pathlib import Path

    from nablagrade.grade.regrade import regrade as run

    chosen = {e.strip() for e in exports.split(",") if e.strip()}
    unknown = chosen - {"canvas", "gradescope"}
    if unknown:
        raise click.BadParameter(f"unknown export {sorted(unknown)[0]!r}; valid: canvas, "
                                 f"gradescope", param_hint="--export")
    summary = run(assignment, submissions, Path(outdir), workers=workers, scheduler=scheduler,
                  gradebook_path=Path(gradebook) if gradebook else None,
                  show_solutions=show_solutions, exports=chosen,
                  roster=Path(roster) if roster else None, pdf=not no_pdf)
    for problem in summary.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"graded {summary.students} students, {summary.answers} answers "
               f"({summary.distinct} distinct, {summary.checked} checked now) in "
               f"{summary.seconds:.1f} s; {len(summary.changes)} changed since the last run")
    for name in sorted(summary.written):
        click.echo(f"  {summary.written[name]}")


@main.command()
@click.argument("assignment")
@click.argument("key", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit(assignment, key, as_json):
    """Check an instructor's answer KEY (an answer file) against the derived truth."""
    from pathlib import Path

    from nablagrade.grade.audit import audit as run

    report = run(assignment, Path(key))
    if as_json:
        click.echo(json.dumps({"findings": [r.to_json() for r in report.findings],
                               "checked": len(report.results),
                               "unanswered": list(report.unanswered)}, indent=2, default=str))
    else:
        for r in report.findings:
            codes = ", ".join(c for c, _ in r.diagnoses) or r.verdict
            click.echo(f"{r.question}: {r.verdict.upper()} ({codes}), {r.points:g}/{r.max_points:g}")
            click.echo(f"    key says: {r.understood or r.answer}")
            for _, message in r.diagnoses:
                click.echo(f"    {message}")
            click.echo(f"    right:    {r.expected}")
        blank = len(report.unanswered)
        click.echo(f"{len(report.findings)} of {len(report.results)} answers in the key are not "
                   f"right" + (f"; {blank} question{'s' if blank != 1 else ''} unanswered "
                               f"({', '.join(report.unanswered)})" if blank else ""))
    sys.exit(1 if report.findings else 0)


VERDICT_EXIT = {"correct": 0, "incorrect": 1, "invalid": 3, "manual": 0}


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1)
@click.option("-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the problem; repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--layout", type=click.Choice(["numerator", "denominator"]), default="numerator",
              show_default=True, help="The layout convention of derivatives.")
@click.option("--expected", default=None, metavar="LATEX",
              help="Compare ANSWER with this formula instead of a catalogue problem.")
@click.option("--integer", default="", metavar="A,B,...", help="With --expected: integer symbols.")
@click.option("--positive", default="", metavar="A,B,...", help="With --expected: positive symbols.")
@click.option("--batch", "batch", type=click.File("r"), default=None, metavar="FILE.jsonl",
              help="Check every line of a JSON-lines file; one JSON result per line.")
def check(args, params, as_json, layout, expected, integer, positive, batch):
    """Check an answer: PROBLEM PART [ANSWER | -], or --expected LATEX ANSWER, or --batch FILE.

    The answer is LaTeX as a student writes it; '-' (or nothing) reads it from standard input.
    Exit code: 0 correct, 1 incorrect, 3 invalid.
    """
    import nablagrade.check.kinds  # noqa: F401  (registers the kind checkers)

    if batch is not None:
        if args or expected:
            raise click.UsageError("--batch takes no other arguments")
        from nablagrade.check.batch import check_lines

        for result in check_lines(batch, layout):
            click.echo(json.dumps(result))
        return
    if expected is not None:
        if len(args) > 1:
            raise click.UsageError("with --expected give one ANSWER (or - for standard input)")
        from nablagrade.check.free import compare

        answer = _answer_text(args[0] if args else "-")
        verdict = compare(expected, answer, integer=_names(integer), positive=_names(positive))
    else:
        if len(args) not in (2, 3):
            raise click.UsageError("give PROBLEM PART [ANSWER | -]")
        from nablagrade.check.api import check as check_answer

        answer = _answer_text(args[2] if len(args) == 3 else "-")
        verdict = check_answer(args[0], args[1], answer, parse_params(params), layout=layout)
    click.echo(json.dumps(verdict.to_json(), indent=2) if as_json else format_verdict(verdict))
    sys.exit(VERDICT_EXIT.get(verdict.verdict, 0))


def _names(text: str) -> tuple:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _answer_text(arg: str) -> str:
    return click.get_text_stream("stdin").read() if arg == "-" else arg


def format_verdict(v) -> str:
    lines = [f"{v.verdict.upper()}  score {v.score:g}  ({v.method}"
             + (f", {v.instances} instances)" if v.instances else ")")]
    for d in v.diagnoses:
        lines.append(f"  [{d.code}] {d.message}")
    if v.answer:
        lines.append(f"  answer as read: {v.answer}")
    if v.verdict != "correct" and v.expected:
        lines.append(f"  expected:       {v.expected}")
    if v.counterexample is not None:
        c = v.counterexample
        lines.append(f"  counterexample: at {json.dumps(dict(c.instance), default=str)}: "
                     f"expected {json.dumps(c.expected, default=str)}, "
                     f"got {json.dumps(c.got, default=str)}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
