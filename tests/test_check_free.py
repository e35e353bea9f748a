"""Free comparison (`nablagrade check --expected`): true identities and near misses, with the
verdict and how it was reached; determinism; bounded time.

The certificate has a time budget (0.2 s); the table runs with a generous one so that the
``method`` column does not depend on the machine's load.
"""

import time

import pytest
import sympy as sp

from nablagrade.check import free
from nablagrade.check.free import ExpectedError, compare
from nablagrade.errors import UsageError

OK, WRONG, INVALID = "correct", "incorrect", "invalid"
P = {"integer": ("n",), "positive": ("n",)}
NS = {"integer": ("N", "S"), "positive": ("N", "S")}
POSITIVE_X = {"positive": ("x",)}
EXP10 = (r"x^{10} + 10x^9 + 45x^8 + 120x^7 + 210x^6 + 252x^5 + 210x^4 + 120x^3 + 45x^2 + 10x"
         r" + 1")


def polynomial(coefficients) -> str:
    out = ""
    for i, c in enumerate(coefficients):
        out += (" - " if c < 0 else (" + " if out else "")) + f"{abs(c)} x^{{{i}}}"
    return out


LONG = [3, -7, 12, 5, -9, 4, 11, -2, 8, 6, -13, 1, 17, -5, 2, 9, -4, 3, 1, 7]
CHANGED = LONG[:9] + [7] + LONG[10:]     # one constant changed: 6 -> 7 at x^9

TABLE = [  # expected, answer, options, verdict, method
    (r"\lceil N/S \rceil", r"\lfloor (N-1)/S \rfloor + 1", NS, OK, "sampled"),
    (r"|x|", r"\sqrt{x^2}", {}, OK, "symbolic"),
    (r"\sin^2 x + \cos^2 x", "1", {}, OK, "symbolic"),
    (r"e^{\ln x}", "x", POSITIVE_X, OK, "symbolic"),
    (r"\log(e^{a} + e^{b})", r"m + \log(e^{a-m} + e^{b-m})", {}, OK, "symbolic"),
    (r"\log(e^{a} + e^{b})", r"\max(a,b) + \log(e^{a-\max(a,b)} + e^{b-\max(a,b)})", {}, OK,
     "symbolic"),
    (r"(x+1)^{10}", EXP10, {}, OK, "symbolic"),
    (polynomial(LONG), polynomial(LONG), {}, OK, "symbolic"),
    (r"\sum_{i=1}^{n} i", r"\frac{n(n+1)}{2}", P, OK, "sampled"),
    (r"\ln 4", r"2 \ln 2", {}, OK, "symbolic"),
    (r"\frac{1}{4}", "0.25", {}, OK, "exact"),
    (r"\lceil x \rceil", r"-\lfloor -x \rfloor", {}, OK, "sampled"),
    (r"\tanh x", r"\frac{e^{x}-e^{-x}}{e^x+e^{-x}}", {}, OK, "symbolic"),
    (r"\sigma(x)", r"\frac{1}{1+e^{-x}}", {}, OK, "symbolic"),
    (r"\binom{n}{2}", r"\frac{n(n-1)}{2}", P, OK, "sampled"),
    (r"2^{10}", "1024", {}, OK, "exact"),
    (r"x^2 - y^2", r"(x-y)(x+y)", {}, OK, "symbolic"),
    (r"\frac{x^2 - 1}{x - 1}", "x + 1", {}, OK, "symbolic"),    # equal where both are defined
    (r"\sqrt{x}^2", "x", POSITIVE_X, OK, "symbolic"),
    (r"\log_2 8", "3", {}, OK, "symbolic"),
    (r"\cos(2x)", r"1 - 2\sin^2 x", {}, OK, "symbolic"),
    (r"5.1 \times 10^{-2}", "0.051", {}, OK, "exact"),
    (r"e^{a+b}", r"e^a e^b", {}, OK, "symbolic"),
    (r"\frac{n!}{(n-1)!}", "n", P, OK, "symbolic"),
    (r"\ln(xy)", r"\ln x + \ln y", {}, OK, "sampled"),          # where both are defined: x, y > 0
    (r"\tan x", r"\frac{\sin x}{\cos x}", {}, OK, "symbolic"),
    (r"f(x) = x^2 + 2x + 1", r"(x + 1)^2", {}, OK, "symbolic"),
    (r"(x-a)^{6000}", r"(x-a)^{5999}", {}, WRONG, "sampled"),
    (r"\lfloor x \rfloor + \lfloor -x \rfloor", "-1", {}, WRONG, "sampled"),
    (polynomial(LONG), polynomial(CHANGED), {}, WRONG, "sampled"),
    (r"\lceil N/S \rceil", r"\lfloor N/S \rfloor + 1", NS, WRONG, "sampled"),
    ("|x|", "x", {}, WRONG, "sampled"),
    (r"\sqrt{x^2}", "x", {}, WRONG, "sampled"),
    (r"\log(e^{a} + e^{b})", r"m + \log(e^{a-m} + e^{b})", {}, WRONG, "sampled"),
    (r"\sin^2 x + \cos^2 x", r"1 + 10^{-12} x", {}, WRONG, "sampled"),
    (r"\frac{1}{3}", "0.333", {}, WRONG, "exact"),
    (r"\sum_{i=1}^{n} i", r"\frac{n^2}{2}", P, WRONG, "sampled"),
    (r"\lceil x \rceil", r"\lfloor x \rfloor + 1", {}, WRONG, "sampled"),
    (r"(x+1)^{10}", EXP10.replace("252", "251"), {}, WRONG, "sampled"),
    (r"\max(a,b)", r"\frac{a+b-|a-b|}{2}", {}, WRONG, "sampled"),
    (r"10^{-50} x", "0", {}, WRONG, "sampled"),
    (r"\sigma(x)", r"\frac{1}{1+e^{x}}", {}, WRONG, "sampled"),
    (r"e^{\ln x}", "x + 10^{-30}", POSITIVE_X, WRONG, "sampled"),
    (r"\frac{n!}{(n-1)!}", "n - 1", P, WRONG, "sampled"),
    (r"2^{64} + 1", r"2^{64}", {}, WRONG, "exact"),
    ("x", r"x +", {}, INVALID, "exact"),
    ("x", r"\frac{\partial y}{\partial x}", {}, INVALID, "exact"),
]


@pytest.fixture
def patient(monkeypatch):
    monkeypatch.setattr(free, "BUDGET", 5.0)


@pytest.mark.parametrize("expected, answer, options, verdict, method", [
    pytest.param(*row, id=f"{row[0][:30]} vs {row[1][:30]}") for row in TABLE])
def test_free_comparison_table(patient, expected, answer, options, verdict, method):
    v = compare(expected, answer, **options)
    assert (v.verdict, v.method) == (verdict, method)
    if verdict == OK:
        assert v.score == 1.0 and (method != "sampled" or v.instances >= 10)
    if verdict == WRONG:
        assert v.counterexample is not None and v.score == 0.0


def test_the_table_is_big_enough():
    assert len(TABLE) >= 30
    assert sum(row[3] == OK for row in TABLE) >= 15 and sum(row[3] == WRONG for row in TABLE) >= 15


def test_counterexamples_are_small_and_show_both_values():
    v = compare(r"\lfloor x \rfloor + \lfloor -x \rfloor", "-1")
    assert v.counterexample.to_json() == {"instance": {"x": -1.0}, "expected": 0.0, "got": -1.0}
    v = compare(r"\lceil N/S \rceil", r"\lfloor N/S \rfloor + 1", **NS)
    assert v.counterexample.to_json() == {"instance": {"N": 1, "S": 1}, "expected": 1.0,
                                          "got": 2.0}
    v = compare(r"(x-a)^{6000}", r"(x-a)^{5999}")
    a, x = v.counterexample.instance["a"], v.counterexample.instance["x"]
    assert v.counterexample.expected == pytest.approx(float(sp.Float(x - a, 30) ** 6000), rel=1e-6)
    assert v.expected == r"\left(x - a\right)^{6000}" and v.answer == r"\left(x - a\right)^{5999}"


def test_deterministic():
    for expected, answer, options, *_ in TABLE[::3]:
        assert compare(expected, answer, **options).to_json() == \
            compare(expected, answer, **options).to_json()


def test_bad_expected_formula_is_a_usage_error():
    with pytest.raises(ExpectedError, match="the expected formula cannot be read"):
        compare(r"\frac{a}", "x")
    with pytest.raises(UsageError, match="has no value here"):
        compare(r"\frac{\partial y}{\partial x}", "x")


def test_invalid_answers_say_why():
    v = compare("x", r"\frac{1}{")
    assert v.codes == ("parse-error",) and v.expected == "x"
    assert compare("x", r"\sqrt{-1 - x^2}").codes == ("not-a-value",)
    assert compare("x", r"\begin{bmatrix} x \end{bmatrix}").codes == ("ill-typed",)
    assert compare("x", r"\det(x)").codes == ("ill-typed",)


def test_certificate_is_bounded_by_its_budget():
    x, y = sp.symbols("x y", real=True)
    hard = sp.expand((x + y + 1) ** 12) - sp.expand((x + y + 1) ** 6) ** 2 + sp.tanh(x) ** 2
    assert not free.certify(hard, sp.tanh(x) ** 2, seconds=0.05)  # gives up, returns
    assert free.certify(x, x) and not free.certify(None, x)
    assert not free.certify((x - 1) ** 6000, (x - 1) ** 6000 + 1)   # too large: not tried


def test_huge_values_are_bounded():
    for answer in (r"2^{2^{2^{2^{5}}}}", r"e^{e^{e^{100}}}", r"(1000!)!", r"x^{x^{x^{x}}}"):
        assert compare("x + 1", answer).verdict == WRONG


def test_budget_timer_leaves_an_outer_deadline_running():
    import signal

    from nablagrade.check.deadline import Timeout, deadline

    with pytest.raises(Timeout):
        with deadline(1.0):
            assert free.within(0.05, lambda: time.sleep(0.5)) is None
            left = signal.getitimer(signal.ITIMER_REAL)[0]
            assert 0.3 < left < 0.96
            time.sleep(2)
    assert free.within(0.5, lambda: 42) == 42
