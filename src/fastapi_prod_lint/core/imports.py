"""Name bindings of a module and of function scopes: alias -> canonical dotted name."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from typing import Any, NamedTuple

BUILTIN_NAMES = frozenset(dir(builtins))

# Fields that never hold a node (identifiers, flags, Load/Store contexts, constants' values):
# skipping them makes the walks over every node of every file markedly cheaper.
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "arg",
        "name",
        "module",
        "level",
        "type_comment",
        "kind",
        "conversion",
        "is_async",
        "tag",
        "simple",
    }
)
CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(
        field
        for field in cls._fields
        if field not in _LEAF_FIELDS and not (cls is ast.Constant and field == "value")
    )
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class Binding(NamedTuple):
    """What a module-level name is bound to.

    kind: "import" (target is the canonical dotted name), "function", "class" or "assign"
    (target is the dotted name of the module-level definition itself).
    """

    kind: str
    target: str
    line: int
    type_checking: bool = False


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module named by `from <level dots><name> import ...` inside `module`."""
    if level == 0:
        return name or ""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if name:
        return f"{base}.{name}" if base else name
    return base


def import_bindings(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool
) -> Iterator[tuple[str, str]]:
    """(local name, canonical dotted name) for every name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
        return
    source = resolve_relative(module, is_package, node.level, node.module)
    for alias in node.names:
        if alias.name == "*":
            continue
        target = f"{source}.{alias.name}" if source else alias.name
        yield alias.asname or alias.name, target


def is_type_checking_test(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def is_main_guard(test: ast.expr) -> bool:
    """`if __name__ == "__main__":`: its body does not run when the module is imported."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def top_level_statements(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, bool]]:
    """Statements that run at module level, descending into if/try/with blocks.

    Yields (statement, guarded): guarded statements do not run when the module is imported
    (`if TYPE_CHECKING:` and `if __name__ == "__main__":` blocks).
    """
    stack: list[tuple[ast.stmt, bool]] = [(stmt, False) for stmt in reversed(body)]
    while stack:
        stmt, type_checking = stack.pop()
        yield stmt, type_checking
        children: list[tuple[list[ast.stmt], bool]] = []
        if isinstance(stmt, ast.If):
            guarded = type_checking or is_type_checking_test(stmt.test) or is_main_guard(stmt.test)
            children = [(stmt.body, guarded), (stmt.orelse, type_checking)]
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            try_stmt: ast.Try = stmt  # type: ignore[assignment]
            children = [(try_stmt.body, type_checking), (try_stmt.orelse, type_checking)]
            children += [(handler.body, type_checking) for handler in try_stmt.handlers]
            children.append((try_stmt.finalbody, type_checking))
        elif isinstance(stmt, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            children = [(stmt.body, type_checking)]
        for block, guarded in reversed(children):
            stack.extend((child, guarded) for child in reversed(block))


def assigned_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from assigned_names(element)
    elif isinstance(target, ast.Starred):
        yield from assigned_names(target.value)


def module_bindings(tree: ast.Module, module: str, is_package: bool) -> dict[str, Binding]:
    """Every module-level name and what it is bound to; the last binding in source order wins."""
    bindings: dict[str, Binding] = {}
    prefix = f"{module}." if module else ""
    for stmt, type_checking in top_level_statements(tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for local, target in import_bindings(stmt, module, is_package):
                bindings[local] = Binding("import", target, stmt.lineno, type_checking)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bindings[stmt.name] = Binding("function", prefix + stmt.name, stmt.lineno)
        elif isinstance(stmt, ast.ClassDef):
            bindings[stmt.name] = Binding("class", prefix + stmt.name, stmt.lineno)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for assigned in targets:
                for name in assigned_names(assigned):
                    # `try: import x / except ImportError: x = None` keeps meaning the import
                    if name not in bindings or bindings[name].kind != "import":
                        bindings[name] = Binding("assign", prefix + name, stmt.lineno)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):  # `for model in (A, B):`
            for name in assigned_names(stmt.target):
                bindings.setdefault(name, Binding("assign", prefix + name, stmt.lineno))
    return bindings


class LocalScope(NamedTuple):
    """Names bound inside one function: its parameters, assignments and local imports."""

    names: frozenset[str]
    imports: dict[str, str]


TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
TYPING_NODES = frozenset(
    {ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.Return, ast.Yield, ast.YieldFrom}
)


def inner_blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists a compound statement holds: its body, `else`, `finally`, each
    `except` handler and each `case`, in source order."""
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(stmt, field, None)
        if isinstance(inner, list):
            yield inner
    for holder in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
        yield holder.body


def live_statements(statements: list[Any]) -> list[Any]:
    """A block up to its first unconditional return/raise/continue/break: what follows it in
    the same block never runs, so no rule looks at it."""
    for position, statement in enumerate(statements):
        if isinstance(statement, TERMINATORS):
            return statements[: position + 1]
    return statements


def walk_own_scope(nodes: list[ast.AST]) -> Iterator[ast.AST]:
    """Every node of a scope's body, not descending into nested scopes' bodies.

    Nested functions and classes are yielded themselves (their names are bound here) but their
    insides are not. Written for speed: this runs over every function of every module.
    """
    stack: list[Any] = list(reversed(live_statements(nodes)))
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if not isinstance(node, ast.AST):  # strings of Global.names, None in Dict.keys
            continue
        yield node
        if isinstance(node, SCOPE_NODES):
            continue
        for name in CHILD_FIELDS[type(node)]:
            value = getattr(node, name, None)
            if type(value) is list:
                if value and isinstance(value[0], ast.stmt):
                    value = live_statements(value)
                extend(reversed(value))
            elif isinstance(value, ast.AST):
                push(value)


class Scan(NamedTuple):
    """What one pass over a function's own body finds."""

    scope: LocalScope
    calls: list[ast.Call]  # in source order
    generator: bool
    typing_nodes: list[ast.stmt | ast.expr]  # assignments, `with`, `return`, `yield`
    ifs: list[ast.If]
    declared_global: frozenset[str]
    stores: dict[str, int]  # how many times each name is bound or deleted in the body


def scan_scope(
    func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, module: str, is_package: bool
) -> Scan:
    """A function's own bindings, the calls its body makes (in source order), whether it is a
    generator, the statements that type its names (assignments, `with`, `return`, `yield`),
    its `if` statements and its `global` names, in one pass."""
    args = func.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    imports: dict[str, str] = {}
    calls: list[ast.Call] = []
    body: list[ast.AST] = [func.body] if isinstance(func, ast.Lambda) else list(func.body)
    declared_global: set[str] = set()
    generator = False
    typing_nodes: list[Any] = []
    ifs: list[ast.If] = []
    stores: dict[str, int] = {}
    for node in walk_own_scope(body):
        kind = type(node)
        if kind is ast.Call:
            calls.append(node)  # type: ignore[arg-type]
        elif kind is ast.If:
            ifs.append(node)  # type: ignore[arg-type]
        elif kind in TYPING_NODES:
            typing_nodes.append(node)
            if kind is ast.Yield or kind is ast.YieldFrom:
                generator = True
        elif kind is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                names.add(node.id)  # type: ignore[attr-defined]
                stores[node.id] = stores.get(node.id, 0) + 1  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)  # type: ignore[attr-defined]
        elif kind in (ast.Import, ast.ImportFrom):
            for local, target in import_bindings(node, module, is_package):  # type: ignore[arg-type]
                imports[local] = target
        elif kind in (ast.Global, ast.Nonlocal):
            declared_global.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            names.add(node.name)  # type: ignore[attr-defined]
    names -= declared_global
    names -= imports.keys()
    scope = LocalScope(frozenset(names), imports)
    return Scan(scope, calls, generator, typing_nodes, ifs, frozenset(declared_global), stores)


def local_scope(
    func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, module: str, is_package: bool
) -> LocalScope:
    """The bindings a function's own body makes (its nested scopes' names included)."""
    return scan_scope(func, module, is_package).scope
