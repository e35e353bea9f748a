"""A system of equations over time: the forward equations of a recurrent cell.

A `Recurrence` declares its typed symbols (parameters, input sequences, states, intermediate
quantities), the definition of each sequence quantity at time ``t`` and the initial states. It
answers the engine's questions about definitions (which quantity is defined, by what, at which
index) and draws random admissible instances for numeric evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import sympy as sp

from nablagrade.derive.mexpr import MExpr, SoftmaxAt, Var, shift, walk
from nablagrade.derive.numeric import Env

T = sp.Symbol("t", integer=True)
LOSS = Var("l", 1, 1, None, r"\ell")
PAST_END = 4


def seq(name: str, rows, cols=1, tex: str = "") -> Var:
    """A sequence quantity at time ``t`` (``h`` gives ``h[t]``; ``.at(T - 1)`` gives ``h[t-1]``)."""
    return Var(name, sp.sympify(rows), sp.sympify(cols), T, tex)


def mat(name: str, rows, cols=1, tex: str = "") -> Var:
    """A parameter (matrix, vector or scalar) that does not depend on time."""
    return Var(name, sp.sympify(rows), sp.sympify(cols), None, tex)


@dataclass(frozen=True)
class Recurrence:
    """Forward equations ``name[t] = definition`` of a recurrent cell.

    ``states`` are the quantities that appear at earlier times (``h[t-1]``); they start at zero
    for ``t <= 0``. ``params`` and ``inputs`` get random values in an instance.
    """

    equations: Mapping[str, MExpr]
    symbols: Mapping[str, Var]
    params: tuple[Var, ...]
    inputs: tuple[Var, ...]
    states: frozenset
    length: object  # the sequence length K (a sympy symbol or an integer)
    extra: Mapping[str, MExpr] = field(default_factory=dict)  # auxiliary definitions (delta)
    bases: Mapping[str, object] = field(default_factory=dict)  # name -> (index -> bool)

    # ---- questions the rules ask ---------------------------------------------------------
    def definition(self, v: Var) -> MExpr | None:
        """The definition of ``v`` at its own index; None for inputs, parameters and states
        (states are independent variables in a partial derivative)."""
        if v.index is None or v.name in self.states:
            return None
        return self.definition_at(v)

    time = T  # the symbol the equations are written in

    def body(self, name: str) -> MExpr | None:
        """The definition of ``name[t]``, written at time ``t``."""
        return self.equations.get(name, self.extra.get(name))

    def definition_at(self, v: Var) -> MExpr | None:
        body = self.body(v.name)
        if body is None:
            return None
        return body if v.index == T else shift(body, {T: v.index})

    def base(self, name: str, index: int, dim):
        """The value of ``name[index]`` where a boundary condition fixes it (zero), else None.
        ``dim`` gives a dimension's value in the instance at hand."""
        if name in self.states and index <= 0:
            return 0.0
        holds = self.bases.get(name)
        return 0.0 if holds is not None and holds(index, dim) else None

    def softmax_components(self, e: SoftmaxAt) -> tuple:
        """The named components ``a_j[t]`` of the softmax that ``e`` is a component of."""
        index = _index_of(e)
        comps = {}
        for name, body in self.equations.items():
            if isinstance(body, SoftmaxAt) and \
                    tuple(shift(w, {T: index}) for w in body.logits) == e.logits:
                comps[body.i] = self.symbols[name].at(index)
        return tuple(comps.get(j, SoftmaxAt(j, e.logits)) for j in range(len(e.logits)))

    def with_extra(self, **definitions) -> "Recurrence":
        return Recurrence(self.equations, self.symbols, self.params, self.inputs, self.states,
                          self.length, {**self.extra, **definitions}, self.bases)

    def with_bases(self, **bases) -> "Recurrence":
        return Recurrence(self.equations, self.symbols, self.params, self.inputs, self.states,
                          self.length, self.extra, {**self.bases, **bases})

    def defining(self, v: Var) -> bool:
        return v.name in self.equations

    # ---- numeric instances ---------------------------------------------------------------
    def instance(self, dims: Mapping, n: int, rng: np.random.Generator,
                 givens: tuple = (), bindings=None) -> Env:
        """Random values for parameters, inputs over t = 1..K, and given derivatives."""
        env = Env(self, dims, {}, n, bindings)
        length = env.dim(self.length)
        values = {}
        for p in self.params:
            rows, cols = env.dim(p.rows), env.dim(p.cols)
            values[(p.name, None)] = rng.standard_normal((n, rows, cols)) / np.sqrt(max(cols, 1))
        for x in self.inputs:
            # A few steps past the end: the adjoint recursion evaluates Jacobians there, only
            # ever multiplied by a zero adjoint (delta[K+1] = 0).
            for t in range(1, length + PAST_END + 1):
                values[(x.name, t)] = rng.standard_normal((n, env.dim(x.rows), env.dim(x.cols)))
        for make_key, shape, times in givens:
            for t in times(length):
                values[make_key(t)] = rng.standard_normal((n, *(env.dim(d) for d in shape)))
        return Env(self, dims, values, n, bindings)


def _index_of(e: SoftmaxAt):
    for node in e.logits:
        for sub in walk(node):
            if isinstance(sub, Var) and sub.index is not None:
                return sub.index
    return T
