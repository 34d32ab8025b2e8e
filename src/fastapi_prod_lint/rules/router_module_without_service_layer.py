"""FPL203 router-module-without-service-layer."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.layering import handler_facts, route_role_label
from fastapi_prod_lint.core.naming import words
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.semantics import ROUTER_CLASSES


@dataclass(frozen=True)
class Options:
    min_handlers: int = 3
    """How many handlers of a router module may use the database directly before the module
    is reported."""
    service_layer_names: tuple[str, ...] = (
        "service",
        "services",
        "repository",
        "repositories",
        "repo",
        "repos",
        "crud",
        "dao",
        "dal",
        "usecases",
        "use_cases",
        "domain",
        "logic",
    )
    """Names of the project's service layer: a project module whose dotted name has such a
    part (or a part with such a word), or a project name with such a word (`UserService`)."""


class RouterModuleWithoutServiceLayer(Rule):
    """FPL203: Checks for router modules whose handlers all talk to the database themselves.

    ## What it does
    Reports a module that creates an `APIRouter` when at least `min-handlers` of its route
    handlers make database calls themselves (on a session, a connection or a cursor) and
    the module imports nothing from a service layer of the project: no module named like
    `services`, `repositories`, `crud`, ... and no name like `UserService` or
    `ItemRepository`. It is reported once, at the router's creation. Apps that keep their
    routes on `app = FastAPI()` (the single-file tutorials) are not router modules.

    ## Why is this bad?
    When every handler of a router builds its own queries, the same lookups, filters and
    ownership rules are written again in each handler and in each router, and nothing but
    HTTP tests can reach them. A router module is where a project grows; a service or
    repository module next to it keeps the database work in one place, testable and
    reusable.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import APIRouter, Depends
    from sqlmodel import Field, Session, SQLModel, select

    router = APIRouter(prefix="/items")


    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str


    class ItemIn(SQLModel):
        name: str


    def get_session():
        yield Session()


    SessionDep = Annotated[Session, Depends(get_session)]


    @router.get("/")
    def list_items(session: SessionDep) -> list[ItemIn]:
        return [ItemIn(name=item.name) for item in session.exec(select(Item)).all()]


    @router.post("/")
    def create_item(body: ItemIn, session: SessionDep) -> ItemIn:
        session.add(Item(name=body.name))
        session.commit()
        return body


    @router.delete("/{item_id}")
    def delete_item(item_id: int, session: SessionDep) -> None:
        session.delete(session.get(Item, item_id))
        session.commit()
    ```

    Use instead:
    ```python
    # app/services/items.py
    from sqlmodel import Session, select

    from app.models import Item


    def list_names(session: Session) -> list[str]:
        return [item.name for item in session.exec(select(Item)).all()]


    # app/routers/items.py
    from typing import Annotated

    from fastapi import APIRouter, Depends
    from sqlmodel import Session

    from app.services import items

    router = APIRouter(prefix="/items")


    def get_session():
        yield Session()


    @router.get("/")
    def list_items(session: Annotated[Session, Depends(get_session)]) -> list[str]:
        return items.list_names(session)
    ```

    ## Options
    `min-handlers` (default 3) and `service-layer-names`.

    ## References
    - [FastAPI: Bigger applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
    - [Cosmic Python: the repository pattern](https://www.cosmicpython.com/book/chapter_02_repository.html)
    """

    code = "FPL203"
    name = "router-module-without-service-layer"
    message = (
        "Router `{router}` has {count} handlers that use the database directly and no "
        "service layer: {handlers}"
    )
    fix_title = "Move the database work into a service or repository module the router imports"
    added_in = "0.1.0"
    Options = Options

    def visit_Assign(self, node: ast.Assign, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node.targets[0], node.value, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node.target, node.value, ctx)

    def _check(
        self, target: ast.expr, value: ast.expr | None, ctx: ModuleContext
    ) -> Iterator[Finding]:
        if len(ctx.scopes) != 1 or not isinstance(value, ast.Call):
            return
        if not isinstance(target, ast.Name) or ctx.memo.get("router_reported"):
            return
        if ctx.qualified_name(value.func) not in ROUTER_CLASSES:
            return
        ctx.memo["router_reported"] = True
        options: Options = self.options
        direct = [
            stmt.name
            for stmt in ctx.scopes[0].node.body  # type: ignore[attr-defined]
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
            and route_role_label(stmt, ctx) is not None
            and handler_facts(stmt, ctx).persists
        ]
        if len(direct) < options.min_handlers or _imports_service_layer(ctx, options):
            return
        shown = ", ".join(f"`{name}`" for name in direct)
        yield self.report(target, ctx, router=target.id, count=str(len(direct)), handlers=shown)


SERVICE_NAME_WORDS = frozenset({"service", "repository", "repo", "crud"})


def _imports_service_layer(ctx: ModuleContext, options: Options) -> bool:
    """A project module named like a service layer (`app.services.items`, `app.crud`), or a
    project name that says it is one (`from app.teams import TeamService`)."""
    names = frozenset(options.service_layer_names)
    summary = ctx.index.modules.get(ctx.module)
    for edge in summary.imports if summary is not None else ():
        found = ctx.index.module_of(edge.target)
        if found is None:
            continue
        module, rest = found
        parts = module.module.split(".")
        if any(part in names or names.intersection(words(part)) for part in parts):
            return True
        if any(SERVICE_NAME_WORDS.intersection(words(name)) for name in rest):
            return True
    return False
