"""FPL202 route-handler-too-complex."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.layering import ROUTE_ROLES, FunctionDef, route_role_label, size_of
from fastapi_prod_lint.core.rule import Rule


@dataclass(frozen=True)
class Options:
    max_statements: int = 30
    """Statements of a handler's own body, nested blocks included, nested functions not."""
    max_branches: int = 8
    """`if`/`elif`, `for`, `while`, `except` and `case` branches of a handler's own body."""
    max_nesting: int = 4
    """How deep blocks may nest in a handler's body (an `if` in the body is depth 1)."""


class RouteHandlerTooComplex(Rule):
    """FPL202: Checks for route handlers whose own body is too big to read (off by default).

    ## What it does
    Measures each route handler's own body: its statements (nested blocks included), its
    branches (`if`/`elif`, `for`, `while`, `except`, `case`) and how deep its blocks nest,
    and reports a handler over any of the limits. A function nested in a handler is measured
    on its own, as a helper of that route, and does not count towards the handler.

    The rule is off by default: length alone is not fatness. A long handler that only parses,
    calls services and shapes the response is layered; a short one that queries, checks and
    commits is not (FPL201 finds those). Turn it on with `select` or `extend-select` when a
    team wants a size budget for handlers.

    ## Why is this bad?
    A handler that needs scrolling mixes concerns: validation, rules, persistence, response
    shaping. Each branch is a path that needs an HTTP-level test, and deep nesting hides
    which path returns what.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/report")
    def report(kind: str, year: int, month: int | None = None, region: str = "all"):
        rows = []
        if kind == "sales":
            for quarter in range(4):
                if month is None or month // 3 == quarter:
                    for day in range(90):
                        if region == "all" or day % 2:
                            rows.append((quarter, day))
        elif kind == "returns":
            rows.append(("returns", year))
        elif kind == "stock":
            rows.append(("stock", year))
        elif kind == "staff":
            rows.append(("staff", year))
        elif kind == "costs":
            rows.append(("costs", year))
        elif kind == "tax":
            rows.append(("tax", year))
        return rows
    ```

    Use instead:
    ```python
    from fastapi import FastAPI

    app = FastAPI()

    REPORTS = {"sales": lambda year: [("sales", year)], "tax": lambda year: [("tax", year)]}


    @app.get("/report")
    def report(kind: str, year: int):
        return REPORTS[kind](year)
    ```
    Move the work into functions a handler calls (a service, a table of report builders),
    each small enough to test on its own.

    ## Options
    `max-statements` (default 30), `max-branches` (default 8), `max-nesting` (default 4).

    ## References
    - [pylint: too-many-statements, too-many-branches, too-many-nested-blocks](https://pylint.readthedocs.io/en/stable/user_guide/checkers/features.html#design-checker)
    """

    code = "FPL202"
    name = "route-handler-too-complex"
    message = "{Where} is too complex: {found}"
    fix_title = "Move the work into smaller functions or a service the handler calls"
    added_in = "0.1.0"
    default_enabled = False
    Options = Options

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_AsyncFunctionDef(
        self, node: ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        return self._check(node, ctx)

    def _check(self, node: FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        label = route_role_label(node, ctx)
        if label is None:  # a function nested in a handler (at any depth) is its helper
            outer = _enclosing_route(ctx)
            if outer is None:
                return
            label = f"helper `{node.name}` of {outer}"
        size = size_of(node)
        options: Options = self.options
        over = [
            f"{value} {what} (max {limit})"
            for value, limit, what in (
                (size.statements, options.max_statements, "statements"),
                (size.branches, options.max_branches, "branches"),
                (size.nesting, options.max_nesting, "levels of nesting"),
            )
            if value > limit
        ]
        if over:
            yield self.report(node, ctx, Where=label[0].upper() + label[1:], found=", ".join(over))


def _enclosing_route(ctx: ModuleContext) -> str | None:
    """The label of the route handler the walk is inside, however deep."""
    for scope in ctx.function_scopes():
        dotted = f"{ctx.module}.{scope.qualname}" if ctx.module else scope.qualname
        roles = [r for r in ctx.index.fastapi.roles_of(dotted) if r.kind in ROUTE_ROLES]
        if roles:
            return roles[0].label
    return None
