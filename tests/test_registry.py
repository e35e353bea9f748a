"""One walk over the whole registry: every problem derives at its defaults, every part of
every problem has an answer of its kind, JSON-ready, with recorded steps."""

import json

import pytest

from nablagrade.derive import solve
from nablagrade.errors import ParamError, UnknownName
from nablagrade.problems import all_problems, get_problem

PROBLEMS = [p.id for p in all_problems()]


@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_every_part_derives(problem_id):
    problem = get_problem(problem_id)
    solution = solve(problem_id)
    assert list(solution.parts) == [p.id for p in problem.parts]
    for part in problem.parts:
        d = solution.parts[part.id]
        if part.kind == "text":
            assert len(part.reference) > 20
            continue
        assert d.latex, f"{problem_id}/{part.id} has no LaTeX"
        assert d.steps, f"{problem_id}/{part.id} records no derivation step"
        if part.kind in ("number",):
            assert isinstance(d.value, float)
        if part.kind == "shape":
            assert isinstance(d.value, list) and d.value
    json.dumps(solution.to_json())


@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_every_problem_is_documented(problem_id):
    problem = get_problem(problem_id)
    assert problem.title and problem.statement and problem.source
    assert problem.priority in ("P0", "P1", "P2")
    assert len({p.id for p in problem.parts}) == len(problem.parts)
    for part in problem.parts:
        assert part.asks


def test_parameters_are_validated_with_their_name():
    problem = get_problem("loss.init")
    with pytest.raises(ParamError, match="loss.init: parameter classes: must be at least 2"):
        problem.resolve({"classes": 1})
    with pytest.raises(ParamError, match="parameter classes: expected an integer"):
        problem.resolve({"classes": "four"})
    with pytest.raises(UnknownName, match="valid parameters: classes"):
        problem.resolve({"klasses": 4})


def test_symbolic_dimensions_stay_symbolic_until_given():
    p = get_problem("rnn.gated").resolve({"m": 3})
    assert p.m == 3 and p.is_symbolic("n") and str(p.n) == "n"
