"""The figures a problem's sheet shows: a problem names them (``figures=`` in `@problem`), and
each name is drawn here from what the engine derived for that problem, never from code
written for one problem."""

from __future__ import annotations

from nablagrade.derive import solve
from nablagrade.render import figures


def _meta(problem, params, key):
    """The first derivation of the problem carrying ``key`` in its meta."""
    solution = solve(problem.id, params)
    for d in solution.parts.values():
        if key in d.meta:
            return d.meta[key]
    raise KeyError(f"{problem.id}: no derivation carries {key!r} for its figure")


def _graph(problem, params):
    return figures.scalar_graph(_meta(problem, params, "graph"))


def _recurrence(problem, params):
    return figures.recurrence_graph(_meta(problem, params, "system"))


def _surrogate(problem, params):
    k = params.get("k")
    ks = tuple(sorted({1, 5, 25, 100} | ({int(k)} if isinstance(k, (int, float)) else set())))
    return figures.surrogate_plot(ks)


def _jacobian_norms(problem, params):
    return figures.jacobian_norm_plot()


FIGURES = {"computational-graph": _graph, "recurrence-graph": _recurrence,
           "surrogate": _surrogate, "jacobian-norms": _jacobian_norms}


def figures_for(problem, params) -> list:
    """The problem's figures, drawn at these parameters."""
    return [FIGURES[name](problem, params) for name in problem.figures]
