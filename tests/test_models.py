"""Model kinds, type resolution and secret names behind the contract rules (core/models.py).

Where the runtime can decide, it does: SQLModel itself says which classes are table models.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core.models import MODEL, ORM, TABLE, model_kind, type_names
from fastapi_prod_lint.core.project import ProjectIndex
from fastapi_prod_lint.core.runner import load_project
from fastapi_prod_lint.rules.secret_field_in_response_model import Options, is_secret_name

HIERARCHY = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/base.py": """
        from sqlmodel import Field, SQLModel


        class HeroBase(SQLModel):
            name: str


        class Hero(HeroBase, table=True):
            id: int | None = Field(default=None, primary_key=True)
            hashed_password: str = ""


        class NotATable(SQLModel, table=False):
            name: str = ""
        """,
    "app/models.py": """
        from app import base
        from app.base import Hero, HeroBase


        class HeroPublic(HeroBase):
            id: int


        class HeroArchive(Hero):  # a subclass of a table model
            archived: bool = False


        class HeroArchiveNoTable(base.Hero, table=False):  # SQLModel ignores table=False here
            note: str = ""


        class HeroArchiveChild(HeroArchive):
            depth: int = 0


        class PlainPublic(base.NotATable):
            extra: str = ""
        """,
}
SQLMODEL_CLASSES = (
    "app.base.HeroBase",
    "app.base.Hero",
    "app.base.NotATable",
    "app.models.HeroPublic",
    "app.models.HeroArchive",
    "app.models.HeroArchiveNoTable",
    "app.models.HeroArchiveChild",
    "app.models.PlainPublic",
)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def index_of(root: Path) -> ProjectIndex:
    return load_project(root.resolve(), use_cache=False).index


def test_table_models_are_what_sqlmodel_says_they_are(tmp_path: Path) -> None:
    """Ask SQLModel which classes of the hierarchy are tables; the index must agree."""
    pytest.importorskip("sqlmodel")
    root = write(tmp_path, HIERARCHY)
    script = (
        "import importlib, json, sys\n"
        "out = {}\n"
        "for dotted in sys.argv[1:]:\n"
        "    module, _, name = dotted.rpartition('.')\n"
        "    cls = getattr(importlib.import_module(module), name)\n"
        "    out[dotted] = bool(cls.model_config.get('table', False))\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *SQLMODEL_CLASSES],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    runtime = json.loads(result.stdout)
    assert runtime["app.models.HeroArchiveNoTable"], "SQLModel changed: table=False now counts"
    index = index_of(root)
    ours = {dotted: model_kind(index, dotted) == TABLE for dotted in SQLMODEL_CLASSES}
    assert ours == runtime
    assert {model_kind(index, dotted) for dotted in SQLMODEL_CLASSES} == {TABLE, MODEL}


def test_sqlalchemy_declarative_classes_are_orm_classes(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/db.py": """
                from sqlalchemy.orm import DeclarativeBase, declarative_base

                Base = declarative_base()


                class Modern(DeclarativeBase):
                    pass
                """,
            "app/models.py": """
                from external_lib import SomeBase
                from pydantic import BaseModel

                from app.db import Base, Modern


                class Legacy(Base):
                    __tablename__ = "legacy"


                class New(Modern):
                    __tablename__ = "new"


                class UnknownBaseTable(SomeBase):
                    __tablename__ = "unknown"


                class Schema(BaseModel):
                    id: int


                class Plain:
                    id: int
                """,
        },
    )
    index = index_of(root)
    kinds = {
        name: model_kind(index, f"app.models.{name}")
        for name in ("Legacy", "New", "UnknownBaseTable", "Schema", "Plain")
    }
    assert kinds == {
        "Legacy": ORM,
        "New": ORM,
        "UnknownBaseTable": ORM,
        "Schema": MODEL,
        "Plain": None,
    }


def test_type_aliases_that_refer_to_each_other_terminate(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/types.py": """
                from app.models import Hero

                A = list["B"]
                B = dict[str, A]
                C = A | Hero
                """,
            "app/models.py": """
                from sqlmodel import SQLModel


                class Hero(SQLModel, table=True):
                    id: int
                """,
        },
    )
    index = index_of(root)
    expr = ast.parse("C", mode="eval").body
    names = type_names(index, expr, lambda node: "app.types.C")
    assert [name.dotted for name in names if name.dotted.startswith("app.")] == ["app.models.Hero"]


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "hashed_password",
        "password_hash",
        "passwordHash",
        "hashedPassword",
        "client_secret",
        "stripe_api_key",
        "apiKey",
        "reset_token",
        "private_key",
        "aws_credentials",
        "PASSWORD",
        "encrypted_secret_value",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name, Options().secret_field_names)


@pytest.mark.parametrize(
    "name",
    [
        "password_changed_at",
        "token_type",
        "token_expires_at",
        "secret_name",
        "api_key_id",
        "is_password_set",
        "has_token",
        "tokens_remaining",
        "keyboard",
        "passwords_match_policy",
        "name",
        "",
    ],
)
def test_names_about_a_secret_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name, Options().secret_field_names)
