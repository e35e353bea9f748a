"""Convolutions computed on explicit arrays: filter recovery, transpose convolution, a 5x5 image's
feature map and input gradient, and convolutions written as matrices (003 Q6, 004 Q5)."""

from __future__ import annotations

import sympy as sp

from nablagrade.derive import arrays
from nablagrade.derive.arrays import array, sequence
from nablagrade.derive.scalar import formula, latex
from nablagrade.derive.solution import Step
from nablagrade.errors import DerivationError, ParamError
from nablagrade.problems.model import Param, Part, problem

STRIDE = Param("stride", "int", 1, "stride", min=1)
PADDING = Param("padding", "int", 0, "zero padding on each side", min=0)
SIZES = (Param("L", "int", 5, "input length", min=1), Param("K", "int", 3, "filter length", min=1),
         Param("S", "int", 1, "stride", min=1), Param("P", "int", 0, "zero padding", min=0))


def _check_fit(pid: str, name: str, kernel: tuple, image: tuple, padding: int) -> None:
    """A kernel must fit inside the padded input along every axis."""
    if any(k > n + 2 * padding for k, n in zip(kernel, image)):
        shape = "x".join(map(str, kernel)), "x".join(map(str, image))
        raise ParamError(pid, name, f"the {shape[0]} kernel is bigger than the {shape[1]} input "
                                    f"padded by {padding}")


def _times(stride: int) -> str:
    return "" if stride == 1 else f"{stride} "


def _weights(n: int) -> tuple:
    return arrays.symbols("w", n, real=True)


# The known mistake of these problems: convolution taken as a true convolution, which flips
# the kernel. The engine derives its answer too, from the kernel flipped; an answer equal to it
# is diagnosed ``flipped``.

def _filters(n: int) -> tuple:
    """The filter ``w_1 .. w_n``, and the same filter reversed."""
    return _weights(n), _weights(n)[::-1]


def _kernels(kernel) -> tuple:
    """The kernel, and the same kernel rotated by 180 degrees."""
    return arrays.matrix(kernel), arrays.matrix([row[::-1] for row in kernel[::-1]])


def _flipped(answer) -> dict:
    return {"variants": {"flipped": answer}}


@problem(
    "conv1d.filter-recovery",
    title="Recover a filter from a signal and its convolution",
    statement=r"A 1-D signal is convolved (cross-correlated, no flip) with an unknown filter. "
              r"Given the signal and the output, what was the filter?",
    params=(Param("signal", "list", (1, 4, 0, -2, 3), "the input signal"),
            Param("output", "list", (-2, 2, 11), "the convolution's output"),
            Param("K", "int", 3, "filter length", min=1), STRIDE, PADDING),
    parts=(Part("filter", "array", r"The filter $[w_1, \dots, w_K]$."),),
    source="003 Q6(b)",
    priority="P1",
)
def filter_recovery(p):
    pid = "conv1d.filter-recovery"
    _check_fit(pid, "K", (p.K,), (len(p.signal),), p.padding)
    expected = arrays.out_size(len(p.signal), p.K, p.stride, p.padding)
    if len(p.output) != expected:
        raise ParamError(pid, "output", f"a length-{p.K} filter with stride {p.stride} gives "
                                        f"{expected} outputs, got {len(p.output)}")
    try:
        found = arrays.recover_filter(p.signal, p.output, p.K, p.stride, p.padding)
    except arrays.NoUniqueSolution as error:
        raise ParamError(pid, "output", str(error)) from None
    rows = arrays.correlate1d(p.signal, _weights(p.K), p.stride, p.padding)
    steps = tuple(Step(latex(o), latex(r), "output %d" % i)
                  for i, (o, r) in enumerate(zip(arrays.vector(p.output), rows), start=1))
    return {"filter": array(found, lhs=r"[w_1, \dots, w_{%d}]" % p.K,
                            steps=steps + (Step("w", arrays.bmatrix(found), "solve"),),
                            meta=_flipped(found[::-1]))}


@problem(
    "conv2d.transpose",
    title="A 2-D transpose convolution",
    statement=r"Transpose convolution multiplies each input entry by the whole filter and places "
              r"it at stride spacing in the output; overlaps are summed.",
    params=(Param("input", "matrix", ((-1, 2), (3, 1)), "the input"),
            Param("kernel", "matrix", ((1, -1), (0, 1)), "the filter"), STRIDE, PADDING),
    parts=(Part("output", "array", "The output of the transpose convolution."),),
    source="003 Q6(c)",
    priority="P1",
)
def transpose2d(p):
    size = [(n - 1) * p.stride + k for n, k in
            zip((len(p.input), len(p.input[0])), (len(p.kernel), len(p.kernel[0])))]
    if min(size) <= 2 * p.padding:
        raise ParamError("conv2d.transpose", "padding",
                         f"cropping {p.padding} from each side of a {size[0]}x{size[1]} result "
                         f"leaves nothing")
    out, flipped = (arrays.transpose_correlate2d(arrays.matrix(p.input), kernel, p.stride,
                                                 p.padding) for kernel in _kernels(p.kernel))
    return {"output": array(out, lhs=r"Y", steps=(Step("Y", arrays.bmatrix(out), "scatter-add"),),
                            meta=_flipped(flipped))}


@problem(
    "conv2d.numeric",
    title="A 5x5 image convolved with a 3x3 kernel, forward and backward",
    statement=r"An image is convolved (no flip, no bias) with a kernel. Upstream of the layer the "
              r"gradient is given (all ones unless stated).",
    params=(Param("image", "matrix", ((4, 5, 2, 2, 1), (3, 3, 2, 2, 4), (1, 3, 4, 1, 1),
                                      (5, 1, 4, 1, 2), (5, 1, 3, 1, 4)), "the image"),
            Param("kernel", "matrix", ((4, 3, 3), (5, 5, 5), (2, 4, 3)), "the kernel"),
            STRIDE, PADDING,
            Param("upstream", "matrix", None, "the upstream gradient (default: all ones)")),
    parts=(Part("count", "number", "How many values does the forward pass produce?"),
           Part("values", "array", "The values of the feature map."),
           Part("dx", "array", "The gradient with respect to the image.")),
    source="004 Q5A",
    priority="P1",
)
def numeric2d(p):
    pid = "conv2d.numeric"
    image = arrays.matrix(p.image)
    _check_fit(pid, "kernel", arrays.matrix(p.kernel).shape, image.shape, p.padding)
    (shape, values, dx), (_, values_flipped, dx_flipped) = (
        _forward_backward(pid, image, kernel, p) for kernel in _kernels(p.kernel))
    rows, cols = shape
    return {
        "count": formula(sp.Integer(rows * cols), lhs="n", steps=(
            Step("n", r"%d \times %d = %d" % (rows, cols, rows * cols), "output shape"),)),
        "values": array(values, lhs="C", meta=_flipped(values_flipped), steps=(
            Step("C(j,k)", r"\sum_{l}\sum_{m} I(%sj + l, %sk + m) K(l, m)"
                 % ((_times(p.stride),) * 2), "cross-correlation"),)),
        "dx": array(dx, lhs=r"\frac{\partial \ell}{\partial I}", meta=_flipped(dx_flipped),
                    steps=(Step(r"\frac{\partial \ell}{\partial I}",
                                r"J^\top g = " + arrays.bmatrix(dx),
                                "Jacobian transposed times the upstream gradient"),)),
    }


def _forward_backward(pid: str, image, kernel, p):
    """(output shape, feature map, gradient by the image) of one kernel."""
    grid = arrays.symbol_grid("x", *image.shape, real=True)
    symbolic = arrays.correlate2d(grid, kernel, p.stride, p.padding)
    upstream = sp.ones(*symbolic.shape) if p.upstream is None else arrays.matrix(p.upstream)
    if upstream.shape != symbolic.shape:
        raise ParamError(pid, "upstream", "must have the output's shape %dx%d, got %dx%d"
                         % (*symbolic.shape, *upstream.shape))
    values = symbolic.subs(dict(zip(grid, image)))
    dx = arrays.input_gradient(list(symbolic), list(grid), list(upstream))
    return symbolic.shape, values, sp.ImmutableMatrix(*image.shape, dx)


@problem(
    "conv1d.as-matrix",
    title="A 1-D convolution as a sparse, weight-shared matrix",
    statement=r"A 1-D convolution of an input $x_1, \dots, x_L$ with a filter $w_1, \dots, w_K$ "
              r"is a linear map; write it as a fully connected layer's weight matrix.",
    params=SIZES,
    parts=(Part("matrix", "array", r"The matrix $A$ with $f = A x$."),),
    source="004 Q5B",
    priority="P1",
)
def as_matrix(p):
    _check_fit("conv1d.as-matrix", "K", (p.K,), (p.L,), p.P)
    x = arrays.symbols("x", p.L, real=True)
    out, flipped = (arrays.correlate1d(x, w, p.S, p.P) for w in _filters(p.K))
    A = arrays.map_matrix(out, x)
    return {"matrix": array(A, lhs="A", meta=_flipped(arrays.map_matrix(flipped, x)), steps=(
        Step("f", arrays.bmatrix(out), "the convolution"),
        Step("A", r"\frac{\partial f}{\partial x} = " + arrays.bmatrix(A), "Jacobian")))}


@problem(
    "conv1d.transpose-as-matrix",
    title="A strided convolution and its transpose as matrices",
    statement=r"An input $x_1, \dots, x_L$ zero-padded by $P$ on each side is convolved with "
              r"$w_1, \dots, w_K$ at stride $S$. Then an input $z$ is up-sampled by the transpose "
              r"convolution with the same filter and output stride.",
    params=(Param("L", "int", 4, "input length", min=1),
            Param("K", "int", 3, "filter length", min=1),
            Param("S", "int", 2, "stride", min=1), Param("P", "int", 1, "zero padding", min=0)),
    parts=(Part("output", "sequence", "The output of the strided convolution."),
           Part("matrix", "array", r"The matrix $A$ with output $= A\,(0, x_1, \dots, x_L, 0)$."),
           Part("upsample", "sequence", r"The up-sampled $A^\top z$ (overlaps summed).")),
    source="004 Q5C",
    priority="P1",
)
def transpose_as_matrix(p):
    _check_fit("conv1d.transpose-as-matrix", "K", (p.K,), (p.L,), p.P)
    x = arrays.symbols("x", p.L, real=True)
    (out, A, up), flipped = (_strided(x, w, p) for w in _filters(p.K))
    xp, seq = arrays.bmatrix(arrays.pad1d(x, p.P)), sequence(out).latex
    z = arrays.symbols("z", len(out), real=True)
    return {
        "output": sequence(out, lhs="f", meta=_flipped(flipped[0]), steps=(
            Step("f", rf"A\,{xp}^\top = {seq}", "stride %d" % p.S),)),
        "matrix": array(A, lhs="A", meta=_flipped(flipped[1]), steps=(
            Step("A", rf"\frac{{\partial f}}{{\partial {xp}}} = {arrays.bmatrix(A)}",
                 "Jacobian"),)),
        "upsample": sequence(up, lhs=r"A^\top z", meta=_flipped(flipped[2]), steps=(
            Step(r"A^\top z", rf"{arrays.bmatrix(A.T)}{arrays.bmatrix(z)}^\top = "
                               + sequence(up).latex, "scatter-add: overlaps summed"),)),
    }


def _strided(x, w, p):
    """(output, matrix A, up-sampled A^T z) of the strided convolution with the filter ``w``."""
    padded = arrays.symbols("v", p.L + 2 * p.P, real=True)  # stand-ins for the padded input
    A = arrays.map_matrix(arrays.correlate1d(padded, w, p.S), padded)
    out = arrays.correlate1d(x, w, p.S, p.P)
    z = arrays.symbols("z", len(out), real=True)
    up = arrays.transpose_correlate1d(z, w, p.S, size=len(padded))
    _agree(A * sp.Matrix(arrays.pad1d(x, p.P)), out, "A x")
    _agree(A.T * sp.Matrix(z), up, "A^T z")
    return out, A, up


def _agree(left, right, what: str) -> None:
    """The two routes to one answer must agree; a disagreement is an engine bug."""
    if any(sp.expand(a - b) != 0 for a, b in zip(left, right, strict=True)):
        raise DerivationError(f"{what}: the matrix and the convolution disagree")
