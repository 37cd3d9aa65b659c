"""Lake integrity: every committed file is read only after it is checked against the manifest.

The writer records each file's size and SHA-256 (:func:`digest`) next to its rows. Every
reader gets its paths from :func:`local_paths` (DuckDB) or :func:`remote_paths` (Spark),
which check that each file is there with the size the manifest records, so a file changed or
truncated after its commit is an error naming it, never a silently smaller result. A build
also checks the rows in each file's Parquet footer (:func:`check_rows`), and ``ticketlake
verify`` re-hashes the whole lake (:func:`verify`): only it finds a change that keeps the
size. Files of manifests from before sizes were recorded are checked by rows alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import pyarrow as pa
import pyarrow.parquet as pq

from ticketlake.errors import TicketlakeError

if TYPE_CHECKING:
    from ticketlake.lake.manifest import DataFile, Manifest
    from ticketlake.lake.stores import Store

FindingKind = Literal["damaged", "no checksum", "orphan"]


class LakeIntegrityError(TicketlakeError):
    """A lake file differs from what the manifest recorded when it was committed."""

    exit_code = 65  # EX_DATAERR: the data is damaged, not the command


def digest(path: str) -> tuple[int, str]:
    """Size and SHA-256 of the file at ``path``, read once, streaming."""
    with open(path, "rb") as handle:
        sha = hashlib.file_digest(handle, "sha256")
        return os.fstat(handle.fileno()).st_size, sha.hexdigest()


def local_paths(store: Store, files: Sequence[DataFile]) -> list[str]:
    """Local paths of ``files`` for DuckDB, each checked to have the size the manifest records;
    a remote store's stale cached copy is fetched again first."""
    paths = []
    for f in files:
        path, problem = _fetch(store, f)
        if problem is not None:
            _fail(store, f.key, problem)
        paths.append(path)
    return paths


def local_path(store: Store, manifest: Manifest, key: str) -> str:
    """The checked local path of the committed file ``key``."""
    named = [f for f in manifest.files if f.key == key]
    if not named:
        _fail(store, key, f"manifest version {manifest.version} names no such file")
    return local_paths(store, named)[0]


def remote_paths(store: Store, files: Sequence[DataFile]) -> list[str]:
    """``files`` as Spark reads them from the store, each checked to have the recorded size
    there (one listing per folder, not a request per file)."""
    found: dict[str, int] = {}
    for folder in sorted({f.key.split("/", 1)[0] for f in files}):
        found.update(store.sizes(folder))
    for f in files:
        problem = size_problem(f, found.get(f.key))
        if problem is not None:
            _fail(store, f.key, problem)
    return [store.spark_path(f.key) for f in files]


def check_rows(store: Store, files: Sequence[DataFile]) -> None:
    """Check each file's row count, read from its Parquet footer, against the manifest: what a
    build does once before it reads the files (the footer is small; the data is not read)."""
    for f, path in zip(files, local_paths(store, files), strict=True):
        problem = _rows_problem(f, path)
        if problem is not None:
            _fail(store, f.key, problem)


def size_problem(f: DataFile, found: int | None) -> str | None:
    """What is wrong with ``f`` given the size found (None: there is no such file)."""
    if found is None:
        recorded = f", the manifest says {f.size:,} bytes" if f.size is not None else ""
        return f"missing{recorded}"
    if f.size is not None and found != f.size:
        return f"{found:,} bytes, the manifest says {f.size:,}"
    return None


def _fail(store: Store, key: str, problem: str) -> NoReturn:
    raise LakeIntegrityError(
        f"lake {store.uri}: {key}: {problem}; the file was changed or removed after its "
        "commit, run `ticketlake verify` to check the whole lake"
    )


def _fetch(store: Store, f: DataFile) -> tuple[str, str | None]:
    """The local path of ``f`` and what is wrong with it. A cached copy of the wrong size is
    dropped and fetched again once: the copy may be what was damaged, not the object."""
    path, size = _found(store, f.key)
    problem = size_problem(f, size)
    if problem is not None:
        store.evict(f.key)
        path, size = _found(store, f.key)
        problem = size_problem(f, size)
    return path, problem


def _found(store: Store, key: str) -> tuple[str, int | None]:
    """The local path of ``key`` and its size (None when there is no such file)."""
    try:
        path = store.read_path(key)
        return path, os.stat(path).st_size
    except FileNotFoundError:
        return "", None


def _rows_problem(f: DataFile, path: str) -> str | None:
    try:
        rows = pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException) as exc:
        return f"not a readable Parquet file ({str(exc).splitlines()[0]})"
    return None if rows == f.rows else f"{rows:,} rows, the manifest says {f.rows:,}"


# ------------------------------------------------------------------ ticketlake verify


@dataclass(frozen=True)
class Finding:
    """One line of ``ticketlake verify``: a damaged file, one it cannot hash, or an orphan."""

    key: str
    kind: FindingKind
    detail: str

    def line(self) -> str:
        """``kind: key: detail``."""
        return f"{self.kind}: {self.key}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    """What ``ticketlake verify`` found in the lake at one manifest version."""

    version: int
    files: int
    bytes: int
    findings: list[Finding] = field(default_factory=list)

    def of(self, kind: FindingKind) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    @property
    def ok(self) -> bool:
        """Whether every file the manifest names is as it was committed."""
        return not self.of("damaged")

    def summary(self) -> str:
        """One line: ``lake ok: N files, M bytes, version V`` or what is damaged."""
        head = "lake ok:" if self.ok else f"lake damaged: {len(self.of('damaged'))} of"
        unchecked, orphans = len(self.of("no checksum")), len(self.of("orphan"))
        notes = [f"{unchecked} without checksum"] if unchecked else []
        notes += [f"{orphans} orphan{'s' * (orphans != 1)}"] if orphans else []
        tail = f" ({', '.join(notes)})" if notes else ""
        return f"{head} {self.files} files, {self.bytes:,} bytes, version {self.version}{tail}"

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``verify --format json``)."""
        return {
            "ok": self.ok,
            "version": self.version,
            "files": self.files,
            "bytes": self.bytes,
            "problems": [{"key": f.key, "problem": f.detail} for f in self.of("damaged")],
            "unchecked": [f.key for f in self.of("no checksum")],
            "orphans": [f.key for f in self.of("orphan")],
        }


def verify(
    store: Store,
    manifest: Manifest,
    prefixes: Iterable[str],
    on_file: Callable[[int, int], None] | None = None,
) -> Verification:
    """Check every file ``manifest`` names (size in the store, size and SHA-256 of the copy
    read here, rows in its footer) and list the files under ``prefixes`` it does not name."""
    listed: dict[str, int] = {}
    for prefix in prefixes:
        listed.update(store.sizes(prefix))
    findings = []
    for done, f in enumerate(manifest.files, 1):
        findings += _verify_file(store, f, listed.get(f.key))
        if on_file is not None:
            on_file(done, len(manifest.files))
    named = {f.key for f in manifest.files}
    findings += [Finding(k, "orphan", "no manifest names it") for k in listed if k not in named]
    total = sum(listed.get(f.key, 0) for f in manifest.files)
    return Verification(manifest.version, len(manifest.files), total, findings)


def _verify_file(store: Store, f: DataFile, in_store: int | None) -> list[Finding]:
    problem = size_problem(f, in_store)
    if problem is None:
        problem = _content_problem(store, f)
    if problem is not None:
        return [Finding(f.key, "damaged", problem)]
    if f.sha256 is None:
        return [Finding(f.key, "no checksum", "written by an older ticketlake; rows checked")]
    return []


def _content_problem(store: Store, f: DataFile) -> str | None:
    """What is wrong with the bytes of ``f`` as read here; a cached copy whose hash differs is
    fetched again once, as a stale size is on every read."""
    path, problem = _fetch(store, f)
    problem = problem or _hash_problem(f, path)
    if problem is not None:
        store.evict(f.key)
        path, problem = _fetch(store, f)
        problem = problem or _hash_problem(f, path)
    return problem or _rows_problem(f, path)


def _hash_problem(f: DataFile, path: str) -> str | None:
    if f.sha256 is None:
        return None
    size, sha256 = digest(path)
    if f.size is not None and size != f.size:
        return f"{size:,} bytes, the manifest says {f.size:,}"
    if sha256 != f.sha256:
        return f"SHA-256 {sha256[:12]}..., the manifest says {f.sha256[:12]}..."
    return None
