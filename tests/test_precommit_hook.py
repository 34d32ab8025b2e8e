"""The pre-commit hook definition runs the installed command on Python files, serially."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def hook_fields() -> dict[str, str]:
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    fields = {}
    for line in text.splitlines():
        stripped = line.strip().removeprefix("- ")
        if stripped and not stripped.startswith("#") and ":" in stripped:
            key, _, value = stripped.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def test_hook_runs_the_console_script_on_python_files_in_one_process():
    fields = hook_fields()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert fields["id"] == "fastapi-prod-lint"
    assert fields["entry"] in scripts
    assert fields["language"] == "python"
    assert fields["types"] == "[python]"
    # one process sees the whole project, which the cross-file rules need
    assert fields["require_serial"] == "true"
