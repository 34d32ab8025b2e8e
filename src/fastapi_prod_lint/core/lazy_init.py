"""Writes that are not per-request state although they store into shared objects: a
singleton made on first use from no data of the request, or a patch or set-up done once behind
a once-flag (FPL401, FPL404). Also what "data of the request" is, in the function being walked:
its parameters, what is computed from them, and `ContextVar` values."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.imports import FUNCTION_NODES, inner_blocks, walk_own_scope

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext

CONTEXT_VARS = frozenset({"contextvars.ContextVar"})  # one value per request
RECEIVER_NAMES = frozenset({"self", "cls", "mcs"})


def request_data(ctx: ModuleContext) -> frozenset[str]:
    """The names that hold data of the request being served, in the function the walk is in:
    its parameters and those of the functions it is nested in (not `self`/`cls`), and every
    local assigned from an expression that uses one or reads a `ContextVar`, transitively."""
    scopes = [s.node for s in ctx.scopes if isinstance(s.node, FUNCTION_NODES)]
    if not scopes:
        return frozenset()
    function = scopes[-1]
    key = ("request_data", id(function))
    found = ctx.memo.get(key)
    if isinstance(found, frozenset):
        return found
    tainted = {
        a.arg
        for node in scopes
        for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
        if a.arg not in RECEIVER_NAMES
    }
    tainted.update(a.arg for node in scopes for a in (node.args.vararg, node.args.kwarg) if a)
    body: list[ast.AST] = (
        [function.body] if isinstance(function, ast.Lambda) else list(function.body)
    )
    flows: list[tuple[set[str], ast.AST]] = []
    for node in walk_own_scope(body):
        for target, value in bindings(node):
            names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            if names:
                flows.append((names, value))
                if reads_context_var(value, ctx):
                    tainted |= names
    changed = True
    while changed:
        changed = False
        for names, value in flows:
            if not names <= tainted and uses(value, tainted):
                tainted |= names
                changed = True
    result = ctx.memo[key] = frozenset(tainted)
    return result


def reads_context_var(expr: ast.AST, ctx: ModuleContext) -> bool:
    """`current_user.get()` of a module-level `ContextVar`: the value of this request."""
    for node in ast.walk(expr):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
        ):
            dotted = ctx.qualified_name(node.func.value)
            if dotted is not None and ctx.index.created_by(dotted) in CONTEXT_VARS:
                return True
    return False


def bindings(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(target, value) of what a statement or expression binds."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield target, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        if node.value is not None:
            yield node.target, node.value
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        yield node.target, node.iter
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield item.optional_vars, item.context_expr


def uses(expr: ast.AST, names: frozenset[str] | set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))


def lazy_init(target: ast.expr, ctx: ModuleContext) -> bool:
    """Every write of `target` (a name or a name chain: `_client`, `cls._instance`) in the
    function sits under an `if` that tests it (`if _client is None:`, or after `if _client is
    not None: return _client`) and stores no data of the request: a singleton made on first
    use, the same for every request. (`if user is None: user = decode(token)` stores request
    data: the first caller's value sticks for all.)

    The `if` may test a once-flag instead: shared state the function sets to a constant
    (`if _patched: return` ... `_patched = True`), shared state the guarded block itself
    fills (`if _original_get is None: _original_get = Handler.get; Handler.get = fake`), or
    `hasattr(Owner, "...")` for an attribute of `Owner`: a patch or a set-up done once. A
    name set to two constants (`_busy = True` ... `_busy = False`) is a toggle, not a
    singleton."""
    function = ctx.enclosing_function()
    if function is None or isinstance(function, ast.Lambda):
        return False
    text = ast.unparse(target)
    key = ("lazy", id(function), text)
    known = ctx.memo.get(key)
    if isinstance(known, bool):
        return known
    found: list[tuple[ast.expr | None, bool]] = []
    _guarded_writes(function.body, _Guard(text, function), False, found)
    tainted = request_data(ctx)
    constants = {value.value for value, _ in found if isinstance(value, ast.Constant)}
    result = (
        len(constants) < 2
        and bool(found)
        and all(
            guarded
            and value is not None
            and not uses(value, tainted)
            and not reads_context_var(value, ctx)
            for value, guarded in found
        )
    )
    ctx.memo[key] = result
    return result


NOT_CONSTANT = object()


class _Guard:
    """What an `if` may test to guard writes of `text` in `function` (see `lazy_init`)."""

    def __init__(self, text: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.text = text
        self.owner = text.rpartition(".")[0]
        self.declared = {
            name
            for node in ast.walk(function)
            if isinstance(node, ast.Global)
            for name in node.names
        }
        # once-flags: shared state the function only ever sets to one constant (a flag also
        # reset, `busy = True` ... `busy = False`, guards nothing: it is per-request state)
        values: dict[str, set[object]] = {}
        for node in ast.walk(function):
            for target, value in bindings(node):
                if self._shared(target):
                    constant = value.value if isinstance(value, ast.Constant) else NOT_CONSTANT
                    values.setdefault(ast.unparse(target), set()).add(constant)
        self.flags = {
            chain
            for chain, seen in values.items()
            if len(seen) == 1 and NOT_CONSTANT not in seen and chain != text
        }

    def _shared(self, target: ast.AST) -> bool:
        """Module or class state, not a local: a `global` name or an attribute chain."""
        if isinstance(target, ast.Name):
            return target.id in self.declared
        while isinstance(target, ast.Attribute):
            target = target.value
        return isinstance(target, ast.Name)

    def tests(self, stmt: ast.If) -> bool:
        test = stmt.test
        if _mentions(test, self.text) or any(_mentions(test, flag) for flag in self.flags):
            return True
        filled = {
            ast.unparse(target)
            for inner in stmt.body
            for node in ast.walk(inner)
            for target, _ in bindings(node)
            if self._shared(target)
        }
        return any(_mentions(test, chain) for chain in filled - {""}) or (
            bool(self.owner) and any(_hasattr_of(node, self.owner) for node in ast.walk(test))
        )


def _setattr_value(node: ast.expr, text: str) -> ast.expr | None:
    """The value of `setattr(Owner, "name", value)` when it writes the chain `text`."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) == 3
    ):
        return None
    owner, name, value = node.args
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    return value if f"{ast.unparse(owner)}.{name.value}" == text else None


def _hasattr_of(node: ast.AST, owner: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "hasattr"
        and len(node.args) == 2
        and ast.unparse(node.args[0]) == owner
        and isinstance(node.args[1], ast.Constant)
    )


def _guarded_writes(
    body: list[ast.stmt],
    guard: _Guard,
    guarded: bool,
    found: list[tuple[ast.expr | None, bool]],
) -> None:
    """Each write of `guard.text` in `body`: the value stored (None for a `del`, a loop or
    `with` target, an augmented assignment), and whether a guard is around it."""
    text = guard.text
    for stmt in body:
        if isinstance(stmt, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        if isinstance(stmt, ast.If) and guard.tests(stmt):
            _guarded_writes(stmt.body, guard, True, found)
            _guarded_writes(stmt.orelse, guard, True, found)
            if stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
                guarded = True  # `if x is not None: return x` guards what follows
            continue
        if any(_mentions(target, text, exact=True) for target, _ in bindings(stmt)) or (
            isinstance(stmt, ast.Delete)
            and any(_mentions(target, text, exact=True) for target in stmt.targets)
        ):
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            found.append((value, guarded))
        elif isinstance(stmt, ast.Expr) and (value := _setattr_value(stmt.value, text)):
            found.append((value, guarded))
        for inner in inner_blocks(stmt):
            _guarded_writes(inner, guard, guarded, found)


def _mentions(expr: ast.AST, text: str, exact: bool = False) -> bool:
    """`expr` is (`exact`) or holds the name chain `text`."""
    if exact:
        if isinstance(expr, (ast.Tuple, ast.List)):
            return any(_mentions(e, text, True) for e in expr.elts)
        if isinstance(expr, ast.Starred):
            return _mentions(expr.value, text, True)
        return isinstance(expr, (ast.Name, ast.Attribute)) and ast.unparse(expr) == text
    return any(
        isinstance(node, (ast.Name, ast.Attribute)) and ast.unparse(node) == text
        for node in ast.walk(expr)
    )
