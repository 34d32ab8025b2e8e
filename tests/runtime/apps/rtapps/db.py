"""A throwaway SQLite database behind sync SQLModel sessions."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import sessionmaker
from sqlmodel import Field, Session, SQLModel, create_engine


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str


# a file, not ":memory:": a connection that blockbuster interrupts mid-transaction is thrown
# away by the pool, and the next one must still find the table
_folder = tempfile.mkdtemp(prefix="rtapps-")
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
engine = create_engine(
    f"sqlite:///{Path(_folder) / 'heroes.db'}", connect_args={"check_same_thread": False}
)
SQLModel.metadata.create_all(engine)
SessionLocal = sessionmaker(engine, class_=Session)


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
