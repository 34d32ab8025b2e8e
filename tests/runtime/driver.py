"""Serve every route of the runtime apps under blockbuster; write what it saw as JSON.

Run in a fresh interpreter, so that blockbuster's patches and the apps' state never reach
pytest: `python driver.py OUTPUT.json MODULE...` (each MODULE names an app module of `rtapps`).
The apps are served one after the other in that process: blockbuster undoes its patches when
its context ends, so one route's watch cannot leak into the next.

For each route: a warm-up request without blockbuster (first-call imports and caches read
files; they are not the route's doing), then the request under `blockbuster_ctx`, scanning only
the `rtapps` package, so a blocking call counts when code of the app is on the stack. Every
`BlockingError` raised while serving is recorded, also one that something caught (a logging
handler does), and so is the source span of the route's endpoint and of each dependency it has.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

APPS = Path(__file__).resolve().parent / "apps"


def install_recorder(seen: list[str]) -> bool:
    """Make every `BlockingError` blockbuster raises append its call to `seen`, caught or not."""
    import blockbuster.blockbuster as implementation

    original = getattr(implementation, "BlockingError", None)
    if not isinstance(original, type):
        return False

    class RecordingBlockingError(original):  # type: ignore[misc, valid-type]
        def __init__(self, func: str) -> None:
            super().__init__(func)
            seen.append(func)

    implementation.BlockingError = RecordingBlockingError
    return True


def spans(route: Any) -> list[tuple[str, int, int]]:
    """(file, first line, last line) of the endpoint and of every dependency in the app."""
    found: list[tuple[str, int, int]] = []
    callables = [route.endpoint]
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        callables.append(dependant.call)
        pending.extend(dependant.dependencies)
    for function in callables:
        function = inspect.unwrap(function)
        if not (inspect.isfunction(function) or inspect.ismethod(function)):
            continue
        path = Path(inspect.getsourcefile(function) or "").resolve()
        if APPS not in path.parents:
            continue
        lines, first = inspect.getsourcelines(function)
        span = (str(path), first, first + len(lines) - 1)
        if span not in found:
            found.append(span)
    return found


def serve(module_name: str, seen: list[str], recording: bool) -> list[dict[str, Any]]:
    from blockbuster import BlockingError, blockbuster_ctx
    from fastapi.routing import APIRoute
    from fastapi.testclient import TestClient

    app = importlib.import_module(f"rtapps.{module_name}").app
    results = []
    with TestClient(app) as client:
        for route in app.routes:
            if not isinstance(route, APIRoute):
                continue
            result: dict[str, Any] = {
                "name": route.endpoint.__name__,
                "path": route.path,
                "spans": spans(route),
                "recording": recording,
            }
            results.append(result)
            try:
                warm_up = client.get(route.path)
            except Exception as error:
                result["error"] = f"warm-up raised {type(error).__name__}: {error}"
                continue
            if warm_up.status_code != 200:
                result["error"] = f"warm-up answered {warm_up.status_code}: {warm_up.text}"
                continue
            seen.clear()
            raised: Exception | None = None
            status = None
            try:
                with blockbuster_ctx("rtapps"):
                    status = client.get(route.path).status_code
            except Exception as error:  # once blocked, whatever the interruption led to
                raised = error
            calls = list(dict.fromkeys(seen))
            if not calls and isinstance(raised, BlockingError):
                calls = [str(raised).removeprefix("Blocking call to ")]
            result["blocking_calls"] = calls
            if not calls and raised is not None:
                result["error"] = f"{type(raised).__name__}: {raised}"
            elif not calls and status != 200:
                result["error"] = f"answered {status} with no blocking call seen"
    return results


def main() -> None:
    output, *module_names = sys.argv[1:]
    sys.path.insert(0, str(APPS))
    warnings.simplefilter("ignore", DeprecationWarning)
    # a blocked write in a log handler, or in SQLAlchemy's pool reset, is recorded, not printed
    logging.raiseExceptions = False
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    for module_name in module_names:  # every app imported before any watch begins
        importlib.import_module(f"rtapps.{module_name}")
    seen: list[str] = []
    recording = install_recorder(seen)
    served = {name: serve(name, seen, recording) for name in module_names}
    Path(output).write_text(json.dumps(served, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
