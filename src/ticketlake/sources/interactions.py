"""``interactions``: seed 003's export set of contacts, incident links and system ids.

``interaction_*.csv`` holds one row per interaction (a contact that may become an incident),
``ims_inc_*.csv`` links interactions to the incidents they produced and ``sysid_*.json``
gives each record's system id (used to build links back to the tool).
"""

from __future__ import annotations

from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.rows import MILESTONE_EVENTS_SQL, TICKET_SYNONYMS

RECORDS = FileKind(name="interactions.records", container="csv", synonyms=TICKET_SYNONYMS,
                   required=("ticket_id", "created_at"), events_sql=MILESTONE_EVENTS_SQL)  # fmt: skip

LINKS = FileKind(
    name="interactions.links",
    container="csv",
    synonyms={
        "ticket_id": ("interaction_number", "interaction", "ims_number"),
        "linked_id": ("incident_number", "incident", "inc_number"),
    },
    required=("ticket_id", "linked_id"),
    links_sql="""SELECT ticket_id AS from_id, 'interaction' AS from_type, linked_id AS to_id,
                        'incident' AS to_type, 'interaction_incident' AS link_type, _line
                 FROM valid""",
)

SYSTEM_IDS = FileKind(
    name="interactions.sysids",
    container="json",
    synonyms={
        "ticket_id": ("number", "id"),
        "linked_id": ("sys_id",),
        "linked_table": ("table", "sys_class_name"),
    },
    required=("ticket_id", "linked_id"),
    links_sql="""SELECT ticket_id AS from_id, coalesce(linked_table, 'record') AS from_type,
                        linked_id AS to_id, 'sys_id' AS to_type, 'system_id' AS link_type, _line
                 FROM valid""",
)

FORMAT = Format(
    name="interactions",
    summary="Interaction exports: interaction_*.csv, ims_inc_*.csv links, sysid_*.json ids.",
    kinds=(
        ("interaction*.csv", RECORDS),
        ("interaction*.csv.gz", RECORDS),
        ("ims_inc*.csv", LINKS),
        ("ims_inc*.csv.gz", LINKS),
        ("sysid*.json", SYSTEM_IDS),
        ("sysid*.jsonl", SYSTEM_IDS),
    ),
)
