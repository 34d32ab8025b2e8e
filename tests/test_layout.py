"""Roots and import roots (core/layout.py): which project a file is in, and the names its code
imports each module by, the same in every front end."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from frontend_helpers import PYLINT_ONLY_OURS, run

from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core.config import ConfigError, load_settings
from fastapi_prod_lint.core.layout import (
    Layout,
    find_root,
    import_heads,
    layout_for,
    unresolved_local_imports,
)
from fastapi_prod_lint.core.runner import check_paths, check_source, load_project


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root.resolve()


ITEMS = """
    from fastapi import APIRouter
    from app.core.storage import save

    router = APIRouter()

    @router.post("/items")
    async def create(data: bytes) -> dict:
        return {"path": save(data)}
"""
STORAGE = """
    def save(data: bytes) -> str:
        with open("/tmp/x", "wb") as handle:
            handle.write(data)
        return "/tmp/x"
"""
FULL_STACK = {
    "backend/app/__init__.py": "",
    "backend/app/api/__init__.py": "",
    "backend/app/api/items.py": ITEMS,
    "backend/app/core/__init__.py": "",
    "backend/app/core/storage.py": STORAGE,
    "backend/app/alembic/env.py": "from alembic import context\nfrom app.core import storage\n",
    "frontend/build.py": "import json\n",
}


def names(root: Path, settings_src: tuple[str, ...] | None = None) -> dict[str, str]:
    layout = layout_for(root, settings_src, heads_of(root))
    return {
        Path(path).relative_to(root).as_posix(): layout.module_name(path)[0]
        for path in heads_of(root)
    }


def heads_of(root: Path) -> dict[str, tuple[str, ...]]:
    return {str(path): import_heads(path.read_bytes()) for path in sorted(root.rglob("*.py"))}


def test_import_heads_read_absolute_imports_only():
    source = b"import os, app.core as c\nfrom auth import x\nfrom . import y\n  import z\n"
    assert import_heads(source) == ("app", "auth", "os", "z")


def test_root_is_the_marker_folder_else_the_invocation_directory(tmp_path, monkeypatch):
    root = write(tmp_path / "repo", FULL_STACK)
    file = root / "backend/app/api/items.py"
    monkeypatch.chdir(root)
    assert find_root(file) == root  # no marker: the invocation directory, as flake8 and ruff
    assert find_root(root / "backend") == root
    (root / ".git").mkdir()
    monkeypatch.chdir(root / "backend")
    assert find_root(file) == root
    outside = write(tmp_path / "elsewhere", {"lone/main.py": "", "svc/app/__init__.py": ""})
    assert find_root(outside / "lone/main.py") == outside / "lone"
    assert find_root(outside / "svc/app/__init__.py") == outside / "svc"  # above the package


def test_full_stack_layout_names_modules_as_the_code_imports_them(tmp_path):
    root = write(tmp_path, FULL_STACK)
    assert names(root) == {
        "backend/app/__init__.py": "app",
        "backend/app/alembic/env.py": "app.alembic.env",  # `alembic` there is the library
        "backend/app/api/__init__.py": "app.api",
        "backend/app/api/items.py": "app.api.items",
        "backend/app/core/__init__.py": "app.core",
        "backend/app/core/storage.py": "app.core.storage",
        "frontend/build.py": "frontend.build",
    }


def test_a_server_folder_of_plain_modules_is_an_import_root(tmp_path):
    root = write(
        tmp_path,
        {
            "mylib/__init__.py": "",
            "mylib/client.py": "",
            "server/auth.py": "from mylib import client\n",
            "server/main.py": "from auth import verify\n",
        },
    )
    found = names(root)
    assert found["server/main.py"] == "main" and found["server/auth.py"] == "auth"
    assert found["mylib/client.py"] == "mylib.client"


def test_folders_inside_a_package_are_never_import_roots(tmp_path):
    """`import openai` inside `pkg/llms/openai/chat.py` imports the library (no implicit
    relative imports in Python 3); nor does a standard library name vote."""
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/llms/openai/__init__.py": "",
            "pkg/llms/openai/chat.py": "import openai\n",
            "pkg/llms/azure/chat.py": "import azure.identity\n",
            "tools/logging.py": "",
            "tools/run.py": "import logging\n",
        },
    )
    assert layout_for(root, None, heads_of(root)).import_roots == ()
    assert unresolved_local_imports(Layout.plain(root), heads_of(root)) == {}


def test_colliding_import_roots_are_isolated(tmp_path):
    main = "from app.helpers import x\n"
    files = {
        f"services/{name}/app/{module}": main if module == "main.py" else ""
        for name in ("billing", "search")
        for module in ("__init__.py", "main.py", "helpers.py")
    }
    root = write(tmp_path, {**files, "shared/__init__.py": ""})
    layout = layout_for(root, None, heads_of(root))
    assert layout.isolated == {"services/billing", "services/search"}
    project = load_project(root, use_cache=False)
    billing = project.index_for(root / "services/billing/app/main.py")
    search = project.index_for(root / "services/search/app/main.py")
    assert billing is not search and billing is not project.index
    assert billing.modules["app.helpers"].path.endswith("billing/app/helpers.py")
    assert search.modules["app.helpers"].path.endswith("search/app/helpers.py")
    assert "shared" in billing.modules and "shared" in search.modules


def test_the_src_setting_replaces_the_inference(tmp_path):
    root = write(tmp_path, FULL_STACK)
    assert names(root, (".",))["backend/app/core/storage.py"] == "backend.app.core.storage"
    assert names(root, ("backend",))["backend/app/core/storage.py"] == "app.core.storage"
    write(root, {"pyproject.toml": '[tool.fastapi-prod-lint]\nsrc = "backend"\n'})
    with pytest.raises(ConfigError, match="`src` must be a list of folders"):
        load_settings(root)


def finding_lines(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if "FPL102" in line)


def test_every_front_end_sees_the_import_root_for_one_file(tmp_path):
    """flake8 and pylint given one file, the CLI given the changed file (pre-commit) and an
    editor's buffer on stdin: the same finding as the CLI on the whole project."""
    root = write(tmp_path / "repo", FULL_STACK)
    (root / ".git").mkdir()
    target = "backend/app/api/items.py"
    whole = run(["fastapi_prod_lint", "--no-cache", "."], root)
    assert len(finding_lines(whole.stdout)) == 1, whole.stdout + whole.stderr
    expected = [line.partition(" ")[2] for line in finding_lines(whole.stdout)]
    changed = run(["fastapi_prod_lint", "--no-cache", target], root)
    source = (root / target).read_text(encoding="utf-8")
    stdin = run(["fastapi_prod_lint", "--no-cache", "--stdin-filename", target], root, source)
    flake8 = run(["flake8", "--select", "FPL", target], root / "backend")
    pylint = run([*PYLINT_ONLY_OURS, target], root)
    for result in (changed, stdin):
        assert [line.partition(" ")[2] for line in finding_lines(result.stdout)] == expected
    assert len(finding_lines(flake8.stdout)) == 0  # given a path that is not there
    flake8 = run(["flake8", "--select", "FPL", target], root)
    assert "FPL102" in flake8.stdout and "save() -> open" in flake8.stdout, flake8.stderr
    assert "blocking-call-via-sync-helper" in pylint.stdout, pylint.stdout + pylint.stderr


def test_show_settings_prints_roots_and_module_names(tmp_path, capsys, monkeypatch):
    root = write(tmp_path, FULL_STACK)
    monkeypatch.chdir(root)
    assert main(["--show-settings", "--no-cache", "."]) == 0
    out = capsys.readouterr().out
    assert f"root: {root} (no pyproject.toml, setup.cfg or .git above" in out
    assert "import roots (inferred from the imports): backend" in out
    rows = {tuple(line.split()) for line in out.splitlines() if line.startswith("  ")}
    assert ("backend/app/core/storage.py", "app.core.storage") in rows


def test_imports_that_look_local_but_resolve_nowhere_give_one_hint(tmp_path, capsys, monkeypatch):
    routes = {f"backend/app/api/r{i}.py": ITEMS for i in range(3)}
    root = write(
        tmp_path,
        {
            **FULL_STACK,
            **routes,
            "pyproject.toml": '[tool.fastapi-prod-lint]\nsrc = ["."]\n',
        },
    )
    monkeypatch.chdir(root)
    status = main(["--no-cache", "."])
    err = capsys.readouterr().err
    assert status == 0  # `app.core.storage` is not found: nothing to report ...
    assert err.count("set `src = [...]`") == 1  # ... and the run says why, once
    assert "5 files import `app`" in err  # alembic/env.py too
    (root / "pyproject.toml").write_text('[tool.fastapi-prod-lint]\nsrc = ["backend"]\n')
    assert main(["--no-cache", "."]) == 1
    assert "set `src" not in capsys.readouterr().err


def test_cached_summaries_follow_a_changed_layout(tmp_path, monkeypatch):
    root = write(tmp_path, {**FULL_STACK, "pyproject.toml": "[tool.fastapi-prod-lint]\n"})
    monkeypatch.setenv("FASTAPI_PROD_LINT_CACHE_DIR", str(tmp_path / "cache"))
    first = check_paths([str(root)])
    assert [f.code for f in first] == ["FPL102"]
    (root / "pyproject.toml").write_text('[tool.fastapi-prod-lint]\nsrc = ["."]\n')
    assert check_paths([str(root)]) == []
    project = load_project(root)
    assert project.index.by_path[str(root / "backend/app/core/storage.py")].module == (
        "backend.app.core.storage"
    )
    (root / "pyproject.toml").write_text("[tool.fastapi-prod-lint]\n")
    assert check_paths([str(root)]) == first
    target = root / "backend/app/api/items.py"
    found = check_source(target.read_text(encoding="utf-8"), target)
    assert [f.code for f in found] == ["FPL102"]
    assert os.path.exists(tmp_path / "cache")
