"""The project index: every module's summary, cross-module resolution, call and import graphs."""

from __future__ import annotations

import ast
import hashlib
import marshal
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from fnmatch import translate
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core import summary_codec
from fastapi_prod_lint.core.layout import ROOT_MARKERS, Layout
from fastapi_prod_lint.core.newer_syntax import parse_newer
from fastapi_prod_lint.core.summary import (
    CallSite,
    ClassInfo,
    FunctionInfo,
    ModuleSummary,
    summarize,
)
from fastapi_prod_lint.core.types import TUPLE_SEP, UNION_SEP

if TYPE_CHECKING:
    from fastapi_prod_lint.core.semantics import FastAPIFacts

SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}
)
TRACE_ENV = "FASTAPI_PROD_LINT_TRACE"


def module_name(root: Path | Layout, path: Path) -> tuple[str, bool]:
    """(dotted module name, is_package) of a file in a project (core/layout.py)."""
    return as_layout(root).module_name(path)


def as_layout(root: Path | Layout) -> Layout:
    return root if isinstance(root, Layout) else Layout.plain(root)


class Excluder:
    """Exclude globs, matched against a root-relative posix path and against its last part."""

    def __init__(self, patterns: Iterable[str]) -> None:
        globs = [pattern.rstrip("/") for pattern in patterns if pattern.strip("/")]
        self.regex = re.compile("|".join(translate(g) for g in globs)) if globs else None

    def __call__(self, rel: str) -> bool:
        if self.regex is None:
            return False
        match = self.regex.match
        return bool(match(rel) or match(rel.rpartition("/")[2]))

    def any_part(self, rel: str) -> bool:
        """The path or any folder above it is excluded."""
        pieces = rel.split("/")
        return any(self("/".join(pieces[: i + 1])) for i in range(len(pieces)))


def discover(
    root: Path,
    exclude: Iterable[str] = (),
    base: Path | None = None,
    nested: list[Path] | None = None,
) -> Iterator[Path]:
    """The project's Python files under `base` (default: all of `root`): hidden, virtualenv,
    build and excluded folders are skipped, and so are nested projects (folders with their own
    pyproject.toml, setup.cfg or .git), which are appended to `nested` when it is given."""
    return map(Path, python_files(root, exclude, base, nested))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A real folder: a symlink to a folder is not followed (it may loop back into the tree,
    or lead out of it), and an entry that cannot be examined is not one."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def python_files(
    root: Path,
    exclude: Iterable[str] = (),
    base: Path | None = None,
    nested: list[Path] | None = None,
    left_out: list[str] | None = None,
) -> Iterator[str]:
    """`discover`, as absolute path strings: every warm run lists the whole project, so this
    avoids Path objects and walks with `os.scandir`. The files that `exclude` leaves out are
    appended to `left_out` when it is given (the index may still read their facts)."""
    excluded = Excluder(exclude)
    start = str(base or root)
    if start != str(root) and excluded.any_part(Path(os.path.relpath(start, root)).as_posix()):
        return
    # (folder, its root-relative prefix, whether `exclude` left it out)
    stack = [(start, "" if start == str(root) else os.path.relpath(start, root) + "/", False)]
    while stack:
        folder, prefix, out = stack.pop()
        try:
            with os.scandir(folder) as scan:
                found = sorted((entry.name, entry.path, _is_folder(entry)) for entry in scan)
        except OSError:
            continue
        subfolders = []
        for name, path, is_dir in found:
            if is_dir:
                if name.startswith(".") or name in SKIP_DIRS:
                    continue
                left = out or excluded(prefix + name)
                if left and left_out is None:
                    continue
                if os.path.exists(os.path.join(path, "pyvenv.cfg")):
                    continue
                if any(os.path.exists(os.path.join(path, marker)) for marker in ROOT_MARKERS):
                    if nested is not None and not left:
                        nested.append(Path(path))
                    continue
                subfolders.append((path, f"{prefix}{name}/", left))
            elif name.endswith(".py"):
                if not out and not excluded(prefix + name):
                    yield path
                elif left_out is not None:
                    left_out.append(path)
        stack.extend(reversed(subfolders))


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
    root: Path | Layout, path: Path, data: bytes, tree: ast.Module | None = None
) -> ModuleSummary:
    """The summary of one file's content; an empty summary when it does not parse."""
    global SUMMARY_BUILDS
    SUMMARY_BUILDS += 1
    name, is_package = module_name(root, path)
    digest = digest_of(data)
    if tree is None:
        try:
            tree = parse_source(data, str(path))
        except SyntaxError as error:
            newer = parse_newer(data, error)  # syntax newer than this Python: facts kept
            if newer is None:
                return ModuleSummary(name, str(path), is_package, digest)
            tree = newer.tree
    return summarize(tree, name, str(path), is_package, digest)


def blob_of(summary: ModuleSummary | None) -> bytes:
    """A summary as the cache stores it: plain data (core/summary_codec.py), marshalled, then
    compressed (the whole project's blobs are read on every warm run; each is unpacked only
    when a check looks into that module)."""
    assert summary is not None  # an IndexEntry holds its summary, its blob or both
    return zlib.compress(marshal.dumps(summary_codec.encode(summary)), 1)


def summary_from_blob(blob: bytes) -> ModuleSummary:
    """The summary in a blob that `blob_of` made: in this process, or read from a cache file
    whose MAC verified (core/cache.py). `marshal` is never given any other bytes, and decoding
    makes nothing but the summary's own record types."""
    return summary_codec.decode(marshal.loads(zlib.decompress(blob)))


class IndexEntry:
    """One module of the index. Its summary is decoded from the cached blob only when somebody
    asks for it, so a warm one-file run (an editor's flake8) pays for the few modules it
    actually looks into."""

    __slots__ = ("_summary", "blob", "digest", "is_package", "module", "path")

    def __init__(
        self,
        path: str,
        module: str,
        is_package: bool,
        digest: str,
        blob: bytes | None = None,
        summary: ModuleSummary | None = None,
    ) -> None:
        self.path, self.module, self.is_package, self.digest = path, module, is_package, digest
        self.blob, self._summary = blob, summary

    @classmethod
    def of(cls, summary: ModuleSummary) -> IndexEntry:
        return cls(
            summary.path, summary.module, summary.is_package, summary.digest, summary=summary
        )

    @property
    def summary(self) -> ModuleSummary:
        if self._summary is None:
            assert self.blob is not None
            self._summary = summary_from_blob(self.blob)
        return self._summary

    def to_blob(self) -> bytes:
        if self.blob is None:
            self.blob = blob_of(self._summary)
        return self.blob


class LazyModules(Mapping[str, ModuleSummary]):
    """module name -> summary, decoded from its cached blob on access."""

    def __init__(self, entries: dict[str, IndexEntry]) -> None:
        self.entries = entries

    def __getitem__(self, name: str) -> ModuleSummary:
        return self.entries[name].summary

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class Definition(NamedTuple):
    """Where a dotted name is defined in the project."""

    module: ModuleSummary
    name: str  # the name inside the module ("f", "Class", "Class.method")


class ProjectIndex:
    """All module summaries of one project, and the questions they answer.

    It never holds syntax trees: only summaries, so the whole project fits in memory cheaply.
    """

    def __init__(
        self, root: Path, entries: Iterable[IndexEntry], layout: Layout | None = None
    ) -> None:
        self.root = root
        self.layout = layout or Layout.plain(root)
        self.by_path: dict[str, IndexEntry] = {}
        by_module: dict[str, IndexEntry] = {}
        for entry in entries:
            by_module.setdefault(entry.module, entry)
            self.by_path[entry.path] = entry
        self.modules = LazyModules(by_module)
        self._digest: str | None = None
        self._types: dict[str, str | None] = {}
        self._canonical: dict[str, str] = {}
        self._top_names = frozenset(name.partition(".")[0] for name in by_module)
        self.analyses: dict[object, object] = {}  # per-settings analyses (core/blocking.py)

    @classmethod
    def from_summaries(cls, root: Path, summaries: Iterable[ModuleSummary]) -> ProjectIndex:
        return cls(root, (IndexEntry.of(summary) for summary in summaries))

    def with_module(self, summary: ModuleSummary) -> ProjectIndex:
        """A copy in which `summary` replaces its module (an editor's unsaved buffer). The
        FastAPI facts carry over when the change cannot affect them (the usual edit)."""
        from fastapi_prod_lint.core.semantics import facts_signature

        entries = [e for e in self.by_path.values() if e.path != summary.path]
        index = ProjectIndex(self.root, [IndexEntry.of(summary), *entries], self.layout)
        old = self.by_path.get(summary.path)
        facts = self.__dict__.get("fastapi")
        unchanged = old is not None and facts_signature(old.summary) == facts_signature(summary)
        if facts is not None and unchanged:
            index.__dict__["fastapi"] = facts
        return index

    def digest(self) -> str:
        """One digest of every module's path and content: a key for what is derived from all."""
        if self._digest is not None:
            return self._digest
        h = hashlib.blake2b(digest_size=16)
        for path in sorted(self.by_path):
            h.update(f"{path}\0{self.by_path[path].digest}\0".encode())
        self._digest = h.hexdigest()
        return self._digest

    def module_of(self, dotted: str) -> tuple[ModuleSummary, list[str]] | None:
        """The project module that is the longest prefix of `dotted`, and the rest."""
        entries = self.modules.entries
        parts = dotted.split(".")
        if parts[0] not in self._top_names:  # `time.sleep`, `requests.get`: not the project's
            return None
        for i in range(len(parts), 0, -1):
            entry = entries.get(".".join(parts[:i]))
            if entry is not None:
                return entry.summary, parts[i:]
        return None

    def canonical(self, dotted: str) -> str:
        """Follow re-exports through the project: `app.compat.sleep` -> `time.sleep`."""
        found = self._canonical.get(dotted)
        if found is None:
            found = self._canonical[dotted] = self._follow(dotted)
        return found

    def _follow(self, dotted: str) -> str:
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

    def string_constant(self, dotted: str) -> str | None:
        """The text of a module-level `NAME = "text"` of the project, by dotted name."""
        definition = self.definition(dotted)
        return None if definition is None else definition.module.strings.get(definition.name)

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

    # -- types ---------------------------------------------------------------------------------
    def resolve_type(self, texpr: str | None) -> str | None:
        """The canonical class a type expression (core/types.py) denotes, or None."""
        if not texpr:
            return None
        cache = self._types
        if texpr not in cache:
            cache[texpr] = None  # a self-referential expression ends here
            cache[texpr] = self._resolve_type(texpr)
        return cache[texpr]

    def _resolve_type(self, texpr: str) -> str | None:
        from fastapi_prod_lint.core.blocking_catalogue import canonical as catalogue_name
        from fastapi_prod_lint.core.blocking_catalogue import returned_class

        kind, _, rest = texpr.partition(":")
        if kind == "U":
            found = {self.resolve_type(option) for option in rest.split("\x1f")}
            return found.pop() if len(found) == 1 else None
        if kind == "T":
            dotted = self.canonical(rest)
            alias = self._alias(dotted)
            if alias is not None:
                return self.resolve_type(f"T:{alias}")
            return catalogue_name(dotted)
        if kind == "O":
            return self.resolve_type(self.variable_type(self.canonical(rest)))
        if kind == "C":
            return self.call_result(self.canonical(rest))
        if kind == "D":
            return self.call_result(self.canonical(rest))
        if kind == "I":  # an item of a tuple: `opts, registry = build()`
            position, _, inner = rest.partition(":")
            return self.resolve_type(self._tuple_item(inner, int(position)))
        if kind in ("A", "R"):
            name, _, inner = rest.partition(":")
            owner = self.resolve_type(inner)
            if owner is None:
                return None
            if kind == "A":
                attribute = self.attribute_type(owner, name)
                if attribute is not None:
                    return self.resolve_type(attribute)
                return returned_class(f"{owner}.{name}")  # a library property: `Path.parent`
            method = self.method(owner, name)
            if method is not None:
                return self.resolve_type(method[1].returns)
            return returned_class(f"{owner}.{name}")
        return None

    def is_exact(self, texpr: str | None, depth: int = 0) -> bool:
        """What `texpr` holds was made by calling its class (`Registry()`, directly or through
        a variable, an attribute, a tuple or an unannotated factory): an instance of that class
        itself, so no subclass's override of a method runs instead (an annotation says less)."""
        kind, _, rest = (texpr or "").partition(":")
        if depth > 8:
            return False
        if kind == "C":
            dotted = self.canonical(rest)
            if self.class_(dotted) is not None:
                return True
            function = self.function(dotted)
            return function is not None and self.is_exact(function[1].returns, depth + 1)
        if kind == "O":
            return self.is_exact(self.variable_type(self.canonical(rest)), depth + 1)
        if kind == "U":
            return all(self.is_exact(option, depth + 1) for option in rest.split(UNION_SEP))
        if kind == "I":
            position, _, inner = rest.partition(":")
            return self.is_exact(self._tuple_item(inner, int(position)), depth + 1)
        if kind == "A":
            name, _, inner = rest.partition(":")
            owner = self.resolve_type(inner)
            held = None if owner is None else self.attribute_type(owner, name)
            return self.is_exact(held, depth + 1)
        return False

    def _tuple_item(self, texpr: str | None, position: int) -> str | None:
        """The type expression of item `position` of the tuple that `texpr` holds: a tuple
        made in place, or returned by a project function or method, or held by a variable."""
        for _ in range(8):  # (a variable holding a variable holding ...: short chains)
            kind, _, rest = (texpr or "").partition(":")
            if kind == "P":
                parts = rest.split(TUPLE_SEP)
                return parts[position] or None if position < len(parts) else None
            if kind == "C":
                function = self.function(self.canonical(rest))
                texpr = None if function is None else function[1].returns
            elif kind == "R":
                name, _, inner = rest.partition(":")
                owner = self.resolve_type(inner)
                method = None if owner is None else self.method(owner, name)
                texpr = None if method is None else method[1].returns
            elif kind == "O":
                texpr = self.variable_type(self.canonical(rest))
            else:
                return None
        return None

    def _alias(self, dotted: str) -> str | None:
        """`CurrentUser = Annotated[User, ...]` -> the annotated type's dotted name."""
        definition = self.definition(dotted)
        if definition is None:
            return None
        alias = definition.module.aliases.get(definition.name)
        return None if alias is None else alias.annotated_type

    def created_by(self, dotted: str) -> str | None:
        """The canonical callee of the module-level `x = call(...)` that binds a project name
        (`stock_db = databases.Database(url)` -> `databases.Database`)."""
        definition = self.definition(dotted)
        site = definition.module.assigns.get(definition.name) if definition is not None else None
        return None if site is None else self.canonical(site.func)

    def variable_type(self, dotted: str) -> str | None:
        """The type expression of a module-level variable of the project."""
        definition = self.definition(dotted)
        if definition is None:
            return None
        return definition.module.variables.get(definition.name)

    def call_result(self, dotted: str) -> str | None:
        """The class of what calling `dotted` returns: a project class, a project function's
        return type, a callable project object (`SessionLocal = sessionmaker(...)`), or what
        the catalogue knows of a library."""
        from fastapi_prod_lint.core.blocking_catalogue import returned_class

        if self.class_(dotted) is not None:
            return dotted
        made_by = self.variable_type(dotted) or ""
        if made_by.startswith("C:") and made_by.endswith(".NewType"):  # `Tx(session)`
            return self.resolve_type(f"T:{dotted}")
        function = self.function(dotted)
        if function is not None:
            return self.resolve_type(function[1].returns)
        held = self.resolve_type(self.variable_type(dotted))
        if held is not None:
            call = self.method(held, "__call__")
            if call is not None:
                return self.resolve_type(call[1].returns)
            return returned_class(f"{held}.__call__")
        owner, _, name = dotted.rpartition(".")
        held = self.resolve_type(self.variable_type(owner)) if owner else None
        if held is not None:  # a method of a module-level object: `engine.connect()`
            method = self.method(held, name)
            if method is not None:
                return self.resolve_type(method[1].returns)
            return returned_class(f"{held}.{name}")
        return returned_class(dotted)

    def call_target(self, dotted: str) -> str | tuple[str, str] | None:
        """What calling the canonical dotted name `dotted` runs, when the project knows: a
        project function's key (`app.auth.login`), or (class, method) for a class (its
        `__init__`) and for a method of a module-level instance (`client.get` ->
        (`httpx.Client`, `get`)); the class may be a library's."""
        found = self.function(dotted)
        if found is not None:
            return f"{found[0].module}.{found[1].name}"
        if self.class_(dotted) is not None:
            return dotted, "__init__"
        owner, _, name = dotted.rpartition(".")
        held = self.resolve_type(f"O:{owner}") if owner else None
        return (held, name) if held else None

    def site_target(self, site: CallSite) -> str | tuple[str, str] | None:
        """`call_target` of a call recorded in a summary (a typed receiver's method too)."""
        if site.receiver_type:
            held = self.resolve_type(site.receiver_type)
            return (held, site.func) if held else None
        if site.func.startswith("~"):
            return None
        return self.call_target(self.canonical(site.func))

    def method_key(self, class_name: str, name: str) -> str | None:
        """The key of a project class's method (through its project bases)."""
        found = self.method(class_name, name)
        return None if found is None else f"{found[0].module}.{found[1].name}"

    def method(self, class_name: str, name: str) -> tuple[ModuleSummary, FunctionInfo] | None:
        """A project class's method, looked up through its project base classes."""
        for owner in (class_name, *self.class_ancestors(class_name)):
            found = self.function(f"{owner}.{name}")
            if found is not None:
                return found
        return None

    @cached_property
    def subclasses(self) -> dict[str, list[str]]:
        """Canonical class -> the project classes that name it among their bases."""
        found: dict[str, list[str]] = {}
        for module, summary in self.modules.items():
            for info in summary.classes.values():
                for base in info.bases:
                    found.setdefault(self.canonical(base), []).append(f"{module}.{info.name}")
        return found

    def overrides(self, class_name: str, name: str) -> tuple[str, ...]:
        """Keys of the methods `name` that project subclasses of the project class
        `class_name` define themselves, at any depth: what a call through it may run too."""
        memo = ("overrides", class_name, name)
        found = self.analyses.get(memo)
        if isinstance(found, tuple):
            return found
        keys: set[str] = set()
        seen: set[str] = set()
        stack = list(self.subclasses.get(class_name, ()))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            subclass = self.class_(current)
            if subclass is not None and name in subclass[1].methods:
                keys.add(f"{current}.{name}")
            stack.extend(self.subclasses.get(current, ()))
        result = self.analyses[memo] = tuple(sorted(keys))
        return result

    def attribute_type(self, class_name: str, name: str) -> str | None:
        for owner in (class_name, *self.class_ancestors(class_name)):
            found = self.class_(owner)
            if found is not None:
                for attribute, texpr in found[1].attributes:
                    if attribute == name:
                        return texpr
        return None

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
