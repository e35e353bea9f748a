"""Random instances of a matrix question, and evaluating answers and truths at them.

A question's instances are fixed by its seed: several concrete dimensions with ``m != n``
(``(n, m)`` in ``(2, 3), (4, 2), (3, 5)``), several times ``t`` (Jacobians), sequence lengths
``K`` (BPTT gradients) or positions ``T`` (AttentionRNN's ``dl/dh[T]``), a few random draws each:
random parameters and inputs (`Recurrence.instance`), and random values for the derivatives the
question gives (zero where they vanish by structure). The truth's values are computed once per
question; an answer is evaluated in the same instances, its own recursive definitions served
by an `Overlay` of the problem's system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from nablagrade.check.matrix_nodes import NoBase, forget
from nablagrade.derive.mexpr import MExpr, transpose
from nablagrade.derive.numeric import Env, deriv_key, evaluate
from nablagrade.derive.queries import state_lags
from nablagrade.derive.recurrence import LOSS
from nablagrade.errors import DerivationError

DIMS = ((2, 3), (4, 2), (3, 5))
DRAWS = 3
RTOL = 1e-8
PLANS = {  # (row of DIMS, position): t for Jacobians, K for gradients, T for dl/dh[T]
    "jacobian": ((0, 2), (0, 4), (1, 3), (1, 1), (2, 4), (2, 3)),
    "bptt": ((0, 1), (0, 3), (1, 2), (1, 4), (2, 3), (2, 2)),
    "successors": ((0, 1), (0, 3), (1, 2), (1, 1), (2, 3), (2, 2)),
}


class EvalError(Exception):
    """An answer that has no value at an instance (a recursion without end, a missing input);
    ``code`` is the verdict's diagnosis code."""

    def __init__(self, message: str, code: str = "not-a-value"):
        super().__init__(message, code)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Instance:
    label: dict  # what a counterexample shows: dimensions and positions
    dims: dict
    bindings: dict


@dataclass(frozen=True)
class Sample:
    instances: tuple
    values: tuple  # the inputs of each instance
    truth: tuple  # the truth's value at each instance, (DRAWS, rows, cols)

    @property
    def count(self) -> int:
        return DRAWS * len(self.instances)


class Overlay:
    """The problem's definitions, with the answer's recursive ones (``~delta``) on top."""

    def __init__(self, system, bodies: dict):
        self.system, self.bodies, self.time = system, bodies, system.time

    def body(self, name: str):
        return self.bodies[name] if name in self.bodies else self.system.body(name)

    def base(self, name: str, index: int, dim):
        return None if name in self.bodies else self.system.base(name, index, dim)


def _instances(scope) -> tuple:
    """The question's instances: `DIMS` for its symbolic dimensions, positions by `PLANS`."""
    free = [k for k, v in scope.numbers.items()
            if isinstance(v, sp.Symbol) and v != scope.length]
    length = scope.length
    out = []
    for row, position in PLANS[scope.kind]:
        dims = {name: DIMS[row][i % 2] + 2 * (i // 2) for i, name in enumerate(free)}
        label = dict(dims)
        fixed = None if isinstance(length, sp.Symbol) else int(length)
        if scope.kind == "jacobian":
            K = fixed or 5
            label["t"] = min(position, K)
            bindings = {scope.time: label["t"]}
        elif scope.kind == "bptt":
            K = fixed or position
            bindings = {scope.time: 1}
        else:
            K = fixed or position + 6
            label["T"] = position
            bindings = {scope.time: position, scope.at: position}
        if isinstance(length, sp.Symbol):
            dims[str(length)] = label["K"] = K
        bindings.update({sp.Symbol(k, integer=True, positive=True): v for k, v in dims.items()})
        out.append(Instance(label, dims, bindings))
    return tuple(out)


def _givens(scope, env: Env, rng, inst: Instance) -> dict:
    """Values of the derivatives the question gives, keyed as the engine looks them up."""
    values, system = {}, scope.system
    length = env.dim(system.length)
    for num, den in sorted(scope.givens):
        state = system.symbols[den]
        rows = env.dim(state.rows)
        if num == LOSS.name and scope.kind == "bptt":
            for s in range(-3, length + 8):
                shape = (DRAWS, 1, rows)
                values[deriv_key(LOSS, None, state, s)] = \
                    rng.standard_normal(shape) if 1 <= s <= length else np.zeros(shape)
        elif num == LOSS.name:
            at = inst.bindings[scope.at]
            for s in range(at + 1, at + 8):
                values[deriv_key(LOSS, None, state, s)] = rng.standard_normal((DRAWS, 1, rows))
        else:
            at, lags = inst.bindings[scope.at], state_lags(system, den)
            values[deriv_key(state, at, state, at)] = np.broadcast_to(np.eye(rows),
                                                                      (DRAWS, rows, rows))
            for lag in range(1, max(lags) + 5):
                value = rng.standard_normal((DRAWS, rows, rows)) if lag in lags else \
                    np.zeros((DRAWS, rows, rows))
                values[deriv_key(state, at + lag, state, at)] = value
    return values


def truth_expr(t) -> MExpr:
    """The derived truth in the task's layout (transposed for denominator layout)."""
    return t.truth.expr if t.layout == "numerator" else transpose(t.truth.expr)


_SAMPLES: dict = {}


def sample(t, scope) -> Sample:
    """The instances of task ``t`` with their inputs and the truth's values (cached)."""
    entry = _SAMPLES.get(id(t))
    if entry is not None and entry[0] is t:
        return entry[1]
    instances, values, truths = _instances(scope), [], []
    expr = truth_expr(t)
    for number, inst in enumerate(instances):
        rng = np.random.default_rng([t.seed % 2 ** 63, number])
        base = scope.system.instance(inst.dims, DRAWS, rng, bindings=inst.bindings)
        inputs = {**base.values, **_givens(scope, base, rng, inst)}
        values.append(inputs)
        truths.append(evaluate(expr, Env(scope.system, inst.dims, inputs, DRAWS,
                                         inst.bindings)))
    result = Sample(instances, tuple(values), tuple(truths))
    if len(_SAMPLES) > 128:
        _SAMPLES.clear()
    _SAMPLES[id(t)] = (t, result)
    return result


def env_at(scope, smp: Sample, number: int, bodies=None, system=None) -> Env:
    """A fresh environment for instance ``number`` (answer definitions in ``bodies``)."""
    inst = smp.instances[number]
    definitions = Overlay(system or scope.system, bodies or {})
    return Env(definitions, inst.dims, smp.values[number], DRAWS, inst.bindings)


def values_of(expr: MExpr, scope, smp: Sample, bodies=None, system=None) -> list:
    """``expr`` at every instance; `EvalError` where it has no value."""
    out = []
    try:
        with np.errstate(all="ignore"):  # an overflow is a non-finite value, judged as such
            for number in range(len(smp.instances)):
                env = env_at(scope, smp, number, bodies, system)
                out.append(np.asarray(evaluate(expr, env), dtype=float))
    except NoBase as err:
        raise EvalError(str(err), "bad-definition") from None
    except (DerivationError, KeyError, ZeroDivisionError) as err:
        raise EvalError(str(err).strip("'\"")) from None
    except RecursionError:
        raise EvalError("a definition calls itself without end", "bad-definition") from None
    finally:
        forget(expr)
        for body in (bodies or {}).values():
            forget(body)
    return out


def agree(got: list, want: list) -> bool:
    """Equal at every instance, to a relative tolerance."""
    return all(close(a, b) for a, b in zip(got, want))


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, finite, and within ``RTOL`` of ``b`` relative to its largest entry."""
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    scale = 1.0 + np.max(np.abs(b), axis=(1, 2), keepdims=True)
    return bool(np.all(np.abs(a - b) <= RTOL * scale))
