"""Parity as a property: on any generated multi-module FastAPI project, the CLI on the project,
the CLI on its files named in reverse order, the CLI fed each file on stdin, flake8 and pylint
(each file on its own, or all files in one run) report the same findings: path, line, column,
code and message. Every front end runs in this process (tests/harness/in_process.py), each run
starting without a loaded project as a new process would.

A few hundred examples run in the default suite; `FASTAPI_PROD_LINT_LONG_TESTS=1` (set by
`.ci/run`'s long pass) runs thousands.
"""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import pytest
from harness.compare import front_end_differences
from harness.in_process import cli_on_files, cli_on_project, cli_on_stdin, flake8, pylint
from hypothesis import HealthCheck, Phase, event, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from project_strategy import projects

pytest.importorskip("flake8")
pytest.importorskip("pylint")

LONG = os.environ.get("FASTAPI_PROD_LINT_LONG_TESTS") == "1"
# how the files are named to the front ends (pre-commit, editors and users differ)
SPELLINGS = ("relative", "dotted", "absolute")


def spell(root: Path, name: str, spelling: str) -> str:
    if spelling == "absolute":
        return str((root / name).resolve())
    return f"./{name}" if spelling == "dotted" and name != "." else name


def write(root: Path, files: dict[str, str]) -> list[str]:
    """The project on disk; its Python files, project-relative."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(name for name in files if name.endswith(".py"))


@settings(
    max_examples=3000 if LONG else 300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(files=projects, per_file=st.booleans(), spelling=st.sampled_from(SPELLINGS))
def test_every_front_end_reports_the_same_findings(
    files: dict[str, str], per_file: bool, spelling: str
) -> None:
    for name in files:
        if name.endswith(".py"):
            ast.parse(files[name], name)  # generated code always parses: no host's own E999
    with tempfile.TemporaryDirectory() as folder:  # gone at once: hundreds of projects a run
        compare_front_ends(Path(folder).resolve(), files, per_file, spelling)


def compare_front_ends(root: Path, files: dict[str, str], per_file: bool, spelling: str) -> None:
    python_files = [spell(root, name, spelling) for name in write(root, files)]
    reference = cli_on_project(root, spell(root, ".", spelling))
    for code in sorted({found.code for found in reference}):
        event(code)
    others = {
        "CLI on the files, last first": cli_on_files(root, python_files[::-1]),
        "CLI on stdin": cli_on_stdin(root, python_files),
        f"flake8 ({'each file' if per_file else 'one run'})": flake8(root, python_files, per_file),
        f"pylint ({'each file' if per_file else 'one run'})": pylint(root, python_files, per_file),
    }
    report = [
        f"{name} disagrees with the CLI on the project:\n" + "\n".join(differences)
        for name, found in others.items()
        if (differences := front_end_differences("CLI", reference, name, found))
    ]
    listing = "".join(f"\n--- {name}\n{text}" for name, text in files.items())
    assert not report, "\n\n".join(report) + "\n\nThe project:" + listing


# every rule but FPL001 (generated code parses), FPL202 (opt-in) and FPL302 (plain SQLAlchemy)
NUMBERS = (101, 102, 201, 203, 301, 303, 304, 401, 402, 403, 404, 501, 502, 503, 504)
REACHED = frozenset(f"FPL{number}" for number in NUMBERS)


def test_generated_projects_reach_every_rule_family() -> None:
    """The property means something only if the projects it draws trip the rules: within a
    thousand draws, the CLI reports each of these codes on some project."""
    seen: set[str] = set()

    def all_reported(files: dict[str, str]) -> bool:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            write(root, files)
            seen.update(found.code for found in cli_on_project(root))
        return seen >= REACHED

    search = settings(max_examples=1000, phases=[Phase.generate], database=None, deadline=None)
    try:
        find(projects, all_reported, settings=search)
    except NoSuchExample:
        pytest.fail(f"no generated project trips {sorted(REACHED - seen)}")
