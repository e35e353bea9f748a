"""Benchmark: checking answers.

Prints
- cold start: a fresh interpreter, from `import` to the first verdict;
- per-answer latency (p50, p99) by part kind, warm: each question prepared once, then every
  answer checked as a distinct string (round r writes it with r leading spaces: the same maths,
  so no parse cache hit), and separately the same strings checked again;
- throughput of distinct answers per second over a realistic mixed batch;
- the naive approach on the scalar cases it can handle: sympy's `parse_latex` (lark backend)
  and `simplify(a - b) == 0`, timed on the same answers, and how often it got the verdict right.

Run: python bench/check.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict

# (problem, part, params, answer, correct?)
BATCH = [
    ("conv.output-shape", "shape", None, r"2 \times 5", True),
    ("conv.output-shape", "shape", None, r"5 \times 2", False),
    ("conv.output-shape", "shape", {"H": 32, "W": 30, "KH": 5, "KW": 3, "S": 3, "P": 2, "D": 2},
     r"\mathbb{R}^{10 \times 10}", True),
    ("conv.output-shape-formula", "shape", None,
     r"F \times \left(\left\lfloor \frac{H + 2P - D(K-1) - 1}{S} \right\rfloor + 1\right) \times "
     r"\left(\left\lfloor \frac{W + 2P - D(K-1) - 1}{S} \right\rfloor + 1\right)", True),
    ("conv.output-shape-formula", "shape", None,
     r"F \times \lceil (H + 2P - D(K-1))/S \rceil \times \lceil (W + 2P - D(K-1))/S \rceil", True),
    ("conv.output-shape-formula", "shape", None,
     r"F \times (\frac{H + 2P - D(K-1) - 1}{S} + 1) \times (\frac{W + 2P - D(K-1) - 1}{S} + 1)",
     False),
    ("conv1d.backprop", "dfdW-shape", None, r"\mathbb{R}^{3 \times (1 \times 5 \times 3)}", True),
    ("rnn.gated", "dl-dWx-shape", None, r"n \times m", True),
    ("rnn.gated", "dl-dWx-shape", None, r"m \times n", False),
    ("loss.init", "loss", None, r"\ln 4", True),
    ("loss.init", "loss", None, r"1.386", True),
    ("loss.init", "loss", None, r"\log_{10} 4", False),
    ("loss.init", "accuracy", None, r"\frac{1}{4}", True),
    ("rnn.scalar-unroll", "dydw", None, r"u_3 + 2 w u_2 + 3 w^2 u_1", True),
    ("rnn.scalar-unroll", "dydw", None, r"u_3 + 2 w u_2 + 3 w^3 u_1", False),
    ("rnn.scalar-unroll", "y", None, r"w(u_3 + w(u_2 + w u_1))", True),
    ("snn.lif-surrogate", "dz-dx3", None, r"\frac{w}{(1 + k|V(3) - T_h|)^2}", True),
    ("snn.lif-surrogate", "dz-dw", None, r"0.0806", True),
    ("conv1d.filter-recovery", "filter", None, r"[2, -1, 3]", True),
    ("conv1d.filter-recovery", "filter", None, r"[3, -1, 2]", False),
    ("rnn.gated", "dc-dh", None, r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h", True),
    ("rnn.gated", "dc-dh", None, r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h^\top", False),
    ("rnn.gated", "dh-dh", None,
     r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
     r"\operatorname{diag}(c[t] \odot (1-c[t])) W_h", True),
    ("rnn.gated", "dl-dWx", None,
     r"\sum_{t=1}^{K} x[t] ((1 - c[t]) \odot \delta[t])^\top, \quad \delta[t]^\top = "
     r"\frac{\partial \ell}{\partial h[t]} + \delta[t+1]^\top \frac{\partial h[t+1]}{\partial h[t]},"
     r" \delta[K+1] = 0", True),
    ("rnn.attention", "dh-dh", None,
     r"a_1[t] V_1 + a_1[t] (v_1[t] - h[t]) (q_1[t]^\top K_1 + k_1[t]^\top Q_1)", True),
    ("conv1d.backprop", "out-expr", None,
     r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}", True),
    ("conv1d.backprop", "dldW-expr", None,
     r"\sum_{r=1}^{2} \frac{\partial \ell}{\partial f_W(x)}[r] x[2(r-1)+i, k]", False),
]

# Scalar pairs the naive approach can read: (expected, answer, truly equal?)
SCALAR = [
    (r"u_3 + 2 w u_2 + 3 w^2 u_1", r"3 w^2 u_1 + 2 w u_2 + u_3", True),
    (r"u_3 + 2 w u_2 + 3 w^2 u_1", r"u_3 + 2 w u_2 + 3 w^3 u_1", False),
    (r"w u_3 + w^2 u_2 + w^3 u_1", r"w(u_3 + w(u_2 + w u_1))", True),
    (r"\ln 4", r"2 \ln 2", True),
    (r"\frac{1}{4}", r"0.25", True),
    (r"\frac{w}{(1 + k|v - T|)^2}", r"w (1 + k|v - T|)^{-2}", True),
    (r"\log(e^{a} + e^{b})", r"a + \log(1 + e^{b - a})", True),
    (r"\sin^2 x + \cos^2 x", r"1", True),
    (r"(x - a)^{2}", r"x^2 - 2 a x + a^2", True),
    (r"x^{3} - 1", r"(x - 1)(x^2 + x + 1)", True),
]

CHILD = r"""
import time
t0 = time.perf_counter()
import nablagrade.check.kinds
from nablagrade.check.api import check
v = check("rnn.gated", "dc-dh", r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h")
print(f"{time.perf_counter() - t0:.4f} {v.verdict}")
"""


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def cold_start() -> str:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    if out.returncode:
        return f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}"
    seconds, verdict = out.stdout.split()
    return f"{1000 * float(seconds):.0f} ms (first verdict: {verdict})"


def warm_latency(repeat: int, distinct: bool = True):
    import nablagrade.check.kinds  # noqa: F401
    from nablagrade.check.api import check, task
    from nablagrade.problems import get_problem

    by_kind, wrong, failures = defaultdict(list), [], []
    for problem, part, params, answer, _ in BATCH:  # prepare every question once
        task(problem, part, params)
    check("loss.init", "loss", "1")  # the parser is built once per process
    for r in range(repeat):
        for problem, part, params, answer, right in BATCH:
            kind = get_problem(problem).part(part).kind
            answer = " " * (r + 1) + answer if distinct else answer
            start = time.perf_counter()
            try:
                verdict = check(problem, part, answer, params)
            except Exception as err:  # a checker not built yet: report, do not stop
                failures.append(f"{problem}/{part}: {type(err).__name__}")
                continue
            by_kind[kind].append(time.perf_counter() - start)
            if (verdict.verdict == "correct") != right:
                wrong.append(f"{problem}/{part}: {answer[:40]!r} -> {verdict.verdict}")
    return by_kind, sorted(set(wrong)), sorted(set(failures))


def throughput(repeat: int) -> float:
    from nablagrade.check.api import check

    answers = [(p, q, params, " " * (r + 100) + a) for r in range(repeat)
               for p, q, params, a, _ in BATCH]
    start = time.perf_counter()
    done = 0
    for problem, part, params, answer in answers:
        try:
            check(problem, part, answer, params)
            done += 1
        except Exception:
            pass
    return done / (time.perf_counter() - start)


def naive(repeat: int):
    """sympy parse_latex (lark) + simplify, against our free comparison, on SCALAR."""
    import sympy
    from sympy.parsing.latex import parse_latex

    from nablagrade.check.free import compare

    def naive_equal(a, b):
        try:
            return sympy.simplify(parse_latex(a, backend="lark") - parse_latex(b, backend="lark")) == 0
        except Exception:
            return None

    rows = []
    for expected, answer, equal in SCALAR:
        start = time.perf_counter()
        for _ in range(repeat):
            got_naive = naive_equal(expected, answer)
        t_naive = (time.perf_counter() - start) / repeat
        start = time.perf_counter()
        for _ in range(repeat):
            ours = compare(expected, answer).verdict == "correct"
        t_ours = (time.perf_counter() - start) / repeat
        rows.append((t_naive, t_ours, got_naive == equal, ours == equal))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"cold start (import -> first verdict): {cold_start()}")
    report(*warm_latency(args.repeat), f"distinct answers ({args.repeat} rounds of {len(BATCH)})")
    report(*warm_latency(args.repeat, distinct=False), "the same answers again (parse cached)")
    print(f"\nthroughput: {throughput(max(1, args.repeat // 4)):.0f} distinct answers/s (mixed batch)")
    try:
        rows = naive(max(1, args.repeat // 10))
    except ImportError as err:
        print(f"\nnaive comparison unavailable: {err}")
        return
    t_naive = statistics.median(r[0] for r in rows)
    t_ours = statistics.median(r[1] for r in rows)
    print(f"\nnaive parse_latex + simplify on {len(rows)} scalar pairs: median {1000 * t_naive:.1f} ms, "
          f"right {sum(r[2] for r in rows)}/{len(rows)}")
    print(f"ours (free comparison) on the same pairs:   median {1000 * t_ours:.2f} ms, "
          f"right {sum(r[3] for r in rows)}/{len(rows)}; speed-up x{t_naive / t_ours:.0f}")


def report(by_kind, wrong, failures, title):
    everything = [t for times in by_kind.values() for t in times]
    print(f"\nwarm latency per answer: {title}")
    print(f"  {'kind':<10} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, times in sorted(by_kind.items()):
        print(f"  {kind:<10} {len(times):>5} {1000 * percentile(times, 50):8.2f} "
              f"{1000 * percentile(times, 99):8.2f}")
    if everything:
        print(f"  {'all':<10} {len(everything):>5} {1000 * percentile(everything, 50):8.2f} "
              f"{1000 * percentile(everything, 99):8.2f}")
    for line in failures:
        print(f"  not checked: {line}")
    for line in wrong:
        print(f"  WRONG VERDICT: {line}")


if __name__ == "__main__":
    main()
