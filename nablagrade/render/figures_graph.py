"""The computational graph of a scalar `Graph`, drawn from its equations: nodes in layers by
dependency depth, leaves beside their consumers, a leaf shared by several nodes (a weight used
at every step) drawn once, below, and highlighted with its edges.

Every node and edge comes from the equations; the layout only decides where they go.
"""

from __future__ import annotations

from nablagrade.derive.graph import Graph
from nablagrade.derive.scalar import latex
from nablagrade.render.figures_tikz import Figure, Place, edge_line, picture

GRAPH_STYLES = {
    "node": "draw, circle, minimum size=7mm, inner sep=1pt",
    "leaf": "draw, rounded corners=2pt, fill=gray!12, minimum size=6mm, inner sep=2pt",
    "shared": "leaf, draw=orange!70!black, fill=orange!25, very thick",
    "edge": "-{Stealth[length=2mm]}, semithick",
    "sharededge": "edge, draw=orange!80!black, very thick",
    "nograd": "edge, dashed, gray",
}
DX, DY = 1.7, 1.5  # cm between layers, between rows


def _layers(graph: Graph) -> dict:
    """Each node's layer: one past its deepest input, then moved as late as its consumers
    allow (so a chain of steps reads left to right without long edges)."""
    layer = {}
    for node, expr in graph.equations:
        layer[node] = 1 + max((layer[s] for s in expr.free_symbols if s in layer), default=0)
    for node in reversed(graph.nodes[:-1]):
        later = [layer[c] for c in graph.consumers(node)]
        if later:
            layer[node] = min(later) - 1
    return layer


def _node_places(graph: Graph, dx: float) -> dict:
    """Nodes on the main row at x = layer; nodes sharing a layer stack downwards."""
    places, used = {}, {}
    for i, (node, layer) in enumerate(_layers(graph).items()):
        row = used.get(layer, 0)
        used[layer] = row + 1
        places[node] = Place(f"n{i}", latex(node), layer * dx, -row * DY, "node")
    return places


def _free(candidates, taken: list) -> tuple[float, float]:
    """The first candidate position not already taken by a leaf."""
    for x, y in candidates:
        if not any(abs(x - tx) < DX * 0.6 and abs(y - ty) < DY * 0.5 for tx, ty in taken):
            taken.append((x, y))
            return x, y
    raise AssertionError("the candidate positions are unbounded")


def _outwards(x: float, y: float, dx: float, dy: float):
    """Positions near ``(x, y)``: sideways by half layers, then a row further by ``dy``."""
    row = 0
    while True:
        for j in (0, 1, -1, 2, -2):
            yield x + j * dx / 2, y + row * dy
        row += 1


def _beside(user: Place, leaf, top: float, dx: float) -> tuple[float, float]:
    """Where a leaf used only by ``user`` goes: above and half a layer before it when ``user``
    is on the top row, else level with it and just clear of it on the left."""
    if user.y == top:
        return user.x - dx / 2, user.y + DY
    gap = user.half[0] + Place("", latex(leaf), 0, 0, "").half[0] + 0.3
    return user.x - gap, user.y


def _leaf_places(graph: Graph, nodes: dict, dx: float) -> dict:
    """A leaf used once sits half a layer before its consumer (above the main row when the
    consumer is on it, else level with it); a leaf used by several nodes (a shared weight) sits
    below everything, under the middle of its consumers."""
    top = max(p.y for p in nodes.values())
    # Shared leaves sit lower the wider the graph, so their long edges clear the main row.
    span = max(p.x for p in nodes.values()) - min(p.x for p in nodes.values())
    bottom = min(p.y for p in nodes.values()) - DY - 0.08 * span
    places, taken = {}, []
    leaves = sorted(graph.leaves(), key=lambda leaf: len(graph.consumers(leaf)))
    for leaf in leaves:
        users = [nodes[c] for c in graph.consumers(leaf)]
        if len(users) == 1:
            (x, y), style = _free(_outwards(*_beside(users[0], leaf, top, dx), dx, DY * 0.8),
                                  taken), "leaf"
        else:
            x = sum(u.x for u in users) / len(users)
            (x, y), style = _free(_outwards(x, bottom, dx, -DY * 0.8), taken), "shared"
        places[leaf] = Place(f"l{graph.leaves().index(leaf)}", latex(leaf), x, y, style)
    return places


def scalar_graph(graph: Graph) -> Figure:
    """The computational graph of ``graph``: an arrow from every symbol a node's definition
    uses into that node; edges the backward pass does not follow (a zero local partial, as
    through a stop-gradient) dashed; a leaf with several consumers highlighted with its edges."""
    probe = [Place("", latex(n), 0, 0, "") for n in graph.nodes + graph.leaves()]
    dx = max(DX, 2 * max(p.half[0] for p in probe) + 0.5)
    nodes = _node_places(graph, dx)
    places = {**nodes, **_leaf_places(graph, nodes, dx)}
    everything = list(places.values())
    lines = [p.line() for p in everything]
    for node, expr in graph.equations:
        for symbol in sorted(expr.free_symbols, key=str):
            src = places[symbol]
            style = ("sharededge" if src.style == "shared"
                     else "nograd" if graph.local(node, symbol) == 0 else "edge")
            lines.append(edge_line(src, places[node], style, everything))
    return Figure(picture(GRAPH_STYLES, lines, everything), _scalar_caption(graph))


def _scalar_caption(graph: Graph) -> str:
    defs = ", ".join(f"${latex(n)} = {latex(e)}$" for n, e in graph.equations)
    text = f"Computational graph of ${latex(graph.output)}$: {defs}. Circles are intermediate " \
           "nodes, boxes are leaves; each arrow runs from an input into the node that uses it."
    shared = [(leaf, graph.consumers(leaf)) for leaf in graph.leaves()
              if len(graph.consumers(leaf)) > 1]
    if len(shared) == 1:
        (leaf, users), = shared
        names = ", ".join(f"${latex(u)}$" for u in users)
        text += (f" The shared leaf ${latex(leaf)}$ is drawn once; its highlighted edges into "
                 f"{names} are the terms of "
                 f"$\\frac{{d {latex(graph.output)}}}{{d {latex(leaf)}}}$.")
    elif shared:
        names = ", ".join(f"${latex(leaf)}$" for leaf, _ in shared)
        text += (f" The shared leaves {names} are each drawn once; the highlighted edges out of "
                 f"a leaf are the terms of the total derivative of ${latex(graph.output)}$ by it.")
    if any(graph.local(n, s) == 0 for n, e in graph.equations for s in e.free_symbols):
        text += " Dashed edges carry no gradient (a zero local partial)."
    return text
