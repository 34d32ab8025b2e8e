"""First level of the helper chain: what the routes call. Sync helpers, some of which block."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from rtapps import storage


def load_report() -> int:
    return storage.read_blob()


def count_rows() -> int:
    return storage.run_query()


def slow_down() -> None:
    storage.pause()


def ping_upstream() -> int:
    return storage.fetch_status()


def hero_count() -> int:
    return storage.count_heroes()


def ping_pong(times: int) -> None:
    storage.bounce(times)


def summarise(values: list[int]) -> int:
    return sum(value * value for value in values)


def make_callback() -> Callable[[], None]:
    def later() -> None:
        time.sleep(0.001)

    return later


def slow_lines() -> Iterator[str]:
    for number in range(3):
        time.sleep(0.001)
        yield f"{number}\n"


class ReportClient:
    def fetch(self) -> int:
        return storage.read_blob()


reports = ReportClient()
