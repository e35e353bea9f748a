"""The problem model: typed parameters, parts, and the registry of problems.

A problem is data plus a derivation. Its module declares the parameters (with defaults and
constraints), the parts asked (id, kind, what is asked), and one *builder*: a function of the
validated parameters returning a mapping from part id to a derivation query of the engine
(`nablagrade.derive`). The engine does the rest. Problems register themselves with `@problem`.

>>> from nablagrade.problems import get_problem
>>> get_problem("loss.init").part("loss").kind
'number'
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sympy as sp

from nablagrade.errors import ParamError, UnknownName

PART_KINDS = ("shape", "number", "array", "formula", "tensor", "matrix", "sequence", "text")
PARAM_KINDS = ("int", "dim", "real", "list", "matrix")


@dataclass(frozen=True)
class Param:
    """A parameter of a problem.

    kind: ``int`` (an integer), ``dim`` (an integer dimension, symbolic when not given),
    ``real``, ``list`` (a list of numbers), ``matrix`` (a list of rows of numbers).
    A parameter with ``default=None`` is symbolic (``dim``) or optional (others).
    """

    name: str
    kind: str = "int"
    default: Any = None
    doc: str = ""
    min: float | None = None
    max: float | None = None
    latex: str | None = None  # how the parameter is written in formulas, e.g. r"\beta"

    def __post_init__(self):
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"parameter {self.name}: kind {self.kind!r} not in {PARAM_KINDS}")

    def symbol(self) -> sp.Symbol:
        """The sympy symbol standing for this parameter when it is left symbolic."""
        if self.kind in ("int", "dim"):
            return sp.Symbol(self.name, integer=True, positive=True)
        return sp.Symbol(self.name, real=True)

    def coerce(self, problem: str, value: Any) -> Any:
        """Validate one value (already decoded from text or TOML) and return it typed."""
        if value is None:
            return None
        if self.kind in ("int", "dim"):
            value = _as_int(problem, self.name, value)
        elif self.kind == "real":
            value = _as_real(problem, self.name, value)
        elif self.kind == "list":
            value = _as_list(problem, self.name, value)
        elif self.kind == "matrix":
            value = _as_matrix(problem, self.name, value)
        for bound, ok, word in ((self.min, lambda v, b: v >= b, "at least"),
                                (self.max, lambda v, b: v <= b, "at most")):
            if bound is not None and self.kind in ("int", "dim", "real") and not ok(value, bound):
                raise ParamError(problem, self.name, f"must be {word} {bound:g}, got {value}")
        return value


def _as_int(problem: str, name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ParamError(problem, name, f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ParamError(problem, name, f"expected an integer, got {value!r}")


def _as_real(problem: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParamError(problem, name, f"expected a finite number, got {value!r}")
    return value


def _as_list(problem: str, name: str, value: Any) -> tuple:
    if not isinstance(value, (list, tuple)) or not value:
        raise ParamError(problem, name, f"expected a non-empty list of numbers, got {value!r}")
    return tuple(_as_real(problem, name, v) for v in value)


def _as_matrix(problem: str, name: str, value: Any) -> tuple:
    if not isinstance(value, (list, tuple)) or not value:
        raise ParamError(problem, name, f"expected a list of rows, got {value!r}")
    rows = tuple(_as_list(problem, name, row) for row in value)
    if len({len(r) for r in rows}) != 1:
        raise ParamError(problem, name, "rows must all have the same length")
    return rows


def freeze_params(params: Mapping[str, Any] | None) -> tuple:
    """Parameters as sorted (name, value) pairs with lists as tuples: hashable, for caches
    and keys of one question variant."""
    def freeze(v):
        return tuple(freeze(x) for x in v) if isinstance(v, (list, tuple)) else v
    return tuple(sorted((k, freeze(v)) for k, v in (params or {}).items()))


def parse_value(text: str) -> Any:
    """Decode a command-line parameter value: an integer, a decimal, or a JSON list."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{text!r} is not an integer, a decimal or a JSON list") from None


@dataclass(frozen=True)
class Part:
    """One thing a problem asks: its id, kind, and the question in words (LaTeX maths allowed).

    Text parts carry a reference answer and an optional keyword rubric: each rubric entry is a
    tuple of alternative keywords of which one must appear.
    """

    id: str
    kind: str
    asks: str
    reference: str = ""
    rubric: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self):
        if self.kind not in PART_KINDS:
            raise ValueError(f"part {self.id}: kind {self.kind!r} not in {PART_KINDS}")


@dataclass(frozen=True)
class Constraint:
    """A condition on several parameters, with the message shown when it fails."""

    holds: Callable[[Mapping[str, Any]], bool]
    message: str
    names: tuple[str, ...] = ()


class Params(Mapping):
    """Validated parameters: concrete values, or sympy symbols for symbolic dimensions.

    Read as a mapping or by attribute (``p.H``). ``given`` holds what was set by the caller or
    by a default (``None`` for symbolic), for reports and JSON.
    """

    def __init__(self, values: Mapping[str, Any], given: Mapping[str, Any]):
        self._values = dict(values)
        self.given = dict(given)

    def __getitem__(self, key):
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def is_symbolic(self, name: str) -> bool:
        return self.given.get(name) is None


Builder = Callable[[Params], Mapping[str, Any]]


@dataclass(frozen=True)
class Problem:
    """A registered problem: metadata, parameters, parts, constraints and the builder."""

    id: str
    title: str
    statement: str
    params: tuple[Param, ...]
    parts: tuple[Part, ...]
    builder: Builder = field(compare=False)
    constraints: tuple[Constraint, ...] = ()
    source: str = ""
    priority: str = "P0"
    aliases: Mapping[str, str] = field(default_factory=dict)  # written symbol -> ours (alpha -> a)
    example: Mapping[str, Any] = field(default_factory=dict)  # the sheet's instance
    figures: tuple[str, ...] = ()  # pictures its solution sheet shows (see render.figures_for)

    def part(self, part_id: str) -> Part:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise UnknownName("part", part_id, [p.id for p in self.parts])

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise UnknownName("parameter", name, [p.name for p in self.params])

    def resolve(self, given: Mapping[str, Any] | None = None) -> Params:
        """Validate ``given`` against the declared parameters and fill in defaults.

        >>> from nablagrade.problems import get_problem
        >>> get_problem("loss.init").resolve({"classes": 10}).classes
        10
        """
        # No parameters at all: the instance of the sheet the problem comes from. Otherwise each
        # parameter left out takes its own default (a stride left out is 1, not the sheet's).
        given = dict(given or self.example)
        for name in given:
            self.param(name)  # raises UnknownName listing the valid ones
        values, shown = {}, {}
        for param in self.params:
            value = param.coerce(self.id, given.get(param.name, param.default))
            shown[param.name] = value
            values[param.name] = param.symbol() if value is None and param.kind == "dim" else value
        params = Params(values, shown)
        for constraint in self.constraints:
            concrete = all(not params.is_symbolic(n) for n in constraint.names)
            if concrete and not constraint.holds(params):
                raise ParamError(self.id, ", ".join(constraint.names) or "*", constraint.message)
        return params

    def build(self, params: Params) -> Mapping[str, Any]:
        return self.builder(params)


_REGISTRY: dict[str, Problem] = {}


def problem(id: str, *, title: str, params=(), parts=(), statement: str = "", constraints=(),
            source: str = "", priority: str = "P0", aliases=None, example=None, figures=()):
    """Register the decorated builder as problem ``id``.

    The builder takes the validated :class:`Params` and returns ``{part_id: query}`` for every
    non-text part, where a query is an engine object with ``derive() -> Derivation``.
    """

    def register(builder: Builder) -> Builder:
        if id in _REGISTRY:
            raise ValueError(f"problem {id!r} is registered twice")
        _REGISTRY[id] = Problem(id=id, title=title, statement=statement or title,
                                params=tuple(params), parts=tuple(parts), builder=builder,
                                constraints=tuple(constraints), source=source,
                                priority=priority, aliases=dict(aliases or {}),
                                example=dict(example or {}), figures=tuple(figures))
        return builder

    return register


def registry() -> Mapping[str, Problem]:
    return _REGISTRY
