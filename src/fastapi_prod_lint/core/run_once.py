"""Calls a function makes only the first time it runs in a process: the load behind a
module-level or class-level slot that the function fills.

    def registry():
        global _registry
        if _registry is None:
            _registry = load_registry_file()   # runs once per process
        return _registry

Like a helper behind `functools.cache`, such a load is run-once work: it delays the first
request that needs it, then never blocks again. The blocking analysis does not follow these
calls (FPL102); the summariser marks them (`CallSite.once`).

Understood shapes, where `slot` is a `global` name of the function or an attribute of a class
(`cls._cache`, `Registry._cache`; not `self.x`, which may be one per request), and the
function assigns `slot` somewhere:
- `if slot is None:` / `if not slot:` / `if slot == None:` -> its body runs once;
- `if slot is not None: return slot` / `if slot: return ...` -> what follows runs once.
"""

from __future__ import annotations

import ast

from fastapi_prod_lint.core.imports import FUNCTION_NODES


def run_once_calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """id() of the calls of the function's own body that run only while its slot is empty."""
    declared = {
        n for node in ast.walk(function) if isinstance(node, ast.Global) for n in node.names
    }
    filled = {
        ast.unparse(target)
        for node in ast.walk(function)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if _slot(target, declared)
    }
    found: set[int] = set()
    if filled:
        _body(function.body, filled, False, found)
    return found


def _slot(target: ast.expr, declared: set[str]) -> bool:
    if isinstance(target, ast.Name):
        return target.id in declared
    root = target
    while isinstance(root, ast.Attribute):
        root = root.value
    return (
        isinstance(target, ast.Attribute)
        and isinstance(root, ast.Name)
        and (root.id == "cls" or root.id[:1].isupper())
    )


def _body(stmts: list[ast.stmt], filled: set[str], once: bool, found: set[int]) -> None:
    for stmt in stmts:
        if isinstance(stmt, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        if isinstance(stmt, ast.If):
            empty = _tests_empty(stmt.test, filled)
            _calls(stmt.test, once, found)
            _body(stmt.body, filled, once or empty is True, found)
            _body(stmt.orelse, filled, once or empty is False, found)
            if empty is False and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
                once = True  # `if slot is not None: return slot`: the rest fills it
            continue
        for child in ast.iter_child_nodes(stmt):
            if not isinstance(child, ast.stmt):
                _calls(child, once, found)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                _body(inner, filled, once, found)
        for holder in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
            _body(holder.body, filled, once, found)


def _tests_empty(test: ast.expr, filled: set[str]) -> bool | None:
    """True for `slot is None` / `not slot`, False for `slot is not None` / `slot`; None for
    any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _tests_empty(test.operand, filled)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        right = test.comparators[0]
        if (
            ast.unparse(test.left) in filled
            and isinstance(right, ast.Constant)
            and right.value is None
        ):
            if isinstance(test.ops[0], (ast.Is, ast.Eq)):
                return True
            if isinstance(test.ops[0], (ast.IsNot, ast.NotEq)):
                return False
        return None
    if isinstance(test, (ast.Name, ast.Attribute)) and ast.unparse(test) in filled:
        return False
    return None


def _calls(node: ast.AST, once: bool, found: set[int]) -> None:
    if not once:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            found.add(id(current))
        stack.extend(
            child
            for child in ast.iter_child_nodes(current)
            if not isinstance(child, (ast.Lambda, ast.stmt))
        )
