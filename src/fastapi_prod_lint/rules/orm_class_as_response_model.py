"""FPL302 orm-class-as-response-model."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.declared_versions import declared as declared_version
from fastapi_prod_lint.core.finding import WARNING, Finding
from fastapi_prod_lint.core.models import ORM
from fastapi_prod_lint.core.responses import (
    Declared,
    ResponseModelRule,
    annotation_is_response_model,
    describe,
    reached,
)

UPGRADE_MESSAGE = (
    "SQLAlchemy ORM class {model} is in the return annotation of {where}: the app raises "
    "`FastAPIError` at import on upgrade to FastAPI >= 0.89 (the project declares "
    "{declared}); return a pydantic model or add `response_model=None`"
)


class OrmClassAsResponseModel(ResponseModelRule):
    """FPL302: Checks for plain SQLAlchemy ORM classes used as the response model of a route.

    ## What it does
    Reports a route whose declared response type (`response_model=`, the return annotation when
    there is no `response_model`, a `"model"` in `responses=`) reaches a SQLAlchemy declarative
    class: a subclass of `DeclarativeBase`, of a `Base = declarative_base()`, or a class that
    maps a table with `__tablename__` or `__table__`. Types are followed through containers,
    unions, `Annotated`, generics and type aliases, across modules.

    FastAPI makes the return annotation the response model only from 0.89.0 on. The version
    is read from what the project declares at its root: the lock files (`poetry.lock`,
    `uv.lock`, `pdm.lock`, `Pipfile.lock`) first, else the ranges of `pyproject.toml`
    (`[project]`, Poetry), `requirements*.txt`, `Pipfile` and `setup.cfg`. When every version
    it allows is older than 0.89 (a pin like `fastapi==0.88.0`, or an upper bound like
    `<0.89`), an ORM class in a return annotation does not break the app yet: it is reported
    as a `warning` (JSON output) whose message says the app raises on upgrade to
    FastAPI >= 0.89. A lower bound only, or no declaration, means a current FastAPI.

    ## Why is this bad?
    An ORM class is not a pydantic type, so FastAPI cannot build a response field from it: the
    route raises `FastAPIError: Invalid args for response field!` when it is registered, and the
    whole application fails at import. The code only looks right in review.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        hashed_password: Mapped[str]


    @app.get("/users/{user_id}", response_model=User)
    def read_user(user_id: int):
        return User(id=user_id, email="ada@example.com", hashed_password="...")
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel, ConfigDict
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        hashed_password: Mapped[str]


    class UserPublic(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        email: str


    @app.get("/users/{user_id}", response_model=UserPublic)
    def read_user(user_id: int):
        return User(id=user_id, email="ada@example.com", hashed_password="...")
    ```
    A pydantic model with `from_attributes=True` reads the ORM object's attributes. With
    SQLModel, the "multiple models" pattern does the same: `Hero(table=True)` for the table,
    `HeroPublic` for responses, `HeroCreate` for requests.

    ## References
    - [FastAPI: SQL (Relational) Databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [pydantic: Arbitrary class instances (`from_attributes`)](https://docs.pydantic.dev/latest/concepts/models/#arbitrary-class-instances)
    """

    code = "FPL302"
    name = "orm-class-as-response-model"
    message = (
        "SQLAlchemy ORM class {model} is the response model of {where}: FastAPI raises "
        "`FastAPIError` at import; return a pydantic model"
    )
    fix_title = "Declare a pydantic model (`from_attributes=True`) as the response model"
    added_in = "0.1.0"

    def check(self, declared: Declared, ctx: ModuleContext) -> Iterator[Finding]:
        upgrade = declared.annotation and not annotation_is_response_model(ctx)
        for found in reached(ctx, declared):
            if found.kind != ORM:
                continue
            finding = self.report(declared.node, ctx, model=describe(found), where=declared.where)
            if upgrade:  # FastAPI before 0.89 ignores the annotation: it breaks on upgrade
                fastapi = declared_version(ctx.index.root, "fastapi").describe()
                text = UPGRADE_MESSAGE.format(
                    model=describe(found), where=declared.where, declared=fastapi
                )
                finding = dataclasses.replace(finding, message=text, severity=WARNING)
            yield finding
