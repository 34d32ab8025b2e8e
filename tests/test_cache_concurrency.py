"""Many runs, one cache: 4 CLI processes and `flake8 -j 2` over the same project and cache
folder at once, round after round, never crash, never leave a record that does not verify,
and report the same findings as an uncached run every time. A few rounds in the default suite;
`FASTAPI_PROD_LINT_LONG_TESTS=1` runs 20."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from frontend_helpers import BIN, PROJECT, make_project

ROUNDS = 20 if os.environ.get("FASTAPI_PROD_LINT_LONG_TESTS") == "1" else 3
CLI = [str(BIN / "fastapi-prod-lint"), "--output-format", "json", "-j", "2", "."]
FLAKE8 = [
    str(BIN / "flake8"),
    "-j",
    "2",
    "--select",
    "FPL",
    "--format=%(path)s:%(row)d: %(code)s %(text)s",
    ".",
]


def many_modules() -> dict[str, str]:
    files = dict(PROJECT)
    for n in range(60):  # enough modules for the process pools to start
        files[f"app/extra_{n}.py"] = (
            "import time\n\nfrom app.api import router\n\n\n"
            f"@router.get('/extra/{n}')\nasync def extra_{n}():\n    time.sleep(1)\n"
        )
    return files


def test_concurrent_runs_share_one_cache(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", many_modules())
    env = {**os.environ, "FASTAPI_PROD_LINT_CACHE_DIR": str(tmp_path / "cache")}
    reference = subprocess.run(
        [*CLI[:-1], "--no-cache", "."], cwd=project, env=env, capture_output=True, text=True
    )
    expected = sorted(json.loads(reference.stdout), key=json.dumps)
    assert len(expected) >= 60
    expected_flake8 = sorted(
        f"./{f['path']}:{f['line']}: {f['code']} {f['message']}" for f in expected
    )
    for round_ in range(ROUNDS):
        if round_ % 2:  # every other round changes a file: some records are rebuilt, some kept
            routes = project / "app" / f"extra_{round_}.py"
            routes.write_text(routes.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        running = [
            subprocess.Popen(
                command,
                cwd=project,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command in [CLI] * 4 + [FLAKE8]
        ]
        outputs = [process.communicate(timeout=600) for process in running]
        for process, (_, stderr) in zip(running, outputs, strict=True):
            assert process.returncode == 1, f"round {round_}: exit {process.returncode}\n{stderr}"
            assert "Traceback" not in stderr, stderr
        for stdout, _ in outputs[:4]:
            assert sorted(json.loads(stdout), key=json.dumps) == expected, f"round {round_}"
        assert sorted(outputs[4][0].splitlines()) == expected_flake8, f"round {round_}: flake8"
    # what the last round left verifies and serves a warm run with the same findings
    warm = subprocess.run(CLI, cwd=project, env=env, capture_output=True, text=True)
    assert sorted(json.loads(warm.stdout), key=json.dumps) == expected
