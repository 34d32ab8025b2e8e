"""The flake8 adapter (entry point `FPL`): options in, findings out; no rule logic here."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi_prod_lint import __version__
from fastapi_prod_lint.core.config import (
    CONFIG_ERROR_STATUS,
    ConfigError,
    check_settings_or_exit,
    load_settings,
    option_specs,
    options_from_namespace,
    parse_code_list,
)
from fastapi_prod_lint.core.layout import find_root
from fastapi_prod_lint.core.runner import check_source

STDIN_NAMES = ("stdin", "-", "<stdin>")


def flag(key: str) -> str:
    return f"--fpl-{key}"


class Flake8Plugin:
    """Runs every enabled fastapi-prod-lint rule on the file flake8 hands over.

    flake8 may give an editor's unsaved buffer (`flake8 - --stdin-display-name PATH`): the
    buffer replaces that file, the rest of the project is read from disk.
    """

    name = "fastapi-prod-lint"
    version = __version__

    def __init__(
        self,
        tree: ast.Module,
        filename: str,
        lines: list[str],
        options: argparse.Namespace | None = None,
    ) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines
        self.options = options

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--fpl-select",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            help="fastapi-prod-lint codes to run (default: the project's pyproject.toml)",
        )
        manager.add_option(
            "--fpl-ignore",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            help="fastapi-prod-lint codes to skip (besides the project's pyproject.toml)",
        )
        for key, (rule, _) in sorted(option_specs().items()):
            manager.add_option(
                flag(key),
                default=None,
                parse_from_config=True,
                comma_separated_list=True,
                help=f"{rule.code} option `{key}` (default: the project's pyproject.toml)",
            )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """Once, in flake8's main process: a bad project configuration ends the run here
        (exit 2, one line), not in every worker."""
        names = [n for n in getattr(options, "filenames", None) or ["."] if n not in STDIN_NAMES]
        check_settings_or_exit({find_root(Path(name).absolute()) for name in names or ["."]})
        try:
            overrides_of(options)  # `--fpl-max-nesting=deep`: here, not in each worker
        except ConfigError as error:
            sys.stderr.write(f"fastapi-prod-lint: configuration error: {error}\n")
            raise SystemExit(CONFIG_ERROR_STATUS) from None

    def run(self) -> Iterator[tuple[int, int, str, type[Flake8Plugin]]]:
        display = self.filename
        path = Path("stdin.py" if display in STDIN_NAMES else display).absolute()
        settings = load_settings(find_root(path))
        overrides = self._overrides()
        if overrides:
            settings = settings.override(**overrides)
        data = "".join(self.lines).encode("utf-8", errors="surrogateescape")
        for finding in check_source(data, display, settings, tree=self.tree):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)

    def _overrides(self) -> dict[str, Any]:
        return {} if self.options is None else overrides_of(self.options)


def overrides_of(options: argparse.Namespace) -> dict[str, Any]:
    """The settings flake8's own options change (`--fpl-select`, `--fpl-<option>`)."""
    changes: dict[str, Any] = {}
    select = getattr(options, "fpl_select", None)
    if select:
        changes["select"] = parse_code_list(select, "--fpl-select")
    ignore = getattr(options, "fpl_ignore", None)
    if ignore:
        changes["ignore"] = parse_code_list(ignore, "--fpl-ignore")
    found = options_from_namespace(options)
    if found:
        changes["options"] = found
    return changes
