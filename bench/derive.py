"""Benchmark: the time to derive and numerically verify the whole catalogue.

Prints, each in a fresh interpreter where it matters:
- import time of the package and its problem library;
- cold: the first derivation of every part of every problem at its defaults (sympy caches empty),
  then the library's numeric verification of the matrix parts (finite differences at random
  instances);
- warm: the same again in the same process, the derivation cache cleared first (sympy's own
  caches stay warm);
- the proof suite: every part of every problem against its independent route (finite
  differences, brute-force loops, component-wise sympy) at several parameter values, as pytest
  runs it (tests/test_{conv,conv_numeric,rnn,scalar_problems,snn}.py).

Run: python bench/derive.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import time
t0 = time.perf_counter()
import nablagrade.problems
from nablagrade.derive import solve
from nablagrade.derive.verify import verify
from nablagrade.problems import all_problems
t1 = time.perf_counter()

# Symbolic dimensions get concrete values for the numeric verification.
DIMS = {"n": 3, "m": 2, "K": 4}

def run():
    parts = verified = 0
    derive_s = verify_s = 0.0
    for problem in all_problems():
        a = time.perf_counter()
        solution = solve(problem.id)
        b = time.perf_counter()
        parts += len(solution.parts)
        dims = {q.name: DIMS[q.name] for q in problem.params if q.kind == "dim" and q.default is None
                and q.name in DIMS}
        if dims:
            concrete = solve(problem.id, dims)
            queries = problem.build(problem.resolve(dims))
            for pid, query in queries.items():
                check = verify(query, concrete.parts[pid], dims)
                if check is not None:
                    assert check.ok, (problem.id, pid, check)
                    verified += 1
        verify_s += time.perf_counter() - b
        derive_s += b - a
    return parts, verified, derive_s, verify_s

cold = run()
from nablagrade.derive import _solve
_solve.cache_clear()  # warm: sympy's caches are warm, but every part is derived again
warm = run()
print(f"import            {1000 * (t1 - t0):8.1f} ms")
print(f"cold  derive      {1000 * cold[2]:8.1f} ms   ({cold[0]} parts)")
print(f"cold  verify      {1000 * cold[3]:8.1f} ms   ({cold[1]} matrix parts by finite differences)")
print(f"warm  derive      {1000 * warm[2]:8.1f} ms")
print(f"warm  verify      {1000 * warm[3]:8.1f} ms")
"""


def main():
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    sys.stdout.write(out.stdout)
    print(f"process total     {1000 * (time.perf_counter() - start):8.1f} ms")
    proofs = [f"tests/test_{name}.py" for name in
              ("conv", "conv_numeric", "rnn", "scalar_problems", "snn")]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *proofs],
                         capture_output=True, text=True, cwd=ROOT)
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-200:]
    print(f"proof suite       {1000 * (time.perf_counter() - start):8.1f} ms   ({summary})")


if __name__ == "__main__":
    main()
