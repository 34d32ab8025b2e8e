"""One walk for all enabled rules; suppressions; the project and parallel drivers."""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.cache import Cache, CacheEntry, StoredFinding, default_cache_dir
from fastapi_prod_lint.core.config import Settings, load_settings
from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE, Finding
from fastapi_prod_lint.core.imports import FUNCTION_NODES, module_bindings
from fastapi_prod_lint.core.noqa import filter_suppressed
from fastapi_prod_lint.core.project import (
    ProjectIndex,
    digest_of,
    discover,
    find_root,
    is_excluded,
    module_name,
    parse_source,
    summarize_source,
    trace,
)
from fastapi_prod_lint.core.rule import Rule

Hook = Callable[[Any, ModuleContext], Iterable[Finding]]
PARALLEL_THRESHOLD = 40  # files; below it a process pool costs more than it saves


class Dispatch:
    """The enabled rules' hooks by node type: `visit_Call` of every rule runs on each Call."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.visit: dict[type[ast.AST], list[Hook]] = {}
        self.leave: dict[type[ast.AST], list[Hook]] = {}
        for rule in rules:
            for attr, hook in rule.hooks():
                kind, _, node_name = attr.partition("_")
                node_type = getattr(ast, node_name)
                table = self.visit if kind == "visit" else self.leave
                table.setdefault(node_type, []).append(hook)


def walk(tree: ast.Module, ctx: ModuleContext, dispatch: Dispatch) -> Iterator[Finding]:
    """Visit every node once, iteratively (a 2,000-level expression cannot overflow the stack).

    Decorators, defaults and annotations run in the enclosing scope, as Python evaluates them;
    the body runs in the function's or class's own scope.
    """
    enter, leave, exit_ = 1, 2, 3
    ctx.push_scope(tree)
    stack: list[tuple[int, ast.AST]] = [(0, child) for child in reversed(tree.body)]
    visit_hooks, leave_hooks = dispatch.visit, dispatch.leave
    while stack:
        action, node = stack.pop()
        if action == leave:
            for hook in leave_hooks.get(type(node), ()):
                yield from hook(node, ctx)
            continue
        if action == enter:
            ctx.push_scope(node)
            continue
        if action == exit_:
            ctx.pop_scope()
            continue
        for hook in visit_hooks.get(type(node), ()):
            yield from hook(node, ctx)
        if type(node) in leave_hooks:
            stack.append((leave, node))
        if isinstance(node, (*FUNCTION_NODES, ast.ClassDef)):
            body = node.body if isinstance(node.body, list) else [node.body]
            outer = [child for child in ast.iter_child_nodes(node) if child not in body]
            stack.append((exit_, node))
            stack.extend((0, child) for child in reversed(body))
            stack.append((enter, node))
            stack.extend((0, child) for child in reversed(outer))
        else:
            stack.extend((0, child) for child in reversed(list(ast.iter_child_nodes(node))))
    ctx.pop_scope()


def syntax_error_finding(path: str, error: SyntaxError) -> Finding:
    line = error.lineno or 1
    col = max((error.offset or 1) - 1, 0)
    return Finding(path, line, col, SYNTAX_ERROR_CODE, f"Cannot parse the file: {error.msg}")


def decode_lines(data: bytes | str) -> list[str]:
    """The source's lines with their ends, for noqa comments (a BOM is dropped)."""
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff").splitlines(keepends=True)


def finish(
    findings: Iterable[Finding], lines: list[str], settings: Settings, relpath: str
) -> list[Finding]:
    """Per-file ignores, noqa comments, duplicates and order: what every front end reports."""
    ignored = settings.ignored_codes_for(relpath)
    kept = {f for f in findings if not any(f.code.startswith(code) for code in ignored)}
    return sorted(filter_suppressed(kept, lines))


def check_tree(
    tree: ast.Module,
    lines: list[str],
    display_path: str,
    abs_path: Path,
    index: ProjectIndex,
    settings: Settings,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Every enabled rule's findings for one parsed module."""
    name, is_package = module_name(index.root, abs_path)
    ctx = ModuleContext(
        display_path, name, is_package, lines, index, module_bindings(tree, name, is_package)
    )
    dispatch = Dispatch(settings.enabled_rules() if rules is None else rules)
    return finish(walk(tree, ctx, dispatch), lines, settings, relpath(index.root, abs_path))


def relpath(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class Project:
    """A project root, its settings and its index, as one front end call sees them."""

    root: Path
    settings: Settings
    index: ProjectIndex
    entries: dict[str, CacheEntry]
    cache: Cache | None

    def findings_key(self) -> str:
        from fastapi_prod_lint import __version__

        h = hashlib.blake2b(digest_size=16)
        h.update(f"{__version__}\0{self.settings.fingerprint()}\0".encode())
        for path in sorted(self.index.by_path):
            h.update(f"{path}\0{self.index.by_path[path].digest}\0".encode())
        return h.hexdigest()

    def overlay(self, abs_path: Path, data: bytes, tree: ast.Module | None) -> ProjectIndex:
        """The index with `abs_path` replaced by `data` when that differs from the disk."""
        known = self.index.summary_for_path(abs_path)
        if known is not None and known.digest == digest_of(data):
            return self.index
        summary = summarize_source(self.root, abs_path.resolve(), data, tree)
        return self.index.with_module(summary)


def load_project(
    root: Path,
    settings: Settings | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int = 1,
) -> Project:
    """Settings, the summaries of every module (from the cache where the content is unchanged)
    and the index made from them."""
    settings = load_settings(root) if settings is None else settings
    cache = Cache(root, cache_dir or default_cache_dir(root)) if use_cache else None
    old = cache.load() if cache else {}
    entries: dict[str, CacheEntry] = {}
    todo: list[tuple[str, os.stat_result]] = []
    for path in discover(root, settings.exclude):
        key = str(path.resolve())
        try:
            stat = os.stat(key)
        except OSError:
            continue
        entry = old.get(key)
        if entry is not None and (entry.mtime_ns, entry.size) == (stat.st_mtime_ns, stat.st_size):
            entries[key] = entry
        else:
            todo.append((key, stat))
    summaries = _map(_summarize_path, [(root, key) for key, _ in todo], jobs)
    changed = bool(todo) or len(entries) != len(old)
    for (key, stat), summary in zip(todo, summaries, strict=True):
        entry = old.get(key)
        if entry is not None and entry.summary.digest == summary.digest:
            entries[key] = CacheEntry(
                stat.st_mtime_ns, stat.st_size, entry.summary, entry.findings_key, entry.findings
            )
        else:
            entries[key] = CacheEntry(stat.st_mtime_ns, stat.st_size, summary)
    index = ProjectIndex(root, (entry.summary for entry in entries.values()))
    trace(f"index {root} {len(todo)}")
    project = Project(root, settings, index, entries, cache)
    if cache is not None and changed:
        cache.save(entries)
    return project


def _summarize_path(root: Path, key: str) -> Any:
    path = Path(key)
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    return summarize_source(root, path, data)


_WORKER_STATE: dict[str, Any] = {}


def _map(
    function: Callable[..., Any],
    items: list[tuple[Any, ...]],
    jobs: int,
    state: dict[str, Any] | None = None,
) -> list[Any]:
    """`function(*item)` for every item, in a process pool when it is worth it."""
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        if state is not None:
            _WORKER_STATE.update(state)
        return [function(*item) for item in items]
    executor = _executor(jobs, state or {})
    with executor:
        chunk = max(1, len(items) // (jobs * 8))
        return list(executor.map(_call, [(function, item) for item in items], chunksize=chunk))


def _call(job: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    function, item = job
    return function(*item)


def _init_worker(state: dict[str, Any]) -> None:
    _WORKER_STATE.update(state)


def _executor(jobs: int, state: dict[str, Any]) -> Executor:
    if "fork" in multiprocessing.get_all_start_methods():
        _WORKER_STATE.update(state)  # inherited by the forked workers: nothing is pickled
        return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    return ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(state,))


def check_file(abs_key: str, display: str) -> tuple[str, list[Finding]]:
    """Parse and check one file of the project held in the worker state."""
    project: Project = _WORKER_STATE["project"]
    path = Path(abs_key)
    try:
        data = path.read_bytes()
    except OSError as error:
        finding = Finding(display, 1, 0, SYNTAX_ERROR_CODE, f"Cannot read the file: {error}")
        return abs_key, [finding]
    return abs_key, check_data(project, path, display, data)


def check_data(
    project: Project, path: Path, display: str, data: bytes, tree: ast.Module | None = None
) -> list[Finding]:
    """Findings of one file's content (from disk or an editor buffer) within its project."""
    lines = decode_lines(data)
    if tree is None:
        try:
            tree = parse_source(data, display)
        except SyntaxError as error:
            found = [syntax_error_finding(display, error)]
            if not project.settings.is_enabled(SYNTAX_ERROR_CODE):
                return []
            return finish(found, lines, project.settings, relpath(project.root, path))
    index = project.overlay(path, data, tree)
    return check_tree(tree, lines, display, path, index, project.settings)


# -- the public API -----------------------------------------------------------------------------

_PROJECTS: dict[tuple[str, str], Project] = {}


def project_for(path: Path, settings: Settings | None = None, use_cache: bool = True) -> Project:
    """The project a file belongs to, loaded once per process (flake8 and pylint call this for
    every file; the index is built at most once per process and root)."""
    root = find_root(path)
    settings = load_settings(root) if settings is None else settings
    key = (str(root), settings.fingerprint())
    if key not in _PROJECTS:
        _PROJECTS[key] = load_project(root, settings, use_cache=use_cache)
    return _PROJECTS[key]


def check_source(
    source: str | bytes,
    path: str | Path = "<stdin>",
    settings: Settings | None = None,
    use_cache: bool = True,
) -> list[Finding]:
    """Findings for one buffer that stands in for `path` (the rest of its project from disk)."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    file_path = Path(path) if str(path) not in ("<stdin>", "-", "stdin") else Path("stdin.py")
    project = project_for(file_path, settings, use_cache=use_cache)
    return check_data(project, file_path.absolute(), str(path), data)


def iter_files(paths: Sequence[str]) -> Iterator[tuple[Path, str]]:
    """(file, display path) for every Python file named or found under the given paths."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = find_root(path)
            exclude = load_settings(root).exclude
            base = path.resolve()
            for found in discover(base, exclude):
                if is_excluded(relpath(root, found), exclude):
                    continue
                yield (
                    found,
                    os.path.normpath(os.path.join(given, found.relative_to(base).as_posix())),
                )
        else:
            yield path, given


def check_paths(
    paths: Sequence[str],
    settings: Settings | None = None,
    *,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
) -> list[Finding]:
    """Findings for every Python file under `paths`, project by project, cached and parallel."""
    jobs = jobs or os.cpu_count() or 1
    by_root: dict[Path, list[tuple[Path, str]]] = {}
    for path, display in iter_files(paths):
        by_root.setdefault(find_root(path), []).append((path, display))
    findings: list[Finding] = []
    for root, files in by_root.items():
        project = load_project(root, settings, cache_dir, use_cache, jobs)
        findings.extend(_check_project_files(project, files, jobs))
    return sorted(findings)


def _check_project_files(
    project: Project, files: list[tuple[Path, str]], jobs: int
) -> list[Finding]:
    key = project.findings_key()
    findings: list[Finding] = []
    todo: list[tuple[str, str]] = []
    displays: dict[str, str] = {}
    for path, display in files:
        abs_key = str(path.resolve())
        if is_excluded(relpath(project.root, path), project.settings.exclude):
            continue
        displays[abs_key] = display
        entry = project.entries.get(abs_key)
        if entry is not None and entry.findings_key == key:
            findings.extend(Finding(display, *stored) for stored in entry.findings)
        else:
            todo.append((abs_key, display))
    results = _map(check_file, todo, jobs, {"project": project})
    dirty = False
    for abs_key, found in results:
        findings.extend(found)
        entry = project.entries.get(abs_key)
        if entry is not None:
            entry.findings_key = key
            entry.findings = tuple(_stored(f) for f in found)
            dirty = True
    if dirty and project.cache is not None:
        project.cache.save(project.entries)
    return findings


def _stored(finding: Finding) -> StoredFinding:
    return (
        finding.line,
        finding.col,
        finding.code,
        finding.message,
        finding.end_line,
        finding.end_col,
    )
