"""What a rule reports: a `Finding` at a 1-based line and 0-based character column."""

from __future__ import annotations

from dataclasses import dataclass

SYNTAX_ERROR_CODE = "FPL001"
ERROR = "error"
WARNING = "warning"  # a problem that comes with an upgrade, not with the versions declared
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file. Sorting orders by path, then position, then code; `severity`
    is `error` unless a rule says the problem is a `warning` (JSON output carries it; flake8
    and pylint print the code and the message only)."""

    path: str
    line: int
    col: int
    code: str
    message: str
    end_line: int | None = None
    end_col: int | None = None
    severity: str = ERROR

    def __post_init__(self) -> None:
        # a message quotes the analysed source (route paths, names): never a raw control
        # character to a terminal, a CI log or an editor (ANSI escapes, bidi overrides)
        if not self.message.isprintable():
            object.__setattr__(self, "message", printable(self.message))

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col + 1,
            "end_line": self.end_line,
            "end_column": None if self.end_col is None else self.end_col + 1,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }


def printable(text: str) -> str:
    """`text` with control and format characters (ESC, BEL, `\u202e`, ...) written as Python
    escapes, so that text read from a file cannot drive the terminal that shows it."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
