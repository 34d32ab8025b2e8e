"""The pydantic a project runs (core/pydantic_version.py), and FPL501 verdicts that do not
depend on the order in which models are asked about (core/model_completion.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core.config import ConfigError, settings_from_table
from fastapi_prod_lint.core.forward_refs import forward_refs
from fastapi_prod_lint.core.model_completion import strongly_connected
from fastapi_prod_lint.core.pydantic_version import model_major, project_major
from fastapi_prod_lint.core.runner import load_project


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "major"),
    [
        ({}, 2),  # nothing declared: pydantic 2
        ({"pyproject.toml": '[project]\ndependencies = ["pydantic"]\n'}, 2),
        ({"pyproject.toml": '[project]\ndependencies = ["pydantic<2"]\n'}, 1),
        ({"pyproject.toml": '[project]\ndependencies = ["pydantic>=1.8,<2.0"]\n'}, 1),
        ({"pyproject.toml": '[project]\ndependencies = ["pydantic>=1.10"]\n'}, 2),
        (
            {"pyproject.toml": '[project]\noptional-dependencies = {api = ["pydantic~=1.10"]}\n'},
            1,
        ),
        ({"requirements.txt": "fastapi==0.95.2\npydantic==1.10.13\n"}, 1),
        ({"requirements/base.txt": "pydantic[email]<2\n"}, 1),
        ({"Pipfile": '[packages]\npydantic = "<2"\n'}, 1),
        ({"setup.cfg": "[options]\ninstall_requires =\n    pydantic<2\n"}, 1),
        ({"poetry.lock": '[[package]]\nname = "pydantic"\nversion = "1.10.17"\n'}, 1),
        ({"uv.lock": '[[package]]\nname = "pydantic"\nversion = "2.9.2"\n'}, 2),
        (
            {
                "Pipfile.lock": json.dumps(
                    {"default": {"pydantic": {"version": "==1.10.2"}}, "develop": {}}
                )
            },
            1,
        ),
        ({"pyproject.toml": '[project]\ndependencies = ["sqlmodel<0.0.14"]\n'}, 1),
        ({"pyproject.toml": '[project]\ndependencies = ["sqlmodel==0.0.8"]\n'}, 1),
        ({"pyproject.toml": '[project]\ndependencies = ["sqlmodel>=0.0.14"]\n'}, 2),
    ],
)
def test_the_major_version_comes_from_the_declarations(
    tmp_path: Path, files: dict[str, str], major: int
) -> None:
    assert project_major(write(tmp_path, files)) == major


def test_the_setting_overrides_the_declarations(tmp_path: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "pydantic<2\n"})
    assert project_major(root, 2) == 2
    assert project_major(root, 1) == 1
    assert project_major(root, 0) == 1
    assert project_major(write(tmp_path / "other", {}), 1) == 1


def test_the_setting_takes_only_1_or_2() -> None:
    settings = settings_from_table({"pydantic-version": 1}, "pyproject.toml")
    assert settings.options["pydantic-version"] == 1
    with pytest.raises(ConfigError, match="`pydantic-version` must be one of 0, 1, 2, got 3"):
        settings_from_table({"pydantic-version": 3}, "pyproject.toml")
    with pytest.raises(ConfigError, match="pydantic-version"):
        settings_from_table({"pydantic-version": "1"}, "pyproject.toml")


def test_pydantic_v1_models_follow_pydantic_1_in_a_pydantic_2_project(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/models.py": """\
                import pydantic.v1
                from pydantic import BaseModel
                from pydantic.v1 import BaseModel as V1Model

                class Old(V1Model):
                    x: int = 0

                class OldChild(Old):
                    y: int = 0

                class Qualified(pydantic.v1.BaseModel):
                    z: int = 0

                class New(BaseModel):
                    x: int = 0
                """,
        },
    )
    index = load_project(root.resolve(), use_cache=False).index
    majors = {name: model_major(index, f"app.models.{name}", 2) for name in ("Old", "OldChild")}
    majors.update({name: model_major(index, f"app.models.{name}", 2) for name in ("Qualified",)})
    assert majors == {"Old": 1, "OldChild": 1, "Qualified": 1}
    assert model_major(index, "app.models.New", 2) == 2
    assert model_major(index, "app.models.New", 1) == 1  # a pydantic 1 project


def test_strongly_connected_parts_come_after_the_parts_they_reach() -> None:
    graph = {"a": ["b"], "b": ["c", "a"], "c": ["d"], "d": ["c"], "e": []}
    parts = strongly_connected("a", lambda node: graph[node])
    assert [sorted(part) for part in parts] == [["c", "d"], ["a", "b"]]


CYCLE = {
    "pyproject.toml": "",
    "app/__init__.py": "",
    "app/hero.py": """\
        from typing import TYPE_CHECKING, Optional
        from pydantic import BaseModel
        if TYPE_CHECKING:
            from app.team import Team

        class Hero(BaseModel):
            team: Optional["Team"] = None
        """,
    "app/team.py": """\
        from typing import Optional
        from pydantic import BaseModel
        from app.hero import Hero

        class Team(BaseModel):
            heroes: list[Hero] = []

        class Page(BaseModel):
            teams: list[Team] = []
            captain: Optional[Hero] = None
        """,
}
MODELS = ("app.hero.Hero", "app.team.Team", "app.team.Page")


@pytest.mark.parametrize("first", MODELS)
def test_verdicts_do_not_depend_on_which_model_is_asked_first(tmp_path: Path, first: str) -> None:
    """flake8 asks file by file, the command line in its own order: one answer for both. `Team`
    builds `Hero` inline with its own name in reach (pydantic's namespace resolver), `Page`
    does not have `Team` in reach."""
    index = load_project(write(tmp_path, CYCLE).resolve(), use_cache=False).index
    refs = forward_refs(index)
    refs.final_missing(first)
    verdicts = {model: refs.broken_through(model) for model in MODELS}
    assert verdicts == {
        "app.hero.Hero": (),
        "app.team.Team": None,
        "app.team.Page": ("app.hero.Hero",),
    }


@pytest.mark.parametrize("first", MODELS)
def test_pydantic_1_never_builds_inline(tmp_path: Path, first: str) -> None:
    index = load_project(write(tmp_path, CYCLE).resolve(), use_cache=False).index
    refs = forward_refs(index, 1)
    refs.final_missing(first)
    verdicts = {model: refs.broken_through(model) for model in MODELS}
    assert verdicts == {
        "app.hero.Hero": (),
        "app.team.Team": ("app.hero.Hero",),
        "app.team.Page": ("app.team.Team",),
    }
