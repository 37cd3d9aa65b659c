"""The events and tickets references on hand-made exports: their headline figures are the ones
docs/metrics.md defines (computed by hand below) and the ones ticketlake's warehouse holds.
The exports hold the cases the rules single out: local times with offsets that cross the UTC
day, a reopen then a second resolution, a cancellation, creation and resolution at one
instant, events exactly at a cut-off, and a ticket still open at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import baseline_events, baseline_tickets, compare, stages
from ticketlake import Project

EVENTS_HEADER = (
    "case_id,timestamp,event_type,status,sub_status,assignment_group,assignee,support_level,"
    "priority,category,location,country,channel,changed_by"
)
# A: resolved, reopened, resolved again at 21:00 New York time (02:00 UTC the next day), then
#    closed exactly at a cut-off. B: cancelled. C: still open. D: created and resolved at the
#    same instant. E: created exactly at a cut-off.
EVENTS = [
    ("A", "2024-03-01T10:00:00+01:00", "created", "New"),
    ("A", "2024-03-01T16:00:00+01:00", "resolved", "Resolved"),
    ("A", "2024-03-02T09:00:00Z", "reopened", "Reopened"),
    ("A", "2024-03-02T21:00:00-05:00", "resolved", "Resolved"),
    ("A", "2024-03-04T00:00:00Z", "closed", "Closed"),
    ("B", "2024-03-01T23:30:00Z", "created", "New"),
    ("B", "2024-03-02T08:00:00Z", "cancelled", "Cancelled"),
    ("C", "2024-03-02T12:00:00+05:30", "created", "New"),
    ("C", "2024-03-02T07:00:00Z", "first_response", "In Progress"),
    ("C", "2024-03-02T10:00:00Z", "status_change", "Awaiting Customer"),
    ("D", "2024-03-03T10:00:00Z", "resolved", "Resolved"),
    ("D", "2024-03-03T10:00:00Z", "created", "New"),
    ("E", "2024-03-02T00:00:00Z", "created", "New"),
    ("E", "2024-03-02T06:00:00Z", "resolved", "Resolved"),
]
EVENTS_WANT = {
    "summary": {
        "tickets": 5,
        "resolved": 3,
        "median_resolution_hours": 6.0,
        "mean_resolution_hours": 47 / 3,
    },  # A 41 h, D 0 h, E 6 h
    "daily": [  # day, created, resolved, open at midnight at the end of the day
        ("2024-03-01", 2, 0, 2),  # B, E (created at the cut-off)
        ("2024-03-02", 2, 1, 2),  # A reopened, C
        ("2024-03-03", 1, 2, 1),  # C
        ("2024-03-04", 0, 0, 1),  # C; A's closure at 00:00 makes it the last day
    ],
}

TICKETS_HEADER = (
    "ticket_id,created_at,first_response_at,resolved_at,closed_at,status,priority,category,"
    "channel,queue,support_level,agent,requester,customer,location,reopen_count,"
    "reassignment_count,title,description"
)
TICKETS = [
    (
        "T1",
        "2024-03-01 09:00:00",
        "2024-03-01 10:00:00",
        "2024-03-02 21:00:00",
        "2024-03-05 09:00:00",
        "Closed",
    ),
    ("T2", "2024-03-01 18:00:00", "2024-03-01 19:00:00", "", "", "Awaiting Customer"),
    ("T3", "2024-02-26 12:00:00", "", "", "2024-03-01 08:00:00", "Cancelled"),
    ("T4", "2024-03-02 00:00:00", "", "2024-03-03 00:00:00", "", "Resolved"),
    ("T5", "2024-03-03 10:00:00", "", "", "", "Reopened"),
    ("T6", "2024-03-04 08:00:00", "", "2024-03-04 09:30:00", "", "Resolved"),
]
TICKETS_WANT = {
    "summary": {
        "tickets": 6,
        "resolved": 3,
        "median_resolution_hours": 24.0,
        "mean_resolution_hours": 20.5,
    },  # T1 36 h, T4 24 h, T6 1.5 h
    "daily": [
        ("2024-02-26", 1, 0, 1),  # T3 until its cancellation
        ("2024-02-27", 0, 0, 1),
        ("2024-02-28", 0, 0, 1),
        ("2024-02-29", 0, 0, 1),
        ("2024-03-01", 2, 0, 3),  # T1, T2, T4 (created at the cut-off)
        ("2024-03-02", 1, 1, 1),  # T2; T4 resolved at the cut-off
        ("2024-03-03", 1, 1, 2),  # T2, T5
        ("2024-03-04", 1, 1, 2),
        ("2024-03-05", 0, 0, 2),  # T1 closed that day: the last day of the range
    ],
}

CASES = {
    "events": (EVENTS_HEADER, EVENTS, baseline_events, EVENTS_WANT),
    "tickets": (TICKETS_HEADER, TICKETS, baseline_tickets, TICKETS_WANT),
}


def _export(folder: Path, shape: str) -> Path:
    header, rows, _, _ = CASES[shape]
    folder.mkdir()
    width = header.count(",") + 1
    lines = [header] + [",".join([*r, *[""] * (width - len(r))]) for r in rows]
    (folder / f"{shape}_202403.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _figures(want: dict) -> dict:
    names = ("day", "created", "resolved", "open_tickets")
    return {
        "summary": want["summary"],
        "daily": [dict(zip(names, d, strict=True)) for d in want["daily"]],
    }


@pytest.mark.parametrize("shape", sorted(CASES))
def test_the_reference_computes_the_documented_figures(tmp_path: Path, shape: str) -> None:
    folder = _export(tmp_path / "exports", shape)
    got = CASES[shape][2].run(folder, tmp_path / "work", "1GB", 1)
    assert got["summary"]["tickets"] == CASES[shape][3]["summary"]["tickets"]
    assert compare.headline_mismatches(_figures(CASES[shape][3]), got) == []
    assert got["steps"]["parse_write_parquet"] > 0 and got["parquet_bytes"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(CASES))
def test_ticketlake_computes_the_same_figures(tmp_path: Path, shape: str) -> None:
    folder = _export(tmp_path / "exports", shape)
    project = stages.new_project(tmp_path, shape, folder)
    Project(project).ingest(source=stages.SOURCE)
    Project(project).build()
    want = compare.ticketlake_headline(project / "warehouse" / "ticketlake.duckdb", stages.SOURCE)
    assert compare.headline_mismatches(want, _figures(CASES[shape][3])) == []
