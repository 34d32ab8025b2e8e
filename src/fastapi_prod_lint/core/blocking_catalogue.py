"""The blocking-call catalogue: qualified name -> the async alternative a message suggests."""

from __future__ import annotations

HTTP = "an async client (`httpx.AsyncClient`, `aiohttp`)"
SUBPROCESS = "`asyncio.create_subprocess_exec()`"
FILES = "`anyio.open_file()` or `await asyncio.to_thread(...)`"

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

BLOCKING_CALLS: dict[str, str] = {
    "time.sleep": "`await asyncio.sleep()`",
    **{f"requests.{verb}": HTTP for verb in _HTTP_VERBS},
    **{f"requests.api.{verb}": HTTP for verb in _HTTP_VERBS},
    **{f"httpx.{verb}": HTTP for verb in (*_HTTP_VERBS, "stream")},
    "urllib.request.urlopen": HTTP,
    "urllib3.request": HTTP,
    "builtins.open": FILES,
    "io.open": FILES,
    **{
        f"subprocess.{name}": SUBPROCESS
        for name in (
            "run",
            "call",
            "check_call",
            "check_output",
            "Popen",
            "getoutput",
            "getstatusoutput",
        )
    },
    **{
        f"os.{name}": SUBPROCESS
        for name in (
            "system",
            "popen",
            "posix_spawn",
            "posix_spawnp",
            "spawnl",
            "spawnle",
            "spawnlp",
            "spawnlpe",
            "spawnv",
            "spawnve",
            "spawnvp",
            "spawnvpe",
            "wait",
            "wait3",
            "wait4",
            "waitid",
            "waitpid",
        )
    },
}


def blocking_alternative(
    qualified_name: str, extra: tuple[str, ...] = (), allowed: tuple[str, ...] = ()
) -> str | None:
    """The suggested alternative when `qualified_name` blocks, else None."""
    if qualified_name in allowed:
        return None
    if qualified_name in BLOCKING_CALLS:
        return BLOCKING_CALLS[qualified_name]
    if qualified_name in extra:
        return "an async equivalent or `await asyncio.to_thread(...)`"
    return None
