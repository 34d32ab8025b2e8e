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
from fastapi_prod_lint.core.imports import BUILTIN_NAMES
from fastapi_prod_lint.core.models import short
from fastapi_prod_lint.core.pydantic_version import Options as PydanticOptions
from fastapi_prod_lint.core.pydantic_version import project_major
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.summary import CallSite


class ModelRebuildBeforeNamesAreBound(Rule):
    """FPL502: Checks for `model_rebuild()` calls that run before the names they need exist.

    ## What it does
    Reports a module-level `X.model_rebuild()` (also `update_forward_refs()`, and a rebuild in
    a module-level `for model in (A, B):` loop) that runs while a name the model's annotations
    need is still unbound: in the model's own module above the import that binds it, in a
    package `__init__.py` before the module that defines it is imported, or when the name is
    imported only under `TYPE_CHECKING`. Names passed in (`_types_namespace={"B": B}`, and
    under pydantic 1 `update_forward_refs(B=B)`) count as bound; `raise_errors=False` is not
    reported.
    Strings in `Literal[...]`, in `Annotated[...]` metadata and in `Field(...)` arguments are
    values: a rebuild never waits for them.

    Under pydantic 2, `update_forward_refs(B=B)` (the pydantic 1 spelling) is reported too: it
    takes no names any more. Under pydantic 1 (declared `pydantic<2` or `sqlmodel<0.0.14`, the
    `pydantic-version = 1` setting, or a `pydantic.v1` model), `update_forward_refs()` looks in
    the model's module and the names passed to it, never in the caller's module, and
    `model_rebuild()` does not exist.

    ## Why is this bad?
    `model_rebuild()` raises `PydanticUndefinedAnnotation` when a name cannot be found, so the
    module fails at import and the application does not start. The call only looks like the
    fix for a "not fully defined" model. Under pydantic 2, `update_forward_refs(B=B)` raises
    `TypeError` (after a deprecation warning); under pydantic 1, `update_forward_refs()` raises
    `NameError` for a name it cannot find.

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

    ## Options
    `pydantic-version` (default 0: read from the project's declared dependencies; pydantic 2
    when it declares none). It also sets FPL501's.

    ## References
    - [pydantic: Rebuilding model schema](https://docs.pydantic.dev/latest/concepts/models/#rebuilding-model-schema)
    - [pydantic 1: Postponed annotations](https://docs.pydantic.dev/1.10/usage/postponed_annotations/)
    """

    code = "FPL502"
    name = "model-rebuild-before-names-are-bound"
    message = "`{call}` {problem}: pydantic {raises} at import; {fix}"
    Options = PydanticOptions
    fix_title = "Move the rebuild below the imports that bind the names it needs"
    added_in = "0.1.0"

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in REBUILD_METHODS):
            return
        entry = ctx.index.modules.entries.get(ctx.module)
        if entry is None:
            return
        summary = entry.summary
        index = ctx.index
        refs = forward_refs(index, project_major(index.root, self.options.pydantic_version))
        # the summary's record of this call: its arguments, and the names the rebuild sees
        calls: tuple[CallSite, ...] | list[CallSite] = summary.calls
        local_names = None
        qualname = ctx.function_qualname()
        if qualname is not None:  # in a function: only when it runs, seeing its own names
            info = summary.functions.get(qualname.removeprefix(f"{ctx.module}."))
            if info is None or not refs.runs(qualname):
                return
            calls, local_names = info.calls, frozenset(info.local_names)
        site = next((s for s in calls if s.line == node.lineno and s.col == node.col_offset), None)
        if site is None:
            return  # not run on import: under `if __name__ == "__main__":`, say
        rebuild = refs.rebuild_at(summary, site, local_names)
        if rebuild is None:
            return
        for model in refs.rebuilt_models(summary, site):
            found = self._problem(model, rebuild, refs)
            if found is not None:
                problem, raises, fix = found
                call = (
                    f"rebuild_dataclass({short(model)})"
                    if rebuild.method == "rebuild_dataclass"
                    else f"{short(model)}.{rebuild.method}()"
                )
                yield self.report(node, ctx, call=call, problem=problem, raises=raises, fix=fix)

    def _problem(
        self, model: str, rebuild: Rebuild, refs: ForwardRefs
    ) -> tuple[str, str, str] | None:
        """(what is wrong, what pydantic raises, what to do) for one rebuilt model."""
        name = short(model)
        v1 = refs.major(model) == 1
        if rebuild.method == "rebuild_dataclass":
            pass  # pydantic 2 only, and it takes no names
        elif v1 and rebuild.method != "update_forward_refs":
            return (
                "does not exist in pydantic 1",
                "1 raises `AttributeError`",
                f"call `{name}.update_forward_refs()`",
            )
        elif not v1 and rebuild.method == "update_forward_refs" and rebuild.passed:
            passed = ", ".join(f"`{key}`" for key in sorted(rebuild.passed))
            return (
                f"passes names ({passed})",
                "2 raises `TypeError` (it takes none)",
                f"call `{name}.model_rebuild()` after the imports instead",
            )
        major = 1 if v1 else 2
        unbound = [
            need for need in refs.needs(model) if not self._found(need, rebuild, refs, major)
        ]
        if not unbound:
            return None
        names = list(dict.fromkeys(f"`{need.name}`" for need in unbound))
        problem = f"runs before {', '.join(names)} {'is' if len(names) == 1 else 'are'} bound"
        if v1:
            return problem, "1 raises `NameError`", "pass the names, or call it after the import"
        return problem, "raises `PydanticUndefinedAnnotation`", "rebuild after the import"

    @staticmethod
    def _found(need: Need, rebuild: Rebuild, refs: ForwardRefs, major: int) -> bool:
        """Bound by the time the rebuild runs: supplied, bound above it in the calling
        module, or bound in the model's module (above the call when that is the same one)."""
        if need.name in BUILTIN_NAMES or refs.available(need, rebuild, major):
            return True
        return major != 1 and refs.bound_by(need, rebuild)
