"""A scalar linear RNN unrolled into a computational graph: forward values, the total derivative
of the output by the shared weight, and the per-edge contributions (003 Q1, 004 Q4)."""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.arrays import sequence
from nablagrade.derive.graph import Graph
from nablagrade.derive.scalar import formula, latex
from nablagrade.derive.solution import Step
from nablagrade.problems.model import Param, Part, problem

SHEET_NAMES = "pqrst"  # the sheet's names of the intermediates for T <= 3


def _names(T: int) -> list[str]:
    """Names of the 2T nodes: a sum ``u_k + h_{k-1}`` then a product ``w (...)`` per step."""
    if 2 * T - 1 <= len(SHEET_NAMES):
        names = list(SHEET_NAMES[:2 * T - 1])
    else:
        names = [f"{kind}_{k}" for k in range(1, T + 1) for kind in "ah"][:-1]
    return names + ["y"]


def unroll(T: int) -> Graph:
    """``h_k = w (u_k + h_{k-1})``, ``h_0 = 0`` as the sheet's graph: ``p = u_1, q = w p, ...``"""
    w = sp.Symbol("w", real=True)
    nodes = [sp.Symbol(n, real=True) for n in _names(T)]
    equations, h = [], sp.Integer(0)
    for k in range(1, T + 1):
        total, product = nodes[2 * k - 2], nodes[2 * k - 1]
        equations += [(total, sp.Symbol(f"u_{k}", real=True) + h), (product, w * total)]
        h = product
    return Graph(tuple(equations))


def _definitions(graph: Graph) -> dict[str, sp.Expr]:
    """Each intermediate in the leaves, so answers written with ``p .. t`` can be read."""
    return {str(node): sp.expand(graph.expand(node)) for node in graph.nodes}


def _partials(graph: Graph) -> dict[tuple[str, str], sp.Expr]:
    """The partials an answer may write, keyed (numerator, denominator) in LaTeX: each node's
    adjoint ``dy/dq``, then each edge's local partial ``dq/dw``."""
    out = {(latex(graph.output), latex(n)): graph.adjoints[n] for n in graph.nodes[:-1]}
    for node, expr in graph.equations:
        out.update({(latex(node), latex(s)): graph.local(node, s) for s in expr.free_symbols
                    if (latex(node), latex(s)) not in out})
    return out


def _forward_steps(graph: Graph) -> tuple[Step, ...]:
    return tuple(Step(latex(node), f"{latex(expr)} = {latex(sp.expand(graph.expand(node)))}",
                      "forward pass") for node, expr in graph.equations)


def _edges_lhs(graph: Graph, leaf: sp.Symbol) -> str:
    """``(dy/dq dq/dw, ...)``: each edge's adjoint times its local partial (just the local
    partial for the edge into the output)."""
    def partial(top, bottom):
        return r"\frac{\partial %s}{\partial %s}" % (latex(top), latex(bottom))

    terms = [partial(e.node, leaf) if e.node == graph.output
             else partial(graph.output, e.node) + partial(e.node, leaf) for e in graph.edges(leaf)]
    return r"\left(%s\right)" % ", ".join(terms)


@problem(
    "rnn.scalar-unroll",
    title="Backprop through a scalar RNN",
    statement=r"A 1-D RNN with no nonlinearity and a single weight $w$ computes "
              r"$h_t = w (u_t + h_{t-1})$, $h_0 = 0$. Unrolled for $T$ steps it has the "
              r"intermediates $p = u_1$, $q = w p$, $r = u_2 + q$, $s = w r$, $t = u_3 + s$ and "
              r"the output $y = w t$ (for $T = 3$).",
    params=(Param("T", "int", 3, "number of unrolled steps", min=1, max=12),),
    parts=(
        Part("t", "formula", r"The intermediate $t$ (the last sum) in terms of $w$ and the $u_i$."),
        Part("y", "formula", r"The output $y$ in terms of $w$ and the $u_i$."),
        Part("dydw", "formula", r"The total derivative $\frac{dy}{dw}$."),
        Part("dydp", "formula", r"The partial derivative $\frac{\partial y}{\partial p}$."),
        Part("edges", "sequence",
             r"The partial derivatives along the edges from $w$ into $q$, $s$ and $y$ (you may "
             r"use $p, \dots, t$ and the partials of $y$ by them); their sum is $\frac{dy}{dw}$."),
    ),
    source="003 Q1; 004 Q4",
    priority="P1",
    figures=("computational-graph",),
)
def scalar_unroll(p):
    graph = unroll(p.T)
    w, y = sp.Symbol("w", real=True), graph.output
    last_sum, first = graph.nodes[-2], graph.nodes[0]
    forward, backward = _forward_steps(graph), graph.adjoint_steps()
    edges = graph.edges(w)
    names = {"definitions": _definitions(graph), "partials": _partials(graph)}
    return {
        "t": formula(sp.expand(graph.expand(last_sum)), lhs=latex(last_sum), steps=forward[:-1]),
        "y": formula(sp.expand(graph.expand(y)), lhs=latex(y), steps=forward,
                     meta={"graph": graph}),
        "dydw": formula(graph.total_derivative(w), lhs=r"\frac{dy}{dw}",
                        steps=graph.gradient_steps(w), meta=names),
        "dydp": formula(sp.expand(graph.expand(graph.adjoints[first])), lhs=graph.d(first),
                        steps=backward),
        "edges": sequence([e.contribution for e in edges], lhs=_edges_lhs(graph, w),
                          steps=backward + graph.gradient_steps(w), meta=names),
    }
