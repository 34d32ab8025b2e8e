"""Serve concurrent `GET /me` as two users to one shared-state fixture, and write what came back.

Run in a fresh interpreter, one per fixture (every project fixture names its package `app`, and
the module globals under test must start clean): `python shared_state_driver.py PROJECT
OUTPUT.json`. PROJECT is a fixture materialised as a project: a folder whose `app/main.py`
defines `app`, or a folder with one `<case>.py` that defines `app` (the module-level FastAPI
instance). Nothing here touches a database or the network.

The run:
1. The app is imported (`app.main` from PROJECT, or the single module under its own name). An
   exception is recorded in `import_error` (the traceback) and ends the run. `has_app` says
   whether the module defines a FastAPI instance `app`.
2. `serves_me`: whether one of the app's routes matches `GET /me` fully (Starlette's own
   `route.matches(scope)` on the app's routes, FastAPI's included routers included). When it
   does not, the run ends: the app is not a runtime fixture.
3. The lifespan runs: `async with app.router.lifespan_context(app)` (the `lifespan=` function,
   or FastAPI's default one running `on_startup` / `on_shutdown` handlers). The state it yields,
   if any, is given to every request as a shallow copy (`scope["state"]`, as uvicorn does). An
   exception entering it is recorded in `lifespan_error` and ends the run (no request is sent);
   one leaving it in `shutdown_error`.
4. `ROUNDS` rounds: each sends two `GET /me` concurrently (`asyncio.gather`) through
   `httpx.AsyncClient(transport=httpx.ASGITransport(app=...))`, one with
   `Authorization: Bearer alice`, one with `Authorization: Bearer bob`; alice's request is
   started first in even rounds, bob's in odd ones. Both run on one event loop, as under
   uvicorn: whatever the app keeps between the write of an identity and an `await` is seen by
   the other request. A round that takes more than `ROUND_TIMEOUT` seconds is cancelled and
   recorded as such.

Each response records `status`, `body` (the parsed JSON, or null), `text` (the first 300
characters when the body is not JSON), `error` (the client's exception, e.g. a timeout),
`server_errors` (exceptions that left the app while serving it: the app still answers 500),
`endpoint` (the `module:qualname` of the endpoint that served it, from the request's scope) and
`names`.

How a response *names* a user: `names` is the sorted list of the two users (`alice`, `bob`)
that occur as a word of a string value of the JSON body, at any depth (object values and
array items; object keys, numbers, booleans and non-JSON bodies are not read). A string's words
are its runs of letters, split at every non-letter and at camelCase humps, compared
lowercased: `"alice"`, `"Alice"`, `"alice@example.com"`, `"user:alice"`, `"Bearer alice"`,
`"aliceSmith"` and `"alice_2"` name alice; `"malice"` and `"alicebob"` name nobody.

`leaks` is true when a response to alice names bob or a response to bob names alice, in any
round; `leaking_rounds` lists those rounds. `names_own_user` is true when every response names
its own user (what a verdict of *no leak* needs to mean anything: the identity came back).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import re
import sys
import traceback
from pathlib import Path
from typing import Any

from driver_common import main

USERS = ("alice", "bob")
ROUNDS = 5
ROUND_TIMEOUT = 10.0  # seconds for one round's two requests
WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
BASE_URL = "http://testserver"


class Fixture:
    """The project being served: where it is and how its app is imported."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def import_module(self) -> Any:
        if (self.root / "app" / "main.py").is_file():
            sys.path.insert(0, str(self.root))
            return importlib.import_module("app.main")
        (single,) = sorted(self.root.glob("*.py"))
        name = single.stem
        if name in sys.modules or name in getattr(sys, "stdlib_module_names", ()):
            name = f"fixture_{name}"  # never shadow a module of the standard library
        spec = importlib.util.spec_from_file_location(name, single)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # forward references resolve through sys.modules
        spec.loader.exec_module(module)
        return module


# -- reading a response ---------------------------------------------------------------------
def strings(value: Any) -> list[str]:
    """Every string value of a JSON document, at any depth (object keys left out)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def names(body: Any) -> list[str]:
    """The users a JSON body names: a user is named when it is a word of a string value."""
    words = {word.lower() for text in strings(body) for word in WORDS.findall(text)}
    return sorted(user for user in USERS if user in words)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def endpoint_name(scope: dict[str, Any]) -> str | None:
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return None
    module = getattr(endpoint, "__module__", "?")
    return f"{module}:{getattr(endpoint, '__qualname__', repr(endpoint))}"


class Served:
    """The ASGI app the client talks to: the fixture's app, given the lifespan's state, with
    the scope and the exceptions of each request kept (by the request's user)."""

    def __init__(self, app: Any, state: dict[str, Any] | None) -> None:
        self.app = app
        self.state = state
        self.scopes: dict[str, dict[str, Any]] = {}
        self.errors: dict[str, list[str]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        user = None
        for key, value in scope.get("headers", []):
            if key.lower() == b"authorization":
                user = value.decode().removeprefix("Bearer ")
        if self.state is not None:
            scope["state"] = dict(self.state)
        if user is not None:
            self.scopes[user] = scope
            self.errors[user] = []
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            if user is not None:
                self.errors[user].append(describe(error))
            raise


async def request_me(client: Any, served: Served, user: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "user": user,
        "status": None,
        "body": None,
        "text": None,
        "error": None,
        "server_errors": [],
        "endpoint": None,
        "names": [],
    }
    try:
        response = await client.get("/me", headers={"Authorization": f"Bearer {user}"})
    except Exception as error:
        record["error"] = describe(error)
    else:
        record["status"] = response.status_code
        try:
            record["body"] = response.json()
        except ValueError:
            record["text"] = response.text[:300]
        else:
            record["names"] = names(record["body"])
    record["server_errors"] = served.errors.get(user, [])
    record["endpoint"] = endpoint_name(served.scopes.get(user, {}))
    return record


async def one_round(client: Any, served: Served, number: int) -> dict[str, Any]:
    order = USERS if number % 2 == 0 else tuple(reversed(USERS))
    served.scopes.clear()
    served.errors.clear()
    try:
        answers = await asyncio.wait_for(
            asyncio.gather(*(request_me(client, served, user) for user in order)),
            ROUND_TIMEOUT,
        )
    except asyncio.TimeoutError:
        return {"round": number, "first": order[0], "timeout": True, "responses": {}}
    responses = {answer["user"]: answer for answer in answers}
    leaked = any(
        other in responses[user]["names"] for user in USERS for other in USERS if other != user
    )
    return {
        "round": number,
        "first": order[0],
        "timeout": False,
        "leaked": leaked,
        "responses": responses,
    }


# -- the app ------------------------------------------------------------------------------------
def serves_me(app: Any) -> bool:
    from starlette.routing import Match

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/me",
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "app": app,
    }
    for route in app.router.routes:
        with contextlib.suppress(Exception):
            if route.matches(dict(scope))[0] == Match.FULL:
                return True
    return False


async def serve(app: Any, result: dict[str, Any]) -> None:
    import httpx

    try:
        lifespan = app.router.lifespan_context(app)
        state = await lifespan.__aenter__()
    except BaseException:
        result["lifespan_error"] = traceback.format_exc()
        return
    try:
        served = Served(app, dict(state) if state is not None else None)
        transport = httpx.ASGITransport(app=served, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            for number in range(ROUNDS):
                result["rounds"].append(await one_round(client, served, number))
    finally:
        try:
            await lifespan.__aexit__(None, None, None)
        except BaseException:
            result["shutdown_error"] = traceback.format_exc()


def run(fixture: Fixture) -> dict[str, Any]:
    result: dict[str, Any] = {
        "import_error": None,
        "has_app": False,
        "serves_me": False,
        "lifespan_error": None,
        "shutdown_error": None,
        "rounds": [],
        "leaks": False,
        "leaking_rounds": [],
        "names_own_user": False,
    }
    try:
        module = fixture.import_module()
    except BaseException:  # the fixture's own bug: reported, never hidden
        result["import_error"] = traceback.format_exc()
        return result
    from fastapi import FastAPI

    app = getattr(module, "app", None)
    result["has_app"] = isinstance(app, FastAPI)
    if not result["has_app"]:
        return result
    result["serves_me"] = serves_me(app)
    if not result["serves_me"]:
        return result
    asyncio.run(serve(app, result))
    rounds = result["rounds"]
    result["leaking_rounds"] = [r["round"] for r in rounds if r.get("leaked")]
    result["leaks"] = bool(result["leaking_rounds"])
    result["names_own_user"] = bool(rounds) and all(
        not r["timeout"] and all(user in r["responses"][user]["names"] for user in USERS)
        for r in rounds
    )
    return result


if __name__ == "__main__":
    main(lambda project: run(Fixture(project)), sys.argv[1:])
