"""Write an AST back as LaTeX: "your answer, as understood".

The output reads back to the same tree (``parse_answer(to_latex(t)) == t``, positions aside):
parentheses are added exactly where the grammar needs them, as ``\\left( \\right)``, and a
:class:`~nablagrade.check.ast.Group` prints its own. One small printer per node type.
"""

from __future__ import annotations

from nablagrade.check import ast as A
from nablagrade.check.words import (
    DECORATION_LATEX, FUNCTION_LATEX, FUNCTIONS, MUL_LATEX, REL_LATEX,
)

# How tightly a node binds when printed bare: an operand that binds looser than its context
# needs is parenthesised.
STATEMENT, ADD, TERM, JUXT, ITEM, ATOM = range(6)
_LEVEL = {A.Add: ADD, A.Neg: ADD, A.PlusMinus: ADD, A.BinOp: TERM, A.SumOp: TERM,
          A.ProdOp: TERM, A.Juxt: JUXT, A.Differential: JUXT, A.Pow: ITEM, A.Index: ITEM,
          A.Transpose: ITEM, A.Factorial: ITEM, A.Relation: STATEMENT, A.And: STATEMENT}


def to_latex(node: A.Node) -> str:
    """LaTeX for any node, an Answer included."""
    return _PRINTERS[type(node)](node)


def _at(node, level: int) -> str:
    text = to_latex(node)
    return text if _LEVEL.get(type(node), ATOM) >= level else f"\\left({text}\\right)"


def _ends_open(node) -> bool:
    """Does the printed node end in a \\sum or \\prod whose body would swallow what follows?"""
    while True:
        if isinstance(node, (A.SumOp, A.ProdOp)):
            return True
        if isinstance(node, A.Juxt):
            node = node.items[-1]
        elif isinstance(node, A.BinOp):
            node = node.right
        elif isinstance(node, (A.Neg, A.PlusMinus)):
            node = node.operand
        else:
            return False


def _closed(node, level: int) -> str:
    """Like _at, and parenthesised when a trailing \\sum would swallow what comes next."""
    return f"\\left({to_latex(node)}\\right)" if _ends_open(node) else _at(node, level)


def _is_word(node) -> bool:
    return (isinstance(node, A.Name) and node.base in FUNCTIONS and node.sub is None
            and not node.decorations and not node.primes)


def _arg(node) -> str:
    """A braced argument; a function word as a name (``x_\\text{max}``) keeps its one-token form."""
    return _word(node.base) if _is_word(node) else "{" + to_latex(node) + "}"


def _word(base: str) -> str:
    if base.startswith("\\") or len(base) == 1:
        return base
    return f"\\mathrm{{{base}}}"


# ----- names and numbers ------------------------------------------------------------------------

def _number(node: A.Number) -> str:
    text = node.text + ("\\%" if node.percent else "")
    return f"\\mathbf{{{text}}}" if node.bold else text


def _name(node: A.Name) -> str:
    text = _word(node.base)
    for number, mark in enumerate(node.decorations):
        one_token = number == 0 and _is_word(A.Name(node.base))
        text = f"{DECORATION_LATEX[mark]}{text}" if one_token else \
            f"{DECORATION_LATEX[mark]}{{{text}}}"
    text += "'" * node.primes
    if node.sub is not None:
        text += "_" + _sub(node.sub)
    return text


def _sub(sub) -> str:
    if isinstance(sub, A.Tuple):
        return "{" + ", ".join(to_latex(item) for item in sub.items) + "}"
    return _arg(sub)


def _shape(node: A.Shape) -> str:
    if len(node.dims) < 2:
        return "\\mathbb{R}" + ("^" + _arg(node.dims[0]) if node.dims else "")
    first, *rest = node.dims
    parts = [f"\\left({to_latex(first)}\\right)" if _is_times(first) else _closed(first, TERM)]
    parts += [_closed(dim, JUXT) for dim in rest]
    return "\\mathbb{R}^{" + " \\times ".join(parts) + "}"


def _is_times(node) -> bool:
    return isinstance(node, A.BinOp) and node.op == "times"


# ----- operators --------------------------------------------------------------------------------

def _add(node: A.Add) -> str:
    out = _signed(node.terms[0], first=True)
    return out + "".join(_signed(term, first=False) for term in node.terms[1:])


def _signed(term, first: bool) -> str:
    if isinstance(term, A.Neg):
        return ("-" if first else " - ") + _at(term.operand, TERM)
    if isinstance(term, A.PlusMinus):
        return ("\\pm " if first else " \\pm ") + _at(term.operand, TERM)
    return ("" if first else " + ") + _at(term, TERM)


def _binop(node: A.BinOp) -> str:
    left = _closed(node.left, TERM)
    right = node.right
    if node.op == "/" and isinstance(right, A.Juxt):       # show how much the divisor takes
        text = f"\\left({to_latex(right)}\\right)"
    elif isinstance(right, (A.SumOp, A.ProdOp)):
        text = to_latex(right)
    else:
        text = _at(right, JUXT)
    return f"{left} {MUL_LATEX[node.op]} {text}"


def _juxt(node: A.Juxt) -> str:
    parts = []
    for number, item in enumerate(node.items):
        after_name = number and isinstance(node.items[number - 1], A.Name)
        if number and (isinstance(item, (A.ListLit, A.Iverson)) or _bare_postfix(item)
                       or after_name and isinstance(item, A.Number)):  # y(1), not y 1
            parts.append(f"\\left({to_latex(item)}\\right)")      # else an index, a Group
        elif number == len(node.items) - 1 and isinstance(item, _TAILS):
            parts.append(to_latex(item))
        else:
            parts.append(_at(item, ITEM))
    return " ".join(parts)


_TAILS = (A.SumOp, A.ProdOp, A.Differential)
_CHAIN = A.POSTFIX_TARGET


def _bare_postfix(item) -> bool:
    """A postfix on parentheses that are not a Group (``((a b)[i])``): reads back only wrapped."""
    if type(item) not in _CHAIN:
        return False
    while type(item) in _CHAIN:
        item = getattr(item, _CHAIN[type(item)])
    return _LEVEL.get(type(item), ATOM) < ATOM or isinstance(item, (A.ListLit, A.Iverson))


def _postfix(target) -> str:
    return _at(target, ITEM)


# ----- printers ---------------------------------------------------------------------------------

def _relation(node: A.Relation) -> str:
    out = to_latex(node.operands[0])
    for op, operand in zip(node.ops, node.operands[1:]):
        out += f" {REL_LATEX[op]} {to_latex(operand)}"
    return out


def _call(node: A.Call) -> str:
    name = FUNCTION_LATEX.get(node.name, f"\\operatorname{{{node.name}}}")
    base = "" if node.base is None else "_" + _arg(node.base)
    return f"{name}{base}\\left({', '.join(to_latex(a) for a in node.args)}\\right)"


def _bigop(node) -> str:
    out = "\\sum" if isinstance(node, A.SumOp) else "\\prod"
    if node.var is not None:
        lower = to_latex(node.var) + ("" if node.lo is None else " = " + to_latex(node.lo))
        out += "_{" + lower + "}"
    if node.hi is not None:
        out += "^" + _arg(node.hi)
    return f"{out} {_at(node.body, TERM)}"


def _derivative(node: A.Derivative) -> str:
    mark = "\\partial" if node.partial else "d"
    return f"\\frac{{{mark} {_closed(node.num, JUXT)}}}{{{mark} {_closed(node.den, JUXT)}}}"


def _cases(node: A.Cases) -> str:
    rows = [f"{to_latex(value)} & " + ("\\text{otherwise}" if cond is None
                                       else "\\text{if } " + to_latex(cond))
            for value, cond in node.branches]
    return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"


def _matrix(node: A.ArrayLit) -> str:
    rows = [" & ".join(to_latex(cell) for cell in row) for row in node.rows]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


def _items(items) -> str:
    return ", ".join(to_latex(item) for item in items)


def _equation(node: A.Equation) -> str:
    sides = [] if node.lhs is None else [to_latex(node.lhs)]
    sides += [to_latex(side) for side in (*node.middle, node.rhs)]
    op = f" {REL_LATEX[node.op]} "
    return (op.lstrip() if node.lhs is None else "") + op.join(sides)


def _membership(node: A.Membership) -> str:
    lhs = "" if node.lhs is None else to_latex(node.lhs) + " "
    return f"{lhs}\\in {to_latex(node.shape)}"


_PRINTERS = {
    A.Number: _number, A.Name: _name, A.Dots: lambda n: "\\dots", A.Shape: _shape,
    A.Index: lambda n: f"{_postfix(n.target)}[{_items(n.indices)}]",
    A.Pow: lambda n: f"{_postfix(n.base)}^{_arg(n.exponent)}",
    A.Transpose: lambda n: f"{_postfix(n.target)}^{{\\top}}",
    A.Factorial: lambda n: f"{_postfix(n.operand)}!",
    A.Group: lambda n: f"\\left({to_latex(n.body)}\\right)",
    A.Juxt: _juxt, A.Add: _add, A.BinOp: _binop,
    A.Neg: lambda n: "-" + _at(n.operand, TERM),
    A.PlusMinus: lambda n: "\\pm " + _at(n.operand, TERM),
    A.Call: _call, A.Frac: lambda n: f"\\frac{_arg(n.num)}{_arg(n.den)}",
    A.Sqrt: lambda n: "\\sqrt" + ("" if n.root is None else f"[{to_latex(n.root)}]")
    + _arg(n.radicand),
    A.Floor: lambda n: f"\\left\\lfloor {to_latex(n.arg)} \\right\\rfloor",
    A.Ceil: lambda n: f"\\left\\lceil {to_latex(n.arg)} \\right\\rceil",
    A.Abs: lambda n: f"\\left| {to_latex(n.arg)} \\right|",
    A.Binom: lambda n: f"\\binom{_arg(n.n)}{_arg(n.k)}",
    A.SumOp: _bigop, A.ProdOp: _bigop, A.Derivative: _derivative,
    A.Differential: lambda n: "\\partial " + _closed(n.body, JUXT),
    A.Kronecker: lambda n: f"\\delta_{{{to_latex(n.i)}, {to_latex(n.j)}}}",
    A.Relation: _relation,
    A.And: lambda n: " \\text{ and } ".join(to_latex(p) for p in n.parts),
    A.Iverson: lambda n: f"\\left[{to_latex(n.condition)}\\right]",
    A.Cases: _cases, A.ArrayLit: _matrix,
    A.ListLit: lambda n: f"\\left[{_items(n.items)}\\right]",
    A.Tuple: lambda n: f"\\left({_items(n.items)}\\right)",
    A.Value: lambda n: to_latex(n.expr), A.Equation: _equation,
    A.Definition: lambda n: f"{to_latex(n.lhs)} := {to_latex(n.rhs)}",
    A.Membership: _membership,
    A.Answer: lambda n: ", ".join(to_latex(s) for s in n.statements),
}
