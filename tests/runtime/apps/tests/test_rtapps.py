"""A test module beside the runtime apps: excluded by default, and a coroutine only a test
runs serves no request (tests/test_runtime_blocking.py checks it is not reported)."""

from __future__ import annotations

import time

from rtapps import services


async def test_report_is_counted() -> None:
    time.sleep(0.01)
    assert services.load_report() >= 0
    services.slow_down()
