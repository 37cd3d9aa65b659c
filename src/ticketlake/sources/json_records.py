"""``json``: ticket records from a JSON API export (seed 004), nested fields by dotted path."""

from __future__ import annotations

from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.rows import MILESTONE_EVENTS_SQL, TICKET_SYNONYMS

# Defaults follow the common helpdesk API layout (Zendesk-like): objects nested per topic.
SYNONYMS: dict[str, tuple[str, ...]] = {
    **TICKET_SYNONYMS,
    "title": ("subject", *TICKET_SYNONYMS["title"]),
    "first_response_at": ("metrics.first_response_at", *TICKET_SYNONYMS["first_response_at"]),
    "resolved_at": ("metrics.solved_at", "metrics.resolved_at", *TICKET_SYNONYMS["resolved_at"]),
    "closed_at": ("metrics.closed_at", *TICKET_SYNONYMS["closed_at"]),
    "reopen_count": ("metrics.reopens", *TICKET_SYNONYMS["reopen_count"]),
    "reassignment_count": ("metrics.reassignments", *TICKET_SYNONYMS["reassignment_count"]),
    "category": ("category.name", *TICKET_SYNONYMS["category"]),
    "channel": ("via.channel", *TICKET_SYNONYMS["channel"]),
    "requester": ("requester.name", "requester.email", *TICKET_SYNONYMS["requester"]),
    "customer": ("requester.organization.name", "organization.name", *TICKET_SYNONYMS["customer"]),
    "location": ("requester.location.city", *TICKET_SYNONYMS["location"]),
    "country": ("requester.location.country", *TICKET_SYNONYMS["country"]),
    "assignee": ("assignee.name", "assignee.email", *TICKET_SYNONYMS["assignee"]),
    "group_name": ("assignee.group.name", "group.name", *TICKET_SYNONYMS["group_name"]),
    "support_level": ("assignee.group.level", *TICKET_SYNONYMS["support_level"]),
}

KIND = FileKind(name="json.records", container="json", synonyms=SYNONYMS,
                required=("ticket_id", "created_at"), events_sql=MILESTONE_EVENTS_SQL)  # fmt: skip

FORMAT = Format(
    name="json",
    summary="Ticket records as a JSON array or JSON lines; nested fields by dotted path.",
    kinds=(
        ("*.json", KIND),
        ("*.jsonl", KIND),
        ("*.ndjson", KIND),
        ("*.json.gz", KIND),
        ("*.jsonl.gz", KIND),
    ),
)
