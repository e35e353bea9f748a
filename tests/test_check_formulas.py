"""Formula parts through `nablagrade.check.api.check`: rnn.scalar-unroll's t, y, dydw and dydp,
sampled at seeded random reals, with a sympy certificate when cheap.

Each table row: (answer, verdict, diagnosis codes). Every part has at least 8 right answers in
different notations and 8 wrong ones.
"""

import pytest

import nablagrade.check.kinds  # noqa: F401  (registers the kind checkers)
from nablagrade.check.api import check
from nablagrade.check.formulas import integer_columns, real_columns

OK, WRONG, INVALID = "correct", "incorrect", "invalid"
PID = "rnn.scalar-unroll"

T = [
    ("u_3 + w u_2 + w^2 u_1", OK, ()), ("t = u_3 + w(u_2 + w u_1)", OK, ()),
    ("w^2 u_1 + w u_2 + u_3", OK, ()), (r"u_{3} + w \cdot u_{2} + w^{2} \cdot u_{1}", OK, ()),
    (r"u_3 + w\left(u_2 + w u_1\right)", OK, ()), ("u_3 + u_2 w + u_1 w w", OK, ()),
    (r"\frac{2u_3 + 2wu_2 + 2w^2u_1}{2}", OK, ()), (r"(u_3 + w u_2 + w^2 u_1)\cos(0)", OK, ()),
    (r"\sum_{i=1}^{3} w^{3-i} u_i", OK, ()), ("t = u_3 + s, s = w r, r = u_2 + w u_1", OK, ()),
    ("u_3 + w u_2", WRONG, ("missing-term",)), ("-u_3 - w u_2 - w^2 u_1", WRONG, ("sign-error",)),
    ("u_3 - w u_2 + w^2 u_1", WRONG, ("sign-error",)), ("u_3 + w u_2 + w u_1", WRONG, ()),
    ("u_3 + w u_2 + w^3 u_1", WRONG, ()), ("w u_2 + w^2 u_1", WRONG, ("missing-term",)),
    ("u_3 + w u_2 + w^2 u_1 + 1", WRONG, ()), ("u_1 + w u_2 + w^2 u_3", WRONG, ()),
    ("u_3 + s", INVALID, ("unknown-symbol",)), ("x", INVALID, ("unknown-symbol",)),
    ("u_3 + w u_2 +", INVALID, ("parse-error",)),
]

Y = [
    ("w u_3 + w^2 u_2 + w^3 u_1", OK, ()), ("y = w t, t = u_3 + w u_2 + w^2 u_1", OK, ()),
    ("w(u_3 + w(u_2 + w u_1))", OK, ()), ("u_1 w^3 + u_2 w^2 + u_3 w", OK, ()),
    (r"w \cdot (u_3 + w \cdot u_2 + w^2 \cdot u_1)", OK, ()),
    (r"\sum_{i=1}^{3} w^{4-i} u_i", OK, ()), (r"y = w^{3} u_{1} + w^{2} u_{2} + w u_{3}", OK, ()),
    ("w u_3 + w^2 u_2 + w^3 u_1 + 0", OK, ()), (r"\frac{w^2 u_3 + w^3 u_2 + w^4 u_1}{w}", OK, ()),
    ("w u_3 + w^2 u_2", WRONG, ("missing-term",)),
    ("-(w u_3 + w^2 u_2 + w^3 u_1)", WRONG, ("sign-error",)),
    ("w u_3 + w^2 u_2 - w^3 u_1", WRONG, ("sign-error",)), ("u_3 + w u_2 + w^2 u_1", WRONG, ()),
    ("w^3 u_3 + w^2 u_2 + w u_1", WRONG, ()), ("w(u_3 + u_2 + u_1)", WRONG, ()),
    ("w u_3 + w^2 u_2 + w^3 u_1 + w", WRONG, ()), (r"\sum_{i=1}^{3} w^{i} u_i", WRONG, ()),
    ("w t", INVALID, ("unknown-symbol",)),
    (r"w^3 \operatorname{sgn}(u_1)", WRONG, ()), (r"w^3 \operatorname{diag}(u_1)", INVALID, ("ill-typed",)),
]

DYDW = [  # this part declares the intermediates p..t (meta["definitions"])
    ("u_3 + 2 w u_2 + 3 w^2 u_1", OK, ()), ("t + w r + w^2 p", OK, ()),
    (r"\frac{dy}{dw} = t + wr + w^2p", OK, ()), ("t + w(u_2 + w u_1) + w^2 u_1", OK, ()),
    ("3w^2 u_1 + 2 w u_2 + u_3", OK, ()), ("t + s + w q", OK, ()),
    ("a = w^2, t + w r + a p", OK, ()), (r"\frac{d}{dw}", INVALID, ("unknown-symbol",)),
    (r"\sum_{i=1}^{3} i w^{i-1} u_{4-i}", OK, ()), ("y/w + w r + w^2 p", OK, ()),
    ("u_3 + 2 w u_2", WRONG, ("missing-term",)),
    ("-(u_3 + 2 w u_2 + 3 w^2 u_1)", WRONG, ("sign-error",)),
    ("u_3 + 2 w u_2 - 3 w^2 u_1", WRONG, ("sign-error",)), ("u_3 + w u_2 + w^2 u_1", WRONG, ()),
    ("t", WRONG, ()), ("3 w^2 u_1", WRONG, ()), ("t + w r", WRONG, ()),
    ("t + w r + w^2 p + y", WRONG, ()), ("t + w s + w^2 q", WRONG, ()),
    ("z", INVALID, ("unknown-symbol",)), ("a = b, b = a, a", INVALID, ("ill-typed",)),
]

DYDP = [
    ("w^3", OK, ()), (r"w \cdot w \cdot w", OK, ()), ("w^{3}", OK, ()),
    (r"\frac{\partial y}{\partial p} = w^3", OK, ()), (r"\frac{w^4}{w}", OK, ()),
    ("w^2 w", OK, ()), (r"w^3 \cos(0)", OK, ()), (r"(w)^{3} + 0 \cdot w", OK, ()),
    (r"\prod_{i=1}^{3} w", OK, ()), (r"e^{3 \ln |w|} \cdot \frac{w}{|w|}", OK, ()),
    ("w^2", WRONG, ()), ("3w^2", WRONG, ()), ("-w^3", WRONG, ("sign-error",)),
    ("w^3 + 1", WRONG, ()), ("w^3 u_1", WRONG, ()), ("0", WRONG, ()), (r"\sqrt{w^6}", WRONG, ()),
    (r"e^{3 \ln w}", WRONG, ()),           # undefined where the truth is defined (w < 0)
    ("p", INVALID, ("unknown-symbol",)),
    (r"\begin{bmatrix} w^3 \end{bmatrix}", INVALID, ("ill-typed",)),
]


def rows(part, table):
    return [pytest.param(part, answer, verdict, codes, id=f"{part}:{answer}")
            for answer, verdict, codes in table]


@pytest.mark.parametrize("part, answer, verdict, codes",
                         rows("t", T) + rows("y", Y) + rows("dydw", DYDW) + rows("dydp", DYDP))
def test_scalar_unroll(part, answer, verdict, codes):
    v = check(PID, part, answer)
    assert (v.verdict, v.codes) == (verdict, codes)


def test_tables_are_big_enough():
    for table in (T, Y, DYDW, DYDP):
        assert sum(r[1] == OK for r in table) >= 8 and sum(r[1] != OK for r in table) >= 8


def test_correct_answers_are_proved_when_cheap():
    v = check(PID, "dydw", "t + w r + w^2 p")
    assert (v.method, v.score) == ("symbolic", 1.0) and v.instances >= 40
    assert check(PID, "y", "w(u_3 + w(u_2 + w u_1))").method == "symbolic"
    assert check(PID, "dydp", "w^2 w").method == "symbolic"   # other parts' symbols bound too


def test_wrong_answers_show_a_counterexample_and_messages():
    v = check(PID, "t", "u_3 + w u_2")
    assert v.method == "sampled" and set(v.counterexample.instance) == {"u_1", "u_2", "u_3", "w"}
    point = v.counterexample.instance
    truth = point["u_3"] + point["w"] * point["u_2"] + point["w"] ** 2 * point["u_1"]
    assert v.counterexample.expected == pytest.approx(truth)
    assert v.diagnoses[0].message == r"Your answer is missing the term $u_{1} w^{2}$."
    v = check(PID, "t", "u_3 - w u_2 + w^2 u_1")
    assert v.diagnoses[0].message == r"Your answer has the wrong sign on the term $u_{2} w$."
    v = check(PID, "t", "u_3 + s")
    assert v.diagnoses[0].message == ("'s' is not a symbol of this part; you may use T, u_1, "
                                      "u_2, u_3, w.")
    v = check(PID, "dydp", r"e^{3 \ln w}")
    assert v.counterexample.got == "undefined"


def test_deterministic_and_seeded_by_the_question():
    a = [check(PID, "dydw", x).to_json() for x in ("t", "t + w r + w^2 p", "u_3 + 2 w u_2")]
    b = [check(PID, "dydw", x).to_json() for x in ("t", "t + w r + w^2 p", "u_3 + 2 w u_2")]
    assert a == b
    c1, n1 = real_columns(["w", "x"], 7, kinked=True)
    c2, n2 = real_columns(["w", "x"], 7, kinked=True)
    assert n1 == n2 and all((c1[k] == c2[k]).all() for k in c1)
    assert not (real_columns(["w"], 8)[0]["w"] == real_columns(["w"], 9)[0]["w"]).all()


def test_instances_cover_every_kind_of_real():
    columns, n = real_columns(["x"], 3, kinked=True)
    x = columns["x"]
    assert {-1.0, 0.0, 1.0} <= set(x) and (x > 100).any() and (x < -10).any()
    assert ((-1 < x) & (x < 1) & (x != 0)).sum() >= 10 and (x != x.round()).sum() >= 40
    columns, n = real_columns(["n", "x"], 3, integer=("n",), positive=("n", "x"))
    assert columns["n"].dtype.kind == "i" and (columns["n"] >= 1).all() and (columns["x"] > 0).all()
    columns, n = integer_columns(["N", "S"], 3, positive=("N", "S"))
    pairs = set(zip(columns["N"].tolist(), columns["S"].tolist()))
    assert {(a, b) for a in range(1, 7) for b in range(1, 7)} <= pairs and n == 136
