"""The pylint adapter: one checker, pinned ids, symbols = rule names, suppressions, stdin."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest
from frontend_helpers import ASTROID_SKIPS_LIBRARIES, PYLINT_ONLY_OURS, make_project, run

pytest.importorskip("pylint")

TEMPLATE = "--msg-template={path}:{line}:{column}: {msg_id} {symbol} {msg}"
BASE = [*PYLINT_ONLY_OURS, TEMPLATE]


def pylint(cwd: Path, *args: str, stdin: str | None = None, base: list[str] = BASE) -> list[str]:
    result = run([*base, *args], cwd, stdin=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stdout.splitlines() if not line.startswith("*****")]


def test_message_ids_are_pinned():
    from fastapi_prod_lint.pylint import FastAPIProdLintChecker

    assert FastAPIProdLintChecker.name == "fastapi-prod-lint"
    assert {msgid: msg[1] for msgid, msg in FastAPIProdLintChecker.msgs.items()} == {
        "W8811": "blocking-call-in-async-route",
        "W8812": "blocking-call-via-sync-helper",
        "W8831": "table-model-as-response-model",
        "W8832": "orm-class-as-response-model",
        "W8833": "table-model-as-request-body",
        "W8821": "business-logic-with-persistence-in-route",
        "W8822": "route-handler-too-complex",
        "W8823": "router-module-without-service-layer",
        "W8834": "secret-field-in-response-model",
        "W8841": "global-statement-in-request-path",
        "W8842": "per-request-state-in-module-object",
        "W8843": "thread-local-in-async-app",
        "W8844": "per-request-state-on-app-or-class",
        "W8851": "forward-ref-needs-model-rebuild",
        "W8852": "model-rebuild-before-names-are-bound",
        "W8853": "relationship-annotation-breaks-mapping",
        "W8854": "import-cycle-between-model-modules",
    }


def test_findings_match_the_core_with_symbol_and_message(tmp_path):
    root = make_project(tmp_path)
    assert pylint(root, "app/routes.py") == [
        "app/routes.py:8:4: W8811 blocking-call-in-async-route Blocking call `time.sleep` in "
        "async route `GET /items/{item_id}`; use `await asyncio.sleep()`"
    ]


CONTRACTS = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/models.py": """
        from sqlmodel import Field, SQLModel


        class User(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            hashed_password: str
    """,
    "app/main.py": """
        from fastapi import FastAPI

        from app.models import User

        app = FastAPI()


        @app.get("/users/{user_id}")
        def read_user(user_id: int) -> User:
            return User(id=user_id, hashed_password="x")
    """,
}


def test_keeping_astroid_out_of_libraries_changes_nothing_we_report(tmp_path):
    """The fixture harness stops astroid from building sqlmodel & co. (ASTROID_SKIPS_LIBRARIES);
    plain pylint, which builds them, reports the same."""
    pytest.importorskip("sqlmodel")
    root = make_project(tmp_path, CONTRACTS)
    plain = pylint(root, "app/main.py", "app/models.py")
    assert plain == pylint(
        root, "app/main.py", "app/models.py", base=[*BASE, ASTROID_SKIPS_LIBRARIES]
    )
    assert [line.split()[2] for line in plain] == [
        "table-model-as-response-model",
        "secret-field-in-response-model",
    ]


def test_enable_by_rule_name(tmp_path):
    root = make_project(tmp_path)
    base = [
        "pylint",
        "--load-plugins=fastapi_prod_lint.pylint",
        "--disable=all",
        "--enable=blocking-call-in-async-route",
        "-sn",
        "--persistent=n",
        TEMPLATE,
    ]
    assert len(pylint(root, "app/routes.py", base=base)) == 1


@pytest.mark.parametrize(
    "comment", ["# pylint: disable=blocking-call-in-async-route", "# noqa: FPL101", "# noqa"]
)
def test_suppression_comments_silence(tmp_path, comment):
    root = make_project(tmp_path)
    routes = root / "app" / "routes.py"
    routes.write_text(routes.read_text().replace("pause(1)", f"pause(1)  {comment}"))
    assert pylint(root, "app/routes.py") == []


def test_from_stdin(tmp_path):
    root = make_project(tmp_path)
    buffer = (root / "app" / "routes.py").read_text()
    (root / "app" / "routes.py").write_text("x = 1\n")
    [line] = pylint(root, "--from-stdin", "app/routes.py", stdin=buffer)
    assert line.startswith("app/routes.py:8:4: W8811 blocking-call-in-async-route")


def test_option_overrides_pyproject(tmp_path):
    root = make_project(tmp_path)
    assert pylint(root, "--fpl-allowed-calls=time.sleep", "app/routes.py") == []


def test_loads_beside_pylint_pydantic_and_every_pylint_extension(tmp_path):
    pytest.importorskip("pylint_pydantic")
    import pylint.extensions

    extensions = [
        f"pylint.extensions.{m.name}"
        for m in pkgutil.iter_modules(pylint.extensions.__path__)
        if not m.name.startswith("_")
    ]
    root = make_project(tmp_path)
    plugins = ",".join(["pylint_pydantic", *extensions, "fastapi_prod_lint.pylint"])
    result = run(
        [
            "pylint",
            f"--load-plugins={plugins}",
            "--disable=all",
            "--enable=fastapi-prod-lint",
            "-sn",
            "--persistent=n",
            TEMPLATE,
            "app/routes.py",
        ],
        root,
    )
    assert "Traceback" not in result.stderr and "conflict" not in result.stderr.lower()
    assert "W8811 blocking-call-in-async-route" in result.stdout
