"""Figures for the solution sheets, generated from the problems' equations and the engine's
numbers: each function returns a `Figure` (a ``tikzpicture``, no preamble, and a caption).

- `scalar_graph(graph)`: the computational graph of a scalar `Graph` (the unrolled scalar RNN,
  the LIF neuron), the shared weight drawn once with its edges highlighted.
- `recurrence_graph(system, steps)`: a `Recurrence` (the gated cell, the LSTM) unrolled over a
  few time steps, parameters drawn once.
- `surrogate_plot(ks)`: the surrogate derivative ``1/(1 + k|xi|)^2`` against the Dirac delta.
- `jacobian_norm_plot(params_of_regimes)`: the norm of the product of the gated cell's
  ``dh[s]/dh[s-1]`` over time, in a vanishing and an exploding regime.

A document typesetting them needs `preamble()`: the `PACKAGES`, the `TIKZ_LIBRARIES` and
`PGFPLOTS_COMPAT`. `document(*figures)` is a minimal article showing them.

>>> from nablagrade.problems.scalar_rnn import unroll
>>> scalar_graph(unroll(1)).latex.splitlines()[0]
'\\\\begin{tikzpicture}[>=Stealth,'
"""

from nablagrade.render.figures_graph import scalar_graph
from nablagrade.render.figures_plots import (REGIMES, jacobian_norm_plot, jacobian_norms,
                                             jacobian_products, surrogate_plot,
                                             surrogate_points)
from nablagrade.render.figures_recurrence import recurrence_graph
from nablagrade.render.figures_tikz import (PACKAGES, PGFPLOTS_COMPAT, TIKZ_LIBRARIES, Figure,
                                            document, preamble)

__all__ = [
    "Figure", "PACKAGES", "PGFPLOTS_COMPAT", "REGIMES", "TIKZ_LIBRARIES", "document",
    "jacobian_norm_plot", "jacobian_norms", "jacobian_products", "preamble", "recurrence_graph",
    "scalar_graph", "surrogate_plot", "surrogate_points",
]
