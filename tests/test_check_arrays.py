"""Array and sequence parts through the public `check`: tables of right answers in many notations
and of wrong ones with their verdict and diagnoses. The numeric arrays (and their flipped
variants) are computed here by plain numpy loops, an oracle independent of the engine."""

import numpy as np
import pytest

import nablagrade.check.kinds  # noqa: F401  (registers the checkers)
from nablagrade.check import api
from nablagrade.check.api import check

IMAGE = np.array([[4, 5, 2, 2, 1], [3, 3, 2, 2, 4], [1, 3, 4, 1, 1], [5, 1, 4, 1, 2],
                  [5, 1, 3, 1, 4]])
KERNEL = np.array([[4, 3, 3], [5, 5, 5], [2, 4, 3]])
INPUT, FILTER = np.array([[-1, 2], [3, 1]]), np.array([[1, -1], [0, 1]])


def correlate(x, k):
    rows, cols = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    return np.array([[(x[r:r + k.shape[0], c:c + k.shape[1]] * k).sum() for c in range(cols)]
                     for r in range(rows)])


def scatter(z, k):
    out = np.zeros((z.shape[0] + k.shape[0] - 1, z.shape[1] + k.shape[1] - 1), dtype=int)
    for r in range(z.shape[0]):
        for c in range(z.shape[1]):
            out[r:r + k.shape[0], c:c + k.shape[1]] += z[r, c] * k
    return out


def flip(k):
    return k[::-1, ::-1]


VALUES, DX = correlate(IMAGE, KERNEL), scatter(np.ones((3, 3), dtype=int), KERNEL)
OUTPUT = scatter(INPUT, FILTER)


def nested(a) -> str:
    return str(np.asarray(a).tolist())


def bmatrix(a, env="bmatrix") -> str:
    rows = np.atleast_2d(np.asarray(a))
    body = r" \\ ".join(" & ".join(str(v) for v in row) for row in rows)
    spec = "{" + "c" * rows.shape[1] + "}" if env == "array" else ""
    return rf"\begin{{{env}}}{spec} {body} \end{{{env}}}"


def tuples(a) -> str:
    return "(" + ", ".join("(" + ", ".join(map(str, row)) + ")" for row in a) + ")"


def numeric_rights(a, lhs):
    return [nested(a), bmatrix(a), bmatrix(a, "pmatrix"), f"{lhs} = {bmatrix(a)}", tuples(a),
            bmatrix(a.T) + r"^\top", bmatrix(a.T) + "^{T}", "-" + bmatrix(-a),
            nested(a.astype(float)), bmatrix(a, "array")]


def numeric_wrongs(a, flipped):
    off = a.copy()
    off[-1, -1] += 1
    rows = [(nested(flipped), "incorrect", ("flipped",)),
            (nested(-a), "incorrect", ("sign-error",)),
            (nested(off), "incorrect", ()), (nested(a[:-1]), "incorrect", ("shape-mismatch",)),
            (nested(a[:, :-1]), "incorrect", ("shape-mismatch",)),
            (nested(a.flatten()), "incorrect", ("shape-mismatch",)),
            (nested(a + 1), "incorrect", ()), (nested(a[::-1]), "incorrect", ())]
    if a.shape[0] == a.shape[1] and (a != a.T).any():  # a square transpose is just wrong
        rows.append((nested(a.T), "incorrect", ()))
    return rows


W = (r"\begin{bmatrix} w_1 & w_2 & w_3 & 0 & 0 \\ 0 & w_1 & w_2 & w_3 & 0 \\ "
     r"0 & 0 & w_1 & w_2 & w_3 \end{bmatrix}")
A6 = r"\begin{bmatrix} w_1 & w_2 & w_3 & 0 & 0 & 0 \\ 0 & 0 & w_1 & w_2 & w_3 & 0 \end{bmatrix}"
OUT = r"w_2 x_1 + w_3 x_2, w_1 x_2 + w_2 x_3 + w_3 x_4"
UP = r"w_1 z_1, w_2 z_1, w_3 z_1 + w_1 z_2, w_2 z_2, w_3 z_2, 0"


def reverse_w(text: str) -> str:
    """The filter reversed: w_1 and w_3 exchanged."""
    return text.replace("w_1", "@").replace("w_3", "w_1").replace("@", "w_3")


RIGHT = {
    ("conv1d.filter-recovery", "filter"): [
        "[2, -1, 3]", "(2, -1, 3)", r"\begin{bmatrix} 2 & -1 & 3 \end{bmatrix}",
        r"\begin{pmatrix} 2 \\ -1 \\ 3 \end{pmatrix}", "2, -1, 3", "w_1 = 2, w_2 = -1, w_3 = 3",
        "w = [2, -1, 3]", "[2.0, -1.0, 3.0]", r"\begin{bmatrix} 2 & -1 & 3 \end{bmatrix}^\top",
        r"[\frac{4}{2}, -1, 3]", "w[1] = 2; w[2] = -1; w[3] = 3", r"\left[2,\ -1,\ 3\right]"],
    ("conv2d.transpose", "output"): numeric_rights(OUTPUT, "Y"),
    ("conv2d.numeric", "values"): numeric_rights(VALUES, "C"),
    ("conv2d.numeric", "dx"): numeric_rights(DX, r"\frac{\partial \ell}{\partial I}"),
    ("conv1d.as-matrix", "matrix"): [
        W, W.replace("w_1", "w_{1}").replace("w_2", "w_{2}").replace("w_3", "w_{3}"),
        W.replace("w_1", "w[1]").replace("w_2", "w[2]").replace("w_3", "w[3]"),
        W.replace("w_1", "w(1)"), W.replace("bmatrix", "pmatrix"), "A = " + W,
        "[[w_1, w_2, w_3, 0, 0], [0, w_1, w_2, w_3, 0], [0, 0, w_1, w_2, w_3]]",
        r"\begin{bmatrix} w_1 & 0 & 0 \\ w_2 & w_1 & 0 \\ w_3 & w_2 & w_1 \\ 0 & w_3 & w_2 \\ "
        r"0 & 0 & w_3 \end{bmatrix}^\top", W.replace("w_2", r"1 \cdot w_2 + 0")],
    ("conv1d.transpose-as-matrix", "output"): [
        f"({OUT})", f"[{OUT}]", r"\left(" + OUT + r"\right)", OUT, f"f = ({OUT})",
        r"\begin{bmatrix} w_2 x_1 + w_3 x_2 \\ w_1 x_2 + w_2 x_3 + w_3 x_4 \end{bmatrix}",
        "f_1 = w_2 x_1 + w_3 x_2, f_2 = w_1 x_2 + w_2 x_3 + w_3 x_4",
        "(x_1 w_2 + x_2 w_3, x_2 w_1 + x_3 w_2 + x_4 w_3)",
        r"(w_2 x[1] + w_3 x[2], w_1 x(2) + w_2 x_{3} + w_3 x_4)"],
    ("conv1d.transpose-as-matrix", "matrix"): [
        A6, A6.replace("bmatrix", "pmatrix"), "A = " + A6,
        "[[w_1, w_2, w_3, 0, 0, 0], [0, 0, w_1, w_2, w_3, 0]]",
        A6.replace("w_1", "w[1]").replace("w_2", "w[2]"),
        r"\begin{bmatrix} w_1 & 0 \\ w_2 & 0 \\ w_3 & w_1 \\ 0 & w_2 \\ 0 & w_3 \\ 0 & 0 "
        r"\end{bmatrix}^T", A6.replace(" 0 ", " 0.0 "),
        A6.replace(r"\begin{bmatrix}", r"\begin{array}{cccccc}").replace("bmatrix", "array")],
    ("conv1d.transpose-as-matrix", "upsample"): [
        f"({UP})", f"[{UP}]", UP, r"A^\top z = (" + UP + ")",
        r"\begin{pmatrix} " + UP.replace(", ", r" \\ ") + r" \end{pmatrix}",
        "(z_1 w_1, z_1 w_2, w_1 z_2 + w_3 z_1, z_2 w_2, z_2 w_3, 0)",
        r"(w_1 z[1], w_2 z[1], w_3 z[1] + w_1 z[2], w_2 z[2], w_3 z[2], 0)",
        r"\begin{bmatrix} " + UP.replace(", ", " & ") + r" \end{bmatrix}^\top"],
    ("rnn.scalar-unroll", "edges"): [
        "(w^2 p, w r, t)", "[p w^2, r w, t]", "w^2 p, w r, t",
        "(w^2 u_1, w (u_2 + w u_1), u_3 + w u_2 + w^2 u_1)",
        r"\left(\frac{\partial y}{\partial q} p, \frac{\partial y}{\partial s} r, t\right)",
        r"\left(\frac{\partial y}{\partial q}\frac{\partial q}{\partial w}, "
        r"\frac{\partial y}{\partial s}\frac{\partial s}{\partial w}, "
        r"\frac{\partial y}{\partial w}\right)", r"\begin{bmatrix} w^2 p & w r & t \end{bmatrix}",
        "(w \\cdot w \\cdot p, w \\cdot r, u_3 + s)", "(w q, s, t)"],
    ("snn.lif-surrogate", "spikes"): [
        "[0, 0, 1]", "(0, 0, 1)", "0, 0, 1", r"\begin{bmatrix} 0 & 0 & 1 \end{bmatrix}",
        "y(1) = 0, y(2) = 0, y(3) = 1", "y_1 = 0, y_2 = 0, y_3 = 1", "[0.0, 0.0, 1.0]",
        r"\begin{pmatrix} 0 \\ 0 \\ 1 \end{pmatrix}", "y = (0, 0, 1)"],
}

FLIPPED, SIGN, SWAP, MISMATCH = ("flipped",), ("sign-error",), ("dims-swapped",), \
    ("shape-mismatch",)

WRONG = {
    ("conv1d.filter-recovery", "filter"): [
        ("[3, -1, 2]", "incorrect", FLIPPED),
        (r"\begin{bmatrix} 3 & -1 & 2 \end{bmatrix}", "incorrect", FLIPPED),
        ("[-2, 1, -3]", "incorrect", SIGN), ("[-3, 1, -2]", "incorrect", ()),
        ("[2, -1]", "incorrect", MISMATCH), ("[2, -1, 3, 0]", "incorrect", MISMATCH),
        ("[2, 1, 3]", "incorrect", ()), ("[2, -1, 4]", "incorrect", ()),
        ("[1, 4, 0]", "incorrect", ()), ("[2.01, -1, 3]", "incorrect", ()),
        ("[x, -1, 3]", "invalid", ("unknown-symbol",))],
    ("conv2d.transpose", "output"): numeric_wrongs(OUTPUT, scatter(INPUT, flip(FILTER)))
    + [(nested(INPUT), "incorrect", MISMATCH)],
    ("conv2d.numeric", "values"): numeric_wrongs(VALUES, correlate(IMAGE, flip(KERNEL)))
    + [(nested(IMAGE), "incorrect", MISMATCH)],
    ("conv2d.numeric", "dx"): numeric_wrongs(DX, scatter(np.ones((3, 3), dtype=int),
                                                         flip(KERNEL))),
    ("conv1d.as-matrix", "matrix"): [
        (reverse_w(W), "incorrect", FLIPPED), ("-" + W, "incorrect", SIGN),
        (r"\begin{bmatrix} w_1 & 0 & 0 \\ w_2 & w_1 & 0 \\ w_3 & w_2 & w_1 \\ 0 & w_3 & w_2 \\ "
         r"0 & 0 & w_3 \end{bmatrix}", "incorrect", SWAP),
        (W.replace(r"w_3 \end", r"w_3 & 0 \end").replace(r"0 \\", r"0 & 0 \\"), "incorrect",
         MISMATCH),
        (W.replace("0 & w_1 & w_2 & w_3 & 0", "w_1 & w_2 & w_3 & 0 & 0"), "incorrect", ()),
        (r"\begin{bmatrix} w_1 & w_2 & w_3 \\ 0 & w_1 & w_2 \\ 0 & 0 & w_1 \end{bmatrix}",
         "incorrect", MISMATCH),
        (W.replace("w_2", "w_1"), "incorrect", ()),
        (W.replace("w_3 & 0 \\\\ 0", "w_3 & 1 \\\\ 0"), "incorrect", ())],
    ("conv1d.transpose-as-matrix", "output"): [
        (f"({reverse_w(OUT)})", "incorrect", FLIPPED),
        ("(-w_2 x_1 - w_3 x_2, -w_1 x_2 - w_2 x_3 - w_3 x_4)", "incorrect", SIGN),
        ("(w_2 x_1 + w_3 x_2, w_1 x_2 + w_2 x_3)", "incorrect", ()),
        ("(w_1 x_1 + w_2 x_2 + w_3 x_3)", "incorrect", MISMATCH),
        ("(w_2 x_1 + w_3 x_2, w_1 x_2 + w_2 x_3 + w_3 x_4, w_1 x_4)", "incorrect", MISMATCH),
        ("(w_1 x_2 + w_2 x_3 + w_3 x_4, w_2 x_1 + w_3 x_2)", "incorrect", ()),
        ("(w_2 z_1 + w_3 x_2, w_1 x_2 + w_2 x_3 + w_3 x_4)", "incorrect", ()),
        ("(w_1 x_1 + w_2 x_2, w_3 x_3 + w_1 x_4)", "incorrect", ())],
    ("conv1d.transpose-as-matrix", "matrix"): [
        (reverse_w(A6), "incorrect", FLIPPED), ("-" + A6, "incorrect", SIGN),
        (r"\begin{bmatrix} w_1 & 0 \\ w_2 & 0 \\ w_3 & w_1 \\ 0 & w_2 \\ 0 & w_3 \\ 0 & 0 "
         r"\end{bmatrix}", "incorrect", SWAP),
        (r"\begin{bmatrix} w_1 & w_2 & w_3 & 0 \\ 0 & 0 & w_1 & w_2 \end{bmatrix}", "incorrect",
         MISMATCH),
        (r"\begin{bmatrix} w_2 & w_3 & 0 & 0 \\ w_1 & w_2 & w_3 & 0 \\ 0 & w_1 & w_2 & w_3"
         r"\end{bmatrix}", "incorrect", MISMATCH),
        (A6.replace("0 & 0 & w_1", "0 & w_1 & w_2").replace(r"w_3 & 0 \end", r"0 & 0 \end"),
         "incorrect", ()),
        (A6.replace("w_2", "w_1"), "incorrect", ()),
        (A6.replace(r"w_3 & 0 \end", r"w_3 & w_1 \end"), "incorrect", ())],
    ("conv1d.transpose-as-matrix", "upsample"): [
        (f"({reverse_w(UP)})", "incorrect", FLIPPED),
        ("(-w_1 z_1, -w_2 z_1, -w_3 z_1 - w_1 z_2, -w_2 z_2, -w_3 z_2, 0)", "incorrect", SIGN),
        ("(w_1 z_1, w_2 z_1, w_3 z_1 + w_1 z_2, w_2 z_2, w_3 z_2)", "incorrect", MISMATCH),
        ("(w_1 z_1, w_2 z_1, w_3 z_1, w_1 z_2, w_2 z_2, w_3 z_2, 0)", "incorrect", MISMATCH),
        ("(w_1 z_1, w_2 z_1, w_3 z_1, w_2 z_2, w_3 z_2, 0)", "incorrect", ()),
        ("-(w_1 z_1, w_2 z_1, w_3 z_1 + w_1 z_2, w_2 z_2, w_3 z_2, 0)", "incorrect", SIGN),
        ("(w_1 x_1, w_2 x_1, w_3 x_1 + w_1 x_2, w_2 x_2, w_3 x_2, 0)", "incorrect", ()),
        ("(0, w_1 z_1, w_2 z_1, w_3 z_1 + w_1 z_2, w_2 z_2, w_3 z_2)", "incorrect", ())],
    ("rnn.scalar-unroll", "edges"): [
        ("(w p, w r, t)", "incorrect", ()), ("(-w^2 p, -w r, -t)", "incorrect", SIGN),
        ("(t, w r, w^2 p)", "incorrect", ()), ("(w^2 p, w r)", "incorrect", MISMATCH),
        ("(w^2, w, 1)", "incorrect", ()), ("(p, r, t)", "incorrect", ()),
        ("(3 w^2 u_1, 2 w u_2, u_3)", "incorrect", ()),
        ("(w^2 p, w r, t, y)", "incorrect", MISMATCH),
        ("(w^2 v, w r, t)", "invalid", ("unknown-symbol",))],
    ("snn.lif-surrogate", "spikes"): [
        ("[1, 0, 0]", "incorrect", ()), ("[0, 1, 1]", "incorrect", ()),
        ("[0, 0, 0]", "incorrect", ()), ("[1, 1, 1]", "incorrect", ()),
        ("[0, 1]", "incorrect", MISMATCH), ("[0, 0, 1, 0]", "incorrect", MISMATCH),
        ("[0, 0, -1]", "incorrect", SIGN), ("[0, 1, 0]", "incorrect", ())],
}


def _cases(table):
    return [pytest.param(q, row, id=f"{q[0]}/{q[1]}: {row}") for q, rows in table.items()
            for row in rows]


def test_every_array_part_has_enough_cases():
    from nablagrade.problems import all_problems

    parts = {(p.id, part.id) for p in all_problems() for part in p.parts
             if part.kind in ("array", "sequence")}
    assert set(RIGHT) == set(WRONG) == parts
    assert all(len(rows) >= 8 for table in (RIGHT, WRONG) for rows in table.values())


@pytest.mark.parametrize("question, answer", _cases(RIGHT))
def test_right_answers(question, answer):
    verdict = check(*question, answer)
    assert (verdict.verdict, verdict.diagnoses, verdict.score) == ("correct", (), 1.0)


@pytest.mark.parametrize("question, row", _cases(WRONG))
def test_wrong_answers(question, row):
    answer, outcome, codes = row
    verdict = check(*question, answer)
    assert (verdict.verdict, verdict.codes) == (outcome, codes)
    assert verdict.score == (0.5 if codes == SWAP else 0.0)
    if outcome == "incorrect":
        assert verdict.counterexample is not None
        assert verdict.counterexample.expected != verdict.counterexample.got


def test_the_counterexample_names_the_wrong_entry():
    off = VALUES.copy()
    off[1, 2] += 1
    cx = check("conv2d.numeric", "values", nested(off)).counterexample
    assert (cx.instance, cx.expected, cx.got) == ({"entry": "(2, 3)"}, int(VALUES[1, 2]),
                                                  int(VALUES[1, 2]) + 1)
    cx = check("rnn.scalar-unroll", "edges", "(w^2 p, w r, s)").counterexample
    i = cx.instance
    assert i["entry"] == "3"
    t = i["u_3"] + i["w"] * i["u_2"] + i["w"] ** 2 * i["u_1"]
    assert cx.expected == pytest.approx(t, rel=1e-5)
    assert cx.got == pytest.approx(t - i["u_3"], rel=1e-5, abs=1e-5)


def test_methods():
    exact = check("conv1d.filter-recovery", "filter", "[2, -1, 3]")
    sampled = check("conv1d.as-matrix", "matrix", W)
    assert (exact.method, exact.instances) == ("exact", 0)
    assert sampled.method == "sampled" and sampled.instances >= 30


def test_messages():
    verdict = check("conv1d.filter-recovery", "filter", "[3, -1, 2]")
    assert verdict.diagnoses[0].message == \
        "The kernel is flipped (a true convolution); here convolution is cross-correlation."
    verdict = check("conv2d.transpose", "output", nested(OUTPUT[:2]))
    assert verdict.diagnoses[0].message == \
        r"The answer is a 2 \times 3 array; the expected array is a 3 \times 3 array."
    verdict = check("conv1d.as-matrix", "matrix", WRONG[("conv1d.as-matrix", "matrix")][2][0])
    assert verdict.diagnoses[0].message == (r"The entries are right but transposed: a 5 \times 3 "
                                            r"array instead of a 3 \times 5 array.")


@pytest.mark.parametrize("question, answer", [
    (("conv1d.as-matrix", "matrix"), reverse_w(W)), (("rnn.scalar-unroll", "edges"), "(w p, r, t)"),
    (("conv2d.numeric", "values"), nested(VALUES + 1)), (("snn.lif-surrogate", "spikes"), "[1]")])
def test_verdicts_are_deterministic(question, answer):
    first = check(*question, answer)
    api._task.cache_clear()
    assert check(*question, answer) == first
