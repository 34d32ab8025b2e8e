"""Mechanical rewrites of fixture sources, for metamorphic tests."""

from __future__ import annotations

import re
from collections.abc import Iterable

from harness.markers import Marker

SYNC_REWRITES = (
    (re.compile(r"\basync(\s+)def\b"), r"def"),
    (re.compile(r"\basync(\s+)with\b"), r"with"),
    (re.compile(r"\basync(\s+)for\b"), r"for"),
    (re.compile(r"\bawait\s+"), ""),
)


def noqa_rewrite(source: str, markers: Iterable[Marker]) -> str:
    """Each marker comment replaced by `# noqa: <its codes>`, on the same line."""
    lines = source.splitlines(keepends=True)
    for marker in markers:
        text = lines[marker.line - 1]
        body = text.rstrip("\r\n")
        ending = text[len(body) :]
        lines[marker.line - 1] = f"{body[: marker.start]}# noqa: {','.join(marker.codes)}{ending}"
    return "".join(lines)


def sync_rewrite(source: str) -> str:
    """The source with `async def/with/for` made sync and every `await ` removed."""
    for pattern, replacement in SYNC_REWRITES:
        source = pattern.sub(replacement, source)
    return source
