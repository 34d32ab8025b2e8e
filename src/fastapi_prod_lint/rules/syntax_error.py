"""FPL001 syntax-error."""

from __future__ import annotations

from typing import ClassVar

from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE
from fastapi_prod_lint.core.rule import Rule


class SyntaxErrorInFile(Rule):
    """FPL001: Checks for Python files that do not parse.

    ## What it does
    Reports a `.py` file that the interpreter running the linter cannot parse (or read), at the
    place the parser stopped, and goes on with the other files. The message says what failed:
    the parser's own message, or, when the file uses syntax newer than the running Python, the
    construct and the version it needs ("needs Python >= 3.12: `type` statement (PEP 695)"):
    type parameters and `type` statements (3.12), f-strings nesting their own quotes (3.12),
    `except*` (3.11), `except A, B:` without parentheses and template strings `t"..."`
    (3.14). Files that are clearly templates rather than Python (Jinja or cookiecutter
    placeholders such as `{{ name }}` or `{% if %}` where the parse fails, or a path holding
    `{{cookiecutter.`) are not Python at all and are not reported.

    The command line reports it. flake8 reports a file that does not parse as `E999` and pylint
    as `E0001` (`syntax-error`) themselves, before any plugin runs, so the plugins stay silent
    on it.

    ## Why is this bad?
    A module that does not parse cannot be imported: the app does not start, or the route that
    imports it fails. It also has no facts for the cross-file rules: a session type, a sync
    helper or a model defined there vanishes, and other files lose findings. A file written for
    a newer Python than the linter runs on is the usual case: run the linter on the Python the
    project targets (pre-commit's `language_version`).

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items")
    async def items(:
        return []
    ```

    Use instead:
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items")
    async def items():
        return []
    ```

    ## References
    - [Python: What's New](https://docs.python.org/3/whatsnew/index.html)
    """

    code = SYNTAX_ERROR_CODE
    name = "syntax-error"
    message = "{detail}"
    fix_title = "Fix the syntax, or run the linter on the Python the project targets"
    added_in = "0.1.0"
    host_codes: ClassVar[dict[str, str]] = {"flake8": "E999", "pylint": "E0001"}
