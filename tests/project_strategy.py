"""Hypothesis strategy for small multi-module FastAPI projects built from real building blocks.

A project is a `pyproject.toml` (the root marker, sometimes left out) and 3 to 7 modules, in a
package `app` (with or without `__init__.py`) or flat, at the root or in a service folder that
is its own import root (`backend/`, `services/api/`): a main module with `app = FastAPI()`, maybe a
router module, maybe a module of sync helpers (sleeping, fetching, reading files, talking to a
database), and zero to two model modules (`Team`, `Hero`; pydantic or SQLModel, table or not,
maybe in a `models` subpackage) that point at each other through string annotations, importing
each other at the top, under `TYPE_CHECKING`, at the bottom or not at all, rebuilt in their own
module, a package `__init__`, the main module or nowhere. Routes call the helpers through every
import form, write module globals, a thread-local or `app.state`, send and take the models;
`# noqa` comments and `[tool.fastapi-prod-lint]` settings vary too.
Every generated module parses, so no host reports a syntax error of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st
from project_specs import (
    ASYNC_HELPERS,
    DATABASE_HELPERS,
    HELPER_IMPORTS,
    HELPERS,
    PYPROJECT,
    ROUTER_INCLUDES,
    ModelSpec,
    ProjectSpec,
    RouteSpec,
    project_specs,
)


@dataclass
class Module:
    """One module's text in three parts: imports, body, and lines after the body."""

    future: bool = False
    imports: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)

    def need(self, *lines: str) -> None:
        self.imports += [line for line in lines if line and line not in self.imports]

    def render(self) -> str:
        head = ["from __future__ import annotations", ""] if self.future else []
        parts = [*head, *self.imports, "", "", *self.body]
        if self.bottom:
            parts += ["", *self.bottom]
        return "\n".join(parts).strip("\n") + "\n"


def names_of(project: ProjectSpec) -> dict[str, str]:
    """What the templates name: `{pkg}`, `{helpers}`, `{parent}` and `{helpers_path}`."""
    parent = project.helpers_module.rpartition(".")[0]
    return {
        "pkg": package(project),
        "helpers": project.helpers_module,
        "parent": f".{parent}" if parent else "",
        "helpers_path": module_path(package(project) + project.helpers_module),
    }


def package(project: ProjectSpec) -> str:
    """The dotted prefix of the project's modules: `app.`, or nothing in a flat layout."""
    return "" if project.flat else "app."


def model_module(project: ProjectSpec, name: str) -> str:
    return f"{package(project)}{'models.' if project.models_package else ''}{name.lower()}"


def module_path(dotted: str) -> str:
    return dotted.replace(".", "/") + ".py"


def render_model(project: ProjectSpec, spec: ModelSpec) -> str:
    module = Module(future=spec.future)
    module.need("from typing import TYPE_CHECKING, Optional")
    if spec.base == "pydantic":
        module.need("from pydantic import BaseModel")
        header = f"class {spec.name}(BaseModel):"
    else:
        module.need("from sqlmodel import Field, Relationship, SQLModel")
        header = f"class {spec.name}(SQLModel{', table=True' if spec.base == 'table' else ''}):"
    source = f".{spec.other.lower()}" if spec.relative_import else model_module(project, spec.other)
    import_line = f"from {source} import {spec.other}"
    if spec.other_import == "top":
        module.need(import_line)
    elif spec.other_import == "type_checking":
        module.body += ["if TYPE_CHECKING:", f"    {import_line}", "", ""]
    annotation = spec.reference.format(spec.other)
    fields = ["    name: str = ''", *(["    hashed_password: str = ''"] if spec.secret else [])]
    if spec.base != "table":
        fields.append(f"    link: {annotation} = None")
    elif spec.other != spec.name:
        table = spec.other.lower()
        fields = [
            "    id: Optional[int] = Field(default=None, primary_key=True)",
            *fields,
            f"    {table}_id: Optional[int] = Field(default=None, foreign_key='{table}.id')",
            f"    {table}: {annotation} = Relationship()",
        ]
    else:
        fields.insert(0, "    id: Optional[int] = Field(default=None, primary_key=True)")
    module.body += [header, *fields]
    if spec.other_import == "bottom":
        module.bottom.append(import_line)
    if spec.rebuild == "own_module":
        module.bottom.append(f"{spec.name}.model_rebuild()")
    return module.render()


def models_parent(project: ProjectSpec) -> str | None:
    """The package whose `__init__` holds the models' re-exports and rebuilds, if any."""
    if project.models_package:
        return f"{package(project)}models"
    return None if project.flat else "app"


def model_reference(project: ProjectSpec, module: Module, name: str) -> str:
    """An expression for the model `name` in `module`, imported the project's way."""
    dotted = model_module(project, name)
    parent = models_parent(project)
    if project.model_import == "module_alias":
        module.need(f"import {dotted} as {name.lower()}_module")
        return f"{name.lower()}_module.{name}"
    if project.model_import == "package" and parent is not None:
        module.need(f"from {parent} import {name}")
        return name
    module.need(f"from {dotted} import {name}")
    return name


def render_init(project: ProjectSpec) -> str:
    """The models' package `__init__`: re-exports, and the rebuilds placed there."""
    module = Module()
    rebuilds = any(m.rebuild in ("init", "init_early") for m in project.models)
    if not project.models or (not rebuilds and project.model_import != "package"):
        return ""
    for model in project.models:
        module.body.append(f"from {model_module(project, model.name)} import {model.name}")
        if model.rebuild == "init_early":
            module.body.append(f"{model.name}.model_rebuild()")
    module.body += [f"{m.name}.model_rebuild()" for m in project.models if m.rebuild == "init"]
    return module.render()


def render_helpers(project: ProjectSpec) -> str:
    module = Module()
    module.need(*(line for name in project.helpers for line in HELPERS[name][0]))
    if any(name in DATABASE_HELPERS for name in project.helpers):
        module.need("from sqlmodel import create_engine")
        module.body += ['engine = create_engine("sqlite://")', "", ""]
    if "remember" in project.helpers:
        module.body += ["current_user = None", "", ""]
    for i, name in enumerate(project.helpers):
        calls = [f"    {project.helpers[1]}(arg)"] if project.chained and i == 0 else []
        lines = [f"    {line}" for line in HELPERS[name][1]]
        function = "async def" if name in ASYNC_HELPERS else "def"
        module.body += [f"{function} {name}(arg):", *calls, *lines, "", ""]
    return module.render()


def helpers_called(project: ProjectSpec) -> list[str]:
    return sorted(
        {
            route.helper
            for route in project.routes
            if route.helper and {"helper", "depends"} & set(route.statements)
        }
    )


def render_route(
    project: ProjectSpec, route: RouteSpec, module: Module, owner: str, in_main: bool
) -> None:
    params = ["item_id: int"]
    defaults = []
    lines = ["pass"]
    if "global" in route.statements:
        lines += ["global current_user", "current_user = item_id"]
        if "current_user = None" not in module.body:
            module.body[:0] = ["current_user = None", "", ""]
    for statement in route.statements:
        if statement in ("helper", "depends") and route.helper is not None:
            template, prefix = HELPER_IMPORTS[project.helper_import]
            names = ", ".join(helpers_called(project))
            module.need(template.format(names=names, **names_of(project)))
            prefix = prefix.format(**names_of(project))
            if statement == "helper":
                awaited = "await " if route.is_async and route.helper in ASYNC_HELPERS else ""
                lines.append(f"data = {awaited}{prefix}{route.helper}(item_id)")
            else:
                module.need("from fastapi import Depends")
                defaults.append(f"extra=Depends({prefix}{route.helper})")
        elif statement == "sleep":
            module.need("import time")
            lines.append("time.sleep(1)")
        elif statement == "sleep_split":  # one call over three lines
            module.need("import time")
            lines += ["time.sleep(", "    1,", ")"]
        elif statement == "thread_local":
            module.need("import threading")
            if "_local = threading.local()" not in module.body:
                module.body[:0] = ["_local = threading.local()", "", ""]
            lines.append("_local.user = item_id")
        elif statement == "app_state":
            if in_main:
                lines.append("app.state.user = item_id")
            else:
                module.need("from fastapi import Request")
                params.append("request: Request")
                lines.append("request.app.state.user = item_id")
        elif statement == "session":
            module.need("from sqlmodel import Session, create_engine")
            if 'engine = create_engine("sqlite://")' not in module.body:
                module.body[:0] = ['engine = create_engine("sqlite://")', "", ""]
            lines += ["with Session(engine) as session:", "    session.add(item_id)"]
            lines.append("    session.commit()")
        elif statement == "unique_check" and project.models:
            model = model_reference(project, module, route.response_model or project.models[0].name)
            module.need(
                "from fastapi import HTTPException",
                "from sqlmodel import Session, create_engine, select",
            )
            if 'engine = create_engine("sqlite://")' not in module.body:
                module.body[:0] = ['engine = create_engine("sqlite://")', "", ""]
            lines += [
                "with Session(engine) as session:",
                f"    if session.exec(select({model}).where({model}.name == 'x')).first():",
                "        raise HTTPException(status_code=400)",
                f"    session.add({model}(name='x'))",
                "    session.commit()",
            ]
    keywords = ""
    if route.response_model is not None:
        keywords = f", response_model={model_reference(project, module, route.response_model)}"
    if route.body_model is not None:
        params.append(f"item: {model_reference(project, module, route.body_model)}")
    path = f"/{route.name}/{{item_id}}"
    function = "async def" if route.is_async else "def"
    lines[min(1, len(lines) - 1)] += route.noqa[1]  # the first line after `pass`
    module.body += [
        f'@{owner}.{route.method}("{path}"{keywords})',
        f"{function} {route.name}_{route.method}({', '.join(params + defaults)}):{route.noqa[0]}",
        *(f"    {line}" for line in lines),
        "    return item_id",
        "",
        "",
    ]


def render_project(project: ProjectSpec) -> dict[str, str]:
    """Project-relative path -> text, for every file of the project."""
    pkg, folder = package(project), package(project).replace(".", "/")
    settings = "".join(
        line.format(folder=folder, **names_of(project)) + "\n" for line in project.settings
    )
    files = {"pyproject.toml": PYPROJECT + settings}
    main = Module()
    main.need("from fastapi import FastAPI")
    main_body = ["app = FastAPI()", "", ""]
    router: Module | None = None
    if project.has_router:
        router = Module()
        router.need("from fastapi import APIRouter")
        router.body += ['router = APIRouter(prefix="/items")', "", ""]
        line, target = ROUTER_INCLUDES[project.router_include]
        if target:
            main.need(line.format(pkg=pkg))
            main_body += [f"app.include_router({target})", "", ""]
    main.body += main_body
    for route in project.routes:
        if router is not None:
            render_route(project, route, router, "router", in_main=False)
        else:
            render_route(project, route, main, "app", in_main=True)
    for model in project.models:
        if model.rebuild == "main":
            main.need(f"from {model_module(project, model.name)} import {model.name}")
            main.bottom.append(f"{model.name}.model_rebuild()")
        files[module_path(model_module(project, model.name))] = render_model(project, model)
    if project.helpers:
        files[names_of(project)["helpers_path"]] = render_helpers(project)
    if router is not None:
        files[f"{folder}routes.py"] = router.render()
    files[f"{folder}main.py"] = main.render()
    init = render_init(project)
    if not project.flat and (project.app_init or (init and not project.models_package)):
        files["app/__init__.py"] = "" if project.models_package else init
    if project.models_package and (project.models_init or init):
        files[f"{folder}models/__init__.py"] = init
    return files


def placed(files: dict[str, str], folder: str, marker: bool) -> dict[str, str]:
    """The project moved into `folder` (a service folder that is its own import root, as
    `backend/` in the full-stack template), with or without its pyproject.toml (without one, the
    root is the folder the tools run from: the same for every front end)."""
    moved = {
        (name if name == "pyproject.toml" else folder + name): text for name, text in files.items()
    }
    if not marker:
        del moved["pyproject.toml"]
    return moved


projects = st.builds(
    placed,
    project_specs().map(render_project),
    st.sampled_from(("", "backend/", "services/api/")),
    st.booleans(),
)
