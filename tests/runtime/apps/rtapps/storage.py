"""Second level of the helper chain: sync helpers that reach a blocking call."""

from __future__ import annotations

import time

import requests
from sqlmodel import Session, select

from rtapps import disk, services
from rtapps.db import Hero, engine
from rtapps.local import CLOSED_URL


def read_blob() -> int:
    return len(disk.read_bytes())


def run_query() -> int:
    return disk.query_one()


def pause() -> None:
    time.sleep(0.001)


def fetch_status() -> int:
    try:
        return requests.get(CLOSED_URL, timeout=2).status_code
    except requests.RequestException:
        return 0


def count_heroes() -> int:
    with Session(engine) as session:
        return len(session.exec(select(Hero)).all())


def bounce(times: int) -> None:
    """One half of a cycle between two modules (the other half is `services.ping_pong`)."""
    if times <= 0:
        disk.pause()
    else:
        services.ping_pong(times - 1)
