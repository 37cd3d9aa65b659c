"""``ticketlake dataset build``: the offline training set, point-in-time correct.

One row per ticket open at the end of a local day (its source's zone), with the features
known then (:mod:`ticketlake.datasets.features`) and labels read from what happened after;
rows are split by time into train, validation and test, and a row's labels read no further
than the end of its split, so that no training row knows what happened in validation or test
time. The Parquet file and its manifest (counts, ranges, features, content hash) replace the
previous pair whole.
docs/datasets.md defines every column.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ticketlake import config, logs
from ticketlake.common.sqltext import lit
from ticketlake.datasets import features
from ticketlake.engine.dialect import utc_time
from ticketlake.errors import UsageError

log = logs.get("dataset")

DATA_FILE = "dataset.parquet"
MANIFEST_FILE = "manifest.json"
LABELS = ("hours_to_resolution", "resolved_within_target", "reopened")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Dataset:
    """What one ``dataset build`` wrote: the folder, its Parquet file and the manifest."""

    out: Path
    manifest: dict[str, Any]

    @property
    def file(self) -> Path:
        """The Parquet file."""
        return self.out / DATA_FILE

    @property
    def rows(self) -> int:
        """Rows written, every split together."""
        return int(self.manifest["rows"])


def _sources(as_of: date | None) -> str:
    """SQL of each source's zone, first creation and as-of instant: its latest event, or the
    end of local day ``as_of`` if that comes first."""
    last = "max(last_event_at)"
    if as_of is not None:
        day_end = utc_time(
            f"CAST(DATE {lit(as_of.isoformat())} AS TIMESTAMP) + INTERVAL 1 DAY"
            " - INTERVAL 1 MICROSECOND",
            "max(timezone)",
        )
        last = f"least({last}, {day_end})"
    return f"""
SELECT source, max(timezone) AS timezone, min(created_at) AS first_created_at, {last} AS as_of_at
FROM fact_ticket GROUP BY source
"""


def days_sql(as_of: date | None) -> str:
    """SQL of the local days whose ends are the dataset's snapshot times."""
    return f"SELECT DISTINCT day FROM ({features.day_ends(_sources(as_of))}) ORDER BY day"


def rows_sql(
    as_of: date | None, reopen_window_days: float, spans: dict[str, tuple[date, date] | None]
) -> str:
    """SQL of the dataset's rows: keys, day, split, features and labels. A row's labels read
    the events after its time up to its cut-off: the end of its split's last day (in its
    source's zone), or the as-of time if that comes first; the last split reads up to the
    as-of time."""
    sources = _sources(as_of)
    instants = "SELECT source, known_at FROM days"  # the CTE below: day ends computed once
    held = [(name, span) for name, span in spans.items() if span]
    parts = " UNION ALL ".join(
        f"SELECT {lit(name)} AS split, DATE {lit(span[0].isoformat())} AS first_day, "
        f"DATE {lit(span[1].isoformat())} AS last_day, {str(i == len(held) - 1).upper()} AS last"
        for i, (name, span) in enumerate(held)
    )
    split_end = utc_time(
        "CAST(s.last_day AS TIMESTAMP) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND", "a.timezone"
    )
    window = f"INTERVAL {int(reopen_window_days * 86_400_000_000)} MICROSECOND"
    feature_list = ", ".join(f"f.{name}" for name in features.FEATURES)
    return f"""
WITH src AS ({sources}),
days AS ({features.day_ends(sources)}),
cut AS (
    -- Each snapshot's split, and the instant its labels may read up to.
    SELECT d.source, d.known_at, d.day, s.split,
        CASE WHEN s.last THEN a.as_of_at ELSE least(a.as_of_at, {split_end}) END AS as_of_at
    FROM days AS d
    INNER JOIN src AS a ON a.source = d.source
    INNER JOIN ({parts}) AS s ON d.day BETWEEN s.first_day AND s.last_day
),
f AS ({features.at_instants(instants)}),
later AS (
    -- What happened after the row's time, up to the as-of time: the next resolution, and
    -- the first reopen after it.
    SELECT f.source, f.ticket_id, f.known_at,
        min(CASE WHEN e.is_resolution THEN e.event_time END) AS next_resolution_at
    FROM f
    INNER JOIN cut AS a ON a.source = f.source AND a.known_at = f.known_at
    LEFT JOIN fact_ticket_event AS e
        ON e.source = f.source AND e.ticket_id = f.ticket_id
        AND e.event_time > f.known_at AND e.event_time <= a.as_of_at
    GROUP BY f.source, f.ticket_id, f.known_at
),
reopen AS (
    SELECT l.source, l.ticket_id, l.known_at, min(e.event_time) AS reopened_at
    FROM later AS l
    INNER JOIN cut AS a ON a.source = l.source AND a.known_at = l.known_at
    INNER JOIN fact_ticket_event AS e
        ON e.source = l.source AND e.ticket_id = l.ticket_id AND e.is_reopen
        AND e.event_time > l.next_resolution_at
        AND e.event_time <= least(l.next_resolution_at + {window}, a.as_of_at)
    GROUP BY l.source, l.ticket_id, l.known_at
),
labelled AS (
    SELECT
        f.source, f.ticket_id,
        a.day,
        f.known_at AS snapshot_at,
        a.split,
        {feature_list},
        date_diff('microsecond', f.known_at, l.next_resolution_at) / 3600000000.0
            AS hours_to_resolution,
        CASE
            WHEN p.resolution_target_hours IS NULL THEN NULL
            WHEN l.next_resolution_at IS NOT NULL
                THEN date_diff('microsecond', t.created_at, l.next_resolution_at)
                     <= p.resolution_target_hours * 3600000000
            WHEN date_diff('microsecond', t.created_at, a.as_of_at)
                 > p.resolution_target_hours * 3600000000 THEN false
        END AS resolved_within_target,
        CASE
            WHEN r.reopened_at IS NOT NULL THEN true
            WHEN l.next_resolution_at + {window} <= a.as_of_at THEN false
        END AS reopened,
        a.as_of_at AS labels_cut_at
    FROM f
    INNER JOIN cut AS a ON a.source = f.source AND a.known_at = f.known_at
    INNER JOIN fact_ticket AS t ON t.source = f.source AND t.ticket_id = f.ticket_id
    LEFT JOIN later AS l ON l.source = f.source AND l.ticket_id = f.ticket_id AND l.known_at = f.known_at
    LEFT JOIN reopen AS r ON r.source = f.source AND r.ticket_id = f.ticket_id AND r.known_at = f.known_at
    LEFT JOIN cfg_priorities AS p ON p.priority = f.priority
)
SELECT * FROM labelled ORDER BY day, source, ticket_id
"""


def split_days(days: list[date], settings: config.Dataset) -> dict[str, tuple[date, date] | None]:
    """The first and last day of each split: the last ``test_share`` of the days (at least one
    when the share is above 0) for test, the ``validation_share`` before them for validation,
    the rest for training."""
    n = len(days)
    test = math.ceil(n * settings.test_share) if settings.test_share else 0
    validation = math.ceil(n * settings.validation_share) if settings.validation_share else 0
    train = max(n - test - validation, 0)
    bounds = {
        "train": days[:train],
        "validation": days[train : train + validation],
        "test": days[train + validation :],
    }
    return {name: (span[0], span[-1]) if span else None for name, span in bounds.items()}


def build(
    con: duckdb.DuckDBPyConnection,
    settings: config.Settings,
    out: Path,
    as_of: date | None = None,
    build_id: str = "",
) -> Dataset:
    """Compute the dataset on ``con`` (a reader of one build) and write it into ``out``."""
    days = [row[0] for row in con.sql(days_sql(as_of)).fetchall()]
    if not days:
        raise UsageError(
            "no day has ended yet to build a dataset from"
            + (f" up to {as_of}" if as_of else "")
            + "; ingest and build first"
        )
    spans = split_days(days, settings.dataset)
    sql = rows_sql(as_of, settings.dataset.reopen_window_days, spans)
    table = con.sql(sql).to_arrow_table()
    if table.num_rows == 0:
        raise UsageError(
            "no ticket was open at any day's end (sources without states in their "
            "events have none); nothing to build a dataset from"
        )
    manifest = _manifest(table, spans, _left_out(con), as_of, build_id)
    _write(out, table, manifest)
    log.info("wrote dataset %s", out, extra={"rows": manifest["rows"]})
    return Dataset(out, manifest)


def _left_out(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Sources whose events carry no state (so no ticket is ever open here), with their
    ticket counts: the manifest names them rather than leaving them out unsaid."""
    rows = con.sql(
        "SELECT source, count(DISTINCT ticket_id) FROM fact_ticket_event GROUP BY source "
        "HAVING count(state) = 0 ORDER BY source"
    ).fetchall()
    return {str(source): int(n) for source, n in rows}


def _manifest(
    table: pa.Table,
    spans: dict[str, tuple[date, date] | None],
    left_out: dict[str, int],
    as_of: date | None,
    build_id: str,
) -> dict[str, Any]:
    split = table.column("split").to_pylist()
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_id": build_id,
        "as_of": as_of.isoformat() if as_of else None,
        "rows": table.num_rows,
        "keys": ["source", "ticket_id", "snapshot_at"],
        "features": list(features.FEATURES),
        "labels": list(LABELS),
        "splits": {
            name: {
                "rows": split.count(name),
                "labels_cut_at": _latest(table, name),
                "from": span[0].isoformat() if span else None,
                "to": span[1].isoformat() if span else None,
            }
            for name, span in spans.items()
        },
        "sources": {str(s): split_count for s, split_count in _counts(table).items()},
        "sources_without_states": left_out,
        "file": DATA_FILE,
    }


def _latest(table: pa.Table, split: str) -> str | None:
    """The latest instant the labels of ``split`` read (its end, or the as-of time)."""
    names = table.column("split").to_pylist()
    cuts = [
        c
        for n, c in zip(names, table.column("labels_cut_at").to_pylist(), strict=True)
        if n == split
    ]
    return max(cuts).isoformat() if cuts else None


def _counts(table: pa.Table) -> dict[str, int]:
    counts: dict[str, int] = {}
    for source in table.column("source").to_pylist():
        counts[source] = counts.get(source, 0) + 1
    return dict(sorted(counts.items()))


def _write(out: Path, table: pa.Table, manifest: dict[str, Any]) -> None:
    """Write the pair into a new folder beside ``out``, then swap it in: a reader sees the old
    pair or the new one, never a file of one with the manifest of the other."""
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        pq.write_table(table, work / DATA_FILE, compression="zstd")
        manifest["content_sha256"] = hashlib.sha256((work / DATA_FILE).read_bytes()).hexdigest()
        (work / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(work, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
