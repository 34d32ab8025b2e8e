"""The types of a module's globals, from every binding they get, and the project's own aliases
of a class (`NewType`, `TypeAlias`, `type X = ...`, `Annotated[...]`): facts of one module that
its summary keeps (core/summary.py) and the project index resolves (core/project.py)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from fastapi_prod_lint.core.types import (
    UNION_SEP,
    FunctionTypes,
    NameResolver,
    annotation_type,
    unpacked,
)

NEW_TYPES = frozenset({"typing.NewType", "typing_extensions.NewType"})


class GlobalBindings:
    """Every typed binding of a module's globals. A binding in the module body replaces the one
    before it (`engine = None` then `engine = Engine()`); a binding elsewhere (under the main
    guard, `global engine; engine = self` in any function) is one more type the global may
    hold: the global is typed where all its types agree. `None` and unknown values add nothing."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables  # the summary's: name -> type expression
        self.elsewhere: dict[str, set[str]] = {}

    def bind(self, name: str, texpr: str | None, elsewhere: bool) -> None:
        if not texpr:
            return
        if elsewhere:
            self.elsewhere.setdefault(name, set()).add(texpr)
        else:
            self.variables[name] = texpr

    def bind_targets(
        self, targets: Sequence[ast.expr], texpr: str | None, elsewhere: bool, only: frozenset[str]
    ) -> None:
        """`x = value` and `a, b = value` (an item of what the value holds for each name, by
        position: `opts, registry = build()`), for the names in `only` when it is not empty."""
        for target in targets:
            if isinstance(target, ast.Name):
                found = [(target.id, texpr)]
            elif isinstance(target, (ast.Tuple, ast.List)):
                found = list(unpacked(target, texpr))
            else:
                continue
            for name, item in found:
                if not only or name in only:
                    self.bind(name, item, elsewhere)

    def function_writes(
        self, nodes: list[ast.stmt | ast.expr], declared: frozenset[str], types: FunctionTypes
    ) -> None:
        """`global engine; engine = self` in a function: a binding of the module global."""
        for node in nodes:
            if isinstance(node, ast.Assign):
                self.bind_targets(node.targets, types.of(node.value), True, declared)

    def merge(self) -> None:
        """Each global's bindings as one type expression (a union when they differ)."""
        variables = self.variables
        for name, others in self.elsewhere.items():
            options = {*others, variables[name]} if name in variables else set(others)
            flat = {
                option
                for texpr in options
                for option in (texpr[2:].split(UNION_SEP) if texpr.startswith("U:") else [texpr])
            }
            variables[name] = flat.pop() if len(flat) == 1 else "U:" + UNION_SEP.join(sorted(flat))


def alias_target(value: ast.expr, resolve: NameResolver) -> str | None:
    """The class a module-level alias names: `X = NewType("X", C)`, `X: TypeAlias = C`,
    `type X = C`, `X = Annotated[C, ...]`, `X = C | None` and `X = C` all make an annotation
    `X` mean C."""
    if isinstance(value, ast.Call):
        if resolve(value.func) not in NEW_TYPES or len(value.args) != 2:
            return None
        value = value.args[1]
    texpr = annotation_type(value, resolve)
    return None if texpr is None else texpr[2:]
