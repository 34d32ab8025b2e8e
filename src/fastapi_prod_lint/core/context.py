"""`ModuleContext`: what a rule may ask about the module being checked and where the walk is."""

from __future__ import annotations

import ast

from fastapi_prod_lint.core.imports import FUNCTION_NODES, Binding, LocalScope, local_scope
from fastapi_prod_lint.core.project import ProjectIndex
from fastapi_prod_lint.core.semantics import Role
from fastapi_prod_lint.core.summary import SHADOWED, dotted_parts, resolve_parts
from fastapi_prod_lint.core.types import FunctionTypes

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


class Scope:
    __slots__ = ("local", "node", "qualname", "types")

    def __init__(self, node: ast.AST, qualname: str) -> None:
        self.node = node  # the Module, ClassDef, FunctionDef, AsyncFunctionDef or Lambda
        self.qualname = qualname  # inside the module: "", "Class", "Class.method", "f.<locals>.g"
        self.local: LocalScope | None = None  # function scopes only, computed when first needed
        self.types: FunctionTypes | None = None  # likewise


class ModuleContext:
    """One module being checked: its names, its project, and where the walk is."""

    def __init__(
        self,
        path: str,
        module: str,
        is_package: bool,
        lines: list[str],
        index: ProjectIndex,
        bindings: dict[str, Binding],
    ) -> None:
        self.path = path  # as the user named it; findings carry it
        self.module = module
        self.is_package = is_package
        self.lines = lines
        self.index = index
        self.bindings = bindings
        self.scopes: list[Scope] = []
        self.memo: dict[object, object] = {}  # what several rules derive from one node

    # -- the scope stack, maintained by the engine ------------------------------------------
    def push_scope(self, node: ast.AST) -> None:
        self.scopes.append(Scope(node, self._qualname_in_scope(node)))

    def _qualname_in_scope(self, node: ast.AST) -> str:
        """The qualname a function or class defined in the current scope gets."""
        parent = self.scopes[-1].qualname if self.scopes else ""
        name = "<lambda>" if isinstance(node, ast.Lambda) else getattr(node, "name", "")
        nested = self.scopes and isinstance(self.scopes[-1].node, FUNCTION_NODES)
        if nested:
            return f"{parent}.<locals>.{name}"
        qualname = f"{parent}.{name}" if parent else name
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._shadowed(qualname, node.lineno)
        return qualname

    def _shadowed(self, qualname: str, line: int) -> str:
        """`f@12` for an earlier definition of a function defined again later in the module
        (the summary keeps it under that name; a call by name runs the later one)."""
        summary = self.index.modules.get(self.module)
        functions = {} if summary is None else summary.functions
        info = functions.get(qualname)
        if info is None or info.line == line:
            return qualname
        shadowed = f"{qualname}{SHADOWED}{line}"
        return shadowed if shadowed in functions else qualname

    def pop_scope(self) -> None:
        self.scopes.pop()

    # -- where are we? -----------------------------------------------------------------------
    def enclosing_function(self) -> FunctionNode | None:
        """The innermost function or lambda whose body the walk is in."""
        for scope in reversed(self.scopes):
            if isinstance(scope.node, FUNCTION_NODES):
                return scope.node
        return None

    def in_async_function(self) -> bool:
        """The innermost function runs on the event loop: an `async def`, or a sync function
        wrapped by a project decorator that returns an `async def` wrapper."""
        function = self.enclosing_function()
        if isinstance(function, ast.AsyncFunctionDef):
            return True
        return isinstance(function, ast.FunctionDef) and self.async_decorator(function) is not None

    def async_decorator(self, function: ast.FunctionDef) -> str | None:
        """The project decorator that makes a sync function a coroutine function, if any."""
        for decorator in function.decorator_list:
            dotted = self.qualified_name(decorator)
            found = self.index.function(dotted) if dotted else None
            if found is not None and found[1].async_wrapper:
                return dotted
        return None

    def function_qualname(self) -> str | None:
        """The dotted project name of the innermost enclosing function (`app.routes.get_item`)."""
        for scope in reversed(self.scopes):
            if isinstance(scope.node, FUNCTION_NODES):
                return f"{self.module}.{scope.qualname}" if self.module else scope.qualname
        return None

    def function_roles(self) -> list[Role]:
        """How FastAPI uses the innermost enclosing function (route, dependency, ...)."""
        qualname = self.function_qualname()
        return [] if qualname is None else self.index.fastapi.roles_of(qualname)

    def roles_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Role]:
        """How FastAPI uses a function defined in the current scope (its decorators and
        signature are visited in the enclosing scope, before its body)."""
        qualname = self._qualname_in_scope(function)
        return self.index.fastapi.roles_of(f"{self.module}.{qualname}" if self.module else qualname)

    def in_class_body(self) -> bool:
        return bool(self.scopes) and isinstance(self.scopes[-1].node, ast.ClassDef)

    def character_column(self, line: int, byte_offset: int) -> int:
        """ast's columns count UTF-8 bytes; findings count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    # -- names -------------------------------------------------------------------------------
    def qualified_name(self, expr: ast.expr) -> str | None:
        """The canonical dotted name an expression refers to, through imports, aliases, simple
        local bindings (`fetch = requests.get`) and re-exports in other project modules; None
        for other locals and anything that is not a name chain."""
        parts = dotted_parts(expr)
        if parts is None:
            return None
        scopes = self.function_scopes()
        if scopes:
            held = self._types(scopes[0]).vars.get(parts[0])
            if held is not None and held.startswith("O:"):
                return self.index.canonical(".".join([held[2:], *parts[1:]]))
        local_scopes = tuple(self.local_scope(scope) for scope in scopes)
        resolved = resolve_parts(parts, self.bindings, local_scopes)
        return None if resolved is None else self.index.canonical(resolved)

    def type_of(self, expr: ast.expr) -> str | None:
        """The canonical class of what an expression holds, when names tell: annotations,
        `Depends()` providers, constructor and factory calls, `with ... as`, module-level
        instances in any module, `self` attributes."""
        return self.index.resolve_type(self.type_expression(expr))

    def type_expression(self, expr: ast.expr) -> str | None:
        """What `type_of` resolves: the expression's type as core/types.py writes it."""
        scopes = self.function_scopes()
        return self._types(scopes[0]).of(expr) if scopes else None

    def function_scopes(self) -> list[Scope]:
        return [scope for scope in reversed(self.scopes) if isinstance(scope.node, FUNCTION_NODES)]

    def local_scope(self, scope: Scope) -> LocalScope:
        if scope.local is None:
            node: FunctionNode = scope.node  # type: ignore[assignment]
            scope.local = local_scope(node, self.module, self.is_package)
        return scope.local

    def _types(self, scope: Scope) -> FunctionTypes:
        if scope.types is None:
            node: FunctionNode = scope.node  # type: ignore[assignment]
            position = self.scopes.index(scope)
            parent = self.scopes[position - 1] if position else None
            self_type = None
            if parent is not None and isinstance(parent.node, ast.ClassDef):
                self_type = f"T:{self.module}.{parent.qualname}" if self.module else None
            outer = tuple(self.local_scope(s) for s in self.function_scopes() if s is not scope)
            local = self.local_scope(scope)
            bindings = self.bindings

            def resolve(name_expr: ast.expr) -> str | None:
                parts = dotted_parts(name_expr)
                return None if parts is None else resolve_parts(parts, bindings, (local, *outer))

            scope.types = FunctionTypes(node, resolve, local.names, self_type)
        return scope.types
