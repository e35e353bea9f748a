"""Convolutions: output sizes (numbers and the general formula) and the forward and backward
pass of a strided 1-D convolution layer in index notation (000 §1.1).

Every answer comes out of the engine: sizes from the sliding-window count
(`nablagrade.derive.window`), the layer's formula from the window's taps, its derivatives by
delta elimination (`nablagrade.derive.index`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy as sp

from nablagrade.derive.index import (Index, Input, TensorFormula, chain, derivative,
                                     index, index_latex, tensor)
from nablagrade.derive.shapes import shape
from nablagrade.derive.solution import Step
from nablagrade.derive.window import tap, window_count
from nablagrade.problems.model import Constraint, Param, Part, problem


def _fits(size: str, kernel: str, axis: str) -> Constraint:
    """The padded input must hold at least one (dilated) window along ``axis``."""
    return Constraint(
        lambda p: p[size] + 2 * p.P >= p.D * (p[kernel] - 1) + 1,
        f"the padded {axis} {size} + 2P must be at least the dilated kernel {axis} "
        f"D({kernel} - 1) + 1 (no window fits)", (size, "P", "D", kernel))


@problem(
    "conv.output-shape",
    title="Output size of a 2-D convolution",
    statement=r"An input image of size $H \times W$ goes through a convolution with an "
              r"$K_H \times K_W$ kernel, stride $S$ (or $S_H, S_W$), padding $P$ and dilation "
              r"$D$. What is the size of the output (height $\times$ width, with $F$ filters "
              r"$F \times$ height $\times$ width)?",
    params=(
        Param("H", "int", 11, "input height", min=1),
        Param("W", "int", 21, "input width", min=1),
        Param("KH", "int", 5, "kernel height", min=1, latex="K_H"),
        Param("KW", "int", 4, "kernel width", min=1, latex="K_W"),
        # A stride left out is 1; the sheet's instance (stride 4) is the problem's example.
        Param("S", "int", 1, "stride (both axes)", min=1),
        Param("SH", "int", None, "vertical stride (overrides S)", min=1, latex="S_H"),
        Param("SW", "int", None, "horizontal stride (overrides S)", min=1, latex="S_W"),
        Param("P", "int", 0, "zero padding on each side", min=0),
        Param("D", "int", 1, "dilation", min=1),
        Param("F", "int", None, "number of filters (optional)", min=1),
    ),
    parts=(Part("shape", "shape", r"The output dimension $H_{\mathrm{out}} \times "
                                  r"W_{\mathrm{out}}$ ($F \times H_{\mathrm{out}} \times "
                                  r"W_{\mathrm{out}}$ when $F$ is given)."),),
    constraints=(_fits("H", "KH", "height"), _fits("W", "KW", "width")),
    source="000 §1.1a",
    example={"H": 11, "W": 21, "KH": 5, "KW": 4, "S": 4},
)
def output_shape(p):
    rows = window_count(p.H + 2 * p.P, p.KH, p.SH or p.S, p.D, label=r"H_{\mathrm{out}}")
    cols = window_count(p.W + 2 * p.P, p.KW, p.SW or p.S, p.D, label=r"W_{\mathrm{out}}")
    dims = ([p.F] if p.F is not None else []) + [rows.count, cols.count]
    return {"shape": shape(dims, steps=rows.steps + cols.steps)}


@problem(
    "conv.output-shape-formula",
    title="Output size of a convolutional layer, in general",
    statement=r"An input of size $C \times H \times W$ goes through a convolutional layer with "
              r"$F$ filters of size $K \times K$, padding $P$, stride $S$ and dilation $D$ "
              r"(assume $H + 2P \geq D(K-1) + 1$ and the same for $W$). What is the size of "
              r"the output?",
    params=tuple(Param(n, "dim", None, doc, min=0 if n == "P" else 1) for n, doc in (
        ("C", "input channels"), ("H", "input height"), ("W", "input width"),
        ("K", "kernel size"), ("P", "padding"), ("S", "stride"), ("D", "dilation"),
        ("F", "filters"))),
    parts=(Part("shape", "shape", r"The dimension of the output, as a formula."),),
    constraints=(_fits("H", "K", "height"), _fits("W", "K", "width")),
    source="000 §1.1b",
)
def output_shape_formula(p):
    rows = window_count(p.H + 2 * p.P, p.K, p.S, p.D, label=r"H_{\mathrm{out}}")
    cols = window_count(p.W + 2 * p.P, p.K, p.S, p.D, label=r"W_{\mathrm{out}}")
    return {"shape": shape([p.F, rows.count, cols.count], steps=rows.steps + cols.steps)}


_R, _O, _F, _K, _I = (index(n) for n in "rofki")

_SIZES = (
    Param("C", "dim", 5, "input channels", min=1),
    Param("L", "dim", 7, "input length", min=1),
    Param("K", "dim", 3, "kernel size", min=1),
    Param("S", "dim", 2, "stride", min=1),
    Param("F", "dim", 1, "filters", min=1),
)

_EXPLAIN = (
    r"Like the forward pass, $\partial\ell/\partial W$ is a convolution (a cross-correlation): "
    r"of the input $x$ with the upstream gradient $g = \partial\ell/\partial f_W(x)$, which "
    r"plays the kernel, summed over the output positions $r = 1..O$ instead of the taps and "
    r"channels. The difference: the stride $S$ of the forward pass becomes a dilation $S$ of "
    r"this kernel ($g[r]$ meets $x[S(r-1)+i]$), and the backward convolution has stride 1.")


@problem(
    "conv1d.backprop",
    title="A strided 1-D convolution layer, forward and backward",
    statement=r"An input $x[n] \in \mathbb{R}^C$, $1 \leq n \leq L$ ($x[n][k]$: position $n$, "
              r"channel $k$), goes through a convolutional layer $f_W$ with $F$ filters of "
              r"kernel size $K$, stride $S$, no padding, no dilation, no bias and no "
              r"non-linearity; $W \in \mathbb{R}^{F \times C \times K}$. "
              r"Convolution means cross-correlation. Use numerator layout; "
              r"$g = \partial\ell/\partial f_W(x)$ is given.",
    params=_SIZES,
    parts=(
        Part("out-shape", "shape", r"The dimension of $f_W(x)$."),
        Part("out-expr", "tensor", r"An expression for the elements of $f_W(x)$."),
        Part("dfdW-shape", "shape", r"The dimension of $\frac{\partial f_W(x)}{\partial W}$."),
        Part("dfdW-expr", "tensor", r"The elements of $\frac{\partial f_W(x)}{\partial W}$."),
        Part("dfdx-shape", "shape", r"The dimension of $\frac{\partial f_W(x)}{\partial x}$."),
        Part("dfdx-expr", "tensor", r"The elements of $\frac{\partial f_W(x)}{\partial x}$."),
        Part("dldW-shape", "shape", r"The dimension of $\frac{\partial \ell}{\partial W}$."),
        Part("dldW-expr", "tensor", r"An expression for $\frac{\partial \ell}{\partial W}$."),
        Part("dldW-explain", "text", r"Explain the similarities and differences of this "
                                     r"expression and the forward expression.",
             reference=_EXPLAIN,
             rubric=(("dilat",), ("stride",), ("convolution", "correlation"))),
    ),
    constraints=(Constraint(lambda p: p.L >= p.K, "the input length L must be at least the "
                            "kernel size K (no window fits)", ("L", "K")),),
    source="000 §1.1c",
)
def conv1d_backprop(p):
    return dict(_conv1d(p.C, p.L, p.K, p.S, p.F))


@lru_cache(maxsize=64)
def _conv1d(C, L, K, S, F):
    """All parts at one parameter set (cached: the derivation is the same every time)."""
    count = window_count(L, K, S, label="O")
    out = (Index(_R, 1, count.count),) if F == 1 else (Index(_O, 1, F), Index(_R, 1, count.count))
    forward, steps = _forward(C, L, K, S, F, out)
    upstream = Input("g", forward.shape)
    dfdW = derivative(forward, "W", (_F, _K, _I))
    dfdx = derivative(forward, "x", (_I, _K), order=(_K, _I))  # [r, k, i]: x[i][k]
    dldW = chain(forward, upstream, "W", (_F, _K, _I))
    layout = "numerator layout: the output's dims, then those of the variable"
    # A derivative by x may also list x's axes in x's own order (position, channel), as the
    # sheet indexes x[n][k]: the expression, not the shape, shows which order is meant.
    by_x = forward.shape + forward.input("x").shape
    parts = (
        ("out-shape", shape(forward.shape, space=True, steps=count.steps, lhs="f_W(x)",
                            meta={"also": _also(F, forward.shape)})),
        ("out-expr", tensor(forward, count.steps + steps)),
        ("dfdW-shape", _shape_of(dfdW, r"\frac{\partial f_W(x)}{\partial W}", layout,
                                 _also(F, dfdW.expr.shape))),
        ("dfdW-expr", dfdW),
        ("dfdx-shape", _shape_of(dfdx, r"\frac{\partial f_W(x)}{\partial x}", layout,
                                 _also(F, dfdx.expr.shape, by_x))),
        ("dfdx-expr", dfdx),
        ("dldW-shape", _shape_of(dldW, r"\frac{\partial \ell}{\partial W}",
                                 "a scalar's derivative has the shape of the variable")),
        ("dldW-expr", dldW),
    )
    names = {"names": _names()}
    return tuple((pid, replace(d, meta={**d.meta, **names})) for pid, d in parts)


@lru_cache(maxsize=1)
def _names() -> dict:
    """The names the statement defines, as formulas in the parameters (answers may use them):
    O, the number of windows."""
    size = {p.name: p.symbol() for p in _SIZES}
    return {"O": window_count(size["L"], size["K"], size["S"]).count}


def _also(F, dims: tuple, *others: tuple) -> tuple:
    """The other right writings of the shape ``dims``: ``others``, and, when F = 1, each of them
    and ``dims`` with the filter axis the engine drops written as a leading 1 (``1 x O``)."""
    return others + (tuple((1,) + form for form in (dims,) + others) if F == 1 else ())


def _forward(C, L, K, S, F, out):
    """``f_W(x)[r]`` from the definition of cross-correlation, read through strided windows."""
    x = Input("x", (L, C), axes=("position", "channel"))
    W = Input("W", (F, C, K), style="subscript", axes=("filter", "channel", "tap"))
    filt = out[0].symbol if F != 1 else sp.Integer(1)
    body = sp.Sum(x.base[tap(_R, _I, S), _K] * W.base[filt, _K, _I], (_I, 1, K), (_K, 1, C))
    formula = TensorFormula("f_W(x)", out, body, (x, W))
    steps = (
        Step("s[n]", r"\sum_m x[n+m]\, k[m]", "cross-correlation: the kernel is not flipped"),
        Step(r"p_r(i)", index_latex(tap(_R, _I, S), (_R, _I)),
             "window r starts at S(r-1)+1; tap i reads the next position (no dilation)"),
        Step(formula.lhs_latex(), formula.rhs_latex(),
             "sum over the taps i of the window and over the channels k"),
    )
    return formula, steps


def _shape_of(derivation, lhs, note, also=()):
    """The shape of a derived tensor: its free indices' ranges, grouped output | variable."""
    formula = derivation.expr
    plain = shape(formula.shape, groups=formula.groups)
    return shape(formula.shape, groups=formula.groups, space=True, lhs=lhs, meta={"also": also},
                 steps=(Step(r"\operatorname{shape}\left(%s\right)" % lhs, plain.latex, note),))
