"""Where lake files live, addressed by URI so an object store can replace the local folder.

Only ``file://`` (and plain paths) are implemented today. The interface is the small set of
operations the lake needs, chosen so each maps onto an S3-compatible store: whole-object
writes, a create-if-absent write for commit records, listing by prefix and deletion.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import unquote, urlparse

from ticketlake.errors import UsageError


class LocalStore:
    """A lake rooted in a local folder; keys are ``/``-separated paths relative to it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def uri(self) -> str:
        """The lake's location as a ``file://`` URI."""
        return self.root.as_uri()

    def local_path(self, key: str) -> str:
        """A path DuckDB can read or write for ``key``; parent folders are created."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path)

    def exists(self, key: str) -> bool:
        """Whether an object named ``key`` exists."""
        return (self.root / key).is_file()

    def read_bytes(self, key: str) -> bytes:
        """The content of ``key``."""
        return (self.root / key).read_bytes()

    def create(self, key: str, data: bytes) -> bool:
        """Write ``data`` as ``key`` only if no such object exists; atomic and durable.

        The data is written and synced under a temporary name, then hard-linked to ``key``;
        the link fails if ``key`` exists, so two writers can never both create it.
        """
        target = Path(self.local_path(key))
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, target)
        except FileExistsError:
            return False
        finally:
            temp.unlink()
        _sync_dir(target.parent)
        return True

    def list(self, prefix: str) -> list[str]:
        """Keys under the folder ``prefix``, sorted."""
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())

    def delete(self, key: str) -> None:
        """Remove ``key`` if it exists."""
        (self.root / key).unlink(missing_ok=True)

    def sync(self, key: str) -> None:
        """Make a file written by another component (DuckDB) durable before it is committed."""
        fd = os.open(self.root / key, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_store(uri: str) -> LocalStore:
    """The store behind a lake URI (a ``file://`` URI or an absolute path)."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return LocalStore(Path(unquote(parsed.path)))
    raise UsageError(f"lake location {uri}: only local folders are supported so far")
