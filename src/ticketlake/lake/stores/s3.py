"""A lake in an S3-compatible object store: ``paths.lake: s3://bucket/prefix``.

Credentials, region and endpoint come from the standard AWS chain (environment variables
such as ``AWS_ACCESS_KEY_ID`` and ``AWS_ENDPOINT_URL``, ``~/.aws/config``, instance roles),
so MinIO, Ceph or R2 work like AWS. The manifest commit is a conditional write
(``If-None-Match: *``), which S3 and the common S3-compatible stores support. Objects are
downloaded once into a local cache: lake objects are never rewritten under the same key.
boto3 is an optional extra (``pip install 'ticketlake[s3]'``), imported only here.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ticketlake.common import extras
from ticketlake.errors import TicketlakeError, UsageError

# HTTP status or error code S3 gives when an If-None-Match write finds the object there.
_EXISTS = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING = {"NoSuchKey", "404", "NotFound"}


class LakeStorageError(TicketlakeError):
    """The object store refused or could not be reached (credentials, bucket, network)."""

    exit_code = 74  # EX_IOERR


class S3Store:
    """Keys live under ``prefix/`` in ``bucket``; reads go through a local cache folder."""

    # Another machine may be between writing its files and committing them; a file no
    # manifest names is deleted only when it is older than any batch can take.
    orphan_grace = timedelta(hours=24)

    def __init__(self, bucket: str, prefix: str, cache_dir: Path, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.cache = cache_dir / "s3" / hashlib.sha256(self.uri.encode()).hexdigest()[:16]

    @classmethod
    def from_uri(cls, uri: str, cache_dir: Path) -> S3Store:
        """The store of ``s3://bucket[/prefix]``, with a client from the AWS chain."""
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise UsageError(f"lake location {uri}: an s3:// URI needs a bucket name")
        return cls(parsed.netloc, parsed.path, cache_dir, _client())

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def read_path(self, key: str) -> str:
        """The cached copy of ``key``, downloaded on first use."""
        local = self.cache / key
        if not local.is_file():
            local.parent.mkdir(parents=True, exist_ok=True)
            temp = local.with_name(f".{local.name}.{uuid.uuid4().hex}.tmp")
            with self._errors(key):
                self.client.download_file(self.bucket, self._name(key), str(temp))
            os.replace(temp, local)
        return str(local)

    def evict(self, key: str) -> None:
        """Delete the cached copy of ``key`` (not the object)."""
        (self.cache / key).unlink(missing_ok=True)

    def write_path(self, key: str) -> str:
        """A path in the cache; :meth:`put` uploads it and the copy stays cached."""
        local = self.cache / key
        local.parent.mkdir(parents=True, exist_ok=True)
        return str(local)

    def put(self, key: str) -> None:
        """Upload the file written at :meth:`write_path` (multipart when large)."""
        with self._errors(key):
            self.client.upload_file(str(self.cache / key), self.bucket, self._name(key))

    def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request)."""
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            return False
        return True

    def read_bytes(self, key: str) -> bytes:
        """The object's content, read from the store (not the cache)."""
        with self._errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
            return bytes(body.read())

    def create(self, key: str, data: bytes) -> bool:
        """A conditional PUT: it succeeds only where no object ``key`` exists."""
        try:
            with self._errors(key, exists_ok=False):
                self.client.put_object(
                    Bucket=self.bucket, Key=self._name(key), Body=data, IfNoneMatch="*"
                )
        except FileExistsError:
            return False
        return True

    def list(self, prefix: str, older_than: timedelta | None = None) -> list[str]:
        """Keys under ``prefix/``, sorted, optionally only those written before a cut-off."""
        cutoff = datetime.now(UTC) - older_than if older_than else None
        objects = self._objects(prefix)
        return sorted(k for k, obj in objects if cutoff is None or obj["LastModified"] <= cutoff)

    def sizes(self, prefix: str) -> dict[str, int]:
        """Keys under ``prefix/`` with the sizes of the objects in the bucket (not the cache)."""
        return {key: int(obj["Size"]) for key, obj in self._objects(prefix)}

    def _objects(self, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(key, listing entry) of every object under ``prefix/``."""
        pages = self.client.get_paginator("list_objects_v2")
        with self._errors(prefix):
            for page in pages.paginate(Bucket=self.bucket, Prefix=self._name(prefix) + "/"):
                for obj in page.get("Contents", []):
                    yield obj["Key"][len(self.prefix) + 1 if self.prefix else 0 :], obj

    def delete(self, key: str) -> None:
        """Delete the object and its cached copy."""
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        (self.cache / key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        """Delete every object under ``prefix/`` and its cached copies."""
        for key in self.list(prefix):
            self.delete(key)
        shutil.rmtree(self.cache / prefix, ignore_errors=True)

    def lock_path(self) -> Path:
        """A lock file in the local cache: it orders this machine's writers; writers on
        different machines are ordered by the conditional manifest write instead."""
        path = self.cache / "_lock" / "write.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def spark_path(self, key: str) -> str:
        """``s3a://bucket/prefix/key``: Hadoop's S3A connector (hadoop-aws) reads it."""
        return f"s3a://{self.bucket}/{self._name(key)}"

    @contextmanager
    def _errors(self, key: str, exists_ok: bool = True) -> Iterator[None]:
        """S3 errors as Python's (missing, already there) or one line naming the object."""
        botocore = importlib.import_module("botocore.exceptions")
        try:
            yield
        except botocore.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise FileNotFoundError(f"{self.uri}/{key}") from None
            if code in _EXISTS and not exists_ok:
                raise FileExistsError(f"{self.uri}/{key}") from None
            raise LakeStorageError(f"lake {self.uri}: {key}: {exc}") from None
        except botocore.BotoCoreError as exc:
            raise LakeStorageError(f"lake {self.uri}: {exc}") from None


def _client() -> Any:
    """An S3 client configured by the AWS chain, or a message saying how to install boto3."""
    boto3 = extras.load("boto3", "s3", "an s3:// lake", "see docs/storage.md")
    return boto3.client("s3")
