"""The typed syntax tree of a student's answer: what was written, nothing evaluated.

Owns the node classes (frozen dataclasses) and a non-recursive walk over them. Every node carries
``pos``, the offset in the original input where it starts; ``pos`` is left out of ``==`` and
``hash`` so that two writings of the same formula compare equal. Juxtaposition (``D(K-1)``,
``\\sigma(z)``, ``f_W(x)``) stays a :class:`Juxt`: a later stage decides, from the problem's
symbols, whether it is a product or an application. Parentheses leave no node, except
:class:`Group`: a parenthesised group that follows another factor and carries a postfix
(``f_W(x)[r]``, ``a (b+c)^2``), where the reading depends on whether ``f_W`` is a function.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import lru_cache
from typing import Iterator, Optional


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; ``pos`` is the start offset in the original input (-1: unknown)."""

    pos: int = field(default=-1, compare=False, repr=False, kw_only=True)


# ----- values and names -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Number(Node):
    """A literal as written (``"5.1"``, ``"12"``, ``".5"``); ``percent`` for ``50\\%``."""

    text: str
    percent: bool = False
    bold: bool = False          # \mathbf{1}: the all-ones vector where a vector is expected

    @property
    def value(self) -> Fraction:
        """The exact value (a rational; decimals are exact too)."""
        value = Fraction(self.text)
        return value / 100 if self.percent else value


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A symbol: ``base`` is a letter, a Greek command (``\\sigma``) or a word (``out``)."""

    base: str
    sub: Optional[Node] = None           # x_t, W_{1,k,i} (a Tuple), W_{hh} (a Juxt)
    decorations: tuple = ()              # sorted: "bar", "bold", "cal", "hat", "tilde", "vec"
    primes: int = 0                      # \sigma'


@dataclass(frozen=True, slots=True)
class Dots(Node):
    """An ellipsis (``\\dots``): readable, never a value."""


@dataclass(frozen=True, slots=True)
class Shape(Node):
    """``\\mathbb{R}^{3 \\times (5 \\times 7)}``: dims are the top-level factors of the product."""

    dims: tuple
    field: Optional[str] = "R"


# ----- postfix: indexing, powers, transposes ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class Index(Node):
    """``x[t]``, ``W[1,k,i]``; ``x[a][k]`` is an Index of an Index (resolved later)."""

    target: Node
    indices: tuple


@dataclass(frozen=True, slots=True)
class Pow(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True, slots=True)
class Transpose(Node):
    """``^\\top``, ``^T``, ``^{T}``, ``^\\intercal``."""

    target: Node


@dataclass(frozen=True, slots=True)
class Factorial(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Group(Node):
    """Parentheses after another factor, carrying a postfix: ``f(x)[r]``, ``a (b+c)^\\top``."""

    body: Node


# ----- operators --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Juxt(Node):
    """Factors written side by side: a product or an application, decided later."""

    items: tuple


@dataclass(frozen=True, slots=True)
class Add(Node):
    """``a + b - c``: terms in order; a subtracted term is a :class:`Neg`."""

    terms: tuple


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """``op``: ``"*"`` (``\\cdot``, ``*``), ``"times"``, ``"/"``, ``"hadamard"`` (``\\odot``)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class PlusMinus(Node):
    """``\\pm x`` (and ``\\mp``): read so that a later stage can say it is not a value."""

    operand: Node


# ----- functions and constructions --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Call(Node):
    """A whitelisted function (see ``build.FUNCTIONS``); ``base`` for ``\\log_{b}``."""

    name: str
    args: tuple
    base: Optional[Node] = None


@dataclass(frozen=True, slots=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True, slots=True)
class Sqrt(Node):
    radicand: Node
    root: Optional[Node] = None


@dataclass(frozen=True, slots=True)
class Floor(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class Ceil(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class Abs(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class Binom(Node):
    n: Node
    k: Node


@dataclass(frozen=True, slots=True)
class SumOp(Node):
    """``\\sum_{var=lo}^{hi} body``; bounds may be missing (``\\sum_m``)."""

    var: Optional[Name]
    lo: Optional[Node]
    hi: Optional[Node]
    body: Node


@dataclass(frozen=True, slots=True)
class ProdOp(Node):
    var: Optional[Name]
    lo: Optional[Node]
    hi: Optional[Node]
    body: Node


@dataclass(frozen=True, slots=True)
class Derivative(Node):
    """``\\frac{\\partial c[t]}{\\partial h[t-1]}``, ``\\partial c / \\partial h``, ``dy/dw``."""

    num: Node
    den: Node
    partial: bool = True


@dataclass(frozen=True, slots=True)
class Differential(Node):
    """A ``\\partial x`` that is not part of a derivative fraction."""

    body: Node


@dataclass(frozen=True, slots=True)
class Kronecker(Node):
    """``\\delta_{ij}``, ``\\delta_{i,j}``."""

    i: Node
    j: Node


@dataclass(frozen=True, slots=True)
class Relation(Node):
    """A chain ``1 \\le i \\le 3``: ``ops`` between consecutive ``operands``.

    ops: ``=``, ``def`` (``:=``, ``\\doteq``), ``approx``, ``in``, ``<``, ``<=``, ``>``, ``>=``,
    ``!=``.
    """

    operands: tuple
    ops: tuple


@dataclass(frozen=True, slots=True)
class And(Node):
    """Conditions joined by ``\\text{and}`` / ``\\land``."""

    parts: tuple


@dataclass(frozen=True, slots=True)
class Iverson(Node):
    """``[1 \\le j \\le 3]``: 1 where the condition holds, else 0."""

    condition: Node


@dataclass(frozen=True, slots=True)
class Cases(Node):
    """``branches``: (value, condition) pairs; condition ``None`` is "otherwise"."""

    branches: tuple


@dataclass(frozen=True, slots=True)
class ArrayLit(Node):
    """A matrix environment (``bmatrix``, ``pmatrix``, ``array``): rows of cells."""

    rows: tuple


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    """``[2, -1, 3]``, ``[[1,2],[3,4]]``; a one-item list may be square-bracket grouping."""

    items: tuple


@dataclass(frozen=True, slots=True)
class Tuple(Node):
    """``(0, 0, 1)``; also the arguments in ``f(x, y)`` and the subscript in ``W_{1,k,i}``."""

    items: tuple


# ----- statements -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Value(Node):
    expr: Node


@dataclass(frozen=True, slots=True)
class Equation(Node):
    """``lhs = rhs`` (``lhs`` None for a continued ``&= rhs``); ``middle``: ``a = b = c``."""

    lhs: Optional[Node]
    rhs: Node
    op: str = "="
    middle: tuple = ()


@dataclass(frozen=True, slots=True)
class Definition(Node):
    """``lhs := rhs``, ``lhs \\doteq rhs``. (``a_t = ...`` is an Equation: the checker decides.)"""

    lhs: Node
    rhs: Node


@dataclass(frozen=True, slots=True)
class Membership(Node):
    """``lhs \\in \\mathbb{R}^{...}``: ``shape`` is a Shape when it reads as one."""

    lhs: Optional[Node]
    shape: Node


@dataclass(frozen=True, slots=True)
class Answer(Node):
    """Statements in the order written (Value, Equation, Definition, Membership, Relation)."""

    statements: tuple


# the postfix nodes, and the field that holds what each applies to
POSTFIX_TARGET = {Index: "target", Transpose: "target", Pow: "base", Factorial: "operand"}


# ----- traversal --------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _child_fields(cls) -> tuple:
    return tuple(f.name for f in fields(cls) if f.name != "pos")


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes, in field order (tuples, and tuples of tuples, are opened)."""
    for name in _child_fields(type(node)):
        yield from _nodes_in(getattr(node, name))


def _nodes_in(value) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_in(item)


def walk(node: Node) -> Iterator[tuple]:
    """Every ``(node, depth)`` below and including ``node``, without recursion on the tree."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        yield current, depth
        stack.extend((child, depth + 1) for child in children(current))
