"""The request path: the code that runs while a request is served.

Routes, dependencies, middleware and exception handlers, and every project function they call
at any depth, in any module (through the project's call graph). Module top level and lifespan,
startup and shutdown handlers are not on it, nor what only they call. FPL401, FPL402 and
FPL404 ask it whether the function holding a write serves requests.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext
    from fastapi_prod_lint.core.project import ProjectIndex

REQUEST_ROLES = frozenset({"route", "websocket", "dependency", "middleware", "exception_handler"})


class RequestPath:
    """Which project functions serve requests, and how each is reached (built on first use)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._parents: dict[str, str | None] | None = None  # function -> who calls it first
        self._labels: dict[str, str] = {}  # entry point -> its role (`route `GET /me``)

    def _build(self) -> dict[str, str | None]:
        index = self.index
        parents: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for dotted, roles in index.fastapi.functions():
            serving = [role for role in roles if role.kind in REQUEST_ROLES]
            found = index.function(dotted) if serving else None
            if found is not None:
                key = f"{found[0].module}.{found[1].name}"
                if key not in parents:
                    parents[key] = None
                    self._labels[key] = serving[0].label
                    queue.append(key)
        while queue:  # breadth first: each function keeps its shortest way in
            key = queue.popleft()
            found = index.function(key)
            for site in found[1].calls if found is not None else ():
                target = index.site_target(site)
                callee = index.method_key(*target) if isinstance(target, tuple) else target
                if callee is not None and callee not in parents:
                    parents[callee] = key
                    queue.append(callee)
        return parents

    def where(self, qualname: str) -> str | None:
        """How messages name a function on the request path (None when it is not on it): its
        role (`dependency `get_user``), or `` `set_user()`, called from route `GET /me` ``.
        A function nested in another is judged as the outermost one."""
        if self._parents is None:
            self._parents = self._build()
        key = qualname.partition(".<locals>.")[0]
        if key not in self._parents:
            return None
        root = key
        while (parent := self._parents[root]) is not None:
            root = parent
        if root == key:
            return self._labels[key]
        found = self.index.function(key)
        name = found[1].name if found is not None else key.rpartition(".")[2]
        return f"`{name}()`, called from {self._labels[root]}"


def request_path(index: ProjectIndex) -> RequestPath:
    found = index.analyses.get("request_path")
    if not isinstance(found, RequestPath):
        found = index.analyses["request_path"] = RequestPath(index)
    return found


def serving_function(ctx: ModuleContext) -> str | None:
    """`RequestPath.where` of the function the walk is in (None at module level)."""
    qualname = ctx.function_qualname()
    return None if qualname is None else request_path(ctx.index).where(qualname)
