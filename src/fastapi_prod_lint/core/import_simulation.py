"""The project's module-level imports run in order, as Python runs them when the app starts:
import cycles, and the `from x import Y` that fails in one (FPL504)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex


class ImportFailure(NamedTuple):
    module: str  # where the failing `from x import Y` is
    line: int
    name: str  # Y
    cycle: tuple[str, ...]  # x ... module x: the modules being imported when it fails


def in_import_cycle(index: ProjectIndex, module: str) -> bool:
    """Some runtime import chain from `module` leads back to it (only the modules it reaches
    are looked into: an editor's one-file check stays cheap)."""
    cache = index.analyses.setdefault("in_import_cycle", {})
    assert isinstance(cache, dict)
    if module not in cache:
        cache[module] = module in _reached_by_imports(index, module)
    found: bool = cache[module]
    return found


def _reached_by_imports(index: ProjectIndex, module: str) -> set[str]:
    seen: set[str] = set()
    stack = [module]
    while stack:
        current = stack.pop()
        summary = index.modules.get(current)
        if summary is None:
            continue
        for edge in summary.imports:
            if edge.type_checking or edge.in_function:
                continue
            located = index.module_of(edge.target)
            if located is None:
                continue
            targets = [located[0].module]
            parent = located[0].module.rpartition(".")[0]
            while parent:  # importing a.b.c runs a/__init__.py and a/b/__init__.py first
                targets.append(parent)
                parent = parent.rpartition(".")[0]
            for target in targets:
                if target not in seen and target in index.modules:
                    seen.add(target)
                    stack.append(target)
    return seen


def import_failures(index: ProjectIndex) -> dict[tuple[str, int], ImportFailure]:
    """Run the project's module-level imports in order, the way Python does when the app
    starts (its app modules first, then every module): a `from x import Y` that runs while
    `x` is partly executed and has not bound `Y` yet fails (a circular import)."""
    found = index.analyses.get("import_failures")
    if isinstance(found, dict):
        return found
    failures: dict[tuple[str, int], ImportFailure] = {}
    state: dict[str, int] = {}  # module -> line it is paused at (0: done)
    stack: list[str] = []
    cycles: set[frozenset[str]] = set()

    def run(name: str) -> bool:
        if name in state:
            return True
        parent = name.rpartition(".")[0]
        if parent and parent in index.modules and not run(parent):
            return False
        if name in state:  # the package imported it
            return True
        summary = index.modules[name]
        state[name] = 1
        stack.append(name)
        try:
            edges = sorted(
                (e for e in summary.imports if not e.type_checking and not e.in_function),
                key=lambda edge: edge.line,
            )
            for edge in edges:
                state[name] = edge.line
                located = index.module_of(edge.target)
                if located is None or located[0].module == name:
                    continue
                target, rest = located
                if not run(target.module):
                    del state[name]  # as Python drops a module whose import failed
                    return False
                paused = state.get(target.module, 0)
                if rest and paused and f"{target.module}.{rest[0]}" not in index.modules:
                    first = target.first_bound.get(rest[0])
                    if first is None or first >= paused:  # its own line is still running
                        cycle = (*stack[stack.index(target.module) :], target.module)
                        if frozenset(cycle) not in cycles:  # once a cycle: the first way
                            cycles.add(frozenset(cycle))  # it fails is the one a user sees
                            failure = ImportFailure(name, edge.line, rest[0], cycle)
                            failures[(name, edge.line)] = failure
                        del state[name]
                        return False
            state[name] = 0
            return True
        finally:
            stack.pop()

    apps = sorted(
        router.name.rpartition(".")[0] for router in index.fastapi.routers.values() if router.is_app
    )
    for name in [*apps, *sorted(index.modules)]:
        if name in index.modules:
            run(name)
    index.analyses["import_failures"] = failures
    return failures
