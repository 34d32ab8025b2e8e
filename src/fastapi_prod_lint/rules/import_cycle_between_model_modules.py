"""FPL504 import-cycle-between-model-modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.forward_refs import is_model
from fastapi_prod_lint.core.import_simulation import import_failures, in_import_cycle
from fastapi_prod_lint.core.rule import Rule


class ImportCycleBetweenModelModules(Rule):
    """FPL504: Checks for import cycles between model modules that fail when the app starts.

    ## What it does
    Runs the project's module-level imports in the order Python does when the application
    starts (the modules that create the FastAPI app first, then every module) and reports a
    `from x import Y` that runs while `x` is only partly executed and has not bound `Y` yet,
    when the modules in the cycle define pydantic or SQLModel models. Imports under
    `if TYPE_CHECKING:` and inside functions are not part of the cycle. The message shows the
    cycle.

    ## Why is this bad?
    Python raises `ImportError: cannot import name 'Team' from partially initialized module
    'app.models.team' (most likely due to a circular import)` and the application does not
    start. Models that refer to each other (a hero has a team, a team has heroes) are the usual
    cause, once they live in separate modules.

    ## Example
    ```python
    # app/models/hero.py
    from pydantic import BaseModel

    from app.models.team import Team


    class Hero(BaseModel):
        team: Team | None = None


    # app/models/team.py
    from pydantic import BaseModel

    from app.models.hero import Hero


    class Team(BaseModel):
        heroes: list[Hero] = []
    ```

    Use instead:
    ```python
    # app/models/hero.py
    from typing import TYPE_CHECKING

    from pydantic import BaseModel

    if TYPE_CHECKING:
        from app.models.team import Team


    class Hero(BaseModel):
        team: "Team | None" = None


    # app/models/team.py
    from pydantic import BaseModel

    from app.models.hero import Hero


    class Team(BaseModel):
        heroes: list[Hero] = []


    # app/models/__init__.py
    from app.models.hero import Hero
    from app.models.team import Team

    Hero.model_rebuild()
    ```
    The `TYPE_CHECKING` import breaks the cycle for Python; the string annotation and the
    rebuild, once both modules are imported, let pydantic finish `Hero`.

    ## References
    - [pydantic: Forward annotations](https://docs.pydantic.dev/latest/concepts/forward_annotations/)
    - [Python: Circular imports (FAQ)](https://docs.python.org/3/faq/programming.html#what-are-the-best-practices-for-using-import-in-a-module)
    """

    code = "FPL504"
    name = "import-cycle-between-model-modules"
    message = (
        "`from {source} import {name}` runs while `{source}` is partly imported (cycle: "
        "{cycle}); import under `TYPE_CHECKING`, annotate with a string, then `model_rebuild()`"
    )
    fix_title = "Break the cycle: TYPE_CHECKING import, string annotation, `model_rebuild()`"
    added_in = "0.1.0"

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx: ModuleContext) -> Iterator[Finding]:
        if len(ctx.scopes) != 1 or not in_import_cycle(ctx.index, ctx.module):
            return
        failure = import_failures(ctx.index).get((ctx.module, node.lineno))
        if failure is None:
            return
        index = ctx.index
        defines_models = any(
            is_model(index, f"{module}.{cls}")
            for module in failure.cycle
            if module in index.modules
            for cls in index.modules[module].classes
        )
        if defines_models:
            yield self.report(
                node,
                ctx,
                source=failure.cycle[0],
                name=failure.name,
                cycle=" -> ".join(failure.cycle),
            )
