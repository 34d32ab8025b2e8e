"""Why a file does not parse (FPL001): a template, syntax newer than the running Python, or a
plain syntax error. Only asked once the parse has failed: a file that parses is never guessed
at."""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

TEMPLATE_MARKS = re.compile(r"\{\{.*?\}\}|\{%-?.*?-?%\}|\{#.*?#\}")


class NewerSyntax(NamedTuple):
    version: tuple[int, int]
    construct: str
    line: re.Pattern[str]  # the failing line shows the construct


NEWER_SYNTAX = (
    NewerSyntax((3, 11), "`except*` (PEP 654)", re.compile(r"^\s*except\s*\*")),
    NewerSyntax(
        (3, 12), "`type` statement (PEP 695)", re.compile(r"^\s*type\s+\w+\s*(\[.*\])?\s*=")
    ),
    NewerSyntax(
        (3, 12),
        "type parameters (PEP 695)",
        re.compile(r"^\s*(async\s+def|def|class)\s+\w+\s*\["),
    ),
    NewerSyntax(
        (3, 12), "f-string nesting its own quotes (PEP 701)", re.compile(r"\bf(['\"]).*\{[^}]*\1")
    ),
    NewerSyntax(
        (3, 14),
        "`except A, B:` without parentheses (PEP 758)",
        re.compile(r"^\s*except\s+[^\s(\[:][^:]*,[^:]*:"),
    ),
    NewerSyntax(
        (3, 14),
        'template string `t"..."` (PEP 750)',
        re.compile(r"(?:^|[\s(=,\[{:])[tT][rR]?(['\"])"),
    ),
)


def is_template(text: str, path: str) -> bool:
    """A Jinja or cookiecutter template named `.py`: not Python, not reported."""
    return "{{cookiecutter" in path.replace(" ", "") or bool(TEMPLATE_MARKS.search(text))


def describe(error: SyntaxError, lines: list[str]) -> str:
    """The message of a file that does not parse."""
    number = error.lineno or 0
    text = lines[number - 1] if 0 < number <= len(lines) else (error.text or "")
    running = sys.version_info[:2]
    for newer in NEWER_SYNTAX:
        if running < newer.version and newer.line.search(text):
            need = ".".join(map(str, newer.version))
            here = ".".join(map(str, running))
            return (
                f"Needs Python >= {need}: {newer.construct}; this run parses with Python {here}"
                f" (run fastapi-prod-lint on the Python the project targets)"
            )
    return f"Cannot parse the file: {error.msg}"
