"""The runtime agrees with FPL501-FPL503: pydantic and SQLAlchemy use every fixture model, class by
class.

Each fixture of FPL501, FPL502 and FPL503 (a project whose package `app/` is the application, or
a single `<case>.py`) is materialised as a throwaway project and goes through both sides:
- the linter (`check_paths`), whose FPL501 findings are mapped to the model class whose
  `class` line they are on, its FPL503 findings to the class whose body they lie in;
- `tests/runtime/forward_refs_driver.py`, in a fresh interpreter per fixture (pydantic completes
  a model once per process, SQLAlchemy keeps one mapper registry per process, and every project
  fixture is a package named `app`), which starts the app (imports `app.main`, else `app`, and
  runs the FastAPI lifespan under `TestClient`), uses every model class reachable then
  (`model_json_schema()`, `model_validate` of a payload from the defaults and the schema, an
  instantiation; for a table model first its relationships and `configure_mappers()`), calls
  every route whose response model is a model of the fixture once, then imports the remaining
  modules of the package in sorted order and uses the model classes found only then (see the
  driver's docstring).

The linter's side is every front end: the core (`check_paths` on the project, as the CLI), flake8
(one file at a time) and pylint, each judged against the same runtime record on its own.

The test asserts:
- FPL502: the fixture has FPL502 findings iff an import (of the entry module, or of a module
  imported later) raised `PydanticUndefinedAnnotation`, and the rebuild call that raised it
  carries one of them. When the entry import raised it, the app does not start and its models
  cannot be judged: the comparisons below are not made (its FPL501 and FPL503 findings go
  unchecked); when a later module raised it, that module's findings go unchecked;
- class by class, FPL501: flagged (a finding on the class's `class` line) == pydantic fails on
  the class with `PydanticUserError` code `class-not-fully-defined` (directly, or through a
  field or base model that is not fully defined);
- class by class, FPL503: flagged (a finding inside the class body) == SQLAlchemy fails on the
  class (a relationship of the class does not resolve, or the mapper configuration error names
  the class); and a finding on a relationship attribute of such a class is on one that failed,
  when the driver knows which;
- route by route: a route whose response model holds an FPL501-flagged class answers 500, the
  server's exception being pydantic's `class-not-fully-defined`; a route that answers 500
  because SQLAlchemy's mappers do not configure (one broken relationship stops every table
  model of the app) is expected iff FPL503 flags the fixture; every other route answers
  something else than 500. The fixtures' apps rarely serve a flagged model, so
  `test_a_route_serving_a_flagged_model_answers_500` checks that end to end on a project of
  its own.
Every finding must lie on a class the runtime used, every model class must be judged (a step
failing otherwise than by `class-not-fully-defined`, a `ValidationError` of the payload or a
mapping error is the fixture's bug), the app must import (but for FPL502) and start.

The tables below list the classes and routes where the two must differ, and why; each must
really differ in the stated direction, so that the tables cannot go stale.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import runtime as oracle
from harness.cases import FixtureCase
from harness.frontends import Reported, run_flake8, run_pylint

from fastapi_prod_lint.core.config import load_settings
from fastapi_prod_lint.rules import RULES_BY_CODE

for _needed in ("pydantic", "sqlmodel", "fastapi", "httpx"):
    pytest.importorskip(_needed)

DRIVER = Path(__file__).resolve().parent / "runtime" / "forward_refs_driver.py"
CODES = ("FPL501", "FPL502", "FPL503")
TIMEOUT = 120  # seconds for one fixture's driver
NOT_FULLY_DEFINED = "class-not-fully-defined"
UNDEFINED_ANNOTATION = "PydanticUndefinedAnnotation"
# pydantic 2's TypeError for `update_forward_refs(B=B)`, also a rebuild failing at import
NO_NAMES = "`localns` arguments are not longer accepted"

# The runtime fails on the class; the rule does not flag it, on purpose. (code, class) -> why.
# A class is `<fixture>::<path>:<qualname>`.
RUNTIME_ONLY: dict[tuple[str, str], str] = {}

# The rule flags the class; the runtime does not fail on it. (code, class) -> why.
RULE_ONLY: dict[tuple[str, str], str] = {}

# Routes whose status is not what the FPL501 verdict on their response model predicts (500
# iff flagged). Each must really differ. `<fixture>::<path>:<endpoint>` -> why.
_NO_SCHEMA = (
    "500 from SQLite (`no such table`): the fixture's in-memory engine has no schema (its "
    "migrations would create it), so the route fails on its query before its response model "
    "is used; the mappers themselves configure fine"
)
ROUTE_EXCEPTIONS: dict[str, str] = {
    "FPL503/project_tutorial_split_ok::app/routers/heroes.py:create_hero": _NO_SCHEMA,
    "FPL503/project_tutorial_split_ok::app/routers/heroes.py:read_heroes": _NO_SCHEMA,
    "FPL503/project_tutorial_split_ok::app/routers/heroes.py:read_hero": _NO_SCHEMA,
    "FPL503/project_tutorial_split_ok::app/routers/teams.py:create_team": _NO_SCHEMA,
}


# pydantic 1 fixtures have their own oracle (tests/test_runtime_pydantic1.py)
CASES = [case for case in oracle.cases_of(CODES) if not oracle.follows_pydantic1(case)]


# -- the two sides -----------------------------------------------------------------------------
def run_driver(project: Path, output: Path) -> dict[str, Any]:
    return oracle.run_driver(DRIVER, project, output, TIMEOUT)


Found = oracle.Found


def lint(project: Path) -> list[Found]:
    return oracle.lint(project, CODES)


def enabled_codes(project: Path) -> set[str]:
    """The codes the fixture's settings enable (a code the registry does not know yet counts
    as enabled: the rule is missing, and the comparison says so)."""
    settings = load_settings(project)
    return {code for code in CODES if settings.is_enabled(RULES_BY_CODE.get(code, code))}


# -- class by class ----------------------------------------------------------------------------
def class_id(case: FixtureCase, record: dict[str, Any]) -> str:
    return f"{case.id}::{record['path']}:{record['qualname']}"


def route_ids(case: FixtureCase, routes: list[dict[str, Any]]) -> list[str]:
    """`<fixture>::<path>:<endpoint>`, and the url after it when one function serves several
    routes."""
    bases = [f"{case.id}::{route['path']}:{route['name']}" for route in routes]
    return [
        f"{base} {route['url']}" if bases.count(base) > 1 else base
        for base, route in zip(bases, routes, strict=True)
    ]


def on_class_line(finding: Found, record: dict[str, Any]) -> bool:
    return finding.path == record["path"] and finding.line == record["line"]


def in_class_body(finding: Found, record: dict[str, Any]) -> bool:
    return finding.path == record["path"] and record["line"] <= finding.line <= record["last_line"]


def failing_step(record: dict[str, Any]) -> str:
    for name, step in sorted(record["steps"].items()):
        if not step["ok"]:
            code = f" [{step['code']}]" if step["code"] else ""
            return f"{name}: {step['type']}{code}: {first_line(step['message'])}"
    return "-"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0][:160] if text.strip() else ""


def sqlalchemy_view(record: dict[str, Any], runtime: dict[str, Any]) -> str:
    if not record["table"]:
        return "not a table model"
    broken = [
        f"{r['key']}: {first_line(r['error']['message'])}"
        for r in record["relationships"]
        if r["error"]
    ]
    charged = [
        f"configure_mappers: {first_line(e['message'])}"
        for e in runtime["configure_errors"]
        if record["qualname"].rsplit(".", 1)[-1] in e["classes"]
    ]
    return "; ".join(broken + charged) or record["sqlalchemy"]


@dataclass
class Comparison:
    """One rule on one class: what the rule says, what the runtime says."""

    code: str
    subject: str
    rule: str
    runtime: str
    flagged: bool
    fails: bool

    @property
    def expected(self) -> str:
        if (self.code, self.subject) in RULE_ONLY:
            return "rule only"
        if (self.code, self.subject) in RUNTIME_ONLY:
            return "runtime only"
        return "agree"

    @property
    def holds(self) -> bool:
        if self.expected == "rule only":
            return self.flagged and not self.fails
        if self.expected == "runtime only":
            return self.fails and not self.flagged
        return self.flagged == self.fails

    def row(self) -> str:
        return f"{self.code} {self.subject}\n    rule:    {self.rule}\n    runtime: {self.runtime}"


def _listing(findings: Iterable[Found]) -> str:
    return "; ".join(f"line {f.line}: {f.message}" for f in findings) or "-"


def compare_class(
    subject: str,
    record: dict[str, Any],
    findings: list[Found],
    runtime: dict[str, Any],
    enabled: set[str],
) -> tuple[list[Comparison], list[str]]:
    """The rules' verdicts on one class against the runtime's, and the problems that make a
    verdict impossible."""
    comparisons, problems = [], []
    if "FPL501" in enabled:
        mine = [f for f in findings if f.code == "FPL501" and on_class_line(f, record)]
        if record["pydantic"] == "error":
            problems.append(
                f"{subject}: the runtime cannot judge the class ({failing_step(record)}); "
                f"FPL501 says: {_listing(mine)}"
            )
        else:
            fails = record["pydantic"] == "not-fully-defined"
            comparisons.append(
                Comparison(
                    "FPL501",
                    subject,
                    _listing(mine),
                    failing_step(record) if fails else "pydantic uses it",
                    flagged=bool(mine),
                    fails=fails,
                )
            )
    if "FPL503" in enabled:
        mine = [f for f in findings if f.code == "FPL503" and in_class_body(f, record)]
        if record["sqlalchemy"] == "unjudged":
            problems.append(
                f"{subject}: the mapper configuration failed naming no class, the runtime "
                f"cannot judge the class; FPL503 says: {_listing(mine)}"
            )
        else:
            comparisons.append(
                Comparison(
                    "FPL503",
                    subject,
                    _listing(mine),
                    sqlalchemy_view(record, runtime),
                    flagged=bool(mine),
                    fails=record["sqlalchemy"] == "failed",
                )
            )
            problems += misplaced_relationship_findings(subject, record, mine)
    return comparisons, problems


def misplaced_relationship_findings(
    subject: str, record: dict[str, Any], mine: list[Found]
) -> list[str]:
    """FPL503 findings on a relationship attribute that resolved, in a class whose failing
    relationships the driver knows."""
    if record["sqlalchemy"] != "failed":
        return []
    relationships = [r for r in record.get("relationships", []) if r["line"] is not None]
    failing = [r for r in relationships if r["error"]]
    if not failing:
        return []
    problems = []
    for finding in mine:
        on = [r for r in relationships if r["line"] <= finding.line <= r["last_line"]]
        if on and not any(r["error"] for r in on):
            keys = ", ".join(r["key"] for r in failing)
            problems.append(
                f"{subject}: FPL503 flags relationship `{on[0]['key']}`, which resolves; "
                f"SQLAlchemy fails on {keys}:\n    {finding}"
            )
    return problems


# -- the fixture -------------------------------------------------------------------------------
def import_errors(runtime: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    errors = [(runtime["entry"], runtime["import_error"])] if runtime["import_error"] else []
    return errors + sorted(runtime["module_errors"].items())


def describe(error: dict[str, Any]) -> str:
    where = error["where"] or {}
    place = f" at {where['path']}:{where['line']}" if where else ""
    return f"{error['type']}{place}: {first_line(error['message'])}"


def compare_imports(runtime: dict[str, Any], findings: list[Found], enabled: set[str]) -> list[str]:
    """FPL502 against the imports, and every other import or startup failure as a problem."""
    problems = []
    undefined = []
    for module, error in import_errors(runtime):
        if error["type"] == UNDEFINED_ANNOTATION or NO_NAMES in error["message"]:
            undefined.append((module, error))
        else:
            problems.append(f"importing {module} fails: {describe(error)}")
    if runtime["startup_error"]:
        problems.append(f"the app does not start: {describe(runtime['startup_error'])}")
    if "FPL502" not in enabled:
        return problems
    mine = [f for f in findings if f.code == "FPL502"]
    if bool(mine) != bool(undefined):
        raised = "; ".join(f"importing {m}: {describe(e)}" for m, e in undefined) or "-"
        problems.append(
            "the rule and the runtime disagree:\n"
            f"FPL502\n    rule:    {_listing(mine) if mine else '-'}\n    runtime: {raised}"
        )
    elif undefined:
        for module, error in undefined:
            where = error["where"] or {}
            line = where.get("rebuild_call")
            if line is None:
                problems.append(
                    f"importing {module} raises {describe(error)}, not in a rebuild call"
                )
            elif not any(f.path == where["path"] and f.line == line for f in mine):
                problems.append(
                    f"the rebuild call that raises is {where['path']}:{line}, "
                    f"FPL502 is elsewhere: {_listing(mine)}"
                )
    return problems


def mapping_failure(error: dict[str, Any]) -> bool:
    """SQLAlchemy's mapper configuration failing (the first use of any table model raises it
    once one relationship is broken)."""
    message = error["message"]
    return error["module"].startswith("sqlalchemy") and (
        "When initializing mapper" in message or "mappers failed to initialize" in message
    )


def compare_routes(
    case: FixtureCase,
    runtime: dict[str, Any],
    flagged: set[str],
    mapping_flagged: bool,
) -> list[str]:
    """Each route whose response model holds a fixture model: 500 iff one of them is
    FPL501-flagged (`flagged`: `module:qualname`), pydantic's error being the cause; a 500
    from SQLAlchemy's mapper configuration is expected iff FPL503 flags the fixture
    (`mapping_flagged`): one broken relationship stops every table model of the app."""
    problems = []
    ids = route_ids(case, runtime["routes"])
    for route_id, route in zip(ids, runtime["routes"], strict=True):
        bad = [model for model in route["models"] if model in flagged]
        status = route["status"]
        server = route["server_errors"]
        seen = ", ".join(f"{e['type']}: {first_line(e['message'])}" for e in server) or "-"
        if route["client_error"]:
            problems.append(f"{route_id}: the client failed: {route['client_error']['message']}")
            continue
        if bad:
            holds = status == 500 and any(e["code"] == NOT_FULLY_DEFINED for e in server)
            expected = f"500 from pydantic ({', '.join(bad)} flagged by FPL501)"
        elif status == 500 and server and all(mapping_failure(e) for e in server):
            holds = mapping_flagged
            expected = "not 500: FPL503 flags no relationship of the fixture"
        else:
            holds = status != 500
            expected = f"not 500 (none of {', '.join(route['models'])} flagged by FPL501)"
        if holds and route_id in ROUTE_EXCEPTIONS:
            problems.append(
                f"ROUTE_EXCEPTIONS lists {route_id} ({ROUTE_EXCEPTIONS[route_id]}), which "
                f"answered as predicted: {route['method']} {route['url']} -> {status}"
            )
        elif not holds and route_id not in ROUTE_EXCEPTIONS:
            problems.append(
                f"{route_id}: {route['method']} {route['url']} answered {status} "
                f"(server exception: {seen}); expected {expected}"
            )
    for route_id in ROUTE_EXCEPTIONS:
        if route_id.startswith(f"{case.id}::") and route_id not in ids:
            problems.append(f"ROUTE_EXCEPTIONS names {route_id}, which the app does not have")
    return problems


def lint_hosts(project: Path, cache_dir: Path) -> dict[str, list[Found]]:
    """The findings of these codes from flake8 and pylint (the one-file-at-a-time paths)."""
    found: dict[str, list[Found]] = {}
    if importlib.util.find_spec("flake8") is not None:
        found["flake8"] = _found(run_flake8(project, cache_dir))
    if importlib.util.find_spec("pylint") is not None:
        found["pylint"] = _found(run_pylint(project, cache_dir))
    return found


def _found(reported: list[Reported]) -> list[Found]:
    return [Found(r.path, r.line, r.code, r.message) for r in reported if r.code in CODES]


def compare(case: FixtureCase, project: Path, tmp_path: Path) -> list[str]:
    """Every problem with one fixture, each a readable paragraph; empty when all agree. Each
    front end is judged on its own, against the same runtime record."""
    runtime = run_driver(project, tmp_path / "runtime.json")
    enabled = enabled_codes(project)
    problems = judge(case, runtime, lint(project), enabled)
    for host, findings in lint_hosts(project, tmp_path / "cache").items():
        problems += [f"[{host}] {problem}" for problem in judge(case, runtime, findings, enabled)]
    return problems


def judge(
    case: FixtureCase, runtime: dict[str, Any], findings: list[Found], enabled: set[str]
) -> list[str]:
    """The driver's record of a fixture against the linter's findings on it."""
    problems = compare_imports(runtime, findings, enabled)
    if runtime["import_error"]:
        return problems  # the app does not start: its models cannot be judged
    records = runtime["classes"]
    unplaced = [r for r in records if r["path"] is None or r["line"] is None]
    problems += [f"the driver cannot place {r['module']}:{r['qualname']}" for r in unplaced]
    records = [r for r in records if r not in unplaced]
    # a module that does not import has no classes to use: its findings cannot be judged
    broken_files = {error["path"] for error in runtime["module_errors"].values()}
    findings = [f for f in findings if f.code == "FPL502" or f.path not in broken_files]
    for finding in findings:
        if finding.code == "FPL501" and not any(on_class_line(finding, r) for r in records):
            problems.append(f"an FPL501 finding is on no model class the runtime used: {finding}")
        if finding.code == "FPL503" and not any(in_class_body(finding, r) for r in records):
            problems.append(f"an FPL503 finding is in no model class the runtime used: {finding}")
    ids = [class_id(case, record) for record in records]
    flagged_models = set()
    for subject, record in zip(ids, records, strict=True):
        comparisons, trouble = compare_class(subject, record, findings, runtime, enabled)
        problems += trouble
        for comparison in comparisons:
            if comparison.code == "FPL501" and comparison.flagged:
                flagged_models.add(f"{record['module']}:{record['qualname']}")
            if comparison.holds:
                continue
            if comparison.expected == "agree":
                problems.append(f"the rule and the runtime disagree:\n{comparison.row()}")
            else:
                table = RUNTIME_ONLY if comparison.expected == "runtime only" else RULE_ONLY
                reason = table[(comparison.code, subject)]
                problems.append(
                    f"the table says {comparison.expected!r} ({reason}), which no longer "
                    f"holds:\n{comparison.row()}"
                )
    if "FPL501" in enabled:
        mapping_flagged = any(f.code == "FPL503" for f in findings)
        problems += compare_routes(case, runtime, flagged_models, mapping_flagged)
    for code, subject in (*RUNTIME_ONLY, *RULE_ONLY):
        if subject.startswith(f"{case.id}::") and subject not in ids:
            problems.append(f"the tables name {code} {subject}, which the runtime did not use")
    return problems


# -- the tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("forward_ref_case", CASES, ids=[case.id for case in CASES])
def test_rules_and_runtime_agree(forward_ref_case: FixtureCase, tmp_path: Path) -> None:
    case = forward_ref_case  # not `case`: conftest parametrises that name with every fixture
    if case.is_project and not (case.source / "app" / "__init__.py").is_file():
        pytest.fail(f"{case.id} is a project without a package `app/` (`app/__init__.py`)")
    project = case.materialise(tmp_path / case.project_name)
    problems = compare(case, project, tmp_path)
    if problems:
        pytest.fail(f"{case.id}:\n\n" + "\n\n".join(problems), pytrace=False)


def test_the_tables_name_existing_fixtures() -> None:
    known = {case.id for case in CASES}
    for code, subject in (*RUNTIME_ONLY, *RULE_ONLY):
        assert code in CODES, (code, subject)
        assert subject.split("::")[0] in known, f"{subject}: no such fixture"
    for route in ROUTE_EXCEPTIONS:
        assert route.split("::")[0] in known, f"{route}: no such fixture"
    assert not set(RUNTIME_ONLY) & set(RULE_ONLY)


SELF_TEST_PROJECT = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/hero.py": """
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from pydantic import BaseModel, RootModel
from pydantic.dataclasses import dataclass

if TYPE_CHECKING:
    from app.models.team import TeamRead


class HeroRead(BaseModel):
    name: str = "h"
    team: Optional[TeamRead] = None


class HeroPage(BaseModel):
    items: list[HeroRead] = []


class Orphan(BaseModel):
    team: Optional[TeamRead] = None


class Later(BaseModel):
    bound: Optional[Bound] = None


class Required(BaseModel):
    id: int
    name: str


class Names(RootModel["list[TeamRead]"]):
    pass


@dataclass
class Point:
    team: Optional[TeamRead] = None


from app.models.team import Bound  # noqa: E402
""",
    "app/models/team.py": """
from typing import Optional

from pydantic import BaseModel
from sqlmodel import Field, Relationship, SQLModel


class TeamRead(BaseModel):
    name: str = "t"


class Bound(BaseModel):
    x: int = 1


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    heroes: list["HeroRow"] = Relationship(back_populates="team")


class HeroRow(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
    team: "Optional[Team]" = Relationship(
        back_populates="heroes",
    )
    power_id: Optional[int] = Field(default=None, foreign_key="power.id")
    power: Optional["Power"] = Relationship()
""",
    "app/models/power.py": """
from typing import Optional

from sqlmodel import Field, SQLModel


class Power(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
""",
    "app/main.py": """
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.models.hero import HeroPage, HeroRead, Orphan, Required
from app.models.team import TeamRead


@asynccontextmanager
async def lifespan(app: FastAPI):
    HeroRead.model_rebuild(_types_namespace={"TeamRead": TeamRead})
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/heroes/{hero_id}", response_model=HeroRead)
def read_hero(hero_id: int):
    return {"name": "x"}


@app.get("/page")
def read_page() -> HeroPage:
    return HeroPage()


@app.get("/orphans", response_model=list[Orphan])
def read_orphans():
    return []


@app.post("/required", response_model=Required)
def make(body: Required, q: int):
    return body
""",
}

SELF_TEST_BROKEN_IMPORT = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "from app import models  # noqa: F401\n",
    "app/models.py": """
from typing import Optional

from pydantic import BaseModel


class A(BaseModel):
    b: Optional["B"] = None


A.model_rebuild(
)


class B(BaseModel):
    x: int = 1
""",
}


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    return root


def test_the_driver_sees_models_mappings_and_routes(tmp_path: Path) -> None:
    project = write_project(tmp_path / "selftest", SELF_TEST_PROJECT)
    runtime = run_driver(project, tmp_path / "runtime.json")
    assert (runtime["import_error"], runtime["startup_error"], runtime["module_errors"]) == (
        None,
        None,
        {},
    )
    classes = {record["qualname"]: record for record in runtime["classes"]}
    assert {name: record["pydantic"] for name, record in classes.items()} == {
        "HeroRead": "ok",  # rebuilt in the lifespan
        "HeroPage": "ok",  # through HeroRead, usable once HeroRead is
        "Orphan": "not-fully-defined",
        "Later": "ok",  # bound at the bottom of the module
        "Required": "ok",  # the payload fills the required fields
        "Names": "not-fully-defined",
        "Point": "not-fully-defined",
        "TeamRead": "ok",
        "Bound": "ok",
        "Team": "ok",
        "HeroRow": "ok",
        "Power": "ok",
    }
    assert classes["Orphan"]["steps"]["schema"]["code"] == NOT_FULLY_DEFINED
    assert classes["Point"]["kind"] == "dataclass"
    assert classes["Names"]["kind"] == "root"
    assert {name: record["sqlalchemy"] for name, record in classes.items() if record["table"]} == {
        "Team": "ok",
        "HeroRow": "failed",  # the whole-string annotation: SQLAlchemy gets `Optional[Team]`
        "Power": "ok",
    }
    hero_row = classes["HeroRow"]
    text = SELF_TEST_PROJECT["app/models/team.py"].lstrip("\n").splitlines()
    line = text.index("class HeroRow(SQLModel, table=True):") + 1
    assert (hero_row["path"], hero_row["line"], hero_row["last_line"]) == (
        "app/models/team.py",
        line,
        line + 7,
    )
    relationships = {r["key"]: r for r in hero_row["relationships"]}
    assert (relationships["team"]["line"], relationships["team"]["last_line"]) == (
        line + 3,
        line + 5,
    )
    assert relationships["team"]["error"]["type"] == "InvalidRequestError"
    # `Power` is in a module no entry module imports: found on the later import-all, so the
    # string `"Power"` did not resolve when the app started
    assert relationships["power"]["error"]["type"] == "InvalidRequestError"
    assert classes["Power"]["reached"] == "import-all"
    assert classes["HeroRow"]["reached"] == "entry"
    assert [error["classes"] for error in runtime["configure_errors"]] == [["HeroRow"]]
    routes = {route["name"]: route for route in runtime["routes"]}
    assert {name: route["status"] for name, route in routes.items()} == {
        "read_hero": 200,
        "read_page": 200,
        "read_orphans": 500,
        "make": 200,
    }
    assert routes["read_orphans"]["models"] == ["app.models.hero:Orphan"]
    assert [e["code"] for e in routes["read_orphans"]["server_errors"]] == [NOT_FULLY_DEFINED]
    assert routes["read_hero"]["url"] == "/heroes/1"


def test_the_driver_reports_the_rebuild_that_stops_the_import(tmp_path: Path) -> None:
    project = write_project(tmp_path / "selftest", SELF_TEST_BROKEN_IMPORT)
    runtime = run_driver(project, tmp_path / "runtime.json")
    error = runtime["import_error"]
    assert error["type"] == UNDEFINED_ANNOTATION
    text = SELF_TEST_BROKEN_IMPORT["app/models.py"].lstrip("\n").splitlines()
    line = text.index("A.model_rebuild(") + 1
    assert error["where"]["path"] == "app/models.py"
    assert error["where"]["rebuild_call"] == line
    assert runtime["classes"] == []
    assert "the app does not start" in runtime["not_judged"]


FLAGGED_ROUTE_PROJECT = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/tags.py": """
from pydantic import BaseModel


class Tag(BaseModel):
    slug: str = ""
""",
    "app/schemas.py": """
from typing import TYPE_CHECKING, Optional

from pydantic import BaseModel

if TYPE_CHECKING:
    from app.tags import Tag


class Post(BaseModel):
    title: str = ""
    tag: Optional["Tag"] = None


class Health(BaseModel):
    status: str = "ok"
""",
    "app/main.py": """
from fastapi import FastAPI

from app.schemas import Health, Post

app = FastAPI()


@app.get("/posts", response_model=list[Post])
def list_posts():
    return [{"title": "hello"}]


@app.get("/posts/{post_id}")
def read_post(post_id: int) -> Post:
    return {"title": "hello"}


@app.get("/health", response_model=Health)
def health():
    return Health()
""",
}


def test_a_route_serving_a_flagged_model_answers_500(tmp_path: Path) -> None:
    """The FastAPI angle end to end, on a project of its own: the FPL501 fixtures serve no
    flagged model (most have no `app/main.py`), so this one does."""
    project = write_project(tmp_path / "flagged_route", FLAGGED_ROUTE_PROJECT)
    runtime = run_driver(project, tmp_path / "runtime.json")
    findings = lint(project)
    text = FLAGGED_ROUTE_PROJECT["app/schemas.py"].lstrip("\n").splitlines()
    line = text.index("class Post(BaseModel):") + 1
    assert [(f.path, f.line) for f in findings if f.code == "FPL501"] == [("app/schemas.py", line)]
    routes = {route["name"]: route["status"] for route in runtime["routes"]}
    assert routes == {"list_posts": 500, "read_post": 500, "health": 200}
    case = FixtureCase("FPL501", project)
    assert judge(case, runtime, findings, set(CODES)) == []
