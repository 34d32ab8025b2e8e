"""FPL001 says why a file does not parse: a template is no Python (not reported), syntax newer
than the running Python names the construct and the version it needs, anything else keeps the
parser's message; it is a documented rule like the others, and flake8 and pylint keep reporting
such a file under their own codes.

The suite runs on Python 3.10 and 3.13: a construct is expected to be reported only on an
interpreter older than the one it needs (and every interpreter up to 3.13 lacks the 3.14 ones)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from frontend_helpers import PYLINT_ONLY_OURS, run

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core import syntax
from fastapi_prod_lint.core.config import known_codes
from fastapi_prod_lint.rules import RULES_BY_CODE

ROUTE = "from fastapi import FastAPI\n\napp = FastAPI()\n"
SLEEP = (
    "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    '@app.get("/pause")\nasync def pause():\n    time.sleep(1)\n'
)


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("[tool.fastapi-prod-lint]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def lint(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str, str]]:
    write(tmp_path, files)
    return [
        (Path(f.path).name, f.line, f.code, f.message)
        for f in check_paths([str(tmp_path)], use_cache=False, jobs=1)
    ]


# -- templates -----------------------------------------------------------------------------
TEMPLATES = {
    "jinja_if": ROUTE + "{% if use_db %}\nimport sqlalchemy\n{% endif %}\n",
    "jinja_import": "from {{ cookiecutter.package }}.db import engine\n",
    "jinja_function_name": "def {{ name }}():\n    return 1\n",
    "jinja_comment": "def main():\n    return {# a comment #} 1 +\n",
    "jinja_comment_lines": "{#\n  the service's entry point\n#}\nx = 1\n",
    "jinja_whitespace_control": ROUTE + "{%- for route in routes %}\nx = 1\n{%- endfor %}\n",
}


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_templates_are_not_reported(tmp_path: Path, template: str) -> None:
    assert lint(tmp_path, {"app.py": template}) == []


def test_a_cookiecutter_folder_name_is_enough(tmp_path: Path) -> None:
    files = {"{{cookiecutter.slug}}/main.py": "app = (\n"}
    assert lint(tmp_path, files) == []


def test_a_run_says_nothing_about_the_templates_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"app.py": TEMPLATES["jinja_if"], "{{cookiecutter.slug}}/main.py": "x = (\n"})
    assert main([str(tmp_path), "--no-cache"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main([str(tmp_path), "--no-cache", "--output-format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_jinja_tag_inside_a_string_does_not_make_a_broken_file_a_template(
    tmp_path: Path,
) -> None:
    source = 'PAGE = "<p>{{ user }}</p>"\n\n\ndef render(:\n    return PAGE\n'
    found = lint(tmp_path, {"app.py": source})
    assert [(name, line, code) for name, line, code, _ in found] == [("app.py", 4, "FPL001")]


def test_a_jinja_tag_away_from_the_failing_line_does_not_make_a_template(tmp_path: Path) -> None:
    source = '"""Rendered with {% raw %}{{ name }}{% endraw %}."""\nx = {"a": {"b": 1}},,\n'
    assert [code for _, _, code, _ in lint(tmp_path, {"app.py": source})] == ["FPL001"]


# -- the parser's message --------------------------------------------------------------------
def test_a_plain_syntax_error_keeps_the_parsers_message_and_position(tmp_path: Path) -> None:
    found = lint(tmp_path, {"app.py": ROUTE + "\n@app.get('/')\nasync def root(:\n    return 1\n"})
    assert [(name, line, code) for name, line, code, _ in found] == [("app.py", 6, "FPL001")]
    assert found[0][3] == "Cannot parse the file: invalid syntax"


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    pass\nexcept ValueError, TypeError as error:\n    pass\n",  # never valid
        "try:\n    pass\nexcept ValueError, error:\n    pass\n",  # Python 2
        "print 'hello'\n",
    ],
    ids=["except_pair_with_as", "python2_except", "python2_print"],
)
def test_old_or_never_valid_syntax_is_not_called_newer(tmp_path: Path, source: str) -> None:
    [(_, _, code, message)] = lint(tmp_path, {"app.py": source})
    assert code == "FPL001"
    assert message.startswith("Cannot parse the file: ")


# -- syntax newer than the running Python ----------------------------------------------------
NEWER = {  # id: (needs, construct in the message, source)
    "except_star": ((3, 11), "`except*`", "try:\n    pass\nexcept* ValueError:\n    pass\n"),
    "star_unpacking": (
        (3, 11),
        "unpacking `*Ts`",
        "from typing import Generic, TypeVarTuple\n\nTs = TypeVarTuple('Ts')\n\n\n"
        "class Row(Generic[*Ts]):\n    pass\n",
    ),
    "type_statement": ((3, 12), "`type` statement", "type UserId = int\n"),
    "generic_type_statement": ((3, 12), "`type` statement", "type Pair[T] = tuple[T, T]\n"),
    "generic_function": (
        (3, 12),
        "type parameters",
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    ),
    "generic_async_function": (
        (3, 12),
        "type parameters",
        "async def first[T](items: list[T]) -> T:\n    return items[0]\n",
    ),
    "generic_class": (
        (3, 12),
        "type parameters",
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Box[T]:\n    item: T\n",
    ),
    "fstring_nested_quotes": (
        (3, 12),
        "nests its own quotes",
        'names = {"a": 1}\nlabel = f"{names["a"]}"\n',
    ),
    "raw_fstring_nested_quotes": (
        (3, 12),
        "nests its own quotes",
        "names = {'a': 1}\nlabel = rf'{names['a']}'\n",
    ),
    "fstring_backslash": (
        (3, 12),
        "backslash",
        "names = ['a']\nlabel = f\"{'\\n'.join(names)}\"\n",
    ),
    "except_without_parentheses": (
        (3, 14),
        "`except A, B:`",
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    ),
    "template_string": ((3, 14), "template string", 'name = "x"\ngreeting = t"hello {name}"\n'),
    "raw_template_string": ((3, 14), "template string", 'name = "x"\nprint(rt"hello {name}")\n'),
}


@pytest.mark.parametrize(("needs", "construct", "source"), NEWER.values(), ids=list(NEWER))
def test_newer_syntax_names_the_construct_and_the_python_it_needs(
    tmp_path: Path, needs: tuple[int, int], construct: str, source: str
) -> None:
    found = lint(tmp_path, {"app.py": source})
    if sys.version_info[:2] >= needs:
        assert found == []  # this interpreter knows the syntax
        return
    [(_, _, code, message)] = found
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert code == "FPL001"
    assert message.startswith(f"Needs Python >= {needs[0]}.{needs[1]}: ")
    assert construct in message
    assert (
        f"; run fastapi-prod-lint on Python >= {needs[0]}.{needs[1]} to check this file "
        f"(this run: Python {running}); "
    ) in message
    assert message.endswith(syntax.KEPT_FACTS)  # libcst (in the test extra) reads it


@pytest.mark.parametrize(("needs", "construct", "source"), NEWER.values(), ids=list(NEWER))
def test_each_construct_is_named_on_every_older_python(
    monkeypatch: pytest.MonkeyPatch, needs: tuple[int, int], construct: str, source: str
) -> None:
    """What Python 3.10 says, checked on any interpreter: the line its parser stops on (the
    construct's) is read as on 3.10. On a Python that knows the construct, the line is not
    blamed on it (there the file parses, unless something else on the line is wrong)."""
    lines = source.splitlines(keepends=True)
    line = construct_line_number(lines)
    error = SyntaxError("invalid syntax", ("app.py", line, 1, lines[line - 1], line, 2))
    monkeypatch.setattr(syntax, "running_python", lambda: (3, 10))
    message = syntax.describe(error, lines)
    assert message.startswith(f"Needs Python >= {needs[0]}.{needs[1]}: ")
    assert construct in message
    assert message.endswith(f"(this run: Python 3.10); {syntax.MISSING_FACTS}")
    monkeypatch.setattr(syntax, "running_python", lambda: needs)
    assert syntax.describe(error, lines) == "Cannot parse the file: invalid syntax"


def construct_line_number(lines: list[str]) -> int:
    """The line of a NEWER source that holds its construct (the others bind names)."""
    marks = ("except", "type ", "[T]", 'f"', "f'", 't"', "[*")
    return next(n for n, text in enumerate(lines, 1) if any(mark in text for mark in marks))


@pytest.mark.parametrize(
    "source",
    [
        "with (\n    open('a') as first,\n    open('b') as second,\n):\n    pass\n",
        "match command:\n    case ['go', direction]:\n        pass\n    case _:\n        pass\n",
        "type = 'admin'\nmatch = type\nt = 'x'\n",  # soft keywords and a name `t` as names
    ],
    ids=["parenthesised_context_managers", "match_statement", "soft_keywords_as_names"],
)
def test_syntax_python_310_knows_is_not_reported(tmp_path: Path, source: str) -> None:
    assert lint(tmp_path, {"app.py": source}) == []


# -- a rule like the others, reported by every front end -------------------------------------
def test_fpl001_is_a_documented_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert RULES_BY_CODE["FPL001"].name == known_codes()["FPL001"] == "syntax-error"
    assert main(["rule", "FPL001"]) == 0
    page = capsys.readouterr().out
    assert "syntax-error (FPL001)" in page and "## What it does" in page
    assert main(["rules"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:2] == ["FPL001", "syntax-error"]


def test_select_and_ignore_hold_for_fpl001(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": "def f(:\n", "slow.py": SLEEP})

    def codes(table: str) -> list[str]:
        (tmp_path / "pyproject.toml").write_text(f"[tool.fastapi-prod-lint]\n{table}\n")
        return sorted(f.code for f in check_paths([str(tmp_path)], use_cache=False, jobs=1))

    assert codes("") == ["FPL001", "FPL101"]
    assert codes('ignore = ["syntax-error"]') == ["FPL101"]
    assert codes('select = ["FPL1"]') == ["FPL101"]
    assert codes('select = ["FPL001"]') == ["FPL001"]
    assert codes('per-file-ignores = { "broken.py" = ["FPL001"] }') == ["FPL101"]


NEWER_EVERYWHERE = "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"  # 3.14 syntax
BROKEN = {"plain_error": "def f(:\n", "newer_syntax": NEWER_EVERYWHERE}


def broken_project(root: Path, broken: str) -> int:
    """A project with a file that does not parse, and the line the core reports it at."""
    if sys.version_info >= (3, 14) and broken == NEWER_EVERYWHERE:
        pytest.skip("this interpreter parses it")
    write(root, {"app/__init__.py": "", "app/broken.py": broken, "app/slow.py": SLEEP})
    found = check_paths([str(root)], use_cache=False, jobs=1)
    [line] = [f.line for f in found if f.code == "FPL001" and f.path.endswith("broken.py")]
    return line


@pytest.mark.parametrize("broken", BROKEN.values(), ids=list(BROKEN))
def test_flake8_reports_the_file_as_e999_and_the_plugin_adds_nothing(
    tmp_path: Path, broken: str
) -> None:
    pytest.importorskip("flake8")
    line = broken_project(tmp_path, broken)
    out = run(["flake8", "--select", "E9,FPL", "app"], tmp_path).stdout
    assert f"app/broken.py:{line}:" in out and " E999 " in out
    assert "FPL001" not in out and "app/slow.py:10:5: FPL101" in out


@pytest.mark.parametrize("broken", BROKEN.values(), ids=list(BROKEN))
def test_pylint_reports_the_file_as_e0001_and_the_plugin_adds_nothing(
    tmp_path: Path, broken: str
) -> None:
    pytest.importorskip("pylint")
    line = broken_project(tmp_path, broken)
    out = run([*PYLINT_ONLY_OURS, "app"], tmp_path).stdout
    assert f"app/broken.py:{line}:" in out and "E0001" in out
    assert "W8801" not in out and "app/slow.py:10:4: W8811" in out
