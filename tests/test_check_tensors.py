"""The tensor checker on conv1d.backprop (000 §1.1c): tables of right answers in many notations,
of wrong answers with their diagnosis, the official key's wrong range, a self-check of every
derived truth, counterexamples recomputed by an independent oracle, determinism and speed."""

from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nablagrade.check.kinds  # noqa: F401  (registers the checkers)
from nablagrade.check.api import check, task

P = "conv1d.backprop"  # default sizes: C=5, L=7, K=3, S=2, F=1, so O=3
KEY = (r"\left(\frac{\partial \ell}{\partial W} \right)[1, k, i] = \sum_{r=1}^2 "
       r"\left(\frac{\partial \ell}{\partial f_W(x)} \right)[r] x[2(r-1)+i, k]")
CASES = r"\begin{cases} %s & \text{if } %s \\ 0 & \text{otherwise} \end{cases}"
DFDX = r"\frac{\partial f_W(x)}{\partial x}"
DFDW = r"\frac{\partial f_W(x)}{\partial W}"
DLDW = r"\frac{\partial \ell}{\partial W}"

RIGHT = {
    "out-expr": [
        r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k]W_{1,k,i}",
        r"\sum_{i=1}^{3}\sum_{k=1}^{5} W[1,k,i] x[2(r-1)+i, k]",
        r"f_W(x)[r] = \sum_{k=1}^{C} \sum_{i=1}^{K} x[S(r-1)+i][k] W_{1,k,i}",
        r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x_{2(r-1)+i,k} W_{1ki}",
        r"(f_W(x))[t] = \sum_{c=1}^{5} \sum_{j=1}^{3} W_{1,c,j} \cdot x[2t-2+j][c]",
        r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{n=2r-1}^{2r+1} x[n][k] W_{1,k,n-2r+2}",
        r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{n=1}^{7} \sum_{i=1}^{3} \delta_{n, 2(r-1)+i} x[n][k] "
        r"W_{1,k,i}",
        r"f_W(x)[r] = \sum_{k=1}^{5} \left( x[2r-1][k] W_{1,k,1} + x[2r][k] W_{1,k,2} "
        r"+ x[2r+1][k] W_{1,k,3} \right)",
        r"\sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{k,i} + 0",
    ],
    "dfdW-expr": [
        DFDW + r"[r, c, k, i] = x[2(r-1)+i][k]",
        r"x[2(r-1)+i][k]",
        r"\left(" + DFDW + r"\right)[r, f, k, i] = x[2(r-1)+i, k]",
        r"\frac{\partial f_W(x)[r]}{\partial W_{c,k,i}} = x[2(r-1)+i][k]",
        DFDW + r"[r, c, k, i] = \delta_{c,1} x_{2r-2+i, k}",
        DFDW + r"[r, c, k, i] = x[S(r-1)+i][k]",
        DFDW + r"[r, c, k, i] = \sum_{n=1}^{7} \delta_{n, 2(r-1)+i} x[n][k]",
        DFDW + r"[t, f, c, j] = x[2t-2+j][c] \cdot 1",
    ],
    "dfdx-expr": [
        DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 3"),
        # [r, position, channel]: the layout of x itself, equally right (catalogue)
        DFDX + r"[r, i, k] = " + CASES % (r"W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 3"),
        DFDX + r"[r, k, i] = [1 \le i-2(r-1) \le 3] W_{1,k,i-2(r-1)}",
        DFDX + r"[r, k, i] = \sum_{j=1}^{3} \delta_{i, 2(r-1)+j} W_{1,k,j}",
        r"\frac{\partial f_W(x)[r]}{\partial x[n][k]} = "
        + CASES % (r"W_{1,k,n-2(r-1)}", r"1 \leq n-2(r-1) \leq 3"),
        DFDX + r"[r, k, i] = " + CASES % (r"W[1,k,i-2r+2]", r"2(r-1) < i \le 2(r-1)+3"),
        DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,i-S(r-1)}", r"1 \le i - S(r-1) \le K"),
        CASES % (r"W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 3"),
        DFDX + r"[r,k,i] = \sum_{j=1}^{3} [i = 2(r-1)+j] W_{1,k,j}",
    ],
    "dldW-expr": [
        r"\left(" + DLDW + r"\right)[1,k,i] = \sum_{r=1}^{3} \left(\frac{\partial \ell}"
        r"{\partial f_W(x)}\right)[r] x[2(r-1)+i, k]",
        r"\frac{\partial \ell}{\partial W_{1,k,i}} = \sum_{r=1}^{O} g[r] x[S(r-1)+i][k]",
        r"\sum_{r=1}^{3} g_r x[2(r-1)+i][k]",
        DLDW + r"[f,k,i] = \sum_{r=1}^{3} \frac{\partial \ell}{\partial f_W(x)[r]} x[2r-2+i][k]",
        DLDW + r"[1,k,i] = \sum_{n=1}^{7} \sum_{r=1}^{3} \delta_{n, 2(r-1)+i} g[r] x[n][k]",
        DLDW + r"[1,k,i] = g[1] x[i][k] + g[2] x[i+2][k] + g[3] x[i+4][k]",
        DLDW + r"[c,k,i] = \sum_{r=1}^{3} x[2(r-1)+i][k] \cdot g[r]",
        r"\sum_{r=1}^{3} \left(\frac{\partial \ell}{\partial f}\right)[r] x[2(r-1)+i][k]",
    ],
}

# Right up to a convention: a note, and the credit the default table gives it.
NOTES = [
    ("out-expr", r"f_W(x)[r] = \sum_{k=0}^{4} \sum_{i=0}^{2} x[2r+i][k] W_{0,k,i}",
     ("index-base",), 1.0),
    ("out-expr", r"f_W(x)[r] = \sum_{k=1}^{5}\sum_{i=1}^{3} x[k][2(r-1)+i] W_{1,k,i}",
     ("index-order",), 1.0),
    ("dfdW-expr", DFDW + r"[r, c, k, i] = x[2r+i][k]", ("index-base",), 1.0),
    ("dfdW-expr", DFDW + r"[c, k, i, r] = x[2(r-1)+i][k]", ("index-order",), 1.0),
    ("dfdW-expr", DFDW + r"[r, k, i] = x[2(r-1)+i][k]", ("singleton-dropped",), 0.5),
    ("dfdx-expr", DFDX + r"[r,k,i] = " + CASES % (r"W_{0,k,i-2r}", r"0 \le i-2r \le 2"),
     ("index-base",), 1.0),
    ("dfdx-expr", DFDX + r"[k, i, r] = " + CASES % (r"W_{1,k,i-2(r-1)}",
                                                     r"1 \leq i-2(r-1) \leq 3"),
     ("index-order",), 1.0),
    ("dldW-expr", DLDW + r"[0,k,i] = \sum_{r=0}^{2} g[r] x[2r+i][k]", ("index-base",), 1.0),
    ("dldW-expr", DLDW + r"[k,i] = \sum_{r=1}^{3} g[r] x[2(r-1)+i][k]", ("singleton-dropped",),
     0.5),
]

WRONG = {
    "out-expr": [
        (r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,4-i}", "flipped"),
        (r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{2} x[2(r-1)+i][k] W_{1,k,i}", "wrong-range"),
        (r"f_W(x)[r] = \sum_{k=1}^{4} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "wrong-range"),
        (r"f_W(x)[r] = -\sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "sign-error"),
        (r"f_W(x)[r] = \sum_{k=1}^{5} \left( x[2r-1][k] W_{1,k,1} + x[2r+1][k] W_{1,k,3} \right)",
         "missing-term"),
        (r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2r+i][k] W_{1,k,i}", "out-of-range"),
        (r"f_W(x)[r] = \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "shape-mismatch"),
        (r"f_W(x)[r, k] = \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "shape-mismatch"),
        (r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i} + b",
         "unknown-symbol"),
        (r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[r-1+i][k] W_{1,k,i}", None),
    ],
    "dfdW-expr": [
        (DFDW + r"[r, c, k, i] = x[2(r-1)+4-i][k]", "flipped"),
        (DFDW + r"[r, c, k, i] = -x[2(r-1)+i][k]", "sign-error"),
        (DFDW + r"[r, c, k, i] = x[2(r-1)+i][j]", "shape-mismatch"),
        (DFDW + r"[r, c, k, i, n] = x[2(r-1)+i][k]", "shape-mismatch"),
        (DFDW + r"[r, c, k, i] = x[2(r-1)+i][k] + \mu", "unknown-symbol"),
        (DFDW + r"[r, c, k, i] = x[2(r-1)+i][k] W_{1,k,i}", None),
        (DFDW + r"[r, c, k, i] = x[r+i][k]", None),
        (DFDW + r"[r, c, k, i] = \sum_{k=1}^{5} x[2(r-1)+i][k]", None),
        (DFDW + r"[r, c, k, i] = \sum_{r=1}^{3} x[2(r-1)+i][k]", None),
    ],
    "dfdx-expr": [
        (DFDX + r"[r, k, i] = W_{1,k,i-2(r-1)}", "out-of-range"),
        (DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 4"),
         "out-of-range"),
        (DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,4-(i-2(r-1))}", r"1 \leq i-2(r-1) \leq 3"),
         "flipped"),
        (DFDX + r"[r, k, i] = " + CASES % (r"-W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 3"),
         "sign-error"),
        (DFDX + r"[r, k] = W_{1,k,1}", "shape-mismatch"),
        (DFDX + r"[r, k, i] = " + DFDW + r"[r, 1, k, i]", "unknown-symbol"),
        (DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,i-2(r-1)}", r"1 \leq i-2(r-1) \leq 2"), None),
        (DFDX + r"[r, k, i] = " + CASES % (r"W_{1,k,i-r+1}", r"1 \leq i-r+1 \leq 3"), None),
        (DFDX + r"[r, k, i] = \begin{cases} W_{1,k,i-2(r-1)} & \text{if } 1 \leq i-2(r-1) \leq 3"
         r" \\ 1 & \text{otherwise} \end{cases}", None),
    ],
    "dldW-expr": [
        (KEY, "wrong-range"),
        (DLDW + r"[1,k,i] = \sum_{r=2}^{3} g[r] x[2(r-1)+i][k]", "wrong-range"),
        (DLDW + r"[1,k,i] = \sum_{r=1}^{4} g[r] x[2(r-1)+i][k]", "out-of-range"),
        (DLDW + r"[1,k,i] = -\sum_{r=1}^{3} g[r] x[2(r-1)+i][k]", "sign-error"),
        (DLDW + r"[1,k,i] = g[1] x[i][k] - g[2] x[i+2][k] + g[3] x[i+4][k]", "sign-error"),
        (DLDW + r"[1,k,i] = \sum_{r=1}^{3} g[r] x[2(r-1)+4-i][k]", "flipped"),
        (DLDW + r"[1,k,i] = g[1] x[i][k] + g[3] x[i+4][k]", "missing-term"),
        (DLDW + r"[1,k,i] = g[r] x[2(r-1)+i][k]", "shape-mismatch"),
        (DLDW + r"[1,k,i] = \sum_{r=1}^{3} g[r] x[2(r-1)+i][k] y", "unknown-symbol"),
        (DLDW + r"[1,k,i] = \sum_{r=1}^{3} g[r] x[r-1+i][k]", None),
        (DLDW + r"[1,k,i] = \sum_{r=1}^{3} g[r] W_{1,k,i}", None),
    ],
}
INVALID = {"unknown-symbol"}


def _rows(table):
    return [(part, *row) for part, rows in table.items() for row in rows]


@pytest.mark.parametrize("part, answer", _rows({p: [(a,) for a in r] for p, r in RIGHT.items()}))
def test_right_answers(part, answer):
    v = check(P, part, answer)
    assert (v.verdict, v.score, v.codes) == ("correct", 1.0, ()), v.to_json()
    assert v.method == "sampled" and v.instances >= 2


@pytest.mark.parametrize("part, answer, codes, score", NOTES)
def test_right_up_to_a_convention(part, answer, codes, score):
    v = check(P, part, answer)
    assert v.codes == codes and v.score == score
    assert v.verdict == ("correct" if score == 1.0 else "incorrect")


@pytest.mark.parametrize("part, answer, code", _rows(WRONG))
def test_wrong_answers(part, answer, code):
    v = check(P, part, answer)
    assert v.verdict == ("invalid" if code in INVALID else "incorrect"), v.to_json()
    assert v.score == 0.0
    assert v.codes == ((code,) if code else ())
    assert all(d.message for d in v.diagnoses)


def test_every_part_has_enough_rows():
    for part in RIGHT:
        assert len(RIGHT[part]) >= 8 and len(WRONG[part]) >= 8


# --- the official key ----------------------------------------------------------------------

def test_the_official_key_sums_over_the_wrong_range():
    v = check(P, "dldW-expr", KEY)
    assert (v.verdict, v.codes) == ("incorrect", ("wrong-range",))
    assert v.diagnoses[0].message == ("The sum over r must run over r = 1, ..., 3; your answer "
                                      "is the sum over r = 1, ..., 2 only.")
    assert v.expected.endswith(r"\sum_{r=1}^{3} g[r] x[2(r - 1) + i][k]")


def test_the_key_coincides_with_the_truth_when_O_is_2():
    assert check(P, "dldW-expr", KEY, {"C": 2, "L": 5}).verdict == "correct"
    v = check(P, "dldW-expr", KEY, {"C": 7, "L": 11})  # O = 5
    assert v.codes == ("wrong-range",) and "r = 1, ..., 5" in v.diagnoses[0].message


# --- the engine's own answers --------------------------------------------------------------

SIZES = [None, {"C": 7, "L": 11}, {"C": 2, "L": 5}, {"C": 3, "L": 10, "K": 4, "S": 3},
         {"K": 1, "S": 1, "L": 4, "C": 3}, {"F": 2}, {"F": 3, "C": 2, "L": 6, "K": 2, "S": 2}]


@pytest.mark.parametrize("params", SIZES)
@pytest.mark.parametrize("part", sorted(RIGHT))
def test_every_derived_truth_checks_correct(part, params):
    truth = task(P, part, params).truth
    for answer in (f"{truth.lhs} = {truth.latex}", truth.latex, f"{truth.lhs} = {truth.latex} + 0"):
        v = check(P, part, answer, params)
        assert (v.verdict, v.codes) == ("correct", ()), (answer, v.to_json())


# --- counterexamples, against an independent oracle ----------------------------------------

def correlate(x, W, S):
    """Strided 1-D cross-correlation by slicing: x is (L, C), W is (1, C, K)."""
    K = W.shape[2]
    return np.array([(x[s:s + K, :].T * W[0]).sum() for s in range(0, x.shape[0] - K + 1, S)])


def test_a_counterexample_is_small_and_recomputable():
    v = check(P, "out-expr", WRONG["out-expr"][0][0])  # the flipped kernel
    ce = v.counterexample.instance
    x, W = np.array(ce["x"], dtype=float), np.array(ce["W"], dtype=float)
    assert x.shape == (7, 5) and W.shape == (1, 5, 3) and set(ce["index"]) == {"r"}
    r = ce["index"]["r"]
    assert ce["params"] == {"C": 5, "L": 7, "K": 3, "S": 2, "F": 1}
    assert v.counterexample.expected == correlate(x, W, 2)[r - 1]
    assert v.counterexample.got == correlate(x, W[..., ::-1], 2)[r - 1]
    assert v.counterexample.expected != v.counterexample.got


def test_an_unguarded_read_outside_W_is_an_error():
    v = check(P, "dfdx-expr", WRONG["dfdx-expr"][0][0])
    assert v.diagnoses[0].message.startswith("At r = 1, k = 1, i = 4 your answer reads "
                                             "W_{1,1,4}, which does not exist")
    assert v.counterexample.got == "undefined" and v.counterexample.expected == 0


def test_a_formula_in_the_sizes_is_checked_at_other_sizes():
    right = RIGHT["dldW-expr"][1]  # sum_{r=1}^{O} g[r] x[S(r-1)+i][k]
    assert check(P, "dldW-expr", right).instances > 2
    v = check(P, "dldW-expr", r"\frac{\partial \ell}{\partial W_{1,k,i}} = "
                              r"\sum_{r=1}^{C-2} g[r] x[2(r-1)+i][k]")  # C - 2 = O only at C = 5
    assert v.verdict == "incorrect" and v.counterexample.instance["params"]["C"] != 5
    assert v.diagnoses[0].message.startswith("Right at the question's sizes, but not as a "
                                             "formula in them: with C = ")


# --- notes, invalid answers ----------------------------------------------------------------

def test_note_messages():
    base = check(P, *NOTES[0][:2])
    assert "0-based indices" in base.diagnoses[0].message
    layout = check(P, *NOTES[1][:2])
    assert layout.diagnoses[0].message == (
        "Right with the axes of a tensor in another order: you index x as (channel, "
        "position); the problem's x is indexed (position, channel).")
    order = check(P, *NOTES[3][:2])
    assert "your [c, k, i, r] are the expected [f, k, i, r]" in order.diagnoses[0].message


@pytest.mark.parametrize("answer, code", [
    (r"\sum_{k} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "ill-typed"),
    (r"\sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i] W_{1,k,i}", "ill-typed"),
    (r"\begin{bmatrix} 1 & 2 \end{bmatrix}", "ill-typed"),
    (r"f_W(x)[r+1] = x[r][1]", "parse-error"),
    (r"\sum_{k=1}^{10^{9}} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", "ill-typed"),
    (r"f_W(x) \in \mathbb{R}^3", "not-a-value"),
])
def test_answers_that_cannot_be_evaluated_are_invalid(answer, code):
    v = check(P, "out-expr", answer)
    assert (v.verdict, v.codes) == ("invalid", (code,))


# --- determinism and speed -----------------------------------------------------------------

def test_verdicts_are_deterministic():
    for part, answer, _ in _rows(WRONG)[::3]:
        assert check(P, part, answer).to_json() == check(P, part, answer).to_json()


# --- robustness ----------------------------------------------------------------------------

ALL = [(p, a) for p, a, _ in _rows(WRONG)] + [(p, a) for p, r in RIGHT.items() for a in r]
SWAPPABLE = "0123456789rkicjn+-"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ALL), st.data())
def test_mutated_answers_always_get_a_verdict(row, data):
    """One index letter, digit or sign swapped for another: never a crash or a hang."""
    part, answer = row
    spots = [i for i, ch in enumerate(answer) if ch in SWAPPABLE and answer[i - 1:i] != "\\"]
    spot = data.draw(st.sampled_from(spots))
    mutated = answer[:spot] + data.draw(st.sampled_from(SWAPPABLE)) + answer[spot + 1:]
    v = check(P, part, mutated)
    assert v.verdict in ("correct", "incorrect", "invalid") and 0.0 <= v.score <= 1.0
