"""Run a fixture project through each front end; every one's findings in the same shape."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from frontend_helpers import ASTROID_SKIPS_LIBRARIES, PYLINT_ONLY_OURS

import fastapi_prod_lint
from fastapi_prod_lint import cli
from fastapi_prod_lint.rules import ALL_RULES

CACHE_ENV = "FASTAPI_PROD_LINT_CACHE_DIR"
TIMEOUT = 120  # seconds; a hung tool fails the test instead of the whole run
FLAKE8_FORMAT = "%(path)s:%(row)d:%(col)d:%(code)s:%(text)s"
PYLINT_TEMPLATE = "{path}:{line}:{column}:{symbol}:{msg}"
REPORT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+):(?P<code>[A-Za-z0-9_-]+):(?P<message>.*)$"
)
# pylint's exit status is a bit field; these two bits mean it did not run properly
PYLINT_FATAL, PYLINT_USAGE_ERROR = 1, 32


class FrontEndError(RuntimeError):
    """A front end crashed or printed something the harness cannot read."""


@dataclass(frozen=True, order=True)
class Reported:
    """One finding as any front end reports it: project-relative posix path, 1-based line,
    0-based column."""

    path: str
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col + 1}: {self.code} {self.message}"


def relative(path: str, project: Path) -> str:
    """A reported path relative to the project, posix, without a leading `./`."""
    if os.path.isabs(path):
        path = os.path.relpath(path, project)
    return Path(path).as_posix().removeprefix("./")


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def tool_env(cache_dir: Path) -> dict[str, str]:
    return {**os.environ, CACHE_ENV: str(cache_dir)}


def _run(args: Sequence[str], cwd: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=tool_env(cache_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )


def _describe(result: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(str(arg) for arg in result.args)
    return (
        f"`{command}` exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


def run_core(project: Path) -> list[Reported]:
    """`check_paths` on the project folder, uncached."""
    findings = fastapi_prod_lint.check_paths([str(project)], use_cache=False)
    return sorted(
        Reported(relative(f.path, project), f.line, f.col, f.code, f.message) for f in findings
    )


def from_json(text: str, project: Path) -> list[Reported]:
    """The CLI's `--output-format json` (1-based columns)."""
    try:
        rows = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as error:
        raise FrontEndError(f"the CLI printed invalid JSON ({error}):\n{text}") from error
    return sorted(
        Reported(relative(r["path"], project), r["line"], r["column"] - 1, r["code"], r["message"])
        for r in rows
    )


def run_cli_in_process(project: Path) -> tuple[int, list[Reported]]:
    """`cli.main([... "."])` inside the project folder: exit status and findings."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        working_directory(project),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        status = cli.main(["--output-format", "json", "--no-cache", "."])
    if status not in (0, 1):
        raise FrontEndError(f"the CLI exited {status}:\n{stderr.getvalue()}")
    return status, from_json(stdout.getvalue(), project)


def _parse_lines(output: str, project: Path, tool: str) -> list[tuple[str, int, int, str, str]]:
    rows = []
    for line in output.splitlines():
        if not line.strip() or line.startswith("*************"):  # pylint's module headers
            continue
        match = REPORT_LINE.match(line)
        if match is None:
            raise FrontEndError(f"{tool} printed a line the harness cannot read: {line!r}")
        rows.append(
            (
                relative(match["path"], project),
                int(match["line"]),
                int(match["col"]),
                match["code"],
                match["message"],
            )
        )
    return rows


def run_flake8(project: Path, cache_dir: Path) -> list[Reported]:
    """Real flake8 with only the FPL codes selected, on the project folder."""
    result = _run(
        ["flake8", "--select", "FPL", f"--format={FLAKE8_FORMAT}", "."], project, cache_dir
    )
    if result.returncode not in (0, 1) or result.stderr.strip():
        raise FrontEndError(_describe(result))
    rows = _parse_lines(result.stdout, project, "flake8")
    return sorted(Reported(path, line, col - 1, code, msg) for path, line, col, code, msg in rows)


def python_files(project: Path) -> list[str]:
    return sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def run_pylint(project: Path, cache_dir: Path) -> list[Reported]:
    """Real pylint with only the fastapi-prod-lint checker, on every Python file."""
    result = _run(
        [
            *PYLINT_ONLY_OURS,
            ASTROID_SKIPS_LIBRARIES,
            f"--msg-template={PYLINT_TEMPLATE}",
            *python_files(project),
        ],
        project,
        cache_dir,
    )
    if result.returncode & (PYLINT_FATAL | PYLINT_USAGE_ERROR) or "Traceback" in result.stderr:
        raise FrontEndError(_describe(result))
    codes = {rule.name: rule.code for rule in ALL_RULES}
    rows = _parse_lines(result.stdout, project, "pylint")
    # an unknown symbol is kept as it is, so the comparison shows it
    return sorted(
        Reported(path, line, col, codes.get(symbol, symbol), msg)
        for path, line, col, symbol, msg in rows
    )


def run_cli_subprocess(
    root: Path, paths: Sequence[str], cache_dir: Path
) -> tuple[int, list[Reported], str]:
    """`python -m fastapi_prod_lint` once on `paths` (relative to `root`): exit status,
    findings with root-relative paths, and stderr."""
    result = _run(
        ["fastapi_prod_lint", "--output-format", "json", "--no-cache", *paths], root, cache_dir
    )
    if result.returncode not in (0, 1):
        raise FrontEndError(_describe(result))
    return result.returncode, from_json(result.stdout, root), result.stderr
