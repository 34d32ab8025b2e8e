"""The fixture harness itself: markers, settings headers, rewrites, comparisons, discovery."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from harness.cases import FIXTURES_DIR, FixtureCase, discover_cases
from harness.compare import front_end_differences, marker_differences
from harness.frontends import Reported, relative
from harness.markers import Expected, MarkerError, parse_marker, parse_markers, settings_table
from harness.rewrites import noqa_rewrite, sync_rewrite

from fastapi_prod_lint.rules import ALL_RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


# -- markers ------------------------------------------------------------------------------------


def test_marker_with_one_code_expects_one_finding_anywhere_on_the_line() -> None:
    marker = parse_marker("# error: [FPL101]", "a.py", 3)
    assert marker is not None
    assert (marker.path, marker.line, marker.message) == ("a.py", 3, None)
    assert marker.expected == (Expected("FPL101"),)


def test_marker_with_several_codes_and_columns() -> None:
    marker = parse_marker("# error: [FPL101:10, FPL101:52,FPL102]", "a.py", 1)
    assert marker is not None
    assert marker.expected == (Expected("FPL101", 10), Expected("FPL101", 52), Expected("FPL102"))
    assert marker.codes == ("FPL101", "FPL102")


def test_marker_message_substring_follows_the_bracket() -> None:
    marker = parse_marker('# error: [FPL101:5] "time.sleep"', "a.py", 1)
    assert marker is not None
    assert marker.expected == (Expected("FPL101", 5),)
    assert marker.message == "time.sleep"


@pytest.mark.parametrize(
    "comment",
    [
        "# error: [FPL10]",
        "# error: [fpl101]",
        "# error: []",
        "# error: [FPL101:0]",
        "# error: [FPL101:x]",
        "# error: [FPL101] time.sleep",
        '# error: [FPL101] "unterminated',
        "# error [FPL101]",
        "# errors: [FPL101]",
    ],
)
def test_malformed_marker_is_an_error_not_a_plain_comment(comment: str) -> None:
    with pytest.raises(MarkerError, match=r"a\.py:7"):
        parse_marker(comment, "a.py", 7)


@pytest.mark.parametrize("comment", ["# error handling happens in the caller", "# noqa: E402"])
def test_ordinary_comments_are_not_markers(comment: str) -> None:
    assert parse_marker(comment, "a.py", 1) is None


def test_markers_of_a_file_with_their_lines_and_offsets() -> None:
    source = (
        "import time\n"
        "time.sleep(1)  # error: [FPL101]\n"
        'TEXT = "# error: [FPL999]"\n'
        "open('x')  # noqa: E501  # error: [FPL101:1] \"open\"\n"
    )
    markers = parse_markers(source, "pkg/mod.py")
    assert [(m.path, m.line, m.start) for m in markers] == [
        ("pkg/mod.py", 2, 15),
        ("pkg/mod.py", 4, 25),
    ]
    assert markers[1].expected == (Expected("FPL101", 1),)
    assert markers[1].message == "open"


def test_markers_are_found_in_a_file_tokenize_rejects() -> None:
    source = "x = (\ntime.sleep(1)  # error: [FPL101]\n"
    assert [m.line for m in parse_markers(source, "a.py")] == [2]


# -- settings header ----------------------------------------------------------------------------


def test_settings_header_becomes_the_tool_table() -> None:
    source = (
        "# [tool.fastapi-prod-lint]\n"
        '# ignore = ["FPL101"]\n'
        "#\n"
        '# per-file-ignores = { "x.py" = ["FPL1"] }\n'
        '"""Docstring."""\n'
        "# a later comment is not part of the header = 1\n"
    )
    toml = settings_table(source)
    assert toml is not None
    assert tomllib.loads(toml) == {
        "tool": {
            "fastapi-prod-lint": {"ignore": ["FPL101"], "per-file-ignores": {"x.py": ["FPL1"]}}
        }
    }


@pytest.mark.parametrize(
    "source",
    ['"""No header."""\n', "\n# [tool.fastapi-prod-lint]\n", "#  [tool.fastapi-prod-lint]\n", ""],
)
def test_only_an_exact_first_line_starts_a_settings_header(source: str) -> None:
    assert settings_table(source) is None


def test_settings_header_must_be_valid_toml() -> None:
    with pytest.raises(MarkerError, match=r"case\.py: the settings header is not valid TOML"):
        settings_table("# [tool.fastapi-prod-lint]\n# ignore = [FPL101\nx = 1\n", "case.py")


def test_single_file_fixture_materialises_with_its_header_as_pyproject(tmp_path: Path) -> None:
    fixture = tmp_path / "fixtures" / "FPL101" / "configured.py"
    fixture.parent.mkdir(parents=True)
    fixture.write_text('# [tool.fastapi-prod-lint]\n# ignore = ["FPL101"]\nimport time\n')
    project = FixtureCase("FPL101", fixture).materialise(tmp_path / "proj")
    assert (project / "configured.py").read_text() == fixture.read_text()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject == {"tool": {"fastapi-prod-lint": {"ignore": ["FPL101"]}}}


def test_single_file_fixture_without_header_gets_an_empty_table(tmp_path: Path) -> None:
    fixture = tmp_path / "plain.py"
    fixture.write_text("import time\n")
    project = FixtureCase("FPL101", fixture).materialise(tmp_path / "proj")
    assert tomllib.loads((project / "pyproject.toml").read_text()) == {
        "tool": {"fastapi-prod-lint": {}}
    }


# -- rewrites -----------------------------------------------------------------------------------


def test_noqa_rewrite_replaces_each_marker_with_its_codes() -> None:
    source = (
        "a = 1\n"
        'open(x) and open(y)  # error: [FPL101:1, FPL101:14] "open"\r\n'
        "f(  # noqa: E501  # error: [FPL101, FPL102]\n"
        "    1)\n"
    )
    rewritten = noqa_rewrite(source, parse_markers(source, "a.py"))
    assert rewritten == (
        "a = 1\n"
        "open(x) and open(y)  # noqa: FPL101\r\n"
        "f(  # noqa: E501  # noqa: FPL101,FPL102\n"
        "    1)\n"
    )


def test_sync_rewrite_removes_async_and_await_as_tokens() -> None:
    source = (
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    async with client() as c, await lock():\n"
        "        return [x async for x in await c.stream()]\n"
        "async  def awaiting(awaitable):\n"
        "    await\tawaitable\n"
    )
    assert sync_rewrite(source) == (
        "@asynccontextmanager\n"
        "def lifespan(app):\n"
        "    with client() as c, lock():\n"
        "        return [x for x in c.stream()]\n"
        "def awaiting(awaitable):\n"
        "    awaitable\n"
    )


# -- comparisons --------------------------------------------------------------------------------


def finding(line: int, col: int, message: str = "Blocking call `time.sleep`") -> Reported:
    return Reported("a.py", line, col, "FPL101", message)


def test_findings_equal_to_markers_show_no_difference() -> None:
    markers = parse_markers(
        'time.sleep(1)  # error: [FPL101:1] "time.sleep"\nf(g(), g())  # error: [FPL101, FPL101]\n',
        "a.py",
    )
    findings = [finding(1, 0), finding(2, 0, "x"), finding(2, 6, "y")]
    assert marker_differences(markers, findings) == []


def test_missing_and_extra_findings_are_both_reported() -> None:
    markers = parse_markers("a()  # error: [FPL101]\nb()\n", "a.py")
    assert marker_differences(markers, [finding(2, 0)]) == [
        "  missing: a.py:1: FPL101",
        "  extra:   a.py:2:1: FPL101 Blocking call `time.sleep`",
    ]


def test_wrong_column_or_message_is_a_difference() -> None:
    markers = parse_markers('a()  # error: [FPL101:5]\nb()  # error: [FPL101] "open"\n', "a.py")
    differences = marker_differences(markers, [finding(1, 0), finding(2, 0)])
    assert differences == [
        "  missing: a.py:1: FPL101 (column 5)",
        '  missing: a.py:2: FPL101 (message containing "open")',
        "  extra:   a.py:1:1: FPL101 Blocking call `time.sleep`",
        "  extra:   a.py:2:1: FPL101 Blocking call `time.sleep`",
    ]


def test_marker_without_column_does_not_take_the_finding_a_column_needs() -> None:
    markers = parse_markers("f(g(), g())  # error: [FPL101, FPL101:7]\n", "a.py")
    assert marker_differences(markers, [finding(1, 6), finding(1, 2)]) == []


def test_front_end_differences_count_duplicates() -> None:
    core = [finding(1, 0), finding(2, 0)]
    other = [finding(1, 0), finding(1, 0)]
    assert front_end_differences("core", core, "flake8", other) == [
        "  only core: a.py:2:1: FPL101 Blocking call `time.sleep`",
        "  only flake8: a.py:1:1: FPL101 Blocking call `time.sleep`",
    ]


def test_reported_paths_are_project_relative_posix(tmp_path: Path) -> None:
    assert relative("./app/main.py", tmp_path) == "app/main.py"
    assert relative(str(tmp_path / "app" / "main.py"), tmp_path) == "app/main.py"


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_finds_files_and_folders_but_not_fix_outputs(tmp_path: Path) -> None:
    code_dir = tmp_path / "FPL101"
    (code_dir / "project_ok" / "__pycache__").mkdir(parents=True)
    for name in ("case.py", "case.fixed.py", "clean_ok.py", "notes.md"):
        (code_dir / name).write_text("")
    cases = discover_cases(tmp_path)
    assert [(c.id, c.is_project, c.expects_nothing) for c in cases] == [
        ("FPL101/case.py", False, False),
        ("FPL101/clean_ok.py", False, True),
        ("FPL101/project_ok", True, True),
    ]


def test_every_fixture_directory_is_named_after_a_registered_rule() -> None:
    codes = {rule.code for rule in ALL_RULES}
    folders = [p.name for p in FIXTURES_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert folders, "no fixture folder found"
    for name in folders:
        assert re.fullmatch(r"FPL\d{3}", name), f"tests/fixtures/{name} is not named `FPL123`"
        assert name in codes, f"tests/fixtures/{name} names no rule of ALL_RULES"


def test_every_registered_rule_has_fixtures() -> None:
    covered = {case.code for case in discover_cases()}
    assert {rule.code for rule in ALL_RULES} <= covered
