"""Shape parts through the public `check`: tables of right answers in many notations and of wrong
ones with their verdict and diagnoses, the official key's 5 x 2, counterexamples against an
independent oracle (integer arithmetic in Python), pinned messages, determinism."""

import pytest

import nablagrade.check.kinds  # noqa: F401  (registers the checkers)
from nablagrade.check import api
from nablagrade.check.api import check

FORMULA = r"F \times (\lfloor (H+2P-D(K-1)-1)/S \rfloor + 1) \times " \
          r"(\lfloor (W+2P-D(K-1)-1)/S \rfloor + 1)"
ROWS = r"\lfloor (H+2P-D(K-1)-1)/S \rfloor + 1"
COLS = r"\lfloor (W+2P-D(K-1)-1)/S \rfloor + 1"

# (problem, part, params) -> answers that are right
RIGHT = {
    ("conv.output-shape", "shape", None): [
        r"2 \times 5", "2x5", r"\mathbb{R}^{2 \times 5}", r"Y \in \mathbb{R}^{2 \times 5}",
        "(2, 5)", "[2, 5]", r"R^{2 \times 5}", r"\mathbf{R}^{2 \times 5}", r"$2 \times 5$.",
        r"(\lfloor (11-5)/4 \rfloor + 1) \times (\lfloor (21-4)/4 \rfloor + 1)",
        r"(\left\lfloor \frac{H - K_H}{S} \right\rfloor + 1) \times "
        r"(\left\lfloor \frac{W - K_W}{S} \right\rfloor + 1)",
        r"H_{out} \times W_{out} = 2 \times 5"],
    ("conv.output-shape", "shape", (("H", 32), ("W", 32), ("KH", 3), ("KW", 3), ("P", 1),
                                    ("F", 16))): [
        r"16 \times 32 \times 32", r"\mathbb{R}^{16 \times 32 \times 32}", "(16, 32, 32)",
        r"F \times (H + 2P - K_H + 1) \times (W + 2P - K_W + 1)", "16x32x32",
        r"16 \times (32 \times 32)", r"F \times H \times W", r"[16, 32, 32]"],
    ("conv.output-shape-formula", "shape", None): [
        FORMULA,
        r"F \times \lfloor (H+2P-D(K-1)-1)/S + 1 \rfloor \times "
        r"\lfloor (W+2P-D(K-1)-1)/S + 1 \rfloor",
        r"F \times \lceil (H+2P-D(K-1))/S \rceil \times \lceil (W+2P-D(K-1))/S \rceil",
        r"\mathbb{R}^{F \times (\left\lfloor \frac{H + 2P - D(K-1) - 1}{S} \right\rfloor + 1)"
        r" \times (\left\lfloor \frac{W + 2P - D(K-1) - 1}{S} \right\rfloor + 1)}",
        r"Y \in \mathbb{R}^{F \times (\lfloor \frac{H+2P-DK+D-1}{S} \rfloor + 1) \times "
        r"(\lfloor \frac{W+2P-DK+D-1}{S} \rfloor + 1)}",
        r"F \times (\operatorname{floor}((H+2P-D(K-1)-1)/S) + 1) \times "
        r"(\operatorname{floor}((W+2P-D(K-1)-1)/S) + 1)",
        f"({'F'}, {ROWS}, {COLS})",
        r"F \times \lfloor \frac{H+2P-DK+D-1+S}{S} \rfloor \times "
        r"\lfloor \frac{W+2P-DK+D-1+S}{S} \rfloor",
        r"F \times (\lfloor \frac{2P + H - 1 - D(K-1)}{S} \rfloor + 1) \times "
        r"(1 + \lfloor \frac{W - DK + D + 2P - 1}{S} \rfloor)"],
    ("conv1d.backprop", "out-shape", None): [
        r"\mathbb{R}^3", r"\mathbb{R}^{3}", "3", "O", r"1 \times 3", r"3 \times 1",
        r"f_W(x) \in \mathbb{R}^{O}", r"\mathbb{R}^{\lfloor (L-K)/S \rfloor + 1}",
        r"\mathbb{R}^{F \times O}", "R^3"],
    ("conv1d.backprop", "out-shape", (("F", 2),)): [
        r"\mathbb{R}^{2 \times 3}", r"F \times O", "2x3", "(2, 3)", r"\mathbb{R}^{F \times O}",
        r"f_W(x) \in \mathbb{R}^{2 \times 3}", r"2 \times (\lfloor (L-K)/S \rfloor + 1)",
        r"R^{2 \times 3}"],
    ("conv1d.backprop", "out-shape", (("L", None),)): [
        r"\mathbb{R}^{O}", r"\mathbb{R}^{\lfloor (L-K)/S \rfloor + 1}", "O",
        r"\lceil (L-K+1)/S \rceil", r"\lfloor (L-3)/2 \rfloor + 1", r"1 \times O",
        r"\lfloor (L-1)/2 \rfloor", r"O \times 1"],
    ("conv1d.backprop", "dfdW-shape", None): [
        r"\mathbb{R}^{3 \times (1 \times 5 \times 3)}", r"R^{3 \times (1 \times 5 \times 3)}",
        r"3 \times 1 \times 5 \times 3", r"\mathbb{R}^{(3) \times (1 \times 5 \times 3)}",
        r"O \times (F \times C \times K)",
        r"\frac{\partial f_W(x)}{\partial W} \in \mathbb{R}^{O \times F \times C \times K}",
        "(3, 1, 5, 3)", r"1 \times 3 \times 1 \times 5 \times 3",
        r"3 \times (1 \times 5 \times 3)"],
    ("conv1d.backprop", "dfdx-shape", None): [
        r"\mathbb{R}^{3 \times (5 \times 7)}", r"3 \times 5 \times 7", r"3 \times (7 \times 5)",
        r"O \times (C \times L)", r"O \times (L \times C)", "(3, 5, 7)",
        r"\frac{\partial f_W(x)}{\partial x} \in \mathbb{R}^{O \times C \times L}",
        r"1 \times 3 \times 5 \times 7", r"\mathbb{R}^{(3) \times (5 \times 7)}"],
    ("conv1d.backprop", "dldW-shape", None): [
        r"\mathbb{R}^{1 \times 5 \times 3}", r"1 \times 5 \times 3", r"F \times C \times K",
        r"R^{F \times C \times K}", "(1, 5, 3)",
        r"\frac{\partial \ell}{\partial W} \in \mathbb{R}^{F \times C \times K}", "1 x 5 x 3",
        r"\mathbb{R}^{1 \times (5 \times 3)}"],
    ("rnn.gated", "c-shape", None): [
        r"\mathbb{R}^m", r"\mathbb{R}^{m}", "m", r"m \times 1", r"c[t] \in \mathbb{R}^{m}", "R^m",
        r"\mathbb{R}^{m \times 1}", r"c_t \in \mathbb{R}^m", r"\mathbf{R}^m"],
    ("rnn.gated", "dl-dWx-shape", None): [
        r"n \times m", r"\mathbb{R}^{n \times m}",
        r"\frac{\partial \ell}{\partial W_x} \in \mathbb{R}^{n \times m}", "(n, m)",
        r"R^{n \times m}", "n x m", r"\mathbb{R}^{(n) \times (m)}", r"\mathbb{R}^{n \times m}.",
        r"n\times m"],
    ("rnn.attention", "a-shape", None): [
        "3", r"\mathbb{R}^{3}", r"\mathbb{R}^3", "k+1", r"\mathbb{R}^{k+1}",
        r"a[t] \in \mathbb{R}^{k+1}", r"3 \times 1", r"(k+1) \times 1", "R^{k+1}"],
    ("rnn.attention", "a-shape", (("k", 4),)): [
        "5", r"\mathbb{R}^{5}", "k+1", r"\mathbb{R}^{k+1}", r"5 \times 1", r"a[t] \in R^{5}",
        "(k + 1)", r"\mathbb{R}^{1 + k}"],
}

SWAP, DROP, FLOOR, LAYOUT, MISMATCH = (("dims-swapped",), ("singleton-dropped",),
                                       ("missing-floor",), ("layout-denominator",),
                                       ("shape-mismatch",))
UNKNOWN = ("unknown-symbol",)

# (problem, part, params) -> (answer, verdict, diagnosis codes)
WRONG = {
    ("conv.output-shape", "shape", None): [
        (r"5 \times 2", "incorrect", SWAP), ("5x2", "incorrect", SWAP),
        (r"\mathbb{R}^{5 \times 2}", "incorrect", SWAP), (r"2 \times 6", "incorrect", MISMATCH),
        (r"3 \times 5", "incorrect", MISMATCH), ("10", "incorrect", MISMATCH),
        (r"2 \cdot 5", "incorrect", MISMATCH), (r"2 \times 5 \times 1", "incorrect", MISMATCH),
        (r"((H-K_H)/S + 1) \times ((W-K_W)/S + 1)", "incorrect", FLOOR),
        (r"\lfloor (11-5)/4 \rfloor \times \lfloor (21-4)/4 \rfloor", "incorrect", MISMATCH),
        (r"Q \times 5", "invalid", UNKNOWN), (r"2 \times", "invalid", ("parse-error",))],
    ("conv.output-shape", "shape", (("H", 32), ("W", 32), ("KH", 3), ("KW", 3), ("P", 1),
                                    ("F", 16))): [
        (r"32 \times 32", "incorrect", MISMATCH), (r"32 \times 32 \times 16", "incorrect", SWAP),
        (r"16 \times 30 \times 30", "incorrect", MISMATCH),
        (r"16 \times 31 \times 31", "incorrect", MISMATCH), ("16", "incorrect", MISMATCH),
        (r"32 \times 16 \times 32", "incorrect", SWAP), (r"1 \times 32 \times 32", "incorrect",
                                                           MISMATCH),
        (r"F \times (H - K_H + 1) \times (W - K_W + 1)", "incorrect", MISMATCH)],
    ("conv.output-shape-formula", "shape", None): [
        (r"F \times ((H+2P-D(K-1)-1)/S + 1) \times ((W+2P-D(K-1)-1)/S + 1)", "incorrect", FLOOR),
        (r"F \times \frac{H+2P-D(K-1)}{S} \times \frac{W+2P-D(K-1)}{S}", "incorrect", FLOOR),
        (FORMULA.replace("2P", "P"), "incorrect", MISMATCH),
        (FORMULA.replace("D(K-1)", "DK"), "incorrect", MISMATCH),
        (f"F \\times ({COLS}) \\times ({ROWS})", "incorrect", SWAP),
        (f"({ROWS}) \\times ({COLS})", "incorrect", MISMATCH),
        (f"({ROWS}) \\times ({COLS}) \\times F", "incorrect", SWAP),
        (FORMULA.replace(r"\rfloor + 1", r"\rfloor"), "incorrect", MISMATCH),
        (FORMULA.replace("F", "C", 1), "incorrect", MISMATCH),
        (r"F \times H_o \times W_o", "invalid", UNKNOWN)],
    ("conv1d.backprop", "out-shape", None): [
        (r"\mathbb{R}^{7}", "incorrect", MISMATCH), (r"\mathbb{R}^{5}", "incorrect", MISMATCH),
        (r"\mathbb{R}^{L-K+1}", "incorrect", MISMATCH),
        (r"\mathbb{R}^{5 \times 3}", "incorrect", MISMATCH),
        (r"3 \times 5", "incorrect", MISMATCH), (r"\mathbb{R}^{(L-K)/S}", "incorrect", MISMATCH),
        (r"\mathbb{R}^{C}", "incorrect", MISMATCH), (r"3 \times 3", "incorrect", MISMATCH)],
    ("conv1d.backprop", "out-shape", (("F", 2),)): [
        (r"3 \times 2", "incorrect", SWAP), (r"\mathbb{R}^{3}", "incorrect", MISMATCH),
        (r"O \times F", "incorrect", SWAP), (r"2 \times 5", "incorrect", MISMATCH),
        (r"1 \times 3", "incorrect", MISMATCH), (r"2 \times 3 \times 1", "incorrect", MISMATCH),
        ("6", "incorrect", MISMATCH), (r"F \times L", "incorrect", MISMATCH)],
    ("conv1d.backprop", "out-shape", (("L", None),)): [
        (r"\mathbb{R}^{(L-K)/S + 1}", "incorrect", FLOOR), (r"\mathbb{R}^{3}", "incorrect",
                                                           MISMATCH),
        (r"\mathbb{R}^{L-K+1}", "incorrect", MISMATCH), (r"\lfloor L/S \rfloor", "incorrect",
                                                         MISMATCH),
        (r"(L-1)/2", "incorrect", FLOOR), (r"\mathbb{R}^{L}", "incorrect", MISMATCH),
        (r"\lceil (L-K)/S \rceil + 1", "incorrect", MISMATCH),
        (r"O \times C", "incorrect", MISMATCH)],
    ("conv1d.backprop", "dfdW-shape", None): [
        (r"3 \times 5 \times 3", "incorrect", DROP), (r"O \times C \times K", "incorrect", DROP),
        (r"(1 \times 5 \times 3) \times 3", "incorrect", LAYOUT),
        (r"3 \times (1 \times 3 \times 5)", "incorrect", SWAP),
        (r"1 \times 5 \times 3", "incorrect", MISMATCH), (r"3 \times 15", "incorrect", MISMATCH),
        (r"5 \times 3", "incorrect", MISMATCH),
        (r"3 \times (1 \times 5 \times 7)", "incorrect", MISMATCH)],
    ("conv1d.backprop", "dfdx-shape", None): [
        (r"(5 \times 7) \times 3", "incorrect", LAYOUT),
        (r"(C \times L) \times O", "incorrect", LAYOUT),
        (r"5 \times 3 \times 7", "incorrect", SWAP), (r"7 \times 5 \times 3", "incorrect", SWAP),
        (r"3 \times 35", "incorrect", MISMATCH), (r"3 \times 5", "incorrect", MISMATCH),
        (r"\mathbb{R}^{3 \times 7}", "incorrect", MISMATCH),
        (r"3 \times 5 \times 3", "incorrect", MISMATCH)],
    ("conv1d.backprop", "dldW-shape", None): [
        (r"5 \times 3", "incorrect", DROP), (r"C \times K", "incorrect", DROP),
        (r"3 \times 5 \times 1", "incorrect", SWAP), (r"1 \times 3 \times 5", "incorrect", SWAP),
        (r"\mathbb{R}^{3}", "incorrect", MISMATCH),
        (r"3 \times 1 \times 5 \times 3", "incorrect", MISMATCH), ("15", "incorrect", MISMATCH),
        (r"1 \times 5 \times 7", "incorrect", MISMATCH)],
    ("rnn.gated", "c-shape", None): [
        ("n", "incorrect", MISMATCH), (r"\mathbb{R}^{n}", "incorrect", MISMATCH),
        (r"1 \times m", "incorrect", SWAP), (r"m \times n", "incorrect", MISMATCH),
        (r"m \times m", "incorrect", MISMATCH), (r"\mathbb{R}^{2m}", "incorrect", MISMATCH),
        (r"\mathbb{R}^{m+1}", "incorrect", MISMATCH), ("K", "incorrect", MISMATCH),
        ("p", "invalid", UNKNOWN)],
    ("rnn.gated", "dl-dWx-shape", None): [
        (r"m \times n", "incorrect", LAYOUT), (r"\mathbb{R}^{m \times n}", "incorrect", LAYOUT),
        (r"n \times n", "incorrect", MISMATCH), (r"m \times m", "incorrect", MISMATCH),
        ("n", "incorrect", MISMATCH), ("m", "incorrect", MISMATCH),
        (r"n \times m \times K", "incorrect", MISMATCH),
        (r"K \times n \times m", "incorrect", MISMATCH)],
    ("rnn.attention", "a-shape", None): [
        ("k", "incorrect", MISMATCH), ("2", "incorrect", MISMATCH), ("n", "incorrect", MISMATCH),
        (r"\mathbb{R}^{n}", "incorrect", MISMATCH), (r"1 \times 3", "incorrect", SWAP),
        ("k+2", "incorrect", MISMATCH), (r"\mathbb{R}^{n \times 3}", "incorrect", MISMATCH),
        (r"3 \times n", "incorrect", MISMATCH), ("K", "incorrect", MISMATCH)],
    ("rnn.attention", "a-shape", (("k", 4),)): [
        ("3", "incorrect", MISMATCH), ("k", "incorrect", MISMATCH),
        (r"1 \times 5", "incorrect", SWAP), (r"\mathbb{R}^{k}", "incorrect", MISMATCH),
        ("n", "incorrect", MISMATCH), (r"5 \times 5", "incorrect", MISMATCH),
        ("2k", "incorrect", MISMATCH), (r"\mathbb{R}^{k-1}", "incorrect", MISMATCH)],
}


def _params(params):
    return dict(params) if params is not None else None


def _cases(table):
    return [pytest.param(q, row, id=f"{q[0]}/{q[1]}/{q[2]}: {row}")
            for q, rows in table.items() for row in rows]


def test_every_shape_part_has_enough_cases():
    for table in (RIGHT, WRONG):
        parts = {(q[0], q[1]) for q in table}
        assert parts == {(p, s) for p, s, _ in RIGHT}
        for q, rows in table.items():
            assert len(rows) >= 8, q


@pytest.mark.parametrize("question, answer", _cases(RIGHT))
def test_right_answers(question, answer):
    problem, part, params = question
    verdict = check(problem, part, answer, _params(params))
    assert (verdict.verdict, verdict.diagnoses, verdict.score) == ("correct", (), 1.0)


@pytest.mark.parametrize("question, row", _cases(WRONG))
def test_wrong_answers(question, row):
    problem, part, params = question
    answer, outcome, codes = row
    verdict = check(problem, part, answer, _params(params))
    assert (verdict.verdict, verdict.codes) == (outcome, codes)
    half = {"dims-swapped", "singleton-dropped", "layout-denominator"}
    assert verdict.score == (0.5 if set(codes) & half else 0.0)
    if outcome == "incorrect":
        cx = verdict.counterexample
        assert cx is not None and cx.expected != cx.got


def test_the_official_key_is_dims_swapped():
    verdict = check("conv.output-shape", "shape", r"5 \times 2")
    assert verdict.verdict == "incorrect" and verdict.codes == ("dims-swapped",)
    assert verdict.score == 0.5 and verdict.method == "exact"
    assert verdict.diagnoses[0].message == \
        r"The dimensions are right but in another order: $5 \times 2$ instead of $2 \times 5$."
    assert (verdict.counterexample.expected, verdict.counterexample.got) == ([2, 5], [5, 2])


def out_size(n, p, d, k, s):
    """The oracle: the number of windows, by integer arithmetic."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize("wrong, dim", [
    (FORMULA.replace("2P", "P"), lambda i: (i["H"] + i["P"] - i["D"] * (i["K"] - 1) - 1)
     // i["S"] + 1),
    (FORMULA.replace("D(K-1)", "DK"), lambda i: (i["H"] + 2 * i["P"] - i["D"] * i["K"] - 1)
     // i["S"] + 1)])
def test_a_wrong_coefficient_has_a_counterexample(wrong, dim):
    verdict = check("conv.output-shape-formula", "shape", wrong)
    assert verdict.verdict == "incorrect" and verdict.codes == ("shape-mismatch",)
    assert verdict.method == "sampled" and verdict.instances >= 100
    cx = verdict.counterexample
    i = cx.instance
    assert cx.expected == [i["F"], out_size(i["H"], i["P"], i["D"], i["K"], i["S"]),
                           out_size(i["W"], i["P"], i["D"], i["K"], i["S"])]
    assert cx.got[1] == dim(i) != cx.expected[1]
    assert i["H"] + 2 * i["P"] >= i["D"] * (i["K"] - 1) + 1  # an admissible instance


def test_missing_floor_shows_a_fraction():
    verdict = check("conv.output-shape-formula", "shape",
                    r"F \times ((H+2P-D(K-1)-1)/S + 1) \times ((W+2P-D(K-1)-1)/S + 1)")
    got = verdict.counterexample.got
    assert any(isinstance(g, float) and not g.is_integer() for g in got)
    assert verdict.diagnoses[0].message.startswith(
        "Right except that the floor (integer division) is missing")


def test_layout_credit_comes_from_the_assignment():
    verdict = check("rnn.gated", "dl-dWx-shape", r"m \times n",
                    credit={"layout-denominator": 0.75})
    assert (verdict.verdict, verdict.score) == ("incorrect", 0.75)
    cx = verdict.counterexample
    assert cx.instance["m"] != cx.instance["n"]  # a transpose shows only where m != n
    assert cx.expected == [cx.instance["n"], cx.instance["m"]]


def test_messages_name_both_shapes():
    verdict = check("conv1d.backprop", "dldW-shape", r"5 \times 3")
    assert verdict.diagnoses[0].message == (
        r"Right apart from a dimension of size 1 left out: $5 \times 3$ instead of "
        r"$\mathbb{R}^{1 \times 5 \times 3}$.")
    verdict = check("rnn.gated", "c-shape", "n")
    assert verdict.diagnoses[0].message == \
        r"The shape $n$ differs from the expected shape $\mathbb{R}^{m}$."
    verdict = check("rnn.gated", "c-shape", "p")
    assert verdict.diagnoses[0].message.startswith("p is not defined in this problem")


@pytest.mark.parametrize("question, answer", [
    (("conv.output-shape-formula", "shape", None), FORMULA.replace("2P", "P")),
    (("rnn.gated", "dl-dWx-shape", None), r"m \times n"),
    (("conv.output-shape", "shape", None), r"5 \times 2"),
])
def test_verdicts_are_deterministic(question, answer):
    problem, part, params = question
    first = check(problem, part, answer, params)
    api._task.cache_clear()
    assert check(problem, part, answer, params) == first


def test_an_assignment_in_denominator_layout_expects_the_other_order():
    right = check("rnn.gated", "dl-dWx-shape", r"m \times n", layout="denominator")
    wrong = check("conv1d.backprop", "dfdW-shape", r"3 \times (1 \times 5 \times 3)",
                  layout="denominator")
    assert right.verdict == "correct"
    assert (wrong.verdict, wrong.codes, wrong.expected) == (
        "incorrect", ("dims-swapped",), r"1 \times 5 \times 3 \times 3")
