"""FPL001 says why a file does not parse: a template is no Python (not reported), syntax newer
than the running Python names the construct and the version it needs, anything else keeps the
parser's message; and it is a documented rule like the others."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core.config import known_codes
from fastapi_prod_lint.rules import RULES_BY_CODE

ROUTE = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def lint(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str, str]]:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-prod-lint]\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [
        (Path(f.path).name, f.line, f.code, f.message)
        for f in check_paths([str(tmp_path)], use_cache=False, jobs=1)
    ]


@pytest.mark.parametrize(
    "template",
    [
        "from fastapi import FastAPI\n\napp = FastAPI(title={{ cookiecutter.project_name }})\n",
        "{% if use_db %}\nimport sqlalchemy\n{% endif %}\nx = 1\n",
        "def main():\n    return {# a comment #} 1 +\n",
    ],
)
def test_templates_are_not_reported(tmp_path: Path, template: str) -> None:
    assert lint(tmp_path, {"app.py": template}) == []


def test_a_template_folder_name_is_enough(tmp_path: Path) -> None:
    files = {"{{cookiecutter.slug}}/main.py": "app = (\n"}
    assert lint(tmp_path, files) == []


def test_a_plain_syntax_error_keeps_the_parsers_message(tmp_path: Path) -> None:
    found = lint(tmp_path, {"app.py": ROUTE + "\n@app.get('/')\nasync def root(:\n    return 1\n"})
    assert [(name, line, code) for name, line, code, _ in found] == [("app.py", 6, "FPL001")]
    assert found[0][3].startswith("Cannot parse the file: ")


NEWER = [  # (needs, construct in the message, source)
    ((3, 11), "`except*`", "try:\n    pass\nexcept* ValueError:\n    pass\n"),
    ((3, 12), "`type` statement", "type UserId = int\n"),
    ((3, 12), "type parameters", "def first[T](items: list[T]) -> T:\n    return items[0]\n"),
    ((3, 12), "f-string", 'names = {"a": 1}\nlabel = f"{names["a"]}"\n'),
    ((3, 14), "`except A, B:`", "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"),
    ((3, 14), "template string", 'name = "x"\ngreeting = t"hello {name}"\n'),
]


@pytest.mark.parametrize(("needs", "construct", "source"), NEWER)
def test_newer_syntax_names_the_construct_and_the_python_it_needs(
    tmp_path: Path, needs: tuple[int, int], construct: str, source: str
) -> None:
    found = lint(tmp_path, {"app.py": source})
    if sys.version_info[:2] >= needs:
        assert found == []  # this interpreter knows the syntax
        return
    assert len(found) == 1 and found[0][2] == "FPL001"
    message = found[0][3]
    assert message.startswith(f"Needs Python >= {needs[0]}.{needs[1]}: ")
    assert construct in message


def test_fpl001_is_a_documented_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert RULES_BY_CODE["FPL001"].name == known_codes()["FPL001"] == "syntax-error"
    assert main(["rule", "FPL001"]) == 0
    page = capsys.readouterr().out
    assert "syntax-error (FPL001)" in page and "## What it does" in page
