"""FPL101 blocking-call-in-async-route."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.blocking import analysis_for, describe_function, resolve_call
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.rule import Rule


@dataclass(frozen=True)
class Options:
    extra_blocking_calls: tuple[str, ...] = ()
    """Qualified names of further calls to treat as blocking (`mylib.fetch_sync`)."""
    allowed_calls: tuple[str, ...] = ()
    """Qualified names never to report (`time.sleep` in a test helper, say)."""


class BlockingCallInAsyncRoute(Rule):
    """FPL101: Checks for blocking calls in `async def` code that runs on the event loop.

    ## What it does
    Reports a call that blocks the thread (sleeping, network or file I/O, subprocesses) made
    directly in the body of an `async def` function: a route, a websocket handler, a
    dependency, a middleware, a lifespan handler, or any other coroutine. Names are resolved
    through imports and aliases (`from time import sleep as nap` is still `time.sleep`).

    ## Why is this bad?
    FastAPI runs `async def` routes on the event loop itself. While one blocks, the whole worker
    serves nobody: every other request, health check and websocket waits. A single
    `time.sleep(1)` caps a worker at one request a second. Sync `def` routes are fine: FastAPI
    runs them in a threadpool.

    ## Example
    ```python
    import time

    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    async def rates():
        time.sleep(1)
        return requests.get("https://rates.example.com").json()
    ```

    Use instead:
    ```python
    import asyncio

    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    async def rates():
        await asyncio.sleep(1)
        async with httpx.AsyncClient() as client:
            response = await client.get("https://rates.example.com")
        return response.json()
    ```
    Or make the route a plain `def`, which FastAPI runs in its threadpool, or hand the call
    over with `await asyncio.to_thread(...)` / `await run_in_threadpool(...)`.

    ## Options
    Both take qualified names, as the messages print them: `extra-blocking-calls` adds calls
    (your own sync clients, say), `allowed-calls` removes them.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [asyncio: Running blocking code](https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code)
    """

    code = "FPL101"
    name = "blocking-call-in-async-route"
    message = "Blocking call `{call}` in {where}; use {alternative}"
    fix_title = "Use the async alternative, `await asyncio.to_thread(...)`, or a sync `def`"
    added_in = "0.1.0"
    Options = Options

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        if not ctx.in_async_function():
            return
        options: Options = self.options
        analysis = analysis_for(ctx.index, options.extra_blocking_calls, options.allowed_calls)
        blocker = resolve_call(node, ctx, analysis).blocker
        if blocker is None:
            return
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(receiver, ast.Call) and resolve_call(receiver, ctx, analysis).blocker:
            return  # `open(path).read()`: one finding for the chain, on the call that blocks first
        yield self.report(
            node,
            ctx,
            call=blocker.name.removeprefix("builtins."),
            where=describe_function(ctx),
            alternative=blocker.alternative,
        )
