"""snn.lif-surrogate against a hand-written numpy forward/backward loop, against central finite
differences of a forward pass with the smooth stand-in H(xi) ~ xi/(1 + k|xi|) and the resets
frozen, and against the numbers of the catalogue."""

import math

import numpy as np
import pytest
import sympy as sp

from nablagrade.derive import solve
from nablagrade.derive.surrogate import (LIF, StopGradient, SurrogateStep, strip_stop_gradient,
                                         surrogate_derivative)
from nablagrade.errors import ParamError
from nablagrade.problems import get_problem

PID = "snn.lif-surrogate"
DEFAULT = dict(k=25, T=3, x=[1, 0, 1], w=0.5, b=0.05, beta=0.95, Th=0.75)
CATALOGUE = {"dz-dw": 0.0805657, "dz-db": 0.1247028, "dz-dx1": 0.0348540, "dz-dx2": 0.0220685,
             "dz-dx3": 0.0054289, "dz-dbeta": 0.0304914, "dz-dTh": -0.0724577}
GRADIENTS = list(CATALOGUE)


def lif_forward(p):
    """Voltages before the reset and spikes, step by step."""
    v_reset, voltages, spikes = 0.0, [], []
    for xt in p["x"]:
        v = p["beta"] * v_reset + p["w"] * xt + p["b"]
        y = 1.0 if v - p["Th"] >= 0 else 0.0
        voltages.append(v)
        spikes.append(y)
        v_reset = v * (1 - y)
    return np.array(voltages), np.array(spikes)


def lif_backward(p):
    """BPTT by hand: dz/dV(t) = H'(V(t) - T_h) + beta (1 - y(t)) dz/dV(t+1)."""
    v, y = lif_forward(p)
    T = len(v)
    dv = np.zeros(T)
    for t in reversed(range(T)):
        later = p["beta"] * (1 - y[t]) * dv[t + 1] if t + 1 < T else 0.0
        dv[t] = 1 / (1 + p["k"] * abs(v[t] - p["Th"])) ** 2 + later
    reset = np.concatenate([[0.0], (v * (1 - y))[:-1]])  # V'(t-1), the input of V(t) times beta
    grads = {"dz-dw": float(dv @ np.asarray(p["x"], float)), "dz-db": float(dv.sum()),
             "dz-dbeta": float(dv @ reset),
             "dz-dTh": -float(sum(1 / (1 + p["k"] * abs(v - p["Th"])) ** 2))}
    grads.update({f"dz-dx{t + 1}": p["w"] * dv[t] for t in range(T)})
    return grads


def smooth_z(p):
    """z with H replaced by the smooth xi/(1 + k|xi|) whose derivative is the surrogate, and the
    reset masks frozen at the true spikes (the reset is not differentiated)."""
    _, frozen = lif_forward(p)
    v_reset, z = 0.0, 0.0
    for xt, y in zip(p["x"], frozen):
        v = p["beta"] * v_reset + p["w"] * xt + p["b"]
        xi = v - p["Th"]
        z += xi / (1 + p["k"] * abs(xi))
        v_reset = v * (1 - y)
    return z


def finite_difference(p, part, eps=1e-7):
    def bumped(delta):
        q = dict(p, x=list(p["x"]))
        if part.startswith("dz-dx"):
            q["x"][int(part[5:]) - 1] += delta
        else:
            q[part[4:]] += delta
        return smooth_z(q)
    return (bumped(eps) - bumped(-eps)) / (2 * eps)


def test_spikes_and_catalogue_numbers():
    parts = solve(PID).parts
    assert parts["spikes"].value == [0.0, 0.0, 1.0]
    for part, number in CATALOGUE.items():
        value = parts[part].value
        assert isinstance(value, float)
        # the catalogue truncates to 7 decimals: 6 significant digits must agree
        assert abs(value - number) < 1e-7, (part, value)
        assert parts[part].meta["numeric"] == value


def test_all_routes_agree_at_the_default():
    parts = solve(PID).parts
    by_hand = lif_backward(DEFAULT)
    for part in GRADIENTS:
        assert parts[part].value == pytest.approx(by_hand[part], rel=1e-12)
        assert parts[part].meta["from_formula"] == pytest.approx(parts[part].value, rel=1e-12)
        assert parts[part].value == pytest.approx(finite_difference(DEFAULT, part), rel=1e-5)


def random_params(rng, T):
    return dict(k=float(rng.uniform(1, 40)), T=T, x=rng.integers(-1, 3, T).tolist(),
                w=float(rng.uniform(0.1, 1.2)), b=float(rng.uniform(-0.2, 0.3)),
                beta=float(rng.uniform(0.5, 1.0)), Th=float(rng.uniform(0.3, 1.0)))


@pytest.mark.parametrize("T, seed", [(3, 1), (3, 2), (4, 3), (5, 4), (6, 5)])
def test_random_parameters(T, seed):
    p = random_params(np.random.default_rng(seed), T)
    parts = solve(PID, p).parts
    v, y = lif_forward(p)
    assert min(abs(v - p["Th"])) > 1e-6  # a threshold crossing exactly at 0 would be ambiguous
    assert parts["spikes"].value == y.tolist()
    by_hand = lif_backward(p)
    for part in GRADIENTS:
        assert parts[part].value == pytest.approx(by_hand[part], rel=1e-9, abs=1e-15)
        assert parts[part].meta["from_formula"] == pytest.approx(parts[part].value, rel=1e-9)
        assert parts[part].value == pytest.approx(finite_difference(p, part), rel=1e-5, abs=1e-9)


def test_resets_after_early_spikes():
    """Spikes before the last step: the reset cuts the path from earlier inputs."""
    p = dict(DEFAULT, T=5, x=[2, 1, 0, 2, 1])
    parts = solve(PID, p).parts
    assert parts["spikes"].value == [1.0, 0.0, 0.0, 1.0, 0.0]
    by_hand = lif_backward(p)
    for part in GRADIENTS:
        assert parts[part].value == pytest.approx(by_hand[part], rel=1e-12)
        assert parts[part].value == pytest.approx(finite_difference(p, part), rel=1e-5)
    # x(1) reaches z only through y(1): the reset after the spike stops the rest
    assert parts["dz-dx1"].value == pytest.approx(0.5 / (1 + 25 * abs(1.05 - 0.75)) ** 2)


def test_formulas_in_the_sheet_symbols():
    parts = solve(PID).parts
    w, k, Th = (sp.Symbol(n, real=True) for n in ("w", "k", "T_h"))
    V = [sp.Symbol(f"V({t})", real=True) for t in (1, 2, 3)]
    assert sp.simplify(parts["dz-dx3"].expr - w / (1 + k * sp.Abs(V[2] - Th)) ** 2) == 0
    surrogates = sum(1 / (1 + k * sp.Abs(v - Th)) ** 2 for v in V)
    assert sp.simplify(parts["dz-dTh"].expr + surrogates) == 0
    for part in GRADIENTS:
        assert not parts[part].expr.has(StopGradient)  # written with y(t), not sg(y(t))
        assert r"\approx" in parts[part].latex


def test_surrogate_functions():
    xi, k, a = sp.symbols("xi k a", real=True)
    assert sp.diff(SurrogateStep(xi, k), xi) == 1 / (1 + k * sp.Abs(xi)) ** 2
    assert sp.diff(SurrogateStep(xi, k), k) == 0
    assert (SurrogateStep(0, k), SurrogateStep(sp.Rational(1, 3), k),
            SurrogateStep(-sp.Rational(1, 3), k)) == (1, 1, 0)
    assert sp.diff(StopGradient(a ** 2), a) == 0
    assert StopGradient(sp.Integer(3)) == 3
    assert strip_stop_gradient(1 - StopGradient(a)) == 1 - a
    assert sp.latex(SurrogateStep(xi, k)) == r"H\left(\xi\right)"


def test_surrogate_approaches_the_delta():
    """The text part's claim: 1 at xi = 0 for every k, and to 0 elsewhere as k grows."""
    xi, k = sp.symbols("xi k", positive=True)
    assert surrogate_derivative(0, k) == 1
    assert sp.limit(surrogate_derivative(xi, k), k, sp.oo) == 0
    assert math.isclose(float(surrogate_derivative(sp.Rational(1, 10), 10 ** 6)), 0, abs_tol=1e-9)
    part = get_problem(PID).part("surrogate-limit")
    assert part.kind == "text" and "Dirac" in part.reference and part.rubric
    assert solve(PID, parts=("surrogate-limit",)).parts["surrogate-limit"].meta["reference"]


def test_unrolled_graph_has_no_dead_reset():
    names = [str(n) for n in LIF(3).graph().nodes]
    assert names == ["I(1)", "V(1)", "y(1)", "V'(1)", "I(2)", "V(2)", "y(2)", "V'(2)",
                     "I(3)", "V(3)", "y(3)", "z"]
    with pytest.raises(ValueError, match="T=0"):
        LIF(0)


@pytest.mark.parametrize("params, match", [
    (dict(x=[1, 0]), r"parameter x: must list one input per time step"),
    (dict(T=2, x=[1, 0]), r"parameter T: must be at least 3"),
    (dict(T=9, x=[1] * 9), r"parameter T: must be at most 8"),
    (dict(k=-1), r"parameter k: must be at least 0"),
    (dict(w="a"), r"parameter w"),
    (dict(x=[1, "a", 0]), r"parameter x"),
])
def test_bad_params(params, match):
    with pytest.raises(ParamError, match=match):
        solve(PID, params)
