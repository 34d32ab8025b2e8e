"""The project's own hygiene: ruff, mypy --strict, and a core that imports no front end."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "fastapi_prod_lint"
FRONT_END_PACKAGES = {"flake8", "pylint", "astroid", "libcst"}


def imported_top_levels(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


@pytest.mark.parametrize("folder", ["core", "rules", "output"])
def test_core_rules_and_output_import_no_front_end(folder):
    for path in sorted((PACKAGE / folder).glob("*.py")):
        assert not imported_top_levels(path) & FRONT_END_PACKAGES, path


def test_flake8_plugin_and_cli_import_no_libcst_or_pylint():
    code = (
        "import sys, fastapi_prod_lint.cli, fastapi_prod_lint.flake8_plugin;"
        "print(sorted(m for m in ('libcst', 'pylint', 'astroid') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def tool(name: str) -> list[str]:
    pytest.importorskip(name)
    return [sys.executable, "-m", name]


def check(command: list[str]) -> None:
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_is_clean():
    check([*tool("ruff"), "check", "."])


def test_ruff_format_is_clean():
    check([*tool("ruff"), "format", "--check", "."])


def test_mypy_strict_is_clean_on_src():
    if shutil.which("git") is None:
        pytest.skip("git not available")
    check([*tool("mypy"), "--strict", "src"])
