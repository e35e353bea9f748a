"""The problem library. Problem modules are imported explicitly, in this order."""

from __future__ import annotations

from nablagrade.errors import UnknownName
from nablagrade.problems.model import Param, Part, Problem, problem, registry

# Importing a module registers its problems.
from nablagrade.problems import losses  # noqa: F401,E402
from nablagrade.problems import scalar_rnn, conv_numeric, snn  # noqa: F401,E402
from nablagrade.problems import conv  # noqa: F401,E402
from nablagrade.problems import rnn, attention  # noqa: F401,E402

__all__ = ["Param", "Part", "Problem", "problem", "registry", "get_problem", "all_problems"]


def get_problem(problem_id: str) -> Problem:
    problems = registry()
    if problem_id in problems:
        return problems[problem_id]
    raise UnknownName("problem", problem_id, problems)


def all_problems() -> list[Problem]:
    return list(registry().values())
