"""FPL403 thread-local-in-async-app."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.shared_state import THREAD_LOCALS


class ThreadLocalInAsyncApp(Rule):
    """FPL403: Checks for `threading.local()` in a FastAPI project.

    ## What it does
    Reports every `threading.local()` call (also `from threading import local`, and
    `_threading_local.local`) and every class that subclasses `threading.local`, in any module
    of a project that has a FastAPI app or router. Where it is created does not matter: the
    object is the problem, whoever writes it.

    ## Why is this bad?
    A thread-local holds one value per thread, but an async app serves every request of a
    worker on one thread, the event loop's: all the coroutines in flight share one value, and a
    request reads the user or the tenant another request stored. Sync routes and dependencies
    run on a pool of threads that are reused, so a value left behind is seen by the next
    request on that thread. Code ported from Flask or Django middleware often brings this
    pattern along.

    ## Example
    ```python
    import asyncio
    import threading

    from fastapi import FastAPI, Request

    app = FastAPI()
    context = threading.local()


    @app.middleware("http")
    async def remember_caller(request: Request, call_next):
        context.caller = request.headers.get("authorization", "").removeprefix("Bearer ")
        return await call_next(request)


    @app.get("/me")
    async def me():
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": context.caller}
    ```

    Use instead:
    ```python
    import asyncio
    from contextvars import ContextVar

    from fastapi import FastAPI, Request

    app = FastAPI()
    caller: ContextVar[str] = ContextVar("caller", default="")


    @app.middleware("http")
    async def remember_caller(request: Request, call_next):
        caller.set(request.headers.get("authorization", "").removeprefix("Bearer "))
        return await call_next(request)


    @app.get("/me")
    async def me():
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": caller.get()}
    ```
    A `contextvars.ContextVar` holds one value per task: each request, and the threads
    Starlette runs sync code in, see their own. For values a route needs, a dependency that
    returns them is simpler still.

    ## References
    - [Python: contextvars](https://docs.python.org/3/library/contextvars.html)
    - [Starlette: Middleware](https://www.starlette.io/middleware/)
    """

    code = "FPL403"
    name = "thread-local-in-async-app"
    message = "`{name}` in a FastAPI app: coroutines served on one thread share it"
    fix_title = "Use a `contextvars.ContextVar`"
    added_in = "0.1.0"

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        if _thread_local(node.func, ctx):
            yield self.report(node, ctx, name="threading.local()")

    def visit_ClassDef(self, node: ast.ClassDef, ctx: ModuleContext) -> Iterator[Finding]:
        for base in node.bases:
            if _thread_local(base, ctx):
                yield self.report(base, ctx, name=f"class {node.name}(threading.local)")


def _thread_local(expr: ast.expr, ctx: ModuleContext) -> bool:
    """`threading.local` however imported, in a project with a FastAPI app or router. (The
    last name is checked first: this runs on every call of every module.)"""
    if isinstance(expr, ast.Attribute):
        if expr.attr != "local":
            return False
    elif isinstance(expr, ast.Name):  # `from threading import local [as tl]`
        binding = ctx.bindings.get(expr.id)
        if binding is None or binding.target not in THREAD_LOCALS:
            return False
    else:
        return False
    return ctx.qualified_name(expr) in THREAD_LOCALS and bool(ctx.index.fastapi.routers)
