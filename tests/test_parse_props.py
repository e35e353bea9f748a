"""Hostile and random answers: reading any string gives an Answer or a ParseError, nothing else,
quickly; whatever reads, prints back to LaTeX that reads to the same tree."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nablagrade.check import ParseError, parse_answer
from nablagrade.check.latex import to_latex

TOKENS = [
    "x", "y", "W", "T", "d", "e", "2", "10", "0.5", "1", " ", "+", "-", "\\pm", "\\cdot", "\\times",
    "/", "*", "\\odot", "^", "_", "'", "!", "{", "}", "(", ")", "[", "]", "|", "\\{", "\\}", "=",
    "\\le", "<", "\\in", "\\doteq", ",", ";", "\\\\", "&", "\\quad", "\\left(", "\\right)",
    "\\left|", "\\right|", "\\left.", "\\bigl(", "\\frac", "\\dfrac", "\\sqrt", "\\binom",
    "\\sum", "\\prod", "\\sum_{i=1}^{n}", "\\partial", "\\sin", "\\log", "\\exp",
    "\\operatorname{diag}", "\\text{diag}", "\\max", "\\alpha", "\\sigma", "\\delta", "\\ell",
    "\\top", "^\\top", "^T", "\\mathbf", "\\hat", "\\mathbb{R}", "\\lfloor", "\\rfloor",
    "\\lceil", "\\rceil", "\\begin{cases}", "\\end{cases}", "\\begin{bmatrix}", "\\end{bmatrix}",
    "\\text{if}", "\\text{otherwise}", "\\text{where}", "\\text{and}", "\\dots", "\\infty",
    "$", "$$", "\\(", "\\)", "\\begin{aligned}", "\\end{aligned}", "\\,", "\\foo", "\\",
    "\\%", "%", "#", "\u00d7", "\u2264", "\u03b1", "\x00", "\n",
]

ATOMS = ["x", "y_t", "W_{h}", "2", "0.5", "\\alpha", "h[t-1]", "\\ell", "\\mathbf{1}", "c_{t}",
         "e", "\\pi", "n"]
UNARY = ["({})", "-{}", "({})^\\top", "\\sqrt{{{}}}", "\\sum_{{i=1}}^{{n}} {}", "\\prod_j {}",
         "\\left|{}\\right|", "|{}|", "\\operatorname{{diag}}({})", "\\sin {}", "\\log({})",
         "\\lfloor {} \\rfloor", "\\partial {}", "[{}, 1]", "x ({})'",
         "\\begin{{cases}} {} & \\text{{if }} i \\le 2 \\\\ 0 & \\text{{otherwise}} \\end{{cases}}",
         "a_j [{} \\le 3]", "[j \\le {}]", "x_{{{}}}", "\\mathbb{{R}}^{{{} \\times 3}}", "{}!",
         "\\exp {} y", "\\sin^{{-1}}({})", "\\log_2 {}", "\\binom{{{}}}{{2}}", "\\pm {}",
         "\\left\\lceil {} \\right\\rceil", "\\begin{{bmatrix}} {} & 1 \\\\ 0 & 1 \\end{{bmatrix}}",
         "&= {}", "\\delta_{{i{}}}", "f'({})", "\\hat{{y}}_{{{}}}", "\\frac{{d {}}}{{d x}}",
         "({}, 1)", "\\mathbf{{x}}^\\top {}"]
BINARY = ["{} + {}", "{} - {}", "{} \\cdot {}", "{} {}", "{} \\odot {}", "{} / {}",
          "\\frac{{{}}}{{{}}}", "{{{}}}^{{{}}}", "({})[{}]", "x ({})^{{{}}}", "{} = {}", "{}, {}",
          "\\frac{{\\partial {}}}{{\\partial {}}}", "{} \\times {}", "\\sin {} \\cos {}",
          "{} \\in {}", "{} \\\\ {}", "{} \\quad {}", "{} \\le {}", "\\sum_{{k={}}}^{{{}}} k",
          "\\max({}, {})", "{}[{}, 2]", "\\sqrt[{}]{{{}}}", "{} \\pm {}", "{} := {}"]


def formula(rng, depth: int) -> str:
    """A random well-formed formula of the notation, up to ``depth`` levels."""
    roll = rng.random()
    if depth == 0 or roll < 0.25:
        return rng.choice(ATOMS)
    if roll < 0.55:
        return rng.choice(UNARY).format(formula(rng, depth - 1))
    return rng.choice(BINARY).format(formula(rng, depth - 1), formula(rng, depth - 1))


SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _read(text):
    """An Answer or a ParseError; any other exception fails the test. Never slow."""
    start = time.perf_counter()
    try:
        result = parse_answer(text)
    except ParseError as error:
        assert 0 <= error.position <= len(text)
        assert error.message and error.caret().endswith("^")
        result = None
    assert time.perf_counter() - start < 0.5, text
    return result


def _round_trip(answer):
    printed = to_latex(answer)
    assert parse_answer(printed) == answer, printed


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup_reads_or_fails_cleanly(text):
    answer = _read(text)
    if answer is not None:
        _round_trip(answer)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join))
def test_spaced_token_soup_reads_or_fails_cleanly(text):
    answer = _read(text)
    if answer is not None:
        _round_trip(answer)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_reads_or_fails_cleanly(text):
    _read(text)


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_well_formed_formulas_round_trip(rng):
    answer = _read(formula(rng, 5))
    if answer is not None:
        _round_trip(answer)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.sampled_from(["(", "{", "\\frac{", "x^{",
                                                                    "\\sqrt{", "[", "\\ln ",
                                                                    "-", "|", "\\sum "]))
def test_adversarial_repetition_is_bounded(count, piece):
    _read(piece * count + "x" + "}" * (count if "{" in piece else 0))
