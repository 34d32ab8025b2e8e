"""FPL502 model-rebuild-before-names-are-bound."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.forward_refs import (
    REBUILD_METHODS,
    ForwardRefs,
    Need,
    Rebuild,
    forward_refs,
)
from fastapi_prod_lint.core.imports import BUILTIN_NAMES, local_scope
from fastapi_prod_lint.core.models import short
from fastapi_prod_lint.core.rule import Rule


class ModelRebuildBeforeNamesAreBound(Rule):
    """FPL502: Checks for `model_rebuild()` calls that run before the names they need exist.

    ## What it does
    Reports a module-level `X.model_rebuild()` (also `update_forward_refs()`, and a rebuild in
    a module-level `for model in (A, B):` loop) that runs while a name the model's annotations
    need is still unbound: in the model's own module above the import that binds it, in a
    package `__init__.py` before the module that defines it is imported, or when the name is
    imported only under `TYPE_CHECKING`. Names passed in (`update_forward_refs(B=B)`,
    `_types_namespace={"B": B}`) count as bound; `raise_errors=False` is not reported.

    ## Why is this bad?
    `model_rebuild()` raises `PydanticUndefinedAnnotation` when a name cannot be found, so the
    module fails at import and the application does not start. The call only looks like the
    fix for a "not fully defined" model.

    ## Example
    ```python
    from pydantic import BaseModel


    class Hero(BaseModel):
        team: "Team | None" = None


    Hero.model_rebuild()

    from app.teams import Team
    ```

    Use instead:
    ```python
    from pydantic import BaseModel


    class Hero(BaseModel):
        team: "Team | None" = None


    from app.teams import Team

    Hero.model_rebuild()
    ```

    ## References
    - [pydantic: Rebuilding model schema](https://docs.pydantic.dev/latest/concepts/models/#rebuilding-model-schema)
    """

    code = "FPL502"
    name = "model-rebuild-before-names-are-bound"
    message = (
        "`{model}.model_rebuild()` runs before {names} {verb} bound: pydantic raises "
        "`PydanticUndefinedAnnotation` at import; rebuild after the import"
    )
    fix_title = "Move the rebuild below the imports that bind the names it needs"
    added_in = "0.1.0"

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in REBUILD_METHODS):
            return
        if any(
            k.arg == "raise_errors" and isinstance(k.value, ast.Constant) and not k.value.value
            for k in node.keywords
        ):
            return
        entry = ctx.index.modules.entries.get(ctx.module)
        receiver = ctx.qualified_name(func.value)
        if entry is None or receiver is None:
            return
        summary = entry.summary
        refs = forward_refs(ctx.index)
        supplied: set[str] = set()
        for keyword in node.keywords:
            if keyword.arg == "_types_namespace" and isinstance(keyword.value, ast.Dict):
                supplied |= {
                    k.value
                    for k in keyword.value.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
        function = ctx.enclosing_function()
        if function is None and not any(
            site.line == node.lineno and site.col == node.col_offset for site in summary.calls
        ):
            return  # not run on import: under `if __name__ == "__main__":`, say
        if function is None:
            sees_caller = func.attr == "model_rebuild"  # update_forward_refs() sees no caller
            rebuild = Rebuild(summary, node.lineno, frozenset(supplied), sees_caller)
        else:  # in a function: it sees the function's own names, and only when it runs
            qualname = ctx.function_qualname()
            if qualname is None or not refs.runs(qualname):
                return
            local = local_scope(function, ctx.module, ctx.is_package)
            supplied |= {*local.names, *local.imports}
            rebuild = Rebuild(summary, 0, frozenset(supplied), False)
        for model in refs.receivers(summary, receiver):
            unbound = [need for need in refs.needs(model) if not self._found(need, rebuild, refs)]
            if unbound:
                names = list(dict.fromkeys(f"`{need.name}`" for need in unbound))
                yield self.report(
                    node,
                    ctx,
                    model=short(model),
                    names=", ".join(names),
                    verb="is" if len(names) == 1 else "are",
                )

    @staticmethod
    def _found(need: Need, rebuild: Rebuild, refs: ForwardRefs) -> bool:
        """Bound by the time the rebuild runs: supplied, bound above it in the calling
        module, or bound in the model's module (above the call when that is the same one)."""
        if need.name in BUILTIN_NAMES or refs.available(need, rebuild):
            return True
        if rebuild.line and need.module.module == rebuild.module.module:
            first = need.module.first_bound.get(need.name)
            return first is not None and first < rebuild.line
        return refs.bound(need.module, need.name) or (
            need.also is not None and refs.bound(need.also, need.name)
        )
