"""LaTeX for matrix expressions, in the notation of the sheets (``\\operatorname{diag}``,
``\\odot``, ``^\\top``, ``h[t-1]``)."""

from __future__ import annotations

from functools import singledispatch

import sympy as sp

from nablagrade.derive.mexpr import (Add, Apply, Coef, Deriv, Diag, Hadamard, Identity, Mul,
                                     Ones, SoftmaxAt, Sum, Transpose, Var, Zero)

FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "exp": r"\exp"}


def index_latex(index) -> str:
    return sp.latex(sp.sympify(index)).replace(" ", "")


@singledispatch
def to_latex(e) -> str:
    raise TypeError(f"no LaTeX for {type(e).__name__}")


@to_latex.register
def _(e: Var):
    base = e.tex or e.name
    return base if e.index is None else f"{base}[{index_latex(e.index)}]"


@to_latex.register
def _(e: Zero):
    return "0"


@to_latex.register
def _(e: Ones):
    return "1"  # as on the sheets: 1 - c[t]


@to_latex.register
def _(e: Identity):
    return "I"


@to_latex.register
def _(e: Coef):
    return sp.latex(e.value)


@to_latex.register
def _(e: Add):
    out = to_latex(e.terms[0])
    for term in e.terms[1:]:
        text = to_latex(term)
        out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
    return out


def _factor(f) -> str:
    text = to_latex(f)
    if isinstance(f, (Add, Hadamard, Sum)) or (isinstance(f, Coef) and f.value.is_Add):
        return rf"\left({text}\right)"
    return text


@to_latex.register
def _(e: Mul):
    factors = list(e.factors)
    sign = ""
    if isinstance(factors[0], Coef) and factors[0].value == -1:
        sign, factors = "-", factors[1:]
    return sign + " ".join(_factor(f) for f in factors)


@to_latex.register
def _(e: Hadamard):
    def side(x):
        return rf"\left({to_latex(x)}\right)" if isinstance(x, (Add, Sum)) else to_latex(x)

    return rf"{side(e.a)} \odot {side(e.b)}"


@to_latex.register
def _(e: Transpose):
    inner = to_latex(e.a)
    if not isinstance(e.a, Var):
        inner = rf"\left({inner}\right)"
    return inner + r"^\top"


@to_latex.register
def _(e: Diag):
    return rf"\operatorname{{diag}}\left({to_latex(e.v)}\right)"


@to_latex.register
def _(e: Apply):
    return rf"{FUNCTIONS[e.fn]}\left({to_latex(e.a)}\right)"


@to_latex.register
def _(e: SoftmaxAt):
    args = ", ".join(to_latex(w) for w in e.logits)
    return rf"\operatorname{{softmax}}\left({args}\right)_{{{e.i}}}"


@to_latex.register
def _(e: Deriv):
    return rf"\frac{{\partial {to_latex(e.num)}}}{{\partial {to_latex(e.den)}}}"


@to_latex.register
def _(e: Sum):
    var, lo, hi = (sp.latex(x) for x in (e.var, e.lo, e.hi))
    body = to_latex(e.body)
    if isinstance(e.body, Add):
        body = rf"\left({body}\right)"
    return rf"\sum_{{{var}={lo}}}^{{{hi}}} {body}"
