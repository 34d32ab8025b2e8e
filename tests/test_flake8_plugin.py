"""The flake8 adapter: same findings as the core, options, editor buffers, parallel workers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from frontend_helpers import make_project, run

pytest.importorskip("flake8")

FORMAT = "--format=%(path)s:%(row)d:%(col)d: %(code)s %(text)s"


def flake8(
    cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> list[str]:
    result = run(["flake8", "--select", "FPL", FORMAT, *args], cwd, stdin=stdin, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


def test_findings_name_the_route_on_a_router_from_another_module(tmp_path):
    root = make_project(tmp_path)
    assert flake8(root, "app") == [
        "app/routes.py:8:5: FPL101 Blocking call `time.sleep` in async route "
        "`GET /items/{item_id}`; use `await asyncio.sleep()`"
    ]


def test_stdin_buffer_with_display_name_matches_the_file_on_disk(tmp_path):
    root = make_project(tmp_path)
    buffer = (root / "app" / "routes.py").read_text()
    from_disk = flake8(root, "app/routes.py")
    from_stdin = flake8(root, "-", "--stdin-display-name", "app/routes.py", stdin=buffer)
    assert from_stdin == from_disk and from_disk


def test_unsaved_buffer_replaces_the_file_on_disk(tmp_path):
    root = make_project(tmp_path)
    buffer = (root / "app" / "routes.py").read_text().replace("pause(1)", "time.sleep(2)")
    (root / "app" / "routes.py").write_text("x = 1\n")
    [line] = flake8(root, "-", "--stdin-display-name", "app/routes.py", stdin=buffer)
    assert line.startswith("app/routes.py:8:5: FPL101 Blocking call `time.sleep` in async route")


def test_options_are_registered_and_override_pyproject(tmp_path):
    root = make_project(tmp_path)
    help_text = run(["flake8", "--help"], root).stdout
    for flag in (
        "--fpl-select",
        "--fpl-ignore",
        "--fpl-allowed-calls",
        "--fpl-extra-blocking-calls",
    ):
        assert flag in help_text
    assert flake8(root, "--fpl-allowed-calls=time.sleep", "app") == []
    assert flake8(root, "--fpl-ignore=FPL101", "app") == []
    (root / "setup.cfg").write_text("[flake8]\nfpl-allowed-calls = time.sleep\n")
    assert flake8(root, "app") == []


def test_bad_option_value_is_reported(tmp_path):
    root = make_project(tmp_path)
    result = run(["flake8", "--fpl-select=NOPE1", "app"], root)
    assert result.returncode != 0
    assert "unknown rule code `NOPE1`" in result.stderr


def test_jobs_1_and_2_agree_and_each_process_builds_the_index_once(tmp_path):
    root = make_project(tmp_path)
    for i in range(30):
        (root / "app" / f"m{i}.py").write_text(
            (
                "import time\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
                f'@router.get("/m{i}")\nasync def f():\n    time.sleep(1)\n'
            )
            if i % 2
            else "x = 1\n"
        )
    traces = {}
    outputs = {}
    for jobs in ("1", "2"):
        trace = tmp_path / f"trace{jobs}.txt"
        outputs[jobs] = flake8(
            root, f"-j{jobs}", "app", env={"FASTAPI_PROD_LINT_TRACE": str(trace)}
        )
        traces[jobs] = Counter(line.split()[0] for line in trace.read_text().splitlines())
    assert outputs["1"] == outputs["2"]
    assert len(outputs["1"]) == 16
    assert sum(traces["1"].values()) == 1  # 31 files, one index
    assert all(count == 1 for count in traces["2"].values())


def test_a_file_that_does_not_parse_is_flake8s_e999_and_the_run_goes_on(tmp_path):
    root = make_project(tmp_path)
    (root / "app" / "broken.py").write_text("def f(:\n")
    result = run(["flake8", FORMAT, "--select", "E9,FPL", "app"], root)
    assert "app/broken.py:1:" in result.stdout and " E999 " in result.stdout
    assert "app/routes.py:8:5: FPL101" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_integer_option_on_the_command_line(tmp_path):
    root = make_project(tmp_path)
    assert flake8(root, "--fpl-min-business-rules=1", "app") == flake8(root, "app")
    result = run(["flake8", "--fpl-max-nesting=deep", "app"], root)
    assert result.returncode == 2  # one line from flake8's main process, before any worker
    assert "`max-nesting` must be an integer" in result.stderr
    assert "Traceback" not in result.stderr
