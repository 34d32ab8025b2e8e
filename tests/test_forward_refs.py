"""What pydantic looks up in an annotation, and the import order simulation (core/forward_refs)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core.annotations import annotation_names
from fastapi_prod_lint.core.forward_refs import forward_refs
from fastapi_prod_lint.core.import_simulation import import_failures
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
        # only the type argument of Annotated[...] is a type: its metadata are values
        ("Annotated[str, Field(examples=['free'])]", False, set()),
        ("Annotated[str, Field(examples=['free'])]", True, {"Annotated", "str", "Field"}),
        ("Annotated[str, 'B', Doc('B')]", False, set()),
        ("typing.Annotated[str, Field(title='B')]", True, {"typing", "str", "Field"}),
        ("Annotated[Optional['B'], Field(description='C')]", False, {"B"}),
        ("list[Annotated['B', Field(examples=['C'])]]", False, {"B"}),
        ("Annotated[Annotated['B', 'C'], 'D']", False, {"B"}),
        ("'Annotated[str, Field(examples=[\"free\"])]'", False, {"Annotated", "str", "Field"}),
        # call arguments: strings are values, names are looked up when the text is evaluated
        ("Annotated[str, Depends(get_db)]", False, set()),
        ("Annotated[str, Depends(get_db)]", True, {"Annotated", "str", "Depends", "get_db"}),
        ("conlist('B', min_length=1)", False, set()),
        # ... but not a lambda's body, nor a comprehension's own variables
        (
            "Annotated[int, AfterValidator(lambda v: f(v))]",
            True,
            {"Annotated", "int", "AfterValidator"},
        ),
        (
            "Annotated[str, Field(examples=[f'{n}' for n in rng])]",
            True,
            {"Annotated", "str", "Field", "rng"},
        ),
        # Literal[...] holds values, wherever it sits
        ("Optional[Literal['B']]", False, set()),
        ("Union[Literal['B'], int] | list[Literal['C']]", False, set()),
        ("typing_extensions.Literal['B']", True, {"typing_extensions"}),
        ("\"Optional[Literal['B']]\"", False, {"Optional", "Literal"}),
    ],
)
def test_annotation_names(source: str, everything: bool, names: set[str]) -> None:
    assert annotation_names(source, everything) == names


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("Annotated[Hero, Field(default_factory=Team)]", {"Annotated", "Hero"}),
        ("conlist(Hero, min_length=1)", {"conlist", "Hero"}),
        ("list['Hero'] | None", {"list", "Hero"}),
    ],
)
def test_types_only_leaves_out_the_metadata(source: str, names: set[str]) -> None:
    assert annotation_names(source, True, types_only=True) == names


def test_literal_and_annotated_are_resolved_in_the_module(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/models.py": """\
                from typing import Annotated as Ann, Literal as Choice
                from typing import *
                from app.shapes import Literal as Shape

                class Literal: ...
                """,
            "app/shapes.py": "class Literal: ...\n",
        },
    )
    refs = forward_refs(load_project(root.resolve(), use_cache=False).index)
    assert refs.names("app.models", "Choice['B'] | Ann[str, 'C']", False) == set()
    assert refs.names("app.models", "Annotated[str, 'C']", False) == set()  # by its spelling
    assert refs.names("app.models", "Literal['B']", False) == {"B"}  # the module's own class
    assert refs.names("app.models", "Shape['B']", False) == {"B"}


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
