"""Which names an annotation makes pydantic look up (FPL501-FPL503): only where a type goes;
`Literal[...]` values, `Annotated[...]` metadata and call arguments are values, never names."""

from __future__ import annotations

import ast
from collections.abc import Callable

from fastapi_prod_lint.core.models import parse_type

Form = Callable[[ast.expr], "str | None"]  # a subscript's head -> LITERAL, ANNOTATED or None
LITERAL = "Literal"
ANNOTATED = "Annotated"
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Where a node of an annotation sits: a type; an argument of a call in a type (a value, but
# `conlist(Item)` holds `Item`); the metadata of `Annotated[...]` (values only).
TYPE, ARGUMENT, METADATA = range(3)


def spelled_form(head: ast.expr) -> str | None:
    """A subscript's head read by its spelling (`Literal`, `typing.Literal`, `te.Literal`): for
    a head its module does not bind (`from typing import *`), or with no module at hand."""
    if isinstance(head, ast.Name):
        name = head.id
    elif isinstance(head, ast.Attribute):
        name = head.attr
    else:
        return None
    return name if name in (LITERAL, ANNOTATED) else None


def annotation_names(
    source: str, everything: bool, form: Form = spelled_form, types_only: bool = False
) -> frozenset[str]:
    """The names an annotation makes pydantic look up: those in its string parts, or all of
    them under `from __future__ import annotations` (the whole text is evaluated then).

    A string is a forward reference only where a type goes. `Literal[...]` holds values, and
    so do the metadata of `Annotated[...]` (its first argument is the type) and the arguments
    of calls (`Field(examples=["free"])`, `Depends(get_db)`, `Doc("...")`): their strings are
    never names, but the names in them are looked up when the text is evaluated (a lambda's
    body and a comprehension's own variables excepted). `types_only`: the names outside the
    metadata, those that can be the classes a field holds. `form` tells `Literal` and
    `Annotated` apart (`ForwardRefs.form` resolves them in the annotation's module)."""
    expr = parse_type(source)
    if expr is None:
        return frozenset()
    found: set[str] = set()
    # (node, its names are looked up, where it sits)
    stack: list[tuple[ast.AST, bool, int]] = [(expr, everything, TYPE)]
    while stack:
        node, counts, where = stack.pop()
        if where == METADATA and types_only:
            continue
        if isinstance(node, ast.Constant):
            text = node.value if isinstance(node.value, str) and where == TYPE else None
            inner = parse_type(text) if text is not None else None
            if inner is not None:
                stack.append((inner, True, TYPE))
        elif isinstance(node, ast.Name):
            if counts:
                found.add(node.id)
        elif isinstance(node, ast.Attribute):
            stack.append((node.value, counts, where))
        elif isinstance(node, ast.Subscript):
            stack.append((node.value, counts, where))
            kind = form(node.value)
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if kind == ANNOTATED and elements:
                stack.append((elements[0], counts, where))
                stack.extend((metadata, counts, METADATA) for metadata in elements[1:])
            elif kind != LITERAL:
                stack.append((node.slice, counts, where))
        elif isinstance(node, (ast.Call, ast.Lambda)):
            inside = max(where, ARGUMENT)  # (in metadata it stays metadata)
            arguments: list[ast.expr | None]
            if isinstance(node, ast.Call):
                stack.append((node.func, counts, where))
                arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            else:  # a lambda's body runs when it is called, if ever
                arguments = [*node.args.defaults, *node.args.kw_defaults]
            stack.extend((arg, counts, inside) for arg in arguments if arg is not None)
        elif isinstance(node, COMPREHENSIONS):
            if counts:
                found.update(_comprehension_names(node))
        else:
            stack.extend((child, counts, where) for child in ast.iter_child_nodes(node))
    return frozenset(found)


def _comprehension_names(
    node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
) -> set[str]:
    """The names a comprehension reads but does not bind itself."""
    own = {
        name.id
        for generator in node.generators
        for name in ast.walk(generator.target)
        if isinstance(name, ast.Name)
    }
    return {
        name.id
        for name in ast.walk(node)
        if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Load) and name.id not in own
    }
