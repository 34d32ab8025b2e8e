"""Argument guards (core/argument_guards.py) against Python itself: each snippet is run with
string constants, and a call the guards rule out for a constant must never run with it."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapi_prod_lint.core.argument_guards import Guard, bound_arguments, guards_of, runs
from fastapi_prod_lint.core.imports import scan_scope

SNIPPETS = {
    "startswith_and_rebinding": """
        def f(name):
            if name.startswith("os.environ/"):
                name = name.replace("os.environ/", "")
            if name.startswith(("oidc/", "vault/")):
                hit("prefixed")
                if name == "oidc/file":
                    hit("file")
                elif name != "oidc/env":
                    hit("other")
            else:
                hit("plain")
            hit("always")
        """,
    "early_return_and_not": """
        def f(kind, mode):
            if kind not in ("a", "b"):
                return hit("unknown")
            if not mode.endswith(".json") and "x" in kind:
                hit("never")
            hit("known")
            if mode.lower() == "fast":
                hit("fast")
        """,
    "rebound_in_loop_is_not_guarded": """
        def f(name):
            for name in ("oidc/a", "b"):
                pass
            if name.startswith("oidc/"):
                hit("after_loop")
        """,
    "strip_then_membership": """
        def f(name):
            name = name.strip().lower()
            if name in {"yes", "true"}:
                hit("truthy")
            if "secret" in name:
                hit("secret")
        """,
}
CONSTANTS = [
    "",
    "OPENAI_API_KEY",
    "os.environ/oidc/file",
    "oidc/file",
    "oidc/env",
    "vault/x",
    "a",
    "b",
    "x",
    " YES ",
    "my-secret",
    "conf.json",
    "FAST",
]


def guards_in(function: ast.FunctionDef, params: list[str]) -> dict[int, tuple[Guard, ...]]:
    scan = scan_scope(function, "snippets", False)
    return guards_of(function, params, scan.stores, scan.declared_global)


def check(source: str, values: dict[str, str]) -> None:
    tree = ast.parse(textwrap.dedent(source))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    params = [arg.arg for arg in function.args.args]
    guards = guards_in(function, params)
    ruled_out = {
        node.args[0].value  # type: ignore[attr-defined]
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "hit"
        and not runs(guards.get(id(node), ()), values)
    }
    ran: list[str] = []
    namespace: dict[str, object] = {"hit": ran.append}
    exec(compile(tree, "<snippet>", "exec"), namespace)  # test-authored code only
    namespace["f"](*(values[p] for p in params))  # type: ignore[operator]
    wrongly = ruled_out & set(ran)
    assert not wrongly, f"ruled out but ran with {values}: {sorted(wrongly)}"


@pytest.mark.parametrize("name", sorted(SNIPPETS))
@pytest.mark.parametrize("constant", CONSTANTS)
def test_a_ruled_out_call_never_runs(name: str, constant: str) -> None:
    source = SNIPPETS[name]
    params = ast.parse(textwrap.dedent(source)).body[0].args.args  # type: ignore[attr-defined]
    check(source, {arg.arg: constant for arg in params})


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SNIPPETS)), st.text(max_size=24), st.text(max_size=8))
def test_a_ruled_out_call_never_runs_for_any_string(name: str, first: str, second: str) -> None:
    source = SNIPPETS[name]
    params = [a.arg for a in ast.parse(textwrap.dedent(source)).body[0].args.args]  # type: ignore[attr-defined]
    check(source, dict(zip(params, (first, second), strict=False)))


def test_guards_rule_out_what_they_should() -> None:
    """The oracle above proves no call is wrongly skipped; this proves calls are skipped."""
    tree = ast.parse(textwrap.dedent(SNIPPETS["startswith_and_rebinding"]))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    guards = guards_in(function, ["name"])
    hits = {
        node.args[0].value: guards.get(id(node), ())  # type: ignore[attr-defined]
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "hit"
    }
    assert not runs(hits["prefixed"], {"name": "OPENAI_API_KEY"})
    assert runs(hits["prefixed"], {"name": "os.environ/oidc/x"})
    assert not runs(hits["file"], {"name": "oidc/env"})
    assert not runs(hits["plain"], {"name": "vault/x"})
    assert runs(hits["always"], {"name": "anything"})
    loop = ast.parse(textwrap.dedent(SNIPPETS["rebound_in_loop_is_not_guarded"])).body[0]
    assert guards_in(loop, ["name"]) == {}  # type: ignore[arg-type]


def test_bound_arguments_keep_constants_and_passed_parameters_only() -> None:
    call = ast.parse('get(name, "KEY", other, default="x", msg="m" * 3)').body[0].value  # type: ignore[attr-defined]
    found = bound_arguments(call, {"name"})
    assert [(b.key, b.value, b.param) for b in found] == [
        ("0", "", "name"),
        ("1", "KEY", ""),
        ("default", "x", ""),
    ]
    log = ast.parse('logger.info("started %s", name)').body[0].value  # type: ignore[attr-defined]
    assert bound_arguments(log, {"name"}) == ()


def test_bound_arguments_name_module_level_constants() -> None:
    call = ast.parse("get(settings.KEY_NAME, local_value, DEFAULT)").body[0].value  # type: ignore[attr-defined]
    names = {"settings.KEY_NAME": "app.settings.KEY_NAME", "DEFAULT": "~DEFAULT"}
    found = bound_arguments(call, set(), lambda expr: names.get(ast.unparse(expr)))
    # an UPPER_CASE name that resolves to a module-level name; a local (`~`) is not one
    assert [(b.key, b.name) for b in found] == [("0", "app.settings.KEY_NAME")]
