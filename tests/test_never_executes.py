"""The linter reads the analysed project; it never imports or runs it. A project whose modules
would write a marker file, connect to a socket or end the process if imported (its package
`__init__`, its app module, its models, a `conftest.py`, and files named like the standard
library modules the linter itself imports) is linted by every front end, and nothing happens:
no marker, no connection, the usual exit status and findings.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from frontend_helpers import BIN, console
from harness.frontends import run_core

# Modules the linter, flake8 or pylint import themselves: a project file with one of these
# names, in the folder a tool runs from, must never be imported instead of the real one.
SHADOWS = ("__future__", "ast", "json", "typing", "tokenize", "hashlib", "enum", "fastapi")


def payload(marker: Path, port: int, name: str) -> str:
    """What a module does if anything imports it: leave a marker, call home, kill the run."""
    return (
        "import os, socket\n"
        f"open({str(marker)!r} + '.' + {name!r}, 'w').write('imported')\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "except OSError:\n"
        "    pass\n"
        "os._exit(97)\n"
    )


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def hostile_project(root: Path, marker: Path, port: int) -> Path:
    project = root / "proj"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "hostile"\n', encoding="utf-8")
    (project / "app" / "__init__.py").write_text(payload(marker, port, "init"), encoding="utf-8")
    (project / "conftest.py").write_text(payload(marker, port, "conftest"), encoding="utf-8")
    (project / "app" / "main.py").write_text(
        payload(marker, port, "main") + "import time\n"
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.get('/')\n"
        "async def root():\n"
        "    time.sleep(1)\n",
        encoding="utf-8",
    )
    for name in SHADOWS:
        (project / f"{name}.py").write_text(payload(marker, port, name), encoding="utf-8")
    return project


def nothing_happened(marker: Path, server: socket.socket) -> None:
    left = sorted(p.name for p in marker.parent.glob(marker.name + ".*"))
    assert not left, f"analysed code ran: markers {left}"
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return
    connection.close()
    pytest.fail("analysed code ran: it connected to the test's socket")


def test_the_core_never_imports_the_project(tmp_path: Path, listener: socket.socket) -> None:
    marker = tmp_path / "marker"
    project = hostile_project(tmp_path, marker, listener.getsockname()[1])
    found = run_core(project)
    assert [f.code for f in found if f.path == "app/main.py"] == ["FPL101"]
    nothing_happened(marker, listener)


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("fastapi-prod-lint", ["--output-format", "json", "."], 1),
        ("fastapi-prod-lint", ["--output-format", "json", "app/main.py"], 1),
        ("-m", ["--output-format", "json", "."], 1),
        ("flake8", ["--select", "FPL", "."], 1),
        (
            "pylint",
            [
                "--load-plugins=fastapi_prod_lint.pylint",
                "--disable=all",
                "--enable=fastapi-prod-lint",
                "app/main.py",
                "app/__init__.py",
            ],
            None,
        ),
    ],
    ids=["cli-folder", "cli-file", "python-m", "flake8", "pylint"],
)
def test_no_front_end_imports_the_project(
    tool: str, args: list[str], expected: int | None, tmp_path: Path, listener: socket.socket
) -> None:
    if tool != "-m" and not (BIN / tool).exists():
        pytest.skip(f"{tool} is not installed")
    marker = tmp_path / "marker"
    project = hostile_project(tmp_path, marker, listener.getsockname()[1])
    cache = {"FASTAPI_PROD_LINT_CACHE_DIR": str(tmp_path / "cache")}
    result = console(tool, *args, cwd=project, env=cache)
    nothing_happened(marker, listener)
    assert result.returncode != 97, "analysed code ended the run"
    assert "Traceback" not in result.stderr, result.stderr
    if expected is not None:
        assert result.returncode == expected, result.stdout + result.stderr
    output = result.stdout
    if tool in ("fastapi-prod-lint", "-m"):
        assert [f["code"] for f in json.loads(output) if f["path"].endswith("main.py")] == [
            "FPL101"
        ]
    else:
        assert "FPL101" in output or "blocking-call-in-async-route" in output, output
