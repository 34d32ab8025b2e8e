"""Blocking calls made directly in `async def` routes: all run on the event loop."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import sqlite3
import subprocess
import time
import urllib.request
from time import sleep as nap

import httpx
import requests
from fastapi import FastAPI

from rtapps.local import A_FILE, CLOSED_PORT, CLOSED_URL, HERE, OK

app = FastAPI()

audit = logging.getLogger("rtapps.audit")
audit.addHandler(logging.FileHandler(os.devnull))
audit.setLevel(logging.INFO)
audit.propagate = False


@app.get("/time_sleep")
async def time_sleep():
    time.sleep(0.001)
    return OK


@app.get("/time_sleep_imported_name")
async def time_sleep_imported_name():
    nap(0.001)
    return OK


@app.get("/open_read")
async def open_read():
    with open(A_FILE, "rb") as file:
        file.read()
    return OK


@app.get("/open_read_text")
async def open_read_text():
    with open(A_FILE, encoding="utf-8") as file:
        file.read()
    return OK


@app.get("/open_write")
async def open_write():
    with open(os.devnull, "w", encoding="utf-8") as file:
        file.write("x")
    return OK


@app.get("/open_only")
async def open_only():
    with open(A_FILE, "rb") as file:
        return {"ok": bool(file.name)}


@app.get("/subprocess_run")
async def subprocess_run():
    subprocess.run(["true"], check=True)
    return OK


@app.get("/os_system")
async def os_system():
    os.system("true")
    return OK


@app.get("/os_popen")
async def os_popen():
    with os.popen("true") as pipe:
        pipe.read()
    return OK


@app.get("/requests_get")
async def requests_get():
    with contextlib.suppress(requests.RequestException):
        requests.get(CLOSED_URL, timeout=2)
    return OK


@app.get("/httpx_get")
async def httpx_get():
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(CLOSED_URL, timeout=2)
    return OK


@app.get("/urlopen")
async def urlopen():
    with contextlib.suppress(OSError):
        urllib.request.urlopen(CLOSED_URL, timeout=2).close()
    return OK


@app.get("/socket_connect")
async def socket_connect():
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", CLOSED_PORT), timeout=2).close()
    return OK


@app.get("/sqlite_execute")
async def sqlite_execute():
    connection = sqlite3.connect(":memory:")
    connection.execute("select 1")
    connection.close()
    return OK


@app.get("/os_listdir")
async def os_listdir():
    return {"ok": bool(os.listdir(HERE))}


@app.get("/os_stat")
async def os_stat():
    return {"ok": os.stat(A_FILE).st_size > 0}


@app.get("/path_read_text")
async def path_read_text():
    return {"ok": bool(A_FILE.read_text(encoding="utf-8"))}


@app.get("/hashlib_pbkdf2")
async def hashlib_pbkdf2():
    return {"ok": bool(hashlib.pbkdf2_hmac("sha256", b"secret", b"salt", 1000))}


@app.get("/logging_to_file")
async def logging_to_file():
    audit.info("served")
    return OK
