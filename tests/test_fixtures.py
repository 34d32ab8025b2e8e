"""Every fixture through every front end: findings == markers, and all front ends agree."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
from harness.cases import FixtureCase, discover_cases
from harness.compare import front_end_differences, marker_differences
from harness.frontends import (
    Reported,
    run_cli_in_process,
    run_cli_subprocess,
    run_core,
    run_flake8,
    run_pylint,
)
from harness.markers import parse_markers
from harness.rewrites import noqa_rewrite, sync_rewrite

from fastapi_prod_lint.rules import ALL_RULES

EVENT_LOOP_RULES = "FPL1"
# Rules that flake8 and pylint report under their own codes (FPL001: E999, E0001), before any
# plugin runs: their fixtures go through the core and the CLI (tests/test_bad_input.py and
# tests/test_syntax_error.py hold the hosts to it).
HOST_REPORTED = frozenset(rule.code for rule in ALL_RULES if rule.host_codes)


def naming_problem(case: FixtureCase, marker_count: int) -> str | None:
    if marker_count == 0 and not case.expects_nothing:
        suffix = "_ok" if case.is_project else "_ok.py"
        return (
            f"{case.id} has no `# error: [...]` marker; a fixture that expects no finding must "
            f"be named `*{suffix}`"
        )
    if marker_count and case.expects_nothing:
        return f"{case.id} is named `*_ok` but has {marker_count} marker(s)"
    return None


def installed(tool: str) -> bool:
    """flake8 and pylint are optional: the suite also runs without them (tox no_flake8_pylint)."""
    return importlib.util.find_spec(tool) is not None


def other_front_ends(
    project: Path, cache_dir: Path, hosts: bool = True
) -> dict[str, list[Reported]]:
    """The findings of the CLI (in process), flake8 and pylint (where installed, and unless
    `hosts` is false); the CLI's exit status must say whether it found anything."""
    status, cli_findings = run_cli_in_process(project)
    expected_status = 1 if cli_findings else 0
    assert status == expected_status, (
        f"the CLI exited {status} with {len(cli_findings)} finding(s); expected {expected_status}"
    )
    found = {"CLI (in process)": cli_findings}
    if not hosts:
        return found
    if installed("flake8"):
        found["flake8"] = run_flake8(project, cache_dir)
    if installed("pylint"):
        found["pylint"] = run_pylint(project, cache_dir)
    return found


def test_fixture_findings_match_markers(case: FixtureCase, tmp_path: Path) -> None:
    markers = case.markers()
    problem = naming_problem(case, len(markers))
    if problem:
        pytest.fail(problem)
    project = case.materialise(tmp_path / "proj")
    core = run_core(project)
    report = []
    differences = marker_differences(markers, core)
    if differences:
        report.append(
            f"core findings differ from the markers of {case.id}:\n" + "\n".join(differences)
        )
    hosts = case.code not in HOST_REPORTED
    for name, found in other_front_ends(project, tmp_path / "cache", hosts).items():
        differences = front_end_differences("core", core, name, found)
        if differences:
            report.append(
                f"{name} disagrees with the core on {case.id}:\n" + "\n".join(differences)
            )
    assert not report, "\n\n".join(report)


def test_noqa_silences_every_front_end(marked_case: FixtureCase, tmp_path: Path) -> None:
    def silence(path: str, source: str) -> str:
        return noqa_rewrite(source, parse_markers(source, path))

    project = marked_case.materialise(tmp_path / "proj", rewrite=silence)
    hosts = marked_case.code not in HOST_REPORTED
    found = {"core": run_core(project), **other_front_ends(project, tmp_path / "cache", hosts)}
    report = [
        f"{name} still reports, with every marker turned into `# noqa`:\n"
        + "\n".join(f"  {f}" for f in findings)
        for name, findings in found.items()
        if findings
    ]
    assert not report, "\n\n".join(report)


def test_sync_rewrite_silences_event_loop_rules(marked_case: FixtureCase, tmp_path: Path) -> None:
    if marked_case.code in HOST_REPORTED:
        pytest.skip("a file that does not parse has no async code to rewrite")
    project = marked_case.materialise(tmp_path / "proj", rewrite=lambda _, s: sync_rewrite(s))
    for path in marked_case.python_sources():
        source = (project / path).read_text(encoding="utf-8")
        try:
            ast.parse(source, path)
        except SyntaxError as error:
            pytest.fail(f"the sync rewrite of {marked_case.id} does not parse: {path}: {error}")
    found = {"core": run_core(project)}
    if installed("flake8"):
        found["flake8"] = run_flake8(project, tmp_path / "cache")
    report = [
        f"{name} still reports event-loop findings once `async`/`await` are gone:\n"
        + "\n".join(f"  {f}" for f in findings if f.code.startswith(EVENT_LOOP_RULES))
        for name, findings in found.items()
        if any(f.code.startswith(EVENT_LOOP_RULES) for f in findings)
    ]
    assert not report, "\n\n".join(report)


def test_cli_subprocess_agrees_on_all_fixtures(tmp_path: Path) -> None:
    root = tmp_path / "all"
    projects = {}
    for case in discover_cases():
        relative = f"{case.code}/{case.project_name}"
        projects[relative] = (case, case.materialise(root / relative))
    status, findings, stderr = run_cli_subprocess(root, sorted(projects), tmp_path / "cache")
    by_project: dict[str, list[Reported]] = {relative: [] for relative in projects}
    report = []
    for found in findings:
        code, name, path = [*found.path.split("/", 2), "", ""][:3]
        if f"{code}/{name}" not in by_project or not path:
            report.append(f"  outside every fixture project: {found}")
            continue
        by_project[f"{code}/{name}"].append(
            Reported(path, found.line, found.col, found.code, found.message)
        )
    for relative, (case, project) in projects.items():
        differences = front_end_differences(
            "core", run_core(project), "CLI (subprocess)", sorted(by_project[relative])
        )
        if differences:
            report.append(f"{case.id}:\n" + "\n".join(differences))
    assert not report, "the CLI subprocess disagrees with the core:\n" + "\n".join(report)
    assert status == 1, f"the CLI exited {status} although there are findings\n{stderr}"
