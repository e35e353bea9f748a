"""How long reading an answer takes: ``python -m nablagrade.check.timing [REPEATS]``.

Prints the median time of ``parse_answer`` (limits, normalising, parsing and building the AST;
the per-answer cache bypassed) for each typical answer, and the median over them. The list is
also the test suite's set of typical answers.
"""

from __future__ import annotations

import statistics
import sys
import time

TYPICAL_ANSWERS = (
    r"2 \times 5",
    r"F \times \left(\left\lfloor \frac{(H + 2P - (D(K - 1) + 1))}{S} \right\rfloor + 1 \right)"
    r" \times \left(\left\lfloor \frac{(W + 2P - (D(K - 1) + 1))}{S} \right\rfloor + 1 \right)",
    r"f_W(x) \in \mathbb{R}^3",
    r"f_W(x)[r] = \sum_{k=1}^5 \sum_{i=1}^3 x[2(r-1)+i][k]W_{1,k,i}",
    r"\frac{\partial f_W(x)}{\partial W} \in \mathbb{R}^{(3) \times (1 \times 5 \times 3)}",
    r"\frac{\partial f_W(x)}{\partial x}[r, k, i] = \begin{cases} W_{1,k,i-2(r-1)} & "
    r"\text{if } 1 \leq i-2(r-1) \leq 3 \\ 0 & \text{otherwise} \end{cases}",
    r"\left(\frac{\partial \ell}{\partial W} \right)[1, k, i] = \sum_{r=1}^2 "
    r"\left(\frac{\partial \ell}{\partial f_W(x)} \right)[r] x[2(r-1)+i, k]",
    r"c_t \in \mathbb{R}^m",
    r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
    r"\text{diag}(c[t]) + \text{diag}(h[t-1] - W_x x[t]) \frac{\partial c[t]}{\partial h[t-1]}",
    r"\frac{\partial \ell}{\partial W_x} = \sum_{t=1}^{K} x[t] \left((1 - c[t]) \odot "
    r"\delta[t]\right)^\top",
    r"\delta[t]^\top = \frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top "
    r"\frac{\partial h[t+1]}{\partial h[t]},\ \delta[K+1] = 0",
    r"a_1[t] V_1 + a_1[t] (v_1[t] - h[t]) (q_1[t]^T K_1 + k_1[t]^T Q_1)",
    r"\sum_{i=1}^k \frac{\partial h[T+i]}{\partial h[T]} \frac{\partial \ell}{\partial h[T+i]}",
    r"\ln 4",
    r"0.1247",
    r"5.1 \times 10^{-2}",
    r"[2, -1, 3]",
    r"\begin{bmatrix} -1 & 3 & -2 \\ 3 & -3 & 1 \\ 0 & 3 & 1 \end{bmatrix}",
    r"u_3 + 2 w u_2 + 3 w^2 u_1",
    r"\frac{w}{(1 + k|V(3) - T_h|)^2}",
    r"\left\lceil \frac{H + 2P - D(K-1)}{S} \right\rceil",
    r"$\frac{\partial \ell}{\partial h[T]} = \sum_{i=1}^{k} \frac{\partial \ell}{\partial h[T+i]}"
    r" \frac{\partial h[T+i]}{\partial h[T]}.$",
    r"\sigma'(z) = \sigma(z)(1 - \sigma(z))",
)


def median_seconds(text: str, repeats: int) -> float:
    """Median wall time of one uncached parse of ``text``."""
    from nablagrade.check.limits import Limits
    from nablagrade.check.parse import _parse

    parse, limits, times = _parse.__wrapped__, Limits(), []
    for _ in range(repeats):
        start = time.perf_counter()
        parse(text, limits)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> None:
    repeats = int((argv or sys.argv[1:] or ["300"])[0])
    from nablagrade.check.parse import _parser
    _parser()                                   # built once per process, not timed
    medians = []
    for text in TYPICAL_ANSWERS:
        medians.append(median_seconds(text, repeats))
        print(f"{medians[-1] * 1e3:7.3f} ms  {len(text):4d} chars  {text[:60]}")
    print(f"median over {len(medians)} typical answers: "
          f"{statistics.median(medians) * 1e3:.3f} ms per answer")


if __name__ == "__main__":
    main()
