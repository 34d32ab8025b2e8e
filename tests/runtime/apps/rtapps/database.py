"""Sync SQLModel/SQLAlchemy sessions used in routes: I/O on the event loop in `async def`."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, text
from sqlmodel import Session, select

from rtapps import storage
from rtapps.db import Hero, SessionDep, SessionLocal, engine, get_session
from rtapps.local import OK

app = FastAPI()


@app.get("/with_session_exec")
async def with_session_exec():
    with Session(engine) as session:
        session.exec(select(Hero)).all()
    return OK


@app.get("/annotated_dependency_exec")
async def annotated_dependency_exec(session: SessionDep):
    session.exec(select(Hero)).all()
    return OK


@app.get("/unannotated_dependency_get")
async def unannotated_dependency_get(session=Depends(get_session)):  # noqa: B008
    session.get(Hero, 1)
    return OK


@app.get("/add_and_commit")
async def add_and_commit(session: SessionDep):
    session.add(Hero(name="Deadpond"))
    session.commit()
    return OK


@app.get("/add_without_flush")
async def add_without_flush(session: SessionDep):
    session.add(Hero(name="Rusty-Man"))
    return OK


@app.get("/sessionmaker_scalar")
async def sessionmaker_scalar():
    with SessionLocal() as session:
        session.scalar(select(func.count()).select_from(Hero))
    return OK


@app.get("/engine_connect")
async def engine_connect():
    with engine.connect() as connection:
        connection.execute(text("select 1"))
    return OK


@app.get("/session_in_threadpool")
async def session_in_threadpool():
    return {"ok": await run_in_threadpool(storage.count_heroes) >= 0}


@app.get("/sync_route_session")
def sync_route_session(session: SessionDep):
    session.exec(select(Hero)).all()
    return OK
