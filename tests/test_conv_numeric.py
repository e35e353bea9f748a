"""The convolution problems on explicit arrays against brute-force numpy loops: correlation by
explicit loops, transpose convolution by scatter loops and by A^T, input gradients by scatter."""

import numpy as np
import pytest
import sympy as sp

from nablagrade.derive import arrays, solve
from nablagrade.errors import ParamError

# --- independent oracles: plain loops over numpy arrays ------------------------------------


def loop_corr1d(x, w, stride=1, padding=0):
    xp = np.concatenate([np.zeros(padding), np.asarray(x, float), np.zeros(padding)])
    n = (len(xp) - len(w)) // stride + 1
    return np.array([sum(xp[r * stride + i] * w[i] for i in range(len(w))) for r in range(n)])


def loop_corr2d(x, k, stride=1, padding=0):
    x, k = np.asarray(x, float), np.asarray(k, float)
    xp = np.pad(x, padding)
    rows = (xp.shape[0] - k.shape[0]) // stride + 1
    cols = (xp.shape[1] - k.shape[1]) // stride + 1
    out = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            for i in range(k.shape[0]):
                for j in range(k.shape[1]):
                    out[r, c] += xp[r * stride + i, c * stride + j] * k[i, j]
    return out


def loop_scatter2d(z, k, stride=1, padding=0):
    z, k = np.asarray(z, float), np.asarray(k, float)
    out = np.zeros(((z.shape[0] - 1) * stride + k.shape[0], (z.shape[1] - 1) * stride + k.shape[1]))
    for r in range(z.shape[0]):
        for c in range(z.shape[1]):
            for i in range(k.shape[0]):
                for j in range(k.shape[1]):
                    out[r * stride + i, c * stride + j] += z[r, c] * k[i, j]
    return out[padding:out.shape[0] - padding, padding:out.shape[1] - padding]


def corr_matrix(n, w, stride):
    """The correlation's matrix, column by column: the response to each unit vector."""
    return np.stack([loop_corr1d(np.eye(n)[j], w, stride) for j in range(n)], axis=1)


def numbers(derivation):
    return np.array(derivation.value, dtype=float)


def weights(expr_matrix, w):
    """Numbers for w_1..w_K in a symbolic array."""
    subs = {sp.Symbol(f"w_{i}", real=True): v for i, v in enumerate(w, start=1)}
    return np.array(sp.Matrix(expr_matrix).xreplace(subs).tolist(), dtype=float)


rng = np.random.default_rng(182)

# --- conv1d.filter-recovery ----------------------------------------------------------------


def test_filter_recovery_catalogue_and_flip():
    d = solve("conv1d.filter-recovery").parts["filter"]
    assert d.value == [2.0, -1.0, 3.0]
    signal, output = [1, 4, 0, -2, 3], [-2, 2, 11]
    assert np.array_equal(loop_corr1d(signal, numbers(d)), output)
    # a true convolution flips the kernel: the flipped filter does not reproduce the output
    assert not np.array_equal(loop_corr1d(signal, numbers(d)[::-1]), output)
    assert d.latex == r"\begin{bmatrix} 2 & -1 & 3 \end{bmatrix}"


@pytest.mark.parametrize("L, K, stride, padding", [(7, 3, 1, 0), (9, 3, 2, 0), (6, 2, 1, 1),
                                                   (8, 4, 1, 2)])
def test_filter_recovery_random(L, K, stride, padding):
    for _ in range(3):
        signal = rng.integers(-5, 6, L).tolist()
        filt = rng.integers(-4, 5, K).tolist()
        output = loop_corr1d(signal, filt, stride, padding).tolist()
        params = dict(signal=signal, output=output, K=K, stride=stride, padding=padding)
        # the system's matrix, row r = the padded signal window that filter meets at output r
        xp = np.pad(np.asarray(signal, float), padding)
        windows = np.array([xp[r * stride:r * stride + K] for r in range(len(output))])
        if np.linalg.matrix_rank(windows) < K:
            with pytest.raises(ParamError, match="infinitely many"):
                solve("conv1d.filter-recovery", params)
            continue
        found = numbers(solve("conv1d.filter-recovery", params).parts["filter"])
        assert np.array_equal(found, filt)
        assert np.array_equal(loop_corr1d(signal, found, stride, padding), output)


@pytest.mark.parametrize("params, match", [
    (dict(signal=[1, 1, 1, 1, 1], output=[1, 2, 3]), r"parameter output: no filter"),
    (dict(signal=[0, 0, 0, 0, 0], output=[0, 0, 0]), r"parameter output: infinitely many"),
    (dict(output=[1, 2]), r"parameter output: .*gives 3 outputs, got 2"),
    (dict(K=6), r"parameter K: the 6 kernel is bigger than the 5 input"),
    (dict(stride=0), r"parameter stride: must be at least 1"),
    (dict(signal=[]), r"parameter signal"),
])
def test_filter_recovery_bad_params(params, match):
    with pytest.raises(ParamError, match=match):
        solve("conv1d.filter-recovery", params)


# --- conv2d.transpose ----------------------------------------------------------------------


def test_transpose2d_catalogue():
    d = solve("conv2d.transpose").parts["output"]
    assert d.value == [[-1.0, 3.0, -2.0], [3.0, -3.0, 1.0], [0.0, 3.0, 1.0]]
    assert d.latex.startswith(r"\begin{bmatrix} -1 & 3 & -2 \\")


@pytest.mark.parametrize("shape, kshape, stride, padding",
                         [((2, 3), (2, 2), 1, 0), ((3, 2), (3, 3), 2, 0), ((3, 3), (2, 3), 2, 1)])
def test_transpose2d_random_scatter_and_as_adjoint(shape, kshape, stride, padding):
    z = rng.integers(-4, 5, shape)
    k = rng.integers(-3, 4, kshape)
    got = numbers(solve("conv2d.transpose", dict(input=z.tolist(), kernel=k.tolist(),
                                                 stride=stride, padding=padding)).parts["output"])
    assert np.array_equal(got, loop_scatter2d(z, k, stride, padding))
    # the transpose convolution is the adjoint of the correlation: <A x, z> = <x, A^T z>
    x = rng.normal(size=got.shape)
    assert np.isclose(np.sum(loop_corr2d(x, k, stride, padding) * z), np.sum(x * got))


def test_transpose2d_bad_padding():
    with pytest.raises(ParamError, match="parameter padding: cropping 2"):
        solve("conv2d.transpose", {"padding": 2})


# --- conv2d.numeric ------------------------------------------------------------------------


def test_numeric2d_catalogue():
    parts = solve("conv2d.numeric").parts
    assert parts["count"].value == 9.0
    assert parts["values"].value == [[103, 92, 72], [93, 85, 74], [98, 74, 79]]
    assert parts["dx"].value == [[4, 7, 10, 6, 3], [9, 17, 25, 16, 8], [11, 23, 34, 23, 11],
                                 [7, 16, 24, 17, 8], [2, 6, 9, 7, 3]]
    assert all(isinstance(v, float) for row in parts["dx"].value for v in row)


def test_numeric2d_catalogue_against_loops():
    parts = solve("conv2d.numeric").parts
    image = [[4, 5, 2, 2, 1], [3, 3, 2, 2, 4], [1, 3, 4, 1, 1], [5, 1, 4, 1, 2], [5, 1, 3, 1, 4]]
    kernel = [[4, 3, 3], [5, 5, 5], [2, 4, 3]]
    assert np.array_equal(numbers(parts["values"]), loop_corr2d(image, kernel))
    assert np.array_equal(numbers(parts["dx"]), loop_scatter2d(np.ones((3, 3)), kernel))


@pytest.mark.parametrize("shape, kshape, stride, padding",
                         [((6, 5), (3, 2), 1, 0), ((7, 7), (3, 3), 2, 1), ((4, 6), (2, 4), 2, 0)])
def test_numeric2d_random(shape, kshape, stride, padding):
    image, kernel = rng.integers(-5, 6, shape), rng.integers(-3, 4, kshape)
    out = loop_corr2d(image, kernel, stride, padding)
    upstream = rng.integers(-3, 4, out.shape)
    parts = solve("conv2d.numeric", dict(image=image.tolist(), kernel=kernel.tolist(),
                                         stride=stride, padding=padding,
                                         upstream=upstream.tolist())).parts
    assert parts["count"].value == out.size
    assert np.array_equal(numbers(parts["values"]), out)
    # the input gradient scatters the upstream gradient back; positions that only ever met
    # padding (a stride may skip the last rows or columns) get zero
    scattered = loop_scatter2d(upstream, kernel, stride)
    full = np.zeros(np.add(shape, 2 * padding))
    full[:scattered.shape[0], :scattered.shape[1]] = scattered
    expected = full[padding:padding + shape[0], padding:padding + shape[1]]
    assert np.array_equal(numbers(parts["dx"]), expected)
    # and a finite difference of <g, conv(x)> (linear, so exact) in one random entry
    i, j = rng.integers(0, shape[0]), rng.integers(0, shape[1])
    bumped = image.astype(float)
    bumped[i, j] += 1
    gain = np.sum(upstream * (loop_corr2d(bumped, kernel, stride, padding) - out))
    assert numbers(parts["dx"])[i, j] == pytest.approx(gain)


@pytest.mark.parametrize("params, match", [
    (dict(image=[[1, 2], [3, 4]]), r"parameter kernel: the 3x3 kernel is bigger than the 2x2"),
    (dict(upstream=[[1, 1], [1, 1]]), r"parameter upstream: must have the output's shape 3x3"),
    (dict(image=[[1, 2], [3]]), r"parameter image: rows must all have the same length"),
    (dict(padding=-1), r"parameter padding: must be at least 0"),
])
def test_numeric2d_bad_params(params, match):
    with pytest.raises(ParamError, match=match):
        solve("conv2d.numeric", params)


# --- conv1d.as-matrix / conv1d.transpose-as-matrix -----------------------------------------

w1, w2, w3 = (sp.Symbol(f"w_{i}", real=True) for i in (1, 2, 3))
x1, x2, x3, x4 = (sp.Symbol(f"x_{i}", real=True) for i in (1, 2, 3, 4))
z1, z2 = (sp.Symbol(f"z_{i}", real=True) for i in (1, 2))


def test_as_matrix_catalogue():
    d = solve("conv1d.as-matrix").parts["matrix"]
    assert d.expr == sp.Matrix([[w1, w2, w3, 0, 0], [0, w1, w2, w3, 0], [0, 0, w1, w2, w3]])
    assert d.value[0] == [None, None, None, 0.0, 0.0]


@pytest.mark.parametrize("L, K, S, P", [(5, 3, 1, 0), (7, 3, 2, 0), (6, 2, 3, 1), (4, 4, 1, 1)])
def test_as_matrix_random(L, K, S, P):
    A = solve("conv1d.as-matrix", dict(L=L, K=K, S=S, P=P)).parts["matrix"].expr
    w, x = rng.normal(size=K), rng.normal(size=L)
    assert np.allclose(weights(A, w) @ x, loop_corr1d(x, w, S, P))


def test_transpose_as_matrix_catalogue():
    parts = solve("conv1d.transpose-as-matrix").parts
    assert parts["output"].expr == (w2 * x1 + w3 * x2, w1 * x2 + w2 * x3 + w3 * x4)
    assert parts["matrix"].expr == sp.Matrix([[w1, w2, w3, 0, 0, 0], [0, 0, w1, w2, w3, 0]])
    expected = (w1 * z1, w2 * z1, w3 * z1 + w1 * z2, w2 * z2, w3 * z2, 0)
    assert all(sp.expand(a - b) == 0 for a, b in zip(parts["upsample"].expr, expected, strict=True))
    assert parts["upsample"].value[-1] == 0.0


@pytest.mark.parametrize("L, K, S, P", [(4, 3, 2, 1), (7, 3, 2, 0), (5, 2, 3, 2), (6, 4, 1, 1)])
def test_transpose_as_matrix_random(L, K, S, P):
    parts = solve("conv1d.transpose-as-matrix", dict(L=L, K=K, S=S, P=P)).parts
    w, x = rng.normal(size=K), rng.normal(size=L)
    A = weights(parts["matrix"].expr, w)
    xp = np.concatenate([np.zeros(P), x, np.zeros(P)])
    assert np.allclose(A, corr_matrix(L + 2 * P, w, S))
    out = [float(e.xreplace({**{sp.Symbol(f"w_{i}", real=True): v for i, v in enumerate(w, 1)},
                             **{sp.Symbol(f"x_{i}", real=True): v for i, v in enumerate(x, 1)}}))
           for e in parts["output"].expr]
    assert np.allclose(out, A @ xp)
    z = rng.normal(size=A.shape[0])
    up = [float(e.xreplace({**{sp.Symbol(f"w_{i}", real=True): v for i, v in enumerate(w, 1)},
                            **{sp.Symbol(f"z_{i}", real=True): v for i, v in enumerate(z, 1)}}))
          for e in parts["upsample"].expr]
    scatter = np.zeros(L + 2 * P)
    for r, zr in enumerate(z):  # overlapping copies of the filter, summed
        scatter[r * S:r * S + K] += zr * w
    assert np.allclose(up, A.T @ z)
    assert np.allclose(up, scatter)


@pytest.mark.parametrize("pid, params, match", [
    ("conv1d.as-matrix", dict(L=2, K=3), r"parameter K: the 3 kernel is bigger than the 2 input"),
    ("conv1d.transpose-as-matrix", dict(L=1, K=4, P=1), r"parameter K"),
    ("conv1d.as-matrix", dict(S=0), r"parameter S: must be at least 1"),
])
def test_as_matrix_bad_params(pid, params, match):
    with pytest.raises(ParamError, match=match):
        solve(pid, params)


# --- the engine's array helpers ------------------------------------------------------------


def test_recover_filter_reports_the_kind_of_failure():
    with pytest.raises(arrays.NoUniqueSolution) as none:
        arrays.recover_filter([1, 1, 1], [1, 2], 2)
    assert none.value.count == "none"
    with pytest.raises(arrays.NoUniqueSolution) as many:
        arrays.recover_filter([1, 2, 3, 4], [1], 4)
    assert many.value.count == "many"


def test_map_matrix_refuses_a_nonlinear_map():
    from nablagrade.errors import DerivationError
    a, b = sp.symbols("a b")
    with pytest.raises(DerivationError, match="not linear"):
        arrays.map_matrix([a * b, a], [a, b])
