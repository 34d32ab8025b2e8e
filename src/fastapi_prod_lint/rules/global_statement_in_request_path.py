"""FPL401 global-statement-in-request-path."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.imports import walk_own_scope
from fastapi_prod_lint.core.lazy_init import lazy_init
from fastapi_prod_lint.core.request_path import serving_function
from fastapi_prod_lint.core.rule import Rule


class GlobalStatementInRequestPath(Rule):
    """FPL401: Checks for module globals written while a request is served.

    ## What it does
    Reports a `global` declaration in code on the request path when the function writes the
    name (assigns, augments, deletes it, or binds it in a `for`, a `with` or a `:=`), whatever
    the name. The request path is what runs while a request is served: routes, dependencies,
    middleware, exception handlers, and every project function they call, at any depth and
    in any module. Module top level and lifespan/startup code are not on it, so a global set
    up once at start is not reported, nor is one only read. Nor is a singleton made on first
    use: every write sits under an `if` that tests the name (`if _client is None:`) and
    stores no data of the request (nothing from the function's parameters or a `ContextVar`),
    so every request gets the same object. The `if` may also test a once-flag: a global the
    function only ever sets to one constant (`if _patched: return` ... `_patched = True`), or
    one the guarded block fills (`if _original is None: _original = X.get; X.get = fake`).

    ## Why is this bad?
    One worker process serves many requests at once, and a module global is one slot for all
    of them. A request writes it, awaits the database, and meanwhile another request writes it
    too: the first one goes on with the second user's identity, token or tenant. Nothing fails
    in tests, which send one request at a time. Generic "no `global`" checks (pylint W0603,
    ruff PLW0603) flag harmless start-up globals and cannot tell this case apart.

    ## Example
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header

    app = FastAPI()
    current_user = None


    async def authenticate(authorization: Annotated[str, Header()]):
        global current_user
        current_user = authorization.removeprefix("Bearer ")


    @app.get("/me", dependencies=[Depends(authenticate)])
    async def me():
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": current_user}
    ```

    Use instead:
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header

    app = FastAPI()


    async def current_user(authorization: Annotated[str, Header()]) -> str:
        return authorization.removeprefix("Bearer ")


    @app.get("/me")
    async def me(user: Annotated[str, Depends(current_user)]):
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": user}
    ```
    A dependency returns the request's value and FastAPI hands it to whoever declares it.
    Code far from the route that needs it (logging, an audit helper) can read a
    `contextvars.ContextVar` set by the dependency: each request runs in its own context.

    ## References
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    - [Python: contextvars](https://docs.python.org/3/library/contextvars.html)
    """

    code = "FPL401"
    name = "global-statement-in-request-path"
    message = (
        "Module global {names} written in {where}: concurrent requests overwrite each other's value"
    )
    fix_title = "Return the value from a dependency, or keep it in a `ContextVar`"
    added_in = "0.1.0"

    def visit_Global(self, node: ast.Global, ctx: ModuleContext) -> Iterator[Finding]:
        function = ctx.enclosing_function()
        if function is None or isinstance(function, ast.Lambda):
            return
        declared = set(node.names)
        written = {
            found.id
            for found in walk_own_scope(list(function.body))
            if isinstance(found, ast.Name)
            and found.id in declared
            and isinstance(found.ctx, (ast.Store, ast.Del))
        }
        names = [name for name in node.names if name in written]
        names = [name for name in names if not lazy_init(ast.Name(name), ctx)]
        if not names:
            return
        where = serving_function(ctx)
        if where is not None:
            yield self.report(
                node, ctx, names=", ".join(f"`{name}`" for name in names), where=where
            )
