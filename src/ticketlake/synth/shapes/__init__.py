"""Export shapes the generator writes; one module each, registered here."""

from __future__ import annotations

from ticketlake.synth.shapes import (
    events,
    github,
    interactions,
    jira,
    json,
    servicenow_table,
    snapshots,
    tickets,
    xes,
    zendesk,
)
from ticketlake.synth.shapes.base import Layout, Writer, WrittenFile

SHAPES: dict[str, Writer] = {
    "tickets": tickets.write,
    "snapshots": snapshots.write,
    "events": events.write,
    "interactions": interactions.write,
    "json": json.write,
    "servicenow-table": servicenow_table.write,
    "servicenow-table-json": servicenow_table.write_json,
    "xes": xes.write,
    "jira-csv": jira.write_csv,
    "jira-json": jira.write_json,
    "zendesk": zendesk.write,
    "github": github.write,
}

__all__ = ["SHAPES", "Layout", "Writer", "WrittenFile"]
