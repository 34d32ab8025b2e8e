"""The newer constructs of a module, rewritten into the syntax of the running Python with
libcst's native parser (which reads every grammar up to 3.14), keeping every line and the
columns around them. Called by core/newer_syntax.py only after `ast.parse` failed on a newer
construct; libcst is imported with this module, never by the core itself.

What is rewritten, only where the running Python predates it:
- `type X[T] = v` (3.12): `X = v` with the name where `type` stood (the core makes it a
  `TypeAlias` statement again outside functions);
- type parameters `def f[T](...)`, `class C[T]:` (3.12): the brackets become blanks;
- `except* E:` (3.11): `except  E:`; `except A, B:` (3.14): `except(A, B):`;
- unpacking `X[*Ts]`, `*args: *Ts` (3.11): the star becomes a blank;
- template strings `t"..."` (3.14): `f"..."`;
- f-strings that nest their own quotes (3.12): the inner quotes swapped when that is enough,
  else the whole string becomes a blank string of the same extent (the calls inside it are
  lost, nothing else).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import libcst
from libcst.metadata import MetadataWrapper, PositionProvider

from fastapi_prod_lint.core.syntax import NEWER_SYNTAX, NewerSyntax, running_python

(
    EXCEPT_STAR,
    STAR_UNPACKING,
    TYPE_STATEMENT,
    TYPE_PARAMETERS,
    NESTED_QUOTES,
    FSTRING_BACKSLASH,
    EXCEPT_TUPLE,
    TEMPLATE_STRING,
) = NEWER_SYNTAX
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# f-strings and, from libcst 1.8, t-strings
STRING_NODES: tuple[type[Any], ...] = tuple(
    getattr(libcst, name)
    for name in ("FormattedString", "TemplatedString")
    if hasattr(libcst, name)
)
TEMPLATE_NODES: tuple[type[Any], ...] = tuple(
    getattr(libcst, name) for name in ("TemplatedString",) if hasattr(libcst, name)
)


class Edit(NamedTuple):
    start: int  # offsets into the text
    end: int
    text: str


def rewrite(text: str) -> tuple[str, set[NewerSyntax], set[tuple[int, str]]] | None:
    """(the source in the running Python's syntax, the constructs rewritten, the (line, name)
    of module-level `type` statements), or None when libcst cannot read it or nothing newer
    was found."""
    try:
        module = libcst.parse_module(text)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except Exception:  # libcst cannot parse it either: a plain syntax error
        return None
    edits = _Edits(text, positions)
    try:
        edits.collect(module)
        source = edits.apply()
    except Exception:  # a construct it cannot rewrite in place (or an older libcst's nodes)
        return None
    if not edits.constructs:
        return None
    return source, edits.constructs, edits.aliases


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
        outermost: list[Any] = []
        for node, parents in _walk(module):
            if isinstance(node, libcst.TypeAlias) and self.needs(TYPE_STATEMENT):
                self.type_alias(node, in_function=any(_is_function(p) for p in parents))
            elif isinstance(node, libcst.TypeParameters) and self.needs(TYPE_PARAMETERS):
                if not isinstance(parents[-1], libcst.TypeAlias):  # blanked with its statement
                    self.blank(TYPE_PARAMETERS, *self.span(node))
            elif isinstance(node, (libcst.ExceptHandler, libcst.ExceptStarHandler)):
                self.handler(node)
            elif self.needs(STAR_UNPACKING) and (
                (isinstance(node, libcst.Index) and node.star)
                or (isinstance(node, libcst.StarredElement) and _is_annotation(parents[-1]))
            ):  # `X[*Ts]`, `*args: *Ts` -> `X[ Ts]`, `*args:  Ts`
                star = self.text.index("*", self.span(node)[0])
                self.add(STAR_UNPACKING, star, star + 1, " ")
            elif _is_string(node) and not any(_is_string(p) for p in parents):
                outermost.append(node)
        for string in outermost:
            self.string(string)

    def type_alias(self, node: Any, in_function: bool) -> None:
        start, _ = self.span(node)
        _, name_end = self.span(node.name)
        if "\n" in self.text[start:name_end] or "\r" in self.text[start:name_end]:
            raise ValueError("a `type` statement split over lines")
        padding = " " * (name_end - start - len(node.name.value))
        self.add(TYPE_STATEMENT, start, name_end, node.name.value + padding)
        if node.type_parameters is not None:
            self.blank(TYPE_STATEMENT, *self.span(node.type_parameters))
        if not in_function:
            self.aliases.add((self.positions[node.name].start.line, node.name.value))

    def handler(self, node: Any) -> None:
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
        start, end = self.span(node)
        own: list[Edit] = []
        if isinstance(node, TEMPLATE_NODES) and self.needs(TEMPLATE_STRING):
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
        quote = _quote(outer)
        for node, _ in _walk(outer):
            if node is outer or not isinstance(node, (libcst.SimpleString, *STRING_NODES)):
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


def _is_function(node: Any) -> bool:
    return isinstance(node, (libcst.FunctionDef, libcst.Lambda))


def _is_annotation(node: Any) -> bool:
    return isinstance(node, libcst.Annotation)


def _is_string(node: Any) -> bool:
    return isinstance(node, STRING_NODES)


def _quote(node: Any) -> str:
    if hasattr(node, "start"):  # FormattedString, TemplatedString: `f"`, `rt'''`
        return str(node.start).lstrip("rRbBfFtTuU")
    return str(node.quote)
