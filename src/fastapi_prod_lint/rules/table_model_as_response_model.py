"""FPL301 table-model-as-response-model."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.models import TABLE
from fastapi_prod_lint.core.responses import (
    Declared,
    ResponseModelRule,
    annotation_is_response_model,
    describe,
    reached,
)


class TableModelAsResponseModel(ResponseModelRule):
    """FPL301: Checks for SQLModel table models used as the response model of a route.

    ## What it does
    Reports a route whose declared response type reaches a SQLModel `table=True` class: the
    `response_model=` argument, the return annotation when there is no `response_model`, or a
    `"model"` in `responses=`. Types are followed through `list`, `Sequence`, `Optional`,
    unions, `Annotated`, `dict[str, X]`, generics such as `Page[X]`, string forward references
    and type aliases, across modules, and into the fields of the public models they reach (a
    public model with a field typed as a table model sends that table's columns). A subclass
    of a table model is a table model too: SQLModel keeps `table=True` in `model_config`, which
    subclasses inherit. `response_model=None`, routes that return a `Response`, and a table
    model narrowed by an explicit `response_model_include` allowlist are not reported.

    FastAPI makes the return annotation the response model only from 0.89.0 on. The version
    is read from what the project declares at its root: the lock files (`poetry.lock`,
    `uv.lock`, `pdm.lock`, `Pipfile.lock`) first, else the ranges of `pyproject.toml`
    (`[project]`, Poetry), `requirements*.txt`, `Pipfile` and `setup.cfg`. When every version
    it allows is older than 0.89 (a pin like `fastapi==0.88.0`, or an upper bound like
    `<0.89`), a return annotation is not reported; a lower bound only, or no declaration,
    means a current FastAPI.

    ## Why is this bad?
    FastAPI accepts a table model as a response model without a word and then serialises every
    column of the row: `hashed_password`, internal flags, foreign keys, whatever the table holds
    today or gains in the next migration. The response contract is then whatever the database
    schema happens to be, and the OpenAPI schema publishes it.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlmodel import Field, SQLModel

    app = FastAPI()


    class Hero(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str
        secret_name: str


    @app.get("/heroes/{hero_id}", response_model=Hero)
    def read_hero(hero_id: int):
        return Hero(id=hero_id, name="Deadpond", secret_name="Dive Wilson")
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from sqlmodel import Field, SQLModel

    app = FastAPI()


    class HeroBase(SQLModel):
        name: str


    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        secret_name: str


    class HeroPublic(HeroBase):
        id: int


    class HeroCreate(HeroBase):
        secret_name: str


    @app.get("/heroes/{hero_id}", response_model=HeroPublic)
    def read_hero(hero_id: int):
        return Hero(id=hero_id, name="Deadpond", secret_name="Dive Wilson")
    ```
    SQLModel's "multiple models" pattern: the table model `Hero` stays in the database layer,
    `HeroPublic` says what clients see, and `HeroCreate` what they may send.

    ## References
    - [SQLModel: Multiple Models with FastAPI](https://sqlmodel.tiangolo.com/tutorial/fastapi/multiple-models/)
    - [FastAPI: Response Model](https://fastapi.tiangolo.com/tutorial/response-model/)
    """

    code = "FPL301"
    name = "table-model-as-response-model"
    message = (
        "Table model {model} is the response model of {where}: every column is sent to the "
        "client; return a public model"
    )
    fix_title = "Declare a public model without the table's private columns as the response model"
    added_in = "0.1.0"

    def check(self, declared: Declared, ctx: ModuleContext) -> Iterator[Finding]:
        if declared.annotation and not annotation_is_response_model(ctx):
            return  # FastAPI before 0.89 ignores the annotation: it declares no response model
        for found in reached(ctx, declared):
            if found.kind == TABLE and not (declared.include is not None and not found.via):
                yield self.report(declared.node, ctx, model=describe(found), where=declared.where)
