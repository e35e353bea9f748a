"""What a student sees when an answer cannot be read: the message, the place, the caret; and the
limits that keep a hostile answer from costing time or memory."""

from __future__ import annotations

import logging
import pickle
import time

import pytest

from nablagrade.check import LimitError, Limits, ParseError, parse_answer
from nablagrade.check import ast as A
from nablagrade.check.latex import to_latex
from nablagrade.errors import NablagradeError

BROKEN = [
    # (answer, message pattern, column of the caret)
    (r"\frac{a}{b", r"'\{' is never closed", 9),
    (r"{x", r"'\{' is never closed: a brace was opened and not closed", 1),
    (r"x}", r"unexpected '\}' — a brace was closed that was never opened", 2),
    (r"x + )", r"a parenthesis was closed that was never opened", 5),
    (r"(a + b]", r"'\]' does not match the '\(' it closes", 7),
    (r"\left( x \right", r"'\(' is never closed", 6),
    (r"\frac{a}", r"\\frac needs two arguments", 1),
    (r"\binom{n}", r"\\binom needs two arguments", 1),
    (r"x +", r"expected an expression after '\+'", 3),
    (r"x \cdot", r"expected an expression after '\\cdot'", 3),
    (r"x^", r"expected an expression after '\^'", 2),
    (r"a = = b", r"expected an expression after '=', found '='", 5),
    (r"f(x,)", r"expected an expression after ',', found '\)'", 5),
    (r"\foo + 1", r"unknown command '\\foo'", 1),
    (r"x + \int x", r"unknown command '\\int'", 5),
    (r"1 + @", r"unexpected character '@'", 5),
    (r"\frac{}{}", r"nothing inside the braces", 6),
    (r"\sum_{i=1}^{n}", r"\\sum needs a body after its bounds", 1),
    (r"\sum_{i<3} x", r"range of a sum", 8),
    (r"x_1_2", r"a second subscript", 4),
    (r"\mathbb{N}^3", r"'\\mathbb\{N\}' is not known", 1),
    (r"\text{loss fn}", r"cannot read '\\text\{loss fn\}'", 1),
    (r"\begin{foo} x \end{foo}", r"the environment 'foo' is not supported", 1),
    (r"[1 \le j, 2]", r"must stand alone", 2),
    (r"\mathbf{x + y}", r"can only mark a name", 1),
    (r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", r"rows of this matrix have different lengths", 1),
    (r"5.1.2", r"two decimal points", 1),
    (r"< 3", r"cannot start with a comparison", 1),
    (r"\frac{a}{b \\ c}", r"unexpected a line break", 12),
    ("", r"the answer is empty", 1),
    ("$$  $$", r"the answer is empty", 1),
    (r"\\ ;", r"has no formula", 1),
]


@pytest.mark.parametrize("text, message, column", BROKEN)
def test_broken_answers_say_what_and_where(text, message, column):
    with pytest.raises(ParseError, match=message) as caught:
        parse_answer(text)
    error = caught.value
    assert error.column == column, (error.message, error.column)
    assert error.line == 1
    assert error.caret().splitlines()[-1] == " " * (column - 1) + "^"


def test_error_on_a_later_line():
    with pytest.raises(ParseError) as caught:
        parse_answer("a = b \\\\\n  c = \\foo")
    error = caught.value
    assert (error.line, error.column) == (2, 7)
    assert error.caret() == "  c = \\foo\n      ^"
    assert str(error) == "unknown command '\\foo' (line 2, column 7)"


def test_error_position_counts_the_wrappers():
    with pytest.raises(ParseError) as caught:
        parse_answer(r"$$x + \foo$$")
    assert caught.value.position == 6


def test_parse_error_is_a_nablagrade_error_that_pickles():
    with pytest.raises(ParseError) as caught:
        parse_answer(r"x +")
    error = caught.value
    assert isinstance(error, NablagradeError) and error.exit_code == 3
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.position, copy.line, copy.column) == (
        error.message, error.position, error.line, error.column)


# ----- limits ----------------------------------------------------------------------------------

def _fast_limit_error(text, match, limits=Limits()):
    with pytest.raises(LimitError, match=match):
        parse_answer(text, limits=limits)


def test_too_long():
    _fast_limit_error("x+" * 2500 + "x", r"too long: 5001 characters \(at most 4096\)")


def test_deep_nesting():
    _fast_limit_error("(" * 200 + "x" + ")" * 200, r"nested more than 60 deep")
    _fast_limit_error("x^{" * 200 + "2" + "}" * 200, r"nested more than 60 deep")
    _fast_limit_error(r"\frac{" * 100 + "1" + "}{2}" * 100, r"nested more than 60 deep")


def test_deep_tree_without_brackets():
    _fast_limit_error(r"\ln " * 1000 + "x", r"nested too deeply")
    _fast_limit_error("a/" * 1500 + "a", r"nested too deeply")
    _fast_limit_error(r"\partial " * 400 + "x", r"nested too deeply")


def test_long_literal():
    _fast_limit_error("1" * 1000, r"a number with 1000 digits is too long \(at most 30\)")
    _fast_limit_error("0." + "0" * 40 + "1", r"42 digits")


def test_too_many_nodes():
    _fast_limit_error("[" + "1," * 2000 + "1]", r"more than 2000 parts")


def test_literal_exponents_factorials_binomials():
    _fast_limit_error(r"x^{100000}", r"exponent 100000 is too large")
    _fast_limit_error(r"x^{-20000}", r"exponent 20000 is too large")
    _fast_limit_error(r"100000!", r"too large for a factorial")
    _fast_limit_error(r"\binom{5000}{2}", r"too large for a factorial or binomial")
    parse_answer(r"(x-a)^{6000} + 20! + \binom{50}{2}")


def test_towers_stay_trees():
    start = time.perf_counter()
    answer = parse_answer(r"10^{10^{10}} + 2^{2^{20}}")
    assert time.perf_counter() - start < 0.5
    tower = answer.statements[0].expr.terms[0]
    assert tower == A.Pow(A.Number("10"), A.Pow(A.Number("10"), A.Number("10")))


def test_limits_are_configurable():
    _fast_limit_error("x + y", r"at most 3", Limits(max_length=3))
    parse_answer("(" * 70 + "x" + ")" * 70, limits=Limits(max_nesting=80))


def test_long_flat_sums_are_fine_and_print_back():
    text = " + ".join(f"x_{{{i}}}" for i in range(300))
    answer = parse_answer(text)
    assert len(answer.statements[0].expr.terms) == 300
    assert parse_answer(to_latex(answer)) == answer


# ----- the grammar itself ----------------------------------------------------------------------

def test_grammar_has_no_conflicts(caplog):
    from importlib import resources
    from lark import Lark
    grammar = resources.files("nablagrade.check").joinpath("grammar.lark").read_text("utf-8")
    from nablagrade.check.parse import _Postlex
    with caplog.at_level(logging.DEBUG, logger="lark"):
        Lark(grammar, parser="lalr", postlex=_Postlex(), maybe_placeholders=True, debug=True)
    conflicts = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage().lower()]
    assert conflicts == []


PARSE_STAGE = ("__init__", "ast", "build", "constructs", "errors", "latex", "limits", "messages",
               "normalise", "parse", "postfix", "timing", "words")


def test_no_eval_on_student_text():
    from pathlib import Path
    import nablagrade.check as package
    for name in PARSE_STAGE:
        source = (Path(package.__file__).parent / f"{name}.py").read_text()
        for banned in ("eval(", "exec(", "sympify", "parse_expr", "lambdify"):
            assert banned not in source, (name, banned)


def test_the_deepest_accepted_trees_are_safe_to_walk_recursively():
    """A tree at the depth limit prints, compares and hashes with 200 frames already in use."""
    def under_load(frames, answer):
        if frames:
            return under_load(frames - 1, answer)
        printed = to_latex(answer)
        return answer == parse_answer(printed, limits=Limits(max_nesting=200)) and hash(answer)

    for piece, close in [("\\ln ", ""), ("x[", "]"), ("a/", ""), ("\\sum_i ", ""), ("-(", ")")]:
        count = 97 if not close else 60
        answer = parse_answer(piece * count + "x" + close * count)
        assert max(depth for _, depth in A.walk(answer)) <= Limits().max_tree_depth
        assert under_load(200, answer)
