"""The checker's core: the check command and its exit codes, batch robustness, text rubrics,
the per-answer deadline, statement picking and the verdict JSON contract."""

import json
import time

import pytest
from click.testing import CliRunner

import nablagrade.check.kinds  # noqa: F401
from nablagrade.check.api import check, seed_of
from nablagrade.check.deadline import Timeout, deadline
from nablagrade.check.parse import parse_answer
from nablagrade.check.statements import pick
from nablagrade.check.latex import to_latex
from nablagrade.cli import main


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.mark.parametrize("answer, verdict, score", [
    ("Exploding gradients; an optimisation instability overshoots; fix with gradient clipping.",
     "correct", 1.0),
    ("EXPLODING gradients, too large steps, clip the gradient norm", "correct", 1.0),
    ("exploding gradients", "manual", 0.0),
    ("the learning rate", "manual", 0.0),
])
def test_text_parts_use_the_rubric_or_leave_it_to_a_person(answer, verdict, score):
    v = check("debug.loss-spikes", "loss-spikes", answer)
    assert (v.verdict, v.score) == (verdict, score)
    if verdict == "manual":
        assert v.diagnoses[0].code == "manual" and "did not find" in v.diagnoses[0].message


@pytest.mark.parametrize("answer, where", [
    (r"\frac{a}", 0), (r"x +", 2), (r"\left( x", 5), (r"W_h }", 4),
])
def test_unreadable_answers_are_invalid_with_a_caret(answer, where):
    v = check("rnn.gated", "dc-dh", answer)
    assert v.verdict == "invalid" and v.score == 0.0
    assert v.diagnoses[0].code == "parse-error"
    assert v.diagnoses[0].position == where
    assert "^" in v.diagnoses[0].message.splitlines()[-1]


def test_empty_answer_is_invalid():
    v = check("rnn.gated", "dc-dh", "   ")
    assert (v.verdict, v.codes) == ("invalid", ("no-answer",))


def test_check_cli_exit_codes_and_json():
    ok = run("check", "debug.loss-spikes", "loss-spikes", "exploding, instability, clipping", "--json")
    assert ok.exit_code == 0
    data = json.loads(ok.output)
    assert set(data) >= {"problem", "part", "params", "verdict", "score", "diagnoses", "expected",
                         "answer", "counterexample", "method", "instances"}
    bad = run("check", "rnn.gated", "dc-dh", r"\frac{a}")
    assert bad.exit_code == 3 and "INVALID" in bad.output and "^" in bad.output


def test_check_reads_standard_input():
    result = run("check", "debug.loss-spikes", "loss-spikes", "-", input="exploding; instability; clip")
    assert result.exit_code == 0 and "CORRECT" in result.output


@pytest.mark.parametrize("args, message", [
    (("check", "rnn.gated"), "give PROBLEM PART"),
    (("check", "rnn.nope", "x", "1"), "unknown problem 'rnn.nope'"),
    (("check", "rnn.gated", "zz", "1"), "valid parts: c-shape"),
    (("check", "rnn.gated", "dc-dh", "1", "-p", "q=1"), "unknown parameter 'q'"),
])
def test_check_usage_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_batch_answers_every_line_in_order_and_survives_bad_ones(tmp_path):
    lines = [
        {"id": "a", "problem": "debug.loss-spikes", "part": "loss-spikes",
         "answer": "exploding, instability, clipping"},
        "this is not json",
        {"id": "c", "problem": "rnn.nope", "part": "x", "answer": "1"},
        {"id": "d", "problem": "rnn.gated", "part": "dc-dh", "answer": "x +"},
        {"id": "e", "problem": "rnn.gated", "part": "dc-dh"},
        {"id": "f", "problem": "rnn.gated", "part": "dc-dh", "answer": 5},
        [1, 2],
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines) + "\n\n")
    result = run("check", "--batch", str(path))
    assert result.exit_code == 0
    out = [json.loads(l) for l in result.output.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "c", "d", "e", "f", None]
    assert [o["verdict"] for o in out] == ["correct"] + ["invalid"] * 6
    assert "unknown problem" in out[2]["diagnoses"][0]["message"]
    assert out[3]["diagnoses"][0]["code"] == "parse-error"
    assert "missing field 'answer'" in out[4]["diagnoses"][0]["message"]


def test_deadline_interrupts_long_work():
    start = time.perf_counter()
    with pytest.raises(Timeout):
        with deadline(0.05):
            while True:
                pass
    assert time.perf_counter() - start < 1.0


def test_seeds_are_fixed_by_the_question():
    assert seed_of("rnn.gated", "dc-dh", {"n": 2}) == seed_of("rnn.gated", "dc-dh", {"n": 2})
    assert seed_of("rnn.gated", "dc-dh", {"n": 2}) != seed_of("rnn.gated", "dc-dh", {"n": 3})


@pytest.mark.parametrize("answer, kind, expr, lhs, defs", [
    (r"5 \times 2", "shape", r"5 \times 2", None, ()),
    (r"f_W(x) \in \mathbb{R}^{3}, f_W(x)[r] = x[r]", "shape", r"\mathbb{R}^{3}", "f_W(x)", ()),
    (r"f_W(x) \in \mathbb{R}^{3}, f_W(x)[r] = x[r]", "tensor", "x[r]", "f_W(x)[r]", ()),
    (r"\sum_{t=1}^{K} a_t b_t, \quad a_t = x[t], b_t = y[t]", "matrix",
     r"\sum_{t=1}^{K} a_t b_t", None, ("a_t", "b_t")),
    (r"\frac{\partial \ell}{\partial W} = \sum_t \delta[t], \delta[t] = g[t] + \delta[t+1]",
     "matrix", r"\sum_{t} \delta[t]", r"\frac{\partial \ell}{\partial W}", ("delta",)),
])
def test_statement_picking(answer, kind, expr, lhs, defs):
    def same(node, text):  # both printed by our own printer
        first = parse_answer(text).statements[0]
        return to_latex(node) == to_latex(getattr(first, "expr", getattr(first, "shape", first)))

    picked = pick(parse_answer(answer), kind)
    assert same(picked.expr, expr)
    assert (picked.lhs is None) == (lhs is None)
    if lhs is not None:
        assert same(picked.lhs, lhs)
    assert tuple(d[0] for d in picked.definitions) == defs


def test_the_checker_never_sympifies_text():
    """Every sympify in the checker is strict (refuses strings), and none calls eval/exec or
    parse_expr: student text reaches only our own grammar."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "nablagrade" / "check"
    for path in root.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"\b(eval|exec)\(|parse_expr\(|lambdify\(", source), path.name
        calls = re.findall(r"sympify\((?:[^()]|\([^()]*\))*\)", source, flags=re.S)
        assert all("strict=True" in call for call in calls), (path.name, calls)
