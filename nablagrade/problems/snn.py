"""A leaky integrate-and-fire neuron trained with a surrogate gradient: its spike train and the
gradients of the spike count by every parameter and input (004 Q1)."""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.arrays import sequence
from nablagrade.derive.graph import Graph
from nablagrade.derive.scalar import exact, latex, numeric
from nablagrade.derive.solution import Derivation, Step
from nablagrade.derive.surrogate import LIF, strip_stop_gradient
from nablagrade.problems.model import Constraint, Param, Part, problem

# part id -> (the leaf it differentiates by, how the sheet writes it)
GRADIENTS = {
    "dz-dw": (lambda n: n.w, "w"), "dz-db": (lambda n: n.b, "b"),
    "dz-dx1": (lambda n: n.x(1), "x_1"), "dz-dx2": (lambda n: n.x(2), "x_2"),
    "dz-dx3": (lambda n: n.x(3), "x_3"), "dz-dbeta": (lambda n: n.beta, r"\beta"),
    "dz-dTh": (lambda n: n.threshold, "T_h"),
}


def _gradient(graph: Graph, z_in_leaves, leaf, at: dict, forward: dict) -> Derivation:
    """``dz/d leaf``: by reverse mode in node names (the formula) and by sympy's derivative of
    ``z`` expanded into the leaves (the number); the two are recorded side by side."""
    written = strip_stop_gradient(graph.gradient(leaf))
    # xreplace: exact substitution of numbers, much faster than subs on these nested trees
    value = numeric(sp.diff(z_in_leaves, leaf).xreplace(at))
    from_formula = numeric(written.xreplace({**at, **forward}))
    return Derivation(expr=written, latex=r"%s \approx %.7g" % (latex(written), value),
                      value=value, steps=graph.gradient_steps(leaf, in_leaves=False),
                      lhs=r"\frac{\partial z}{\partial %s}" % latex(leaf),
                      meta={"numeric": value, "from_formula": from_formula,
                            "at": {str(s): float(v) for s, v in {**at, **forward}.items()}})


@problem(
    "snn.lif-surrogate",
    title="A leaky integrate-and-fire neuron with a surrogate gradient",
    statement=r"$I(t) = w x(t) + b$, $V(t) = \beta V(t-1) + I(t)$, $y(t) = H(V(t) - T_h)$; after "
              r"a spike $V(t)$ is reset to 0 (the reset is not differentiated), $V(0) = 0$. The "
              r"backward pass uses $\frac{\partial H}{\partial \xi} = \frac{1}{(1 + k|\xi|)^2}$; "
              r"$z = \sum_{t=1}^{T} y(t)$.",
    params=(Param("k", "real", 25, "surrogate sharpness", min=0),
            Param("T", "int", 3, "number of time steps", min=3, max=8),
            Param("x", "list", (1, 0, 1), "inputs x(1), ..., x(T)"),
            Param("w", "real", 0.5, "weight"), Param("b", "real", 0.05, "bias"),
            Param("beta", "real", 0.95, "leakage", latex=r"\beta"),
            Param("Th", "real", 0.75, "threshold", latex="T_h")),
    constraints=(Constraint(lambda p: len(p["x"]) == p["T"],
                            "must list one input per time step (T of them)", ("x",)),),
    parts=(Part("spikes", "sequence", r"The output spike train $y(1), \dots, y(T)$."),)
    + tuple(Part(pid, "number", r"$\frac{\partial z}{\partial %s}$ with the surrogate gradient."
                 % written) for pid, (_, written) in GRADIENTS.items())
    + (Part("surrogate-limit", "text",
            r"What is the gradient of the true Heaviside function? Show that "
            r"$\frac{1}{(1 + k|\xi|)^2}$ approaches it as $k$ grows.",
            reference=r"The true derivative is the Dirac delta: zero for every $\xi \neq 0$ and "
                      r"infinite (a unit impulse) at $\xi = 0$. The surrogate equals 1 at "
                      r"$\xi = 0$ for every $k$ and tends to 0 at every $\xi \neq 0$ as "
                      r"$k \to \infty$, so it approaches the delta (peak scaled to one).",
            rubric=(("dirac", "delta", "impulse"), ("zero", "0", "vanish"),
                    ("increas", "grow", "infinity", r"\infty", "large", "larger"))),),
    source="004 Q1",
    figures=("surrogate", "computational-graph"),
    priority="P1",
)
def lif_surrogate(p):
    neuron = LIF(p.T)
    graph = neuron.graph()
    at = {neuron.w: exact(p.w), neuron.b: exact(p.b), neuron.beta: exact(p.beta),
          neuron.threshold: exact(p.Th), neuron.k: exact(p.k),
          **{neuron.x(t): exact(v) for t, v in enumerate(p.x, start=1)}}
    forward = graph.evaluate(at)
    spikes = [forward[neuron.node("y", t)] for t in range(1, p.T + 1)]
    voltages = [forward[neuron.node("V", t)] for t in range(1, p.T + 1)]
    steps = tuple(Step(f"V({t})", f"{latex(v)} = {float(v):.6g}", "forward, before the reset")
                  for t, v in enumerate(voltages, start=1))
    out = {"spikes": sequence(spikes, lhs=r"\left(y(1), \dots, y(%d)\right)" % p.T, steps=steps,
                              meta={"voltages": [float(v) for v in voltages], "graph": graph})}
    z_in_leaves = graph.expand(graph.output)
    for pid, (leaf, _) in GRADIENTS.items():
        out[pid] = _gradient(graph, z_in_leaves, leaf(neuron), at, forward)
    return out
