"""The pylint adapter: one checker, symbols = rule names; users load
`fastapi_prod_lint.pylint`. No rule logic here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from astroid import nodes
from pylint.checkers import BaseChecker

from fastapi_prod_lint.core.config import (
    check_settings_or_exit,
    load_settings,
    option_specs,
    options_from_namespace,
)
from fastapi_prod_lint.core.layout import find_root
from fastapi_prod_lint.core.rule import pylint_message_id
from fastapi_prod_lint.core.runner import check_source
from fastapi_prod_lint.rules import ALL_RULES, RULES_BY_CODE

if TYPE_CHECKING:
    from pylint.lint import PyLinter


def _options() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(
        (
            f"fpl-{key}",
            {
                "type": "csv",
                "default": None,
                "metavar": "<names>",
                "help": f"{rule.code} option `{key}` (default: the project's pyproject.toml)",
            },
        )
        for key, (rule, _) in sorted(option_specs().items())
    )


class FastAPIProdLintChecker(BaseChecker):
    """Runs every enabled fastapi-prod-lint rule; each rule is one message."""

    name = "fastapi-prod-lint"
    msgs = {  # noqa: RUF012 - pylint reads this class attribute
        pylint_message_id(rule.code): ("%s", rule.name, rule.summary())
        for rule in ALL_RULES
        if "pylint" not in rule.host_codes  # FPL001: pylint's own E0001 `syntax-error`
    }
    options = _options()

    def open(self) -> None:
        """Once, before the first module: a bad configuration of the project pylint runs in
        ends the run (exit 2, one line naming the file and the key)."""
        check_settings_or_exit([find_root(Path.cwd())])

    def visit_module(self, node: nodes.Module) -> None:
        display = node.file or f"{node.name.replace('.', '/')}.py"
        path = Path(display).absolute()
        settings = load_settings(find_root(path))
        overrides = options_from_namespace(self.linter.config)
        if overrides:
            settings = settings.override(options=overrides)
        with node.stream() as stream:
            data = stream.read()
        for finding in check_source(data, display, settings):
            rule = RULES_BY_CODE.get(finding.code)
            if rule is None or "pylint" in rule.host_codes:  # a syntax error: pylint's own
                continue
            self.add_message(
                rule.name,
                node=node,
                line=finding.line,
                col_offset=finding.col,
                end_lineno=finding.end_line,
                end_col_offset=finding.end_col,
                args=(finding.message,),
            )


def register(linter: PyLinter) -> None:
    linter.register_checker(FastAPIProdLintChecker(linter))
