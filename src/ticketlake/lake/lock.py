"""One writer at a time per lake: an advisory file lock the operating system releases on exit.

A killed writer (even with SIGKILL) releases the lock with its process, so a stale lock can
never block the next run. Readers never take it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ticketlake.errors import TransientError


class LakeBusyError(TransientError):
    """Another process kept the lake's write lock for longer than we were willing to wait."""


class WriteLock:
    """Exclusive write lock on a lake, held for the duration of a ``with`` block."""

    def __init__(self, path: Path, timeout: float, on_wait: Callable[[str], None] | None = None):
        self.path = path
        self.timeout = timeout
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        while not _try_lock(fd):
            holder = _holder(fd)
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LakeBusyError(f"another ingest ({holder}) is writing to this lake; "
                                    f"gave up after {self.timeout:g} s, try again later")  # fmt: skip
            if not told and self.on_wait is not None:
                self.on_wait(f"waiting for another ingest ({holder}) to finish")
                told = True
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fd: int) -> str:
    text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    return text or "unknown process"
