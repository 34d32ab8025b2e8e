"""`fastapi-prod-lint --show-settings PATH`: the project as the linter sees it (the root and
why, the settings file, the import roots, each module's dotted name), so that a user can tell
why an import does not resolve."""

from __future__ import annotations

from pathlib import Path

from fastapi_prod_lint.core.layout import ROOT_MARKERS, unresolved_local_imports
from fastapi_prod_lint.core.runner import Project


def root_reason(root: Path) -> str:
    for marker in ROOT_MARKERS:
        if (root / marker).exists():
            return f"it holds {marker}"
    none = "no pyproject.toml, setup.cfg or .git above the path"
    if root == Path.cwd().resolve():
        return f"{none}: the invocation directory"
    return f"{none}: the first folder up that is no package"


def describe(project: Project) -> str:
    layout, settings = project.layout, project.settings
    lines = [f"root: {project.root} ({root_reason(project.root)})"]
    pyproject = project.root / "pyproject.toml"
    lines.append(f"settings: {pyproject if pyproject.exists() else 'defaults'}")
    source = "`src` setting" if layout.configured else "inferred from the imports"
    roots = [folder or "." for folder in layout.import_roots] or ["."]
    if not layout.configured and any(key.startswith("src/") for key in _relative(project)):
        roots.append("src")
    lines.append(f"import roots ({source}): {', '.join(roots)}")
    if layout.isolated:
        isolated = ", ".join(sorted(layout.isolated))
        lines.append(f"import roots of their own (their top-level names collide): {isolated}")
    rules = ", ".join(rule.code for rule in settings.enabled_rules())
    lines.append(f"enabled rules: {rules}")
    lines.append(f"exclude: {', '.join(settings.exclude)}")
    hint = hint_line(project)
    if hint:
        lines.append(hint)
    lines.append("modules:")
    names = sorted(_relative(project).items())
    width = max((len(rel) for rel, _ in names), default=0)
    lines.extend(f"  {rel:<{width}}  {module}" for rel, module in names)
    return "\n".join(lines)


def _relative(project: Project) -> dict[str, str]:
    return {project.layout.relative(key): entry.module for key, entry in project.entries.items()}


def hint_line(project: Project) -> str | None:
    """One line when many absolute imports look like the project's own packages but resolve
    to none of its modules."""
    heads = {key: entry.heads for key, entry in project.entries.items()}
    found = unresolved_local_imports(project.layout, heads)
    if not found:
        return None
    files = len({rel for rels in found.values() for rel in rels})
    names = ", ".join(f"`{name}`" for name in sorted(found))
    return (
        f"fastapi-prod-lint: {files} files import {names}, which look like the project's own"
        " packages but resolve to none of its modules: set `src = [...]` in"
        " [tool.fastapi-prod-lint] to the folders they are imported from"
        " (`fastapi-prod-lint --show-settings PATH` shows the import roots)"
    )
