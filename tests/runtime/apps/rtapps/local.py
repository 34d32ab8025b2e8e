"""What the routes talk to: a file, a folder, and a closed port on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

HERE = Path(__file__).resolve().parent
A_FILE = HERE / "local.py"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOSED_PORT = _closed_port()
CLOSED_URL = f"http://127.0.0.1:{CLOSED_PORT}/"
OK = {"ok": True}
