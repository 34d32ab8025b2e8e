"""Calls a function makes only the first time it runs in a process: the load behind a
module-level or class-level slot that the function fills.

    def registry():
        global _registry
        if _registry is None:
            _registry = load_registry_file()   # runs once per process
        return _registry

Like a helper behind `functools.cache`, such a load is run-once work: it delays the first
request that needs it, then never blocks again. The blocking analysis does not follow these
calls (FPL102); the summariser marks them (`CallSite.once` names the slot), unless some
function of the project empties the slot again (`_registry = None` in a reload): then the
load runs again after each reload, on whatever calls it.

Understood shapes, where `slot` is a `global` name of the function or an attribute of a class
(`cls._cache`, `Registry._cache`; not `self.x`, which may be one per request), and the
function assigns `slot` somewhere:
- `if slot is None:` / `if not slot:` / `if slot == None:` -> its body runs once;
- `if slot is not None: return slot` / `if slot: return ...` -> what follows runs once.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from fastapi_prod_lint.core.imports import FUNCTION_NODES, inner_blocks


def run_once_calls(
    function: ast.FunctionDef | ast.AsyncFunctionDef, filled: set[str]
) -> dict[int, str]:
    """id() of each call of the function's own body that runs only while one of the `filled`
    slots (`slot_writes`, as written) is empty -> that slot."""
    found: dict[int, str] = {}
    _body(function.body, filled, "", found)
    return found


def slot_writes(
    assignments: Iterable[ast.AST], declared: frozenset[str]
) -> list[tuple[ast.expr, ast.expr | None]]:
    """(slot, value) of the assignments (of the function's own body) that fill a slot: a
    `global` name or a class attribute."""
    return [
        (target, node.value)
        for node in assignments
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if _slot(target, declared)
    ]


def slot_resets(writes: list[tuple[ast.expr, ast.expr | None]]) -> set[str]:
    """The slots emptied (`_registry = None`): a reload that makes the next first-use load run
    again, so that load is not run-once after all."""
    return {
        ast.unparse(target)
        for target, value in writes
        if isinstance(value, ast.Constant) and value.value is None
    }


def _slot(target: ast.expr, declared: frozenset[str]) -> bool:
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


def _body(stmts: list[ast.stmt], filled: set[str], once: str, found: dict[int, str]) -> None:
    """`once`: the slot whose emptiness the statements run under ("" when none)."""
    for stmt in stmts:
        if isinstance(stmt, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        if isinstance(stmt, ast.If):
            slot, empty = _tests_empty(stmt.test, filled)
            _calls(stmt.test, once, found)
            _body(stmt.body, filled, once or (slot if empty is True else ""), found)
            _body(stmt.orelse, filled, once or (slot if empty is False else ""), found)
            if empty is False and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
                once = once or slot  # `if slot is not None: return slot`: the rest fills it
            continue
        for child in ast.iter_child_nodes(stmt):
            if not isinstance(child, ast.stmt):
                _calls(child, once, found)
        for inner in inner_blocks(stmt):
            _body(inner, filled, once, found)


def _tests_empty(test: ast.expr, filled: set[str]) -> tuple[str, bool | None]:
    """(slot, True) for `slot is None` / `not slot`, (slot, False) for `slot is not None` /
    `slot`; ("", None) for any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        slot, empty = _tests_empty(test.operand, filled)
        return slot, None if empty is None else not empty
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        slot, right = ast.unparse(test.left), test.comparators[0]
        if slot in filled and isinstance(right, ast.Constant) and right.value is None:
            if isinstance(test.ops[0], (ast.Is, ast.Eq)):
                return slot, True
            if isinstance(test.ops[0], (ast.IsNot, ast.NotEq)):
                return slot, False
        return "", None
    if isinstance(test, (ast.Name, ast.Attribute)) and ast.unparse(test) in filled:
        return ast.unparse(test), False
    return "", None


def _calls(node: ast.AST, once: str, found: dict[int, str]) -> None:
    if not once:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            found[id(current)] = once
        stack.extend(
            child
            for child in ast.iter_child_nodes(current)
            if not isinstance(child, (ast.Lambda, ast.stmt))
        )
