"""The lake's commit log: numbered manifests naming every visible file and every batch.

``_manifest/00000042.json`` is version 42. A writer builds version N+1 from N and creates it
with a create-if-absent write: that single step is the commit. Readers take the highest
version and read only the files it names, so a file a crashed writer left behind is never
seen, and a reader is never blocked: it sees the lake before or after a commit.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ticketlake.errors import TransientError
from ticketlake.lake.integrity import LakeIntegrityError
from ticketlake.lake.stores import Store

PREFIX = "_manifest"
KEEP_VERSIONS = 50
_NAME = re.compile(r"^_manifest/(\d{8})\.json$")

# superseded: a reprocess derived its rows again (``superseded_by``); dropped: ``source drop``.
BatchStatus = Literal["committed", "skipped", "failed", "superseded", "dropped"]


class CommitConflictError(TransientError):
    """Another writer (on another machine, for an object-store lake) committed first."""


class Batch(BaseModel):
    """One ledger row: what happened to one input file (or one quarantine retry)."""

    model_config = ConfigDict(extra="forbid")

    batch_id: str = Field(description="Unique id of the batch.")
    seq: int = Field(description="Manifest version that committed the batch (commit order).")
    source: str = Field(description="Source name the rows belong to.")
    format: str = Field(description="Source format that read the file.")
    path: str = Field(description="Path or URI of the input file as given.")
    sha256: str = Field(description="SHA-256 of the file's bytes (empty for retries).")
    size: int = Field(description="Size of the file in bytes.")
    mtime_ns: int | None = Field(None, description="The file's modification time (ns).")
    status: BatchStatus = Field(
        description="committed, skipped, failed, superseded (by a reprocess) or dropped."
    )
    reason: str = Field("", description="Why the batch was skipped or failed.")
    rows_in: int = Field(0, description="Data rows read from the file.")
    rows_loaded: int = Field(0, description="Rows that passed validation.")
    rows_quarantined: int = Field(0, description="Rows kept in quarantine with a reason.")
    duplicates: int = Field(0, description="Loaded rows that added no new event.")
    events: int = Field(0, description="Canonical events the batch added.")
    started_at: datetime = Field(description="When processing started (UTC).")
    finished_at: datetime = Field(description="When the batch was committed (UTC).")
    version: str = Field(description="ticketlake version that wrote the batch.")
    retry_of: list[str] = Field(default_factory=list, description="Batches whose rows it retried.")
    settings: dict[str, object] = Field(default_factory=dict, description="Source settings used.")
    supersedes: list[str] = Field(
        default_factory=list, description="Batches a reprocess derived again as this one."
    )
    superseded_by: str = Field("", description="The reprocess batch that replaced this one.")


class DataFile(BaseModel):
    """One Parquet file of a lake table, with what readers check it against."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(description="Lake table the file belongs to (or bronze).")
    key: str = Field(description="Store key of the file, relative to the lake.")
    rows: int = Field(description="Rows in the file.")
    batch_id: str = Field(description="Batch that wrote the file.")
    # None only in manifests written by a ticketlake that did not record them yet.
    size: int | None = Field(None, description="Size of the file in bytes.")
    sha256: str | None = Field(None, description="SHA-256 of the file's bytes.")


class Held(BaseModel):
    """A dropped source's batches and files, out of sight but kept until the next build, so
    that ``source restore`` can bring them back."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="The dropped source.")
    version: int = Field(description="Manifest version that dropped it.")
    batch_ids: list[str] = Field(description="Its batches that were committed.")
    files: list[DataFile] = Field(description="Their files, named here so nothing deletes them.")


class Rename(BaseModel):
    """A ``source rename``: part of the history digest, since batch ids stay the same."""

    model_config = ConfigDict(extra="forbid")

    old: str = Field(description="Name before.")
    new: str = Field(description="Name after.")
    version: int = Field(description="Manifest version that renamed it.")


class Manifest(BaseModel):
    """Everything visible in the lake at one version."""

    model_config = ConfigDict(extra="forbid")

    version: int = 0
    committed_at: datetime | None = None
    batches: list[Batch] = Field(default_factory=list)
    files: list[DataFile] = Field(default_factory=list)
    held: list[Held] = Field(default_factory=list)
    renames: list[Rename] = Field(default_factory=list)

    def files_of(self, table: str) -> list[DataFile]:
        """The files of ``table``, in commit order; read them through lake/integrity.py."""
        return [f for f in self.files if f.table == table]

    def since(self, version: int) -> Manifest:
        """The files committed after ``version``: what a reader of that version has not seen."""
        newer = {b.batch_id for b in self.batches if b.status == "committed" and b.seq > version}
        return self.model_copy(update={"files": [f for f in self.files if f.batch_id in newer]})

    def digest(self, version: int) -> str:
        """A fingerprint of the batches committed up to ``version``; it changes only if that
        history does (a lake deleted and re-created, say), never when later batches arrive."""
        ids = sorted(
            b.batch_id for b in self.batches if b.status == "committed" and b.seq <= version
        )
        ids += [f"renamed {r.old} {r.new} {r.version}" for r in self.renames]  # rows changed
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()

    def named(self) -> set[str]:
        """Keys of every file this version keeps: the visible ones and those held for undo."""
        return {f.key for f in self.files} | {f.key for h in self.held for f in h.files}

    def committed_sha(self) -> dict[tuple[str, str], Batch]:
        """Committed batches by (source, sha256), the identity used to skip known content."""
        return {(b.source, b.sha256): b for b in self.batches if b.status == "committed"}


def key_of(version: int) -> str:
    """Store key of manifest ``version``."""
    return f"{PREFIX}/{version:08d}.json"


def versions(store: Store) -> list[int]:
    """Committed manifest versions, oldest first."""
    found = (_NAME.match(k) for k in store.list(PREFIX))
    return sorted(int(m.group(1)) for m in found if m)


def load(store: Store) -> Manifest:
    """The latest committed manifest (an empty one for a new lake)."""
    for _ in range(5):
        known = versions(store)
        if not known:
            return Manifest()
        try:
            return _parse(store, key_of(known[-1]))
        except FileNotFoundError:  # pruned between listing and reading: list again
            continue
    raise RuntimeError("the lake manifest keeps changing under the reader")


def _parse(store: Store, key: str) -> Manifest:
    """Manifest ``key``; one that does not parse is a damaged lake, never an empty one."""
    try:
        return Manifest.model_validate_json(store.read_bytes(key))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise LakeIntegrityError(
            f"lake {store.uri}: {key}: not a valid manifest ({where}: {first['msg']}); "
            "it was changed after it was committed"
        ) from None


def commit(store: Store, base: Manifest, batches: list[Batch], files: list[DataFile]) -> Manifest:
    """Publish ``base`` plus ``batches`` and ``files`` as the next version; the commit point."""
    version = base.version + 1
    for b in batches:
        b.seq = version
    new = base.model_copy(update={"version": version, "committed_at": datetime.now(UTC),
                                  "batches": [*base.batches, *batches],
                                  "files": [*base.files, *files]})  # fmt: skip
    if not store.create(key_of(version), new.model_dump_json(indent=1).encode()):
        raise CommitConflictError(
            f"lake {store.uri}: another writer committed version {version} first; "
            "nothing of this batch is visible, run the command again"
        )
    return new


def prune(store: Store) -> None:
    """Drop old manifest versions; every file they name is also named by the latest one."""
    for version in versions(store)[:-KEEP_VERSIONS]:
        store.delete(key_of(version))
