"""Hostile trees and configuration, in every front end: symlink loops, links back into the tree
or to nothing, a FIFO or a device named `*.py`, a folder named `x.py`, paths with spaces and
non-ASCII, a 50 MB module; and a malformed `pyproject.toml`. The run reports what it cannot
read and goes on, never hangs, never repeats a file through a link, and a bad configuration is
one line naming the file and the key, with exit status 2.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from frontend_helpers import BIN, console

SLEEP = (
    "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n\n"
    "@app.get('/')\nasync def root():\n    time.sleep(1)\n"
)
TIMEOUT = 120  # a hang is a failure, not a stuck suite

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices are POSIX")


def run(tool: str, *args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return console(
        tool, *args, cwd=cwd, env={"FASTAPI_PROD_LINT_CACHE_DIR": str(cache)}, timeout=TIMEOUT
    )


def hostile_tree(root: Path) -> Path:
    project = root / "proj"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "tree"\n', encoding="utf-8")
    (project / "app" / "main.py").write_text(SLEEP, encoding="utf-8")
    (project / "app" / "routes ü.py").write_text(SLEEP, encoding="utf-8")
    (project / "folder.py").mkdir()
    (project / "folder.py" / "inside.py").write_text("x = 1\n", encoding="utf-8")
    (project / "loop_a.py").symlink_to("loop_b.py")
    (project / "loop_b.py").symlink_to("loop_a.py")
    (project / "broken.py").symlink_to("missing.py")
    (project / "app" / "up").symlink_to("..", target_is_directory=True)
    if os.name == "posix":
        os.mkfifo(project / "fifo.py")
        (project / "zero.py").symlink_to("/dev/zero")
    blob = "# " + "x" * 98 + "\n"  # 50 MB of comments and one huge literal: read and parsed
    big = blob * 250_000 + 'DATA = "' + "y" * 25_000_000 + '"\n'
    (project / "big.py").write_text(big + SLEEP, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_tree(tmp_path_factory.mktemp("hostile"))


@posix_only
def test_cli_reports_each_file_once_and_goes_on(tree: Path, tmp_path: Path) -> None:
    result = run("fastapi-prod-lint", "--output-format", "json", ".", cwd=tree, cache=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    found = json.loads(result.stdout)
    blocking = sorted(f["path"] for f in found if f["code"] == "FPL101")
    assert blocking == ["app/main.py", "app/routes ü.py", "big.py"]  # nothing through app/up
    unreadable = {f["path"] for f in found if f["code"] == "FPL001"}
    assert {"broken.py", "fifo.py", "zero.py", "loop_a.py", "loop_b.py"} <= unreadable
    assert not any(f["path"].startswith("folder.py/") and f["code"] == "FPL001" for f in found)


@posix_only
@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("flake8", ["--select", "FPL", "app/main.py"]),
        (
            "pylint",
            [
                "--load-plugins=fastapi_prod_lint.pylint",
                "--disable=all",
                "--enable=fastapi-prod-lint",
                "app/main.py",
            ],
        ),
    ],
    ids=["flake8", "pylint"],
)
def test_hosts_read_the_hostile_project_around_a_file(
    tree: Path, tmp_path: Path, tool: str, args: list[str]
) -> None:
    """The plugin reads the whole project around the file it is given: the hostile siblings
    must not hang it or break it."""
    if not (BIN / tool).exists():
        pytest.skip(f"{tool} is not installed")
    result = run(tool, *args, cwd=tree, cache=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert "blocking-call-in-async-route" in result.stdout or "FPL101" in result.stdout


BAD_CONFIGS = {
    "typo": ('[tool.fastapi-prod-lint]\nselct = ["FPL1"]\n', "selct"),
    "wrong_type": ("[tool.fastapi-prod-lint]\nselect = 3\n", "select"),
    "not_toml": ('[tool.fastapi-prod-lint\nselect = ["FPL1"]\n', "TOML"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
@pytest.mark.parametrize("tool", ["fastapi-prod-lint", "flake8", "pylint"])
def test_a_bad_configuration_is_one_line_and_exit_2(tool: str, name: str, tmp_path: Path) -> None:
    if not (BIN / tool).exists():
        pytest.skip(f"{tool} is not installed")
    project = tmp_path / "proj"
    project.mkdir()
    text, key = BAD_CONFIGS[name]
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    (project / "main.py").write_text(SLEEP, encoding="utf-8")
    args = {
        "fastapi-prod-lint": ["."],
        "flake8": ["--select", "FPL", "main.py"],
        "pylint": ["--load-plugins=fastapi_prod_lint.pylint", "main.py"],
    }[tool]
    result = run(tool, *args, cwd=project, cache=tmp_path / "cache")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "fastapi-prod-lint" in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "pyproject.toml" in lines[0] and key in lines[0], lines[0]
