"""The runtime agrees with FPL501 and FPL502 on pydantic 1 projects, in every front end.

The fixtures of FPL501 and FPL502 that run pydantic 1 (declared `pydantic<2` or
`sqlmodel<0.0.14`) go through `tests/runtime/forward_refs_v1_driver.py` in an interpreter that
has pydantic 1: the one `FASTAPI_PROD_LINT_PYDANTIC1_PYTHON` names (`.ci/run` makes a small
environment with `pydantic<2` and sets it); without it those tests skip, saying so. Fixtures of
pydantic 2 projects holding `pydantic.v1` models run in this interpreter (pydantic 2 ships
pydantic 1 as `pydantic.v1`) and never skip. The test asserts, for the core (as the CLI),
flake8 and pylint alike:
- FPL502 is reported iff an import raised (pydantic 1's `update_forward_refs()` raises
  `NameError` for a name it cannot find), on the line that raised;
- class by class, FPL501 flags the class iff pydantic 1 left a field of it, or of a model its
  fields reach, a `ForwardRef` (validating it raises `ConfigError: field ... not yet prepared`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from harness import runtime as oracle
from harness.cases import FixtureCase
from harness.frontends import run_flake8, run_pylint

from fastapi_prod_lint.core.pydantic_version import project_major

PYTHON_ENV = "FASTAPI_PROD_LINT_PYDANTIC1_PYTHON"
DRIVER = Path(__file__).resolve().parent / "runtime" / "forward_refs_v1_driver.py"
CODES = ("FPL501", "FPL502")
TIMEOUT = 120


CASES = [case for case in oracle.cases_of(CODES) if oracle.follows_pydantic1(case)]


def pydantic1_python() -> str:
    python = os.environ.get(PYTHON_ENV, "")
    if not python:
        pytest.skip(
            f"no pydantic 1 environment: set {PYTHON_ENV} to a Python that has pydantic<2 "
            "installed (.ci/run makes one) to run the pydantic 1 oracle"
        )
    return python


def judge(runtime: dict[str, Any], findings: list[oracle.Found]) -> list[str]:
    problems = []
    errors = runtime["import_errors"]
    raised = {(e["where"]["path"], e["where"]["line"]) for e in errors.values() if e["where"]}
    mine = {(f.path, f.line) for f in findings if f.code == "FPL502"}
    if mine != raised:
        problems.append(f"FPL502 on {sorted(mine)}; the imports raised at {sorted(raised)}")
    broken = {e["where"]["path"] for e in errors.values() if e["where"]}
    flagged = {(f.path, f.line) for f in findings if f.code == "FPL501" and f.path not in broken}
    for record in runtime["classes"]:
        if record["path"] in broken:
            continue
        place = (record["path"], record["line"])
        fails = record["pydantic"] == "not-prepared"
        if (place in flagged) != fails:
            problems.append(
                f"{record['path']}:{record['qualname']}: FPL501 "
                f"{'flags' if place in flagged else 'does not flag'} it; pydantic 1: "
                f"{record['pydantic']} {record['evidence'] or ''}"
            )
    known = {(r["path"], r["line"]) for r in runtime["classes"]}
    problems += [f"FPL501 on no model class: {place}" for place in sorted(flagged - known)]
    return problems


@pytest.mark.parametrize("v1_case", CASES, ids=[case.id for case in CASES])
def test_rules_and_pydantic1_agree(v1_case: FixtureCase, tmp_path: Path) -> None:
    # `pydantic.v1` models in a pydantic 2 project run in this interpreter's pydantic 2
    python = sys.executable if project_major(v1_case.source) == 2 else pydantic1_python()
    project = v1_case.materialise(tmp_path / v1_case.project_name)
    runtime = oracle.run_driver(DRIVER, project, tmp_path / "runtime.json", TIMEOUT, python)
    fronts = {"core": oracle.lint(project, CODES)}
    for host, run in (("flake8", run_flake8), ("pylint", run_pylint)):
        fronts[host] = [
            oracle.Found(r.path, r.line, r.code, r.message)
            for r in run(project, tmp_path / "cache")
            if r.code in CODES
        ]
    problems = [f"[{host}] {p}" for host, found in fronts.items() for p in judge(runtime, found)]
    if problems:
        pytest.fail(f"{v1_case.id}:\n" + "\n".join(problems), pytrace=False)


def test_there_are_pydantic1_fixtures() -> None:
    assert {case.code for case in CASES} == set(CODES)
