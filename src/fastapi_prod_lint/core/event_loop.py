"""Which event loop runs a function: the served app's, or one that a script, a test or a CLI
command runs for itself.

FPL101 and FPL102 report blocking calls where they stall the server: in code reached from a
route, websocket, dependency, middleware or exception handler (and from tasks that lifespan code
starts beside the requests), in any module, through calls and awaits. Code that only tests,
`asyncio.run(...)` entry points, `__main__` blocks and CLI commands reach runs on a loop of its
own and serves nobody; lifespan and startup code blocks only the start-up; and code that no
entry point of the served app reaches (a worker, a library's helpers nothing calls) is not
what this analysis can say stalls a request, so it is not reported by default either. In a
project with no app or router at all (a library, a lone module) nothing is known to serve, so
every coroutine that tests, scripts and CLI commands do not own is reported.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.request_path import REQUEST_ROLES

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex
    from fastapi_prod_lint.core.summary import CallSite, FunctionInfo, ModuleSummary

SERVED = "served"  # the app's loop, while requests are served
LIFESPAN = "lifespan"  # the app's loop, before it serves or after it stops
OFFLINE = "offline"  # a loop of a test, a script or a CLI command
UNCALLED = "uncalled"  # nothing the project shows calls it (reached only with `everywhere`)

LIFESPAN_ROLES = frozenset({"lifespan", "startup", "shutdown"})
# Calls that run their argument on a new event loop (or as a command-line program).
LOOP_RUNNERS = frozenset(
    {"asyncio.run", "asyncio.runners.run", "anyio.run", "trio.run", "uvloop.run", "typer.run"}
)
LOOP_RUNNER_METHODS = frozenset({"run_until_complete"})
# Calls that start their argument as a task beside the caller, on the caller's loop.
SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"})
SPAWNER_METHODS = frozenset({"create_task", "start_soon", "add_task"})  # + BackgroundTasks
# `@cli.command()`, `@app.command()` (typer), `@click.group()`: a command-line entry point.
CLI_DECORATOR_METHODS = frozenset({"command", "group", "callback", "result_callback"})
TEST_FOLDERS = frozenset({"tests", "test", "testing"})


def is_test_path(rel: str) -> bool:
    """A root-relative posix path of a test module: under `tests/`, `test_*.py`, `*_test.py`
    or `conftest.py`."""
    *folders, name = rel.split("/")
    return (
        any(folder in TEST_FOLDERS for folder in folders)
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


class EventLoopReach:
    """Which entry points reach each project function (built on first use, once per index)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._served: set[str] = set()  # reached from a request entry point so far
        self._pending: deque[str] | None = None  # the served walk, continued on demand
        self._kinds: dict[str, set[str]] | None = None
        self._lifespan: bool | None = None  # the app has lifespan, startup or shutdown code

    def reported(self, qualname: str, lifespan: bool = False, everywhere: bool = False) -> bool:
        """Blocking in the function `qualname` (`app.routes.get_item`; a nested function is
        judged as the function it is defined in) stalls what the options ask about."""
        if everywhere:
            return True
        key = qualname.partition(".<locals>.")[0]
        if self._served_directly(key) or self._reached_when_served(key):
            return True  # the common cases, and the cheap ones: no scan of the whole project
        apps = bool(self.index.fastapi.routers)
        if apps and not self._has_lifespan():
            return False  # only a lifespan (its tasks, or the option) makes more code count
        if self._kinds is None:  # a task started at startup serves requests too
            self._kinds = self._spread(self._all_entries())
        kinds = self._kinds.get(key, set())
        if not apps:  # no app or router at all: a library, a lone module
            return OFFLINE not in kinds or bool(kinds & {SERVED, UNCALLED})
        return SERVED in kinds or (lifespan and LIFESPAN in kinds)

    def _has_lifespan(self) -> bool:
        if self._lifespan is None:
            self._lifespan = any(LIFESPAN in kinds for _, kinds in self._role_entries())
        return self._lifespan

    def _served_directly(self, key: str) -> bool:
        return any(role.kind in REQUEST_ROLES for role in self.index.fastapi.roles_of(key))

    def _reached_when_served(self, key: str) -> bool:
        """`key` is on the served call graph: the walk from every request entry point goes only
        as far as it must to find it."""
        if self._pending is None:
            self._pending = deque()
            for entry, _ in self._served_entries():
                if entry not in self._served:
                    self._served.add(entry)
                    self._pending.append(entry)
        while key not in self._served and self._pending:
            found = self.index.function(self._pending.popleft())
            for callee, _ in self._edges(found[1], SERVED, False) if found is not None else ():
                if callee not in self._served:
                    self._served.add(callee)
                    self._pending.append(callee)
        return key in self._served

    # -- entry points ----------------------------------------------------------------------
    def _served_entries(self) -> Iterator[tuple[str, str]]:
        for key, kinds in self._role_entries():
            if SERVED in kinds:
                yield key, SERVED

    def _role_entries(self) -> Iterator[tuple[str, set[str]]]:
        index = self.index
        for dotted, roles in index.fastapi.functions():
            kinds = {SERVED for r in roles if r.kind in REQUEST_ROLES}
            kinds |= {LIFESPAN for r in roles if r.kind in LIFESPAN_ROLES}
            found = index.function(dotted) if kinds else None
            if found is not None:
                yield f"{found[0].module}.{found[1].name}", kinds

    def _all_entries(self) -> list[tuple[str, str]]:
        entries = [(key, kind) for key, kinds in self._role_entries() for kind in kinds]
        index = self.index
        called: set[str] = set()
        functions: list[str] = []
        for summary in index.modules.values():
            test_module = self._is_test_module(summary)
            for info in summary.functions.values():
                key = f"{summary.module}.{info.name}"
                functions.append(key)
                if test_module or self._offline_decorated(info):
                    entries.append((key, OFFLINE))
                for site in info.calls:
                    target = self._target(site)
                    if target is not None:
                        called.add(target)
            for site in summary.calls:  # module level: `asyncio.run(main())`
                entries.extend((target, OFFLINE) for target in self._runner_targets(site))
            for name in summary.script_calls:
                target = self._key(index.call_target(index.canonical(name)))
                if target is not None:
                    entries.append((target, OFFLINE))
        called.update(key for key, _ in entries)
        entries.extend((key, UNCALLED) for key in functions if key not in called)
        return entries

    def _offline_decorated(self, info: FunctionInfo) -> bool:
        for decorator in info.decorators:
            if decorator.method in CLI_DECORATOR_METHODS:
                return True
            if self.index.canonical(decorator.func).startswith("pytest."):
                return True
        return False

    def _is_test_module(self, summary: ModuleSummary) -> bool:
        rel = os.path.relpath(summary.path, self.index.root).replace(os.sep, "/")
        return not rel.startswith("..") and is_test_path(rel)

    # -- the walk --------------------------------------------------------------------------
    def _spread(self, entries: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
        """Every function the entries reach, with the kinds of entry that reach it."""
        kinds: dict[str, set[str]] = {}
        queue: deque[tuple[str, str]] = deque()
        for key, kind in entries:
            if kind not in kinds.setdefault(key, set()):
                kinds[key].add(kind)
                queue.append((key, kind))
        while queue:
            key, kind = queue.popleft()
            found = self.index.function(key)
            if found is None:
                continue
            for callee, callee_kind in self._edges(found[1], kind, complete=True):
                held = kinds.setdefault(callee, set())
                if callee_kind not in held:
                    held.add(callee_kind)
                    queue.append((callee, callee_kind))
        return kinds

    def _edges(self, info: FunctionInfo, kind: str, complete: bool) -> Iterator[tuple[str, str]]:
        """(callee, the kind of loop it runs on) for every project function `info` calls; a
        walk that is not `complete` (the served one) leaves out the loops runners start."""
        own_loop: set[str] = set()
        spawned: set[str] = set()
        for site in info.calls:
            for target in self._runner_targets(site):
                own_loop.add(target)
            if site.method in SPAWNER_METHODS or self.index.canonical(site.func) in SPAWNERS:
                spawned.update(self._argument_targets(site))
        called = set()
        for site in info.calls:
            callee = self._target(site)
            if callee is None:
                continue
            called.add(callee)
            if callee in own_loop:
                if complete:
                    yield callee, OFFLINE
            elif callee in spawned and kind == LIFESPAN:
                yield callee, SERVED  # a task started at startup runs beside the requests
            else:
                yield callee, kind
        for target in own_loop - called:
            if complete:  # `anyio.run(main)`: handed over, not called here
                yield target, OFFLINE
        for target in spawned - called - own_loop:  # `background_tasks.add_task(send, ...)`
            yield target, SERVED if kind == LIFESPAN else kind

    def _runner_targets(self, site: CallSite) -> Iterator[str]:
        if site.method in LOOP_RUNNER_METHODS or self.index.canonical(site.func) in LOOP_RUNNERS:
            yield from self._argument_targets(site)

    def _argument_targets(self, site: CallSite) -> Iterator[str]:
        for arg in site.args[:1]:
            if arg.kind in ("call", "name") and arg.value and not arg.value.startswith("~"):
                target = self._key(self.index.call_target(self.index.canonical(arg.value)))
                if target is not None:
                    yield target

    def _target(self, site: CallSite) -> str | None:
        return self._key(self.index.site_target(site))

    def _key(self, target: str | tuple[str, str] | None) -> str | None:
        if isinstance(target, tuple):
            return self.index.method_key(*target)
        return target


def event_loop_reach(index: ProjectIndex) -> EventLoopReach:
    found = index.analyses.get("event_loop")
    if not isinstance(found, EventLoopReach):
        found = index.analyses["event_loop"] = EventLoopReach(index)
    return found
