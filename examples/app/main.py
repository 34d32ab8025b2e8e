"""Application entry point: lifespan, routers and request logging."""
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlmodel import SQLModel

from app import deps
from app.db import engine
from app.routers import items, users

logger = logging.getLogger("demo")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    SQLModel.metadata.create_all(engine)
    yield
    engine.dispose()


app = FastAPI(title="Demo shop", lifespan=lifespan)
app.include_router(items.router)
app.include_router(users.router)


@app.middleware("http")
async def log_requests(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    who = deps.current_user.email if deps.current_user else "-"
    logger.info("%s %s %s %.1fms user=%s", request.method, request.url.path, response.status_code, elapsed_ms, who)
    response.headers["X-Process-Time"] = f"{elapsed_ms:.1f}ms"
    return response


@app.get("/health")
async def health():
    return {"status": "ok"}
