"""`[tool.fastapi-prod-lint]`: selection, options, per-file ignores; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core.config import ConfigError, Settings, settings_from_table

BLOCKING = "import time\n\nasync def handler():\n    time.sleep(1)\n"


def project(tmp_path: Path, table: str, files: dict[str, str] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f"[tool.fastapi-prod-lint]\n{table}\n")
    for name, text in (files or {"app.py": BLOCKING}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def codes(root: Path) -> list[str]:
    return [f.code for f in check_paths([str(root)], use_cache=False)]


def test_defaults_enable_every_default_rule():
    assert Settings().is_enabled("FPL101")
    assert Settings().is_enabled("FPL001")


def test_select_prefix_and_more_specific_ignore_win():
    settings = settings_from_table({"select": ["FPL"], "ignore": ["FPL101"]}, "t")
    assert not settings.is_enabled("FPL101")
    settings = settings_from_table({"select": ["FPL101"], "ignore": ["FPL1"]}, "t")
    assert settings.is_enabled("FPL101")


def test_rule_names_are_accepted_as_selectors():
    settings = settings_from_table({"ignore": ["blocking-call-in-async-route"]}, "t")
    assert not settings.is_enabled("FPL101")


def test_ignore_in_pyproject_silences_the_rule(tmp_path):
    assert codes(project(tmp_path, 'ignore = ["FPL101"]')) == []


def test_extend_select_adds_to_the_default(tmp_path):
    assert codes(project(tmp_path, 'select = ["FPL001"]\nextend-select = ["FPL101"]')) == ["FPL101"]


def test_per_file_ignores_match_globs(tmp_path):
    root = project(
        tmp_path,
        '[tool.fastapi-prod-lint.per-file-ignores]\n"tests/*" = ["FPL101"]',
        {"tests/test_a.py": BLOCKING, "app.py": BLOCKING},
    )
    found = check_paths([str(root)], use_cache=False)
    assert [Path(f.path).name for f in found] == ["app.py"]


def test_exclude_skips_folders(tmp_path):
    root = project(tmp_path, 'exclude = ["legacy"]', {"legacy/old.py": BLOCKING, "ok.py": ""})
    assert codes(root) == []


def test_rule_options_reach_the_rule(tmp_path):
    root = project(tmp_path, 'allowed-calls = ["time.sleep"]')
    assert codes(root) == []
    root2 = project(
        tmp_path / "b",
        'extra-blocking-calls = ["mylib.fetch"]',
        {"app.py": "import mylib\nasync def f():\n    mylib.fetch()\n"},
    )
    assert codes(root2) == ["FPL101"]


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('selct = ["FPL101"]', "`tool.fastapi-prod-lint.selct` (did you mean `select`?)"),
        ('select = "FPL999"', "unknown rule code `FPL999`"),
        ("select = 3", "`select` must be a list of rule codes"),
        ('ignore = ["XYZ1"]', "`ignore`: unknown rule code `XYZ1`"),
        ('allowed-calls = "time.sleep"', "`allowed-calls` must be a list of strings"),
        ("allowed-calls = [1]", "`allowed-calls` must be a list of strings"),
        ("exclude = 'x'", "`exclude` must be a list of glob patterns"),
        ('per-file-ignores = ["x"]', "`per-file-ignores` must be a table"),
        (
            '[tool.fastapi-prod-lint.per-file-ignores]\n"a.py" = ["NOPE1"]',
            "`per-file-ignores.a.py`: unknown rule code `NOPE1`",
        ),
    ],
)
def test_config_errors_name_the_key_and_exit_2(tmp_path, capsys, table, needle):
    root = project(tmp_path, table)
    status = main([str(root), "--no-cache"])
    err = capsys.readouterr().err
    assert status == 2
    assert needle in err
    assert str(root / "pyproject.toml") in err


def test_invalid_toml_is_a_config_error(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-prod-lint\n")
    (tmp_path / "a.py").write_text("")
    assert main([str(tmp_path), "--no-cache"]) == 2
    assert "cannot read TOML" in capsys.readouterr().err


def test_settings_from_table_rejects_a_non_table():
    with pytest.raises(ConfigError, match="must be a table"):
        settings_from_table([], "pyproject.toml")  # type: ignore[arg-type]


def test_integer_options_from_flake8_and_pylint_lists():
    """flake8 and pylint hand every `--fpl-*` option over as a comma-separated list."""
    from types import SimpleNamespace

    from fastapi_prod_lint.core.config import options_from_namespace

    namespace = SimpleNamespace(fpl_min_business_rules=["1"], fpl_max_nesting=" 6 ")
    assert options_from_namespace(namespace) == {"min-business-rules": 1, "max-nesting": 6}
    with pytest.raises(
        ConfigError, match="--fpl-max-statements: `max-statements` must be an integer"
    ):
        options_from_namespace(SimpleNamespace(fpl_max_statements=["many"]))
