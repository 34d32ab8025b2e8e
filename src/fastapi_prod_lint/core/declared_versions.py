"""What a project declares it runs on: the versions of a distribution its dependency files allow.

Read from the project root, once per process and root: `pyproject.toml` (`[project]`
dependencies and optional dependencies, `[dependency-groups]`, Poetry's tables),
`requirements*.txt` and `requirements/*.txt` (with their `-r`/`-c` includes inside the root),
`Pipfile`, `setup.cfg`, and the lock files `poetry.lock`, `uv.lock`, `pdm.lock` and
`Pipfile.lock`, whose exact versions win over every range. A file that is missing, too large,
not UTF-8 or not valid TOML/JSON declares nothing; nothing here raises.

Specifiers are read by `core/version_specifiers.py` (PEP 440, PEP 508, Poetry's `^`/`~`);
an environment marker is ignored: the requirement counts on every platform.
"""

from __future__ import annotations

import configparser
import functools
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.files import read_regular
from fastapi_prod_lint.core.version_specifiers import (
    EVERYTHING,
    Range,
    VersionKey,
    normalise,
    parse_requirement,
    parse_specifiers,
    release_key,
    version_key,
    version_text,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MAX_BYTES = 1 << 20  # a manifest larger than 1 MiB is not one
MAX_LOCK_BYTES = 16 << 20  # lock files of large projects are a few MiB
MAX_REQUIREMENT_FILES = 64
LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock")
LOCK_KEY = re.compile(r'(name|version)\s*=\s*"([^"]*)"')


@dataclass(frozen=True)
class DeclaredVersion:
    """What a project declares for one distribution: the versions its lock files pin (they win),
    else the range every declaration allows together, and the files it was read from."""

    distribution: str
    locked: tuple[VersionKey, ...] = ()
    allowed: Range | None = None  # None: no declaration (or contradictory ones)
    sources: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Something bounds the version (a lock, a pin, a range)."""
        return bool(self.locked) or (
            self.allowed is not None and (self.allowed.low or self.allowed.high) is not None
        )

    def is_below(self, release: tuple[int, ...]) -> bool:
        """Every version the project may run is older than `release`: a lock or `==` pin below
        it, or an upper bound (`<0.89`, `<=0.88.4`, `~=0.88.0`, `==0.88.*`, `^0.85`). A lower
        bound only, or no declaration, is not: the current version is assumed."""
        limit = release_key(release)
        if self.locked:
            return all(key < limit for key in self.locked)
        high = self.allowed.high if self.allowed is not None else None
        return high is not None and (high.key <= limit if not high.inclusive else high.key < limit)

    def is_at_least(self, release: tuple[int, ...]) -> bool:
        """Every version the project may run is `release` or newer (a lock, or a lower bound)."""
        limit = release_key(release)
        if self.locked:
            return all(key >= limit for key in self.locked)
        low = self.allowed.low if self.allowed is not None else None
        return low is not None and low.key >= limit

    def may_be_below(self, release: tuple[int, ...]) -> bool:
        """Some version the declarations allow is older than `release` (a bare `fastapi`
        allows any); False when nothing is declared, since the current version is assumed."""
        limit = release_key(release)
        if self.locked:
            return any(key < limit for key in self.locked)
        if self.allowed is None:
            return False
        return self.allowed.low is None or self.allowed.low.key < limit

    def describe(self) -> str:
        """What is declared and where, for messages: `fastapi==0.88.0` in poetry.lock."""
        if self.locked:
            pins = " or ".join(f"=={version_text(key)}" for key in self.locked)
            declared = f"{self.distribution}{pins}"
        else:
            declared = self.distribution + (self.allowed or EVERYTHING).describe()
        return f"`{declared}` in {', '.join(self.sources)}" if self.sources else f"`{declared}`"


def declared(root: Path | str, distribution: str) -> DeclaredVersion:
    """What the project at `root` declares for `distribution` (read once per process and
    root; a project that declares nothing gets an answer that knows nothing)."""
    name = normalise(distribution)
    found = _read_project(os.path.abspath(root)).get(name)
    return found if found is not None else DeclaredVersion(name)


def declared_fingerprint(root: Path | str) -> str:
    """A short text that changes when any declaration read from `root` changes."""
    return repr(sorted(_read_project(os.path.abspath(root)).items()))


@functools.lru_cache(maxsize=32)
def _read_project(root: str) -> dict[str, DeclaredVersion]:
    ranges: dict[str, tuple[Range, list[str]]] = {}
    locks: dict[str, tuple[list[VersionKey], list[str]]] = {}
    base = Path(root)
    for source, name, allowed in _declarations(base):
        held = ranges.setdefault(name, (EVERYTHING, []))
        sources = held[1] if source in held[1] else [*held[1], source]
        ranges[name] = (held[0].intersect(allowed), sources)
    for source, name, key in _locked(base):
        keys, sources = locks.setdefault(name, ([], []))
        keys.append(key)
        if source not in sources:
            sources.append(source)
    result = {}
    for name in ranges.keys() | locks.keys():
        if name in locks:
            keys, sources = locks[name]
            result[name] = DeclaredVersion(name, tuple(sorted(set(keys))), None, tuple(sources))
        else:
            allowed, sources = ranges[name]
            usable = None if allowed.empty else allowed
            result[name] = DeclaredVersion(name, (), usable, tuple(sources))
    return result


def _read_text(path: Path, limit: int = MAX_BYTES) -> str | None:
    try:
        return read_regular(path, limit).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _read_toml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    if text is None:
        return {}
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return {}
    return data


def _table(data: Any, *keys: str) -> Mapping[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data if isinstance(data, Mapping) else {}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _declarations(root: Path) -> Iterator[tuple[str, str, Range]]:
    """(file, name, allowed range) for every declaration of every manifest."""
    pyproject = _read_toml(root / "pyproject.toml")
    for source, lines in _requirement_lists(root, pyproject):
        for line in lines:
            parsed = parse_requirement(line)
            if parsed is not None:
                yield source, *parsed
    for source, table in _name_tables(root, pyproject):
        for name, value in table.items():
            allowed = _table_value(value)
            if allowed is not None:
                yield source, normalise(name), allowed


def _requirement_lists(
    root: Path, pyproject: Mapping[str, Any]
) -> Iterator[tuple[str, Iterable[str]]]:
    """PEP 508 lines: pyproject's `[project]` and `[dependency-groups]`, setup.cfg's
    `install_requires`/`extras_require`, and the requirements files."""
    project = _table(pyproject, "project")
    yield "pyproject.toml", _strings(project.get("dependencies"))
    for extra in _table(project, "optional-dependencies").values():
        yield "pyproject.toml", _strings(extra)
    for group in _table(pyproject, "dependency-groups").values():
        yield "pyproject.toml", _strings(group)
    for group in _table(pyproject, "tool", "pdm", "dev-dependencies").values():
        yield "pyproject.toml", _strings(group)
    yield "setup.cfg", _setup_cfg(root / "setup.cfg")
    yield from _requirements_files(root)


def _name_tables(
    root: Path, pyproject: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Tables of name = constraint: Poetry's dependency tables and the Pipfile's packages."""
    poetry = _table(pyproject, "tool", "poetry")
    yield "pyproject.toml", _table(poetry, "dependencies")
    yield "pyproject.toml", _table(poetry, "dev-dependencies")
    for group in _table(poetry, "group").values():
        yield "pyproject.toml", _table(group, "dependencies")
    pipfile = _read_toml(root / "Pipfile")
    yield "Pipfile", _table(pipfile, "packages")
    yield "Pipfile", _table(pipfile, "dev-packages")


def _table_value(value: Any) -> Range | None:
    """`"^0.85"`, `{version = "^0.85", extras = [...]}` (a path or VCS source without a
    version allows any), a list of such (alternatives: their hull); None for anything else."""
    if isinstance(value, str):
        return parse_specifiers(value)
    if isinstance(value, Mapping):
        version = value.get("version")
        return parse_specifiers(version) if isinstance(version, str) else EVERYTHING
    if isinstance(value, list):
        found = [allowed for item in value if (allowed := _table_value(item)) is not None]
        if found:
            hull = found[0]
            for allowed in found[1:]:
                hull = hull.hull(allowed)
            return hull
    return None


def _setup_cfg(path: Path) -> list[str]:
    text = _read_text(path)
    if text is None:
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
        found = parser.get("options", "install_requires", fallback="").splitlines()
        if parser.has_section("options.extras_require"):
            for _, value in parser.items("options.extras_require"):
                found.extend(value.splitlines())
    except (configparser.Error, ValueError):
        return []
    return [line for line in found if line.strip() and not line.strip().startswith("#")]


INCLUDE = re.compile(r"(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)")


def _requirements_files(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Each requirements file with its requirement lines; `-r`/`-c` includes followed while
    they stay inside the root."""
    try:
        real_root = root.resolve()
        pending = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    except OSError:
        return
    seen: set[Path] = set()
    while pending and len(seen) < MAX_REQUIREMENT_FILES:
        path = pending.pop(0)
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            continue
        if real in seen or not real.is_relative_to(real_root):
            continue
        seen.add(real)
        text = _read_text(real)
        if text is None:
            continue
        lines = []
        for line in _logical_lines(text):
            include = INCLUDE.match(line)
            if include is not None:
                pending.append(real.parent / include[1])
            elif not line.startswith("-"):
                lines.append(re.split(r"\s+--?[a-z]", line, maxsplit=1)[0])
        yield real.relative_to(real_root).as_posix(), lines


def _logical_lines(text: str) -> Iterator[str]:
    """Lines without comments, `\\` continuations joined."""
    held = ""
    for raw in text.splitlines():
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].rstrip()
        if line.endswith("\\"):
            held += line[:-1] + " "
            continue
        line, held = (held + line).strip(), ""
        if line:
            yield line
    if held.strip():
        yield held.strip()


def _locked(root: Path) -> Iterator[tuple[str, str, VersionKey]]:
    """(file, name, version) for every package of the lock files."""
    for lock in LOCK_FILES:
        text = _read_text(root / lock, MAX_LOCK_BYTES)
        if text is not None:
            for name, pinned in _lock_packages(text):
                key = version_key(pinned)
                if key is not None:
                    yield lock, normalise(name), key
    pipfile_lock = _read_text(root / "Pipfile.lock", MAX_LOCK_BYTES)
    try:
        data = json.loads(pipfile_lock) if pipfile_lock is not None else {}
    except (ValueError, RecursionError):
        data = {}
    for section in ("default", "develop"):
        for name, entry in _table(data, section).items():
            version = entry.get("version") if isinstance(entry, Mapping) else None
            key = version_key(version.lstrip("=")) if isinstance(version, str) else None
            if key is not None:
                yield "Pipfile.lock", normalise(name), key


def _lock_packages(text: str) -> Iterator[tuple[str, str]]:
    """(name, version) of every `[[package]]` table of poetry.lock, uv.lock or pdm.lock, read
    line by line: a full TOML parse of a large lock file costs more than the whole check."""
    in_package = False
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("["):
            if "name" in found and "version" in found:
                yield found["name"], found["version"]
            in_package, found = line.strip() == "[[package]]", {}
        elif in_package:
            match = LOCK_KEY.match(line)
            if match is not None:
                found.setdefault(match[1], match[2])
    if "name" in found and "version" in found:
        yield found["name"], found["version"]


def requires_python(root: Path | str) -> tuple[tuple[int, int], str] | None:
    """The lowest Python the project declares and where: `[project] requires-python`, else
    Poetry's `python` dependency; None when neither gives a lower bound."""
    pyproject = _read_toml(Path(root) / "pyproject.toml")
    for key, value in (
        ("requires-python", _table(pyproject, "project").get("requires-python")),
        ("tool.poetry", _table(pyproject, "tool", "poetry", "dependencies").get("python")),
    ):
        if not isinstance(value, str):
            continue
        low = parse_specifiers(value).low
        if low is not None and low.key[1][:1] == (3,):
            release = (*low.key[1], 0)
            return (3, release[1]), f"{value.strip()} ({key})"
    return None
