"""The fixture itself: a two-ticket event log builds into a mart."""

from __future__ import annotations

from tests.models.conftest import Builder, rows

LOG = """case_id,timestamp,event_type,status,assignment_group,assignee,priority
A,2024-01-01T09:00:00Z,created,New,L1,,High
A,2024-01-01T10:00:00Z,assigned,In Progress,L1,ann,High
A,2024-01-02T09:00:00Z,resolved,Resolved,L1,ann,High
B,2024-01-01T12:00:00Z,created,New,L1,,Low
"""


def test_two_tickets(build_mart: Builder) -> None:
    project = build_mart({"events.csv": LOG})
    assert rows(project, "SELECT ticket_id, is_open, resolution_hours FROM fact_ticket "
                         "ORDER BY ticket_id") == [("A", False, 24.0), ("B", True, None)]  # fmt: skip
