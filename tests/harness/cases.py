"""Fixture cases under tests/fixtures/<CODE>/, and the throwaway projects made from them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.markers import Marker, parse_markers, settings_table

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
EMPTY_SETTINGS = "[tool.fastapi-prod-lint]\n"
NOT_FIXTURES = ("__pycache__", "*.pyc", ".*")

Rewrite = Callable[[str, str], str]  # (relative path, source) -> new source


@dataclass(frozen=True)
class FixtureCase:
    """One fixture: a single `.py` file or a folder holding a whole project."""

    code: str
    source: Path

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def id(self) -> str:
        return f"{self.code}/{self.name}"

    @property
    def is_project(self) -> bool:
        return self.source.is_dir()

    @property
    def project_name(self) -> str:
        """A folder name for the fixture's project (the file name without `.py`)."""
        return self.name if self.is_project else self.source.stem

    @property
    def expects_nothing(self) -> bool:
        """Named `*_ok.py` (or a folder `*_ok`): the fixture must produce no finding."""
        return self.name.endswith("_ok" if self.is_project else "_ok.py")

    def python_sources(self) -> dict[str, str]:
        """Project-relative posix path -> source, for every Python file of the fixture."""
        if not self.is_project:
            return {self.name: self.source.read_text(encoding="utf-8")}
        return {
            path.relative_to(self.source).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(self.source.rglob("*.py"))
            if "__pycache__" not in path.parts
        }

    def markers(self) -> list[Marker]:
        return [
            marker
            for path, source in self.python_sources().items()
            for marker in parse_markers(source, path)
        ]

    def materialise(self, project: Path, rewrite: Rewrite | None = None) -> Path:
        """Write the fixture as a project at `project` (a fresh folder), each Python file
        passed through `rewrite` when given; returns `project`."""
        if self.is_project:
            shutil.copytree(self.source, project, ignore=shutil.ignore_patterns(*NOT_FIXTURES))
        else:
            project.mkdir(parents=True)
            source = self.source.read_text(encoding="utf-8")
            table = settings_table(source, self.id) or EMPTY_SETTINGS
            (project / "pyproject.toml").write_text(table, encoding="utf-8")
            shutil.copyfile(self.source, project / self.name)
        if rewrite is not None:
            for path, source in self.python_sources().items():
                (project / path).write_text(rewrite(path, source), encoding="utf-8")
        return project


def discover_cases(root: Path = FIXTURES_DIR) -> list[FixtureCase]:
    """Every fixture under `root/<CODE>/`, sorted; `<case>.fixed.py` files are fix outputs,
    not cases."""
    cases = []
    for code_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for entry in sorted(code_dir.iterdir()):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir() or (entry.suffix == ".py" and not entry.name.endswith(".fixed.py")):
                cases.append(FixtureCase(code_dir.name, entry))
    return cases
