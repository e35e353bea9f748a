"""Benchmark: the time to render and to compile each built-in solution sheet and template.

Run: python bench/sheet.py   (compiling needs TeX Live; without it only rendering is timed)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from nablagrade.assignments import builtin_names
from nablagrade.render.build import build_pdf, engine
from nablagrade.render.sheet import sheet_source, template_source


def page_count(pdf: Path) -> str:
    import shutil
    import subprocess

    if not shutil.which("pdfinfo"):
        return "?"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main():
    print(f"LaTeX engine: {engine() or 'none (rendering only)'}")
    print(f"{'assignment':<20} {'document':<9} {'render s':>9} {'compile s':>10} {'passes':>7} {'pages':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in builtin_names():
            for kind, make in (("sheet", sheet_source), ("template", template_source)):
                source, render_s = timed(make, name)
                compile_s, passes, pages = "-", "-", "-"
                if engine():
                    result, seconds = timed(build_pdf, source, Path(tmp) / f"{name}-{kind}.pdf")
                    compile_s, passes = f"{seconds:.2f}", str(result.passes)
                    pages = page_count(result.pdf)
                print(f"{name:<20} {kind:<9} {render_s:9.2f} {compile_s:>10} {passes:>7} {pages:>6}")


if __name__ == "__main__":
    main()
