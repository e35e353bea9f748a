"""Assignments: the built-in ones load and reproduce the seed sheets' parameters; invalid files
are refused with messages naming the file, the question and the field; variants are drawn from
a hash of (assignment, question, student), deterministic, inside their ranges, admissible."""

import pytest

from nablagrade.assignments import AssignmentError, builtin_names, load, parse
from nablagrade.derive import solve
from nablagrade.errors import UsageError

GOOD = """
title = "T"
[[question]]
id = "q1"
problem = "conv.output-shape"
part = "shape"
points = 2
params = { H = 11, W = 21, KH = 5, KW = 4, S = 4 }
randomize = { H = [9, 31], S = [2, 4] }
"""


def test_builtins_reproduce_the_seed_sheets():
    assert builtin_names() == ["cnn-rnn-theory", "rnn-beam-conv", "snn-conv-attention"]
    a = load("cnn-rnn-theory")
    q = a.question("1.1a")
    assert solve(q.problem, q.params).parts["shape"].value == [2, 5]
    assert load("rnn-beam-conv").question("6b").problem == "conv1d.filter-recovery"
    assert len(load("snn-conv-attention").questions) == 19
    theory_parts = {(q.problem, q.part) for q in a.questions}
    assert {("conv1d.backprop", p) for p in ("out-expr", "dfdW-expr", "dfdx-expr", "dldW-expr",
                                             "dldW-explain")} <= theory_parts


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('problem = "conv.output-shape"', 'problem = "conv.nope"'),
     "a.toml: question q1: unknown problem 'conv.nope'; valid problems:"),
    (lambda s: s.replace('part = "shape"', 'part = "size"'),
     "a.toml: question q1: unknown part 'size'; valid parts: shape"),
    (lambda s: s.replace("H = 11,", "H = 0,"),
     "a.toml: question q1: conv.output-shape: parameter H: must be at least 1"),
    (lambda s: s.replace("H = 11,", "Q = 11,"), "a.toml: question q1: unknown parameter 'Q'"),
    (lambda s: s.replace("points = 2", 'points = "two"'), "question q1: field 'points'"),
    (lambda s: s.replace("H = [9, 31]", "H = [31, 9]"),
     "question q1: field 'randomize': H must be [low, high]"),
    (lambda s: s.replace("H = [9, 31]", "Z = [9, 31]"),
     "question q1: field 'randomize': unknown parameter 'Z'"),
    (lambda s: s + s[s.index("[[question]]"):], "question q1: the id is used twice"),
    (lambda s: s.replace('title = "T"', 'title = "T"\ncolour = 1'), "a.toml: unknown field 'colour'"),
    (lambda s: s.replace('title = "T"', 'title = "T"\n[conventions]\nlayout = "sideways"'),
     "conventions.layout must be one of"),
    (lambda s: s.replace('id = "q1"', ""), "a.toml: question 1: field 'id' is missing"),
    (lambda s: s.replace("[[question]]", "[[question"), "a.toml: not valid TOML"),
    (lambda s: 'title = "T"', "a.toml: no [[question]] tables"),
])
def test_invalid_assignments_name_file_question_and_field(edit, message):
    with pytest.raises(AssignmentError) as err:
        parse(edit(GOOD), "a", "a.toml")
    assert message in str(err.value)
    assert err.value.exit_code == 4


def test_unknown_assignment_lists_the_builtins(tmp_path):
    with pytest.raises(UsageError, match="not a file, and not a built-in one .*cnn-rnn-theory"):
        load(tmp_path / "missing.toml")


def test_variants_are_deterministic_different_and_in_range():
    a = parse(GOOD, "a", "a.toml")
    seen = set()
    for student in [f"s{i:03d}" for i in range(300)]:
        q = a.for_student(student).question("q1")
        again = a.for_student(student).question("q1")
        assert q.params == again.params  # no stored seed: the hash decides
        assert 9 <= q.params["H"] <= 31 and 2 <= q.params["S"] <= 4
        assert q.params["W"] == 21 and q.params["KH"] == 5  # fixed ones stay
        seen.add((q.params["H"], q.params["S"]))
    assert len(seen) > 40
    assert a.for_student(None) is a


def test_variants_differ_by_assignment_and_question():
    one = parse(GOOD, "a", "a.toml").for_student("ab123").question("q1").params
    other = parse(GOOD, "b", "b.toml").for_student("ab123").question("q1").params
    assert one != other


def test_degenerate_draws_are_drawn_again_or_refused_clearly():
    # kernels up to 40 on inputs from 9: most draws violate the constraint and are redrawn
    text = GOOD.replace("randomize = { H = [9, 31], S = [2, 4] }", "randomize = { KH = [2, 40] }")
    a = parse(text, "a", "a.toml")
    for student in ("x1", "x2", "x3"):
        q = a.for_student(student).question("q1")
        assert q.params["KH"] <= 11
    impossible = GOOD.replace("randomize = { H = [9, 31], S = [2, 4] }",
                              "randomize = { KH = [30, 40] }")
    with pytest.raises(AssignmentError, match="question q1: no admissible variant for student 'x1'"):
        parse(impossible, "a", "a.toml").for_student("x1")
