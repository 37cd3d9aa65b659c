"""A lake in a local folder (or any shared file system mounted at the same path everywhere)."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from ticketlake.common.files import fsync
from ticketlake.errors import StorageError


class LocalStore:
    """Keys are paths relative to the lake folder; files are written and synced in place."""

    # The write lock lives in the lake folder itself, so it covers every writer of the lake
    # and no orphan can belong to a live writer.
    orphan_grace = timedelta(0)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = root.as_uri()

    @classmethod
    def from_uri(cls, uri: str, cache_dir: Path | None = None) -> LocalStore:
        """The store of a ``file://`` URI or an absolute path (it needs no cache)."""
        return cls(Path(unquote(urlparse(uri).path)))

    def read_path(self, key: str) -> str:
        """The file itself."""
        return str(self.root / key)

    def evict(self, key: str) -> None:
        """Nothing: the path read is the file itself."""

    def write_path(self, key: str) -> str:
        """The file itself; parent folders are created."""
        path = self.root / key
        with self._writing():
            path.parent.mkdir(parents=True, exist_ok=True)
        return str(path)

    def put(self, key: str) -> None:
        """Sync a file written by another component (DuckDB) before it is committed."""
        fsync(self.root / key)

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return (self.root / key).is_file()

    def read_bytes(self, key: str) -> bytes:
        """The file's content."""
        return (self.root / key).read_bytes()

    def create(self, key: str, data: bytes) -> bool:
        """Write ``data`` as ``key`` only if no such file exists; atomic and durable.

        The data is written and synced under a temporary name, then hard-linked to ``key``;
        the link fails if ``key`` exists, so two writers can never both create it.
        """
        target = Path(self.write_path(key))
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        with self._writing():
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
            fsync(target.parent)
        return True

    def list(self, prefix: str, older_than: timedelta | None = None) -> list[str]:
        """Files under the folder ``prefix``, sorted."""
        base = self.root / prefix
        if not base.is_dir():
            return []
        cutoff = time.time() - older_than.total_seconds() if older_than else None
        found = (p for p in base.rglob("*") if p.is_file())
        if cutoff is not None:
            found = (p for p in found if p.stat().st_mtime <= cutoff)
        return sorted(p.relative_to(self.root).as_posix() for p in found)

    def sizes(self, prefix: str) -> dict[str, int]:
        """Files under the folder ``prefix`` with their sizes."""
        return {key: (self.root / key).stat().st_size for key in self.list(prefix)}

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""
        (self.root / key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        """Remove the folder ``prefix`` and everything in it."""
        shutil.rmtree(self.root / prefix, ignore_errors=True)

    def lock_path(self) -> Path:
        """``_lock/write.lock`` in the lake folder, opened once here as the lock will be, so
        that a lake the system will not let us write is reported before any work starts."""
        path = Path(self.write_path("_lock/write.lock"))
        with self._writing():
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
        return path

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Report a write the system refuses as a StorageError naming the lake folder."""
        try:
            yield
        except OSError as exc:
            raise StorageError.of(f"cannot write to the lake folder {self.root}", exc) from None

    def spark_path(self, key: str) -> str:
        """The local path (the same on every node of a cluster sharing the folder)."""
        return str(self.root / key)
