"""The on-disk cache: module summaries and findings, keyed by file content and tool version."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi_prod_lint.core.summary import ModuleSummary

CACHE_ENV = "FASTAPI_PROD_LINT_CACHE_DIR"
CACHE_FOLDER = ".fastapi_prod_lint_cache"

# (line, col, code, message, end_line, end_col): findings without their path
StoredFinding = tuple[int, int, str, str, "int | None", "int | None"]


@dataclass(slots=True)
class CacheEntry:
    mtime_ns: int
    size: int
    summary: ModuleSummary
    findings_key: str = ""
    findings: tuple[StoredFinding, ...] = ()


def default_cache_dir(root: Path) -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else root / CACHE_FOLDER


class Cache:
    """One pickle per project root and tool version. Writes are atomic (temp file + rename),
    so parallel flake8 workers never read a half-written cache; a broken cache is ignored."""

    def __init__(self, root: Path, folder: Path) -> None:
        from fastapi_prod_lint import __version__

        key = hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()
        self.folder = folder
        self.file = folder / f"v{__version__}" / f"{key}.pickle"

    def load(self) -> dict[str, CacheEntry]:
        try:
            with open(self.file, "rb") as handle:
                entries = pickle.load(handle)
        except Exception:  # a missing, old or corrupt cache is only a slower run
            return {}
        return entries if isinstance(entries, dict) else {}

    def save(self, entries: dict[str, CacheEntry]) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by fastapi-prod-lint\n*\n", encoding="utf-8")
            fd, temp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.file)
        except OSError:  # a read-only project still gets linted
            pass
