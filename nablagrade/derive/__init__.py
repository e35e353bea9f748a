"""The derivation engine: matrix calculus, BPTT, index notation, numeric evaluation.

`solve(problem_id, params)` resolves the parameters, builds the problem's queries and derives
every part. Text parts carry their reference answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from nablagrade.derive.solution import Derivation, Solution, Step

__all__ = ["Derivation", "Solution", "Step", "solve", "solve_part"]


def solve(problem_id: str, params: Mapping[str, Any] | None = None,
          parts: tuple[str, ...] | None = None) -> Solution:
    """Derive the parts of a registered problem (all of them, or those named).

    Derivations are deterministic: the same question is derived once per process."""
    from nablagrade.problems.model import freeze_params

    return _solve(problem_id, freeze_params(params), tuple(parts) if parts else None)


@lru_cache(maxsize=1024)
def _solve(problem_id: str, params: tuple, parts: tuple[str, ...] | None) -> Solution:
    params = dict(params)
    from nablagrade.problems import get_problem
    from nablagrade.errors import DerivationError

    problem = get_problem(problem_id)
    wanted = [problem.part(pid) for pid in parts] if parts else list(problem.parts)
    resolved = problem.resolve(params)
    queries = problem.build(resolved)
    out = {}
    for part in wanted:
        if part.kind == "text":
            out[part.id] = Derivation(expr=part.reference, latex="", value=None,
                                      meta={"reference": part.reference})
            continue
        if part.id not in queries:
            raise DerivationError(f"{problem.id}: the builder gives no derivation for part {part.id}")
        out[part.id] = queries[part.id].derive()
    return Solution(problem=problem.id, params=resolved.given, parts=out,
                    kinds={part.id: part.kind for part in wanted})


def solve_part(problem_id: str, part_id: str, params: Mapping[str, Any] | None = None) -> Derivation:
    return solve(problem_id, params, parts=(part_id,)).parts[part_id]
