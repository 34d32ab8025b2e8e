"""The project index: discovery, module names, resolution, FastAPI facts, graphs and the cache."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core import project as project_module
from fastapi_prod_lint.core.layout import find_root
from fastapi_prod_lint.core.project import module_name
from fastapi_prod_lint.core.runner import Project, load_project


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


APP = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "from .models import User\n",
    "app/models.py": "class User:\n    pass\n",
    "app/compat.py": "from time import sleep as pause\n",
    "app/api.py": """
        from fastapi import APIRouter
        router = APIRouter(prefix="/items")
    """,
    "app/deps.py": """
        from typing import Annotated
        from fastapi import Depends
        async def get_user():
            return 1
        class Pager:
            def __init__(self, page: int = 1):
                self.page = page
        CurrentUser = Annotated[dict, Depends(get_user)]
    """,
    "app/routes.py": """
        from fastapi import Depends
        from starlette.middleware.base import BaseHTTPMiddleware
        from app.api import router
        from app.deps import CurrentUser, Pager
        from . import compat

        @router.get("/{item_id}")
        async def read(item_id: int, user: CurrentUser, pager: Pager = Depends()):
            compat.pause(1)

        @router.websocket("/ws")
        async def ws(socket):
            pass

        async def listing():
            pass

        router.add_api_route("/all", listing, methods=["GET", "POST"])

        class Timing(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                return await call_next(request)
    """,
    "app/main.py": """
        from contextlib import asynccontextmanager
        from fastapi import FastAPI
        from app.routes import router

        @asynccontextmanager
        async def lifespan(app):
            yield

        async def warm():
            pass

        app = FastAPI(lifespan=lifespan, on_startup=[warm])
        app.include_router(router, prefix="/v1")

        @app.middleware("http")
        async def add_header(request, call_next):
            return await call_next(request)

        @app.on_event("shutdown")
        async def bye():
            pass
    """,
}


@pytest.fixture
def app_project(tmp_path: Path) -> Path:
    return write(tmp_path, APP)


def load_cached(root: Path, cache: Path) -> Project:
    """Load the project with a cache and write what it learnt, as a front end does."""
    project = load_project(root.resolve(), cache_dir=cache)
    project.persist()
    return project


def roles(root: Path) -> dict[str, list[str]]:
    facts = load_project(root, use_cache=False).index.fastapi
    return {name: [role.label for role in found] for name, found in facts.roles.items()}


def test_routes_on_a_router_defined_in_another_module_get_their_full_path(app_project):
    found = roles(app_project)
    assert found["app.routes.read"] == ["route `GET /v1/items/{item_id}`"]
    assert found["app.routes.ws"] == ["websocket route `/v1/items/ws`"]
    assert found["app.routes.listing"] == ["route `GET,POST /v1/items/all`"]


def test_dependencies_are_found_through_annotated_aliases_in_other_modules(app_project):
    found = roles(app_project)
    assert found["app.deps.get_user"] == ["dependency `get_user`"]
    assert found["app.deps.Pager.__init__"] == ["dependency `Pager`"]


def test_middleware_and_lifespan_handlers_are_recognised(app_project):
    found = roles(app_project)
    assert found["app.main.add_header"] == ["middleware"]
    assert found["app.routes.Timing.dispatch"] == ["middleware"]
    assert found["app.main.lifespan"] == ["lifespan handler"]
    assert found["app.main.warm"] == ["startup handler"]
    assert found["app.main.bye"] == ["shutdown handler"]


def test_names_resolve_through_re_exports_and_aliases(app_project):
    index = load_project(app_project, use_cache=False).index
    assert index.canonical("app.compat.pause") == "time.sleep"
    assert index.canonical("app.User") == "app.models.User"
    assert index.canonical("app.routes.router") == "app.api.router"
    assert index.class_("app.User") is not None


def test_import_graph_has_runtime_edges_between_project_modules(app_project):
    graph = load_project(app_project, use_cache=False).index.import_graph
    assert graph["app.main"] == {"app.routes"}
    assert graph["app.routes"] == {"app.api", "app.deps", "app.compat"}
    assert graph["app"] == {"app.models"}


def test_type_checking_imports_are_not_runtime_edges(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/a.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
            ),
            "pkg/b.py": "from pkg.a import A\n",
        },
    )
    graph = load_project(root, use_cache=False).index.import_graph
    assert graph["pkg.a"] == set()
    assert graph["pkg.b"] == {"pkg.a"}


def test_call_graph_links_project_functions_across_modules(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "svc/__init__.py": "",
            "svc/client.py": "import requests\ndef get_json(url):\n    return requests.get(url)\n",
            "svc/rates.py": (
                "from svc import client\ndef fetch():\n    return client.get_json('u')\n"
            ),
        },
    )
    graph = load_project(root, use_cache=False).index.call_graph
    assert graph["svc.rates.fetch"] == {"svc.client.get_json"}
    assert graph["svc.client.get_json"] == set()


def test_src_layout_module_names_and_root(tmp_path):
    root = write(tmp_path, {"pyproject.toml": "", "src/shop/__init__.py": "", "src/shop/a.py": ""})
    assert find_root(root / "src" / "shop" / "a.py") == root.resolve()
    assert module_name(root.resolve(), root / "src" / "shop" / "a.py") == ("shop.a", False)
    assert module_name(root.resolve(), root / "src" / "shop" / "__init__.py") == ("shop", True)


def test_root_is_the_nearest_folder_with_a_marker(tmp_path):
    write(tmp_path, {"setup.cfg": "", "pkg/sub/mod.py": ""})
    assert find_root(tmp_path / "pkg" / "sub" / "mod.py") == tmp_path.resolve()


def test_nested_projects_and_virtualenvs_are_not_part_of_the_index(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app.py": "",
            "other/pyproject.toml": "",
            "other/x.py": "",
            "venv/pyvenv.cfg": "",
            "venv/lib/y.py": "",
            ".hidden/z.py": "",
        },
    )
    modules = set(load_project(root, use_cache=False).index.modules)
    assert modules == {"app"}


def test_warm_cache_summarises_only_changed_files(tmp_path, monkeypatch):
    root = write(tmp_path / "proj", APP)
    cache = tmp_path / "cache"
    load_cached(root, cache)
    before = project_module.SUMMARY_BUILDS
    load_cached(root, cache)
    assert before == project_module.SUMMARY_BUILDS
    (root / "app" / "models.py").write_text("class User:\n    name: str\n", encoding="utf-8")
    load_cached(root, cache)
    assert before + 1 == project_module.SUMMARY_BUILDS


def test_cache_is_keyed_by_content_not_only_by_mtime(tmp_path):
    root = write(tmp_path / "proj", {"pyproject.toml": "", "m.py": "x = 1\n"})
    cache = tmp_path / "cache"
    first = load_cached(root, cache).index.modules["m"]
    (root / "m.py").write_text("x = 1\n", encoding="utf-8")  # new mtime, same content
    second = load_cached(root, cache).index.modules["m"]
    assert first.digest == second.digest
    (root / "m.py").write_text("y = 2\n", encoding="utf-8")
    third = load_cached(root, cache).index.modules["m"]
    assert third.digest != first.digest and "y" in third.bindings


def test_a_corrupt_cache_is_ignored(tmp_path):
    root = write(tmp_path / "proj", {"pyproject.toml": "", "m.py": "x = 1\n"})
    cache = tmp_path / "cache"
    project = load_cached(root, cache)
    assert project.cache is not None
    project.cache.file.write_bytes(b"not a pickle")
    assert "m" in load_cached(root, cache).index.modules
