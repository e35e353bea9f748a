"""The answer's own definitions, as the `Resolver` meets their names.

A plain definition (``z = ...``) or a non-recursive one over an index (``a_t = ...``) is inlined
where it is used, its variable replaced by the index written there. A recursive definition
(``\\delta[t]^\\top = ... \\delta[t+1]^\\top ...``) with base cases (``\\delta[K+1] = 0``)
becomes a sequence of its own (``~delta``) evaluated lazily, in whatever order the recursion
needs, through a `Piecewise` body: its shape is found by trying the shapes the problem's
quantities have. Cycles among plain definitions and recursions without a base case are errors.
"""

from __future__ import annotations

import sympy as sp

from nablagrade.check import ast as A
from nablagrade.check.matrix_algebra import Flex, fit, quote, same, same_shape, shape_text
from nablagrade.check.matrix_defs import AnswerError, BadDefinition, Def, IllTyped, Unknown, tex
from nablagrade.check.matrix_index import Ctx
from nablagrade.check.matrix_nodes import Lin
from nablagrade.check.matrix_sequences import Piecewise
from nablagrade.check.names import base_key, name_key
from nablagrade.derive.mexpr import ONE, Var, transpose

RECURSION_MARGIN = 3  # steps past the sequence's ends before a recursion is declared endless


def _mentions(node: A.Node, key: str) -> bool:
    return any(isinstance(n, A.Name) and key in (name_key(n), base_key(n))
               for n, _ in A.walk(node))


class DefinitionsMixin:
    """Inlining and lazy recursion for the `Resolver` (needs ``self.scope``, ``self.plan``)."""

    def defined(self, key: str, index, ctx: Ctx, src: A.Node):
        """The value of the answer's own name ``key`` at the index written (or ``t``)."""
        group = self.plan.defs[key]
        where = self.at(index, ctx)
        if group.plain is not None:  # at the index written, else at t
            return self.inline(group.plain, key, where, ctx, time_only=True)
        if group.general is not None and (group.bases or _mentions(group.general.rhs, key)):
            return self.place(self.recursive(key), where, src)
        if group.general is not None:
            return self.inline(group.general, key, where, ctx)
        for base in group.bases:
            if same(self.index(base.index, Ctx()), where):
                return self.inline(base, key, None, ctx)
        raise Unknown(f"{quote(src)}: {tex(key)} is not defined at index {sp.sstr(where)}", src.pos)

    def inline(self, d: Def, key: str, where, ctx: Ctx, time_only: bool = False):
        """The value of definition ``d`` used at index ``where`` (None: as written)."""
        if key in ctx.stack:
            raise BadDefinition(f"{tex(key)} is defined in terms of itself", d.pos)
        variable = self.symbol(d.var) if d.var is not None and not time_only else self.scope.time
        subst = {} if where is None else {variable: where}
        time = self.scope.time
        if variable != time and time in ctx.subst:
            subst[time] = ctx.subst[time]
        bound = {d.var: variable} if d.var is not None and not time_only else {}
        value = self.expr(d.rhs, Ctx(bound, subst, ctx.stack + (key,)))
        if d.transposed:
            value = value.transposed() if isinstance(value, Flex) else transpose(value)
        return value

    # ---- recursive definitions -------------------------------------------------------------
    def recursive(self, key: str) -> Var:
        """The sequence ``~key`` of a recursive definition, defined on first use."""
        if key in self.lazy:
            return self.lazy[key]
        group = self.plan.defs[key]
        if not group.bases:
            raise BadDefinition(f"the recursion for {tex(key)} has no base case (such as "
                                f"{tex(key)[:-1]}[K+1] = 0$)", group.general.pos)
        failure = None
        for shape in self._shapes(key, group.general):
            self.lazy[key] = Var("~" + key, shape[0], shape[1], self.scope.time, key)
            try:
                self._define(key, group, shape)
                return self.lazy[key]
            except IllTyped as err:
                failure = failure or err
        del self.lazy[key]
        raise failure

    def _define(self, key: str, group, shape) -> None:
        time = self.scope.time
        body = self.inline(group.general, key, time, Ctx())
        body = fit(body, shape, group.general.rhs)
        if not same_shape(body.shape, shape):
            raise IllTyped(f"{tex(key)} would be {shape_text(body.shape)} by its definition "
                           f"but {shape_text(shape)} where it is used", group.general.pos)
        bases = []
        for base in group.bases:
            at = self.lin(self.index(base.index, Ctx()), base.rhs)
            value = fit(self.inline(base, key, None, Ctx()), shape, base.rhs)
            if not same_shape(value.shape, shape):
                raise IllTyped(f"the base case of {tex(key)} is {shape_text(value.shape)}, not "
                               f"{shape_text(shape)}", base.pos)
            bases.append((at, value))
        length = sp.sympify(self.scope.length, strict=True)
        span = (Lin.of(-RECURSION_MARGIN), Lin.of(length + RECURSION_MARGIN))
        self.bodies["~" + key] = Piecewise(tex(key), body, tuple(bases), time, span)

    def _shapes(self, key: str, general: Def):
        """Candidate shapes of a recursive quantity: that of a term of its definition that
        does not use it, then columns, rows and matrices of the problem's dimensions."""
        terms = general.rhs.terms if isinstance(general.rhs, A.Add) else (general.rhs,)
        for term in terms:
            if not _mentions(term, key):
                try:
                    value = self.expr(term, Ctx({general.var: self.symbol(general.var)}
                                                if general.var else {}))
                except AnswerError:
                    continue
                if not isinstance(value, Flex):
                    rows, cols = value.shape
                    yield (cols, rows) if general.transposed else (rows, cols)
                    break
        dims = []
        for var in self.scope.names.values():
            for d in var.shape:
                if not any(same(d, e) for e in dims):
                    dims.append(d)
        dims = [d for d in dims if not same(d, 1)]
        yield from ((d, ONE) for d in dims)
        yield from ((ONE, d) for d in dims)
        yield from ((a, b) for a in dims for b in dims)
        yield (ONE, ONE)
