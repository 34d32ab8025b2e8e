"""FPL303 table-model-as-request-body."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.models import TABLE, model_kind, short, type_names
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.summary import DEPENDS_NAMES

FILLED_FROM_REQUEST = ("route", "dependency")
SCALARS = frozenset({"int", "str", "bool", "float", "bytes"})


class TableModelAsRequestBody(Rule):
    """FPL303: Checks for SQLModel table models taken as the request body of a route.

    ## What it does
    Reports a parameter of a route, or of a dependency (FastAPI fills a dependency's parameters
    from the request too), whose type reaches a SQLModel `table=True` class, directly or in a
    container such as `list[Hero]` or `Hero | None`, with or without `Body()`. Parameters that
    FastAPI fills by calling a dependency (`= Depends(...)`, `Annotated[Hero, Depends(...)]`,
    an `Annotated` alias holding `Depends`) are not reported.

    ## Why is this bad?
    A table model as a body lets the client set every column: the primary key, the owner, an
    `is_admin` flag, a `hashed_password`. This is mass assignment: the route stores whatever
    the client sent, and an attacker only needs to guess a column name. It also couples the
    public API to the database schema.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlmodel import Field, SQLModel

    app = FastAPI()


    class Hero(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str
        owner_id: int | None = None


    @app.post("/heroes/")
    def create_hero(hero: Hero):
        return {"id": hero.id}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from sqlmodel import Field, SQLModel

    app = FastAPI()


    class HeroBase(SQLModel):
        name: str


    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        owner_id: int | None = None


    class HeroCreate(HeroBase):
        pass


    class HeroPublic(HeroBase):
        id: int


    @app.post("/heroes/", response_model=HeroPublic)
    def create_hero(hero: HeroCreate):
        db_hero = Hero.model_validate(hero)
        db_hero.id = 1
        return db_hero
    ```
    SQLModel's "multiple models" pattern: `HeroCreate` holds exactly what a client may send,
    `Hero.model_validate(hero)` makes the row, and the server sets the rest.

    ## References
    - [SQLModel: Multiple Models with FastAPI](https://sqlmodel.tiangolo.com/tutorial/fastapi/multiple-models/)
    - [OWASP API Security: Broken Object Property Level Authorization (mass assignment)](https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/)
    """

    code = "FPL303"
    name = "table-model-as-request-body"
    message = (
        "Table model `{model}` is the request body `{param}` of {where}: a client can set every "
        "column (ids, owners, flags); accept a create model"
    )
    fix_title = "Accept a create model with only the fields a client may set"
    added_in = "0.1.0"

    def visit_FunctionDef(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        roles = [role for role in ctx.roles_of(node) if role.kind in FILLED_FROM_REQUEST]
        if not roles:
            return
        where = min(roles, key=lambda role: FILLED_FROM_REQUEST.index(role.kind)).label
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = [*zip(positional, defaults, strict=True)]
        pairs += zip(args.kwonlyargs, args.kw_defaults, strict=True)
        if ctx.in_class_body():  # `self` of a class dependency's `__init__`
            pairs = pairs[1:]
        for arg, default in pairs:
            annotation = arg.annotation
            if annotation is None or self._is_dependency(default, ctx):
                continue
            if (
                isinstance(annotation, ast.Name)
                and annotation.id in SCALARS
                and annotation.id not in ctx.bindings
            ):
                continue  # `item_id: int`: the usual path or query parameter
            names = type_names(ctx.index, annotation, ctx.qualified_name)
            if any(name.dependency for name in names):
                continue
            table = next(
                (n.dotted for n in names if n.dotted and model_kind(ctx.index, n.dotted) == TABLE),
                None,
            )
            if table is not None:
                yield self.report(annotation, ctx, model=short(table), param=arg.arg, where=where)

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def _is_dependency(default: ast.expr | None, ctx: ModuleContext) -> bool:
        return isinstance(default, ast.Call) and ctx.qualified_name(default.func) in DEPENDS_NAMES
