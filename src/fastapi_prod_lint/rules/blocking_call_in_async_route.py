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
    Reports a call that blocks the thread made directly in code that runs on the event loop:
    the body of an `async def` (a route, a websocket handler, a dependency, a middleware, a
    lifespan or startup handler, a background task, any coroutine) or of a sync function
    wrapped by a project decorator that returns an `async def`. The catalogue covers sleeping;
    HTTP clients (`requests`, `httpx`, `urllib`, `urllib3`, their sessions and pools); sockets,
    DNS, `smtplib`, `ftplib`; database drivers (`sqlite3`, `psycopg2`, `psycopg`, `pymysql`,
    `MySQLdb`, sync `redis`, `pymongo`, `boto3` clients) and sync SQLAlchemy/SQLModel
    `Session`, `Connection` and `Engine` I/O; files (`open()` and its file objects, `os`,
    `shutil`, `glob`, `tempfile`, `pathlib`, `json.load`); subprocesses; thread locks, events,
    queues and futures; and the slow password hashes (`bcrypt`, passlib, argon2,
    `hashlib.pbkdf2_hmac`). Names are resolved through imports, aliases and simple local
    bindings (`from time import sleep as nap` is still `time.sleep`); an object's class comes
    from annotations, `Depends()` providers (a `get_db` that yields `SessionLocal()`),
    constructor and factory calls, `with ... as` targets and module-level instances. Calls
    handed over (`asyncio.to_thread(f)`, `run_in_threadpool(f)`, `add_task(f)`) and code after
    an unconditional `return` or `raise` are not reported.

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
