"""What blocks the event loop: catalogue calls resolved through the project's types, and the
project's sync helpers that reach one at any depth. FPL101 and FPL102 share this."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core.argument_guards import Bound, runs
from fastapi_prod_lint.core.blocking_catalogue import (
    Blocking,
    blocking_function,
    blocking_method,
)

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext
    from fastapi_prod_lint.core.finding import Finding
    from fastapi_prod_lint.core.project import ProjectIndex
    from fastapi_prod_lint.core.summary import Arg, CallSite, FunctionInfo

EXTRA_ALTERNATIVE = "an async equivalent, or `await asyncio.to_thread(...)`"
# A helper behind one of these computes its value once per process (per arguments): blocking
# there is start-up-like, run-once work, not a per-request stall (issue 12).
MEMOISING_DECORATORS = frozenset(
    {
        *("functools.cache", "functools.lru_cache", "functools.cached_property"),
        "cachetools.func.lru_cache",  # (a TTL cache runs its body again, on some request)
    }
)


ABSTRACT_DECORATORS = frozenset({"abc.abstractmethod", "abc.abstractproperty"})


class Blocker(NamedTuple):
    name: str  # what blocks, as messages show it: `time.sleep`, `requests.Session.get`
    alternative: str
    kind: str = "extra"  # the catalogue's family (`file`, `http`, ...): findings group by it


class Callee(NamedTuple):
    """What a call reaches: a catalogue call that blocks, or a project function (its key), and
    the project overrides that a call through a method may run instead (`BlockingAnalysis.reach`
    follows each)."""

    blocker: Blocker | None = None
    function: str | None = None
    overrides: tuple[str, ...] = ()


Chain = tuple[tuple[str, ...], Blocker]  # the project hops, then what blocks
Values = tuple[tuple[str, str], ...]  # (parameter, string constant) a call passes, sorted


class BlockingAnalysis:
    """Blocking facts of one project under one set of options, memoised."""

    def __init__(
        self,
        index: ProjectIndex,
        extra: tuple[str, ...],
        allowed: tuple[str, ...],
        strict: bool = False,
    ):
        self.index = index
        self.extra = frozenset(extra)
        self.allowed = frozenset(allowed)
        self.strict = strict  # `strict-filesystem`: cheap `stat`-like checks block too
        self.chains: dict[tuple[str, Values], Chain | None] = {}
        self._resets: dict[str, set[str]] | None = None  # slot -> functions that empty it

    # -- one call ---------------------------------------------------------------------------
    def function(self, dotted: str, exist_ok: bool = False) -> Callee:
        """A call of the canonical dotted name `dotted` (`exist_ok=True` among its arguments)."""
        blocker = self._catalogue(dotted, blocking_function(dotted, self.strict, exist_ok))
        if blocker is not None:
            return Callee(blocker)
        target = self.index.call_target(dotted)
        if isinstance(target, tuple):  # a constructor, or a method of a module-level object
            exact = target[1] == "__init__" or self.index.is_exact(f"O:{dotted.rpartition('.')[0]}")
            return self.method(*target, exist_ok=exist_ok, exact=exact)
        return Callee(function=target)

    def method(
        self, class_name: str, name: str, exist_ok: bool = False, exact: bool = False
    ) -> Callee:
        """A call of method `name` on an instance of `class_name` (`exact`: made by calling
        that class, so no subclass's override runs instead)."""
        known = blocking_method(class_name, name, self.strict, exist_ok)
        blocker = self._catalogue(f"{class_name}.{name}", known)
        if blocker is not None:
            return Callee(blocker)
        key = self.index.method_key(class_name, name)
        overrides = self.index.overrides(class_name, name) if key and not exact else ()
        if key is not None and self._abstract(key):
            key = None  # its body never runs for a call through it: only the overrides do
        return Callee(function=key, overrides=overrides)

    def site(self, site: CallSite) -> Callee:
        """A call recorded in a module summary."""
        exist_ok = _true(site.kwarg("exist_ok"))
        if site.receiver_type:
            held = self.index.resolve_type(site.receiver_type)
            if held is None:
                return Callee()
            return self.method(held, site.func, exist_ok, self.index.is_exact(site.receiver_type))
        if site.func.startswith("~"):
            return Callee()
        return self.function(self.index.canonical(site.func), exist_ok)

    def _catalogue(self, name: str, known: Blocking | None) -> Blocker | None:
        if name in self.allowed:
            return None
        if known is not None:
            return Blocker(name, known.alternative, known.kind)
        if name in self.extra:
            return Blocker(name, EXTRA_ALTERNATIVE)
        return None

    # -- through helpers ----------------------------------------------------------------------
    def chain(self, function: str, consumed: bool = False, values: Values = ()) -> Chain | None:
        """How a sync project function reaches a blocking call (None when it does not). A
        generator function's body runs only when the generator is `consumed` (iterated).
        `values`: string constants the call passes, by parameter: a branch they never enter
        is not followed (`get_secret("DB_URL")` never runs `if name.startswith("oidc/"):`)."""
        if consumed:
            found = self.index.function(function)
            if found is not None and found[1].generator:
                return self._body_chain(function, found[1], set(), values)[0]
        return self._chain(function, set(), values)[0]

    def reach(
        self,
        callee: Callee,
        bound: tuple[Bound, ...] = (),
        consumed: bool = False,
        known: Values = (),
    ) -> Chain | None:
        """How a call of `callee` reaches a blocking call: through its project function or
        through any project override of it (named as the chain's first hop). `bound`: the
        arguments the call passes (`values_for`)."""
        if callee.function is not None:
            found = self.chain(
                callee.function, consumed, self.values_for(callee.function, bound, known)
            )
            if found is not None:
                return found
        for override in callee.overrides:
            values = self.values_for(override, bound, known)
            found = self.chain(override, consumed, values)
            if found is not None:
                return (hop_label(override), *found[0]), found[1]
        return None

    def values_for(self, function: str, bound: tuple[Bound, ...], known: Values = ()) -> Values:
        """(parameter, value) of the string constants a call passes to `function`: constants
        at the call, and the caller's own parameters passed on while `known` holds them."""
        if not bound:
            return ()
        found = self.index.function(function)
        if found is None or not _has_guards(found[1]):
            return ()
        info = found[1]
        names = [param.name for param in info.params]
        method = "." in info.name and names[:1] in (["self"], ["cls"])
        offset = 1 if method and not self._static(info) else 0
        held = dict(known)
        pairs = []
        for argument in bound:
            if argument.param:
                value = held.get(argument.param)
            elif argument.name:
                value = self.index.string_constant(argument.name)
            else:
                value = argument.value
            if value is None:
                continue
            if argument.key.isdigit():
                position = int(argument.key) + offset
                name = names[position] if position < len(names) else None
            else:
                name = argument.key if argument.key in names else None
            if name is not None:
                pairs.append((name, value))
        return tuple(sorted(pairs))

    def _chain(self, key: str, active: set[str], values: Values = ()) -> tuple[Chain | None, bool]:
        memo = (key, values)
        if memo in self.chains:
            return self.chains[memo], True
        if f"{key}{values}" in active:  # a cycle: this path adds nothing new
            return None, False
        found = self.index.function(key)
        if found is None or found[1].is_async or found[1].generator or self._wrapped(found[1]):
            return None, True  # coroutines and generators do not run when called
        if self._memoised(found[1]):
            return None, True  # its body runs once per process (and arguments): run-once work
        result, complete = self._body_chain(key, found[1], active, values)
        if result is not None or complete:  # a negative answer found inside a cycle may change
            self.chains[memo] = result
        return result, complete or result is not None

    def _body_chain(
        self, key: str, info: FunctionInfo, active: set[str], values: Values = ()
    ) -> tuple[Chain | None, bool]:
        token = f"{key}{values}"
        active.add(token)
        held = dict(values)
        complete = True
        result: Chain | None = None
        callees = []
        for site in sorted(info.calls, key=_position):  # the chain names the first blocker
            if (site.once and not self._reloaded(site.once, key)) or (
                held and site.guard and not runs(site.guard, held)
            ):
                continue  # run-once work, or a branch the constant arguments never enter
            callee = self.site(site)
            if callee.blocker is not None:
                result = ((), callee.blocker)
                break
            for function in (callee.function, *callee.overrides):
                if function is not None and function != key:
                    passed = self.values_for(function, site.bound, values)
                    callees.append((function, passed))
        for callee_key, passed in callees if result is None else ():
            sub, sub_complete = self._chain(callee_key, active, passed)
            complete = complete and sub_complete
            if sub is not None:
                result = ((hop_label(callee_key), *sub[0]), sub[1])
                break
        active.discard(token)
        return result, complete

    def _reloaded(self, slot: str, loader: str) -> bool:
        """Some function other than the loader empties the slot again (a reload)."""
        if self._resets is None:
            self._resets = {}
            for name, summary in self.index.modules.items():
                for written, functions in summary.resets.items():
                    keys = {f"{name}.{function}" for function in functions}
                    self._resets.setdefault(self.index.canonical(written), set()).update(keys)
        return bool(self._resets.get(self.index.canonical(slot), set()) - {loader})

    def _abstract(self, key: str) -> bool:
        """`@abstractmethod`: what its body does proves nothing of what a call runs."""
        found = self.index.function(key)
        return found is not None and any(
            self.index.canonical(decorator.func) in ABSTRACT_DECORATORS
            for decorator in found[1].decorators
        )

    def _static(self, info: FunctionInfo) -> bool:
        return any(
            self.index.canonical(decorator.func) == "builtins.staticmethod"
            for decorator in info.decorators
        )

    def _memoised(self, info: FunctionInfo) -> bool:
        """`@functools.cache`, `@lru_cache`, `@cachetools.cached(...)`: a value made once."""
        return any(
            self.index.canonical(decorator.func) in MEMOISING_DECORATORS
            for decorator in info.decorators
        )

    def _wrapped(self, info: FunctionInfo) -> bool:
        """Decorated by an async wrapper: its body is event-loop code, reported as FPL101."""
        for decorator in info.decorators:
            found = self.index.function(self.index.canonical(decorator.func))
            if found is not None and found[1].async_wrapper:
                return True
        return False


def _has_guards(info: FunctionInfo) -> bool:
    """Some call of the function runs only for some values of a parameter, or passes one on
    (so that a callee's branch may depend on it)."""
    return any(site.guard or any(b.param for b in site.bound) for site in info.calls)


def hop_label(key: str) -> str:
    """`app.rates.client.get_json` -> `rates.client.get_json()` (the package is implied)."""
    return f"{key.partition('.')[2] or key}()"


def _position(site: CallSite) -> tuple[int, int]:
    return site.line, site.col


def _true(arg: Arg | None) -> bool:
    return arg is not None and arg.kind == "const" and arg.value == "True"


def analysis_for(
    index: ProjectIndex, extra: tuple[str, ...], allowed: tuple[str, ...], strict: bool = False
) -> BlockingAnalysis:
    key = ("blocking", extra, allowed, strict)
    found = index.analyses.get(key)
    if not isinstance(found, BlockingAnalysis):
        found = index.analyses[key] = BlockingAnalysis(index, extra, allowed, strict)
    return found


def resolve_call(node: ast.Call, ctx: ModuleContext, analysis: BlockingAnalysis) -> Callee:
    """What a call in the module being checked reaches."""
    exist_ok = any(
        keyword.arg == "exist_ok"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
        for keyword in node.keywords
    )
    dotted = ctx.qualified_name(node.func)
    if dotted is not None:
        callee = analysis.function(dotted, exist_ok)
        if callee != Callee() or not isinstance(node.func, ast.Attribute):
            return callee
    if isinstance(node.func, ast.Attribute):
        texpr = ctx.type_expression(node.func.value)
        held = ctx.index.resolve_type(texpr)
        if held is not None:
            exact = ctx.index.is_exact(texpr)
            return analysis.method(held, node.func.attr, exist_ok, exact)
    return Callee()


def awaited(node: ast.Call, ctx: ModuleContext) -> bool:
    """The call is awaited, or opens an `async with` or an `async for`: what it returns is
    awaitable, so it is not the sync function the names suggest (a sync `Engine` annotation
    on what is really an `AsyncEngine`, say). A catalogue call never returns an awaitable."""
    function = ctx.enclosing_function()
    if function is None:
        return False
    key = ("awaited", id(function))
    found = ctx.memo.get(key)
    if not isinstance(found, frozenset):
        ids = set()
        for inner in ast.walk(function):
            if isinstance(inner, ast.Await):
                ids.add(id(inner.value))
            elif isinstance(inner, ast.AsyncWith):
                ids.update(id(item.context_expr) for item in inner.items)
            elif isinstance(inner, (ast.AsyncFor, ast.comprehension)) and getattr(
                inner, "is_async", True
            ):
                ids.add(id(inner.iter))
        found = ctx.memo[key] = frozenset(ids)
    return id(node) in found


def describe_function(ctx: ModuleContext) -> str:
    """`async route `GET /items``, `async dependency `get_db``, or `async function `f``."""
    roles = ctx.function_roles()
    if roles:
        return f"async {roles[0].label}"
    function = ctx.enclosing_function()
    name = getattr(function, "name", "<lambda>")
    if isinstance(function, ast.FunctionDef):
        decorator = ctx.async_decorator(function)
        return f"function `{name}` (made async by `@{decorator}`)"
    return f"async function `{name}`"


# -- one finding per function and blocking resource ------------------------------------------
GROUP_NOUNS = {  # the singular; counts of more than one add an "s"
    "sleep": "sleep",
    "input": "input read",
    "http": "HTTP call",
    "socket": "network call",
    "subprocess": "subprocess call",
    "file": "file operation",
    "database": "database call",
    "cloud": "cloud SDK call",
    "cpu": "CPU-bound call",
    "lock": "lock wait",
    "queue": "queue wait",
    "thread": "thread wait",
}


def hold(ctx: ModuleContext, finding: Finding, kind: str) -> None:
    """Keep a finding of the function the walk is in until the walk leaves it (`release`)."""
    function = ctx.enclosing_function()
    groups = ctx.memo.setdefault(("blocking-groups", finding.code, id(function)), {})
    assert isinstance(groups, dict)
    groups.setdefault(kind, []).append(finding)


def release(ctx: ModuleContext, code: str, function: ast.AST) -> Iterator[Finding]:
    """One finding per blocking resource of `function`: the first call, with the others
    counted in its message (`# noqa` on its line silences the group)."""
    groups = ctx.memo.pop(("blocking-groups", code, id(function)), None)
    if not isinstance(groups, dict):
        return
    for kind, held in groups.items():
        first, *others = sorted(held)
        if not others:
            yield first
            continue
        lines = sorted({finding.line for finding in others})
        where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
        noun = GROUP_NOUNS.get(kind, "blocking call") + ("s" if len(others) > 1 else "")
        more = f" (and {len(others)} more {noun} on {where})"
        yield dataclasses.replace(first, message=first.message + more)
