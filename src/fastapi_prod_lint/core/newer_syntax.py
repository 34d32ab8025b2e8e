"""A module written for a newer Python than the running one, parsed anyway: when libcst is
installed, its native parser reads the newer grammar, `newer_grammar.py` (outside the core,
which knows nothing of libcst) rewrites only the newer constructs into older syntax that keeps
every line, and `ast` parses the result.

The index summarises such a module from that tree, so its facts (a session alias, a sync
helper, a model) count for the other files on every Python the linter supports. The module's
own rules do not run on it: flake8 and pylint cannot parse it either (E999, E0001), and every
front end reports the same (FPL001 names the construct and the Python to run on)."""

from __future__ import annotations

import ast
import functools
import importlib.util
import io
import os
import tokenize
from typing import Any, NamedTuple

from fastapi_prod_lint.core.syntax import NEWER_SYNTAX, NewerSyntax, running_python

NEWEST = max(newer.version for newer in NEWER_SYNTAX)
# libcst's native parser overflows its stack on brackets nested a few thousand deep; Python's
# own tokenizer stops at 200 levels and 100 indents, so a deeper file is no Python anyway
MAX_BRACKETS = 200
MAX_INDENTS = 100
MAX_CHAIN = 300
CHAINING = frozenset({"not", "and", "or", "lambda", "if", "else", "await"})


class TypeAliasStatement(ast.stmt):
    """`type X = v` on a Python whose `ast` has no `TypeAlias` (before 3.12): the same fields."""

    _fields = ("name", "type_params", "value")

    def __init__(self, name: ast.Name, type_params: list[ast.AST], value: ast.expr) -> None:
        super().__init__()
        self.name, self.type_params, self.value = name, type_params, value


TYPE_ALIAS: Any = getattr(ast, "TypeAlias", TypeAliasStatement)


class Rewritten(NamedTuple):
    tree: ast.Module
    constructs: tuple[NewerSyntax, ...]  # what was rewritten, each once, oldest Python first


@functools.cache
def parser_version() -> str:
    """The newer-grammar parser this process would use ('' when libcst is not installed):
    part of the cache's identity, as a summary depends on it. Found without importing it."""
    if running_python() >= NEWEST:
        return ""
    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        return ""
    if spec is None or spec.origin is None:
        return ""
    try:
        return f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"
    except OSError:
        return ""


def parse_newer(data: bytes | str, error: SyntaxError | None = None) -> Rewritten | None:
    """The tree of a module whose parse failed on syntax newer than the running Python, or None
    (libcst missing, a construct it cannot rewrite, any other syntax error, hostile nesting)."""
    text = data if isinstance(data, str) else _decode(data)
    if text is None or not _worth_trying(text, error):
        return None
    try:  # outside the core, which knows nothing of libcst; imported only here
        from fastapi_prod_lint.newer_grammar import rewrite
    except ImportError:
        return None
    found = rewrite(text)
    if found is None:
        return None
    source, used, aliases = found
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if aliases:
        _restore_type_aliases(tree, aliases)
    return Rewritten(tree, tuple(sorted(used, key=NEWER_SYNTAX.index)))


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def _worth_trying(text: str, error: SyntaxError | None) -> bool:
    """A newer construct shows somewhere, the parse did not fail for lack of stack, and the
    file stays within what libcst's parser survives: its nesting within Python's own limits,
    and no logical line chaining more than MAX_CHAIN operators (its time grows with the
    square of a chain's length, and a chain of ten thousand overflows its stack)."""
    if error is not None and str(error.msg).startswith(("RecursionError", "MemoryError")):
        return False
    running = running_python()
    if not any(newer.shows(text) for newer in NEWER_SYNTAX if running < newer.version):
        return False
    depth = indents = chain = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            if kind == tokenize.OP and string in "([{":
                depth += 1
            elif kind == tokenize.OP and string in ")]}":
                depth -= 1
            elif kind == tokenize.INDENT:
                indents += 1
            elif kind == tokenize.DEDENT:
                indents -= 1
            elif kind == tokenize.NEWLINE:
                chain = 0
            if (kind == tokenize.OP and string not in ",:;()[]{}") or string in CHAINING:
                chain += 1
            if depth > MAX_BRACKETS or indents > MAX_INDENTS or chain > MAX_CHAIN:
                return False
    except (tokenize.TokenError, SyntaxError):
        return False  # the rest of the file is unknown (no newer construct stops a tokenizer)
    return True


def _restore_type_aliases(tree: ast.Module, aliases: set[tuple[int, str]]) -> None:
    """`X = v` that stood for `type X = v` become `TypeAlias` statements again, at module
    level and in class bodies (inside functions they stay assignments: the walks of function
    bodies know no stand-in node, and the summary keeps no function's local aliases)."""
    blocks = [tree.body]
    while blocks:
        body = blocks.pop()
        for index, stmt in enumerate(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target = stmt.targets[0]
                if (stmt.lineno, target.id) in aliases:
                    alias = TYPE_ALIAS(name=target, type_params=[], value=stmt.value)
                    body[index] = ast.copy_location(alias, stmt)
                    continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    blocks.append(inner)
            for inner_block in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
                blocks.append(inner_block.body)
