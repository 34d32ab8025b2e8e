"""Reading files of the analysed project, which may be hostile: only regular files are read.

A FIFO named `app.py` or `pyproject.toml` would block the run forever, and a link to
`/dev/zero` would never end; a checkout can hold either. The file is opened without blocking
and examined through the open descriptor (no window between a check and the open), then read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file (symlinks to one are followed); OSError for anything else,
    and for a file over `limit` bytes when a limit is given."""
    fd = os.open(path, OPEN_FLAGS)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data
