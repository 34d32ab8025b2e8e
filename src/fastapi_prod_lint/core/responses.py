"""What a route declares it sends, and what that reaches: the response side of the contract
rules (FPL301, FPL302, FPL304).

`response_model=` (or the return annotation standing in for it) and the models of
`responses=` are walked as pydantic serialises them: through containers, unions, aliases and
generics into the fields of the models they meet, with `response_model_exclude` /
`response_model_include` applied on the way down.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core import declared_versions
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.models import (
    LITERAL_NAMES,
    ORM,
    Reached,
    Resolver,
    fields,
    is_response_class,
    model_kind,
    module_resolver,
    parse_type,
    short,
    type_alias,
    type_names,
)
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.semantics import HTTP_METHODS
from fastapi_prod_lint.core.summary import ANNOTATED_NAMES

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext
    from fastapi_prod_lint.core.project import ProjectIndex

# `response_model_exclude` / `response_model_include` as pydantic reads them: field name (or
# list index, or "__all__") -> True (the whole value) or a nested filter
Filter = dict[str, "Filter | bool"]
SEQUENCES = frozenset(
    {f"builtins.{name}" for name in ("list", "set", "frozenset", "tuple")}
    | {f"typing.{name}" for name in ("List", "Set", "FrozenSet", "Tuple", "Sequence", "Iterable")}
    | {f"collections.abc.{name}" for name in ("Sequence", "Iterable", "Collection", "Set")}
)
MAPPINGS = frozenset({"builtins.dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"})
ALL_ITEMS = "__all__"
# FastAPI reads a route's return annotation as its response model from this version on
RETURN_ANNOTATION_SINCE = (0, 89)


def literal_filter(expr: ast.expr | None) -> Filter | None:
    """A literal set or dict of `response_model_exclude`/`_include`; raises ValueError for
    anything else (a variable, a comprehension)."""
    if expr is None or _is_none(expr):
        return None
    if isinstance(expr, (ast.Set, ast.List, ast.Tuple)):
        return {_filter_key(element): True for element in expr.elts}
    if isinstance(expr, ast.Dict):
        found: Filter = {}
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                raise ValueError("a `**` in the filter")
            if isinstance(value, ast.Constant) and value.value is True:
                found[_filter_key(key)] = True
            else:
                found[_filter_key(key)] = literal_filter(value) or {}
        return found
    raise ValueError("not a literal")


def _filter_key(expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, int)):
        return str(expr.value)
    raise ValueError("not a literal key")


def _sub_filter(found: Filter | None, key: str) -> Filter | bool | None:
    """The part of a filter for one field (or `__all__` items): True, a nested filter, or None."""
    if found is None:
        return None
    return found.get(key, found.get(ALL_ITEMS) if key != ALL_ITEMS else None)


class _Reach:
    """Walks a declared type: containers, unions, aliases, generics, and the fields of the
    models it meets, carrying the exclude/include filters down as pydantic applies them."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.found: list[Reached] = []
        self.visited: set[str] = set()
        self.aliases: set[str] = set()
        # what a model named at the top without filters reaches: the same for every route
        cache = index.analyses.setdefault("reached", {})
        assert isinstance(cache, dict)
        self.cache: dict[str, list[Reached]] = cache

    def type_(
        self,
        node: ast.expr,
        res: Resolver,
        exclude: Filter | None,
        include: Filter | None,
        via: tuple[str, ...],
        args: tuple[tuple[ast.expr, Resolver], ...] = (),
    ) -> None:
        index = self.index
        if isinstance(node, ast.Constant):
            parsed = parse_type(node.value) if isinstance(node.value, str) else None
            if parsed is not None:
                self.type_(parsed, res, exclude, include, via, args)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            for side in (node.left, node.right):
                self.type_(side, res, exclude, include, via, args)
        elif isinstance(node, ast.Subscript):
            base = res(node.value)
            base = index.canonical(base) if base else ""
            slice_ = node.slice
            elements = slice_.elts if isinstance(slice_, ast.Tuple) else [slice_]
            if base in ANNOTATED_NAMES:
                self.type_(elements[0], res, exclude, include, via, args)
            elif base in LITERAL_NAMES:
                return
            elif base in SEQUENCES or base in MAPPINGS:
                items = elements[-1:] if base in MAPPINGS else elements
                sub_exclude = _sub_filter(exclude, ALL_ITEMS)
                if sub_exclude is True:
                    return
                sub_include = _sub_filter(include, ALL_ITEMS) if include is not None else None
                for element in items:
                    self.type_(
                        element,
                        res,
                        sub_exclude or None,
                        sub_include if isinstance(sub_include, dict) else None,
                        via,
                        args,
                    )
            else:  # Optional, Union, or a generic class: `Page[Hero]`
                if base and index.class_(base) is not None:  # `Page[Hero]`: a project generic
                    generic = tuple((element, res) for element in elements)
                    self.type_(node.value, res, exclude, include, via, generic)
                else:  # `Optional[Hero]`, a library generic: what is sent is its arguments
                    for element in elements:
                        self.type_(element, res, exclude, include, via, args)
        elif isinstance(node, (ast.Name, ast.Attribute)):
            dotted = res(node)
            if dotted is not None:
                self.name(index.canonical(dotted), exclude, include, via, args)

    def name(
        self,
        dotted: str,
        exclude: Filter | None,
        include: Filter | None,
        via: tuple[str, ...],
        args: tuple[tuple[ast.expr, Resolver], ...],
    ) -> None:
        if exclude is None and include is None and not via and not args:
            found = self.cache.get(dotted)
            if found is None:
                walk = _Reach(self.index)
                walk.model(dotted, None, None, (), ())
                found = self.cache[dotted] = walk.found
            self.found.extend(found)
            return
        self.model(dotted, exclude, include, via, args)

    def model(
        self,
        dotted: str,
        exclude: Filter | None,
        include: Filter | None,
        via: tuple[str, ...],
        args: tuple[tuple[ast.expr, Resolver], ...],
    ) -> None:
        alias = type_alias(self.index, dotted)
        if alias is not None:
            if dotted not in self.aliases:
                self.aliases.add(dotted)
                self.type_(alias[0], alias[1], exclude, include, via, args)
            return
        kind = model_kind(self.index, dotted)
        if kind is None:
            if _is_type_var(self.index, dotted):  # `items: list[T]` of a generic `Page[Hero]`
                for element, res in args:
                    self.type_(element, res, exclude, include, via)
            return
        if kind == ORM and via:
            return
        sent = []
        for field in fields(self.index, dotted):
            if field.hidden or _sub_filter(exclude, field.name) is True:
                continue
            if include is not None and field.name not in include and ALL_ITEMS not in include:
                continue
            sent.append(field)
        self.found.append(Reached(dotted, kind, via, tuple(field.name for field in sent)))
        if dotted in self.visited:
            return
        self.visited.add(dotted)
        for field in sent:
            annotation = parse_type(field.annotation)
            if annotation is None:
                continue
            sub_exclude = _sub_filter(exclude, field.name)
            sub_include = _sub_filter(include, field.name) if include is not None else None
            self.type_(
                annotation,
                module_resolver(field.module),
                sub_exclude if isinstance(sub_exclude, dict) else None,
                sub_include if isinstance(sub_include, dict) else None,
                (short(dotted), field.name),
                args,
            )


def _is_type_var(index: ProjectIndex, dotted: str) -> bool:
    definition = index.definition(dotted)
    site = definition.module.assigns.get(definition.name) if definition else None
    return site is not None and site.method == "TypeVar"


def reached_models(
    index: ProjectIndex,
    expr: ast.expr,
    resolve: Resolver,
    exclude: Filter | None = None,
    include: Filter | None = None,
) -> list[Reached]:
    """The models, table models and ORM classes a declared response type reaches: directly,
    and through the sent fields of the models it reaches (a public model nesting a table),
    each with the fields the filters leave to be sent. A model reached twice (nested in itself,
    or by two paths) is listed once, by the first path, with the fields any path sends."""
    walk = _Reach(index)
    walk.type_(expr, resolve, exclude, include, ())
    unique: dict[str, Reached] = {}
    for found in walk.found:
        first = unique.setdefault(found.dotted, found)
        if first is not found:
            more = tuple(name for name in found.sent if name not in first.sent)
            unique[found.dotted] = first._replace(sent=first.sent + more)
    return list(unique.values())


# -- what a route declares ---------------------------------------------------------------------
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class Declared(NamedTuple):
    """One type a route declares it sends, and where it is written."""

    node: ast.expr
    where: str  # `route `GET /heroes``
    exclude: Filter | None = None  # `response_model_exclude`, a literal
    include: Filter | None = None  # `response_model_include`, a literal
    opaque: bool = False  # a filter that is not a literal: what is sent is unknown
    annotation: bool = False  # the return annotation, standing in for `response_model=`
    path: str = ""  # the route's full path: `/auth/token`
    endpoint: str = ""  # the endpoint function's name: `login_for_access_token`
    handler: FunctionNode | None = None  # the endpoint's definition, when it is decorated


class Route(NamedTuple):
    """A route as the response rules name it: its label, full path and endpoint name."""

    where: str  # `route `POST /auth/token``
    path: str
    endpoint: str


def route_decorators(ctx: ModuleContext, function: FunctionNode) -> list[tuple[ast.Call, Route]]:
    """The route decorators of a function (`@router.get("/x", ...)`), each with its route."""
    facts = ctx.index.fastapi
    found = []
    for decorator in function.decorator_list:
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
            continue
        method = decorator.func.attr
        if method not in HTTP_METHODS and method != "api_route":
            continue
        receiver = ctx.qualified_name(decorator.func.value)
        if receiver is None or receiver not in facts.routers:
            continue
        path = _keyword(decorator, "path")
        if decorator.args:
            path = decorator.args[0]
        text = path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else ""
        verb = method.upper()
        if method == "api_route":
            verb = ",".join(_strings(_keyword(decorator, "methods"))).upper() or "GET"
        full = facts.full_path(receiver, text)
        found.append((decorator, Route(f"route `{verb} {full}`", full, function.name)))
    return found


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _strings(expr: ast.expr | None) -> list[str]:
    """The string keys or items of a literal set, list, tuple or dict."""
    if isinstance(expr, ast.Dict):
        items: list[ast.expr | None] = list(expr.keys)
    elif isinstance(expr, (ast.Set, ast.List, ast.Tuple)):
        items = list(expr.elts)
    else:
        return []
    return [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]


def _is_none(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def declared_responses(ctx: ModuleContext, function: FunctionNode) -> list[Declared]:
    """What each route decorator of `function` declares it sends: `response_model=` (or the
    return annotation when there is none, unless it is a `Response`), and the models of
    `responses=`."""
    key = ("declared", id(function))
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = list(_declared(ctx, function))
    return cached  # type: ignore[return-value]


def _declared(ctx: ModuleContext, function: FunctionNode) -> Iterator[Declared]:
    for decorator, route in route_decorators(ctx, function):
        yield from call_declares(ctx, decorator, route, function.returns, function)


def call_declares(
    ctx: ModuleContext,
    call: ast.Call,
    route: Route,
    returns: ast.expr | None,
    handler: FunctionNode | None = None,
) -> Iterator[Declared]:
    """What a route decorator or `add_api_route(...)` call declares (`returns`: the endpoint's
    return annotation, when known; `handler`: the decorated endpoint)."""
    model = _keyword(call, "response_model")
    try:
        exclude = literal_filter(_keyword(call, "response_model_exclude"))
        include = literal_filter(_keyword(call, "response_model_include"))
        opaque = False
    except ValueError:
        exclude = include = None
        opaque = True
    annotation = False
    if model is None and returns is not None and not _returns_response(ctx, returns):
        model, annotation = returns, True
    if model is not None and not _is_none(model):
        yield Declared(
            model,
            route.where,
            exclude,
            include,
            opaque,
            annotation,
            route.path,
            route.endpoint,
            handler,
        )
    responses = _keyword(call, "responses")
    if isinstance(responses, ast.Dict):
        for value in responses.values:
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "model":
                        yield Declared(
                            item,
                            route.where,
                            path=route.path,
                            endpoint=route.endpoint,
                            handler=handler,
                        )


def _returns_response(ctx: ModuleContext, returns: ast.expr) -> bool:
    names = type_names(ctx.index, returns, ctx.qualified_name)
    return any(is_response_class(ctx.index, name.dotted) for name in names if name.dotted)


def registration_declares(ctx: ModuleContext, call: ast.Call) -> list[Declared]:
    """What `router.add_api_route("/x", endpoint, response_model=...)` declares."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "add_api_route"):
        return []
    receiver = ctx.qualified_name(func.value)
    facts = ctx.index.fastapi
    if receiver is None or receiver not in facts.routers:
        return []
    path = call.args[0] if call.args else _keyword(call, "path")
    text = path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else ""
    verb = ",".join(_strings(_keyword(call, "methods"))).upper() or "GET"
    full = facts.full_path(receiver, text)
    endpoint = call.args[1] if len(call.args) > 1 else _keyword(call, "endpoint")
    name = endpoint.attr if isinstance(endpoint, ast.Attribute) else ""
    name = endpoint.id if isinstance(endpoint, ast.Name) else name
    route = Route(f"route `{verb} {full}`", full, name)
    return list(call_declares(ctx, call, route, None))


def reached(ctx: ModuleContext, declared: Declared) -> list[Reached]:
    """`reached_models` of a declared type, once per node for all the rules that ask."""
    key = ("reached", id(declared.node))
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = reached_models(
            ctx.index, declared.node, ctx.qualified_name, declared.exclude, declared.include
        )
    return cached  # type: ignore[return-value]


def annotation_is_response_model(ctx: ModuleContext) -> bool:
    """Whether FastAPI makes a return annotation the response model: from 0.89.0 on, so not
    in a project that declares an older FastAPI (a lock or `==` pin below 0.89, or an upper
    bound such as `<0.89`); a lower bound only, or no declaration, means a current FastAPI."""
    fastapi = declared_versions.declared(ctx.index.root, "fastapi")
    return not fastapi.is_below(RETURN_ANNOTATION_SINCE)


def describe(found: Reached) -> str:
    """`Hero`, or `Team` (field `team` of `HeroOut`)."""
    text = f"`{short(found.dotted)}`"
    if found.via:
        owner, field = found.via
        text += f" (field `{field}` of `{owner}`)"
    return text


class ResponseModelRule(Rule):
    """Calls `check` for every type a route declares: `response_model=` of a route decorator
    or of an `add_api_route(...)` statement, the return annotation standing in for it, and
    the models of `responses=`."""

    def check(self, declared: Declared, ctx: ModuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    def visit_FunctionDef(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        if not node.decorator_list:  # most functions: not a route (`add_api_route`: visit_Expr)
            return
        for declared in declared_responses(ctx, node):
            yield from self.check(declared, ctx)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Expr(self, node: ast.Expr, ctx: ModuleContext) -> Iterator[Finding]:
        # a statement, not every Call: `add_api_route` returns None, so it is always one
        if isinstance(node.value, ast.Call):
            for declared in registration_declares(ctx, node.value):
                yield from self.check(declared, ctx)
