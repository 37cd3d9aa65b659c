"""Export shapes the generator writes; one module each, registered here."""

from __future__ import annotations

from ticketlake.synth.shapes import (
    events,
    github,
    interactions,
    json,
    snapshots,
    tickets,
    zendesk,
)
from ticketlake.synth.shapes.base import Layout, Writer, WrittenFile

SHAPES: dict[str, Writer] = {
    "tickets": tickets.write,
    "snapshots": snapshots.write,
    "events": events.write,
    "interactions": interactions.write,
    "json": json.write,
    "zendesk": zendesk.write,
    "github": github.write,
}

__all__ = ["SHAPES", "Layout", "Writer", "WrittenFile"]
