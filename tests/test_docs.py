"""Rule docs: fixed sections, examples that run as tests, and generated pages kept current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fastapi_prod_lint import check_paths, cli, docs
from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE
from fastapi_prod_lint.core.rule import (
    DOC_SECTIONS,
    REQUIRED_DOC_SECTIONS,
    Rule,
    option_key,
    pylint_message_id,
)
from fastapi_prod_lint.rules import ALL_RULES

REPO_DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def rule_id(rule: type[Rule]) -> str:
    return rule.code


def section_markers(rule: type[Rule]) -> list[str]:
    """The `## ` headings and `Use instead:` lines of the docstring, outside code blocks."""
    markers = []
    in_code = False
    for line in rule.documentation().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (line.startswith("## ") or line == "Use instead:"):
            markers.append(line)
    return markers


FILE_HEADER = re.compile(r"^# ([\w/]+\.py)$", flags=re.MULTILINE)


def findings_for(code: str, source: str, tmp_path: Path) -> list[str]:
    """The codes reported for `source` as app.py in a project that selects only `code`; a
    block of several modules starts each with a `# app/models/hero.py` line."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f'[tool.fastapi-prod-lint]\nselect = ["{code}"]\n')
    parts = FILE_HEADER.split(source)
    files = dict(zip(parts[1::2], parts[2::2], strict=True)) if len(parts) > 1 else {}
    for name, text in (files or {"app.py": source}).items():
        if code != SYNTAX_ERROR_CODE:  # a block must at least parse, but FPL001's example
            compile(text, name, "exec", flags=ast.PyCF_ONLY_AST)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(tmp_path).parents:
            if parent.name:
                (tmp_path / parent / "__init__.py").touch()
    return [finding.code for finding in check_paths([str(tmp_path)], use_cache=False)]


# The docstring


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_docstring_first_line_starts_with_the_code(rule: type[Rule]) -> None:
    first_line = (rule.__doc__ or "").strip().splitlines()[0]
    assert first_line.startswith(f"{rule.code}:"), first_line
    assert rule.summary(), f"{rule.code} has no summary after the code"


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_docstring_has_the_fixed_sections_in_order(rule: type[Rule]) -> None:
    markers = section_markers(rule)
    unknown = [marker for marker in markers if marker not in DOC_SECTIONS]
    assert not unknown, f"{rule.code}: unknown headings {unknown}"
    assert len(set(markers)) == len(markers), f"{rule.code}: repeated headings {markers}"
    assert markers == [section for section in DOC_SECTIONS if section in markers]
    for section in REQUIRED_DOC_SECTIONS:
        assert section in markers, f"{rule.code}: missing `{section}`"


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_fix_safety_section_is_there_exactly_when_the_rule_is_fixable(rule: type[Rule]) -> None:
    assert ("## Fix safety" in section_markers(rule)) == rule.fixable


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_options_section_is_there_exactly_when_the_rule_has_options(rule: type[Rule]) -> None:
    has_options = bool(rule.option_fields())
    assert ("## Options" in section_markers(rule)) == has_options
    section = rule.doc_section("## Options")
    for field in rule.option_fields():
        assert f"`{option_key(field.name)}`" in section, f"{rule.code}: `{field.name}` undocumented"


# The examples run as tests


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_example_code_triggers_the_rule(rule: type[Rule], tmp_path: Path) -> None:
    blocks = rule.doc_code_blocks("## Example")
    assert blocks, f"{rule.code}: no ```python block under `## Example`"
    for number, block in enumerate(blocks):
        codes = findings_for(rule.code, block, tmp_path / f"example_{number}")
        assert rule.code in codes, f"{rule.code}: example {number} is not flagged:\n{block}"


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_use_instead_code_does_not_trigger_the_rule(rule: type[Rule], tmp_path: Path) -> None:
    blocks = rule.doc_code_blocks("Use instead:")
    assert blocks, f"{rule.code}: no ```python block under `Use instead:`"
    for number, block in enumerate(blocks):
        codes = findings_for(rule.code, block, tmp_path / f"use_instead_{number}")
        assert rule.code not in codes, f"{rule.code}: use-instead {number} is flagged:\n{block}"


# The rendered pages


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_rule_page_shows_identity_and_every_front_end_name(rule: type[Rule]) -> None:
    page = docs.render_rule(rule)
    assert page.startswith(f"# {rule.name} ({rule.code})\n")
    for host in ("flake8", "pylint"):  # a host's own code (E999, E0001) where it has one
        default = rule.code if host == "flake8" else pylint_message_id(rule.code)
        assert f"{host}: `{rule.host_codes.get(host, default)}`" in page
    for heading in DOC_SECTIONS:
        assert rule.doc_section(heading) in page, f"{rule.code}: `{heading}` not on the page"
    for field in rule.option_fields():
        key = option_key(field.name)
        assert f"`--fpl-{key}`" in page
        assert f"`fpl-{key}`" in page
        assert re.search(rf"^{re.escape(key)} = ", page, flags=re.MULTILINE), page


def test_index_links_every_rule_and_mentions_the_syntax_error_code() -> None:
    index = docs.render_index()
    for rule in ALL_RULES:
        assert f"[{rule.name}]({rule.name}.md)" in index
        assert rule.code in index
    assert "FPL001" in index


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_rule_is_found_by_code_in_any_case_and_by_name(rule: type[Rule]) -> None:
    assert docs.rule_by_selector(rule.code) is rule
    assert docs.rule_by_selector(rule.code.lower()) is rule
    assert docs.rule_by_selector(rule.name) is rule


def test_unknown_selector_finds_no_rule() -> None:
    assert docs.rule_by_selector("FPL999") is None


# Generated pages are current


def test_committed_pages_are_current() -> None:
    assert docs.check_docs(REPO_DOCS) == [], "run `python -m fastapi_prod_lint.docs`"


def test_written_pages_check_clean_and_a_second_write_changes_nothing(tmp_path: Path) -> None:
    written = docs.write_docs(tmp_path)
    assert {path.name for path in written} == {"index.md"} | {f"{r.name}.md" for r in ALL_RULES}
    assert docs.check_docs(tmp_path) == []
    assert docs.main(["--check", "--out", str(tmp_path)]) == 0
    assert docs.write_docs(tmp_path) == []


def test_edited_page_is_reported_stale(tmp_path: Path) -> None:
    docs.write_docs(tmp_path)
    page = tmp_path / f"{ALL_RULES[0].name}.md"
    page.write_text(page.read_text() + "\nHand-edited.\n")
    problems = docs.check_docs(tmp_path)
    assert len(problems) == 1
    assert page.name in problems[0]
    assert docs.main(["--check", "--out", str(tmp_path)]) == 1
    assert docs.write_docs(tmp_path) == [page]
    assert docs.check_docs(tmp_path) == []


def test_missing_page_is_reported(tmp_path: Path) -> None:
    docs.write_docs(tmp_path)
    (tmp_path / "index.md").unlink()
    problems = docs.check_docs(tmp_path)
    assert len(problems) == 1
    assert "index.md" in problems[0]


def test_page_of_a_rule_that_no_longer_exists_is_reported_then_removed(tmp_path: Path) -> None:
    docs.write_docs(tmp_path)
    stale = tmp_path / "old-rule.md"
    stale.write_text("# old-rule (FPL199)\n")
    problems = docs.check_docs(tmp_path)
    assert len(problems) == 1
    assert "old-rule.md" in problems[0]
    assert docs.main(["--check", "--out", str(tmp_path)]) == 1
    assert stale.exists(), "--check writes nothing"
    assert docs.write_docs(tmp_path) == [stale]
    assert not stale.exists()


def test_check_explains_how_to_update(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main(["--check", "--out", str(tmp_path / "missing")]) == 1
    assert "python -m fastapi_prod_lint.docs" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


# The `rule` command prints the same page


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_rule_command_prints_the_rule_page(
    rule: type[Rule], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["rule", rule.code]) == 0
    assert capsys.readouterr().out.rstrip("\n") == docs.render_rule(rule).rstrip("\n")


def test_rule_command_with_an_unknown_code_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rule", "FPL999"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "FPL999" in captured.err
