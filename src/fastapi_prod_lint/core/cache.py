"""The on-disk cache: module summaries and findings, keyed by file content and tool version."""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.project import summary_from_blob

CACHE_ENV = "FASTAPI_PROD_LINT_CACHE_DIR"
CACHE_FOLDER = ".fastapi_prod_lint_cache"
CACHE_FORMAT = 11  # bump when the stored records change shape

# (line, col, code, message, end_line, end_col, severity): a finding without its path
StoredFinding = tuple[int, int, str, str, "int | None", "int | None", str]


class CacheEntry:
    """What the cache keeps of one file. Stored as a plain tuple: cheap to (un)pickle."""

    __slots__ = (
        "blob",
        "digest",
        "findings",
        "findings_key",
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
    ) -> None:
        self.mtime_ns, self.size, self.digest = mtime_ns, size, digest
        self.module, self.is_package, self.blob = module, is_package, blob
        self.findings_key, self.findings = findings_key, findings

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


def default_cache_dir(root: Path) -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else root / CACHE_FOLDER


class Cache:
    """One file per project root and tool version: {path: entry tuple} and the project's
    derived facts (as plain data) with the index digest they were made from. The outer layer is
    `marshal` (several times faster to read than pickle: an editor's flake8 reads it on every
    save); each summary stays a pickled blob, unpickled only when needed. Writes are atomic
    (temp file + rename), so parallel flake8 workers never read a half-written cache; a broken
    cache is ignored."""

    def __init__(self, root: Path, folder: Path) -> None:
        from fastapi_prod_lint import __version__

        key = hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()
        self.folder = folder
        self.file = folder / f"v{__version__}-{CACHE_FORMAT}" / f"{key}.marshal"

    def load(self) -> tuple[dict[str, CacheEntry], tuple[str, Any] | None]:
        try:
            with open(self.file, "rb") as handle:
                data = marshal.loads(handle.read())  # load(handle) is several times slower
            entries = {path: CacheEntry(*row) for path, row in data["entries"].items()}
            # a cache written by a crashed or older run must not half-work: probe one blob
            for entry in entries.values():
                summary_from_blob(entry.blob)
                break
            return entries, data["facts"]
        except Exception:  # a missing, old or corrupt cache is only a slower run
            return {}, None

    def save(self, entries: dict[str, CacheEntry], facts: tuple[str, Any] | None) -> None:
        data = {"entries": {path: e.as_tuple() for path, e in entries.items()}, "facts": facts}
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by fastapi-prod-lint\n*\n", encoding="utf-8")
            fd, temp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(temp, self.file)
        except OSError:  # a read-only project still gets linted
            pass
