"""Work spread over a process pool when it is worth it: forked workers inherit the project
from memory; spawned ones get the state they need once, when they start."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Executor

PARALLEL_THRESHOLD = 40  # files; below it a process pool costs more than it saves

WORKER_STATE: dict[str, Any] = {}


def parallel_map(
    function: Callable[..., Any],
    items: list[tuple[Any, ...]],
    jobs: int,
    state: dict[str, Any] | None = None,
) -> list[Any]:
    """`function(*item)` for every item, in a process pool when it is worth it."""
    WORKER_STATE.update(state or {})
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        return [function(*item) for item in items]
    with _executor(jobs, state or {}) as executor:
        chunk = max(1, len(items) // (jobs * 8))
        try:
            return list(executor.map(_call, [(function, item) for item in items], chunksize=chunk))
        except BaseException:  # Ctrl-C, SIGTERM: drop the queued work, let the workers finish
            executor.shutdown(wait=False, cancel_futures=True)
            raise


def _call(job: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    function, item = job
    return function(*item)


def _init_worker(state: dict[str, Any]) -> None:
    _quiet_worker()
    WORKER_STATE.update(state)


def _quiet_worker() -> None:
    """Ctrl-C reaches the whole process group: the parent stops the run and reports it, the
    workers must not print a traceback each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _executor(jobs: int, state: dict[str, Any]) -> Executor:
    import multiprocessing  # imported here: flake8 and pylint workers never need it
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers inherit the project from memory, nothing is pickled to them; but fork is
    # only safe in a single-threaded process (a test runner or an IDE host may have threads).
    if "fork" in multiprocessing.get_all_start_methods() and _single_threaded():
        fork = multiprocessing.get_context("fork")
        return ProcessPoolExecutor(jobs, mp_context=fork, initializer=_quiet_worker)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(state,))


def _single_threaded() -> bool:
    """No other OS thread runs in this process (threads started through `_thread` included)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        import threading

        return threading.active_count() == 1
