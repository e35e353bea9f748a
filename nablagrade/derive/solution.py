"""What the engine produces: the recorded steps of a derivation and its final answer.

A `Derivation` is a frozen value: the closed form (``expr``: a sympy object or an engine
expression), its LaTeX, its numeric value where it has one (JSON-ready: numbers as floats,
shapes as lists, arrays as nested lists), and the chain-rule steps a solution sheet shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = rhs``, with an optional note (the rule applied).

    ``lhs`` and ``rhs`` are LaTeX maths; ``note`` is text, with any maths inside ``$...$``."""

    lhs: str
    rhs: str
    note: str = ""


@dataclass(frozen=True)
class Derivation:
    """The derived answer to one part."""

    expr: Any
    latex: str
    value: Any = None
    steps: tuple[Step, ...] = ()
    lhs: str = ""  # the quantity asked, in LaTeX (e.g. r"\frac{\partial c[t]}{\partial h[t-1]}")
    meta: Mapping[str, Any] = field(default_factory=dict)

    def derive(self) -> "Derivation":
        """A derivation is its own query: builders may return one directly."""
        return self


@dataclass(frozen=True)
class Solution:
    """Every part of one problem at one parameter set; ``kinds`` maps part id to part kind."""

    problem: str
    params: Mapping[str, Any]
    parts: Mapping[str, Derivation]
    kinds: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The ``solve --json`` object of `spec/interface.md`."""
        parts = {}
        for pid, d in self.parts.items():
            entry = {"kind": self.kinds.get(pid), "latex": d.latex, "value": d.value}
            if d.lhs:
                entry["lhs"] = d.lhs  # the quantity asked; for tensors it fixes the index order
            if self.kinds.get(pid) == "text":
                entry["reference"] = d.meta.get("reference", "")
            parts[pid] = entry
        return {"problem": self.problem, "params": _json_params(self.params), "parts": parts}


def _json_params(params: Mapping[str, Any]) -> dict:
    return {k: list(map(list, v)) if isinstance(v, tuple) and v and isinstance(v[0], tuple)
            else list(v) if isinstance(v, tuple) else v for k, v in params.items()}
