"""Plots whose data the engine computes: the surrogate derivative of the Heaviside step against
the true one, and the norm of a product of recurrent Jacobians over time (pgfplots).

Numbers are printed with six significant digits; everything is seeded, so the same arguments
give the same LaTeX.
"""

from __future__ import annotations

from types import MappingProxyType, SimpleNamespace
from typing import Mapping

import numpy as np
import sympy as sp

from nablagrade.derive.mexpr import Deriv
from nablagrade.derive.numeric import Env, evaluate
from nablagrade.derive.queries import Jacobian
from nablagrade.derive.recurrence import T
from nablagrade.derive.surrogate import surrogate_derivative
from nablagrade.problems.rnn import gated_cell
from nablagrade.render.figures_tikz import Figure

COLOURS = ("blue!80!black", "red!80!black", "green!50!black", "orange!90!black",
           "violet", "cyan!60!black")

# Scalings of the random instance's parameters. Vanishing: a small W_h leaves
# dh[t]/dh[t-1] ~ diag(c[t]) with gates in (0, 1), so the product shrinks geometrically.
# Exploding: W_h and W_x large (the gate's input grows with their product) make
# diag(h[t-1] - W_x x[t]) diag(c(1-c)) W_h dominate for the coordinates whose gate is not
# saturated; with a 32-dimensional state enough of them stay unsaturated for the product to grow.
REGIMES = MappingProxyType({
    "vanishing": MappingProxyType({"W_h": 0.25}),
    "exploding": MappingProxyType({"W_h": 6.0, "W_x": 4.0}),
})
CELL_DIMS = MappingProxyType({"n": 8, "m": 32})


def number(v: float) -> str:
    return "%.6g" % v


def tex_number(v: float) -> str:
    """``v`` to three significant digits, as LaTeX maths (``1.23 \\times 10^{-8}``)."""
    mantissa, _, exponent = ("%.3g" % v).partition("e")
    return mantissa if not exponent else r"%s \times 10^{%d}" % (mantissa, int(exponent))


def coordinates(points) -> str:
    return " ".join("(%s,%s)" % (number(x), number(y)) for x, y in points)


def surrogate_points(k, xs) -> list[tuple[float, float]]:
    """``(xi, 1/(1 + k|xi|)^2)`` at each ``xi``, by the engine's surrogate derivative."""
    return [(float(x), float(surrogate_derivative(sp.Float(float(x)), k))) for x in xs]


def surrogate_grid() -> np.ndarray:
    """xi in [-1, 1], evenly spaced plus geometrically dense near 0, where large k peaks."""
    near = np.geomspace(1e-3, 0.1, 25)
    xs = np.concatenate([np.linspace(-1, 1, 81), near, -near])
    return np.unique(np.round(xs, 6))


def surrogate_plot(ks=(1, 5, 25, 100)) -> Figure:
    """``1/(1 + k|xi|)^2`` for each ``k`` and the Dirac delta (an arrow of height one at 0)."""
    xs = surrogate_grid()
    plots = []
    for i, k in enumerate(ks):
        colour = COLOURS[i % len(COLOURS)]
        plots.append("\\addplot[%s, thick] coordinates {%s};\n\\addlegendentry{$k = %s$}"
                     % (colour, coordinates(surrogate_points(k, xs)), number(k)))
    plots.append("\\addplot[black, very thick, -{Stealth[length=3mm]}] coordinates {(0,0) (0,1)};"
                 "\n\\addlegendentry{$\\delta(\\xi)$, true derivative}"
                 "\n\\node[anchor=west] at (axis cs:0.03,1.08) {$\\delta(\\xi)$};")
    axis = ("width=8cm, height=6.5cm, xmin=-1, xmax=1, ymin=0, ymax=1.2, "
            "xlabel={$\\xi$}, ylabel={$\\partial H / \\partial \\xi$}, "
            "legend style={at={(1.03,1)}, anchor=north west}, legend cell align=left, "
            "grid=major, grid style={gray!25}")
    latex = "\\begin{tikzpicture}\n\\begin{axis}[%s]\n%s\n\\end{axis}\n\\end{tikzpicture}" % (
        axis, "\n".join(plots))
    caption = ("The surrogate derivative $\\frac{1}{(1 + k|\\xi|)^2}$ used in the backward pass "
               "for $k \\in \\{%s\\}$, against the derivative of the Heaviside step, the Dirac "
               "delta $\\delta(\\xi)$ (drawn as an arrow of height one, its maximum value as on "
               "the sheet). Every surrogate equals 1 at $\\xi = 0$; as $k$ grows it vanishes "
               "at every $\\xi \\neq 0$ and approaches the delta."
               % ", ".join(number(k) for k in ks))
    return Figure(latex, caption)


def jacobian_products(scales: Mapping[str, float], steps: int = 30, instances: int = 16,
                      seed: int = 0, dims: Mapping[str, int] = CELL_DIMS) -> np.ndarray:
    """``prod_{s=1}^{t} dh[s]/dh[s-1]`` (the latest factor on the left) for t = 1..steps, at
    random instances of the gated cell whose parameters are multiplied by their factors in
    ``scales``: shape (steps, instances, m, m).

    Each factor is the engine's closed-form Jacobian evaluated at that step of the instance.
    """
    cell = gated_cell(SimpleNamespace(**dims, K=steps))
    h = cell.symbols["h"]
    jacobian = Jacobian(cell, h, h.at(T - 1)).closed()
    env = cell.instance({**dims, "K": steps}, instances, np.random.default_rng(seed),
                        bindings={T: 1})
    values = dict(env.values)
    for name, factor in scales.items():
        values[(name, None)] = values[(name, None)] * factor
    env = Env(cell, env.dims, values, instances, {T: 1})
    product = np.broadcast_to(np.eye(dims["m"]), (instances, dims["m"], dims["m"]))
    products = []
    for t in range(1, steps + 1):
        product = evaluate(jacobian, env.rebind(bindings={T: t})) @ product
        products.append(product)
    return np.stack(products)


def jacobian_norms(scales: Mapping[str, float], steps: int = 30, instances: int = 16,
                   seed: int = 0, dims: Mapping[str, int] = CELL_DIMS) -> np.ndarray:
    """The spectral norm of `jacobian_products` for t = 1..steps, the geometric mean over the
    instances (the mean of the logarithms: the right average for a log-scale plot)."""
    products = jacobian_products(scales, steps, instances, seed, dims)
    return np.exp(np.mean(np.log(np.linalg.norm(products, ord=2, axis=(2, 3))), axis=1))


def _scaling_text(scales: Mapping[str, float]) -> str:
    return ", ".join("$%s \\times %s$" % (name, number(f)) for name, f in scales.items())


def jacobian_norm_plot(params_of_regimes: Mapping[str, Mapping[str, float]] = REGIMES,
                       steps: int = 30, instances: int = 16, seed: int = 0) -> Figure:
    """The spectral norm of the product of the gated cell's ``dh[s]/dh[s-1]`` over time, one
    curve per regime (log scale)."""
    plots = ["\\addplot[gray, dashed, forget plot] coordinates {(1,1) (%d,1)};" % steps]
    factors = []
    for i, (name, scales) in enumerate(params_of_regimes.items()):
        norms = jacobian_norms(scales, steps, instances, seed)
        points = coordinates(zip(range(1, steps + 1), norms))
        plots.append("\\addplot[%s, thick, mark=*, mark size=1pt] coordinates {%s};\n"
                     "\\addlegendentry{%s (%s)}"
                     % (COLOURS[i % len(COLOURS)], points, name, _scaling_text(scales)))
        per_step = (norms[-1] / norms[0]) ** (1 / max(steps - 1, 1))
        factors.append("%s, from $%s$ at $t = 1$ to $%s$ at $t = %d$ (a factor of $%s$ per "
                       "step)" % (name, tex_number(norms[0]), tex_number(norms[-1]), steps,
                                  tex_number(per_step)))
    axis = ("width=11cm, height=6.5cm, ymode=log, xmin=1, xmax=%d, xlabel={$t$}, "
            "ylabel={$\\lVert \\prod_{s=1}^{t} \\partial h[s] / \\partial h[s-1] \\rVert_2$}, "
            "legend pos=south west, legend cell align=left, "
            "grid=major, grid style={gray!25}" % steps)
    latex = "\\begin{tikzpicture}\n\\begin{axis}[%s]\n%s\n\\end{axis}\n\\end{tikzpicture}" % (
        axis, "\n".join(plots))
    return Figure(latex, _norm_caption(instances, seed, factors))


def _norm_caption(instances: int, seed: int, factors) -> str:
    """The caption, with the one-step Jacobian as the engine derives it."""
    cell = gated_cell(SimpleNamespace(**CELL_DIMS, K=1))
    h = cell.symbols["h"]
    one_step = "%s = %s" % (Deriv(h, h.at(T - 1)).latex(),
                            Jacobian(cell, h, h.at(T - 1)).closed().latex())
    return ("Spectral norm (largest singular value) of the product of the Jacobians "
            "$\\prod_{s=1}^{t} \\frac{\\partial h[s]}{\\partial h[s-1]}$ of the gated cell, "
            "where $%s$, with $n = %d$, $m = %d$: the geometric mean over %d random instances "
            "(seed %d), parameters scaled as in the legend. Measured: %s."
            % (one_step, CELL_DIMS["n"], CELL_DIMS["m"], instances, seed, "; ".join(factors)))
