"""A module written for a newer Python than the running one, parsed anyway: libcst's native
parser (when installed) reads the newer grammar, only the newer constructs are rewritten into
older syntax that keeps every line (and the columns around them), and `ast` parses the result.

The index summarises such a module from that tree, so its facts (a session alias, a sync
helper, a model) count for the other files on every Python the linter supports. The module's
own rules do not run on it: flake8 and pylint cannot parse it either (E999, E0001), and every
front end reports the same (FPL001 names the construct and the Python to run on).

What is rewritten, only where the running Python predates it:
- `type X[T] = v` (3.12): `X = v` with the name where `type` stood; at module level the
  statement becomes a `TypeAlias` node, as 3.12's `ast` makes it, so the summary is the same;
- type parameters `def f[T](...)`, `class C[T]:` (3.12): the brackets become blanks;
- `except* E:` (3.11): `except  E:`; `except A, B:` (3.14): `except(A, B):`;
- template strings `t"..."` (3.14): `f"..."`;
- f-strings that nest their own quotes (3.12): the inner quotes swapped when that is enough,
  else the whole string becomes a blank string of the same extent (the calls inside it are
  lost, nothing else).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import io
import os
import re
import tokenize
from collections.abc import Iterator
from typing import Any, NamedTuple

from fastapi_prod_lint.core.syntax import NEWER_SYNTAX, NewerSyntax, running_python

EXCEPT_STAR, TYPE_STATEMENT, TYPE_PARAMETERS, NESTED_QUOTES, FSTRING_BACKSLASH = NEWER_SYNTAX[:5]
EXCEPT_TUPLE, TEMPLATE_STRING = NEWER_SYNTAX[5:7]
NEWEST = max(newer.version for newer in NEWER_SYNTAX)
# libcst's native parser overflows its stack on brackets nested a few thousand deep; Python's
# own tokenizer stops at 200 levels and 100 indents, so a deeper file is no Python anyway
MAX_BRACKETS = 200
MAX_INDENTS = 100
MAX_CHAIN = 300
CHAINING = frozenset({"not", "and", "or", "lambda", "if", "else", "await"})
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class TypeAliasStatement(ast.stmt):
    """`type X = v` on a Python whose `ast` has no `TypeAlias` (before 3.12): the same fields."""

    _fields = ("name", "type_params", "value")

    def __init__(self, name: ast.Name, value: ast.expr) -> None:
        super().__init__()
        self.name, self.value = name, value
        self.type_params: list[ast.AST] = []


TYPE_ALIAS: type[ast.stmt] = getattr(ast, "TypeAlias", TypeAliasStatement)


class Rewritten(NamedTuple):
    tree: ast.Module
    constructs: tuple[NewerSyntax, ...]  # what was rewritten, each once, oldest Python first


class Edit(NamedTuple):
    start: int  # offsets into the text
    end: int
    text: str


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
    try:
        import libcst
        from libcst.metadata import MetadataWrapper, PositionProvider

        module = libcst.parse_module(text)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except Exception:  # libcst missing, or it cannot parse the file either
        return None
    edits = _Edits(text, positions)
    try:
        edits.collect(module)
        rewritten = edits.apply()
        tree = ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not edits.constructs:
        return None
    if edits.aliases and TYPE_ALIAS is TypeAliasStatement:
        _restore_type_aliases(tree, edits.aliases)
    constructs = tuple(sorted(edits.constructs, key=NEWER_SYNTAX.index))
    return Rewritten(tree, constructs)


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


class _Edits:
    """The replacements that make a newer module parse on the running Python."""

    def __init__(self, text: str, positions: Any) -> None:
        self.text = text
        self.positions = positions
        self.starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
        self.edits: list[Edit] = []
        self.constructs: set[NewerSyntax] = set()
        self.aliases: set[tuple[int, str]] = set()  # (line, name) of rewritten `type` statements
        self.running = running_python()

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def span(self, node: Any) -> tuple[int, int]:
        where = self.positions[node]
        return self.offset(where.start.line, where.start.column), self.offset(
            where.end.line, where.end.column
        )

    def needs(self, newer: NewerSyntax) -> bool:
        return self.running < newer.version

    def add(self, newer: NewerSyntax, start: int, end: int, text: str) -> None:
        self.edits.append(Edit(start, end, text))
        self.constructs.add(newer)

    def blank(self, newer: NewerSyntax, start: int, end: int) -> None:
        """Spaces for the span, its line breaks kept (continued with a backslash)."""
        kept = LINE_BREAK.sub(lambda match: "\\" + match[0], self.text[start:end])
        self.add(newer, start, end, re.sub(r"[^\r\n\\]|\\(?![\r\n])", " ", kept))

    def apply(self) -> str:
        pieces, last = [], 0
        for edit in sorted(self.edits):
            if edit.start < last:
                raise ValueError("overlapping edits")
            pieces += [self.text[last : edit.start], edit.text]
            last = edit.end
        return "".join([*pieces, self.text[last:]])

    def collect(self, module: Any) -> None:
        import libcst

        outermost: list[Any] = []
        for node, parents in _walk(module):
            if isinstance(node, libcst.TypeAlias) and self.needs(TYPE_STATEMENT):
                self.type_alias(node, module_level=not any(_is_scope(p) for p in parents))
            elif isinstance(node, libcst.TypeParameters) and self.needs(TYPE_PARAMETERS):
                if not isinstance(parents[-1], libcst.TypeAlias):  # blanked with its statement
                    self.blank(TYPE_PARAMETERS, *self.span(node))
            elif isinstance(node, (libcst.ExceptHandler, libcst.ExceptStarHandler)):
                self.handler(node)
            elif _is_string(node) and not any(_is_string(p) for p in parents):
                outermost.append(node)
        for string in outermost:
            self.string(string)

    def type_alias(self, node: Any, module_level: bool) -> None:
        start, _ = self.span(node)
        _, name_end = self.span(node.name)
        if "\n" in self.text[start:name_end] or "\r" in self.text[start:name_end]:
            raise ValueError("a `type` statement split over lines")
        padding = " " * (name_end - start - len(node.name.value))
        self.add(TYPE_STATEMENT, start, name_end, node.name.value + padding)
        if node.type_parameters is not None:
            self.blank(TYPE_STATEMENT, *self.span(node.type_parameters))
        if module_level:
            self.aliases.add((self.positions[node.name].start.line, node.name.value))

    def handler(self, node: Any) -> None:
        import libcst

        start, _ = self.span(node)
        if isinstance(node, libcst.ExceptStarHandler) and self.needs(EXCEPT_STAR):
            star = self.text.index("*", start)
            self.add(EXCEPT_STAR, star, star + 1, " ")
        kind = node.type
        if isinstance(kind, libcst.Tuple) and not kind.lpar and self.needs(EXCEPT_TUPLE):
            type_start, type_end = self.span(kind)
            if self.text[type_start - 1] in " \t":  # `except A, B:` -> `except(A, B):`
                self.add(EXCEPT_TUPLE, type_start - 1, type_start, "(")
            else:
                self.add(EXCEPT_TUPLE, type_start, type_start, "(")
            self.add(EXCEPT_TUPLE, type_end, type_end, ")")

    def string(self, node: Any) -> None:
        """An f-string or t-string, with whatever strings it nests."""
        import libcst

        start, end = self.span(node)
        own: list[Edit] = []
        if isinstance(node, libcst.TemplatedString) and self.needs(TEMPLATE_STRING):
            self.constructs.add(TEMPLATE_STRING)
            for index, char in enumerate(node.prefix):
                if char in "tT":
                    own.append(Edit(start + index, start + index + 1, "f" if char == "t" else "F"))
        if not self.needs(NESTED_QUOTES) or self.parses(start, end, own):
            self.edits += own
            return
        swaps = [*own, *self.swapped_quotes(node)]
        if self.parses(start, end, swaps):
            self.edits += swaps
            self.constructs.add(NESTED_QUOTES)
            return
        source = self.text[start:end]
        newer = FSTRING_BACKSLASH if "\\" in source else NESTED_QUOTES
        lines = LINE_BREAK.split(source)
        if len(lines) == 1:
            self.add(newer, start, end, '"' + " " * (len(source) - 2) + '"')
        elif len(lines[0]) >= 3 and len(lines[-1]) >= 3:
            inner = re.sub(r"[^\r\n]", " ", source[3:-3])
            self.add(newer, start, end, '"""' + inner + '"""')
        else:
            raise ValueError("a string that cannot be blanked in place")

    def swapped_quotes(self, outer: Any) -> Iterator[Edit]:
        """Nested strings quoted like the string around them, quoted the other way."""
        import libcst

        quote = _quote(outer)
        for node, _ in _walk(outer):
            if node is outer or not isinstance(
                node, (libcst.SimpleString, libcst.FormattedString, libcst.TemplatedString)
            ):
                continue
            if _quote(node) != quote or len(quote) != 1:
                continue
            start, end = self.span(node)
            other = "'" if quote == '"' else '"'
            body = self.text[start:end]
            if other in body or "\\" in body:
                continue
            first = body.index(quote)
            yield Edit(start + first, start + first + 1, other)
            yield Edit(end - 1, end, other)

    def parses(self, start: int, end: int, edits: list[Edit]) -> bool:
        pieces, last = [], start
        for edit in sorted(edits):
            pieces += [self.text[last : edit.start], edit.text]
            last = edit.end
        source = "".join([*pieces, self.text[last:end]])
        try:
            ast.parse("(" + source + "\n)", mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True


def _walk(root: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every libcst node under `root` with its ancestors, iteratively."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, parents = stack.pop()
        yield node, parents
        inner = (*parents, node)
        stack.extend((child, inner) for child in reversed(node.children))


def _is_scope(node: Any) -> bool:
    import libcst

    return isinstance(node, (libcst.FunctionDef, libcst.ClassDef, libcst.Lambda))


def _is_string(node: Any) -> bool:
    import libcst

    return isinstance(node, (libcst.FormattedString, libcst.TemplatedString))


def _quote(node: Any) -> str:
    if hasattr(node, "start"):  # FormattedString, TemplatedString: `f"`, `rt'''`
        return str(node.start).lstrip("rRbBfFtTuU")
    return str(node.quote)


def _restore_type_aliases(tree: ast.Module, aliases: set[tuple[int, str]]) -> None:
    """Module-level `X = v` that stood for `type X = v` become `TypeAlias` statements again
    (inside functions and classes they stay assignments: nothing there reads them)."""
    blocks = [tree.body]
    while blocks:
        body = blocks.pop()
        for index, stmt in enumerate(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target = stmt.targets[0]
                if (stmt.lineno, target.id) in aliases:
                    alias = TypeAliasStatement(target, stmt.value)
                    body[index] = ast.copy_location(alias, stmt)
                    continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    blocks.append(inner)
            for inner_block in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
                blocks.append(inner_block.body)
