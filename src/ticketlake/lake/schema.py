"""Column lists of the canonical lake tables; docs/schema.md describes each column."""

from __future__ import annotations

LINEAGE = {"batch_id": "VARCHAR", "batch_seq": "BIGINT", "source_file": "VARCHAR",
           "source_line": "BIGINT"}  # fmt: skip

# What a source's SQL may produce for each event; anything it leaves out is NULL.
EVENT_PAYLOAD = {
    "ticket_id": "VARCHAR", "event_time": "TIMESTAMP", "event_type": "VARCHAR",
    "event_key": "VARCHAR", "event_seq": "BIGINT", "status": "VARCHAR", "sub_status": "VARCHAR",
    "priority_raw": "VARCHAR", "impact": "VARCHAR", "urgency": "VARCHAR",
    "group_name": "VARCHAR", "assignee": "VARCHAR", "support_level": "VARCHAR",
    "requester": "VARCHAR", "customer": "VARCHAR", "location": "VARCHAR", "country": "VARCHAR",
    "channel": "VARCHAR", "category": "VARCHAR", "subcategory": "VARCHAR", "title": "VARCHAR",
    "description": "VARCHAR", "changed_by": "VARCHAR", "reopen_count": "INTEGER",
    "reassignment_count": "INTEGER", "made_sla": "BOOLEAN", "created_at": "TIMESTAMP",
    "observed_at": "TIMESTAMP", "snapshot_date": "DATE", "external_id": "VARCHAR",
    "labels": "VARCHAR", "vendor_status_category": "VARCHAR", "vendor_reply_minutes": "DOUBLE",
    "vendor_reply_business_minutes": "DOUBLE", "vendor_resolution_minutes": "DOUBLE",
    "vendor_resolution_business_minutes": "DOUBLE", "comment": "VARCHAR",
}  # fmt: skip

TICKET_EVENTS = {"source": "VARCHAR", **EVENT_PAYLOAD, "status_category": "VARCHAR",
                 "priority": "VARCHAR", "attributes": "VARCHAR", **LINEAGE}  # fmt: skip

LINK_PAYLOAD = {"from_id": "VARCHAR", "from_type": "VARCHAR", "to_id": "VARCHAR",
                "to_type": "VARCHAR", "link_type": "VARCHAR"}  # fmt: skip
TICKET_LINKS = {"source": "VARCHAR", **LINK_PAYLOAD, **LINEAGE}

# One row per ticket a snapshot file lists: the ticket was open on ``seen_on`` (the file's day).
SIGHTINGS = {"source": "VARCHAR", "ticket_id": "VARCHAR", "seen_on": "DATE", **LINEAGE}

QUARANTINE = {"source": "VARCHAR", **LINEAGE, "column_name": "VARCHAR", "error_class": "VARCHAR",
              "reason": "VARCHAR", "raw": "VARCHAR"}  # fmt: skip

# A quarantined row that a later retry loaded: (batch_id, source_line) of the original row.
RELEASES = {"batch_id": "VARCHAR", "source_line": "BIGINT", "released_by": "VARCHAR"}

TABLES = {"ticket_events": TICKET_EVENTS, "ticket_links": TICKET_LINKS,
          "ticket_sightings": SIGHTINGS, "quarantine": QUARANTINE,
          "quarantine_releases": RELEASES}  # fmt: skip


def empty_select(columns: dict[str, str]) -> str:
    """A SELECT with the given columns and no rows, for tables that have no files yet."""
    cols = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
    return f"SELECT {cols} WHERE false"
