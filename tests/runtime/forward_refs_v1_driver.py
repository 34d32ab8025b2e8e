"""The pydantic 1 side of the FPL501/FPL502 oracle, run in an interpreter that has pydantic 1.

`python forward_refs_v1_driver.py PROJECT OUTPUT.json` imports the fixture's package `app`
(its `app.main` first, when there is one, then every module in sorted order), and records:
- each import that raised, with the project line it raised on;
- each pydantic 1 model class defined in the package (`pydantic.BaseModel` under pydantic 1,
  `pydantic.v1.BaseModel` under pydantic 2), with pydantic's own verdict: "not-prepared" when
  a field of it, or of a model its fields reach, is still a `ForwardRef` (the state in which
  pydantic 1 raises `ConfigError: field "x" not yet prepared so type is still a ForwardRef` on
  validation), and the error validating that field raises, as evidence.
"""

from __future__ import annotations

import ast
import importlib
import sys
import traceback
from pathlib import Path
from typing import Any, ForwardRef

import pydantic
from driver_common import main

if pydantic.VERSION.startswith("1."):
    BASES: tuple[type, ...] = (pydantic.BaseModel,)
else:  # pydantic 2 ships pydantic 1 as `pydantic.v1`: only those models are judged here
    import pydantic.v1

    BASES = (pydantic.v1.BaseModel,)


def run(project: Path) -> dict[str, Any]:
    sys.path.insert(0, str(project))
    names = sorted(
        ".".join(path.relative_to(project).with_suffix("").parts).removesuffix(".__init__")
        for path in (project / "app").rglob("*.py")
    )
    entry = "app.main" if "app.main" in names else "app"
    errors: dict[str, Any] = {}
    for name in [entry, *names]:
        if name in errors or name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception as error:  # the fixture's import failing is what we record
            errors[name] = describe(error, project)
    classes = []
    for name in names:
        module = sys.modules.get(name)
        if module is None:
            continue
        lines = class_lines(Path(module.__file__ or ""))
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BASES)
                and value not in BASES
                and value.__module__ == name
                and value.__name__ in lines
            ):
                classes.append(judge(value, name, project, lines[value.__name__]))
    return {"entry": entry, "import_errors": errors, "classes": classes}


def class_lines(path: Path) -> dict[str, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node.lineno for node in tree.body if isinstance(node, ast.ClassDef)}


def judge(cls: type, module: str, project: Path, line: int) -> dict[str, Any]:
    unprepared = not_prepared(cls, set())
    evidence = None
    if unprepared:
        owner, field = unprepared
        try:  # validating the field raises pydantic 1's ConfigError
            owner(**{field: None})
        except Exception as error:
            evidence = f"{type(error).__name__}: {error}"
    path = Path(sys.modules[module].__file__ or "").relative_to(project).as_posix()
    return {
        "module": module,
        "qualname": cls.__qualname__,
        "path": path,
        "line": line,
        "pydantic": "not-prepared" if unprepared else "ok",
        "evidence": evidence,
    }


def not_prepared(cls: type, seen: set[type]) -> tuple[type, str] | None:
    """(model, field) of the first field still a `ForwardRef`, in the model or a model it
    reaches through its fields."""
    if cls in seen:
        return None
    seen.add(cls)
    for name, field in cls.__fields__.items():  # type: ignore[attr-defined]
        for part in walk(field):
            if part.type_.__class__ is ForwardRef:
                return cls, name
            inner = part.type_
            if isinstance(inner, type) and issubclass(inner, BASES):
                found = not_prepared(inner, seen)
                if found is not None:
                    return found
    return None


def walk(field: Any) -> list[Any]:
    found = [field]
    for sub in [*(field.sub_fields or ()), *([field.key_field] if field.key_field else [])]:
        found += walk(sub)
    return found


def describe(error: BaseException, project: Path) -> dict[str, Any]:
    where = None
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        if path.is_relative_to(project):
            where = {"path": path.relative_to(project).as_posix(), "line": frame.lineno}
            break
    return {"type": type(error).__name__, "message": str(error)[:500], "where": where}


if __name__ == "__main__":
    main(run, sys.argv[1:])
