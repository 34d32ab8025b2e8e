"""Third level of the helper chain: the sync calls that actually block."""

from __future__ import annotations

import sqlite3
import time

from rtapps.local import A_FILE


def read_bytes() -> bytes:
    with open(A_FILE, "rb") as file:
        return file.read()


def pause() -> None:
    time.sleep(0.001)


def query_one() -> int:
    connection = sqlite3.connect(":memory:")
    try:
        return int(connection.execute("select 1").fetchone()[0])
    finally:
        connection.close()
