"""The vocabulary tables: which function names, operators, relations and symbols a student may
write, and the canonical form each maps to (``\\ln`` and ``\\log`` are one function, ``\\circ`` and
``\\odot`` one operator). These tables are the parser's whitelist: nothing else gets a name.
"""

from __future__ import annotations

from nablagrade.check import ast as A

# Canonical function name for every accepted spelling (lower-cased word, without backslash).
FUNCTIONS = {
    "exp": "exp", "ln": "log", "log": "log",
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth",
    "arsinh": "arsinh", "arcsinh": "arsinh", "arcosh": "arcosh", "arccosh": "arcosh",
    "artanh": "artanh", "arctanh": "artanh",
    "max": "max", "min": "min", "det": "det", "tr": "tr", "trace": "tr",
    "sgn": "sgn", "sign": "sgn", "diag": "diag", "softmax": "softmax", "softargmax": "softmax",
    "sigmoid": "sigmoid", "relu": "relu",
    "floor": "floor", "ceil": "ceil", "abs": "abs", "sqrt": "sqrt",
}

# f^{-1} read as the inverse function.
INVERSES = {
    "sin": "arcsin", "cos": "arccos", "tan": "arctan",
    "sinh": "arsinh", "cosh": "arcosh", "tanh": "artanh",
}

# How each function name is written back (to_latex).
FUNCTION_LATEX = {
    name: f"\\{name}" for name in (
        "exp", "log", "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
        "sinh", "cosh", "tanh", "coth", "max", "min", "det")
}

MUL_OPS = {
    "*": "*", "\\ast": "*", "\\cdot": "*", "·": "*",
    "\\times": "times", "×": "times",
    "/": "/", "\\div": "/", "÷": "/",
    "\\odot": "hadamard", "\\circ": "hadamard", "⊙": "hadamard", "∘": "hadamard",
}
MUL_LATEX = {"*": "\\cdot", "times": "\\times", "/": "/", "hadamard": "\\odot"}

REL_OPS = {
    "=": "=", ":=": "def", "\\coloneqq": "def", "\\doteq": "def", "\\triangleq": "def",
    "\\equiv": "def", "≐": "def", "≔": "def", "≜": "def", "≡": "def",
    "\\approx": "approx", "\\simeq": "approx", "≈": "approx",
    "\\in": "in", "∈": "in",
    "<": "<", "\\lt": "<", ">": ">", "\\gt": ">",
    "<=": "<=", "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "≤": "<=",
    ">=": ">=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", "≥": ">=",
    "\\ne": "!=", "\\neq": "!=", "≠": "!=",
}
REL_LATEX = {"=": "=", "def": ":=", "approx": "\\approx", "in": "\\in", "<": "<", ">": ">",
             "<=": "\\le", ">=": "\\ge", "!=": "\\neq"}

_DECORATIONS = {
    "mathbf": "bold", "boldsymbol": "bold", "bm": "bold", "pmb": "bold", "vb": "bold",
    "mathcal": "cal", "mathscr": "cal",
    "hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar",
    "tilde": "tilde", "widetilde": "tilde", "vec": "vec", "overrightarrow": "vec",
}
DECORATION_LATEX = {"bold": "\\mathbf", "cal": "\\mathcal", "hat": "\\hat", "bar": "\\bar",
                    "tilde": "\\tilde", "vec": "\\vec"}

_GREEK_VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi",
                   "varrho": "rho", "varsigma": "sigma", "varpi": "pi"}
_UNICODE = dict(zip(
    "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩℓϵϑϕ∞",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell "
    "epsilon theta phi infty".split()))


def greek_base(text: str) -> str:
    """``\\varepsilon`` -> ``\\epsilon``; ``α`` -> ``\\alpha``; ``\\infty`` stays."""
    word = _UNICODE.get(text) or text.lstrip("\\")
    return "\\" + _GREEK_VARIANTS.get(word, word)


def decoration_of(command: str) -> str:
    return _DECORATIONS[command.lstrip("\\")]


def add_sign(sign, term):
    """Apply a written ``+``, ``-`` or ``\\pm`` token to a term."""
    value = sign.value
    if value == "+":
        return term
    if value in ("-", "−"):
        return A.Neg(term, pos=sign.start_pos)
    return A.PlusMinus(term, pos=sign.start_pos)
