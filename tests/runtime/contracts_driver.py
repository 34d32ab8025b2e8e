"""Import one contract fixture, serve every route once, and write what FastAPI really did as JSON.

Run in a fresh interpreter, one per fixture, because SQLModel keeps its table metadata per
process and every project fixture names its package `app`:
`python contracts_driver.py PROJECT OUTPUT.json`. PROJECT is a fixture materialised as a
project: either a folder with one `<case>.py` that defines `app`, or a folder whose `app/main.py`
defines `app`. Nothing here touches a database or the network.

Registration is watched: `APIRouter.add_api_route` (which every `@app.get`, `@router.post`,
`add_api_route` and, before FastAPI's lazy routers, `include_router` goes through) is wrapped so
that each registration's call site in the fixture is recorded, and a `FastAPIError` it raises
(FastAPI's answer to a response type it cannot serialise, e.g. an SQLAlchemy ORM class) is
recorded against the endpoint instead of stopping the import. Such a route is not served.

For every served route, the driver reads
- the route's own OpenAPI document (`get_openapi(routes=[route])`): the schemas of every
  documented response, any status code, `$ref`s resolved;
- the JSON body of one call through `TestClient` (redirects not followed): GET when the route
  has it, else its first method; the required path, query, header and cookie parameters are
  filled from their schemas (ints are 1), a required request body is synthesised from its
  schema, and a bearer token / API key is sent, so that dependencies which only look at the
  request let it through;
- the body parameters FastAPI fills from the request (the route's dependant and every
  sub-dependency), and the other request parameters whose type is a model.

From these it reports, per route:
- `exposes_columns`: the table models (classes with `model_config["table"]` defined in the
  fixture) all of whose columns (`model_fields` minus `exclude=True` fields, by their JSON keys)
  appear as the keys of one object, at any depth, of the JSON body (`body`) or of a response
  schema (`openapi <status>`);
- `registration_error`: the `FastAPIError` message (only for routes FastAPI refused);
- `table_body_params`: body parameter -> the table models its type holds (through containers,
  `Optional`/unions and `Annotated`) or that a field of its (non-table) model holds;
  `table_request_params`: the same for query/header/cookie/path parameters;
- `sent_keys`: every object key of the JSON body and every property of the response schemas;
  `body_keys`, `schema_keys` (per status code) and `masked_keys` (a `SecretStr`: the body
  shows `**********`, or the schema says `format: password`) keep the detail;
- where the route's code is, so that findings can be mapped to it: `module`, `name`
  (qualname), `def_line`..`last_line` (the endpoint function from its `def` line: its
  decorators belong to their own registrations; `first_line` is its first decorator),
  `registration` (the route decorator or `add_api_route(...)` call: file, first, last line)
  and `dependencies` (each dependency function or class in the fixture: file, first, last);
  paths are relative to PROJECT, lines 1-based and inclusive.
Each route also says `path`, `methods` and the `call` made (method, url, status, error).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import inspect
import json
import sys
import traceback
import typing
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from driver_common import example, resolve

REGISTRATIONS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "head",
    "trace",
    "api_route",
    "add_api_route",
}
MASK = "**********"  # how pydantic serialises SecretStr / SecretBytes
VALIDATION_ERROR = {"$ref": "#/components/schemas/HTTPValidationError"}
AUTH_HEADERS = {"Authorization": "Bearer fixture-token"}

Span = tuple[str, int, int]  # project-relative posix path, first line, last line


class Fixture:
    """The project being measured: where it is and how paths in it are reported."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def relative(self, filename: str | None) -> str | None:
        """The project-relative posix path of a file of the fixture (None when outside it)."""
        if not filename:
            return None
        path = Path(filename).resolve()
        if self.root not in path.parents:
            return None
        return path.relative_to(self.root).as_posix()

    def import_app(self) -> Any:
        if (self.root / "app" / "main.py").is_file():
            sys.path.insert(0, str(self.root))
            return importlib.import_module("app.main").app
        (single,) = sorted(self.root.glob("*.py"))
        name = single.stem
        if name in sys.modules or name in getattr(sys, "stdlib_module_names", ()):
            name = f"fixture_{name}"  # never shadow a module of the standard library
        spec = importlib.util.spec_from_file_location(name, single)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # forward references resolve through sys.modules
        spec.loader.exec_module(module)
        return module.app


# -- where code is ----------------------------------------------------------------------------
@cache
def parse(path: str) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"))


def _path_argument(call: ast.Call) -> str | None:
    candidates = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "path")]
    for node in candidates:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


def _registration_calls(path: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in REGISTRATIONS
    ]


def registration_span(path: str, line: int, local_path: str) -> tuple[int, int] | None:
    """The route-registration call running at `line` of `path`. Python 3.11+ reports a
    decorator's own line while applying it; 3.10 reports the `def` line, so there the
    decorator is chosen by the route path it registers."""
    calls = _registration_calls(path)
    enclosing = [c for c in calls if c.lineno <= line <= (c.end_lineno or c.lineno)]
    if enclosing:
        call = max(enclosing, key=lambda c: (c.lineno, -(c.end_lineno or c.lineno)))
        return call.lineno, call.end_lineno or call.lineno
    for node in ast.walk(parse(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == line:
            decorators = [d for d in node.decorator_list if d in calls]
            matching = [d for d in decorators if _path_argument(d) == local_path] or decorators
            if len(matching) == 1:
                call = matching[0]
                return call.lineno, call.end_lineno or call.lineno
    return None


def function_node(function: Any) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The AST of a function: its name, where its first decorator (or `def`) starts."""
    try:
        path = inspect.getsourcefile(function)
        first = function.__code__.co_firstlineno
    except (TypeError, AttributeError):
        return None
    if not path:
        return None
    for node in ast.walk(parse(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == (
            function.__name__
        ):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if start == first:
                return node
    return None


def code_span(fixture: Fixture, thing: Any, *, from_def: bool) -> Span | None:
    """Where a function (from its `def` line when `from_def`, else from its first decorator)
    or a class lies in the fixture."""
    thing = inspect.unwrap(thing)
    if not (inspect.isfunction(thing) or inspect.ismethod(thing) or inspect.isclass(thing)):
        thing = getattr(thing, "__call__", None)  # noqa: B004 - a callable instance
        if not (inspect.isfunction(thing) or inspect.ismethod(thing)):
            return None
    try:
        relative = fixture.relative(inspect.getsourcefile(thing))
        lines, first = inspect.getsourcelines(thing)
    except (OSError, TypeError):
        return None
    if relative is None:
        return None
    last = first + len(lines) - 1
    if from_def and not inspect.isclass(thing):
        node = function_node(thing)
        if node is not None:
            return relative, node.lineno, node.end_lineno or last
    return relative, first, last


def endpoint_record(fixture: Fixture, endpoint: Any) -> dict[str, Any]:
    function = inspect.unwrap(endpoint)
    span = code_span(fixture, function, from_def=True)
    whole = code_span(fixture, function, from_def=False)
    return {
        "module": span[0] if span else None,
        "name": getattr(function, "__qualname__", repr(function)),
        "def_line": span[1] if span else None,
        "first_line": whole[1] if whole else None,
        "last_line": whole[2] if whole else None,
    }


# -- registration: call sites and FastAPIError ------------------------------------------------
class RegistrationWatch:
    """Wraps `APIRouter.add_api_route`: records where each route was registered, and the
    `FastAPIError` of a route FastAPI refuses (the import then goes on without that route)."""

    def __init__(self, fixture: Fixture) -> None:
        self.fixture = fixture
        self.sites: dict[int, list[tuple[str, str, tuple[int, int]]]] = {}
        self.errors: list[dict[str, Any]] = []

    def call_site(self, local_path: str) -> tuple[str, tuple[int, int]] | None:
        """(file, line span) of the innermost registration call in the fixture on the stack;
        None while `include_router` re-registers an already registered route."""
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_name == "include_router" and "fastapi" in frame.f_code.co_filename:
                return None
            relative = self.fixture.relative(frame.f_code.co_filename)
            if relative is not None:
                span = registration_span(frame.f_code.co_filename, frame.f_lineno, local_path)
                return (relative, span) if span else None
            frame = frame.f_back
        return None

    def install(self) -> None:
        from fastapi.exceptions import FastAPIError
        from fastapi.routing import APIRouter

        original = APIRouter.add_api_route
        watch = self

        def add_api_route(router: Any, path: str, endpoint: Any, *args: Any, **kwargs: Any) -> Any:
            site = watch.call_site(path)
            try:
                result = original(router, path, endpoint, *args, **kwargs)
            except FastAPIError as error:
                record = endpoint_record(watch.fixture, endpoint)
                record["path"] = path
                record["registration_error"] = str(error)
                record["registration"] = [site[0], *site[1]] if site else None
                watch.errors.append(record)
                return None
            if site is not None:
                unwrapped = inspect.unwrap(endpoint)
                watch.sites.setdefault(id(unwrapped), []).append((path, site[0], site[1]))
            return result

        APIRouter.add_api_route = add_api_route  # type: ignore[method-assign]

    def site_of(self, endpoint: Any, route_path: str) -> Span | None:
        """The registration call of the served route `route_path` (its own path, maybe behind
        router prefixes) with this endpoint."""
        sites = self.sites.get(id(inspect.unwrap(endpoint)), [])
        matching = [s for s in sites if route_path.endswith(s[0])] or sites
        if not matching:
            return None
        # the longest local path that ends the served path is the one registered for it
        _, relative, (first, last) = max(matching, key=lambda s: len(s[0]))
        return relative, first, last


# -- the application's routes, on old (flat) and new (lazily included) FastAPI alike --------
def served_routes(app: Any) -> Iterator[Any]:
    """Every HTTP route the app serves (route contexts on FastAPI's lazy routers)."""
    from fastapi import routing

    contexts = getattr(routing, "iter_route_contexts", None)
    routes = contexts(app.routes) if contexts is not None else app.routes
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, routing.APIRoute):
            yield route


def dependant_of(route: Any) -> Any:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        dependant = getattr(getattr(route, "original_route", route), "dependant", None)
    return dependant


def all_dependants(dependant: Any) -> Iterator[Any]:
    pending = [dependant]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(current.dependencies)


# -- table models and the types that hold them -------------------------------------------------
def table_models(fixture: Fixture) -> dict[str, dict[str, Any]]:
    """name (`module:name` when two share it) -> {module, columns} of every table model the
    fixture defined."""
    from sqlmodel import SQLModel

    found: list[tuple[str, str, list[str]]] = []
    pending = list(SQLModel.__subclasses__())
    seen: set[type] = set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        relative = fixture.relative(getattr(module, "__file__", None))
        if relative is None or not is_table(cls):
            continue
        found.append((cls.__name__, relative, sorted(columns(cls))))
    names = [name for name, _, _ in found]
    return {
        (name if names.count(name) == 1 else f"{module}:{name}"): {
            "module": module,
            "columns": keys,
        }
        for name, module, keys in found
    }


def is_table(annotation: Any) -> bool:
    config = getattr(annotation, "model_config", None)
    return isinstance(annotation, type) and isinstance(config, dict) and bool(config.get("table"))


def columns(cls: type) -> set[str]:
    """The JSON keys of a table model's fields, `exclude=True` ones left out."""
    keys = set()
    for name, field in cls.model_fields.items():  # type: ignore[attr-defined]
        if field.exclude:
            continue
        keys.add(field.serialization_alias or field.alias or name)
    return keys


def tables_in(annotation: Any, *, through_fields: bool, seen: set[int] | None = None) -> set[str]:
    """Table models a type holds: itself, its type arguments (`list`, unions, `Annotated`'s
    first), and with `through_fields` the fields of a non-table pydantic model it names."""
    seen = set() if seen is None else seen
    if id(annotation) in seen:
        return set()
    seen.add(id(annotation))
    if is_table(annotation):
        return {annotation.__name__}
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return tables_in(typing.get_args(annotation)[0], through_fields=through_fields, seen=seen)
    found: set[str] = set()
    for argument in typing.get_args(annotation):
        found |= tables_in(argument, through_fields=through_fields, seen=seen)
    fields = getattr(annotation, "model_fields", None)
    if through_fields and isinstance(annotation, type) and isinstance(fields, dict):
        for field in fields.values():
            if not field.exclude:
                found |= tables_in(field.annotation, through_fields=True, seen=seen)
    return found


def field_annotation(field: Any) -> Any:
    info = getattr(field, "field_info", None)
    annotation = getattr(info, "annotation", None)
    return annotation if annotation is not None else getattr(field, "type_", None)


def model_params(route: Any) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """Body parameters holding a table model, and other request parameters holding one."""
    body: dict[str, list[str]] = {}
    other: dict[str, dict[str, Any]] = {}
    dependant = dependant_of(route)
    if dependant is None:
        return body, other
    for current in all_dependants(dependant):
        for field in current.body_params:
            tables = tables_in(field_annotation(field), through_fields=True)
            if tables:
                body[field.name] = sorted(set(body.get(field.name, [])) | tables)
        for kind in ("query", "header", "cookie", "path"):
            for field in getattr(current, f"{kind}_params", []):
                tables = tables_in(field_annotation(field), through_fields=True)
                if tables:
                    other[field.name] = {"in": kind, "tables": sorted(tables)}
    return body, other


def dependency_spans(fixture: Fixture, route: Any) -> list[Span]:
    dependant = dependant_of(route)
    spans: list[Span] = []
    if dependant is None:
        return spans
    for current in all_dependants(dependant):
        if current is dependant or current.call is None:
            continue
        span = code_span(fixture, current.call, from_def=False)
        if span is not None and span not in spans:
            spans.append(span)
    return spans


# -- the route's OpenAPI document ----------------------------------------------------------------
def route_openapi(route: Any) -> dict[str, Any]:
    from fastapi.openapi.utils import get_openapi

    return get_openapi(title="fixture", version="0", routes=[route])


def schema_objects(schema: Any, document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object schema with `properties` reachable from `schema`, each once."""
    pending, seen = [schema], set()
    while pending:
        current = resolve(pending.pop(), document)
        if not isinstance(current, dict) or id(current) in seen:
            continue
        seen.add(id(current))
        properties = current.get("properties")
        if isinstance(properties, dict):
            yield current
            pending.extend(properties.values())
        for key in ("items", "additionalProperties", "not"):
            if isinstance(current.get(key), dict):
                pending.append(current[key])
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            if isinstance(current.get(key), list):
                pending.extend(current[key])


def secret(schema: Any, document: dict[str, Any]) -> bool:
    """A `SecretStr`/`SecretBytes` property (also optional, or a list of them): pydantic
    documents it as `format: password` and sends `**********`."""
    schema = resolve(schema, document)
    if not isinstance(schema, dict):
        return False
    if schema.get("format") == "password":
        return True
    variants = [v for key in ("anyOf", "oneOf", "allOf") for v in schema.get(key, [])]
    variants += [schema["items"]] if isinstance(schema.get("items"), dict) else []
    return any(secret(variant, document) for variant in variants)


def response_schemas(operation: dict[str, Any]) -> dict[str, list[Any]]:
    """status code -> the schemas of its documented response bodies."""
    found: dict[str, list[Any]] = {}
    for status, response in (operation.get("responses") or {}).items():
        for media in (response.get("content") or {}).values():
            if not isinstance(media, dict) or "schema" not in media:
                continue
            if str(status) == "422" and media["schema"] == VALIDATION_ERROR:
                continue  # FastAPI's own answer to a request it cannot parse
            found.setdefault(str(status), []).append(media["schema"])
    return found


def operation_of(document: dict[str, Any], method: str) -> dict[str, Any]:
    for operations in (document.get("paths") or {}).values():
        if method.lower() in operations:
            return operations[method.lower()]
    return {}


# -- one call ------------------------------------------------------------------------------------
def request_for(route_path: str, method: str, operation: dict, document: dict) -> dict:
    """The keyword arguments of `TestClient.request` for one call of the route."""
    path = route_path
    query: dict[str, Any] = {}
    headers: dict[str, str] = dict(AUTH_HEADERS)
    cookies: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        parameter = resolve(parameter, document)
        value = example(parameter.get("schema", {}), document)
        where, name = parameter.get("in"), parameter.get("name", "")
        if where == "path":
            path = path.replace("{" + name + "}", str(value)).replace(
                "{" + name + ":path}", str(value)
            )
        elif parameter.get("required"):
            if where == "query":
                query[name] = value
            elif where == "header":
                headers[name] = str(value)
            elif where == "cookie":
                cookies[name] = str(value)
    for scheme in (document.get("components") or {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey":
            target = {"header": headers, "query": query, "cookie": cookies}[scheme["in"]]
            target.setdefault(scheme["name"], "fixture-key")
    arguments: dict[str, Any] = {"params": query, "headers": headers}
    if cookies:
        arguments["cookies"] = cookies
    body = operation.get("requestBody") or {}
    if body.get("required"):
        content = body.get("content") or {}
        if "application/json" in content:
            arguments["json"] = example(content["application/json"].get("schema"), document)
        elif content:
            media = next(iter(content.values()))
            arguments["data"] = example(media.get("schema"), document)
    return {"method": method, "url": path, **arguments}


def call(client: Any, request: dict[str, Any]) -> tuple[int | None, Any, str | None]:
    """(status, JSON body or None, error)."""
    try:
        response = client.request(**request, follow_redirects=False)
    except Exception as error:  # the fixture's own bug, reported as such
        return None, None, f"{type(error).__name__}: {error}"
    body = None
    if "json" in response.headers.get("content-type", ""):
        with contextlib.suppress(ValueError):
            body = response.json()
    return response.status_code, body, None


def json_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from json_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_objects(item)


# -- one route -------------------------------------------------------------------------------
def measure(
    fixture: Fixture,
    watch: RegistrationWatch,
    client: Any,
    route: Any,
    tables: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    endpoint = route.endpoint
    route_path = route.path_format if getattr(route, "path_format", None) else route.path
    methods = sorted(route.methods or {"GET"})
    method = "GET" if "GET" in methods else methods[0]
    record = endpoint_record(fixture, endpoint)
    site = watch.site_of(endpoint, route_path)
    record.update(
        path=route_path,
        methods=methods,
        registration=list(site) if site else None,
        dependencies=[list(span) for span in dependency_spans(fixture, route)],
        registration_error=None,
    )
    document = route_openapi(route)
    operation = operation_of(document, method)
    request = request_for(route_path, method, operation, document)
    status, body, error = call(client, request)
    # a 2xx, or a redirect (not followed: the target is another route), is the route's answer
    answered = status is not None and 200 <= status < 400
    record["call"] = {
        "method": method,
        "url": request["url"],
        "status": status,
        "answered": answered,
        "error": error,
    }
    objects = list(json_objects(body)) if answered else []
    exposed: dict[str, list[str]] = {}
    body_keys: set[str] = set()
    masked: set[str] = set()
    for obj in objects:
        body_keys |= set(obj)
        masked |= {key for key, value in obj.items() if value == MASK}
        for name, table in tables.items():
            if set(table["columns"]) <= set(obj):
                exposed.setdefault(name, []).append("body")
    schema_keys: dict[str, set[str]] = {}
    for code, schemas in response_schemas(operation).items():
        for schema in schemas:
            for obj in schema_objects(schema, document):
                properties = obj["properties"]
                schema_keys.setdefault(code, set()).update(properties)
                masked |= {key for key, value in properties.items() if secret(value, document)}
                for name, table in tables.items():
                    where = f"openapi {code}"
                    if set(table["columns"]) <= set(properties) and where not in exposed.get(
                        name, []
                    ):
                        exposed.setdefault(name, []).append(where)
    body_params, request_params = model_params(route)
    record.update(
        exposes_columns=sorted(exposed),
        exposed_in={name: sorted(set(where)) for name, where in exposed.items()},
        table_body_params=body_params,
        table_request_params=request_params,
        body_keys=sorted(body_keys),
        schema_keys={code: sorted(keys) for code, keys in schema_keys.items()},
        masked_keys=sorted(masked),
        sent_keys=sorted(body_keys.union(*schema_keys.values())),
    )
    return record


def run(fixture: Fixture) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    watch = RegistrationWatch(fixture)
    watch.install()
    app = fixture.import_app()
    tables = table_models(fixture)
    routes = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for route in served_routes(app):
            routes.append(measure(fixture, watch, client, route, tables))
    for error in watch.errors:
        error.update(
            methods=[],
            dependencies=[],
            call=None,
            exposes_columns=[],
            exposed_in={},
            table_body_params={},
            table_request_params={},
            body_keys=[],
            schema_keys={},
            masked_keys=[],
            sent_keys=[],
        )
        routes.append(error)
    return {"tables": tables, "routes": routes, "error": None}


def main(arguments: list[str] = sys.argv[1:]) -> None:
    project, output = arguments
    warnings.simplefilter("ignore")
    try:
        result = run(Fixture(Path(project)))
    except BaseException:  # an import that fails is the fixture's bug: report it, do not hide it
        result = {"tables": {}, "routes": [], "error": traceback.format_exc()}
    Path(output).write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
