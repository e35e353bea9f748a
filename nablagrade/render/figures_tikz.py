"""What every figure shares: the `Figure` value, the packages a document needs to typeset one,
and the TikZ output of placed nodes and routed edges.

Positions are computed (by the layouts in `figures_graph`), never written by hand. An edge is
drawn straight unless the straight line would cross another node; then it bends away from that
node, by the smallest angle that clears every node (the curve TikZ draws for
``to[bend left=a]`` is sampled here to check).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

PACKAGES = ("amsmath", "tikz", "pgfplots")
TIKZ_LIBRARIES = ("positioning", "arrows.meta")
PGFPLOTS_COMPAT = r"\pgfplotsset{compat=1.18}"  # pgfplots 1.18.1 ships with TeX Live 2022

MAX_WIDTH = 12.0  # cm: about the text width of an article
CLEARANCE = 0.12  # cm between an edge and a node it passes
BENDS = (0, 20, -20, 35, -35, 50, -50)  # degrees; positive bends left
CONTROL = 0.3915  # TikZ's control-point distance for in/out curves, as a fraction of the chord


@dataclass(frozen=True)
class Figure:
    """A figure's LaTeX (a ``tikzpicture``, no preamble) and a caption (LaTeX text)."""

    latex: str
    caption: str


def preamble() -> str:
    """The preamble lines a document needs for these figures."""
    return "\n".join([r"\usepackage{%s}" % ",".join(PACKAGES),
                      r"\usetikzlibrary{%s}" % ",".join(TIKZ_LIBRARIES), PGFPLOTS_COMPAT])


def document(*figures: Figure) -> str:
    """A minimal ``article`` showing each figure with its caption (for previews and tests)."""
    body = "\n".join("\\begin{figure}[ht]\n\\centering\n%s\n\\caption{%s}\n\\end{figure}"
                     % (f.latex, f.caption) for f in figures)
    return "\\documentclass{article}\n%s\n\\begin{document}\n%s\n\\end{document}\n" % (
        preamble(), body)


@dataclass(frozen=True)
class Place:
    """A node at a position (cm); ``label`` is LaTeX maths, ``style`` TikZ options."""

    name: str
    label: str
    x: float
    y: float
    style: str

    @property
    def half(self) -> tuple[float, float]:
        """Half width and height of the node's box, estimated from its label (cm)."""
        return 0.14 + 0.095 * visible_length(self.label), 0.3

    def line(self) -> str:
        return r"\node[%s] (%s) at (%.2f,%.2f) {$%s$};" % (self.style, self.name, self.x, self.y,
                                                           self.label)


def visible_length(label: str) -> int:
    """About how many glyphs ``label`` typesets (commands count as one, braces as none)."""
    return len(re.sub(r"\\[A-Za-z]+", "x", label).replace("{", "").replace("}", "")
               .replace("_", "").replace("^", ""))


def edge_line(a: Place, b: Place, style: str, places) -> str:
    """``\\draw`` from ``a`` to ``b``, bent away from any other node the line would cross."""
    obstacles = [p for p in places if p.name not in (a.name, b.name)]
    bend = _route(a, b, obstacles)
    path = "--" if bend == 0 else "to[bend %s=%d]" % ("left" if bend > 0 else "right", abs(bend))
    return r"\draw[%s] (%s) %s (%s);" % (style, a.name, path, b.name)


def _route(a: Place, b: Place, obstacles) -> int:
    """The first bend in `BENDS` whose curve clears every obstacle, else the clearest one."""
    best, best_gap = 0, -math.inf
    for bend in BENDS:
        gap = min((_gap(point, p) for point in _curve(a, b, bend) for p in obstacles),
                  default=math.inf)
        if gap >= CLEARANCE:
            return bend
        if gap > best_gap:
            best, best_gap = bend, gap
    return best


def _gap(point, p: Place) -> float:
    """Distance from a point to the box of node ``p`` (0 inside it)."""
    hw, hh = p.half
    return math.hypot(max(abs(point[0] - p.x) - hw, 0.0), max(abs(point[1] - p.y) - hh, 0.0))


def _curve(a: Place, b: Place, bend: int, samples: int = 24):
    """Points of the path TikZ draws from ``a`` to ``b`` with ``bend`` (0: the straight line),
    without the ends that lie inside the two nodes."""
    phi = math.atan2(b.y - a.y, b.x - a.x)
    d = CONTROL * math.hypot(b.x - a.x, b.y - a.y)
    theta = math.radians(bend)
    c1 = (a.x + d * math.cos(phi + theta), a.y + d * math.sin(phi + theta))
    c2 = (b.x + d * math.cos(phi + math.pi - theta), b.y + d * math.sin(phi + math.pi - theta))
    for i in range(2, samples - 1):
        s = i / samples
        yield tuple((1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s ** 2 * p2
                    + s ** 3 * p3 for p0, p1, p2, p3 in zip((a.x, a.y), c1, c2, (b.x, b.y)))


def picture(styles: dict, lines, places, max_width: float = MAX_WIDTH) -> str:
    """A ``tikzpicture`` with named styles and the given body lines, scaled down (text and all)
    when the placed nodes span more than ``max_width`` cm."""
    left = min(p.x - p.half[0] for p in places)
    right = max(p.x + p.half[0] for p in places)
    options = [">=Stealth"]
    if right - left > max_width:
        options.append("scale=%.3f, transform shape" % (max_width / (right - left)))
    style_lines = ["  %s/.style={%s}," % item for item in styles.items()]
    head = "\\begin{tikzpicture}[%s,\n%s\n]" % (", ".join(options),
                                                "\n".join(style_lines).rstrip(","))
    return "\n".join([head, *("  " + line for line in lines), "\\end{tikzpicture}"])
