"""Projects end to end: load the index (cached), check files (in parallel), serve the API."""

from __future__ import annotations

import ast
import gc
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from fastapi_prod_lint.core.cache import Cache, CacheEntry, stored
from fastapi_prod_lint.core.config import Settings, load_settings
from fastapi_prod_lint.core.declared_versions import declared_fingerprint
from fastapi_prod_lint.core.engine import (
    check_tree,
    decode_lines,
    finish,
    relpath,
    syntax_error_finding,
)
from fastapi_prod_lint.core.files import read_regular
from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE, Finding
from fastapi_prod_lint.core.layout import Layout, find_root, import_heads, layout_for
from fastapi_prod_lint.core.parallel import PARALLEL_THRESHOLD, WORKER_STATE, parallel_map
from fastapi_prod_lint.core.project import (
    Excluder,
    IndexEntry,
    ProjectIndex,
    blob_of,
    digest_of,
    discover,
    parse_source,
    python_files,
    summarize_source,
    summary_from_blob,
    trace,
)
from fastapi_prod_lint.core.semantics import FastAPIFacts


class Project:
    """A project root, its settings and its index, as one front end call sees them."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        index: ProjectIndex,
        entries: dict[str, CacheEntry],
        cache: Cache | None,
        dirty: bool = False,
        cached_facts_key: str | None = None,
        units: dict[str, ProjectIndex] | None = None,
    ) -> None:
        self.root = root
        self.settings = settings
        self.index = index  # the main unit: every module outside the isolated import roots
        self.units = units or {"": index}  # isolated import root -> the index its files see
        self.layout = index.layout
        self.entries = entries
        self.cache = cache
        self.dirty = dirty  # the cache on disk is missing something this run learnt
        self.cached_facts_key = cached_facts_key
        self._findings_key: str | None = None

    def findings_key(self) -> str:
        """What a file's cached findings depend on besides its content: the tool, the settings,
        every module of the project (a cross-file fact may change with any of them) and the
        dependency versions the project declares (FastAPI before 0.89, say)."""
        if self._findings_key is None:
            from fastapi_prod_lint import __version__

            h = hashlib.blake2b(digest_size=16)
            h.update(f"{__version__}\0{self.settings.fingerprint()}\0".encode())
            for unit in sorted(self.units):
                h.update(f"{unit}\0{self.units[unit].digest()}\0".encode())
            h.update(declared_fingerprint(self.root).encode())
            self._findings_key = h.hexdigest()
        return self._findings_key

    def index_for(self, abs_path: Path | str) -> ProjectIndex:
        """The index a file of the project sees (its isolated import root's, or the main one)."""
        return self.units.get(self.layout.unit_of(abs_path), self.index)

    def overlay(self, abs_path: Path, data: bytes, tree: ast.Module | None) -> ProjectIndex:
        """The index with `abs_path` replaced by `data` when that differs from the disk."""
        index = self.index_for(abs_path)
        known = index.by_path.get(str(abs_path))
        if known is not None and known.digest == digest_of(data):
            return index
        return index.with_module(summarize_source(self.layout, abs_path, data, tree))

    def persist(self) -> None:
        """Write the cache when something new was learnt (summaries, findings or facts)."""
        if self.cache is None:
            return
        facts = self.index.__dict__.get("fastapi")
        digest = self.index.digest()
        if facts is not None and self.cached_facts_key != digest:
            self.cached_facts_key, self.dirty = digest, True
        if self.dirty:
            kept = (digest, facts.to_builtins()) if facts is not None else None
            self.cache.save(self.entries, kept)
            self.dirty = False


def load_project(
    root: Path,
    settings: Settings | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int = 1,
) -> Project:
    """Settings and the index of every module, summarised anew only where the file changed."""
    root = root.resolve()
    settings = load_settings(root) if settings is None else settings
    cache = Cache.of(root, cache_dir) if use_cache else None
    old, facts = cache.load() if cache else ({}, None)
    left_out: list[str] = []
    checked = _stats(python_files(root, settings.exclude, left_out=left_out))
    heads = _import_heads(checked, old)
    layout = layout_for(root, settings.src, heads)
    entries = _summarize_changed(layout, checked, old, jobs, heads)
    entries.update(_imported_left_out(layout, entries, left_out, old, jobs))
    todo = [key for key, entry in entries.items() if old.get(key) is not entry]
    units = _units(layout, entries)
    index = units[""]
    if facts is not None and facts[0] == index.digest():
        index.__dict__["fastapi"] = FastAPIFacts.from_builtins(facts[1])
    trace(f"index {root} {len(todo)}")
    dirty = bool(todo) or entries.keys() != old.keys()
    cached_key = facts[0] if facts else None
    return Project(root, settings, index, entries, cache, dirty, cached_key, units)


def _units(layout: Layout, entries: dict[str, CacheEntry]) -> dict[str, ProjectIndex]:
    """The index of the main unit and of each isolated import root (its own modules first,
    then the main unit's: its own names win)."""
    groups: dict[str, list[IndexEntry]] = {"": []}
    for key, e in entries.items():
        entry = IndexEntry(key, e.module, e.is_package, e.digest, e.blob)
        groups.setdefault(layout.unit_of(key), []).append(entry)
    main = groups[""]
    return {
        unit: ProjectIndex(layout.root, own if not unit else [*own, *main], layout)
        for unit, own in groups.items()
    }


def _unchanged(entry: CacheEntry, stat: os.stat_result) -> bool:
    return (entry.mtime_ns, entry.size) == (stat.st_mtime_ns, stat.st_size)


def _stats(keys: Iterable[str]) -> dict[str, os.stat_result]:
    """file -> its status, once per run (a file that cannot be examined is left out)."""
    found: dict[str, os.stat_result] = {}
    for key in keys:
        try:
            found[key] = os.stat(key)
        except OSError:
            continue
    return found


def _import_heads(
    stats: dict[str, os.stat_result], old: dict[str, CacheEntry]
) -> dict[str, tuple[str, ...]]:
    """file -> the names it imports absolutely: cached while the file holds, else read."""
    heads: dict[str, tuple[str, ...]] = {}
    for key, stat in stats.items():
        entry = old.get(key)
        if entry and _unchanged(entry, stat):
            heads[key] = entry.heads
        else:
            try:
                heads[key] = import_heads(read_regular(key))
            except OSError:
                continue
    return heads


def _summarize_changed(
    layout: Layout,
    stats: dict[str, os.stat_result],
    old: dict[str, CacheEntry],
    jobs: int,
    heads: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, CacheEntry]:
    """An entry for every file of `stats`: the cached one while the file's modification time
    and size hold and its module name is the same, else a new summary (keeping cached findings
    whose file content is unchanged)."""
    entries: dict[str, CacheEntry] = {}
    todo: list[tuple[str, os.stat_result]] = []
    for key, stat in stats.items():
        entry = old.get(key)
        if entry and _unchanged(entry, stat) and entry.module == layout.module_name(key)[0]:
            entries[key] = entry
        else:
            todo.append((key, stat))
    results = parallel_map(_summarize_path, [(layout, key) for key, _ in todo], jobs)
    for (key, stat), (digest, module, is_package, blob) in zip(todo, results, strict=True):
        entry = old.get(key)
        same = entry and entry.digest == digest and entry.module == module
        kept = (entry.findings_key, entry.findings) if entry and same else ("", ())
        entries[key] = CacheEntry(
            stat.st_mtime_ns,
            stat.st_size,
            digest,
            module,
            is_package,
            blob,
            *kept,
            heads=(heads or {}).get(key, ()),
        )
    return entries


def _imported_left_out(
    layout: Layout,
    entries: dict[str, CacheEntry],
    left_out: list[str],
    old: dict[str, CacheEntry],
    jobs: int,
) -> dict[str, CacheEntry]:
    """The excluded modules the project imports (at any depth): not checked, but their facts
    count (a script module the server imports is served code). While no module changed, the
    set the cache holds stands; otherwise it is worked out again from every module's imports."""
    if not left_out:
        return {}
    unchanged = all(old.get(key) is entry for key, entry in entries.items())
    if unchanged and entries.keys() == old.keys() - set(left_out):
        kept = _summarize_changed(layout, _stats(key for key in left_out if key in old), old, jobs)
        if all(old.get(key) is entry for key, entry in kept.items()):
            return kept
    by_name = {layout.module_name(key)[0]: key for key in left_out}
    found: dict[str, CacheEntry] = {}
    pending = list(entries.values())
    while pending:
        wanted = set()
        for entry in pending:
            for edge in summary_from_blob(entry.blob).imports:
                parts = edge.target.split(".")
                for end in range(len(parts), 0, -1):
                    key = by_name.get(".".join(parts[:end]))
                    if key is not None and key not in found:
                        wanted.add(key)
        added = _summarize_changed(layout, _stats(sorted(wanted)), old, jobs)
        found.update(added)
        pending = list(added.values())
    return found


def _summarize_path(layout: Layout, key: str) -> tuple[str, str, bool, bytes]:
    try:
        data = read_regular(key)
    except OSError:
        data = b""
    summary = summarize_source(layout, Path(key), data)
    blob = blob_of(summary)
    return summary.digest, summary.module, summary.is_package, blob


def _check_file(abs_key: str, display: str) -> tuple[str, list[Finding]]:
    """Parse and check one file of the project held in the worker state."""
    project: Project = WORKER_STATE["project"]
    path = Path(abs_key)
    try:
        data = read_regular(path)
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
            if not project.settings.is_enabled(SYNTAX_ERROR_CODE):
                return []
            found = syntax_error_finding(
                display, error, lines, data, project.root, project.settings
            )
            kept = [] if found is None else [found]
            return finish(kept, lines, project.settings, relpath(project.root, path))
    index = project.overlay(path, data, tree)
    return check_tree(tree, lines, display, path, index, project.settings)


# -- the public API ----------------------------------------------------------------------------

_PROJECTS: dict[tuple[str, str, bool], Project] = {}


def project_for(path: Path, settings: Settings | None = None, use_cache: bool = True) -> Project:
    """The project a file belongs to, loaded once per process: flake8 and pylint ask for every
    file, and the index is built at most once per process and root."""
    root = find_root(path)
    settings = load_settings(root) if settings is None else settings
    key = (str(root), settings.fingerprint(), use_cache)
    if key not in _PROJECTS:
        _PROJECTS[key] = load_project(root, settings, use_cache=use_cache)
        gc.freeze()  # the index lives as long as the process: keep it out of every collection
    return _PROJECTS[key]


def check_source(
    source: str | bytes,
    path: str | Path = "<stdin>",
    settings: Settings | None = None,
    use_cache: bool = True,
    tree: ast.Module | None = None,
) -> list[Finding]:
    """Findings for one buffer that stands in for `path` (the rest of its project from disk)."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    stdin = str(path) in ("<stdin>", "-", "stdin")
    file_path = (Path("stdin.py") if stdin else Path(path)).absolute()
    project = project_for(file_path, settings, use_cache=use_cache)
    abs_path = file_path.parent.resolve() / file_path.name
    if Excluder(project.settings.exclude).any_part(relpath(project.root, abs_path)):
        return []  # every front end skips what the project excludes
    findings = check_data(project, abs_path, str(path), data, tree)
    project.persist()
    return findings


def iter_files(
    given: str, root: Path, settings: Settings, nested: list[str]
) -> Iterator[tuple[Path, str]]:
    """(absolute file, display path) for a named file or every Python file under a folder;
    the nested projects found under a folder are appended to `nested` (as display paths)."""
    path = Path(given)
    if path.is_dir():
        base = path.resolve()
        inner: list[Path] = []
        for found in discover(root, settings.exclude, base=base, nested=inner):
            yield found, os.path.normpath(os.path.join(given, os.path.relpath(found, base)))
        nested.extend(
            os.path.normpath(os.path.join(given, os.path.relpath(p, base))) for p in inner
        )
    elif not Excluder(settings.exclude).any_part(relpath(root, path)):
        yield path.parent.resolve() / path.name, given


def check_paths(
    paths: Sequence[str],
    settings: Settings | None = None,
    *,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    adjust: Callable[[Settings], Settings] | None = None,
    notes: list[str] | None = None,
) -> list[Finding]:
    """Findings for every Python file under `paths`, project by project, cached and parallel.

    Each project uses `settings` when given, else its own pyproject.toml, passed through
    `adjust` (a command line's --select/--ignore) when given. Lines for the end of the run
    (imports that look local but resolve nowhere) are appended to `notes` when it is given.
    """
    jobs = jobs or os.cpu_count() or 1
    pending = list(paths)
    findings: list[Finding] = []
    while pending:  # nested projects found under a folder join the queue with their own root
        by_root: dict[Path, list[str]] = {}
        for given in pending:
            by_root.setdefault(find_root(Path(given)), []).append(given)
        pending = []
        for root, named in by_root.items():
            chosen = load_settings(root) if settings is None else settings
            chosen = adjust(chosen) if adjust is not None else chosen
            project = load_project(root, chosen, cache_dir, use_cache, jobs)
            files = {
                str(path): display
                for given in named
                for path, display in iter_files(given, project.root, project.settings, pending)
            }
            findings.extend(_check_project_files(project, files, jobs))
            if notes is not None:
                from fastapi_prod_lint.core.show import hint_line

                hint = hint_line(project)
                if hint:
                    notes.append(hint)
    return sorted(findings)


def _check_project_files(project: Project, files: dict[str, str], jobs: int) -> list[Finding]:
    key = project.findings_key()
    findings: list[Finding] = []
    todo: list[tuple[str, str]] = []
    for abs_key, display in files.items():
        entry = project.entries.get(abs_key)
        if entry is not None and entry.findings_key == key:
            findings.extend(Finding(display, *row) for row in entry.findings)
        else:
            todo.append((abs_key, display))
    if len(todo) >= PARALLEL_THRESHOLD:
        for index in project.units.values():
            index.fastapi  # noqa: B018 - computed once here, inherited by the workers
    for abs_key, found in parallel_map(_check_file, todo, jobs, {"project": project}):
        findings.extend(found)
        entry = project.entries.get(abs_key)
        if entry is not None:
            entry.findings_key, entry.findings = key, tuple(stored(f) for f in found)
            project.dirty = True
    project.persist()
    return findings
