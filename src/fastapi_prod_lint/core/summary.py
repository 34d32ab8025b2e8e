"""`ModuleSummary`: the compact facts of one module that cross-file analysis needs, in one pass."""

from __future__ import annotations

import ast
from functools import partial
from typing import Any, NamedTuple

from fastapi_prod_lint.core.argument_guards import (
    MAX_CONSTANT,
    Bound,
    Guard,
    bound_arguments,
    guards_of,
    tests_parameters,
)
from fastapi_prod_lint.core.imports import (
    BUILTIN_NAMES,
    Binding,
    LocalScope,
    assigned_names,
    import_bindings,
    is_main_guard,
    module_bindings,
    resolve_relative,
    scan_scope,
    top_level_statements,
)
from fastapi_prod_lint.core.module_globals import GlobalBindings, alias_target
from fastapi_prod_lint.core.newer_syntax import TYPE_ALIAS
from fastapi_prod_lint.core.run_once import run_once_calls, slot_resets, slot_writes
from fastapi_prod_lint.core.types import FunctionTypes, NameResolver, annotation_type

DEPENDS_NAMES = frozenset(
    {"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"}
)
ANNOTATED_NAMES = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
LOCAL_PREFIX = "~"
# an earlier definition of a redefined function or method is kept as "f@12" (its line)
SHADOWED = "@"
# a Depends() target made inline: `Depends(RateLimiter(5))` is recorded as "app.RateLimiter()"
INSTANCE_SUFFIX = "()"
# `app.include_router(...)` and friends: calls whose arguments the FastAPI facts read
REGISTRATION_METHODS = frozenset(
    {
        "include_router",
        "add_api_route",
        "add_api_websocket_route",
        "add_event_handler",
        "add_exception_handler",
        "add_middleware",
    }
)  # a dotted name whose head is a function-local variable: "~app.include_router"


# calls inside functions whose arguments a summary keeps (the rest keep only the callee)
KEEP_ARGUMENTS = REGISTRATION_METHODS | {
    "model_rebuild",
    "update_forward_refs",
    "rebuild_dataclass",
    # the event loop a coroutine runs on (core/event_loop.py): `asyncio.run(main())`
    "run",
    "run_until_complete",
    "create_task",
    "ensure_future",
    "start_soon",
    "add_task",
    # `exist_ok=True` makes directory creation a cheap, idempotent call (blocking_catalogue.py)
    "mkdir",
    "makedirs",
}


class Arg(NamedTuple):
    """An argument as the index needs it: a string, a resolved name, a list or a call."""

    # "str" | "name" | "list" | "call" | "dict" (its keys) | "const" (True/False/None) | "other"
    kind: str
    value: str = ""
    items: tuple[Arg, ...] = ()


class CallSite(NamedTuple):
    func: str  # dotted callee; just the method name when `receiver` is set
    line: int
    col: int
    args: tuple[Arg, ...] = ()
    kwargs: tuple[tuple[str, Arg], ...] = ()
    receiver_type: str = ""  # type expression of the object whose method is called (types.py)
    # inside functions: tests on the function's string parameters that must hold for the call
    # to run, and the string constants and parameters it passes (core/argument_guards.py)
    guard: tuple[Guard, ...] = ()
    bound: tuple[Bound, ...] = ()
    once: str = ""  # the slot it runs only while empty, when one (core/run_once.py)

    def kwarg(self, key: str) -> Arg | None:
        return next((value for name, value in self.kwargs if name == key), None)

    @property
    def method(self) -> str:
        return self.func.rpartition(".")[2]

    @property
    def receiver(self) -> str:
        return self.func.rpartition(".")[0]


class Param(NamedTuple):
    name: str
    annotation: str | None  # dotted name of the annotation (an alias or a class), if simple
    depends: tuple[str, ...]  # Depends()/Security() targets in its default or Annotated[...]


class FunctionInfo(NamedTuple):
    name: str  # "f" or "Class.method"
    line: int
    col: int
    is_async: bool
    decorators: tuple[CallSite, ...]
    params: tuple[Param, ...]
    calls: tuple[CallSite, ...]
    returns: str | None = None  # type expression of what it returns or yields
    generator: bool = False  # its body runs when iterated, not when called
    async_wrapper: bool = False  # a decorator returning a nested `async def` that wraps its arg
    local_names: tuple[str, ...] = ()  # names it binds, kept when it calls `model_rebuild()`


class ClassInfo(NamedTuple):
    name: str
    line: int
    bases: tuple[str, ...]
    keywords: tuple[tuple[str, Arg], ...]
    fields: tuple[tuple[str, str], ...]  # (name, annotation source)
    methods: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...] = ()  # (name, type expression): `x: T`, self.x = ...
    hidden: tuple[str, ...] = ()  # annotated names pydantic does not send (see `hidden_field`)
    assigned: tuple[str, ...] = ()  # names a plain `=` binds in the body (`__tablename__`)
    decorators: tuple[str, ...] = ()  # dotted names of its decorators
    not_fields: tuple[
        str, ...
    ] = ()  # annotated names pydantic ignores: `_x`, ClassVar, Relationship


class AliasInfo(NamedTuple):
    """`CurrentUser = Annotated[User, Depends(get_current_user)]`."""

    name: str
    line: int
    annotated_type: str | None
    depends: tuple[str, ...]


class ImportEdge(NamedTuple):
    target: str  # canonical dotted name imported ("app.models.User", "time")
    line: int
    type_checking: bool
    in_function: bool


class ModuleSummary:
    """The facts of one module. Records are NamedTuples: cheap to create, and stored by the
    cache as plain tuples (core/summary_codec.py; the cache holds one summary per module)."""

    def __init__(self, module: str, path: str, is_package: bool, digest: str) -> None:
        self.module = module
        self.path = path
        self.is_package = is_package
        self.digest = digest
        self.bindings: dict[str, Binding] = {}
        self.imports: list[ImportEdge] = []
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.assigns: dict[str, CallSite] = {}  # module-level `x = Call(...)`
        self.aliases: dict[str, AliasInfo] = {}
        self.calls: list[CallSite] = []  # module-level calls
        self.depends: set[str] = set()  # every Depends()/Security() target
        self.variables: dict[str, str] = {}  # module-level name -> type expression
        # module-level `X = list[Hero]`, `X: TypeAlias = ...`, `type X = ...`: source text of
        # the value, resolved in this module's bindings when a rule asks (core/models.py)
        self.type_aliases: dict[str, str] = {}
        # forward references (core/forward_refs.py): the first line binding each module-level
        # name at runtime (not only under TYPE_CHECKING), `mod.X = ...` into other modules,
        # `for m in (A, B):` loops, and `from __future__ import annotations`
        self.first_bound: dict[str, int] = {}
        self.external_assigns: list[tuple[str, str]] = []  # (module dotted name, attribute)
        self.loop_names: dict[str, tuple[str, ...]] = {}
        self.future_annotations = False
        self.star_imports: list[str] = []  # `from x import *`: x binds names here too
        # what runs when the module is run as a script (`if __name__ == "__main__":`): the
        # dotted names it calls or hands to a runner (`asyncio.run(main())`, `anyio.run(main)`)
        self.script_calls: list[str] = []
        # module-level `NAME = "text"`: constants a call may pass (core/argument_guards.py)
        self.strings: dict[str, str] = {}
        # slot -> the functions that empty it (`_registry = None`): a reload (core/run_once.py)
        self.resets: dict[str, list[str]] = {}


def dotted_parts(expr: ast.expr) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; None for anything that is not a plain name chain."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    parts.reverse()
    return parts


def resolve_parts(
    parts: list[str], bindings: dict[str, Binding], scopes: tuple[LocalScope, ...]
) -> str | None:
    """The canonical dotted name of a name chain, looking through local scopes then the module.

    A chain whose head is a plain local variable yields None.
    """
    head = parts[0]
    for scope in scopes:
        if head in scope.imports:
            return ".".join([scope.imports[head], *parts[1:]])
        if head in scope.names:
            return None
    binding = bindings.get(head)
    if binding is not None:
        base = binding.target
    elif head in BUILTIN_NAMES:
        base = f"builtins.{head}"
    else:
        return None
    return ".".join([base, *parts[1:]])


class _Summarizer:
    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self.globals = GlobalBindings(summary.variables)

    def name(self, expr: ast.expr, scopes: tuple[LocalScope, ...] = ()) -> str | None:
        parts = dotted_parts(expr)
        if parts is None:
            return None
        resolved = resolve_parts(parts, self.summary.bindings, scopes)
        if resolved is None and scopes:
            return LOCAL_PREFIX + ".".join(parts)
        return resolved

    def arg(self, expr: ast.expr, scopes: tuple[LocalScope, ...]) -> Arg:
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return Arg("str", expr.value)
            if expr.value is None or isinstance(expr.value, bool):
                return Arg("const", str(expr.value))
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return Arg("list", "", tuple(self.arg(e, scopes) for e in expr.elts))
        if isinstance(expr, ast.Call):
            items = tuple(self.arg(a, scopes) for a in expr.args)
            return Arg("call", self.name(expr.func, scopes) or "", items)
        if isinstance(expr, ast.Dict):  # its keys: `_types_namespace={"B": B}`
            return Arg("dict", "", tuple(self.arg(k, scopes) for k in expr.keys if k is not None))
        name = self.name(expr, scopes)
        return Arg("name", name) if name else Arg("other")

    def call(
        self, node: ast.Call, scopes: tuple[LocalScope, ...], types: FunctionTypes | None = None
    ) -> CallSite | None:
        func = self.name(node.func, scopes)
        receiver_type = ""
        if types is not None and (func is None or func.startswith(LOCAL_PREFIX)):
            if isinstance(node.func, ast.Attribute):  # a method of a typed local: `s.get()`
                receiver_type = types.of(node.func.value) or ""
                func = node.func.attr if receiver_type else func
            else:  # a local alias of a function: `fetch = requests.get; fetch(url)`
                held = types.of(node.func)
                func = held[2:] if held and held.startswith("O:") else func
        if func is None:
            return None
        if types is not None and func.rpartition(".")[2] not in KEEP_ARGUMENTS:
            # inside functions only registrations need their arguments: summaries stay small
            return CallSite(func, node.lineno, node.col_offset, receiver_type=receiver_type)
        return CallSite(
            func,
            node.lineno,
            node.col_offset,
            tuple(self.arg(a, scopes) for a in node.args),
            tuple((k.arg, self.arg(k.value, scopes)) for k in node.keywords if k.arg),
            receiver_type,
        )

    def depends_target(
        self, node: ast.Call, annotated_type: ast.expr | None, scopes: tuple[LocalScope, ...]
    ) -> str | None:
        """The dependency of a `Depends(f)` call (the annotated class for `Depends()`)."""
        if self.name(node.func, scopes) not in DEPENDS_NAMES:
            return None
        target = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "dependency":
                target = keyword.value
        if target is None:
            target = annotated_type
        if isinstance(target, ast.Call):  # `Depends(RateLimiter(5))`: the instance's __call__
            made_by = self.name(target.func, scopes)
            return None if made_by is None else f"{made_by}{INSTANCE_SUFFIX}"
        return None if target is None else self.name(target, scopes)

    def annotation_depends(
        self, annotation: ast.expr | None, scopes: tuple[LocalScope, ...]
    ) -> tuple[str | None, tuple[str, ...]]:
        """(dotted name of the annotation or its Annotated type, Depends targets in it)."""
        if annotation is None:
            return None, ()
        if isinstance(annotation, ast.Subscript) and self.name(annotation.value, scopes) in (
            ANNOTATED_NAMES
        ):
            elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            if not elements:
                return None, ()
            base = elements[0]
            found = []
            for extra in elements[1:]:
                if isinstance(extra, ast.Call):
                    target = self.depends_target(extra, base, scopes)
                    if target:
                        found.append(target)
            return self.name(base, scopes), tuple(found)
        return self.name(annotation, scopes), ()

    def resolver(self, scopes: tuple[LocalScope, ...]) -> NameResolver:
        bindings = self.summary.bindings

        def resolve(expr: ast.expr) -> str | None:
            parts = dotted_parts(expr)
            return None if parts is None else resolve_parts(parts, bindings, scopes)

        return resolve

    def function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        qualname: str,
        self_type: str | None = None,
    ) -> FunctionTypes:
        summary = self.summary
        scan = scan_scope(node, summary.module, summary.is_package)
        scope, call_nodes, generator, typing_nodes = scan[:4]
        scopes = (scope,)
        types = FunctionTypes(node, self.resolver(scopes), scope.names, self_type, typing_nodes)
        if scan.declared_global:
            self.globals.function_writes(typing_nodes, scan.declared_global, types)
        decorators = []
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call):
                site = self.call(decorator, ())
            else:
                name = self.name(decorator)
                site = CallSite(name, decorator.lineno, decorator.col_offset) if name else None
            if site is not None:
                decorators.append(site)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += args.defaults
        pairs = [
            *zip(positional, defaults, strict=True),
            *zip(args.kwonlyargs, args.kw_defaults, strict=True),
        ]
        params = []
        for arg, default in pairs:
            annotation, depends = self.annotation_depends(arg.annotation, ())
            if isinstance(default, ast.Call):
                annotated = arg.annotation
                target = self.depends_target(default, annotated, ())
                if target:
                    depends = (*depends, target)
            params.append(Param(arg.arg, annotation, depends))
        calls = []
        names = {param.name for param in params}
        guards = {}
        if tests_parameters(scan.ifs, names):
            guards = guards_of(node, names, scan.stores, scan.declared_global)
        resolve = partial(self.name, scopes=scopes)
        package = summary.module.partition(".")[0]
        writes = slot_writes(typing_nodes, scan.declared_global)
        once = {}
        if writes:
            filled = {ast.unparse(target) for target, _ in writes}
            for key, slot in run_once_calls(node, filled).items():
                once[key] = self.slot_key(slot, qualname)
            for slot in slot_resets(writes):
                self.summary.resets.setdefault(self.slot_key(slot, qualname), []).append(qualname)
        for child in call_nodes:
            site = self.call(child, scopes, types)
            if site is not None:
                guard = guards.get(id(child), ())
                bound: tuple[Bound, ...] = ()
                if (child.args or child.keywords) and (
                    site.receiver_type or site.func.partition(".")[0] == package
                ):  # arguments only matter to the project's own functions
                    bound = bound_arguments(child, names, resolve)
                if guard or bound or id(child) in once:
                    site = site._replace(guard=guard, bound=bound, once=once.get(id(child), ""))
                calls.append(site)
                if site.func in DEPENDS_NAMES:
                    target = self.depends_target(child, None, scopes)
                    if target:
                        summary.depends.add(target)
        for param in params:
            summary.depends.update(param.depends)
        for decorator_site in decorators:
            self.collect_depends(decorator_site)
        earlier = summary.functions.get(qualname)
        if earlier is not None:  # redefined: a call by name runs this one; the earlier one
            shadowed = f"{qualname}{SHADOWED}{earlier.line}"  # keeps its own (route) roles
            summary.functions[shadowed] = earlier._replace(name=shadowed)
        summary.functions[qualname] = FunctionInfo(
            qualname,
            node.lineno,
            node.col_offset,
            isinstance(node, ast.AsyncFunctionDef),
            tuple(decorators),
            tuple(params),
            tuple(calls),
            types.returns(node),
            generator,
            returns_async_wrapper(node),
            (
                tuple(sorted({*scope.names, *scope.imports}))
                if any(site.method in ("model_rebuild", "update_forward_refs") for site in calls)
                else ()
            ),
        )
        return types

    def slot_key(self, slot: str, qualname: str) -> str:
        """A slot as written in a function (`_cache`, `cls._cache`, `Registry._cache`) as a
        dotted name: `app.registry._cache`, `app.registry.Registry._cache`."""
        head, _, rest = slot.partition(".")
        module = self.summary.module
        if not rest:
            return f"{module}.{slot}"
        if head == "cls":
            owner = f"{module}.{qualname.rpartition('.')[0]}"
        else:
            owner = self.name(ast.Name(head, ast.Load())) or f"{module}.{head}"
        return f"{owner}.{rest}"

    def collect_depends(self, site: CallSite) -> None:
        """Depends() targets inside a call's arguments (`dependencies=[Depends(f)]`)."""
        stack = [*site.args, *(value for _, value in site.kwargs)]
        while stack:
            arg = stack.pop()
            if arg.kind == "call" and arg.value in DEPENDS_NAMES and arg.items:
                target = arg.items[0]
                if target.kind == "name":
                    self.summary.depends.add(target.value)
                elif target.kind == "call" and target.value:
                    self.summary.depends.add(f"{target.value}{INSTANCE_SUFFIX}")
            stack.extend(arg.items)

    def class_(self, node: ast.ClassDef) -> None:
        fields = []
        names = []
        for base in node.bases:
            if isinstance(base, ast.Subscript):  # `RootModel[list["Tag"]]`, `Generic[T]`
                name = self.name(base.value)
                if name in ROOT_MODELS:  # its `root` field has the type argument's type
                    fields.append(("root", ast.unparse(base.slice)))
            else:
                name = self.name(base)
            if name:
                names.append(name)
        bases = tuple(names)
        keywords = tuple((k.arg, self.arg(k.value, ())) for k in node.keywords if k.arg)
        methods = []
        attributes: dict[str, str] = {}
        self_type = f"T:{self.summary.module}.{node.name}"
        resolve = self.resolver(())
        hidden: list[str] = []
        not_fields: list[str] = []
        assigned: list[str] = []
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                fields.append((stmt.target.id, ast.unparse(stmt.annotation)))
                found = annotation_type(stmt.annotation, resolve)
                if found:
                    attributes[stmt.target.id] = found
                if hidden_field(stmt, resolve):
                    hidden.append(stmt.target.id)
                    if not_a_field(stmt, resolve):
                        not_fields.append(stmt.target.id)
            elif isinstance(stmt, ast.Assign):
                assigned.extend(t.id for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(stmt.name)
                if stmt.returns is not None and any(
                    (self.name(d.func if isinstance(d, ast.Call) else d) or "").endswith(
                        "computed_field"
                    )
                    for d in stmt.decorator_list
                ):  # sent like a field, and pydantic resolves its return type like one
                    fields.append((stmt.name, ast.unparse(stmt.returns)))
                types = self.function(stmt, f"{node.name}.{stmt.name}", self_type)
                if stmt.name == "__init__":
                    for name, texpr in _self_attributes(stmt, types):
                        attributes.setdefault(name, texpr)
        self.summary.classes[node.name] = ClassInfo(
            node.name,
            node.lineno,
            bases,
            keywords,
            tuple(fields),
            tuple(methods),
            tuple(attributes.items()),
            tuple(hidden),
            tuple(assigned),
            tuple(
                name
                for name in (
                    self.name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list
                )
                if name
            ),
            tuple(not_fields),
        )

    def module_level(self, tree: ast.Module) -> None:
        summary = self.summary
        for stmt, type_checking in top_level_statements(tree.body):
            if not type_checking:
                self.runtime_bindings(stmt)
            if isinstance(stmt, ast.If) and is_main_guard(stmt.test):
                self.script(stmt.body)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for _, target in import_bindings(stmt, summary.module, summary.is_package):
                    summary.imports.append(ImportEdge(target, stmt.lineno, type_checking, False))
                if isinstance(stmt, ast.Import):
                    for alias in stmt.names:  # `import a.b` imports a.b, not only `a`
                        if "." in alias.name and not alias.asname:
                            edge = ImportEdge(alias.name, stmt.lineno, type_checking, False)
                            summary.imports.append(edge)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(stmt, stmt.name)
            elif isinstance(stmt, ast.ClassDef):
                self.class_(stmt)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                self.assignment(stmt, type_checking)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                if not type_checking:  # (or under `if __name__ == "__main__":`)
                    self.module_call(stmt.value)
            elif isinstance(stmt, TYPE_ALIAS_NODES):
                statement: Any = stmt  # ast.TypeAlias (3.12+): `type X = ...`
                summary.type_aliases[statement.name.id] = ast.unparse(statement.value)
                self.alias(statement.name.id, stmt.lineno, statement.value)
        self.globals.merge()

    def alias(self, name: str, line: int, value: ast.expr) -> None:
        """An alias of a class (`Tx = NewType("Tx", AsyncSession)`): an annotation `Tx` means
        that class (a dependency alias, `Annotated[C, Depends(f)]`, is recorded already)."""
        if name not in self.summary.aliases:
            target = alias_target(value, self.resolver(()))
            if target is not None:
                self.summary.aliases[name] = AliasInfo(name, line, target, ())

    def script(self, body: list[ast.stmt]) -> None:
        """The calls of a `__main__` block, and the functions handed to them."""
        found = self.summary.script_calls
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                for expr in (node.func, *node.args):
                    name = self.name(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
                    if name is not None and name not in found:
                        found.append(name)

    def runtime_bindings(self, stmt: ast.stmt) -> None:
        """What a module-level statement binds at runtime, for forward references."""
        summary = self.summary
        names: list[str] = []
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            summary.future_annotations |= any(a.name == "annotations" for a in stmt.names)
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names = [
                local for local, _ in import_bindings(stmt, summary.module, summary.is_package)
            ]
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                level, source = stmt.level, stmt.module
                star = resolve_relative(summary.module, summary.is_package, level, source)
                summary.star_imports.append(star)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [stmt.name]
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names.extend(assigned_names(target))
                if isinstance(target, ast.Attribute) and stmt.value is not None:
                    owner = self.name(target.value)  # `models.B = B`: binds B in models
                    if owner is not None:
                        summary.external_assigns.append((owner, target.attr))
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            names = list(assigned_names(stmt.target))
            if isinstance(stmt.target, ast.Name) and isinstance(stmt.iter, (ast.Tuple, ast.List)):
                found = [self.name(element) for element in stmt.iter.elts]
                summary.loop_names[stmt.target.id] = tuple(name for name in found if name)
        for name in names:
            summary.first_bound.setdefault(name, stmt.lineno)

    def assignment(self, stmt: ast.Assign | ast.AnnAssign, guarded: bool = False) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = stmt.value
        resolve = self.resolver(())
        if value is None:
            return
        if not names:  # `opts, registry = build()`: matched item by item
            texpr = FunctionTypes.module_level(resolve).of(value)
            self.globals.bind_targets(targets, texpr, guarded, frozenset())
            return
        type_alias = isinstance(stmt, ast.AnnAssign) and _is_type_alias_annotation(stmt.annotation)
        if isinstance(value, TYPE_EXPRESSION_NODES) or type_alias:
            source = ast.unparse(value)
            for name in names:
                self.summary.type_aliases[name] = source
        text = value.value if isinstance(value, ast.Constant) else None
        if isinstance(text, str) and len(text) <= MAX_CONSTANT:
            self.summary.strings.update(dict.fromkeys(names, text))
        texpr = (
            annotation_type(stmt.annotation, resolve)
            if isinstance(stmt, ast.AnnAssign) and not type_alias
            else None
        )
        if isinstance(value, ast.Call):
            site = self.module_call(value)
            if site is not None:
                for name in names:
                    self.summary.assigns[name] = site
        texpr = texpr or FunctionTypes.module_level(resolve).of(value)
        self.globals.bind_targets(targets, texpr, guarded, frozenset())
        if not texpr and isinstance(value, ast.Subscript):
            annotated_type, depends = self.annotation_depends(value, ())
            if depends:
                self.summary.depends.update(depends)
                for name in names:
                    self.summary.aliases[name] = AliasInfo(
                        name, stmt.lineno, annotated_type, depends
                    )
        if isinstance(value, (*TYPE_EXPRESSION_NODES, ast.Call)) and not guarded:
            for name in names:
                self.alias(name, stmt.lineno, value)

    def module_call(self, node: ast.Call) -> CallSite | None:
        site = self.call(node, ())
        if site is not None:
            self.summary.calls.append(site)
            self.collect_depends(site)
        return site


# `type X = ...`: Python 3.12's node, or before it the one core/newer_syntax.py makes
TYPE_ALIAS_NODES: tuple[type[ast.stmt], ...] = (TYPE_ALIAS,)
# module-level values that may be a type alias: `Hero2 = Hero`, `Heroes = list[Hero]`, `A | B`
TYPE_EXPRESSION_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp)
ROOT_MODELS = frozenset({"pydantic.RootModel", "pydantic.root_model.RootModel"})
CLASS_VAR_NAMES = frozenset({"typing.ClassVar", "typing_extensions.ClassVar"})


def _is_type_alias_annotation(annotation: ast.expr) -> bool:
    """`X: TypeAlias = ...`."""
    parts = dotted_parts(annotation)
    return parts is not None and parts[-1] == "TypeAlias"


def hidden_field(stmt: ast.AnnAssign, name: NameResolver) -> bool:
    """An annotated class attribute that pydantic does not send: private (`_x`), a `ClassVar`,
    a SQLModel `Relationship()`, or `Field(exclude=True)` (also as `Annotated` metadata)."""
    if _private_or_class_var(stmt, name):
        return True
    annotation = stmt.annotation
    calls = [stmt.value] if isinstance(stmt.value, ast.Call) else []
    if (
        isinstance(annotation, ast.Subscript)
        and name(annotation.value) in ANNOTATED_NAMES
        and isinstance(annotation.slice, ast.Tuple)
    ):
        calls += [e for e in annotation.slice.elts[1:] if isinstance(e, ast.Call)]
    for call in calls:
        callee = (name(call.func) or "").rpartition(".")[2]
        if callee in ("Relationship", "PrivateAttr"):
            return True
        if callee == "Field" and any(
            k.arg == "exclude" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        ):
            return True
    return False


def not_a_field(stmt: ast.AnnAssign, name: NameResolver) -> bool:
    """An annotated class attribute that is no pydantic field at all: private, a ClassVar, or
    a SQLModel `Relationship()` (its annotation is SQLAlchemy's business)."""
    if _private_or_class_var(stmt, name):
        return True
    value = stmt.value
    return isinstance(value, ast.Call) and (name(value.func) or "").endswith("Relationship")


def _private_or_class_var(stmt: ast.AnnAssign, name: NameResolver) -> bool:
    assert isinstance(stmt.target, ast.Name)
    annotation = stmt.annotation
    return stmt.target.id.startswith("_") or (
        isinstance(annotation, ast.Subscript) and name(annotation.value) in CLASS_VAR_NAMES
    )


def returns_async_wrapper(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`def deco(fn): async def wrapper(*a, **k): ... fn(*a, **k) ...; return wrapper`: the
    decorated sync function then runs on the event loop."""
    nested = {stmt.name for stmt in node.body if isinstance(stmt, ast.AsyncFunctionDef)}
    return bool(nested) and any(
        isinstance(stmt, ast.Return)
        and isinstance(stmt.value, ast.Name)
        and stmt.value.id in nested
        for stmt in node.body
    )


def _self_attributes(
    init: ast.FunctionDef | ast.AsyncFunctionDef, types: FunctionTypes
) -> list[tuple[str, str]]:
    """`self.x = <typed value>` and `self.x: T = ...` in `__init__`."""
    found = []
    for node in ast.walk(init):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
            texpr = annotation_type(node.annotation, types.name)
            if texpr and isinstance(node.target, ast.Attribute):
                found.append((node.target.attr, texpr))
                continue
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                texpr = types.of(value)
                if texpr:
                    found.append((target.attr, texpr))
    return found


def summarize(
    tree: ast.Module, module: str, path: str, is_package: bool, digest: str
) -> ModuleSummary:
    """The summary of one parsed module."""
    summary = ModuleSummary(module, path, is_package, digest)
    summary.bindings = module_bindings(tree, module, is_package)
    _Summarizer(summary).module_level(tree)
    return summary
