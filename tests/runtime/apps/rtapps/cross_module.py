"""`async def` routes that call sync helpers in other modules of the package."""

from __future__ import annotations

from fastapi import FastAPI

from rtapps import services
from rtapps.local import OK
from rtapps.services import ReportClient
from rtapps.services import load_report as get_report

app = FastAPI()


@app.get("/load_report")
async def load_report():
    return {"ok": services.load_report() > 0}


@app.get("/imported_alias")
async def imported_alias():
    return {"ok": get_report() > 0}


@app.get("/count_rows")
async def count_rows():
    return {"ok": services.count_rows() == 1}


@app.get("/slow_down")
async def slow_down():
    services.slow_down()
    return OK


@app.get("/ping_upstream")
async def ping_upstream():
    return {"ok": services.ping_upstream() >= 0}


@app.get("/hero_count")
async def hero_count():
    return {"ok": services.hero_count() >= 0}


@app.get("/method_of_constructed_client")
async def method_of_constructed_client():
    client = ReportClient()
    return {"ok": client.fetch() > 0}


@app.get("/method_of_module_instance")
async def method_of_module_instance():
    return {"ok": services.reports.fetch() > 0}


@app.get("/cycle_between_modules")
async def cycle_between_modules():
    services.ping_pong(3)
    return OK


@app.get("/consumed_sync_generator")
async def consumed_sync_generator():
    return {"ok": len(list(services.slow_lines())) == 3}


@app.get("/pure_helper")
async def pure_helper():
    return {"ok": services.summarise([1, 2, 3]) == 14}


@app.get("/helper_returns_uncalled_closure")
async def helper_returns_uncalled_closure():
    return {"ok": callable(services.make_callback())}
