"""The project index: every module's summary, cross-module resolution, call and import graphs."""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.summary import ClassInfo, FunctionInfo, ModuleSummary, summarize

if TYPE_CHECKING:
    from fastapi_prod_lint.core.semantics import FastAPIFacts

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}
)
TRACE_ENV = "FASTAPI_PROD_LINT_TRACE"


def find_root(path: Path) -> Path:
    """The nearest folder up from `path` holding pyproject.toml, setup.cfg or .git."""
    start = path.resolve()
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


def module_name(root: Path, path: Path) -> tuple[str, bool]:
    """(dotted module name, is_package) of a file, following `src/` layouts."""
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        rel = Path(path.name)
    parts = list(rel.with_suffix("").parts)
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def is_excluded(rel: str, patterns: Iterable[str]) -> bool:
    """A root-relative posix path matches an exclude glob, itself or through a parent folder."""
    pieces = rel.split("/")
    prefixes = ["/".join(pieces[: i + 1]) for i in range(len(pieces))]
    return any(
        fnmatch(prefix, pattern.rstrip("/")) or fnmatch(pieces[i], pattern.rstrip("/"))
        for pattern in patterns
        for i, prefix in enumerate(prefixes)
    )


def discover(root: Path, exclude: Iterable[str] = ()) -> Iterator[Path]:
    """The project's Python files: hidden, virtualenv, build and nested-project folders skipped."""
    patterns = tuple(exclude)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            rel = sub.relative_to(root).as_posix()
            if name.startswith(".") or name in SKIP_DIRS or (sub / "pyvenv.cfg").exists():
                continue
            if any((sub / marker).exists() for marker in ROOT_MARKERS) or is_excluded(
                rel, patterns
            ):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.endswith(".py"):
                path = here / name
                if not is_excluded(path.relative_to(root).as_posix(), patterns):
                    yield path


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_source(data: bytes | str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse` that turns every way a file can fail to parse into a SyntaxError."""
    try:
        return ast.parse(data, filename=filename)
    except SyntaxError:
        raise
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        raise SyntaxError(f"{type(error).__name__}: {error}") from error


SUMMARY_BUILDS = 0  # modules summarised by this process (tests count it)


def summarize_source(
    root: Path, path: Path, data: bytes, tree: ast.Module | None = None
) -> ModuleSummary:
    """The summary of one file's content; an empty summary when it does not parse."""
    global SUMMARY_BUILDS
    SUMMARY_BUILDS += 1
    name, is_package = module_name(root, path)
    digest = digest_of(data)
    if tree is None:
        try:
            tree = parse_source(data, str(path))
        except SyntaxError:
            return ModuleSummary(name, str(path), is_package, digest)
    return summarize(tree, name, str(path), is_package, digest)


@dataclass(frozen=True, slots=True)
class Definition:
    """Where a dotted name is defined in the project."""

    module: ModuleSummary
    name: str  # the name inside the module ("f", "Class", "Class.method")


class ProjectIndex:
    """All module summaries of one project, and the questions they answer.

    It never holds syntax trees: only summaries, so the whole project fits in memory cheaply.
    """

    def __init__(self, root: Path, summaries: Iterable[ModuleSummary]) -> None:
        self.root = root
        self.modules: dict[str, ModuleSummary] = {}
        self.by_path: dict[str, ModuleSummary] = {}
        for summary in summaries:
            self.modules.setdefault(summary.module, summary)
            self.by_path[summary.path] = summary

    def with_module(self, summary: ModuleSummary) -> ProjectIndex:
        """A copy in which `summary` replaces its module (an editor's unsaved buffer)."""
        others = [s for s in self.by_path.values() if s.path != summary.path]
        return ProjectIndex(self.root, [summary, *others])

    def summary_for_path(self, path: Path) -> ModuleSummary | None:
        return self.by_path.get(str(path.resolve()))

    def module_of(self, dotted: str) -> tuple[ModuleSummary, list[str]] | None:
        """The project module that is the longest prefix of `dotted`, and the rest."""
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            summary = self.modules.get(".".join(parts[:i]))
            if summary is not None:
                return summary, parts[i:]
        return None

    def canonical(self, dotted: str) -> str:
        """Follow re-exports through the project: `app.compat.sleep` -> `time.sleep`."""
        for _ in range(32):  # import chains are short; this also ends import loops
            found = self.module_of(dotted)
            if found is None:
                return dotted
            summary, rest = found
            if not rest:
                return dotted
            binding = summary.bindings.get(rest[0])
            if binding is None or binding.kind != "import" or binding.target == dotted:
                return dotted
            dotted = ".".join([binding.target, *rest[1:]])
        return dotted

    def definition(self, dotted: str) -> Definition | None:
        """The project module and local name that define a canonical dotted name."""
        found = self.module_of(self.canonical(dotted))
        if found is None or not found[1]:
            return None
        summary, rest = found
        return Definition(summary, ".".join(rest))

    def function(self, dotted: str) -> tuple[ModuleSummary, FunctionInfo] | None:
        definition = self.definition(dotted)
        if definition is None:
            return None
        info = definition.module.functions.get(definition.name)
        return None if info is None else (definition.module, info)

    def class_(self, dotted: str) -> tuple[ModuleSummary, ClassInfo] | None:
        definition = self.definition(dotted)
        if definition is None:
            return None
        info = definition.module.classes.get(definition.name)
        return None if info is None else (definition.module, info)

    def class_ancestors(self, dotted: str) -> list[str]:
        """Canonical names of a class's bases, transitively through project classes."""
        seen: list[str] = []
        stack = [self.canonical(dotted)]
        while stack:
            current = stack.pop()
            found = self.class_(current)
            if found is None:
                continue
            for base in found[1].bases:
                base = self.canonical(base)
                if base not in seen:
                    seen.append(base)
                    stack.append(base)
        return seen

    @cached_property
    def import_graph(self) -> dict[str, set[str]]:
        """Runtime module-level imports between project modules (TYPE_CHECKING ones left out)."""
        graph: dict[str, set[str]] = {}
        for name, summary in self.modules.items():
            edges = graph.setdefault(name, set())
            for edge in summary.imports:
                if edge.type_checking or edge.in_function:
                    continue
                found = self.module_of(edge.target)
                if found is not None and found[0].module != name:
                    edges.add(found[0].module)
        return graph

    @cached_property
    def call_graph(self) -> dict[str, set[str]]:
        """Project function -> project functions it calls, by canonical dotted name."""
        graph: dict[str, set[str]] = {}
        for name, summary in self.modules.items():
            for info in summary.functions.values():
                callees = graph.setdefault(f"{name}.{info.name}", set())
                for site in info.calls:
                    found = self.function(site.func) if not site.func.startswith("~") else None
                    if found is not None:
                        callees.add(f"{found[0].module}.{found[1].name}")
        return graph

    @cached_property
    def fastapi(self) -> FastAPIFacts:
        """Apps, routers, routes, dependencies, middleware and lifespan handlers of the project."""
        from fastapi_prod_lint.core.semantics import FastAPIFacts

        return FastAPIFacts.from_index(self)


def trace(event: str) -> None:
    """Append an event to the file named by $FASTAPI_PROD_LINT_TRACE (tests count builds)."""
    target = os.environ.get(TRACE_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {event}\n")
