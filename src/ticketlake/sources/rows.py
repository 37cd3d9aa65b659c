"""Shared pieces of the formats that export one row per ticket (tickets, json, interactions)."""

from __future__ import annotations

TICKET_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticket_id", "id", "number", "key", "ticket", "ticket_number", "issue_key"),
    "created_at": ("created_at", "created", "opened_at", "created_time", "created_date", "opened"),
    "first_response_at": ("first_response_at", "first_response", "responded_at", "first_reply_at"),
    "updated_at": ("updated_at", "updated", "last_modified", "modified_at"),
    "resolved_at": ("resolved_at", "resolved", "solved_at", "resolution_date"),
    "closed_at": ("closed_at", "closed", "closed_date"),
    "status": ("status", "state", "ticket_status"),
    "priority": ("priority", "severity"),
    "impact": ("impact",),
    "urgency": ("urgency",),
    "category": ("category", "type", "issue_type"),
    "subcategory": ("subcategory", "sub_category"),
    "assignee": ("assignee", "agent", "technician", "assigned_to", "owner"),
    "group_name": ("group", "queue", "assignment_group", "team", "group_name"),
    "support_level": ("support_level", "tier", "level"),
    "requester": ("requester", "caller", "caller_id", "reporter", "requested_by", "user"),
    "customer": ("customer", "organization", "company", "account"),
    "location": ("location", "site", "city", "office"),
    "country": ("country",),
    "channel": ("channel", "contact_type", "source", "via"),
    "title": ("title", "summary", "short_description", "subject"),
    "description": ("description", "details", "body"),
    "reopen_count": ("reopen_count", "reopens"),
    "reassignment_count": ("reassignment_count", "reassignments"),
    "made_sla": ("made_sla", "sla_met"),
    "labels": ("labels", "tags"),
}

# Each row becomes one event per milestone it carries. The row's state as exported (status,
# counters) belongs to its latest milestone; the ticket's text to its creation.
MILESTONE_EVENTS_SQL = """
WITH m AS (
    SELECT v.* EXCLUDE (event_type, event_time), x.event_type, x.event_time, x.step
    FROM valid v, LATERAL (VALUES
        ('created', v.created_at, 1), ('responded', v.first_response_at, 2),
        ('updated', CASE WHEN v.updated_at > greatest(v.created_at, v.first_response_at,
                                                      v.resolved_at, v.closed_at)
                         THEN v.updated_at END, 3),
        ('resolved', v.resolved_at, 4), ('closed', v.closed_at, 5)) x(event_type, event_time, step)
    WHERE x.event_time IS NOT NULL
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY _line ORDER BY event_time DESC, step DESC) = 1 AS latest
    FROM m
)
SELECT ticket_id, event_time, event_type,
       CASE WHEN latest THEN status END AS status,
       CASE WHEN latest THEN sub_status END AS sub_status,
       priority AS priority_raw, impact, urgency, group_name, assignee, support_level,
       requester, customer, location, country, channel, category, subcategory,
       CASE WHEN event_type = 'created' THEN title END AS title,
       CASE WHEN event_type = 'created' THEN description END AS description,
       CASE WHEN latest THEN reopen_count END AS reopen_count,
       CASE WHEN latest THEN reassignment_count END AS reassignment_count,
       CASE WHEN latest THEN made_sla END AS made_sla,
       created_at, external_id, labels, _line
FROM ranked
"""
