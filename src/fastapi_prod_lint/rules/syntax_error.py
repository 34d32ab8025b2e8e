"""FPL001 syntax-error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE
from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.core.syntax import parse_target_version


@dataclass(frozen=True)
class Options:
    target_version: str = field(default="", metadata={"check": parse_target_version})
    """The Python the project runs on, as ruff spells it (`py312`), named in the message; by
    default the lowest version `requires-python` allows (in `[project]`, or Poetry's
    `python` dependency)."""


class SyntaxErrorInFile(Rule):
    """FPL001: Checks for Python files that do not parse.

    ## What it does
    Reports a `.py` file that the interpreter running the linter cannot parse (or read), at the
    place the parser stopped, and goes on with the other files. The message says what failed.

    When the file uses syntax newer than the running Python, it names the constructs, the
    version they need, the Python the project targets and the Python to run the linter on
    ("Needs Python >= 3.12: `type` statement (PEP 695); the project targets Python >=3.12
    (requires-python); run fastapi-prod-lint on Python >= 3.12 to check this file (this run:
    Python 3.10); its facts still count for the other files"). The constructs: `except*` and
    unpacking in subscripts and annotations (`Generic[*Ts]`, `*args: *Ts`) (3.11); `type`
    statements, type parameters (`def first[T](...)`, `class Box[T]:`), f-strings that nest
    their own quotes or hold a backslash inside `{}` (3.12); `except A, B:` without
    parentheses and template strings `t"..."` (3.14). The target is the `target-version`
    option, else the lowest version `requires-python` allows (or Poetry's `python`
    dependency). Any other failure keeps the parser's message ("Cannot parse the file:
    invalid syntax"). A file that parses is never second-guessed.

    Such a file is still reported when its facts are kept: the rules cannot check it on this
    Python, in any front end (flake8 and pylint parse with the running Python and stop at it
    too), and the finding says where they can. What is kept is the module's facts for the
    other files: when libcst is installed (`pip install libcst`), its parser reads the newer
    grammar and the project index summarises the module from it, so a session alias, a sync
    helper or a model defined there still counts, on every Python the linter supports. Without
    libcst, the message ends "its facts are missing from cross-file analysis", and the command
    line ends the run with one line on stderr naming those files (a file whose FPL001 is
    ignored or `noqa`-ed is left out of it). ruff, with a parser of its own, checks such a file
    whatever Python runs it; here the cure is the interpreter: run the linter on the Python the
    project targets (pre-commit's `language_version`), and the file is checked like any other.

    A template is not Python and is not reported: a file under a cookiecutter folder
    (`{{cookiecutter.package}}/main.py`), or a file whose parse fails on a Jinja tag written
    as code (`{{ ... }}`, `{% ... %}`, `{# ... #}`; not one inside a string). The run says
    nothing about the templates it leaves out, as for excluded files.

    The command line reports it. flake8 reports a file that does not parse as `E999` (select
    `E9` besides `FPL`) and pylint as `E0001` (`syntax-error`) themselves, before any plugin
    runs, so the plugins stay silent on it (templates included: exclude them there). The
    cross-file facts of a newer-syntax module reach them as they reach the command line.

    ## Why is this bad?
    A module that does not parse cannot be imported: the app does not start, or the route that
    imports it fails. It also has no facts for the cross-file rules unless libcst can read it:
    a session type, a sync helper or a model defined there vanishes, and other files lose
    findings. A file written for a newer Python than the linter runs on is the usual case: run
    the linter on the Python the project targets (pre-commit's `language_version`).

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

    ## Options
    `target-version` (default: from `requires-python`), written as ruff writes it (`py312`).

    ## References
    - [Python: What's New](https://docs.python.org/3/whatsnew/index.html)
    - [pre-commit: `language_version`](https://pre-commit.com/#overriding-language-version)
    """

    code = SYNTAX_ERROR_CODE
    name = "syntax-error"
    message = "{detail}"
    fix_title = "Fix the syntax, or run the linter on the Python the project targets"
    added_in = "0.1.0"
    host_codes: ClassVar[dict[str, str]] = {"flake8": "E999", "pylint": "E0001"}
    Options = Options
