"""Recurrent cells: the gated cell of 000 §1.2.1 and an LSTM cell (003 Q3(h)).

Each builder only declares the typed symbols and the forward equations; the engine derives the
Jacobians, the BPTT gradient and the shapes.
"""

from __future__ import annotations

from nablagrade.derive.mexpr import Ones, apply, had
from nablagrade.derive.queries import BPTTGradient, Jacobian, ShapeOf
from nablagrade.derive.recurrence import LOSS, T, Recurrence, mat, seq
from nablagrade.problems.model import Param, Part, problem

DIMS = (Param("n", "dim", None, "input dimension", min=1),
        Param("m", "dim", None, "state dimension", min=1),
        Param("K", "dim", None, "sequence length", min=1))


def gated_cell(p) -> Recurrence:
    """c[t] = sigma(W_c x[t] + W_h h[t-1]);  h[t] = c[t] ⊙ h[t-1] + (1 - c[t]) ⊙ W_x x[t]."""
    n, m = p.n, p.m
    x, h, c = seq("x", n), seq("h", m), seq("c", m)
    W_c, W_h, W_x = mat("W_c", m, n), mat("W_h", m, m), mat("W_x", m, n)
    h_prev = h.at(T - 1)
    equations = {"c": apply("sigmoid", W_c @ x + W_h @ h_prev),
                 "h": had(c, h_prev) + had(Ones(m) - c, W_x @ x)}
    return Recurrence(equations, {"x": x, "h": h, "c": c}, (W_c, W_h, W_x), (x,),
                      frozenset({"h"}), p.K)


@problem(
    "rnn.gated",
    title="A gated recurrent cell",
    statement=r"$c[t] = \sigma(W_c x[t] + W_h h[t-1])$, "
              r"$h[t] = c[t] \odot h[t-1] + (1 - c[t]) \odot W_x x[t]$, $h[0] = 0$, "
              r"with $x[t] \in \mathbb{R}^n$, $h[t] \in \mathbb{R}^m$, "
              r"$W_c, W_x \in \mathbb{R}^{m \times n}$, $W_h \in \mathbb{R}^{m \times m}$, "
              r"$\sigma$ the element-wise sigmoid, $t = 1, \dots, K$.",
    params=DIMS,
    parts=(
        Part("c-shape", "shape", r"What is the dimension of $c[t]$?"),
        Part("dc-dh", "matrix", r"Give $\frac{\partial c[t]}{\partial h[t-1]}$."),
        Part("dh-dh", "matrix", r"Give $\frac{\partial h[t]}{\partial h[t-1]}$."),
        Part("dl-dWx-shape", "shape",
             r"Given $\frac{\partial \ell}{\partial h[t]}$ for every $t$, what is the dimension "
             r"of $\frac{\partial \ell}{\partial W_x}$?"),
        Part("dl-dWx", "matrix",
             r"Given $\frac{\partial \ell}{\partial h[t]}$ for every $t$, give "
             r"$\frac{\partial \ell}{\partial W_x}$."),
        Part("vanishing", "text",
             "Can this network be subject to vanishing or exploding gradients? Why?",
             reference="Vanishing: yes. Backpropagating through h multiplies by "
                       "dh[t]/dh[t-1] = diag(c[t]) + ..., and the products of diag(c[t]) with "
                       "entries in (0, 1) shrink geometrically. Exploding is also possible "
                       "through the term diag(h[t-1] - W_x x[t]) diag(c(1-c)) W_h when W_h is "
                       "large: the products of Jacobians can then grow.",
             rubric=(("vanish",), ("(0, 1)", "(0,1)", "between 0 and 1", "less than 1",
                                   "sigmoid", "gate"))),
    ),
    source="000 §1.2.1",
    figures=("recurrence-graph", "jacobian-norms"),
)
def gated(p):
    cell = gated_cell(p)
    c, h, W_x = cell.symbols["c"], cell.symbols["h"], cell.params[2]
    return {
        "c-shape": ShapeOf(c, definition=cell.definition_at(c),
                           reason=r"$W_c x[t]$ is $(m \times n)(n \times 1)$; $\sigma$ keeps it"),
        "dc-dh": Jacobian(cell, c, h.at(T - 1)),
        "dh-dh": Jacobian(cell, h, h.at(T - 1)),
        "dl-dWx-shape": ShapeOf(LOSS, W_x),
        "dl-dWx": BPTTGradient(cell, W_x, "h"),
    }


def lstm_cell(p) -> Recurrence:
    """The LSTM of 003 Q3(h), written with column vectors (U x + W h + b)."""
    n, m = p.n, p.m
    x, h, C = seq("x", n), seq("h", m), seq("C", m)
    h_prev = h.at(T - 1)
    gates, symbols, params = {}, {"x": x, "h": h, "C": C}, []
    for g, fn in (("f", "sigmoid"), ("i", "sigmoid"), ("o", "sigmoid"), ("g", "tanh")):
        U, W, b = mat(f"U_{g}", m, n, f"U^{g}"), mat(f"W_{g}", m, m, f"W^{g}"), mat(f"b_{g}", m, 1, f"b^{g}")
        params += [U, W, b]
        symbols[g] = seq(g, m, tex=r"\tilde{C}" if g == "g" else g)
        gates[g] = apply(fn, U @ x + W @ h_prev + b)
    f, i, o, g = (symbols[k] for k in "fiog")
    equations = {**gates,
                 "C": had(f, C.at(T - 1)) + had(i, g),
                 "h": had(apply("tanh", C), o)}
    return Recurrence(equations, symbols, tuple(params), (x,), frozenset({"h", "C"}), p.K)


@problem(
    "rnn.lstm",
    title="An LSTM cell",
    statement=r"$f_t, i_t, o_t = \sigma(U x_t + W h_{t-1} + b)$ (one $U, W, b$ per gate), "
              r"$\tilde C_t = \tanh(U^g x_t + W^g h_{t-1} + b^g)$, "
              r"$C_t = f_t \circ C_{t-1} + i_t \circ \tilde C_t$, $h_t = \tanh(C_t) \circ o_t$ "
              r"(column vectors; the sheet's row-vector form has the same Jacobians).",
    params=DIMS,
    parts=(
        Part("dC-dC", "matrix",
             r"Give $\frac{\partial C_t}{\partial C_{t-1}}$ (with $h_{t-1}$ held fixed)."),
        Part("dh-dC", "matrix", r"Give $\frac{\partial h_t}{\partial C_t}$."),
    ),
    source="003 Q3(h)",
    priority="P2",
)
def lstm(p):
    cell = lstm_cell(p)
    C, h = cell.symbols["C"], cell.symbols["h"]
    return {"dC-dC": Jacobian(cell, C, C.at(T - 1)), "dh-dC": Jacobian(cell, h, C)}
