"""The command: output formats, exit codes, stdin buffers, `rules` and `rule`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core.rule import pylint_message_id
from fastapi_prod_lint.rules import ALL_RULES

REPO = Path(__file__).resolve().parents[1]
BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-prod-lint]\n")
    (tmp_path / "app.py").write_text(BLOCKING)
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


def test_text_output_and_exit_1_on_findings(proj, capsys, monkeypatch):
    monkeypatch.chdir(proj)
    assert main(["--no-cache"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("app.py:5:5: FPL101 Blocking call `time.sleep` in async function")
    assert out[-1] == "Found 1 problem."


def test_exit_0_when_clean_and_with_exit_zero(proj, capsys):
    assert main([str(proj / "clean.py"), "--no-cache"]) == 0
    assert capsys.readouterr().out == ""
    assert main([str(proj), "--no-cache", "--exit-zero"]) == 0


def test_json_output(proj, capsys):
    main([str(proj), "--no-cache", "--output-format", "json"])
    [finding] = json.loads(capsys.readouterr().out)
    assert finding["code"] == "FPL101"
    assert (finding["line"], finding["column"]) == (5, 5)
    assert finding["path"].endswith("app.py")


def test_select_and_ignore_flags(proj, capsys):
    assert main([str(proj), "--no-cache", "--ignore", "FPL101"]) == 0
    assert main([str(proj), "--no-cache", "--select", "FPL001"]) == 0
    assert main([str(proj), "--no-cache", "--select", "FPL9"]) == 2
    assert "unknown rule code `FPL9`" in capsys.readouterr().err


def test_usage_errors_exit_2(proj, capsys):
    assert main([str(proj / "missing.py")]) == 2
    assert main(["--output-format", "yaml", str(proj)]) == 2
    assert main(["rule", "FPL999"]) == 2


def test_stdin_buffer_replaces_the_file(proj, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BLOCKING.encode())))
    assert main(["--no-cache", "--stdin-filename", str(proj / "clean.py")]) == 1
    assert "clean.py:5:5: FPL101" in capsys.readouterr().out


def test_rules_table_and_json(capsys):
    assert main(["rules"]) == 0
    assert "FPL101  blocking-call-in-async-route" in capsys.readouterr().out
    assert main(["rules", "--output-format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == [rule.code for rule in ALL_RULES]
    assert rows[0]["pylint_id"] == "E0001"  # FPL001: pylint reports a syntax error itself
    fpl101 = rows[1]
    assert fpl101["name"] == "blocking-call-in-async-route"
    assert fpl101["pylint_id"] == pylint_message_id("FPL101") == "W8811"
    assert fpl101["options"] == {
        "extra-blocking-calls": [],
        "allowed-calls": [],
        "strict-filesystem": False,
        "report-lifespan-code": False,
        "report-unserved-code": False,
    }
    assert fpl101["summary"]


def test_a_file_that_does_not_parse_is_reported_and_the_run_goes_on(proj, capsys):
    (proj / "broken.py").write_text("def f(:\n")
    assert main([str(proj), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "broken.py:1:7: FPL001 Cannot parse the file" in out
    assert "app.py:5:5: FPL101" in out


def test_warm_cache_gives_the_same_findings(proj, tmp_path, capsys):
    cache = tmp_path / "cache"
    main([str(proj), "--cache-dir", str(cache)])
    cold = capsys.readouterr().out
    main([str(proj), "--cache-dir", str(cache)])
    assert capsys.readouterr().out == cold
    assert (cache / ".gitignore").exists()


def test_editing_another_module_invalidates_cached_findings(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "compat.py").write_text("def pause(x):\n    pass\n")
    (tmp_path / "app.py").write_text("from compat import pause\nasync def f():\n    pause(1)\n")
    cache = tmp_path / "cache"
    assert main([str(tmp_path), "--cache-dir", str(cache)]) == 0
    (tmp_path / "compat.py").write_text("from time import sleep as pause\n")
    assert main([str(tmp_path), "--cache-dir", str(cache)]) == 1
    assert "Blocking call `time.sleep`" in capsys.readouterr().out


def test_parallel_and_serial_runs_agree(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("")
    for i in range(60):
        (tmp_path / f"m{i}.py").write_text(BLOCKING if i % 3 == 0 else "x = 1\n")
    main([str(tmp_path), "--no-cache", "-j", "1"])
    serial = capsys.readouterr().out
    main([str(tmp_path), "--no-cache", "-j", "2"])
    assert capsys.readouterr().out == serial
    assert serial.count("FPL101") == 20


def test_the_command_runs_as_a_real_subprocess(proj):
    result = subprocess.run(
        [sys.executable, "-m", "fastapi_prod_lint", "--no-cache", "."],
        cwd=proj,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("app.py:5:5: FPL101")


def test_the_demo_app_reports_exactly_the_planted_mistakes(capsys):
    """Each planted mistake's line ends with a comment naming it; the linter reports exactly
    those lines, code by code, and nothing else."""
    examples = REPO / "examples"
    assert main([str(examples), "--no-cache"]) == 1
    out = capsys.readouterr().out
    comments = {
        "# blocking": ("FPL101",),
        "# blocking via a sync helper": ("FPL102",),
        "# table model: sends hashed_password": ("FPL301", "FPL304"),
        "# not fully defined at runtime": ("FPL501",),
        "# global auth state": ("FPL401",),
        "# fat handler": ("FPL201",),
        "# no service layer": ("FPL203",),
    }
    planted: dict[str, set[tuple[str, int]]] = {}
    for path in examples.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for comment, codes in comments.items():
                if line.rstrip().endswith(comment):
                    for code in codes:
                        planted.setdefault(code, set()).add((str(path), number))
    reported: dict[str, set[tuple[str, int]]] = {}
    for line in out.splitlines()[:-1]:  # the last line counts the problems
        path, number, _, rest = line.split(":", 3)
        reported.setdefault(rest.split()[0], set()).add((path, int(number)))
    assert set(planted) == {code for codes in comments.values() for code in codes}
    assert reported == planted


def test_the_project_lints_itself_clean(capsys):
    assert main([str(REPO / "src"), "--no-cache"]) == 0, capsys.readouterr().out


def test_nested_projects_under_a_folder_are_checked_with_their_own_settings(tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    for name, table in (("a", ""), ("b", 'ignore = ["FPL101"]')):
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text(f"[tool.fastapi-prod-lint]\n{table}\n")
        (tmp_path / name / "app.py").write_text(BLOCKING)
    assert main([str(tmp_path), "--no-cache"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(str(tmp_path / "a" / "app.py") + ":5:5: FPL101")
    assert lines[1:] == ["Found 1 problem."]
