"""What pydantic looks up in an annotation, and the import order simulation (core/forward_refs)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core.forward_refs import annotation_names, import_failures
from fastapi_prod_lint.core.runner import load_project


@pytest.mark.parametrize(
    ("source", "everything", "names"),
    [
        ("int", False, set()),
        ("'B'", False, {"B"}),
        ("list['B']", False, {"B"}),
        ("'list[B]'", False, {"list", "B"}),
        ("Optional['B'] | None", False, {"B"}),
        ("B | None", True, {"B"}),
        ("Literal['a', 'b']", False, set()),
        ("Literal['a', 'b']", True, {"Literal"}),
        ("typing.Literal['a']", True, {"typing"}),
        ("Annotated['B', Field(gt=0)]", False, {"B"}),
        ("models.B", True, {"models"}),
        ("'not valid python ('", False, set()),
    ],
)
def test_annotation_names(source: str, everything: bool, names: set[str]) -> None:
    assert annotation_names(source, everything) == names


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_a_cycle_fails_once_where_python_fails(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/hero.py": "from app.team import Team\nclass Hero:\n    pass\n",
            "app/team.py": "from app.hero import Hero\nclass Team:\n    pass\n",
            "app/late.py": "class Late:\n    pass\nfrom app.early import Early\n",
            "app/early.py": "from app.late import Late\nclass Early:\n    pass\n",
        },
    )
    failures = import_failures(load_project(root.resolve(), use_cache=False).index)
    # as `python -c "import app.early"` and `import app.hero` fail (modules in sorted order):
    # early -> late, whose bottom import needs Early, not bound yet; hero -> team -> Hero
    assert {(f.module, f.line, f.name) for f in failures.values()} == {
        ("app.late", 3, "Early"),
        ("app.team", 1, "Hero"),
    }
    assert {f.cycle for f in failures.values()} == {
        ("app.early", "app.late", "app.early"),
        ("app.hero", "app.team", "app.hero"),
    }
