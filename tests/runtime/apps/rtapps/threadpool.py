"""The same blocking calls in sync `def` routes: FastAPI runs them in its threadpool."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import time

import requests
from fastapi import FastAPI
from sqlmodel import Session, select

from rtapps import services
from rtapps.db import Hero, engine
from rtapps.local import A_FILE, CLOSED_PORT, CLOSED_URL, HERE, OK

app = FastAPI()


@app.get("/time_sleep")
def time_sleep():
    time.sleep(0.001)
    return OK


@app.get("/open_read")
def open_read():
    with open(A_FILE, "rb") as file:
        file.read()
    return OK


@app.get("/subprocess_run")
def subprocess_run():
    subprocess.run(["true"], check=True)
    return OK


@app.get("/os_system")
def os_system():
    os.system("true")
    return OK


@app.get("/requests_get")
def requests_get():
    with contextlib.suppress(requests.RequestException):
        requests.get(CLOSED_URL, timeout=2)
    return OK


@app.get("/socket_connect")
def socket_connect():
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", CLOSED_PORT), timeout=2).close()
    return OK


@app.get("/sqlite_execute")
def sqlite_execute():
    connection = sqlite3.connect(":memory:")
    connection.execute("select 1")
    connection.close()
    return OK


@app.get("/os_listdir")
def os_listdir():
    return {"ok": bool(os.listdir(HERE))}


@app.get("/session_exec")
def session_exec():
    with Session(engine) as session:
        session.exec(select(Hero)).all()
    return OK


@app.get("/helper_chain")
def helper_chain():
    return {"ok": services.load_report() > 0}
