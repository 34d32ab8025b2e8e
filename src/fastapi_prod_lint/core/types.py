"""Type expressions: what a variable, parameter or expression holds, as far as names tell.

A summary is made without the rest of the project, so it records *how* to find a type, as a
short string the project index resolves later (`ProjectIndex.resolve_type`):

- `T:<dotted>`          an instance of the class named <dotted> (an annotation; maybe an alias)
- `C:<dotted>`          what calling <dotted> returns (a class, a factory, a sessionmaker...)
- `O:<dotted>`          the object named <dotted> (a module-level variable, a function, a module)
- `D:<dotted>`          what the dependency <dotted> provides (it returns or yields it)
- `A:<attr>:<texpr>`    attribute <attr> of what <texpr> holds
- `R:<method>:<texpr>`  what calling method <method> on what <texpr> holds returns
- `U:<texpr>\x1f<texpr>...`  a name bound several times: typed only if all agree
- `P:<texpr>\x1e<texpr>...`  a tuple (`return opts, Registry()`); an empty part is unknown
- `I:<n>:<texpr>`       item <n> of the tuple <texpr> holds (`opts, registry = build()`)
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator

from fastapi_prod_lint.core.imports import TYPING_NODES, assigned_names, walk_own_scope

NameResolver = Callable[[ast.expr], "str | None"]
UNION_SEP = "\x1f"
TUPLE_SEP = "\x1e"
TUPLES = frozenset({"builtins.tuple", "typing.Tuple", "typing_extensions.Tuple"})

ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
UNION = frozenset({"typing.Union", "typing_extensions.Union"})
CONTAINERS_OF_ONE = frozenset(
    {
        f"{module}.{name}"
        for module in ("typing", "typing_extensions", "collections.abc", "contextlib")
        for name in (
            "Generator",
            "Iterator",
            "Iterable",
            "AsyncGenerator",
            "AsyncIterator",
            "AbstractContextManager",
            "ContextManager",
        )
    }
)
DEPENDS = frozenset(
    {"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"}
)


def annotation_type(annotation: ast.expr | None, name: NameResolver) -> str | None:
    """`T:<class>` for an annotation, through Annotated, Optional, `X | None` and the one-type
    generators a dependency is annotated with (`Generator[Session, None, None]`)."""
    while annotation is not None:
        if isinstance(annotation, ast.Subscript):
            base = name(annotation.value)
            elements = (
                annotation.slice.elts
                if isinstance(annotation.slice, ast.Tuple)
                else [annotation.slice]
            )
            if base in ANNOTATED or base in OPTIONAL or base in CONTAINERS_OF_ONE:
                annotation = elements[0]
            elif base in UNION:
                annotation = next((e for e in elements if not _is_none(e)), None)
            else:  # a generic class: `Future[int]` is a Future (and `list[X]` a list)
                return f"T:{base}" if base else None
        elif isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            annotation = annotation.right if _is_none(annotation.left) else annotation.left
            if _is_none(annotation):
                return None
        else:
            dotted = name(annotation)
            return f"T:{dotted}" if dotted else None
    return None


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def depends_default(default: ast.expr | None, name: NameResolver) -> str | None:
    """`D:<dependency>` for a parameter defaulting to `Depends(dependency)`."""
    if isinstance(default, ast.Call) and name(default.func) in DEPENDS and default.args:
        target = name(default.args[0])
        return f"D:{target}" if target else None
    return None


class FunctionTypes:
    """The types of one function's parameters and local variables, from its annotations,
    `Depends()` defaults, assignments and `with ... as` targets. A name assigned things of
    different types has none."""

    @classmethod
    def module_level(cls, name: NameResolver) -> FunctionTypes:
        """Types of expressions at module level, where every name is global."""
        types = cls.__new__(cls)
        types.name, types.locals, types.vars, types.typing_nodes = name, frozenset(), {}, []
        return types

    def __init__(
        self,
        func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        name: NameResolver,
        local_names: Iterable[str],
        self_type: str | None = None,
        typing_nodes: list[ast.stmt | ast.expr] | None = None,
    ) -> None:
        self.name = name
        self.locals = frozenset(local_names)
        self.vars: dict[str, str | None] = {}
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += args.defaults
        pairs = [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]  # noqa: B905
        for index, (arg, default) in enumerate(pairs):
            if index == 0 and self_type and arg.arg == "self":
                self.vars["self"] = self_type
                continue
            found = annotation_type(arg.annotation, name) or depends_default(default, name)
            self.vars[arg.arg] = found
        if typing_nodes is None and not isinstance(func, ast.Lambda):
            typing_nodes = [n for n in walk_own_scope(list(func.body)) if type(n) in TYPING_NODES]  # type: ignore[misc]
        self.typing_nodes = typing_nodes or []
        self._assignments(self.typing_nodes)

    def _assignments(self, nodes: list[ast.stmt | ast.expr]) -> None:
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self._bind(target.id, self.of(node.value))
                elif isinstance(target, (ast.Tuple, ast.List)):
                    for name, texpr in unpacked(target, self.of(node.value)):
                        self._bind(name, texpr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found = annotation_type(node.annotation, self.name)
                self._bind(node.target.id, found or self.of(node.value))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self._bind(item.optional_vars.id, self.of(item.context_expr))

    def _bind(self, name: str, texpr: str | None) -> None:
        if name not in self.vars:
            self.vars[name] = texpr
            return
        known = self.vars[name]
        if known is None or texpr is None:  # one binding of unknown type: unknown
            self.vars[name] = None
        elif known != texpr:
            options = set(known[2:].split(UNION_SEP) if known.startswith("U:") else [known])
            options.add(texpr)
            self.vars[name] = "U:" + UNION_SEP.join(sorted(options))

    def of(self, expr: ast.expr | None) -> str | None:
        """The type expression of an expression, or None when names cannot tell."""
        if isinstance(expr, ast.Name):
            if expr.id in self.vars:
                return self.vars[expr.id]
            if expr.id in self.locals:
                return None
            dotted = self.name(expr)
            return f"O:{dotted}" if dotted else None
        if isinstance(expr, ast.Attribute):
            dotted = None if self._is_local_chain(expr) else self.name(expr)
            if dotted:
                return f"O:{dotted}"
            inner = self.of(expr.value)
            return f"A:{expr.attr}:{inner}" if inner else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return self.of(expr.left)  # `base / "name"`: a path joined to a path
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute):
                dotted = None if self._is_local_chain(func) else self.name(func)
                if dotted:
                    return f"C:{dotted}"
                inner = self.of(func.value)
                return f"R:{func.attr}:{inner}" if inner else None
            if isinstance(func, ast.Name):
                held = self.of(func)
                if held and held.startswith("O:"):
                    return f"C:{held[2:]}"
        if isinstance(expr, ast.Tuple):
            return tuple_of([self.of(element) for element in expr.elts])
        return None

    def _is_local_chain(self, expr: ast.expr) -> bool:
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        return isinstance(expr, ast.Name) and (expr.id in self.vars or expr.id in self.locals)

    def returns(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        """What the function returns or, for a generator (a dependency with cleanup), yields."""
        returns = func.returns
        if isinstance(returns, ast.Subscript) and self.name(returns.value) in TUPLES:
            elements = returns.slice.elts if isinstance(returns.slice, ast.Tuple) else []
            if elements and not any(_is_ellipsis(element) for element in elements):
                return tuple_of([annotation_type(element, self.name) for element in elements])
        annotated = annotation_type(returns, self.name)
        if annotated:
            return annotated
        for node in self.typing_nodes:
            if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
                found = self.of(node.value)
                if found:
                    return found
        return None


def _is_ellipsis(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is Ellipsis


def tuple_of(elements: list[str | None]) -> str | None:
    """`P:` of the elements' types (a part that holds a tuple itself is left unknown)."""
    parts = [
        "" if not texpr or TUPLE_SEP in texpr or UNION_SEP in texpr else texpr for texpr in elements
    ]
    return "P:" + TUPLE_SEP.join(parts) if any(parts) else None


def unpacked(target: ast.Tuple | ast.List, texpr: str | None) -> Iterator[tuple[str, str | None]]:
    """(name, type) of each plain name a tuple target binds, matched by position: `I:<n>:` of
    the value's type (a starred target ends the matching; the names after it are unknown)."""
    starred = False
    for position, element in enumerate(target.elts):
        starred = starred or isinstance(element, ast.Starred)
        if isinstance(element, ast.Name):
            known = texpr and not starred and UNION_SEP not in texpr
            yield element.id, f"I:{position}:{texpr}" if known else None
        else:
            yield from ((name, None) for name in assigned_names(element))
