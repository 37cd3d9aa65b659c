"""Where lake files live, addressed by URI: one module per kind of store, one registry.

A store offers the few operations the lake needs, each of which maps onto an object store:
whole-object writes, a create-if-absent write for commit records, listing by prefix and
deletion. DuckDB and Spark work on files, so a store also hands out local paths: where to
read an object (a remote store downloads it once; lake objects never change after they are
written) and where to write one before :meth:`Store.put` publishes it under its key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from ticketlake.errors import UsageError
from ticketlake.lake.stores.local import LocalStore
from ticketlake.lake.stores.s3 import S3Store


class Store(Protocol):
    """The operations the lake performs on its storage; keys are ``/``-separated."""

    uri: str
    # Files no manifest names are deleted only when older than this: on a shared object
    # store another machine may be writing them right now.
    orphan_grace: timedelta

    def read_path(self, key: str) -> str:
        """A local path holding the content of ``key``, for DuckDB to read."""
        ...

    def evict(self, key: str) -> None:
        """Forget any local copy of ``key``, so the next :meth:`read_path` fetches it again
        (nothing to do where the local path is the object itself)."""
        ...

    def write_path(self, key: str) -> str:
        """A local path to write ``key``'s content to; :meth:`put` then publishes it."""
        ...

    def put(self, key: str) -> None:
        """Make the file written at :meth:`write_path` durable and visible as ``key``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object named ``key`` exists."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The content of ``key``; :class:`FileNotFoundError` if there is none."""
        ...

    def create(self, key: str, data: bytes) -> bool:
        """Write ``data`` as ``key`` only if no such object exists; atomic and durable."""
        ...

    def list(self, prefix: str, older_than: timedelta | None = None) -> list[str]:
        """Keys under the folder ``prefix``, sorted; with ``older_than``, only those last
        written at least that long ago."""
        ...

    def sizes(self, prefix: str) -> dict[str, int]:
        """Keys under the folder ``prefix`` with their sizes in bytes, as the store has them."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if it exists."""
        ...

    def delete_tree(self, prefix: str) -> None:
        """Remove everything under the folder ``prefix``."""
        ...

    def lock_path(self) -> Path:
        """The local file whose lock makes one process at a time a writer of this lake."""
        ...

    def spark_path(self, key: str) -> str:
        """``key`` (a file or a folder) as a path Spark's file systems understand."""
        ...


# URI scheme -> store factory (uri, local cache folder). A new store is a module plus a line.
STORES: dict[str, Callable[[str, Path], Store]] = {
    "": LocalStore.from_uri,
    "file": LocalStore.from_uri,
    "s3": S3Store.from_uri,
}


def open_store(uri: str, cache_dir: Path) -> Store:
    """The store behind a lake URI (an absolute path, ``file://...`` or ``s3://bucket/...``);
    ``cache_dir`` is where a remote store keeps local copies of the objects it reads."""
    scheme = urlparse(uri).scheme.lower()
    if scheme not in STORES:
        known = ", ".join(f"{s}://" for s in STORES if s)
        raise UsageError(f"lake location {uri}: unsupported scheme {scheme}:// (use {known} "
                         "or a local path)")  # fmt: skip
    return STORES[scheme](uri, cache_dir)
