"""Number parts through `nablagrade.check.api.check`: exact forms compared exactly, decimals by
answers.md rule 3, formulas in the problem's symbols evaluated at the problem's values.

Each table row: (answer, verdict, diagnosis codes). Every part has at least 8 right answers in
different notations and 8 wrong ones.
"""

from fractions import Fraction

import pytest

import nablagrade.check.kinds  # noqa: F401  (registers the kind checkers)
from nablagrade.check import ast as A
from nablagrade.check.api import check
from nablagrade.check.numbers import Decimal, read_decimal
from nablagrade.check.parse import parse_answer

OK, WRONG, INVALID = "correct", "incorrect", "invalid"


def rows(part, table):
    return [pytest.param(part, answer, verdict, codes, id=f"{part}:{answer}")
            for answer, verdict, codes in table]


LOSS = [  # ln 4 = 1.3862943611...
    (r"\ln 4", OK, ()), (r"\log(4)", OK, ()), (r"2\ln 2", OK, ()), ("1.386", OK, ()),
    ("1.3863", OK, ()), (r"\ln(4)", OK, ()), (r"\ln 2 + \ln 2", OK, ()), ("1.39", OK, ()),
    (r"-\ln\frac{1}{4}", OK, ()), (r"\ell = \ln 4 \approx 1.386", OK, ()), ("1.386294", OK, ()),
    (r"\log 4.0", OK, ()), (r"\ln 4 + \sin(0)", OK, ()),
    ("1.38", WRONG, ("rounding",)), (r"\log_{10} 4", WRONG, ()), ("4", WRONG, ()),
    ("1/4", WRONG, ()), ("1.4", WRONG, ("too-few-digits",)), (r"-\ln 4", WRONG, ("sign-error",)),
    ("-1.386", WRONG, ("sign-error",)), (r"\ln 3", WRONG, ()), ("1.2", WRONG, ()),
    ("1.3862", WRONG, ("rounding",)), (r"\log_2 4", WRONG, ()), ("1.3", WRONG, ("too-few-digits",)),
    (r"\ln", INVALID, ("parse-error",)), ("C", INVALID, ("unknown-symbol",)),
    (r"\frac{1}{0}", INVALID, ("not-a-value",)), (r"\pm \ln 4", INVALID, ("ill-typed",)),
]

ACCURACY = [
    ("1/4", OK, ()), ("0.25", OK, ()), (r"25\%", OK, ()), (r"\frac{1}{4}", OK, ()),
    ("0.250", OK, ()), (r"2.5 \times 10^{-1}", OK, ()), (r"\mathrm{acc} = 1/4", OK, ()),
    ("4^{-1}", OK, ()), (r"1 - \frac{3}{4}", OK, ()), (r"25.0\%", OK, ()),
    ("0.2", WRONG, ("too-few-digits",)), ("4", WRONG, ()), ("-1/4", WRONG, ("sign-error",)),
    ("-0.25", WRONG, ("sign-error",)), ("1/3", WRONG, ()), ("0.24", WRONG, ()),
    ("25", WRONG, ()), (r"0.25\%", WRONG, ()), ("0.251", WRONG, ()),
]

COUNT = [
    ("9", OK, ()), (r"3 \times 3", OK, ()), ("3^2", OK, ()), ("(5-3+1)^2", OK, ()),
    ("9.0", OK, ()), ("n = 9", OK, ()), (r"\frac{18}{2}", OK, ()), (r"3 \cdot 3", OK, ()),
    ("8", WRONG, ()), ("25", WRONG, ()), ("3", WRONG, ()), ("-9", WRONG, ("sign-error",)),
    ("9.5", WRONG, ()), ("6", WRONG, ()), (r"3 \times 2", WRONG, ()), ("10", WRONG, ()),
]


@pytest.mark.parametrize("part, answer, verdict, codes",
                         rows("loss", LOSS) + rows("accuracy", ACCURACY))
def test_loss_init(part, answer, verdict, codes):
    v = check("loss.init", part, answer)
    assert (v.verdict, v.codes) == (verdict, codes)


@pytest.mark.parametrize("part, answer, verdict, codes", rows("count", COUNT))
def test_conv2d_count(part, answer, verdict, codes):
    v = check("conv2d.numeric", part, answer)
    assert (v.verdict, v.codes) == (verdict, codes)


# ----- snn.lif-surrogate: every gradient as decimals and as formulas ---------------------------

def S(t, v="V({})", th="T_h"):
    """The surrogate at step t, written as on the sheet."""
    return r"\frac{1}{(1 + k|%s - %s|)^2}" % (v.format(t), th)


CATALOGUE = {"dz-dw": "0.0805657", "dz-db": "0.1247028", "dz-dx1": "0.0348540",
             "dz-dx2": "0.0220685", "dz-dx3": "0.0054289", "dz-dbeta": "0.0304914",
             "dz-dTh": "-0.0724577"}
SNN = {
    "dz-dw": ("0.0806", "0.08057", r"8.06 \times 10^{-2}", [
        rf"x(1) \left({S(1)} + \beta {S(2)} + \beta^2 {S(3)}\right) + x(2)\left({S(2)} + \beta "
        rf"{S(3)}\right) + x(3) {S(3)}",
        rf"x_1 ({S(1)} + \beta(1 - y(1))({S(2)} + \beta (1 - y(2)) {S(3)})) + x_3 {S(3, 'V_{}')}",
        rf"\sum_{{t=1}}^{{3}} x(t) \sum_{{s=t}}^{{3}} \beta^{{s-t}} {S('s')}",
    ], ["0.0805", "0.081", "-0.0806", rf"x(3) {S(3)}"]),
    "dz-db": ("0.125", "0.1247", r"1.247 \times 10^{-1}", [
        rf"{S(1)} + (1 + \beta) {S(2)} + (1 + \beta + \beta^2) {S(3)}",
        rf"\sum_{{t=1}}^{{3}} \sum_{{s=t}}^{{3}} \beta^{{s-t}} {S('s')}",
        rf"{S(1, th='T_{{h}}')} + (1 + \beta) {S(2, 'V_{}')} + (1 + \beta + \beta^2) {S(3)}",
    ], ["0.124", "0.12", "-0.1247", rf"{S(1)} + {S(2)} + {S(3)}"]),
    "dz-dx1": ("0.0349", "0.03485", r"3.485 \times 10^{-2}", [
        rf"w \left({S(1)} + \beta {S(2)} + \beta^2 {S(3)}\right)",
        rf"w {S(1)} + w \beta {S(2)} + w \beta^2 {S(3)}",
        rf"\frac{{\partial z}}{{\partial x_1}} = w \sum_{{t=1}}^{{3}} \beta^{{t-1}} {S('t')}",
    ], ["0.0348", "0.035", "-0.0349", rf"w {S(1)}"]),
    "dz-dx2": ("0.0221", "0.02207", r"2.207 \times 10^{-2}", [
        rf"w \left({S(2)} + \beta {S(3)}\right)", rf"w {S(2)} + \beta w {S(3)}",
        rf"0.5 \left({S(2)} + 0.95 {S(3)}\right)",
    ], ["0.0220", "0.022", "-0.0221", rf"w {S(2)}"]),
    "dz-dx3": ("0.00543", "0.005429", r"5.43 \times 10^{-3}", [
        r"w/(1 + k|V(3) - T_h|)^2", rf"w {S(3)}",
        r"\frac{\partial z}{\partial x_3} = \frac{w}{(1 + k|V_3 - T_{h}|)^2}",
    ], ["0.00542", "0.0054", "-0.00543", r"w/(1 + k|V(3) - T_h|)"]),
    "dz-dbeta": ("0.0305", "0.03049", r"3.049 \times 10^{-2}", [
        rf"V(1) \left({S(2)} + \beta {S(3)}\right) + V(2) {S(3)}",
        rf"I(1) {S(2)} + (\beta V(1) + V(2)) {S(3)}",
        rf"\sum_{{t=1}}^{{2}} V(t) \sum_{{s=t+1}}^{{3}} \beta^{{s-t-1}} {S('s')}",
    ], ["0.0304", "0.030", "-0.0305", rf"V(2) {S(3)}"]),
    "dz-dTh": ("-0.0725", "-0.07246", r"-7.246 \times 10^{-2}", [
        rf"-\sum_{{t=1}}^{{3}} {S('t')}", rf"-({S(1)} + {S(2)} + {S(3)})",
        rf"-{S(1)} - {S(2)} - {S(3, 'V_{}')}",
    ], ["-0.0724", "-0.072", "0.0725", rf"-{S(3)}"]),
}


def snn_rows():
    out = []
    for part, (three, four, sci, formulas, (trunc, few, negated, partial)) in SNN.items():
        right = [three, four, sci, *formulas,
                 rf"\frac{{\partial z}}{{\partial w}} \approx {four}",  # the left side is optional
                 CATALOGUE[part], f"({formulas[0]}) + 0"]
        out += [(part, a, OK, ()) for a in right]
        out += [(part, trunc, WRONG, ("rounding",)), (part, few, WRONG, ("too-few-digits",)),
                (part, negated, WRONG, ("sign-error",)), (part, partial, WRONG, ()),
                (part, f"-({formulas[1]})", WRONG, ("sign-error",)), (part, "0", WRONG, ()),
                (part, "1", WRONG, ()), (part, f"2 ({formulas[0]})", WRONG, ()),
                (part, "q", INVALID, ("unknown-symbol",)), (part, "V(7)", INVALID, ("ill-typed",))]
    return [pytest.param(*r, id=f"{r[0]}:{r[1][:40]}") for r in out]


@pytest.mark.parametrize("part, answer, verdict, codes", snn_rows())
def test_snn_gradients(part, answer, verdict, codes):
    v = check("snn.lif-surrogate", part, answer)
    assert (v.verdict, v.codes) == (verdict, codes)


def test_tables_are_big_enough():
    tables = [LOSS, ACCURACY, COUNT] + [[(r[1], r[2], r[3]) for r in (p.values for p in snn_rows())
                                         if r[0] == part] for part in SNN]
    for table in tables:
        assert sum(r[1] == OK for r in table) >= 8 and sum(r[1] != OK for r in table) >= 8


# ----- the rounding rule, verdict details -------------------------------------------------------

@pytest.mark.parametrize("decimal, verdict", [
    ("0.125", "close"), ("0.1247", "close"), ("0.12", "few"), ("0.1246", "wrong"),
    ("0.124", "near"), ("0.12470277", "close"), ("0.1248", "near"), ("0.13", "few"),
    ("0.14", "wrong"), ("0.124703", "close"),
])
def test_rule_three_on_the_sheet_example(decimal, verdict):
    d = read_decimal(parse_answer(decimal).statements[0].expr)
    assert d.judge(Fraction("0.12470277459058231")) == verdict


def test_read_decimal_forms():
    def read(text):
        return read_decimal(parse_answer(text).statements[0].expr)
    assert read("0.1247") == Decimal(Fraction("0.1247"), Fraction(1, 10**4), 4)
    assert read(r"12.5\%") == Decimal(Fraction(1, 8), Fraction(1, 1000), 3)
    assert read(r"5.1 \times 10^{-2}") == Decimal(Fraction("0.051"), Fraction(1, 1000), 2)
    assert read("-0.0725").value == Fraction("-0.0725")
    assert read("25") is None and read(r"\ln 4") is None
    assert isinstance(parse_answer("0.0725").statements[0].expr, A.Number)


def test_messages_and_counterexample():
    v = check("snn.lif-surrogate", "dz-db", "0.12")
    assert v.diagnoses[0].message.startswith("0.12 has 2 significant digits: give at least 3.")
    assert v.counterexample.expected == pytest.approx(0.1247027745905823)
    assert v.counterexample.got == 0.12 and v.score == 0.0
    v = check("loss.init", "loss", "1.38")
    assert "round the last digit" in v.diagnoses[0].message
    v = check("loss.init", "loss", r"-\ln 4")
    assert v.diagnoses[0].message == \
        "Your answer is the negative of the right value: check the sign."
    v = check("snn.lif-surrogate", "dz-dx3", "q")
    assert "'q' is not a symbol of this part" in v.diagnoses[0].message and "beta" in \
        v.diagnoses[0].message


def test_methods_and_answer_as_understood():
    assert check("loss.init", "loss", r"\ln 4").method == "exact"
    assert check("loss.init", "loss", r"2\ln 2").method == "symbolic"
    assert check("loss.init", "accuracy", r"25\%").method == "exact"
    v = check("loss.init", "loss", r"\log(4)")
    assert v.answer == r"\log\left(4\right)" and v.expected and v.score == 1.0


def test_partial_credit_from_the_credit_table():
    v = check("loss.init", "loss", "1.4", credit={"too-few-digits": 0.5})
    assert (v.verdict, v.score) == ("incorrect", 0.5)


def test_other_parameters():
    assert check("loss.init", "accuracy", "0.1", {"classes": 10}).verdict == OK
    assert check("loss.init", "loss", r"\ln 10", {"classes": 10}).verdict == OK
    assert check("loss.init", "loss", "2.30", {"classes": 10}).verdict == OK
    v = check("snn.lif-surrogate", "dz-dx3", r"w/(1 + k|V(3) - T_h|)^2", {"k": 10, "T": 3,
              "x": [1, 1, 1], "w": 0.4, "b": 0.1, "beta": 0.9, "Th": 1.0})
    assert v.verdict == OK


def test_huge_and_undefined_values_are_bounded():
    for answer in (r"2^{2^{2^{2^{5}}}}", r"e^{e^{e^{100}}}", r"(1000!)!", r"10^{10^{10}}"):
        assert check("loss.init", "loss", answer).verdict == WRONG
    for answer in (r"\ln(-1)", r"\sqrt{-4}", r"\tan(\pi/2)", "0^{-1}"):
        assert check("loss.init", "loss", answer).codes == ("not-a-value",)


def test_deterministic():
    first = [check("snn.lif-surrogate", "dz-dw", a).to_json() for a in ("0.0806", "0.08", "x")]
    again = [check("snn.lif-surrogate", "dz-dw", a).to_json() for a in ("0.0806", "0.08", "x")]
    assert first == again
