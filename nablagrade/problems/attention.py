"""AttentionRNN(k) of 000 §1.2.2: a recurrent cell attending over its last k states."""

from __future__ import annotations

from nablagrade.derive.mexpr import SoftmaxAt, add, mul
from nablagrade.derive.queries import Jacobian, ShapeOf, ThroughSuccessors
from nablagrade.derive.recurrence import T, Recurrence, mat, seq
from nablagrade.problems.model import Param, Part, problem

SYSTEM_K = (r"q_0[t], \dots, q_k[t] = Q_0 x[t], Q_1 h[t-1], \dots, Q_k h[t-k]; "
            r"k_i[t] = K_0 x[t], K_i h[t-i]; v_i[t] = V_0 x[t], V_i h[t-i]; "
            r"w_i[t] = q_i[t]^\top k_i[t]; a[t] = \operatorname{softmax}(w_0[t], \dots, w_k[t]); "
            r"h[t] = \sum_{i=0}^{k} a_i[t] v_i[t].")
SYSTEM_INF = (r"Share the weights of the past: q_0[t] = Q_0 x[t] and q_i[t] = Q h[t-i] for "
              r"i = 1..t-1 (likewise K, V); w_i[t] = q_i[t]^\top k_i[t]; "
              r"a[t] = \operatorname{softmax}(w_0[t], \dots, w_{t-1}[t]); "
              r"h[t] = \sum_{i=0}^{t-1} a_i[t] v_i[t].")


def attention_cell(p) -> Recurrence:
    n, k = p.n, p.k
    x, h = seq("x", n), seq("h", n)
    symbols, equations, params = {"x": x, "h": h}, {}, []
    for i in range(k + 1):
        source = x if i == 0 else h.at(T - i)
        for letter in "qkv":
            M = mat(f"{letter.upper()}_{i}", n, n)
            params.append(M)
            symbols[f"{letter}_{i}"] = seq(f"{letter}_{i}", n)
            equations[f"{letter}_{i}"] = M @ source
        symbols[f"w_{i}"] = seq(f"w_{i}", 1)
        equations[f"w_{i}"] = symbols[f"q_{i}"].T @ symbols[f"k_{i}"]
    logits = tuple(symbols[f"w_{i}"] for i in range(k + 1))
    for i in range(k + 1):
        symbols[f"a_{i}"] = seq(f"a_{i}", 1)
        equations[f"a_{i}"] = SoftmaxAt(i, logits)
    equations["h"] = add(*[mul(symbols[f"a_{i}"], symbols[f"v_{i}"]) for i in range(k + 1)])
    return Recurrence(equations, symbols, tuple(params), (x,), frozenset({"h"}), p.K)


@problem(
    "rnn.attention",
    title="AttentionRNN(k)",
    statement=r"$q_0[t], k_0[t], v_0[t] = Q_0 x[t], K_0 x[t], V_0 x[t]$; "
              r"$q_i[t], k_i[t], v_i[t] = Q_i h[t-i], K_i h[t-i], V_i h[t-i]$ for "
              r"$i = 1..k$; $w_i[t] = q_i[t]^\top k_i[t]$; "
              r"$a[t] = \operatorname{softmax}(w_0[t], \dots, w_k[t])$; "
              r"$h[t] = \sum_{i=0}^{k} a_i[t] v_i[t]$; $x[t], h[t] \in \mathbb{R}^n$, all "
              r"matrices $n \times n$, $h[t] = 0$ for $t < 1$.",
    params=(Param("k", "int", 2, "number of past states attended to", min=1),
            Param("n", "dim", None, "state dimension", min=1),
            Param("K", "dim", None, "sequence length", min=1)),
    parts=(
        Part("a-shape", "shape", r"What is the dimension of $a[t]$?"),
        Part("dh-dh", "matrix", r"Give $\frac{\partial h[t]}{\partial h[t-1]}$."),
        Part("dl-dhT", "matrix",
             r"Given $\frac{\partial h[t]}{\partial h[T]}$ and $\frac{\partial \ell}{\partial "
             r"h[t]}$ for all $t > T$, give $\frac{\partial \ell}{\partial h[T]}$."),
        Part("system-k", "text", "Write the equations of AttentionRNN(k).",
             reference=SYSTEM_K, rubric=(("softmax", "softargmax"), ("h[t-k]", "h_{t-k}"))),
        Part("system-inf", "text",
             r"Write the equations of AttentionRNN($\infty$), which attends to every past state.",
             reference=SYSTEM_INF, rubric=(("share", "tie", "tying", "same"),)),
    ),
    source="000 §1.2.2",
    aliases={"alpha": "a"},
)
def attention(p):
    cell = attention_cell(p)
    h = cell.symbols["h"]
    return {
        "a-shape": ShapeOf(seq("a", p.k + 1), reason=f"one weight per score $w_0, \\dots, w_{{{p.k}}}$"),
        "dh-dh": Jacobian(cell, h, h.at(T - 1)),
        "dl-dhT": ThroughSuccessors(cell, "h"),
    }
