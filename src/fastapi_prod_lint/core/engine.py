"""One walk for all enabled rules over one module, then suppressions: what every front end
reports for a file. Projects, caching and parallelism are the runner's."""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.config import Settings
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE, Finding
from fastapi_prod_lint.core.imports import CHILD_FIELDS, live_statements, module_bindings
from fastapi_prod_lint.core.newer_syntax import parse_newer
from fastapi_prod_lint.core.noqa import filter_suppressed
from fastapi_prod_lint.core.project import ProjectIndex
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.syntax import TARGET_VERSION_KEY, describe, is_template, project_target

Hook = Callable[[Any, ModuleContext], Iterable[Finding]]


class Dispatch:
    """The enabled rules' hooks by node type: `visit_Call` of every rule runs on each Call."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.visit: dict[type[ast.AST], list[Hook]] = {}
        self.leave: dict[type[ast.AST], list[Hook]] = {}
        for rule in rules:
            for attr, hook in rule.hooks():
                kind, _, node_name = attr.partition("_")
                node_type = getattr(ast, node_name)
                table = self.visit if kind == "visit" else self.leave
                table.setdefault(node_type, []).append(hook)


_ENTER, _EXIT, _LEAVE = "enter", "exit", "leave"
_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
_OUTER_FIELDS = {kind: tuple(f for f in CHILD_FIELDS[kind] if f != "body") for kind in _SCOPE_TYPES}


@functools.lru_cache(maxsize=32)
def dispatch_for(rules: tuple[Rule, ...]) -> Dispatch:
    """The dispatch table of a set of rule instances, built once, not for every file."""
    return Dispatch(rules)


def walk(tree: ast.Module, ctx: ModuleContext, dispatch: Dispatch) -> Iterator[Finding]:
    """Visit every node once, iteratively (a 2,000-level expression cannot overflow the stack).

    Decorators, defaults and annotations run in the enclosing scope, as Python evaluates them;
    the body runs in the function's or class's own scope. Markers on the stack are tuples;
    written for speed, as this loop touches every node of every file.
    """
    visit_hooks, leave_hooks = dispatch.visit, dispatch.leave
    ctx.push_scope(tree)
    stack: list[Any] = list(reversed(live_statements(tree.body)))
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is tuple:
            action, node = item
            if action is _ENTER:
                ctx.push_scope(node)
            elif action is _EXIT:
                ctx.pop_scope()
            else:
                for hook in leave_hooks[type(node)]:
                    yield from hook(item[1], ctx)
            continue
        if not isinstance(item, ast.AST):  # strings of Global.names, None in Dict.keys
            continue
        hooks = visit_hooks.get(kind)
        if hooks:
            for hook in hooks:
                yield from hook(item, ctx)
        if kind in leave_hooks:
            push((_LEAVE, item))
        fields = CHILD_FIELDS[kind]
        if kind in _SCOPE_TYPES:  # the body in its own scope, the rest in the enclosing one
            body = item.body  # type: ignore[attr-defined]
            push((_EXIT, item))
            if type(body) is list:
                extend(reversed(live_statements(body)))
            else:
                push(body)
            push((_ENTER, item))
            fields = _OUTER_FIELDS[kind]
        for name in reversed(fields):
            value = getattr(item, name, None)
            if type(value) is list:
                if value and isinstance(value[0], ast.stmt):
                    value = live_statements(value)
                extend(reversed(value))
            elif isinstance(value, ast.AST):
                push(value)
    ctx.pop_scope()


def syntax_error_finding(
    path: str,
    error: SyntaxError,
    lines: list[str],
    data: bytes | str = b"",
    root: Path | None = None,
    settings: Settings | None = None,
) -> Finding | None:
    """FPL001 for a file that does not parse; None for a template, which is no Python. Syntax
    newer than the running Python is named, with the Python the project targets (`root`'s
    `requires-python`, or the `target-version` of `settings`) and whether the index could keep
    the module's facts all the same (core/newer_syntax.py)."""
    if is_template(error, lines, path):
        return None
    line = error.lineno or 1
    col = max((error.offset or 1) - 1, 0)
    newer = parse_newer(data, error) if data else None
    setting = str(settings.options.get(TARGET_VERSION_KEY, "")) if settings else ""
    target = project_target(root, setting) if root is not None else None
    message = describe(error, lines, target, newer.constructs if newer else None)
    return Finding(path, line, col, SYNTAX_ERROR_CODE, message)


def decode_lines(data: bytes | str) -> list[str]:
    """The source's lines with their ends, for noqa comments (a BOM is dropped)."""
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff").splitlines(keepends=True)


def finish(
    findings: Iterable[Finding], lines: list[str], settings: Settings, relpath: str
) -> list[Finding]:
    """Per-file ignores, noqa comments, duplicates and order: what every front end reports."""
    ignored = settings.ignored_codes_for(relpath)
    kept = {f for f in findings if not any(f.code.startswith(code) for code in ignored)}
    return sorted(filter_suppressed(kept, lines))


def check_tree(
    tree: ast.Module,
    lines: list[str],
    display_path: str,
    abs_path: Path,
    index: ProjectIndex,
    settings: Settings,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Every enabled rule's findings for one parsed module (the index holds its summary when
    the module is part of the project, with the same content: see `Project.overlay`)."""
    entry = index.by_path.get(str(abs_path))
    if entry is not None:
        name, is_package, bindings = entry.module, entry.is_package, entry.summary.bindings
    else:
        name, is_package = index.layout.module_name(abs_path)
        bindings = module_bindings(tree, name, is_package)
    ctx = ModuleContext(display_path, name, is_package, lines, index, bindings)
    dispatch = dispatch_for(settings.enabled_rules() if rules is None else tuple(rules))
    return finish(walk(tree, ctx, dispatch), lines, settings, relpath(index.root, abs_path))


def relpath(root: Path, path: Path) -> str:
    """`path` relative to `root`, posix style (the path itself when outside the root)."""
    rel = os.path.relpath(path if path.is_absolute() else path.resolve(), root)
    return path.as_posix() if rel.startswith("..") else rel.replace(os.sep, "/")
