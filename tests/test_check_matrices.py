"""Matrix parts through the public `check`: tables of right answers in many notations and of
wrong ones with their verdict and diagnosis, the official key's ``W_h^\\top``, every derived
truth disguised (its own LaTeX, ``+ 0``, ``\\cos(0)(...)``, terms reordered) in both layouts,
definitions (recursions, base cases, names defined twice), pinned messages, counterexamples and
determinism."""

import json
from dataclasses import replace

import numpy as np
import pytest

import nablagrade.check.kinds  # noqa: F401  (registers the checkers)
from nablagrade.check.api import check, task
from nablagrade.check.matrices import expected_latex, read
from nablagrade.check.matrix_eval import env_at, sample
from nablagrade.check.matrix_scope import Asked, cached_scope
from nablagrade.check.parse import parse_answer
from nablagrade.derive.mexpr import Add, add
from nablagrade.derive.numeric import evaluate
from nablagrade.derive.recurrence import T
from nablagrade.derive.verify import fd_jacobian

GATED, ATTENTION, LSTM = "rnn.gated", "rnn.attention", "rnn.lstm"
DELTA = (r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
         r"\frac{\partial h[t+1]}{\partial h[t]}, \quad \delta[K+1] = 0")
OFFICIAL_DC_DH = (r"\operatorname{diag}(\sigma(W_c x[t] + W_h h[t-1]) \odot "
                  r"(1 - \sigma(W_c x[t] + W_h h[t-1]))) W_h^\top")
G = r"(k_1^\top Q_1 + q_1^\top K_1)"  # d w_1 / d h[t-1] of AttentionRNN

RIGHT = {
    (GATED, "dc-dh"): [
        r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
        r"\text{diag}(\sigma(W_c x_t + W_h h_{t-1}) \odot (1-\sigma(W_c x_t + W_h h_{t-1}))) W_h",
        r"\mathrm{diag}(\sigma'(W_c x[t] + W_h h[t-1])) W_h",
        r"\operatorname{diag}(c_t) \operatorname{diag}(1 - c_t) W_h",
        r"(\operatorname{diag}(c[t]) - \operatorname{diag}(c[t])^2) W_h",
        r"\operatorname{diag}(c[t] - c[t] \odot c[t]) W_{h}",
        r"\operatorname{diag}(z_t) W_h \text{ where } z_t = c_t \circ (\mathbf{1} - c_t)",
        r"\frac{\partial c[t]}{\partial h[t-1]} = \left(\operatorname{diag}(c[t]) - "
        r"\operatorname{diag}(c[t] \odot c[t])\right) W_h",
        r"\operatorname{diag}(c_{t}) (I - \operatorname{diag}(c_{t})) W_{h}",
        r"\partial c_t / \partial h_{t-1} = \operatorname{diag}(c_t \odot (1 - c_t)) W_h",
    ],
    (GATED, "dh-dh"): [
        r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
        r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
        r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
        r"\frac{\partial c[t]}{\partial h[t-1]}",
        r"\text{diag}(c_t) + \text{diag}(h_{t-1}) \frac{\partial c_t}{\partial h_{t-1}} - "
        r"\text{diag}(W_x x_t) \frac{\partial c_t}{\partial h_{t-1}}",
        r"\operatorname{diag}(c[t]) + \operatorname{diag}((h[t-1] - W_x x[t]) \odot c[t] "
        r"\odot (1 - c[t])) W_h",
        r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
        r"\operatorname{diag}(\sigma'(W_c x[t] + W_h h[t-1])) W_h",
        r"\frac{\partial h[t]}{\partial c[t]} \frac{\partial c[t]}{\partial h[t-1]} + "
        r"\operatorname{diag}(c[t])",
        r"\operatorname{diag}(c_t) + D_t W_h, \quad D_t = \operatorname{diag}((h_{t-1} - "
        r"W_x x_t) \odot c_t \odot (1 - c_t))",
        r"\frac{\partial h[t]}{\partial h[t-1]} = \text{diag}(c[t]) + \text{diag}(h[t-1]) "
        r"\frac{\partial c[t]}{\partial h[t-1]} - \text{diag}(W_x x[t]) \frac{\partial c[t]}"
        r"{\partial h[t-1]}, \quad \frac{\partial c[t]}{\partial h[t-1]} = "
        r"\text{diag}(c[t] \odot (1 - c[t])) W_h",
        r"\frac{\partial h[t]}{\partial h[t-1]} = \operatorname{diag}(c[t]) + "
        r"\operatorname{diag}(h[t-1] - W_x x[t]) \frac{\partial c[t]}{\partial h[t-1]} \\ "
        r"&= \operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
        r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
    ],
    (GATED, "dl-dWx"): [
        r"\sum_{t=1}^{K} x[t] \left((1 - c[t]) \odot \delta[t]\right)^\top, \quad " + DELTA,
        r"\frac{\partial \ell}{\partial W_x} = \sum_{t=1}^{K} x[t] \delta[t]^\top "
        r"\operatorname{diag}(1 - c[t]), \quad " + DELTA,
        r"\sum_{t=1}^{K} x_t (\delta_t \odot (\mathbf{1} - c_t))^\top, \delta_t = "
        r"\left(\frac{\partial \ell}{\partial h_t}\right)^\top + \left(\frac{\partial h_{t+1}}"
        r"{\partial h_t}\right)^\top \delta_{t+1}, \delta_{K+1} = 0",
        r"\sum_{t=1}^{K} \sum_{s=t}^{K} x[t] \frac{\partial \ell}{\partial h[s]} "
        r"\frac{\partial h[s]}{\partial h[t]} \operatorname{diag}(1 - c[t])",
        r"\sum_{t=1}^{K} x[t] \left(\frac{\partial \ell}{\partial h[t]} + \sum_{s=t+1}^{K} "
        r"\frac{\partial \ell}{\partial h[s]} \prod_{j=t+1}^{s} \frac{\partial h[j]}"
        r"{\partial h[j-1]}\right) \operatorname{diag}(1 - c[t])",
        r"\sum_{t=1}^{K} x[t] \left(\frac{\partial \ell}{\partial h[t]} + \sum_{s=t+1}^{K} "
        r"\frac{\partial \ell}{\partial h[s]} \prod_{j=t}^{s-1} \frac{\partial h[j+1]}"
        r"{\partial h[j]}\right) \operatorname{diag}(1 - c[t])",
        r"\sum_{t=1}^{K} x[t] \left(\delta[t] - c[t] \odot \delta[t]\right)^T, "
        r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
        r"(\operatorname{diag}(c[t+1]) + \operatorname{diag}(h[t] - W_x x[t+1]) "
        r"\operatorname{diag}(c[t+1] \odot (1 - c[t+1])) W_h), \delta[K+1] = 0",
        r"\sum_{t=1}^{K} x[t] g_t^\top, \quad g_t = (1 - c_t) \odot \delta_t, \quad "
        r"\delta_t = \frac{\partial \ell}{\partial h_t}^\top + \frac{\partial h_{t+1}}"
        r"{\partial h_t}^\top \delta_{t+1}, \quad \delta_{K+1} = 0",
        r"\sum_{s=1}^{K} x[s] \left((1 - c[s]) \odot d[s]\right)^\top, \quad d[s] = "
        r"\sum_{r=s}^{K} \left(\frac{\partial h[r]}{\partial h[s]}\right)^\top "
        r"\left(\frac{\partial \ell}{\partial h[r]}\right)^\top",
    ],
    (ATTENTION, "dh-dh"): [
        r"a_1[t] V_1 + a_1[t] (v_1[t] - h[t]) (q_1[t]^T K_1 + k_1[t]^T Q_1)",
        r"\alpha_1 V_1 + \alpha_1 (v_1 - h_t)(k_1^\top Q_1 + q_1^\top K_1)",
        r"a_1 V_1 + \sum_{i=0}^{2} a_i (\delta_{i1} - a_1) v_i " + G,
        r"a_1 V_1 + \sum_i a_i (\delta_{i1} - a_1) v_i " + G,
        r"a_1[t] V_1 + a_1[t] (v_1[t] - h[t]) h[t-1]^\top (K_1^\top Q_1 + Q_1^\top K_1)",
        r"a_1 V_1 + a_1 (V_1 h[t-1] - h[t]) " + G,
        r"a_1 V_1 + (v_1 - a_0 v_0 - a_1 v_1 - a_2 v_2) a_1 " + G,
        r"a_1[t] V_1 + v_1[t] \frac{\partial a_1[t]}{\partial h[t-1]} - a_1[t] "
        r"(a_0[t] v_0[t] + a_2[t] v_2[t]) " + G,
        r"a_1 V_1 + \sum_{i=0}^{2} v_i \frac{\partial a_i}{\partial h[t-1]}",
        r"\frac{\partial (a_1[t] v_1[t])}{\partial h[t-1]} + v_0 \frac{\partial a_0}"
        r"{\partial h[t-1]} + v_2 \frac{\partial a_2}{\partial h[t-1]}",
        r"\frac{e^{w_1}}{e^{w_0} + e^{w_1} + e^{w_2}} V_1 + a_1 (v_1 - h_t) " + G,
    ],
    (ATTENTION, "dl-dhT"): [
        r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]} \frac{\partial h[T+i]}"
        r"{\partial h[T]}",
        r"\frac{\partial \ell}{\partial h[T+1]} \frac{\partial h[T+1]}{\partial h[T]} + "
        r"\frac{\partial \ell}{\partial h[T+2]} \frac{\partial h[T+2]}{\partial h[T]}",
        r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h_{T+i}} \frac{\partial h_{T+i}}"
        r"{\partial h_T}",
        r"\frac{\partial \ell}{\partial h[T]} = \sum_{j=1}^{2} \frac{\partial \ell}"
        r"{\partial h[T+j]} \frac{\partial h[T+j]}{\partial h[T]}",
        r"\left(\sum_{i=1}^{k} \left(\frac{\partial h[T+i]}{\partial h[T]}\right)^\top "
        r"\left(\frac{\partial \ell}{\partial h[T+i]}\right)^\top\right)^\top",
        r"\sum_{t=T+1}^{T+k} \frac{\partial \ell}{\partial h[t]} \frac{\partial h[t]}"
        r"{\partial h[T]}",
        r"\sum_{i=1}^{2} g_i J_i, \quad g_i = \frac{\partial \ell}{\partial h[T+i]}, \quad "
        r"J_i = \frac{\partial h[T+i]}{\partial h[T]}",
        r"\sum_{i=1}^{k+1} \frac{\partial \ell}{\partial h[T+i]} \frac{\partial h[T+i]}"
        r"{\partial h[T]}",  # the direct derivative by h[T] vanishes for i > k
    ],
    (LSTM, "dC-dC"): [
        r"\operatorname{diag}(f_t)", r"\operatorname{diag}(\sigma(U_f x_t + W_f h_{t-1} + b_f))",
        r"\operatorname{diag}(\sigma(U^f x_t + W^f h_{t-1} + b^f))",
    ],
    (LSTM, "dh-dC"): [
        r"\operatorname{diag}(o_t \odot (1 - \tanh^2(C_t)))",
        r"\operatorname{diag}(o_t) (I - \operatorname{diag}(\tanh(C_t))^2)",
        r"\operatorname{diag}(o_t) \operatorname{diag}(1 - \tanh(C_t) \odot \tanh(C_t))",
    ],
}


@pytest.mark.parametrize("problem, part, answer",
                         [(p, q, a) for (p, q), answers in RIGHT.items() for a in answers])
def test_right_answers_in_many_notations(problem, part, answer):
    v = check(problem, part, answer)
    assert (v.verdict, v.score, v.codes) == ("correct", 1.0, ()), v.diagnoses
    assert v.method == "sampled" and v.instances >= 12


WRONG = [
    # (problem, part, answer, verdict, diagnosis code or None)
    (GATED, "dc-dh", OFFICIAL_DC_DH, "incorrect", "transpose-error"),
    (GATED, "dc-dh", r"W_h^\top \operatorname{diag}(c[t] \odot (1-c[t]))", "incorrect",
     "layout-denominator"),
    (GATED, "dc-dh", r"-\operatorname{diag}(c[t] \odot (1-c[t])) W_h", "incorrect",
     "sign-error"),
    (GATED, "dc-dh", r"\operatorname{diag}(c[t]) W_h", "incorrect", "missing-term"),
    (GATED, "dc-dh", r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_c", "incorrect",
     "shape-mismatch"),
    (GATED, "dc-dh", r"W_c \operatorname{diag}(c[t])", "invalid", "ill-typed"),
    (GATED, "dc-dh", r"c[t] \odot (1 - c[t]) W_h", "invalid", "ill-typed"),
    (GATED, "dc-dh", r"\operatorname{diag}(c[t] \odot (1 - c[t])) U_h", "invalid",
     "unknown-symbol"),
    (GATED, "dc-dh", r"\frac{\partial c[t]}{\partial h[t-1]}", "invalid", "circular"),
    (GATED, "dc-dh", r"(c_t \circ (\mathbf{1} - c_t)) \odot W_h", "invalid", "ill-typed"),
    (GATED, "dc-dh", r"W_h \operatorname{diag}(c[t] \odot (1-c[t]))", "incorrect", None),
    (GATED, "dh-dh", r"\operatorname{diag}(h[t-1] - W_x x[t]) \operatorname{diag}(c[t] \odot "
     r"(1-c[t])) W_h", "incorrect", "missing-term"),
    (GATED, "dh-dh", r"\text{diag}(c[t]) + \text{diag}(h[t-1]) \frac{\partial c[t]}"
     r"{\partial h[t-1]} - \text{diag}(W_x x[t]) \frac{\partial c[t]}{\partial h[t-1]}, "
     r"\quad \frac{\partial c[t]}{\partial h[t-1]} = " + OFFICIAL_DC_DH, "incorrect",
     "transpose-error"),
    (GATED, "dh-dh", r"\operatorname{diag}(c[t]) - \operatorname{diag}(h[t-1] - W_x x[t]) "
     r"\operatorname{diag}(c[t] \odot (1-c[t])) W_h", "incorrect", "sign-error"),
    (GATED, "dh-dh", r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1]) "
     r"\frac{\partial c[t]}{\partial h[t-1]}", "incorrect", "missing-term"),
    (GATED, "dh-dh", r"\operatorname{diag}(c[t]) + W_h^\top \operatorname{diag}(c[t] \odot "
     r"(1-c[t])) \operatorname{diag}(h[t-1] - W_x x[t])", "incorrect", "layout-denominator"),
    (GATED, "dh-dh", r"h[t-1] + \operatorname{diag}(c[t])", "invalid", "ill-typed"),
    (GATED, "dh-dh", r"\frac{\partial h_t}{\partial h_{t-1}}", "invalid", "circular"),
    (GATED, "dh-dh", r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) W_h",
     "incorrect", None),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} ((1-c[t]) \odot \delta[t]) x[t]^\top, \quad " + DELTA,
     "incorrect", "layout-denominator"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] \delta[t]^\top, \quad " + DELTA, "incorrect",
     "missing-term"),
    (GATED, "dl-dWx", r"-\sum_{t=1}^{K} x[t] \delta[t]^\top \operatorname{diag}(1 - c[t])",
     "incorrect", "sign-error"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K-1} x[t] \delta[t]^\top \operatorname{diag}(1-c[t])",
     "incorrect", "wrong-range"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] ((1 - c[t]) \odot \delta[t])^\top, "
     r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
     r"\left(\frac{\partial h[t+1]}{\partial h[t]}\right)^\top, \delta[K+1] = 0",
     "incorrect", "transpose-error"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] ((1 - c[t]) \odot \delta[t])^\top, "
     r"\delta[t] = \frac{\partial \ell}{\partial h[t]}^\top, \delta[K+1] = 0",
     "incorrect", "missing-term"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] ((1 - c[t]) \odot \delta[t])^\top, "
     r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} - \delta[t+1]^\top "
     r"\frac{\partial h[t+1]}{\partial h[t]}, \delta[K+1] = 0", "incorrect", "sign-error"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t]^\top ((1-c[t]) \odot \delta[t])", "invalid",
     "ill-typed"),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t]^\top x[t]", "incorrect", "shape-mismatch"),
    (ATTENTION, "dh-dh", r"a_1 V_1 + v_1 a_1 (1 - a_1) " + G, "incorrect", "missing-term"),
    (ATTENTION, "dh-dh", r"a_1 V_1", "incorrect", "missing-term"),
    (ATTENTION, "dh-dh", r"a_1 V_1^T + a_1 (v_1 - h) " + G, "incorrect", "transpose-error"),
    (ATTENTION, "dh-dh", r"a_1 V_1 + a_1 (v_1 - h) (k_1^T Q_1^T + q_1^T K_1)", "incorrect",
     "transpose-error"),
    (ATTENTION, "dh-dh", r"a_1 V_1 - a_1 (v_1 - h) " + G, "incorrect", "sign-error"),
    (ATTENTION, "dh-dh", r"a_1 V_1^T + a_1 (Q_1^T k_1 + K_1^T q_1)(v_1 - h)^T", "incorrect",
     "layout-denominator"),
    (ATTENTION, "dh-dh", r"a_1 V_1 + a_1 (v_1 - h) (k_1 Q_1 + q_1^T K_1)", "invalid",
     "ill-typed"),
    (ATTENTION, "dh-dh", r"b_1 V_1", "invalid", "unknown-symbol"),
    (ATTENTION, "dl-dhT", r"\sum_{i=1}^k \frac{\partial h[T+i]}{\partial h[T]} "
     r"\frac{\partial \ell}{\partial h[T+i]}", "incorrect", "layout-denominator"),
    (ATTENTION, "dl-dhT", r"\frac{\partial \ell}{\partial h[T+1]} \frac{\partial h[T+1]}"
     r"{\partial h[T]}", "incorrect", "missing-term"),
    (ATTENTION, "dl-dhT", r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]} "
     r"\left(\frac{\partial h[T+i]}{\partial h[T]}\right)^\top", "incorrect", "transpose-error"),
    (ATTENTION, "dl-dhT", r"-\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]} "
     r"\frac{\partial h[T+i]}{\partial h[T]}", "incorrect", "sign-error"),
    (ATTENTION, "dl-dhT", r"\sum_{i=1}^{k} \frac{\partial h[T+i]}{\partial h[T]}", "incorrect",
     "shape-mismatch"),
    (ATTENTION, "dl-dhT", r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T]} "
     r"\frac{\partial h[T+i]}{\partial h[T]}", "invalid", "circular"),
    (ATTENTION, "dl-dhT", r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]}", "incorrect",
     None),
    (ATTENTION, "dl-dhT", r"\sum_{i=2}^{k} \frac{\partial \ell}{\partial h[T+i]} "
     r"\frac{\partial h[T+i]}{\partial h[T]}", "incorrect", "missing-term"),
    (LSTM, "dC-dC", r"\operatorname{diag}(i_t)", "incorrect", None),
    (LSTM, "dC-dC", r"f_t", "incorrect", "shape-mismatch"),
    (LSTM, "dh-dC", r"\operatorname{diag}(o_t \odot (1 - \tanh(C_t)))", "incorrect", None),
]


@pytest.mark.parametrize("problem, part, answer, verdict, code", WRONG)
def test_wrong_answers_with_their_diagnosis(problem, part, answer, verdict, code):
    v = check(problem, part, answer)
    messages = [d.message for d in v.diagnoses]
    assert (v.verdict, v.codes) == (verdict, (code,) if code else ()), messages
    assert v.score == (0.5 if code == "layout-denominator" else 0.0)
    if verdict == "incorrect":
        assert v.counterexample is not None and v.method == "sampled"


def test_the_official_key_transposes_W_h():
    v = check(GATED, "dc-dh", OFFICIAL_DC_DH)
    assert (v.verdict, v.score, v.codes) == ("incorrect", 0.0, ("transpose-error",))
    assert v.diagnoses[0].message == ("One factor is transposed: your answer equals the "
                                      "expected one with $(W_h)^\\top$ in place of $W_h$.")
    assert v.expected == r"\operatorname{diag}\left(c[t] \odot \left(1 - c[t]\right)\right) W_h"


@pytest.mark.parametrize("part, answer, code, words", [
    ("dc-dh", r"W_c \operatorname{diag}(c[t])", "ill-typed",
     ("$W_{c}$ (m × n)", r"$\operatorname{diag}\left(c[t]\right)$ (m × m)", "n and m differ")),
    ("dh-dh", r"h[t-1] + \operatorname{diag}(c[t])", "ill-typed",
     ("Cannot add", "(m × 1)", "(m × m)")),
    ("dc-dh", r"\operatorname{diag}(c[t]) U_h", "unknown-symbol", ("$U_{h}$ is not defined",)),
    ("dc-dh", r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_c", "shape-mismatch",
     ("m × n matrix", "is m × m")),
    ("dh-dh", r"\operatorname{diag}(c[t]) + Z, \quad Z = Z + I", "bad-definition",
     ("$Z$ is defined in terms of itself",)),
    ("dh-dh", r"\frac{\partial h_t}{\partial h_{t-1}}", "circular", ("the quantity asked for",)),
])
def test_messages_name_the_shapes_and_symbols(part, answer, code, words):
    v = check(GATED, part, answer)
    assert v.codes == (code,)
    for w in words:
        assert w in v.diagnoses[0].message


@pytest.mark.parametrize("definitions, message", [
    (r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
     r"\frac{\partial h[t+1]}{\partial h[t]}", "has no base case"),
    (r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
     r"\frac{\partial h[t+1]}{\partial h[t]}, \delta[0] = 0", "never reaches its base case"),
    (r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]}, \delta[t]^\top = 0, "
     r"\delta[K+1] = 0", "defined twice"),
    (r"\delta[t] = \delta[t], \delta[K+1] = 0", "without end"),
])
def test_bad_recursions_are_invalid_with_a_message(definitions, message):
    v = check(GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] ((1 - c[t]) \odot \delta[t])^\top, "
              + definitions)
    assert (v.verdict, v.codes) == ("invalid", ("bad-definition",))
    assert message in v.diagnoses[0].message


DISGUISED = [(GATED, "dc-dh"), (GATED, "dh-dh"), (GATED, "dl-dWx"), (ATTENTION, "dh-dh"),
             (ATTENTION, "dl-dhT"), (LSTM, "dC-dC"), (LSTM, "dh-dC")]


def _disguises(t):
    text = expected_latex(t)
    main, _, where = text.partition(r", \quad \text{where }")
    where = r", \quad \text{where } " + where if where else ""
    out = [text, main + " + 0" + where, r"\cos(0) \left(" + main + r"\right)" + where]
    expr = t.truth.expr
    if isinstance(expr, Add) and t.layout == "numerator":
        out.append(add(*reversed(expr.terms)).latex() + where)
    return out


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("problem, part", DISGUISED)
def test_every_truth_disguised_is_right(problem, part, layout):
    t = task(problem, part, layout=layout)
    for answer in _disguises(t):
        v = check(problem, part, answer, layout=layout)
        assert v.verdict == "correct", (answer, [d.message for d in v.diagnoses])


def test_the_other_layout_is_named():
    v = check(GATED, "dc-dh", r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
              layout="denominator")
    assert v.codes == ("layout-denominator",) and "uses denominator layout" in \
        v.diagnoses[0].message
    v = check(GATED, "dl-dWx", r"\sum_{t=1}^{K} ((1-c[t]) \odot \delta[t]) x[t]^\top",
              credit={"layout-denominator": 0.75})
    assert (v.verdict, v.score) == ("incorrect", 0.75)


def test_counterexample_is_small_and_names_the_instance():
    v = check(GATED, "dc-dh", OFFICIAL_DC_DH)
    ce = v.counterexample
    assert set(ce.instance) == {"n", "m", "t", "K"} and ce.instance["n"] != ce.instance["m"]
    m = ce.instance["m"]
    assert len(ce.expected) == m and all(len(row) == m for row in ce.expected)
    assert ce.expected != ce.got
    v = check(ATTENTION, "dl-dhT", r"\sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]}")
    assert set(v.counterexample.instance) == {"n", "T", "K"}


@pytest.mark.parametrize("problem, part, answer", [
    (GATED, "dc-dh", OFFICIAL_DC_DH),
    (GATED, "dl-dWx", r"\sum_{t=1}^{K} x[t] \delta[t]^\top"),
    (ATTENTION, "dh-dh", r"a_1 V_1 + a_1 (v_1 - h) q_1^T"),
])
def test_verdicts_are_deterministic(problem, part, answer):
    first, second = check(problem, part, answer), check(problem, part, answer)
    assert json.dumps(first.to_json()) == json.dumps(second.to_json())


def test_params_other_than_the_sheet_are_instantiated():
    v = check(GATED, "dc-dh", r"\operatorname{diag}(c_t \odot (1 - c_t)) W_h",
              {"n": 3, "m": 2, "K": 4})
    assert v.verdict == "correct"
    v = check(GATED, "dl-dWx", r"\sum_{t=1}^{4} x[t] \delta[t]^\top \operatorname{diag}(1-c[t])",
              {"K": 4})
    assert v.verdict == "correct"


@pytest.mark.parametrize("problem, answer", [
    (GATED, r"\frac{\partial h[t]}{\partial h[t-2]}"),
    (GATED, r"\prod_{j=t-1}^{t} \frac{\partial h[j]}{\partial h[j-1]}"),  # chain order
    (GATED, r"\prod_{j=0}^{1} \frac{\partial h[t-j]}{\partial h[t-j-1]}"),
    (ATTENTION, r"\frac{\partial h[t]}{\partial h[t-2]}"),  # both lags: also directly
])
def test_derivatives_between_states_match_finite_differences(problem, answer):
    """Oracle: the forward recurrence alone, perturbed (`derive.verify.fd_jacobian`)."""
    t = task(problem, "dh-dh")
    scope = replace(cached_scope(t), asked=Asked("-", "-"))  # dh[t]/dh[t-1] allowed here
    reading = read(t, scope, parse_answer(answer), "numerator")
    smp = sample(t, scope)
    h = scope.system.symbols["h"]
    for number, inst in enumerate(smp.instances):
        env = env_at(scope, smp, number)
        want = fd_jacobian(env, h, h.at(T - 2))
        assert np.allclose(evaluate(reading.expr, env), want, atol=1e-6), inst.label
