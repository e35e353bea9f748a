"""The dependency graph of a `Recurrence` unrolled over a few time steps.

Each time step is a column: inputs below, states on the middle row, other quantities above,
ordered left to right by how deep they sit within the step. Parameters are drawn once, on top,
over the middle of the quantities that read them. An arrow runs from every `Var` a definition
reads (found by walking its matrix expression) into the quantity it defines; arrows from an
earlier time step (the recurrence) and from parameters (shared across time) are highlighted.
"""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.mexpr import Var, walk
from nablagrade.derive.recurrence import Recurrence
from nablagrade.render.figures_tikz import Figure, Place, edge_line, picture

STYLES = {
    "box": "draw, rounded corners=2pt, minimum height=6mm, inner sep=2.5pt",
    "quantity": "box, fill=white",
    "state": "box, fill=blue!8",
    "input": "box, fill=gray!12",
    "boundary": "state, dashed",
    "param": "box, font=\\small, inner sep=1.5pt, minimum height=5mm, "
             "draw=orange!70!black, fill=orange!25",
    "edge": "-{Stealth[length=2mm]}, semithick",
    "paramedge": "edge, draw=orange!80!black",
    "recur": "edge, draw=blue!70!black, thick",
}
SUB, ROW, GAP = 1.8, 1.5, 1.4  # cm: within-step column, row height, least gap between params


def reads(system: Recurrence, var: Var) -> list[Var]:
    """The `Var` nodes the definition of ``var`` reads, each once, in the order found."""
    found = {}
    for node in walk(system.definition_at(var)):
        if isinstance(node, Var):
            found.setdefault(node.key(), node)
    return list(found.values())


def _depths(system: Recurrence) -> dict:
    """Depth within one step: inputs 0, a quantity one past the deepest same-step one it reads."""
    depth: dict = {}

    def of(name: str) -> int:
        if name not in depth:
            depth[name] = 0  # a guard against a cycle within one step
            if name in system.equations:
                same = [v.name for v in reads(system, system.symbols[name])
                        if v.index is not None and sp.expand(v.index - system.time) == 0]
                depth[name] = 1 + max(map(of, same), default=0)
        return depth[name]

    for name in system.symbols:
        of(name)
    return depth


def _unrolled(system: Recurrence, steps: int):
    """The defined quantities of the window and, for each, the `Var` nodes it reads."""
    t = system.time
    times = [t - (steps - 1 - k) for k in range(steps)]
    return [(system.symbols[name].at(tau), reads(system, system.symbols[name].at(tau)))
            for tau in times for name in system.equations]


def _role(system: Recurrence, var: Var) -> tuple[str, float]:
    """The style and row of a sequence quantity."""
    if var.name in system.states:
        return "state", 0.0
    if var.name in system.equations:
        return "quantity", ROW
    return "input", -ROW


def _sequence_places(system: Recurrence, steps: int, unrolled) -> dict:
    depths = _depths(system)
    width = max(depths.values()) + 1
    places, taken = {}, set()
    for var in [v for defined, read in unrolled for v in (*read, defined) if v.index is not None]:
        if var.key() in places:
            continue
        k = steps - 1 + int(sp.expand(var.index - system.time))
        style, y = _role(system, var)
        if k < 0:
            style = "boundary"
        x = (k * width + depths[var.name]) * SUB
        while (round(x, 2), round(y, 2)) in taken:  # stack away from the state row
            y += ROW if y >= 0 else -ROW
        taken.add((round(x, 2), round(y, 2)))
        places[var.key()] = Place(f"q{len(places)}", var.latex(), x, y, style)
    return places


def _param_places(system: Recurrence, unrolled, sequence: dict) -> dict:
    """Parameters in a row above everything, each over the middle of its readers, spread."""
    readers: dict = {}
    for defined, read in unrolled:
        for v in read:
            if v.index is None:
                readers.setdefault(v.key(), (v, []))[1].append(sequence[defined.key()].x)
    y = max(p.y for p in sequence.values()) + 1.3 * ROW
    order = sorted(readers.values(), key=lambda item: sum(item[1]) / len(item[1]))
    xs = []
    for _, at in order:
        x = sum(at) / len(at)
        xs.append(max(x, xs[-1] + GAP) if xs else x)
    shift = (sum(sum(at) / len(at) for _, at in order) - sum(xs)) / max(len(xs), 1)
    return {v.key(): Place(f"p{i}", v.latex(), x + shift, y, "param")
            for i, ((v, _), x) in enumerate(zip(order, xs))}


def recurrence_graph(system: Recurrence, steps: int = 2) -> Figure:
    """``system`` unrolled over ``steps`` time steps ending at ``t``, as a TikZ picture."""
    if steps < 1:
        raise ValueError(f"a recurrence is unrolled over at least one step, got {steps}")
    unrolled = _unrolled(system, steps)
    sequence = _sequence_places(system, steps, unrolled)
    places = {**sequence, **_param_places(system, unrolled, sequence)}
    everything = list(places.values())
    lines = [p.line() for p in everything]
    for defined, read in unrolled:
        for v in read:
            style = ("paramedge" if v.index is None
                     else "recur" if sp.expand(defined.index - v.index) != 0 else "edge")
            lines.append(edge_line(places[v.key()], places[defined.key()], style, everything))
    return Figure(picture(STYLES, lines, everything), _caption(system, unrolled))


def _caption(system: Recurrence, unrolled) -> str:
    defs = ", ".join(f"${system.symbols[n].latex()} = {body.latex()}$"
                     for n, body in system.equations.items())
    times = ", ".join(f"${sp.latex(v.index)}$" for v, _ in unrolled[::len(system.equations)])
    return (f"The recurrence {defs} unrolled over the time steps {times}. Each arrow runs from a "
            "quantity or parameter that a definition reads into the quantity it defines; blue "
            "arrows cross from one time step to the next, and the parameters (orange) are "
            "drawn once because every step shares them. Dashed: a state from before the window.")
