"""Why a file does not parse (FPL001): a template, syntax newer than the running Python, or a
plain syntax error. Asked only once the parse has failed, and only about the lines where it
failed: a file that parses is never guessed at."""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

# a whole Jinja tag: `{{ name }}`, `{% if x %}`, `{# note #}`; one that starts its line
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", flags=re.DOTALL)
LEADING_JINJA_TAG = re.compile(r"^[ \t]*(?:" + JINJA_TAG.pattern + ")", flags=re.DOTALL | re.M)
STRING_PREFIX = r"(?<![\w'\"])"  # a string's prefix starts a token
EXCEPT_CLAUSE = re.compile(r"^\s*except\s+([^(\[:#*][^:#]*):", flags=re.MULTILINE)
LOWER_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# what a subscript follows: a name that is no keyword (`return [*a]` is a list), `]` or `)`
KEYWORDS = "return|in|yield|await|else|and|or|not|is|if|elif|while|for|assert|del|lambda|case"
SUBSCRIPTED = rf"(?:\b(?!(?:{KEYWORDS})\b)[A-Za-z_]\w*|[\])])"


class NewerSyntax(NamedTuple):
    version: tuple[int, int]
    construct: str
    shows: Callable[[str], bool]  # the failing lines hold the construct


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags=re.MULTILINE)
    return lambda text: compiled.search(text) is not None


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    """The tokens of some lines cut out of a file (the tokens read before a problem, when they
    end inside a bracket or a string)."""
    found: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            found.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _unparenthesised_except(text: str) -> bool:
    """`except A, B:` (PEP 758: no `as`); not Python 2's `except ValueError, error:`, whose
    last name is a variable, not a class."""
    for clause in EXCEPT_CLAUSE.finditer(text):
        if re.search(r"\bas\b", clause[1]):
            continue
        names = [name.strip() for name in clause[1].split(",")]
        if len(names) > 1 and LOWER_NAME.fullmatch(names[-1]) is None:
            return True
    return False


def _template_string(text: str) -> bool:
    """`t"..."`: before Python 3.14, the name `t` right before a string."""
    tokens = _tokens(text)
    return any(
        first.type == tokenize.NAME
        and first.string.lower() in ("t", "rt", "tr")
        and second.type == tokenize.STRING
        and second.start == first.end
        for first, second in pairwise(tokens)
    )


NEWER_SYNTAX = (
    NewerSyntax((3, 11), "`except*` (PEP 654)", _matches(r"^\s*except\s*\*")),
    NewerSyntax(
        (3, 11),
        "unpacking `*Ts` in a subscript or an annotation (PEP 646)",
        _matches(SUBSCRIPTED + r"\s*\[(?:[^\[\]=]*,)?\s*\*\s*[A-Za-z_]|\*\s*\w+\s*:\s*\*\s*\w"),
    ),
    NewerSyntax((3, 12), "`type` statement (PEP 695)", _matches(r"^\s*type\s+\w+\s*(\[.*\])?\s*=")),
    NewerSyntax(
        (3, 12),
        "type parameters `[T]` (PEP 695)",
        _matches(r"^\s*(async\s+def|def|class)\s+\w+\s*\["),
    ),
    NewerSyntax(
        (3, 12),
        "f-string that nests its own quotes (PEP 701)",
        _matches(STRING_PREFIX + r"(?:[rR]?[fF]|[fF][rR])(['\"]).*?\{[^}]*?\1"),
    ),
    NewerSyntax(
        (3, 12),
        "backslash inside an f-string's `{}` (PEP 701)",
        _matches(STRING_PREFIX + r"(?:[rR]?[fF]|[fF][rR])(['\"]).*?\{[^}]*?\\"),
    ),
    NewerSyntax(
        (3, 14),
        "`except A, B:` without parentheses (PEP 758)",
        _unparenthesised_except,
    ),
    NewerSyntax((3, 14), 'template string `t"..."` (PEP 750)', _template_string),
)


def failing_lines(error: SyntaxError, lines: list[str]) -> str:
    """The lines the parser stopped on (the parser's own copy when `lines` lacks them)."""
    first = error.lineno or 0
    last = max(error.end_lineno or first, first)
    if 0 < first <= len(lines):
        return "".join(lines[first - 1 : last])
    return error.text or ""


def is_template(error: SyntaxError, lines: list[str], path: str) -> bool:
    """A Jinja or cookiecutter template named `.py`, which is no Python: a path inside a
    cookiecutter folder (`{{cookiecutter.package}}/main.py`); or a file with whole Jinja tags
    whose parse failed on one: a tag opened as code (not inside a string) on the lines where
    the parse failed, or a tag over several lines, opening its line, that holds them."""
    if "{{cookiecutter" in path.replace(" ", ""):
        return True
    text = "".join(lines)
    if JINJA_TAG.search(text) is None:
        return False
    tokens = _tokens(failing_lines(error, lines))
    if any(
        brace.type == tokenize.OP
        and brace.string == "{"
        and after.start == brace.end
        and (after.string in ("{", "%") or after.type == tokenize.COMMENT)
        for brace, after in pairwise(tokens)
    ):
        return True
    first = error.lineno or 0
    for tag in LEADING_JINJA_TAG.finditer(text):
        start = text.count("\n", 0, tag.start()) + 1
        if start <= first <= start + tag[0].count("\n"):
            return True
    return False


def running_python() -> tuple[int, int]:
    return sys.version_info.major, sys.version_info.minor


def running_version() -> str:
    return _dotted(running_python())


class Target(NamedTuple):
    """The Python a project says it runs on: its lowest version, and where that was read."""

    version: tuple[int, int]
    text: str  # "Python >=3.12 (requires-python)"


TARGET_VERSION_KEY = "target-version"  # FPL001's option, ruff's name and spelling (`py312`)
TARGET_VERSION = re.compile(r"py3(\d{1,2})")
KEPT_FACTS = "its facts still count for the other files"
MISSING_FACTS = "its facts are missing from cross-file analysis"


def parse_target_version(value: str) -> tuple[int, int] | None:
    """`py312` -> (3, 12), ruff's spelling of `target-version`; '' -> None; ValueError else."""
    if not value:
        return None
    match = TARGET_VERSION.fullmatch(value.strip().lower())
    if match is None:
        raise ValueError(f"must be a Python version written like `py312`, got {value!r}")
    return 3, int(match[1])


def project_target(root: Path, setting: str = "") -> Target | None:
    """The `target-version` setting, else the lower bound of `requires-python`."""
    version = parse_target_version(setting)
    if version is not None:
        return Target(version, f"Python {version[0]}.{version[1]} (target-version)")
    from fastapi_prod_lint.core.declared_versions import requires_python

    declared = requires_python(root)
    if declared is None:
        return None
    lowest, text = declared
    return Target(lowest, f"Python {text}")


def newer_constructs(error: SyntaxError, lines: list[str]) -> tuple[NewerSyntax, ...]:
    """The newer-Python construct on the lines where the parse failed (at most one)."""
    text = failing_lines(error, lines)
    running = running_python()
    for newer in NEWER_SYNTAX:
        if running < newer.version and newer.shows(text):
            return (newer,)
    return ()


def describe(
    error: SyntaxError,
    lines: list[str],
    target: Target | None = None,
    rewritten: tuple[NewerSyntax, ...] | None = None,
) -> str:
    """The message of a file that does not parse: the newer-Python constructs it uses (those
    `rewritten` to keep its facts, else the one on the failing lines), the version they need
    and the Python to run the linter on; or else the parser's own message."""
    constructs = rewritten or newer_constructs(error, lines)
    if not constructs:
        return f"Cannot parse the file: {error.msg}"
    need = max(newer.version for newer in constructs)
    run = max(need, target.version) if target is not None else need
    named = ", ".join(newer.construct for newer in constructs)
    targets = f"; the project targets {target.text}" if target is not None else ""
    return (
        f"Needs Python >= {_dotted(need)}: {named}{targets}; run fastapi-prod-lint on Python >= "
        f"{_dotted(run)} to check this file (this run: Python {running_version()}); "
        + (KEPT_FACTS if rewritten else MISSING_FACTS)
    )


def _dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))
