"""Import one forward-reference fixture as an app would, use every model it defines, write JSON.

Run in a fresh interpreter, one per fixture (pydantic completes a model class once and for all,
SQLAlchemy keeps one mapper registry per process, and every project fixture names its package
`app`): `python forward_refs_driver.py PROJECT OUTPUT.json`. PROJECT is a fixture materialised
as a project: a folder whose package `app/` is the application, or a folder with one
`<case>.py`. Nothing here touches a database or the network.

The driver works in two phases.

1. The app starts: it imports `app.main` when the project has `app/main.py`, else the package
   `app` (a single-file fixture: its module). An exception of that import is recorded (type,
   message, pydantic's error code, and the line of the fixture that raised it: the start of
   the `model_rebuild()` / `update_forward_refs()` call when one is running there) and ends the
   run: the models cannot be judged. When the entry module defines a FastAPI `app`, the driver
   enters `TestClient(app, raise_server_exceptions=False)` as a context manager, which runs the
   lifespan / startup handlers (a `model_rebuild()` there counts only once it ran); a startup
   exception is recorded. Then, with the app still running, every model class reachable so far
   (defined in a module of the fixture that is imported now) is used (see below), and every
   route whose response model holds a model class of the fixture is called once; the status
   code and the exception the server raised for it (caught on its way out of Starlette's
   `ServerErrorMiddleware`; the app still answers 500 as usual) are recorded.
2. Every module of the fixture not imported yet is imported, in sorted order, so that every
   model class is reachable: those of the package `app`, then those of any other package of
   the project (a folder with `__init__.py` beside `app/`, e.g. a back-office tool); an import
   error is recorded per module, with its file. The model classes found only now are used;
   their `reached` says `import-all` (those of phase 1 say `entry`): no entry module imports
   them, so what SQLAlchemy makes of their relationships reflects every module of the project
   being imported, not what an app would have loaded. (A module whose import fails leaves no
   classes to use.)

A model class is a class defined at module level (or nested in a class; not in a function) in
a module of the fixture that is a subclass of `pydantic.BaseModel` (`RootModel`, `SQLModel`
included; generic parametrisations excluded) or a pydantic dataclass. Using one means, each
step recorded as `ok` or as the exception's type, module, pydantic code and message:
- `schema`: `model_json_schema()` (`TypeAdapter(cls).json_schema()` for a dataclass);
- `validate`: `model_validate(payload)` (`TypeAdapter(cls).validate_python(payload)`), where
  the payload is a value the schema accepts: the defaults, plus the required fields filled
  from their schema (`{}` when there is no schema);
- `instantiate`: `cls(**payload)` (`cls(payload)` for a root model).
`pydantic` sums them up: `not-fully-defined` when a step raised `PydanticUserError` with code
`class-not-fully-defined` (pydantic's "`X` is not fully defined; you should define `B`"), else
`error` when a step raised something other than a `ValidationError` (the payload was refused:
the model did validate) or an SQLAlchemy error (judged below), else `ok`.

For a SQLModel table model (`model_config["table"]`) the driver also judges the mapping,
before the steps above: each relationship of its mapper resolves its target on its own, as
the mapper's configuration does first (`RelationshipProperty._setup_entity()`, which finds the
class an annotation names, or fails with SQLAlchemy's "When initializing mapper ...,
expression ... failed to locate a name"), then `sqlalchemy.orm.configure_mappers()` runs once
per phase. Its error is SQLAlchemy's original one (not the "One or more mappers failed to
initialize" that every later use repeats) and it is charged to the classes it names (as
`Mapper[Hero(hero)]` or `relationship Hero.team`); it stops at the first broken mapper, so the
other classes are judged by their own relationships. `sqlalchemy` is `failed` when one of the
class's relationships did not resolve, the configuration error names it, or (the mappers
configured fine) its instantiation raised an SQLAlchemy error; `unjudged` when the
configuration failed naming no class; else `ok` (`null` for a class that is no table model).
Every class also reports where it is:
`path` (relative to PROJECT), `qualname`, `line` (the `class` keyword), `last_line`, and each
relationship's `key`, `line`, `last_line` (its statement in the class body).

Each called route reports its endpoint (`path`, `name`, `line`), `route`, `method`, `url`, the
`models` of the fixture its response model holds (`module:qualname`), `status`, and
`server_errors` / `client_error`. The request fills the required path, query, header and cookie
parameters from their types (ints are 1) and a required body from its schema.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import inspect
import re
import sys
import traceback
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from driver_common import example, main

NOT_FULLY_DEFINED = "class-not-fully-defined"
REBUILDS = {"model_rebuild", "update_forward_refs", "rebuild_dataclass"}
NAMED_MAPPER = re.compile(r"Mapper\[(\w+)\(")
NAMED_RELATIONSHIP = re.compile(r"relationship '?(\w+)\.(\w+)")
SAMPLES: dict[Any, Any] = {int: 1, float: 1.0, bool: True, str: "1"}
PARAMETER_KINDS = ("path_params", "query_params", "header_params", "cookie_params", "body_params")


class Fixture:
    """The project being measured: its modules and how paths in it are reported."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.package = self.root / "app"
        self.is_project = (self.package / "__init__.py").is_file()
        self.single: Path | None = None
        if not self.is_project:
            (self.single,) = sorted(self.root.glob("*.py"))

    def relative(self, filename: str | None) -> str | None:
        """The project-relative posix path of a file of the fixture (None when outside it)."""
        if not filename:
            return None
        path = Path(filename).resolve()
        if self.root not in path.parents:
            return None
        return path.relative_to(self.root).as_posix()

    @property
    def entry(self) -> str:
        if not self.is_project:
            assert self.single is not None
            name = self.single.stem
            if name in getattr(sys, "stdlib_module_names", ()):
                name = f"fixture_{name}"  # never shadow a module of the standard library
            return name
        return "app.main" if (self.package / "main.py").is_file() else "app"

    def modules(self) -> list[str]:
        """Every module of the fixture, by dotted name: the package `app`'s, sorted, then those
        of the project's other packages (folders with `__init__.py`, e.g. a back-office tool
        beside the app), sorted."""
        if not self.is_project:
            return [self.entry]
        return sorted(self.files(), key=lambda name: (name.split(".")[0] != "app", name))

    @cache  # noqa: B019 - one fixture per process
    def files(self) -> dict[str, Path]:
        """Dotted module name -> file, for every module of the project's packages."""
        found = {}
        for path in sorted(self.root.rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            if len(parts) < 2 or any(not part.isidentifier() for part in parts):
                continue  # a top-level script, or a folder no import can name
            folders = [self.root.joinpath(*parts[:depth]) for depth in range(1, len(parts))]
            if not all((folder / "__init__.py").is_file() for folder in folders):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
        return found

    def import_module(self, name: str) -> Any:
        if self.is_project:
            if str(self.root) not in sys.path:
                sys.path.insert(0, str(self.root))
            return importlib.import_module(name)
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, self.single)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # forward references resolve through sys.modules
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module

    def loaded(self) -> list[str]:
        """The modules of the fixture imported by now."""
        return [name for name in self.modules() if name in sys.modules]


# -- where code is ----------------------------------------------------------------------------
@cache
def parse(path: str) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"))


def rebuild_call_at(path: str, line: int) -> int | None:
    """The first line of the innermost `X.model_rebuild(...)` (or `update_forward_refs`,
    `rebuild_dataclass`) call spanning `line` of `path`."""
    calls = [
        node
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr in REBUILDS)
            or (isinstance(node.func, ast.Name) and node.func.id in REBUILDS)
        )
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    if not calls:
        return None
    return max(calls, key=lambda node: (node.lineno, -(node.end_lineno or node.lineno))).lineno


def class_node(cls: type, path: str, first: int) -> ast.ClassDef | None:
    """The `class` statement of `cls`: its name, starting (first decorator included) at
    `first`, the line `inspect` gives."""
    found = [
        node
        for node in ast.walk(parse(path))
        if isinstance(node, ast.ClassDef)
        and node.name == cls.__name__
        and first in (node.lineno, min([node.lineno, *(d.lineno for d in node.decorator_list)]))
    ]
    return found[0] if len(found) == 1 else None


def assignment_spans(node: ast.ClassDef) -> dict[str, tuple[int, int]]:
    """Attribute name -> the lines of its (annotated) assignment in the class body."""
    spans = {}
    for statement in node.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        elif isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        for target in targets:
            if isinstance(target, ast.Name):
                spans[target.id] = (statement.lineno, statement.end_lineno or statement.lineno)
    return spans


def failure(error: BaseException, fixture: Fixture) -> dict[str, Any]:
    """What an exception says, and where in the fixture it was raised (the innermost frame in
    the fixture; for a rebuild call running there, the call's first line)."""
    where = None
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        relative = fixture.relative(frame.filename)
        if relative is not None and frame.lineno is not None:
            call = rebuild_call_at(frame.filename, frame.lineno)
            where = {"path": relative, "line": frame.lineno, "rebuild_call": call}
            break
    return {
        "type": type(error).__name__,
        "module": type(error).__module__,
        "code": getattr(error, "code", None),
        "message": str(error),
        "where": where,
    }


def step(error: BaseException | None) -> dict[str, Any]:
    if error is None:
        return {"ok": True}
    return {
        "ok": False,
        "type": type(error).__name__,
        "module": type(error).__module__,
        "code": getattr(error, "code", None),
        "message": str(error)[:2000],
    }


# -- model classes ----------------------------------------------------------------------------
def is_model(value: Any) -> bool:
    from pydantic import BaseModel
    from pydantic.dataclasses import is_pydantic_dataclass

    if not isinstance(value, type):
        return False
    if issubclass(value, BaseModel):
        metadata = getattr(value, "__pydantic_generic_metadata__", None) or {}
        return metadata.get("origin") is None
    return is_pydantic_dataclass(value)


def subclasses(root: type) -> Iterator[type]:
    pending, seen = [root], set()
    while pending:
        current = pending.pop()
        for sub in type.__subclasses__(current):
            if id(sub) not in seen:
                seen.add(id(sub))
                pending.append(sub)
                yield sub


def model_classes(modules: list[str]) -> list[type]:
    """The model classes defined in these modules: found in their namespaces (dataclasses
    included) or among `BaseModel`'s subclasses (a class shadowed by a later binding too)."""
    from pydantic import BaseModel

    candidates: dict[int, type] = {}
    for name in modules:
        module = sys.modules.get(name)
        for value in vars(module).values() if module else ():
            if is_model(value):
                candidates.setdefault(id(value), value)
    for sub in subclasses(BaseModel):
        if is_model(sub):
            candidates.setdefault(id(sub), sub)
    return [
        cls
        for cls in candidates.values()
        if cls.__module__ in modules and "<locals>" not in cls.__qualname__
    ]


def is_table(cls: type) -> bool:
    config = getattr(cls, "model_config", None) or {}
    return bool(config.get("table"))


def is_root(cls: type) -> bool:
    from pydantic import RootModel

    return issubclass(cls, RootModel)


def kind(cls: type) -> str:
    from pydantic import BaseModel

    if not issubclass(cls, BaseModel):
        return "dataclass"
    return "root" if is_root(cls) else "model"


# -- one payload ------------------------------------------------------------------------------
# -- using a model ----------------------------------------------------------------------------
def use(cls: type) -> dict[str, dict[str, Any]]:
    """The three steps on one class: schema, validate, instantiate."""
    from pydantic import BaseModel, TypeAdapter

    steps: dict[str, dict[str, Any]] = {}
    schema = None
    try:
        if issubclass(cls, BaseModel):
            schema = cls.model_json_schema()
        else:
            schema = TypeAdapter(cls).json_schema()
        steps["schema"] = step(None)
    except Exception as error:
        steps["schema"] = step(error)
    payload = example(schema, schema) if schema is not None else None
    if payload is None and not is_root(cls):
        payload = {}
    try:
        if issubclass(cls, BaseModel):
            cls.model_validate(payload)
        else:
            TypeAdapter(cls).validate_python(payload)
        steps["validate"] = step(None)
    except Exception as error:
        steps["validate"] = step(error)
    try:
        if is_root(cls):
            cls(payload)
        else:
            cls(**(payload if isinstance(payload, dict) else {}))
        steps["instantiate"] = step(None)
    except Exception as error:
        steps["instantiate"] = step(error)
    return steps


def pydantic_verdict(steps: dict[str, dict[str, Any]]) -> str:
    failed = [s for s in steps.values() if not s["ok"]]
    if any(s["code"] == NOT_FULLY_DEFINED for s in failed):
        return "not-fully-defined"
    for s in failed:
        if s["type"] == "ValidationError" and s["module"].startswith("pydantic"):
            continue  # the payload was refused: the model is built and validates
        if s["module"].startswith("sqlalchemy"):
            continue  # the mapping, judged on its own
        return "error"
    return "ok"


class Mapping:
    """SQLAlchemy's side: each relationship resolved on its own, then `configure_mappers()`."""

    def __init__(self) -> None:
        self.configure_errors: list[dict[str, Any]] = []
        self.configured = True
        self.tables: set[str] = set()
        self.seen: list[BaseException] = []

    def relationships(self, cls: type, spans: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
        import sqlalchemy
        from sqlalchemy.orm import RelationshipProperty

        mapper = sqlalchemy.inspect(cls, raiseerr=False)
        found = []
        for key, prop in getattr(mapper, "_props", {}).items():
            if not isinstance(prop, RelationshipProperty):
                continue
            error = None
            try:
                prop._setup_entity()
            except Exception as caught:
                error = caught
            line, last = spans.get(key, (None, None))
            found.append(
                {
                    "key": key,
                    "line": line,
                    "last_line": last,
                    "argument": repr(prop.argument),
                    "error": step(error) if error else None,
                }
            )
        return found

    def configure(self, tables: set[str], phase: str) -> None:
        """`configure_mappers()`; its original error (a failed configuration is raised again,
        wrapped, on every later use) is charged to the table classes it names."""
        from sqlalchemy.orm import configure_mappers

        self.tables |= tables
        try:
            configure_mappers()
        except Exception as error:
            self.configured = False
            original = getattr(error, "_configure_failed", None) or error
            if any(original is seen for seen in self.seen):
                return
            self.seen.append(original)
            message = str(original)
            named = set(NAMED_MAPPER.findall(message))
            named |= {owner for owner, _ in NAMED_RELATIONSHIP.findall(message)}
            keys = sorted(f"{owner}.{key}" for owner, key in NAMED_RELATIONSHIP.findall(message))
            self.configure_errors.append(
                {
                    "phase": phase,
                    **step(original),
                    "classes": sorted(named & self.tables),
                    "relationships": keys,
                }
            )

    def charged(self, name: str) -> list[dict[str, Any]]:
        return [error for error in self.configure_errors if name in error["classes"]]

    @property
    def explained(self) -> bool:
        """Every configuration error names a class of the fixture: the others are judged by
        their own relationships (SQLAlchemy stops configuring at the first broken mapper)."""
        return all(error["classes"] for error in self.configure_errors)


def judge(
    fixture: Fixture, classes: list[type], mapping: Mapping, reached: str
) -> list[dict[str, Any]]:
    """Every class used; the mapping first (a table model's relationships, then the mappers)."""
    described = []
    for cls in classes:
        record: dict[str, Any] = {
            "qualname": cls.__qualname__,
            "module": cls.__module__,
            "reached": reached,
            "table": is_table(cls),
            "kind": kind(cls),
            "path": None,
            "line": None,
            "last_line": None,
        }
        spans: dict[str, tuple[int, int]] = {}
        try:
            filename = inspect.getsourcefile(cls)
            _, first = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            filename, first = None, 0
        node = class_node(cls, filename, first) if filename else None
        if node is not None:
            record.update(
                path=fixture.relative(filename),
                line=node.lineno,
                last_line=node.end_lineno or node.lineno,
            )
            spans = assignment_spans(node)
        if record["table"]:
            record["relationships"] = mapping.relationships(cls, spans)
        described.append((cls, record))
    tables = {cls.__name__ for cls, record in described if record["table"]}
    if tables:
        mapping.configure(tables, reached)
    results = []
    for cls, record in described:
        steps = use(cls)
        record["steps"] = steps
        record["pydantic"] = pydantic_verdict(steps)
        record["sqlalchemy"] = None
        if record["table"]:
            broken = [r for r in record["relationships"] if r["error"]]
            charged = mapping.charged(cls.__name__)
            instantiate = steps["instantiate"]
            own = mapping.configured and not instantiate["ok"]
            own = own and instantiate["module"].startswith("sqlalchemy")
            if broken or charged or own:
                record["sqlalchemy"] = "failed"
            elif not mapping.explained:
                record["sqlalchemy"] = "unjudged"
            else:
                record["sqlalchemy"] = "ok"
        results.append(record)
    return sorted(results, key=lambda r: (r["path"] or "", r["line"] or 0, r["qualname"]))


# -- the application's routes ----------------------------------------------------------------
class ServerErrors:
    """The exceptions leaving the app: `ServerErrorMiddleware` answers 500 and re-raises."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def install(self) -> None:
        from starlette.middleware.errors import ServerErrorMiddleware

        original = ServerErrorMiddleware.__call__
        errors = self.errors

        async def __call__(middleware: Any, scope: Any, receive: Any, send: Any) -> None:
            try:
                await original(middleware, scope, receive, send)
            except Exception as error:
                errors.append(error)
                raise

        ServerErrorMiddleware.__call__ = __call__  # type: ignore[method-assign]


def served_routes(app: Any) -> Iterator[Any]:
    """Every HTTP route the app serves (route contexts on FastAPI's lazy routers)."""
    from fastapi import routing

    contexts = getattr(routing, "iter_route_contexts", None)
    routes = contexts(app.routes) if contexts is not None else app.routes
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, routing.APIRoute):
            yield route


def route_attribute(route: Any, name: str) -> Any:
    value = getattr(route, name, None)
    if value is None:
        value = getattr(getattr(route, "original_route", route), name, None)
    return value


def held_models(annotation: Any, models: dict[int, str]) -> list[str]:
    """The fixture's model classes a type holds (containers, unions, `Annotated` included)."""
    found: list[str] = []
    pending, seen = [annotation], 0
    while pending and seen < 200:
        seen += 1
        current = pending.pop()
        if isinstance(current, type) and id(current) in models:
            found.append(models[id(current)])
        pending.extend(typing.get_args(current))
        origin = typing.get_origin(current)
        if origin is not None:
            pending.append(origin)
    return sorted(set(found))


def sample(field: Any) -> Any:
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    for known, value in SAMPLES.items():
        if annotation is known:
            return value
    return "1"


class Flat:
    """A route's parameters, the endpoint's and every sub-dependency's, each name once."""

    def __init__(self) -> None:
        self.path_params: list[Any] = []
        self.query_params: list[Any] = []
        self.header_params: list[Any] = []
        self.cookie_params: list[Any] = []
        self.body_params: list[Any] = []


def flat_fields(dependant: Any) -> Flat:
    flat = Flat()
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        for kind_of in PARAMETER_KINDS:
            known = {field.alias for field in getattr(flat, kind_of)}
            getattr(flat, kind_of).extend(
                field for field in getattr(current, kind_of) if field.alias not in known
            )
    return flat


def request_for(route: Any) -> dict[str, Any]:
    """The keyword arguments of `TestClient.request` for one call of the route: required
    path, query, header and cookie parameters sampled from their types, a required body from
    its schema."""
    from pydantic import TypeAdapter

    path = route_attribute(route, "path_format") or route_attribute(route, "path")
    methods = sorted(route_attribute(route, "methods") or {"GET"})
    flat = flat_fields(route_attribute(route, "dependant"))
    for field in flat.path_params:
        value = str(sample(field))
        path = path.replace("{" + field.alias + "}", value)
        path = path.replace("{" + field.alias + ":path}", value)
    arguments: dict[str, Any] = {"method": "GET" if "GET" in methods else methods[0], "url": path}
    for where, key in (
        (flat.query_params, "params"),
        (flat.header_params, "headers"),
        (flat.cookie_params, "cookies"),
    ):
        required = {f.alias: sample(f) for f in where if f.field_info.is_required()}
        if required and key != "params":
            required = {name: str(value) for name, value in required.items()}
        if required:
            arguments[key] = required
    body = {}
    for field in flat.body_params:
        try:
            schema = TypeAdapter(field.field_info.annotation).json_schema()
            body[field.alias] = example(schema, schema)
        except Exception:
            body[field.alias] = {}
    if len(flat.body_params) == 1 and not getattr(flat.body_params[0].field_info, "embed", False):
        arguments["json"] = next(iter(body.values()))
    elif body:
        arguments["json"] = body
    return arguments


def endpoint_place(fixture: Fixture, endpoint: Any) -> dict[str, Any]:
    function = inspect.unwrap(endpoint)
    try:
        path = fixture.relative(inspect.getsourcefile(function))
        line = function.__code__.co_firstlineno
    except (TypeError, AttributeError):
        path, line = None, None
    return {"path": path, "name": getattr(function, "__qualname__", repr(function)), "line": line}


def call_routes(
    fixture: Fixture, app: Any, client: Any, watch: ServerErrors
) -> list[dict[str, Any]]:
    """Each route whose response model holds a model class of the fixture, called once."""
    models: dict[int, str] = {}
    for cls in model_classes(fixture.loaded()):
        models[id(cls)] = f"{cls.__module__}:{cls.__qualname__}"
    routes = []
    for route in served_routes(app):
        held = held_models(route_attribute(route, "response_model"), models)
        if not held:
            continue
        request = request_for(route)
        watch.errors.clear()
        status, error = None, None
        try:
            status = client.request(**request, follow_redirects=False).status_code
        except Exception as caught:  # the client itself failed: reported as such
            error = step(caught)
        server = [step(e) for e in watch.errors]
        routes.append(
            {
                **endpoint_place(fixture, route_attribute(route, "endpoint")),
                "route": route_attribute(route, "path"),
                "method": request["method"],
                "url": request["url"],
                "models": held,
                "status": status,
                "client_error": error,
                "server_errors": server,
            }
        )
    return routes


# -- the run ----------------------------------------------------------------------------------
def run(fixture: Fixture) -> dict[str, Any]:
    result: dict[str, Any] = {
        "entry": fixture.entry,
        "import_error": None,
        "not_judged": None,
        "startup_error": None,
        "has_app": False,
        "module_errors": {},
        "configure_errors": [],
        "classes": [],
        "routes": [],
    }
    watch = ServerErrors()
    watch.install()
    mapping = Mapping()
    try:
        entry = fixture.import_module(fixture.entry)
    except Exception as error:
        result["import_error"] = failure(error, fixture)
        result["not_judged"] = (
            f"importing {fixture.entry} raises {type(error).__name__}: the app does not start, "
            "so no model is used and no route is called"
        )
        return result
    app = getattr(entry, "app", None)
    started = []
    with contextlib.ExitStack() as stack:
        client = None
        if app is not None and type(app).__name__ == "FastAPI":
            from fastapi.testclient import TestClient

            result["has_app"] = True
            try:
                client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            except Exception as error:
                result["startup_error"] = failure(error, fixture)
        started = fixture.loaded()
        result["classes"] += judge(fixture, model_classes(started), mapping, "entry")
        if client is not None:
            result["routes"] = call_routes(fixture, app, client, watch)
    for name in fixture.modules():
        if name in sys.modules:
            continue
        try:
            fixture.import_module(name)
        except Exception as error:
            result["module_errors"][name] = {
                **failure(error, fixture),
                "path": fixture.relative(str(fixture.files().get(name, ""))),
            }
    later = [name for name in fixture.loaded() if name not in started]
    result["classes"] += judge(fixture, model_classes(later), mapping, "import-all")
    result["configure_errors"] = mapping.configure_errors
    return result


if __name__ == "__main__":
    main(lambda project: run(Fixture(project)), sys.argv[1:])
