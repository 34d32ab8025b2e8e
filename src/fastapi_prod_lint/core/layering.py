"""What a route handler does, for the layering rules (FPL201-FPL203): the database calls it
makes itself (on a session, connection or cursor: not through a repository or service), the
business rules it holds (ownership and permission checks, uniqueness checks, password hashing,
multi-step writes, decisions fed by queries, control flow), and how big its body is."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.blocking import analysis_for, resolve_call
from fastapi_prod_lint.core.imports import FUNCTION_NODES, walk_own_scope
from fastapi_prod_lint.core.naming import words

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext

FunctionDef = ast.FunctionDef | ast.AsyncFunctionDef

_SESSIONS = ("Session", "AsyncSession", "scoped_session", "Connection", "AsyncConnection")
DB_CLASSES = frozenset(
    {f"sqlalchemy.orm.{name}" for name in _SESSIONS}
    | {f"sqlalchemy.orm.session.{name}" for name in _SESSIONS}
    | {f"sqlalchemy.ext.asyncio.{name}" for name in _SESSIONS}
    | {f"sqlalchemy.ext.asyncio.session.{name}" for name in _SESSIONS}
    | {f"sqlalchemy.engine.{name}" for name in _SESSIONS}
    | {f"sqlalchemy.engine.base.{name}" for name in _SESSIONS}
    | {"sqlmodel.Session", "sqlmodel.orm.session.Session"}
    | {"sqlmodel.ext.asyncio.session.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession"}
    | {"sqlite3.Connection", "sqlite3.Cursor", "aiosqlite.Connection", "aiosqlite.Cursor"}
    | {"psycopg.Connection", "psycopg.Cursor", "psycopg.AsyncConnection", "psycopg.AsyncCursor"}
    | {"psycopg2.extensions.connection", "psycopg2.extensions.cursor"}
    | {"pymysql.connections.Connection", "pymysql.cursors.Cursor"}
    | {"asyncpg.Connection", "asyncpg.connection.Connection", "asyncpg.Pool"}
    | {"asyncpg.pool.Pool", "databases.Database", "databases.core.Database"}
)
# when the type is not known: names that hold a session, connection or cursor
DB_NAMES = frozenset({"session", "db", "db_session", "conn", "connection", "cursor", "cur"})
QUERY_METHODS = frozenset(
    {"get", "exec", "execute", "scalars", "scalar", "query", "get_one", "fetch", "fetchrow"}
    | {"fetchval", "fetch_one", "fetch_all", "fetch_val", "fetchone", "fetchall", "fetchmany"}
)
WRITE_METHODS = frozenset(
    {"add", "add_all", "delete", "merge", "bulk_save_objects", "executemany"}
    | {"bulk_insert_mappings", "bulk_update_mappings"}
)
DML = frozenset({"insert", "update", "delete"})
HASHERS = ("bcrypt.", "passlib.", "argon2.", "pwdlib.", "hashlib.pbkdf2_hmac", "hashlib.scrypt")
OWNER_WORDS = frozenset({"owner", "author", "creator", "created", "uploader", "assignee"})
ME_WORDS = frozenset({"user", "current", "me", "principal", "account", "actor", "requester"})
CURRENT_WORDS = frozenset({"current", "me", "actor", "principal", "requester", "logged"})
PERMISSION_WORDS = frozenset(
    {"superuser", "admin", "staff", "role", "roles", "permission", "permissions", "scopes"}
    | {"permitted", "authorize", "authorized", "allowed", "can"}
)
ROUTE_ROLES = frozenset({"route", "websocket"})


@dataclass
class HandlerFacts:
    """What one handler (with the helpers of its module only it calls) does."""

    queries: int = 0
    writes: int = 0
    commits: int = 0
    rules: list[str] = field(default_factory=list)  # business rules, in the order found

    @property
    def persists(self) -> bool:
        return bool(self.queries or self.writes or self.commits)

    def persistence(self) -> list[str]:
        """`2 queries`, `1 write`, `commit`."""
        found = []
        if self.queries:
            found.append(f"{self.queries} quer{'y' if self.queries == 1 else 'ies'}")
        if self.writes:
            found.append(f"{self.writes} write{'s' if self.writes > 1 else ''}")
        if self.commits:
            found.append("commit" if self.commits == 1 else f"{self.commits} commits")
        return found

    def add_rule(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)


def route_role_label(function: FunctionDef, ctx: ModuleContext) -> str | None:
    """`route `GET /items`` when the function is a route handler."""
    roles = [role for role in ctx.roles_of(function) if role.kind in ROUTE_ROLES]
    return roles[0].label if roles else None


def handler_facts(function: FunctionDef, ctx: ModuleContext) -> HandlerFacts:
    """The facts of a route handler defined in the current scope (memoised per node)."""
    key = ("layering", id(function))
    found = ctx.memo.get(key)
    if isinstance(found, HandlerFacts):
        return found
    facts = HandlerFacts()
    _Reader(ctx, facts).read(function)
    for helper in _own_helpers(function, ctx):
        _Reader(ctx, facts).read(helper)
    facts.rules = _business_rules(facts)
    ctx.memo[key] = facts
    return facts


RULE_ORDER = (
    "ownership check",
    "permission check",
    "uniqueness check",
    "password hashing",
    "password verification",
    "multi-step writes",
    "queries feeding a decision",
    "control flow",
)


def _business_rules(facts: HandlerFacts) -> list[str]:
    """The rules found, in a fixed order (`2 queries feeding a decision` by its tail)."""
    rules = list(facts.rules)
    if facts.writes >= 2:
        rules.append("multi-step writes")
    return sorted(
        rules,
        key=lambda rule: next(
            (i for i, known in enumerate(RULE_ORDER) if rule.endswith(known)), len(RULE_ORDER)
        ),
    )


class _Reader:
    """Reads one function body, inside its own scope (so that names and types resolve)."""

    def __init__(self, ctx: ModuleContext, facts: HandlerFacts) -> None:
        self.ctx = ctx
        self.facts = facts
        self.from_query: set[str] = set()  # names holding what a query returned
        self.queries_read: set[int] = set()

    def read(self, function: FunctionDef) -> None:
        ctx = self.ctx
        saved = ctx.scopes
        module_level = function in getattr(saved[0].node, "body", ())
        ctx.scopes = saved[:1] if module_level else list(saved)
        ctx.push_scope(function)
        try:
            self._read_body(function)
        finally:
            ctx.scopes = saved

    def _read_body(self, function: FunctionDef) -> None:
        nodes = list(walk_own_scope(list(function.body)))
        for node in nodes:
            if isinstance(node, ast.Call):
                self._call(node)
        for node in nodes:  # names that hold query results, in source order
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr))
                and node.value
                and self._from_query(node.value)
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self.from_query.update(
                        n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                    )
        guards = 0
        flow = 0
        decisions = 0
        for node in nodes:
            if isinstance(node, ast.If):
                kind = self._if(node)
                if kind == "guard":
                    guards += 1
                elif kind == "branch":
                    flow += 1
                if self._from_query(node.test):
                    decisions += 1
            elif isinstance(node, FLOW_NODES) or type(node).__name__ == "Match":
                flow += 1
        if flow or guards > 1:
            self.facts.add_rule("control flow")
        if decisions and self.facts.queries >= 2:
            self.facts.add_rule(f"{self.facts.queries} queries feeding a decision")

    # -- calls -------------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> None:
        kind = self._db_call(node)
        facts = self.facts
        if kind == "query":
            facts.queries += 1
            self.queries_read.add(id(node))
        elif kind == "write":
            facts.writes += 1
        elif kind == "commit":
            facts.commits += 1
        hashing = self._hashing(node)
        if hashing:
            facts.add_rule(hashing)

    def _db_call(self, node: ast.Call) -> str | None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        if method not in QUERY_METHODS and method not in WRITE_METHODS and method != "commit":
            return None
        if not self._is_db(func.value):
            return None
        if method == "commit":
            return "commit"
        if method in ("execute", "exec") and node.args and _is_dml(node.args[0], self.ctx):
            return "write"
        return "write" if method in WRITE_METHODS else "query"

    def _is_db(self, expr: ast.expr) -> bool:
        ctx = self.ctx
        held = ctx.type_of(expr)
        if held is not None:
            return held in DB_CLASSES
        if not isinstance(expr, ast.Name):
            return False
        dotted = ctx.qualified_name(expr)  # a module-level `db = databases.Database(url)`
        if dotted is not None and ctx.index.created_by(dotted) in DB_CLASSES:
            return True
        return dotted is None and expr.id in DB_NAMES

    def _hashing(self, node: ast.Call) -> str | None:
        """`password hashing` / `password verification` when the call reaches a hasher."""
        ctx = self.ctx
        analysis = analysis_for(ctx.index, (), ())
        callee = resolve_call(node, ctx, analysis)
        blocker = callee.blocker
        if blocker is None:
            chain = analysis.reach(callee)
            blocker = chain[1] if chain is not None else None
        if blocker is None or not blocker.name.startswith(HASHERS):
            return None
        verb = blocker.name.rpartition(".")[2]
        return (
            "password verification" if "verify" in verb or "check" in verb else "password hashing"
        )

    def _truthy_query(self, test: ast.expr) -> bool:
        """The test holds when a query found something: `existing`, `existing is not None`,
        `session.exec(...).first()`, `existing and existing.id != item_id` (a uniqueness
        check; a comparison such as `count >= LIMIT` is not one)."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return self._truthy_query(test.values[0])
        if isinstance(test, ast.Compare):
            is_not_none = (
                len(test.ops) == 1
                and isinstance(test.ops[0], ast.IsNot)
                and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None
            )
            return is_not_none and self._from_query(test.left)
        if isinstance(test, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
            return self._from_query(test)
        return False

    def _from_query(self, expr: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.Name) and n.id in self.from_query) or id(n) in self.queries_read
            for n in ast.walk(expr)
        )

    # -- branches ----------------------------------------------------------------------------
    def _if(self, node: ast.If) -> str:
        """`ownership`/`permission`/`uniqueness` (recorded), `guard`, or `branch`."""
        test = node.test
        raises = len(node.body) == 1 and isinstance(node.body[0], ast.Raise) and not node.orelse
        if _ownership(test):
            self.facts.add_rule("ownership check")
            return "checked"
        if _permission(test):
            self.facts.add_rule("permission check")
            return "checked"
        if raises and self._truthy_query(test):
            self.facts.add_rule("uniqueness check")
            return "checked"
        return "guard" if raises else "branch"


_TRY_STAR: tuple[type[ast.stmt], ...] = tuple(
    node for node in (getattr(ast, "TryStar", None),) if node is not None
)
FLOW_NODES = (ast.For, ast.AsyncFor, ast.While, ast.Try, *_TRY_STAR)


def _is_dml(statement: ast.expr, ctx: ModuleContext) -> bool:
    """`insert(User).values(...)`, `update(...)`, `delete(...)`, or raw SQL that writes."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            head = node.value.lstrip().split(None, 1)
            return bool(head) and head[0].lower() in DML
        if isinstance(node, ast.Call):
            dotted = ctx.qualified_name(node.func) or ""
            if dotted.startswith(("sqlalchemy.", "sqlmodel.")) and dotted.rpartition(".")[2] in DML:
                return True
    return False


def _chain_words(expr: ast.expr) -> list[list[str]]:
    """The words of each name of `a.b.c`, head first; [] for anything else."""
    names = []
    while isinstance(expr, ast.Attribute):
        names.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return []
    names.append(expr.id)
    return [words(name) for name in reversed(names)]


def _ownership(test: ast.expr) -> bool:
    """`item.owner_id != current_user.id`, `target.id != user.id`, `post.author == me`."""
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
            continue
        if not isinstance(node.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
            continue
        sides = [_chain_words(node.left), _chain_words(node.comparators[0])]
        if not all(sides):
            continue
        if any(OWNER_WORDS.intersection(side[-1]) for side in sides):
            return True
        ids = [side[-1][-1:] == ["id"] for side in sides]
        if not all(ids):
            continue
        for vocabulary in (CURRENT_WORDS, ME_WORDS):  # one side is the caller, not both
            mine = [any(vocabulary.intersection(name) for name in side) for side in sides]
            if mine[0] != mine[1]:
                return True
    return False


def _permission(test: ast.expr) -> bool:
    """`not user.is_superuser`, `"admin" in user.roles`, `has_permission(user, "edit")`."""
    for node in ast.walk(test):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if isinstance(name, str) and PERMISSION_WORDS.intersection(words(name)):
            return True
    return False


def _own_helpers(function: FunctionDef, ctx: ModuleContext) -> Iterator[FunctionDef]:
    """Module-level functions of this module that the handler calls and nothing else in the
    module does."""
    module_node = ctx.scopes[0].node
    if function not in getattr(module_node, "body", ()):
        return
    summary = ctx.index.modules.get(ctx.module)
    if summary is None:
        return
    prefix = f"{ctx.module}."
    callers: dict[str, set[str]] = {}
    for info in summary.functions.values():
        for site in info.calls:
            if site.func.startswith(prefix):
                callers.setdefault(site.func[len(prefix) :], set()).add(info.name)
    for site in summary.calls:
        if site.func.startswith(prefix):
            callers.setdefault(site.func[len(prefix) :], set()).add("")
    defined = {
        stmt.name: stmt
        for stmt in module_node.body  # type: ignore[attr-defined]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt is not function
    }
    for name, helper in defined.items():
        if callers.get(name) == {function.name} and not ctx.roles_of(helper):
            yield helper


# -- size, for FPL202 ---------------------------------------------------------------------------
BRANCH_NODES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler)


@dataclass
class Size:
    statements: int = 0
    branches: int = 0
    nesting: int = 0


def size_of(function: FunctionDef) -> Size:
    """Statements, branches and nesting depth of a function's own body (a nested function or
    class counts as one statement; its body is its own)."""
    found = Size()
    _measure(function.body, 0, found)
    return found


def _measure(body: list[ast.stmt], depth: int, found: Size) -> None:
    for stmt in body:
        found.statements += 1
        if isinstance(stmt, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        if isinstance(stmt, BRANCH_NODES):
            found.branches += 1
        blocks: list[list[ast.stmt]] = []
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                blocks.append(inner)
        for holder in getattr(stmt, "handlers", ()):
            found.branches += 1
            blocks.append(holder.body)
        for case in getattr(stmt, "cases", ()):
            found.branches += 1
            blocks.append(case.body)
        if blocks:
            found.nesting = max(found.nesting, depth + 1)
            for block in blocks:
                # `elif` is a branch of the same `if`, not a deeper block
                elif_chain = (
                    isinstance(stmt, ast.If)
                    and block is stmt.orelse
                    and len(block) == 1
                    and isinstance(block[0], ast.If)
                    and block[0].col_offset == stmt.col_offset  # not `else:` + indented `if`
                )
                _measure(block, depth if elif_chain else depth + 1, found)
