"""The on-disk cache: module summaries and findings, keyed by file content and tool build.

It lives outside the analysed project (the user's cache folder), and each file carries an
HMAC-SHA256 made with a key of the user's. A cache folder committed to a repository, or planted
where --cache-dir points, therefore never verifies: it is ignored and rebuilt, nothing in it is
run (the summaries are plain data, core/summary_codec.py, never pickles) and no finding it holds
is believed. Nothing is `marshal.loads`-ed before its MAC verified.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import marshal
import os
import stat
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.newer_syntax import parser_version

CACHE_ENV = "FASTAPI_PROD_LINT_CACHE_DIR"
KEY_ENV = "FASTAPI_PROD_LINT_CACHE_KEY"  # the key itself (CI: a secret)
KEY_FILE_ENV = "FASTAPI_PROD_LINT_CACHE_KEY_FILE"  # a file holding it
APP_FOLDER = "fastapi-prod-lint"
CACHE_FORMAT = 13  # bump when the stored records change shape
MAC_SIZE = 32  # HMAC-SHA256
KEY_WAIT = 0.5  # seconds a process waits for the key another one is writing
# never through a symlink, never blocking on a FIFO (flags a platform lacks are 0)
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
READ_FLAGS = os.O_RDONLY | NO_FOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

# (line, col, code, message, end_line, end_col, severity): a finding without its path
StoredFinding = tuple[int, int, str, str, "int | None", "int | None", str]
# the types of a stored entry's fields (`CacheEntry.as_tuple`) and of a stored finding's
ENTRY_TYPES = (int, int, str, str, bool, bytes, str, tuple, tuple)
FINDING_TYPES = frozenset(
    (int, int, str, str, end_line, end_col, str)
    for end_line in (int, type(None))
    for end_col in (int, type(None))
)


class CacheEntry:
    """What the cache keeps of one file. Stored as a plain tuple: cheap to (un)marshal."""

    __slots__ = (
        "blob",
        "digest",
        "findings",
        "findings_key",
        "heads",
        "is_package",
        "module",
        "mtime_ns",
        "size",
    )

    def __init__(
        self,
        mtime_ns: int,
        size: int,
        digest: str,
        module: str,
        is_package: bool,
        blob: bytes,
        findings_key: str = "",
        findings: tuple[StoredFinding, ...] = (),
        heads: tuple[str, ...] = (),
    ) -> None:
        self.mtime_ns, self.size, self.digest = mtime_ns, size, digest
        self.module, self.is_package, self.blob = module, is_package, blob
        self.findings_key, self.findings = findings_key, findings
        self.heads = heads  # the names it imports absolutely (core/layout.py)

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.mtime_ns,
            self.size,
            self.digest,
            self.module,
            self.is_package,
            self.blob,
            self.findings_key,
            self.findings,
            self.heads,
        )


def stored(finding: Finding) -> StoredFinding:
    return (
        finding.line,
        finding.col,
        finding.code,
        finding.message,
        finding.end_line,
        finding.end_col,
        finding.severity,
    )


def user_cache_dir() -> Path | None:
    """This tool's folder in the user's cache directory, outside every project:
    $XDG_CACHE_HOME when it is set, else ~/.cache (Linux), ~/Library/Caches (macOS) or
    %LOCALAPPDATA% (Windows). None when the user has no home directory."""
    try:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        elif os.path.isabs(os.environ.get("XDG_CACHE_HOME", "")):
            base = os.environ["XDG_CACHE_HOME"]
        elif sys.platform == "darwin":
            base = str(Path.home() / "Library" / "Caches")
        else:
            base = str(Path.home() / ".cache")
    except RuntimeError:
        return None
    return Path(base) / APP_FOLDER


def root_key(root: Path) -> str:
    return hashlib.blake2b(os.fsencode(root), digest_size=8).hexdigest()


def default_cache_dir(root: Path) -> Path | None:
    """$FASTAPI_PROD_LINT_CACHE_DIR, else the project's folder in the user's cache directory
    (never inside the project: a pull request cannot bring its own cache along)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    folder = user_cache_dir()
    return None if folder is None else folder / "projects" / root_key(root)


@functools.cache
def source_digest() -> str:
    """A digest of the linter's own code: the content of every .py file of the package (about
    1 ms for its 500 kB, once per process). Content rather than modification times, so that a
    CI job installing the same version afresh still hits the cache it restored."""
    from fastapi_prod_lint import __version__

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256(__version__.encode())  # hardware-accelerated on most CPUs
    for top, folders, files in os.walk(package):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        relative = top[len(package) :].replace(os.sep, "/")
        for name in sorted(name for name in files if name.endswith(".py")):
            with open(os.path.join(top, name), "rb") as handle:
                data = handle.read()
            digest.update(f"{relative}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def cache_key() -> bytes | None:
    """The secret that cache files are authenticated with: $FASTAPI_PROD_LINT_CACHE_KEY
    itself, else the content of the file $FASTAPI_PROD_LINT_CACHE_KEY_FILE names (CI jobs that
    hand a cache on to each other share one of these), else a random key made on first use in
    the user's cache directory. None when there is none to be had: the run is then uncached."""
    configured = os.environ.get(KEY_ENV)
    if configured:
        return os.fsencode(configured)
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        found = read_file(Path(named), follow=True)
        return (found[0].strip() or None) if found else None
    folder = user_cache_dir()
    return None if folder is None else _user_key(folder / "key")


def _user_key(path: Path) -> bytes | None:
    """The key file of the user's cache directory, made on first use: mode 0600 in a 0700
    folder, created with O_EXCL so that of two processes making it at once, one wins and the
    other reads the winner's key (waiting the moment it takes to be written). A key file
    another user owns, or that others may read, is refused."""
    try:
        make_folders(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32).hex().encode())
        except OSError:  # a disk full: no empty key file left behind for every later run
            with suppress(OSError):
                os.unlink(path)
            return None
    deadline = time.monotonic() + KEY_WAIT
    while True:
        found = read_file(path)
        if found is None:
            return None
        data, info = found
        if sys.platform != "win32" and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        if data.strip():
            return data.strip()
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def read_file(path: Path, follow: bool = False) -> tuple[bytes, os.stat_result] | None:
    """The content and status of a regular file; None for anything else (a symlink unless
    `follow`, a FIFO, a folder) and for any error."""
    try:
        if not follow and not NO_FOLLOW and os.path.islink(path):
            return None  # no O_NOFOLLOW here (Windows): lstat first
        fd = os.open(path, READ_FLAGS & ~NO_FOLLOW if follow else READ_FLAGS)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            return (handle.read(), info) if stat.S_ISREG(info.st_mode) else None
    except OSError:
        return None


def make_folders(folder: Path) -> None:
    """`folder` and its missing parents, each created readable by its owner only (Path.mkdir
    would give the parents the default mode)."""
    missing = []
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(path, 0o700)


class Cache:
    """One file per project root and Python version: the MAC, then `marshal` of
    ({path: entry tuple}, the project's derived facts as plain data with the index digest they
    were made from).

    Why this format: `marshal` is several times faster to read than pickle or JSON (an editor's
    flake8 reads the whole file on every save) and makes only plain data; it is given no byte
    before the HMAC-SHA256 over them verified, and what it returns is type-checked before use.
    The MAC also covers the project root, CACHE_FORMAT, the digest of the linter's source and
    the marshal version, so a file made for another project or by another build never verifies
    (and is rebuilt and overwritten); each file's content digest is in its entry. Each summary
    is a compressed blob, decoded only when needed. Writes are atomic (temp file + rename) so
    parallel flake8 workers never read a half-written cache; a symlinked cache folder or file
    is never followed, and a broken cache is only a slower run."""

    def __init__(self, root: Path, folder: Path, key: bytes) -> None:
        self.folder = folder
        python = f"py{sys.version_info[0]}{sys.version_info[1]}"
        self.file = folder / f"{root_key(root)}-{python}.cache"
        self._key = key
        self._context = b"\0".join(
            [
                b"fastapi-prod-lint cache",
                str(CACHE_FORMAT).encode(),
                source_digest().encode(),
                str(marshal.version).encode(),
                parser_version().encode(),  # summaries of newer-syntax modules need it
                os.fsencode(root),
            ]
        )

    @classmethod
    def of(cls, root: Path, folder: Path | None = None) -> Cache | None:
        """The cache of a project root, in `folder` (--cache-dir) or the default one; None
        when there is no folder or no key for it."""
        folder = folder or default_cache_dir(root)
        key = cache_key() if folder is not None else None
        return None if folder is None or key is None else cls(root, folder, key)

    def mac(self, payload: bytes | memoryview) -> bytes:
        digest = hmac.new(self._key, self._context, "sha256")
        digest.update(payload)
        return digest.digest()

    def load(self) -> tuple[dict[str, CacheEntry], tuple[str, Any] | None]:
        found = None if os.path.islink(self.folder) else read_file(self.file)
        if found is not None:
            data = memoryview(found[0])
            if hmac.compare_digest(data[:MAC_SIZE], self.mac(data[MAC_SIZE:])):
                try:
                    loaded = checked(marshal.loads(data[MAC_SIZE:]))
                except (EOFError, ValueError, TypeError):
                    loaded = None
                if loaded is not None:
                    return loaded
        return {}, None  # a missing, old, foreign or corrupt cache is only a slower run

    def save(self, entries: dict[str, CacheEntry], facts: tuple[str, Any] | None) -> None:
        payload = marshal.dumps(({path: e.as_tuple() for path, e in entries.items()}, facts))
        try:
            if os.path.islink(self.folder):
                return
            make_folders(self.folder)
            with suppress(FileExistsError):  # O_EXCL: never written through a symlink
                fd = os.open(self.folder / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write("# Created by fastapi-prod-lint\n*\n")
            fd, temp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(self.mac(payload))
                    handle.write(payload)
                os.replace(temp, self.file)  # replaces a symlink, never writes through it
            except OSError:
                os.unlink(temp)
                raise
        except OSError:  # a read-only folder: the project still gets linted
            pass


def checked(data: object) -> tuple[dict[str, CacheEntry], tuple[str, Any] | None] | None:
    """The entries and facts `Cache.save` wrote, or None when `data` has any other shape (the
    MAC makes that a bug rather than an attack, but it is still only a miss)."""
    if type(data) is not tuple or len(data) != 2:
        return None
    rows, facts = data
    if type(rows) is not dict or not (facts is None or _facts_shaped(facts)):
        return None
    entries: dict[str, CacheEntry] = {}
    for path, row in rows.items():
        if type(path) is not str or type(row) is not tuple or tuple(map(type, row)) != ENTRY_TYPES:
            return None
        for finding in row[7]:
            if type(finding) is not tuple or tuple(map(type, finding)) not in FINDING_TYPES:
                return None
        if any(type(head) is not str for head in row[8]):
            return None
        entries[path] = CacheEntry(*row)
    return entries, facts


def _facts_shaped(facts: object) -> bool:
    """(index digest, FastAPIFacts.to_builtins()) as `Project.persist` hands them over."""
    if type(facts) is not tuple or len(facts) != 2 or type(facts[0]) is not str:
        return False
    parts = facts[1]
    return type(parts) is tuple and len(parts) == 3 and all(type(p) is dict for p in parts)
