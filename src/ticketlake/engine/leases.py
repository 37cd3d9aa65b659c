"""Readers' holds on published builds, so that retention never deletes a build being read.

A reader's connection reads its build's Parquet files by path, query by query; DuckDB keeps
no file open between queries. Were a build's files removed while a reader is open (two more
builds published with :data:`~ticketlake.engine.warehouse.KEEP_BUILDS` = 2), its next query
would fail. So a reader takes a *lease*: a file ``builds/readers/<build>.<random>.lease``
that it keeps locked (``flock``) while it is open. Retention keeps every build a live lease
names, besides the newest ones. A process that dies releases its lock with it; the next
prune finds the lease unlocked, deletes it, and the build goes as usual.

Taking a lease and pruning take turns on ``builds/.readers.lock`` (held for a moment, never
during a build), so a reader either takes its lease before a prune looks, and its build is
kept, or after the prune, when it resolves the warehouse link afresh and gets a build that
is still whole.

A reader that cannot write into ``builds/`` (a warehouse shared read-only) reads without a
lease, as before: its build is then kept only as long as retention keeps it.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ticketlake import logs

FOLDER = "readers"
LOCK = ".readers.lock"
_SUFFIX = ".lease"
log = logs.get("warehouse")


def prepare(builds: Path) -> None:
    """Make the readers' folder and lock (the builder does, before publishing), so a reader
    leaves nothing behind but the leases it removes again."""
    (builds / FOLDER).mkdir(exist_ok=True)
    os.close(os.open(builds / LOCK, os.O_RDWR | os.O_CREAT, 0o644))


@contextmanager
def taking_turns(builds: Path) -> Iterator[None]:
    """Hold ``builds/.readers.lock`` for the block (readers taking leases, or a prune)."""
    try:
        fd = os.open(builds / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only warehouse: nobody prunes it from here either
        log.debug("no readers' lock in %s: %s", builds, exc)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Lease:
    """A reader's hold on build ``build_id``, released by :meth:`release` (or its death)."""

    def __init__(self, builds: Path, build_id: str) -> None:
        folder = builds / FOLDER
        folder.mkdir(exist_ok=True)  # made by prepare(), unless by an older ticketlake
        self.path = folder / f"{build_id}.{uuid.uuid4().hex}{_SUFFIX}"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        """Give the build back to retention."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def take(builds: Path, build_id: str) -> Lease | None:
    """A lease on ``build_id``, or None when ``builds/`` cannot be written (see above); the
    caller holds :func:`taking_turns`."""
    try:
        return Lease(builds, build_id)
    except OSError as exc:
        log.debug("reading build %s without a lease: %s", build_id, exc)
        return None


def held(builds: Path) -> set[str]:
    """The builds live leases name; leases whose reader has gone are deleted on the way.
    The caller holds :func:`taking_turns`."""
    found = set()
    for path in (builds / FOLDER).glob(f"*{_SUFFIX}"):
        if _alive(path):
            found.add(path.name.split(".", 1)[0])
        else:
            path.unlink(missing_ok=True)
    return found


def _alive(path: Path) -> bool:
    """Whether a reader still holds the lock of the lease at ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
