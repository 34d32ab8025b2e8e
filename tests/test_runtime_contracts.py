"""The runtime agrees with FPL301-FPL304: FastAPI serves every contract fixture, route by route.

Each fixture of FPL301, FPL302, FPL303 and FPL304 (a single `<case>.py`, or a project whose
`app/main.py` defines `app`) is materialised as a throwaway project and goes through both
sides:
- the linter (`check_paths`), whose FPL30x findings are mapped to the route whose code they lie
  in: the route's registration call (its decorator, or an `add_api_route(...)` call) or its
  endpoint function from the `def` line on; for FPL303 also the dependency functions FastAPI
  fills from the same request;
- `tests/runtime/contracts_driver.py`, in a fresh interpreter per fixture (SQLModel's table
  metadata is global to a process, and every project fixture is a package named `app`), which
  imports the app with FastAPI's route registration watched, calls every route once with
  `TestClient` and reads each route's OpenAPI document (see the driver's docstring).

Route by route, the test asserts:
- FPL301: flagged == the route sends all columns of a table model (JSON body or documented
  response schema), and every table model a finding names is one whose columns it sends;
- FPL302: flagged == FastAPI refused to register the route (`FastAPIError`), and the error
  names a class the findings name;
- FPL303: the request-body parameters the findings name == the body parameters (endpoint and
  dependencies) whose type holds a table model;
- FPL304: every field a finding names is really sent (in the JSON body, or documented for a
  status code other than the one that answered, e.g. `responses={404: {"model": X}}`) and not
  masked; and, the other way, every field the route both declares and sends unmasked whose name
  is a secret by the rule's own vocabulary (`is_secret_name` with the fixture's options, less
  the token fields an auth route may send: `is_auth_route`, `names_field`) is named.
Every finding must lie in a route the app serves (or one FastAPI refused), and every route must
answer (2xx, or a redirect), so that the body half of the oracle sees it.
A fixture that declares a FastAPI before 0.89 (`core/declared_versions.py`) is skipped: the
installed FastAPI makes return annotations response models, the declared one does not. FPL302's
are kept: the installed FastAPI is the upgrade their warnings speak of, and it must refuse
exactly the routes they name.

The tables below list the routes where the two must differ, and why; each must really differ in
the stated direction, so that the tables cannot go stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import runtime as oracle
from harness.cases import FixtureCase

from fastapi_prod_lint.core.config import load_settings
from fastapi_prod_lint.core.declared_versions import declared
from fastapi_prod_lint.core.responses import RETURN_ANNOTATION_SINCE
from fastapi_prod_lint.rules import RULES_BY_CODE
from fastapi_prod_lint.rules.secret_field_in_response_model import (
    SecretFieldInResponseModel,
    is_auth_route,
    is_secret_name,
    names_field,
)

for _needed in ("fastapi", "sqlmodel", "httpx"):
    pytest.importorskip(_needed)

DRIVER = Path(__file__).resolve().parent / "runtime" / "contracts_driver.py"
CODES = ("FPL301", "FPL302", "FPL303", "FPL304")
TIMEOUT = 120  # seconds for one fixture's driver
TICKED = re.compile(r"`([^`]*)`")
# the fields named, then those of other models in brackets: "field `a` (and `Owner.b`)"
SECRET_FIELDS = re.compile(r"secret fields? ([^;]+);")

# The runtime sees it; the rule does not flag it, on purpose. (code, route) -> why.
RUNTIME_ONLY: dict[tuple[str, str], str] = {}

# The rule flags it; the runtime cannot see it. (code, route) -> why.
RULE_ONLY: dict[tuple[str, str], str] = {}

# Routes that do not answer (2xx or 3xx) the driver's one generic request: only their OpenAPI
# document is seen. Each must really fail to answer. route -> why.
NOT_SERVED: dict[str, str] = {
    "FPL303/subclass_of_table_model.py::save_draft": (
        "500: SQLModel cannot build a `table=False` subclass of a table model (SQLAlchemy has "
        "no mapper for `HeroDraft`, `__init__` raises AttributeError), so FastAPI fails while "
        "making the body; the body parameter is still read from the route's dependant"
    ),
    "FPL304/project_auth_ok::app/routers/auth.py:login": (
        "400: the login checks the password of a known user; the driver knows none"
    ),
    "FPL304/project_auth_ok::app/routers/users.py:read_users_me": (
        "401: the bearer token must name a known user; the driver sends a made-up one"
    ),
}


CASES = oracle.cases_of(CODES)


# -- the two sides -----------------------------------------------------------------------------
def run_driver(project: Path, output: Path) -> dict[str, Any]:
    return oracle.run_driver(DRIVER, project, output, TIMEOUT)


Found = oracle.Found


def lint(project: Path) -> list[Found]:
    return oracle.lint(project, CODES)


@dataclass(frozen=True)
class Policy:
    """What the fixture's settings make of the rules: the codes enabled, and FPL304's secret
    terms, allowed field names and auth routes (the rule's own vocabulary: the runtime knows
    where a field goes, not whether its name is a secret or a route hands out tokens)."""

    enabled: frozenset[str]
    secret_terms: tuple[str, ...]
    allowed: tuple[str, ...]
    auth_route_fields: tuple[str, ...]
    auth_route_words: tuple[str, ...]
    qualifiers: tuple[str, ...]

    @classmethod
    def of(cls, project: Path) -> Policy:
        settings = load_settings(project)
        options = settings.options_for(SecretFieldInResponseModel)
        enabled = {code for code in CODES if settings.is_enabled(RULES_BY_CODE[code])}
        return cls(
            frozenset(enabled),
            tuple(options.secret_field_names),
            tuple(options.allowed_secret_fields),
            tuple(options.auth_route_fields),
            tuple(options.auth_route_words),
            tuple(options.non_secret_qualifiers),
        )

    def is_secret(self, name: str, record: dict[str, Any]) -> bool:
        auth = is_auth_route(record["path"], record["name"], self.auth_route_words)
        if auth and names_field(name, self.auth_route_fields):
            return False
        return name not in self.allowed and is_secret_name(name, self.secret_terms, self.qualifiers)


# -- route by route ----------------------------------------------------------------------------
def route_ids(case: FixtureCase, records: list[dict[str, Any]]) -> list[str]:
    """`<fixture>::<function>` (`<fixture>::<module>:<function>` in a project), and the route
    path after it when one function serves several routes."""
    bases = []
    for record in records:
        where = f"{record['module']}:" if case.is_project else ""
        bases.append(f"{case.id}::{where}{record['name']}")
    return [
        f"{base} {record['path']}" if bases.count(base) > 1 else base
        for base, record in zip(bases, records, strict=True)
    ]


def spans(record: dict[str, Any], *, dependencies: bool) -> list[tuple[str, int, int]]:
    found = []
    if record.get("registration"):
        found.append(tuple(record["registration"]))
    if record.get("module") and record.get("def_line"):
        found.append((record["module"], record["def_line"], record["last_line"]))
    if dependencies:
        found.extend(tuple(span) for span in record.get("dependencies", []))
    return found


def lies_in(finding: Found, record: dict[str, Any]) -> bool:
    return any(
        finding.path == path and first <= finding.line <= last
        for path, first, last in spans(record, dependencies=finding.code == "FPL303")
    )


def secret_fields(message: str) -> list[str]:
    """The fields an FPL304 message names (the last part of a dotted path is the key)."""
    match = SECRET_FIELDS.search(message)
    return [name.rsplit(".", 1)[-1] for name in TICKED.findall(match[1])] if match else []


def _named(findings: Iterable[Found], position: int) -> set[str]:
    names = set()
    for finding in findings:
        ticked = TICKED.findall(finding.message)
        if len(ticked) > position:
            names.add(ticked[position])
    return names


def declared_and_sent(record: dict[str, Any]) -> set[str]:
    """Keys the route both documents and really sends: the body's keys that the answering
    status documents, and every key documented for another status (`responses=` models; for a
    route that did not answer, that is every documented key)."""
    status = str((record.get("call") or {}).get("status"))
    documented = record["schema_keys"]
    answered = set(record["body_keys"]) & set(documented.get(status, []))
    others = {key for code, keys in documented.items() if code != status for key in keys}
    return answered | others


def sent_evidence(record: dict[str, Any]) -> set[str]:
    """Keys that really leave the route: the body (when the call was answered), and the schemas
    of the statuses that did not answer; without an answer, every documented key."""
    call = record.get("call") or {}
    status = call.get("status")
    if not call.get("answered"):
        return set(record["sent_keys"])
    documented = record["schema_keys"]
    others = {key for code, keys in documented.items() if code != str(status) for key in keys}
    return set(record["body_keys"]) | others


@dataclass
class Comparison:
    """One rule on one route: what the rule says, what the runtime says, and whether either
    says more than the other (`rule_extra`: a finding the runtime does not bear out;
    `runtime_extra`: something the runtime shows that no finding names)."""

    code: str
    route: str
    rule: str
    runtime: str
    rule_extra: bool
    runtime_extra: bool

    @property
    def expected(self) -> str:
        if (self.code, self.route) in RULE_ONLY:
            return "rule only"
        if (self.code, self.route) in RUNTIME_ONLY:
            return "runtime only"
        return "agree"

    @property
    def holds(self) -> bool:
        if self.expected == "rule only":
            return self.rule_extra and not self.runtime_extra
        if self.expected == "runtime only":
            return self.runtime_extra and not self.rule_extra
        return not self.rule_extra and not self.runtime_extra

    def row(self) -> str:
        return f"{self.code} {self.route}\n    rule:    {self.rule}\n    runtime: {self.runtime}"


def _listing(items: Iterable[str]) -> str:
    return ", ".join(sorted(items)) or "-"


def compare_route(
    route: str, record: dict[str, Any], mine: list[Found], policy: Policy
) -> list[Comparison]:
    """The four rules' verdicts on one route against the runtime's record of it."""
    by_code = {code: [f for f in mine if f.code == code] for code in CODES}

    exposed = {name.rsplit(":", 1)[-1] for name in record["exposes_columns"]}
    tables = _named(by_code["FPL301"], 0)
    where = "; ".join(f"{t} via {', '.join(w)}" for t, w in sorted(record["exposed_in"].items()))
    fpl301 = Comparison(
        "FPL301",
        route,
        _listing(tables),
        where or "-",
        rule_extra=not tables <= exposed,
        runtime_extra=bool(exposed) and not tables,
    )

    error = record.get("registration_error")
    classes = _named(by_code["FPL302"], 0)
    # FastAPI names the type it refused: the rule must name that class (one of them at least:
    # FastAPI stops at the first bad type of a route)
    refused = bool(error) and any(re.search(rf"\b{re.escape(c)}\b", error) for c in classes)
    fpl302 = Comparison(
        "FPL302",
        route,
        _listing(f"`{name}`" for name in classes),
        f"FastAPIError: {error[:100]}" if error else "-",
        rule_extra=bool(classes) and not refused,
        runtime_extra=bool(error) and not classes,
    )

    params = _named(by_code["FPL303"], 1)
    body = set(record["table_body_params"])
    seen = [f"{n}: {', '.join(t)} (body)" for n, t in record["table_body_params"].items()]
    seen += [
        f"{n}: {', '.join(p['tables'])} ({p['in']})"
        for n, p in record["table_request_params"].items()
    ]
    fpl303 = Comparison(
        "FPL303",
        route,
        _listing(params),
        _listing(seen),
        rule_extra=bool(params - body),
        runtime_extra=bool(body - params),
    )

    named = {name for finding in by_code["FPL304"] for name in secret_fields(finding.message)}
    masked = set(record["masked_keys"])
    evidence = sent_evidence(record)
    not_sent = {name for name in named if name not in evidence or name in masked}
    sent = declared_and_sent(record) - masked
    secrets_sent = {key for key in sent if policy.is_secret(key, record)}
    view = [f"{key} sent" for key in secrets_sent]
    view += [f"{key} {'masked' if key in masked else 'not sent'}" for key in not_sent]
    fpl304 = Comparison(
        "FPL304",
        route,
        _listing(named),
        _listing(view),
        rule_extra=bool(not_sent),
        runtime_extra=bool(secrets_sent - named),
    )
    return [c for c in (fpl301, fpl302, fpl303, fpl304) if c.code in policy.enabled]


def compare(case: FixtureCase, project: Path, tmp_path: Path) -> list[str]:
    """Every problem with one fixture, each a readable paragraph; empty when all agree."""
    runtime = run_driver(project, tmp_path / "runtime.json")
    if runtime["error"]:
        return [f"the fixture does not import:\n{runtime['error']}"]
    findings = lint(project)
    policy = Policy.of(project)
    problems = []
    records = runtime["routes"]
    ids = route_ids(case, records)
    for finding in findings:
        if not any(lies_in(finding, record) for record in records):
            problems.append(f"a finding lies in no route the app serves or refused: {finding}")
    for route, record in zip(ids, records, strict=True):
        call = record.get("call")
        if call is not None and not call["answered"]:
            if route not in NOT_SERVED:
                problems.append(
                    f"{route} did not answer {call['method']} {call['url']}: "
                    f"{call['error'] or call['status']} (only its OpenAPI document was seen)"
                )
        elif route in NOT_SERVED:
            problems.append(f"{route} is in NOT_SERVED but answered: remove it")
        mine = [finding for finding in findings if lies_in(finding, record)]
        for comparison in compare_route(route, record, mine, policy):
            if comparison.holds:
                continue
            if comparison.expected == "agree":
                problems.append(f"the rule and the runtime disagree:\n{comparison.row()}")
            else:
                table = RUNTIME_ONLY if comparison.expected == "runtime only" else RULE_ONLY
                reason = table[(comparison.code, route)]
                problems.append(
                    f"the table says {comparison.expected!r} ({reason}), which no longer "
                    f"holds:\n{comparison.row()}"
                )
    for code, route in (*RUNTIME_ONLY, *RULE_ONLY):
        if route.startswith(f"{case.id}::") and route not in ids:
            problems.append(f"the tables name {code} {route}, which the app does not have")
    for route in NOT_SERVED:
        if route.startswith(f"{case.id}::") and route not in ids:
            problems.append(f"NOT_SERVED names {route}, which the app does not have")
    return problems


# -- the tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("contract_case", CASES, ids=[case.id for case in CASES])
def test_rules_and_runtime_agree(contract_case: FixtureCase, tmp_path: Path) -> None:
    case = contract_case  # not `case`: conftest parametrises that name with every fixture
    if case.is_project and not (case.source / "app" / "main.py").is_file():
        pytest.fail(f"{case.id} is a project without `app/main.py` defining `app`")
    project = case.materialise(tmp_path / case.project_name)
    fastapi = declared(project, "fastapi")
    if fastapi.is_below(RETURN_ANNOTATION_SINCE) and case.code != "FPL302":
        pytest.skip(
            f"{case.id} declares {fastapi.describe()}: the installed FastAPI reads return "
            "annotations, the declared one does not"
        )
    problems = compare(case, project, tmp_path)
    if problems:
        pytest.fail(f"{case.id}:\n\n" + "\n\n".join(problems), pytrace=False)


def test_the_tables_name_existing_fixtures() -> None:
    known = {case.id for case in CASES}
    for code, route in (*RUNTIME_ONLY, *RULE_ONLY):
        assert code in CODES, (code, route)
        assert route.split("::")[0] in known, f"{route}: no such fixture"
    for route in NOT_SERVED:
        assert route.split("::")[0] in known, f"{route}: no such fixture"
    assert not set(RUNTIME_ONLY) & set(RULE_ONLY)


SELF_TEST_APP = """
from typing import Annotated, Optional

from fastapi import APIRouter, Body, Depends, FastAPI
from pydantic import BaseModel, SecretStr
from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Field, SQLModel

app = FastAPI()
router = APIRouter(prefix="/r")


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    secret_name: str


class HeroPublic(SQLModel):
    id: int
    name: str


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Account(BaseModel):
    id: int
    password: SecretStr
    api_key: str


def hero() -> Hero:
    return Hero(id=1, name="Deadpond", secret_name="Dive Wilson")


@app.get("/table", response_model=Hero)
def table():
    return hero()


@app.get("/public/{hero_id}", response_model=HeroPublic)
def public(hero_id: int):
    return hero()


@app.get("/opted-out", response_model=None)
def opted_out() -> Hero:
    return hero()


@app.get("/documented", responses={404: {"model": Hero}})
def documented() -> HeroPublic:
    return HeroPublic(id=1, name="Deadpond")


@app.get("/orm", response_model=User)
def orm():
    return None


def hero_body(posted: Annotated[Hero, Body()]) -> Hero:
    return posted


@app.post("/heroes", response_model=HeroPublic)
def create(hero: Annotated[Hero, Depends(hero_body)]):
    return HeroPublic(id=1, name=hero.name)


@app.get("/account")
def account() -> Account:
    return Account(id=1, password=SecretStr("hunter2"), api_key="k")


def added():
    return {"ok": True}


router.add_api_route(
    "/added",
    added,
    methods=["GET"],
)
app.include_router(router)
"""


def line_of(text: str) -> int:
    """The 1-based line of the self-test app that holds `text`."""
    (line,) = [n for n, row in enumerate(SELF_TEST_APP.splitlines(), 1) if text in row]
    return line


def test_the_driver_sees_columns_refusals_bodies_and_secrets(tmp_path: Path) -> None:
    project = tmp_path / "selftest"
    project.mkdir()
    (project / "selftest.py").write_text(SELF_TEST_APP, encoding="utf-8")
    runtime = run_driver(project, tmp_path / "runtime.json")
    assert runtime["error"] is None, runtime["error"]
    assert runtime["tables"] == {
        "Hero": {"module": "selftest.py", "columns": ["id", "name", "secret_name"]}
    }
    routes = {record["name"]: record for record in runtime["routes"]}
    assert routes["table"]["exposed_in"] == {"Hero": ["body", "openapi 200"]}
    assert routes["public"]["exposes_columns"] == []
    assert routes["public"]["call"]["url"] == "/public/1"
    assert routes["opted_out"]["exposed_in"] == {"Hero": ["body"]}
    assert routes["documented"]["exposed_in"] == {"Hero": ["openapi 404"]}
    assert "Invalid args for response field" in routes["orm"]["registration_error"]
    assert routes["orm"]["registration"] == ["selftest.py", line_of('"/orm"'), line_of('"/orm"')]
    assert routes["create"]["table_body_params"] == {"posted": ["Hero"]}
    assert routes["create"]["call"]["status"] == 200  # the body was synthesised
    assert routes["create"]["dependencies"] == [
        ["selftest.py", line_of("def hero_body"), line_of("return posted")]
    ]
    assert routes["account"]["masked_keys"] == ["password"]
    assert {"api_key", "password"} <= set(routes["account"]["body_keys"])
    assert routes["added"]["path"] == "/r/added"
    assert routes["added"]["registration"] == [
        "selftest.py",
        line_of("router.add_api_route("),
        line_of("methods=") + 1,
    ]
    assert (routes["table"]["def_line"], routes["table"]["first_line"]) == (
        line_of("def table"),
        line_of('"/table"'),
    )
    assert all(record["sent_keys"] for name, record in routes.items() if name != "orm")
