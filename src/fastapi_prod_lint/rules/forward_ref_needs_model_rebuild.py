"""FPL501 forward-ref-needs-model-rebuild."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.forward_refs import forward_refs, is_model
from fastapi_prod_lint.core.models import PYDANTIC_DATACLASS, short
from fastapi_prod_lint.core.pydantic_version import Options as PydanticOptions
from fastapi_prod_lint.core.pydantic_version import project_major
from fastapi_prod_lint.core.rule import Rule

V1_STATE = "keeps a `ForwardRef` field under pydantic 1"
V1_THROUGH = "fails to validate under pydantic 1"


class ForwardRefNeedsModelRebuild(Rule):
    """FPL501: Checks for pydantic models that stay "not fully defined" at runtime.

    ## What it does
    Reports a pydantic model (`BaseModel`, `RootModel`, `SQLModel` and their subclasses, across
    modules) whose field annotations name something its module never binds at runtime: a name
    imported only under `if TYPE_CHECKING:` and used in a string annotation (or under
    `from __future__ import annotations`), or a name bound nowhere, when no `model_rebuild()`
    that runs supplies it. A model whose fields or bases use such a model is reported too.
    A name bound anywhere at module level (an import at the bottom of the module, a class defined
    later, `models.B = B` from another module) is fine: pydantic looks again on first use.
    Method signatures are not looked up, and the strings in `Literal[...]`, in the metadata of
    `Annotated[...]` (only its type argument is an annotation) and in the arguments of
    `Field(...)` and other calls are values, not names: `Annotated[str, Field(examples=["free"])]`
    needs nothing (under `from __future__ import annotations` the names those calls use, such
    as a validator, must still be bound).

    A model that uses an incomplete model builds it inline, and then the outer model's own name
    is found (`Team` with `heroes: list[Hero]` is complete while `Hero`, which needs `Team`, is
    not); models that use each other are judged together, so the verdict is the same whichever
    file is checked first.

    Under pydantic 1 (the project declares `pydantic<2` or `sqlmodel<0.0.14`, or sets
    `pydantic-version = 1`; a `pydantic.v1` model in any project) a name is looked up once, when
    the class is created: a name bound below the class is not found either, until an
    `update_forward_refs()` that runs finds it in the model's module or among the names passed
    to it (`update_forward_refs(Team=Team)`). Nothing is built inline: a model that uses such a
    model fails to validate too.

    ## Why is this bad?
    The class is created without complaint, FastAPI registers the routes that use it, and then
    the first request fails with "`Hero` is not fully defined; you should define `Team`, then
    call `Hero.model_rebuild()`": a 500 for that route, and `/docs` breaks for the whole app.
    It is the usual outcome of breaking an import cycle between model modules with
    `TYPE_CHECKING`.

    ## Example
    ```python
    from typing import TYPE_CHECKING

    from pydantic import BaseModel

    if TYPE_CHECKING:
        from app.teams import Team


    class Hero(BaseModel):
        name: str
        team: "Team | None" = None
    ```

    Use instead:
    ```python
    from typing import TYPE_CHECKING

    from pydantic import BaseModel

    if TYPE_CHECKING:
        from app.teams import Team


    class Hero(BaseModel):
        name: str
        team: "Team | None" = None


    from app.teams import Team  # noqa: E402  (bound at runtime: found on first use)
    ```
    Or keep the `TYPE_CHECKING` import and rebuild where both modules are imported, once:
    `Hero.model_rebuild()` in the package `__init__.py` after `from app.teams import Team`.

    ## Options
    `pydantic-version` (default 0: read from the project's declared dependencies; pydantic 2
    when it declares none). It also sets FPL502's.

    ## References
    - [pydantic: Rebuilding model schema](https://docs.pydantic.dev/latest/concepts/models/#rebuilding-model-schema)
    - [pydantic: Forward annotations](https://docs.pydantic.dev/latest/concepts/forward_annotations/)
    - [pydantic 1: Postponed annotations](https://docs.pydantic.dev/1.10/usage/postponed_annotations/)
    """

    code = "FPL501"
    Options = PydanticOptions
    name = "forward-ref-needs-model-rebuild"
    message = "Model `{model}` {state}: {why}; {fix}"
    fix_title = "Import the name at runtime, or call `model_rebuild()` where it is imported"
    added_in = "0.1.0"

    def visit_ClassDef(self, node: ast.ClassDef, ctx: ModuleContext) -> Iterator[Finding]:
        if len(ctx.scopes) != 1:  # module-level classes only
            return
        dotted = f"{ctx.module}.{node.name}" if ctx.module else node.name
        index = ctx.index
        if not is_model(index, dotted):
            return
        refs = forward_refs(index, project_major(index.root, self.options.pydantic_version))
        through = refs.broken_through(dotted)
        if through is None:
            return
        v1 = refs.major(dotted) == 1
        state = V1_STATE if v1 else "is not fully defined at runtime"
        if through:
            inner = short(through[0])
            if v1:
                state, why = V1_THROUGH, f"it uses `{inner}`, which keeps a `ForwardRef` field"
            else:
                why = f"it uses `{inner}`, which is not"
            yield self.report(
                node, ctx, model=node.name, state=state, why=why, fix=f"fix `{inner}` first"
            )
            return
        missing = refs.unresolved(dotted)
        parts = []
        for need in dict.fromkeys(missing):
            if need.name in need.module.first_bound:  # pydantic 1 only: bound too late
                parts.append(f"`{need.name}` is bound only below the class")
            elif need.name in need.module.bindings:
                parts.append(f"`{need.name}` is bound only under `TYPE_CHECKING`")
            else:
                parts.append(f"`{need.name}` is not bound in `{need.module.module}`")
        why = ", ".join(dict.fromkeys(parts))
        names = ", ".join(dict.fromkeys(f"`{need.name}`" for need in missing))
        if v1:
            passed = ", ".join(dict.fromkeys(f"{need.name}={need.name}" for need in missing))
            fix = (
                f"call `{node.name}.update_forward_refs({passed})` where {names} is imported "
                "(pydantic 1 looks names up only when the class is created, and the first "
                "validation raises `ConfigError`: field not yet prepared)"
            )
        else:
            located = index.class_(dotted)
            dataclass = located is not None and any(
                index.canonical(d) in PYDANTIC_DATACLASS for d in located[1].decorators
            )
            rebuild = (
                f"rebuild_dataclass({node.name})" if dataclass else f"{node.name}.model_rebuild()"
            )
            fix = f"call `{rebuild}` where {names} is imported (the package `__init__.py`, say)"
        yield self.report(node, ctx, model=node.name, state=state, why=why, fix=fix)
