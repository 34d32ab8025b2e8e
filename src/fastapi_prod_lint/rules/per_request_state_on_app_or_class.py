"""FPL404 per-request-state-on-app-or-class."""

from __future__ import annotations

import ast

from fastapi_prod_lint.core.context import FunctionNode, ModuleContext
from fastapi_prod_lint.core.shared_state import Write, WriteNode, WriteRule, module_level_name

CLASS_METHOD = frozenset({"builtins.classmethod"})


class PerRequestStateOnAppOrClass(WriteRule):
    """FPL404: Checks for request data written on the app object or on a class.

    ## What it does
    Reports code on the request path (routes, dependencies, middleware, and the project
    functions they call, in any module) that writes an attribute of `app.state`
    (`app.state.user = ...`, `request.app.state.tenant = ...`), of the FastAPI app itself, or
    of a class (`cls.current_user = ...` in a classmethod, `Service.token = ...`,
    `type(self).x = ...`), by assignment, `del` or `setattr`, whatever the name.
    Writes to `request.state` are what it is for and are never reported, nor are writes in
    lifespan/startup code (`app.state.db = engine`) or at module level, nor a singleton made
    on first use from no data of the request (`if cls._instance is None: cls._instance =
    cls()`), nor a patch or set-up done once behind a once-flag: the `if` tests
    `hasattr(Cls, "...")`, state the guarded block fills, or a flag the function only ever
    sets to one constant (`if Cls._ready: return` ... `Cls._ready = True`). A flag the
    function also resets (`busy = True` ... `busy = False`) guards nothing.

    ## Why is this bad?
    There is one app object and one class object per worker, shared by every request it
    serves at once. `app.state` is meant for what the whole app shares (a connection pool, a
    settings object), set up once in the lifespan. A value a request stores there is
    overwritten by the next request that runs while the first one awaits, and the first one
    then reads the other user's data.

    ## Example
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header, Request

    app = FastAPI()


    async def authenticate(request: Request, authorization: Annotated[str, Header()]):
        request.app.state.user = authorization.removeprefix("Bearer ")


    @app.get("/me", dependencies=[Depends(authenticate)])
    async def me(request: Request):
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": request.app.state.user}
    ```

    Use instead:
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header, Request

    app = FastAPI()


    async def authenticate(request: Request, authorization: Annotated[str, Header()]):
        request.state.user = authorization.removeprefix("Bearer ")


    @app.get("/me", dependencies=[Depends(authenticate)])
    async def me(request: Request):
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": request.state.user}
    ```
    `request.state` belongs to one request. A dependency that returns the value
    (`user: Annotated[str, Depends(authenticate)]`) is simpler still, and a
    `contextvars.ContextVar` serves code far from the route.

    ## References
    - [Starlette: Request state](https://www.starlette.io/requests/#other-state)
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    """

    code = "FPL404"
    name = "per-request-state-on-app-or-class"
    message = "`{target}` written in {where}: the {owner} is shared by every request"
    fix_title = "Keep it on `request.state`, return it from a dependency, or use a `ContextVar`"
    added_in = "0.1.0"

    def judge(
        self, write: Write, node: WriteNode, function: FunctionNode, ctx: ModuleContext
    ) -> dict[str, str] | None:
        owner = _owner(write.obj, function, ctx) if write.attr is not None else None
        if owner is None:
            return None
        return {"target": f"{ast.unparse(write.obj)}.{write.attr}", "owner": owner}


def _owner(obj: ast.expr, function: FunctionNode, ctx: ModuleContext) -> str | None:
    """`app object` when `obj` is the app or its `state`, `class` when it is a class."""
    if isinstance(obj, ast.Attribute):
        if obj.attr == "__class__":  # `self.__class__`
            return "class"
        inner = obj.value  # `request.app.state`, `app.state`
        is_state = obj.attr == "state"
        app_state = isinstance(inner, ast.Attribute) and inner.attr == "app"
        if is_state and (app_state or _is_app(ctx.qualified_name(inner), ctx)):
            return "app object"
        return None
    if isinstance(obj, ast.Call):  # `type(self)`
        is_type = ctx.qualified_name(obj.func) == "builtins.type" and len(obj.args) == 1
        return "class" if is_type else None
    if not isinstance(obj, ast.Name):
        return None
    if _is_cls(obj, function, ctx):
        return "class"
    dotted = module_level_name(obj, ctx)
    if dotted is None:
        return None  # a local or a parameter (`self`)
    if _is_app(dotted, ctx):
        return "app object"
    return "class" if ctx.index.class_(dotted) is not None else None


def _is_app(dotted: str | None, ctx: ModuleContext) -> bool:
    router = ctx.index.fastapi.routers.get(dotted) if dotted else None
    return router is not None and router.is_app


def _is_cls(name: ast.Name, function: FunctionNode, ctx: ModuleContext) -> bool:
    """The first parameter of a classmethod."""
    if isinstance(function, ast.Lambda):
        return False
    positional = [*function.args.posonlyargs, *function.args.args]
    return (
        bool(positional)
        and positional[0].arg == name.id
        and any(ctx.qualified_name(d) in CLASS_METHOD for d in function.decorator_list)
    )
