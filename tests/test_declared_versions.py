"""What a project declares it runs on: every dependency file format, every specifier form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.core.declared_versions import (
    DeclaredVersion,
    declared,
    declared_fingerprint,
)
from fastapi_prod_lint.core.version_specifiers import (
    parse_requirement,
    parse_specifiers,
    version_key,
)

BEFORE_RETURN_MODELS = (0, 89)


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A fresh project root holding `files` (a new root each call: answers are cached)."""
    root = tmp_path / f"project{len(list(tmp_path.iterdir()))}"
    root.mkdir()
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def fastapi_in(tmp_path: Path, files: dict[str, str | bytes]) -> DeclaredVersion:
    return declared(project(tmp_path, files), "fastapi")


# -- versions and specifiers -------------------------------------------------------------------
@pytest.mark.parametrize(
    "older, newer",
    [
        ("0.88.0", "0.89.0"),
        ("0.89", "0.89.1"),
        ("0.89.0.dev1", "0.89.0a1"),
        ("0.89.0a1", "0.89.0b2"),
        ("0.89.0rc1", "0.89.0"),
        ("0.89.0", "0.89.0.post1"),
        ("0.99.1", "0.100.0"),
        ("9.0", "1!0.1"),
    ],
)
def test_versions_sort_as_pep_440_orders_them(older: str, newer: str) -> None:
    assert version_key(older) < version_key(newer)  # type: ignore[operator]


def test_trailing_zeros_and_local_labels_do_not_change_a_version() -> None:
    assert version_key("0.88") == version_key("0.88.0") == version_key("v0.88.0+local.1")
    assert version_key("not a version") is None


@pytest.mark.parametrize(
    "specifier, shown",
    [
        ("==0.88.0", "==0.88.0"),
        ("===0.88.0", "==0.88.0"),
        (">=0.80", ">=0.80.0"),
        (">0.80", ">0.80.0"),
        ("<0.89", "<0.89.0"),
        ("<=0.88.4", "<=0.88.4"),
        (">=0.80,<0.89", ">=0.80.0,<0.89.0"),
        (">= 0.80, < 0.89", ">=0.80.0,<0.89.0"),
        ("~=0.88.1", ">=0.88.1,<0.89.0"),
        ("~=0.88", ">=0.88.0,<1.0.0"),
        ("==0.88.*", ">=0.88.0,<0.89.0"),
        ("!=0.88.1", "*"),
        ("!=0.88.*", "*"),
        ("", "*"),
        ("*", "*"),
        # Poetry
        ("^0.85", ">=0.85.0,<0.86.0"),
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("~0.88", ">=0.88.0,<0.89.0"),
        ("~1", ">=1.0.0,<2.0.0"),
        ("0.85.1", "==0.85.1"),
        ("0.88.*", ">=0.88.0,<0.89.0"),
        (">=0.80 <0.90", ">=0.80.0,<0.90.0"),
        ("^0.85 || ^0.88", ">=0.85.0,<0.89.0"),
    ],
)
def test_specifiers(specifier: str, shown: str) -> None:
    assert parse_specifiers(specifier).describe() == shown


@pytest.mark.parametrize(
    "line, shown",
    [
        ("fastapi==0.88.0", "==0.88.0"),
        ("FastAPI[all]>=0.85,<0.89", ">=0.85.0,<0.89.0"),
        ("fastapi[standard] ~= 0.88.0", ">=0.88.0,<0.89.0"),
        ('fastapi<0.89; python_version >= "3.8"', "<0.89.0"),
        ("fastapi (>=0.85)", ">=0.85.0"),
        ("fastapi", "*"),
        ("fastapi @ https://example.com/fastapi-0.88.0.tar.gz", "*"),
    ],
)
def test_requirements(line: str, shown: str) -> None:
    found = parse_requirement(line)
    assert found is not None
    assert found[0] == "fastapi"
    assert found[1].describe() == shown


@pytest.mark.parametrize("line", ["-e .", "git+https://github.com/x/fastapi#egg=fastapi", "./x"])
def test_lines_that_are_not_requirements_declare_nothing(line: str) -> None:
    assert parse_requirement(line) is None


# -- the questions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "requirement, below, may_be_below",
    [
        ("fastapi==0.88.0", True, True),
        ("fastapi==0.89.0", False, False),
        ("fastapi==0.88.*", True, True),
        ("fastapi<0.89", True, True),
        ("fastapi<=0.88.4", True, True),
        ("fastapi>=0.80,<0.89", True, True),
        ("fastapi~=0.88.0", True, True),
        ("fastapi<0.90", False, True),
        ("fastapi>=0.80", False, True),  # a lower bound only: the current FastAPI is assumed
        ("fastapi>=0.89", False, False),
        ("fastapi", False, True),
        ("starlette==0.22.0", False, False),  # nothing declared for fastapi
    ],
)
def test_is_below_needs_every_allowed_version_below(
    tmp_path: Path, requirement: str, below: bool, may_be_below: bool
) -> None:
    fastapi = fastapi_in(tmp_path, {"requirements.txt": requirement + "\n"})
    assert fastapi.is_below(BEFORE_RETURN_MODELS) is below
    assert fastapi.may_be_below(BEFORE_RETURN_MODELS) is may_be_below


def test_is_at_least_reads_the_lower_bound(tmp_path: Path) -> None:
    pydantic = declared(project(tmp_path, {"requirements.txt": "pydantic>=2.4,<3\n"}), "pydantic")
    assert pydantic.is_at_least((2,))
    assert not pydantic.is_below((2,))
    v1 = declared(project(tmp_path, {"requirements.txt": "pydantic<2\n"}), "pydantic")
    assert v1.is_below((2,)) and not v1.is_at_least((2,))


def test_nothing_declared_knows_nothing(tmp_path: Path) -> None:
    fastapi = fastapi_in(tmp_path, {})
    assert not fastapi.known
    assert not fastapi.is_below(BEFORE_RETURN_MODELS)
    assert not fastapi.may_be_below(BEFORE_RETURN_MODELS)
    assert not fastapi.is_at_least(BEFORE_RETURN_MODELS)


def test_declarations_in_several_files_all_apply(tmp_path: Path) -> None:
    fastapi = fastapi_in(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi>=0.80"]\n',
            "requirements.txt": "fastapi<0.89\n",
        },
    )
    assert fastapi.is_below(BEFORE_RETURN_MODELS)
    assert fastapi.describe() == "`fastapi>=0.80.0,<0.89.0` in pyproject.toml, requirements.txt"


def test_contradictory_declarations_know_nothing(tmp_path: Path) -> None:
    fastapi = fastapi_in(
        tmp_path, {"requirements.txt": "fastapi>=0.100\n", "requirements-old.txt": "fastapi<0.89\n"}
    )
    assert not fastapi.known
    assert not fastapi.is_below(BEFORE_RETURN_MODELS)


# -- pyproject.toml ----------------------------------------------------------------------------
def test_pyproject_dependencies(tmp_path: Path) -> None:
    toml = '[project]\nname = "x"\ndependencies = ["fastapi[all]==0.88.0", "sqlmodel"]\n'
    fastapi = fastapi_in(tmp_path, {"pyproject.toml": toml})
    assert fastapi.is_below(BEFORE_RETURN_MODELS)
    assert fastapi.describe() == "`fastapi==0.88.0` in pyproject.toml"


def test_pyproject_optional_dependencies_and_groups(tmp_path: Path) -> None:
    toml = (
        '[project]\nname = "x"\ndependencies = []\n'
        '[project.optional-dependencies]\nweb = ["fastapi<0.89"]\n'
    )
    assert fastapi_in(tmp_path, {"pyproject.toml": toml}).is_below(BEFORE_RETURN_MODELS)
    groups = '[dependency-groups]\nserve = ["fastapi~=0.88.0", {include-group = "x"}]\n'
    assert fastapi_in(tmp_path, {"pyproject.toml": groups}).is_below(BEFORE_RETURN_MODELS)


@pytest.mark.parametrize(
    "value, below",
    [
        ('"^0.85"', True),
        ('"~0.88"', True),
        ('"0.85.1"', True),
        ('"*"', False),
        ('">=0.80"', False),
        ('{version = "^0.88", extras = ["all"]}', True),
        ('{git = "https://github.com/tiangolo/fastapi.git"}', False),
        ('[{version = "^0.85", python = "<3.8"}, {version = "^0.88", python = ">=3.8"}]', True),
        ('[{version = "^0.85", python = "<3.8"}, {version = ">=0.100", python = ">=3.8"}]', False),
    ],
)
def test_poetry_dependencies(tmp_path: Path, value: str, below: bool) -> None:
    toml = f'[tool.poetry.dependencies]\npython = "^3.10"\nFastAPI = {value}\n'
    assert fastapi_in(tmp_path, {"pyproject.toml": toml}).is_below(BEFORE_RETURN_MODELS) is below


def test_poetry_groups(tmp_path: Path) -> None:
    toml = '[tool.poetry.group.web.dependencies]\nfastapi = "^0.88"\n'
    assert fastapi_in(tmp_path, {"pyproject.toml": toml}).is_below(BEFORE_RETURN_MODELS)


# -- requirements files ------------------------------------------------------------------------
def test_requirements_files_comments_options_and_continuations(tmp_path: Path) -> None:
    text = (
        "# the web stack\n"
        "--index-url https://pypi.org/simple\n"
        "-e ./libs/common\n"
        "fastapi==0.88.0 \\\n"
        "    --hash=sha256:0123456789abcdef  # pinned by the security team\n"
        "uvicorn[standard]>=0.20\n"
    )
    assert fastapi_in(tmp_path, {"requirements.txt": text}).is_below(BEFORE_RETURN_MODELS)


def test_requirements_variants_and_folder(tmp_path: Path) -> None:
    assert fastapi_in(tmp_path, {"requirements-prod.txt": "fastapi<0.89\n"}).is_below(
        BEFORE_RETURN_MODELS
    )
    assert fastapi_in(tmp_path, {"requirements/base.txt": "fastapi<0.89\n"}).is_below(
        BEFORE_RETURN_MODELS
    )


def test_requirements_includes_are_followed_inside_the_root(tmp_path: Path) -> None:
    fastapi = fastapi_in(
        tmp_path,
        {
            "requirements.txt": "-r deps/web.txt\n--constraint=deps/constraints.txt\n",
            "deps/web.txt": "fastapi\n-r web.txt\n",  # a cycle ends
            "deps/constraints.txt": "fastapi<0.89\n",
        },
    )
    assert fastapi.is_below(BEFORE_RETURN_MODELS)
    assert fastapi.describe() == "`fastapi<0.89.0` in deps/web.txt, deps/constraints.txt"


def test_requirements_includes_outside_the_root_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("fastapi==0.88.0\n", encoding="utf-8")
    root = project(tmp_path, {"requirements.txt": "-r ../outside.txt\n"})
    assert not declared(root, "fastapi").known


# -- Pipfile, setup.cfg ------------------------------------------------------------------------
def test_pipfile_packages(tmp_path: Path) -> None:
    pipfile = (
        '[packages]\nfastapi = {version = "==0.88.0", extras = ["all"]}\n'
        '[dev-packages]\npytest = "*"\n'
    )
    assert fastapi_in(tmp_path, {"Pipfile": pipfile}).is_below(BEFORE_RETURN_MODELS)
    assert not fastapi_in(tmp_path, {"Pipfile": '[packages]\nfastapi = "*"\n'}).known


def test_setup_cfg_install_requires_and_extras(tmp_path: Path) -> None:
    cfg = "[options]\ninstall_requires =\n    pydantic>=1.10\n    fastapi<0.89\n"
    assert fastapi_in(tmp_path, {"setup.cfg": cfg}).is_below(BEFORE_RETURN_MODELS)
    extras = "[options.extras_require]\nweb =\n    fastapi==0.88.0\n"
    assert fastapi_in(tmp_path, {"setup.cfg": extras}).is_below(BEFORE_RETURN_MODELS)


# -- lock files: exact versions win ------------------------------------------------------------
LOCKED_PACKAGES = """\
[[package]]
name = "anyio"
version = "3.7.1"

[[package]]
name = "fastapi"
version = "{version}"
description = "FastAPI framework"
dependencies = [
    {{ name = "pydantic" }},
]

[package.dependencies]
pydantic = ">=1.6.2,!=1.7,<2.0.0"
starlette = "0.22.0"
"""


@pytest.mark.parametrize("lock", ["poetry.lock", "uv.lock", "pdm.lock"])
def test_lock_files_pin_the_version_and_win_over_ranges(tmp_path: Path, lock: str) -> None:
    files: dict[str, str | bytes] = {
        lock: LOCKED_PACKAGES.format(version="0.88.0"),
        "requirements.txt": "fastapi>=0.80\n",
    }
    fastapi = fastapi_in(tmp_path, files)
    assert fastapi.is_below(BEFORE_RETURN_MODELS)
    assert fastapi.describe() == f"`fastapi==0.88.0` in {lock}"
    newer = fastapi_in(
        tmp_path, {lock: LOCKED_PACKAGES.format(version="0.95.0"), "requirements.txt": "fastapi<1"}
    )
    assert not newer.is_below(BEFORE_RETURN_MODELS)
    assert newer.is_at_least(BEFORE_RETURN_MODELS)
    starlette = declared(
        project(tmp_path, {lock: LOCKED_PACKAGES.format(version="0")}), "starlette"
    )
    assert not starlette.known  # a dependency's constraint in the lock is not a pin


def test_pipfile_lock(tmp_path: Path) -> None:
    lock = {"default": {"fastapi": {"version": "==0.88.0", "hashes": []}}, "develop": {}}
    fastapi = fastapi_in(tmp_path, {"Pipfile.lock": json.dumps(lock)})
    assert fastapi.is_below(BEFORE_RETURN_MODELS)
    assert fastapi.describe() == "`fastapi==0.88.0` in Pipfile.lock"


# -- defensive reading, caching ----------------------------------------------------------------
@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": "[project\ndependencies = ['fastapi<0.89']"},
        {"pyproject.toml": b'[project]\ndependencies = ["fastapi<0.89"]\n\xff\xfe'},
        {"Pipfile.lock": "{not json"},
        {"setup.cfg": "install_requires = fastapi<0.89\n[options"},
        {"poetry.lock": '[[package]]\nname = "fastapi"\nversion = "not-a-version"\n'},
        {"requirements.txt": "x" * (1 << 20) + "\nfastapi<0.89\n"},
    ],
)
def test_unreadable_files_declare_nothing(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    fastapi = fastapi_in(tmp_path, files)
    assert not fastapi.known
    assert not fastapi.is_below(BEFORE_RETURN_MODELS)


def test_a_folder_named_like_a_file_declares_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"pyproject.toml/x": "", "requirements.txt/y": ""})
    assert not declared(root, "fastapi").known


def test_answers_are_read_once_per_root(tmp_path: Path) -> None:
    root = project(tmp_path, {"requirements.txt": "fastapi<0.89\n"})
    first = declared(root, "fastapi")
    fingerprint = declared_fingerprint(root)
    (root / "requirements.txt").write_text("fastapi>=0.100\n", encoding="utf-8")
    assert declared(str(root), "FastAPI") == first
    assert declared_fingerprint(root) == fingerprint


# -- what the rules make of it: FPL302's upgrade warning, through the cache --------------------
PINNED_APP = """\
from fastapi import FastAPI
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

app = FastAPI()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)


@app.get("/users/{user_id}")
def read_user(user_id: int) -> User:
    return User(id=user_id)
"""


def test_an_orm_return_annotation_before_0_89_is_a_warning_kept_by_the_cache(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        {"pyproject.toml": "[tool.fastapi-prod-lint]\n", "app.py": PINNED_APP},
    )
    (root / "requirements.txt").write_text("fastapi==0.88.0\n", encoding="utf-8")
    cache = tmp_path / "cache"
    for _ in range(2):  # cold, then warm: the severity is stored with the finding
        [finding] = check_paths([str(root)], cache_dir=cache, jobs=1)
        assert (finding.code, finding.severity) == ("FPL302", "warning")
        assert "on upgrade to FastAPI >= 0.89" in finding.message
        assert finding.to_dict()["severity"] == "warning"


def test_a_new_pin_invalidates_the_cached_findings(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"pyproject.toml": "[tool.fastapi-prod-lint]\n"}
    root = project(tmp_path, {**files, "app.py": PINNED_APP})
    lock = root / "uv.lock"
    environment = {**os.environ, "FASTAPI_PROD_LINT_CACHE_DIR": str(tmp_path / "cache")}

    def severities(version: str) -> list[str]:
        """One CLI run (a process of its own: answers are read once per process)."""
        lock.write_text(LOCKED_PACKAGES.format(version=version), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "fastapi_prod_lint", "--output-format", "json", str(root)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return [finding["severity"] for finding in json.loads(result.stdout)]

    assert severities("0.88.0") == ["warning"]
    assert severities("0.88.0") == ["warning"]  # warm
    assert severities("0.95.0") == ["error"]  # the lock changed: the findings are made anew


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_where_a_requirements_file_should_be_is_not_read(tmp_path: Path) -> None:
    """A hostile checkout can hold a FIFO named requirements.txt: opening it would hang."""
    os.mkfifo(tmp_path / "requirements.txt")
    (tmp_path / "requirements-dev.txt").write_text("fastapi==0.88.0\n")
    found = declared(tmp_path, "fastapi")
    assert found.is_below((0, 89))
