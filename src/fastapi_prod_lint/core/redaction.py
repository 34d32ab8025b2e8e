"""Whether a route handler passes what it sends through a redacting function.

A handler that calls `redact_secrets(...)`, `mask_api_key(...)` or `get_masked_values(...)`,
itself or through the project's helpers, replaces the secret values its response model could
hold: the model's field names no longer say what the client receives (FPL304)."""

from __future__ import annotations

import ast

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.naming import words
from fastapi_prod_lint.core.project import ProjectIndex

HELPER_DEPTH = 3  # redaction is done in the handler or a helper or two below it


def says_redact(name: str, stems: tuple[str, ...]) -> bool:
    """A word of the name starts with a redaction stem: `get_masked_values`, `redactKey`;
    whole words only, so `netmask` and `unmaskable_id` do not."""
    return any(word.startswith(stems) for word in words(name))


def handler_redacts(ctx: ModuleContext, handler: ast.AST, stems: tuple[str, ...]) -> bool:
    """Some call in the handler's body, or in a project function it calls (up to
    `HELPER_DEPTH` calls down, in any module), is named for redaction."""
    if not stems:
        return False
    helpers: list[str] = []
    for node in ast.walk(handler):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if says_redact(name, stems):
            return True
        dotted = ctx.qualified_name(func)
        if dotted is not None:
            helpers.append(dotted)
    return _helpers_redact(ctx.index, helpers, stems)


def _helpers_redact(index: ProjectIndex, dotted: list[str], stems: tuple[str, ...]) -> bool:
    seen: set[str] = set()
    level = dotted
    for _ in range(HELPER_DEPTH):
        following: list[str] = []
        for name in level:
            found = index.function(name)
            if found is None:
                continue
            key = f"{found[0].module}.{found[1].name}"
            if key in seen:
                continue
            seen.add(key)
            for site in found[1].calls:
                if says_redact(site.func.rpartition(".")[2], stems):
                    return True
                target = index.site_target(site)
                if isinstance(target, str):
                    following.append(target)
        level = following
    return False
