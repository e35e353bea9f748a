"""How a written name maps to a key of the problem's symbol table.

``W_h``, ``W_{h}`` -> ``"W_h"``; ``T_{h}`` -> ``"T_h"``; ``\\beta`` -> ``"beta"``;
``u_3`` -> ``"u_3"``; ``W_{hh}`` -> ``"W_hh"``. A subscript that is an expression (``x_{t-1}``,
``W_{1,k,i}``) is not part of the key: the resolver reads it as an index of the base.
"""

from __future__ import annotations

from nablagrade.check import ast as A


def base_key(node: A.Name) -> str:
    return node.base.lstrip("\\")


def _sub_key(sub) -> str | None:
    if isinstance(sub, A.Number) and not sub.percent:
        return sub.text
    if isinstance(sub, A.Name) and sub.sub is None and not sub.primes:
        return base_key(sub)
    if isinstance(sub, A.Juxt) and all(isinstance(i, (A.Name, A.Number)) for i in sub.items):
        parts = [_sub_key(i) for i in sub.items]
        return None if None in parts else "".join(parts)
    return None


def name_key(node: A.Name) -> str:
    """The full key of a name, subscript included when it is a plain label or number."""
    key = base_key(node)
    if node.sub is not None:
        sub = _sub_key(node.sub)
        if sub is not None:
            key = f"{key}_{sub}"
    return key + "'" * node.primes


def head_key(node) -> str | None:
    """The key of the name at the head of an expression (``a_t``, ``\\delta[t]^\\top`` ->
    ``a``/``delta``), or None when the expression is not headed by a name."""
    while isinstance(node, (A.Index, A.Transpose, A.Group)):
        node = node.target if not isinstance(node, A.Group) else node.body
    if isinstance(node, A.Name):
        return base_key(node) if node.sub is not None and _sub_key(node.sub) is None \
            else name_key(node)
    return None
