"""Time fastapi-prod-lint on a generated FastAPI project against the parse floor and its hosts."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("models", "schemas", "services", "routers")
NOUNS = ("order", "invoice", "customer", "product", "shipment", "ticket", "payment", "review")
FIELD_TYPES = {"int": "Field(default=0, ge=0)", "str": 'Field(default="", max_length=64)'}
FIELD_TYPES |= {"bool": "False", "float": "Field(default=0.0)", "Optional[str]": "None"}
CACHE_ENV = "FASTAPI_PROD_LINT_CACHE_DIR"
LINTER = "fastapi_prod_lint"
FLOOR = """import ast, os
for top, dirs, files in os.walk("."):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in (n for n in files if n.endswith(".py")):
        with open(os.path.join(top, name), "rb") as handle:
            ast.parse(handle.read(), name)
"""
# flake8 runs every installed plugin whatever --select says, so the rows without ours drop it
# from discovery. Forked workers inherit that list; spawned ones would find the plugin again, so
# without fork both flake8 rows run in one process. Both rows go through this same launcher.
FLAKE8 = """import multiprocessing, sys
from flake8.main import cli
from flake8.plugins import finder
if "fork" in multiprocessing.get_all_start_methods():
    multiprocessing.set_start_method("fork")
else:
    sys.argv.append("--jobs=1")
if sys.argv.pop(1) == "drop":
    find = finder.find_plugins
    finder.find_plugins = lambda cfg, opts: [
        p for p in find(cfg, opts) if not p.entry_point.value.startswith("fastapi_prod_lint")
    ]
sys.exit(cli.main(sys.argv[1:]))
"""

# Module templates, filled with str.format: {c} class stem, {s} noun, {m} module name.
MODEL = '''"""Database tables for {c}."""

from datetime import datetime, timezone
from typing import Optional

from sqlmodel import Field, Relationship, SQLModel


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class {c}Base(SQLModel):
    name: str = Field(index=True, max_length=120)
{fields}

class {c}({c}Base, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=_utcnow)
    notes: list["{c}Note"] = Relationship(back_populates="{s}")


class {c}Note(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    {s}_id: Optional[int] = Field(default=None, foreign_key="{s}{i}.id")
    {s}: Optional[{c}] = Relationship(back_populates="notes")


class {c}Tag(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    {s}_id: Optional[int] = Field(default=None, foreign_key="{s}{i}.id", index=True)
    label: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=_utcnow)
'''
MODEL_HELPER = """

def {s}_label_{j}(row: {c}) -> str:
    parts = [row.name, str(row.{name})]
    return " / ".join(part for part in parts if part)
"""
SCHEMA = '''"""API contracts for {c}."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator


class {c}Create(BaseModel):
    name: str = Field(min_length=1, max_length=120)
{fields}
    @field_validator("name")
    @classmethod
    def strip_name(cls, value: str) -> str:
        return value.strip()


class {c}Update(BaseModel):
    name: Optional[str] = None
{optional}

class {c}Filter(BaseModel):
    search: Optional[str] = None
{optional}

class {c}Read({c}Create):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime


class {c}Page(BaseModel):
    items: list[{c}Read]
    total: int
    limit: int
    offset: int
'''
SERVICE = '''"""Business logic for {c}: plain sync helpers."""

from __future__ import annotations

import time

import requests
from sqlmodel import Session, select

from benchproj.schemas.{m} import {c}Create, {c}Update

from ..models.{m} import {c}


class {c}Repository:
    def __init__(self) -> None:
        self.rows: dict[int, {c}] = {{}}

    def list(self, limit: int, offset: int) -> list[{c}]:
        rows = sorted(self.rows.values(), key=lambda row: row.id or 0)
        end = offset + limit
        return rows[offset:end]

    def get(self, item_id: int) -> {c} | None:
        return self.rows.get(item_id)

    def add(self, payload: {c}Create) -> {c}:
        row = {c}(**payload.model_dump(), id=len(self.rows) + 1)
        self.rows[len(self.rows) + 1] = row
        return row

    def update(self, row: {c}, payload: {c}Update) -> {c}:
        for key, value in payload.model_dump(exclude_unset=True).items():
            setattr(row, key, value)
        return row


_REPOSITORY = {c}Repository()


def get_{s}_repository() -> {c}Repository:
    return _REPOSITORY


def query_{s}s(session: Session, limit: int = 50) -> list[{c}]:
    return list(session.exec(select({c}).limit(limit)))


def refresh_{s}_cache() -> int:
    time.sleep(0.01)
    return len(_REPOSITORY.rows)


def fetch_{s}_remote(item_id: int) -> dict:
    response = requests.get(f"https://api.example.com/{s}/{{item_id}}", timeout=5)
    response.raise_for_status()
    return dict(response.json())
'''
SERVICE_HELPER = """

def summarise_{s}_{j}(rows: list[{c}]) -> dict[str, int]:
    counts: dict[str, int] = {{}}
    for row in rows:
        counts[row.name] = counts.get(row.name, 0) + {j}
    return counts
"""
ROUTER = '''"""HTTP routes for {c}."""

from __future__ import annotations

{imports}from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from benchproj.schemas.{m} import (
    {c}Create,
    {c}Page,
    {c}Read,
    {c}Update,
)
from benchproj.services.{om} import summarise_{os}_0

from ..schemas.{om} import {oc}Read
from ..services import {m} as service
from ..services.{m} import {c}Repository

router = APIRouter(prefix="/{s}s", tags=["{s}"])
Repository = Annotated[{c}Repository, Depends(service.get_{s}_repository)]


def pagination(limit: int = 50, offset: int = 0) -> dict[str, int]:
    return {{"limit": min(limit, 200), "offset": max(offset, 0)}}


@router.get("/", response_model={c}Page)
async def list_{s}s(repo: Repository, page: dict = Depends(pagination)) -> {c}Page:
    items = [{c}Read.model_validate(row) for row in repo.list(**page)]
    return {c}Page(items=items, total=len(repo.rows), **page)


@router.get("/{{item_id}}", response_model={c}Read)
async def get_{s}(item_id: int, repo: Repository) -> {c}Read:
    row = repo.get(item_id)
    if row is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)
{sleep}    return {c}Read.model_validate(row)


@router.post("/", response_model={c}Read, status_code=status.HTTP_201_CREATED)
def create_{s}(payload: {c}Create, repo: Repository) -> {c}Read:
    return {c}Read.model_validate(repo.add(payload))


@router.patch("/{{item_id}}", response_model={c}Read)
def update_{s}(item_id: int, payload: {c}Update, repo: Repository) -> {c}Read:
    row = repo.get(item_id)
    if row is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)
    return {c}Read.model_validate(repo.update(row, payload))


@router.get("/{{item_id}}/remote")
def get_{s}_remote(item_id: int) -> dict:
    return service.fetch_{s}_remote(item_id)


@router.post("/refresh")
{refresh} refresh_{s}s() -> dict[str, int]:
    return {{"count": service.refresh_{s}_cache()}}


@router.get("/{{item_id}}/related", response_model=list[{oc}Read])
async def related_{s}s(item_id: int) -> list[{oc}Read]:
{fetch}    summarise_{os}_0([])
    return []
'''
ROUTER_HELPER = """

@router.get("/stats/{j}")
async def {s}_stats_{j}(repo: Repository) -> dict:
    return {{"rows": len(repo.rows), "bucket": {j}}}
"""

TEMPLATES = {
    "models": (MODEL, MODEL_HELPER),
    "schemas": (SCHEMA, ""),
    "services": (SERVICE, SERVICE_HELPER),
    "routers": (ROUTER, ROUTER_HELPER),
}


def entity(e: int) -> dict[str, str]:
    noun = NOUNS[e % len(NOUNS)]
    return {"i": str(e), "s": noun, "m": f"{noun}_{e:04d}", "c": f"{noun.capitalize()}{e}"}


def template_values(e: int, modules: int, seed: int) -> tuple[dict[str, str], list[str], int]:
    """Values for entity e's four modules, drawn once so that they agree on names and fields."""
    rng = random.Random(seed * 1_000_003 + e)
    with_service = [f for f in range((modules + 1) // 4) if f != e]  # 4f + 2 < modules
    other = entity(rng.choice(with_service or [e]))
    fields = [
        (f"{rng.choice(('code', 'status'))}_{j}", rng.choice(list(FIELD_TYPES)))
        for j in range(rng.randint(8, 16))
    ]
    sleeps, fetches = e % 5 == 0, e % 7 == 3  # real blocking calls in async routes
    values = entity(e) | {"om": other["m"], "os": other["s"], "oc": other["c"]}
    values["fields"] = values["optional"] = ""
    for name, typ in fields:
        values["fields"] += f"    {name}: {typ} = {FIELD_TYPES[typ]}\n"
        values["optional"] += (
            f"    {name}: {typ if 'Optional' in typ else f'Optional[{typ}]'} = None\n"
        )
    values["imports"] = "import time\n" * sleeps + "import requests\n" * fetches
    values["sleep"] = "    time.sleep(0.05)\n" * sleeps
    values["fetch"] = f'    requests.get("https://example.com/{e}", timeout=5)\n' * fetches
    values["refresh"] = "async def" if e % 3 == 1 else "def"
    return values, [n for n, _ in fields], rng.randint(3, 9)


def generate(root: Path, modules: int, seed: int) -> list[Path]:
    """Write pyproject.toml and `modules` modules under root/benchproj; return the routers."""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "benchproj"\nversion = "0.1.0"\n\n[tool.fastapi-prod-lint]\n'
    )
    for package in ("", *KINDS):
        (root / "benchproj" / package).mkdir(parents=True, exist_ok=True)
        (root / "benchproj" / package / "__init__.py").write_text("")
    routers = []
    for i in range(modules):  # module i is part `i % 4` of entity `i // 4`
        if i % 4 == 0:
            values, names, helpers = template_values(i // 4, modules, seed)
        kind = KINDS[i % 4]
        body, helper = TEMPLATES[kind]
        extra = (helper.format(**values, j=j, name=names[j % len(names)]) for j in range(helpers))
        path = root / "benchproj" / kind / f"{values['m']}.py"
        path.write_text(body.format(**values) + "".join(extra))
        routers += [path] if kind == "routers" else []
    return routers


Result = subprocess.CompletedProcess[str]
Ok = Callable[[Result], bool]
Argv = Callable[[], list[str]]


def exits_zero(p: Result) -> bool:
    return p.returncode == 0


def cli_ok(p: Result) -> bool:
    """The project has findings by construction: a run that reports no FPL code linted nothing."""
    return p.returncode in (0, 1) and "FPL" in p.stdout


def flake8_ok(p: Result) -> bool:
    """Run with --exit-zero, so exit 1 means a crash, a failing plugin included."""
    return p.returncode == 0 and "FPL" in p.stdout


def pylint_ok(p: Result) -> bool:
    """pylint exits 0 when a plugin fails to load; exit bits 1 and 32 are fatal and usage errors."""
    loaded = not any(m in p.stdout for m in ("bad-plugin-value", "unknown-option-value"))
    return p.returncode & 33 == 0 and loaded


@dataclass
class Measurement:
    """One command, run `--runs` times; `argv` is called before each run."""

    name: str
    argv: Argv
    ok: Ok
    baseline: str | None = None  # the row its ratio is taken against
    limit: float | None = None  # target for that ratio; None means informational
    linter: bool = False  # runs fastapi-prod-lint, through a plugin when `cache` is set
    cache: str | None = None  # warm cache dir handed to the plugin through CACHE_ENV
    times: list[float] = field(default_factory=list)
    last_argv: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def measurements(scratch: Path, router: str) -> list[Measurement]:
    py, cold_runs = sys.executable, iter(range(1_000_000))

    def cold(*extra: str) -> Argv:
        def argv() -> list[str]:
            cache = scratch / f"cold-{next(cold_runs)}"
            cache.mkdir()
            return [py, "-m", LINTER, "--cache-dir", str(cache), *extra, "."]

        return argv

    def flake8(plugin: bool, target: str) -> Argv:
        select = "--select=E,F,W,C90" + ",FPL" * plugin
        opts = ["--exit-zero", "--max-line-length=100", select, target]
        return lambda: [py, "-c", FLAKE8, "keep" if plugin else "drop", *opts]

    def pylint(plugin: bool) -> Argv:
        load = [f"--load-plugins={LINTER}.pylint"] * plugin
        enable = "--enable=unused-import" + ",fastapi-prod-lint" * plugin
        return lambda: [py, "-m", "pylint", *load, "--disable=all", enable, router]

    def plugin(name: str, argv: Argv, ok: Ok, baseline: str, limit: float | None) -> Measurement:
        cache = str(scratch / f"warm-{name}")
        return Measurement(name, argv, ok, baseline, limit, linter=True, cache=cache)

    warm = [py, "-m", LINTER, "--cache-dir", str(scratch / "warm-cli"), "."]
    return [
        Measurement("floor", lambda: [py, "-c", FLOOR], exits_zero),
        Measurement("cli-cold", cold(), cli_ok, "floor", 3.0, linter=True),
        # FPL102's cross-module call-graph analysis costs at most half a run more
        Measurement("cli-cold-no-fpl102", cold("--ignore", "FPL102"), cli_ok, "floor"),
        Measurement("cli-warm", lambda: warm, cli_ok, "floor", 0.5, linter=True),
        Measurement("flake8-base", flake8(False, "."), exits_zero, "floor"),
        plugin("flake8-plugin", flake8(True, "."), flake8_ok, "flake8-base", 1.3),
        Measurement("flake8-file-base", flake8(False, router), exits_zero),
        plugin("flake8-file-plugin", flake8(True, router), flake8_ok, "flake8-file-base", 1.3),
        Measurement("pylint-file-base", pylint(False), pylint_ok),
        plugin("pylint-file-plugin", pylint(True), pylint_ok, "pylint-file-base", None),
    ]


def run(m: Measurement, cwd: Path) -> float:
    """Run once and return the wall time; on failure show the output and exit 1."""
    m.last_argv = m.argv()
    env = {k: v for k, v in os.environ.items() if k != CACHE_ENV}
    env |= {CACHE_ENV: m.cache} if m.cache else {}
    start = time.perf_counter()
    proc = subprocess.run(m.last_argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if not m.ok(proc):
        shown = " ".join("<snippet>" if "\n" in a else a for a in m.last_argv)
        print(f"{m.name} failed (exit {proc.returncode}): {shown}", file=sys.stderr)
        print(
            f"--- stderr\n{proc.stderr[-3000:]}--- stdout\n{proc.stdout[-3000:]}", file=sys.stderr
        )
        sys.exit(1)
    return elapsed


def report(chosen: list[Measurement]) -> list[dict[str, object]]:
    """Print the table and the verdicts; return the verdicts."""
    medians = {m.name: m.median for m in chosen}
    ratios = {m.name: m.median / medians[m.baseline] for m in chosen if m.baseline in medians}
    print(f"{'name':<20}{'median s':>10}{'min s':>10}  ratio of medians")
    for m in chosen:
        ratio = f"{ratios[m.name]:.2f}x {m.baseline}" if m.name in ratios else ""
        print(f"{m.name:<20}{m.median:>10.3f}{min(m.times):>10.3f}  {ratio}")
    checks: list[dict[str, object]] = []
    for m in (m for m in chosen if m.linter and m.name in ratios):
        verdict = "INFO" if m.limit is None else "PASS" if ratios[m.name] <= m.limit else "FAIL"
        target = "no target" if m.limit is None else f"target <= {m.limit:.2f}x"
        print(("\n" if not checks else "") + f"{verdict}  {m.name} / {m.baseline}", end="")
        print(f" = {ratios[m.name]:.2f}x  ({target})")
        checks.append({"name": m.name, "baseline": m.baseline, "ratio": ratios[m.name]})
        checks[-1] |= {"limit": m.limit, "verdict": verdict}
    for name, baseline, limit in EXTRA_CHECKS:
        if name in medians and baseline in medians:
            ratio = medians[name] / medians[baseline]
            verdict = "PASS" if ratio <= limit else "FAIL"
            print(f"{verdict}  {name} / {baseline} = {ratio:.2f}x  (target <= {limit:.2f}x)")
            checks.append({"name": name, "baseline": baseline, "ratio": ratio, "limit": limit})
            checks[-1]["verdict"] = verdict
    return checks


# (row, baseline row, target) checks besides each row's own baseline
EXTRA_CHECKS = [("cli-cold", "cli-cold-no-fpl102", 1.5)]


def select(rows: list[Measurement], args: argparse.Namespace) -> list[Measurement]:
    """Apply --only and --skip-*; the rows of a tool that is not installed are skipped too."""
    known = [m.name for m in rows]
    wanted = args.only.split(",") if args.only else known
    if unknown := set(wanted) - set(known):
        sys.exit(f"unknown --only name(s) {sorted(unknown)}; choose from {', '.join(known)}")
    rows = [m for m in rows if m.name in wanted]
    for tool in ("flake8", "pylint"):
        if getattr(args, f"skip_{tool}") or importlib.util.find_spec(tool) is None:
            if any(m.name.startswith(tool) for m in rows):
                print(f"note: skipping the {tool} rows ({tool} not installed, or --skip-{tool})")
            rows = [m for m in rows if not m.name.startswith(tool)]
    return rows


def compile_linter() -> None:
    """Byte-compile the linter as `pip install` does: an editable install (or a machine with
    PYTHONDONTWRITEBYTECODE set) would otherwise recompile it from source in every run."""
    spec = importlib.util.find_spec(LINTER)
    if spec is not None and spec.submodule_search_locations:
        import compileall

        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=1000, help="modules to generate (>= 4)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="generate the project into this folder, keep it")
    parser.add_argument("--json", type=Path, help="write the raw timings here")
    parser.add_argument("--only", help="comma-separated measurement names (default: all)")
    parser.add_argument("--skip-flake8", action="store_true")
    parser.add_argument("--skip-pylint", action="store_true")
    args = parser.parse_args()
    if args.modules < 4 or args.runs < 1:
        parser.error("--modules must be >= 4 and --runs >= 1")
    with tempfile.TemporaryDirectory(prefix="fpl-bench-") as tmp:
        scratch = Path(tmp)
        project = (args.keep or scratch / "project").resolve()
        shutil.rmtree(project / "benchproj", ignore_errors=True)  # no stale modules from --keep
        project.mkdir(parents=True, exist_ok=True)
        router = str(generate(project, args.modules, args.seed)[0].relative_to(project))
        chosen = select(measurements(scratch, router), args)
        if (need := [m.name for m in chosen if m.linter]) and not importlib.util.find_spec(LINTER):
            print(f"{LINTER} is not importable by {sys.executable}: install it, or leave out")
            print(f"{', '.join(need)} with --only")
            return 1
        compile_linter()
        files = list(project.rglob("*.py"))
        lines = sum(len(p.read_text().splitlines()) for p in files)
        print(f"{project}: {args.modules} modules, {len(files)} files, {lines} lines")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs each")
        print(f"one-file rows lint {router}; flake8 on the project uses its default --jobs=auto\n")
        for m in chosen:  # an untimed first run warms the OS file cache and primes the warm caches
            run(m, project)
        for _ in range(args.runs):  # interleaved, so drift on the machine hits every row alike
            for m in chosen:
                m.times.append(run(m, project))
        checks = report(chosen)
    if args.json:
        rows = {
            m.name: {"argv": m.last_argv, "cache_env": m.cache, "times": m.times} for m in chosen
        }
        meta = {"modules": args.modules, "files": len(files), "lines": lines, "runs": args.runs}
        meta |= {"seed": args.seed, "python": sys.version, "cpus": os.cpu_count()}
        args.json.write_text(json.dumps({**meta, "measurements": rows, "checks": checks}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
