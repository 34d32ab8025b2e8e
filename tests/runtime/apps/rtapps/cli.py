"""`python -m rtapps.cli`: a maintenance script beside the apps. It runs its own event loop with
`asyncio.run`, so the blocking helpers it awaits or calls stall nobody's request: FPL101/FPL102
stay silent on it by default (tests/test_runtime_blocking.py checks both ways)."""

from __future__ import annotations

import asyncio
import time

from rtapps import services, storage


async def warm_up() -> int:
    time.sleep(0.01)
    return services.load_report()


async def main() -> None:
    await warm_up()
    services.slow_down()
    storage.pause()


if __name__ == "__main__":
    asyncio.run(main())
