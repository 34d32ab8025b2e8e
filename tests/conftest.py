"""Parametrise fixture tests: `case` is every fixture, `marked_case` every fixture with markers.
Every test gets a cache folder and cache key of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.cases import discover_cases

from fastapi_prod_lint.core.cache import CACHE_ENV, KEY_ENV, KEY_FILE_ENV

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


@pytest.fixture(autouse=True)
def private_user_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A user cache directory of the test's own, where the default cache folders and key go;
    the subprocesses a test runs inherit it. The suite never writes to the real home."""
    folder = tmp_path_factory.mktemp("user-cache")
    for name in ("XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.setenv(name, str(folder))
    for name in (CACHE_ENV, KEY_ENV, KEY_FILE_ENV):  # the default place and key, unless set
        monkeypatch.delenv(name, raising=False)
    return folder
