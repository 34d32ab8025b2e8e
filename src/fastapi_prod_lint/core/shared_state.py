"""Writes into shared objects, as FPL401, FPL402 and FPL404 read them: what a statement or call
writes, the name chain it writes through, and the writes that are not per-request state: a
write made under a lock, and (core/lazy_init.py) a singleton or set-up made once."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core.imports import walk_own_scope
from fastapi_prod_lint.core.lazy_init import CONTEXT_VARS, lazy_init
from fastapi_prod_lint.core.naming import names_term, words
from fastapi_prod_lint.core.request_path import serving_function
from fastapi_prod_lint.core.rule import Rule

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import FunctionNode, ModuleContext
    from fastapi_prod_lint.core.finding import Finding

MUTATING_METHODS = frozenset({"update", "append", "extend", "insert", "setdefault", "__setitem__"})
KEYED_METHODS = frozenset({"setdefault", "__setitem__"})
ATTRIBUTE_WRITERS = frozenset({"builtins.setattr", "builtins.delattr"})
LOCK_WORDS = ("lock", "mutex", "semaphore")
LOCK_CLASSES = frozenset(
    f"{module}.{name}"
    for module in ("threading", "asyncio", "anyio", "multiprocessing")
    for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")
)
# words that may follow an identity word in a name that still holds the identity: `user_id`,
# `auth_header`, `tenant_ctx` (but `user_agent`, `token_count`, `role_cache` are other things)
IDENTITY_TRAILING = frozenset(
    {"id", "ids", "name", "email", "info", "data", "obj", "object", "context", "ctx"}
    | {"header", "headers", "value", "claims", "payload", "details", "state", "model"}
    | {"record", "var", "str", "string", "raw", "hash", "dict", "expiry", "expiration"}
)


def identity_name(name: str, terms: tuple[str, ...], head_noun: bool = True) -> bool:
    """The name holds a word of the identity vocabulary: as its head noun (`current_user`,
    `tenant_id`, `Authorization`; not `user_agent` or `token_count`), or anywhere when
    `head_noun` is False (`token_cache`, `auth_log`): see `names_term`."""
    return names_term(name, terms, IDENTITY_TRAILING if head_noun else None)


WriteNode = ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete | ast.Call


class Write(NamedTuple):
    """One object written: `client.headers["Authorization"] = v` writes into `client.headers`
    (`obj`) the constant key `Authorization`."""

    node: ast.AST  # where a finding goes: the assignment target, or the call
    obj: ast.expr  # the object written into
    attr: str | None  # the attribute set on `obj` (`obj.attr = v`, `setattr(obj, "attr", v)`)
    keys: tuple[str, ...]  # constant item keys and keyword names written (`update(user=u)`)
    keyed: bool  # an item written under a key that is not a constant: a keyed store
    method: str | None = None  # the mutating method called (`update`): a write on a container


def writes(node: WriteNode, ctx: ModuleContext) -> Iterator[Write]:
    """The attribute and item writes of an assignment, a `del`, or a mutating call."""
    if isinstance(node, ast.Call):
        yield from _call_writes(node, ctx)
        return
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign) and node.value is None:
        return  # `x.y: int` alone writes nothing
    else:
        targets = [node.target]
    for target in targets:
        yield from _target_writes(target)


def _target_writes(target: ast.expr) -> Iterator[Write]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_writes(element)
    elif isinstance(target, ast.Starred):
        yield from _target_writes(target.value)
    elif isinstance(target, ast.Attribute):
        yield Write(target, target.value, target.attr, (), False)
    elif isinstance(target, ast.Subscript):
        key = target.slice
        if isinstance(key, ast.Constant):
            keys = (key.value,) if isinstance(key.value, str) else ()
            yield Write(target, target.value, None, keys, False)
        else:
            yield Write(target, target.value, None, (), True)


def _call_writes(node: ast.Call, ctx: ModuleContext) -> Iterator[Write]:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS:
        keys: list[str] = [k.arg for k in node.keywords if k.arg]
        keyed = False
        candidates: list[ast.expr] = []
        if func.attr == "update" and node.args and isinstance(node.args[0], ast.Dict):
            candidates = [k for k in node.args[0].keys if k is not None]
        elif func.attr in KEYED_METHODS and node.args:
            candidates = [node.args[0]]
        for key in candidates:
            if isinstance(key, ast.Constant):
                keys.extend([key.value] if isinstance(key.value, str) else [])
            else:
                keyed = True
        yield Write(node, func.value, None, tuple(keys), keyed, func.attr)
    elif (
        len(node.args) >= 2
        and getattr(func, "id", None) in ("setattr", "delattr")
        and ctx.qualified_name(func) in ATTRIBUTE_WRITERS
    ):
        name = node.args[1]
        attr = (
            name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None
        )
        yield Write(node, node.args[0], attr, (), False)


CONTAINER_CLASSES = frozenset(
    {
        *("builtins.dict", "builtins.list", "builtins.set", "builtins.bytearray"),
        *("collections.OrderedDict", "collections.defaultdict", "collections.Counter"),
        *("collections.UserDict", "collections.UserList", "collections.ChainMap"),
        *("collections.deque", "weakref.WeakValueDictionary", "weakref.WeakKeyDictionary"),
        *("typing.Dict", "typing.List", "typing.Set", "typing.DefaultDict"),
        *("typing.OrderedDict", "typing.MutableMapping", "typing.MutableSequence"),
        *("typing.MutableSet", "typing.TypedDict", "typing_extensions.TypedDict"),
        *("collections.abc.MutableMapping", "collections.abc.MutableSequence"),
        *("collections.abc.MutableSet",),
        *(f"cachetools.{name}" for name in ("Cache", "LRUCache", "LFUCache", "TTLCache")),
        *("cachetools.TLRUCache", "cachetools.RRCache", "cachetools.FIFOCache"),
    }
)


def container_write(write: Write, ctx: ModuleContext) -> bool:
    """Whether `obj.update(...)` (any mutating method's name) writes into a container.
    - `obj` is an instance of a project class: only when the class is a `dict`, `list`, `set`
      (or `TypedDict`, ...) subclass that does not define the method itself; a repository's
      `user_repo.update(db=db, obj=user)` is a call of the project's own method.
    - `obj` is of another known type (`dict[str, str]`, a library class): yes.
    - `obj` is a module-level name of unknown type: only when it looks like a container, bound
      by a literal (`{}`, `[]`) or a container's constructor (`dict()`, `defaultdict(list)`,
      `TTLCache(...)`); not when a call of anything else made it (`make_repository(User)`,
      a database client): that object's methods are its own.
    - `obj` is an attribute of an object (`client.headers`, `auth_context.scopes`), which can
      rarely be typed: yes (headers, cookies and scope lists are the usual leak)."""
    receiver = write.obj
    index = ctx.index
    held = ctx.type_of(receiver)
    if held is not None:
        if index.class_(held) is None:
            return True
        if index.method(held, write.method or "") is not None:
            return False
        return any(base in CONTAINER_CLASSES for base in index.class_ancestors(held))
    dotted = ctx.qualified_name(receiver)
    definition = None if dotted is None else index.definition(dotted)
    if dotted is None or definition is None or "." in definition.name:
        return True  # an attribute of an object, or a name the project does not bind
    made_by = index.created_by(dotted)
    return (
        made_by is None
        or made_by in CONTAINER_CLASSES
        or made_by.rpartition(".")[0] in CONTAINER_CLASSES  # `dict.fromkeys(...)`
    )


class Chain(NamedTuple):
    """`ctx.auth["user"].id` -> head `ctx`, names [auth, user, id]."""

    head: ast.Name | None  # None when the chain starts at a call or anything else
    names: tuple[str, ...]
    keyed: bool


def chain(expr: ast.expr) -> Chain:
    names: list[str] = []
    keyed = False
    while True:
        if isinstance(expr, ast.Attribute):
            names.append(expr.attr)
            expr = expr.value
        elif isinstance(expr, ast.Subscript):
            key = expr.slice
            if not isinstance(key, ast.Constant):
                keyed = True
            elif isinstance(key.value, str):
                names.append(key.value)
            expr = expr.value
        else:
            break
    head = expr if isinstance(expr, ast.Name) else None
    return Chain(head, tuple(reversed(names)), keyed)


def holds_identity(write: Write, found: Chain, terms: tuple[str, ...]) -> bool:
    """A container named for identities (`token_cache`, `auth_context`: the head or an
    attribute on the way, any word) or a slot that holds one (the attribute or key written,
    by its head noun: `current_user`, `["Authorization"]`; not `user_agent`)."""
    head = [found.head.id] if found.head is not None else []
    slots = [write.attr] if write.attr else []
    return any(
        identity_name(name, terms, head_noun=False) for name in [*head, *found.names]
    ) or any(identity_name(name, terms) for name in [*slots, *write.keys])


# -- writes that are not per-request state ----------------------------------------------------
def under_lock(node: ast.AST, ctx: ModuleContext) -> bool:
    """The node sits in the body of a `with lock:` / `async with lock:` of its function."""
    function = ctx.enclosing_function()
    if function is None:
        return False
    key = ("locked", id(function))
    locked = ctx.memo.get(key)
    if not isinstance(locked, set):
        locked = ctx.memo[key] = _locked_nodes(function, ctx)
    return id(node) in locked


def _locked_nodes(function: FunctionNode, ctx: ModuleContext) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            _is_lock(item.context_expr, ctx) for item in node.items
        ):
            found.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return found


def _is_lock(expr: ast.expr, ctx: ModuleContext) -> bool:
    if isinstance(expr, ast.Call):  # `with lock_for(user):`, `async with limiter.acquire():`
        expr = expr.func
    last = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
    if any(word in LOCK_WORDS for word in words(last)) or ctx.type_of(expr) in LOCK_CLASSES:
        return True
    dotted = ctx.qualified_name(expr)  # `refresh_guard = asyncio.Lock()` at module level
    return dotted is not None and ctx.index.created_by(dotted) in LOCK_CLASSES


def _written_chain(write: Write) -> ast.expr | None:
    """The attribute a write sets, as a chain: `Cls.x = v`, and `setattr(Cls, "x", v)`."""
    if isinstance(write.node, ast.Attribute):
        return write.node
    if isinstance(write.node, ast.Call) and write.attr is not None and write.method is None:
        return ast.Attribute(value=write.obj, attr=write.attr, ctx=ast.Load())
    return None


# -- what a written object is -------------------------------------------------------------------
THREAD_LOCALS = frozenset({"threading.local", "_threading_local.local"})


def module_object(found: Chain, write: Write, ctx: ModuleContext) -> bool:
    """The chain starts at an object bound at module level, in this module or imported: not a
    local or a parameter, nor a class whose attribute is set or an app (FPL404), nor a
    `ContextVar`. (A thread-local is shared state in an async app: FPL403 reports the object,
    this rule the writes of identity into it.)"""
    head = found.head
    assert head is not None
    function = ctx.enclosing_function()
    dotted = module_level_name(head, ctx)
    if dotted is None:  # a local, unless a `global` names it before the module binds it
        return function is not None and head.id in declared_globals(function, ctx)
    if dotted.startswith("builtins.") or dotted in ctx.index.fastapi.routers:
        return False
    index = ctx.index
    if index.function(dotted) is not None:
        return False
    if index.class_(dotted) is not None:
        return bool(found.names)  # `Service.user = u` is FPL404's; deeper writes are ours
    return ctx.index.created_by(dotted) not in CONTEXT_VARS


def module_level_name(name: ast.Name, ctx: ModuleContext) -> str | None:
    """The canonical name a name refers to when the module binds it or a function the walk is
    in imports it (`import os`); None for locals and parameters. Most written names are locals
    (`self`), so the module's bindings are asked first and the walk's types only then."""
    scopes = ctx.function_scopes()
    if name.id not in ctx.bindings and not any(
        name.id in ctx.local_scope(scope).imports for scope in scopes
    ):
        return None
    return ctx.qualified_name(name)


def declared_globals(function: FunctionNode, ctx: ModuleContext) -> frozenset[str]:
    key = ("globals", id(function))
    found = ctx.memo.get(key)
    if not isinstance(found, frozenset):
        body: list[ast.AST] = (
            [function.body] if isinstance(function, ast.Lambda) else list(function.body)
        )
        found = ctx.memo[key] = frozenset(
            name
            for node in walk_own_scope(body)
            if isinstance(node, ast.Global)
            for name in node.names
        )
    return found


class WriteRule(Rule):
    """A rule about writes made on the request path (FPL402, FPL404): the engine hands it
    every assignment, `del` and call; `judge` says which writes it reports, and with what
    message fields. A singleton made on first use is never reported, nor code off the path."""

    def visit_Assign(self, node: ast.Assign, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_Delete(self, node: ast.Delete, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def judge(
        self, write: Write, node: WriteNode, function: FunctionNode, ctx: ModuleContext
    ) -> dict[str, str] | None:
        """The message fields of a reported write (`where` is added), None to let it be."""
        raise NotImplementedError

    def _check(self, node: WriteNode, ctx: ModuleContext) -> Iterator[Finding]:
        function = ctx.enclosing_function()
        if function is None:
            return
        for write in writes(node, ctx):
            fields = self.judge(write, node, function, ctx)
            if fields is None:
                continue
            chain = _written_chain(write)
            if chain is not None and lazy_init(chain, ctx):
                continue
            where = serving_function(ctx)
            if where is None:
                return
            yield self.report(write.node, ctx, where=where, **fields)
