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
    """List the problems (with their parts and parameters)."""
    from nablagrade.problems import all_problems

    problems = all_problems()
    if as_json:
        click.echo(json.dumps({"problems": [problem_json(p) for p in problems]}, indent=2))
        return
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
