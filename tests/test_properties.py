"""Properties that hold for any input: no generated program makes a front end raise, findings
do not depend on the order files are given, on `-j` or on a warm cache, and no text read from
the analysed source reaches an output as a raw control character.

A few hundred examples run in the default suite; `FASTAPI_PROD_LINT_LONG_TESTS=1` (set by
`.ci/run`'s long pass) runs thousands.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
from pathlib import Path

import hypothesmith
import pytest
from harness.cases import discover_cases
from harness.frontends import working_directory
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fastapi_prod_lint import check_paths, cli

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code
LONG = os.environ.get("FASTAPI_PROD_LINT_LONG_TESTS") == "1"
SETTINGS = settings(
    max_examples=2000 if LONG else 150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
FEW = settings(SETTINGS, max_examples=300 if LONG else 25)

ROUTE = """\
import time

from fastapi import Depends, FastAPI

app = FastAPI()


async def dependency():
{body}


@app.get("/items/{{item_id}}")
async def read_item(item_id: int, extra=Depends(dependency)):
{body}
"""


def lint(project: Path, *options: str) -> tuple[int, str]:
    """The CLI in process, uncached unless options say otherwise: exit status and stdout."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli.main([*options, str(project)])
    assert "Traceback" not in stderr.getvalue(), stderr.getvalue()
    return status, stdout.getvalue()


def compiles(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# -- no generated program makes a front end raise ------------------------------------------------
@SETTINGS
@given(source=hypothesmith.from_grammar())
def test_any_module_is_linted_without_an_exception(tmp_path_factory, source: str) -> None:
    project = tmp_path_factory.mktemp("module")
    (project / "main.py").write_text(source, encoding="utf-8")
    check_paths([str(project)], use_cache=False)  # raising fails the test


@SETTINGS
@given(statements=hypothesmith.from_grammar(start="file_input"))
def test_any_route_body_is_linted_without_an_exception(tmp_path_factory, statements: str) -> None:
    """Generated statements as the body of an async route and of an async dependency: the
    rules that look into event-loop code, responses and shared state all read them."""
    try:
        body = ast.parse(statements).body or [ast.Pass()]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    module = ast.parse(ROUTE.format(body="    pass"))
    for node in module.body:
        if isinstance(node, ast.AsyncFunctionDef):
            node.body = body
    source = ast.unparse(ast.fix_missing_locations(module))
    assume(compiles(source))
    project = tmp_path_factory.mktemp("route")
    (project / "main.py").write_text(source, encoding="utf-8")
    status, out = lint(project, "--no-cache", "--output-format", "json")
    assert status in (0, 1)
    json.loads(out or "[]")


@FEW
@given(source=hypothesmith.from_grammar())
def test_flake8_never_raises_on_a_generated_module(tmp_path_factory, source: str) -> None:
    from flake8.api import legacy

    project = tmp_path_factory.mktemp("flake8")
    path = project / "main.py"
    path.write_text(source, encoding="utf-8")
    (project / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    with working_directory(project), contextlib.redirect_stdout(io.StringIO()):
        legacy.get_style_guide(select=["FPL"]).check_files([str(path)])


@settings(FEW, max_examples=60 if LONG else 6)
@given(source=hypothesmith.from_grammar())
def test_pylint_never_crashes_in_the_plugin(tmp_path_factory, source: str) -> None:
    """pylint in process: a crash of our checker would be an `astroid-error` naming it."""
    from pylint.lint import Run
    from pylint.reporters.text import TextReporter

    assume(compiles(source))
    project = tmp_path_factory.mktemp("pylint")
    path = project / "main.py"
    path.write_text(source, encoding="utf-8")
    out = io.StringIO()
    with working_directory(project):
        Run(
            [
                "--load-plugins=fastapi_prod_lint.pylint",
                "--disable=all",
                "--enable=fastapi-prod-lint,astroid-error",
                "-sn",
                "--persistent=n",
                str(path),
            ],
            reporter=TextReporter(out),
            exit=False,
        )
    assert "astroid-error" not in out.getvalue() and "F0002" not in out.getvalue(), out.getvalue()


# -- findings do not depend on order, jobs or cache ----------------------------------------------
PROJECTS = [case for case in discover_cases() if case.is_project]


@pytest.mark.parametrize("project_case", PROJECTS[:: 1 if LONG else 3], ids=lambda c: c.id)
def test_findings_do_not_depend_on_order_jobs_or_cache(project_case, tmp_path: Path) -> None:
    case = project_case
    project = case.materialise(tmp_path / "proj")
    files = sorted(str(p) for p in project.rglob("*.py"))
    _, reference = lint(project, "--no-cache", "--output-format", "json", "-j", "1")
    cache = tmp_path / "cache"
    runs = {
        "reversed files, -j 2": ["--no-cache", "-j", "2", *reversed(files)],
        "cold cache": ["--cache-dir", str(cache), "-j", "2"],
        "warm cache": ["--cache-dir", str(cache), "-j", "1"],
    }
    expected = sorted(json.loads(reference or "[]"), key=json.dumps)
    for label, options in runs.items():
        paths = [] if options[-1] in files else [str(project)]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            cli.main(["--output-format", "json", *options, *paths])
        found = sorted(json.loads(stdout.getvalue() or "[]"), key=json.dumps)
        assert found == expected, f"{case.id}: {label} differs from a cold -j 1 run"


# -- no raw control characters from the source reach an output ---------------------------------
TEXT_IN_SOURCE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters='"\\\n\r'), max_size=30
)


NAMES = st.from_regex(r"[A-Za-z0-9_\u00c0-\u024f]{0,12}", fullmatch=True)


@SETTINGS
@given(path=TEXT_IN_SOURCE, name=NAMES)
def test_outputs_never_carry_raw_control_characters(tmp_path_factory, path: str, name: str) -> None:
    """A route path (any text) and a model's name end up in messages: JSON stays valid, and
    the text output shows control and format characters (ESC, BEL, bidi overrides) escaped."""
    source = (
        "import time\n"
        "from fastapi import FastAPI\n"
        "from pydantic import BaseModel\n"
        "app = FastAPI()\n"
        f"class Out{name}(BaseModel):\n    hashed_password: str\n"
        f"@app.get({json.dumps(path, ensure_ascii=False)}, response_model=Out{name})\n"
        "async def route():\n    time.sleep(1)\n"
    )
    assume(compiles(source))
    project = tmp_path_factory.mktemp("escapes")
    (project / "main.py").write_text(source, encoding="utf-8")
    _, as_json = lint(project, "--no-cache", "--output-format", "json")
    findings = json.loads(as_json)
    assert {f["code"] for f in findings} >= {"FPL101", "FPL304"}
    _, as_text = lint(project, "--no-cache", "--output-format", "text")
    raw = [char for char in as_text if not (char.isprintable() or char == "\n")]
    assert not raw, f"raw characters in the text output: {raw!r}"


FILE_NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=20
).filter(
    lambda name: (
        not name.startswith((".", "test_"))  # hidden, or a test module: not linted
        and not name.endswith("_test")
        and name != "conftest"
    )
)


@SETTINGS
@given(name=FILE_NAMES)
def test_any_file_name_reaches_outputs_escaped(tmp_path_factory, name: str) -> None:
    """A module's file name (any text a file system takes) is in every finding's path: JSON
    stays valid and keeps it exactly, the text output shows control characters escaped."""
    project = tmp_path_factory.mktemp("names")
    try:
        (project / f"{name}.py").write_text(
            "import time\n\n\nasync def f():\n    time.sleep(1)\n", encoding="utf-8"
        )
    except (OSError, UnicodeEncodeError):
        assume(False)
    _, as_json = lint(project, "--no-cache", "--output-format", "json")
    assert [Path(f["path"]).name for f in json.loads(as_json)] == [f"{name}.py"]
    _, as_text = lint(project, "--no-cache", "--output-format", "text")
    raw = [char for char in as_text if not (char.isprintable() or char == "\n")]
    assert not raw, f"raw characters in the text output: {raw!r}"
