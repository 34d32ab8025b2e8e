"""Issue 13: a cache that comes with the analysed code is never trusted. A pull request that
commits a cache folder (at the old in-tree place, at the place the default would use, or where
--cache-dir points) neither runs code in CI (the old cache unpickled its summaries) nor hides a
finding: every cache file is authenticated with the user's key, and a bad one is rebuilt."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from frontend_helpers import ASTROID_SKIPS_LIBRARIES, PYLINT_ONLY_OURS, make_project

from fastapi_prod_lint import __version__
from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core import cache as cache_module
from fastapi_prod_lint.core import project as project_module
from fastapi_prod_lint.core.cache import (
    CACHE_ENV,
    KEY_ENV,
    KEY_FILE_ENV,
    MAC_SIZE,
    Cache,
    cache_key,
    default_cache_dir,
)
from fastapi_prod_lint.core.project import digest_of, module_name
from fastapi_prod_lint.rules import ALL_RULES

TIMEOUT = 120
FILES = {
    "pyproject.toml": "[tool.fastapi-prod-lint]\n",
    "app/__init__.py": "",
    "app/api.py": 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/items")\n',
    "app/compat.py": "from time import sleep as pause\n",
    "app/routes.py": """
        import time
        from app.api import router
        from app.compat import pause


        @router.get("/{item_id}")
        async def read(item_id: int):
            pause(1)
            return item_id


        @router.post("/")
        async def create():
            time.sleep(1)
    """,
}
MODULES = 4  # the project's Python files: what a rebuild summarises
ATTACKER_KEY = b"the attacker's own key"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes, symlinks, FIFOs")


class Payload:
    """A pickle that writes `marker` when it is unpickled: what a committed cache could hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", FILES).resolve()


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


def files_of(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py"))


def tree(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def rows(root: Path, blob: bytes, findings_key: str = "") -> dict[str, tuple[Any, ...]]:
    """Cache rows that match the project's files (so a reader takes them as up to date)."""
    found = {}
    for path in files_of(root):
        info = path.stat()
        module, is_package = module_name(root, path)
        digest = digest_of(path.read_bytes())
        row = (info.st_mtime_ns, info.st_size, digest, module, is_package, blob, findings_key)
        row = (*row, (), ())  # no findings, no import heads
        found[str(path)] = row
    return found


def pickled_blob(marker: Path) -> bytes:
    control = marker.with_name("control")
    pickle.loads(pickle.dumps(Payload(control)))  # the payload is real: unpickling runs it
    assert control.read_text() == "pwned"
    control.unlink()
    return zlib.compress(pickle.dumps(Payload(marker)))


def plant_old_cache(root: Path, marker: Path) -> Path:
    """The cache the linter used to keep in the project: marshal, with pickled summaries."""
    key = hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()
    path = root / ".fastapi_prod_lint_cache" / f"v{__version__}-11" / f"{key}.marshal"
    path.parent.mkdir(parents=True)
    data = {"entries": rows(root, pickled_blob(marker)), "facts": None}
    path.write_bytes(marshal.dumps(data))
    return path


def plant(folder: Path, root: Path, payload: bytes, key: bytes | None = ATTACKER_KEY) -> Path:
    """A cache file at the place the linter would read it for `root` in `folder`: `payload`,
    authenticated with `key` (an attacker's, or none at all when None)."""
    cache = Cache(root, folder, key or b"unused")
    cache.file.parent.mkdir(parents=True, exist_ok=True)
    cache.file.write_bytes((cache.mac(payload) if key else b"") + payload)
    return cache.file


def lint(tool: str, root: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """One front end in a subprocess: (exit status, sorted (path, line, code), stderr)."""
    if tool == "cli":
        argv = ["fastapi_prod_lint", "--output-format", "json", *args, "."]
    elif tool == "flake8":
        argv = ["flake8", "--select", "FPL", "--format=%(path)s:%(row)d:%(code)s", "."]
    else:
        template = "--msg-template={path}:{line}:{symbol}"
        paths = [path.relative_to(root).as_posix() for path in files_of(root)]
        argv = [*PYLINT_ONLY_OURS, ASTROID_SKIPS_LIBRARIES, template, *paths]
    result = subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=root,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if tool == "cli":
        found = [(row["path"], row["line"], row["code"]) for row in json.loads(result.stdout)]
    else:
        codes = {rule.name: rule.code for rule in ALL_RULES}
        found = []
        for line in result.stdout.splitlines():
            if line.strip() and not line.startswith("*****"):
                path, number, code = line.rsplit(":", 2)
                found.append((path.removeprefix("./"), int(number), codes.get(code, code)))
    return result.returncode, sorted(found), result.stderr


def clean(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any]]:
    """Exit status and findings of an uncached run: what every cached run must give."""
    status, found = cli(root, capsys, "--no-cache")
    assert found, "the project has findings for a cache to hide"
    return status, found


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any]]:
    """The CLI in this process (so SUMMARY_BUILDS counts its work), on the project."""
    capsys.readouterr()
    status = main(["--output-format", "json", *args, str(root)])
    out, err = capsys.readouterr()
    assert not err, err
    rows = json.loads(out)
    return status, sorted(
        (Path(r["path"]).relative_to(root).as_posix(), r["line"], r["code"]) for r in rows
    )


def builds() -> int:
    return project_module.SUMMARY_BUILDS


# -- (a) a committed pickle never runs, in any front end ----------------------------------------


@pytest.mark.parametrize("tool", ["cli", "flake8", "pylint"])
@pytest.mark.parametrize("where", ["old-in-tree", "default", "cache-dir"])
def test_a_committed_pickle_never_runs(tool, where, root, marker, capsys):
    if tool != "cli":
        pytest.importorskip(tool)
    expected = clean(root, capsys)
    args: tuple[str, ...] = ()
    env: dict[str, str] = {}
    payload = marshal.dumps((rows(root, pickled_blob(marker)), None))
    if where == "old-in-tree":
        plant_old_cache(root, marker)
        planted = None
    elif where == "default":
        folder = default_cache_dir(root)
        assert folder is not None and root not in folder.parents
        planted = plant(folder, root, payload)
    else:
        folder = root / ".lint-cache"  # a CI job's `--cache-dir .lint-cache`, in the PR's tree
        args, env = ("--cache-dir", str(folder)), {CACHE_ENV: str(folder)}
        planted = plant(folder, root, payload)
    before = tree(root)
    status, found, _ = lint(tool, root, *args, env=env)
    assert not marker.exists()
    assert found == expected[1]
    if tool == "cli":
        assert status == expected[0]
    if where != "cache-dir":
        assert tree(root) == before  # nothing written into the analysed project
    if planted is not None:  # rebuilt and overwritten with a file that verifies
        assert verified(root, planted.parent) == {str(p) for p in files_of(root)}


# -- (b) a planted cache with empty findings hides nothing --------------------------------------


def attacker_cache(
    root: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> bytes:
    """A real cache of this very project, made with the attacker's key, findings emptied: it
    is shaped exactly as the linter writes it."""
    with monkeypatch.context() as patch:
        patch.setenv(KEY_ENV, ATTACKER_KEY.decode())
        cli(root, capsys, "--cache-dir", str(folder))
    cache = Cache(root, folder, ATTACKER_KEY)
    entries, facts = cache.load()
    assert entries and all(entry.findings for entry in entries.values() if "routes" in entry.module)
    emptied = {
        path: (*entry.as_tuple()[:7], (), *entry.as_tuple()[8:]) for path, entry in entries.items()
    }
    return marshal.dumps((emptied, facts))


@pytest.mark.parametrize("mac", ["attacker", "zeros", "absent"])
def test_planted_empty_findings_do_not_hide_any_finding(mac, root, tmp_path, capsys, monkeypatch):
    expected = clean(root, capsys)
    folder = tmp_path / "shared-cache"
    payload = attacker_cache(root, folder, capsys, monkeypatch)
    if mac == "attacker":
        plant(folder, root, payload)
        monkeypatch.setenv(KEY_ENV, ATTACKER_KEY.decode())
        assert cli(root, capsys, "--cache-dir", str(folder)) == (0, [])  # the attack works
        monkeypatch.delenv(KEY_ENV)  # ... for the attacker alone
        plant(folder, root, payload)
    elif mac == "zeros":
        Cache(root, folder, ATTACKER_KEY).file.write_bytes(bytes(MAC_SIZE) + payload)
    else:
        plant(folder, root, payload, key=None)
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected


# -- (c) a broken cache file costs a rebuild, nothing more --------------------------------------


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flipped_mac(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


def flipped_payload(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


BREAKAGES = {
    "truncated": truncated,
    "zero-length": lambda data: b"",
    "garbage": lambda data: os.urandom(len(data)),
    "wrong-mac": flipped_mac,
    "tampered": flipped_payload,
}


def user_cache(root: Path, folder: Path) -> Cache:
    """The cache the linter uses for `root` in `folder`, with the user's key."""
    cache = Cache.of(root, folder)
    assert cache is not None
    return cache


def verified(root: Path, folder: Path) -> set[str]:
    """The paths a cache file holds, read as the linter reads it."""
    return set(user_cache(root, folder).load()[0])


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_cache_file_costs_only_a_rebuild(breakage, root, tmp_path, capsys):
    expected = clean(root, capsys)
    folder = tmp_path / "cache"
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    file = user_cache(root, folder).file
    file.write_bytes(BREAKAGES[breakage](file.read_bytes()))
    before = builds()
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    assert builds() - before == MODULES
    assert verified(root, folder) == {str(p) for p in files_of(root)}  # overwritten
    before = builds()
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    assert builds() == before  # and used again


@pytest.mark.parametrize("change", ["format", "linter source"])
def test_a_cache_of_another_version_costs_only_a_rebuild(
    change, root, tmp_path, capsys, monkeypatch
):
    expected = clean(root, capsys)
    folder = tmp_path / "cache"
    with monkeypatch.context() as patch:
        if change == "format":
            patch.setattr(cache_module, "CACHE_FORMAT", cache_module.CACHE_FORMAT - 1)
        else:
            patch.setattr(cache_module, "source_digest", lambda: "another build")
        assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    before = builds()
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    assert builds() - before == MODULES


def with_valid_mac(shape: object) -> Any:
    """A payload of another shape, authenticated with the user's own key: the MAC alone does
    not make it believed; it is type-checked, and any surprise is a miss."""

    def make(root: Path, folder: Path) -> None:
        cache = user_cache(root, folder)
        payload = shape if isinstance(shape, bytes) else marshal.dumps(shape)
        folder.mkdir()
        cache.file.write_bytes(cache.mac(payload) + payload)

    return make


@pytest.mark.parametrize(
    "shape",
    [
        b"not marshal at all",
        b"",
        ("entries", None),
        ({"app/x.py": (1, 2, "d")}, None),
        ({"app/x.py": (1, 2, "d", "m", False, b"", "", (("bad",),))}, None),
        ({"app/x.py": (1, 2, "d", "m", 0, b"", "", ())}, None),
        ({}, ("digest", ({}, {}))),
        [{}, None],
    ],
    ids=lambda shape: repr(shape)[:30],
)
def test_a_payload_of_another_shape_is_a_miss_even_with_a_valid_mac(shape, root, tmp_path, capsys):
    expected = clean(root, capsys)
    folder = tmp_path / "cache"
    with_valid_mac(shape)(root, folder)
    before = builds()
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    assert builds() - before == MODULES


def test_the_default_cache_lives_outside_the_project_in_the_user_cache(
    root, capsys, private_user_cache
):
    before = tree(root)
    expected = clean(root, capsys)
    assert cli(root, capsys) == expected
    assert tree(root) == before
    folder = default_cache_dir(root)
    assert folder is not None
    assert folder.parent == private_user_cache / "fastapi-prod-lint" / "projects"
    assert verified(root, folder) == {str(p) for p in files_of(root)}


# -- (d) the key: private, made once, shared by CI jobs through the environment -----------------


@posix_only
def test_the_key_file_is_private_and_made_once(private_user_cache):
    key = cache_key()
    path = private_user_cache / "fastapi-prod-lint" / "key"
    assert key is not None and path.read_bytes() == key and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert cache_key() == key


def test_processes_racing_to_make_the_key_agree_on_one(private_user_cache):
    start = time.time() + 1  # all of them imported by then: they ask for the key at once
    code = (
        "import time; from fastapi_prod_lint.core.cache import cache_key; "
        f"time.sleep(max(0, {start} - time.time())); print(cache_key().decode())"
    )
    racers = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {racer.communicate(timeout=TIMEOUT)[0].strip() for racer in racers}
    path = private_user_cache / "fastapi-prod-lint" / "key"
    assert keys == {path.read_text()}


@posix_only
def test_a_key_file_that_is_not_the_users_own_private_file_is_refused(private_user_cache):
    path = private_user_cache / "fastapi-prod-lint" / "key"
    assert cache_key() is not None
    path.chmod(0o644)
    assert cache_key() is None
    path.unlink()
    known = private_user_cache / "known-key"
    known.write_text("a key the attacker knows")
    known.chmod(0o600)
    path.symlink_to(known)
    assert cache_key() is None


@pytest.mark.parametrize("how", ["key", "key file"])
def test_ci_jobs_sharing_a_key_hit_each_others_cache(how, root, tmp_path, capsys, monkeypatch):
    """Two runners with their own homes; the second restores the first one's cache folder."""
    expected = clean(root, capsys)
    secret = tmp_path / "secret"
    secret.write_text("0123456789abcdef" * 4 + "\n")
    homes = [tmp_path / "home-1", tmp_path / "home-2"]
    if how == "key":
        monkeypatch.setenv(KEY_ENV, "0123456789abcdef" * 4)
    else:
        monkeypatch.setenv(KEY_FILE_ENV, str(secret))
    monkeypatch.setenv("XDG_CACHE_HOME", str(homes[0]))
    assert cli(root, capsys) == expected
    shutil.copytree(homes[0], homes[1])  # actions/cache restoring ~/.cache/fastapi-prod-lint
    monkeypatch.setenv("XDG_CACHE_HOME", str(homes[1]))
    before = builds()
    assert cli(root, capsys) == expected
    assert builds() == before
    assert not (homes[1] / "fastapi-prod-lint" / "key").exists()
    monkeypatch.delenv(KEY_ENV, raising=False)  # without the shared key: a miss, then a hit
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    assert cli(root, capsys) == expected
    assert builds() - before == MODULES


def test_without_a_key_nothing_is_cached(root, capsys, monkeypatch):
    expected = clean(root, capsys)
    monkeypatch.setenv(KEY_FILE_ENV, str(root / "no such file"))
    for _ in range(2):
        before = builds()
        assert cli(root, capsys) == expected
        assert builds() - before == MODULES


# -- (e) symlinks in the cache folder are never followed ----------------------------------------


@posix_only
def test_a_symlinked_cache_file_is_not_followed(root, tmp_path, capsys):
    expected = clean(root, capsys)
    folder = tmp_path / "cache"
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    file = user_cache(root, folder).file
    target = tmp_path / "elsewhere.cache"
    file.rename(target)  # a valid cache, so following the link would be a hit
    file.symlink_to(target)
    kept = target.read_bytes()
    before = builds()
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
    assert builds() - before == MODULES
    assert target.read_bytes() == kept  # not written through either
    assert not file.is_symlink()  # the link itself was replaced by a cache of its own


@posix_only
def test_a_symlinked_cache_folder_is_neither_read_nor_written(root, tmp_path, capsys):
    expected = clean(root, capsys)
    real = tmp_path / "real"
    assert cli(root, capsys, "--cache-dir", str(real)) == expected
    link = tmp_path / "link"
    link.symlink_to(real)
    kept = {path.name: path.read_bytes() for path in real.iterdir()}
    for _ in range(2):
        before = builds()
        assert cli(root, capsys, "--cache-dir", str(link)) == expected
        assert builds() - before == MODULES
    assert {path.name: path.read_bytes() for path in real.iterdir()} == kept


@posix_only
def test_a_fifo_in_place_of_the_cache_file_does_not_hang(root, tmp_path, capsys):
    expected = clean(root, capsys)
    folder = tmp_path / "cache"
    folder.mkdir()
    os.mkfifo(Cache(root, folder, b"k").file)
    assert cli(root, capsys, "--cache-dir", str(folder)) == expected
