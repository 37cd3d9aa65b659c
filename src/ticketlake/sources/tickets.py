"""``tickets``: one row per ticket, as CSV, JSON or JSON lines, with a column mapping."""

from __future__ import annotations

from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.rows import MILESTONE_EVENTS_SQL, TICKET_SYNONYMS


def _kind(container: str) -> FileKind:
    return FileKind(name=f"tickets.{container}", container=container,  # type: ignore[arg-type]
                    synonyms=TICKET_SYNONYMS, required=("ticket_id", "created_at"),
                    events_sql=MILESTONE_EVENTS_SQL)  # fmt: skip


FORMAT = Format(
    name="tickets",
    summary="One row per ticket (CSV, JSON or JSON lines) with milestone timestamps.",
    kinds=(
        ("*.csv", _kind("csv")),
        ("*.csv.gz", _kind("csv")),
        ("*.json", _kind("json")),
        ("*.jsonl", _kind("json")),
        ("*.ndjson", _kind("json")),
    ),
    signature=("created_at",),
)
