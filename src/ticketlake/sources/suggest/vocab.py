"""What ``map suggest`` knows: column names per canonical field, and the status and priority
vocabularies of the tools people export from. Data only; the rules live in ``match.py``."""

from __future__ import annotations

from collections.abc import Mapping

from ticketlake.config.defaults import DEFAULT_ALIASES, DEFAULT_STATUSES, StatusCategory

# Canonical field -> column names (normalised, see ``sources.base.normalise_name``), best
# first. Dotted JSON paths normalise too: ``assignee.login`` is ``assignee_login``.
NAMES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticket_id", "number", "key", "id", "sr_number", "case_id", "incident_id",
                  "incident_number", "issue_key", "issue_id", "ticket_number", "ticket", "case"),
    "event_time": ("event_time", "timestamp", "change_date_time", "changed_at", "change_date",
                   "sys_updated_on", "sys_updated_at", "datetime", "time", "date"),
    "event_type": ("event_type", "activity", "event", "action"),
    "event_seq": ("sys_mod_count", "event_seq", "sequence", "seq"),
    "created_at": ("created_at", "opened_at", "created", "opened", "created_on", "created_time",
                   "created_date", "creation_date", "open_date", "fields_created"),
    "first_response_at": ("first_response_at", "first_response", "responded_at",
                          "first_reply_at", "metrics_first_response_at"),
    "resolved_at": ("resolved_at", "resolved", "resolved_on", "solved_at", "resolution_date",
                    "fields_resolutiondate", "metrics_solved_at", "metrics_resolved_at"),
    "closed_at": ("closed_at", "closed", "closed_on", "closed_date", "metrics_closed_at"),
    "updated_at": ("updated_at", "updated", "updated_on", "last_modified", "modified_at",
                   "fields_updated"),
    "status": ("status", "state", "incident_state", "ticket_status", "status_name",
               "fields_status_name", "fields_status_status_category_key"),
    "sub_status": ("sub_status", "substatus", "status_reason"),
    "priority": ("priority", "priority_name", "fields_priority_name", "severity"),
    "impact": ("impact",),
    "urgency": ("urgency",),
    "category": ("category", "product", "category_name", "issue_type", "fields_issuetype_name",
                 "type"),
    "subcategory": ("subcategory", "sub_category"),
    "group_name": ("assignment_group", "group", "group_name", "involved_st", "queue", "team",
                   "assignee_group_name"),
    "assignee": ("assigned_to", "assignee", "assignee_login", "assignee_name", "assignee_email",
                 "owner_first_name", "owner", "agent", "technician", "fields_assignee_display_name"),
    "requester": ("caller_id", "caller", "requester", "requester_name", "requester_email",
                  "reporter", "user_login", "user", "requested_by", "opened_by",
                  "fields_reporter_display_name"),
    "customer": ("customer", "organization", "organization_name", "company", "account"),
    "location": ("location", "site", "city", "office"),
    "country": ("country",),
    "channel": ("channel", "contact_type", "via_channel"),
    "support_level": ("support_level", "tier", "level"),
    "title": ("title", "short_description", "summary", "subject", "fields_summary"),
    "description": ("description", "body", "details"),
    "changed_by": ("sys_updated_by", "changed_by", "actor"),
    "problem_id": ("problem_id",),
    "reopen_count": ("reopen_count", "reopens"),
    "reassignment_count": ("reassignment_count", "reassignments"),
    "made_sla": ("made_sla", "sla_met"),
}  # fmt: skip

# Known status vocabularies: name -> raw label -> category. A column's values are matched
# against each; the one that covers most rows names the vocabulary.
STATUS_VOCABULARIES: dict[str, dict[str, StatusCategory]] = {
    "GitHub issue states": {"open": "open", "closed": "closed"},
    "Jira status categories": {
        "To Do": "new", "In Progress": "open", "Done": "closed",
        "new": "new", "indeterminate": "open", "done": "closed",
    },
    "Zendesk statuses": {
        "new": "new", "open": "open", "pending": "pending", "hold": "on_hold",
        "solved": "resolved", "closed": "closed",
    },
    "ServiceNow incident states (numeric)": {
        "1": "new", "2": "open", "3": "on_hold", "6": "resolved", "7": "closed", "8": "cancelled",
    },
    "ServiceNow incident states": {
        "New": "new", "In Progress": "open", "Active": "open", "On Hold": "on_hold",
        "Awaiting User Info": "pending", "Awaiting Evidence": "pending",
        "Awaiting Problem": "on_hold", "Awaiting Vendor": "on_hold", "Resolved": "resolved",
        "Closed": "closed", "Canceled": "cancelled", "Cancelled": "cancelled",
    },
    "BPI Challenge 2013 sub-statuses": {
        "Assigned": "open", "In Progress": "open", "Awaiting Assignment": "open",
        "Wait": "on_hold", "Wait - User": "pending", "Wait - Customer": "pending",
        "Wait - Implementation": "on_hold", "Wait - Vendor": "on_hold", "In Call": "resolved",
        "Resolved": "resolved", "Closed": "closed", "Cancelled": "cancelled",
    },
}  # fmt: skip
# BPI Challenge 2013 top-level statuses: they say little (Completed is resolved, closed or
# cancelled), so the sub-status column carries the lifecycle.
BPI_STATUSES = frozenset({"accepted", "queued", "completed", "unmatched"})

PRIORITY_VOCABULARIES: dict[str, dict[str, str]] = {
    "ServiceNow priorities": {
        "1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4",
        "5 - Planning": "P4",
    },
    "numeric priorities": {"1": "P1", "2": "P2", "3": "P3", "4": "P4"},
    "Zendesk priorities": {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"},
    "Jira priorities": {
        "Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P4",
    },
    "Jira classic priorities": {
        "Blocker": "P1", "Critical": "P1", "Major": "P2", "Minor": "P3", "Trivial": "P4",
    },
    "BPI Challenge 2013 impact": {"Major": "P1", "High": "P2", "Medium": "P3", "Low": "P4"},
}  # fmt: skip


def _labels(tables: list[Mapping[str, str]]) -> dict[str, str]:
    """One case-insensitive table from several, the first meaning of a label winning."""
    merged: dict[str, str] = {}
    for table in tables:
        for label, meaning in table.items():
            merged.setdefault(label.casefold(), meaning)
    return merged


# Every label known from any vocabulary or the defaults, for values outside the vocabulary
# a column was matched to.
KNOWN_STATUSES = _labels([dict(DEFAULT_STATUSES), *STATUS_VOCABULARIES.values()])
KNOWN_PRIORITIES = _labels([dict(DEFAULT_ALIASES), *PRIORITY_VOCABULARIES.values()])
