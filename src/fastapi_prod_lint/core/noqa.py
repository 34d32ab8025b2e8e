"""flake8-compatible suppression comments: `# noqa`, `# noqa: FPL101`, `# flake8: noqa`."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable

from fastapi_prod_lint.core.finding import Finding

# The same expressions flake8 uses, so a comment silences the same findings everywhere.
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.I)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa(?P<codes>:\s?[A-Z]+[0-9]+.*)?$", re.I)
CODE = re.compile(r"[A-Z]+[0-9]+", re.I)


def _logical_line_spans(lines: list[str]) -> dict[int, tuple[int, int]]:
    """line -> (first, last) line of the logical line it belongs to, for multi-line ones."""
    spans: dict[int, tuple[int, int]] = {}
    start = None
    try:
        tokens = tokenize.generate_tokens(io.StringIO("".join(lines)).readline)
        for token in tokens:
            if token.type in (tokenize.COMMENT, tokenize.NL) and start is None:
                continue
            if start is None:
                start = token.start[0]
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                end = token.end[0]
                if end > start:
                    for line in range(start, end + 1):
                        spans[line] = (start, end)
                start = None
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return spans


def _suppresses(comment_line: str, code: str) -> bool:
    for match in NOQA_INLINE.finditer(comment_line):
        codes = match.group("codes")
        if not codes:
            return True
        if any(code.startswith(c.upper()) for c in CODE.findall(codes)):
            return True
    return False


def filter_suppressed(findings: Iterable[Finding], lines: list[str]) -> list[Finding]:
    """The findings no `# noqa` comment silences, as flake8 would decide."""
    findings = list(findings)
    if not findings or not any("noqa" in line.lower() for line in lines):
        return findings
    if any(
        NOQA_FILE.match(line) and not NOQA_FILE.match(line).group("codes")  # type: ignore[union-attr]
        for line in lines
    ):
        return []
    spans = _logical_line_spans(lines)
    kept = []
    for finding in findings:
        first, last = spans.get(finding.line, (finding.line, finding.line))
        window = lines[first - 1 : last]
        if not any(_suppresses(line, finding.code) for line in window):
            kept.append(finding)
    return kept
