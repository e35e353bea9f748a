"""LaTeX of index expressions: ``x[2(r-1)+i][k]``, ``W_{1,k,i}``, nested sums, cases.

This module owns how index notation is printed: `formula_latex` (a whole expression over
indexed inputs), `index_latex` (one index-valued expression, written from 1) and the printer
behind them, whose ``_affine`` and ``_conditions`` also word the steps of delta elimination in
`nablagrade.derive.index`. Inputs are duck-typed (`name`, `style`, `display`), so this module
does not import `nablagrade.derive.index`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter

from nablagrade.derive.shapes import dim_latex

if TYPE_CHECKING:
    from nablagrade.derive.index import Input


_FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "=="}
_LEQ = {"<=": r"\leq", "<": "<"}


def formula_latex(expr, inputs: Sequence[Input], free: Sequence[sp.Symbol] = ()) -> str:
    """LaTeX of an index expression; affine indices are written from 1 (``2(r-1) + i``)."""
    expr = sp.sympify(expr)
    bound = [v for s in sp.preorder_traversal(expr) if isinstance(s, sp.Sum)
             for v, *_ in s.limits]
    return _Printer(inputs, list(free) + bound).doprint(expr)


def index_latex(expr, indices: Sequence[sp.Symbol]) -> str:
    """LaTeX of an index-valued expression written from 1: ``2(r - 1) + i``."""
    return _Printer((), indices)._affine(sp.sympify(expr))


class _Printer(LatexPrinter):
    def __init__(self, inputs, variables):
        super().__init__({"ln_notation": True})
        self._inputs = {i.name: i for i in inputs}
        self._vars = list(dict.fromkeys(variables))

    def _print_Indexed(self, e):
        inp = self._inputs.get(str(e.base.label))
        idx = [self._affine(a) for a in e.indices]
        if inp is not None and inp.style == "subscript":
            return "%s_{%s}" % (inp.display, ",".join(idx))
        name = inp.display if inp else self._print(e.base.label)
        return name + "".join("[%s]" % t for t in idx)

    def _print_KroneckerDelta(self, e, exp=None):
        return r"\delta_{%s,%s}" % (self._affine(e.args[0]), self._affine(e.args[1]))

    def _print_Sum(self, e):
        sums = "".join(r"\sum_{%s=%s}^{%s} " % (self._print(v), self._print(lo), dim_latex(hi))
                       for v, lo, hi in reversed(e.limits))
        body = self._print(e.function)
        return sums + (r"\left(%s\right)" % body if isinstance(e.function, sp.Add) else body)

    def _print_Piecewise(self, e):
        rows = [r"%s & \text{otherwise}" % self._print(v) if c == sp.true else
                r"%s & \text{if } %s" % (self._print(v), self._conditions(c)) for v, c in e.args]
        return r"\begin{cases} %s \end{cases}" % r" \\ ".join(rows)

    def _print_Mul(self, e):
        """Products of inputs in the order the inputs are declared (``g[r] x[…][k]``)."""
        coeff, factors = e.as_coeff_mul()
        order = list(self._inputs)
        if not all(isinstance(f, sp.Indexed) and str(f.base.label) in order for f in factors):
            return super()._print_Mul(e)
        text = " ".join(self._print(f) for f in sorted(
            factors, key=lambda f: order.index(str(f.base.label))))
        if coeff == 1:
            return text
        return "-" + text if coeff == -1 else "%s %s" % (self._print(coeff), text)

    def _terms(self, e, always_shift=False):
        """Affine ``e`` as signed terms, ``c(v-1)`` for coefficients other than +-1, and the
        constant left over; None when ``e`` is not affine in the indices."""
        e = sp.expand(e)
        vs = [v for v in self._vars if e.has(v)]
        coeffs = {v: e.coeff(v) for v in vs}
        rest = sp.expand(e - sum(c * v for v, c in coeffs.items()))
        if not vs or rest.has(*vs) or any(c.has(*vs) for c in coeffs.values()):
            return None
        # Written from 1 (2(r - 1) + i) only when that absorbs the constant (not for 2j).
        shifted = sp.expand(rest + sum(c for c in coeffs.values() if c not in (1, -1)))
        shift = always_shift or sp.count_ops(shifted) < sp.count_ops(rest) or (
            shifted.is_number and rest.is_number and abs(shifted) < abs(rest))
        terms = []
        for v, c in coeffs.items():
            neg = c.could_extract_minus_sign()
            a = -c if neg else c
            text = r"\left(%s\right)" % self._print(a) if a.is_Add else self._print(a)
            if a == 1:
                terms.append((neg, 1, self._print(v)))
            elif shift:
                terms.append((neg, 0, "%s(%s - 1)" % (text, self._print(v))))
            else:
                terms.append((neg, 0, "%s %s" % (text, self._print(v))))
        return sorted(terms, key=lambda t: t[:2]), shifted if shift else rest

    def _join(self, terms, rest=0) -> str:
        if rest != 0:
            neg = rest.could_extract_minus_sign()
            terms = list(terms) + [(neg, 2, self._print(-rest if neg else rest))]
        text = "".join((" - " if neg else " + ") + t for neg, _, t in terms)
        return "0" if not text else text[3:] if text.startswith(" + ") else "-" + text[3:]

    def _affine(self, e) -> str:
        split = self._terms(e) if isinstance(sp.expand(e), sp.Add) else None
        return self._print(e) if split is None else self._join(*split)

    def _relation(self, rel):
        """(index part, operator, bound), the first unit-coefficient index made positive."""
        e, op = sp.expand(rel.lhs - rel.rhs), rel.rel_op
        shift = op != "=="  # the bounds of a window read best from 1: 1 <= i - 2(r - 1) <= 3
        split = self._terms(e, shift)
        if split is None:
            return None
        lead = next((t for t in split[0] if t[1] == 1), split[0][0])
        if lead[0]:
            e, op = -e, _FLIP[op]
            split = self._terms(e, shift)
        return split[0], op, -split[1]

    def _conditions(self, cond) -> str:
        """Chained ``lo \\leq e \\leq hi`` per index expression; ``c = f`` for equalities."""
        groups, texts = {}, []
        for rel in sp.And.make_args(cond):
            parts = self._relation(rel) if isinstance(rel, sp.core.relational.Relational) else None
            if parts is None:
                texts.append(self._print(rel))
                continue
            terms, op, bound = parts
            if op == "==":
                lhs = [t for t in terms if not t[0]]
                rhs = [(False,) + t[1:] for t in terms if t[0]]
                texts.append("%s = %s" % (self._join(lhs), self._join(rhs, bound)))
                continue
            side = 1 if op in _LEQ else 0
            groups.setdefault(self._join(terms), [None, None])[side] = (
                _LEQ.get(op) or _LEQ[_FLIP[op]], self._print(bound))
        for text, (low, high) in groups.items():
            if low:
                text = "%s %s %s" % (low[1], low[0], text)
            if high:
                text = "%s %s %s" % (text, high[0], high[1])
            texts.append(text)
        return r" \text{ and } ".join(texts)
