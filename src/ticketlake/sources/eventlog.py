"""``eventlog``: any status-change log, one row per change, columns named by a mapping.

Unmapped columns are kept per event as JSON ``attributes``. Event types are read from an
optional column and translated through ``EVENT_TYPES``; without one every row is a status
change.
"""

from __future__ import annotations

from ticketlake.sources.base import FileKind, Format

# Raw event type (lower case) -> canonical event type.
EVENT_TYPES = {
    "created": "created", "create": "created", "opened": "created", "new": "created",
    "assigned": "assigned", "assign": "assigned", "reassigned": "reassigned",
    "transfer": "reassigned", "first_response": "responded", "responded": "responded",
    "response": "responded", "status_change": "status_changed", "status_changed": "status_changed",
    "updated": "updated", "update": "updated", "comment": "updated", "reopened": "reopened",
    "reopen": "reopened", "resolved": "resolved", "solved": "resolved", "closed": "closed",
    "close": "closed", "cancelled": "cancelled", "canceled": "cancelled",
}  # fmt: skip

_TYPES = ", ".join(f"('{raw}', '{canonical}')" for raw, canonical in EVENT_TYPES.items())

_EVENTS_SQL = f"""
SELECT ticket_id, event_time,
       coalesce(t.canonical, CASE WHEN v.event_type IS NULL THEN 'status_changed' ELSE 'updated' END)
           AS event_type,
       concat_ws('|', v.event_type, status, sub_status, group_name, assignee) AS event_key,
       event_seq, status, sub_status, priority AS priority_raw, impact, urgency, group_name,
       assignee, support_level, requester, customer, location, country, channel, category,
       subcategory, changed_by, comment, _line
FROM valid v
LEFT JOIN (VALUES {_TYPES}) t(raw, canonical) ON t.raw = lower(v.event_type)
"""

KIND = FileKind(
    name="eventlog.changes",
    history=True,
    container="csv",
    synonyms={
        "ticket_id": ("case_id", "case", "ticket_id", "incident_id", "issue_id", "number", "id"),
        "event_time": ("timestamp", "event_time", "time", "changed_at", "date", "datetime"),
        "event_type": ("event_type", "activity", "event", "action"),
        "event_seq": ("sequence", "seq", "event_seq"),
        "status": ("status", "state", "new_status", "to_status"),
        "sub_status": ("sub_status", "substatus", "reason"),
        "group_name": ("assignment_group", "group", "queue", "team"),
        "assignee": ("assignee", "assigned_to", "agent", "resource"),
        "support_level": ("support_level", "level", "tier"),
        "priority": ("priority", "impact", "severity"),
        "category": ("category", "product", "service"),
        "location": ("location", "site", "country"),
        "country": ("country",),
        "channel": ("channel", "contact_type"),
        "requester": ("requester", "caller", "customer_contact"),
        "customer": ("customer", "organization"),
        "changed_by": ("changed_by", "user", "actor"),
    },
    required=("ticket_id", "event_time"),
    events_sql=_EVENTS_SQL,
)

FORMAT = Format(
    name="eventlog",
    summary="Status-change event log: one row per change; extra columns become attributes.",
    kinds=(("*.csv", KIND), ("*.csv.gz", KIND)),
    signature=("case_id", "timestamp"),
)
