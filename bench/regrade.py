"""Benchmark: regrading a class of 300 students x 25 questions (the built-in cnn-rnn-theory).

Each student's answers are drawn, with a fixed seed, from realistic pools: the right answer in
several notations, the common mistakes, blanks, and some answers written uniquely (so there are
both many duplicates and many distinct answers). Answers to randomized questions follow the
student's own variant. Reports, without PDFs (feedback and report as Markdown):
- the first run: wall time, answers per second, distinct answers checked;
- an unchanged re-run (everything from the gradebook);
- the first run again with --jobs 1 and --jobs 2 (fresh gradebooks), for scaling.

Run: python bench/regrade.py [--students 300]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from nablagrade.assignments import load
from nablagrade.derive import solve

POOLS = {  # question -> (right answers, wrong answers); "{truth}" is the derived LaTeX
    "1.1b": ([r"F \times (\lfloor \frac{H + 2P - D(K-1) - 1}{S} \rfloor + 1) \times "
              r"(\lfloor \frac{W + 2P - D(K-1) - 1}{S} \rfloor + 1)",
              r"F \times \lceil \frac{H + 2P - D(K-1)}{S} \rceil \times "
              r"\lceil \frac{W + 2P - D(K-1)}{S} \rceil"],
             [r"F \times (\frac{H + 2P - D(K-1) - 1}{S} + 1) \times (\frac{W + 2P - D(K-1) - 1}{S} + 1)",
              r"F \times (\lfloor \frac{H + P - DK}{S} \rfloor + 1) \times (\lfloor \frac{W + P - DK}{S} \rfloor + 1)"]),
    "1.1c-i": ([r"f_W(x)[r] = \sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+i][k] W_{1,k,i}",
                r"\sum_{i=1}^{3} \sum_{k=1}^{5} W[1,k,i] x[2(r-1)+i, k]"],
               [r"\sum_{k=1}^{5} \sum_{i=1}^{3} x[2r+i][k] W_{1,k,i}",
                r"\sum_{k=1}^{5} \sum_{i=1}^{3} x[2(r-1)+4-i][k] W_{1,k,i}"]),
    "1.1c-iv": ([r"\sum_{r=1}^{3} g[r] x[2(r-1)+i][k]"],
                [r"\sum_{r=1}^{2} \frac{\partial \ell}{\partial f_W(x)}[r] x[2(r-1)+i, k]"]),
    "1.2.1c-dc": ([r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h",
                   r"\text{diag}(c_t \circ (1 - c_t)) W_h"],
                  [r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h^\top",
                   r"\operatorname{diag}(c[t]) W_h"]),
    "1.2.1c-dh": ([r"\operatorname{diag}(c[t]) + \operatorname{diag}(h[t-1] - W_x x[t]) "
                   r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h"],
                  [r"\operatorname{diag}(c[t])"]),
    "1.2.1c-shape": ([r"n \times m", r"\mathbb{R}^{n \times m}"], [r"m \times n"]),
    "1.2.2e": ([r"a_1[t] V_1 + a_1[t] (v_1[t] - h[t]) (q_1[t]^\top K_1 + k_1[t]^\top Q_1)"],
               [r"a_1[t] V_1"]),
    "1.3-spikes": (["exploding gradients; an optimisation instability; gradient clipping"],
                   ["the learning rate is too small"]),
}


def answer_for(rng: random.Random, assignment, student: str, qid: str) -> str | None:
    q = assignment.for_student(student).question(qid)
    roll = rng.random()
    if roll < 0.05:
        return None  # blank
    truth = solve(q.problem, q.params, parts=(q.part,)).parts[q.part]
    right, wrong = POOLS.get(qid, ([truth.latex], []))
    pool = wrong if wrong and roll > 0.75 else right
    text = rng.choice(pool)
    if rng.random() < 0.1:  # written uniquely: same maths, another form
        text = rf"\left({text}\right) + 0" if truth.latex and q.part.endswith(("dh", "dc")) \
            else text + " " * rng.randint(1, 9) + r"\,"
    return text


def make_class(tmp: Path, students: int) -> Path:
    assignment = load("cnn-rnn-theory")
    rng = random.Random(2024)
    folder = tmp / "class"
    folder.mkdir()
    for n in range(students):
        student = f"st{n:04d}"
        answers = {}
        for q in assignment.questions:
            text = answer_for(rng, assignment, student, q.id)
            if text is not None:
                answers[q.id] = text
        (folder / f"{student}.json").write_text(json.dumps({"student": student, "answers": answers}))
    return folder


def run(folder: Path, out: Path, jobs: int | None, gradebook: Path):
    from nablagrade.grade.regrade import regrade

    start = time.perf_counter()
    summary = regrade("cnn-rnn-theory", [folder], out, workers=jobs, gradebook_path=gradebook,
                      pdf=False)
    return summary, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        folder = make_class(tmp, args.students)
        print(f"class: {args.students} students x 25 questions, generated in "
              f"{time.perf_counter() - start:.1f} s")
        summary, seconds = run(folder, tmp / "out", None, tmp / "book.sqlite")
        print(f"first run (all cores): {seconds:.2f} s, {summary.answers / seconds:.0f} answers/s, "
              f"{summary.answers} answers, {summary.distinct} distinct, {summary.checked} checked")
        summary, seconds = run(folder, tmp / "out", None, tmp / "book.sqlite")
        print(f"unchanged re-run:      {seconds:.2f} s ({summary.checked} checked)")
        for jobs in (1, 2):
            summary, seconds = run(folder, tmp / f"out{jobs}", jobs, tmp / f"book{jobs}.sqlite")
            print(f"first run --jobs {jobs}:    {seconds:.2f} s ({summary.checked} checked)")


if __name__ == "__main__":
    main()
