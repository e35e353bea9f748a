"""The figures: each is well-formed LaTeX, draws exactly the graph or the data it is generated
from (read back from the TikZ/pgfplots source and compared with independent oracles: the
equations, the hand-written gated cell, the formula, finite differences), is deterministic and,
where TeX Live is installed, compiles without overfull boxes."""

import re
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

from nablagrade.derive.numeric import Env
from nablagrade.derive.recurrence import T
from nablagrade.derive.scalar import latex
from nablagrade.derive.surrogate import LIF
from nablagrade.derive.verify import fd_jacobian
from nablagrade.problems.rnn import gated_cell, lstm_cell
from nablagrade.problems.scalar_rnn import unroll
from nablagrade.render.figures import (REGIMES, Figure, document, jacobian_norm_plot,
                                       jacobian_norms, jacobian_products, recurrence_graph,
                                       scalar_graph, surrogate_plot)
from nablagrade.render.figures_tikz import Place

NODE = re.compile(r"\\node\[(?P<style>[^\]]*)\] \((?P<name>\w+)\) at "
                  r"\((?P<x>[-\d.]+),(?P<y>[-\d.]+)\) \{\$(?P<label>.*)\$\};")
EDGE = re.compile(r"\\draw\[(?P<style>[^\]]*)\] \((?P<a>\w+)\) "
                  r"(?:--|to\[bend (?:left|right)=\d+\]) \((?P<b>\w+)\);")
PLOT = re.compile(r"\\addplot\[(?:[^\[\]]|\[[^\]]*\])*\] coordinates \{([^}]*)\};\n"
                  r"\\addlegendentry\{(.*)\}")
DIMS = SimpleNamespace(n=3, m=3, K=4)


def gated():
    return gated_cell(DIMS)


FIGURES = {
    "scalar-rnn": lambda: scalar_graph(unroll(3)),
    "scalar-rnn-6": lambda: scalar_graph(unroll(6)),
    "lif": lambda: scalar_graph(LIF(3).graph()),
    "gated-1": lambda: recurrence_graph(gated(), steps=1),
    "gated-2": lambda: recurrence_graph(gated()),
    "gated-3": lambda: recurrence_graph(gated(), steps=3),
    "lstm": lambda: recurrence_graph(lstm_cell(DIMS)),
    "surrogate": surrogate_plot,
    "jacobian-norm": jacobian_norm_plot,
}


@pytest.fixture(scope="module")
def figures():
    return {name: make() for name, make in FIGURES.items()}


def nodes(fig: Figure) -> dict:
    """TikZ name -> (label, style, x, y) of every node in the picture."""
    found = {m["name"]: (m["label"], m["style"], float(m["x"]), float(m["y"]))
             for m in NODE.finditer(fig.latex)}
    assert len(found) == fig.latex.count(r"\node["), "a node line did not parse"
    return found


def edges(fig: Figure) -> list:
    """(label from, label to, style) of every arrow."""
    names = nodes(fig)
    found = [(names[m["a"]][0], names[m["b"]][0], m["style"]) for m in EDGE.finditer(fig.latex)]
    assert len(found) == fig.latex.count(r"\draw["), "an edge line did not parse"
    return found


def plots(fig: Figure) -> dict:
    """Legend entry -> array of (x, y) coordinates of each legended plot."""
    return {legend: np.array([[float(v) for v in point.strip("()").split(",")]
                              for point in coords.split()])
            for coords, legend in PLOT.findall(fig.latex)}


# ---- well-formed ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", FIGURES)
def test_braces_and_environments_balance(figures, name):
    fig = figures[name]
    for text in (fig.latex, fig.caption):
        depth = 0
        for char in re.sub(r"\\[{}]", "", text):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", fig.latex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack.pop() == env
    assert not stack
    assert fig.latex.startswith(r"\begin{tikzpicture}")
    assert fig.latex.endswith(r"\end{tikzpicture}")


@pytest.mark.parametrize("name", [n for n in FIGURES if n not in ("surrogate", "jacobian-norm")])
def test_nodes_do_not_overlap(figures, name):
    placed = [Place(n, label, x, y, style)
              for n, (label, style, x, y) in nodes(figures[name]).items()]
    for i, a in enumerate(placed):
        for b in placed[i + 1:]:
            apart_x = abs(a.x - b.x) >= a.half[0] + b.half[0]
            apart_y = abs(a.y - b.y) >= a.half[1] + b.half[1]
            assert apart_x or apart_y, (a.label, b.label)


# ---- graphs: exactly the equations --------------------------------------------------------

@pytest.mark.parametrize("graph", [unroll(1), unroll(3), unroll(6), LIF(3).graph()],
                         ids=["T=1", "T=3", "T=6", "lif"])
def test_scalar_graph_has_the_nodes_and_edges_of_the_graph(graph):
    fig = scalar_graph(graph)
    labels = sorted(label for label, *_ in nodes(fig).values())
    assert labels == sorted(latex(s) for s in graph.nodes + graph.leaves())
    want = {(latex(s), latex(node)) for node, expr in graph.equations for s in expr.free_symbols}
    got = [(a, b) for a, b, _ in edges(fig)]
    assert len(got) == len(set(got))
    assert set(got) == want


def test_the_shared_weight_is_drawn_once_with_its_edges_highlighted():
    fig = scalar_graph(unroll(3))
    styles = {label: style for label, style, *_ in nodes(fig).values()}
    assert [label for label, style in styles.items() if style == "shared"] == ["w"]
    highlighted = {(a, b) for a, b, style in edges(fig) if style == "sharededge"}
    assert highlighted == {("w", "q"), ("w", "s"), ("w", "y")}
    assert "drawn once" in fig.caption and "$q$, $s$, $y$" in fig.caption


def test_edges_without_gradient_are_dashed():
    fig = scalar_graph(LIF(2).graph())
    dashed = {(a, b) for a, b, style in edges(fig) if style == "nograd"}
    assert dashed == {("y(1)", "V'(1)")}  # the reset reads the spike through a stop-gradient


def gated_edges(t):
    """The gated cell's reads at time t, written out by hand from 000 §1.2.1."""
    def at(name, lag):
        return f"{name}[{sp.latex(t - lag).replace(' ', '')}]"

    return {("W_c", at("c", 0)), ("W_h", at("c", 0)), (at("x", 0), at("c", 0)),
            (at("h", 1), at("c", 0)), (at("c", 0), at("h", 0)), (at("h", 1), at("h", 0)),
            ("W_x", at("h", 0)), (at("x", 0), at("h", 0))}


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_recurrence_graph_edges_are_what_each_definition_reads(steps):
    fig = recurrence_graph(gated(), steps=steps)
    want = set().union(*(gated_edges(T - lag) for lag in range(steps)))
    got = [(a, b) for a, b, _ in edges(fig)]
    assert len(got) == len(set(got)) and set(got) == want
    labels = [label for label, *_ in nodes(fig).values()]
    assert len(labels) == len(set(labels)) == 3 * steps + 1 + 3  # x, c, h per step; h before; W
    styles = {label: style for label, style, *_ in nodes(fig).values()}
    assert {styles[p] for p in ("W_c", "W_h", "W_x")} == {"param"}
    assert styles[f"h[{sp.latex(T - steps).replace(' ', '')}]"] == "boundary"
    recurrent = {(a, b) for a, b, style in edges(fig) if style == "recur"}
    assert recurrent == {(a, b) for a, b in want if a.startswith("h[")}  # h[t-1] -> step t


# ---- plots: exactly the data ----------------------------------------------------------------

def test_surrogate_points_equal_the_formula():
    ks = (1, 5, 25, 100)
    data = plots(surrogate_plot(ks))
    assert len(data) == len(ks) + 1
    for k in ks:
        xi, y = data[f"$k = {k}$"].T
        # six significant digits are printed
        np.testing.assert_allclose(y, 1 / (1 + k * np.abs(xi)) ** 2, rtol=6e-6)
        assert xi.min() == -1 and xi.max() == 1 and y.max() == 1  # the peak, at 0
        assert np.all(np.diff(xi) > 0)
        assert np.min(xi[xi > 0]) <= 1e-3  # sampled finely enough to resolve k = 100
    delta = data[r"$\delta(\xi)$, true derivative"]
    np.testing.assert_array_equal(delta, [[0, 0], [0, 1]])


def test_jacobian_norms_vanish_in_one_regime_and_explode_in_the_other():
    vanishing = jacobian_norms(REGIMES["vanishing"])
    exploding = jacobian_norms(REGIMES["exploding"])
    assert len(vanishing) == len(exploding) == 30
    assert vanishing[-1] / vanishing[0] < 1e-6
    assert exploding[-1] / exploding[0] > 1e3
    # steadily: every stretch of five steps shrinks (grows)
    assert np.all(vanishing[5:] < vanishing[:-5]) and np.all(exploding[5:] > exploding[:-5])


def test_jacobian_norm_plot_shows_the_computed_norms():
    fig = jacobian_norm_plot()
    data = plots(fig)
    for name, scales in REGIMES.items():
        (legend,) = [k for k in data if k.startswith(name)]
        t, norm = data[legend].T
        np.testing.assert_array_equal(t, np.arange(1, 31))
        np.testing.assert_allclose(norm, jacobian_norms(scales), rtol=1e-5)
    assert "ymode=log" in fig.latex and "Spectral norm" in fig.caption


@pytest.mark.parametrize("scales", [REGIMES["vanishing"], REGIMES["exploding"], {}])
def test_jacobian_products_match_finite_differences_through_time(scales):
    """The product of the engine's one-step Jacobians is dh[t]/dh[0]: perturb h[0] and run the
    forward equations alone."""
    dims, steps, n = dict(n=2, m=3), 6, 2
    products = jacobian_products(scales, steps, n, seed=5, dims=dims)
    cell = gated_cell(SimpleNamespace(**dims, K=steps))
    env = cell.instance({**dims, "K": steps}, n, np.random.default_rng(5), bindings={T: 1})
    values = {k: v * scales.get(k[0], 1.0) if k[1] is None else v for k, v in env.values.items()}
    env = Env(cell, env.dims, values, n, {T: 1})
    h = cell.symbols["h"]
    for t in range(1, steps + 1):
        want = fd_jacobian(env, h.at(t), h.at(0))
        np.testing.assert_allclose(products[t - 1], want, rtol=1e-5, atol=1e-6)


# ---- determinism and compilation -----------------------------------------------------------

@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_deterministic(figures, name):
    assert FIGURES[name]() == figures[name]


MAIN = ("scalar-rnn", "gated-2", "surrogate", "jacobian-norm")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", MAIN + ("lif", "lstm"))
def test_figure_compiles(figures, name, tmp_path):
    (tmp_path / "fig.tex").write_text(document(figures[name]))
    run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                          "-halt-on-error", "fig.tex"], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=120)
    log = (tmp_path / "fig.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert (tmp_path / "fig.pdf").stat().st_size > 0
    assert "Overfull \\hbox" not in log  # the picture fits the text width
