"""The `Rule` base: a rule's identity, documentation and options live on its class."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi_prod_lint.core.finding import Finding

if TYPE_CHECKING:
    from fastapi_prod_lint.core.context import ModuleContext

DOC_SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
    "## Fix safety",
    "## Options",
    "## References",
)
REQUIRED_DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
CODE_RE = re.compile(r"^FPL[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclasses.dataclass(frozen=True)
class NoOptions:
    """A rule without options."""


class Rule:
    """Base of every rule. Subclasses set the class variables and define `visit_<Node>` hooks.

    A hook `visit_Call(self, node, ctx)` (or `leave_Call`) yields findings; the engine finds the
    hooks by name, so there is no dispatcher to wire by hand. Rules keep no state between calls.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    fix_title: ClassVar[str]
    added_in: ClassVar[str]
    fixable: ClassVar[bool] = False
    default_enabled: ClassVar[bool] = True
    # front ends that report the problem under their own code instead (`{"pylint": "E0001"}`):
    # their adapter leaves the rule out
    host_codes: ClassVar[dict[str, str]] = {}
    Options: ClassVar[type[Any]] = NoOptions

    def __init__(self, options: Any = None) -> None:
        self.options = self.Options() if options is None else options

    def report(self, node: ast.AST, ctx: ModuleContext, **fields: str) -> Finding:
        """A finding at `node`, its message filled from `fields`."""
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        return Finding(
            path=ctx.path,
            line=line,
            col=ctx.character_column(line, getattr(node, "col_offset", 0)),
            code=self.code,
            message=self.message.format(**fields),
            end_line=end_line,
            end_col=None if end_line is None else ctx.character_column(end_line, end_col or 0),
        )

    @classmethod
    def summary(cls) -> str:
        """The docstring's first line without the leading code."""
        first = (cls.__doc__ or "").strip().splitlines()[0]
        return first.removeprefix(f"{cls.code}:").strip()

    @classmethod
    def documentation(cls) -> str:
        """The docstring's body (everything after the first line), dedented."""
        import inspect

        doc = inspect.cleandoc(cls.__doc__ or "")
        return doc.partition("\n")[2].strip()

    @classmethod
    def doc_section(cls, heading: str) -> str:
        """The text under one of the fixed `DOC_SECTIONS` headings ('' when absent)."""
        doc = cls.documentation()
        start = doc.find(heading + "\n")
        if start < 0:
            return ""
        start += len(heading) + 1
        ends = [doc.find("\n" + h + "\n", start) for h in DOC_SECTIONS if h != heading]
        end = min([e for e in ends if e >= 0], default=len(doc))
        return doc[start:end].strip()

    @classmethod
    def doc_code_blocks(cls, heading: str) -> list[str]:
        """The ```python blocks of one section."""
        return re.findall(r"```python\n(.*?)```", cls.doc_section(heading), flags=re.DOTALL)

    @classmethod
    def option_fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        return dataclasses.fields(cls.Options)

    def hooks(self) -> Iterator[tuple[str, Any]]:
        """(`visit_Call` / `leave_Call`, bound method) for every hook this rule defines."""
        for attr in dir(type(self)):
            if attr.startswith(("visit_", "leave_")):
                yield attr, getattr(self, attr)


def option_key(field_name: str) -> str:
    """The pyproject key of an option field: `allowed_calls` -> `allowed-calls`."""
    return field_name.replace("_", "-")


PYLINT_CHECKER_ID = "88"


def pylint_message_id(code: str) -> str:
    """The pylint message id of a code: `W88` + family digit + rule digit (FPL101 -> W8811).

    pylint wants one two-digit checker id per checker, so a family holds at most nine rules.
    """
    family, number = code[3], int(code[4:])
    if not 1 <= number <= 9:
        raise ValueError(f"{code} does not fit pylint's message id scheme")
    return f"W{PYLINT_CHECKER_ID}{family}{number}"
