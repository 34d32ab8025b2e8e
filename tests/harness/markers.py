"""Parse the expectations a fixture carries inline: `# error: [FPL101:9, FPL101] "substring"`."""

from __future__ import annotations

import io
import re
import sys
import tokenize
from dataclasses import dataclass

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MARKER = re.compile(r"#\s*error:\s*\[(?P<codes>[^\]]*)\](?:\s*\"(?P<message>[^\"]*)\")?\s*$")
# Anything that looks like a marker but does not parse is an error, never a silently ignored
# comment: a typo must not turn a fixture into one that expects nothing.
MARKER_LOOKALIKE = re.compile(r"#\s*errors?\s*:?\s*\[", re.IGNORECASE)
EXPECTED_CODE = re.compile(r"(?P<code>FPL\d{3})(?::(?P<column>[1-9]\d*))?")
SETTINGS_HEADER = "# [tool.fastapi-prod-lint]"


class MarkerError(ValueError):
    """A malformed marker or settings header; the message names the file and line."""


@dataclass(frozen=True)
class Expected:
    """One finding a marker expects: its code and, when the marker gives one, its 1-based column."""

    code: str
    column: int | None = None


@dataclass(frozen=True)
class Marker:
    """A `# error: [...]` comment: the findings expected on its line."""

    path: str
    line: int
    start: int  # where the marker comment starts in its line, for rewrites
    expected: tuple[Expected, ...]
    message: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """The distinct codes the marker names, in order."""
        return tuple(dict.fromkeys(expected.code for expected in self.expected))


def parse_marker(comment: str, path: str, line: int, start: int = 0) -> Marker | None:
    """The marker in one comment (`None` when the comment is not a marker)."""
    match = MARKER.search(comment)
    if match is None:
        if MARKER_LOOKALIKE.search(comment):
            raise MarkerError(f"{path}:{line}: malformed marker {comment.strip()!r}")
        return None
    items = [item.strip() for item in match["codes"].split(",")]
    expected = []
    for item in items:
        code = EXPECTED_CODE.fullmatch(item)
        if code is None:
            raise MarkerError(
                f"{path}:{line}: {item!r} in {comment.strip()!r} is not `FPL123` or `FPL123:col`"
            )
        column = code["column"]
        expected.append(Expected(code["code"], int(column) if column else None))
    return Marker(path, line, start + match.start(), tuple(expected), match["message"])


def _comments(source: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every comment; a file tokenize rejects is scanned line by line."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        found = []
        for number, text in enumerate(source.splitlines(), start=1):
            hash_at = text.find("#")
            if hash_at >= 0:
                found.append((number, hash_at, text[hash_at:]))
        return found
    return [(t.start[0], t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT]


def parse_markers(source: str, path: str) -> list[Marker]:
    """Every marker of one file, in line order."""
    markers = []
    for line, column, comment in _comments(source):
        marker = parse_marker(comment, path, line, column)
        if marker is not None:
            markers.append(marker)
    return markers


def settings_table(source: str, path: str = "<fixture>") -> str | None:
    """The TOML of a single-file fixture's settings header, or `None` when it has none.

    The header is the first line, exactly `# [tool.fastapi-prod-lint]`, and the comment lines
    after it, up to the first line that is not a comment.
    """
    lines = source.splitlines()
    if not lines or lines[0] != SETTINGS_HEADER:
        return None
    table = [SETTINGS_HEADER.removeprefix("# ")]
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        table.append(line[1:].removeprefix(" "))
    toml = "\n".join(table) + "\n"
    try:
        tomllib.loads(toml)
    except tomllib.TOMLDecodeError as error:
        raise MarkerError(f"{path}: the settings header is not valid TOML: {error}") from error
    return toml
