"""FPL102 blocking-call-via-sync-helper."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.argument_guards import bound_arguments
from fastapi_prod_lint.core.blocking import (
    BlockingAnalysis,
    Chain,
    analysis_for,
    describe_function,
    hold,
    hop_label,
    release,
    resolve_call,
)
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.imports import walk_own_scope
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.rules.blocking_call_in_async_route import Options, on_served_loop


class BlockingCallViaSyncHelper(Rule):
    """FPL102: Checks for sync helpers of the project that block, called from `async def` code.

    ## What it does
    Reports a call, in code that runs on the event loop, to a sync function or method of the
    project that reaches a blocking call at any depth, in any module: a service that calls a
    client that calls `requests.get`. The finding sits on the call in the async code, and the
    message shows the chain down to the blocking call. Methods are followed when the receiver's
    class is known (an annotation, the project's own alias of a class such as a `NewType`, a
    constructor call, `self`, or a module-level instance, however the module binds it:
    `opts, registry = build()`, or `global engine; engine = Engine()` in any function). A call
    through a method that the project's subclasses override follows each override, unless the
    receiver was made by calling its class; an abstract method's own body counts for nothing. A
    helper behind `functools.cache`, `lru_cache` or `cached_property` runs its body once per
    process (per arguments): reading a key file there is run-once work, and is not followed.
    Nor is a load behind a slot the helper fills on first use (`global _registry` with
    `if _registry is None: _registry = load()`, or `if cls._cache: return cls._cache`): a
    slot on `self` does not count, an object may live for one request.

    A helper's branch that the call's string arguments never enter is not followed either:
    `get_secret("DATABASE_URL")` does not reach the file read under
    `if name.startswith("oidc/"):` in `get_secret`. Literals and module-level string constants
    (`settings.TOKEN_ENV`) count, passed on through the helpers' own parameters; the helper may
    first rewrite the name with `replace`, `removeprefix`, `strip`, `lower` and the like. A
    value known only at run time (a parameter of the route, a config value) keeps every branch.

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
    Shares its options with FPL101 (`extra-blocking-calls`, `allowed-calls`,
    `strict-filesystem`, `report-lifespan-code`, `report-unserved-code`): what counts as
    blocking, and which code runs on the served app's event loop, is the same for both rules.
    Like FPL101 it reports one finding per function and blocking resource, the other helper
    calls reaching that resource counted in its message, and it stays silent on code that only
    tests, scripts and CLI commands run.

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
        if not ctx.in_async_function() or not on_served_loop(ctx, self.options):
            return
        analysis = self._analysis(ctx)
        callee = resolve_call(node, ctx, analysis)
        found = None
        if callee.function is not None or callee.overrides:
            bound = bound_arguments(node, set(), ctx.qualified_name)
            found = analysis.reach(callee, bound)
        elif isinstance(node.func, ast.Name):
            found = self._nested_chain(node.func.id, ctx, analysis)
        if found is None and _consuming(node, ctx):  # `list(rows())`: the generator runs here
            inner = resolve_call(node.args[0], ctx, analysis)  # type: ignore[arg-type]
            found = analysis.reach(inner, consumed=True)
            if found is not None:
                node = node.args[0]  # type: ignore[assignment]
        if found is not None:
            hold(ctx, self._finding(node, ctx, found), found[1].kind)
        yield from ()

    def visit_For(self, node: ast.For, ctx: ModuleContext) -> Iterator[Finding]:
        """`for row in rows():` in async code runs a sync generator's body on the loop."""
        if not ctx.in_async_function() or not isinstance(node.iter, ast.Call):
            return
        if not on_served_loop(ctx, self.options):
            return
        analysis = self._analysis(ctx)
        callee = resolve_call(node.iter, ctx, analysis)
        found = analysis.reach(callee, consumed=True)
        if found is not None and analysis.reach(callee) is None:
            hold(ctx, self._finding(node.iter, ctx, found), found[1].kind)
        yield from ()

    def leave_AsyncFunctionDef(
        self, node: ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        yield from release(ctx, self.code, node)

    def leave_FunctionDef(self, node: ast.FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        yield from release(ctx, self.code, node)  # a sync function made async by a decorator

    def _analysis(self, ctx: ModuleContext) -> BlockingAnalysis:
        options: Options = self.options
        return analysis_for(
            ctx.index,
            options.extra_blocking_calls,
            options.allowed_calls,
            options.strict_filesystem,
        )

    def _nested_chain(
        self, name: str, ctx: ModuleContext, analysis: BlockingAnalysis
    ) -> Chain | None:
        """A sync function nested in the async one and called there: its body runs here."""
        function = ctx.enclosing_function()
        body = [] if function is None or isinstance(function, ast.Lambda) else function.body
        nested = next(
            (
                n
                for n in walk_own_scope(list(body))
                if isinstance(n, ast.FunctionDef) and n.name == name
            ),
            None,
        )
        if nested is None:
            return None
        for inner in walk_own_scope(list(nested.body)):
            if isinstance(inner, ast.Call):
                callee = resolve_call(inner, ctx, analysis)
                if callee.blocker is not None:
                    return (), callee.blocker
                found = analysis.reach(callee)
                if found is not None:
                    hops = (hop_label(callee.function),) if callee.function else ()
                    return (*hops, *found[0]), found[1]
        return None

    def _finding(self, node: ast.Call, ctx: ModuleContext, found: Chain) -> Finding:
        hops, blocker = found
        blocking = blocker.name.removeprefix("builtins.")
        return self.report(
            node,
            ctx,
            blocking=blocking,
            where=describe_function(ctx),
            chain=" -> ".join([f"{ast.unparse(node.func)}()", *hops, blocking]),
        )


CONSUMERS = frozenset(
    {
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.sorted",
        "builtins.sum",
        "builtins.any",
        "builtins.all",
        "builtins.dict",
        "builtins.max",
        "builtins.min",
    }
)


def _consuming(node: ast.Call, ctx: ModuleContext) -> bool:
    """`list(gen())` and friends iterate their argument right away."""
    return (
        len(node.args) == 1
        and isinstance(node.args[0], ast.Call)
        and ctx.qualified_name(node.func) in CONSUMERS
    )
