"""Which pydantic a project runs, 1 or 2: what it declares, or the `pydantic-version` setting.

pydantic 1 and 2 finish models differently. pydantic 2 looks a forward reference up again on
first use and rebuilds with `model_rebuild()`, which sees the caller's namespace; pydantic 1
resolves at class creation only, and `update_forward_refs(**names)` looks in the model's module
and the names passed. A `pydantic.v1` model follows pydantic 1 whatever the project runs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.declared_versions import declared

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex

V1_PREFIX = "pydantic.v1."
SQLMODEL_ON_PYDANTIC_2 = (0, 0, 14)  # sqlmodel before 0.0.14 requires pydantic 1


@dataclasses.dataclass(frozen=True)
class Options:
    pydantic_version: int = dataclasses.field(default=0, metadata={"choices": (0, 1, 2)})
    """The pydantic major version the project runs, 1 or 2; 0 reads it from the declared
    dependencies (`pydantic<2`, a lock file's pin, `sqlmodel<0.0.14`), and a project that
    declares neither runs pydantic 2. `pydantic.v1` models follow pydantic 1 either way."""


def project_major(root: Path | str, setting: int = 0) -> int:
    """1 or 2: the setting when given, else what the project's dependency files declare."""
    if setting in (1, 2):
        return setting
    if declared(root, "pydantic").is_below((2,)):
        return 1
    return 1 if declared(root, "sqlmodel").is_below(SQLMODEL_ON_PYDANTIC_2) else 2


def model_major(index: ProjectIndex, dotted: str, project: int) -> int:
    """The pydantic a model follows: 1 in a pydantic 1 project, and for a `pydantic.v1` model
    (a base of it, in any module of the project, comes from `pydantic.v1`)."""
    if project == 1:
        return 1
    cache = index.analyses.setdefault("pydantic_v1_models", {})
    assert isinstance(cache, dict)
    if dotted not in cache:
        cache[dotted] = any(
            index.canonical(base).startswith(V1_PREFIX)
            for owner in (dotted, *index.class_ancestors(dotted))
            if (located := index.class_(owner)) is not None
            for base in located[1].bases
        )
    return 1 if cache[dotted] else 2
