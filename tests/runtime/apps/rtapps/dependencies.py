"""Dependencies run where their own kind says: `async def` on the loop, `def` in the threadpool."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()


async def sleeps_on_the_loop() -> int:
    time.sleep(0.001)
    return 1


def sleeps_in_the_threadpool() -> int:
    time.sleep(0.001)
    return 1


async def hands_over() -> int:
    await asyncio.to_thread(time.sleep, 0.001)
    return 1


async def blocks_on_teardown() -> AsyncIterator[int]:
    yield 1
    time.sleep(0.001)


@app.get("/sync_route_async_dependency")
def sync_route_async_dependency(value: Annotated[int, Depends(sleeps_on_the_loop)]):
    return {"ok": value == 1}


@app.get("/async_route_sync_dependency")
async def async_route_sync_dependency(value: Annotated[int, Depends(sleeps_in_the_threadpool)]):
    return {"ok": value == 1}


@app.get("/async_dependency_hands_over")
async def async_dependency_hands_over(value: Annotated[int, Depends(hands_over)]):
    return {"ok": value == 1}


@app.get("/async_generator_dependency_teardown")
def async_generator_dependency_teardown(value: Annotated[int, Depends(blocks_on_teardown)]):
    return {"ok": value == 1}
