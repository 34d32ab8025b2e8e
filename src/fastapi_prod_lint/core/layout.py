"""Which project a file belongs to, and the names its code imports each module by.

**The root.** The nearest folder up from a file that holds `pyproject.toml`, `setup.cfg` or
`.git`. Where there is none, the invocation directory when the file is inside it (as flake8
and ruff do), else the first folder up from the file that is no package (pylint's rule: the
folder a package's modules are imported from). The CLI, flake8 (any `-j`), pylint,
`--stdin-filename` and pre-commit all ask `find_root`, so they index the same project for the
same file.

**Import roots.** A service often lives in a folder that is its own `sys.path` entry:
`backend/app/core.py` is imported as `app.core`, `server/auth.py` as `auth`. A folder is an
import root when it is not a package itself (no `__init__.py`) and the project's own modules
below it import its children absolutely: `from app.core import x` in `backend/app/api.py`,
with no `app` at the project root, makes `backend` one. `src/` is always one (the `src`
layout). A `src = ["backend", "server"]` setting replaces the inference (ruff's key; `.` is
the root itself). A file's module name is its path below the deepest import root holding it.

**Import roots of their own.** Two services in one repository may both have a package named
`app`. Import roots whose top-level names collide (with each other or with the modules outside
every import root) are *isolated*: each sees its own modules and those outside every import
root, never the other's.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import NamedTuple

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
# `import a`, `import a.b, c`, `from a.b import x` at the start of a line: enough to tell which
# top-level names a file imports absolutely (relative imports start with a dot and are skipped)
IMPORT_LINE = re.compile(
    rb"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([A-Za-z_][\w. \t,]*))", re.MULTILINE
)
NAME = re.compile(rb"[A-Za-z_]\w*")


def find_root(path: Path, cwd: Path | None = None) -> Path:
    """The project root of `path` (a file or a folder): see the module's docs."""
    start = path.absolute()
    if not start.is_dir():
        start = start.parent
    start = start.resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    here = (cwd or Path.cwd()).resolve()
    if start == here or here in start.parents:
        return here
    while (start / "__init__.py").exists() and start.parent != start:
        start = start.parent  # the first folder up that is no package (pylint's sys.path rule)
    return start


def import_heads(data: bytes) -> tuple[str, ...]:
    """The top-level names a module's source imports absolutely, sorted."""
    heads: set[str] = set()
    for from_name, import_names in IMPORT_LINE.findall(data):
        if from_name:
            heads.add(from_name.decode())
        else:
            for part in import_names.split(b","):
                found = NAME.match(part.strip())
                if found:
                    heads.add(found[0].decode())
    return tuple(sorted(heads))


class Layout(NamedTuple):
    """A project root and its import roots (root-relative posix folders, deepest first)."""

    root: Path
    import_roots: tuple[str, ...] = ()
    isolated: frozenset[str] = frozenset()
    configured: bool = False  # from the `src` setting, not inferred

    @classmethod
    def plain(cls, root: Path) -> Layout:
        """The root alone (with a `src/` folder as an import root)."""
        return cls(root)

    def relative(self, path: Path | str) -> str:
        """`path` relative to the root, posix style (its name alone when outside it)."""
        text = os.fspath(path)
        prefix = str(self.root)
        prefix = prefix if prefix.endswith(os.sep) else prefix + os.sep
        if text.startswith(prefix) and ".." not in text:  # the usual case, without relpath's cost
            rel = text[len(prefix) :]
        else:
            rel = os.path.relpath(text if os.path.isabs(text) else os.path.abspath(text), self.root)
            if rel.startswith(".."):
                return os.path.basename(text)
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def import_root_of(self, rel: str) -> str:
        """The deepest import root holding the root-relative path `rel` ("" for the root)."""
        for folder in self.import_roots:
            if folder == "" or rel.startswith(folder + "/"):
                return folder
        if not self.configured and rel.startswith("src/"):
            return "src"
        return ""

    def module_name(self, path: Path | str) -> tuple[str, bool]:
        """(dotted module name, is_package) of a file."""
        return self.dotted(self.relative(path))

    def dotted(self, rel: str) -> tuple[str, bool]:
        """(dotted module name, is_package) of a root-relative posix path."""
        folder = self.import_root_of(rel)
        inside = rel[len(folder) + 1 :] if folder else rel
        parts = (inside[:-3] if inside.endswith(".py") else inside).split("/")
        is_package = bool(parts) and parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        return ".".join(parts), is_package

    def unit_of(self, path: Path | str) -> str:
        """The isolated import root holding `path`, else "" (the project's main unit)."""
        if not self.isolated:
            return ""
        folder = self.import_root_of(self.relative(path))
        return folder if folder in self.isolated else ""


def layout_for(
    root: Path,
    src: tuple[str, ...] | None,
    heads: Mapping[str, tuple[str, ...]],
) -> Layout:
    """The layout of the project at `root` whose Python files are the keys of `heads` (absolute
    paths, each with the names it imports absolutely); `src` is the setting, when given."""
    rels = {path: Layout.plain(root).relative(path) for path in heads}
    if src is not None:
        folders = tuple(
            sorted({_clean(folder) for folder in src}, key=lambda f: (-f.count("/"), -len(f), f))
        )
        layout = Layout(root, folders, configured=True)
    else:
        layout = Layout(root, _inferred(rels, heads))
    return layout._replace(isolated=_colliding(layout, rels.values()))


def _clean(folder: str) -> str:
    cleaned = Path(folder).as_posix().strip("/")
    return "" if cleaned in (".", "") else cleaned.removeprefix("./")


def _inferred(rels: Mapping[str, str], heads: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Folders below the root whose children the modules beneath them import absolutely."""
    plain = Layout(Path("/"))
    modules: set[str] = set()  # root-relative module paths, folders (namespace packages) too
    packages: set[str] = set()  # folders with an __init__.py
    for rel in rels.values():
        stem = rel[:-3]
        folder, _, name = stem.rpartition("/")
        modules.add(folder if name == "__init__" else stem)
        if name == "__init__":
            packages.add(folder)
        while folder and folder not in modules:
            modules.add(folder)
            folder = folder.rpartition("/")[0]
    top = {plain.dotted(rel)[0].partition(".")[0] for rel in rels.values()}
    # only a head naming some folder or module below the root can make an import root
    local = {module.rpartition("/")[2] for module in modules} - top - set(sys.stdlib_module_names)
    votes: Counter[str] = Counter()
    for path, names in heads.items():
        wanted = [head for head in names if head in local]
        if wanted:
            _vote(rels[path].split("/")[:-1], wanted, modules, packages, votes)
    return tuple(sorted(votes, key=lambda f: (-f.count("/"), -len(f), f)))


def _vote(
    parts: list[str], names: list[str], modules: set[str], packages: set[str], votes: Counter[str]
) -> None:
    """A vote for the nearest folder above a file (`parts`) that holds each imported name;
    a folder inside a package is no sys.path entry (`import openai` in
    `pkg/llms/openai/chat.py` imports the library, not `pkg/llms/openai`)."""
    lowest = next(
        (end for end in range(1, len(parts) + 1) if "/".join(parts[:end]) in packages),
        len(parts) + 1,
    )
    for head in names:
        for end in range(len(parts), 0, -1):
            folder = "/".join(parts[:end])
            if f"{folder}/{head}" in modules:
                if end < lowest:
                    votes[folder] += 1
                break


def _colliding(layout: Layout, rels: Collection[str]) -> frozenset[str]:
    """Import roots whose top-level module names another import root (or the modules outside
    every import root) also has."""
    if not layout.import_roots and not any(rel.startswith("src/") for rel in rels):
        return frozenset()
    tops: dict[str, set[str]] = {}
    for rel in rels:
        tops.setdefault(layout.import_root_of(rel), set()).add(
            layout.dotted(rel)[0].partition(".")[0]
        )
    owners = Counter(name for names in tops.values() for name in names)
    return frozenset(
        folder
        for folder, names in tops.items()
        if folder and any(owners[name] > 1 for name in names)
    )


HINT_AT = 3  # files importing project-looking names that resolve nowhere: a hint to set `src`


def unresolved_local_imports(
    layout: Layout, heads: Mapping[str, tuple[str, ...]]
) -> dict[str, list[str]]:
    """Absolute import heads that name one of the project's top-level-looking packages (a
    folder with an `__init__.py` inside no other package) but no top-level module of the
    layout, with the root-relative files importing them; empty when fewer than HINT_AT files
    do. The standard library's names never count, nor folders without an `__init__.py`
    (`alembic/env.py` imports the library: `from alembic import context`)."""
    rels = {path: layout.relative(path) for path in heads}
    tops = {layout.dotted(rel)[0].partition(".")[0] for rel in rels.values()}
    packages = {rel.rpartition("/")[0] for rel in rels.values() if rel.endswith("/__init__.py")}
    candidates = (
        {folder.rpartition("/")[2] for folder in packages if not _inside_package(folder, packages)}
        - tops
        - set(sys.stdlib_module_names)
    )
    found: dict[str, list[str]] = {}
    for path, imported in heads.items():
        for head in imported:
            if head in candidates:
                found.setdefault(head, []).append(rels[path])
    if len({rel for files in found.values() for rel in files}) < HINT_AT:
        return {}
    return found


def _inside_package(folder: str, packages: set[str]) -> bool:
    parts = folder.split("/")
    return any("/".join(parts[:end]) in packages for end in range(1, len(parts)))
