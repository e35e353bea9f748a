"""One walk over every checkable part of every problem: the derived truth, written back as a
student would (its own LaTeX, with its left-hand side, disguised with ``+ 0``), is correct; the
same answer always gets the same verdict; any string at all gets a verdict, never an exception."""

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nablagrade.check.kinds  # noqa: F401
from nablagrade.check.api import CHECKERS, _task, check
from nablagrade.derive import solve
from nablagrade.problems import all_problems

PARTS = [(p.id, part.id, part.kind) for p in all_problems() for part in p.parts
         if part.kind != "text"]


def disguises(d, kind):
    yield d.latex
    if d.lhs:
        yield (rf"{d.lhs} \in {d.latex}" if kind == "shape" and d.meta.get("field")
               else f"{d.lhs} = {d.latex}")
    if kind in ("matrix", "formula", "tensor"):
        yield f"{d.latex} + 0"
        yield rf"0 + \left({d.latex}\right)"


def test_every_part_kind_has_a_checker():
    assert {kind for _, _, kind in PARTS} <= set(CHECKERS)


@pytest.mark.parametrize("problem, part, kind", PARTS)
def test_the_derived_truth_is_correct_however_it_is_written(problem, part, kind):
    d = solve(problem, parts=(part,)).parts[part]
    for answer in disguises(d, kind):
        v = check(problem, part, answer)
        assert v.verdict == "correct", (answer, v.to_json())
        assert v.score == 1.0 and v.method in ("exact", "symbolic", "sampled")


@pytest.mark.parametrize("problem, part, kind", PARTS)
def test_verdicts_are_deterministic(problem, part, kind):
    d = solve(problem, parts=(part,)).parts[part]
    wrong = f"2 \\left({d.latex}\\right)" if kind not in ("shape", "array", "sequence") \
        else d.latex.replace("2", "3", 1) if "2" in d.latex else d.latex + r" \times 2"
    for answer in (d.latex, wrong):
        first = json.dumps(check(problem, part, answer).to_json(), sort_keys=True, default=str)
        _task.cache_clear()  # instances drawn anew from the question's seed
        again = json.dumps(check(problem, part, answer).to_json(), sort_keys=True, default=str)
        assert first == again


TOKENS = st.sampled_from([
    "x", "h", "[t]", "[t-1]", "_t", "W_h", "c[t]", "^\\top", "\\odot", "\\operatorname{diag}(",
    "(", ")", "{", "}", "+", "-", "\\frac{", "}{", "\\sum_{t=1}^{K}", "\\partial", "\\ell",
    "2", "0.5", "\\times", "\\mathbb{R}^{", "\\lfloor", "\\rfloor", "\\sigma(", "|", "&", "\\\\",
    "\\begin{cases}", "\\end{cases}", "=", ",", "\\in", "10^{10^{10}}", "!", "\\sqrt", " ",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PARTS), st.lists(TOKENS, max_size=25).map("".join))
def test_any_string_gets_a_verdict(question, answer):
    problem, part, _ = question
    v = check(problem, part, answer)
    assert v.verdict in ("correct", "incorrect", "invalid")
    assert 0.0 <= v.score <= 1.0
    json.dumps(v.to_json(), allow_nan=False)  # strict JSON: no NaN or Infinity


PATHOLOGICAL = [
    r"10^{10^{10}}", r"2^{2^{20}}", r"(x-1)^{99999}", r"100000!", r"\binom{100000}{5000}",
    r"\sum_{i=1}^{1000000000} i", r"\prod_{j=1}^{10^{9}} 2",
    "(" * 500 + "x" + ")" * 500, "x" + " + x" * 3000, r"\frac{1}{0}", r"0^{-1}",
    r"\sqrt{-1}", r"\ln(0)", "9" * 5000, r"\sum_{t=1}^{K} \sum_{s=1}^{K} \sum_{r=1}^{K} x[t]",
]


@pytest.mark.parametrize("answer", PATHOLOGICAL)
@pytest.mark.parametrize("problem, part", [("loss.init", "loss"), ("rnn.gated", "dc-dh"),
                                            ("conv.output-shape-formula", "shape"),
                                            ("conv1d.backprop", "dldW-expr"),
                                            ("rnn.scalar-unroll", "dydw")])
def test_pathological_answers_get_a_verdict(problem, part, answer):
    v = check(problem, part, answer)
    assert v.verdict in ("incorrect", "invalid")
    assert v.diagnoses or v.counterexample is not None, v.to_json()  # it says why
    json.dumps(v.to_json(), allow_nan=False)


def test_a_check_past_its_time_limit_is_invalid(monkeypatch):
    import nablagrade.check.api as api

    def forever(task, tree):
        while True:
            pass

    monkeypatch.setitem(api.CHECKERS, "number", forever)
    v = api.check("loss.init", "loss", r"\ln 4", time_limit=0.2)
    assert v.verdict == "invalid" and v.codes == ("limit",)
    assert "longer than 0.2 s" in v.diagnoses[0].message
