"""Calls that run only for some values of a string parameter, and the string constants a call
passes: what lets a blocking chain skip a branch the caller's argument never enters.

`get_secret("DATABASE_URL")` reaches `open()` only under `if name.startswith("oidc/"):` in
`get_secret`; with that constant argument the branch never runs. The summariser records, for
each call inside a function, the tests on the function's string parameters that must hold for
the call to run (a `Guard`), and for each call the string constants and parameters it passes
on (`Bound`). The blocking analysis evaluates the guards with the constants a caller passes:
pure `str` operations on constants of the source, nothing of the project is run.

Only plain shapes are understood; anything else leaves the call unguarded (always reached):
- tests: `p.startswith(c)`, `p.endswith(c)`, `p == c`, `p != c`, `p in (c, ...)`, `c in p`,
  `not ...`, and `and` of those in an `if` body;
- rebinding the parameter before the test: `p = p.replace(a, b)` (and `removeprefix`,
  `removesuffix`, `strip`, `lstrip`, `rstrip`, `lower`, `upper`, `casefold`), at the top of the
  function body, optionally under an `if` that tests `p` itself. Any other binding of `p`
  anywhere in the function drops every guard on it;
- `if test: ... return/raise` guards what follows with the test's negation.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import NamedTuple

from fastapi_prod_lint.core.imports import inner_blocks

STRING_METHODS = frozenset(
    {"replace", "removeprefix", "removesuffix", "strip", "lstrip", "rstrip", "lower", "upper"}
    | {"casefold"}
)
TESTS = frozenset({"startswith", "endswith", "eq", "in", "contains"})
MAX_CONSTANT = 200  # longer strings are messages, not keys: not recorded
NOT_FOLLOWED = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical"})


class Test(NamedTuple):
    """`op` of the current value against `values` (`startswith`, ("oidc/",))."""

    op: str
    values: tuple[str, ...]


class Step(NamedTuple):
    """`p = p.method(*args)`, only when `when` holds for `p` (always when it is None)."""

    when: Test | None
    method: str
    args: tuple[str, ...]


class Guard(NamedTuple):
    """The call runs only if `test` is `holds` for parameter `param` after `steps`."""

    param: str
    steps: tuple[Step, ...]
    test: Test
    holds: bool


class Bound(NamedTuple):
    """An argument a call passes: a string constant, one of the calling function's own
    parameters passed on (`param`), or a module-level constant by its dotted name (`name`:
    `settings.KEY_NAME`, an UPPER_CASE name). `key` is the position ("0") or keyword."""

    key: str
    value: str = ""
    param: str = ""
    name: str = ""


# -- summarising -----------------------------------------------------------------------------
def tests_parameters(ifs: Iterable[ast.If], params: set[str]) -> bool:
    """Some `if` tests a parameter against string constants in a shape `guards_of` reads: only
    then can a call depend on its value (a cheap check; most functions need no guards)."""
    if not params:
        return False
    for statement in ifs:
        test = statement.test
        parts = test.values if isinstance(test, ast.BoolOp) else [test]
        if any(_test(part, params) is not None for part in parts):
            return True
    return False


def guards_of(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    params: Iterable[str],
    stores: dict[str, int],
    declared: frozenset[str] = frozenset(),
) -> dict[int, tuple[Guard, ...]]:
    """id(call node) -> the guards around it, for the calls of the function's own body
    (`stores`: how many times each name is bound in the body; `declared`: its `global` and
    `nonlocal` names)."""
    names = set(params) - declared
    steps: dict[int, tuple[str, Step]] = {}
    for stmt in function.body:  # the rebinding steps the analysis can replay
        step = _rebinding(stmt, names)
        if step is not None:
            steps[id(stmt)] = step
    replayed: dict[str, int] = {}
    for name, _ in steps.values():
        replayed[name] = replayed.get(name, 0) + 1
    names = {name for name in names if stores.get(name, 0) == replayed.get(name, 0)}
    found: dict[int, tuple[Guard, ...]] = {}
    _Walk(names, steps, found).body(function.body, (), {})
    return found


class _Walk:
    def __init__(
        self,
        names: set[str],
        steps: dict[int, tuple[str, Step]],
        found: dict[int, tuple[Guard, ...]],
    ) -> None:
        self.names = names
        self.steps = steps
        self.found = found

    def body(
        self, stmts: list[ast.stmt], around: tuple[Guard, ...], done: dict[str, tuple[Step, ...]]
    ) -> None:
        """Record the guards of each call in `stmts`; `done`: the rebinding steps so far."""
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if id(stmt) in self.steps:  # later tests see the value after this step
                self.calls(stmt, around)
                name, step = self.steps[id(stmt)]
                done = {**done, name: (*done.get(name, ()), step)}
                continue
            if isinstance(stmt, ast.If):
                self.calls(stmt.test, around)
                tests = self.tests(stmt.test, done)
                self.body(stmt.body, around + tests, done)
                negated = tuple(g._replace(holds=not g.holds) for g in tests)
                otherwise = around + negated if len(tests) == 1 else around
                self.body(stmt.orelse, otherwise, done)
                if len(tests) == 1 and stmt.body and _leaves(stmt.body[-1]) and not stmt.orelse:
                    around = around + negated  # `if test: return` guards what follows
                continue
            for child in ast.iter_child_nodes(stmt):
                if not isinstance(child, ast.stmt):
                    self.calls(child, around)
            for inner in inner_blocks(stmt):
                self.body(inner, around, done)

    def calls(self, node: ast.AST, around: tuple[Guard, ...]) -> None:
        if not around:
            return
        for inner in _walk_expression(node):
            if isinstance(inner, ast.Call):
                self.found[id(inner)] = around

    def tests(self, test: ast.expr, done: dict[str, tuple[Step, ...]]) -> tuple[Guard, ...]:
        parts = (
            test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
        )
        found = []
        for part in parts:
            read = _test(part, self.names)
            if read is not None:
                name, check, holds = read
                found.append(Guard(name, done.get(name, ()), check, holds))
        return tuple(found)


def _walk_expression(node: ast.AST) -> Iterable[ast.AST]:
    """The nodes of an expression or a simple statement, not of nested functions or lambdas."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.Lambda, ast.stmt)):
                stack.append(child)


def _leaves(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _test(expr: ast.expr, names: set[str]) -> tuple[str, Test, bool] | None:
    """(parameter, test, whether it must hold) of one understood comparison."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        inner = _test(expr.operand, names)
        return None if inner is None else (inner[0], inner[1], not inner[2])
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        receiver = expr.func.value
        method = expr.func.attr
        if (
            method in ("startswith", "endswith")
            and isinstance(receiver, ast.Name)
            and receiver.id in names
            and len(expr.args) == 1
            and not expr.keywords
        ):
            values = _strings(expr.args[0])
            return None if values is None else (receiver.id, Test(method, values), True)
        return None
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        left, op, right = expr.left, expr.ops[0], expr.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if isinstance(right, ast.Name) and right.id in names:
                left, right = right, left
            values = _strings(right)
            if isinstance(left, ast.Name) and left.id in names and values and len(values) == 1:
                return left.id, Test("eq", values), isinstance(op, ast.Eq)
        if isinstance(op, (ast.In, ast.NotIn)):
            holds = isinstance(op, ast.In)
            if isinstance(left, ast.Name) and left.id in names:
                values = (
                    _strings(right) if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else None
                )
                return None if values is None else (left.id, Test("in", values), holds)
            if isinstance(right, ast.Name) and right.id in names:
                values = _strings(left)
                if values is not None and len(values) == 1:
                    return right.id, Test("contains", values), holds
    return None


def _strings(expr: ast.expr) -> tuple[str, ...] | None:
    """A string constant, or a tuple/list/set of them."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return (expr.value,)
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        found = [
            e.value for e in expr.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        return tuple(found) if len(found) == len(expr.elts) else None
    return None


def _rebinding(stmt: ast.stmt, names: set[str]) -> tuple[str, Step] | None:
    """`p = p.replace("a", "")`, or the same as the only statement of `if <test on p>:`."""
    when = None
    if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1:
        read = _test(stmt.test, names)
        if read is None or not read[2]:
            return None
        when = read[1]
        name = read[0]
        stmt = stmt.body[0]
    else:
        name = None
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if not (
        isinstance(target, ast.Name)
        and target.id in names
        and (name is None or name == target.id)
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == target.id
        and value.func.attr in STRING_METHODS
        and not value.keywords
    ):
        return None
    args = [a.value for a in value.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(value.args):
        return None
    return target.id, Step(when, value.func.attr, tuple(args))


def bound_arguments(
    call: ast.Call, params: set[str], resolve: Callable[[ast.expr], str | None] | None = None
) -> tuple[Bound, ...]:
    """The string constants, the caller's own parameters and the UPPER_CASE module-level
    names (`resolve`d to dotted names) a call passes, by position or keyword (log calls and
    long strings are left out: summaries stay small)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in NOT_FOLLOWED:
        return ()
    found = []
    pairs = [(str(i), a) for i, a in enumerate(call.args)]
    pairs += [(k.arg, k.value) for k in call.keywords if k.arg]
    for key, arg in pairs:
        kind = type(arg)
        if kind is ast.Starred:
            break  # positions after `*args` are unknown
        if kind is ast.Constant:
            value = arg.value  # type: ignore[attr-defined]
            if type(value) is str and len(value) <= MAX_CONSTANT:
                found.append(Bound(key, value))
        elif kind is ast.Name and arg.id in params:  # type: ignore[attr-defined]
            found.append(Bound(key, param=arg.id))  # type: ignore[attr-defined]
        elif resolve is not None and kind in (ast.Name, ast.Attribute) and _constant_name(arg):
            dotted = resolve(arg)
            if dotted is not None and not dotted.startswith("~"):
                found.append(Bound(key, name=dotted))
    return tuple(found)


def _constant_name(expr: ast.expr) -> bool:
    """`KEY_NAME` or `settings.KEY_NAME`: named as a constant."""
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
    return isinstance(name, str) and name.isupper()


# -- evaluating ------------------------------------------------------------------------------
def runs(guards: tuple[Guard, ...], values: dict[str, str]) -> bool:
    """False when some guard is decided false by the constant values of the parameters."""
    for guard in guards:
        value: str | None = values.get(guard.param)
        for step in guard.steps:
            if value is not None and (step.when is None or _check(step.when, value)):
                value = _apply(step, value)
        if value is not None and _check(guard.test, value) != guard.holds:
            return False
    return True


def _check(test: Test, value: str) -> bool:
    if test.op == "startswith":
        return value.startswith(test.values)
    if test.op == "endswith":
        return value.endswith(test.values)
    if test.op in ("eq", "in"):
        return value in test.values
    return test.values[0] in value  # contains


def _apply(step: Step, value: str) -> str | None:
    """The value after a rebinding step; None when the step is not one these replay."""
    args = step.args
    if step.method == "replace" and len(args) == 2:
        return value.replace(args[0], args[1])
    if step.method == "removeprefix" and len(args) == 1:
        return value.removeprefix(args[0])
    if step.method == "removesuffix" and len(args) == 1:
        return value.removesuffix(args[0])
    if step.method in ("strip", "lstrip", "rstrip") and len(args) <= 1:
        chars = args[0] if args else None
        return getattr(value, step.method)(chars)  # type: ignore[no-any-return]
    if step.method in ("lower", "upper", "casefold") and not args:
        return getattr(value, step.method)()  # type: ignore[no-any-return]
    return None
