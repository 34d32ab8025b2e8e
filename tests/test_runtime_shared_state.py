"""The runtime agrees with FPL401-FPL404: two users calling `GET /me` at once see each other's
identity exactly when the linter flags shared per-request state.

The runtime convention of the FPL4xx fixtures: a fixture whose app serves `GET /me` is a runtime
fixture. It reads the user from `Authorization: Bearer <name>`, lets the identity travel to the
write the rules are about, and reads it back after an `await` (a stand-in for a database call),
so that a second request served meanwhile can overwrite it. Such a fixture *leaks* when a
response to alice names bob or the other way round, and it must leak exactly when the linter
reports at least one FPL401/FPL402/FPL403/FPL404 finding on it. A fixture not meant to satisfy
that does not serve `GET /me`.

Each fixture of FPL401-FPL404 (a single `<case>.py`, or a project whose `app/main.py` defines
`app`) that mentions the path `/me` (a string constant `"/me"` in one of its files: what every
way of serving `GET /me` from a literal path needs) is materialised as a throwaway project and
goes through both sides:
- the linter (`check_paths`, with the fixture's own settings): its FPL401-FPL404 findings;
- `tests/runtime/shared_state_driver.py`, in a fresh interpreter per fixture (module globals
  must start clean, and every project fixture names its package `app`), which imports the app,
  says whether one of its routes serves `GET /me` (the fixture is skipped, as no runtime
  fixture, when none does), runs its lifespan, then sends `GET /me` as alice and as bob
  concurrently over one event loop (`httpx.ASGITransport`, `asyncio.gather`), five rounds,
  alternating who goes first (see the driver's docstring for how a body names a user).

For every runtime fixture the test asserts:
- the app imports, starts, and every response answers 200 (a fixture that errors shows
  nothing);
- leaks == flagged;
- when it does not leak, every response names its own user (the identity really came back:
  otherwise "no leak" proves nothing).
The rule's documentation is held to the same convention: for FPL401 and FPL402 (and FPL403 /
FPL404 when their examples serve `GET /me`), the first `## Example` block is flagged by its rule
and leaks, the first `Use instead:` block has no FPL401-FPL404 finding and does not leak.
FPL401 and FPL402 must each have at least `MINIMUM_RUNTIME_FIXTURES` runtime fixtures, flagged
and not flagged ones among them, so that the oracle cannot go silently empty.

The tables below list the fixtures where the two must differ, and why (only where the runtime
truly cannot show it); each must really differ in the stated direction, so that the tables
cannot go stale.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from harness import runtime as oracle
from harness.cases import FixtureCase

from fastapi_prod_lint.rules import RULES_BY_CODE

for _needed in ("fastapi", "httpx"):
    pytest.importorskip(_needed)

DRIVER = Path(__file__).resolve().parent / "runtime" / "shared_state_driver.py"
CODES = ("FPL401", "FPL402", "FPL403", "FPL404")
# the rules whose docs examples and fixtures must show the leak at runtime
RUNTIME_REQUIRED = ("FPL401", "FPL402")
MINIMUM_RUNTIME_FIXTURES = 2  # per code of RUNTIME_REQUIRED
USERS = ("alice", "bob")
ME = "/me"
TIMEOUT = 60  # seconds for one fixture's driver
PARALLEL = max(2, os.cpu_count() or 2)
EMPTY_SETTINGS = "[tool.fastapi-prod-lint]\n"
FILE_HEADER = re.compile(r"^# ([\w/]+\.py)$", flags=re.MULTILINE)  # as in test_docs.py

# The linter flags it; the runtime cannot show it. fixture id -> why.
RULE_ONLY: dict[str, str] = {}

# The runtime shows a leak; the linter does not flag it, on purpose. fixture id -> why.
RUNTIME_ONLY: dict[str, str] = {}


def mentions_me(case: FixtureCase) -> bool:
    """Whether a file of the fixture holds the string constant `"/me"` (a file that does not
    parse counts: the driver then says what is wrong with it)."""
    for source in case.python_sources().values():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return True
        if any(isinstance(node, ast.Constant) and node.value == ME for node in ast.walk(tree)):
            return True
    return False


def shared_state_cases() -> list[FixtureCase]:
    """The fixtures of FPL401-FPL404 that mention `/me`."""
    return [case for case in oracle.cases_of(CODES) if mentions_me(case)]


CASES = shared_state_cases()


# -- the two sides -----------------------------------------------------------------------------
def run_driver(project: Path, output: Path) -> dict[str, Any]:
    return oracle.run_driver(DRIVER, project, output, TIMEOUT)


@functools.cache
def runtime_of(case: FixtureCase) -> dict[str, Any]:
    """The driver's record of a fixture (once per test process: the coverage test and the
    fixture's own test may both ask)."""
    with tempfile.TemporaryDirectory(prefix="fpl4-runtime-") as folder:
        project = case.materialise(Path(folder) / case.project_name)
        return run_driver(project, Path(folder) / "runtime.json")


def runtimes_of(cases: Iterable[FixtureCase]) -> dict[FixtureCase, dict[str, Any]]:
    """The drivers of several fixtures, run in parallel."""
    cases = list(cases)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip(cases, pool.map(runtime_of, cases), strict=True))


Found = oracle.Found


def lint(project: Path) -> list[Found]:
    return oracle.lint(project, CODES)


# -- reading the runtime -----------------------------------------------------------------------
def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def answer(response: dict[str, Any]) -> str:
    """One response, as `200 {"user": "bob"}` (or the error / non-JSON text)."""
    if response["error"]:
        return f"client error {response['error']}"
    body = response["body"] if response["text"] is None else f"(not JSON) {response['text']!r}"
    text = f"{response['status']} {_short(body)}"
    if response["server_errors"]:
        text += f" [server: {'; '.join(response['server_errors'])}]"
    return text


def rounds_view(runtime: dict[str, Any], only: Iterable[int] | None = None) -> str:
    wanted = set(only) if only is not None else None
    lines = []
    for record in runtime["rounds"]:
        if wanted is not None and record["round"] not in wanted:
            continue
        head = f"round {record['round']} ({record['first']} first)"
        if record["timeout"]:
            lines.append(f"{head}: timed out")
            continue
        got = "; ".join(f"{user} got {answer(record['responses'][user])}" for user in USERS)
        lines.append(f"{head}: {got}")
    return "\n".join(f"      {line}" for line in lines) or "      (no round)"


def runtime_view(runtime: dict[str, Any]) -> str:
    if runtime["leaks"]:
        rounds = runtime["leaking_rounds"]
        return f"leaks in rounds {rounds}:\n{rounds_view(runtime, rounds[:2])}"
    return f"no leak in {len(runtime['rounds'])} rounds:\n{rounds_view(runtime, [0, 1])}"


def runtime_problems(runtime: dict[str, Any]) -> list[str]:
    """What keeps the runtime from judging the app: it must import, start, answer 200 to every
    request, and, when nothing leaked, name each request's own user in its response."""
    if runtime["import_error"]:
        return [f"the app does not import:\n{runtime['import_error']}"]
    if not runtime["has_app"]:
        return ["the entry module defines no FastAPI instance `app`"]
    if not runtime["serves_me"]:
        return ["the app does not serve GET /me"]
    if runtime["lifespan_error"]:
        return [f"the lifespan does not start:\n{runtime['lifespan_error']}"]
    problems = []
    for record in runtime["rounds"]:
        if record["timeout"]:
            problems.append(f"round {record['round']}: the two requests did not finish")
            continue
        for user in USERS:
            response = record["responses"][user]
            if response["status"] != 200:
                problems.append(
                    f"round {record['round']}: GET /me as {user} answered {answer(response)} "
                    f"(served by {response['endpoint'] or 'no endpoint'})"
                )
    if runtime["shutdown_error"]:
        problems.append(f"the lifespan does not shut down:\n{runtime['shutdown_error']}")
    if not problems and not runtime["leaks"] and not runtime["names_own_user"]:
        problems.append(
            "no response names the other user, but not every response names its own user "
            "either: the identity does not come back, so `no leak` proves nothing:\n"
            + rounds_view(runtime)
        )
    return problems


def listing(findings: Iterable[Found]) -> str:
    return "\n".join(f"      {finding}" for finding in findings) or "      -"


def disagreement(case_id: str, findings: list[Found], runtime: dict[str, Any]) -> str | None:
    """Why the linter's verdict and the runtime's differ (None when they agree as expected)."""
    flagged, leaks = bool(findings), runtime["leaks"]
    row = f"    linter:\n{listing(findings)}\n    runtime: {runtime_view(runtime)}"
    for table, name, holds in (
        (RULE_ONLY, "rule only", flagged and not leaks),
        (RUNTIME_ONLY, "runtime only", leaks and not flagged),
    ):
        if case_id in table:
            if holds:
                return None
            return f"the table says {name!r} ({table[case_id]}), which no longer holds:\n{row}"
    if flagged == leaks:
        return None
    return f"the rule and the runtime disagree:\n{row}"


def compare(case: FixtureCase, project: Path) -> list[str]:
    """Every problem with one runtime fixture, each a readable paragraph; empty when all agree."""
    runtime = runtime_of(case)
    problems = runtime_problems(runtime)
    if problems:
        return problems
    found = disagreement(case.id, lint(project), runtime)
    return [found] if found else []


def expects_a_finding(case: FixtureCase) -> bool:
    """The fixture's own expectation: a marker naming one of FPL401-FPL404."""
    return any(code in CODES for marker in case.markers() for code in marker.codes)


# -- the tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shared_state_case", CASES, ids=[case.id for case in CASES])
def test_rules_and_runtime_agree(shared_state_case: FixtureCase, tmp_path: Path) -> None:
    case = shared_state_case  # not `case`: conftest parametrises that name with every fixture
    if case.is_project and not (case.source / "app" / "main.py").is_file():
        pytest.fail(f"{case.id} is a project without `app/main.py` defining `app`")
    runtime = runtime_of(case)
    if not runtime["import_error"] and runtime["has_app"] and not runtime["serves_me"]:
        pytest.skip(f"{case.id} mentions `/me` but its app does not serve GET /me: no runtime case")
    project = case.materialise(tmp_path / case.project_name)
    problems = compare(case, project)
    if problems:
        pytest.fail(f"{case.id}:\n\n" + "\n\n".join(problems), pytrace=False)


def test_the_rules_have_runtime_fixtures_both_ways() -> None:
    wanted = [case for case in CASES if case.code in RUNTIME_REQUIRED]
    runtimes = runtimes_of(wanted)
    problems = []
    for code in RUNTIME_REQUIRED:
        served = [case for case in wanted if case.code == code and runtimes[case]["serves_me"]]
        flagged = [case.name for case in served if expects_a_finding(case)]
        clean = [case.name for case in served if not expects_a_finding(case)]
        if len(served) < MINIMUM_RUNTIME_FIXTURES or not flagged or not clean:
            problems.append(
                f"{code}: {len(served)} fixtures serve GET /me (at least "
                f"{MINIMUM_RUNTIME_FIXTURES} wanted, flagged and not flagged ones among them); "
                f"flagged: {', '.join(flagged) or '-'}; not flagged: {', '.join(clean) or '-'}"
            )
    assert not problems, "\n".join(problems)


def test_the_tables_name_existing_fixtures() -> None:
    known = {case.id for case in CASES}
    for case_id in (*RULE_ONLY, *RUNTIME_ONLY):
        assert case_id in known, f"{case_id}: no such runtime fixture"
    assert not set(RULE_ONLY) & set(RUNTIME_ONLY)


# -- the rule's own docs -----------------------------------------------------------------------
def write_block(source: str, project: Path) -> Path:
    """A docs code block as a project with default settings: `app.py`, or the modules of a block
    that starts each with a `# app/main.py` line (as test_docs.py reads it)."""
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(EMPTY_SETTINGS, encoding="utf-8")
    parts = FILE_HEADER.split(source)
    files = dict(zip(parts[1::2], parts[2::2], strict=True)) if len(parts) > 1 else {}
    for name, text in (files or {"app.py": source}).items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for parent in path.relative_to(project).parents:
            if parent.name:
                (project / parent / "__init__.py").touch()
    return project


@pytest.mark.parametrize("code", CODES)
def test_the_docs_examples_leak_and_their_fix_does_not(code: str, tmp_path: Path) -> None:
    rule = RULES_BY_CODE.get(code)
    if rule is None:
        pytest.fail(f"{code} is not a registered rule")
    sections = {"## Example": "example", "Use instead:": "use_instead"}
    blocks = {}
    for heading, name in sections.items():
        found = rule.doc_code_blocks(heading)
        if not found:
            pytest.fail(f"{code}: no ```python block under `{heading}`")
        blocks[name] = found[0]
    projects = {name: write_block(block, tmp_path / name) for name, block in blocks.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(run_driver, project, tmp_path / f"{name}.json")
            for name, project in projects.items()
        }
        runtimes = {name: future.result() for name, future in futures.items()}
    serving = {name for name, runtime in runtimes.items() if runtime["serves_me"]}
    if not serving and code not in RUNTIME_REQUIRED:
        pytest.skip(f"{code}: the docs examples do not serve GET /me (no runtime example)")
    problems = []
    for name, runtime in runtimes.items():
        problems += [f"{code} {name}: {problem}" for problem in runtime_problems(runtime)]
    if not problems:
        example, fixed = runtimes["example"], runtimes["use_instead"]
        flagged = lint(projects["example"])
        if not any(finding.code == code for finding in flagged):
            problems.append(f"{code} example: not flagged by {code}:\n{listing(flagged)}")
        if not example["leaks"]:
            problems.append(f"{code} example: does not leak:\n    {runtime_view(example)}")
        still = lint(projects["use_instead"])
        if still:
            problems.append(f"{code} use instead: flagged:\n{listing(still)}")
        if fixed["leaks"]:
            problems.append(f"{code} use instead: leaks:\n    {runtime_view(fixed)}")
    if problems:
        shown = "\n\n".join(f"--- {name} ---\n{block}" for name, block in blocks.items())
        pytest.fail("\n\n".join(problems) + f"\n\n{shown}", pytrace=False)


# -- the driver itself -------------------------------------------------------------------------
SELF_TEST_LEAKING = """
import asyncio

from fastapi import Depends, FastAPI, Header

app = FastAPI()
current_user = None


async def get_current_user(authorization: str = Header()) -> None:
    global current_user
    current_user = authorization.removeprefix("Bearer ")


@app.get("/me", dependencies=[Depends(get_current_user)])
async def me():
    await asyncio.sleep(0.01)
    return {"user": current_user}
"""

SELF_TEST_FIXED = """
import asyncio
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield {"greeting": "hello"}


app = FastAPI(lifespan=lifespan)
router = APIRouter()


async def get_current_user(authorization: Annotated[str, Header()]) -> str:
    return authorization.removeprefix("Bearer ")


@router.get("/me")
async def me(request: Request, user: Annotated[str, Depends(get_current_user)]):
    await asyncio.sleep(0.01)
    return {"profile": {"email": f"{user}@example.com"}, "hi": request.state.greeting}


app.include_router(router)
"""

SELF_TEST_ELSEWHERE = """
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(prefix="/users")


@router.get("/me")
async def me():
    return {"user": "nobody"}


app.include_router(router)
"""


def test_the_driver_sees_a_leak_its_fix_and_a_route_elsewhere(tmp_path: Path) -> None:
    apps = {
        "leaking": SELF_TEST_LEAKING,
        "fixed": SELF_TEST_FIXED,
        "elsewhere": SELF_TEST_ELSEWHERE,
    }
    projects = {}
    for name, source in apps.items():
        projects[name] = tmp_path / name
        projects[name].mkdir()
        (projects[name] / f"{name}.py").write_text(source, encoding="utf-8")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {
            name: pool.submit(run_driver, project, tmp_path / f"{name}.json")
            for name, project in projects.items()
        }
        runtimes = {name: future.result() for name, future in futures.items()}
    leaking, fixed = runtimes["leaking"], runtimes["fixed"]
    assert runtime_problems(leaking) == runtime_problems(fixed) == []
    # the later writer wins: whoever went first reads the other's name, every round
    assert leaking["leaks"] and leaking["leaking_rounds"] == [0, 1, 2, 3, 4]
    first = leaking["rounds"][0]
    assert first["first"] == "alice"
    assert first["responses"]["alice"]["body"] == {"user": "bob"}
    assert first["responses"]["alice"]["names"] == ["bob"]
    assert first["responses"]["alice"]["endpoint"] == "leaking:me"
    # the lifespan's state reached the requests; `alice@example.com` names alice
    assert not fixed["leaks"] and fixed["names_own_user"]
    assert fixed["rounds"][1]["first"] == "bob"
    assert fixed["rounds"][1]["responses"]["bob"]["body"] == {
        "profile": {"email": "bob@example.com"},
        "hi": "hello",
    }
    elsewhere = runtimes["elsewhere"]
    assert elsewhere["has_app"] and not elsewhere["serves_me"] and elsewhere["rounds"] == []
