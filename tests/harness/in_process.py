"""Every front end run inside the test process, cheap enough for hundreds of generated projects:
the CLI on the project, on its files and fed each file on stdin, flake8 and pylint on each file
or on all of them at once. Each run starts as a fresh process would: no project loaded yet.
flake8 and pylint use the summary cache as they do by default (in the test's own user cache
folder); the CLI runs uncached."""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi_prod_lint import cli
from fastapi_prod_lint.core import runner
from fastapi_prod_lint.rules import ALL_RULES
from harness.frontends import FrontEndError, Reported, from_json, relative, working_directory

PYLINT_SYMBOLS = {rule.name: rule.code for rule in ALL_RULES}
# as in frontend_helpers.ASTROID_SKIPS_LIBRARIES: astroid need not build these from source
ASTROID_SKIPS = {"sqlmodel", "pydantic", "pydantic_core", "sqlalchemy", "fastapi", "starlette"}


def fresh_process() -> None:
    """Forget the projects loaded so far, as a new flake8, pylint or CLI process would."""
    runner._PROJECTS.clear()
    gc.unfreeze()  # loading a project froze everything alive then; let it be collected


@contextlib.contextmanager
def _captured(stdin: bytes = b"") -> Iterator[io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            yield stdout
    finally:
        sys.stdin = previous
    if "Traceback" in stderr.getvalue():
        raise FrontEndError(stderr.getvalue())


def _cli(project: Path, args: Sequence[str], stdin: bytes = b"") -> list[Reported]:
    fresh_process()
    with working_directory(project), _captured(stdin) as stdout:
        status = cli.main(["--output-format", "json", "--no-cache", *args])
    if status not in (0, 1):
        raise FrontEndError(f"the CLI exited {status} on {args}")
    return from_json(stdout.getvalue(), project)


def cli_on_project(project: Path, folder: str = ".") -> list[Reported]:
    """`fastapi-prod-lint FOLDER` in the project root (`.`, or the root's absolute path)."""
    return _cli(project, [folder])


def cli_on_files(project: Path, files: Sequence[str]) -> list[Reported]:
    """`fastapi-prod-lint FILE...` with every file named, in the order given."""
    return _cli(project, list(files))


def cli_on_stdin(project: Path, files: Sequence[str]) -> list[Reported]:
    """`fastapi-prod-lint --stdin-filename FILE -` once per file, the file's text on stdin."""
    return sorted(
        found
        for name in files
        for found in _cli(project, ["--stdin-filename", name, "-"], (project / name).read_bytes())
    )


class _Collected:
    """What the reused flake8 style guide reported in the current call of `flake8()`."""

    violations: list[Any] = []  # noqa: RUF012 - reset before every run


@functools.cache
def _flake8_guide() -> Any:
    """One flake8 style guide (`--select FPL`, one job) for every run: building it costs more
    than checking a small project, and nothing of a run stays in it but the options."""
    from flake8.api import legacy
    from flake8.formatting.base import BaseFormatter
    from flake8.main.options import JobsArgument

    class Collect(BaseFormatter):
        def handle(self, error: Any) -> None:
            _Collected.violations.append(error)

        def format(self, error: Any) -> str | None:
            return None

    guide = legacy.get_style_guide(select=["FPL"], jobs=JobsArgument("1"))
    guide.init_report(Collect)
    return guide


def flake8(project: Path, files: Sequence[str], per_file: bool) -> list[Reported]:
    """`flake8 --select FPL` on each file in turn, or on all files in one run."""
    _Collected.violations = []
    runs = [[name] for name in files] if per_file else [list(files)]
    with working_directory(project), _captured():
        for names in runs:
            fresh_process()
            _flake8_guide().check_files(names)
    return sorted(  # flake8 counts columns from 1
        Reported(relative(v.filename, project), v.line_number, v.column_number - 1, v.code, v.text)
        for v in _Collected.violations
    )


@functools.cache
def _pylint_linter() -> Any:
    """One pylint linter with only our checker, reused: `Run` registers every checker and
    parses the options each time, which costs more than checking a small project."""
    from pylint.lint import Run

    options = ["--disable=all", "--enable=fastapi-prod-lint", "-sn", "--persistent=n"]
    with (
        tempfile.TemporaryDirectory() as folder,
        working_directory(Path(folder)),
        _captured(),
        _astroid_skips_libraries(),
    ):
        Path(folder, "empty.py").write_text("", encoding="utf-8")
        run = Run(["--load-plugins=fastapi_prod_lint.pylint", *options, "empty.py"], exit=False)
    return run.linter


@contextlib.contextmanager
def _astroid_skips_libraries() -> Iterator[None]:
    """astroid's denylist for the duration of a run only: other tests in this process keep
    astroid's default behaviour."""
    import astroid

    added = ASTROID_SKIPS - astroid.MANAGER.module_denylist
    astroid.MANAGER.module_denylist.update(added)
    try:
        yield
    finally:
        astroid.MANAGER.module_denylist.difference_update(added)


def pylint(project: Path, files: Sequence[str], per_file: bool) -> list[Reported]:
    """pylint with only our checker, on each file in turn or on all files in one run."""
    from pylint.reporters import CollectingReporter

    linter = _pylint_linter()
    messages: list[Any] = []
    runs = [[name] for name in files] if per_file else [list(files)]
    with working_directory(project), _captured(), _astroid_skips_libraries():
        for names in runs:
            fresh_process()
            reporter = CollectingReporter()
            linter.set_reporter(reporter)
            linter.check(names)
            messages += reporter.messages
    for message in messages:
        if message.symbol not in PYLINT_SYMBOLS:
            raise FrontEndError(f"pylint reported {message.symbol}: {message.msg}")
    return sorted(
        Reported(relative(m.path, project), m.line, m.column, PYLINT_SYMBOLS[m.symbol], m.msg)
        for m in messages
    )
