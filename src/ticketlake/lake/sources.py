"""The lake's sources by name: list, rename, drop and restore, each one manifest commit.

A source is the name its batches carry. ``rename`` writes the source's files again under the
new name (the name is in every row and in every file's key) and commits them in place of the
old ones, recording the rename in the manifest so that the history digest changes and the
next build rebuilds from the lake. ``drop`` marks the source's batches ``dropped`` and moves
their files out of sight into the manifest's ``held`` list, which keeps them from being
deleted; ``restore`` moves them back. The first build after a drop ends it: it purges the
held files (:func:`purge`), after which the dropped batches stay in the ledger as history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb

from ticketlake.common import duck
from ticketlake.common.sqltext import lit
from ticketlake.config.defaults import IDENTIFIER
from ticketlake.errors import UsageError
from ticketlake.lake import integrity
from ticketlake.lake import manifest as mf
from ticketlake.lake.lake import Lake
from ticketlake.lake.lock import LakeBusyError


@dataclass(frozen=True)
class Source:
    """One row of ``source list``."""

    name: str
    formats: str
    files: int
    rows: int
    last_batch: str
    state: str  # "live", or "dropped" while its files are held for a restore


def summary(manifest: mf.Manifest) -> list[Source]:
    """Every live source and every dropped one that can still be restored, by name."""
    held: dict[str, set[str]] = {}
    for h in manifest.held:
        held.setdefault(h.source, set()).update(h.batch_ids)
    rows = [_source(manifest, name, "live", _ids(manifest, name)) for name in live(manifest)]
    rows += [_source(manifest, name, "dropped", ids) for name, ids in held.items()]
    return sorted(rows, key=lambda s: (s.name, s.state))


def _ids(manifest: mf.Manifest, name: str) -> set[str]:
    return {b.batch_id for b in manifest.batches if b.status == "committed" and b.source == name}


def _source(manifest: mf.Manifest, name: str, state: str, ids: set[str]) -> Source:
    batches = [b for b in manifest.batches if b.batch_id in ids]
    files = [b for b in batches if not b.retry_of]
    last = max(batches, key=lambda b: (b.seq, b.finished_at))
    return Source(name, ", ".join(sorted({b.format for b in files})), len(files),
                  sum(b.rows_in for b in files), last.batch_id, state)  # fmt: skip


def live(manifest: mf.Manifest) -> list[str]:
    """Names of the sources with committed batches."""
    return sorted({b.source for b in manifest.batches if b.status == "committed"})


def require_live(manifest: mf.Manifest, name: str) -> None:
    """Fail in one line when ``name`` is not a source of the lake."""
    if name not in live(manifest):
        known = ", ".join(live(manifest)) or "none"
        raise UsageError(f"unknown source {name!r} (sources in the lake: {known})")


# ---------------------------------------------------------------- rename


def rename(writer: Lake.Writer, con: duckdb.DuckDBPyConnection, old: str, new: str,
           configured: Sequence[str]) -> mf.Manifest:  # fmt: skip
    """Rename source ``old`` to ``new`` in one commit; ``configured`` are the names in
    ticketlake.yml (a configured ``old`` is renamed there first, or it would come back)."""
    manifest = writer.manifest
    require_live(manifest, old)
    _check_new_name(manifest, new)
    if old in configured:
        raise UsageError(f"source {old!r} is named in ticketlake.yml (sources[].name); rename it "
                         f"there to {new!r} first, then run this again")  # fmt: skip
    ids = {b.batch_id for b in manifest.batches if b.source == old and b.status != "dropped"}
    mine = [f for f in manifest.files if f.batch_id in ids]
    written: list[mf.DataFile] = []
    try:
        for f in mine:
            written.append(_renamed(writer, con, f, old, new))
        base = _renamed_manifest(manifest, ids, {f.key for f in mine}, old, new, writer.next_seq)
        return writer.rewrite(base, [], written)
    except BaseException:
        writer.discard([f for f in written if f.key not in writer.manifest.named()])
        raise


def _check_new_name(manifest: mf.Manifest, new: str) -> None:
    if not IDENTIFIER.match(new):
        raise UsageError(f"invalid source name {new!r} (start with a-z; use only a-z, 0-9 and _)")
    if new in live(manifest) or any(h.source == new for h in manifest.held):
        raise UsageError(f"source {new!r} already exists in the lake; pick another name")


def _renamed(writer: Lake.Writer, con: duckdb.DuckDBPyConnection, f: mf.DataFile, old: str,
             new: str) -> mf.DataFile:  # fmt: skip
    """``f`` written again under the new name: its key's folder and its rows' source."""
    path = integrity.local_paths(writer.store, [f])[0]
    cols = [
        r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(path)})").fetchall()
    ]
    named = f" REPLACE ({lit(new)} AS source)" if "source" in cols else ""
    folder, _, rest = f.key.partition(f"/{old}/")
    return writer.copy_file(con, f"SELECT *{named} FROM read_parquet({lit(path)})",
                            f.table, f"{folder}/{new}/{rest}", f.batch_id)  # fmt: skip


def _renamed_manifest(manifest: mf.Manifest, ids: set[str], gone: set[str], old: str, new: str,
                      version: int) -> mf.Manifest:  # fmt: skip
    batches = [b.model_copy(update={"source": new}) if b.batch_id in ids else b
               for b in manifest.batches]  # fmt: skip
    files = [f for f in manifest.files if f.key not in gone]
    renames = [*manifest.renames, mf.Rename(old=old, new=new, version=version)]
    return manifest.model_copy(update={"batches": batches, "files": files, "renames": renames})


# ---------------------------------------------------------------- drop, restore, purge


def drop(writer: Lake.Writer, name: str) -> mf.Manifest:
    """Hide source ``name`` in one commit, its files held until the next build."""
    manifest = writer.manifest
    require_live(manifest, name)
    ids = _ids(manifest, name)
    held = mf.Held(source=name, version=writer.next_seq, batch_ids=sorted(ids),
                   files=[f for f in manifest.files if f.batch_id in ids])  # fmt: skip
    batches = [b.model_copy(update={"status": "dropped"}) if b.batch_id in ids else b
               for b in manifest.batches]  # fmt: skip
    files = [f for f in manifest.files if f.batch_id not in ids]
    base = manifest.model_copy(
        update={"batches": batches, "files": files, "held": [*manifest.held, held]}
    )
    return writer.rewrite(base, [], [])


def restore(writer: Lake.Writer, name: str) -> mf.Manifest:
    """Bring back a dropped source in one commit, if no build has run since the drop."""
    manifest = writer.manifest
    held = [h for h in manifest.held if h.source == name]
    if not held:
        raise UsageError(f"no dropped source {name!r} to restore (a dropped source can be "
                         "restored until the next build)")  # fmt: skip
    if name in live(manifest):
        raise UsageError(f"source {name!r} was ingested again since it was dropped; drop it "
                         "again first to restore the old one")  # fmt: skip
    ids = {i for h in held for i in h.batch_ids}
    batches = [b.model_copy(update={"status": "committed"}) if b.batch_id in ids else b
               for b in manifest.batches]  # fmt: skip
    order = {b.batch_id: i for i, b in enumerate(manifest.batches)}
    files = sorted(
        [*manifest.files, *(f for h in held for f in h.files)],
        key=lambda f: order.get(f.batch_id, -1),
    )  # back in commit order
    keep = [h for h in manifest.held if h.source != name]
    base = manifest.model_copy(update={"batches": batches, "files": files, "held": keep})
    return writer.rewrite(base, [], [])


def purge(writer: Lake.Writer, built: int) -> list[str]:
    """Delete the files of sources dropped at or before lake version ``built`` (what the
    build that just ran read); return the sources purged."""
    manifest = writer.manifest
    gone = [h for h in manifest.held if h.version <= built]
    if gone:
        keep = [h for h in manifest.held if h.version > built]
        writer.rewrite(manifest.model_copy(update={"held": keep}), [], [])
    return sorted({h.source for h in gone})


# ---------------------------------------------------------------- running them


Change = Callable[[Lake.Writer, duckdb.DuckDBPyConnection], object]


def change(lake: Lake, names: set[str], op: Change, timeout: float = 600.0) -> mf.Manifest:
    """Run ``op`` under the write lock, then bring the key index's rows of ``names`` in step
    (a crash in between leaves the index behind, and the next writer rebuilds it)."""
    with lake.writer(timeout) as writer:
        con = duck.connect({})
        try:
            writer.use_index(con)
            op(writer, con)
            lake.index.reset(con, writer.store, writer.manifest, names)
        finally:
            con.close()
        return writer.manifest


def purge_after_build(lake: Lake, built: int) -> list[str]:
    """After a build that read lake version ``built``: purge the sources dropped before it.
    When another writer holds the lake, leave them for the next build."""
    if not lake.manifest().held:
        return []
    try:
        with lake.writer(timeout=2.0) as writer:
            return purge(writer, built)
    except LakeBusyError:
        return []
