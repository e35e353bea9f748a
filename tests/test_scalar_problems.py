"""rnn.scalar-unroll and the computational graph behind it, against plain-Python oracles:
the forward recurrence, central finite differences, and per-step weights for the edges."""

import random

import pytest
import sympy as sp

from nablagrade.derive import solve
from nablagrade.derive.graph import Graph
from nablagrade.errors import ParamError

PID = "rnn.scalar-unroll"


def by_name(expr, values):
    """Substitute numbers for the symbols of ``expr`` named in ``values``."""
    return float(expr.xreplace({s: values[s.name] for s in expr.free_symbols}))


def forward(ws, us):
    """The recurrence h_k = w_k (u_k + h_{k-1}), with its intermediates (sum, product per step)."""
    h, nodes = 0.0, []
    for w, u in zip(ws, us):
        total = u + h
        h = w * total
        nodes += [total, h]
    return h, nodes


def central(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def sym(name):
    return sp.Symbol(name, real=True)


w, u1, u2, u3 = (sym(n) for n in ("w", "u_1", "u_2", "u_3"))


def test_catalogue_closed_forms():
    parts = solve(PID).parts
    expected = {"t": u3 + w * u2 + w**2 * u1, "y": w * u3 + w**2 * u2 + w**3 * u1,
                "dydw": u3 + 2 * w * u2 + 3 * w**2 * u1, "dydp": w**3}
    for part, truth in expected.items():
        assert sp.expand(parts[part].expr - truth) == 0, part
        assert parts[part].value is None  # free symbols remain


def test_edges_are_the_sheet_terms_and_sum_to_dydw():
    parts = solve(PID).parts
    p, r, t = sym("p"), sym("r"), sym("t")
    assert [sp.expand(e) for e in parts["edges"].expr] == [w**2 * p, w * r, t]
    defs = parts["edges"].meta["definitions"]
    in_leaves = sum(e.xreplace({sym(k): v for k, v in defs.items()}) for e in parts["edges"].expr)
    assert sp.expand(in_leaves - parts["dydw"].expr) == 0
    assert parts["edges"].value == [None, None, None]


def test_backward_steps_name_the_sheet_partials():
    steps = {s.lhs: s.rhs for s in solve(PID).parts["dydp"].steps}
    assert steps[r"\frac{\partial y}{\partial t}"] == "w"
    assert steps[r"\frac{\partial y}{\partial r}"] == (
        r"\frac{\partial y}{\partial s} \cdot w = w^{2}")
    assert steps[r"\frac{\partial y}{\partial p}"].endswith("w^{3}")


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
def test_derivatives_match_finite_differences(T):
    parts = solve(PID, {"T": T}).parts
    rng = random.Random(T)
    for _ in range(5):
        wv, us = rng.uniform(-1.5, 1.5), [rng.uniform(-2, 2) for _ in range(T)]
        values = {"w": wv, **{f"u_{k}": v for k, v in enumerate(us, start=1)}}
        def y(ww):
            return forward([ww] * T, us)[0]

        def y_of_u1(a):  # p = u_1, so dy/dp is dy/du_1 with the rest held fixed
            return forward([wv] * T, [a] + us[1:])[0]

        close = dict(rel=1e-7, abs=1e-8)
        assert by_name(parts["y"].expr, values) == pytest.approx(y(wv), rel=1e-12, abs=1e-12)
        assert by_name(parts["t"].expr, values) == pytest.approx(forward([wv] * T, us)[1][-2])
        assert by_name(parts["dydw"].expr, values) == pytest.approx(central(y, wv), **close)
        assert by_name(parts["dydp"].expr, values) == pytest.approx(central(y_of_u1, us[0]), **close)


@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_each_edge_is_the_derivative_by_that_steps_copy_of_w(T):
    """Untie the weight: edge k is dy/dw_k at w_k = w, evaluated at the forward intermediates."""
    sol = solve(PID, {"T": T})
    names = [s.lhs for s in sol.parts["y"].steps]  # the forward steps name the nodes in order
    rng = random.Random(10 + T)
    wv, us = rng.uniform(-1.5, 1.5), [rng.uniform(-2, 2) for _ in range(T)]
    y, nodes = forward([wv] * T, us)
    values = {"w": wv, **dict(zip(_plain(names), nodes))}
    for k, edge in enumerate(sol.parts["edges"].expr):
        def untied(wk, k=k):
            return forward([wv] * k + [wk] + [wv] * (T - k - 1), us)[0]
        assert by_name(edge, values) == pytest.approx(central(untied, wv), rel=1e-7, abs=1e-8)


def _plain(latex_names):
    """Node names from their LaTeX (``a_{1}`` -> ``a_1``)."""
    return [n.replace("{", "").replace("}", "") for n in latex_names]


def test_sheet_names_and_generic_names():
    assert [s.lhs for s in solve(PID).parts["y"].steps] == ["p", "q", "r", "s", "t", "y"]
    assert _plain([s.lhs for s in solve(PID, {"T": 4}).parts["y"].steps]) == [
        "a_1", "h_1", "a_2", "h_2", "a_3", "h_3", "a_4", "y"]


@pytest.mark.parametrize("T, match", [(0, "T"), (13, "T"), (2.5, "T")])
def test_bad_params(T, match):
    with pytest.raises(ParamError, match=match):
        solve(PID, {"T": T})


# --- the graph engine on its own -----------------------------------------------------------

def test_graph_adjoints_and_expansion_on_a_branching_graph():
    a, b, c, d, e = sp.symbols("a b c d e", real=True)
    g = Graph(((c, a * b), (d, sp.sin(c) + a), (e, c * d)))
    full = g.expand(e)
    assert sp.simplify(full - a * b * (sp.sin(a * b) + a)) == 0
    for leaf in (a, b):
        assert sp.simplify(g.total_derivative(leaf) - sp.diff(full, leaf)) == 0
        assert sp.simplify(g.expand(g.gradient(leaf)) - sp.diff(full, leaf)) == 0
    # c feeds d and e: its adjoint sums both paths
    assert sp.simplify(g.adjoints[c] - (d + c * sp.cos(c))) == 0
    assert [edge.node for edge in g.edges(a)] == [c, d]


def test_graph_forward_evaluation():
    a, b, c, d = sp.symbols("a b c d")
    g = Graph(((c, a + b), (d, c * c)))
    assert g.evaluate({a: 1, b: 2}) == {c: 3, d: 9}
    assert g.leaves() == (a, b)


@pytest.mark.parametrize("equations, match", [
    ((), "at least one"),
    (((sp.Symbol("c"), sp.Symbol("d")), (sp.Symbol("d"), sp.Symbol("a"))), "before"),
    (((sp.Symbol("c"), sp.Symbol("a")), (sp.Symbol("c"), sp.Symbol("b"))), "twice"),
])
def test_graph_rejects_bad_orders(equations, match):
    with pytest.raises(ValueError, match=match):
        Graph(equations)
