"""Forward references of pydantic models: which names a model needs, which of them its module
never binds at runtime, and which `model_rebuild()` calls supply them (FPL501, FPL502).

Pydantic resolves a model's annotations against its module's globals at class creation, again on
first use, and at `model_rebuild()` (the module's globals plus the caller's namespace). A name
bound anywhere at module level at runtime is therefore found by first use; one bound only under
`TYPE_CHECKING`, or nowhere, is not, unless a rebuild that runs supplies it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core.annotations import (
    ANNOTATED,
    LITERAL,
    Form,
    annotation_names,
    spelled_form,
)
from fastapi_prod_lint.core.imports import BUILTIN_NAMES
from fastapi_prod_lint.core.model_completion import settle
from fastapi_prod_lint.core.models import (
    LITERAL_NAMES,
    MODEL,
    TABLE,
    model_kind,
    module_resolver,
    short,
    type_alias,
)
from fastapi_prod_lint.core.pydantic_version import model_major
from fastapi_prod_lint.core.summary import ANNOTATED_NAMES, CallSite, ModuleSummary

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex

REBUILD_METHODS = frozenset({"model_rebuild", "update_forward_refs"})
REBUILD_KEYWORDS = frozenset(
    {"force", "raise_errors", "_parent_namespace_depth", "_types_namespace"}
)
RUNS_EARLY = frozenset({"startup", "lifespan"})


class Rebuild(NamedTuple):
    """A `model_rebuild()` of a model: where it runs and what it can see besides the model's
    module: at module level the calling module's names bound above it; in a function only
    the function's own names; `_types_namespace` keys either way."""

    module: ModuleSummary  # the calling module
    line: int  # the call's line at module level; 0 inside a function that runs
    supplied: frozenset[str]  # `_types_namespace` keys, or the function's local names
    sees_caller: bool  # a module-level `model_rebuild()` sees the calling module's globals
    method: str = "model_rebuild"  # or `update_forward_refs`, `rebuild_dataclass`
    passed: frozenset[str] = frozenset()  # `update_forward_refs(B=B)`: pydantic 1's names


class Need(NamedTuple):
    name: str
    module: ModuleSummary  # where the annotation is written: the name is looked up there
    owner: str  # the model that declares the field
    also: ModuleSummary | None = None  # an inheriting model's module, looked up as well


class ForwardRefs:
    """Per project index: the names each model needs and misses, and the rebuilds."""

    def __init__(self, index: ProjectIndex, project_major: int = 2) -> None:
        self.index = index
        self.project_major = project_major
        self._final: dict[str, list[Need]] = {}
        self._rebuilds: dict[str, list[Rebuild]] | None = None
        self._external: set[tuple[str, str]] | None = None
        self._imported: set[str] | None = None
        self._called: set[str] | None = None
        self._models: dict[tuple[str, str], str | None] = {}
        self._by_name: dict[str, list[str]] | None = None
        self._forms: dict[str, Form] = {}
        self._names: dict[tuple[str, str, bool, bool], frozenset[str]] = {}
        self._uses: dict[str, list[str]] = {}
        self.active: set[str] = set()  # models whose verdicts are being reached together

    # -- what a model needs --------------------------------------------------------------
    def names(
        self, module: str, source: str, everything: bool, types_only: bool = False
    ) -> frozenset[str]:
        """`annotation_names` of an annotation written in `module`."""
        key = (module, source, everything, types_only)
        found = self._names.get(key)
        if found is None:
            form = self.form(module)
            found = self._names[key] = annotation_names(source, everything, form, types_only)
        return found

    def form(self, module: str) -> Form:
        """`Literal` and `Annotated` as a module binds them (`from typing import Literal as L`,
        `import typing_extensions as te`); a head it does not bind is read by its spelling."""
        found = self._forms.get(module)
        if found is None:
            summary = self.index.modules.get(module)
            found = self._forms[module] = (
                spelled_form if summary is None else self._bound_form(summary)
            )
        return found

    def _bound_form(self, summary: ModuleSummary) -> Form:
        resolve = module_resolver(summary)
        canonical = self.index.canonical

        def form(head: ast.expr) -> str | None:
            dotted = resolve(head)
            if dotted is None:
                return spelled_form(head)
            dotted = canonical(dotted)
            if dotted in LITERAL_NAMES:
                return LITERAL
            return ANNOTATED if dotted in ANNOTATED_NAMES else None

        return form

    def needs(self, dotted: str) -> list[Need]:
        """Every name the fields of a model make pydantic look up, inherited ones included
        (pydantic looks those up in the subclass's module too)."""
        found: list[Need] = []
        index = self.index
        own = index.class_(dotted)
        for owner in (dotted, *index.class_ancestors(dotted)):
            located = index.class_(owner)
            if located is None:
                continue
            summary, info = located
            also = own[0] if own is not None and owner != dotted else None
            for name, source in info.fields:
                if name in info.not_fields:
                    continue
                future = summary.future_annotations
                if not future and "'" not in source and '"' not in source:
                    continue  # no string part: evaluated at class creation, nothing deferred
                for needed in sorted(self.names(summary.module, source, future)):
                    found.append(Need(needed, summary, owner, also))
        return found

    def bound(self, summary: ModuleSummary, name: str) -> bool:
        """The module binds `name` at runtime (anywhere at module level, or from outside)."""
        if name in summary.first_bound or name in BUILTIN_NAMES:
            return True
        for source in summary.star_imports:  # `from app.tags import *`
            star = self.index.modules.get(source)
            if star is not None and not name.startswith("_") and name in star.first_bound:
                return True
        return (summary.module, name) in self.external

    def missing(self, dotted: str) -> list[Need]:
        """The names a model needs that no module it is looked up in binds at runtime; an
        inherited field is fine when its model was rebuilt before this one was created."""
        found = []
        bound = self.bound if self.major(dotted) == 2 else self.bound_at_creation(dotted)
        for need in self.needs(dotted):
            if bound(need.module, need.name):
                continue
            if need.also is not None and bound(need.also, need.name):
                continue
            if need.owner != dotted and self.rebuilt_before(need.owner, dotted):
                continue
            found.append(need)
        return found

    def bound_at_creation(self, dotted: str) -> Callable[[ModuleSummary, str], bool]:
        """pydantic 1 looks a model's names up once, when the class is created: a module binds
        a name by then when it binds it above the class (its own module), or at all (another
        module, imported before)."""
        located = self.index.class_(dotted)
        module, line = (located[0].module, located[1].line) if located else ("", 0)
        own = short(dotted)

        def bound(summary: ModuleSummary, name: str) -> bool:
            if name == own or name in BUILTIN_NAMES:
                return True
            if summary.module != module:
                return self.bound(summary, name)
            first = summary.first_bound.get(name)
            return first is not None and first < line

        return bound

    def rebuilt_before(self, parent: str, child: str) -> bool:
        """A rebuild that makes `parent` whole runs before `child` is created."""
        if not self.is_complete(parent):
            return False
        child_class = self.index.class_(child)
        if child_class is None:
            return False
        child_module = child_class[0].module
        for rebuild in self.rebuilds(parent):
            if rebuild.line == 0 or not self.works(parent, rebuild):  # 0: in a function,
                continue  # which runs after the modules are imported
            if rebuild.module.module == child_module:
                if rebuild.line < child_class[1].line:
                    return True
            elif child_module not in self.imported_before(rebuild.module, rebuild.line):
                return True  # the child's module is imported after the rebuild ran
        return False

    def imported_before(self, summary: ModuleSummary, line: int) -> set[str]:
        """The project modules a module has imported (directly or not) above `line`."""
        index = self.index
        stack = []
        for edge in summary.imports:
            if edge.line < line and not edge.type_checking and not edge.in_function:
                located = index.module_of(edge.target)
                if located is not None:
                    stack.append(located[0].module)
        seen: set[str] = set()
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(index.import_graph.get(name, ()))
        return seen

    # -- rebuilds ------------------------------------------------------------------------
    @property
    def external(self) -> set[tuple[str, str]]:
        """`(module, name)` bound from another module: `models.B = B`."""
        if self._external is None:
            self._scan()
        assert self._external is not None
        return self._external

    def rebuilds(self, dotted: str) -> list[Rebuild]:
        if self._rebuilds is None:
            self._scan()
        assert self._rebuilds is not None
        return self._rebuilds.get(dotted, [])

    def _scan(self) -> None:
        index = self.index
        self._external = set()
        self._rebuilds = {}
        for summary in index.modules.values():
            for owner, name in summary.external_assigns:
                self._external.add((index.canonical(owner), name))
            for site in summary.calls:
                rebuild = self.rebuild_at(summary, site, None)
                if rebuild is None:
                    continue
                for model in self.rebuilt_models(summary, site):
                    if self.executes(summary, model):
                        self._rebuilds.setdefault(model, []).append(rebuild)
            for info in summary.functions.values():
                if not self.runs(f"{summary.module}.{info.name}"):
                    continue
                for site in info.calls:
                    rebuild = self.rebuild_at(summary, site, frozenset(info.local_names))
                    if rebuild is None:
                        continue
                    for model in self.rebuilt_models(summary, site):
                        self._rebuilds.setdefault(model, []).append(rebuild)

    def rebuild_at(
        self, summary: ModuleSummary, site: CallSite, local_names: frozenset[str] | None
    ) -> Rebuild | None:
        """What a `model_rebuild()`, `update_forward_refs()` or `rebuild_dataclass()` call sees:
        at module level (`local_names` None) the calling module's names above it (but for
        `update_forward_refs()`), in a function only the function's own names; always the
        `_types_namespace` keys. None for another call, or one with `raise_errors=False`."""
        if site.method not in REBUILD_METHODS and self.dataclass_rebuilt(site) is None:
            return None
        raises = site.kwarg("raise_errors")
        if raises is not None and raises.value == "False":
            return None  # it may leave the model as it was
        supplied = namespace_keys(site, self.index)
        passed = frozenset(name for name, _ in site.kwargs if name not in REBUILD_KEYWORDS)
        method = site.method if site.method in REBUILD_METHODS else "rebuild_dataclass"
        if local_names is not None:
            return Rebuild(summary, 0, supplied | local_names, False, method, passed)
        sees_caller = site.method != "update_forward_refs"
        return Rebuild(summary, site.line, supplied, sees_caller, method, passed)

    def major(self, model: str) -> int:
        """The pydantic a model follows (see `core/pydantic_version.py`)."""
        return model_major(self.index, model, self.project_major)

    def works(self, model: str, rebuild: Rebuild) -> bool:
        """The call is a rebuild in the model's pydantic: pydantic 2 raises `TypeError` for
        `update_forward_refs(B=B)`, pydantic 1 has only `update_forward_refs()`."""
        if self.major(model) == 1:
            return rebuild.method == "update_forward_refs"
        return not (rebuild.method == "update_forward_refs" and rebuild.passed)

    def rebuilt_models(self, summary: ModuleSummary, site: CallSite) -> list[str]:
        """The models a rebuild call is made on (see `rebuild_at`)."""
        dataclass = self.dataclass_rebuilt(site)
        if dataclass is not None:
            return [dataclass]
        if site.func.startswith("~"):  # a method of a function-local object
            return []
        return self.receivers(summary, site.receiver)

    def dataclass_rebuilt(self, site: CallSite) -> str | None:
        """The pydantic dataclass `rebuild_dataclass(X)` rebuilds."""
        if self.index.canonical(site.func) != "pydantic.dataclasses.rebuild_dataclass":
            return None
        first = site.args[0] if site.args else None
        return self.index.canonical(first.value) if first and first.kind == "name" else None

    def runs(self, function: str) -> bool:
        """A function runs before the app serves: called at module level, or a startup or
        lifespan handler."""
        if self._called is None:
            index = self.index
            self._called = {
                index.canonical(site.func)
                for summary in index.modules.values()
                for site in summary.calls
            }
        roles = self.index.fastapi.roles_of(function)
        return function in self._called or any(role.kind in RUNS_EARLY for role in roles)

    def executes(self, summary: ModuleSummary, model: str) -> bool:
        """A module's top level runs when the app runs: the model's own module or a package
        above it, a module some project module imports at runtime, or the app's module."""
        name = summary.module
        if model.startswith(f"{name}.") or not name:
            return True
        return name in self.imported()

    def receivers(self, summary: ModuleSummary, receiver: str) -> list[str]:
        """The models a rebuild call is made on: `A.model_rebuild()`, or each model of a
        module-level loop `for m in (A, B): m.model_rebuild()`."""
        head = receiver.removeprefix(f"{summary.module}.")
        if head in summary.loop_names:
            return [self.index.canonical(name) for name in summary.loop_names[head]]
        return [self.class_behind(self.index.canonical(receiver))]

    def class_behind(self, dotted: str) -> str:
        """The class a module-level name stands for: `FlowRunContext = EngineContext` (an
        alias kept for compatibility) is `EngineContext`, in any module."""
        for _ in range(8):  # alias chains are short; this also ends alias loops
            if self.index.class_(dotted) is not None:
                return dotted
            alias = type_alias(self.index, dotted)
            if alias is None or not isinstance(alias[0], (ast.Name, ast.Attribute)):
                return dotted
            target = alias[1](alias[0])
            if target is None:
                return dotted
            dotted = self.index.canonical(target)
        return dotted

    def bound_by(self, need: Need, rebuild: Rebuild) -> bool:
        """The name is bound when `rebuild` runs: above the call when the rebuild is in the
        model's own module, else anywhere in that module (or in the one `need.also` names)."""
        if rebuild.line and rebuild.module.module == need.module.module:
            first = need.module.first_bound.get(need.name)
            return first is not None and first < rebuild.line
        return self.bound(need.module, need.name) or (
            need.also is not None and self.bound(need.also, need.name)
        )

    def available(self, need: Need, rebuild: Rebuild, major: int = 2) -> bool:
        """A rebuild finds the name: supplied, or bound in the calling module by then; under
        pydantic 1 passed, or bound in the model's module by then (it sees no caller)."""
        if major == 1:
            if need.name in rebuild.passed or need.name in BUILTIN_NAMES:
                return True
            return self.bound_by(need, rebuild)
        if need.name in rebuild.supplied:
            return True
        if not rebuild.sees_caller:
            return False
        first = rebuild.module.first_bound.get(need.name)
        if first is not None and first < rebuild.line:
            return True
        return (rebuild.module.module, need.name) in self.external

    # -- verdicts ------------------------------------------------------------------------
    def final_missing(self, dotted: str) -> list[Need]:
        """What a model still misses once every rebuild of it that works has run: its own
        missing names and those of the incomplete models it uses (a rebuild of the outer model
        that finds the inner model's names makes both work); see `core/model_completion.py`."""
        if dotted not in self._final:
            settle(self, dotted, self._final)
        return self._final[dotted]

    def is_complete(self, dotted: str) -> bool:
        """pydantic finishes the model (False while its verdict is being reached)."""
        return dotted not in self.active and not self.final_missing(dotted)

    def unresolved(self, dotted: str) -> list[Need]:
        """The model's own missing names, when it stays not fully defined."""
        final = self.final_missing(dotted)
        return [
            need for need in final if need.owner in (dotted, *self.index.class_ancestors(dotted))
        ]

    def broken_through(self, dotted: str) -> tuple[str, ...] | None:
        """Why a model is not fully defined at runtime: () for names of its own (see
        `unresolved`), (`Inner`,) for a model it uses that is not; None when it is fine."""
        if not self.final_missing(dotted):
            return None
        if self.unresolved(dotted):
            return ()
        for used in self.uses(dotted):
            if self.final_missing(used):
                return (used,)
        return ()

    def uses(self, dotted: str) -> list[str]:
        """The project models named in the fields of a model (inherited ones included)."""
        found = self._uses.get(dotted)
        if found is None:
            found = self._uses[dotted] = self._used_models(dotted)
        return found

    def _used_models(self, dotted: str) -> list[str]:
        index = self.index
        found: list[str] = []
        for owner in (dotted, *index.class_ancestors(dotted)):
            located = index.class_(owner)
            if located is None:
                continue
            summary, info = located  # (base models count through `needs`, not here)
            for name, source in info.fields:
                if name in info.not_fields:
                    continue
                for needed in self.names(summary.module, source, True, types_only=True):
                    model = self.model_named(summary, needed)
                    if model is not None:
                        found.append(model)
        return [name for name in dict.fromkeys(found) if name != dotted]

    def model_named(self, summary: ModuleSummary, name: str) -> str | None:
        """The project model a module-level name of a module denotes, if any."""
        if name in BUILTIN_NAMES or name not in summary.bindings:
            return None
        key = (summary.module, name)
        if key not in self._models:
            target = module_resolver(summary)(ast.Name(name))
            target = self.index.canonical(target) if target else None
            self._models[key] = target if target and is_model(self.index, target) else None
        return self._models[key]

    def modules_defining(self, name: str) -> list[str]:
        """The project modules that define a model class called `name` (SQLAlchemy finds a
        relationship's target by class name)."""
        if self._by_name is None:
            self._by_name = {}
            for module, summary in self.index.modules.items():
                for class_name in summary.classes:
                    self._by_name.setdefault(class_name, []).append(module)
        index = self.index
        return [m for m in self._by_name.get(name, []) if is_model(index, f"{m}.{name}")]

    def imported(self) -> set[str]:
        """The project modules some project module imports at runtime, or that create an app."""
        if self._imported is None:
            self._imported = {
                target for targets in self.index.import_graph.values() for target in targets
            }
            self._imported |= {
                router.name.rpartition(".")[0]
                for router in self.index.fastapi.routers.values()
                if router.is_app
            }
        return self._imported


def namespace_keys(site: CallSite, index: ProjectIndex) -> frozenset[str]:
    """The names `model_rebuild(_types_namespace={"B": B})` passes in; also through a
    module-level `_types = dict(B=B, C=C)` passed by name."""
    namespace = site.kwarg("_types_namespace")
    if namespace is not None and namespace.kind == "name":
        definition = index.definition(namespace.value)
        made = definition.module.assigns.get(definition.name) if definition else None
        if made is not None and index.canonical(made.func) == "builtins.dict" and not made.args:
            return frozenset(name for name, _ in made.kwargs)
    if namespace is None or namespace.kind != "dict":
        return frozenset()
    return frozenset(item.value for item in namespace.items if item.kind == "str")


def is_model(index: ProjectIndex, dotted: str) -> bool:
    return index.class_(dotted) is not None and model_kind(index, dotted) in (MODEL, TABLE)


def forward_refs(index: ProjectIndex, project_major: int = 2) -> ForwardRefs:
    """The forward references of a project that runs pydantic `project_major` (1 or 2)."""
    key = f"forward_refs_v{project_major}"
    found = index.analyses.get(key)
    if not isinstance(found, ForwardRefs):
        found = index.analyses[key] = ForwardRefs(index, project_major)
    return found
