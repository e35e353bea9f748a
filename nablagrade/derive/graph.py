"""A scalar computational graph and reverse-mode differentiation over it.

A graph is an ordered list of named equations ``node = expr``: each ``expr`` is a sympy expression
of earlier nodes and of *leaves* (every other symbol). The last node is the output. The graph owns
the chain rule: the adjoint ``d out / d node`` of every node (with the steps a solution sheet
shows), the contribution of each edge out of a leaf, the total derivative of the output by a leaf,
and the expansion of any expression in node names into the leaves.

>>> w, u, p, y = sp.symbols("w u p y")
>>> g = Graph(((p, w * u), (y, w * p)))
>>> g.gradient(w)
p + u*w
>>> sp.expand(g.expand(g.gradient(w))) == sp.diff(g.expand(y), w)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

import sympy as sp

from nablagrade.derive.scalar import latex
from nablagrade.derive.solution import Step


@dataclass(frozen=True)
class Edge:
    """An edge from a leaf into a node that uses it directly.

    ``adjoint`` is ``d out / d node`` and ``local`` the partial ``d node / d leaf`` holding the
    other inputs of the node fixed; both are in node names and leaves.
    """

    node: sp.Symbol
    adjoint: sp.Expr
    local: sp.Expr

    @property
    def contribution(self) -> sp.Expr:
        return self.adjoint * self.local


@dataclass(frozen=True)
class Graph:
    """Ordered equations ``(node, expr)``; the last node is the output."""

    equations: tuple[tuple[sp.Symbol, sp.Expr], ...]

    def __post_init__(self):
        # strict: an expression is built by the caller, never parsed from a string
        equations = tuple((node, sp.sympify(expr, strict=True)) for node, expr in self.equations)
        object.__setattr__(self, "equations", equations)
        if not self.equations:
            raise ValueError("a graph needs at least one equation")
        seen: set = set()
        names = {node for node, _ in self.equations}
        for node, expr in self.equations:
            if node in seen:
                raise ValueError(f"node {node} is defined twice")
            early = (expr.free_symbols & names) - seen
            if early:
                names = sorted(map(str, early))
                raise ValueError(f"node {node} uses {names} before they are defined")
            seen.add(node)

    @property
    def nodes(self) -> tuple[sp.Symbol, ...]:
        return tuple(node for node, _ in self.equations)

    @property
    def output(self) -> sp.Symbol:
        return self.equations[-1][0]

    def definition(self, node: sp.Symbol) -> sp.Expr:
        return dict(self.equations)[node]

    def leaves(self) -> tuple[sp.Symbol, ...]:
        """Every symbol that is not a node, in name order."""
        used = set().union(*(expr.free_symbols for _, expr in self.equations))
        return tuple(sorted(used - set(self.nodes), key=str))

    def consumers(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        """The nodes whose defining expression uses ``symbol`` directly, in graph order."""
        return tuple(node for node, expr in self.equations if symbol in expr.free_symbols)

    def local(self, node: sp.Symbol, symbol: sp.Symbol) -> sp.Expr:
        """The partial of one node's expression by one of its direct inputs."""
        return sp.diff(self.definition(node), symbol)

    @cached_property
    def adjoints(self) -> Mapping[sp.Symbol, sp.Expr]:
        """``d out / d node`` for every node, by the chain rule from the output backwards."""
        adjoint = {self.output: sp.Integer(1)}
        for node in reversed(self.nodes[:-1]):
            # Sum over every node that reads this one: the multivariate chain rule.
            adjoint[node] = sp.Add(*(adjoint[c] * self.local(c, node)
                                     for c in self.consumers(node)))
        return adjoint

    def d(self, symbol) -> str:
        """LaTeX of ``d out / d symbol``."""
        return r"\frac{\partial %s}{\partial %s}" % (latex(self.output), latex(symbol))

    def _chain(self, symbol) -> str:
        """The chain-rule sum for ``symbol`` written with the consumers' adjoints as symbols."""
        terms = []
        for c in self.consumers(symbol):
            local = self.local(c, symbol)
            if local == 0:  # an edge the backward pass does not follow (e.g. a stop-gradient)
                continue
            bracket = local.is_Add or local.could_extract_minus_sign()
            shown = r"\left(%s\right)" % latex(local) if bracket else latex(local)
            factors = ([] if c == self.output else [self.d(c)]) + ([] if local == 1 else [shown])
            terms.append(r" \cdot ".join(factors) or "1")
        return " + ".join(terms) or "0"

    def adjoint_steps(self) -> tuple[Step, ...]:
        """One step per node below the output: the chain-rule sum, then its resolved value."""
        steps = []
        for node in reversed(self.nodes[:-1]):
            chain, value = self._chain(node), latex(self.adjoints[node])
            steps.append(Step(self.d(node), chain if chain == value else f"{chain} = {value}",
                              "chain rule"))
        return tuple(steps)

    def edges(self, leaf: sp.Symbol) -> tuple[Edge, ...]:
        """The edges from ``leaf`` into the nodes that use it directly."""
        return tuple(Edge(node, self.adjoints[node], self.local(node, leaf))
                     for node in self.consumers(leaf))

    def gradient(self, leaf: sp.Symbol) -> sp.Expr:
        """``d out / d leaf`` as the sum of the edge contributions, in node names and leaves."""
        return sp.Add(*(edge.contribution for edge in self.edges(leaf)))

    def gradient_steps(self, leaf: sp.Symbol, in_leaves: bool = True) -> tuple[Step, ...]:
        """The chain-rule sum over the edges out of ``leaf``, resolved, then (if asked: the
        expansion can be large) in the leaves."""
        lhs = r"\frac{d %s}{d %s}" % (latex(self.output), latex(leaf))
        chain, value = self._chain(leaf), latex(self.gradient(leaf))
        steps = [Step(lhs, chain if chain == value else f"{chain} = {value}",
                      "sum over the edges out of $%s$" % latex(leaf))]
        total = latex(self.total_derivative(leaf)) if in_leaves else value
        if total != value:
            steps.append(Step(lhs, total, "in the leaves"))
        return tuple(steps)

    def expand(self, expr) -> sp.Expr:
        """``expr`` with every node replaced by its definition, down to the leaves."""
        expr = sp.sympify(expr, strict=True)  # strict: never parse a string
        # Later nodes first: their definitions bring in earlier nodes, replaced after them.
        for node, definition in reversed(self.equations):
            expr = expr.subs(node, definition)
        return expr

    def total_derivative(self, leaf: sp.Symbol) -> sp.Expr:
        """``d out / d leaf`` in the leaves only (reverse mode, then expanded)."""
        return sp.expand(self.expand(self.gradient(leaf)))

    def evaluate(self, values: Mapping[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """The forward pass: the value of every node at the given leaf values."""
        known = dict(values)
        for node, definition in self.equations:
            known[node] = definition.subs(known)
        return {node: known[node] for node in self.nodes}

