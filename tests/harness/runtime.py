"""What the runtime oracles (`tests/test_runtime_*.py`) share: their fixtures, and running a
driver (`tests/runtime/*_driver.py`) in a fresh interpreter on a materialised fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.core.config import load_settings
from fastapi_prod_lint.core.pydantic_version import project_major
from harness.cases import FIXTURES_DIR, FixtureCase, discover_cases
from harness.frontends import relative


def cases_of(codes: Iterable[str]) -> list[FixtureCase]:
    """The fixtures of these codes that exist now (they may still be being written)."""
    if not FIXTURES_DIR.is_dir():
        return []
    wanted = set(codes)
    return [case for case in discover_cases() if case.code in wanted]


def follows_pydantic1(case: FixtureCase) -> bool:
    """A project fixture that runs pydantic 1 (declared, or set), or holds `pydantic.v1`
    models: the pydantic 1 oracle judges it (tests/test_runtime_pydantic1.py)."""
    if not case.is_project:
        return False
    if (
        project_major(case.source, load_settings(case.source).options.get("pydantic-version", 0))
        == 1
    ):
        return True
    return any("pydantic.v1" in path.read_text("utf-8") for path in case.source.rglob("*.py"))


def run_driver(
    driver: Path, project: Path, output: Path, timeout: float, python: str = sys.executable
) -> dict[str, Any]:
    """Run `python DRIVER PROJECT OUTPUT` (no bytecode written into the fixture, no stdin) and
    return the JSON it wrote; a driver that crashes or reports `driver_error` fails the test.
    `python` is another interpreter when the runtime under test lives there (pydantic 1)."""
    environment = dict(os.environ)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [python, str(driver), str(project), str(output)],
        cwd=project.parent,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0 and output.is_file(), (
        f"the driver failed:\n{result.stdout}{result.stderr}"
    )
    runtime: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    error = runtime.get("driver_error") if isinstance(runtime, dict) else None
    assert error is None, f"the driver failed:\n{error}"
    return runtime


@dataclass(frozen=True)
class Found:
    """One finding of the linter, as the oracles compare it: project-relative path, line, code,
    message."""

    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.code} {self.message}"


def lint(project: Path, codes: Iterable[str]) -> list[Found]:
    """The linter's findings of these codes on a materialised fixture (no cache, one process)."""
    wanted = set(codes)
    return [
        Found(relative(finding.path, project), finding.line, finding.code, finding.message)
        for finding in check_paths([str(project)], use_cache=False, jobs=1)
        if finding.code in wanted
    ]
