"""Bad input never crashes a front end: it is reported (FPL001) or linted, and the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from frontend_helpers import PYLINT_ONLY_OURS, run

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.cli import main

SLEEP = b"import time\n\n\nasync def f():\n    time.sleep(1)\n"
DEEP = b"x = " + b"-" * 5000 + b"1\nasync def g():\n    y = " + b"1 + " * 5000 + b"1\n"

CASES: dict[str, tuple[bytes, set[tuple[int, str]]]] = {
    "empty": (b"", set()),
    "non_utf8": (b"x = '\xff\xfe'\n" + SLEEP, {(1, "FPL001")}),
    "nul_byte": (b"x = 1\x00\n" + SLEEP, {(1, "FPL001")}),
    "bom": (b"\xef\xbb\xbf" + SLEEP, {(5, "FPL101")}),
    "crlf": (SLEEP.replace(b"\n", b"\r\n"), {(5, "FPL101")}),
    "latin1_declared": (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n" + SLEEP, {(7, "FPL101")}),
    "deep_nesting": (DEEP + SLEEP, {(8, "FPL101")}),
    "too_many_parentheses": (b"x = " + b"(" * 300 + b")" * 300 + b"\n", {(1, "FPL001")}),
}


@pytest.fixture(params=sorted(CASES))
def bad_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, set[tuple[int, str]]]:
    data, expected = CASES[request.param]
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-prod-lint]\n")
    (tmp_path / "mod.py").write_bytes(data)
    (tmp_path / "good.py").write_bytes(SLEEP)
    return tmp_path, expected


def test_core_reports_or_lints_and_goes_on(bad_file):
    root, expected = bad_file
    found = check_paths([str(root)], use_cache=False)
    assert {(f.line, f.code) for f in found if f.path.endswith("mod.py")} == expected
    assert [f.code for f in found if f.path.endswith("good.py")] == ["FPL101"]


def test_cli_exits_1_not_2(bad_file, capsys):
    root, _ = bad_file
    assert main([str(root), "--no-cache"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_flake8_does_not_crash_in_the_plugin(bad_file):
    pytest.importorskip("flake8")
    root, _ = bad_file
    result = run(["flake8", "--select", "E9,FPL", "mod.py", "good.py"], root)
    assert "fastapi_prod_lint" not in result.stderr, result.stderr  # no traceback through us
    assert "fastapi-prod-lint[FPL]" not in result.stdout  # how flake8 names a failing plugin
    # flake8 itself may stop on such input before any plugin runs: pyflakes recurses on deep
    # nesting, and flake8 on Python 3.10 lets ast.parse's ValueError for NUL bytes escape.
    if '"pyflakes[F]" failed' in result.stdout or "Traceback" in result.stderr:
        return
    assert "good.py:5:5: FPL101" in result.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_flake8_plugin_class_handles_every_tree_flake8_can_build(tmp_path, name):
    pytest.importorskip("flake8")
    import ast

    from fastapi_prod_lint.flake8_plugin import Flake8Plugin

    data, expected = CASES[name]
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        pytest.skip("flake8 reports E999/E902 itself and runs no plugin")
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "mod.py"
    path.write_bytes(data)
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    plugin = Flake8Plugin(tree, str(path), lines)
    assert {(line, text.split()[0]) for line, _, text, _ in plugin.run()} == expected


def test_pylint_does_not_crash_in_the_plugin(bad_file):
    pytest.importorskip("pylint")
    root, _ = bad_file
    result = run(
        [
            *PYLINT_ONLY_OURS,
            "mod.py",
            "good.py",
        ],
        root,
    )
    assert "fastapi_prod_lint" not in result.stderr, result.stderr
    assert "good.py:5:4: W8811" in result.stdout
