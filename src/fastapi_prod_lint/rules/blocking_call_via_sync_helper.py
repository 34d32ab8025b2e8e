"""FPL102 blocking-call-via-sync-helper."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.blocking import analysis_for, describe_function, resolve_call
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.rules.blocking_call_in_async_route import Options


class BlockingCallViaSyncHelper(Rule):
    """FPL102: Checks for sync helpers of the project that block, called from `async def` code.

    ## What it does
    Reports a call, in code that runs on the event loop, to a sync function or method of the
    project that reaches a blocking call at any depth, in any module: a service that calls a
    client that calls `requests.get`. The finding sits on the call in the async code, and the
    message shows the chain down to the blocking call. Methods are followed when the receiver's
    class is known (an annotation, a constructor call, a module-level instance, `self`).

    ## Why is this bad?
    The helper runs on the event loop as if its body were inline: while it waits for the
    network, a file or a database, the worker serves nobody. Linters that only look at the
    async function itself miss it, and in a layered code base (routes call services, services
    call clients) this is where most blocking calls hide.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    def fetch_rates():
        return requests.get("https://rates.example.com").json()


    @app.get("/rates")
    async def rates():
        return fetch_rates()
    ```

    Use instead:
    ```python
    import requests
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool

    app = FastAPI()


    def fetch_rates():
        return requests.get("https://rates.example.com").json()


    @app.get("/rates")
    async def rates():
        return await run_in_threadpool(fetch_rates)
    ```
    Or make the route a sync `def`, or the helper async with an async client.

    ## Options
    Shares `extra-blocking-calls` and `allowed-calls` with FPL101: what counts as blocking
    is the same for both rules.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Starlette: run_in_threadpool](https://www.starlette.io/threadpool/)
    """

    code = "FPL102"
    name = "blocking-call-via-sync-helper"
    message = "Blocking call `{blocking}` reached through a sync helper in {where}: `{chain}`"
    fix_title = "Await the helper with `run_in_threadpool(...)`, make it async, or use a sync `def`"
    added_in = "0.1.0"
    Options = Options

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        if not ctx.in_async_function():
            return
        options: Options = self.options
        analysis = analysis_for(ctx.index, options.extra_blocking_calls, options.allowed_calls)
        callee = resolve_call(node, ctx, analysis)
        if callee.function is None:
            return
        found = analysis.chain(callee.function)
        if found is None:
            return
        hops, blocker = found
        first = f"{ast.unparse(node.func)}()"
        yield self.report(
            node,
            ctx,
            blocking=blocker.name.removeprefix("builtins."),
            where=describe_function(ctx),
            chain=" -> ".join([first, *hops, blocker.name.removeprefix("builtins.")]),
        )
