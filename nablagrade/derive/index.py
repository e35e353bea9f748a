"""Index notation: tensor formulas, their LaTeX, their numeric values, and their derivatives.

A `TensorFormula` is one component of a tensor written with free indices (1-based, inclusive
ranges) over indexed inputs (`sp.IndexedBase`), e.g. ``f_W(x)[r] = \\sum_k \\sum_i
x[2(r-1)+i][k] W_{1,k,i}``. Derivatives come from one rule, *delta elimination*: differentiate
the summand (sympy turns ``dW[a]/dW[b]`` into Kronecker deltas), then let every delta that pins a
summation index (with coefficient +-1) remove that sum, its range becoming a condition; conditions
that hold on the whole box of free indices are dropped. The chain rule through a given upstream
gradient is the same rule applied to the contraction ``sum_out g[out] f[out]``.

How formulas are printed lives in `nablagrade.derive.index_latex` (``index_latex`` stays
importable from here), how they are evaluated in `nablagrade.derive.index_eval`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from nablagrade.derive.index_eval import instantiated
from nablagrade.derive.index_latex import _Printer, formula_latex
from nablagrade.derive.index_latex import index_latex  # noqa: F401 (re-exported for callers)
from nablagrade.derive.solution import Derivation, Step
from nablagrade.errors import DerivationError


def index(name: str) -> sp.Symbol:
    """An index symbol (an integer; its range lives in an `Index`)."""
    return sp.Symbol(name, integer=True)


@dataclass(frozen=True)
class Index:
    """A free index and its inclusive range ``lo..hi``."""

    symbol: sp.Symbol
    lo: Any = 1
    hi: Any = 1

    def __post_init__(self):
        object.__setattr__(self, "lo", sp.sympify(self.lo))
        object.__setattr__(self, "hi", sp.sympify(self.hi))

    @property
    def size(self) -> sp.Expr:
        return self.hi - self.lo + 1


@dataclass(frozen=True)
class Input:
    """An indexed input: name, shape, how it is written (``x[a][b]`` or ``W_{a,b}``), and what
    its axes mean in the statement's words (``("position", "channel")``), for messages."""

    name: str
    shape: tuple
    style: str = "brackets"  # or "subscript"
    latex: str = ""
    axes: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(sp.sympify(d) for d in self.shape))

    @property
    def base(self) -> sp.IndexedBase:
        return sp.IndexedBase(self.name)

    @property
    def display(self) -> str:
        return self.latex or self.name


@dataclass(frozen=True)
class TensorFormula:
    """``head[free…] = body``: one component of a tensor, over indexed inputs."""

    head: str
    free: tuple[Index, ...]
    body: sp.Expr
    inputs: tuple[Input, ...]
    groups: tuple[int, ...] = field(default=())  # how free indices group into shape factors

    def __post_init__(self):
        object.__setattr__(self, "body", sp.sympify(self.body))
        object.__setattr__(self, "groups", tuple(g for g in self.groups if g)
                           or ((len(self.free),) if self.free else ()))

    @property
    def shape(self) -> tuple:
        return tuple(i.size for i in self.free)

    def input(self, name: str) -> Input:
        for inp in self.inputs:
            if inp.name == name:
                return inp
        raise DerivationError(f"{self.head}: no input named {name!r}")

    def lhs_latex(self) -> str:
        if not self.free:
            return self.head
        head = r"\left(%s\right)" % self.head if "\\frac" in self.head else self.head
        return "%s[%s]" % (head, ", ".join(sp.latex(i.symbol) for i in self.free))

    def rhs_latex(self) -> str:
        return formula_latex(self.body, self.inputs, [i.symbol for i in self.free])

    def latex(self) -> str:
        return "%s = %s" % (self.lhs_latex(), self.rhs_latex())

    def evaluate(self, inputs: Mapping[str, Any], params: Mapping[str, Any] | None = None):
        """Every component, as an array of the formula's shape (index 1 is array position 0).

        ``params`` gives values to symbolic dimensions by name. The body is compiled once per
        formula into numpy operations (one broadcast axis per index), then applied to arrays.
        """
        concrete, run = instantiated(self, tuple(sorted((params or {}).items())))
        arrays = {}
        for inp in concrete.inputs:
            if inp.name not in inputs:
                raise ValueError(f"{self.head}: missing input {inp.name}")
            arrays[inp.name] = np.asarray(inputs[inp.name], dtype=float)
            want = tuple(int(d) for d in inp.shape)
            if arrays[inp.name].shape != want:
                raise ValueError(f"input {inp.name}: expected shape {want}, "
                                 f"got {arrays[inp.name].shape}")
        return run(arrays)

    def _instantiate(self, params: Mapping[str, Any]) -> "TensorFormula":
        bound = {i.symbol.name for i in self.free}
        symbols = self.body.free_symbols.union(*(sp.sympify(d).free_symbols for i in self.free
                                                 for d in (i.lo, i.hi)),
                                               *(sp.sympify(d).free_symbols for inp in self.inputs
                                                 for d in inp.shape))
        subs = {s: sp.Integer(params[s.name]) for s in symbols
                if isinstance(s, sp.Symbol) and s.name in params and s.name not in bound}
        free = tuple(Index(i.symbol, i.lo.subs(subs), i.hi.subs(subs)) for i in self.free)
        inputs = tuple(Input(p.name, tuple(d.subs(subs) for d in p.shape), p.style, p.latex,
                             p.axes) for p in self.inputs)
        loose = [d for i in free for d in (i.lo, i.hi) if not d.is_Integer]
        loose += [d for p in inputs for d in p.shape if not d.is_Integer]
        if loose:
            names = sorted({s.name for d in loose for s in d.free_symbols})
            raise DerivationError(f"{self.head}: give values for {', '.join(names)} to evaluate")
        return TensorFormula(self.head, free, self.body.subs(subs), inputs, self.groups)


def tensor(formula: TensorFormula, steps: Sequence[Step] = ()) -> Derivation:
    """A tensor answer: the formula as ``expr``, its right-hand side as ``latex``."""
    return Derivation(expr=formula, latex=formula.rhs_latex(), lhs=formula.lhs_latex(),
                      steps=tuple(steps),
                      meta={"shape": formula.shape, "groups": formula.groups,
                            "free": tuple(i.symbol.name for i in formula.free)})


def derivative(formula: TensorFormula, wrt: str, at: Sequence[sp.Symbol],
               order: Sequence[sp.Symbol] | None = None, head: str | None = None) -> Derivation:
    """``d formula[free] / d wrt[at]``, with new free indices ``at`` (listed in ``order``).

    The result's free indices are the formula's, then the new ones; its groups say so.
    """
    inp = formula.input(wrt)
    at, order = tuple(at), tuple(order or at)
    if len(at) != len(inp.shape) or set(order) != set(at):
        raise DerivationError(f"d/d{wrt}: need {len(inp.shape)} distinct index symbols")
    if {s.name for s in at} & {i.symbol.name for i in formula.free}:
        raise DerivationError(f"d/d{wrt}: new indices must differ from the formula's")
    dims = dict(zip(at, inp.shape))
    free = formula.free + tuple(Index(s, 1, dims[s]) for s in order)
    target = inp.base[at]
    component = r"\frac{\partial %s}{\partial %s}" % (
        formula.lhs_latex(), formula_latex(target, formula.inputs, at))
    body, steps = _differentiate(formula.body, target, free, formula.inputs, component)
    head = head or r"\frac{\partial %s}{\partial %s}" % (formula.head, inp.display)
    result = TensorFormula(head, free, body, formula.inputs, (len(formula.free), len(at)))
    return tensor(result, steps)


def chain(formula: TensorFormula, upstream: Input, wrt: str, at: Sequence[sp.Symbol],
          order: Sequence[sp.Symbol] | None = None, head: str | None = None) -> Derivation:
    """``d l / d wrt[at] = sum_out upstream[out] d formula[out] / d wrt[at]`` (chain rule).

    ``upstream`` is the given gradient ``dl/d formula``, indexed like the formula's free indices.
    """
    if tuple(upstream.shape) != formula.shape:
        raise DerivationError(f"upstream {upstream.name}: shape {upstream.shape} is not "
                              f"{formula.shape}")
    out = [i.symbol for i in formula.free]
    limits = [(i.symbol, i.lo, i.hi) for i in reversed(formula.free)]
    contraction = sp.Sum(upstream.base[tuple(out)] * formula.body, *limits)
    scalar = TensorFormula(r"\ell", (), contraction, (upstream,) + formula.inputs)
    result = derivative(scalar, wrt, at, order, head or r"\frac{\partial \ell}{\partial %s}"
                        % formula.input(wrt).display)
    inputs = scalar.inputs
    sums = formula_latex(sp.Sum(sp.Symbol("BODY"), *limits), inputs, out).replace("BODY", "")
    rule = Step(r"\frac{\partial \ell}{\partial %s}" % formula_latex(
        formula.input(wrt).base[tuple(at)], inputs, at),
        r"%s%s \frac{\partial %s}{\partial %s}" % (
            sums, formula_latex(upstream.base[tuple(out)], inputs, out), formula.lhs_latex(),
            formula_latex(formula.input(wrt).base[tuple(at)], inputs, at)),
        "chain rule over the output indices")
    return Derivation(expr=result.expr, latex=result.latex, lhs=result.lhs,
                      steps=(rule,) + result.steps, meta=result.meta)


# --- delta elimination -------------------------------------------------------------------------

def _differentiate(body, target, free, inputs, component):
    """Differentiate every flattened summand by ``target`` and eliminate the deltas."""
    clash = {s.name for s in body.free_symbols if isinstance(s, sp.Symbol)}
    clash |= {i.symbol.name for i in free}
    body = _rename_bound(body, clash, clash | {s.name for s in body.atoms(sp.Symbol)})
    box = {i.symbol: (i.lo, i.hi) for i in free}
    symbols = [i.symbol for i in free]
    steps, terms = [], []
    for limits, summand in _flatten(body):
        d = sp.diff(summand, target)  # Indexed by Indexed: a product of Kronecker deltas
        if d == 0:
            continue
        shown = sp.Sum(d, *limits) if limits else d
        steps.append(Step(component, formula_latex(shown, inputs, symbols),
                          "differentiate the summand: each matching index pair gives a delta"))
        for term in sp.Add.make_args(sp.expand(d)):
            terms.append(_eliminate(term, list(limits), box, steps, inputs, symbols))
    result = _restore_names(sp.Add(*terms), {s.name for s in symbols})
    steps.append(Step(component, formula_latex(result, inputs, symbols), "result"))
    return result, tuple(steps)


def _eliminate(term, limits, box, steps, inputs, symbols):
    """Remove the sums pinned by the deltas of one product term; ranges become conditions."""
    factors = sp.Mul.make_args(term)
    pending = [f.args[0] - f.args[1] for f in factors if isinstance(f, sp.KroneckerDelta)]
    rest = sp.Mul(*[f for f in factors if not isinstance(f, sp.KroneckerDelta)])
    conds = []  # (expr, lo, hi): lo <= expr <= hi
    while pending:
        e = sp.expand(pending.pop(0))
        pick = next((lim for lim in limits if _pins(e, lim[0])), None)
        if pick is None:  # a delta between free indices: a condition e = 0
            conds.append((e, sp.Integer(0), sp.Integer(0)))
            continue
        v, lo, hi = pick
        coeff = e.coeff(v)
        sub = {v: sp.expand(-(e - coeff * v) * coeff)}  # coeff is +-1
        limits.remove(pick)
        limits = [(w, a.xreplace(sub), b.xreplace(sub)) for w, a, b in limits]
        rest = rest.xreplace(sub)
        pending = [p.xreplace(sub) for p in pending]
        conds = [(c.xreplace(sub), a, b) for c, a, b in conds] + [(sub[v], lo, hi)]
        steps.append(Step(sp.latex(v), _Printer(inputs, symbols)._affine(sub[v]),
                          r"a delta pins the summation index; $%s \leq %s \leq %s$ becomes a "
                          r"condition" % (sp.latex(lo), sp.latex(v), sp.latex(hi))))
    return _guarded(rest, limits, conds, box, steps, _Printer(inputs, symbols))


def _guarded(rest, limits, conds, box, steps, printer):
    """``rest`` summed over the remaining limits, under the conditions that can fail."""
    full_box = {**box, **{w: (a, b) for w, a, b in limits}}
    kept = []
    for cond in conds:
        reduced = _reduce(cond, full_box)
        if reduced is None:
            return sp.Integer(0)  # never holds
        if not reduced:
            steps.append(Step(printer._conditions(sp.And(*_relations(cond))), r"\text{true}",
                              "holds for every index in range: dropped"))
        kept += reduced
    bound = {w for w, _, _ in limits}
    inner = [c for c in kept if c.free_symbols & bound]
    outer = [c for c in kept if not c.free_symbols & bound]
    expr = sp.Piecewise((rest, sp.And(*inner)), (0, True)) if inner else rest
    expr = sp.Sum(expr, *limits) if limits else expr
    return sp.Piecewise((expr, sp.And(*outer)), (0, True)) if outer else expr


def _pins(e, v) -> bool:
    coeff = e.coeff(v)
    return e.has(v) and coeff in (1, -1) and not (e - coeff * v).has(v)


def _extent(e, box):
    """(min, max) of ``e`` over the box when it is affine in the box's indices, else None."""
    lo = hi = e
    for v, (a, b) in box.items():
        c = sp.expand(e).coeff(v)
        if c == 0:
            continue
        if c.has(*box) or not (c.is_nonnegative or c.is_nonpositive):
            return None
        small, large = (a, b) if c.is_nonnegative else (b, a)
        lo, hi = lo.subs(v, small), hi.subs(v, large)
    if (lo.free_symbols | hi.free_symbols) & set(box):
        return None
    return sp.simplify(lo), sp.simplify(hi)


def _relations(cond):
    e, lo, hi = cond
    return [sp.Eq(e, lo)] if lo == hi else [sp.Le(lo, e), sp.Le(e, hi)]


def _reduce(cond, box):
    """The relations left of ``lo <= e <= hi`` on the box; None when it never holds."""
    e, lo, hi = cond
    ext = _extent(e, box)
    if ext is None:
        return _relations(cond)
    low, high = ext
    if (low - hi).is_positive or (lo - high).is_positive:
        return None
    keep_lo = not (low - lo).is_nonnegative
    keep_hi = not (hi - high).is_nonnegative
    if lo == hi and (keep_lo or keep_hi):
        return _relations(cond)
    return [r for r, keep in ((sp.Le(lo, e), keep_lo), (sp.Le(e, hi), keep_hi)) if keep]


# --- bound indices ------------------------------------------------------------------------------

def _rename_bound(e, clash: set, taken: set):
    """Rename summation indices that clash with a free index or with another sum's index
    (primes: ``k'``), innermost first, to names not ``taken``; every sum then binds its own."""
    if not e.args or isinstance(e, sp.Indexed):
        return e
    e = e.func(*[_rename_bound(a, clash, taken) for a in e.args])
    if isinstance(e, sp.Sum):
        sub = {}
        for v, *_ in e.limits:
            name = v.name
            if name in clash:
                name += "'"
                while name in taken:
                    name += "'"
            clash.add(name)
            taken.add(name)
            if name != v.name:
                sub[v] = index(name)
        e = e.xreplace(sub)
    return e


def _flatten(e):
    """``e`` as a list of (limits, summand) terms without nested sums (limits innermost first)."""
    if isinstance(e, sp.Add):
        return [t for a in e.args for t in _flatten(a)]
    if isinstance(e, sp.Sum):
        outer = tuple(tuple(lim) for lim in e.limits)
        return [(limits + outer, s) for limits, s in _flatten(e.function)]
    if isinstance(e, sp.Mul):
        terms = [((), sp.Integer(1))]
        for factor in e.args:
            terms = [(l1 + l2, s1 * s2) for l1, s1 in terms for l2, s2 in _flatten(factor)]
        return terms
    return [((), e)]


def _restore_names(e, free_names: set):
    """Drop the primes of summation indices that no longer clash with a free index."""
    sub, used = {}, set(free_names) | {s.name for s in e.atoms(sp.Symbol)}
    for s in e.atoms(sp.Sum):
        for v, *_ in s.limits:
            base = v.name.rstrip("'")
            if base != v.name and base not in used:
                sub[v] = index(base)
                used.add(base)
    return e.xreplace(sub)
