"""`async def` routes that hand blocking work over, use async-native calls, or only compute."""

from __future__ import annotations

import asyncio
import time

import anyio.to_thread
from fastapi import BackgroundTasks, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from rtapps import services
from rtapps.local import OK

app = FastAPI()


@app.get("/to_thread")
async def to_thread():
    await asyncio.to_thread(time.sleep, 0.001)
    return OK


@app.get("/to_thread_helper")
async def to_thread_helper():
    return {"ok": await asyncio.to_thread(services.load_report) > 0}


@app.get("/run_in_threadpool_call")
async def run_in_threadpool_call():
    await run_in_threadpool(time.sleep, 0.001)
    return OK


@app.get("/anyio_run_sync")
async def anyio_run_sync():
    await anyio.to_thread.run_sync(time.sleep, 0.001)
    return OK


@app.get("/run_in_executor")
async def run_in_executor():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, time.sleep, 0.001)
    return OK


@app.get("/background_sync_task")
async def background_sync_task(background_tasks: BackgroundTasks):
    background_tasks.add_task(time.sleep, 0.001)
    return OK


@app.get("/streaming_sync_generator")
async def streaming_sync_generator():
    return StreamingResponse(services.slow_lines(), media_type="text/plain")


@app.get("/asyncio_sleep")
async def asyncio_sleep():
    await asyncio.sleep(0.001)
    return OK


@app.get("/pure_computation")
async def pure_computation():
    return {"ok": sum(number * number for number in range(1000)) > 0}


@app.get("/lambda_never_called")
async def lambda_never_called():
    callbacks = {"later": lambda: time.sleep(0.001)}
    return {"ok": "later" in callbacks}


@app.get("/nested_def_never_called")
async def nested_def_never_called():
    def later() -> None:
        time.sleep(0.001)

    return {"ok": callable(later)}


@app.get("/after_return")
async def after_return():
    return OK
    time.sleep(0.001)
