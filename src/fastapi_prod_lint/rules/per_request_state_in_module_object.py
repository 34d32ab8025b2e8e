"""FPL402 per-request-state-in-module-object."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fastapi_prod_lint.core.context import FunctionNode, ModuleContext
from fastapi_prod_lint.core.shared_state import (
    Write,
    WriteNode,
    WriteRule,
    chain,
    container_write,
    holds_identity,
    module_object,
    under_lock,
)


@dataclass(frozen=True)
class Options:
    identity_names: tuple[str, ...] = (
        "user",
        "token",
        "auth",
        "authorization",
        "principal",
        "credential",
        "credentials",
        "tenant",
        "organization",
        "permission",
        "role",
        "scope",
        "jwt",
        "api_key",
        "bearer",
        "username",
    )
    """Words that name who a request acts for. A name holds one when its head noun is such a
    word, split on snake_case and camelCase: `user` matches `current_user`, `userId` and
    `user_info`, not `users`, `user_agent` or `username` (listed on its own); `token` does not
    match `tokenizer` or `token_count`."""


class PerRequestStateInModuleObject(WriteRule):
    """FPL402: Checks for a request's identity written into a module-level object.

    ## What it does
    Reports code on the request path (routes, dependencies, middleware, and the project
    functions they call, in any module) that writes into an object bound at module level,
    without a `global` statement: it sets an attribute or an item (`client.token = t`,
    `client.headers["Authorization"] = ...`, `auth_context["user"] = u`) or calls a mutating
    method (`update`, `append`, `extend`, `insert`, `setdefault`, `__setitem__`, `setattr`),
    when a name involved says it is about identity, by the words of `identity-names`: the
    object's name or an attribute on the way holds one (`token_cache`, `auth_context`), or the
    attribute or key written has one as its head noun (`current_user`, `tenant_id`,
    `Authorization`, `userToken`; not `user_agent`, `token_count` or `tokenizer`).

    A mutating method counts only on a container: a method that a project class defines
    (`user_repo.update(db=db, obj=user)` on a repository) is a call, not a write, and so is any
    method of a project class that is not a `dict`, `list`, `set` or `TypedDict` subclass. A
    module-level object whose type is unknown counts when it looks like a container (bound by
    `{}`, `[]`, `dict()`, `defaultdict(...)`, `OrderedDict()`, `TTLCache(...)`), not when
    another call made it (`user_repo = make_repository(User)`); an attribute of an object
    counts (`client.headers.update(...)`).

    Not reported: `ContextVar.set()`; items written under a key that is not a constant
    (`cache[user_id] = user`: a keyed store gives each request its own slot); writes inside
    `with lock:`; a slot filled once on first use from no data of the request
    (`if client.token is None: client.token = settings.token`); writes at module level or in
    lifespan/startup code; names outside the vocabulary (metrics counters, caches of other
    things).

    ## Why is this bad?
    A module-level object is shared by every request the worker serves at once. A dependency
    that stores the caller in `auth_context["user"]`, or an API client whose `Authorization`
    header is swapped for each request, hands one user's identity to the request that runs
    next to it: one user acts with another's token. These leaks mostly come without a
    `global` statement, so "no `global`" checks never see them.

    ## Example
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header

    app = FastAPI()
    auth_context = {"user": None}


    async def authenticate(authorization: Annotated[str, Header()]):
        auth_context["user"] = authorization.removeprefix("Bearer ")


    @app.get("/me", dependencies=[Depends(authenticate)])
    async def me():
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": auth_context["user"]}
    ```

    Use instead:
    ```python
    import asyncio
    from contextvars import ContextVar
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header

    app = FastAPI()
    current_user: ContextVar[str | None] = ContextVar("current_user", default=None)


    async def authenticate(authorization: Annotated[str, Header()]):
        current_user.set(authorization.removeprefix("Bearer "))


    @app.get("/me", dependencies=[Depends(authenticate)])
    async def me():
        await asyncio.sleep(0.01)  # a database call: other requests run meanwhile
        return {"user": current_user.get()}
    ```
    Each request runs in its own context, so a `ContextVar` holds one value per request.
    Better still, let the dependency return the user and declare it where it is needed
    (`user: Annotated[str, Depends(authenticate)]`). For a shared HTTP client, pass the
    token with each call (`client.get(url, headers={"Authorization": token})`) instead of
    setting it on the client.

    ## Options
    `identity-names` replaces the vocabulary.

    ## References
    - [Python: contextvars](https://docs.python.org/3/library/contextvars.html)
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    """

    code = "FPL402"
    name = "per-request-state-in-module-object"
    message = (
        "Per-request value written into module-level `{target}` in {where}: every concurrent "
        "request shares it"
    )
    fix_title = "Return it from a dependency, keep it in a `ContextVar`, or pass it per call"
    added_in = "0.1.0"
    Options = Options

    def judge(
        self, write: Write, node: WriteNode, function: FunctionNode, ctx: ModuleContext
    ) -> dict[str, str] | None:
        if isinstance(node, ast.Delete):
            return None  # it stores nothing
        found = chain(write.obj)
        if write.keyed or found.keyed or found.head is None:
            return None
        if not holds_identity(write, found, self.options.identity_names):
            return None
        if not module_object(found, write, ctx) or under_lock(node, ctx):
            return None
        if write.method is not None and not container_write(write, ctx):
            return None  # `user_repo.update(db=db, obj=user)`: the project's own method
        if isinstance(write.node, ast.Call):  # `client.headers.update(...)`
            return {"target": f"{ast.unparse(write.node.func)}(...)"}
        return {"target": ast.unparse(write.node)}  # `_state['user']`, `client.token`
