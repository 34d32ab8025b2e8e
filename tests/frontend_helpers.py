"""Small helpers shared by the flake8 and pylint adapter tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROUTER = """
    from fastapi import APIRouter
    router = APIRouter(prefix="/items")
"""
ROUTES = """
    import time
    from app.api import router
    from app.compat import pause


    @router.get("/{item_id}")
    async def read(item_id: int):
        pause(1)
        return item_id
"""
# pylint with only our checker enabled, no score, no stats files in ~/.cache
PYLINT_ONLY_OURS = [
    "pylint",
    "--load-plugins=fastapi_prod_lint.pylint",
    "--disable=all",
    "--enable=fastapi-prod-lint",
    "-sn",
    "--persistent=n",
]
# Building a module whose classes subclass SQLModel makes astroid (in its own enum brain, before
# any checker runs) build sqlmodel, pydantic and sqlalchemy from source: 10-30 s a fixture.
# Our checker never asks astroid anything, so the fixture harness keeps astroid out of those
# libraries; test_pylint_plugin runs one contract fixture without this to show it changes
# nothing we report.
ASTROID_SKIPS_LIBRARIES = (
    "--init-hook=import astroid; astroid.MANAGER.module_denylist.update("
    "{'sqlmodel', 'pydantic', 'pydantic_core', 'sqlalchemy', 'fastapi', 'starlette'})"
)
PROJECT = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/api.py": ROUTER,
    "app/compat.py": "from time import sleep as pause\n",
    "app/routes.py": ROUTES,
}


def make_project(root: Path, files: dict[str, str] | None = None) -> Path:
    for name, text in (PROJECT if files is None else files).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run(
    args: list[str], cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "FASTAPI_PROD_LINT_CACHE_DIR": str(cwd / ".cache-test"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        check=False,
        env=full_env,
    )


BIN = Path(sys.executable).parent


def console(
    command: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """A tool's console script (`fastapi-prod-lint`, `flake8`, `pylint`) as users and
    pre-commit run it, not `python -m` (which puts the current folder first on `sys.path`);
    `-m` runs `python -m fastapi_prod_lint`. A run that hangs fails after `timeout` seconds."""
    program = (
        [sys.executable, "-m", "fastapi_prod_lint"] if command == "-m" else [str(BIN / command)]
    )
    return subprocess.run(
        [*program, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
