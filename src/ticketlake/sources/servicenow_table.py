"""``servicenow-table``: the incident table itself, one record per incident, as a list CSV
export or a REST Table API page (``GET /api/now/table/incident``: ``{"result": [...]}``).

Beside the audit log (``servicenow``), which has a row per update, the table has one row per
incident and becomes milestone events as the ``tickets`` format's rows do
(sources/rows.py). Choice fields come as numbers (``state`` 6, ``priority`` 1) or as display
values (``Resolved``, ``1 - Critical``); numbers are read as their labels here, and each state
carries the category ServiceNow gives it, so a project's status map need not know numbers.
Reference fields come as a sys_id, a ``{"link", "value"}`` object, or (with
``sysparm_display_value``) a name; ``calendar_stc`` and ``business_stc`` (seconds) are kept as
the vendor's resolution minutes beside ticketlake's.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

from ticketlake.sources import documents
from ticketlake.sources.base import FileKind, Format, normalise_name
from ticketlake.sources.readers import open_text
from ticketlake.sources.rows import MILESTONE_EVENTS_SQL
from ticketlake.sources.servicenow import INCIDENT_COLUMNS, LINKS_SQL

# The incident table's column names, best first, per canonical field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("number",),
    "external_id": ("sys_id",),
    "created_at": ("opened_at", "sys_created_on"),
    "updated_at": ("sys_updated_on",),
    "status": ("state", "incident_state"),
    "sub_status": ("close_code",),
    "title": ("short_description",),
    "description": ("description",),
    **INCIDENT_COLUMNS,
    # Seconds, as the table holds them; EVENTS_SQL turns them into minutes.
    "vendor_resolution_minutes": ("calendar_stc",),
    "vendor_resolution_business_minutes": ("business_stc",),
}

# The incident state model (``state``, ``incident_state``): value, label, category.
STATES = (("1", "New", "new"), ("2", "In Progress", "open"), ("3", "On Hold", "on_hold"),
          ("6", "Resolved", "resolved"), ("7", "Closed", "closed"),
          ("8", "Canceled", "cancelled"))  # fmt: skip
PRIORITIES = (("1", "1 - Critical"), ("2", "2 - High"), ("3", "3 - Moderate"), ("4", "4 - Low"),
              ("5", "5 - Planning"))  # fmt: skip
LEVELS = (("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low"))  # impact and urgency


def _label(column: str, labels: tuple[tuple[str, str], ...]) -> str:
    """``column``'s value, or the label of the number it holds."""
    cases = " ".join(f"WHEN '{n}' THEN '{label}'" for n, label in labels)
    return f"CASE trim(v.{column}) {cases} ELSE v.{column} END"


_STATE_LABELS = tuple((n, label) for n, label, _ in STATES)
_CATEGORIES = ", ".join(f"('{label.lower()}', '{cat}')" for _, label, cat in STATES)
_MILESTONES = MILESTONE_EVENTS_SQL.replace("FROM valid v,", "FROM incident v,")
assert _MILESTONES != MILESTONE_EVENTS_SQL  # the milestones read the labelled rows

# Milestone events of the labelled rows; the state's category and the vendor's minutes go
# with the row's latest milestone (the one that carries its state).
EVENTS_SQL = f"""
WITH incident AS (
    SELECT v.* REPLACE ({_label("status", _STATE_LABELS)} AS status,
                        {_label("priority", PRIORITIES)} AS priority,
                        {_label("impact", LEVELS)} AS impact,
                        {_label("urgency", LEVELS)} AS urgency)
    FROM valid v
)
SELECT e.*,
       CASE WHEN e.status IS NOT NULL THEN c.category END AS vendor_status_category,
       CASE WHEN e.status IS NOT NULL THEN i.vendor_resolution_minutes / 60 END
           AS vendor_resolution_minutes,
       CASE WHEN e.status IS NOT NULL THEN i.vendor_resolution_business_minutes / 60 END
           AS vendor_resolution_business_minutes
FROM ({_MILESTONES}) e
JOIN incident i USING (_line)
LEFT JOIN (VALUES {_CATEGORIES}) c(label, category) ON c.label = lower(trim(e.status))
"""


# Reference and choice fields: read by their display value (a name, a label) when the
# record carries one (``sysparm_display_value=all``); times and numbers by their value.
DISPLAYED = ("status", "sub_status", "priority", "impact", "urgency", "category", "subcategory",
             "group_name", "assignee", "requester", "location", "channel")  # fmt: skip


def explode(record: documents.Record) -> Iterator[documents.Row]:
    """One row per incident of a Table API page, its fields read by their column names."""
    value = record.value
    by_name = {normalise_name(k): k for k in value}
    row: dict[str, object] = {}
    for name, columns in SYNONYMS.items():
        key = next((by_name[c] for c in columns if c in by_name), None)
        found = None if key is None else field_value(value[key], name in DISPLAYED)
        if found is not None:
            row[name] = found
    if "ticket_id" not in row:
        raise documents.Unusable("the record has no number")
    yield documents.Row("", row, value)


def field_value(value: object, displayed: bool) -> object:
    """A field as the Table API returns it: a value, a reference ``{"link", "value"}``, or
    ``{"display_value", "value"}`` (the display value read when ``displayed``, else the
    value, as times and durations display in the user's own format); "" is no value."""
    if isinstance(value, dict):
        first, second = ("display_value", "value") if displayed else ("value", "display_value")
        value = value.get(first) if value.get(first) not in (None, "") else value.get(second)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dict | list):
        raise documents.Unusable(f"a field holds {json.dumps(value)[:80]}, not a value")
    return value


_PAGE = re.compile(r'^\s*\{\s*"result"\s*:\s*[\[{]')
_TABLE_COLUMNS = ("sys_id", "sys_created_on", "sys_updated_on")


def sniff(path: Path) -> bool:
    """Whether ``path`` is an incident table export: a CSV whose header has ``number``, a
    state and a system column, or a Table API page (``{"result": ...}`` with incidents)."""
    try:
        with open_text(path, "utf-8-sig", errors="replace") as stream:
            head = stream.read(1 << 16)
    except (OSError, EOFError):
        return False
    if _PAGE.match(head):
        return '"number"' in head
    names = {normalise_name(n) for n in next(csv.reader(head.splitlines()[:1]), [])}
    return ("number" in names and bool(names & {"state", "incident_state"})
            and bool(names & set(_TABLE_COLUMNS)))  # fmt: skip


CSV = FileKind(
    name="servicenow_table.csv",
    container="csv",
    synonyms=SYNONYMS,
    required=("ticket_id", "created_at"),
    events_sql=EVENTS_SQL,
    links_sql=LINKS_SQL,
)
JSON = documents.kind("servicenow_table.json", documents.reader(explode, ("result",)),
                      history=False, required=("ticket_id", "created_at"),
                      events_sql=EVENTS_SQL, links_sql=LINKS_SQL)  # fmt: skip

FORMAT = Format(
    name="servicenow-table",
    summary="ServiceNow incident table (list CSV or REST Table API JSON): one row per incident.",
    kinds=(
        *documents.named(CSV, documents.CSV_NAMES),
        *documents.named(JSON, documents.JSON_NAMES),
    ),
    sniff=sniff,
)
