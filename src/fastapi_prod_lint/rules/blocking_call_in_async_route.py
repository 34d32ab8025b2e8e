"""FPL101 blocking-call-in-async-route."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.blocking import (
    analysis_for,
    awaited,
    describe_function,
    hold,
    release,
    resolve_call,
)
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.event_loop import event_loop_reach
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.rule import Rule


@dataclass(frozen=True)
class Options:
    extra_blocking_calls: tuple[str, ...] = ()
    """Qualified names of further calls to treat as blocking (`mylib.fetch_sync`)."""
    allowed_calls: tuple[str, ...] = ()
    """Qualified names never to report (`time.sleep` in a test helper, say)."""
    strict_filesystem: bool = False
    """Also report cheap `stat`-like checks (`os.path.exists`, `Path.is_file`, `mkdir` with
    `exist_ok=True`) and closing a file handle."""
    report_lifespan_code: bool = False
    """Also report lifespan, startup and shutdown code (and what only it calls)."""
    report_unserved_code: bool = False
    """Also report code that only tests, scripts (`asyncio.run`, `__main__`) and CLI commands
    run, or that no entry point of the served app reaches, as ruff's `ASYNC` rules do."""


def on_served_loop(ctx: ModuleContext, options: Options) -> bool:
    """The function the walk is in runs on the served app's event loop (as the options see
    it): see core/event_loop.py."""
    qualname = ctx.function_qualname()
    if qualname is None:
        return False
    reach = event_loop_reach(ctx.index)
    return reach.reported(qualname, options.report_lifespan_code, options.report_unserved_code)


class BlockingCallInAsyncRoute(Rule):
    """FPL101: Checks for blocking calls in `async def` code that runs on the event loop.

    ## What it does
    Reports a call that blocks the thread made directly in code that runs on the served app's
    event loop: the body of an `async def` (a route, a websocket handler, a dependency, a
    middleware, an exception handler, a background task, any coroutine they call or await, in
    any module) or of a sync function wrapped by a project decorator that returns an
    `async def`. A call that is awaited, opens an `async with` or feeds an `async for` is not
    reported, whatever its receiver's annotation says: it returns something awaitable, so it
    is not the sync call of the catalogue (an `engine: Engine` attribute that holds an async
    engine, say).

    What serves requests is worked out from the project's call graph. Coroutines that only
    tests, scripts running their own loop (`asyncio.run(...)`, `anyio.run`,
    `run_until_complete`, `__main__` blocks) or CLI commands (`@app.command()`, `@click.command()`)
    reach are not reported by default (`report-unserved-code` brings them back); lifespan,
    startup and shutdown code, which delays start-up but stalls no request, is reported only
    under `report-lifespan-code` (a task it starts with `asyncio.create_task` runs beside the
    requests and is served code, and so is a function handed to `BackgroundTasks.add_task`).
    Async code that no entry point of the served app reaches (a worker loop, a helper nothing
    calls) is not reported either: what cannot be shown to run while requests are served is
    left to `report-unserved-code`. In a project with no FastAPI app or router at all (a
    library), every coroutine that tests, scripts and CLI commands do not own is reported.

    One finding is reported per function and blocking resource, on the first call; the other
    calls of that resource are counted in its message ("and 3 more file operations on lines
    41-44"), and a `# noqa` on the first call's line silences the group.

    The catalogue blocks only on I/O. Path arithmetic (`os.path.abspath`, `relpath`, `realpath`,
    `expanduser`, `normpath`, `join`, `Path.absolute`, `resolve`, `parent`, `with_suffix`) is
    never reported. One cheap metadata call (`os.path.exists`, `isfile`, `getsize`,
    `os.stat`, `Path.exists`/`is_file`/`stat`, `os.makedirs(..., exist_ok=True)`,
    `Path.mkdir(exist_ok=True)`) and closing a file handle (a read handle does no I/O; a written
    one is reported at its write) are reported only under `strict-filesystem`: on a local disk
    they return in microseconds, on a network file system they can stall. The catalogue covers
    sleeping;
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
    `extra-blocking-calls` and `allowed-calls` take qualified names, as the messages print
    them: the first adds calls (your own sync clients, say), the second removes them.
    `strict-filesystem` (default false) also reports the cheap `stat`-like checks and closing
    a handle. `report-lifespan-code` (default false) also reports lifespan, startup and
    shutdown code. `report-unserved-code` (default false) reports every coroutine, wherever it
    runs and whether the served app reaches it or not, as ruff's `ASYNC` rules do. Tests,
    `docs`, `docs_src`, `examples` and `scripts` are excluded by default
    (`exclude`/`extend-exclude`), but their facts still count where the app imports them.

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
        analysis = analysis_for(
            ctx.index,
            options.extra_blocking_calls,
            options.allowed_calls,
            options.strict_filesystem,
        )
        blocker = resolve_call(node, ctx, analysis).blocker
        if blocker is None or awaited(node, ctx) or not on_served_loop(ctx, options):
            return
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(receiver, ast.Call) and resolve_call(receiver, ctx, analysis).blocker:
            return  # `open(path).read()`: one finding for the chain, on the call that blocks first
        finding = self.report(
            node,
            ctx,
            call=blocker.name.removeprefix("builtins."),
            where=describe_function(ctx),
            alternative=blocker.alternative,
        )
        hold(ctx, finding, blocker.kind)
        yield from ()

    def leave_AsyncFunctionDef(
        self, node: ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        yield from release(ctx, self.code, node)

    def leave_FunctionDef(self, node: ast.FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        yield from release(ctx, self.code, node)  # a sync function made async by a decorator
