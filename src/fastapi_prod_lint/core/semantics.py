"""FastAPI facts of a project: apps, routers, routes, dependencies, middleware and lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from fastapi_prod_lint.core.summary import (
    INSTANCE_SUFFIX,
    REGISTRATION_METHODS,
    Arg,
    CallSite,
    ModuleSummary,
)

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex

APP_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "trace")
MIDDLEWARE_BASES = frozenset(
    {"starlette.middleware.base.BaseHTTPMiddleware", "fastapi.middleware.base.BaseHTTPMiddleware"}
)


class Role(NamedTuple):
    """What FastAPI uses a function for: kind is route, websocket, dependency, middleware,
    lifespan, startup, shutdown or exception_handler; label is how a message names it."""

    kind: str
    label: str


class Router(NamedTuple):
    name: str  # canonical dotted name of the instance
    is_app: bool
    prefix: str


class FastAPIFacts:
    def __init__(self) -> None:
        self.routers: dict[str, Router] = {}
        self.roles: dict[str, list[Role]] = {}  # function dotted name -> roles
        # router -> [(the router or app that includes it, the include's prefix), ...]
        self.include_prefixes: dict[str, list[tuple[str, str]]] = {}
        self._raw_roles: dict[str, list[tuple[str, str]]] = {}

    def roles_of(self, dotted: str) -> list[Role]:
        raw = self._raw_roles.pop(dotted, None)
        if raw is not None:  # loaded from the cache: made into Roles on first use
            self.roles[dotted] = [Role(*role) for role in raw]
        return self.roles.get(dotted, [])

    def functions(self) -> Iterator[tuple[str, list[Role]]]:
        """Every function FastAPI uses, with its roles."""
        for dotted in [*self._raw_roles, *self.roles]:
            yield dotted, self.roles_of(dotted)

    def to_builtins(self) -> tuple[object, ...]:
        """Plain tuples, lists and dicts (for `marshal`, the cheapest cache format to read)."""
        return (
            {name: tuple(router) for name, router in self.routers.items()},
            {
                **self._raw_roles,
                **{name: [tuple(role) for role in roles] for name, roles in self.roles.items()},
            },
            self.include_prefixes,
        )

    @classmethod
    def from_builtins(cls, data: tuple[Any, ...]) -> FastAPIFacts:
        facts = cls()
        routers, roles, facts.include_prefixes = data
        facts.routers = {name: Router(*fields) for name, fields in routers.items()}
        facts._raw_roles = roles
        return facts

    def add(self, function: str, role: Role) -> None:
        roles = self.roles.setdefault(function, [])
        if role not in roles:
            roles.append(role)

    @classmethod
    def from_index(cls, index: ProjectIndex) -> FastAPIFacts:
        facts = cls()
        for summary in index.modules.values():
            for name, site in summary.assigns.items():
                kind = index.canonical(site.func)
                if kind in APP_CLASSES or kind in ROUTER_CLASSES:
                    dotted = f"{summary.module}.{name}"
                    prefix = _string(site.kwarg("prefix"))
                    facts.routers[dotted] = Router(dotted, kind in APP_CLASSES, prefix)
                    _constructor_handlers(facts, index, site)
        for summary in index.modules.values():
            for site in _all_calls(summary):
                _registration_call(facts, index, summary, site)
        for summary in index.modules.values():
            for info in summary.functions.values():
                dotted = f"{summary.module}.{info.name}"
                for decorator in info.decorators:
                    _decorator(facts, index, dotted, decorator)
            for class_name in summary.classes:
                dotted = f"{summary.module}.{class_name}"
                if MIDDLEWARE_BASES.intersection(index.class_ancestors(dotted)):
                    facts.add(f"{dotted}.dispatch", Role("middleware", "middleware"))
            for target in summary.depends:
                _dependency(facts, index, target)
        return facts

    def full_path(self, router: str, path: str) -> str:
        """The route path with the router's prefix and those of the routers that include it
        (`app.include_router(api, prefix="/api/v1")`, `api.include_router(items.router)`),
        followed while each router is included exactly one way."""
        return f"{self._outer(router, frozenset())}{path}" or "/"

    def _outer(self, router: str, seen: frozenset[str]) -> str:
        found = self.routers.get(router)
        prefix = found.prefix if found else ""
        includes = {tuple(include) for include in self.include_prefixes.get(router, [])}
        if len(includes) != 1 or router in seen:
            return prefix
        [(parent, include_prefix)] = includes
        return f"{self._outer(parent, seen | {router})}{include_prefix}{prefix}"


def _string(arg: Arg | None) -> str:
    return arg.value if arg is not None and arg.kind == "str" else ""


def _names(arg: Arg | None) -> Iterator[str]:
    if arg is None:
        return
    if arg.kind == "name":
        yield arg.value
    for item in arg.items if arg.kind == "list" else ():
        yield from _names(item)


def _all_calls(summary: ModuleSummary) -> Iterator[CallSite]:
    yield from summary.calls
    for info in summary.functions.values():
        yield from info.calls


def _constructor_handlers(facts: FastAPIFacts, index: ProjectIndex, site: CallSite) -> None:
    """`FastAPI(lifespan=f, on_startup=[g], on_shutdown=[h])`."""
    for key, kind in (
        ("lifespan", "lifespan"),
        ("on_startup", "startup"),
        ("on_shutdown", "shutdown"),
    ):
        for name in _names(site.kwarg(key)):
            facts.add(index.canonical(name), Role(kind, f"{kind} handler"))


def _route_label(method: str, path: str) -> str:
    return f"route `{method} {path}`"


def _registration_call(
    facts: FastAPIFacts, index: ProjectIndex, summary: ModuleSummary, site: CallSite
) -> None:
    """`app.include_router(...)`, `router.add_api_route(...)`, `app.add_event_handler(...)`."""
    method = site.method
    receiver = index.canonical(site.receiver)
    if method == "include_router" and site.args:
        for router in _names(site.args[0]):
            prefix = _string(site.kwarg("prefix"))
            includes = facts.include_prefixes.setdefault(index.canonical(router), [])
            includes.append((receiver, prefix))
    elif method in ("add_api_route", "add_api_websocket_route") and len(site.args) >= 2:
        path = facts.full_path(receiver, _string(site.args[0]))
        methods = [_string(m).upper() for m in (site.kwarg("methods") or Arg("list")).items]
        for endpoint in _names(site.args[1]):
            if method == "add_api_websocket_route":
                role = Role("websocket", f"websocket route `{path}`")
            else:
                role = Role("route", _route_label(",".join(methods) or "GET", path))
            facts.add(index.canonical(endpoint), role)
    elif method == "add_event_handler" and len(site.args) >= 2:
        event = _string(site.args[0])
        for handler in _names(site.args[1]):
            facts.add(index.canonical(handler), Role(event, f"{event} handler"))
    elif method == "add_middleware" and site.args:  # a pure ASGI middleware class
        for middleware in _names(site.args[0]):
            facts.add(f"{index.canonical(middleware)}.__call__", Role("middleware", "middleware"))
    elif method == "add_exception_handler" and len(site.args) >= 2:
        for handler in _names(site.args[1]):
            facts.add(index.canonical(handler), Role("exception_handler", "exception handler"))


def _decorator(facts: FastAPIFacts, index: ProjectIndex, function: str, site: CallSite) -> None:
    receiver = index.canonical(site.receiver)
    if receiver not in facts.routers:
        return
    method = site.method
    path = _string(site.args[0]) if site.args else _string(site.kwarg("path"))
    if method in HTTP_METHODS:
        label = _route_label(method.upper(), facts.full_path(receiver, path))
        facts.add(function, Role("route", label))
    elif method == "api_route":
        methods = [_string(m).upper() for m in (site.kwarg("methods") or Arg("list")).items]
        label = _route_label(",".join(methods) or "GET", facts.full_path(receiver, path))
        facts.add(function, Role("route", label))
    elif method == "websocket":
        label = f"websocket route `{facts.full_path(receiver, path)}`"
        facts.add(function, Role("websocket", label))
    elif method == "middleware":
        facts.add(function, Role("middleware", "middleware"))
    elif method == "on_event":
        event = _string(site.args[0]) if site.args else "startup"
        facts.add(function, Role(event, f"{event} handler"))
    elif method == "exception_handler":
        facts.add(function, Role("exception_handler", "exception handler"))


def _dependency(facts: FastAPIFacts, index: ProjectIndex, target: str) -> None:
    """A Depends() target: a function, a class (its __init__) or an instance (its __call__),
    bound to a name or made inline (`Depends(RateLimiter(5))`)."""
    if target.endswith(INSTANCE_SUFFIX):
        made_by = index.canonical(target.removesuffix(INSTANCE_SUFFIX))
        role = Role("dependency", f"dependency `{made_by.rpartition('.')[2]}`")
        if index.class_(made_by) is not None:
            facts.add(f"{made_by}.__call__", role)
        elif index.function(made_by) is not None:  # a factory: its closure is the dependency
            facts.add(made_by, role)
        return
    dotted = index.canonical(target)
    role = Role("dependency", f"dependency `{dotted.rpartition('.')[2]}`")
    if index.function(dotted) is not None:
        facts.add(dotted, role)
    elif index.class_(dotted) is not None:
        facts.add(f"{dotted}.__init__", role)
    else:  # an instance (its `__call__`) or a bound method of one (`Depends(orders.prepare)`)
        owner, _, method = dotted.rpartition(".")
        for instance, called in ((dotted, "__call__"), (owner, method)):
            definition = index.definition(instance) if instance else None
            site = definition.module.assigns.get(definition.name) if definition else None
            if site is not None and index.class_(site.func) is not None:
                facts.add(f"{index.canonical(site.func)}.{called}", role)
                return


def _site_key(site: CallSite) -> tuple[object, ...]:
    return (site.func, site.args, site.kwargs)


def facts_signature(summary: ModuleSummary) -> tuple[object, ...]:
    """Everything of a module that `FastAPIFacts.from_index` reads, without line numbers: when
    an edit leaves it unchanged (a function body changed), the project's facts still hold."""
    registrations = [
        _site_key(site) for site in _all_calls(summary) if site.method in REGISTRATION_METHODS
    ]
    return (
        summary.module,
        tuple((name, b.kind, b.target, b.type_checking) for name, b in summary.bindings.items()),
        tuple((name, _site_key(site)) for name, site in summary.assigns.items()),
        tuple(registrations),
        tuple(
            (name, tuple(_site_key(d) for d in info.decorators))
            for name, info in summary.functions.items()
        ),
        tuple((name, info.bases) for name, info in summary.classes.items()),
        tuple(sorted(summary.depends)),
    )
