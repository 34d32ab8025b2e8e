"""The runtime agrees with FPL101/FPL102: blockbuster watches every route of the runtime apps.

`tests/runtime/apps/rtapps` holds small runnable FastAPI apps, one behaviour a route. A fresh
interpreter (`tests/runtime/driver.py`) serves them with FastAPI's TestClient, each request
under `blockbuster_ctx`, which raises `BlockingError` when a patched blocking call runs in a
thread with a running event loop while code of the app is on the stack. A route *blocks* when
blockbuster raised a `BlockingError` while serving it (also one that something then caught).

A route is *flagged* when an FPL101 or FPL102 finding lies in its endpoint function or in one
of its dependency functions (a dependency runs on the loop when it is `async def`, whatever the
route is). The test asserts flagged == blocks, route by route, except where the tables below
say why the two must differ; those cases must really differ in the stated direction, so the
tables cannot go stale. `PENDING_FEATURES` lists the routes that need a feature not there yet:
they are skipped (the skip message says when one already agrees) until the feature lands.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.core.config import load_settings

for _needed in ("blockbuster", "fastapi", "httpx", "sqlmodel", "requests"):
    pytest.importorskip(_needed)

RUNTIME = Path(__file__).resolve().parent / "runtime"
DRIVER = RUNTIME / "driver.py"
APPS = RUNTIME / "apps"
PACKAGE = APPS / "rtapps"
CODES = ("FPL101", "FPL102")
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}

# We flag it; blockbuster cannot see it: the route blocks, but through nothing it patches.
BLOCKBUSTER_CANNOT_SEE = {
    "direct:os_system": "os.system forks and waits in C; blockbuster patches neither",
    "direct:open_only": "blockbuster patches reads and writes of file objects, not open() itself",
    "direct:time_sleep_imported_name": (
        "`from time import sleep as nap` bound the original before blockbuster patched "
        "`time.sleep`; the rule resolves the alias"
    ),
    "direct:hashlib_pbkdf2": "key stretching holds the loop in C; blockbuster patches no CPU work",
}

# Blockbuster sees it; we do not flag it, on purpose.
BLOCKBUSTER_SEES_MORE = {
    "direct:os_stat": (
        "one `stat` is a cheap metadata syscall: reported only under `strict-filesystem` "
        "(issue 12: reviewers dismiss it on local disks)"
    ),
    "direct:logging_to_file": (
        "a FileHandler writes to disk; logging calls are not in the catalogue (one log line a "
        "request is normal, and whether it blocks depends on handlers configured elsewhere)"
    ),
}

# Routes whose agreement needs a rule feature that has not landed yet: skipped until it does.
PENDING_FEATURES: dict[str, str] = {}


# -- the routes, found statically so that collection imports nothing ------------------------
def _is_route_decorator(decorator: ast.expr) -> bool:
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and isinstance(decorator.func.value, ast.Name)
        and decorator.func.value.id == "app"
        and decorator.func.attr in ROUTE_METHODS
    )


def discover_apps() -> dict[str, list[str]]:
    """app module -> its route functions, for every module of `rtapps` that defines `app`."""
    apps = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defines_app = any(
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "app" for target in node.targets)
            for node in tree.body
        )
        if defines_app:
            apps[path.stem] = [
                node.name
                for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and any(_is_route_decorator(decorator) for decorator in node.decorator_list)
            ]
    return apps


APPS_AND_ROUTES = discover_apps()
ROUTE_IDS = [f"{app}:{route}" for app, routes in APPS_AND_ROUTES.items() for route in routes]


# -- the runtime verdicts: all apps served in one fresh interpreter -------------------------
def _driver_environment() -> dict[str, str]:
    """No proxy: the apps' clients must reach 127.0.0.1 themselves."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    environment = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """route id -> the driver's record: blocking_calls, spans, error."""
    output = tmp_path_factory.mktemp("runtime") / "served.json"
    result = subprocess.run(
        [sys.executable, str(DRIVER), str(output), *APPS_AND_ROUTES],
        cwd=output.parent,
        env=_driver_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"the driver failed:\n{result.stdout}{result.stderr}"
    served = json.loads(output.read_text(encoding="utf-8"))
    return {
        f"{app}:{record['name']}": record for app, records in served.items() for record in records
    }


# -- the static verdicts ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def findings() -> list[tuple[str, int, str, str]]:
    """(resolved path, line, code, message) of every FPL101/FPL102 finding in the apps."""
    return [
        (str(Path(finding.path).resolve()), finding.line, finding.code, finding.message)
        for finding in check_paths([str(APPS)], use_cache=False, jobs=1)
        if finding.code in CODES
    ]


@dataclass(frozen=True)
class Verdict:
    route: str
    rule: tuple[str, ...]  # "file:line CODE `call`" of the findings in the route's code
    blockbuster: tuple[str, ...]  # the blocking calls blockbuster saw

    @property
    def flagged(self) -> bool:
        return bool(self.rule)

    @property
    def blocks(self) -> bool:
        return bool(self.blockbuster)

    @property
    def expected(self) -> str:
        if self.route in BLOCKBUSTER_CANNOT_SEE:
            return "rule only"
        if self.route in BLOCKBUSTER_SEES_MORE:
            return "blockbuster only"
        return "agree"

    @property
    def holds(self) -> bool:
        if self.expected == "rule only":
            return self.flagged and not self.blocks
        if self.expected == "blockbuster only":
            return self.blocks and not self.flagged
        return self.flagged == self.blocks

    def row(self) -> str:
        rule = ", ".join(self.rule) or "-"
        seen = ", ".join(self.blockbuster) or "-"
        return f"{self.route:<44} {rule:<36} {seen:<32} {self.expected}"


def verdict(route: str, runtime: dict, findings: list) -> Verdict:
    record = runtime[route]
    if record.get("error"):
        pytest.fail(f"{route} did not serve cleanly: {record['error']}", pytrace=False)
    spans = record["spans"]
    rule = tuple(
        f"{Path(path).name}:{line} {code} `{message.split('`')[1] if '`' in message else ''}`"
        for path, line, code, message in findings
        if any(path == file and first <= line <= last for file, first, last in spans)
    )
    return Verdict(route, rule, tuple(record["blocking_calls"]))


def disagreement_table(runtime: dict, findings: list) -> str:
    rows = [
        verdict(route, runtime, findings)
        for route in ROUTE_IDS
        if route not in PENDING_FEATURES and route in runtime and not runtime[route].get("error")
    ]
    header = f"{'route':<44} {'rule (FPL101/FPL102)':<36} {'blockbuster saw':<32} expected"
    return "\n".join([header, *(row.row() for row in rows if not row.holds)])


# -- the tests --------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTE_IDS)
def test_rule_and_blockbuster_agree(route, runtime, findings):
    result = verdict(route, runtime, findings)
    if route in PENDING_FEATURES:
        state = (
            "already holds: remove it from PENDING_FEATURES" if result.holds else "still differs"
        )
        pytest.skip(f"pending: {route} needs {PENDING_FEATURES[route]} ({state})")
    if result.holds:
        return
    if result.expected == "agree":
        why = "the rule and blockbuster disagree"
    else:
        reason = BLOCKBUSTER_CANNOT_SEE.get(route) or BLOCKBUSTER_SEES_MORE[route]
        why = f"the table says {result.expected!r} ({reason}), which no longer holds"
    table = disagreement_table(runtime, findings)
    pytest.fail(
        f"{why}:\n{result.row()}\n\nall disagreements outside the tables:\n{table}",
        pytrace=False,
    )


def test_blockbuster_sees_the_event_loop_and_not_the_threadpool(runtime):
    assert runtime["direct:time_sleep"]["blocking_calls"] == ["time.sleep"]
    assert runtime["dependencies:sync_route_async_dependency"]["blocking_calls"] == ["time.sleep"]
    for route in ("threadpool:time_sleep", "handover:to_thread", "handover:asyncio_sleep"):
        assert runtime[route]["blocking_calls"] == [], route
    # a BlockingError that something catches still counts (the driver subclasses blockbuster's)
    assert all(record["recording"] for record in runtime.values()), "cannot record BlockingError"


def test_every_route_was_served(runtime):
    assert sorted(runtime) == sorted(ROUTE_IDS)


SCRIPT = PACKAGE / "cli.py"
TEST_MODULE = APPS / "tests" / "test_rtapps.py"


def test_scripts_and_tests_beside_the_apps_are_not_reported(findings):
    """The same blocking helpers the routes call, called from a script with its own loop and
    from a test: not reported by default, reported with `report-unserved-code` (so the
    silence comes from where the code runs, not from a helper the rules cannot see)."""
    quiet = {str(SCRIPT.resolve()), str(TEST_MODULE.resolve())}
    assert not [finding for finding in findings if finding[0] in quiet]
    everywhere = load_settings(APPS).override(exclude=(), options={"report-unserved-code": True})
    reported = {
        (Path(finding.path).name, finding.code)
        for finding in check_paths([str(APPS)], everywhere, use_cache=False, jobs=1)
        if Path(finding.path).resolve() in (SCRIPT.resolve(), TEST_MODULE.resolve())
    }
    assert reported == {
        ("cli.py", "FPL101"),
        ("cli.py", "FPL102"),
        ("test_rtapps.py", "FPL101"),
        ("test_rtapps.py", "FPL102"),
    }


def test_the_tables_name_real_routes():
    for table in (BLOCKBUSTER_CANNOT_SEE, BLOCKBUSTER_SEES_MORE, PENDING_FEATURES):
        assert set(table) <= set(ROUTE_IDS), set(table) - set(ROUTE_IDS)
    assert not set(BLOCKBUSTER_CANNOT_SEE) & set(BLOCKBUSTER_SEES_MORE)
