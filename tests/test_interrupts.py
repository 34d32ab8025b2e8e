"""Ctrl-C (SIGINT to the process group, as a terminal sends it) or SIGTERM during a cold run:
the CLI exits 130 or 143 with one line and no traceback from it or its workers, and the cache
it leaves behind serves the next run correctly (the same findings as an uncached run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from frontend_helpers import BIN, console

MODULE = (
    "import time\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
    "@router.get('/{n}')\nasync def handler_{n}():\n    time.sleep(1)\n    return {{'n': {n}}}\n"
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")


def make_project(root: Path, modules: int = 400) -> Path:
    project = root / "proj"
    (project / "app" / "routes").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "big"\n', encoding="utf-8")
    (project / "app" / "__init__.py").write_text("", encoding="utf-8")
    (project / "app" / "routes" / "__init__.py").write_text("", encoding="utf-8")
    imports = []
    for n in range(modules):
        (project / "app" / "routes" / f"r{n}.py").write_text(MODULE.format(n=n), encoding="utf-8")
        imports.append(f"from app.routes import r{n}\napp.include_router(r{n}.router)\n")
    main = "from fastapi import FastAPI\n\napp = FastAPI()\n" + "".join(imports)
    (project / "app" / "main.py").write_text(main, encoding="utf-8")
    return project


def lint(project: Path, env: dict[str, str], *options: str) -> list[dict[str, object]]:
    result = console(
        "fastapi-prod-lint", "--output-format", "json", *options, ".", cwd=project, env=env
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return sorted(json.loads(result.stdout), key=json.dumps)


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_an_interrupted_cold_run_exits_cleanly_and_leaves_a_usable_cache(
    signum: int, status: int, tmp_path: Path
) -> None:
    project = make_project(tmp_path)
    trace = tmp_path / "trace.txt"
    env = {
        **os.environ,
        "FASTAPI_PROD_LINT_CACHE_DIR": str(tmp_path / "cache"),
        "FASTAPI_PROD_LINT_TRACE": str(trace),
    }
    process = subprocess.Popen(
        [str(BIN / "fastapi-prod-lint"), "-j", "2", "."],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the signal reaches it and its workers
    )
    # interrupt once the index is built (the trace says so) and the files are being checked
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if trace.exists() and "index" in trace.read_text(encoding="utf-8"):
            break
        time.sleep(0.01)
    if process.poll() is not None:
        pytest.fail("the run ended before it could be interrupted; make the project bigger")
    target = os.getpgid(process.pid) if signum == signal.SIGINT else None
    if target is not None:
        os.killpg(target, signum)  # what a terminal's Ctrl-C does
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=300)
    if process.returncode in (0, 1):
        pytest.skip("the run finished before the signal arrived")
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    expected = lint(project, env, "--no-cache")
    assert lint(project, env) == expected  # the cache the interrupted run left
    assert lint(project, env) == expected  # and the one the next run wrote
