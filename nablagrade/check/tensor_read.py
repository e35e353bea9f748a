"""Reading a tensor answer in index notation: which names are tensors, how a written index
chain becomes one read of a tensor, and which free indices the left-hand side declares.

A read of a tensor may be written ``x[a][k]``, ``x[a, k]``, ``x_{a,k}``, ``x_a[k]``,
``W_{1,k,i}``, ``W[1,k,i]``, ``W_{1ki}`` (a subscript of single letters and digits is split only
when the count fits the tensor's rank and it is not a product such as ``x_{2r}``), and the given
upstream gradient ``g[r]``, ``\\frac{\\partial \\ell}{\\partial f_W(x)}[r]``,
``(\\frac{\\partial \\ell}{\\partial f_W(x)})[r]`` or
``\\frac{\\partial \\ell}{\\partial f_W(x)[r]}``.
The left-hand side ``f_W(x)[r]``, ``\\frac{\\partial f_W(x)}{\\partial W}[r, c, k, i]`` or
``\\frac{\\partial f_W(x)[r]}{\\partial x[i][k]}`` fixes the order of the free indices; a number
there (``[1, k, i]``) fixes that index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from nablagrade.check import ast as A
from nablagrade.check.names import base_key

OUTPUT_HEADS = ("f", "y")  # the layer's output, written f_W(x) (y also seen)
LOSS_NAMES = ("ell", "l")


class Unreadable(Exception):
    """The answer cannot be read as a tensor formula: a code and a sentence for the student."""

    def __init__(self, code: str, message: str, pos: int | None = None):
        super().__init__(code, message, pos)
        self.code, self.message, self.pos = code, message, pos


@dataclass(frozen=True)
class Symbols:
    """What the names of an answer can mean: tensors (name -> rank, and the smallest rank a read
    may have once leading axes of size 1 are left out), integer parameters, and the tensor that
    stands for the given upstream gradient dl/d f_W(x) (None when the part gives none)."""

    ranks: tuple  # ((name, rank, min_rank), ...)
    params: frozenset
    upstream: str | None = None

    @property
    def tensors(self) -> dict:
        return {name: (rank, low) for name, rank, low in self.ranks}


@dataclass(frozen=True)
class Axis:
    """One index of the left-hand side: a free index ``name``, or a fixed number ``const``."""

    name: str | None = None
    const: int | None = None

    def show(self) -> str:
        return self.name if self.name is not None else str(self.const)


# --- tensor reads --------------------------------------------------------------------------

def tensor_ref(node: A.Node, symbols: Symbols):
    """``(tensor name, index nodes)`` when ``node`` reads a tensor, else None."""
    if isinstance(node, A.Group):
        return tensor_ref(node.body, symbols)
    if isinstance(node, A.Index):
        inner = tensor_ref(node.target, symbols)
        return None if inner is None else (inner[0], inner[1] + tuple(node.indices))
    if isinstance(node, A.Name) and node.base in symbols.tensors and not node.primes:
        return node.base, subscript_indices(node.sub, symbols.tensors[node.base])
    if isinstance(node, A.Derivative) and symbols.upstream is not None:
        at = output_indices(node.den)
        if _is_loss(node.num) and at is not None:
            return symbols.upstream, at
    return None


def subscript_indices(sub, rank: tuple = (1, 1)) -> tuple:
    """The indices in a subscript: ``{1,k,i}``, ``{1ki}`` (when unambiguous), ``{t-1}``."""
    if sub is None:
        return ()
    if isinstance(sub, A.Tuple):
        return tuple(sub.items)
    if isinstance(sub, A.Juxt) and _splits(sub.items, rank):
        return tuple(sub.items)
    return (sub,)


def _splits(items, rank) -> bool:
    atomic = all((isinstance(i, A.Name) and len(base_key(i)) == 1 and i.sub is None
                  and not i.primes and not i.decorations)
                 or (isinstance(i, A.Number) and len(i.text) == 1) for i in items)
    product_like = len(items) == 2 and isinstance(items[0], A.Number)  # x_{2r} is x[2r]
    high, low = rank
    return atomic and not product_like and low <= len(items) <= high and len(items) >= 2


def _is_loss(node) -> bool:
    return isinstance(node, A.Name) and node.sub is None and base_key(node) in LOSS_NAMES


def output_indices(node):
    """The indices of a written layer output (``f_W(x)[r]``, ``(f_W(x))[r]``, ``f_W(x)``: none),
    or None when ``node`` is not the layer output."""
    if isinstance(node, A.Group):
        return output_indices(node.body)
    if isinstance(node, A.Index):
        inner = output_indices(node.target)
        return None if inner is None else inner + tuple(node.indices)
    if isinstance(node, A.Name):
        return () if base_key(node) in OUTPUT_HEADS and _is_label(node.sub) else None
    if isinstance(node, A.Juxt) and len(node.items) == 2 and output_indices(node.items[0]) == ():
        arg = node.items[1]
        while isinstance(arg, A.Index):
            arg = arg.target
        if isinstance(arg, A.Group):
            arg = arg.body
        if isinstance(arg, A.Name) and arg.sub is None:
            return _indices_after(node.items[1])
    return None


def _is_label(sub) -> bool:
    return sub is None or (isinstance(sub, A.Name) and sub.sub is None and sub.base == "W")


def _indices_after(node) -> tuple:
    out = ()
    while isinstance(node, A.Index):
        out = tuple(node.indices) + out
        node = node.target
    return out


# --- the left-hand side --------------------------------------------------------------------

def lhs_axes(lhs: A.Node | None, symbols: Symbols):
    """The free indices the left-hand side declares, in order; None when it declares none."""
    if lhs is None:
        return None
    indices = _lhs_indices(lhs, symbols)
    if not indices:
        return None
    axes = []
    for node in indices:
        if isinstance(node, A.Name) and node.sub is None and not node.primes:
            axes.append(Axis(name=base_key(node)))
        elif isinstance(node, A.Number) and node.value.denominator == 1 and not node.percent:
            axes.append(Axis(const=int(node.value)))
        else:
            raise Unreadable("parse-error", "an index of the left-hand side must be a letter "
                             "(a free index such as r) or a number (such as the 1 in "
                             "[1, k, i])", node.pos)
    names = [a.name for a in axes if a.name is not None]
    if len(set(names)) != len(names):
        raise Unreadable("parse-error", "the left-hand side uses the same index twice; each "
                         "free index needs its own letter", lhs.pos)
    return tuple(axes)


def _lhs_indices(node, symbols) -> tuple:
    if isinstance(node, A.Group):
        return _lhs_indices(node.body, symbols)
    if isinstance(node, A.Index):
        return _lhs_indices(node.target, symbols) + tuple(node.indices)
    if isinstance(node, A.Derivative):
        return _lhs_indices(node.num, symbols) + _lhs_indices(node.den, symbols)
    if isinstance(node, A.Juxt):
        return tuple(i for item in node.items for i in _lhs_indices(item, symbols))
    if isinstance(node, A.Name) and node.base in symbols.tensors:
        return subscript_indices(node.sub, symbols.tensors[node.base])
    return ()


def derivative_of(text_tree: A.Answer):
    """The name a derivative head is taken with respect to (``\\frac{...}{\\partial x}`` -> x)."""
    statement = text_tree.statements[0]
    node = getattr(statement, "expr", None)
    if isinstance(node, A.Derivative) and isinstance(node.den, A.Name):
        return node.den.base
    return None


def describe_read(name: str, style: str, values) -> str:
    """A read as the problem writes it: ``W_{1,1,5}``, ``x[8][2]``, ``g[4]``."""
    values = [str(int(v)) if float(v).is_integer() else f"{float(v):g}" for v in values]
    if style == "subscript":
        return "%s_{%s}" % (name, ",".join(values))
    return name + "".join(f"[{v}]" for v in values)


def glossary(inputs) -> Mapping[str, tuple]:
    """How the problem names the axes of its tensors (the engine's ``Input.axes``, declared
    with the problem), for messages about a swapped layout."""
    return {inp.name: tuple(inp.axes) for inp in inputs if inp.axes}
