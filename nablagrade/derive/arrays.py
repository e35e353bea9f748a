"""Convolutions on explicit arrays whose entries are numbers or sympy expressions.

Owns: zero padding; strided 1-D and 2-D cross-correlation ("convolution" in deep learning: the
kernel is not flipped); transpose convolution by its scatter-add definition; the matrix of a linear
map (the Jacobian of its symbolic output by its input); recovering a filter from a signal and an
output (a linear system); the input gradient of a correlation (the Jacobian transposed times the
upstream gradient); and the `Derivation` of an explicit array or sequence.

1-D arrays are tuples of sympy expressions, 2-D arrays immutable sympy matrices.

>>> correlate1d((1, 4, 0, -2, 3), (2, -1, 3))
(-2, 2, 11)
>>> transpose_correlate1d(sp.symbols("a b c"), sp.symbols("x y z"), stride=2)
(a*x, a*y, a*z + b*x, b*y, b*z + c*x, c*y, c*z)
"""

from __future__ import annotations

from typing import Iterable, Sequence

import sympy as sp

from nablagrade.derive.scalar import exact, latex, numeric
from nablagrade.derive.solution import Derivation, Step
from nablagrade.errors import DerivationError


class NoUniqueSolution(DerivationError):
    """A linear system of the engine has no solution, or more than one."""

    def __init__(self, message: str, count: str):
        super().__init__(message)
        self.count = count  # "none" or "many"


def vector(values: Iterable) -> tuple:
    return tuple(exact(v) for v in values)


def matrix(rows) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[exact(v) for v in row] for row in rows])


def symbols(name: str, n: int, **assumptions) -> tuple:
    """``name_1 .. name_n`` (1-based, as on the sheets)."""
    return tuple(sp.Symbol(f"{name}_{i}", **assumptions) for i in range(1, n + 1))


def symbol_grid(name: str, rows: int, cols: int, **assumptions) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1},{j + 1}}}",
                                                                 **assumptions))


def out_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a correlation: ``floor((n + 2P - K) / S) + 1``."""
    if stride < 1 or padding < 0:
        raise ValueError(f"stride must be >= 1 and padding >= 0, got {stride}, {padding}")
    if k > n + 2 * padding:
        raise ValueError(f"a kernel of size {k} does not fit in {n} entries padded by {padding}")
    return (n + 2 * padding - k) // stride + 1


def pad1d(x: Sequence, padding: int) -> tuple:
    return (sp.Integer(0),) * padding + tuple(x) + (sp.Integer(0),) * padding


def pad2d(image: sp.Matrix, padding: int) -> sp.ImmutableMatrix:
    rows, cols = image.shape
    return sp.ImmutableMatrix(rows + 2 * padding, cols + 2 * padding,
                              lambda i, j: image[i - padding, j - padding]
                              if padding <= i < rows + padding and padding <= j < cols + padding
                              else 0)


def correlate1d(x: Sequence, w: Sequence, stride: int = 1, padding: int = 0) -> tuple:
    """``out[r] = sum_i xp[S r + i] w[i]`` (0-based) with ``xp`` the zero-padded input."""
    x, w = vector(x), vector(w)
    xp = pad1d(x, padding)
    n = out_size(len(x), len(w), stride, padding)
    return tuple(sp.expand(sum(xp[stride * r + i] * w[i] for i in range(len(w))))
                 for r in range(n))


def correlate2d(image, kernel, stride: int = 1, padding: int = 0) -> sp.ImmutableMatrix:
    """``out[r, c] = sum_{i,j} Xp[S r + i, S c + j] K[i, j]`` (0-based)."""
    image, kernel = sp.ImmutableMatrix(image), sp.ImmutableMatrix(kernel)
    xp = pad2d(image, padding)
    (kh, kw), (h, w) = kernel.shape, image.shape
    rows, cols = out_size(h, kh, stride, padding), out_size(w, kw, stride, padding)
    return sp.ImmutableMatrix(rows, cols, lambda r, c: sp.expand(sum(
        xp[stride * r + i, stride * c + j] * kernel[i, j] for i in range(kh) for j in range(kw))))


def transpose_correlate1d(z: Sequence, w: Sequence, stride: int = 1, padding: int = 0,
                          size: int | None = None) -> tuple:
    """Scatter-add: ``z[r]`` times the filter lands at ``S r``; overlaps are summed.

    The full result has ``(n-1) S + K`` entries; ``size`` (the length of the correlation's
    padded input) extends it with zeros, then ``padding`` entries are cropped from each end.
    """
    z, w = vector(z), vector(w)
    full = max((len(z) - 1) * stride + len(w), size or 0)
    out = [sp.Integer(0)] * full
    for r, zr in enumerate(z):
        for i, wi in enumerate(w):
            out[stride * r + i] += zr * wi
    return tuple(out[padding:full - padding])


def transpose_correlate2d(inputs, kernel, stride: int = 1, padding: int = 0) -> sp.ImmutableMatrix:
    """2-D scatter-add: ``inputs[r, c]`` times the kernel lands at ``(S r, S c)``."""
    inputs, kernel = sp.ImmutableMatrix(inputs), sp.ImmutableMatrix(kernel)
    (h, w), (kh, kw) = inputs.shape, kernel.shape
    out = sp.zeros((h - 1) * stride + kh, (w - 1) * stride + kw)
    for r in range(h):
        for c in range(w):
            out[stride * r:stride * r + kh, stride * c:stride * c + kw] += inputs[r, c] * kernel
    rows, cols = out.shape
    return sp.ImmutableMatrix(out[padding:rows - padding, padding:cols - padding])


def map_matrix(outputs: Sequence, inputs: Sequence) -> sp.ImmutableMatrix:
    """The matrix ``A`` of a linear map ``outputs = A inputs``: its Jacobian."""
    jacobian = sp.Matrix(list(outputs)).jacobian(sp.Matrix(list(inputs)))
    if any(entry.free_symbols & set(inputs) for entry in jacobian):
        raise DerivationError("the map is not linear in its inputs")
    return sp.ImmutableMatrix(jacobian)


def input_gradient(outputs: Sequence, inputs: Sequence, upstream: Sequence) -> tuple:
    """``J^T g``: the gradient by the inputs of ``sum_r g[r] outputs[r]``."""
    jacobian = sp.Matrix(list(outputs)).jacobian(sp.Matrix(list(inputs)))
    return tuple(sp.expand(v) for v in jacobian.T * sp.Matrix(vector(upstream)))


def recover_filter(signal: Sequence, output: Sequence, size: int, stride: int = 1,
                   padding: int = 0) -> tuple:
    """The filter ``w`` of length ``size`` with ``correlate1d(signal, w) == output``.

    Raises :class:`NoUniqueSolution` when no filter or infinitely many fit.
    """
    unknown = symbols("w", size)
    equations = [lhs - exact(o) for lhs, o in
                 zip(correlate1d(signal, unknown, stride, padding), output, strict=True)]
    solutions = sp.linsolve(equations, unknown)
    if solutions == sp.EmptySet:
        raise NoUniqueSolution(f"no filter of length {size} maps this signal to this output",
                               "none")
    (solution,) = solutions
    free = set().union(*(v.free_symbols for v in solution)) & set(unknown)
    if free:
        raise NoUniqueSolution(f"infinitely many filters of length {size} map this signal to this "
                               f"output ({len(free)} free)", "many")
    return tuple(solution)


def bmatrix(entries) -> str:
    """LaTeX of a 1-D (one row) or 2-D array."""
    rows = entries.tolist() if isinstance(entries, sp.MatrixBase) else [list(entries)]
    body = r" \\ ".join(" & ".join(latex(v) for v in row) for row in rows)
    return r"\begin{bmatrix} %s \end{bmatrix}" % body


def array(entries, *, lhs: str = "", steps: Iterable[Step] = (), meta=None) -> Derivation:
    """An array answer: floats (``None`` where an entry is symbolic) nested as the array."""
    if isinstance(entries, sp.MatrixBase):
        entries = sp.ImmutableMatrix(entries)
        value = [[numeric(v) for v in row] for row in entries.tolist()]
    else:
        entries = tuple(exact(v) for v in entries)
        value = [numeric(v) for v in entries]
    return Derivation(expr=entries, latex=bmatrix(entries), value=value, steps=tuple(steps),
                      lhs=lhs, meta=dict(meta or {}))


def sequence(entries: Iterable, *, lhs: str = "", steps: Iterable[Step] = (),
             meta=None) -> Derivation:
    """A sequence answer ``(a_1, ..., a_n)``: floats where numeric, else ``None``."""
    entries = tuple(exact(v) for v in entries)
    text = r"\left(%s\right)" % ", ".join(latex(v) for v in entries)
    return Derivation(expr=entries, latex=text, value=[numeric(v) for v in entries],
                      steps=tuple(steps), lhs=lhs, meta=dict(meta or {}))
