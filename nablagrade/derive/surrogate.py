"""Surrogate gradients for spiking neurons, and the unrolled leaky integrate-and-fire neuron.

Owns two sympy functions whose forward value and derivative differ on purpose: the Heaviside
step ``H(xi, k)`` (forward: 1 for ``xi >= 0``, else 0; derivative: the surrogate
``1/(1 + k|xi|)^2``), and ``sg(a)``, the stop-gradient (forward: ``a``; derivative: 0). With them
an unrolled neuron is an ordinary `Graph`: sympy's chain rule produces the surrogate gradient and
evaluating at numbers produces the true forward pass.

>>> xi, k = sp.symbols("xi k", real=True)
>>> sp.diff(SurrogateStep(xi, k), xi)
(k*Abs(xi) + 1)**(-2)
>>> SurrogateStep(0, k), SurrogateStep(-sp.Rational(1, 5), k)
(1, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from nablagrade.derive.graph import Graph


def surrogate_derivative(xi, k) -> sp.Expr:
    """The backward pass's ``dH/dxi``: the derivative of ``xi / (1 + k|xi|)``."""
    return 1 / (1 + k * sp.Abs(xi)) ** 2


class SurrogateStep(sp.Function):
    """``H(xi, k)``: the Heaviside step forward, the surrogate ``1/(1 + k|xi|)^2`` backward."""

    nargs = 2

    @classmethod
    def eval(cls, xi, k):
        # The forward pass is the true step, with H(0) = 1 as on the sheet.
        if xi.is_number and xi.is_comparable:
            return sp.S.One if xi >= 0 else sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        xi, k = self.args
        # The step does not depend on k: only its backward stand-in does.
        return surrogate_derivative(xi, k) if argindex == 1 else sp.S.Zero

    def _latex(self, printer):
        return r"H\left(%s\right)" % printer._print(self.args[0])


class StopGradient(sp.Function):
    """``sg(a)``: equal to ``a`` forward, derivative 0 (a value the backward pass holds fixed)."""

    nargs = 1

    @classmethod
    def eval(cls, a):
        if a.is_number:
            return a
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _latex(self, printer):
        return r"\operatorname{sg}\left(%s\right)" % printer._print(self.args[0])


def strip_stop_gradient(expr) -> sp.Expr:
    """``expr`` with every ``sg(a)`` replaced by ``a``: the same value, written plainly."""
    return expr.replace(lambda e: isinstance(e, StopGradient), lambda e: e.args[0])


@dataclass(frozen=True)
class LIF:
    """A leaky integrate-and-fire neuron unrolled over ``T`` steps, as a graph with output ``z``.

    ``I(t) = w x(t) + b``, ``V(t) = beta V'(t-1) + I(t)``, ``y(t) = H(V(t) - T_h)``,
    ``V'(t) = V(t) (1 - sg(y(t)))`` (the reset is not differentiated), ``V'(0) = 0``,
    ``z = sum_t y(t)``.
    """

    T: int

    def __post_init__(self):
        if self.T < 1:
            raise ValueError(f"a neuron is unrolled over at least one step, got T={self.T}")

    @property
    def w(self):
        return sp.Symbol("w", real=True)

    @property
    def b(self):
        return sp.Symbol("b", real=True)

    @property
    def beta(self):
        return sp.Symbol("beta", real=True)

    @property
    def threshold(self):
        return sp.Symbol("T_h", real=True)

    @property
    def k(self):
        return sp.Symbol("k", real=True)

    def x(self, t: int) -> sp.Symbol:
        return sp.Symbol(f"x({t})", real=True)

    def node(self, name: str, t: int) -> sp.Symbol:
        """The node ``name(t)`` of the graph: ``I``, ``V``, ``y`` or ``V'`` (after the reset)."""
        return sp.Symbol(f"{name}({t})", real=True)

    def graph(self) -> Graph:
        equations, reset = [], sp.Integer(0)
        for t in range(1, self.T + 1):
            current, voltage, spike = self.node("I", t), self.node("V", t), self.node("y", t)
            equations += [(current, self.w * self.x(t) + self.b),
                          (voltage, self.beta * reset + current),
                          (spike, SurrogateStep(voltage - self.threshold, self.k))]
            if t < self.T:  # the last reset feeds nothing
                reset = self.node("V'", t)
                equations.append((reset, voltage * (1 - StopGradient(spike))))
        equations.append((sp.Symbol("z", real=True),
                          sp.Add(*(self.node("y", t) for t in range(1, self.T + 1)))))
        return Graph(tuple(equations))
