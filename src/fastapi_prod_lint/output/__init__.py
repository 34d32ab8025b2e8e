"""Findings out: `text` (path:line:col: CODE message) and `json`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from fastapi_prod_lint.core.finding import Finding, printable


def text(findings: Sequence[Finding]) -> str:
    lines = [f"{printable(f.path)}:{f.line}:{f.col + 1}: {f.code} {f.message}" for f in findings]
    if findings:
        lines.append(f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''}.")
    return "\n".join(lines)


def json_(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2)


FORMATS: dict[str, Callable[[Sequence[Finding]], str]] = {"text": text, "json": json_}
