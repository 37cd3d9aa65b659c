"""``servicenow``: an incident audit log, one row per update (``sys_mod_count``).

Each row becomes an ``updated`` event keyed by its ``sys_mod_count``. The incident's
milestones (``opened_at``, ``resolved_at``, ``closed_at``) repeat on every row; they are
taken once, from the incident's latest row, without its group and assignee (those belong to
the latest row's time, not the milestone's, and would fake handoffs). The creation carries the
priority of the incident's first row, the one in force when it opened (an SLA clock's target
starts from it, docs/sla.md); the resolution and closure that of its latest row.
``problem_id`` becomes an incident-to-problem link.
"""

from __future__ import annotations

from ticketlake.sources.base import FileKind, Format

_EVENTS_SQL = """
SELECT ticket_id, event_time, 'updated' AS event_type, CAST(event_seq AS VARCHAR) AS event_key,
       event_seq, status, priority AS priority_raw, impact, urgency, group_name, assignee,
       requester, location, channel, category, subcategory, changed_by, reopen_count,
       reassignment_count, made_sla, created_at, _line
FROM valid
UNION ALL BY NAME
SELECT v.ticket_id, x.event_time, x.event_type, '' AS event_key, NULL AS event_seq,
       NULL AS status, CASE x.event_type WHEN 'created' THEN v.first_priority ELSE v.priority END
           AS priority_raw, v.impact, v.urgency, NULL AS group_name,
       NULL AS assignee, v.requester, v.location, v.channel, v.category, v.subcategory,
       NULL AS changed_by, NULL AS reopen_count, NULL AS reassignment_count, NULL AS made_sla,
       v.created_at, v._line
FROM (SELECT *, first_value(priority IGNORE NULLS) OVER (PARTITION BY ticket_id
                      ORDER BY event_seq, event_time, _line
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_priority
      FROM valid
      QUALIFY row_number() OVER (PARTITION BY ticket_id
                                 ORDER BY event_seq DESC, event_time DESC, _line DESC) = 1) v,
     LATERAL (VALUES ('created', v.created_at), ('resolved', v.resolved_at),
                     ('closed', v.closed_at)) x(event_type, event_time)
WHERE x.event_time IS NOT NULL
"""

LINKS_SQL = """
SELECT ticket_id AS from_id, 'incident' AS from_type, problem_id AS to_id,
       'problem' AS to_type, 'incident_problem' AS link_type, min(_line) AS _line
FROM valid WHERE problem_id IS NOT NULL
GROUP BY ticket_id, problem_id
"""

# An incident's own columns, named alike in the audit log and in the incident table
# (sources/servicenow_table.py).
INCIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "resolved_at": ("resolved_at",),
    "closed_at": ("closed_at",),
    "priority": ("priority",),
    "impact": ("impact",),
    "urgency": ("urgency",),
    "category": ("category",),
    "subcategory": ("subcategory",),
    "group_name": ("assignment_group",),
    "assignee": ("assigned_to",),
    "requester": ("caller_id",),
    "location": ("location",),
    "channel": ("contact_type",),
    "reopen_count": ("reopen_count",),
    "reassignment_count": ("reassignment_count",),
    "made_sla": ("made_sla",),
    "problem_id": ("problem_id",),
}

KIND = FileKind(
    name="servicenow.audit",
    history=True,
    container="csv",
    synonyms={
        "ticket_id": ("number",),
        "event_time": ("sys_updated_at",),
        "event_seq": ("sys_mod_count",),
        "status": ("incident_state", "state"),
        "created_at": ("opened_at",),
        "changed_by": ("sys_updated_by",),
        **INCIDENT_COLUMNS,
    },
    required=("ticket_id", "event_time", "created_at"),
    events_sql=_EVENTS_SQL,
    links_sql=LINKS_SQL,
)

FORMAT = Format(
    name="servicenow",
    summary="ServiceNow incident audit log: one row per update, day-first dates, '?' nulls.",
    kinds=(("*.csv", KIND), ("*.csv.gz", KIND)),
    signature=("number", "incident_state", "sys_mod_count", "sys_updated_at"),
    date_format="%d/%m/%Y %H:%M",
    null_markers=("", "?"),
)
