"""FPL503 relationship-annotation-breaks-mapping."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.forward_refs import forward_refs
from fastapi_prod_lint.core.imports import BUILTIN_NAMES
from fastapi_prod_lint.core.models import TABLE, model_kind, parse_type
from fastapi_prod_lint.core.rule import Rule


class RelationshipAnnotationBreaksMapping(Rule):
    """FPL503: Checks for SQLModel relationship annotations that SQLAlchemy cannot map.

    ## What it does
    Reports a `Relationship()` attribute of a SQLModel `table=True` class whose annotation
    reaches SQLAlchemy as a string that is not a plain class name: a whole-string annotation
    such as `"Optional[Team]"` or `"list[Hero]"`, or any generic relationship annotation in a
    module with `from __future__ import annotations` (which turns every annotation into such a
    string). The documented forms, `Optional["Team"]` and `list["Hero"]` (a string only for
    the class name), are fine.

    ## Why is this bad?
    SQLModel hands the annotation to SQLAlchemy, which evaluates a string as a class name in
    its registry. `"Optional[Team]"` is no class name: configuring the mappers fails with
    `InvalidRequestError` on first use of any model, so every route that touches the database
    fails.

    ## Example
    ```python
    from typing import Optional

    from sqlmodel import Field, Relationship, SQLModel


    class Team(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        heroes: "list[Hero]" = Relationship(back_populates="team")


    class Hero(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        team_id: Optional[int] = Field(default=None, foreign_key="team.id")
        team: Optional[Team] = Relationship(back_populates="heroes")
    ```

    Use instead:
    ```python
    from typing import Optional

    from sqlmodel import Field, Relationship, SQLModel


    class Team(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        heroes: list["Hero"] = Relationship(back_populates="team")


    class Hero(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        team_id: Optional[int] = Field(default=None, foreign_key="team.id")
        team: Optional[Team] = Relationship(back_populates="heroes")
    ```

    ## References
    - [SQLModel: Relationship attributes](https://sqlmodel.tiangolo.com/tutorial/relationship-attributes/define-relationships-attributes/)
    - [SQLModel: Code structure and circular imports](https://sqlmodel.tiangolo.com/tutorial/code-structure/)
    """

    code = "FPL503"
    name = "relationship-annotation-breaks-mapping"
    message = "Relationship `{attribute}` of `{model}`: {problem}; {hint}"
    fix_title = 'Quote only the class name: `Optional["Team"]`, `list["Hero"]`'
    added_in = "0.1.0"

    def visit_ClassDef(self, node: ast.ClassDef, ctx: ModuleContext) -> Iterator[Finding]:
        if len(ctx.scopes) != 1:
            return
        dotted = f"{ctx.module}.{node.name}" if ctx.module else node.name
        if model_kind(ctx.index, dotted) != TABLE:
            return
        entry = ctx.index.modules.entries.get(ctx.module)
        future = entry is not None and entry.summary.future_annotations
        for stmt in node.body:
            if not (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(stmt.value, ast.Call)
                and (ctx.qualified_name(stmt.value.func) or "").endswith("Relationship")
            ):
                continue
            annotation = stmt.annotation
            if future:  # SQLAlchemy gets the source text: `list["Hero"]` -> "list['Hero']"
                text = ast.unparse(annotation)
                hint = "drop `from __future__ import annotations` from this module"
            elif isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                text = annotation.value
                hint = ""
            else:
                text = ""
            parsed = parse_type(text) if text else None
            problem = ""
            if parsed is not None and not isinstance(parsed, (ast.Name, ast.Attribute)):
                problem = (
                    f"SQLAlchemy gets `{text}`, which is no class name, and mapping fails on "
                    "first use"
                )
                hint = hint or f"quote only the class name: `{_hint(parsed)}`"
            else:
                unimported = self._unimported_target(stmt.annotation, ctx)
                if unimported:
                    problem = (
                        f"its target is defined in `{unimported}`, which no module imports at "
                        "runtime, so SQLAlchemy cannot find it"
                    )
                    hint = f"import `{unimported}` where the models are imported"
            if problem:
                yield self.report(
                    annotation,
                    ctx,
                    attribute=stmt.target.id,
                    model=node.name,
                    problem=problem,
                    hint=hint,
                )

    @staticmethod
    def _unimported_target(annotation: ast.expr, ctx: ModuleContext) -> str | None:
        """The module of the relationship's target class when no project module imports it
        at runtime (it is imported only under `TYPE_CHECKING`, say)."""
        index = ctx.index
        refs = forward_refs(index)
        for name in refs.names(ctx.module, ast.unparse(annotation), True, types_only=True):
            if name in BUILTIN_NAMES or (
                name in ctx.bindings and ctx.bindings[name].kind != "import"
            ):
                continue  # a builtin, or defined in this module
            candidates = refs.modules_defining(name)
            if (
                candidates
                and ctx.module not in candidates
                and not any(module in refs.imported() for module in candidates)
            ):
                return candidates[0]
        return None


def _hint(parsed: ast.expr) -> str:
    """`Optional[Team]` -> `Optional["Team"]`: the documented form."""
    if isinstance(parsed, ast.Subscript) and isinstance(parsed.slice, (ast.Name, ast.Attribute)):
        return f'{ast.unparse(parsed.value)}["{ast.unparse(parsed.slice)}"]'
    if isinstance(parsed, ast.BinOp):
        return f'Optional["{ast.unparse(parsed.left)}"]'
    return 'Optional["Team"]'
