"""Parametrise fixture tests: `case` is every fixture, `marked_case` every fixture with markers."""

from __future__ import annotations

import pytest
from harness.cases import discover_cases

# The runtime apps and some fixture projects carry test modules for the linter to read, not for
# pytest to run.
collect_ignore_glob = ["runtime/apps/*", "fixtures/*"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = discover_cases()
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])
    if "marked_case" in metafunc.fixturenames:
        cases = [case for case in discover_cases() if not case.expects_nothing]
        metafunc.parametrize("marked_case", cases, ids=[case.id for case in cases])
